"""A local SCORM Cloud API v2 emulator: storage, package import, player, rollup and postbacks."""

"""`make demo`: the SCORM Cloud block in the xblock-sdk workbench, on the embedded SCORM Cloud emulator."""

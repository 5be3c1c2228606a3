"""Open edX XBlock for Rustici SCORM Cloud."""

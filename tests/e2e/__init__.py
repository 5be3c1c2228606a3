"""End-to-end tests: the demo as `make demo` runs it, driven over HTTP and in headless Chromium."""

"""Headless Chromium for the end-to-end tests: marks, screenshots and polling."""
import re
import time
from pathlib import Path

import pytest

from scorm_cloud_emulator.player import ASSETS_DIR, RUNTIME_FILE

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                 "--disable-sync", "--no-first-run"]
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "e2e"

BROWSER_MARKS = [
    pytest.mark.browser,
    pytest.mark.skipif(not CHROMIUM.is_file(), reason=f"Chromium is not installed at {CHROMIUM}"),
    pytest.mark.skipif(not (ASSETS_DIR / RUNTIME_FILE).is_file(),
                       reason="scorm-again is not in the player's vendor directory (run `make player-assets`)"),
]


def shot(page, step):
    """Keep a screenshot of this step under test-artifacts/e2e/, named after the test."""
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    name = re.sub(r"[^\w.-]+", "_", f"{page.shot_prefix}-{step}")
    page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)


def wait_for(condition, page=None, timeout=20.0):
    """Poll until condition() is truthy and return its value; postbacks arrive a moment after the page moved on.

    With a page, wait through Playwright so that its events (dialogs) keep being handled meanwhile.
    """
    deadline = time.monotonic() + timeout
    while True:
        value = condition()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"condition not met within {timeout} s")
        if page is not None and not page.is_closed():
            page.wait_for_timeout(100)
        else:
            time.sleep(0.1)

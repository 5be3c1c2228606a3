"""Headless Chromium for the browser tests: the browser, pages as a learner drives them, screenshots, polling.

Debian's Chromium is driven by Playwright with ``executable_path``: Playwright never downloads a
browser. The ``browser`` and ``page`` fixtures live in tests/conftest.py and use this module.
"""
import os
import re
import time
from pathlib import Path

import pytest

from scorm_cloud_emulator.player import ASSETS_DIR, RUNTIME_FILE

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                 "--disable-sync", "--no-first-run"]
#: Screenshots and logs of browser runs, one folder per suite, for inspecting a failure.
ARTIFACTS = Path(__file__).resolve().parents[1] / "test-artifacts"

#: In CI, `make test` has installed the browser and scorm-again: missing, they fail the tests, not skip them.
REQUIRED = bool(os.environ.get("CI"))

BROWSER_MARKS = [
    pytest.mark.browser,
    pytest.mark.skipif(not REQUIRED and not CHROMIUM.is_file(), reason=f"Chromium is not installed at {CHROMIUM}"),
    pytest.mark.skipif(not REQUIRED and not (ASSETS_DIR / RUNTIME_FILE).is_file(),
                       reason="scorm-again is not in the player's vendor directory (run `make player-assets`)"),
]


def launch_chromium(playwright):
    return playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS, headless=True)


def new_page(context, shot_prefix, artifacts):
    """A page that accepts dialogs as a learner would, recording them and the console's errors.

    Golf content asks "resume where you left off?" and "save your progress?": the answer is yes.
    """
    page = context.new_page()
    page.dialogs = []
    page.console_errors = []

    def accept(dialog):
        page.dialogs.append(dialog.message)
        dialog.accept()

    page.on("dialog", accept)
    page.on("console", lambda message: message.type == "error" and page.console_errors.append(message.text))
    page.shot_prefix = shot_prefix
    page.artifacts = Path(artifacts)
    return page


def shot(page, step):
    """Keep a screenshot of this step in the page's artifacts folder, named after the test."""
    page.artifacts.mkdir(parents=True, exist_ok=True)
    name = re.sub(r"[^\w.-]+", "_", f"{page.shot_prefix}-{step}")
    page.screenshot(path=str(page.artifacts / f"{name}.png"), full_page=True)


def wait_for(condition, page=None, timeout=20.0):
    """Poll until condition() is truthy and return its value: commits and postbacks land a moment later.

    With a page, wait through Playwright, so that its events (dialogs) keep being handled meanwhile.
    """
    deadline = time.monotonic() + timeout
    while True:
        value = condition()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"condition not met within {timeout} s")
        if page is not None and not page.is_closed():
            page.wait_for_timeout(50)
        else:
            time.sleep(0.05)

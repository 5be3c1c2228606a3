"""The running demo (emulator + workbench) and, for browser tests, headless Chromium."""
import pytest

from .browser import CHROMIUM, CHROMIUM_ARGS
from .demo_process import DemoProcess, Workbench

DEMO_SCENARIO = "SCORM Cloud"
EMPTY_SCENARIO = "SCORM Cloud, no package yet"


@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    """`python -m demo` on free loopback ports with its own var dir; one per test module."""
    process = DemoProcess(tmp_path_factory.mktemp("demo")).start()
    yield process
    status = process.stop()
    assert status == 0, f"The demo did not stop cleanly on Ctrl-C (status {status}):\n{process.output()}"


@pytest.fixture(scope="module")
def workbench(demo):
    return Workbench(demo.url)


@pytest.fixture(scope="module")
def browser():
    sync_api = pytest.importorskip("playwright.sync_api")
    with sync_api.sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS, headless=True)
        yield chromium
        chromium.close()


@pytest.fixture
def page(browser, request):
    """A fresh browser context per test; dialogs are accepted, as a learner would, and recorded."""
    context = browser.new_context(viewport={"width": 1200, "height": 850})
    context.set_default_timeout(20_000)
    page = context.new_page()
    page.dialogs = []

    def accept(dialog):
        # Golf content asks "resume where you left off?": yes.
        page.dialogs.append(dialog.message)
        dialog.accept()

    page.on("dialog", accept)
    page.shot_prefix = request.node.name
    yield page
    context.close()

"""The running demo (emulator + workbench) and, for browser tests, headless Chromium."""
import pytest

from .browser import ARTIFACTS, CHROMIUM, CHROMIUM_ARGS, shot
from .demo_process import DemoProcess, Workbench

DEMO_SCENARIO = "SCORM Cloud"
EMPTY_SCENARIO = "SCORM Cloud, no package yet"


@pytest.fixture(scope="module")
def demo(tmp_path_factory, request):
    """`python -m demo` on free loopback ports with its own var dir; one per test module."""
    process = DemoProcess(tmp_path_factory.mktemp("demo")).start()
    yield process
    status = process.stop()
    # The demo's console output next to the screenshots, for a failing run.
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    module = request.module.__name__.rpartition(".")[2]
    (ARTIFACTS / f"{module}-demo.log").write_text(process.output())
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


def new_page(context, shot_prefix):
    """A page whose dialogs are accepted, as a learner would, and recorded in page.dialogs."""
    page = context.new_page()
    page.dialogs = []

    def accept(dialog):
        # Golf content asks "resume where you left off?" and "save your progress?": yes.
        page.dialogs.append(dialog.message)
        dialog.accept()

    page.on("dialog", accept)
    page.shot_prefix = shot_prefix
    return page


@pytest.fixture
def page(browser, request):
    """A page in a fresh browser context per test; on failure, every open page is kept as a screenshot."""
    context = browser.new_context(viewport={"width": 1200, "height": 850})
    context.set_default_timeout(20_000)
    yield new_page(context, request.node.name)
    report = getattr(request.node, "call_report", None)
    if report is not None and report.failed:
        for number, open_page in enumerate(context.pages):
            shot(open_page, f"failed-{number}")
    context.close()


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item, call):
    """Keep the test's outcome on it, so the page fixture can take a last screenshot of a failure."""
    report = yield
    if report.when == "call":
        item.call_report = report
    return report

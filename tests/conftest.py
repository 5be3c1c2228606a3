"""Fixtures shared by the whole suite: the third-party packages and a running emulator."""
import os
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]


def _packages_dir():
    configured = os.environ.get("SCORM_PACKAGES_DIR")
    return Path(configured) if configured else REPO.parent / "shared" / "scorm-packages"


@pytest.fixture(scope="session")
def scorm_packages():
    """Directory of the real third-party SCORM packages (read-only fixtures)."""
    path = _packages_dir()
    if not path.is_dir():
        pytest.fail(f"third-party SCORM packages not found at {path} (set SCORM_PACKAGES_DIR)")
    return path


@pytest.fixture
def emulator_factory(tmp_path_factory):
    """Start emulators with custom settings; each is stopped at the end of the test."""
    from scorm_cloud_emulator.config import EmulatorConfig
    from scorm_cloud_emulator.server import EmulatorServer

    started = []

    def start(**overrides):
        settings = dict(
            data_dir=tmp_path_factory.mktemp("emulator"),
            port=0,
            app_id="test-app",
            secret_key="test-secret",
            postback_base_delay=0.01,
            postback_max_delay=0.05,
        )
        settings.update(overrides)
        server = EmulatorServer(EmulatorConfig(**settings))
        server.start()
        started.append(server)
        return server

    yield start
    for server in reversed(started):
        server.stop()


@pytest.fixture
def emulator(emulator_factory):
    """A fresh emulator on an ephemeral loopback port, with test credentials."""
    return emulator_factory()


# -- headless Chromium (tests/browser.py) -----------------------------------------------------------

@pytest.fixture(scope="module")
def browser():
    from tests.browser import REQUIRED, launch_chromium

    if REQUIRED:
        from playwright import sync_api
    else:
        sync_api = pytest.importorskip("playwright.sync_api")
    with sync_api.sync_playwright() as playwright:
        chromium = launch_chromium(playwright)
        yield chromium
        chromium.close()


@pytest.fixture
def page(browser, request):  # pylint: disable=redefined-outer-name
    """A page in a fresh browser context per test; screenshots go to test-artifacts/<suite folder>/.

    When the test fails, every page still open is kept as a screenshot too.
    """
    from tests.browser import ARTIFACTS, new_page, shot

    context = browser.new_context(viewport={"width": 1200, "height": 850})
    context.set_default_timeout(20_000)
    artifacts = ARTIFACTS / request.path.parent.name
    yield new_page(context, request.node.name, artifacts)
    report = getattr(request.node, "call_report", None)
    if report is not None and report.failed:
        for number, open_page in enumerate(context.pages):
            open_page.shot_prefix, open_page.artifacts = request.node.name, artifacts
            shot(open_page, f"failed-{number}")
    context.close()


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item, call):  # pylint: disable=unused-argument
    """Keep the test's outcome on it, so the page fixture can take a last screenshot of a failure."""
    report = yield
    if report.when == "call":
        item.call_report = report
    return report

"""The running demo (emulator + workbench); the browser fixtures are tests/conftest.py's."""
import pytest

from tests.browser import ARTIFACTS

from .demo_process import DemoProcess, Workbench

DEMO_SCENARIO = "SCORM Cloud"
EMPTY_SCENARIO = "SCORM Cloud, no package yet"


@pytest.fixture(scope="module")
def demo(tmp_path_factory, request):
    """`python -m demo` on free loopback ports with its own var dir; one per test module."""
    process = start_demo(tmp_path_factory)
    yield process
    status = process.stop()
    # The demo's console output next to the screenshots, for a failing run.
    folder = ARTIFACTS / "e2e"
    folder.mkdir(parents=True, exist_ok=True)
    module = request.module.__name__.rpartition(".")[2]
    (folder / f"{module}-demo.log").write_text(process.output())
    assert status == 0, f"The demo did not stop cleanly on Ctrl-C (status {status}):\n{process.output()}"


PORT_TAKEN = ("Address already in use", "That port is already in use")


def start_demo(tmp_path_factory, attempts=3):
    """Start the demo; the free ports it is handed can be taken before it binds them, so try again then."""
    attempt = 1
    while True:
        try:
            return DemoProcess(tmp_path_factory.mktemp("demo")).start()
        except RuntimeError as error:
            if attempt == attempts or not any(text in str(error) for text in PORT_TAKEN):
                raise
            attempt += 1


@pytest.fixture(scope="module")
def workbench(demo):
    return Workbench(demo.url)

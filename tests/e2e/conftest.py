"""The running demo (emulator + workbench); the browser fixtures are tests/conftest.py's."""
import pytest

from tests.browser import ARTIFACTS

from .demo_process import DemoProcess, Workbench

DEMO_SCENARIO = "SCORM Cloud"
EMPTY_SCENARIO = "SCORM Cloud, no package yet"


@pytest.fixture(scope="module")
def demo(tmp_path_factory, request):
    """`python -m demo` on free loopback ports (it picks them) with its own var dir; one per test module."""
    process = DemoProcess(tmp_path_factory.mktemp("demo")).start()
    yield process
    status = process.stop()
    # The demo's console output next to the screenshots, for a failing run.
    folder = ARTIFACTS / "e2e"
    folder.mkdir(parents=True, exist_ok=True)
    module = request.module.__name__.rpartition(".")[2]
    (folder / f"{module}-demo.log").write_text(process.output())
    assert status == 0, f"The demo did not stop cleanly on Ctrl-C (status {status}):\n{process.output()}"


@pytest.fixture(scope="module")
def workbench(demo):
    return Workbench(demo.url)

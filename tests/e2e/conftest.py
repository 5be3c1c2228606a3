"""The running demo (emulator + workbench) and, for browser tests, headless Chromium."""
import pytest

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

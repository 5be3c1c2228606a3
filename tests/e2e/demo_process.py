"""`python -m demo` as a child process, and a small HTTP client for the workbench it serves."""
import json
import os
import re
import signal
import subprocess
import sys
import time
from html import unescape
from pathlib import Path

import requests

from scorm_cloud_emulator.admin import AdminClient
from scorm_cloud_xblock.client import ScormCloudClient

REPO = Path(__file__).resolve().parents[2]
APP_ID = "e2e-app"
SECRET_KEY = "e2e-secret"


class DemoProcess:
    """The demo exactly as `make demo` runs it, configured through its environment variables, on free
    loopback ports it picks itself and prints."""

    def __init__(self, var_dir):
        self.var_dir = Path(var_dir)
        self.url = self.emulator_url = None
        self.log_path = self.var_dir / "demo.log"
        self.process = None

    def environment(self):
        env = dict(os.environ, DEMO_VAR_DIR=str(self.var_dir), DEMO_EMULATOR_PORT="0",
                   DEMO_WORKBENCH_ADDRESS="127.0.0.1:0",
                   SCORM_CLOUD_APP_ID=APP_ID, SCORM_CLOUD_SECRET_KEY=SECRET_KEY, PYTHONUNBUFFERED="1")
        # The demo must find its own emulator by itself.
        env.pop("SCORM_CLOUD_BASE_URL", None)
        return env

    def start(self, timeout=60):
        with open(self.log_path, "wb") as log:
            self.process = subprocess.Popen([sys.executable, "-m", "demo"], cwd=REPO, env=self.environment(),
                                            stdout=log, stderr=subprocess.STDOUT)
        self._wait_until_serving(timeout)
        return self

    def _wait_until_serving(self, timeout):
        """Until the demo has printed where it serves, and its workbench answers there."""
        deadline = time.monotonic() + timeout
        while True:
            if self.process.poll() is not None:
                raise RuntimeError(f"The demo exited with {self.process.returncode}:\n{self.output()}")
            emulator = re.search(r"SCORM Cloud emulator: (http://\S+?)/api/v2", self.output())
            workbench = re.search(r"Workbench: (http://\S+?)/ ", self.output())
            if emulator and workbench:
                self.emulator_url, self.url = emulator.group(1), workbench.group(1)
                try:
                    if requests.get(self.url + "/", timeout=5).status_code == 200:
                        return
                except requests.ConnectionError:
                    pass
            if time.monotonic() > deadline:
                self.stop()
                raise RuntimeError(f"The demo did not serve within {timeout} s:\n{self.output()}")
            time.sleep(0.2)

    def stop(self, timeout=30):
        """Ctrl-C, as a developer stops `make demo`; returns the exit status."""
        if self.process is None or self.process.poll() is not None:
            return self.process.returncode if self.process else None
        self.process.send_signal(signal.SIGINT)
        try:
            return self.process.wait(timeout)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
            raise

    def output(self):
        return self.log_path.read_text(errors="replace") if self.log_path.exists() else ""

    @property
    def admin(self):
        return AdminClient(self.emulator_url, APP_ID, SECRET_KEY)

    @property
    def cloud(self):
        """The SCORM Cloud API client the block itself uses, pointed at the demo's emulator."""
        return ScormCloudClient(APP_ID, SECRET_KEY, base_url=self.emulator_url + "/api/v2")


class Workbench:
    """The workbench's pages and the block's handlers over HTTP, as the block's own JavaScript calls them."""

    def __init__(self, url):
        self.url = url
        self.session = requests.Session()

    def scenario_id(self, title):
        """The id the workbench gave the scenario with this title (listed on its index page)."""
        index = self.session.get(self.url + "/", timeout=10).text
        for scenario_id, text in re.findall(r'<a href="/scenario/([^/"]+)/">([^<]+)</a>', index):
            if unescape(text) == title:
                return scenario_id
        raise LookupError(f"No workbench scenario titled {title!r}")

    def scenario_url(self, scenario_id, student, view=None):
        path = f"/scenario/{scenario_id}/" + (f"{view}/" if view else "")
        return f"{self.url}{path}?student={student}"

    def usage_id(self, scenario_id, student="staff"):
        """The block's usage id, read from its rendered scenario page (which also sets the CSRF cookie)."""
        page = self.session.get(self.scenario_url(scenario_id, student), timeout=10)
        page.raise_for_status()
        return re.search(r"data-usage='([^']+)' data-block-type='scormcloud'", page.text).group(1)

    def handler_url(self, usage_id, handler, student):
        return f"{self.url}/handler/{usage_id}/{handler}/?student={student}"

    def post(self, usage_id, handler, student, data=None):
        """POST JSON to one of the block's handlers as `student`, with the CSRF token the page set."""
        return self.session.post(self.handler_url(usage_id, handler, student), data=json.dumps(data or {}),
                                 headers={"Content-Type": "application/json",
                                          "X-CSRFToken": self.session.cookies.get("csrftoken", "")},
                                 timeout=30)

    def call(self, usage_id, handler, student, data=None):
        """Like post(), for a call that must succeed; returns the decoded JSON answer."""
        response = self.post(usage_id, handler, student, data)
        if response.status_code != 200:
            raise AssertionError(f"{handler} answered {response.status_code}: {response.text}")
        return response.json()

    def progress(self, usage_id, student):
        """The learner's progress as the block stored it (no refresh: only postbacks can have changed it)."""
        return self.call(usage_id, "progress", student, {"refresh": False})

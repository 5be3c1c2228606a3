"""
The ScormCloudXBlock test bench: the Open edX test runtime in front of a running emulator.

A receiver stands at the LMS's SITE_NAME on loopback and records SCORM Cloud's postbacks; tests
replay the exact requests into the noauth handler, so they can also repeat, reorder or withhold them.
tests/test_postbacks_over_http.py instead serves the runtime's noauth route over HTTP
(tests/openedx/lms_http.py) and lets the emulator deliver, and retry, on its own.
Test modules import the fixtures they use from here.
"""
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from scorm_cloud_xblock import ids
from scorm_cloud_xblock.block import ScormCloudXBlock
from scorm_cloud_xblock.client import ScormCloudClient
from tests.openedx import OpenEdxTestRuntime

COURSE_KEY = "course-v1:Org+SCORM+2026"
POSTBACK_SECRET = "postback-secret-for-tests"
PREFIX = "test"
GOLF_12 = "golf_RuntimeBasicCalls_SCORM12.zip"


def wait_for_import(client, job_id):
    for _ in range(200):
        job = client.import_status(job_id)
        if job.status != "RUNNING":
            return job
        time.sleep(0.05)
    raise AssertionError("import did not finish")


class HeldInCloud:
    """
    A request on a thread, held inside SCORM Cloud's `operation` (the emulator delays it `hold` seconds).

    The constructor returns once the request is inside the call (the emulator counts a call before
    it sleeps), so the test can then send what must arrive meanwhile; `join()` gives the response.
    Nothing depends on timing but the hold being longer than one local request.
    """

    def __init__(self, emulator, operation, request, hold=3.0):
        self.response = None
        calls = emulator.admin.stats()["calls"].get(operation, 0)
        emulator.admin.inject_faults(api=[{"operation": operation, "delay": hold, "times": 1}])
        start = threading.Barrier(2)

        def run():
            start.wait()
            self.response = request()

        self.thread = threading.Thread(target=run)
        self.thread.start()
        start.wait()
        for _ in range(500):
            if emulator.admin.stats()["calls"].get(operation, 0) > calls:
                return
            time.sleep(0.01)
        raise AssertionError(f"the request never reached {operation}")

    def join(self):
        self.thread.join()
        return self.response


@pytest.fixture
def cloud(emulator):
    return ScormCloudClient("test-app", "test-secret", base_url=emulator.api_url, retries=0)


@pytest.fixture
def golf_course(cloud, scorm_packages):
    with open(scorm_packages / GOLF_12, "rb") as package:
        job = wait_for_import(cloud, cloud.upload_import("golf-12", package, filename=GOLF_12))
    assert job.status == "COMPLETE", job.message
    return job.course


class PostbackReceiver:
    """Stands at the LMS's SITE_NAME on loopback and records what SCORM Cloud (the emulator) posts."""

    def __init__(self):
        self.requests = []
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):  # noqa: N802 (http.server's naming)
                length = int(self.headers.get("Content-Length") or 0)
                receiver.requests.append({"path": self.path, "headers": dict(self.headers),
                                          "body": self.rfile.read(length)})
                self.send_response(204)
                self.end_headers()

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.site_name = f"127.0.0.1:{self.server.server_address[1]}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def stop(self):
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def receiver():
    receiver = PostbackReceiver()
    yield receiver
    receiver.stop()


def make_runtime(emulator, receiver, **overrides):
    settings = {"APP_ID": "test-app", "SECRET_KEY": "test-secret", "BASE_URL": emulator.api_url,
                "POSTBACK_SECRET": POSTBACK_SECRET, "ID_PREFIX": PREFIX}
    settings.update(overrides)
    return OpenEdxTestRuntime(xblock_settings={"ScormCloudXBlock": settings}, site_name=receiver.site_name,
                              https=False)


@pytest.fixture
def rt(emulator, receiver):
    return make_runtime(emulator, receiver)


@pytest.fixture
def alice(rt):
    return rt.add_user("alice", email="alice@example.com", full_name="Alice Liddell")


@pytest.fixture
def staff(rt):
    return rt.add_user("staff", is_course_staff=True)


@pytest.fixture
def as_alice(rt, staff, alice):
    """Staff choose "View this course as: alice"."""
    rt.masquerade(staff, COURSE_KEY, alice)
    return staff


@pytest.fixture
def unit(rt, golf_course):
    return rt.create_block(ScormCloudXBlock, course_key=COURSE_KEY, fields={
        "cloud_course_id": golf_course.id, "cloud_course_title": golf_course.title,
        "learning_standard": golf_course.learning_standard, "weight": 10.0})


def registration_of(rt, user, usage_key):
    return ids.registration_id(PREFIX, str(usage_key), rt.anonymous_user_id(user, COURSE_KEY))


def register(rt, unit, user):
    response = rt.handle(unit, "register", user=user, json={})
    assert response.status_code == 200, response.body
    return response.json_body


def delivered_postbacks(emulator, receiver):
    emulator.admin.flush_postbacks()
    return list(receiver.requests)


def replay(rt, unit, postback):
    """Hand the request the emulator sent, headers and body as they were, to the noauth handler."""
    headers = {name: value for name, value in postback["headers"].items()
               if name.lower() in ("content-type", "authorization")}
    return rt.handle_noauth(unit, "postback", body=postback["body"], headers=headers)


def set_progress_and_replay(rt, emulator, receiver, unit, registration_id, **progress):
    emulator.admin.set_progress(registration_id, **progress)
    postback = delivered_postbacks(emulator, receiver)[-1]
    return replay(rt, unit, postback), postback


def poll_import(rt, unit, author):
    for _ in range(200):
        status = rt.handle_studio(unit, "import_status", user=author, json={}).json_body
        if status["status"] != "RUNNING":
            return status
        time.sleep(0.05)
    raise AssertionError("import did not finish")


@pytest.fixture
def author(rt):
    return rt.add_user("author", is_course_author=True)


@pytest.fixture
def empty_unit(rt):
    return rt.create_block(ScormCloudXBlock, course_key=COURSE_KEY)

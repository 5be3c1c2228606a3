"""Registration postbacks: both auth types, SCORM Cloud's delivery rules, retries and injected faults."""
import base64
import json
import random
import socket
import threading

import pytest
from werkzeug.serving import make_server
from werkzeug.wrappers import Request, Response

from scorm_cloud_emulator.config import EmulatorConfig
from scorm_cloud_emulator.postbacks import backoff_delay, build_request
from scorm_cloud_emulator.server import EmulatorServer

from .test_api import GOLF_12, import_course, register, session_for


class Receiver:
    """A postback endpoint on loopback that records requests and answers from a script of statuses."""

    def __init__(self, statuses=()):
        self.statuses = list(statuses)
        self.received = []
        self._lock = threading.Lock()
        self._server = make_server("127.0.0.1", 0, self._app, threaded=True)
        self._thread = threading.Thread(target=self._server.serve_forever, kwargs={"poll_interval": 0.05},
                                        daemon=True)
        self.url = f"http://127.0.0.1:{self._server.server_port}/postback"

    def _app(self, environ, start_response):
        request = Request(environ)
        with self._lock:
            self.received.append({"headers": dict(request.headers), "body": request.get_data(),
                                  "form": request.form.to_dict() if request.mimetype.endswith("urlencoded")
                                  else None})
            status = self.statuses.pop(0) if self.statuses else 200
        headers = {"Location": "https://127.0.0.1/login"} if 300 <= status < 400 else None
        return Response("", status=status, headers=headers)(environ, start_response)

    def payloads(self):
        return [json.loads(item["form"]["data"] if item["form"] else item["body"]) for item in self.received]

    def __enter__(self):
        self._thread.start()
        return self

    def __exit__(self, *exc_info):
        self._server.shutdown()
        self._server.server_close()
        self._thread.join()


@pytest.fixture
def receiver():
    with Receiver() as receiver:
        yield receiver


@pytest.fixture
def api(emulator, scorm_packages):
    session = session_for(emulator)
    import_course(session, emulator, scorm_packages / GOLF_12, "course")
    return session


def basic(user, password):
    return "Basic " + base64.b64encode(f"{user}:{password}".encode()).decode()


def register_with_postback(api, emulator, url, registration_id="r1", **postback):
    postback = {"url": url, "authType": "HTTPBASIC", "userName": "user", "password": "pass",
                "resultsFormat": "COURSE", **postback}
    register(api, emulator, registration_id, postBack=postback)


def unused_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def test_httpbasic_postback_is_a_json_body_with_basic_auth(api, emulator, receiver):
    register_with_postback(api, emulator, receiver.url)
    emulator.admin.set_progress("r1", registrationCompletion="COMPLETED", registrationSuccess="PASSED",
                                score={"scaled": 90})
    emulator.admin.flush_postbacks()
    (request,) = receiver.received
    assert request["headers"]["Authorization"] == basic("user", "pass")
    assert request["headers"]["Content-Type"].startswith("application/json")
    payload = json.loads(request["body"])
    assert payload == api.get(f"{emulator.api_url}/registrations/r1").json()
    assert payload["score"] == {"scaled": 90.0}
    assert "activityDetails" not in payload


def test_form_postback_carries_json_in_data_with_credentials(api, emulator, receiver):
    register_with_postback(api, emulator, receiver.url, authType="FORM", resultsFormat="ACTIVITY")
    emulator.admin.set_progress("r1", registrationCompletion="INCOMPLETE")
    emulator.admin.flush_postbacks()
    (request,) = receiver.received
    assert request["headers"]["Content-Type"].startswith("application/x-www-form-urlencoded")
    assert "Authorization" not in request["headers"]
    assert request["form"]["userName"] == "user"
    assert request["form"]["password"] == "pass"
    payload = json.loads(request["form"]["data"])
    assert payload["id"] == "r1"
    assert payload["registrationCompletion"] == "INCOMPLETE"
    assert payload["activityDetails"]["activityCompletion"] == "INCOMPLETE"


def test_only_real_changes_post_back(api, emulator, receiver):
    register_with_postback(api, emulator, receiver.url)
    for _ in range(2):
        emulator.admin.set_progress("r1", registrationCompletion="INCOMPLETE")
    emulator.admin.set_progress("r1", totalSecondsTracked=30)
    emulator.admin.flush_postbacks()
    assert [p["totalSecondsTracked"] for p in receiver.payloads()] == [0.0, 30.0]


def test_registration_without_postback_sends_nothing(api, emulator, receiver):
    register(api, emulator, "r1")
    emulator.admin.set_progress("r1", registrationCompletion="COMPLETED")
    emulator.admin.flush_postbacks()
    assert receiver.received == []
    assert emulator.admin.postbacks() == []


def test_failures_are_retried_until_delivered(api, emulator):
    with Receiver(statuses=[500, 404, 503]) as receiver:
        register_with_postback(api, emulator, receiver.url)
        emulator.admin.set_progress("r1", registrationCompletion="COMPLETED")
        emulator.admin.flush_postbacks()
        assert len(receiver.received) == 4
    log = emulator.admin.postbacks()
    assert [(e["attempt"], e["status"], e["delivered"]) for e in log] == [
        (1, 500, False), (2, 404, False), (3, 503, False), (4, 200, True)]
    assert all(e["registrationId"] == "r1" and e["url"] == receiver.url for e in log)


def test_a_redirect_counts_as_delivered_and_is_not_followed(api, emulator):
    with Receiver(statuses=[302]) as receiver:
        register_with_postback(api, emulator, receiver.url)
        emulator.admin.set_progress("r1", registrationCompletion="COMPLETED")
        emulator.admin.flush_postbacks()
        assert len(receiver.received) == 1
    (entry,) = emulator.admin.postbacks()
    assert (entry["status"], entry["delivered"]) == (302, True)


def test_connection_errors_are_retried_up_to_the_attempt_limit(emulator_factory, scorm_packages):
    emulator = emulator_factory(postback_max_attempts=3)
    session = session_for(emulator)
    import_course(session, emulator, scorm_packages / GOLF_12, "course")
    register_with_postback(session, emulator, f"http://127.0.0.1:{unused_port()}/postback")
    emulator.admin.set_progress("r1", registrationCompletion="COMPLETED")
    emulator.admin.flush_postbacks()
    log = emulator.admin.postbacks()
    assert [(e["attempt"], e["status"], e["delivered"]) for e in log] == [
        (1, None, False), (2, None, False), (3, None, False)]
    assert all(e["error"] for e in log)


def test_postback_test_sends_once_and_never_retries(api, emulator):
    with Receiver(statuses=[500]) as receiver:
        body = {"url": receiver.url, "authType": "HTTPBASIC", "userName": "u", "password": "p"}
        failed = api.post(f"{emulator.api_url}/registrations/postBackTest", json=body)
        assert failed.status_code == 400
        assert "500" in failed.json()["message"]
        emulator.admin.flush_postbacks()
        assert len(receiver.received) == 1

        assert api.post(f"{emulator.api_url}/registrations/postBackTest", json=body).status_code == 204
        assert len(receiver.received) == 2
        request = receiver.received[1]
        assert request["headers"]["Authorization"] == basic("u", "p")
        assert json.loads(request["body"])["registrationCompletion"] == "COMPLETED"


def test_postback_test_needs_a_url(api, emulator):
    assert api.post(f"{emulator.api_url}/registrations/postBackTest", json={}).status_code == 400


def test_reset_posts_back_the_cleared_progress(api, emulator, receiver):
    register_with_postback(api, emulator, receiver.url)
    emulator.admin.set_progress("r1", registrationCompletion="COMPLETED")
    assert api.delete(f"{emulator.api_url}/registrations/r1/progress").status_code == 204
    emulator.admin.flush_postbacks()
    assert [p["registrationCompletion"] for p in receiver.payloads()] == ["COMPLETED", "UNKNOWN"]


# -- injected faults ---------------------------------------------------------------------------------

def test_fail_fault_fails_attempts_without_sending_then_retries(api, emulator, receiver):
    register_with_postback(api, emulator, receiver.url)
    emulator.admin.inject_faults(postbacks={"fail": 2})
    emulator.admin.set_progress("r1", registrationCompletion="COMPLETED")
    emulator.admin.flush_postbacks()
    assert len(receiver.received) == 1
    assert [e["delivered"] for e in emulator.admin.postbacks()] == [False, False, True]


def test_drop_fault_loses_deliveries(api, emulator, receiver):
    register_with_postback(api, emulator, receiver.url)
    emulator.admin.inject_faults(postbacks={"drop": 1})
    emulator.admin.set_progress("r1", registrationCompletion="INCOMPLETE")
    emulator.admin.set_progress("r1", registrationCompletion="COMPLETED")
    emulator.admin.flush_postbacks()
    assert [p["registrationCompletion"] for p in receiver.payloads()] == ["COMPLETED"]


def test_duplicate_fault_sends_everything_twice(api, emulator, receiver):
    register_with_postback(api, emulator, receiver.url)
    emulator.admin.inject_faults(postbacks={"duplicate": True})
    emulator.admin.set_progress("r1", registrationCompletion="COMPLETED")
    emulator.admin.flush_postbacks()
    first, second = receiver.payloads()
    assert first == second


def test_reorder_fault_delivers_newest_first(api, emulator, receiver):
    register_with_postback(api, emulator, receiver.url)
    emulator.admin.inject_faults(postbacks={"reorder": True})
    for seconds in (10, 20, 30):
        emulator.admin.set_progress("r1", totalSecondsTracked=seconds)
    emulator.admin.flush_postbacks()
    assert [p["totalSecondsTracked"] for p in receiver.payloads()] == [30.0, 20.0, 10.0]


def test_clearing_faults_releases_held_deliveries(api, emulator, receiver):
    register_with_postback(api, emulator, receiver.url)
    emulator.admin.inject_faults(postbacks={"reorder": True})
    emulator.admin.set_progress("r1", registrationCompletion="COMPLETED")
    emulator.admin.clear_faults()
    emulator.admin.flush_postbacks()
    assert len(receiver.received) == 1


def test_queued_postbacks_survive_a_restart(tmp_path, scorm_packages):
    config = EmulatorConfig(data_dir=tmp_path, port=0, app_id="app", secret_key="secret",
                            postback_base_delay=0.01, postback_max_delay=0.05)
    with Receiver() as receiver:
        with EmulatorServer(config) as first:
            session = session_for(first)
            import_course(session, first, scorm_packages / GOLF_12, "course")
            register_with_postback(session, first, receiver.url)
            first.admin.inject_faults(postbacks={"reorder": True})  # hold the delivery in the queue
            first.admin.set_progress("r1", registrationCompletion="COMPLETED")
        with EmulatorServer(config) as second:
            second.admin.flush_postbacks()
        assert [p["registrationCompletion"] for p in receiver.payloads()] == ["COMPLETED"]


# -- pure helpers ------------------------------------------------------------------------------------

def test_backoff_doubles_within_bounds():
    rng = random.Random(7)
    for attempt in range(1, 80):
        delay = backoff_delay(attempt, base=1.0, maximum=900.0, rng=rng)
        assert 1.0 <= delay <= 900.0
        assert delay >= min(900.0, 2 ** (attempt - 1)) / 2
    assert backoff_delay(70, base=1.0, maximum=900.0, rng=rng) >= 450.0


def test_undefined_auth_type_posts_json():
    request = build_request("http://127.0.0.1/pb", "UNDEFINED", None, None, "{}")
    assert request["headers"]["Content-Type"].startswith("application/json")
    assert "Authorization" not in request["headers"]


def test_unknown_fault_settings_are_400(emulator):
    session = session_for(emulator)
    for body in ({"postbacks": {"fail": -1}}, {"postbacks": {"duplicate": "yes"}}, {"api": {"operation": "x"}},
                 {"api": [{"status": 503}]}):
        assert session.post(f"{emulator.root_url}/_admin/faults", json=body).status_code == 400


def test_initial_settings_can_configure_the_postback(api, emulator, receiver):
    settings = [{"settingId": "ApiRollupRegistrationPostBackUrl", "value": receiver.url},
                {"settingId": "ApiRollupRegistrationAuthType", "value": "form"},
                {"settingId": "ApiRollupRegistrationAuthUser", "value": "u"},
                {"settingId": "ApiRollupRegistrationAuthPassword", "value": "p"}]
    register(api, emulator, "r1", initialSettings={"settings": settings})
    emulator.admin.set_progress("r1", registrationCompletion="COMPLETED")
    emulator.admin.flush_postbacks()
    (request,) = receiver.received
    assert (request["form"]["userName"], request["form"]["password"]) == ("u", "p")
    assert json.loads(request["form"]["data"])["id"] == "r1"


def test_import_job_posts_its_result_to_the_postback_url(emulator, scorm_packages, receiver):
    session = session_for(emulator)
    import_course(session, emulator, scorm_packages / GOLF_12, "course", postbackUrl=receiver.url)
    emulator.app.wait_for_import_jobs()
    (payload,) = receiver.payloads()
    assert payload["status"] == "COMPLETE"
    assert payload["importResult"]["course"]["id"] == "course"

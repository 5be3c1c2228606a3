"""Stopping the emulator: work still in flight finishes before the database is closed."""
import logging

import pytest
import requests
from werkzeug.test import Client

from scorm_cloud_emulator.config import EmulatorConfig
from scorm_cloud_emulator.server import EmulatorServer

from .test_api import GOLF_12, import_course, session_for
from .test_postbacks import Receiver


@pytest.fixture
def config(tmp_path):
    return EmulatorConfig(data_dir=tmp_path, port=0, app_id="app", secret_key="secret",
                          postback_base_delay=0.01, postback_max_delay=0.05)


def request_left_running(session, method, url, **kwargs):
    """Send a request and stop waiting for the answer: the server is still working on it."""
    with pytest.raises(requests.ReadTimeout):
        session.request(method, url, timeout=(5, 0.2), **kwargs)


def test_stop_lets_a_request_in_flight_finish_before_closing_the_database(config, scorm_packages, caplog):
    with EmulatorServer(config) as emulator:
        session = session_for(emulator)
        import_course(session, emulator, scorm_packages / GOLF_12, "course")
        emulator.admin.inject_faults(api=[{"operation": "CreateRegistration", "delay": 1.0}])
        request_left_running(session, "POST", f"{emulator.api_url}/registrations",
                             json={"courseId": "course", "registrationId": "late", "learner": {"id": "l"}})
        caplog.set_level(logging.WARNING)
    # Stopped: the registration made it to the database, and nothing failed on a closed one.
    assert not [record for record in caplog.records if record.levelno >= logging.ERROR]
    with EmulatorServer(config) as emulator:
        assert session_for(emulator).head(f"{emulator.api_url}/registrations/late").status_code == 200


def test_stop_waits_for_a_postback_test_delivery_in_flight(config, caplog):
    with Receiver() as receiver:
        with EmulatorServer(config) as emulator:
            emulator.admin.inject_faults(api=[{"operation": "TestRegistrationPostback", "delay": 1.0}])
            request_left_running(session_for(emulator), "POST", f"{emulator.api_url}/registrations/postBackTest",
                                 json={"url": receiver.url, "authType": "HTTPBASIC", "userName": "u",
                                       "password": "p", "resultsFormat": "COURSE"})
            caplog.set_level(logging.WARNING)
        assert len(receiver.received) == 1
    assert not [record for record in caplog.records if record.levelno >= logging.ERROR]
    with EmulatorServer(config) as emulator:
        assert [entry["registrationId"] for entry in emulator.admin.postbacks()] == [None]


def test_requests_arriving_after_stop_are_refused(config):
    emulator = EmulatorServer(config).start()
    emulator.stop()
    # The WSGI app called after close(): a 503, without touching the closed database.
    response = Client(emulator.app).get("/api/v2/ping", auth=("app", "secret"))
    assert response.status_code == 503
    assert "shutting down" in response.json["message"]

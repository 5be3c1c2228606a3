"""The emulator's /_admin API through AdminClient: progress, stats and API faults."""
import pytest
import requests

from scorm_cloud_emulator.admin import AdminError

from .test_api import GOLF_12, import_course, register, session_for


@pytest.fixture
def api(emulator, scorm_packages):
    session = session_for(emulator)
    import_course(session, emulator, scorm_packages / GOLF_12, "course")
    register(session, emulator, "r1")
    return session


def test_set_progress_returns_the_registration(api, emulator):
    before = api.get(f"{emulator.api_url}/registrations/r1").json()
    after = emulator.admin.set_progress("r1", registrationCompletion="COMPLETED", registrationSuccess="FAILED",
                                        score={"scaled": 40}, totalSecondsTracked=12.5)
    assert after == api.get(f"{emulator.api_url}/registrations/r1").json()
    assert after["updated"] >= before["updated"]
    assert after["firstAccessDate"] == after["lastAccessDate"]
    assert (after["registrationSuccess"], after["score"], after["totalSecondsTracked"]) == (
        "FAILED", {"scaled": 40.0}, 12.5)
    cleared = emulator.admin.set_progress("r1", score={"scaled": None})
    assert "score" not in cleared


def test_set_progress_on_an_older_instance(api, emulator):
    api.post(f"{emulator.api_url}/registrations/r1/instances")
    older = emulator.admin.set_progress("r1", instance=0, registrationCompletion="COMPLETED")
    assert older["instance"] == 0
    assert api.get(f"{emulator.api_url}/registrations/r1").json()["registrationCompletion"] == "UNKNOWN"


@pytest.mark.parametrize("fields", [{"registrationCompletion": "DONE"}, {"registrationSuccess": "passed"},
                                    {"score": {"scaled": 101}}, {"score": 0.5}, {"totalSecondsTracked": -1},
                                    {"instance": "0"}])
def test_set_progress_validates(api, emulator, fields):
    with pytest.raises(AdminError) as raised:
        emulator.admin.set_progress("r1", **fields)
    assert raised.value.status == 400


@pytest.mark.parametrize("body", ['{"totalSecondsTracked": NaN}', '{"totalSecondsTracked": Infinity}',
                                  '{"score": {"scaled": NaN}}', '{"totalSecondsTracked": true}'])
def test_set_progress_refuses_numbers_json_allows_but_scorm_cloud_has_not(api, emulator, body):
    # Python's JSON reader takes NaN and Infinity; no progress is ever either.
    response = api.put(f"{emulator.root_url}/_admin/registrations/r1/progress", data=body,
                       headers={"Content-Type": "application/json"})
    assert response.status_code == 400
    assert api.get(f"{emulator.api_url}/registrations/r1").json()["totalSecondsTracked"] == 0


@pytest.mark.parametrize("delay", ["NaN", "Infinity", "true"])
def test_a_fault_delay_must_be_a_finite_number(api, emulator, delay):
    response = api.post(f"{emulator.root_url}/_admin/faults", headers={"Content-Type": "application/json"},
                        data='{"api": [{"operation": "PingAppId", "delay": %s}]}' % delay)
    assert response.status_code == 400


def test_set_progress_on_unknown_registration_is_404(api, emulator):
    with pytest.raises(AdminError) as raised:
        emulator.admin.set_progress("nope", registrationCompletion="COMPLETED")
    assert raised.value.status == 404


def test_admin_needs_credentials(emulator):
    response = requests.get(f"{emulator.root_url}/_admin/stats")
    assert response.status_code == 401
    assert response.json() == {"error": "Authorization Required."}


def test_stats_count_calls_per_operation_and_registrations(api, emulator):
    emulator.admin.reset_stats()
    assert emulator.admin.stats() == {"calls": {}, "registrations": 0}
    register(api, emulator, "r2")
    api.head(f"{emulator.api_url}/registrations/r2")
    api.get(f"{emulator.api_url}/registrations/r2")
    api.get(f"{emulator.api_url}/registrations/r2")
    api.post(f"{emulator.api_url}/registrations/r2/launchLink", json={"redirectOnExitUrl": "blank"})
    assert emulator.admin.stats() == {
        "calls": {"CreateRegistration": 1, "GetRegistration": 1, "GetRegistrationProgress": 2,
                  "BuildRegistrationLaunchLink": 1},
        "registrations": 1,
    }


def test_api_fault_fails_an_operation_a_number_of_times(api, emulator):
    emulator.admin.inject_faults(api=[{"operation": "GetRegistrationProgress", "status": 503, "times": 2}])
    url = f"{emulator.api_url}/registrations/r1"
    assert [api.get(url).status_code for _ in range(3)] == [503, 503, 200]
    assert api.get(f"{emulator.api_url}/ping").status_code == 200


def test_api_fault_can_fail_an_upload(api, emulator, scorm_packages):
    emulator.admin.inject_faults(api=[{"operation": "CreateUploadAndImportCourseJob", "status": 500}])
    with open(scorm_packages / GOLF_12, "rb") as package:
        response = api.post(f"{emulator.api_url}/courses/importJobs/upload", params={"courseId": "other"},
                            files={"file": package})
    assert response.status_code == 500
    assert response.json()["message"]


def test_slow_fault_still_answers(api, emulator):
    emulator.admin.inject_faults(api=[{"operation": "PingAppId", "delay": 0.05}])
    assert api.get(f"{emulator.api_url}/ping").status_code == 200


def test_clear_faults(api, emulator):
    emulator.admin.inject_faults(api=[{"operation": "PingAppId", "status": 429, "times": 5}])
    emulator.admin.clear_faults()
    assert api.get(f"{emulator.api_url}/ping").status_code == 200


def test_flush_with_nothing_queued_returns(emulator):
    emulator.admin.flush_postbacks(timeout=1)
    assert emulator.admin.postbacks() == []

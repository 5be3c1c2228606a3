"""
A slow or failing SCORM Cloud, seen by learners and authors: each handler answers a message they can
act on, keeps nothing half-written, and the page still renders.

The emulator injects the faults per API operation; the block's client gets a short TIMEOUT so that a
delay longer than it is a timeout. Cases the block tests already cover (registration refused with
503, and a wrong secret key) are not repeated here.
"""
import threading

import pytest

from scorm_cloud_xblock.block import ScormCloudXBlock, client_timeout

pytest.register_assert_rewrite("tests.block_harness")
from tests.block_harness import COURSE_KEY, GOLF_12, make_runtime, register, registration_of  # noqa: E402

pytest_plugins = ["tests.block_harness"]

TIMEOUT = 0.3         # seconds, the block's TIMEOUT setting in these tests
SLOW = 1.0            # an answer this late is a timeout
RETRIED_ATTEMPTS = 4  # GETs are retried three times; every attempt must meet the fault

# fault name -> (the emulator's fault, the handler's status, words the message must contain)
FAULTS = {
    "timeout": ({"delay": SLOW}, 504, "try again"),
    "unavailable": ({"status": 503}, 502, "try again"),
    "credentials": ({"status": 401}, 502, "site administrator"),
}


@pytest.fixture
def rt(emulator, receiver):
    return make_runtime(emulator, receiver, TIMEOUT=TIMEOUT)


def inject(emulator, operation, fault, attempts=1):
    spec, _, _ = FAULTS[fault]
    emulator.admin.inject_faults(api=[{"operation": operation, "times": attempts, **spec}])


def assert_clear_error(response, fault):
    _, status, words = FAULTS[fault]
    assert response.status_code == status, response.body
    body = response.json_body
    message = body.get("error") or body.get("message")
    assert words in message.lower()
    # The learner or author reads this: no Python, no connection pool internals.
    assert "HTTPConnectionPool" not in message and "Traceback" not in message


def assert_learner_page_renders(rt, unit, user):
    assert "scorm-cloud-launch" in rt.render(unit, "student_view", user=user).content


# --- Registration ----------------------------------------------------------------------------------


def test_registration_timeout_keeps_no_registration_and_a_retry_ends_with_one(rt, unit, alice, emulator):
    inject(emulator, "CreateRegistration", "timeout")
    response = rt.handle(unit, "register", user=alice, json={})
    assert_clear_error(response, "timeout")
    assert rt.user_state(alice, unit).get("registration_id") is None
    assert_learner_page_renders(rt, unit, alice)
    # SCORM Cloud may have created it after all; the next view adopts it or creates it, once.
    assert register(rt, unit, alice)["registration_id"] == registration_of(rt, alice, unit)
    assert emulator.admin.stats()["registrations"] == 1


# --- Launch ----------------------------------------------------------------------------------------


@pytest.mark.parametrize("fault", FAULTS)
def test_launch_failure_is_a_clear_message_and_records_no_launch(rt, unit, alice, emulator, fault):
    register(rt, unit, alice)
    before = rt.user_state(alice, unit)
    inject(emulator, "BuildRegistrationLaunchLink", fault)
    response = rt.handle(unit, "launch", user=alice, json={"return_url": "/courses/x/unit"})
    assert_clear_error(response, fault)
    assert rt.user_state(alice, unit) == before
    assert "last_launched" not in before
    assert_learner_page_renders(rt, unit, alice)


# --- Progress refresh ----------------------------------------------------------------------------


@pytest.mark.parametrize("fault", FAULTS)
def test_refresh_failure_changes_no_progress(rt, unit, alice, emulator, fault):
    register(rt, unit, alice)
    registration_id = registration_of(rt, alice, unit)
    emulator.admin.set_progress(registration_id, registrationCompletion="COMPLETED", score={"scaled": 90})
    before = rt.user_state(alice, unit)
    attempts = 1 if fault == "credentials" else RETRIED_ATTEMPTS
    inject(emulator, "GetRegistrationProgress", fault, attempts)
    response = rt.handle(unit, "progress", user=alice, json={"refresh": True})
    assert_clear_error(response, fault)
    assert rt.user_state(alice, unit) == before
    assert (alice.id, unit) not in rt.grades
    assert_learner_page_renders(rt, unit, alice)


@pytest.mark.parametrize("fault", FAULTS)
def test_return_from_scorm_cloud_still_lands_on_the_unit(rt, unit, alice, emulator, fault):
    register(rt, unit, alice)
    rt.handle(unit, "launch", user=alice, json={})
    before = rt.user_state(alice, unit)
    attempts = 1 if fault == "credentials" else RETRIED_ATTEMPTS
    inject(emulator, "GetRegistrationProgress", fault, attempts)
    response = rt.handle(unit, "return", user=alice, method="GET")
    assert response.status_code == 302
    assert response.location == f"/courses/{COURSE_KEY}/jump_to/{unit}"
    # The refresh did not happen, so the next view still asks for one.
    assert rt.user_state(alice, unit) == before


# --- Import ----------------------------------------------------------------------------------------


@pytest.mark.parametrize("fault", FAULTS)
def test_import_failure_is_a_clear_message_and_keeps_the_linked_course(
        rt, unit, emulator, scorm_packages, author, golf_course, fault):
    inject(emulator, "CreateUploadAndImportCourseJob", fault)
    with open(scorm_packages / GOLF_12, "rb") as package:
        response = rt.handle_studio(unit, "import_package", user=author,
                                    files={"package": ("golf.zip", package, "application/zip")})
    assert_clear_error(response, fault)
    assert response.json_body["status"] == "ERROR"
    block = rt.load_block(unit, user=author, mode="studio")
    assert (block.cloud_course_id, block.import_job_id) == (golf_course.id, "")
    status = rt.handle_studio(unit, "import_status", user=author, json={}).json_body
    assert (status["status"], status["course_id"]) == ("NONE", golf_course.id)
    assert "scorm-cloud-preview" in rt.render(unit, "author_view", user=author, mode="studio").content
    assert rt.render(unit, "studio_view", user=author, mode="studio").content


# --- Concurrent first view -------------------------------------------------------------------------


def test_concurrent_first_views_make_one_registration(emulator, receiver, golf_course):
    rt = make_runtime(emulator, receiver)   # the default timeout: slow here is not a fault
    alice = rt.add_user("alice")
    unit = rt.create_block(ScormCloudXBlock, course_key=COURSE_KEY, fields={"cloud_course_id": golf_course.id})
    # Both requests are inside SCORM Cloud at once: each CreateRegistration waits before answering.
    emulator.admin.inject_faults(api=[{"operation": "CreateRegistration", "delay": 0.5, "times": 2}])
    start = threading.Barrier(2)
    answers = [None, None]

    def first_view(index):
        start.wait()
        answers[index] = rt.handle(unit, "register", user=alice, json={})

    threads = [threading.Thread(target=first_view, args=(index,)) for index in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert [answer.status_code for answer in answers] == [200, 200], [answer.body for answer in answers]
    expected = registration_of(rt, alice, unit)
    assert [answer.json_body["registration_id"] for answer in answers] == [expected, expected]
    stats = emulator.admin.stats()
    assert stats["registrations"] == 1
    assert stats["calls"]["CreateRegistration"] == 2
    assert rt.user_state(alice, unit)["registration_id"] == expected


@pytest.mark.parametrize("setting, expected", [
    (None, (5.0, 30.0)),
    (2, (2.0, 2.0)),
    (0.5, (0.5, 0.5)),
    ([3, 60], (3.0, 60.0)),
    (0, (5.0, 30.0)),
    (-1, (5.0, 30.0)),
    ("10", (5.0, 30.0)),
    (True, (5.0, 30.0)),
    ([3], (5.0, 30.0)),
    ([3, float("inf")], (5.0, 30.0)),
])
def test_timeout_setting(setting, expected):
    assert client_timeout(setting) == expected


@pytest.mark.parametrize("handler", ["progress", "reconcile", "import_url", "link_course", "preview",
                                     "register", "launch"])
def test_a_body_that_is_not_a_json_object_is_a_400(rt, unit, alice, handler):
    response = rt.handle(unit, handler, user=alice, body=b"[1, 2]", headers={"Content-Type": "application/json"})
    assert response.status_code == 400, (handler, response.status_code)
    assert rt.handler_errors == []


# --- Missing site settings -----------------------------------------------------------------------


def test_return_without_postback_secret_goes_to_the_unit_without_refresh(rt, unit, alice, emulator):
    register(rt, unit, alice)
    rt.handle(unit, "launch", user=alice, json={"return_url": "/courses/x/unit"})
    del rt.xblock_settings["ScormCloudXBlock"]["POSTBACK_SECRET"]
    emulator.admin.reset_stats()
    response = rt.handle(unit, "return", user=alice, method="GET", query={"next": "/courses/x/unit", "sig": "0"})
    assert response.status_code == 302
    assert response.location == f"/courses/{COURSE_KEY}/jump_to/{unit}"
    assert emulator.admin.stats()["calls"] == {}
    assert rt.handler_errors == []


@pytest.mark.parametrize("missing", ["APP_ID", "SECRET_KEY"])
def test_delete_learner_state_works_without_scorm_cloud_credentials(rt, unit, alice, emulator, receiver,
                                                                    missing, caplog):
    register(rt, unit, alice)
    registration_id = registration_of(rt, alice, unit)
    emulator.admin.set_progress(registration_id, registrationCompletion="COMPLETED", score={"scaled": 70})
    assert rt.handle(unit, "progress", user=alice, json={"refresh": True}).status_code == 200
    assert rt.gradebook[(alice.id, unit)] == (7.0, 10.0)
    del rt.xblock_settings["ScormCloudXBlock"][missing]
    staff = rt.add_user("staff", is_staff=True)
    with caplog.at_level("ERROR", logger="scorm_cloud_xblock.block"):
        rt.delete_student_state(unit, alice, requesting_user=staff)
    assert "reset" in caplog.text and registration_id in caplog.text
    assert rt.gradebook[(alice.id, unit)] == (0.0, 10.0)
    assert rt.user_state(alice, unit) == {}

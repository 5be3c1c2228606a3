"""
SCORM Cloud's postbacks delivered by the emulator over HTTP straight into the LMS's third-party
handler route, with no replay: its body, credentials, retries and reading of the status meet the
block as edx-platform serves it, and the grade reaches the gradebook.
"""
import time

import pytest
import requests

from scorm_cloud_xblock import compat
from scorm_cloud_xblock.block import ScormCloudXBlock, progress_lock_key
from tests.openedx import LmsHttpServer, OpenEdxTestRuntime
pytest.register_assert_rewrite("tests.block_harness")
from tests.block_harness import COURSE_KEY, POSTBACK_SECRET, PREFIX, register, registration_of  # noqa: E402

pytest_plugins = ["tests.block_harness"]   # the fixtures: golf_course, cloud, ...


@pytest.fixture
def emulator(emulator_factory):
    # Retries spread over tens of seconds, so a refusal that lasts a moment is outlived.
    return emulator_factory(postback_base_delay=0.2, postback_max_delay=0.5)


@pytest.fixture
def lms():
    site = LmsHttpServer()
    yield site
    site.stop()


@pytest.fixture
def rt(emulator, lms):
    runtime = OpenEdxTestRuntime(xblock_settings={"ScormCloudXBlock": {
        "APP_ID": "test-app", "SECRET_KEY": "test-secret", "BASE_URL": emulator.api_url,
        "POSTBACK_SECRET": POSTBACK_SECRET, "ID_PREFIX": PREFIX}}, site_name=lms.site_name, https=False)
    lms.runtime = runtime
    return runtime


@pytest.fixture
def alice(rt):
    return rt.add_user("alice", full_name="Alice Liddell")


@pytest.fixture
def unit(rt, golf_course):
    return rt.create_block(ScormCloudXBlock, course_key=COURSE_KEY, fields={
        "cloud_course_id": golf_course.id, "weight": 10.0})


def deliveries(emulator, registration_id):
    return [(entry["status"], entry["delivered"]) for entry in emulator.admin.postbacks()
            if entry["registrationId"] == registration_id]


def test_a_postback_lands_in_the_gradebook_with_no_replay(rt, lms, emulator, unit, alice):
    register(rt, unit, alice)
    registration_id = registration_of(rt, alice, unit)

    emulator.admin.set_progress(registration_id, registrationCompletion="COMPLETED",
                                registrationSuccess="PASSED", score={"scaled": 80})
    emulator.admin.flush_postbacks()

    assert deliveries(emulator, registration_id)[-1] == (200, True)
    assert rt.gradebook[(alice.id, unit)] == (8.0, 10.0)
    assert rt.completions[(alice.id, unit)] == 1.0
    assert rt.rebind_calls[-1] == (unit, alice.id)
    assert lms.errors == [] and rt.handler_errors == []


def test_a_postback_refused_while_the_record_is_busy_is_retried_until_it_lands(rt, lms, emulator, unit, alice):
    register(rt, unit, alice)
    registration_id = registration_of(rt, alice, unit)
    busy = progress_lock_key(unit, rt.anonymous_user_id(alice, COURSE_KEY))

    with compat.exclusive(busy, 60) as held:   # another request is updating alice's record
        assert held
        emulator.admin.set_progress(registration_id, registrationCompletion="COMPLETED", score={"scaled": 90})
        for _ in range(400):
            if (503, False) in deliveries(emulator, registration_id):
                break
            time.sleep(0.05)
        assert (503, False) in deliveries(emulator, registration_id)
        assert (alice.id, unit) not in rt.gradebook
    emulator.admin.flush_postbacks(timeout=60)

    assert deliveries(emulator, registration_id)[-1] == (200, True)
    assert rt.gradebook[(alice.id, unit)] == (9.0, 10.0)
    assert lms.errors == [] and rt.handler_errors == []


def test_a_forged_postback_over_http_is_refused_and_changes_nothing(rt, lms, unit, alice):
    register(rt, unit, alice)
    registration_id = registration_of(rt, alice, unit)
    response = requests.post(postback_url(lms, COURSE_KEY, unit), timeout=10,
                             json={"id": registration_id, "registrationCompletion": "COMPLETED"},
                             auth=(registration_id, "not-the-password"))
    assert response.status_code == 403, response.text
    assert (alice.id, unit) not in rt.gradebook
    assert lms.errors == [] and rt.handler_errors == []


@pytest.mark.parametrize("course_key, usage_key", [
    ("course-v1:Other+Course+Run", None),           # the usage key is mapped into the URL's course
    ("not-a-course-key", None),
    (COURSE_KEY, "not-a-usage-key"),
])
def test_a_url_the_lms_would_not_route_to_this_block_is_a_404(rt, lms, unit, alice, course_key, usage_key):
    register(rt, unit, alice)
    response = requests.post(postback_url(lms, course_key, usage_key or unit), timeout=10, json={})
    assert response.status_code == 404
    assert lms.errors == [] and rt.handler_errors == []


def postback_url(lms, course_key, usage_key):
    return f"http://{lms.site_name}/courses/{course_key}/xblock/{usage_key}/handler_noauth/postback"

"""
Course staff viewing the course as a specific learner ("View this course as", masquerade), through the
faithful Open edX test runtime against the emulator: nothing they do may become the learner's progress.
"""
import base64
import json
import re
from urllib.parse import parse_qs, urlsplit

import pytest

from scorm_cloud_xblock import compat
from scorm_cloud_xblock.block import ScormCloudXBlock
pytest.register_assert_rewrite("tests.block_harness")
from tests.block_harness import (  # noqa: E402 (after the assert rewrite is registered)
    COURSE_KEY, register, registration_of, set_progress_and_replay,
)

pytest_plugins = ["tests.block_harness"]   # the fixtures: rt, alice, unit, cloud, receiver, ...

LEARNER_LAUNCH_CALLS = {"CreateRegistration", "BuildRegistrationLaunchLink", "GetRegistrationProgress"}


def _calls(emulator):
    return emulator.admin.stats()["calls"]


def _completed_alice(rt, emulator, receiver, unit, alice):
    """Alice registered, launched once and completed the course with 80%."""
    register(rt, unit, alice)
    assert rt.handle(unit, "launch", user=alice, json={}).status_code == 200
    response, _ = set_progress_and_replay(
        rt, emulator, receiver, unit, registration_of(rt, alice, unit),
        registrationCompletion="COMPLETED", registrationSuccess="PASSED", score={"scaled": 80})
    assert response.status_code == 200


# --- The block ---------------------------------------------------------------------------------------


def test_detection_answers_only_for_staff_viewing_as_a_learner(rt, unit, alice, staff):
    assert compat.masquerading_as_learner(rt.load_block(unit, user=alice)) is False
    assert compat.masquerading_as_learner(rt.load_block(unit, user=staff)) is False
    rt.masquerade(staff, COURSE_KEY, alice)
    assert compat.masquerading_as_learner(rt.load_block(unit, user=staff)) is True
    rt.stop_masquerade(staff, COURSE_KEY)
    assert compat.masquerading_as_learner(rt.load_block(unit, user=staff)) is False


def test_first_view_as_a_learner_creates_no_registration(rt, unit, alice, as_alice, emulator, cloud):
    emulator.admin.reset_stats()
    assert rt.load_block(unit, user=as_alice).student_view().json_init_args["register_on_view"] is False
    response = rt.handle(unit, "register", user=as_alice, json={})
    assert response.status_code == 200
    assert response.json_body["registration_id"] is None
    assert _calls(emulator) == {}
    assert not cloud.registration_exists(registration_of(rt, alice, unit))
    assert rt.user_state(alice, unit) == {}


def test_view_shows_the_learners_status_with_a_staff_preview_note(rt, unit, alice, staff, emulator, receiver):
    _completed_alice(rt, emulator, receiver, unit, alice)
    assert not re.search(r'class="scorm-cloud-preview-note"\s*>', rt.render(unit, user=alice).content)
    rt.masquerade(staff, COURSE_KEY, alice)
    emulator.admin.reset_stats()
    fragment = rt.render(unit, "student_view", user=staff)
    state = rt.load_block(unit, user=staff).student_view().json_init_args
    assert state["staff_preview"] is True
    assert state["progress"]["completion"] == "COMPLETED" and state["progress"]["score"] == 80
    assert state["progress"]["grade"] == 8.0
    assert state["register_on_view"] is False and state["needs_refresh"] is False
    assert re.search(r'class="scorm-cloud-preview-note"\s*>', fragment.content)
    assert _calls(emulator) == {}


def test_launch_as_a_learner_opens_the_untracked_course_preview(rt, unit, alice, staff, emulator, receiver):
    _completed_alice(rt, emulator, receiver, unit, alice)
    before = rt.user_state(alice, unit)
    rt.masquerade(staff, COURSE_KEY, alice)
    emulator.admin.reset_stats()
    response = rt.handle(unit, "launch", user=staff, json={"return_url": f"http://{rt.site_name}/unit"})
    assert response.status_code == 200, response.body
    assert response.json_body["preview"] is True
    assert _calls(emulator) == {"BuildCoursePreviewLaunchLink": 1}
    assert rt.user_state(alice, unit) == before
    assert not rt.handler_errors


def test_launch_as_a_learner_who_never_opened_the_unit_registers_nobody(rt, unit, alice, as_alice, emulator, cloud):
    emulator.admin.reset_stats()
    response = rt.handle(unit, "launch", user=as_alice, json={})
    assert response.status_code == 200, response.body
    assert _calls(emulator) == {"BuildCoursePreviewLaunchLink": 1}
    assert not cloud.registration_exists(registration_of(rt, alice, unit))
    assert rt.user_state(alice, unit) == {}
    assert not rt.handler_errors


def test_launch_as_a_learner_of_a_course_missing_in_scorm_cloud_is_a_clear_409(rt, alice, staff, emulator):
    unit = rt.create_block(ScormCloudXBlock, course_key=COURSE_KEY, fields={"cloud_course_id": "gone"})
    rt.masquerade(staff, COURSE_KEY, alice)
    emulator.admin.reset_stats()
    response = rt.handle(unit, "launch", user=staff, json={})
    assert response.status_code == 409
    assert _calls(emulator) == {"BuildCoursePreviewLaunchLink": 1}
    assert "not available on this site" in response.json_body["error"]
    assert not rt.handler_errors


def _return_query(launch_url):
    """The signed query of the redirectOnExitUrl the emulator holds for a launch link."""
    payload = urlsplit(launch_url).path.rsplit("/", 1)[-1].split(".")[0]
    claims = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    return {name: values[0] for name, values in parse_qs(urlsplit(claims["redirect_on_exit_url"]).query).items()}


def test_refresh_and_return_as_a_learner_show_stored_state_without_writing(rt, unit, alice, staff, emulator,
                                                                           receiver):
    _completed_alice(rt, emulator, receiver, unit, alice)
    # SCORM Cloud knows more than our record: a refresh by the learner would take it.
    emulator.admin.set_progress(registration_of(rt, alice, unit), score={"scaled": 95})
    emulator.admin.flush_postbacks()
    before = rt.user_state(alice, unit)
    rt.masquerade(staff, COURSE_KEY, alice)
    emulator.admin.reset_stats()
    response = rt.handle(unit, "progress", user=staff, json={"refresh": True})
    assert response.status_code == 200
    assert response.json_body["score"] == 80
    unit_page = f"http://{receiver.site_name}/courses/x/unit"
    launch = rt.handle(unit, "launch", user=staff, json={"return_url": unit_page})
    back = rt.handle(unit, "return", user=staff, method="GET", query=_return_query(launch.json_body["launch_url"]))
    assert back.status_code == 302 and back.location == unit_page
    assert not LEARNER_LAUNCH_CALLS & set(_calls(emulator))
    assert rt.user_state(alice, unit) == before
    assert rt.grades[(alice.id, unit)].raw_earned == 8.0


def test_postbacks_for_the_learner_still_land_while_staff_view_as_them(rt, unit, alice, as_alice, emulator,
                                                                       receiver):
    register(rt, unit, alice)
    response, _ = set_progress_and_replay(
        rt, emulator, receiver, unit, registration_of(rt, alice, unit),
        registrationCompletion="COMPLETED", registrationSuccess="PASSED", score={"scaled": 50})
    assert response.status_code == 200
    assert rt.grades[(alice.id, unit)].raw_earned == 5.0

"""
Bad input never makes a handler answer 500, and settings the Studio editor would refuse never stop
grading: each gets a clear answer, and nothing already stored is lost.
"""
import json

import pytest

from scorm_cloud_xblock.block import ScormCloudXBlock
from scorm_cloud_xblock.studio import FORGOTTEN_IMPORT
from scorm_cloud_xblock.web import cloud_error
from scorm_cloud_xblock.client import ScormCloudError
pytest.register_assert_rewrite("tests.block_harness")
from tests.block_harness import (  # noqa: E402 (after the assert rewrite is registered)
    COURSE_KEY, make_runtime, register, registration_of, set_progress_and_replay,
)

pytest_plugins = ["tests.block_harness"]   # the fixtures: rt, alice, staff, author, unit, emulator, ...

DEEP_JSON = b"[" * 200000 + b"]" * 200000   # valid JSON, nested deeper than any parser's stack


def _call(rt, unit, handler, who, **request):
    """The handler through the view its users reach it by: Studio's for the editor's, the LMS's otherwise."""
    if who == "author":
        return rt.handle_studio(unit, handler, user=rt.users.by_username("author"), **request)
    return rt.handle(unit, handler, user=rt.users.by_username(who), **request)


@pytest.mark.parametrize("handler, who", [
    ("register", "alice"), ("launch", "alice"), ("progress", "alice"), ("reconcile", "staff"),
    ("import_url", "author"), ("import_status", "author"), ("cloud_courses", "author"),
    ("link_course", "author"), ("check_course", "author"), ("preview", "author"),
])
def test_json_nested_too_deep_to_parse_is_a_400(rt, unit, alice, staff, author, handler, who):
    response = _call(rt, unit, handler, who, body=DEEP_JSON, headers={"Content-Type": "application/json"})
    assert response.status_code == 400, response.body
    assert "JSON" in response.json_body["error"]
    assert rt.handler_errors == []


@pytest.mark.parametrize("handler, who, body", [
    ("link_course", "author", {"course_id": "\ud800"}),
    ("link_course", "author", {"course_id": 12}),
    ("reconcile", "staff", {"more": "\ud800"}),
    ("import_url", "author", {"url": "http://[::1/package.zip"}),
    ("import_url", "author", {"url": "https://\ud800.example.com/package.zip"}),
])
def test_text_that_cannot_be_sent_on_is_a_400(rt, unit, alice, staff, author, emulator, handler, who, body):
    before = rt.load_block(unit, alice).cloud_course_id
    emulator.admin.reset_stats()
    # json.dumps escapes a lone surrogate, so the body is valid JSON that decodes to it.
    response = _call(rt, unit, handler, who, body=json.dumps(body), headers={"Content-Type": "application/json"})
    assert response.status_code == 400, response.body
    assert emulator.admin.stats()["calls"] == {}
    assert rt.load_block(unit, alice).cloud_course_id == before
    assert rt.handler_errors == []


def _completed_unit(rt, golf_course, emulator, receiver, alice, fields):
    """A unit authored with `fields` (as OLX import stores them, without the editor's validation), where
    alice completed the course with 80% and the postback and a refresh were both taken."""
    unit = rt.create_block(ScormCloudXBlock, course_key=COURSE_KEY, fields={"cloud_course_id": golf_course.id,
                                                                          **fields})
    register(rt, unit, alice)
    response, _ = set_progress_and_replay(rt, emulator, receiver, unit, registration_of(rt, alice, unit),
                                          registrationCompletion="COMPLETED", score={"scaled": 80})
    assert response.status_code == 200, response.body
    refreshed = rt.handle(unit, "progress", user=alice, json={"refresh": True})
    assert refreshed.status_code == 200, refreshed.body
    assert rt.handler_errors == []
    return unit


@pytest.mark.parametrize("fields", [{"grading_rule": "Score"}, {"completion_rule": "done"}, {"weight": None}])
def test_a_setting_the_editor_would_refuse_is_graded_as_its_default(rt, golf_course, emulator, receiver, alice,
                                                                    fields):
    unit = _completed_unit(rt, golf_course, emulator, receiver, alice, fields)
    # The defaults: the "auto" rule grades the score, "completed" completes, a weight of 1 (with no
    # weight the grades app takes the score as published).
    grade = rt.grades[(alice.id, unit)]
    assert (grade.raw_earned, grade.raw_possible) == (pytest.approx(0.8), 1.0)
    assert (grade.weighted_earned, grade.weighted_possible) == (pytest.approx(0.8), 1.0)
    assert rt.completions[(alice.id, unit)] == 1.0
    assert rt.max_score_unbound(unit) == 1.0


@pytest.mark.parametrize("weight", [float("nan"), -2.0])
def test_a_weight_no_grade_can_carry_publishes_no_grade(rt, golf_course, emulator, receiver, alice, weight):
    # The grades app weights a published score by the block's weight: NaN or negative points would
    # reach the gradebook. Completion still counts.
    unit = _completed_unit(rt, golf_course, emulator, receiver, alice, {"weight": weight})
    assert (alice.id, unit) not in rt.grades
    assert rt.completions[(alice.id, unit)] == 1.0
    assert rt.max_score_unbound(unit) == 0.0


def test_an_import_scorm_cloud_no_longer_knows_ends_the_polling(rt, author, emulator):
    # A pending job id copied with the component from another site, or long forgotten by SCORM Cloud.
    unit = rt.create_block(ScormCloudXBlock, course_key=COURSE_KEY, fields={"import_job_id": "job-from-elsewhere"})
    response = rt.handle_studio(unit, "import_status", user=author, json={})
    assert response.status_code == 200, response.body
    assert response.json_body["status"] == "ERROR"
    assert response.json_body["message"] == FORGOTTEN_IMPORT
    assert rt.handle_studio(unit, "import_status", user=author, json={}).json_body["status"] == "NONE"


@pytest.mark.parametrize("handler, who", [("progress", "alice"), ("reconcile", "staff"), ("link_course", "author")])
def test_a_get_to_a_json_handler_is_a_405_that_names_post(rt, unit, alice, staff, author, handler, who):
    response = _call(rt, unit, handler, who, method="GET")
    assert response.status_code == 405
    assert response.headers["Allow"] == "POST"


def test_a_get_to_the_postback_handler_is_a_405_that_names_post(rt, unit):
    response = rt.handle_noauth(unit, "postback", method="GET")
    assert response.status_code == 405
    assert response.headers["Allow"] == "POST"


def test_launch_links_are_never_cached(rt, unit, alice):
    response = rt.handle(unit, "launch", user=alice, json={})
    assert response.status_code == 200, response.body
    assert response.headers["Cache-Control"] == "no-store"


# --- SCORM Cloud answers and site settings that no retry can fix -------------------------------------


def test_a_base_url_that_is_no_http_url_tells_learners_to_ask_the_administrator(emulator, receiver, golf_course):
    rt = make_runtime(emulator, receiver, BASE_URL=emulator.api_url.split("://", 1)[1])   # no scheme
    learner = rt.add_user("bob")
    unit = rt.create_block(ScormCloudXBlock, course_key=COURSE_KEY, fields={"cloud_course_id": golf_course.id})
    response = rt.handle(unit, "launch", user=learner, json={})
    assert response.status_code == 502, response.body
    assert "site administrator" in response.json_body["error"]
    assert "BASE_URL" in response.json_body["error"]
    assert rt.user_state(learner, unit).get("registration_id") is None
    assert rt.handler_errors == []


@pytest.mark.parametrize("status", [200, 204])
def test_an_answer_the_block_cannot_use_is_scorm_clouds_fault(status):
    # A 2xx answer without what the call returns (no launchLink, not JSON): nothing in the request to fix.
    assert cloud_error(ScormCloudError("the response has no launchLink", status=status))[0] == 502


# --- The editor's Save -----------------------------------------------------------------------------------


@pytest.mark.parametrize("body", [
    {}, [], {"values": [], "defaults": []}, {"values": {}}, {"values": {"weight": "heavy"}, "defaults": []},
    {"values": {"display_name": 7}, "defaults": []}, {"values": {"weight": 10 ** 400}, "defaults": []},
])
def test_a_save_the_editor_never_sends_is_a_400_and_changes_nothing(rt, empty_unit, author, body):
    response = rt.handle_studio(empty_unit, "submit_studio_edits", user=author, json=body)
    assert response.status_code == 400, response.body
    assert isinstance(response.json_body["error"], str)
    block = rt.load_block(empty_unit, user=author, mode="studio")
    assert (block.weight, block.display_name) == (1.0, "SCORM Cloud")
    assert rt.handler_errors == []


def test_no_one_saves_settings_from_the_lms(rt, unit, alice, staff):
    for user in (alice, staff):
        response = rt.handle(unit, "submit_studio_edits", user=user, json={"values": {"weight": 2.0}, "defaults": []})
        assert response.status_code == 403, response.body
    assert rt.load_unbound_block(unit).weight == 10.0
    assert rt.handler_errors == []

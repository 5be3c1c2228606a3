"""
Mobile clients and visitors: what the Course Blocks API and the mobile apps get, and what a visitor
of a public course who is not enrolled sees. None of it calls SCORM Cloud or registers anyone.
"""
import json

import pytest

from scorm_cloud_xblock.block import ScormCloudXBlock
pytest.register_assert_rewrite("tests.block_harness")
from tests.block_harness import POSTBACK_SECRET, register, registration_of  # noqa: E402
from tests.openedx import AnonymousUser  # noqa: E402

pytest_plugins = ["tests.block_harness"]


def test_student_view_data_is_settings_only_and_works_unbound(rt, unit, golf_course, emulator):
    # The Course Blocks API collects it on a block bound to no learner (the harness fails any user-state access).
    emulator.admin.reset_stats()
    data = rt.load_unbound_block(unit).student_view_data()
    assert data == {"title": golf_course.title, "learning_standard": golf_course.learning_standard,
                    "has_course": True, "launch_mode": "same_window", "has_score": True, "max_grade": 10.0,
                    "user_state_handler": "student_view_user_state"}
    assert json.loads(json.dumps(data)) == data
    assert emulator.admin.stats()["calls"] == {}


def test_student_view_data_of_a_component_without_a_course_cannot_launch(rt, empty_unit):
    assert rt.load_unbound_block(empty_unit).student_view_data()["has_course"] is False


def test_the_mobile_apps_may_show_student_view(rt, unit):
    block = rt.load_unbound_block(unit)
    assert block.has_support(getattr(block, "student_view"), "multi_device")


def test_user_state_for_mobile_is_the_stored_record_without_secrets_or_links(rt, unit, alice, emulator,
                                                                             receiver):
    register(rt, unit, alice)
    emulator.admin.set_progress(registration_of(rt, alice, unit), registrationCompletion="COMPLETED",
                                score={"scaled": 80}, totalSecondsTracked=61)
    rt.handle(unit, "progress", user=alice, json={"refresh": True})
    emulator.admin.reset_stats()
    response = rt.handle(unit, "student_view_user_state", user=alice, method="GET")
    assert response.status_code == 200
    state = response.json_body
    assert state == {"completion": "COMPLETED", "success": "UNKNOWN", "score": 80, "total_seconds": 61,
                     "grade": 8.0, "max_grade": 10.0, "earlier": None, "registered": True, "can_launch": True}
    assert emulator.admin.stats()["calls"] == {}
    assert POSTBACK_SECRET not in response.text and "http" not in response.text


def test_user_state_before_registering_and_for_anonymous_visitors(rt, unit, alice):
    state = rt.handle(unit, "student_view_user_state", user=alice, method="GET").json_body
    assert (state["registered"], state["can_launch"], state["completion"]) == (False, True, "UNKNOWN")
    anonymous = rt.handle(unit, "student_view_user_state", method="GET")
    assert anonymous.status_code == 403
    assert rt.user_state(alice, unit) == {}


def test_public_view_shows_the_title_and_how_to_get_in_and_registers_no_one(rt, unit, golf_course, emulator):
    emulator.admin.reset_stats()
    fragment = rt.render(unit, "public_view", user=None)
    assert golf_course.title in fragment.content
    assert "Sign in or register, and enroll" in fragment.content
    assert "scorm-cloud-launch" not in fragment.content and not fragment.js_init_fn
    assert emulator.admin.stats()["calls"] == {}
    assert rt.student_db == {}


def test_public_view_escapes_the_title(rt):
    usage_key = rt.create_block(ScormCloudXBlock, fields={"display_name": "<script>x</script>"})
    content = rt.render(usage_key, "public_view", user=AnonymousUser).content
    assert "<script>x" not in content and "&lt;script&gt;" in content

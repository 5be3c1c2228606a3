"""
The test runtime's "View this course as" a specific learner (masquerade), as the LMS does it: the block
is bound to the learner, learner-state writes stay in the staff member's session, grade and completion
events are only tracked.
"""
import pytest

pytest.register_assert_rewrite("tests.block_harness")
from tests.block_harness import COURSE_KEY  # noqa: E402 (after the assert rewrite is registered)

pytest_plugins = ["tests.block_harness"]   # the fixtures: rt, alice, unit, ...


def test_runtime_binds_to_the_learner_and_reports_what_the_lms_reports(rt, unit, alice, as_alice):
    block = rt.load_block(unit, user=as_alice)
    attrs = block.runtime.service(block, "user").get_current_user().opt_attrs
    assert attrs["edx-platform.user_id"] == alice.id
    assert attrs["edx-platform.anonymous_user_id"] == rt.anonymous_user_id(alice, COURSE_KEY)
    assert attrs["edx-platform.user_is_staff"] is False
    assert attrs["edx-platform.user_role"] == "student"


def test_runtime_keeps_writes_in_the_staff_session_and_drops_grades(rt, unit, alice, as_alice):
    block = rt.load_block(unit, user=as_alice)
    block.last_launched = "staff was here"
    block.save()
    block.runtime.publish(block, "grade", {"value": 1, "max_value": 1})
    block.runtime.publish(block, "completion", {"completion": 1.0})
    assert rt.user_state(alice, unit) == {}
    assert rt.load_block(unit, user=alice).last_launched is None
    # The staff member's own requests read it back from their session until the next page render.
    assert rt.load_block(unit, user=as_alice).last_launched == "staff was here"
    assert not rt.grades and not rt.completions
    assert [event.type for event in rt.tracking_log][-2:] == ["grade", "completion"]


def test_runtime_lets_only_course_staff_masquerade(rt, unit, alice):
    bob = rt.add_user("bob")
    with pytest.raises(PermissionError):
        rt.masquerade(bob, COURSE_KEY, alice)

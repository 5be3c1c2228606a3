"""
A learner whose registration was deleted in SCORM Cloud goes on in their next attempt (decision 6).

An administrator deletes the registration through the API; the learner's state still names it. The
block then registers the learner's next attempt under the id with the attempt suffix, keeps what the
deleted one earned, and takes postbacks for the new id only.
"""
import base64
import json
import logging
from datetime import datetime, timedelta, timezone

import pytest

from scorm_cloud_xblock import events, ids
from scorm_cloud_xblock.postback import postback_password

pytest.register_assert_rewrite("tests.block_harness")
from tests.block_harness import (  # noqa: E402
    COURSE_KEY, POSTBACK_SECRET, PREFIX, HeldInCloud, delivered_postbacks, register, registration_of, replay,
    set_progress_and_replay,
)

pytest_plugins = ["tests.block_harness"]


def attempt_id(rt, user, unit, attempt):
    return ids.registration_id(PREFIX, str(unit), rt.anonymous_user_id(user, COURSE_KEY), attempt)


def weighted(rt, user, unit):
    grade = rt.grades[(user.id, unit)]
    return grade.weighted_earned, grade.weighted_possible


def basic_user(postback):
    scheme, _, encoded = postback["headers"]["Authorization"].partition(" ")
    assert scheme == "Basic"
    return base64.b64decode(encoded).decode().split(":", 1)


@pytest.fixture
def finished_then_deleted(rt, unit, alice, emulator, receiver, cloud):
    """Alice finished the course with 80 (graded by postback); then an operator deleted her registration."""
    register(rt, unit, alice)
    first = registration_of(rt, alice, unit)
    response, posted = set_progress_and_replay(rt, emulator, receiver, unit, first, registrationCompletion="COMPLETED",
                                               registrationSuccess="PASSED", score={"scaled": 80},
                                               totalSecondsTracked=300)
    assert response.json_body["result"] == "applied"
    assert weighted(rt, alice, unit) == (8.0, 10.0)
    cloud.delete_registration(first)
    assert not cloud.registration_exists(first)
    return first, posted


def test_launch_after_the_registration_was_deleted_starts_the_next_attempt(rt, unit, alice, cloud, emulator,
                                                                           finished_then_deleted, caplog):
    first, _ = finished_then_deleted
    second = attempt_id(rt, alice, unit, 1)
    emulator.admin.reset_stats()
    with caplog.at_level(logging.WARNING, logger="scorm_cloud_xblock.block"):
        response = rt.handle(unit, "launch", user=alice, json={})
    assert response.status_code == 200, response.body
    assert "/launch/" in response.json_body["launch_url"]
    assert second == first + "-1"
    assert cloud.registration_progress(second).learner_id == rt.anonymous_user_id(alice, COURSE_KEY)
    calls = emulator.admin.stats()["calls"]
    assert (calls["CreateRegistration"], calls["BuildRegistrationLaunchLink"]) == (1, 2)
    state = rt.user_state(alice, unit)
    assert (state["attempt"], state["registration_id"]) == (1, second)
    # The new attempt's status is shown afresh; what the deleted one earned is kept.
    assert state["learner_progress"]["attempt"] == 1 and state["learner_progress"]["completion"] == "UNKNOWN"
    assert weighted(rt, alice, unit) == (8.0, 10.0) and rt.completions[(alice.id, unit)] == 1.0
    shown = rt.handle(unit, "progress", user=alice, json={}).json_body
    assert (shown["registration_id"], shown["grade"], shown["earlier"]) == (
        second, 8.0, {"completed": True, "best_score": 80})
    assert any(first in record.getMessage() and second in record.getMessage() for record in caplog.records)
    created = [event for event in rt.tracking_log if event.type == events.REGISTRATION_CREATED]
    assert created[-1].data == {"registration_id": second, "course_id": unit_course(rt, unit, alice),
                                "adopted": False}
    assert rt.handler_errors == []


def unit_course(rt, unit, user):
    return rt.load_block(unit, user=user).cloud_course_id


def test_the_new_registrations_postbacks_are_taken_from_instance_0(rt, unit, alice, emulator, receiver,
                                                                   finished_then_deleted):
    first, old_postback = finished_then_deleted
    assert rt.handle(unit, "launch", user=alice, json={}).status_code == 200
    second = attempt_id(rt, alice, unit, 1)

    response, posted = set_progress_and_replay(rt, emulator, receiver, unit, second,
                                               registrationCompletion="INCOMPLETE", score={"scaled": 50})
    # Authenticated with the new id's own password, at the same handler.
    assert basic_user(posted) == [second, postback_password(POSTBACK_SECRET, second)]
    assert posted["path"] == old_postback["path"]
    assert json.loads(posted["body"])["instance"] == 0
    assert response.status_code == 200 and response.json_body["result"] == "applied"
    progress = rt.user_state(alice, unit)["learner_progress"]
    assert (progress["attempt"], progress["instance"], progress["score"]) == (1, 0, 50)
    # Best of the attempts: the lower new score does not lower the grade, a higher one raises it.
    assert weighted(rt, alice, unit) == (8.0, 10.0)
    response, _ = set_progress_and_replay(rt, emulator, receiver, unit, second, registrationCompletion="COMPLETED",
                                          score={"scaled": 95})
    assert response.json_body["result"] == "applied"
    assert weighted(rt, alice, unit) == (9.5, 10.0)
    assert rt.completions[(alice.id, unit)] == 1.0


def test_a_late_postback_for_the_deleted_registration_changes_nothing(rt, unit, alice, finished_then_deleted):
    first, old_postback = finished_then_deleted
    assert rt.handle(unit, "launch", user=alice, json={}).status_code == 200
    before, grade = rt.user_state(alice, unit), weighted(rt, alice, unit)
    body = json.loads(old_postback["body"])
    body.update(score={"scaled": 100}, instance=5,
                updated=(datetime.now(timezone.utc) + timedelta(hours=1)).isoformat())
    response = replay(rt, unit, {**old_postback, "body": json.dumps(body).encode()})
    assert response.status_code == 404
    assert response.json_body["error"] == "Unknown registration."
    assert rt.user_state(alice, unit) == before and weighted(rt, alice, unit) == grade
    assert rt.handler_errors == []


@pytest.mark.parametrize("handler", ["progress", "return"])
def test_the_refresh_on_return_starts_the_next_attempt_too(rt, unit, alice, cloud, finished_then_deleted,
                                                           handler):
    first, _ = finished_then_deleted
    assert rt.user_state(alice, unit)["registration_id"] == first
    if handler == "progress":
        response = rt.handle(unit, "progress", user=alice, json={"refresh": True})
        assert response.status_code == 200, response.body
        assert response.json_body["registration_id"] == attempt_id(rt, alice, unit, 1)
    else:
        assert rt.handle(unit, "return", user=alice, method="GET").status_code == 302
    assert rt.user_state(alice, unit)["attempt"] == 1
    assert cloud.registration_exists(attempt_id(rt, alice, unit, 1))
    assert weighted(rt, alice, unit) == (8.0, 10.0) and rt.completions[(alice.id, unit)] == 1.0
    assert rt.handler_errors == []


def test_each_deletion_moves_on_one_attempt(rt, unit, alice, cloud, finished_then_deleted):
    assert rt.handle(unit, "launch", user=alice, json={}).status_code == 200
    cloud.delete_registration(attempt_id(rt, alice, unit, 1))
    assert rt.handle(unit, "launch", user=alice, json={}).status_code == 200
    state = rt.user_state(alice, unit)
    assert (state["attempt"], state["registration_id"]) == (2, attempt_id(rt, alice, unit, 2))
    assert weighted(rt, alice, unit) == (8.0, 10.0)


def test_when_the_course_is_gone_too_nothing_is_stored(rt, unit, alice, cloud, emulator, finished_then_deleted):
    first, _ = finished_then_deleted
    cloud.delete_course(unit_course(rt, unit, alice))
    before = rt.user_state(alice, unit)
    response = rt.handle(unit, "launch", user=alice, json={})
    assert response.status_code == 409
    assert "tell the course team" in response.json_body["error"]
    assert rt.user_state(alice, unit) == before
    assert weighted(rt, alice, unit) == (8.0, 10.0)


def test_scorm_cloud_failing_while_the_next_attempt_is_created_keeps_the_old_state(rt, unit, alice, emulator,
                                                                                    finished_then_deleted):
    before = rt.user_state(alice, unit)
    emulator.admin.inject_faults(api=[{"operation": "CreateRegistration", "status": 503, "times": 10}])
    response = rt.handle(unit, "launch", user=alice, json={})
    assert response.status_code == 502 and "try again" in response.json_body["error"]
    assert rt.user_state(alice, unit) == before
    emulator.admin.clear_faults()
    assert rt.handle(unit, "launch", user=alice, json={}).status_code == 200
    assert rt.user_state(alice, unit)["attempt"] == 1


# --- two launches that both find the registration gone --------------------------------------------



def test_a_launch_while_another_starts_the_next_attempt_is_told_to_try_again(rt, unit, alice, emulator,
                                                                              finished_then_deleted):
    emulator.admin.reset_stats()
    first = HeldInCloud(emulator, "CreateRegistration", lambda: rt.handle(unit, "launch", user=alice, json={}))
    second = rt.handle(unit, "launch", user=alice, json={})
    assert second.status_code == 503 and "try again" in second.json_body["error"]
    first = first.join()
    assert first.status_code == 200, first.body
    retried = rt.handle(unit, "launch", user=alice, json={})
    assert retried.status_code == 200
    assert emulator.admin.stats()["calls"]["CreateRegistration"] == 1
    assert rt.user_state(alice, unit)["attempt"] == 1
    assert rt.handler_errors == []


def test_a_launch_that_loaded_the_state_before_the_other_saved_it_adopts_the_same_attempt(
        rt, unit, alice, cloud, emulator, finished_then_deleted):
    # The second request read alice's state before the first one saved the new attempt.
    stale = {key: value for key, value in rt.student_db.items() if key.user_id == alice.id}
    assert rt.handle(unit, "launch", user=alice, json={}).status_code == 200
    for key in [key for key in rt.student_db if key.user_id == alice.id]:
        del rt.student_db[key]
    rt.student_db.update(stale)

    response = rt.handle(unit, "launch", user=alice, json={})
    assert response.status_code == 200, response.body
    state = rt.user_state(alice, unit)
    assert (state["attempt"], state["registration_id"]) == (1, attempt_id(rt, alice, unit, 1))
    assert not cloud.registration_exists(attempt_id(rt, alice, unit, 2))
    assert weighted(rt, alice, unit) == (8.0, 10.0)
    assert state["learner_progress"]["earlier"][0]["score"] == 80


def test_the_unit_speaks_of_an_earlier_attempt_not_only_of_an_earlier_version(rt, unit, alice,
                                                                              finished_then_deleted):
    assert rt.handle(unit, "launch", user=alice, json={}).status_code == 200
    fragment = rt.load_block(unit, user=alice).student_view()
    assert fragment.json_init_args["progress"]["earlier"] == {"completed": True, "best_score": 80}
    script = "".join(resource.data for resource in fragment.resources if resource.mimetype == "application/javascript")
    assert "You completed this course in an earlier attempt" in script
    assert "earlier version" not in script


def test_delete_learner_state_on_a_later_attempt_starts_over_at_the_first_id(rt, unit, alice, cloud, emulator,
                                                                            receiver, finished_then_deleted):
    first, _ = finished_then_deleted
    assert rt.handle(unit, "launch", user=alice, json={}).status_code == 200
    second = attempt_id(rt, alice, unit, 1)
    staff = rt.add_user("teacher", is_course_staff=True)
    rt.delete_student_state(unit, alice, staff)
    assert rt.gradebook[(alice.id, unit)] == (0.0, 10.0)

    assert register(rt, unit, alice)["registration_id"] == first
    assert cloud.registration_exists(first)
    assert rt.user_state(alice, unit).get("attempt", 0) == 0
    # The later attempt's registration is not the learner's any more.
    emulator.admin.set_progress(second, registrationCompletion="COMPLETED", score={"scaled": 100})
    assert replay(rt, unit, delivered_postbacks(emulator, receiver)[-1]).status_code == 404
    assert rt.gradebook[(alice.id, unit)] == (0.0, 10.0)


def test_after_the_return_started_the_next_attempt_the_page_asks_scorm_cloud_no_more(rt, unit, alice, cloud):
    # Alice launched her first attempt; its registration was deleted while she was in the player.
    assert rt.handle(unit, "launch", user=alice, json={}).status_code == 200
    cloud.delete_registration(registration_of(rt, alice, unit))
    assert rt.handle(unit, "return", user=alice, method="GET").status_code == 302
    assert rt.user_state(alice, unit)["attempt"] == 1
    assert rt.load_block(unit, user=alice).student_view().json_init_args["needs_refresh"] is False


def test_a_launch_that_finds_the_state_deleted_meanwhile_starts_over_at_the_first_id(
        rt, unit, alice, cloud, emulator, finished_then_deleted):
    first, _ = finished_then_deleted
    staff = rt.add_user("teacher", is_course_staff=True)
    # Alice's launch loaded her state, then waits inside SCORM Cloud, which answers 404.
    launch = HeldInCloud(emulator, "BuildRegistrationLaunchLink",
                         lambda: rt.handle(unit, "launch", user=alice, json={}))
    rt.delete_student_state(unit, alice, staff)
    launch = launch.join()
    assert launch.status_code == 200, launch.body
    state = rt.user_state(alice, unit)
    assert (state.get("attempt", 0), state["registration_id"]) == (0, first)
    assert not state.get("learner_progress", {}).get("earlier")
    assert rt.gradebook[(alice.id, unit)] == (0.0, 10.0)


def test_after_a_reset_a_later_attempts_registration_holds_nothing_from_before(
        rt, unit, alice, cloud, emulator, receiver, finished_then_deleted):
    first, _ = finished_then_deleted
    assert rt.handle(unit, "launch", user=alice, json={}).status_code == 200
    second = attempt_id(rt, alice, unit, 1)
    response, _ = set_progress_and_replay(rt, emulator, receiver, unit, second, registrationCompletion="COMPLETED",
                                          score={"scaled": 90})
    assert weighted(rt, alice, unit) == (9.0, 10.0)
    staff = rt.add_user("teacher", is_course_staff=True)
    rt.delete_student_state(unit, alice, staff)
    assert cloud.registration_progress(second).score is None
    # Alice starts over at the first id; then an operator deletes that registration again.
    assert register(rt, unit, alice)["registration_id"] == first
    cloud.delete_registration(first)
    assert rt.handle(unit, "launch", user=alice, json={}).status_code == 200
    state = rt.user_state(alice, unit)
    assert (state["attempt"], state["registration_id"]) == (1, second)
    assert state["learner_progress"].get("score") is None and not state["learner_progress"].get("earlier")
    assert rt.gradebook[(alice.id, unit)] == (0.0, 10.0)

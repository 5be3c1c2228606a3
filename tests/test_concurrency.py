"""
Concurrent updates of one learner's record: postbacks, the refresh on return and staff reconcile.

Each request merges into the state it loaded and saves it, so without a lock an older record or an
older grade can be saved last. A refresh is held inside SCORM Cloud (the emulator delays its
GetRegistrationProgress) while the other request arrives; the held call is seen by the emulator's
call counter, so nothing here depends on timing but the delay being longer than one local request.
"""
import json
from datetime import datetime, timedelta, timezone

import pytest

from scorm_cloud_xblock.block import ResetRefused
from tests.openedx.platform_modules import current_request
from tests.openedx.requests import build_request

pytest.register_assert_rewrite("tests.block_harness")
from tests.block_harness import (  # noqa: E402
    HeldInCloud, delivered_postbacks, register, registration_of, replay,
)

pytest_plugins = ["tests.block_harness"]


def held_refresh(rt, unit, user, emulator, handler="progress"):
    """A refresh for `user` (through `progress` or `return`), held inside GetRegistrationProgress."""
    if handler == "progress":
        def request():
            return rt.handle(unit, "progress", user=user, json={"refresh": True})
    else:
        def request():
            return rt.handle(unit, "return", user=user, method="GET")
    return HeldInCloud(emulator, "GetRegistrationProgress", request)


def newer_postback(emulator, receiver, rt, unit, user, score):
    """A report newer than what SCORM Cloud's API answers at the moment (it reached us first)."""
    emulator.admin.set_progress(registration_of(rt, user, unit), registrationCompletion="INCOMPLETE",
                                score={"scaled": 40})
    posted = delivered_postbacks(emulator, receiver)[-1]
    body = json.loads(posted["body"])
    body.update(score={"scaled": score}, registrationCompletion="COMPLETED",
                updated=(datetime.now(timezone.utc) + timedelta(hours=1)).isoformat())
    return {**posted, "body": json.dumps(body).encode()}


def test_a_postback_during_a_refresh_is_retried_and_the_newer_result_is_kept(rt, unit, alice, emulator,
                                                                              receiver):
    register(rt, unit, alice)
    posted = newer_postback(emulator, receiver, rt, unit, alice, 95)
    held = held_refresh(rt, unit, alice, emulator)
    # The refresh holds the learner's record: SCORM Cloud is told to come back later.
    assert replay(rt, unit, posted).status_code == 503
    assert held.join().status_code == 200
    assert rt.grades[(alice.id, unit)].weighted_earned == 4.0   # what the refresh read
    # SCORM Cloud's retry lands after the refresh has saved.
    assert replay(rt, unit, posted).json_body["result"] == "applied"
    assert rt.grades[(alice.id, unit)].weighted_earned == 9.5
    assert rt.user_state(alice, unit)["learner_progress"]["score"] == 95
    assert rt.handler_errors == []


@pytest.mark.parametrize("handler", ["progress", "return"])
def test_a_refresh_while_the_record_is_held_shows_the_stored_state(rt, unit, alice, emulator, handler):
    register(rt, unit, alice)
    emulator.admin.set_progress(registration_of(rt, alice, unit), registrationCompletion="INCOMPLETE")
    rt.handle(unit, "launch", user=alice, json={})
    held = held_refresh(rt, unit, alice, emulator)
    calls = emulator.admin.stats()["calls"]["GetRegistrationProgress"]
    if handler == "progress":
        response = rt.handle(unit, "progress", user=alice, json={"refresh": True})
        assert response.status_code == 200
        assert response.json_body["completion"] == "UNKNOWN"   # stored, not asked
    else:
        response = rt.handle(unit, "return", user=alice, method="GET")
        assert response.status_code == 302
    assert emulator.admin.stats()["calls"]["GetRegistrationProgress"] == calls
    assert held.join().json_body["completion"] == "INCOMPLETE"
    assert rt.handler_errors == []


def test_reconcile_leaves_a_learner_being_updated_to_that_request(rt, unit, alice, emulator):
    register(rt, unit, alice)
    emulator.admin.set_progress(registration_of(rt, alice, unit), registrationCompletion="COMPLETED",
                                score={"scaled": 60})
    staff = rt.add_user("teacher", is_course_staff=True)
    held = held_refresh(rt, unit, alice, emulator)
    tally = rt.handle(unit, "reconcile", user=staff, json={}).json_body
    assert (tally["checked"], tally["failed"]) == (1, 1)
    held.join()
    assert rt.grades[(alice.id, unit)].weighted_earned == 6.0
    assert rt.handle(unit, "reconcile", user=staff, json={}).json_body["unchanged"] == 1


@pytest.mark.parametrize("handler", ["progress", "return"])
def test_delete_learner_state_during_a_refresh_is_refused_and_the_retry_leaves_no_old_grade(
        rt, unit, alice, emulator, receiver, handler):
    register(rt, unit, alice)
    posted = newer_postback(emulator, receiver, rt, unit, alice, 70)
    assert replay(rt, unit, posted).json_body["result"] == "applied"
    assert rt.gradebook[(alice.id, unit)] == (7.0, 10.0)
    staff = rt.add_user("teacher", is_course_staff=True)
    held = held_refresh(rt, unit, alice, emulator, handler)
    # The refresh holds the learner's record: the instructor's action fails, and nothing is deleted.
    with pytest.raises(ResetRefused, match="try again"):
        rt.delete_student_state(unit, alice, staff)
    assert rt.user_state(alice, unit)["registration_id"] == registration_of(rt, alice, unit)
    assert held.join().status_code in (200, 302)
    rt.delete_student_state(unit, alice, staff)
    assert rt.user_state(alice, unit) == {}
    assert rt.gradebook[(alice.id, unit)] == (0.0, 10.0)
    # The learner comes back: the new instance has no result, and the old one stays gone.
    register(rt, unit, alice)
    assert rt.handle(unit, "progress", user=alice, json={"refresh": True}).json_body["grade"] in (None, 0.0)
    assert rt.gradebook[(alice.id, unit)] == (0.0, 10.0)
    assert not rt.user_state(alice, unit)["learner_progress"].get("earlier")
    assert rt.handler_errors == []


def test_a_refresh_works_on_the_state_as_it_is_once_it_holds_the_record(rt, unit, alice, emulator, receiver):
    register(rt, unit, alice)
    posted = newer_postback(emulator, receiver, rt, unit, alice, 70)
    assert replay(rt, unit, posted).json_body["result"] == "applied"
    staff = rt.add_user("teacher", is_course_staff=True)
    # The instructor deletes the state after the refresh's request loaded it, before it holds the record.
    loaded = rt.load_block(unit, user=alice)
    assert loaded.registration_id
    rt.delete_student_state(unit, alice, staff)
    with current_request(rt, build_request("POST", "/", alice, https=False, host=rt.site_name)) as state:
        state.runtimes[loaded.scope_ids.usage_id.context_key] = loaded.runtime
        learner = loaded._refresh(build_request("POST", "/", alice, https=False, host=rt.site_name))
    learner.save()
    loaded.save()
    assert rt.user_state(alice, unit) == {}
    assert rt.gradebook[(alice.id, unit)] == (0.0, 10.0)


def test_the_learners_lock_outlasts_every_call_made_while_it_is_held(rt, unit, alice, monkeypatch):
    from scorm_cloud_xblock import block as block_module
    from scorm_cloud_xblock.client import MAX_RETRY_WAIT

    timeouts = []
    real = block_module.compat.exclusive
    monkeypatch.setattr(block_module.compat, "exclusive",
                        lambda key, timeout: timeouts.append(timeout) or real(key, timeout))
    loaded = rt.load_block(unit, user=alice)
    with loaded._progress_lock("someone"):
        pass
    connect, read = block_module.DEFAULT_TIMEOUT
    # A refresh that starts the next attempt makes four calls, each tried four times, each retry
    # waiting up to what Retry-After may ask.
    one_call = 4 * (connect + read) + 3 * MAX_RETRY_WAIT
    assert timeouts == [pytest.approx(timeouts[0])] and timeouts[0] >= 4 * one_call

"""
Staff reconcile: SCORM Cloud's current progress for every learner of a component, merged like a
postback (never regress, stale ignored), with grades and completion published for each learner.

Postbacks the emulator sends land in the receiver and are never replayed here: they are the lost ones.
"""
import json
from datetime import datetime, timedelta, timezone

import pytest

from scorm_cloud_xblock import events, ids
from scorm_cloud_xblock.block import ScormCloudXBlock
from scorm_cloud_xblock.client import Learner

pytest.register_assert_rewrite("tests.block_harness")
from tests.block_harness import (  # noqa: E402
    COURSE_KEY, PREFIX, delivered_postbacks, make_runtime, register, registration_of, replay,
)

pytest_plugins = ["tests.block_harness"]


@pytest.fixture
def staff(rt):
    return rt.add_user("teacher", is_course_staff=True)


def reconcile_all(rt, unit, user):
    """Press the staff button: call until SCORM Cloud has no more pages; the summed tally."""
    totals, more, calls = {"checked": 0, "updated": 0, "unchanged": 0, "failed": 0}, None, 0
    while True:
        response = rt.handle(unit, "reconcile", user=user, json={"more": more} if more else {})
        assert response.status_code == 200, response.body
        calls += 1
        for name in totals:
            totals[name] += response.json_body[name]
        more = response.json_body["more"]
        if not more:
            return totals, calls


def learners_with_lost_postbacks(rt, emulator, unit, names, scores):
    learners = []
    for name, score in zip(names, scores):
        learner = rt.add_user(name)
        register(rt, unit, learner)
        emulator.admin.set_progress(registration_of(rt, learner, unit), registrationCompletion="COMPLETED",
                                    registrationSuccess="PASSED", score={"scaled": score})
        learners.append(learner)
    return learners


def weighted(rt, user, unit):
    grade = rt.grades[(user.id, unit)]
    return grade.weighted_earned, grade.weighted_possible


def test_learners_whose_postbacks_were_lost_get_their_grade(rt, unit, staff, emulator, golf_course):
    learners = learners_with_lost_postbacks(rt, emulator, unit, ["ann", "ben", "cy"], [80, 60, 100])
    idle = rt.add_user("dee")
    # Registered, never launched: our record only learns SCORM Cloud's timestamp, which is no progress.
    register(rt, unit, idle)
    # Another component on the same SCORM Cloud course (a duplicate): its learner is not ours.
    other = rt.create_block(ScormCloudXBlock, course_key=COURSE_KEY, fields={"cloud_course_id": golf_course.id})
    register(rt, other, learners[0])
    assert all((learner.id, unit) not in rt.grades for learner in learners)

    totals, _ = reconcile_all(rt, unit, staff)
    assert totals == {"checked": 4, "updated": 3, "unchanged": 1, "failed": 0}
    assert [weighted(rt, learner, unit) for learner in learners] == [(8.0, 10.0), (6.0, 10.0), (10.0, 10.0)]
    assert all(rt.completions[(learner.id, unit)] == 1.0 for learner in learners)
    assert (idle.id, unit) not in rt.grades
    assert rt.user_state(learners[0], unit)["learner_progress"]["source"] == "reconcile"
    # Each learner's block was loaded as that learner; nothing was rebound, nothing went to the staff.
    assert sorted(user_id for _, user_id in rt.learner_loads) == sorted([*(l.id for l in learners), idle.id])
    assert rt.rebind_calls == [] and (staff.id, unit) not in rt.grades
    # A second press finds nothing new.
    assert reconcile_all(rt, unit, staff)[0] == {"checked": 4, "updated": 0, "unchanged": 4, "failed": 0}


def test_a_stale_cloud_state_does_not_regress_our_record(rt, unit, staff, emulator, receiver):
    alice = rt.add_user("alice")
    register(rt, unit, alice)
    registration_id = registration_of(rt, alice, unit)
    emulator.admin.set_progress(registration_id, registrationCompletion="COMPLETED", score={"scaled": 40})
    # Our record is ahead of what SCORM Cloud lists: a later report reached us first.
    latest = delivered_postbacks(emulator, receiver)[-1]
    body = json.loads(latest["body"])
    body["score"] = {"scaled": 95}
    body["updated"] = (datetime.now(timezone.utc) + timedelta(hours=1)).isoformat()
    assert replay(rt, unit, {**latest, "body": json.dumps(body).encode()}).json_body["result"] == "applied"
    before = rt.user_state(alice, unit)

    totals, _ = reconcile_all(rt, unit, staff)
    assert totals == {"checked": 1, "updated": 0, "unchanged": 1, "failed": 0}
    assert weighted(rt, alice, unit) == (9.5, 10.0)
    assert rt.user_state(alice, unit) == before


def test_learners_who_cannot_be_loaded_count_as_failed(rt, unit, staff, emulator, cloud, golf_course):
    ann, ben = learners_with_lost_postbacks(rt, emulator, unit, ["ann", "ben"], [70, 30])
    rt.revoke_access(ben, COURSE_KEY)
    # A registration in this block's id scheme for a learner this site does not know.
    stranger = ids.registration_id(PREFIX, str(unit), "0123456789abcdef0123456789abcdef")
    cloud.create_registration(stranger, golf_course.id, Learner(id="stranger"))

    totals, _ = reconcile_all(rt, unit, staff)
    assert totals == {"checked": 3, "updated": 1, "unchanged": 0, "failed": 2}
    assert weighted(rt, ann, unit) == (7.0, 10.0)
    assert (ben.id, unit) not in rt.grades
    assert rt.handler_errors == []


def test_non_staff_are_refused(rt, unit, emulator):
    alice = rt.add_user("alice")
    register(rt, unit, alice)
    response = rt.handle(unit, "reconcile", user=alice, json={})
    assert response.status_code == 403
    assert "staff" in response.json_body["error"]
    assert rt.handle(unit, "reconcile", json={}).status_code == 403   # not signed in
    assert rt.learner_loads == [] and rt.handler_errors == []


def test_the_button_is_for_staff_only(rt, unit, staff):
    alice = rt.add_user("alice")
    assert rt.load_block(unit, user=staff).student_view().json_init_args["is_staff"] is True
    assert rt.load_block(unit, user=alice).student_view().json_init_args["is_staff"] is False
    assert "scorm-cloud-reconcile" in rt.render(unit, "student_view", user=staff).content


def test_a_bad_resume_token_is_a_400(rt, unit, staff):
    response = rt.handle(unit, "reconcile", user=staff, json={"more": 5})
    assert response.status_code == 400


def test_scorm_cloud_failing_mid_way_loses_nothing_and_resumes(emulator_factory, receiver, cloud_factory,
                                                                 scorm_packages):
    emulator = emulator_factory(page_size=2)
    course = cloud_factory(emulator, scorm_packages)
    rt = make_runtime(emulator, receiver)
    unit = rt.create_block(ScormCloudXBlock, course_key=COURSE_KEY,
                           fields={"cloud_course_id": course.id, "weight": 10.0})
    staff = rt.add_user("teacher", is_course_staff=True)
    learners = learners_with_lost_postbacks(rt, emulator, unit, ["a1", "a2", "a3", "a4", "a5"],
                                            [10, 20, 30, 40, 50])

    first = rt.handle(unit, "reconcile", user=staff, json={}).json_body
    assert (first["checked"], first["updated"], first["failed"]) == (2, 2, 0) and first["more"]
    graded_first = {user_id for user_id, _ in rt.grades}
    # SCORM Cloud fails on the next page, retries included.
    emulator.admin.inject_faults(api=[{"operation": "GetRegistrations", "status": 503, "times": 4}])
    failed = rt.handle(unit, "reconcile", user=staff, json={"more": first["more"]})
    assert failed.status_code == 502
    assert "try again" in failed.json_body["error"]
    assert {user_id for user_id, _ in rt.grades} == graded_first   # kept, and nothing half-done
    assert rt.handler_errors == []
    # The next press resumes where it stopped and finishes.
    rest, more = {"checked": 0, "updated": 0}, first["more"]
    while more:
        body = rt.handle(unit, "reconcile", user=staff, json={"more": more}).json_body
        rest = {name: rest[name] + body[name] for name in rest}
        more = body["more"]
    assert rest == {"checked": 3, "updated": 3}
    assert sorted(weighted(rt, learner, unit)[0] for learner in learners) == [1.0, 2.0, 3.0, 4.0, 5.0]


@pytest.fixture
def cloud_factory():
    from scorm_cloud_xblock.client import ScormCloudClient  # pylint: disable=import-outside-toplevel
    from tests.block_harness import GOLF_12, wait_for_import  # pylint: disable=import-outside-toplevel

    def import_golf(emulator, scorm_packages):
        client = ScormCloudClient("test-app", "test-secret", base_url=emulator.api_url, retries=0)
        with open(scorm_packages / GOLF_12, "rb") as package:
            job = wait_for_import(client, client.upload_import("golf-12", package, filename=GOLF_12))
        assert job.status == "COMPLETE", job.message
        return job.course
    return import_golf


def test_reconcile_needs_a_linked_course(rt, staff):
    empty = rt.create_block(ScormCloudXBlock, course_key=COURSE_KEY)
    assert rt.handle(empty, "reconcile", user=staff, json={}).status_code == 409


# --- learners on a later attempt (decision 6) --------------------------------------------------------


def learner_on_second_attempt(rt, unit, cloud, name):
    """A learner whose first registration was deleted in SCORM Cloud, and who launched again since."""
    learner = rt.add_user(name)
    register(rt, unit, learner)
    cloud.delete_registration(registration_of(rt, learner, unit))
    assert rt.handle(unit, "launch", user=learner, json={}).status_code == 200
    current = ids.registration_id(PREFIX, str(unit), rt.anonymous_user_id(learner, COURSE_KEY), 1)
    assert rt.user_state(learner, unit)["registration_id"] == current
    return learner, current


def test_reconcile_merges_the_learners_current_attempt(rt, unit, staff, emulator, cloud):
    alice, current = learner_on_second_attempt(rt, unit, cloud, "alice")
    emulator.admin.set_progress(current, registrationCompletion="COMPLETED", score={"scaled": 70})

    totals, _ = reconcile_all(rt, unit, staff)
    assert totals == {"checked": 1, "updated": 1, "unchanged": 0, "failed": 0}
    assert weighted(rt, alice, unit) == (7.0, 10.0)
    progress = rt.user_state(alice, unit)["learner_progress"]
    assert (progress["attempt"], progress["source"]) == (1, "reconcile")


def test_an_old_attempts_registration_still_in_scorm_cloud_changes_nothing(rt, unit, staff, emulator, cloud,
                                                                           golf_course):
    alice, current = learner_on_second_attempt(rt, unit, cloud, "alice")
    emulator.admin.set_progress(current, registrationCompletion="INCOMPLETE", score={"scaled": 30})
    # The first attempt's id is in SCORM Cloud again (restored, or made by hand), with a better result.
    old = registration_of(rt, alice, unit)
    cloud.create_registration(old, golf_course.id, Learner(id="restored"))
    emulator.admin.set_progress(old, registrationCompletion="COMPLETED", score={"scaled": 100})

    totals, _ = reconcile_all(rt, unit, staff)
    assert totals == {"checked": 2, "updated": 1, "unchanged": 1, "failed": 0}
    assert weighted(rt, alice, unit) == (3.0, 10.0)
    state = rt.user_state(alice, unit)
    assert state["registration_id"] == current
    assert (state["learner_progress"]["attempt"], state["learner_progress"]["score"]) == (1, 30)
    assert rt.completions.get((alice.id, unit), 0.0) == 0.0


def test_a_record_that_lost_its_registration_adopts_only_the_attempt_it_is_at(rt, unit, staff, emulator, cloud):
    alice, current = learner_on_second_attempt(rt, unit, cloud, "alice")
    emulator.admin.set_progress(current, registrationCompletion="COMPLETED", score={"scaled": 90})
    # "Delete learner state": the platform deletes the record, attempt included; the learner starts over
    # at the first id when they come back, so the second attempt's registration is not theirs any more.
    rt.delete_student_state(unit, alice, staff)

    totals, _ = reconcile_all(rt, unit, staff)
    assert totals == {"checked": 1, "updated": 0, "unchanged": 1, "failed": 0}
    assert rt.user_state(alice, unit).get("registration_id") is None


def test_a_record_that_lost_its_registration_id_publishes_the_adoption(rt, unit, staff, emulator, cloud):
    alice = rt.add_user("alice")
    register(rt, unit, alice)
    first = registration_of(rt, alice, unit)
    rt.delete_student_state(unit, alice, staff)
    reconcile_all(rt, unit, staff)
    assert rt.user_state(alice, unit)["registration_id"] == first
    created = [event for event in rt.tracking_log if event.type == events.REGISTRATION_CREATED]
    course_id = rt.load_block(unit, user=staff).cloud_course_id
    assert created[-1].data == {"registration_id": first, "course_id": course_id, "adopted": True}

"""
Tracking events: what analytics can learn from the tracking log about SCORM Cloud activity.

Each event reaches the runtime's `publish` as the learner it is about (postbacks after the rebind),
and none carries a secret, an email, a name or a launch link.
"""
import json

import pytest
import requests

from scorm_cloud_xblock import events
from scorm_cloud_xblock.client import Learner
pytest.register_assert_rewrite("tests.block_harness")
from tests.block_harness import (  # noqa: E402
    COURSE_KEY, POSTBACK_SECRET, register, registration_of, replay, set_progress_and_replay,
)

pytest_plugins = ["tests.block_harness"]


def scorm_events(rt, event_type=None):
    return [event for event in rt.tracking_log if event.type.startswith("edx.scormcloud.")
            and (event_type is None or event.type == event_type)]


def assert_nothing_private(rt):
    text = json.dumps([event.data for event in scorm_events(rt)])
    for private in (POSTBACK_SECRET, "test-secret", "@example.com", "Alice", "Liddell", "http", "/launch/"):
        assert private not in text


def test_registration_created_is_published_as_the_learner(rt, unit, alice, golf_course):
    register(rt, unit, alice)
    register(rt, unit, alice)
    (event,) = scorm_events(rt, events.REGISTRATION_CREATED)
    assert event.user_id == alice.id and event.course_id == COURSE_KEY
    assert event.data == {"registration_id": registration_of(rt, alice, unit), "course_id": golf_course.id,
                          "adopted": False}
    assert_nothing_private(rt)


def test_an_adopted_registration_says_so_and_publishes_the_progress_it_brought(rt, unit, alice, cloud,
                                                                               golf_course, emulator):
    registration_id = registration_of(rt, alice, unit)
    cloud.create_registration(registration_id, golf_course.id, Learner(id="x"), postback=None)
    emulator.admin.set_progress(registration_id, registrationCompletion="COMPLETED", score={"scaled": 70})
    register(rt, unit, alice)
    created, progress = scorm_events(rt)
    assert (created.type, created.data["adopted"]) == (events.REGISTRATION_CREATED, True)
    assert progress.type == events.PROGRESS_UPDATED
    assert (progress.data["registration_id"], progress.data["source"], progress.data["score"]) == (
        registration_id, "refresh", 70)


def test_launch_is_published_without_the_launch_link(rt, unit, alice, golf_course):
    response = rt.handle(unit, "launch", user=alice, json={"embedded": True})
    assert response.status_code == 200
    (event,) = scorm_events(rt, events.LAUNCHED)
    assert event.user_id == alice.id
    assert event.data == {"registration_id": registration_of(rt, alice, unit), "course_id": golf_course.id,
                          "course_version": None, "launch_mode": "same_window", "embedded": True}
    assert response.json_body["launch_url"] not in json.dumps(event.data)
    assert_nothing_private(rt)


def test_a_postback_publishes_the_progress_as_the_learner_after_the_rebind(rt, unit, alice, emulator, receiver):
    register(rt, unit, alice)
    registration_id = registration_of(rt, alice, unit)
    response, postback = set_progress_and_replay(
        rt, emulator, receiver, unit, registration_id, registrationCompletion="COMPLETED",
        registrationSuccess="PASSED", score={"scaled": 90}, totalSecondsTracked=125)
    assert response.status_code == 200
    (event,) = scorm_events(rt, events.PROGRESS_UPDATED)
    assert event.user_id == alice.id     # not AnonymousUser: published after the rebind
    assert event.data == {"registration_id": registration_id, "course_id": "golf-12", "instance": 0,
                          "completion": "COMPLETED", "success": "PASSED", "score": 90, "total_seconds": 125,
                          "source": "postback", "new_attempt": False}
    # The same postback again changes nothing, and publishes nothing.
    replay(rt, unit, postback)
    assert len(scorm_events(rt, events.PROGRESS_UPDATED)) == 1
    assert_nothing_private(rt)


def test_a_refresh_that_changes_progress_is_published_once(rt, unit, alice, emulator):
    register(rt, unit, alice)
    emulator.admin.set_progress(registration_of(rt, alice, unit), registrationCompletion="INCOMPLETE",
                                totalSecondsTracked=30)
    for _ in range(2):
        assert rt.handle(unit, "progress", user=alice, json={"refresh": True}).status_code == 200
    (event,) = scorm_events(rt, events.PROGRESS_UPDATED)
    assert (event.user_id, event.data["source"], event.data["total_seconds"]) == (alice.id, "refresh", 30)


def test_a_launch_and_return_without_new_results_publishes_no_progress(rt, unit, alice, emulator, receiver):
    # Opening the launch link moves SCORM Cloud's `updated` for this registration, with no new result.
    register(rt, unit, alice)
    set_progress_and_replay(rt, emulator, receiver, unit, registration_of(rt, alice, unit),
                            registrationCompletion="INCOMPLETE", score={"scaled": 40})
    launch_url = rt.handle(unit, "launch", user=alice, json={}).json_body["launch_url"]
    assert requests.get(launch_url, timeout=10).status_code == 200
    assert rt.handle(unit, "progress", user=alice, json={"refresh": True}).status_code == 200
    assert len(scorm_events(rt, events.PROGRESS_UPDATED)) == 1    # the postback's, not the refresh's


def test_staff_reconcile_is_published_as_staff_and_each_change_as_its_learner(rt, unit, alice, emulator,
                                                                              golf_course):
    staff = rt.add_user("teacher", is_course_staff=True)
    bob = rt.add_user("bob")
    for learner in (alice, bob):
        register(rt, unit, learner)
    emulator.admin.set_progress(registration_of(rt, bob, unit), registrationCompletion="COMPLETED")
    response = rt.handle(unit, "reconcile", user=staff, json={})
    assert response.status_code == 200, response.body
    (requested,) = scorm_events(rt, events.RECONCILE_REQUESTED)
    assert requested.user_id == staff.id
    assert requested.data == {"course_id": golf_course.id, "learners": 2, "more": False}
    progress = {event.user_id: event.data for event in scorm_events(rt, events.PROGRESS_UPDATED)}
    assert progress[bob.id]["registration_id"] == registration_of(rt, bob, unit)
    assert (progress[bob.id]["source"], progress[bob.id]["completion"]) == ("reconcile", "COMPLETED")
    assert staff.id not in progress

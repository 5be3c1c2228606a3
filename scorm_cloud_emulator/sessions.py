"""The player's backend inside the emulator: launch links open sessions, commits land in storage.

A launch link is a signed, short-lived token (:mod:`scorm_cloud_emulator.launch`). Opening it creates a
player session with an unguessable id, stored in SQLite so that a player page survives an emulator
restart; the id in the player's URL is then the only credential, and the session expires after
:data:`SESSION_IDLE_SECONDS` without use.

Runtime data is stored per registration, instance and SCO. Every commit rolls the instance up again
from all of its SCOs (:func:`rollup_instance`) and hands the result to the app's ``record_progress``,
which queues a postback only when the rollup changed.
"""
import dataclasses
import secrets
import time
from pathlib import Path

from .launch import InvalidLaunchToken, verify_launch_token
from .packages import Activity
from .player import LaunchRefused, PlayerSession
from .rollup import cmi_number, rollup, sco_result
from .storage import PlayerSessionRecord

#: A session dies after this long without a request; the player autocommits while content is open.
SESSION_IDLE_SECONDS = 8 * 3600
#: Sliding the expiry costs a write, so it happens at most once per this many seconds of use.
EXTEND_EVERY_SECONDS = 60


# -- activity trees (pure) ----------------------------------------------------------------------

def activity_record(activity):
    """A JSON-able copy of an imported activity tree, everything the player needs included."""
    return dataclasses.asdict(activity)


def activity_from_record(record):
    return Activity(**{**record, "children": [activity_from_record(child) for child in record["children"]]})


def activity_from_course_json(node):
    """Rebuild a tree from a stored ``rootActivity`` (CourseActivitySchema), for courses imported before
    the full tree was kept; that schema has no completion threshold."""
    passing = node.get("scaledPassingScore")
    return Activity(
        identifier=node.get("externalIdentifier") or node.get("itemIdentifier") or "",
        title=node.get("title") or "",
        activity_type=node.get("activityType") or "AGGREGATION",
        href=node.get("href"),
        resource_identifier=node.get("resourceIdentifier"),
        scaled_passing_score=cmi_number(passing),
        children=[activity_from_course_json(child) for child in node.get("children") or []],
    )


def course_tree(course):
    """The root Activity of a stored course version and its launchable activities in organization order."""
    if course.activities is not None:
        root = activity_from_record(course.activities)
    else:
        root = activity_from_course_json(course.root_activity)
    return root, [activity for activity in root.walk() if activity.href is not None]


def learner_name(learner):
    """``cmi.core.student_name`` / ``cmi.learner_name``: "Last, First", as SCORM's examples write it."""
    first, last = (learner.get("firstName") or "").strip(), (learner.get("lastName") or "").strip()
    return ", ".join(part for part in (last, first) if part)


def rollup_instance(standard, activities, runtime):
    """Roll one instance up from the stored runtime data of its SCOs (``{sco_id: {"cmi": ...}}``).

    Every SCO counts, launched or not (None = never launched); an asset counts only if it committed
    runtime data, since content that never talks to the API cannot report anything.
    """
    counted = [activity for activity in activities
               if activity.activity_type == "SCO" or activity.identifier in runtime]
    return rollup([
        sco_result(standard, runtime[activity.identifier], activity.scaled_passing_score)
        if activity.identifier in runtime else None
        for activity in counted
    ])


# -- the backend ----------------------------------------------------------------------------------

class StoragePlayerBackend:
    """:class:`scorm_cloud_emulator.player.PlayerBackend` over the emulator's storage.

    ``record_progress(registration_id, instance, completion=, success=, score=, total_seconds=)`` is the
    app's: it updates the instance and queues the postback.
    """

    def __init__(self, storage, launch_key, record_progress, idle_seconds=SESSION_IDLE_SECONDS, clock=time.time):
        self.storage = storage
        self.launch_key = launch_key
        self.record_progress = record_progress
        self.idle_seconds = idle_seconds
        self.clock = clock

    def open_session(self, launch_token):
        now = self.clock()
        try:
            claims = verify_launch_token(launch_token, self.launch_key, now=now)
        except InvalidLaunchToken as exc:
            raise LaunchRefused(exc.reason) from None
        registration = None
        if claims.preview:
            course = self.storage.get_course(claims.course_id, claims.course_version)
        else:
            registration = self.storage.launch_instance(claims.registration_id, claims.tracking)
            if registration is None:
                raise LaunchRefused("This registration no longer exists.", status=404)
            course = self.storage.get_course(registration.course_id, registration.course_version)
        if course is None:
            raise LaunchRefused("This course no longer exists.", status=404)
        record = PlayerSessionRecord(
            id=secrets.token_urlsafe(32),
            registration_id=registration.id if registration else None,
            instance=registration.instance if registration else None,
            course_id=course.id,
            course_version=course.version,
            redirect_on_exit_url=claims.redirect_on_exit_url,
            # A preview is never tracked, whatever its link says.
            tracking=claims.tracking and registration is not None,
            start_sco=claims.start_sco,
            expires=now + self.idle_seconds,
        )
        self.storage.create_player_session(record, now)
        return self._session(record, course, registration)

    def get_session(self, session_id):
        record = self.storage.get_player_session(session_id)
        if record is None:
            return None
        now = self.clock()
        if record.expires < now:
            self.storage.delete_player_session(session_id)
            return None
        # The course version or the registration may have been deleted since the launch.
        course = self.storage.get_course(record.course_id, record.course_version)
        registration = None
        if record.registration_id is not None:
            registration = self.storage.get_registration(record.registration_id, record.instance)
            if registration is None:
                return None
        if course is None:
            return None
        if now + self.idle_seconds - record.expires > EXTEND_EVERY_SECONDS:
            self.storage.extend_player_session(session_id, now + self.idle_seconds)
        return self._session(record, course, registration)

    def load_runtime(self, session, sco_id):
        if session.registration_id is None:
            return None
        return self.storage.load_runtime(session.registration_id, session.instance, sco_id)

    def save_runtime(self, session, sco_id, cmi):
        if session.registration_id is None:
            return
        registration_id, instance = session.registration_id, session.instance
        # One transaction from the write to the rollup: two SCOs (or two tabs) committing at once each
        # roll up over the other's stored data, and the last rollup written includes both.
        with self.storage.transaction():
            if self.storage.get_registration(registration_id, instance) is None:
                raise LaunchRefused("This registration no longer exists.", status=404)
            self.storage.save_runtime(registration_id, instance, sco_id, cmi)
            result = rollup_instance(session.learning_standard, session.scos,
                                     self.storage.instance_runtime(registration_id, instance))
            self.record_progress(registration_id, instance, completion=result.completion, success=result.success,
                                 score=result.score, total_seconds=result.total_seconds)

    @staticmethod
    def _session(record, course, registration):
        root, launchable = course_tree(course)
        learner = registration.learner if registration is not None else {}
        return PlayerSession(
            session_id=record.id,
            registration_id=record.registration_id,
            instance=record.instance,
            course_title=course.title,
            learning_standard=course.learning_standard,
            package_dir=Path(course.content_dir),
            root=root,
            scos=launchable,
            redirect_on_exit_url=record.redirect_on_exit_url,
            tracking=record.tracking,
            learner_id=learner.get("id", ""),
            learner_name=learner_name(learner),
            start_sco=record.start_sco,
        )

"""``lms.djangoapps.courseware.masquerade``: staff "View this course as" a specific learner.

What the LMS does, and this module emulates:

- ``MasqueradeView.post`` stores a ``CourseMasquerade`` per course in the staff member's session
  (``masquerade_settings``); only course staff may, and only as a learner enrolled in the course.
- Every courseware view and handler calls ``setup_masquerade``. Masquerading as a specific learner,
  it fetches the learner's ``User`` and adds two attributes to that object: ``masquerade_settings``
  (the staff member's) and ``real_user`` (the staff member). The block is loaded for that object.
- ``get_block_for_descriptor`` then wraps the learner's state in ``MasqueradingKeyValueStore``
  (reads fall through to the learner's state, writes stay in the staff member's session), and
  ``prepare_runtime_for_user`` builds the ``user`` service for that object: the learner's ids, with
  ``user_is_staff`` False and ``user_role`` "student" (``has_access`` denies staff access to
  someone masquerading as a student). ``EventPublishingService.publish`` skips the grade and
  completion handlers when masquerading as a specific learner: those events are only tracked.
- The courseware page (``render_xblock``) resets the session's field data on every render.

Only masquerading as a specific learner is emulated (not a generic learner or a group).
"""
from dataclasses import dataclass, field

from xblock.runtime import KeyValueStore

from .users import User

MASQUERADE_SETTINGS_KEY = "masquerade_settings"
MASQUERADE_DATA_KEY = "masquerade_data"


class CourseMasquerade:
    """The masquerade settings of one course, as kept in the session."""

    def __init__(self, course_key, role="student", user_partition_id=None, group_id=None, user_name=None):
        self.course_key = course_key
        self.role = role
        self.user_partition_id = user_partition_id
        self.group_id = group_id
        self.user_name = user_name


@dataclass(frozen=True, eq=False)
class MasqueradeUser(User):
    """The learner's ``User`` as ``setup_masquerade`` hands it out: with ``real_user`` and
    ``masquerade_settings`` added. Staff access is denied to it (``_has_access_to_course`` refuses
    anyone masquerading as a student) and its role is the masquerade's."""

    real_user: object = None
    masquerade_settings: dict = field(default_factory=dict)

    @property
    def has_staff_access(self):
        return False

    @property
    def role(self):
        return "student"


def get_course_masquerade(user, course_key):
    return getattr(user, "masquerade_settings", {}).get(course_key)


def is_masquerading_as_specific_student(user, course_key):
    course_masquerade = get_course_masquerade(user, course_key)
    return bool(course_masquerade and course_masquerade.user_name)


_DELETED = object()


class MasqueradingKeyValueStore(KeyValueStore):
    """Reads from the session if written there, else from the learner's state; writes to the session."""

    def __init__(self, kvs, session):  # pylint: disable=super-init-not-called
        self.kvs = kvs
        self.session_data = session.setdefault(MASQUERADE_DATA_KEY, {})

    @staticmethod
    def _key(key):
        return repr(tuple(key))

    def get(self, key):
        try:
            value = self.session_data[self._key(key)]
        except KeyError:
            return self.kvs.get(key)
        if value is _DELETED:
            raise KeyError(self._key(key))
        return value

    def set(self, key, value):
        self.session_data[self._key(key)] = value

    def delete(self, key):
        self.set(key, _DELETED)

    def has(self, key):
        try:
            value = self.session_data[self._key(key)]
        except KeyError:
            return self.kvs.has(key)
        return value is not _DELETED


class MasqueradeOperations:
    """The platform side: the LMS session of each user, the masquerade view and ``setup_masquerade``."""

    def session(self, user):
        """The user's LMS session (a dict)."""
        return self._sessions.setdefault(user.id, {})

    def masquerade(self, staff, course_key, learner):
        """``MasqueradeView.post`` with a user name: "View this course as" ``learner``."""
        from .keys import course_key as to_course_key  # pylint: disable=import-outside-toplevel
        course_key = to_course_key(course_key)
        if not staff.has_staff_access:
            raise PermissionError(f"{staff.username} is not course staff")
        if not self.has_access(learner, course_key):
            raise ValueError(f"{learner.username} is not enrolled in {course_key}")
        settings = self.session(staff).setdefault(MASQUERADE_SETTINGS_KEY, {})
        settings[course_key] = CourseMasquerade(course_key, role="student", user_name=learner.username)

    def stop_masquerade(self, staff, course_key):
        """``MasqueradeView.post`` with role "staff": staff see the course as themselves again."""
        from .keys import course_key as to_course_key  # pylint: disable=import-outside-toplevel
        course_key = to_course_key(course_key)
        settings = self.session(staff).setdefault(MASQUERADE_SETTINGS_KEY, {})
        settings[course_key] = CourseMasquerade(course_key, role="staff")

    def setup_masquerade(self, user, course_key, reset_masquerade_data=False):
        """The user a request's blocks are loaded for: the learner staff masquerade as, or ``user``."""
        if not user.is_authenticated or not user.has_staff_access:
            return user
        session = self.session(user)
        if reset_masquerade_data:
            session.pop(MASQUERADE_DATA_KEY, None)
        settings = session.setdefault(MASQUERADE_SETTINGS_KEY, {})
        course_masquerade = settings.get(course_key)
        if not (course_masquerade and course_masquerade.user_name):
            return user
        learner = self.users.by_username(course_masquerade.user_name)
        if learner is None or not self.has_access(learner, course_key):
            # Unenrolled since: the LMS silently drops the masquerade.
            del settings[course_key]
            return user
        attributes = {name: getattr(learner, name) for name in User.__dataclass_fields__}
        return MasqueradeUser(**attributes, real_user=user, masquerade_settings=settings)

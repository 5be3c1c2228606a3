"""Users, anonymous ids and access roles, as the LMS ``student`` app keeps them."""
import hashlib
from dataclasses import dataclass, field


@dataclass(frozen=True)
class User:
    """The parts of a Django ``User`` (plus profile and course roles) that XBlock services expose."""

    id: int
    username: str
    email: str
    full_name: str
    is_staff: bool = False              # global staff (``User.is_staff``)
    is_course_staff: bool = False       # CourseStaffRole: course-level staff access
    is_course_author: bool = False      # Studio author access (``has_course_author_access``)
    is_beta_tester: bool = False
    preferences: dict = field(default_factory=dict)   # ``pref-lang`` and ``time_zone`` only
    is_authenticated: bool = True

    @property
    def is_anonymous(self):
        return not self.is_authenticated

    @property
    def has_staff_access(self):
        """Course staff access, which global staff always have."""
        return self.is_staff or self.is_course_staff

    @property
    def role(self):
        """What ``courseware.access.get_user_role`` would answer."""
        if self.has_staff_access:
            return "staff"
        return "beta_tester" if self.is_beta_tester else "student"


@dataclass(frozen=True)
class _AnonymousUser:
    """Django's ``AnonymousUser``: id ``None``, never authenticated, no staff rights."""

    id: None = None
    username: str = ""
    email: str = ""
    full_name: str = ""
    is_staff: bool = False
    is_course_staff: bool = False
    is_course_author: bool = False
    is_beta_tester: bool = False
    preferences: dict = field(default_factory=dict)
    is_authenticated: bool = False

    @property
    def is_anonymous(self):
        return True

    has_staff_access = False
    role = "student"


AnonymousUser = _AnonymousUser()


class UserDirectory:
    """The user table plus ``student.models.AnonymousUserId``."""

    def __init__(self, secret_key):
        self._secret_key = secret_key
        self._users = {}
        self._anonymous_ids = {}      # anonymous id -> user id, filled as ids are handed out

    def add(self, username, **attributes):
        if any(user.username == username for user in self._users.values()):
            raise ValueError(f"username {username!r} is taken")
        user = User(id=len(self._users) + 1, username=username, **attributes)
        self._users[user.id] = user
        return user

    def get(self, user_id):
        return self._users[user_id]

    def by_username(self, username_or_email):
        for user in self._users.values():
            if username_or_email in (user.username, user.email):
                return user
        return None

    def all(self):
        return list(self._users.values())

    def anonymous_id(self, user, course_key):
        """``anonymous_id_for_user``: a 32-hex digest of the secret, the user id and the course.

        Like the LMS, the id is recorded when handed out; ``by_anonymous_id`` can only find ids
        that were recorded (the ``AnonymousUserId`` table), whatever course they belong to.
        """
        if not user.is_authenticated:
            return None
        hasher = hashlib.shake_128()
        hasher.update(self._secret_key.encode("utf-8"))
        hasher.update(str(user.id).encode("utf-8"))
        if course_key is not None:
            hasher.update(str(course_key).encode("utf-8"))
        anonymous_id = hasher.hexdigest(16)
        self._anonymous_ids[anonymous_id] = user.id
        return anonymous_id

    def by_anonymous_id(self, anonymous_id):
        """``user_by_anonymous_id``: a global lookup that ignores the course."""
        user_id = self._anonymous_ids.get(anonymous_id)
        return None if user_id is None else self._users[user_id]

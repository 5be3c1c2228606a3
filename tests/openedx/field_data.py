"""Field data as the LMS and Studio compose it: authored data from the modulestore, learner data
from the courseware tables, both behind ``KvsFieldData`` so keys are exactly ``KvsFieldData._key``.
"""
import json

from xblock.exceptions import InvalidScopeError
from xblock.field_data import ReadOnlyFieldData, SplitFieldData
from xblock.fields import Scope, UserScope
from xblock.runtime import KeyValueStore, KvsFieldData

AUTHORED_SCOPES = (Scope.content, Scope.settings, Scope.parent, Scope.children)
LEARNER_SCOPES = (Scope.user_state, Scope.preferences, Scope.user_info, Scope.user_state_summary)


class HarnessError(AssertionError):
    """A block misused the platform in a way the LMS would hide (lost data, dropped grades)."""


class AnonymousStateWriteError(HarnessError):
    """Learner state written while the block is bound to AnonymousUser.

    The LMS has no learner to store it for (the ``FieldDataCache`` of an anonymous user is empty and
    the write is lost or fails), so the harness fails loudly: the block forgot to rebind first.
    """


class UnboundStateAccessError(HarnessError):
    """Learner state touched on a block bound to no user (grades transformer, instructor tasks)."""


class StudentDataStore(KeyValueStore):
    """Learner-scoped rows (``StudentModule`` and friends) seen through one bound user.

    ``db`` is shared by every request; ``user_id`` is the user the block is bound to. Reads are
    lazy: each reads the shared store as it is then. See ``StudentModuleCache`` for the LMS's reads.
    """

    def __init__(self, db, user_id):
        self.db = db
        self.user_id = user_id

    def _check_write(self, key):
        if key.scope.user != UserScope.ONE:
            return
        if key.user_id is None:
            raise AnonymousStateWriteError(
                f"{key.field_name!r} ({key.scope}) written while bound to AnonymousUser; "
                "call rebind_noauth_module_to_user before writing learner state"
            )
        if key.user_id != self.user_id:
            raise AssertionError(f"field data bound to user {self.user_id} asked to write for {key.user_id}")

    def get(self, key):
        return self.db[key]

    def has(self, key):
        return key in self.db

    def set(self, key, value):
        self._check_write(key)
        self.db[key] = value

    def set_many(self, update_dict):
        for key in update_dict:
            self._check_write(key)
        self.db.update(update_dict)

    def delete(self, key):
        self._check_write(key)
        del self.db[key]


class StudentModuleCache(StudentDataStore):
    """The LMS's ``FieldDataCache`` for one block and one learner.

    The LMS reads the learner's ``StudentModule`` row when it loads (or rebinds) the block, and every
    read in that request answers from that snapshot, however the row changes meanwhile. Writes
    (``DjangoXBlockUserStateClient.set_many``) merge the saved fields into the row as it is then,
    creating it again if it was deleted. Values travel as JSON, as in ``StudentModule.state``.
    """

    def __init__(self, db, user_id, usage_id):
        super().__init__(db, user_id)
        self.usage_id = usage_id
        self.snapshot = {key: _json_copy(value) for key, value in db.items() if self._cached(key)}

    def _cached(self, key):
        return (key.scope == Scope.user_state and key.user_id == self.user_id
                and key.block_scope_id == self.usage_id)

    def get(self, key):
        if not self._cached(key):
            return super().get(key)
        return _json_copy(self.snapshot[key])

    def has(self, key):
        return key in self.snapshot if self._cached(key) else super().has(key)

    def set(self, key, value):
        self.set_many({key: value})

    def set_many(self, update_dict):
        for key in update_dict:
            self._check_write(key)
        stored = {key: _json_copy(value) for key, value in update_dict.items()}
        self.db.update(stored)
        self.snapshot.update({key: value for key, value in stored.items() if self._cached(key)})

    def delete(self, key):
        self._check_write(key)
        if self._cached(key):
            del self.snapshot[key]
            self.db.pop(key, None)
        else:
            del self.db[key]


def _json_copy(value):
    return json.loads(json.dumps(value))


class UnboundStudentData(KeyValueStore):
    """No learner at all: any learner-scope access is an error."""

    def _fail(self, key, *_args):
        raise UnboundStateAccessError(
            f"{key.field_name!r} ({key.scope}) accessed on a block bound to no user; "
            "the platform calls this code path without learner state"
        )

    get = has = set = delete = _fail

    def set_many(self, update_dict):
        self._fail(next(iter(update_dict)))


class StudioStudentData(KeyValueStore):
    """Studio's split modulestore stores only authored scopes: learner fields read as defaults and
    writing one raises ``InvalidScopeError`` (``SplitMongoKVS.VALID_SCOPES``)."""

    def get(self, key):
        raise KeyError(key)

    def has(self, key):
        return False

    def set(self, key, value):
        raise InvalidScopeError(key, AUTHORED_SCOPES)

    def set_many(self, update_dict):
        self.set(next(iter(update_dict)), None)

    def delete(self, key):
        raise InvalidScopeError(key, AUTHORED_SCOPES)


class DraftStore(KeyValueStore):
    """Studio edits to authored data, applied to the modulestore only by ``commit()`` (``update_item``)."""

    _DELETED = object()

    def __init__(self, published):
        self.published = published
        self.changes = {}

    def get(self, key):
        if key not in self.changes:
            return self.published[key]
        value = self.changes[key]
        if value is self._DELETED:
            raise KeyError(key)
        return value

    def has(self, key):
        if key in self.changes:
            return self.changes[key] is not self._DELETED
        return key in self.published

    def set(self, key, value):
        self.changes[key] = value

    def delete(self, key):
        if not self.has(key):
            raise KeyError(key)
        self.changes[key] = self._DELETED

    def commit(self):
        for key, value in self.changes.items():
            if value is self._DELETED:
                self.published.pop(key, None)
            else:
                self.published[key] = value
        self.changes.clear()


def compose(authored, student, authored_writable):
    """``LmsFieldData`` (read-only authored data) or Studio's writable authored data, plus learner data."""
    authored_data = KvsFieldData(authored)
    if not authored_writable:
        # LmsFieldData wraps authored data in ReadOnlyFieldData: LMS code cannot change course content.
        authored_data = ReadOnlyFieldData(authored_data)
    student_data = KvsFieldData(student)
    mapping = {scope: authored_data for scope in AUTHORED_SCOPES}
    mapping.update({scope: student_data for scope in LEARNER_SCOPES})
    return SplitFieldData(mapping)

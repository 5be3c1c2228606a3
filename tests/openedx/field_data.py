"""Field data as the LMS and Studio compose it: authored data from the modulestore, learner data
from the courseware tables, both behind ``KvsFieldData`` so keys are exactly ``KvsFieldData._key``.
"""
import json
from collections.abc import MutableMapping

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


class FieldTable(MutableMapping):
    """Stored field values by ``KvsFieldData`` key: the modulestore's, or the courseware tables'.

    Values are indexed by (user, block scope id), as a course structure holds each block's fields
    together and ``StudentModule`` is unique by (student, module_state_key): loading one block for
    one learner reads its own rows, not every row.
    """

    def __init__(self):
        self._values = {}
        self._rows = {}     # (user id, block scope id) -> the keys stored for it

    def __getitem__(self, key):
        return self._values[key]

    def __setitem__(self, key, value):
        self._values[key] = value
        self._rows.setdefault((key.user_id, key.block_scope_id), set()).add(key)

    def __delitem__(self, key):
        del self._values[key]
        row_id = (key.user_id, key.block_scope_id)
        row = self._rows[row_id]
        row.discard(key)
        if not row:
            del self._rows[row_id]

    def __iter__(self):
        return iter(self._values)

    def __len__(self):
        return len(self._values)

    def __contains__(self, key):
        return key in self._values

    def row(self, user_id, block_scope_id, scopes=(Scope.user_state,)):
        """The values stored for one block (and one learner), in ``scopes``, by key."""
        return {key: self._values[key] for key in self._rows.get((user_id, block_scope_id), ())
                if key.scope in scopes}


class AuthoredBlockData(KeyValueStore):
    """One block's authored fields as the LMS reads them: loaded with the block, by field name.

    The modulestore gives each block its own key-value store (``SplitMongoKVS``, an
    ``InheritanceKeyValueStore``) holding the block's fields by name; an unset field falls back to
    the field's default. LMS code cannot write them (``ReadOnlyFieldData`` wraps this).
    """

    def __init__(self, table, usage_id, definition_id):
        self.table = table
        self.block_ids = (usage_id, definition_id)
        self.fields = {}
        for block_scope_id in set(self.block_ids):
            self.fields.update({key.field_name: value
                                for key, value in table.row(None, block_scope_id, AUTHORED_SCOPES).items()})

    def _own(self, key):
        return any(key.block_scope_id is own or key.block_scope_id == own for own in self.block_ids)

    def get(self, key):
        return self.fields[key.field_name] if self._own(key) else self.table[key]

    def has(self, key):
        return key.field_name in self.fields if self._own(key) else key in self.table

    def default(self, key):
        raise KeyError(key.field_name)

    def set(self, key, value):
        raise InvalidScopeError(key, ())

    def delete(self, key):
        raise InvalidScopeError(key, ())


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
        # StudentModule.state is JSON, decoded once when the block is loaded; UserStateCache then
        # answers by field name.
        self.snapshot = {key.field_name: _json_copy(value) for key, value in db.row(user_id, usage_id).items()}

    def _cached(self, key):
        return (key.scope == Scope.user_state and key.user_id == self.user_id
                and (key.block_scope_id is self.usage_id or key.block_scope_id == self.usage_id))

    def get(self, key):
        if not self._cached(key):
            return super().get(key)
        # UserStateCache hands out the decoded value itself; XBlock fields copy mutable values.
        return self.snapshot[key.field_name]

    def has(self, key):
        return key.field_name in self.snapshot if self._cached(key) else super().has(key)

    def set(self, key, value):
        self.set_many({key: value})

    def set_many(self, update_dict):
        for key in update_dict:
            self._check_write(key)
        stored = {key: _json_copy(value) for key, value in update_dict.items()}
        self.db.update(stored)
        # Its own copy: what a block later reads from the cache and changes is not the stored row.
        self.snapshot.update({key.field_name: _json_copy(value) for key, value in stored.items() if self._cached(key)})

    def delete(self, key):
        self._check_write(key)
        if self._cached(key):
            del self.snapshot[key.field_name]
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

"""The emulator's state in SQLite under the data directory.

One connection in WAL mode, shared by every request thread and the background workers behind a lock:
the emulator serves a test suite, not a fleet, and serialising writes keeps each operation atomic.
Rows come back as dataclasses; turning them into SCORM Cloud JSON happens in ``to_json`` methods.
"""
import json
import secrets
import sqlite3
import threading
import uuid
from dataclasses import dataclass, field, replace
from datetime import datetime, timezone
from pathlib import Path

from .configuration import Scope, postback_settings

COMPLETION_VALUES = ("UNKNOWN", "COMPLETED", "INCOMPLETE")
SUCCESS_VALUES = ("UNKNOWN", "PASSED", "FAILED")


def _orders(*fields):
    """SCORM Cloud's orderBy values over ``fields``: ``<field>_asc`` and ``<field>_desc``."""
    return {f"{name}_{direction}": (name, direction.upper()) for name in fields for direction in ("asc", "desc")}


# The fields that GetRegistrations and GetCourses filter (filterBy) and sort (orderBy) on, each as its SQL
# over the listing's select and as its value on the listed item. Both must agree: a `more` token carries
# the last item's value, which the next page compares in SQL.
REGISTRATION_FIELDS = {
    "registration_id": ("r.id", lambda registration: registration.id),
    "created": ("r.created", lambda registration: registration.created),
    "updated": ("r.updated", lambda registration: registration.registration_updated),
    "course_title": ("COALESCE(c.title, '')", lambda registration: registration.course_title),
    "learner_first_name": ("COALESCE(json_extract(r.learner, '$.firstName'), '')",
                           lambda registration: registration.learner.get("firstName") or ""),
    "learner_last_name": ("COALESCE(json_extract(r.learner, '$.lastName'), '')",
                          lambda registration: registration.learner.get("lastName") or ""),
}
REGISTRATION_FILTER_BY = ("registration_id", "course_title", "learner_first_name", "learner_last_name", "tags")
REGISTRATION_ORDERS = _orders("created", "updated", "course_title", "learner_first_name", "learner_last_name")
COURSE_FIELDS = {
    "course_id": ("c.id", lambda course: course.id),
    "title": ("c.title", lambda course: course.title),
    "created": ("c.created", lambda course: course.created),
    "updated": ("c.updated", lambda course: course.updated),
}
COURSE_FILTER_BY = ("course_id", "title", "tags")
COURSE_ORDERS = _orders("created", "updated", "title")

SCHEMA = """
CREATE TABLE IF NOT EXISTS courses (
    id TEXT NOT NULL, version INTEGER NOT NULL, title TEXT NOT NULL, learning_standard TEXT NOT NULL,
    root_activity TEXT NOT NULL, content_dir TEXT NOT NULL, tags TEXT NOT NULL,
    created TEXT NOT NULL, updated TEXT NOT NULL,
    activities TEXT,
    PRIMARY KEY (id, version)
);
CREATE TABLE IF NOT EXISTS import_jobs (
    id TEXT PRIMARY KEY, course_id TEXT NOT NULL, status TEXT NOT NULL, message TEXT,
    result TEXT, created TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS registrations (
    id TEXT PRIMARY KEY, course_id TEXT NOT NULL, learner TEXT NOT NULL,
    xapi_registration_id TEXT NOT NULL, tags TEXT NOT NULL,
    created TEXT NOT NULL, updated TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS settings (
    level TEXT NOT NULL, owner_id TEXT NOT NULL, owner_number INTEGER NOT NULL, setting_id TEXT NOT NULL,
    value TEXT NOT NULL,
    PRIMARY KEY (level, owner_id, owner_number, setting_id)
);
CREATE TABLE IF NOT EXISTS instances (
    registration_id TEXT NOT NULL, instance INTEGER NOT NULL, course_version INTEGER NOT NULL,
    completion TEXT NOT NULL, success TEXT NOT NULL, score REAL, total_seconds REAL NOT NULL,
    first_access TEXT, last_access TEXT, completed TEXT, created TEXT NOT NULL, updated TEXT NOT NULL,
    PRIMARY KEY (registration_id, instance)
);
CREATE TABLE IF NOT EXISTS postback_queue (
    id INTEGER PRIMARY KEY AUTOINCREMENT, registration_id TEXT, url TEXT NOT NULL,
    auth_type TEXT NOT NULL, user_name TEXT, password TEXT, body TEXT NOT NULL,
    attempt INTEGER NOT NULL DEFAULT 0, next_at REAL NOT NULL, held INTEGER NOT NULL DEFAULT 0
);
CREATE TABLE IF NOT EXISTS postback_log (
    id INTEGER PRIMARY KEY AUTOINCREMENT, registration_id TEXT, url TEXT NOT NULL, attempt INTEGER NOT NULL,
    status INTEGER, delivered INTEGER NOT NULL, error TEXT, body TEXT NOT NULL, at TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS runtime (
    registration_id TEXT NOT NULL, instance INTEGER NOT NULL, sco_id TEXT NOT NULL, cmi TEXT NOT NULL,
    updated TEXT NOT NULL,
    PRIMARY KEY (registration_id, instance, sco_id)
);
CREATE TABLE IF NOT EXISTS player_sessions (
    id TEXT PRIMARY KEY, registration_id TEXT, instance INTEGER, course_id TEXT NOT NULL,
    course_version INTEGER NOT NULL, redirect_on_exit_url TEXT NOT NULL, tracking INTEGER NOT NULL,
    start_sco TEXT, expires REAL NOT NULL, created TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS player_sessions_registration ON player_sessions (registration_id);
CREATE TABLE IF NOT EXISTS counters (name TEXT PRIMARY KEY, value INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS secrets (name TEXT PRIMARY KEY, value BLOB NOT NULL);
"""


class StorageError(Exception):
    """A request that the state refuses; ``status`` and ``message`` are what SCORM Cloud answers."""

    def __init__(self, status, message):
        super().__init__(message)
        self.status = status
        self.message = message


def now_iso():
    """The current UTC time as SCORM Cloud prints it, to the millisecond so values round-trip exactly."""
    return format_datetime(datetime.now(timezone.utc))


def format_datetime(moment):
    return moment.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"


def parse_datetime(text):
    """Parse an ISO-8601 query value (UTC when it names no offset); ValueError if it is not one."""
    moment = datetime.fromisoformat(text.strip().replace("Z", "+00:00").replace("z", "+00:00"))
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=timezone.utc)
    return moment


@dataclass(frozen=True)
class Course:
    id: str
    version: int
    title: str
    learning_standard: str
    root_activity: dict
    content_dir: str
    tags: list
    created: str
    updated: str
    registration_count: int = 0
    # The player's view of the activity tree (everything the manifest said that rootActivity leaves
    # out, such as completion thresholds); None for courses stored before it was kept.
    activities: dict | None = None

    def to_json(self, include_registration_count=False):
        data = {
            "id": self.id,
            "title": self.title,
            "xapiActivityId": f"urn:scormcloud:course:{self.id}",
            "created": self.created,
            "updated": self.updated,
            "version": self.version,
            "activityId": self.root_activity.get("externalIdentifier", ""),
            "courseLearningStandard": self.learning_standard,
            "tags": list(self.tags),
            "dispatched": False,
            "rootActivity": self.root_activity,
        }
        if include_registration_count:
            data["registrationCount"] = self.registration_count
        return data


@dataclass(frozen=True)
class ImportJob:
    id: str
    course_id: str
    status: str
    message: str | None
    result: dict | None

    def to_json(self):
        data = {"jobId": self.id, "status": self.status}
        if self.message is not None:
            data["message"] = self.message
        if self.result is not None:
            data["importResult"] = self.result
        return data


@dataclass(frozen=True)
class Progress:
    """One registration instance's rolled-up results."""

    completion: str = "UNKNOWN"
    success: str = "UNKNOWN"
    score: float | None = None  # scaled, 0..100
    total_seconds: float = 0.0
    first_access: str | None = None
    last_access: str | None = None
    completed: str | None = None


def apply_progress(progress, now, completion=None, success=None, score=..., total_seconds=None):
    """Return ``progress`` with the given results applied, or None when nothing changes.

    ``score=None`` clears the score; leaving it out keeps it. Access dates move only on a real change,
    so a repeated report is not a new postback.
    """
    changed = replace(
        progress,
        completion=progress.completion if completion is None else completion,
        success=progress.success if success is None else success,
        score=progress.score if score is ... else score,
        total_seconds=progress.total_seconds if total_seconds is None else float(total_seconds),
    )
    if changed == progress:
        return None
    completed = progress.completed
    if changed.completion == "COMPLETED" and progress.completion != "COMPLETED":
        completed = now
    elif changed.completion != "COMPLETED":
        completed = None
    return replace(changed, first_access=progress.first_access or now, last_access=now, completed=completed)


@dataclass(frozen=True)
class Registration:
    """A registration as seen through one of its instances (the latest unless asked otherwise)."""

    id: str
    instance: int
    course_id: str
    course_version: int
    course_title: str
    learner: dict
    xapi_registration_id: str
    tags: list
    created: str
    updated: str  # of this instance
    progress: Progress = field(default_factory=Progress)
    registration_updated: str = ""  # of any instance: what datetimeFilter=updated and paging use

    def to_json(self, activity_details=None):
        progress = self.progress
        data = {
            "id": self.id,
            "instance": self.instance,
            "xapiRegistrationId": self.xapi_registration_id,
            "updated": self.updated,
            "registrationCompletion": progress.completion,
            "registrationSuccess": progress.success,
            "totalSecondsTracked": progress.total_seconds,
            "createdDate": self.created,
            "course": {"id": self.course_id, "title": self.course_title, "version": self.course_version},
            "learner": self.learner,
            "tags": list(self.tags),
        }
        if progress.score is not None:
            data["score"] = {"scaled": progress.score}
        for key, value in (("firstAccessDate", progress.first_access),
                           ("lastAccessDate", progress.last_access),
                           ("completedDate", progress.completed)):
            if value is not None:
                data[key] = value
        if activity_details is not None:
            data["activityDetails"] = activity_details
        return data


@dataclass(frozen=True)
class Delivery:
    """A queued postback."""

    id: int
    registration_id: str | None
    url: str
    auth_type: str
    user_name: str | None
    password: str | None
    body: str
    attempt: int


@dataclass(frozen=True)
class PlayerSessionRecord:
    """A player session as stored: what a launch link granted, bound to one registration instance."""

    id: str
    registration_id: str | None  # None for an untracked course preview
    instance: int | None
    course_id: str
    course_version: int
    redirect_on_exit_url: str
    tracking: bool
    start_sco: str | None
    expires: float  # Unix time; the backend slides it forward while the session is used


_REGISTRATION_SELECT = """
SELECT r.id, i.instance, r.course_id, i.course_version, COALESCE(c.title, ''), r.learner,
       r.xapi_registration_id, r.tags, r.created, i.updated,
       i.completion, i.success, i.score, i.total_seconds, i.first_access, i.last_access, i.completed,
       r.updated
FROM registrations r
JOIN instances i ON i.registration_id = r.id
LEFT JOIN courses c ON c.id = r.course_id AND c.version = i.course_version
"""
_LATEST_INSTANCE = "i.instance = (SELECT MAX(instance) FROM instances WHERE registration_id = r.id)"


def _registration(row):
    return Registration(
        id=row[0], instance=row[1], course_id=row[2], course_version=row[3], course_title=row[4],
        learner=json.loads(row[5]), xapi_registration_id=row[6], tags=json.loads(row[7]),
        created=row[8], updated=row[9],
        progress=Progress(completion=row[10], success=row[11], score=row[12], total_seconds=row[13],
                          first_access=row[14], last_access=row[15], completed=row[16]),
        registration_updated=row[17],
    )


def _course(row):
    return Course(id=row[0], version=row[1], title=row[2], learning_standard=row[3],
                  root_activity=json.loads(row[4]), content_dir=row[5], tags=json.loads(row[6]),
                  created=row[7], updated=row[8], registration_count=row[9],
                  activities=json.loads(row[10]) if row[10] else None)


_COURSE_COLUMNS = """
SELECT c.id, c.version, c.title, c.learning_standard, c.root_activity, c.content_dir, c.tags,
       c.created, c.updated, {registration_count}, c.activities
FROM courses c
"""
# A course counts all its registrations; a version those with an instance on it (a registration moves to
# a new version in a new instance, so it may count under several versions).
_COURSE_SELECT = _COURSE_COLUMNS.format(
    registration_count="(SELECT COUNT(*) FROM registrations r WHERE r.course_id = c.id)")
_VERSION_SELECT = _COURSE_COLUMNS.format(
    registration_count="(SELECT COUNT(DISTINCT i.registration_id) FROM instances i "
                       "JOIN registrations r ON r.id = i.registration_id "
                       "WHERE r.course_id = c.id AND i.course_version = c.version)")


def contains_text(text, part):
    """filter/filterBy matching: SCORM Cloud does not document it, so a case-insensitive substring match."""
    return text is not None and part.casefold() in str(text).casefold()


def _filter_clause(fields, tags_column, filter_by):
    """The SQL condition for the ``filter`` parameter (its one parameter) on the field ``filter_by``."""
    if filter_by == "tags":  # matches when any one tag matches
        return f"EXISTS (SELECT 1 FROM json_each({tags_column}) WHERE contains_text(value, ?))"
    return f"contains_text({fields[filter_by][0]}, ?)"


def _any_tag_clause(tags_column, tags):
    """The SQL condition for the ``tags`` parameter: the item has ANY of ``tags``."""
    return f"EXISTS (SELECT 1 FROM json_each({tags_column}) WHERE value IN ({', '.join('?' * len(tags))}))"


def _keyset(fields, orders, order_by, id_column):
    """(ORDER BY clause, condition for "after (value, id)") of a listing keyset-paged on (order field, id)."""
    name, direction = orders[order_by]
    expression = fields[name][0]
    after = f"({expression}, {id_column}) {'<' if direction == 'DESC' else '>'} (?, ?)"
    return f" ORDER BY {expression} {direction}, {id_column} {direction}", after


def _page_position(fields, orders, order_by, item):
    """Where a page ending with ``item`` ends: the `after` a `more` token carries."""
    return [fields[orders[order_by][0]][1](item), item.id]


def registration_position(registration, order_by):
    return _page_position(REGISTRATION_FIELDS, REGISTRATION_ORDERS, order_by, registration)


def course_position(course, order_by):
    return _page_position(COURSE_FIELDS, COURSE_ORDERS, order_by, course)


def _between(sql, params, column, since=None, until=None):
    """``sql`` narrowed to rows whose ``column`` lies in [since, until] (inclusive, as SCORM Cloud's filters)."""
    if since:
        sql, params = sql + f" AND {column} >= ?", params + [since]
    if until:
        sql, params = sql + f" AND {column} <= ?", params + [until]
    return sql, params


class Storage:
    def __init__(self, data_dir: Path):
        self.data_dir = Path(data_dir)
        self.data_dir.mkdir(parents=True, exist_ok=True)
        self._lock = threading.RLock()
        self._db = sqlite3.connect(self.data_dir / "emulator.sqlite3", check_same_thread=False,
                                   isolation_level=None)
        with self._lock:
            self._db.execute("PRAGMA journal_mode=WAL")
            self._db.execute("PRAGMA synchronous=NORMAL")
            self._db.create_function("contains_text", 2, contains_text, deterministic=True)
            self._db.executescript(SCHEMA)
            columns = {row[1] for row in self._db.execute("PRAGMA table_info(courses)")}
            if "activities" not in columns:  # a data directory from before the player was mounted
                self._db.execute("ALTER TABLE courses ADD COLUMN activities TEXT")
            columns = {row[1] for row in self._db.execute("PRAGMA table_info(registrations)")}
            if "postback" in columns:  # a data directory from before postbacks were settings
                self._move_postbacks_to_settings()

    def _move_postbacks_to_settings(self):
        """Turn each registration's stored PostBackSchema into its registration-level settings."""
        with self._transaction() as db:
            for registration_id, postback in db.execute(
                    "SELECT id, postback FROM registrations WHERE postback IS NOT NULL").fetchall():
                # legacy is left out: the emulator always sent JSON, whatever it said.
                stored = {key: value for key, value in json.loads(postback).items() if key != "legacy"}
                self.set_settings(Scope("registration", registration_id), postback_settings(stored))
            # Emptied, not dropped: DROP COLUMN needs SQLite 3.35, newer than some hosts Python 3.11 runs on.
            db.execute("UPDATE registrations SET postback = NULL")

    def close(self):
        with self._lock:
            self._db.close()

    def _query(self, sql, params=()):
        with self._lock:
            return self._db.execute(sql, params).fetchall()

    def _transaction(self):
        return _Transaction(self._db, self._lock)

    def transaction(self):
        """Run several storage calls as one atomic step: ``with storage.transaction(): ...``.

        Other threads wait at the storage lock until the block ends, so what the block read is still
        true when it writes.
        """
        return self._transaction()

    # -- secrets and counters ------------------------------------------------------------------

    def secret(self, name):
        """A random key created on first use and kept for the life of the data directory."""
        with self._transaction() as db:
            row = db.execute("SELECT value FROM secrets WHERE name = ?", (name,)).fetchone()
            if row:
                return bytes(row[0])
            value = secrets.token_bytes(32)
            db.execute("INSERT INTO secrets (name, value) VALUES (?, ?)", (name, value))
            return value

    def increment(self, name, by=1):
        with self._transaction() as db:
            db.execute("INSERT INTO counters (name, value) VALUES (?, ?) "
                       "ON CONFLICT (name) DO UPDATE SET value = value + excluded.value", (name, by))

    def counters(self):
        return dict(self._query("SELECT name, value FROM counters"))

    def reset_counters(self):
        self._query("DELETE FROM counters")

    # -- courses and import jobs -----------------------------------------------------------------

    def course_exists(self, course_id):
        return bool(self._query("SELECT 1 FROM courses WHERE id = ? LIMIT 1", (course_id,)))

    def get_course(self, course_id, version=None):
        if version is None:
            rows = self._query(_COURSE_SELECT + " WHERE c.id = ? ORDER BY c.version DESC LIMIT 1", (course_id,))
        else:
            rows = self._query(_VERSION_SELECT + " WHERE c.id = ? AND c.version = ?", (course_id, version))
        return _course(rows[0]) if rows else None

    def course_versions(self, course_id, since=None, until=None):
        sql, params = _between(_VERSION_SELECT + " WHERE c.id = ?", [course_id], "c.updated", since, until)
        return [_course(row) for row in self._query(sql + " ORDER BY c.version", params)]

    def list_courses(self, limit, after=None, since=None, until=None, datetime_filter="updated", tags=(),
                     filter_by="course_id", filter_text=None, order_by="created_desc"):
        """One page of courses (latest version each), keyset-paged on (order field, id)."""
        sql, params = _between(_COURSE_SELECT + " WHERE c.version = (SELECT MAX(version) FROM courses WHERE id = c.id)",
                               [], f"c.{datetime_filter}", since, until)
        if tags:
            sql, params = sql + " AND " + _any_tag_clause("c.tags", tags), params + list(tags)
        if filter_text:
            sql, params = sql + " AND " + _filter_clause(COURSE_FIELDS, "c.tags", filter_by), params + [filter_text]
        order, after_clause = _keyset(COURSE_FIELDS, COURSE_ORDERS, order_by, "c.id")
        if after:
            sql, params = sql + " AND " + after_clause, params + list(after)
        return [_course(row) for row in self._query(sql + order + " LIMIT ?", params + [limit])]

    def add_course_version(self, course_id, title, learning_standard, root_activity, content_dir,
                           activities=None, tags=()):
        """Store a freshly imported package as the course's next version (0 for a new course).

        ``tags`` (the import's) are added to the course's: tags belong to the course, so every version shows
        them all.
        """
        now = now_iso()
        with self._transaction() as db:
            latest = db.execute("SELECT version, tags FROM courses WHERE id = ? ORDER BY version DESC LIMIT 1",
                                (course_id,)).fetchone()
            version = 0 if latest is None else latest[0] + 1
            course_tags = list(dict.fromkeys((json.loads(latest[1]) if latest else []) + list(tags)))
            db.execute("INSERT INTO courses (id, version, title, learning_standard, root_activity, content_dir, "
                       "tags, created, updated, activities) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                       (course_id, version, title, learning_standard, json.dumps(root_activity),
                        str(content_dir), json.dumps(course_tags), now, now,
                        json.dumps(activities) if activities is not None else None))
            db.execute("UPDATE courses SET tags = ? WHERE id = ?", (json.dumps(course_tags), course_id))
        return self.get_course(course_id, version)

    def next_course_version(self, course_id):
        (latest,) = self._query("SELECT MAX(version) FROM courses WHERE id = ?", (course_id,))[0]
        return 0 if latest is None else latest + 1

    def set_course_title(self, course_id, title):
        """Rename the course: SetCourseTitle names no version, and "updates the title of the course"."""
        with self._transaction() as db:
            if not db.execute("UPDATE courses SET title = ?, updated = ? WHERE id = ?",
                              (title, now_iso(), course_id)).rowcount:
                raise StorageError(404, f"Could not find course [{course_id}]")

    def delete_course(self, course_id, version=None):
        """Delete a course, or one version of it, with what runs on it; return the content dirs freed.

        SCORM Cloud deletes a course's registrations with it. What deleting one version does to the
        registrations on it, its documentation does not say: here the version takes the registration
        instances on it, and a registration left with no instance goes too, so none is left on a
        version that is gone.
        """
        def on_version(column):
            return "" if version is None else f" AND {column} = ?"
        params = [course_id] if version is None else [course_id, version]
        instances_on_it = ("SELECT i.registration_id, i.instance FROM instances i "
                           "JOIN registrations r ON r.id = i.registration_id WHERE r.course_id = ?"
                           + on_version("i.course_version"))
        with self._transaction() as db:
            rows = db.execute("SELECT content_dir FROM courses WHERE id = ?" + on_version("version"),
                              params).fetchall()
            if not rows:
                raise StorageError(404, f"Could not find course [{course_id}]")
            db.execute("DELETE FROM courses WHERE id = ?" + on_version("version"), params)
            db.execute("DELETE FROM player_sessions WHERE course_id = ?" + on_version("course_version"), params)
            for table in ("runtime", "instances"):
                db.execute(f"DELETE FROM {table} WHERE (registration_id, instance) IN ({instances_on_it})", params)
            db.execute("DELETE FROM registrations WHERE course_id = ? AND NOT EXISTS "
                       "(SELECT 1 FROM instances i WHERE i.registration_id = registrations.id)", (course_id,))
            _prune_settings(db)
        return [Path(row[0]) for row in rows]

    def create_import_job(self, course_id):
        job_id = str(uuid.uuid4())
        self._query("INSERT INTO import_jobs (id, course_id, status, created) VALUES (?, ?, 'RUNNING', ?)",
                    (job_id, course_id, now_iso()))
        return job_id

    def finish_import_job(self, job_id, status, message=None, result=None):
        self._query("UPDATE import_jobs SET status = ?, message = ?, result = ? WHERE id = ?",
                    (status, message, json.dumps(result) if result is not None else None, job_id))

    def get_import_job(self, job_id):
        rows = self._query("SELECT id, course_id, status, message, result FROM import_jobs WHERE id = ?",
                           (job_id,))
        if not rows:
            return None
        job_id, course_id, status, message, result = rows[0]
        return ImportJob(job_id, course_id, status, message, json.loads(result) if result else None)

    def unfinished_import_jobs(self):
        return [row[0] for row in self._query("SELECT id FROM import_jobs WHERE status = 'RUNNING'")]

    # -- registrations ------------------------------------------------------------------------

    def create_registration(self, registration_id, course_id, learner, tags=(), settings=None,
                            xapi_registration_id=None, course_version=None):
        """Store a new registration with ``settings`` ({settingId: value}) at its registration level."""
        now = now_iso()
        with self._transaction() as db:
            if db.execute("SELECT 1 FROM registrations WHERE id = ?", (registration_id,)).fetchone():
                raise StorageError(400, f"Registration with id [{registration_id}] already exists")
            if course_version is None:
                (course_version,) = db.execute("SELECT MAX(version) FROM courses WHERE id = ?",
                                               (course_id,)).fetchone()
            elif not db.execute("SELECT 1 FROM courses WHERE id = ? AND version = ?",
                                (course_id, course_version)).fetchone():
                course_version = None
            if course_version is None:
                raise StorageError(404, f"Could not find course [{course_id}]")
            db.execute("INSERT INTO registrations (id, course_id, learner, xapi_registration_id, tags, created, "
                       "updated) VALUES (?, ?, ?, ?, ?, ?, ?)",
                       (registration_id, course_id, json.dumps(learner),
                        xapi_registration_id or str(uuid.uuid4()), json.dumps(list(tags)), now, now))
            self._insert_instance(db, registration_id, 0, course_version, now)
            self.set_settings(Scope("registration", registration_id), settings or {})
            db.execute("INSERT INTO counters (name, value) VALUES ('registrations', 1) "
                       "ON CONFLICT (name) DO UPDATE SET value = value + 1")

    @staticmethod
    def _insert_instance(db, registration_id, instance, course_version, now):
        db.execute("INSERT INTO instances (registration_id, instance, course_version, completion, success, "
                   "total_seconds, created, updated) VALUES (?, ?, ?, 'UNKNOWN', 'UNKNOWN', 0, ?, ?)",
                   (registration_id, instance, course_version, now, now))

    def get_registration(self, registration_id, instance=None):
        if instance is None:
            rows = self._query(_REGISTRATION_SELECT + f" WHERE r.id = ? AND {_LATEST_INSTANCE}",
                               (registration_id,))
        else:
            rows = self._query(_REGISTRATION_SELECT + " WHERE r.id = ? AND i.instance = ?",
                               (registration_id, instance))
        return _registration(rows[0]) if rows else None

    def require_registration(self, registration_id, instance=None):
        registration = self.get_registration(registration_id, instance)
        if registration is None:
            if instance is not None and self.get_registration(registration_id):
                raise StorageError(404, f"Could not find instance [{instance}] of registration "
                                        f"[{registration_id}]")
            raise StorageError(404, f"Could not find registration [{registration_id}]")
        return registration

    def registration_instances(self, registration_id, since=None, until=None):
        sql, params = _between(_REGISTRATION_SELECT + " WHERE r.id = ?", [registration_id], "i.updated", since, until)
        return [_registration(row) for row in self._query(sql + " ORDER BY i.instance", params)]

    def list_registrations(self, limit, course_id=None, learner_id=None, since=None, until=None,
                           datetime_filter="created", tags=(), filter_by="registration_id", filter_text=None,
                           order_by="created_desc", after=None):
        """One page of registrations (latest instance each), keyset-paged on (order field, id)."""
        sql, params = _between(_REGISTRATION_SELECT + f" WHERE {_LATEST_INSTANCE}", [],
                               f"r.{datetime_filter}", since, until)
        if course_id is not None:
            sql, params = sql + " AND r.course_id = ?", params + [course_id]
        if learner_id is not None:
            sql, params = sql + " AND json_extract(r.learner, '$.id') = ?", params + [learner_id]
        if tags:
            sql, params = sql + " AND " + _any_tag_clause("r.tags", tags), params + list(tags)
        if filter_text:
            sql, params = (sql + " AND " + _filter_clause(REGISTRATION_FIELDS, "r.tags", filter_by),
                           params + [filter_text])
        order, after_clause = _keyset(REGISTRATION_FIELDS, REGISTRATION_ORDERS, order_by, "r.id")
        if after:
            sql, params = sql + " AND " + after_clause, params + list(after)
        return [_registration(row) for row in self._query(sql + order + " LIMIT ?", params + [limit])]

    def count_registrations(self, **filters):
        return len(self.list_registrations(limit=-1, **filters))

    def delete_registration(self, registration_id):
        with self._transaction() as db:
            if not db.execute("DELETE FROM registrations WHERE id = ?", (registration_id,)).rowcount:
                raise StorageError(404, f"Could not find registration [{registration_id}]")
            for table in ("instances", "runtime", "player_sessions"):
                db.execute(f"DELETE FROM {table} WHERE registration_id = ?", (registration_id,))
            _prune_settings(db)

    def new_instance(self, registration_id, course_version=None):
        """Start instance n+1, on ``course_version`` or the latest version of the course."""
        now = now_iso()
        with self._transaction() as db:
            row = db.execute("SELECT r.course_id, MAX(i.instance) FROM registrations r "
                             "JOIN instances i ON i.registration_id = r.id WHERE r.id = ? GROUP BY r.id",
                             (registration_id,)).fetchone()
            if row is None:
                raise StorageError(404, f"Could not find registration [{registration_id}]")
            course_id, latest = row
            if course_version is None:
                (course_version,) = db.execute("SELECT MAX(version) FROM courses WHERE id = ?",
                                               (course_id,)).fetchone()
            self._insert_instance(db, registration_id, latest + 1, course_version, now)
            db.execute("UPDATE registrations SET updated = ? WHERE id = ?", (now, registration_id))
        return self.get_registration(registration_id)

    def reset_progress(self, registration_id):
        """Wipe every instance's results and start over at instance 0 on the latest course version."""
        now = now_iso()
        with self._transaction() as db:
            row = db.execute("SELECT course_id FROM registrations WHERE id = ?", (registration_id,)).fetchone()
            if row is None:
                raise StorageError(404, f"Could not find registration [{registration_id}]")
            (course_version,) = db.execute("SELECT MAX(version) FROM courses WHERE id = ?", row).fetchone()
            # Open player sessions go too: instance 0 starts over, and an old tab must not write into it.
            for table in ("instances", "runtime", "player_sessions"):
                db.execute(f"DELETE FROM {table} WHERE registration_id = ?", (registration_id,))
            _prune_settings(db)
            self._insert_instance(db, registration_id, 0, course_version, now)
            db.execute("UPDATE registrations SET updated = ? WHERE id = ?", (now, registration_id))
        return self.get_registration(registration_id)

    def update_progress(self, registration_id, instance=None, **changes):
        """Apply results to an instance (the latest by default); return the new view, or None if unchanged."""
        with self._transaction():
            registration = self.require_registration(registration_id, instance)
            now = now_iso()
            progress = apply_progress(registration.progress, now, **changes)
            if progress is None:
                return None
            self._db.execute(
                "UPDATE instances SET completion = ?, success = ?, score = ?, total_seconds = ?, "
                "first_access = ?, last_access = ?, completed = ?, updated = ? "
                "WHERE registration_id = ? AND instance = ?",
                (progress.completion, progress.success, progress.score, progress.total_seconds,
                 progress.first_access, progress.last_access, progress.completed, now,
                 registration_id, registration.instance))
            self._db.execute("UPDATE registrations SET updated = ? WHERE id = ?", (now, registration_id))
        return self.get_registration(registration_id, registration.instance)

    def launch_instance(self, registration_id, tracking=True):
        """The instance a launch of the registration runs: the latest one, or a new one on a newer course.

        SCORM Cloud starts a new instance when the learner launches after a new course version was
        imported; an untracked launch records nothing, so it starts none either. A tracked launch is an
        access to the instance it runs (:meth:`record_access`). Check and insert happen in one transaction,
        so two launches at once start one instance.
        """
        with self._transaction():
            registration = self.get_registration(registration_id)
            if registration is None or not tracking:
                return registration
            latest = self.get_course(registration.course_id)
            if latest is not None and latest.version > registration.course_version:
                registration = self.new_instance(registration_id, latest.version)
            return self.record_access(registration)

    def record_access(self, registration):
        """Set the instance's firstAccessDate (once) and lastAccessDate to now; return the new view.

        They are registration fields like any other, so ``updated`` moves with them: RegistrationSchema
        documents it as the time of the last update. No postback is queued: SCORM Cloud posts back when
        completion, success, score or time change, and a launch changes none of them.
        """
        now = now_iso()
        with self._transaction() as db:
            db.execute("UPDATE instances SET first_access = COALESCE(first_access, ?), last_access = ?, updated = ? "
                       "WHERE registration_id = ? AND instance = ?",
                       (now, now, now, registration.id, registration.instance))
            db.execute("UPDATE registrations SET updated = ? WHERE id = ?", (now, registration.id))
        return self.get_registration(registration.id, registration.instance)

    # -- player runtime data and sessions ------------------------------------------------------

    def save_runtime(self, registration_id, instance, sco_id, cmi):
        """Store one SCO's latest committed runtime data ``{"cmi": {...}}`` (each commit replaces it)."""
        self._query("INSERT INTO runtime (registration_id, instance, sco_id, cmi, updated) VALUES (?, ?, ?, ?, ?) "
                    "ON CONFLICT (registration_id, instance, sco_id) DO UPDATE SET cmi = excluded.cmi, "
                    "updated = excluded.updated",
                    (registration_id, instance, sco_id, json.dumps(cmi), now_iso()))

    def load_runtime(self, registration_id, instance, sco_id):
        rows = self._query("SELECT cmi FROM runtime WHERE registration_id = ? AND instance = ? AND sco_id = ?",
                           (registration_id, instance, sco_id))
        return json.loads(rows[0][0]) if rows else None

    def instance_runtime(self, registration_id, instance):
        """Every stored SCO's runtime data of one instance, as ``{sco_id: {"cmi": {...}}}``."""
        rows = self._query("SELECT sco_id, cmi FROM runtime WHERE registration_id = ? AND instance = ?",
                           (registration_id, instance))
        return {sco_id: json.loads(cmi) for sco_id, cmi in rows}

    def create_player_session(self, record, now):
        """Store an opened player session, and drop those expired by ``now`` (Unix time)."""
        with self._transaction() as db:
            db.execute("DELETE FROM player_sessions WHERE expires < ?", (now,))
            db.execute("INSERT INTO player_sessions (id, registration_id, instance, course_id, course_version, "
                       "redirect_on_exit_url, tracking, start_sco, expires, created) "
                       "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                       (record.id, record.registration_id, record.instance, record.course_id,
                        record.course_version, record.redirect_on_exit_url, int(record.tracking),
                        record.start_sco, record.expires, now_iso()))

    def get_player_session(self, session_id):
        rows = self._query("SELECT id, registration_id, instance, course_id, course_version, redirect_on_exit_url, "
                           "tracking, start_sco, expires FROM player_sessions WHERE id = ?", (session_id,))
        if not rows:
            return None
        row = rows[0]
        return PlayerSessionRecord(id=row[0], registration_id=row[1], instance=row[2], course_id=row[3],
                                   course_version=row[4], redirect_on_exit_url=row[5], tracking=bool(row[6]),
                                   start_sco=row[7], expires=row[8])

    def extend_player_session(self, session_id, expires):
        self._query("UPDATE player_sessions SET expires = ? WHERE id = ?", (expires, session_id))

    def delete_player_session(self, session_id):
        self._query("DELETE FROM player_sessions WHERE id = ?", (session_id,))

    # -- configuration settings ----------------------------------------------------------------

    def settings(self, scopes):
        """The settings set at each of ``scopes``: one ``{settingId: value}`` per scope, in their order."""
        found = {scope: {} for scope in scopes}
        condition = " OR ".join(["(level = ? AND owner_id = ? AND owner_number = ?)"] * len(scopes))
        params = [part for scope in scopes for part in (scope.level, scope.owner_id, scope.owner_number)]
        for level, owner_id, owner_number, setting_id, value in self._query(
                f"SELECT level, owner_id, owner_number, setting_id, value FROM settings WHERE {condition}", params):
            found[Scope(level, owner_id, owner_number)][setting_id] = value
        return [found[scope] for scope in scopes]

    def set_settings(self, scope, values):
        with self._transaction() as db:
            db.executemany("INSERT INTO settings (level, owner_id, owner_number, setting_id, value) "
                           "VALUES (?, ?, ?, ?, ?) ON CONFLICT (level, owner_id, owner_number, setting_id) "
                           "DO UPDATE SET value = excluded.value",
                           [(scope.level, scope.owner_id, scope.owner_number, setting_id, value)
                            for setting_id, value in values.items()])

    def delete_setting(self, scope, setting_id):
        self._query("DELETE FROM settings WHERE level = ? AND owner_id = ? AND owner_number = ? AND setting_id = ?",
                    (scope.level, scope.owner_id, scope.owner_number, setting_id))

    # -- postback queue and log --------------------------------------------------------------

    def enqueue_postback(self, registration_id, postback, body, next_at, held=False):
        self._query("INSERT INTO postback_queue (registration_id, url, auth_type, user_name, password, body, "
                    "next_at, held) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                    (registration_id, postback["url"], postback.get("authType") or "FORM",
                     postback.get("userName"), postback.get("password"), body, next_at, int(held)))

    def next_due_postback(self, now):
        """The earliest delivery that is due, or (None, seconds until the next one or None)."""
        rows = self._query("SELECT id, registration_id, url, auth_type, user_name, password, body, attempt, "
                           "next_at FROM postback_queue WHERE held = 0 ORDER BY next_at, id LIMIT 1")
        if not rows:
            return None, None
        *fields, next_at = rows[0]
        if next_at > now:
            return None, next_at - now
        return Delivery(*fields), 0.0

    def reschedule_postback(self, delivery_id, attempt, next_at):
        self._query("UPDATE postback_queue SET attempt = ?, next_at = ? WHERE id = ?",
                    (attempt, next_at, delivery_id))

    def remove_postback(self, delivery_id):
        self._query("DELETE FROM postback_queue WHERE id = ?", (delivery_id,))

    def release_held_postbacks(self, now, newest_first):
        """Make held deliveries due, in reverse order of queuing when ``newest_first``."""
        with self._transaction() as db:
            ids = [row[0] for row in db.execute(
                f"SELECT id FROM postback_queue WHERE held = 1 ORDER BY id {'DESC' if newest_first else 'ASC'}")]
            for position, delivery_id in enumerate(ids):
                db.execute("UPDATE postback_queue SET held = 0, next_at = ? WHERE id = ?",
                           (now + position * 1e-6, delivery_id))

    def pending_postbacks(self):
        return self._query("SELECT COUNT(*) FROM postback_queue")[0][0]

    def log_postback(self, registration_id, url, body, attempt, status, delivered, error=None):
        self._query("INSERT INTO postback_log (registration_id, url, attempt, status, delivered, error, body, at) "
                    "VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                    (registration_id, url, attempt, status, int(delivered), error, body, now_iso()))

    def postback_log(self):
        rows = self._query("SELECT registration_id, url, attempt, status, delivered, error, body, at "
                           "FROM postback_log ORDER BY id")
        return [{"registrationId": row[0], "url": row[1], "attempt": row[2], "status": row[3],
                 "delivered": bool(row[4]), "error": row[5], "body": row[6], "at": row[7]} for row in rows]


def _prune_settings(db):
    """Drop the settings of courses, versions, registrations and instances that are gone, so that an id
    used again starts with none."""
    db.execute("""
        DELETE FROM settings WHERE
            (level = 'course' AND owner_id NOT IN (SELECT id FROM courses))
            OR (level = 'courseVersion' AND NOT EXISTS
                (SELECT 1 FROM courses WHERE id = owner_id AND version = owner_number))
            OR (level = 'registration' AND owner_id NOT IN (SELECT id FROM registrations))
            OR (level = 'registrationInstance' AND NOT EXISTS
                (SELECT 1 FROM instances WHERE registration_id = owner_id AND instance = owner_number))
    """)


class _Transaction:
    """``with`` block holding the storage lock inside BEGIN IMMEDIATE ... COMMIT (ROLLBACK on error)."""

    def __init__(self, db, lock):
        self._db = db
        self._lock = lock

    def __enter__(self):
        self._lock.acquire()
        self._outermost = not self._db.in_transaction
        if self._outermost:
            self._db.execute("BEGIN IMMEDIATE")
        return self._db

    def __exit__(self, exc_type, exc, tb):
        try:
            if self._outermost:
                self._db.execute("ROLLBACK" if exc_type else "COMMIT")
        finally:
            self._lock.release()
        return False

"""A learner's SCORM Cloud progress as the block keeps it, and the rule that merges news into it.

SCORM Cloud reports progress in a ``RegistrationSchema``: from postbacks, which repeat and arrive
out of order for hours, and from refreshes (GetRegistrationProgress). :func:`merge` folds each
report into the stored :class:`Progress` so that the result depends on what was reported, not on
the order it arrived in, and a learner's grade never regresses because of a late or partial
report. Instances are numbered per registration, and a learner whose registration was deleted in
SCORM Cloud goes on in a new one, their next ``attempt`` (decision 6), whose instances start at 0
again: so an attempt is ordered by ``(attempt, instance)``. A report that does not say which instance
it is about (every field of SCORM Cloud's schema is optional) is taken as about the stored instance
of its attempt, or the first instance of a newer attempt: only its ``updated`` can then show it
stale. The rules, in the order they are applied:

1. **Older attempt or instance: ignored** (``stale-instance``). It describes an attempt that has been
   replaced.
2. **Newer attempt or instance: replaces the attempt** (``new-instance``). A new instance is a new
   attempt (a new course version, or a new attempt after a staff reset), and so is a new
   registration, so its status starts afresh. The replaced attempt, if it had any result, is kept in
   ``earlier``: the grade and completion earned on it are not lost (decisions 4 and 6).
3. **Same instance, older ``updated``: ignored** (``stale-update``). Times are compared as parsed
   datetimes, never as strings; a missing or unparseable ``updated`` (or one outside the years UTC
   can name) counts as older than any known one, but is accepted while no time is known yet.
4. **Otherwise the report is applied, field by field:**

   - completion never goes back from ``COMPLETED``;
   - an ``UNKNOWN`` completion or success, or a missing score, never erases a known value;
   - a reported score or success replaces the stored one, even downwards: it is the newest word of
     SCORM Cloud on this attempt;
   - ``total_seconds`` never decreases;
   - ``source`` records who delivered the report.

5. **A report that leaves everything but ``source`` as it was is a no-op** (``duplicate``).
6. **A report that only moves ``updated`` is kept, but is no progress** (``newer-time``): SCORM
   Cloud may move it without new results (a launch, for one); storing it keeps older reports stale.

``changed`` is False exactly when the stored progress stays as it was; ``progressed`` is True only
when the learner's results (completion, success, score, time) or their instance changed. Nothing here goes backwards
on purpose: "delete learner state" resets by having the platform delete the whole record, and an
instructor's score override is kept by the block, outside the progress record.
"""
import math
from collections.abc import Mapping
from dataclasses import dataclass, fields, replace
from datetime import datetime, timezone

UNKNOWN = "UNKNOWN"
INCOMPLETE = "INCOMPLETE"
COMPLETED = "COMPLETED"
FAILED = "FAILED"
PASSED = "PASSED"

# SCORM Cloud's registrationCompletion and registrationSuccess values.
COMPLETION = (UNKNOWN, INCOMPLETE, COMPLETED)
SUCCESS = (UNKNOWN, FAILED, PASSED)

# Who produced a Progress: a postback, a GetRegistrationProgress refresh (also when a registration
# is adopted), a staff reconcile (GetRegistrations), or nobody.
SOURCES = ("postback", "refresh", "reconcile", "none")
# Replaced attempts kept in `earlier`: one per course version or registration a learner went through,
# bounded; what is dropped beyond it never holds a better result than what is kept (`_bounded`).
MAX_EARLIER = 50

APPLIED = "applied"
DUPLICATE = "duplicate"
STALE_INSTANCE = "stale-instance"
STALE_UPDATE = "stale-update"
NEW_INSTANCE = "new-instance"
NEWER_TIME = "newer-time"


def _is_number(value):
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return False
    try:
        return math.isfinite(value)
    except OverflowError:  # an int too large for a float, which JSON allows
        return False


def _is_count(value):
    return isinstance(value, int) and not isinstance(value, bool) and value >= 0


@dataclass(frozen=True)
class Progress:
    """Progress on one registration instance, in SCORM Cloud's terms.

    ``score`` is SCORM Cloud's ``score.scaled``, 0..100; ``updated`` is its ISO-8601 ``updated``
    as received; ``attempt`` is the registration's attempt in the id scheme (``ids``), 0 for the first.
    ``instance`` is None only in a report that does not say; :func:`merge` never stores that.
    """

    completion: str = UNKNOWN
    success: str = UNKNOWN
    score: float | None = None
    total_seconds: float = 0.0
    updated: str | None = None
    instance: int | None = 0
    source: str = "none"
    # Earlier instances that had a result, oldest first, each without an `earlier` of its own.
    earlier: tuple = ()
    attempt: int = 0

    def __post_init__(self):
        if self.completion not in COMPLETION:
            raise ValueError(f"completion must be one of {COMPLETION}, got {self.completion!r}")
        if self.success not in SUCCESS:
            raise ValueError(f"success must be one of {SUCCESS}, got {self.success!r}")
        if self.score is not None and not (_is_number(self.score) and 0 <= self.score <= 100):
            raise ValueError(f"score must be None or a number from 0 to 100, got {self.score!r}")
        if not (_is_number(self.total_seconds) and self.total_seconds >= 0):
            raise ValueError(f"total_seconds must be a non-negative number, got {self.total_seconds!r}")
        if self.updated is not None and not isinstance(self.updated, str):
            raise ValueError(f"updated must be None or an ISO-8601 string, got {self.updated!r}")
        if self.instance is not None and not _is_count(self.instance):
            raise ValueError(f"instance must be None or a non-negative integer, got {self.instance!r}")
        if not _is_count(self.attempt):
            raise ValueError(f"attempt must be a non-negative integer, got {self.attempt!r}")
        if self.source not in SOURCES:
            raise ValueError(f"source must be one of {SOURCES}, got {self.source!r}")
        if not isinstance(self.earlier, tuple) or not all(
                isinstance(attempt, Progress) and not attempt.earlier for attempt in self.earlier):
            raise ValueError("earlier must be a tuple of Progress without earlier attempts of their own")

    @property
    def has_result(self):
        """Whether SCORM Cloud reported anything a grade or completion could come from."""
        return self.completion != UNKNOWN or self.success != UNKNOWN or self.score is not None

    def attempts(self):
        """This attempt and the earlier ones that had a result."""
        return (*self.earlier, self)

    def to_dict(self):
        """A JSON-ready dict, for an XBlock ``Dict`` field."""
        data = {field.name: getattr(self, field.name) for field in fields(self)}
        data["earlier"] = [attempt.to_dict() for attempt in self.earlier]
        return data

    @classmethod
    def from_dict(cls, data):
        """Rebuild from :meth:`to_dict` output; anything missing or invalid takes its default."""
        if not isinstance(data, Mapping):
            return cls()
        source = data.get("source")
        return cls(
            completion=_status(data.get("completion"), COMPLETION),
            success=_status(data.get("success"), SUCCESS),
            score=_score(data.get("score")),
            total_seconds=_seconds(data.get("total_seconds")),
            updated=_updated(data.get("updated")),
            instance=_instance(data.get("instance")),
            source=source if source in SOURCES else "none",
            earlier=_earlier(data.get("earlier")),
            # Records from before attempts existed were all about the first registration.
            attempt=_instance(data.get("attempt")),
        )

    @classmethod
    def from_cloud(cls, registration, source, attempt=0):
        """Our record of a ``client.RegistrationProgress`` (the one parser of SCORM Cloud's schema),
        about the registration of ``attempt`` (SCORM Cloud's schema does not say which attempt it is).

        The wire values were parsed defensively there; what is still out of range for our record
        (a score above 100, negative time) is clamped here by :meth:`from_dict`, never fatal.
        """
        if source not in SOURCES:
            raise ValueError(f"source must be one of {SOURCES}, got {source!r}")
        progress = cls.from_dict({
            "completion": registration.completion,
            "success": registration.success,
            "score": registration.score,
            "total_seconds": registration.total_seconds,
            "updated": _utc_updated(registration.updated),
            "source": source,
            "attempt": attempt,
        })
        # A missing or unusable instance is unknown, not the first: see merge.
        return replace(progress, instance=_whole(registration.instance))


def _utc_updated(moment):
    """``updated`` as we store it, in UTC; None if there is none, or UTC cannot name it (out of years 1..9999).

    Such a date is no usable time: read as a missing ``updated``, the merge never lets it win over a known
    time, and it cannot become a stored time that every later report would be older than.
    """
    if moment is None:
        return None
    try:
        moment = moment.astimezone(timezone.utc)
    except OverflowError:
        return None
    return moment.isoformat(timespec="milliseconds").replace("+00:00", "Z")


def start_attempt(current, attempt):
    """Our record when the learner moves to a new registration ``attempt`` that has reported nothing yet.

    The status shown starts afresh; what the replaced attempt earned joins ``earlier``, as for a new
    instance. A record already at ``attempt`` or later is kept as it is.
    """
    return merge(current, Progress(attempt=attempt)).progress


def _earlier(value):
    if not isinstance(value, list):
        return ()
    attempts = (replace(Progress.from_dict(item), earlier=()) for item in value if isinstance(item, Mapping))
    return _bounded(tuple(attempt for attempt in attempts if attempt.has_result))


def _bounded(attempts):
    """At most MAX_EARLIER of ``attempts`` (oldest first), without losing the best result of any rule.

    Every grading and completion rule reads an attempt's completion, success and whether it has a
    score, and among attempts alike in those prefers the higher score. So the highest-scoring attempt
    of each such kind is kept (17 kinds at most, as an attempt kept has a result); the newest others
    fill the rest.
    """
    if len(attempts) <= MAX_EARLIER:
        return attempts
    best = {}
    for index, attempt in enumerate(attempts):
        kind = (attempt.completion, attempt.success, attempt.score is None)
        if kind not in best or (attempt.score or 0) >= (attempts[best[kind]].score or 0):
            best[kind] = index
    kept = set(best.values())
    for index in reversed(range(len(attempts))):
        if len(kept) == MAX_EARLIER:
            break
        kept.add(index)
    return tuple(attempts[index] for index in sorted(kept))


def _status(value, allowed):
    if isinstance(value, str) and value.upper() in allowed:
        return value.upper()
    return UNKNOWN


def _number(value):
    """A finite float from a JSON number or numeric string (SCORM Cloud may send ``"NaN"``), else None."""
    if isinstance(value, str):
        try:
            value = float(value)
        except ValueError:
            return None
    return float(value) if _is_number(value) else None


def _score(value):
    number = _number(value)
    return None if number is None else min(max(number, 0.0), 100.0)


def _seconds(value):
    number = _number(value)
    return number if number is not None and number >= 0 else 0.0


def _whole(value):
    """A non-negative integer from a JSON number or numeric string that is one, else None."""
    number = _number(value)
    return int(number) if number is not None and number >= 0 and number.is_integer() else None


def _instance(value):
    whole = _whole(value)
    return 0 if whole is None else whole


def _updated(value):
    return value if isinstance(value, str) and value else None


def parse_updated(value):
    """The instant an ``updated`` string names (naive means UTC, as SCORM Cloud defaults), or None."""
    if not isinstance(value, str):
        return None
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        return None
    return moment if moment.tzinfo else moment.replace(tzinfo=timezone.utc)


@dataclass(frozen=True)
class MergeResult:
    """The progress to store, whether it differs from what was stored, and which rule decided."""

    progress: Progress
    changed: bool
    reason: str

    @property
    def progressed(self):
        """Whether the learner's results or instance changed, not just SCORM Cloud's time."""
        return self.changed and self.reason != NEWER_TIME


# Everything but who delivered it: the same facts from a refresh and a postback are a duplicate.
_CONTENT_FIELDS = tuple(field.name for field in fields(Progress) if field.name != "source")
# What the learner achieved on this instance: what grades, completion and the page show.
_RESULT_FIELDS = ("completion", "success", "score", "total_seconds")


def _content(progress):
    return tuple(getattr(progress, name) for name in _CONTENT_FIELDS)


def merge(current, incoming):
    """Fold the report ``incoming`` into the stored ``current``, by the rules in the module docstring."""
    if incoming.instance is None:
        incoming = replace(incoming, instance=current.instance if incoming.attempt == current.attempt else 0)
    # A new registration (attempt) numbers its instances from 0 again.
    if (incoming.attempt, incoming.instance) < (current.attempt, current.instance):
        return MergeResult(current, False, STALE_INSTANCE)
    if (incoming.attempt, incoming.instance) > (current.attempt, current.instance):
        earlier = current.earlier
        if current.has_result:
            earlier = _bounded((*earlier, replace(current, earlier=())))
        return MergeResult(replace(incoming, earlier=earlier), True, NEW_INSTANCE)

    known = parse_updated(current.updated)
    arriving = parse_updated(incoming.updated)
    if known is not None and (arriving is None or arriving < known):
        return MergeResult(current, False, STALE_UPDATE)

    merged = Progress(
        completion=_completion(current.completion, incoming.completion),
        success=_known(incoming.success, current.success),
        score=current.score if incoming.score is None else incoming.score,
        total_seconds=max(current.total_seconds, incoming.total_seconds),
        updated=_updated_after(current.updated, known, incoming.updated, arriving),
        instance=current.instance,
        source=incoming.source,
        earlier=current.earlier,
        attempt=current.attempt,
    )
    if _content(merged) == _content(current):
        return MergeResult(current, False, DUPLICATE)
    if all(getattr(merged, name) == getattr(current, name) for name in _RESULT_FIELDS):
        return MergeResult(merged, True, NEWER_TIME)
    return MergeResult(merged, True, APPLIED)


def _updated_after(stored, known, reported, arriving):
    # The same instant may be spelled differently; keep the stored spelling so it stays a duplicate.
    if reported is None or (known is not None and arriving == known):
        return stored
    return reported


def _known(reported, stored):
    return stored if reported == UNKNOWN else reported


def _completion(stored, reported):
    return COMPLETED if stored == COMPLETED else _known(reported, stored)

"""CMI runtime data -> per-SCO results -> the registration rollup SCORM Cloud reports. Pure.

Input format
------------
Each SCO's runtime data is the commit payload the player's scorm-again runtime sends with
``dataCommitFormat: "json"``: the nested object ``{"cmi": {...}}``, values as CMI strings
(``{"cmi": {"core": {"lesson_status": "passed", "score": {"raw": "80", ...}}}}`` for SCORM 1.2,
``{"cmi": {"completion_status": "completed", "score": {"scaled": "0.8"}, ...}}`` for 2004).
The player stores exactly that and hands it back on the next launch, so there is one shape only.
Every value in it is an object or a string: scorm-again's SetValue turns what the content passes
(numbers included) into a string, and its arrays (interactions, objectives, comments) are committed as
objects keyed "0", "1", ... The player refuses a commit of any other shape (:func:`cmi_shape_error`);
null, which scorm-again writes for an unset element when it does not send the full CMI, means unset.
The readers below still take any stored value without failing: data stored before that check, or by
another backend, counts as unset where it is not of the expected type (a number still counts as one).

Time
----
The player runs scorm-again with ``alwaysSendTotalTime``, so every commit carries ``total_time`` =
the total handed over at launch + this session's ``session_time``. ``total_time`` is therefore the
sum of all reported session times, and it is what :func:`sco_result` reads (``session_time`` is
used only when ``total_time`` is absent). SCORM 1.2 times are CMITimespan ``HHHH:MM:SS.SS`` (the
hours may have 2 to 4 digits), SCORM 2004 times ISO 8601 durations (``PT1H2M3.5S``; a year counts
365 days and a month 30, as nothing better exists for a duration with no start).

Per-SCO rules, SCORM 1.2
------------------------
* ``passed`` and ``failed`` imply completed; ``completed`` is completed with success unknown;
  ``incomplete``, ``browsed`` and ``not attempted`` are incomplete (the SCO was launched, since it
  has runtime data).
* A SCO that LMSFinish'es without ever setting ``lesson_status`` is completed. The SCORM 1.2 RTE
  (3.4.4, cmi.core.lesson_status) tells the LMS to set the status to "completed" in that case, and
  SCORM Cloud does so; content such as Rustici's "minimum calls" sample, which only calls
  LMSInitialize and LMSFinish, relies on it. The status is written by :func:`apply_finish_defaults`
  when the terminating commit arrives (the player marks it), so the stored CMI says "completed";
  a SCO whose window was closed without LMSFinish keeps "not attempted" and counts as incomplete.
* With ``cmi.student_data.mastery_score`` (from ``adlcp:masteryscore``; the player hands it over,
  and ``scaled_passing_score`` x 100 stands in when the data lacks it), a raw score and credit,
  success is decided by ``raw >= mastery_score`` and the SCO counts as completed, as the 1.2 RTE
  allows the LMS to do.
* Score: raw placed between min and max (min defaults to 0); with no max, raw is read as a
  percentage. Clamped to 0..100.

Per-SCO rules, SCORM 2004
-------------------------
* Completion: ``completed`` -> COMPLETED, anything else (``incomplete``, ``not attempted``,
  ``unknown``) -> INCOMPLETE. When ``cmi.completion_threshold`` and ``cmi.progress_measure`` are both
  set, the measure decides instead (RTE 4.2.4), as scorm-again's GetValue does for the SCO; the
  committed ``completion_status`` is the raw value the SCO set, not that evaluation.
* Success: when a scaled passing score applies (the manifest's ``imsss:minNormalizedMeasure`` with
  ``satisfiedByMeasure``, given as ``scaled_passing_score``, else the runtime's
  ``cmi.scaled_passing_score``) and ``cmi.score.scaled`` is set, the score decides:
  ``scaled >= passing`` -> PASSED, else FAILED. This covers a SCO that reports a score but no
  ``success_status``; it also overrides a contradicting ``success_status``, as RTE 4.2.22 requires
  and as the SCO itself reads it back. Otherwise ``success_status`` passed/failed is used as is.
* Score: ``cmi.score.scaled`` x 100, clamped to 0..100. A raw score alone gives no score: in 2004
  only the scaled score rolls up.

Registration rollup (SCORM Cloud's course-level view, no sequencing rollup rules)
------------------------------------------------------------------------------
* Completion: UNKNOWN when no SCO was ever launched; COMPLETED when every SCO (launched or not)
  is completed; INCOMPLETE otherwise.
* Success: FAILED if any SCO failed; PASSED if at least one SCO has a success status and all of
  those passed; UNKNOWN otherwise. SCOs with no success status (content pages) do not count.
* Score: the mean of the scores of the SCOs that have one; None (absent) when none has.
* Total seconds: the sum over launched SCOs.
"""
import math
import re
from dataclasses import dataclass

COMPLETED, INCOMPLETE, UNKNOWN = "COMPLETED", "INCOMPLETE", "UNKNOWN"
PASSED, FAILED = "PASSED", "FAILED"

_CMI_TIMESPAN = re.compile(r"^(\d{1,4}):(\d{1,2}):(\d{1,2}(?:\.\d+)?)$")
_ISO_DURATION = re.compile(
    r"^P(?:(?P<years>\d+(?:\.\d+)?)Y)?(?:(?P<months>\d+(?:\.\d+)?)M)?(?:(?P<days>\d+(?:\.\d+)?)D)?"
    r"(?:T(?:(?P<hours>\d+(?:\.\d+)?)H)?(?:(?P<minutes>\d+(?:\.\d+)?)M)?(?:(?P<seconds>\d+(?:\.\d+)?)S)?)?$"
)
_ISO_UNIT_SECONDS = {
    "years": 365 * 86400,
    "months": 30 * 86400,
    "days": 86400,
    "hours": 3600,
    "minutes": 60,
    "seconds": 1,
}


@dataclass(frozen=True)
class ScoResult:
    """One SCO's result. ``score`` is on SCORM Cloud's 0..100 scale, None when not scored."""

    completion: str  # COMPLETED | INCOMPLETE | UNKNOWN
    success: str  # PASSED | FAILED | UNKNOWN
    score: float | None
    seconds: float


@dataclass(frozen=True)
class RegistrationRollup:
    """What a RegistrationSchema reports at the top level."""

    completion: str
    success: str
    score: float | None
    total_seconds: float

    def to_json(self):
        """The RegistrationSchema fields this rollup decides; ``score`` is left out until scored."""
        fields = {
            "registrationCompletion": self.completion,
            "registrationSuccess": self.success,
            "totalSecondsTracked": self.total_seconds,
        }
        if self.score is not None:
            fields["score"] = {"scaled": self.score}
        return fields


def is_scorm2004(standard: str) -> bool:
    """True for SCORM Cloud's SCORM 2004 learning standards, False for 1.2 (and 1.1)."""
    normalized = (standard or "").upper()
    if normalized.startswith("SCORM2004"):
        return True
    if normalized in ("SCORM12", "SCORM11"):
        return False
    raise ValueError(f"not a SCORM learning standard: {standard!r}")


def sco_result(standard: str, cmi: dict, scaled_passing_score: float | None = None) -> ScoResult:
    """The result of one launched SCO from its committed runtime data ``{"cmi": {...}}``."""
    data = _cmi_of(cmi)
    if is_scorm2004(standard):
        return _scorm2004_result(data, scaled_passing_score)
    return _scorm12_result(data, scaled_passing_score)


def rollup(results: list) -> RegistrationRollup:
    """Roll per-SCO results (None = never launched) up to the registration; rules in the docstring."""
    launched = [result for result in results if result is not None]
    if not launched:
        return RegistrationRollup(UNKNOWN, UNKNOWN, None, 0.0)
    completion = COMPLETED if all(r is not None and r.completion == COMPLETED for r in results) else INCOMPLETE
    statuses = [r.success for r in launched if r.success != UNKNOWN]
    if FAILED in statuses:
        success = FAILED
    elif statuses:
        success = PASSED
    else:
        success = UNKNOWN
    scores = [r.score for r in launched if r.score is not None]
    score = sum(scores) / len(scores) if scores else None
    return RegistrationRollup(completion, success, score, float(sum(r.seconds for r in launched)))


def apply_finish_defaults(standard: str, cmi: dict) -> dict:
    """What the LMS itself records when a SCO terminates: a copy of ``cmi`` with those changes.

    SCORM 1.2: a SCO that never set ``lesson_status`` (still "not attempted" or empty) becomes
    "completed" (RTE 3.4.4). SCORM 2004 has no such rule at runtime level (its equivalent lives in
    sequencing delivery controls, which the emulator does not model), so 2004 data is unchanged.
    """
    data = _cmi_of(cmi)
    if is_scorm2004(standard):
        return {**cmi, "cmi": dict(data)}
    core = dict(cmi_object(data.get("core")))
    if (cmi_vocabulary(core.get("lesson_status")) or "not attempted") == "not attempted":
        core["lesson_status"] = "completed"
    return {**cmi, "cmi": {**data, "core": core}}


def is_number(value) -> bool:
    """A JSON number that is finite (bool is an int in Python, and is not one)."""
    if isinstance(value, bool):
        return False
    return isinstance(value, int) or (isinstance(value, float) and math.isfinite(value))


def cmi_number(value):
    """A CMI decimal (a string, or a number) as a float, or None when unset or not a finite number."""
    if isinstance(value, str):
        if not value.strip():
            return None
    elif not is_number(value):
        return None
    try:
        number = float(value)
    except (ValueError, OverflowError):
        return None
    return number if math.isfinite(number) else None


def cmi_object(value):
    """A CMI object member, or an empty one when it is not an object."""
    return value if isinstance(value, dict) else {}


def cmi_vocabulary(value):
    """A CMI vocabulary value, normalized; "" when it is not a string."""
    return value.strip().lower() if isinstance(value, str) else ""


def cmi_shape_error(standard: str, payload) -> str | None:
    """Why a commit is not ``{"cmi": {...}}`` in the shape above, or None when it is.

    Every value is an object or a string (or null), and the elements the emulator reads, and the
    objects holding them, have their type. Vocabularies and formats are not checked: the readers
    treat an unknown status or a malformed time as unset.
    """
    if not isinstance(payload, dict) or not isinstance(payload.get("cmi"), dict):
        return 'expected JSON {"cmi": {...}}'
    shape = _SCORM2004_SHAPE if is_scorm2004(standard) else _SCORM12_SHAPE
    return _shape_error("cmi", payload["cmi"], shape, 0)


def scorm12_score(score) -> float | None:
    """A SCORM 1.2 score object ``{raw, min, max}`` on SCORM Cloud's 0..100 scale, None without a raw score.

    Raw is placed between min and max (min defaults to 0); with no max, raw is read as a percentage.
    """
    raw, low, high = (cmi_number(cmi_object(score).get(name)) for name in ("raw", "min", "max"))
    if raw is None:
        return None
    low = 0.0 if low is None else low
    return _clamp_percent((raw - low) / (high - low) * 100 if high is not None and high > low else raw)


def scorm2004_score(score) -> float | None:
    """A SCORM 2004 score object's ``scaled`` (-1..1) on SCORM Cloud's 0..100 scale; None when unset.

    A raw score alone gives none: in 2004 only the scaled score rolls up.
    """
    scaled = cmi_number(cmi_object(score).get("scaled"))
    return None if scaled is None else _clamp_percent(scaled * 100)


def format_cmi_timespan(seconds: float) -> str:
    """Seconds as SCORM Cloud prints a time tracked: ``HHHH:MM:SS.SS``, the form parse_cmi_timespan reads.

    Beyond 9999:59:59.99, which four hour digits can say, the time prints as that: a SCO that reports
    years of time must not make the results unreadable.
    """
    most = 9999 * 3600 + 59 * 60 + 59.99
    seconds = most if not math.isfinite(seconds) or seconds > most else max(seconds, 0.0)
    hundredths = round(seconds * 100)
    hours, hundredths = divmod(hundredths, 3600 * 100)
    minutes, hundredths = divmod(hundredths, 60 * 100)
    return f"{hours:04d}:{minutes:02d}:{hundredths // 100:02d}.{hundredths % 100:02d}"


def parse_cmi_timespan(value: str) -> float:
    """Seconds in a SCORM 1.2 CMITimespan ``HHHH:MM:SS.SS``; ValueError if malformed."""
    match = _CMI_TIMESPAN.match((value or "").strip())
    if not match:
        raise ValueError(f"not a CMITimespan: {value!r}")
    hours, minutes, seconds = match.groups()
    return int(hours) * 3600 + int(minutes) * 60 + float(seconds)


def parse_iso_duration(value: str) -> float:
    """Seconds in a SCORM 2004 ISO 8601 duration such as ``PT1H2M3.5S``; ValueError if malformed."""
    text = (value or "").strip()
    match = _ISO_DURATION.match(text)
    if not match or text in ("P", "PT") or text.endswith("T"):
        raise ValueError(f"not an ISO 8601 duration: {value!r}")
    return float(sum(float(amount) * _ISO_UNIT_SECONDS[unit] for unit, amount in match.groupdict().items() if amount))


# --------------------------------------------------------------------------------------------


# Shapes for cmi_shape_error: a dict is an object with those members (any other member is an object
# or a value), _VALUE a string or null, _OBJECT an object of objects and values.
_VALUE, _OBJECT = "value", "object"
_SCORM12_SHAPE = {
    "suspend_data": _VALUE,
    "core": {name: _VALUE for name in ("lesson_status", "lesson_location", "credit", "exit", "entry",
                                       "total_time", "session_time")}
    | {"score": {"raw": _VALUE, "min": _VALUE, "max": _VALUE}},
    "student_data": {"mastery_score": _VALUE},
    "student_preference": _OBJECT,
    "objectives": _OBJECT,
    "interactions": _OBJECT,
}
_SCORM2004_SHAPE = {
    **{name: _VALUE for name in ("completion_status", "success_status", "progress_measure", "completion_threshold",
                                 "scaled_passing_score", "location", "suspend_data", "exit", "entry",
                                 "total_time", "session_time", "credit")},
    "score": {"scaled": _VALUE, "raw": _VALUE, "min": _VALUE, "max": _VALUE},
    **{name: _OBJECT for name in ("learner_preference", "objectives", "interactions", "comments_from_learner",
                                  "comments_from_lms")},
}
# scorm-again nests five levels at most (cmi.interactions.0.correct_responses.0.pattern).
_MAX_DEPTH = 8


def _kind(value):
    if isinstance(value, bool):
        return "a boolean"
    kinds = ((dict, "an object"), (list, "an array"), (str, "a string"), ((int, float), "a number"))
    return next((name for kind, name in kinds if isinstance(value, kind)), "null")


def _shape_error(path, value, shape, depth):
    if shape == _VALUE:
        if value is None or isinstance(value, str):
            return None
        return f"{path} must be a string, not {_kind(value)}"
    if not isinstance(value, dict):
        return f"{path} must be an object, not {_kind(value)}"
    if depth >= _MAX_DEPTH:
        return f"{path} nests deeper than CMI data does"
    for name, member in value.items():
        member_shape = shape.get(name) if isinstance(shape, dict) else None
        if member_shape is None:
            member_shape = _OBJECT if isinstance(member, dict) else _VALUE
        error = _shape_error(f"{path}.{name}", member, member_shape, depth + 1)
        if error:
            return error
    return None


def _cmi_of(payload):
    if not isinstance(payload, dict) or not isinstance(payload.get("cmi"), dict):
        raise ValueError('runtime data must be the committed object {"cmi": {...}}')
    return payload["cmi"]


def _clamp_percent(value):
    return max(0.0, min(100.0, value))


def _seconds(total_time, session_time, parse):
    # total_time already includes the session (see "Time" above); a malformed value counts as 0
    # rather than failing the whole rollup, since the content, not the learner, wrote it.
    for value in (total_time, session_time):
        if value and isinstance(value, str):
            try:
                return parse(value)
            except ValueError:
                continue
    return 0.0


def _scorm12_result(data, scaled_passing_score=None):
    core = cmi_object(data.get("core"))
    status = cmi_vocabulary(core.get("lesson_status")) or "not attempted"
    raw = cmi_number(cmi_object(core.get("score")).get("raw"))
    score = scorm12_score(core.get("score"))

    if status in ("passed", "failed", "completed"):
        completion = COMPLETED
    else:
        completion = INCOMPLETE
    success = {"passed": PASSED, "failed": FAILED}.get(status, UNKNOWN)

    mastery = cmi_number(cmi_object(data.get("student_data")).get("mastery_score"))
    if mastery is None and scaled_passing_score is not None:
        # The manifest's masteryscore, when the content's data lacks it; rounded, as 0.7 * 100 is not 70.
        mastery = round(scaled_passing_score * 100, 6)
    if mastery is not None and raw is not None and (cmi_vocabulary(core.get("credit")) or "credit") == "credit":
        success = PASSED if raw >= mastery else FAILED
        completion = COMPLETED

    return ScoResult(completion, success, score, _seconds(core.get("total_time"), core.get("session_time"), parse_cmi_timespan))


def _scorm2004_result(data, scaled_passing_score):
    threshold, measure = cmi_number(data.get("completion_threshold")), cmi_number(data.get("progress_measure"))
    if threshold is not None and measure is not None:
        completion = COMPLETED if measure >= threshold else INCOMPLETE
    else:
        completion = COMPLETED if cmi_vocabulary(data.get("completion_status")) == "completed" else INCOMPLETE

    scaled = cmi_number(cmi_object(data.get("score")).get("scaled"))
    passing = scaled_passing_score if scaled_passing_score is not None else cmi_number(data.get("scaled_passing_score"))
    if passing is not None and scaled is not None:
        success = PASSED if scaled >= passing else FAILED
    else:
        success = {"passed": PASSED, "failed": FAILED}.get(cmi_vocabulary(data.get("success_status")), UNKNOWN)

    seconds = _seconds(data.get("total_time"), data.get("session_time"), parse_iso_duration)
    return ScoResult(completion, success, scorm2004_score(data.get("score")), seconds)

"""How a block turns SCORM Cloud progress into an Open edX grade and completion.

Packages disagree on what they report: some only a score, some only passed/failed, some only
completion. The author picks a rule for each; the rules read SCORM Cloud's rollup, which already
reconciles SCORM 1.2 and 2004 semantics.
"""
import math

from .progress import COMPLETED, FAILED, INCOMPLETE, PASSED, UNKNOWN

GRADING_RULES = (
    ("auto", "Automatic: the score if reported, else passed/failed, else completed"),
    ("score", "Score reported by the course"),
    ("success", "Passed (full marks) or failed (none)"),
    ("completion", "Completed (full marks) or not yet"),
)

COMPLETION_RULES = (
    ("completed", "The course reports it completed"),
    ("passed", "The course reports it passed"),
    ("completed_or_passed", "Completed or passed"),
    ("completed_and_passed", "Completed and passed"),
    ("any_progress", "The learner made any progress"),
)

_SUCCESS_GRADES = {PASSED: 1.0, FAILED: 0.0}
_COMPLETION_GRADES = {COMPLETED: 1.0, INCOMPLETE: 0.0}


def _score_grade(progress):
    # SCORM Cloud reports score.scaled from 0 to 100; Open edX wants a fraction.
    return None if progress.score is None else progress.score / 100.0


def _success_grade(progress):
    return _SUCCESS_GRADES.get(progress.success)


def _completion_grade(progress):
    return _COMPLETION_GRADES.get(progress.completion)


def _auto_grade(progress):
    for candidate in (_score_grade(progress), _success_grade(progress)):
        if candidate is not None:
            return candidate
    # An INCOMPLETE course may still report a score or a result, so it grades nothing yet.
    return 1.0 if progress.completion == COMPLETED else None


_GRADERS = {
    "auto": _auto_grade,
    "score": _score_grade,
    "success": _success_grade,
    "completion": _completion_grade,
}

_COMPLETION_TESTS = {
    "completed": lambda progress: progress.completion == COMPLETED,
    "passed": lambda progress: progress.success == PASSED,
    "completed_or_passed": lambda progress: progress.completion == COMPLETED or progress.success == PASSED,
    "completed_and_passed": lambda progress: progress.completion == COMPLETED and progress.success == PASSED,
    "any_progress": lambda progress: (
        progress.completion != UNKNOWN
        or progress.success != UNKNOWN
        or progress.score is not None
        or progress.total_seconds > 0
    ),
}

# The rules a stored setting may name; anything else (stored without the editor) is graded as the default.
GRADING_RULE_NAMES = frozenset(_GRADERS)
COMPLETION_RULE_NAMES = frozenset(_COMPLETION_TESTS)


def grade(progress, rule):
    """The grade from 0.0 to 1.0 that ``rule`` gives ``progress``, or None if nothing gradable is reported."""
    try:
        grader = _GRADERS[rule]
    except (KeyError, TypeError):
        raise ValueError(f"unknown grading rule {rule!r}; expected one of {tuple(_GRADERS)}") from None
    return grader(progress)


def is_complete(progress, rule):
    """Whether ``progress`` completes the block under the completion ``rule``."""
    try:
        test = _COMPLETION_TESTS[rule]
    except (KeyError, TypeError):
        raise ValueError(
            f"unknown completion rule {rule!r}; expected one of {tuple(_COMPLETION_TESTS)}"
        ) from None
    return test(progress)


def is_finite_number(value):
    return isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value)


def weighted(grade, weight):
    """``(earned, possible)`` to publish for a 0..1 ``grade`` on a block of ``weight`` points."""
    if not is_finite_number(weight) or weight <= 0:
        raise ValueError(f"weight must be a positive number, got {weight!r}")
    if not is_finite_number(grade) or not 0 <= grade <= 1:
        raise ValueError(f"grade must be a number from 0 to 1, got {grade!r}")
    return float(grade * weight), float(weight)


def best_grade(progress, rule):
    """The best grade ``rule`` gives any attempt of ``progress`` (this one and earlier instances), or None.

    A new course version starts a new attempt; what the learner earned on an earlier one stays.
    """
    grades = [grade(attempt, rule) for attempt in progress.attempts()]
    grades = [value for value in grades if value is not None]
    return max(grades) if grades else None


def ever_complete(progress, rule):
    """Whether any attempt of ``progress``, this one or an earlier instance, completes the block."""
    return any(is_complete(attempt, rule) for attempt in progress.attempts())

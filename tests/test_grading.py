"""Grading and completion rules."""
import pytest

from scorm_cloud_xblock.grading import COMPLETION_RULES, GRADING_RULES, grade, is_complete, weighted
from scorm_cloud_xblock.progress import COMPLETED, FAILED, INCOMPLETE, PASSED, UNKNOWN, Progress

NOTHING = Progress()


def progress(completion=UNKNOWN, success=UNKNOWN, score=None, total_seconds=0.0):
    return Progress(completion=completion, success=success, score=score, total_seconds=total_seconds)


def test_rule_choices_are_value_label_pairs():
    assert [value for value, _ in GRADING_RULES] == ["auto", "score", "success", "completion"]
    assert [value for value, _ in COMPLETION_RULES] == [
        "completed",
        "passed",
        "completed_or_passed",
        "completed_and_passed",
        "any_progress",
    ]
    assert all(isinstance(label, str) and label for _, label in GRADING_RULES + COMPLETION_RULES)


@pytest.mark.parametrize(
    "state, rule, expected",
    [
        # auto: the score first, then pass/fail, then completion.
        (NOTHING, "auto", None),
        (progress(score=0), "auto", 0.0),
        (progress(score=100), "auto", 1.0),
        (progress(score=87.5), "auto", 0.875),
        (progress(COMPLETED, FAILED, score=80), "auto", 0.8),
        (progress(success=FAILED, score=0), "auto", 0.0),
        (progress(COMPLETED, PASSED, score=40), "auto", 0.4),
        (progress(success=PASSED), "auto", 1.0),
        (progress(COMPLETED, FAILED), "auto", 0.0),
        (progress(COMPLETED), "auto", 1.0),
        (progress(INCOMPLETE), "auto", None),
        (progress(INCOMPLETE, total_seconds=30), "auto", None),
        # score: only the score counts.
        (NOTHING, "score", None),
        (progress(score=0), "score", 0.0),
        (progress(score=100), "score", 1.0),
        (progress(COMPLETED, PASSED, score=25), "score", 0.25),
        (progress(COMPLETED, PASSED), "score", None),
        # success: passed is full marks, failed none, whatever the score.
        (NOTHING, "success", None),
        (progress(success=PASSED, score=10), "success", 1.0),
        (progress(success=FAILED, score=80), "success", 0.0),
        (progress(COMPLETED, score=90), "success", None),
        # completion: completed is full marks, incomplete none.
        (NOTHING, "completion", None),
        (progress(COMPLETED, FAILED, score=0), "completion", 1.0),
        (progress(INCOMPLETE, PASSED, score=100), "completion", 0.0),
        (progress(success=PASSED, score=100), "completion", None),
    ],
)
def test_grade(state, rule, expected):
    assert grade(state, rule) == expected


@pytest.mark.parametrize("rule", ["", "AUTO", "best", None, ["auto"]])
def test_unknown_grading_rule(rule):
    with pytest.raises(ValueError, match="grading rule"):
        grade(NOTHING, rule)


def test_every_grading_rule_is_gradeable():
    full = progress(COMPLETED, PASSED, score=100)
    assert {value: grade(full, value) for value, _ in GRADING_RULES} == dict.fromkeys(
        ("auto", "score", "success", "completion"), 1.0
    )


COMPLETION_CASES = [
    # state, completed, passed, completed_or_passed, completed_and_passed, any_progress
    (NOTHING, False, False, False, False, False),
    (progress(INCOMPLETE), False, False, False, False, True),
    (progress(score=0), False, False, False, False, True),
    (progress(total_seconds=1.5), False, False, False, False, True),
    (progress(success=FAILED), False, False, False, False, True),
    (progress(COMPLETED), True, False, True, False, True),
    (progress(COMPLETED, FAILED, score=20), True, False, True, False, True),
    (progress(INCOMPLETE, PASSED), False, True, True, False, True),
    (progress(COMPLETED, PASSED, score=100), True, True, True, True, True),
]


@pytest.mark.parametrize("case", COMPLETION_CASES)
def test_is_complete(case):
    state, *expected = case
    rules = [value for value, _ in COMPLETION_RULES]
    assert [is_complete(state, rule) for rule in rules] == expected


@pytest.mark.parametrize("rule", ["", "complete", "COMPLETED", None, {}])
def test_unknown_completion_rule(rule):
    with pytest.raises(ValueError, match="completion rule"):
        is_complete(NOTHING, rule)


@pytest.mark.parametrize(
    "value, weight, expected",
    [
        (1.0, 1, (1.0, 1.0)),
        (0.0, 5, (0.0, 5.0)),
        (0.875, 4, (3.5, 4.0)),
        (0.5, 0.5, (0.25, 0.5)),
        (1, 2.0, (2.0, 2.0)),
    ],
)
def test_weighted(value, weight, expected):
    assert weighted(value, weight) == expected


@pytest.mark.parametrize("weight", [0, -1, -0.5, float("nan"), float("inf"), None, "1", True])
def test_weighted_refuses_a_weight_that_is_not_positive(weight):
    with pytest.raises(ValueError, match="weight"):
        weighted(0.5, weight)


@pytest.mark.parametrize("value", [-0.01, 1.01, float("nan"), None, "0.5", False])
def test_weighted_refuses_a_grade_outside_0_to_1(value):
    with pytest.raises(ValueError, match="grade"):
        weighted(value, 1)


def test_best_grade_and_completion_span_earlier_instances():
    from scorm_cloud_xblock.grading import best_grade, ever_complete
    from scorm_cloud_xblock.progress import Progress
    done = Progress(completion="COMPLETED", score=90.0)
    current = Progress(completion="INCOMPLETE", score=40.0, instance=1, earlier=(done,))
    assert best_grade(current, "auto") == 0.9
    assert ever_complete(current, "completed")
    assert not ever_complete(current, "passed")
    better = Progress(completion="COMPLETED", score=95.0, instance=1, earlier=(done,))
    assert best_grade(better, "auto") == 0.95
    assert best_grade(Progress(), "auto") is None

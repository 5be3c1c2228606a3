"""The progress record and the merge rule that keeps grades from regressing."""
import random
from dataclasses import replace
from datetime import datetime, timedelta, timezone

import pytest

from scorm_cloud_xblock import grading
from scorm_cloud_xblock.client import RegistrationProgress
from scorm_cloud_xblock.progress import (
    APPLIED,
    COMPLETED,
    COMPLETION,
    DUPLICATE,
    FAILED,
    INCOMPLETE,
    MAX_EARLIER,
    NEW_INSTANCE,
    NEWER_TIME,
    PASSED,
    SOURCES,
    STALE_INSTANCE,
    STALE_UPDATE,
    SUCCESS,
    UNKNOWN,
    MergeResult,
    Progress,
    merge,
    parse_updated,
    start_attempt,
)

T0 = "2024-05-01T10:00:00.000Z"
T1 = "2024-05-01T10:05:00.000Z"
T2 = "2024-05-01T10:10:00.000Z"


def postback(**kwargs):
    return Progress(source="postback", **kwargs)


# --- the record ------------------------------------------------------------------------------


def test_enums_are_scorm_clouds_words():
    assert COMPLETION == ("UNKNOWN", "INCOMPLETE", "COMPLETED")
    assert SUCCESS == ("UNKNOWN", "FAILED", "PASSED")


def test_defaults_mean_nothing_reported():
    assert Progress() == Progress(UNKNOWN, UNKNOWN, None, 0.0, None, 0, "none")


@pytest.mark.parametrize(
    "kwargs",
    [
        {"completion": "completed"},
        {"completion": "PASSED"},
        {"success": "COMPLETED"},
        {"score": -0.1},
        {"score": 100.5},
        {"score": float("nan")},
        {"score": True},
        {"score": "50"},
        {"total_seconds": -1},
        {"total_seconds": float("inf")},
        {"total_seconds": None},
        {"updated": 5},
        {"instance": -1},
        {"instance": 1.0},
        {"instance": True},
        {"source": "somebody"},
        {"attempt": -1},
        {"attempt": 1.0},
        {"attempt": True},
    ],
)
def test_invalid_values_are_refused(kwargs):
    with pytest.raises(ValueError):
        Progress(**kwargs)


def test_to_dict_from_dict_round_trip():
    progress = Progress(COMPLETED, PASSED, 87.5, 421.5, T1, 2, "refresh")
    data = progress.to_dict()
    assert data == {
        "completion": COMPLETED,
        "success": PASSED,
        "score": 87.5,
        "total_seconds": 421.5,
        "updated": T1,
        "instance": 2,
        "source": "refresh",
        "earlier": [],
        "attempt": 0,
    }
    assert Progress.from_dict(data) == progress


@pytest.mark.parametrize("data", [None, [], "text", 5, {}])
def test_from_dict_without_a_mapping_or_keys_gives_defaults(data):
    assert Progress.from_dict(data) == Progress()


def test_from_dict_replaces_bad_values_with_defaults():
    data = {
        "completion": "DONE",
        "success": None,
        "score": "lots",
        "total_seconds": -5,
        "updated": {"year": 2024},
        "instance": "first",
        "source": "intruder",
    }
    assert Progress.from_dict(data) == Progress()


def test_from_dict_keeps_good_values_next_to_bad_ones():
    data = {"completion": COMPLETED, "score": "NaN", "instance": 3, "source": "bogus"}
    assert Progress.from_dict(data) == Progress(completion=COMPLETED, instance=3)


REGISTRATION = {
    "id": "edx-0123456789abcdef-3c1a",
    "instance": 1,
    "updated": T1,
    "registrationCompletion": "COMPLETED",
    "registrationCompletionAmount": "NaN",
    "registrationSuccess": "FAILED",
    "score": {"scaled": 42.5},
    "totalSecondsTracked": 97.25,
    "course": {"id": "c", "title": "t", "version": 0},
}


def from_schema(schema, source="postback"):
    """What postbacks and refreshes store: the client parses the schema, the record takes the result."""
    return Progress.from_cloud(RegistrationProgress.from_json(schema), source)


def test_from_cloud_reads_the_schema():
    assert from_schema(REGISTRATION) == Progress(COMPLETED, FAILED, 42.5, 97.25, T1, 1, "postback")


def test_from_cloud_of_an_empty_schema():
    assert from_schema({}, "refresh") == Progress(source="refresh", instance=None)


def test_from_cloud_writes_updated_in_utc():
    assert from_schema({"updated": "2024-05-01T12:05:00+02:00"}).updated == T1


@pytest.mark.parametrize("updated", ["9999-12-31T23:59:59-14:00", "0001-01-01T00:00:00+14:00"])
def test_an_updated_that_utc_cannot_name_counts_as_missing(updated):
    report = from_schema({**REGISTRATION, "updated": updated})
    assert report == from_schema({**REGISTRATION, "updated": None})
    assert report.updated is None

    # Older than any known time: nothing regresses.
    current = postback(completion=COMPLETED, success=PASSED, score=90, updated=T2, instance=1)
    assert merge(current, report) == MergeResult(current, False, STALE_UPDATE)
    # While no time is known it is taken as any undated report, and the next dated one still counts.
    first = merge(Progress(instance=1), report)
    assert (first.reason, first.progress.updated, first.progress.score) == (APPLIED, None, 42.5)
    later = merge(first.progress, postback(completion=INCOMPLETE, score=50, updated=T0, instance=1))
    assert later.progress == postback(completion=COMPLETED, success=FAILED, score=50, total_seconds=97.25,
                                      updated=T0, instance=1)


@pytest.mark.parametrize(
    "score, expected",
    [
        ({"scaled": 0}, 0.0),
        ({"scaled": 100}, 100.0),
        ({"scaled": 150}, 100.0),
        ({"scaled": -3}, 0.0),
        ({"scaled": "55.5"}, 55.5),
        ({"scaled": "NaN"}, None),
        ({"scaled": float("nan")}, None),
        ({"scaled": "Infinity"}, None),
        ({"scaled": None}, None),
        ({"scaled": True}, None),
        ({"scaled": 10**400}, None),
        ({}, None),
        (None, None),
        (50, None),
        ("50", None),
    ],
)
def test_from_cloud_score(score, expected):
    assert from_schema({"score": score}).score == expected


@pytest.mark.parametrize(
    "field, value, attribute, expected",
    [
        ("registrationCompletion", "completed", "completion", COMPLETED),
        ("registrationCompletion", "BROWSED", "completion", UNKNOWN),
        ("registrationCompletion", 1, "completion", UNKNOWN),
        ("registrationSuccess", "passed", "success", PASSED),
        ("registrationSuccess", "", "success", UNKNOWN),
        ("totalSecondsTracked", "12.5", "total_seconds", 12.5),
        ("totalSecondsTracked", -4, "total_seconds", 0.0),
        ("totalSecondsTracked", "NaN", "total_seconds", 0.0),
        ("totalSecondsTracked", [], "total_seconds", 0.0),
        ("instance", 2, "instance", 2),
        ("instance", "3", "instance", 3),
        ("instance", 4.0, "instance", 4),
        # Unusable is as good as missing: unknown, not the first (see the merge).
        ("instance", 1.5, "instance", None),
        ("instance", -1, "instance", None),
        ("instance", False, "instance", None),
        ("instance", 10**400, "instance", None),
        ("instance", None, "instance", None),
        ("updated", {"time": 1588000000}, "updated", None),  # a date serialized as an object
        ("updated", "", "updated", None),
    ],
)
def test_from_cloud_tolerates_odd_values(field, value, attribute, expected):
    assert getattr(from_schema({field: value}), attribute) == expected


def test_from_cloud_tolerates_a_non_object_and_refuses_an_unknown_source():
    assert from_schema([]) == Progress(source="postback", instance=None)
    with pytest.raises(ValueError):
        from_schema({}, "webhook")


@pytest.mark.parametrize(
    "value, expected",
    [
        ("2024-05-01T10:00:00Z", datetime(2024, 5, 1, 10, tzinfo=timezone.utc)),
        ("2024-05-01T10:00:00.123Z", datetime(2024, 5, 1, 10, 0, 0, 123000, tzinfo=timezone.utc)),
        ("2024-05-01T12:00:00+02:00", datetime(2024, 5, 1, 10, tzinfo=timezone.utc)),
        ("2024-05-01T10:00:00", datetime(2024, 5, 1, 10, tzinfo=timezone.utc)),  # naive is UTC
        ("May 1st", None),
        ("", None),
        (None, None),
        (1714557600, None),
    ],
)
def test_parse_updated(value, expected):
    assert parse_updated(value) == expected


# --- the merge rules -------------------------------------------------------------------------


def test_first_report_is_applied():
    incoming = postback(completion=INCOMPLETE, total_seconds=5, updated=T0)
    assert merge(Progress(), incoming) == MergeResult(incoming, True, APPLIED)


def test_a_report_without_instance_is_about_the_stored_instance():
    current = postback(completion=INCOMPLETE, score=40, updated=T1, instance=2,
                       earlier=(postback(completion=COMPLETED, score=90, updated=T0),))
    report = from_schema({"registrationCompletion": "COMPLETED", "score": {"scaled": 70}, "updated": T2})
    assert report.instance is None
    assert merge(current, report) == MergeResult(replace(current, completion=COMPLETED, score=70, updated=T2),
                                                 True, APPLIED)
    # It still cannot bring back an older instance's results: its updated says it is older.
    assert merge(current, replace(report, updated=T0)) == MergeResult(current, False, STALE_UPDATE)
    assert merge(current, replace(report, updated=None)) == MergeResult(current, False, STALE_UPDATE)
    # A report that names an older instance is ignored as before.
    assert merge(current, replace(report, instance=1)) == MergeResult(current, False, STALE_INSTANCE)
    # About a newer registration (attempt): its first instance.
    moved = merge(current, replace(report, attempt=1))
    assert (moved.reason, moved.progress.instance, moved.progress.attempt) == (NEW_INSTANCE, 0, 1)
    # Nothing stored yet: the first instance, as before.
    assert merge(Progress(), report).progress.instance == 0


def test_older_instance_is_ignored():
    current = postback(completion=INCOMPLETE, updated=T0, instance=2)
    incoming = postback(completion=COMPLETED, success=PASSED, score=100, updated=T2, instance=1)
    assert merge(current, incoming) == MergeResult(current, False, STALE_INSTANCE)


def test_newer_instance_replaces_the_attempt_and_keeps_the_old_one_as_earlier():
    current = postback(completion=COMPLETED, success=PASSED, score=90, total_seconds=600, updated=T2)
    incoming = postback(completion=INCOMPLETE, total_seconds=3, updated=T0, instance=1)
    assert merge(current, incoming) == MergeResult(replace(incoming, earlier=(current,)), True, NEW_INSTANCE)
    # An attempt without any result is not kept; earlier attempts survive later instances and round trips.
    third = merge(merge(current, incoming).progress, postback(completion=COMPLETED, updated=T1, instance=2))
    assert third.progress.earlier == (current, replace(incoming, earlier=()))
    assert Progress.from_dict(third.progress.to_dict()) == third.progress
    blank = merge(Progress(), incoming).progress
    assert blank.earlier == ()
    # Same-instance merges keep them.
    assert merge(third.progress, postback(completion=COMPLETED, score=10, updated=T2, instance=2)).progress.earlier \
        == third.progress.earlier


# --- a new registration (attempt): its instances start at 0 again (decision 6) ---------------


def test_a_new_registrations_first_instance_is_newer_than_any_instance_of_the_old_one():
    current = postback(completion=COMPLETED, success=PASSED, score=90, updated=T2, instance=3)
    incoming = postback(completion=INCOMPLETE, updated=T0, instance=0, attempt=1)
    assert merge(current, incoming) == MergeResult(replace(incoming, earlier=(current,)), True, NEW_INSTANCE)


def test_reports_about_an_earlier_registration_are_stale_whatever_their_instance():
    current = postback(completion=INCOMPLETE, updated=T0, instance=0, attempt=2)
    for attempt, instance in ((1, 0), (1, 9), (0, 5)):
        incoming = postback(completion=COMPLETED, score=100, updated=T2, instance=instance, attempt=attempt)
        assert merge(current, incoming) == MergeResult(current, False, STALE_INSTANCE)


def test_within_a_registration_instances_and_updates_are_compared_as_before():
    current = postback(completion=INCOMPLETE, score=40, updated=T1, instance=1, attempt=1)
    assert merge(current, postback(score=99, updated=T0, instance=1, attempt=1)).reason == STALE_UPDATE
    assert merge(current, postback(score=99, updated=T2, instance=0, attempt=1)).reason == STALE_INSTANCE
    applied = merge(current, postback(completion=COMPLETED, score=80, updated=T2, instance=1, attempt=1))
    assert (applied.reason, applied.progress.attempt, applied.progress.score) == (APPLIED, 1, 80)


def test_starting_an_attempt_keeps_what_the_last_one_earned_and_shows_a_fresh_status():
    current = postback(completion=COMPLETED, success=PASSED, score=90, total_seconds=600, updated=T2, instance=2)
    started = start_attempt(current, 1)
    assert started == Progress(attempt=1, earlier=(current,))
    # Nothing reported on the lost registration: nothing to keep.
    assert start_attempt(Progress(updated=T0, source="refresh"), 1) == Progress(attempt=1)
    # Already there (a concurrent request started it): unchanged.
    ahead = postback(completion=INCOMPLETE, updated=T1, attempt=1, earlier=(current,))
    assert start_attempt(ahead, 1) == ahead
    assert Progress.from_dict(started.to_dict()) == started


def test_records_from_before_attempts_are_about_the_first_registration():
    data = Progress(COMPLETED, PASSED, 80.0, 10.0, T1, 1, "postback").to_dict()
    del data["attempt"]
    assert Progress.from_dict(data).attempt == 0
    assert Progress.from_dict({**data, "attempt": "two"}).attempt == 0
    assert Progress.from_dict({**data, "attempt": 2}).attempt == 2


def test_from_cloud_records_the_attempt_it_was_asked_about():
    registration = RegistrationProgress.from_json(REGISTRATION)
    assert Progress.from_cloud(registration, "refresh", attempt=3).attempt == 3
    assert Progress.from_cloud(registration, "refresh").attempt == 0


def test_earlier_attempts_from_a_damaged_record_are_read_defensively():
    data = Progress(COMPLETED, PASSED, 80.0, 10.0, T1, 1, "postback").to_dict()
    data["earlier"] = [{"completion": "COMPLETED", "score": "95", "earlier": [{"score": 100}]}, "x", 5,
                       {"completion": "bogus"}]
    assert Progress.from_dict(data).earlier == (Progress(completion=COMPLETED, score=95.0),)
    data["earlier"] = "nope"
    assert Progress.from_dict(data).earlier == ()


# --- a bounded history of earlier attempts ----------------------------------------------------

GRADING_RULES = [rule for rule, _ in grading.GRADING_RULES]
COMPLETION_RULES = [rule for rule, _ in grading.COMPLETION_RULES]


def attempts_in_turn(attempts):
    """Our record once each of ``attempts`` was reported in turn, each as a new instance."""
    progress = Progress()
    for instance, attempt in enumerate(attempts):
        progress = merge(progress, replace(attempt, instance=instance, updated=T0)).progress
    return progress


def best_of_all(attempts, rule):
    grades = [grading.grade(attempt, rule) for attempt in attempts]
    return max((value for value in grades if value is not None), default=None)


def test_a_long_history_keeps_the_best_score():
    progress = attempts_in_turn([postback(completion=COMPLETED, score=100)]
                                + [postback(completion=COMPLETED, score=10)] * 51)
    assert len(progress.earlier) == MAX_EARLIER
    assert grading.best_grade(progress, "auto") == 1.0


# The best result first, then more attempts than are kept, each worse for some rule.
LONG_HISTORIES = {
    "worse in every way": (postback(completion=COMPLETED, success=PASSED, score=100),
                           [postback(completion=INCOMPLETE, success=FAILED, score=10)] * 60),
    # Passed without a score grades 1.0 automatically; a pass with a low score grades less.
    "passed without a score": (postback(success=PASSED),
                               [postback(completion=COMPLETED, success=PASSED, score=20)] * 60),
    # Completed and passed must be one attempt's.
    "completed and passed at once": (postback(completion=COMPLETED, success=PASSED),
                                     [postback(completion=COMPLETED, success=FAILED),
                                      postback(completion=INCOMPLETE, success=PASSED)] * 30),
    "failed, then nothing gradable": (postback(completion=INCOMPLETE, success=FAILED, score=0),
                                      [postback(completion=INCOMPLETE)] * 60),
}


@pytest.mark.parametrize("history", LONG_HISTORIES)
@pytest.mark.parametrize("rule", GRADING_RULES)
def test_trimming_earlier_attempts_never_lowers_a_grade(rule, history):
    first, later = LONG_HISTORIES[history]
    progress = attempts_in_turn([first, *later])
    assert len(progress.earlier) == MAX_EARLIER
    assert grading.best_grade(progress, rule) == best_of_all([first, *later], rule)


@pytest.mark.parametrize("history", LONG_HISTORIES)
@pytest.mark.parametrize("rule", COMPLETION_RULES)
def test_trimming_earlier_attempts_never_loses_a_completion(rule, history):
    first, later = LONG_HISTORIES[history]
    progress = attempts_in_turn([first, *later])
    assert grading.ever_complete(progress, rule) == any(grading.is_complete(a, rule) for a in [first, *later])


def test_any_long_history_keeps_every_rules_best_result():
    rng = random.Random(1861)
    for _ in range(200):
        attempts, length = [], rng.randint(MAX_EARLIER - 5, 2 * MAX_EARLIER)
        while len(attempts) < length:
            attempt = postback(completion=rng.choice(COMPLETION), success=rng.choice(SUCCESS),
                               score=rng.choice([None, round(rng.uniform(0, 100), 1)]))
            if attempt.has_result:
                attempts.append(attempt)
        progress = attempts_in_turn(attempts)
        assert len(progress.earlier) <= MAX_EARLIER
        assert Progress.from_dict(progress.to_dict()) == progress
        for rule in GRADING_RULES:
            assert grading.best_grade(progress, rule) == best_of_all(attempts, rule)
        for rule in COMPLETION_RULES:
            assert grading.ever_complete(progress, rule) == any(grading.is_complete(a, rule) for a in attempts)
        # The unit shows the best score of the earlier attempts.
        scores = [attempt.score for attempt in attempts[:-1] if attempt.score is not None]
        assert max((a.score for a in progress.earlier if a.score is not None), default=None) \
            == max(scores, default=None)


def test_a_stored_history_longer_than_kept_is_trimmed_the_same_way():
    best = postback(completion=COMPLETED, success=PASSED, score=100)
    data = postback(instance=70).to_dict()
    data["earlier"] = [best.to_dict()] + [postback(completion=INCOMPLETE, score=5).to_dict()] * 69
    earlier = Progress.from_dict(data).earlier
    assert len(earlier) == MAX_EARLIER
    assert earlier[0] == best


def test_older_update_is_ignored():
    current = postback(completion=INCOMPLETE, score=40, updated=T1)
    incoming = postback(completion=COMPLETED, score=95, updated=T0)
    assert merge(current, incoming) == MergeResult(current, False, STALE_UPDATE)


def test_updates_are_ordered_as_instants_not_strings():
    # "12:00+02:00" sorts after "11:00Z" as text, but is an hour earlier.
    current = postback(score=40, updated="2024-05-01T11:00:00Z")
    earlier = postback(score=95, updated="2024-05-01T12:00:00+02:00")
    later = postback(score=95, updated="2024-05-01T11:30:00.5+00:00")
    assert merge(current, earlier).reason == STALE_UPDATE
    assert merge(current, later) == MergeResult(later, True, APPLIED)


@pytest.mark.parametrize("updated", [None, "garbage", "2024-13-45T99:00:00Z"])
def test_unparseable_update_is_older_than_a_known_one(updated):
    current = postback(score=40, updated=T0)
    assert merge(current, postback(score=95, updated=updated)).reason == STALE_UPDATE


@pytest.mark.parametrize("stored", [None, "garbage"])
def test_unparseable_update_is_applied_while_no_time_is_known(stored):
    current = postback(score=40, updated=stored)
    result = merge(current, postback(score=95, updated="junk"))
    assert (result.reason, result.progress.score, result.progress.updated) == (APPLIED, 95, "junk")


def test_a_known_update_supersedes_an_unknown_one():
    result = merge(postback(score=40, updated="garbage"), postback(score=50, updated=T0))
    assert result.progress == postback(score=50, updated=T0)


def test_identical_report_is_a_duplicate():
    current = postback(completion=COMPLETED, success=PASSED, score=80, total_seconds=60, updated=T1)
    assert merge(current, current) == MergeResult(current, False, DUPLICATE)


def test_same_facts_from_another_source_are_a_duplicate():
    current = postback(completion=COMPLETED, score=80, updated=T1)
    refreshed = Progress(completion=COMPLETED, score=80, updated=T1, source="refresh")
    assert merge(current, refreshed) == MergeResult(current, False, DUPLICATE)


def test_same_instant_spelled_differently_is_a_duplicate():
    current = postback(score=80, updated="2024-05-01T10:00:00Z")
    same = postback(score=80, updated="2024-05-01T12:00:00.000+02:00")
    assert merge(current, same) == MergeResult(current, False, DUPLICATE)


def test_a_report_that_adds_nothing_is_a_duplicate():
    current = postback(completion=COMPLETED, success=PASSED, score=80, total_seconds=60, updated=T1)
    empty = postback(updated=T1)
    assert merge(current, empty) == MergeResult(current, False, DUPLICATE)


def test_a_report_that_only_moves_the_time_is_kept_but_is_no_progress():
    # SCORM Cloud may move `updated` without new results, as when the learner opens a launch link.
    current = postback(completion=COMPLETED, score=80, total_seconds=60, updated=T0)
    later = replace(current, updated=T1, source="refresh")
    result = merge(current, later)
    assert result == MergeResult(replace(current, updated=T1, source="refresh"), True, NEWER_TIME)
    assert result.changed and not result.progressed
    # Kept so that a report from before it stays stale.
    assert merge(result.progress, replace(current, score=10)).reason == STALE_UPDATE


def test_results_that_change_are_progress():
    current = postback(score=40, updated=T0)
    assert merge(current, postback(score=50, updated=T1)).progressed


@pytest.mark.parametrize("reported", [UNKNOWN, INCOMPLETE])
def test_completion_never_leaves_completed(reported):
    current = postback(completion=COMPLETED, updated=T0)
    result = merge(current, postback(completion=reported, total_seconds=10, updated=T1))
    assert result.reason == APPLIED
    assert result.progress.completion == COMPLETED


def test_unknown_never_erases_known_values():
    current = postback(completion=INCOMPLETE, success=FAILED, score=30, updated=T0)
    result = merge(current, postback(updated=T1))
    assert result.progress == postback(completion=INCOMPLETE, success=FAILED, score=30, updated=T1)
    assert result.changed


def test_newer_reported_values_replace_older_ones_even_downwards():
    current = postback(completion=INCOMPLETE, success=PASSED, score=90, updated=T0)
    result = merge(current, postback(completion=COMPLETED, success=FAILED, score=0, updated=T1))
    assert result.progress == postback(completion=COMPLETED, success=FAILED, score=0, updated=T1)


def test_total_seconds_never_decreases_within_an_instance():
    current = postback(total_seconds=300, updated=T0)
    assert merge(current, postback(total_seconds=120, updated=T1)).progress.total_seconds == 300
    assert merge(current, postback(total_seconds=450, updated=T1)).progress.total_seconds == 450


def test_source_follows_the_applied_report():
    current = postback(score=10, updated=T0)
    result = merge(current, Progress(score=20, updated=T1, source="refresh"))
    assert result.progress.source == "refresh"


# --- properties over random deliveries -------------------------------------------------------

RANK = {status: rank for rank, status in enumerate(COMPLETION)}


def spell(moment, rng):
    """The same instant in one of the spellings SCORM Cloud-like servers produce."""
    offset = timezone(timedelta(hours=rng.choice([-7, 0, 0, 2, 5.5])))
    local = moment.astimezone(offset)
    text = local.isoformat(timespec=rng.choice(["seconds", "milliseconds", "microseconds"]))
    return text.replace("+00:00", "Z") if rng.random() < 0.5 else text


def realistic_history(rng):
    """Reports of several attempts as SCORM Cloud's rollup produces them, oldest first.

    Within an attempt completion only rises, time only grows, and a reported score or success
    may change but never disappears again.
    """
    clock = datetime(2024, 5, 1, tzinfo=timezone.utc)
    reports = []
    instance = 0
    for _ in range(rng.randint(1, 3)):
        instance += rng.randint(0 if not reports else 1, 2)
        completion, success, score, seconds = rng.choice(COMPLETION), rng.choice(SUCCESS), None, 0.0
        for _ in range(rng.randint(1, 6)):
            clock += timedelta(milliseconds=rng.randint(1, 10**7))
            completion = rng.choice([c for c in COMPLETION if RANK[c] >= RANK[completion]])
            success = rng.choice(SUCCESS if success == UNKNOWN else (FAILED, PASSED))
            score = rng.choice([score, round(rng.uniform(0, 100), 2), 0.0, 100.0])
            seconds += rng.choice([0, rng.uniform(0, 500)])
            reports.append(postback(completion=completion, success=success, score=score,
                                    total_seconds=seconds, updated=spell(clock, rng), instance=instance))
    return reports


def deliver(reports, rng):
    """Deliver reports like SCORM Cloud's queue: shuffled, some more than once."""
    delivered = reports + [rng.choice(reports) for _ in range(rng.randint(0, len(reports)))]
    rng.shuffle(delivered)
    state = Progress()
    for report in delivered:
        result = merge(state, report)
        assert result.changed == (result.progress != state)
        state = result.progress
    return state


def test_any_delivery_order_ends_at_the_newest_report():
    rng = random.Random(5150)
    for _ in range(400):
        reports = realistic_history(rng)
        for _ in range(5):
            # `earlier` keeps what was known of a replaced attempt when it was replaced, which
            # depends on delivery order; the current attempt does not.
            assert replace(deliver(reports, rng), earlier=()) == reports[-1]


def random_report(rng, updated_choices):
    return Progress(
        completion=rng.choice(COMPLETION),
        success=rng.choice(SUCCESS),
        score=rng.choice([None, 0.0, 100.0, round(rng.uniform(0, 100), 1)]),
        total_seconds=rng.choice([0.0, rng.uniform(0, 1000)]),
        updated=rng.choice(updated_choices),
        instance=rng.choice([0, 1, 2]),
        source=rng.choice(SOURCES),
    )


def test_arbitrary_reports_still_end_with_the_newest_reports_known_values():
    rng = random.Random(8080)
    start = datetime(2024, 5, 1, tzinfo=timezone.utc)
    for _ in range(1000):
        reports = [
            random_report(rng, [spell(start + timedelta(seconds=index), rng)])
            for index in range(rng.randint(1, 8))
        ]
        newest = max(reports, key=lambda report: (report.instance, parse_updated(report.updated)))
        same_attempt = [report for report in reports if report.instance == newest.instance]
        final = deliver(reports, rng)

        assert (final.instance, final.updated) == (newest.instance, newest.updated)
        if newest.completion != UNKNOWN:
            assert final.completion in (newest.completion, COMPLETED)
        if newest.success != UNKNOWN:
            assert final.success == newest.success
        if newest.score is not None:
            assert final.score == newest.score
        assert newest.total_seconds <= final.total_seconds <= max(r.total_seconds for r in same_attempt)


def test_merging_the_same_report_twice_changes_nothing():
    rng = random.Random(4242)
    moments = [datetime(2024, 5, 1, tzinfo=timezone.utc) + timedelta(minutes=m) for m in range(3)]
    updated_choices = [None, "garbage"] + [spell(moment, rng) for moment in moments for _ in range(2)]
    for _ in range(3000):
        current = random_report(rng, updated_choices)
        incoming = random_report(rng, updated_choices)
        once = merge(current, incoming)
        twice = merge(once.progress, incoming)
        assert not twice.changed
        assert twice.progress == once.progress
        assert once.changed == (once.progress != current)

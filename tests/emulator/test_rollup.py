"""Rollup of committed CMI runtime data into SCORM Cloud's registration fields."""
import pytest

from scorm_cloud_emulator.rollup import (
    COMPLETED,
    FAILED,
    INCOMPLETE,
    PASSED,
    UNKNOWN,
    RegistrationRollup,
    ScoResult,
    apply_finish_defaults,
    cmi_number,
    cmi_shape_error,
    format_cmi_timespan,
    parse_cmi_timespan,
    parse_iso_duration,
    rollup,
    sco_result,
)


def scorm12(lesson_status="not attempted", raw="", low="", high="100", total_time="00:00:00", session_time="",
            mastery_score="", credit="credit"):
    # The shape scorm-again 3.4.3 commits for SCORM 1.2 (score.max defaults to "100" there).
    return {"cmi": {
        "suspend_data": "",
        "core": {"lesson_status": lesson_status, "credit": credit, "score": {"raw": raw, "min": low, "max": high},
                 "total_time": total_time, "session_time": session_time, "exit": "", "lesson_location": ""},
        "student_data": {"mastery_score": mastery_score},
    }}


def scorm2004(completion_status="unknown", success_status="unknown", scaled="", total_time="PT0S", session_time="",
              scaled_passing_score="", completion_threshold="", progress_measure=""):
    return {"cmi": {
        "completion_status": completion_status, "success_status": success_status,
        "score": {"scaled": scaled, "raw": "", "min": "", "max": ""},
        "total_time": total_time, "session_time": session_time,
        "scaled_passing_score": scaled_passing_score, "completion_threshold": completion_threshold,
        "progress_measure": progress_measure,
    }}


# -- SCORM 1.2 -------------------------------------------------------------------------------

@pytest.mark.parametrize("status, completion, success", [
    ("passed", COMPLETED, PASSED),
    ("failed", COMPLETED, FAILED),
    ("completed", COMPLETED, UNKNOWN),
    ("incomplete", INCOMPLETE, UNKNOWN),
    ("browsed", INCOMPLETE, UNKNOWN),
    ("not attempted", INCOMPLETE, UNKNOWN),
    ("", INCOMPLETE, UNKNOWN),
])
def test_scorm12_lesson_status(status, completion, success):
    result = sco_result("SCORM12", scorm12(lesson_status=status))
    assert (result.completion, result.success) == (completion, success)


def test_scorm12_raw_score_is_placed_between_min_and_max():
    assert sco_result("SCORM12", scorm12(raw="80", low="0", high="100")).score == 80
    assert sco_result("SCORM12", scorm12(raw="15", low="10", high="20")).score == 50
    assert sco_result("SCORM12", scorm12(raw="7", low="", high="10")).score == 70


def test_scorm12_raw_score_without_max_is_a_percentage_clamped_to_100():
    assert sco_result("SCORM12", scorm12(raw="64", high="")).score == 64
    assert sco_result("SCORM12", scorm12(raw="140", high="")).score == 100
    assert sco_result("SCORM12", scorm12(raw="-5", high="")).score == 0


def test_scorm12_no_raw_score_means_no_score():
    assert sco_result("SCORM12", scorm12(lesson_status="completed")).score is None


def test_scorm12_mastery_score_decides_success():
    passed = sco_result("SCORM12", scorm12(lesson_status="incomplete", raw="75", mastery_score="70"))
    failed = sco_result("SCORM12", scorm12(lesson_status="completed", raw="60", mastery_score="70"))
    no_credit = sco_result("SCORM12", scorm12(lesson_status="completed", raw="60", mastery_score="70", credit="no-credit"))
    assert (passed.completion, passed.success) == (COMPLETED, PASSED)
    assert (failed.completion, failed.success) == (COMPLETED, FAILED)
    assert no_credit.success == UNKNOWN


def test_scorm12_time_comes_from_total_time_then_session_time():
    assert sco_result("SCORM12", scorm12(total_time="0001:02:03.5")).seconds == 3723.5
    assert sco_result("SCORM12", scorm12(total_time="01:00:00", session_time="00:00:10")).seconds == 3600
    assert sco_result("SCORM12", scorm12(total_time="", session_time="00:00:42")).seconds == 42
    assert sco_result("SCORM12", scorm12(total_time="garbage", session_time="")).seconds == 0


def test_finish_without_a_status_completes_a_scorm12_sco():
    finished = apply_finish_defaults("SCORM12", scorm12(lesson_status="not attempted"))
    assert finished["cmi"]["core"]["lesson_status"] == "completed"
    assert sco_result("SCORM12", finished).completion == COMPLETED


def test_finish_keeps_a_status_the_sco_set():
    for status in ("incomplete", "failed", "passed"):
        finished = apply_finish_defaults("SCORM12", scorm12(lesson_status=status))
        assert finished["cmi"]["core"]["lesson_status"] == status


def test_finish_defaults_do_not_change_the_input_nor_2004_data():
    original = scorm12(lesson_status="not attempted")
    apply_finish_defaults("SCORM12", original)
    assert original["cmi"]["core"]["lesson_status"] == "not attempted"
    data = scorm2004()
    assert apply_finish_defaults("SCORM20043RDEDITION", data) == data


def test_scorm12_sco_closed_without_finish_is_incomplete():
    # Never finished, never set a status: the learner closed the window.
    assert sco_result("SCORM12", scorm12()).completion == INCOMPLETE


# -- SCORM 2004 ------------------------------------------------------------------------------

@pytest.mark.parametrize("status, completion", [
    ("completed", COMPLETED), ("incomplete", INCOMPLETE), ("not attempted", INCOMPLETE), ("unknown", INCOMPLETE),
])
def test_scorm2004_completion_status(status, completion):
    assert sco_result("SCORM20043RDEDITION", scorm2004(completion_status=status)).completion == completion


def test_scorm2004_success_status_without_passing_score():
    assert sco_result("SCORM20044THEDITION", scorm2004(success_status="passed")).success == PASSED
    assert sco_result("SCORM20044THEDITION", scorm2004(success_status="failed")).success == FAILED
    assert sco_result("SCORM20044THEDITION", scorm2004(scaled="0.9")).success == UNKNOWN


def test_scorm2004_score_is_scaled_times_100():
    assert sco_result("SCORM20043RDEDITION", scorm2004(scaled="0.85")).score == pytest.approx(85)
    assert sco_result("SCORM20043RDEDITION", scorm2004(scaled="-0.5")).score == 0
    assert sco_result("SCORM20043RDEDITION", scorm2004()).score is None


def test_scorm2004_manifest_passing_score_decides_when_no_success_status():
    assert sco_result("SCORM20043RDEDITION", scorm2004(scaled="0.8"), scaled_passing_score=0.7).success == PASSED
    assert sco_result("SCORM20043RDEDITION", scorm2004(scaled="0.6"), scaled_passing_score=0.7).success == FAILED
    assert sco_result("SCORM20043RDEDITION", scorm2004(scaled="0.7"), scaled_passing_score=0.7).success == PASSED


def test_scorm2004_runtime_passing_score_applies_when_the_manifest_has_none():
    data = scorm2004(scaled="0.5", scaled_passing_score="0.6")
    assert sco_result("SCORM20043RDEDITION", data).success == FAILED
    assert sco_result("SCORM20043RDEDITION", data, scaled_passing_score=0.4).success == PASSED


def test_scorm2004_passing_score_overrides_a_contradicting_success_status():
    data = scorm2004(success_status="passed", scaled="0.5")
    assert sco_result("SCORM20043RDEDITION", data, scaled_passing_score=0.7).success == FAILED


def test_scorm2004_passing_score_without_a_score_keeps_the_reported_status():
    data = scorm2004(success_status="passed")
    assert sco_result("SCORM20043RDEDITION", data, scaled_passing_score=0.7).success == PASSED


def test_scorm2004_completion_threshold_and_progress_measure_decide_completion():
    assert sco_result("SCORM20044THEDITION", scorm2004(completion_threshold="0.5", progress_measure="0.6")).completion == COMPLETED
    assert sco_result("SCORM20044THEDITION", scorm2004(completion_status="completed", completion_threshold="0.5",
                                                       progress_measure="0.4")).completion == INCOMPLETE


def test_scorm2004_time_is_an_iso_duration():
    assert sco_result("SCORM20043RDEDITION", scorm2004(total_time="PT1H2M3.5S")).seconds == 3723.5


# -- time formats ----------------------------------------------------------------------------

@pytest.mark.parametrize("text, seconds", [
    ("0000:00:26.66", 26.66), ("0001:30:00", 5400), ("00:01:30.5", 90.5), ("9999:99:99.99", 9999 * 3600 + 99 * 60 + 99.99),
])
def test_parse_cmi_timespan(text, seconds):
    assert parse_cmi_timespan(text) == pytest.approx(seconds)


@pytest.mark.parametrize("seconds, text", [
    (0, "0000:00:00.00"), (26.66, "0000:00:26.66"), (5400.5, "0001:30:00.50"), (59.999, "0000:01:00.00"),
])
def test_format_cmi_timespan_reads_back(seconds, text):
    assert format_cmi_timespan(seconds) == text
    assert parse_cmi_timespan(text) == pytest.approx(round(seconds, 2))


@pytest.mark.parametrize("text", ["", "1:2", "00:00:aa", "PT5S"])
def test_parse_cmi_timespan_rejects_malformed(text):
    with pytest.raises(ValueError):
        parse_cmi_timespan(text)


@pytest.mark.parametrize("text, seconds", [
    ("PT0S", 0), ("PT1M2.5S", 62.5), ("P1DT1H", 90000), ("P1Y", 365 * 86400), ("P2M", 60 * 86400), ("PT0.01S", 0.01),
])
def test_parse_iso_duration(text, seconds):
    assert parse_iso_duration(text) == pytest.approx(seconds)


@pytest.mark.parametrize("text", ["", "P", "PT", "P1DT", "1H", "00:00:05", "PT-5S"])
def test_parse_iso_duration_rejects_malformed(text):
    with pytest.raises(ValueError):
        parse_iso_duration(text)


# -- input validation ------------------------------------------------------------------------

def test_runtime_data_must_be_the_committed_object():
    with pytest.raises(ValueError):
        sco_result("SCORM12", {"core": {"lesson_status": "passed"}})


def test_unknown_learning_standard_is_refused():
    with pytest.raises(ValueError):
        sco_result("AICC", scorm12())


# -- registration rollup ---------------------------------------------------------------------

def sco(completion=COMPLETED, success=UNKNOWN, score=None, seconds=0.0):
    return ScoResult(completion, success, score, seconds)


def test_nothing_launched_is_unknown():
    assert rollup([None, None]) == RegistrationRollup(UNKNOWN, UNKNOWN, None, 0.0)
    assert rollup([]) == RegistrationRollup(UNKNOWN, UNKNOWN, None, 0.0)


def test_single_sco_is_passed_through():
    assert rollup([sco(COMPLETED, PASSED, 80, 12.5)]) == RegistrationRollup(COMPLETED, PASSED, 80, 12.5)


def test_course_is_complete_only_when_every_sco_is():
    assert rollup([sco(), sco()]).completion == COMPLETED
    assert rollup([sco(), None]).completion == INCOMPLETE
    assert rollup([sco(), sco(INCOMPLETE)]).completion == INCOMPLETE


def test_course_success_counts_only_scos_with_a_status():
    assert rollup([sco(success=PASSED), sco(), None]).success == PASSED
    assert rollup([sco(success=PASSED), sco(success=FAILED)]).success == FAILED
    assert rollup([sco(), sco(score=90)]).success == UNKNOWN


def test_course_score_is_the_mean_of_scored_scos_and_time_the_sum():
    result = rollup([sco(score=100, seconds=10), sco(score=50, seconds=5), sco(seconds=1), None])
    assert result.score == 75
    assert result.total_seconds == 16


def test_to_json_leaves_score_out_until_scored():
    assert rollup([sco(INCOMPLETE)]).to_json() == {
        "registrationCompletion": INCOMPLETE, "registrationSuccess": UNKNOWN, "totalSecondsTracked": 0.0}
    assert rollup([sco(success=PASSED, score=90)]).to_json()["score"] == {"scaled": 90}


def test_minimum_calls_course_completes_once_every_sco_was_finished():
    # 1.2 multi-SCO content that only calls LMSInitialize/LMSFinish (Rustici's "minimum calls").
    finished = apply_finish_defaults("SCORM12", scorm12())
    results = [sco_result("SCORM12", finished) for _ in range(3)]
    assert rollup(results).completion == COMPLETED
    assert rollup(results[:2] + [None]).completion == INCOMPLETE
    assert rollup(results).success == UNKNOWN


# -- commit shape and odd values ---------------------------------------------------------------

# What scorm-again 3.4.3 commits with dataCommitFormat "json" after content set a score, an interaction,
# an objective, a preference and (2004) a comment: strings and objects only, arrays as objects keyed
# "0", "1", ... (numbers the content passes to SetValue arrive as strings).
SCORM_AGAIN_12 = {"cmi": {
    "suspend_data": "x", "launch_data": "", "comments": "", "comments_from_lms": "",
    "core": {"student_id": "l", "student_name": "D, J", "lesson_location": "", "credit": "credit",
             "lesson_status": "passed", "entry": "ab-initio", "lesson_mode": "normal", "exit": "suspend",
             "session_time": "00:01:00", "score": {"raw": "80", "min": "", "max": "100"}, "total_time": "00:01:00"},
    "objectives": {"0": {"id": "o1", "status": "", "score": {"raw": "3", "min": "", "max": "100"}}},
    "student_data": {"mastery_score": "80", "max_time_allowed": "", "time_limit_action": ""},
    "student_preference": {"audio": "1", "language": "", "speed": "", "text": ""},
    "interactions": {"0": {"id": "q1", "time": "", "type": "choice", "weighting": "1", "student_response": "",
                           "result": "", "latency": "", "objectives": {"0": {"id": "o1"}},
                           "correct_responses": {"0": {"pattern": "a"}}}},
}}
SCORM_AGAIN_2004 = {"cmi": {
    "comments_from_learner": {"0": {"comment": "hi", "location": "", "timestamp": ""}}, "comments_from_lms": {},
    "completion_status": "completed", "completion_threshold": "0.5", "credit": "credit", "entry": "ab-initio",
    "exit": "normal",
    "interactions": {"0": {"id": "q1", "type": "choice", "objectives": {"0": {"id": "o1"}}, "timestamp": "",
                           "weighting": "", "learner_response": "a", "result": "", "latency": "", "description": "",
                           "correct_responses": {}}},
    "launch_data": "", "learner_id": "l", "learner_name": "D, J",
    "learner_preference": {"audio_level": "2", "language": "", "delivery_speed": "1", "audio_captioning": "0"},
    "location": "", "max_time_allowed": "", "mode": "normal",
    "objectives": {"0": {"id": "o1", "success_status": "unknown", "completion_status": "unknown",
                         "progress_measure": "", "description": "",
                         "score": {"scaled": "0.5", "raw": "", "min": "", "max": ""}}},
    "progress_measure": "0.6", "scaled_passing_score": "0.7",
    "score": {"scaled": "0.9", "raw": "", "min": "", "max": ""}, "session_time": "PT1M", "success_status": "passed",
    "suspend_data": "", "time_limit_action": "continue,no message", "total_time": "PT1M",
}}


@pytest.mark.parametrize("standard, payload", [
    ("SCORM12", SCORM_AGAIN_12),
    ("SCORM20043RDEDITION", SCORM_AGAIN_2004),
    ("SCORM12", scorm12("passed", raw="80")),
    ("SCORM20044THEDITION", scorm2004("completed", scaled="0.5")),
    # scorm-again writes null for unset elements when it does not send the full CMI.
    ("SCORM2004", {"cmi": {"score": {"scaled": "0.9", "raw": None}, "location": None}}),
    ("SCORM12", {"cmi": {}}),
])
def test_real_commits_have_the_cmi_shape(standard, payload):
    assert cmi_shape_error(standard, payload) is None


@pytest.mark.parametrize("standard, payload, error", [
    ("SCORM12", None, 'expected JSON {"cmi": {...}}'),
    ("SCORM12", {"cmi": []}, 'expected JSON {"cmi": {...}}'),
    ("SCORM12", {"cmi": {"core": "x"}}, "cmi.core must be an object, not a string"),
    ("SCORM12", {"cmi": {"core": {"lesson_status": 5}}}, "cmi.core.lesson_status must be a string, not a number"),
    ("SCORM12", {"cmi": {"core": {"total_time": 5}}}, "cmi.core.total_time must be a string, not a number"),
    ("SCORM12", {"cmi": {"core": {"lesson_status": {"a": "b"}}}}, "cmi.core.lesson_status must be a string, not an object"),
    ("SCORM12", {"cmi": {"core": {"score": "80"}}}, "cmi.core.score must be an object, not a string"),
    ("SCORM12", {"cmi": {"core": {"score": {"raw": 80}}}}, "cmi.core.score.raw must be a string, not a number"),
    ("SCORM12", {"cmi": {"student_data": "80"}}, "cmi.student_data must be an object, not a string"),
    ("SCORM12", {"cmi": {"interactions": [{"id": "q1"}]}}, "cmi.interactions must be an object, not an array"),
    ("SCORM12", {"cmi": {"interactions": {"0": {"id": True}}}}, "cmi.interactions.0.id must be a string, not a boolean"),
    ("SCORM12", {"cmi": {"suspend_data": float("nan")}}, "cmi.suspend_data must be a string, not a number"),
    ("SCORM2004", {"cmi": {"score": "x"}}, "cmi.score must be an object, not a string"),
    ("SCORM2004", {"cmi": {"completion_status": [1]}}, "cmi.completion_status must be a string, not an array"),
    ("SCORM2004", {"cmi": {"objectives": "o1"}}, "cmi.objectives must be an object, not a string"),
    ("SCORM2004", {"cmi": {"interactions": None}}, "cmi.interactions must be an object, not null"),
    ("SCORM2004", {"cmi": {"score": {"scaled": {}}}}, "cmi.score.scaled must be a string, not an object"),
    ("SCORM2004", {"cmi": {"a": {"b": {"c": {"d": {"e": {"f": {"g": {"h": {}}}}}}}}}},
     "cmi.a.b.c.d.e.f.g.h nests deeper than CMI data does"),
])
def test_commits_of_another_shape_are_named(standard, payload, error):
    assert cmi_shape_error(standard, payload) == error


@pytest.mark.parametrize("standard, cmi", [
    ("SCORM12", {"core": "x"}),
    ("SCORM12", {"core": {"lesson_status": 5, "score": "x", "total_time": 5, "credit": []}, "student_data": "x"}),
    ("SCORM12", {"core": {"lesson_status": ["passed"], "score": {"raw": {}}, "session_time": {}}}),
    ("SCORM2004", {"score": "x", "completion_status": [1], "success_status": {}, "total_time": 5,
                   "progress_measure": [], "completion_threshold": True, "scaled_passing_score": "x"}),
])
def test_odd_stored_values_count_as_unset(standard, cmi):
    # Data stored before commits were checked, or by another backend, must not fail the rollup.
    assert sco_result(standard, {"cmi": cmi}) == ScoResult(INCOMPLETE, UNKNOWN, None, 0.0)


def test_numbers_stored_by_another_runtime_still_count():
    result = sco_result("SCORM12", {"cmi": {"core": {"lesson_status": "passed", "score": {"raw": 80, "max": 100}}}})
    assert (result.completion, result.success, result.score) == (COMPLETED, PASSED, 80)
    assert sco_result("SCORM2004", {"cmi": {"score": {"scaled": 0.5}}}).score == 50


def test_finish_defaults_take_an_odd_core():
    assert apply_finish_defaults("SCORM12", {"cmi": {"core": "x"}}) == {"cmi": {"core": {"lesson_status": "completed"}}}
    finished = apply_finish_defaults("SCORM12", {"cmi": {"core": {"lesson_status": 5}}})
    assert finished["cmi"]["core"]["lesson_status"] == "completed"


@pytest.mark.parametrize("value, number", [
    ("80", 80.0), (" 0.5 ", 0.5), (80, 80.0), (0.5, 0.5), ("", None), ("  ", None), (None, None), ("x", None),
    ("nan", None), ("1e400", None), (10 ** 400, None), (True, None), ([1], None), ({}, None),
])
def test_cmi_number(value, number):
    assert cmi_number(value) == number

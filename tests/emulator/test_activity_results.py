"""activityDetails: every activity reports its SCO's stored runtime data, with runtime, interactions and
objectives on request; over HTTP, runtime data is stored by posting commits the way player.js does."""
import pytest
from rustici_software_cloud_v2 import RegistrationApi

from scorm_cloud_emulator.activity_results import _array, activity_details, activity_objectives, runtime_schema
from scorm_cloud_emulator.rollup import format_cmi_timespan
from scorm_cloud_emulator.packages import Activity
from scorm_cloud_emulator.storage import Progress
from scorm_cloud_xblock.client import PostBack
from tests.test_official_client import official_client

from .test_api import GOLF_12, GOLF_2004, import_course
from .test_launch import api, client, commit, launch, player_config, register  # noqa: F401 (fixtures)
from .test_player import GOLF_MINIMUM, commit_12
from .test_postbacks import Receiver
from .test_rollup import SCORM_AGAIN_12, SCORM_AGAIN_2004, scorm12, scorm2004

ALL = {"includeChildResults": "true", "includeRuntime": "true", "includeInteractionsAndObjectives": "true"}


@pytest.fixture
def golf(api, emulator, scorm_packages):
    """The single-SCO SCORM 1.2 golf course, as course "golf"."""
    import_course(api, emulator, scorm_packages / GOLF_12, "golf")


@pytest.fixture
def receiver():
    with Receiver() as receiver:
        yield receiver


def details(session, emulator, registration_id="r1", **params):
    """activityDetails of GetRegistrationProgress with includeChildResults and ``params``."""
    response = session.get(f"{emulator.api_url}/registrations/{registration_id}",
                       params={"includeChildResults": "true", **params})
    assert response.status_code == 200, response.text
    return response.json()["activityDetails"]


def results(activity):
    """What an ActivityResultSchema says of the learner's results."""
    return {key: activity.get(key) for key in ("activityCompletion", "activitySuccess", "score", "timeTracked",
                                               "attempts", "suspended")}


# -- the tree (pure) ----------------------------------------------------------------------------------

def sco(identifier, passing=None):
    return Activity(identifier, identifier.title(), "SCO", href=f"{identifier}.html", scaled_passing_score=passing)


TREE = Activity("org", "Course", "AGGREGATION", children=[
    Activity("module", "Module", "AGGREGATION", children=[sco("lesson"), sco("quiz")]),
    sco("summary"),
])


def test_scos_report_their_runtime_data_and_clusters_roll_them_up():
    lesson = {"cmi": {"core": {"lesson_status": "incomplete", "exit": "suspend", "total_time": "00:01:00"}}}
    runtime = {"lesson": lesson, "quiz": scorm12("passed", raw="80", total_time="00:00:30")}
    tree = activity_details("SCORM12", TREE, runtime, Progress(completion="INCOMPLETE", success="PASSED",
                                                               score=80.0, total_seconds=90.0,
                                                               first_access="2026-01-01T00:00:00.000Z"))
    module, summary = tree["children"]
    lesson, quiz = module["children"]
    assert results(quiz) == {"activityCompletion": "COMPLETED", "activitySuccess": "PASSED",
                             "score": {"scaled": 80.0}, "timeTracked": "0000:00:30.00", "attempts": 1,
                             "suspended": False}
    assert results(lesson) == {"activityCompletion": "INCOMPLETE", "activitySuccess": "UNKNOWN", "score": None,
                               "timeTracked": "0000:01:00.00", "attempts": 1, "suspended": True}
    assert results(summary) == {"activityCompletion": "UNKNOWN", "activitySuccess": "UNKNOWN", "score": None,
                                "timeTracked": "0000:00:00.00", "attempts": 0, "suspended": False}
    # The cluster: incomplete until both SCOs are, passed by its only SCO with a success status.
    assert results(module) == {"activityCompletion": "INCOMPLETE", "activitySuccess": "PASSED",
                               "score": {"scaled": 80.0}, "timeTracked": "0000:01:30.00", "attempts": 1,
                               "suspended": True}
    assert (module["id"], module["title"], quiz["id"], quiz["title"]) == ("module", "Module", "quiz", "Quiz")
    assert "runtime" not in quiz and "objectives" not in quiz


def test_the_root_reports_the_registrations_own_results():
    # Progress the admin API set, with no runtime data behind it.
    tree = activity_details("SCORM12", TREE, {}, Progress(completion="COMPLETED", success="FAILED", score=40.0,
                                                          total_seconds=12.5, first_access="2026-01-01T00:00:00Z"))
    assert results(tree) == {"activityCompletion": "COMPLETED", "activitySuccess": "FAILED",
                             "score": {"scaled": 40.0}, "timeTracked": "0000:00:12.50", "attempts": 1,
                             "suspended": False}
    assert results(activity_details("SCORM12", TREE, {"quiz": scorm12("passed", raw="80")}, Progress()))["score"] \
        is None


def test_a_sco_uses_its_manifest_passing_score():
    tree = activity_details("SCORM20043RDEDITION", TREE, {"quiz": scorm2004("completed", scaled="0.6")}, Progress())
    quiz = tree["children"][0]["children"][1]
    assert (quiz["activitySuccess"], quiz["score"]) == ("UNKNOWN", {"scaled": 60.0})
    strict = Activity("org", "Course", "AGGREGATION", children=[sco("quiz", passing=0.7)])
    (quiz,) = activity_details("SCORM20043RDEDITION", strict, {"quiz": scorm2004("completed", scaled="0.6")},
                               Progress())["children"]
    assert quiz["activitySuccess"] == "FAILED"


def test_runtime_and_objectives_come_on_request_and_only_for_launched_scos():
    runtime = {"quiz": SCORM_AGAIN_12}
    tree = activity_details("SCORM12", TREE, runtime, Progress(), include_runtime=True,
                            include_interactions_and_objectives=True)
    module, summary = tree["children"]
    quiz = module["children"][1]
    assert quiz["runtime"] == runtime_schema("SCORM12", SCORM_AGAIN_12, True)
    assert quiz["objectives"] == activity_objectives("SCORM12", SCORM_AGAIN_12)
    assert "runtime" not in summary and summary["objectives"] == []
    assert "runtime" not in module and module["objectives"] == []
    plain = activity_details("SCORM12", TREE, runtime, Progress(), include_runtime=True)["children"][0]["children"][1]
    assert "objectives" not in plain
    assert "runtimeInteractions" not in plain["runtime"] and "runtimeObjectives" not in plain["runtime"]


# -- runtime data (pure) ------------------------------------------------------------------------------

def test_scorm12_runtime_reports_the_stored_cmi():
    runtime = runtime_schema("SCORM12", SCORM_AGAIN_12, include_interactions_and_objectives=True)
    assert runtime == {
        "credit": "credit", "entry": "ab-initio", "exit": "suspend", "location": "", "mode": "normal",
        "scoreRaw": "80", "scoreMin": "", "scoreMax": "100", "totalTime": "00:01:00", "suspendData": "x",
        "completionStatus": "completed", "runtimeSuccessStatus": "PASSED", "timeTracked": "0000:01:00.00",
        "learnerPreference": {"audioLevel": 1.0},
        "learnerComments": [], "lmsComments": [],
        "runtimeInteractions": [{"id": "q1", "type": "Choice", "timestamp": "", "weighting": "1",
                                 "learnerResponse": "", "result": "", "latency": "", "objectives": ["o1"],
                                 "correctResponses": ["a"]}],
        "runtimeObjectives": [{"id": "o1", "scoreRaw": "3", "scoreMin": "", "scoreMax": "100",
                               "runtimeObjectiveSuccessStatus": "UNKNOWN",
                               "runtimeObjectiveCompletionStatus": "UNKNOWN"}],
    }


def test_scorm2004_runtime_reports_the_stored_cmi():
    runtime = runtime_schema("SCORM20043RDEDITION", SCORM_AGAIN_2004, include_interactions_and_objectives=True)
    assert runtime == {
        "completionStatus": "completed", "credit": "credit", "entry": "ab-initio", "exit": "normal",
        "location": "", "mode": "normal", "progressMeasure": "0.6", "scoreScaled": "0.9", "scoreRaw": "",
        "scoreMin": "", "scoreMax": "", "totalTime": "PT1M", "suspendData": "",
        "runtimeSuccessStatus": "PASSED", "timeTracked": "0000:01:00.00",
        "learnerPreference": {"audioLevel": 2.0, "deliverySpeed": 1.0, "audioCaptioning": 0},
        "learnerComments": [{"value": "hi", "location": "", "dateTime": ""}], "lmsComments": [],
        "runtimeInteractions": [{"id": "q1", "type": "Choice", "timestamp": "", "weighting": "",
                                 "learnerResponse": "a", "result": "", "latency": "", "description": "",
                                 "objectives": ["o1"], "correctResponses": []}],
        "runtimeObjectives": [{"id": "o1", "scoreScaled": "0.5", "scoreRaw": "", "scoreMin": "", "scoreMax": "",
                               "progressMeasure": "", "description": "",
                               "runtimeObjectiveSuccessStatus": "UNKNOWN",
                               "runtimeObjectiveCompletionStatus": "UNKNOWN"}],
    }


def test_runtime_statuses_and_comments_in_the_schemas_words():
    scorm_12 = {"cmi": {"core": {"lesson_status": "browsed"}, "comments": "Too long", "comments_from_lms": "",
                        "objectives": {"1": {"id": "b", "status": "failed"}, "0": {"id": "a", "status": "browsed"}},
                        "interactions": {"0": {"id": "t", "type": "true-false", "student_response": "t"},
                                         "1": {"id": "f", "type": "fill-in"}}}}
    runtime = runtime_schema("SCORM12", scorm_12, include_interactions_and_objectives=True)
    assert (runtime["completionStatus"], runtime["runtimeSuccessStatus"]) == ("browsed", "UNKNOWN")
    assert (runtime["learnerComments"], runtime["lmsComments"]) == ([{"value": "Too long"}], [])
    assert [(item["id"], item["type"]) for item in runtime["runtimeInteractions"]] == [("t", "TrueFalse"),
                                                                                        ("f", "FillIn")]
    assert [(item["id"], item["runtimeObjectiveSuccessStatus"], item["runtimeObjectiveCompletionStatus"])
            for item in runtime["runtimeObjectives"]] == [("a", "UNKNOWN", "BROWSED"), ("b", "FAILED", "COMPLETED")]
    scorm_2004 = {"cmi": {"objectives": {"0": {"id": "a", "completion_status": "not attempted",
                                               "success_status": "passed"}},
                          "interactions": {"0": {"id": "l", "type": "long-fill-in"}}}}
    runtime = runtime_schema("SCORM20044THEDITION", scorm_2004, include_interactions_and_objectives=True)
    assert runtime["runtimeObjectives"][0]["runtimeObjectiveCompletionStatus"] == "NOT_ATTEMPTED"
    assert runtime["runtimeObjectives"][0]["runtimeObjectiveSuccessStatus"] == "PASSED"
    assert runtime["runtimeInteractions"][0]["type"] == "LongFillIn"
    assert (runtime["runtimeSuccessStatus"], runtime["timeTracked"]) == ("UNKNOWN", "0000:00:00.00")


def test_objectives_are_numbers_with_scaled_scores_on_0_to_100():
    assert activity_objectives("SCORM20043RDEDITION", SCORM_AGAIN_2004) == [
        {"id": "o1", "score": {"scaled": 50.0}, "objectiveSuccess": "UNKNOWN", "objectiveCompletion": "UNKNOWN"}]
    scorm_12 = {"cmi": {"objectives": {"0": {"id": "o", "status": "passed",
                                             "score": {"raw": "6", "min": "0", "max": "8"}}}}}
    assert activity_objectives("SCORM12", scorm_12) == [
        {"id": "o", "score": {"scaled": 75.0}, "scoreRaw": 6.0, "scoreMin": 0.0, "scoreMax": 8.0,
         "objectiveSuccess": "PASSED", "objectiveCompletion": "COMPLETED"}]


@pytest.mark.parametrize("cmi", [
    {"cmi": {"core": {"lesson_status": 3, "score": [1]}, "interactions": "none", "objectives": {"x": {"id": "a"}}}},
    {"cmi": {"core": "passed", "student_preference": {"audio": "loud", "text": "0.5"}}},
])
def test_odd_stored_values_are_left_out(cmi):
    runtime = runtime_schema("SCORM12", cmi, include_interactions_and_objectives=True)
    assert runtime["runtimeInteractions"] == runtime["runtimeObjectives"] == []
    assert "scoreRaw" not in runtime and "completionStatus" not in runtime and "learnerPreference" not in runtime


# -- over HTTP, from the player's commits --------------------------------------------------------------

def test_a_committed_sco_reports_its_results_as_a_child_activity(emulator, api, client, golf):
    register(client)
    base = launch(client)
    assert details(api, emulator)["children"][0]["activityCompletion"] == "UNKNOWN"
    assert commit(base, "item_1", commit_12("passed", raw="80", total_time="00:02:05.5"), terminate=True).ok
    (item,) = details(api, emulator)["children"]
    assert item["id"] == "item_1"
    assert results(item) == {"activityCompletion": "COMPLETED", "activitySuccess": "PASSED",
                             "score": {"scaled": 80.0}, "timeTracked": "0000:02:05.50", "attempts": 1,
                             "suspended": False}


def test_a_committed_scorm2004_sco_reports_its_results(emulator, api, client, scorm_packages):
    import_course(api, emulator, scorm_packages / GOLF_2004, "golf")
    register(client)
    base = launch(client)
    sco_id = player_config(base)["scos"][0]["id"]
    assert commit(base, sco_id, scorm2004("completed", "passed", scaled="0.8", total_time="PT26.66S")).ok
    (item,) = details(api, emulator)["children"]
    assert results(item) == {"activityCompletion": "COMPLETED", "activitySuccess": "PASSED",
                             "score": {"scaled": 80.0}, "timeTracked": "0000:00:26.66", "attempts": 1,
                             "suspended": False}


def test_clusters_roll_up_the_scos_under_them(emulator, api, client, scorm_packages):
    import_course(api, emulator, scorm_packages / GOLF_MINIMUM, "multi")
    register(client, course_id="multi")
    base = launch(client)
    playing = [sco["id"] for sco in player_config(base)["scos"] if sco["id"].startswith("playing_")]
    for sco_id in playing[:-1]:
        assert commit(base, sco_id, commit_12("completed"), terminate=True).ok
    cluster = details(api, emulator)["children"][0]
    assert (cluster["id"], cluster["activityCompletion"], cluster["attempts"]) == ("playing_item", "INCOMPLETE", 1)
    assert [child["activityCompletion"] for child in cluster["children"]] == ["COMPLETED"] * 5 + ["UNKNOWN"]
    assert commit(base, playing[-1], commit_12("failed", raw="40"), terminate=True).ok
    tree = details(api, emulator)
    cluster, etiquette = tree["children"][:2]
    assert results(cluster) == {"activityCompletion": "COMPLETED", "activitySuccess": "FAILED",
                                "score": {"scaled": 40.0}, "timeTracked": "0000:01:00.00", "attempts": 1,
                                "suspended": False}
    assert (etiquette["activityCompletion"], etiquette["attempts"]) == ("UNKNOWN", 0)
    assert tree["activityCompletion"] == "INCOMPLETE" and tree["activitySuccess"] == "FAILED"


def test_runtime_interactions_and_objectives_on_request(emulator, api, client, golf):
    register(client)
    assert commit(launch(client), "item_1", SCORM_AGAIN_12).ok
    (item,) = details(api, emulator)["children"]
    assert "runtime" not in item and "objectives" not in item
    (item,) = details(api, emulator, includeRuntime="true")["children"]
    assert item["runtime"] == runtime_schema("SCORM12", SCORM_AGAIN_12)
    (item,) = details(api, emulator, **ALL)["children"]
    assert item["runtime"]["runtimeInteractions"][0]["id"] == "q1"
    assert item["runtime"]["runtimeObjectives"][0]["id"] == "o1"
    assert item["objectives"] == activity_objectives("SCORM12", SCORM_AGAIN_12)
    listed = api.get(f"{emulator.api_url}/registrations", params=ALL).json()["registrations"]
    assert listed[0]["activityDetails"]["children"][0]["runtime"] == item["runtime"]


def test_interactions_and_objectives_are_empty_lists_when_none_is_stored(emulator, api, client, golf):
    register(client)
    assert commit(launch(client), "item_1", commit_12("incomplete")).ok
    (item,) = details(api, emulator, **ALL)["children"]
    assert item["objectives"] == []
    assert (item["runtime"]["runtimeInteractions"], item["runtime"]["runtimeObjectives"]) == ([], [])


@pytest.mark.parametrize("flag", ["includeRuntime", "includeInteractionsAndObjectives"])
@pytest.mark.parametrize("path", ["/registrations/r1", "/registrations/r1/instances/0",
                                  "/registrations/r1/instances", "/registrations"])
def test_runtime_without_child_results_changes_nothing(emulator, api, client, golf, flag, path):
    # activityDetails appears only with includeChildResults, so the other flags have nowhere to go.
    register(client)
    plain = api.get(f"{emulator.api_url}{path}")
    response = api.get(f"{emulator.api_url}{path}", params={flag: "true"})
    assert response.status_code == 200, response.text
    assert "activityDetails" not in response.text
    assert response.json() == plain.json()


def test_cmi_arrays_with_keys_that_are_no_index_are_skipped():
    assert _array({"1": {"id": "b"}, "0": {"id": "a"}, "\u00b2": {"id": "x"}, "9" * 5000: {"id": "y"},
                   "-1": {"id": "z"}}) == [{"id": "a"}, {"id": "b"}]


@pytest.mark.parametrize("seconds, printed", [
    (26.66, "0000:00:26.66"), (1e12, "9999:59:59.99"), (float("inf"), "9999:59:59.99"), (-5, "0000:00:00.00"),
])
def test_times_beyond_four_hour_digits_print_as_the_most_they_can_say(seconds, printed):
    assert format_cmi_timespan(seconds) == printed


def test_the_official_client_reads_child_results_and_runtime(emulator, client, golf):
    register(client)
    assert commit(launch(client), "item_1", SCORM_AGAIN_12).ok
    registrations = RegistrationApi(official_client(emulator))
    flags = {"include_child_results": True, "include_runtime": True, "include_interactions_and_objectives": True}
    for progress in (registrations.get_registration_progress("r1", **flags),
                     registrations.get_registration_instance_progress("r1", 0, **flags),
                     registrations.get_registration_instances("r1", **flags).registrations[0],
                     registrations.get_registrations(**flags).registrations[0]):
        (item,) = progress.activity_details.children
        assert (item.id, item.activity_completion, item.activity_success) == ("item_1", "COMPLETED", "PASSED")
        assert (item.score.scaled, item.time_tracked, item.attempts, item.suspended) == (80.0, "0000:01:00.00", 1,
                                                                                          True)
        assert item.objectives[0].id == "o1" and item.objectives[0].score_raw == 3.0
        runtime = item.runtime
        assert (runtime.completion_status, runtime.runtime_success_status, runtime.score_raw) == (
            "completed", "PASSED", "80")
        assert (runtime.suspend_data, runtime.total_time, runtime.learner_preference.audio_level) == (
            "x", "00:01:00", 1.0)
        (interaction,) = runtime.runtime_interactions
        assert (interaction.id, interaction.type, interaction.objectives, interaction.correct_responses) == (
            "q1", "Choice", ["o1"], ["a"])
        assert runtime.runtime_objectives[0].runtime_objective_success_status == "UNKNOWN"


# -- postbacks -----------------------------------------------------------------------------------------

@pytest.mark.parametrize("results_format, has_children, has_runtime", [
    ("COURSE", False, False), ("ACTIVITY", True, False), ("FULL", True, True)])
def test_postbacks_carry_what_their_results_format_says(emulator, client, golf, receiver, results_format,
                                                        has_children, has_runtime):
    register(client, postback=PostBack(receiver.url, "user", "pass", results_format=results_format))
    assert commit(launch(client), "item_1", SCORM_AGAIN_12).ok
    emulator.admin.flush_postbacks()
    (payload,) = receiver.payloads()
    assert ("activityDetails" in payload) is has_children
    if has_children:
        (item,) = payload["activityDetails"]["children"]
        assert results(item)["activitySuccess"] == "PASSED" and item["score"] == {"scaled": 80.0}
        assert ("runtime" in item) is has_runtime
    if has_runtime:
        assert item["runtime"] == runtime_schema("SCORM12", SCORM_AGAIN_12, include_interactions_and_objectives=True)
        assert item["objectives"] == activity_objectives("SCORM12", SCORM_AGAIN_12)

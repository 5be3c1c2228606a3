"""`make demo` as a developer uses it: the workbench on the emulator, with the sample course in place."""
import pytest

from demo import sample_package
from scorm_cloud_xblock.block import WORKBENCH_COURSE_ID

from .conftest import DEMO_SCENARIO, EMPTY_SCENARIO


def test_the_demo_imports_the_sample_course_and_serves_both_scenarios(demo, workbench):
    course = demo.cloud.get_course(WORKBENCH_COURSE_ID)
    assert course.title == sample_package.TITLE
    assert course.learning_standard == "SCORM12"
    assert workbench.scenario_id(DEMO_SCENARIO) != workbench.scenario_id(EMPTY_SCENARIO)


def test_a_postback_from_the_emulator_grades_the_learner_in_the_workbench(demo, workbench):
    usage_id = workbench.usage_id(workbench.scenario_id(DEMO_SCENARIO), student="graded")
    registration_id = workbench.call(usage_id, "register", "graded")["registration_id"]
    demo.admin.reset_stats()

    demo.admin.set_progress(registration_id, registrationCompletion="COMPLETED", registrationSuccess="PASSED",
                            score={"scaled": 80}, totalSecondsTracked=42)
    demo.admin.flush_postbacks()

    deliveries = [entry for entry in demo.admin.postbacks() if entry["registrationId"] == registration_id]
    # The absolute third-party handler URL the block built on the learner's host, answered 200.
    assert [(entry["url"], entry["status"], entry["delivered"]) for entry in deliveries] == [
        (f"{demo.url}/unauth_handler/{usage_id}/postback", 200, True)]
    progress = workbench.progress(usage_id, "graded")
    assert (progress["completion"], progress["success"], progress["score"]) == ("COMPLETED", "PASSED", 80)
    assert progress["grade"] == pytest.approx(0.8 * progress["max_grade"])
    # The block learnt it from the postback alone: it never asked SCORM Cloud.
    assert demo.admin.stats()["calls"].get("GetRegistrationProgress", 0) == 0


def test_a_learner_id_the_block_cannot_use_gets_a_json_error_not_a_500(workbench):
    # Workbench student ids become anonymous ids as they are, and the id scheme refuses '-'.
    usage_id = workbench.usage_id(workbench.scenario_id(DEMO_SCENARIO))
    response = workbench.post(usage_id, "register", "jane-doe")
    assert response.status_code < 500
    assert response.json()["error"]

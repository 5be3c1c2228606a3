"""What `make demo` promises: a learner takes the sample quiz and the unit shows the grade SCORM Cloud posted."""
import pytest

from demo import sample_package

from tests.browser import BROWSER_MARKS, shot

from .conftest import DEMO_SCENARIO
from .learner import Unit, launch, open_unit, wait_for_postback

pytestmark = BROWSER_MARKS
expect = pytest.importorskip("playwright.sync_api").expect

STUDENT = "demo_learner"


def test_a_learner_takes_the_sample_quiz_and_sees_the_grade(demo, workbench, page):
    unit = Unit.find(workbench, DEMO_SCENARIO)
    assert unit.progress(STUDENT)["registration_id"] is None

    block, registration_id = open_unit(page, unit, STUDENT)
    assert demo.cloud.registration_exists(registration_id)  # created on this first view
    expect(block.locator("[data-field=status]")).to_have_text("Not started")
    shot(page, "1-unit")

    launch(page, block)
    expect(page.locator(".player-title")).to_have_text(sample_package.TITLE)
    quiz = page.frame_locator("#player-frame")
    quiz.get_by_label("ADL").check()
    quiz.get_by_label("A fax").check()  # one of two: 50%, which the sample passes
    shot(page, "2-answered")
    quiz.get_by_role("button", name="Submit answers").click()
    expect(quiz.locator("#result")).to_have_text("You scored 50%.")
    shot(page, "3-submitted")
    quiz.get_by_role("button", name="Exit").click()

    page.wait_for_url(unit.url(STUDENT))
    expect(block.locator("[data-field=status]")).to_have_text("Completed, passed")
    expect(block.locator("[data-field=score]")).to_have_text("50%")
    shot(page, "4-back-on-the-unit")

    wait_for_postback(demo, registration_id, "COMPLETED", "PASSED", 50)
    progress = unit.progress(STUDENT)
    assert (progress["completion"], progress["success"], progress["score"]) == ("COMPLETED", "PASSED", 50)
    assert progress["grade"] == pytest.approx(0.5 * progress["max_grade"])

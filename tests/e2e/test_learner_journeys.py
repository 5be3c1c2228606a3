"""
Learners take real third-party SCORM content through the workbench and the emulator's player.

Each package is imported into the emulator through the SCORM Cloud API and linked to the
"no package yet" component with the block's own `link_course` Studio handler, right before the test
that uses it; every test has its own learner, so no state leaks between tests.
"""
import re

import pytest

from tests.browser import BROWSER_MARKS, new_page, shot, wait_for

from . import golf
from .conftest import EMPTY_SCENARIO
from .learner import Unit, launch, open_unit, wait_for_postback

pytestmark = BROWSER_MARKS
expect = pytest.importorskip("playwright.sync_api").expect

AUTHOR = "author"


def import_course(demo, package_path):
    """Import a package as an author's script would, with the API client the block uses."""
    course_id = "e2e-" + re.sub(r"[^a-z0-9]+", "-", package_path.stem.lower())
    with open(package_path, "rb") as package:
        job_id = demo.cloud.upload_import(course_id, package, filename=package_path.name)
    job = wait_for(lambda: (status := demo.cloud.import_status(job_id)).status != "RUNNING" and status)
    assert job.status == "COMPLETE", job.message
    return job.course


@pytest.fixture(scope="module")
def unit(workbench):
    return Unit.find(workbench, EMPTY_SCENARIO)


@pytest.fixture(scope="module")
def courses(demo, scorm_packages):
    """Each package imported once per demo, on first use."""
    imported = {}

    def course(name):
        if name not in imported:
            imported[name] = import_course(demo, scorm_packages / name)
        return imported[name]
    return course


@pytest.fixture
def link(unit, workbench, courses):
    """Point the component at the course imported from `package`, through the Studio handler."""
    def link_package(package):
        course = courses(package)
        linked = workbench.call(unit.usage_id, "link_course", AUTHOR, {"course_id": course.id})
        assert (linked["course_id"], linked["title"]) == (course.id, course.title)
        return course
    return link_package


def take_the_quiz(page, unit, student, right=None):
    """Open the unit, launch, go through every page to the quiz, answer it, exit; return the shown score."""
    block, registration_id = open_unit(page, unit, student)
    shot(page, "1-unit")
    launch(page, block)
    golf.next_to_quiz(page)
    shot(page, "2-quiz")
    score, expected = golf.answer_quiz(page, right)
    assert score == expected
    shot(page, "3-submitted")
    golf.exit_course(page)
    page.wait_for_url(unit.url(student))
    shot(page, "4-back-on-the-unit")
    return block, registration_id, score


def assert_graded_by_postback(demo, unit, student, registration_id, completion, success, score):
    """The emulator posted these results to the workbench, and the block's grade is that score."""
    wait_for_postback(demo, registration_id, completion, success, score)
    remote = demo.cloud.registration_progress(registration_id)
    assert (remote.completion, remote.success, remote.score) == (completion, success, score)
    progress = unit.progress(student)
    assert (progress["completion"], progress["success"], progress["score"]) == (completion, success, score)
    assert progress["grade"] == pytest.approx(score / 100 * progress["max_grade"])


def test_scorm12_golf_quiz_passed(demo, unit, link, page):
    link(golf.GOLF_12)
    block, registration_id, score = take_the_quiz(page, unit, "golf12_learner")

    assert score == 100
    expect(block.locator("[data-field=status]")).to_have_text("Completed, passed")
    expect(block.locator("[data-field=score]")).to_have_text(f"{score}%")
    expect(block.locator("button.scorm-cloud-launch")).to_have_text("Review")
    assert_graded_by_postback(demo, unit, "golf12_learner", registration_id, "COMPLETED", "PASSED", score)


def test_scorm2004_golf_quiz_failed(demo, unit, link, page):
    link(golf.GOLF_2004)
    block, registration_id, score = take_the_quiz(page, unit, "golf2004_learner", right=3)

    assert 0 < score < 70  # below the content's passing mark
    expect(block.locator("[data-field=status]")).to_have_text("Completed, failed")
    expect(block.locator("[data-field=score]")).to_have_text(f"{score}%")
    assert_graded_by_postback(demo, unit, "golf2004_learner", registration_id, "COMPLETED", "FAILED", score)


def test_closing_the_tab_after_the_quiz_still_grades_the_learner(demo, unit, link, page):
    link(golf.GOLF_12)
    student = "tab_closer"
    block, registration_id = open_unit(page, unit, student)
    launch(page, block)
    golf.next_to_quiz(page)
    score, expected = golf.answer_quiz(page, right=12)
    assert score == expected >= 70  # passed, with a score of its own
    shot(page, "1-submitted")
    page.close(run_before_unload=True)  # no Exit: the learner just closes the tab

    # Nobody came back through the return handler: only a postback can have told the block.
    assert_graded_by_postback(demo, unit, student, registration_id, "COMPLETED", "PASSED", score)

    again = new_page(page.context, page.shot_prefix, page.artifacts)
    again.goto(unit.url(student))
    expect(again.locator(".scorm-cloud-student [data-field=status]")).to_have_text("Completed, passed")
    expect(again.locator(".scorm-cloud-student [data-field=score]")).to_have_text(f"{score}%")
    shot(again, "2-next-view")


def leave_by_exit(page, unit, student):
    golf.exit_course(page)  # the content asks "save your progress to resume later?": yes
    page.wait_for_url(unit.url(student))
    assert "Would you like to save your progress to resume later?" in page.dialogs
    return page


def leave_by_closing_the_tab(page, unit, student):
    context = page.context
    page.close(run_before_unload=True)
    return new_page(context, page.shot_prefix, page.artifacts)


@pytest.mark.parametrize("leave", [leave_by_exit, leave_by_closing_the_tab], ids=["exit", "tab-closed"])
def test_a_second_launch_resumes_where_the_learner_left(demo, unit, link, page, leave):
    link(golf.GOLF_12)
    student = f"resumer_{leave.__name__}"
    block, registration_id = open_unit(page, unit, student)
    launch(page, block)
    golf.launch_page(page).locator("#butNext").wait_for()
    golf.next_pages(page, 4)
    wait_for(lambda: golf.current_page_index(page) == 4, page)
    expect(golf.content(page).locator("h1")).to_have_text("The Rules of Golf")
    shot(page, "1-page-5")
    page = leave(page, unit, student)

    # The suspended attempt reaches the block by postback, whichever way the learner left.
    wait_for_postback(demo, registration_id, "INCOMPLETE")
    assert unit.progress(student)["completion"] == "INCOMPLETE"
    page.goto(unit.url(student))
    block = page.locator(".scorm-cloud-student")
    expect(block.locator("[data-field=status]")).to_have_text("In progress")
    expect(block.locator("button.scorm-cloud-launch")).to_have_text("Resume")
    shot(page, "2-next-view")
    launch(page, block)
    wait_for(lambda: "Would you like to resume from where you previously left off?" in page.dialogs, page)
    # The content got its bookmark back and shows the page the learner left, not the first one.
    wait_for(lambda: golf.current_page_index(page) == 4, page)
    expect(golf.content(page).locator("h1")).to_have_text("The Rules of Golf")
    shot(page, "3-resumed")


def test_scorm12_multi_sco_menu_moves_between_scos(demo, unit, link, page):
    course = link(golf.GOLF_MINIMUM)
    student = "multi_sco_learner"
    block, registration_id = open_unit(page, unit, student)
    launch(page, block)
    expect(page.locator(".player-title")).to_have_text(course.title)
    menu = page.locator("#player-menu button[data-sco]")
    expect(menu).to_have_count(18)
    expect(menu.first).to_have_attribute("aria-current", "true")
    sco_page = "document.getElementById('player-frame').contentWindow.location.pathname"
    wait_for(lambda: page.evaluate(sco_page).endswith("/Playing/Playing.html"), page)
    shot(page, "1-first-sco")

    target = page.locator("#player-menu button[data-sco]", has_text="Etiquette Quiz")
    target.click()
    expect(target).to_have_attribute("aria-current", "true")
    expect(menu.first).to_have_attribute("aria-current", "false")
    wait_for(lambda: page.evaluate(sco_page).endswith("/shared/assessmenttemplate.html"), page)
    # The quiz SCO gets its item's parameters (?questions=Etiquette), so it shows the etiquette questions.
    expect(golf.launch_page(page).locator("div.question").first).to_contain_text(
        "When another player is attempting a shot")
    shot(page, "2-quiz-sco")

    page.locator("#player-next").click()  # flow navigation goes on from where the menu jumped
    expect(page.locator("#player-menu button[data-sco]", has_text="Handicapping Overview")).to_have_attribute(
        "aria-current", "true")
    shot(page, "3-next-sco")

    page.locator("#player-exit").click()
    page.wait_for_url(unit.url(student))
    # Three SCOs of eighteen were visited: the course is under way, and the unit says so.
    expect(block.locator("[data-field=status]")).to_have_text("In progress")
    wait_for_postback(demo, registration_id, "INCOMPLETE")
    assert unit.progress(student)["completion"] == "INCOMPLETE"
    shot(page, "4-back-on-the-unit")

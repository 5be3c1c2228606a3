"""Rustici's "Golf Explained" samples as a learner goes through them inside the emulator's player."""
import math
import re

GOLF_12 = "golf_RuntimeBasicCalls_SCORM12.zip"
GOLF_2004 = "golf_RuntimeBasicCalls_SCORM20043rdEdition.zip"
GOLF_MINIMUM = "golf_RuntimeMinimumCalls_SCORM12.zip"

# The launch page's script: where it keeps the page index it bookmarks in cmi.core.lesson_location.
CURRENT_PAGE = "document.getElementById('player-frame').contentWindow.currentPage"


def launch_page(page):
    """The golf launch page, inside the player's iframe; it shows each content page in its own iframe."""
    return page.frame_locator("#player-frame")


def content(page):
    return launch_page(page).frame_locator("#contentFrame")


def next_pages(page, count):
    next_button = launch_page(page).locator("#butNext")
    for _ in range(count):
        next_button.click()


def next_to_quiz(page):
    next_button = launch_page(page).locator("#butNext")
    next_button.wait_for()
    # Next is disabled on the last page, the quiz (the 1.2 and 2004 samples differ in page count).
    for _ in range(30):
        if next_button.is_disabled():
            break
        next_button.click()
    content(page).locator("text=Knowledge Check").wait_for()


def answer_quiz(page, right=None):
    """Answer the first `right` questions (all by default) correctly and the others wrongly, then submit.

    Returns the score the content displays and the one it should have computed: the percentage of
    right answers, rounded half up (JavaScript's Math.round).
    """
    quiz = content(page)
    questions = quiz.locator("div.question")
    total = questions.count()
    right = total if right is None else min(right, total)
    for index in range(total):
        answer_question(questions.nth(index), correctly=index < right)
    quiz.locator("input[value='Submit Answers']").click()
    shown = quiz.locator("h3", has_text="Score:").inner_text()
    return int(re.fullmatch(r"Score: (\d+)", shown.strip()).group(1)), math.floor(100 * right / total + 0.5)


def answer_question(question, correctly):
    # The golf quiz marks the right choice with class "correctAnswer"; a numeric answer is shown in brackets.
    number = question.locator("input[type=text]")
    if number.count():
        right = re.search(r"\((\d+)\)", question.inner_text()).group(1)
        number.fill(right if correctly else str(int(right) + 1))
    else:
        question.locator(f"{'.correctAnswer' if correctly else '.answer'} input[type=radio]").first.check()


def exit_course(page):
    launch_page(page).locator("#butExit").click()


def current_page_index(page):
    return page.evaluate(CURRENT_PAGE)

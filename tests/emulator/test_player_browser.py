"""The player in headless Chromium: real golf SCOs talk to scorm-again, results reach the backend."""
import re
import threading

import pytest
from werkzeug.serving import make_server
from werkzeug.wrappers import Request, Response

from scorm_cloud_emulator import rollup
from scorm_cloud_emulator.player import Player
from tests.browser import BROWSER_MARKS, new_page, shot, wait_for

from .test_player import GOLF_12, GOLF_2004, GOLF_MINIMUM, MemoryBackend, open_package

pytestmark = BROWSER_MARKS


class LmsAndPlayer:
    """The player plus one LMS page to come back to, on a loopback port."""

    def __init__(self, backend):
        self.player = Player(backend)

    def __call__(self, environ, start_response):
        request = Request(environ)
        response = self.player.dispatch(request)
        if response is None:
            response = Response("<!DOCTYPE html><title>LMS</title><h1>Back in the LMS</h1>", mimetype="text/html")
        return response(environ, start_response)


@pytest.fixture
def backend():
    return MemoryBackend()


@pytest.fixture
def server(backend):
    httpd = make_server("127.0.0.1", 0, LmsAndPlayer(backend), threaded=True)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_port}"
    httpd.shutdown()
    thread.join(timeout=5)


def golf_navigation(page):
    """The golf launch page inside the player's iframe (its own iframe holds the current page)."""
    return page.frame_locator("#player-frame")


def next_to_quiz(page):
    launchpage = golf_navigation(page)
    next_button = launchpage.locator("#butNext")
    next_button.wait_for()
    # Next is disabled on the last page, the quiz (the 1.2 and 2004 samples differ in page count).
    for _ in range(30):
        if next_button.is_disabled():
            break
        next_button.click()
    launchpage.frame_locator("#contentFrame").locator("text=Knowledge Check").wait_for()


def answer_quiz(page, correctly):
    quiz = golf_navigation(page).frame_locator("#contentFrame")
    # The golf quiz marks the right answers with class "correctAnswer" and shows numeric ones in brackets.
    pick = ".correctAnswer" if correctly else ".answer"
    radios = quiz.locator(f"{pick} input[type=radio]")
    for index in range(radios.count()):
        radios.nth(index).check()
    numbers = quiz.locator(".correctAnswer input[type=text]")
    for index in range(numbers.count()):
        field = numbers.nth(index)
        right = re.search(r"\((\d+)\)", field.locator("xpath=..").inner_text()).group(1)
        field.fill(right if correctly else str(int(right) + 1))
    shot(page, "3-quiz-answered")
    quiz.locator("input[value='Submit Answers']").click()
    return quiz.locator("h3", has_text="Score:").inner_text()


def launch(page, server, backend, session):
    page.goto(f"{server}/launch/{backend.add_link(session)}")
    page.wait_for_url(re.compile(r"/player/[^/]+/$"))


def test_scorm12_golf_quiz_passed_reaches_the_backend(page, server, backend, scorm_packages, tmp_path):
    session = open_package(scorm_packages, tmp_path, GOLF_12, redirect_on_exit_url=f"{server}/lms/unit")
    launch(page, server, backend, session)
    assert page.locator(".player-title").inner_text() == "Golf Explained - Run-time Basic Calls"
    shot(page, "1-launched")

    next_to_quiz(page)
    shot(page, "2-quiz")
    assert answer_quiz(page, correctly=True) == "Score: 100"
    shot(page, "4-submitted")

    golf_navigation(page).locator("#butExit").click()
    page.wait_for_url(f"{server}/lms/unit")
    shot(page, "5-exited")

    saved = wait_for(lambda: backend.load_runtime(session, "item_1"))
    core = saved["cmi"]["core"]
    assert core["lesson_status"] == "passed"
    assert core["score"]["raw"] == "100"
    assert core["lesson_location"] == "15"
    result = backend.rollup(session)
    assert (result.completion, result.success, result.score) == (rollup.COMPLETED, rollup.PASSED, 100)
    assert page.console_errors == []


def test_scorm12_golf_quiz_failed(page, server, backend, scorm_packages, tmp_path):
    session = open_package(scorm_packages, tmp_path, GOLF_12, redirect_on_exit_url="message")
    launch(page, server, backend, session)
    next_to_quiz(page)
    score = int(answer_quiz(page, correctly=False).removeprefix("Score: "))
    assert score < 70
    golf_navigation(page).locator("#butExit").click()
    page.locator("text=Course complete").wait_for()
    shot(page, "5-exited")

    core = wait_for(lambda: backend.load_runtime(session, "item_1"))["cmi"]["core"]
    assert core["lesson_status"] == "failed"
    assert core["score"]["raw"] == str(score)
    result = backend.rollup(session)
    assert (result.completion, result.success, result.score) == (rollup.COMPLETED, rollup.FAILED, score)


def test_closing_the_tab_keeps_progress_and_the_next_launch_resumes(page, server, backend, scorm_packages, tmp_path):
    session = open_package(scorm_packages, tmp_path, GOLF_12)
    launch(page, server, backend, session)
    next_button = golf_navigation(page).locator("#butNext")
    next_button.wait_for()
    for _ in range(3):
        next_button.click()
    shot(page, "1-page-3")
    page.close(run_before_unload=True)

    saved = wait_for(lambda: (backend.load_runtime(session, "item_1") or {}).get("cmi", {}).get("core", {}).get("exit") == "suspend"
                     and backend.load_runtime(session, "item_1"))
    assert saved["cmi"]["core"]["lesson_location"] == "3"
    assert saved["cmi"]["core"]["lesson_status"] == "incomplete"

    second = new_page(page.context, page.shot_prefix, page.artifacts)
    launch(second, server, backend, session)
    # The golf SCO offers to resume only when it gets its bookmark back; accepting goes to page 3.
    wait_for(lambda: "Would you like to resume from where you previously left off?" in second.dialogs, second)
    assert second.evaluate("window.API.cmi.core.entry") == "resume"
    current_page = "document.getElementById('player-frame').contentDocument.getElementById('contentFrame').src"
    wait_for(lambda: second.evaluate(current_page).endswith("Playing/OtherScoring.html"), second)
    shot(second, "2-resumed")


def test_scorm2004_golf_quiz_passed(page, server, backend, scorm_packages, tmp_path):
    session = open_package(scorm_packages, tmp_path, GOLF_2004, redirect_on_exit_url=f"{server}/lms/unit")
    sco_id = session.scos[0].identifier
    launch(page, server, backend, session)
    next_to_quiz(page)
    assert answer_quiz(page, correctly=True) == "Score: 100"
    golf_navigation(page).locator("#butExit").click()
    page.wait_for_url(f"{server}/lms/unit")
    shot(page, "5-exited")

    cmi = wait_for(lambda: backend.load_runtime(session, sco_id))["cmi"]
    assert cmi["completion_status"] == "completed"
    assert cmi["success_status"] == "passed"
    assert cmi["score"]["scaled"] == "1"
    assert re.fullmatch(r"P.*S", cmi["total_time"])
    result = backend.rollup(session)
    assert (result.completion, result.success, result.score) == (rollup.COMPLETED, rollup.PASSED, 100)
    assert page.console_errors == []


def test_scorm12_multi_sco_flow_completes_only_finished_scos(page, server, backend, scorm_packages, tmp_path):
    session = open_package(scorm_packages, tmp_path, GOLF_MINIMUM, redirect_on_exit_url="blank")
    # Slow storage: a player that does not wait for the unload commits would be at /exit before them.
    backend.save_delay = 0.5
    launch(page, server, backend, session)
    menu = page.locator("#player-menu button[data-sco]")
    assert menu.count() == 18
    first, second = session.scos[0].identifier, session.scos[1].identifier
    page.locator(f"#player-menu button[data-sco='{first}'][aria-current='true']").wait_for()
    shot(page, "1-first-sco")

    page.locator("#player-next").click()
    page.locator(f"#player-menu button[data-sco='{second}'][aria-current='true']").wait_for()
    shot(page, "2-second-sco")
    page.locator("#player-exit").click()
    page.wait_for_url(re.compile(r"/exit$"))

    # Both SCOs were unloaded, so both called LMSFinish without setting a status: completed (SCORM 1.2).
    # The player waits for those commits before it follows Exit, so they are stored already.
    assert backend.load_runtime(session, second) is not None
    assert backend.load_runtime(session, first)["cmi"]["core"]["lesson_status"] == "completed"
    assert backend.load_runtime(session, second)["cmi"]["core"]["lesson_status"] == "completed"
    result = backend.rollup(session)
    assert result.completion == rollup.INCOMPLETE  # 16 SCOs never launched
    assert result.success == rollup.UNKNOWN

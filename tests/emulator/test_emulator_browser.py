"""A learner's journey through the real emulator in headless Chromium.

Registration and launch link come from the API, the golf SCO runs in the mounted player, Exit
lands on the LMS page given as redirectOnExitUrl, and the results are what GetRegistrationProgress
answers and what the postback delivers.
"""
import re
import threading

import pytest
from werkzeug.serving import make_server
from werkzeug.wrappers import Response

from scorm_cloud_xblock.client import Learner, PostBack, ScormCloudClient
from tests.browser import BROWSER_MARKS, new_page, shot, wait_for

from .test_api import GOLF_2004, import_course, session_for
from .test_player import GOLF_12
from .test_player_browser import answer_quiz, golf_navigation, next_to_quiz
from .test_postbacks import Receiver

pytestmark = BROWSER_MARKS


@pytest.fixture
def lms():
    """The page a learner comes back to, on its own loopback port (another origin than the emulator)."""
    def app(environ, start_response):
        body = "<!DOCTYPE html><title>LMS unit</title><h1>Back in the LMS</h1>"
        return Response(body, mimetype="text/html")(environ, start_response)

    httpd = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_port}"
    httpd.shutdown()
    httpd.server_close()
    thread.join()


@pytest.fixture
def receiver():
    with Receiver() as receiver:
        yield receiver


@pytest.fixture
def client(emulator):
    with ScormCloudClient(emulator.config.app_id, emulator.config.secret_key,
                          base_url=emulator.api_url + "/") as client:
        yield client


def enrol(emulator, client, scorm_packages, receiver, package=GOLF_12):
    import_course(session_for(emulator), emulator, scorm_packages / package, "golf")
    client.create_registration("reg-1", "golf", Learner("learner-1", "Jane", "Doe"),
                               PostBack(receiver.url, "lms", "postback-password"))


def play_quiz(page, link, correctly):
    """Open the launch link, page through to the quiz, answer it; return the score the quiz shows."""
    page.goto(link)
    page.wait_for_url(re.compile(r"/player/[^/]+/$"))
    shot(page, "1-launched")
    next_to_quiz(page)
    score = int(answer_quiz(page, correctly=correctly).removeprefix("Score: "))
    shot(page, "2-submitted")
    return score


def exit_to_lms(page, lms):
    golf_navigation(page).locator("#butExit").click()
    page.wait_for_url(f"{lms}/unit")
    assert page.locator("h1").inner_text() == "Back in the LMS"
    shot(page, "3-back-in-the-lms")


def delivered(emulator, receiver):
    emulator.admin.flush_postbacks()
    return receiver.payloads()


@pytest.mark.parametrize("package", [GOLF_12, GOLF_2004])
def test_learner_passes_the_golf_quiz_and_the_lms_hears_of_it(page, emulator, client, scorm_packages, receiver,
                                                              lms, package):
    enrol(emulator, client, scorm_packages, receiver, package)
    link = client.launch_link("reg-1", f"{lms}/unit", expiry=300)
    score = play_quiz(page, link, correctly=True)
    assert score == 100
    exit_to_lms(page, lms)

    # Exit waited for the content's last commit, so the results are there when the LMS asks.
    progress = client.registration_progress("reg-1")
    assert (progress.completion, progress.success, progress.score) == ("COMPLETED", "PASSED", score)
    assert progress.total_seconds > 0
    assert progress.first_access is not None and progress.completed_date is not None

    last = delivered(emulator, receiver)[-1]
    assert last["id"] == "reg-1"
    assert (last["registrationCompletion"], last["registrationSuccess"]) == ("COMPLETED", "PASSED")
    assert last["score"] == {"scaled": score}
    assert page.console_errors == []


def test_learner_fails_the_quiz_with_the_score_the_content_reported(page, emulator, client, scorm_packages,
                                                                    receiver, lms):
    enrol(emulator, client, scorm_packages, receiver)
    score = play_quiz(page, client.launch_link("reg-1", f"{lms}/unit"), correctly=False)
    assert score < 70
    exit_to_lms(page, lms)

    progress = client.registration_progress("reg-1")
    assert (progress.completion, progress.success, progress.score) == ("COMPLETED", "FAILED", score)
    last = delivered(emulator, receiver)[-1]
    assert (last["registrationSuccess"], last["score"]) == ("FAILED", {"scaled": score})


def test_a_closed_tab_resumes_from_a_new_launch_link(page, emulator, client, scorm_packages, receiver, lms):
    enrol(emulator, client, scorm_packages, receiver)
    page.goto(client.launch_link("reg-1", f"{lms}/unit"))
    next_button = golf_navigation(page).locator("#butNext")
    next_button.wait_for()
    for _ in range(3):
        next_button.click()
    shot(page, "1-page-3")
    context = page.context
    page.close(run_before_unload=True)

    # The tab's last commits go out as beacons: wait until the emulator has stored the suspension.
    storage = emulator.app.storage
    wait_for(lambda: ((storage.load_runtime("reg-1", 0, "item_1") or {}).get("cmi", {}).get("core", {})
                      .get("exit") == "suspend"))
    assert client.registration_progress("reg-1").completion == "INCOMPLETE"
    second = new_page(context, page.shot_prefix, page.artifacts)
    second.goto(client.launch_link("reg-1", f"{lms}/unit"))
    wait_for(lambda: "Would you like to resume from where you previously left off?" in second.dialogs, second)
    assert second.evaluate("window.API.cmi.core.entry") == "resume"
    assert second.evaluate("window.API.cmi.core.lesson_location") == "3"
    shot(second, "2-resumed")

"""The learner view's script (static/js/student.js) in headless Chromium, with stubbed handlers."""
import pytest

from tests.browser import CHROMIUM, CHROMIUM_ARGS, wait_for
from tests.js_harness import DROP, JS_MARKS, harness, watch_page_errors  # noqa: F401  (fixture)

pytestmark = JS_MARKS

NOT_STARTED = {"completion": "UNKNOWN", "success": "UNKNOWN", "score": None, "total_seconds": 0, "earlier": None}
IN_PROGRESS = {"completion": "INCOMPLETE", "success": "UNKNOWN", "score": None, "total_seconds": 75, "earlier": None}
NETWORK_MESSAGE = "Could not reach the server. Check your connection and try again."


def student_state(**changes):
    state = {"title": "Golf", "has_course": True, "launch_mode": "same_window", "register_on_view": False,
             "needs_refresh": False, "progress": NOT_STARTED, "is_staff": False, "staff_preview": False}
    state.update(changes)
    return state


def unit(harness, *blocks, path="/unit"):
    """A unit page of learner views: blocks are (name, state)."""
    values = {"preview_hidden": "hidden"}
    return harness.add_page(path, "student", [(name, state, {"display_name": f"SCORM {name}", **values})
                                              for name, state in blocks])


def block(page, name):
    return page.locator(f'[data-block="{name}"]')


def message(page, name):
    return block(page, name).locator(".scorm-cloud-message")


def launch_button(page, name):
    return block(page, name).locator(".scorm-cloud-launch")


def frame_src(page, name):
    return block(page, name).locator("iframe").evaluate("frame => frame.src")


# -- 1. Embedded players: each block listens to its own frame only ---------------------------------

def test_exiting_one_embedded_player_leaves_the_other_playing(page, harness):
    for name in ("one", "two"):
        harness.answer(name, "launch", {"launch_url": f"/player/{name}"})
        harness.answer(name, "progress", IN_PROGRESS)
    page.goto(unit(harness, ("one", student_state(launch_mode="embedded")),
                   ("two", student_state(launch_mode="embedded"))))
    for name in ("one", "two"):
        launch_button(page, name).click()
        block(page, name).frame_locator("iframe").get_by_text(f"Playing {name}").wait_for()

    # The first player exits: its frame lands on the return page, which tells the unit it is done.
    block(page, "one").frame_locator("iframe").locator("a.exit").click()
    block(page, "one").locator(".scorm-cloud-frame").wait_for(state="hidden")
    assert frame_src(page, "one") == "about:blank"
    launch_button(page, "one").filter(has_text="Resume").wait_for()

    # The message reached every listener at once: the second player is still open, mid-session.
    assert block(page, "two").locator(".scorm-cloud-frame").is_visible()
    assert frame_src(page, "two") == f"{harness.url}/player/two"
    block(page, "two").frame_locator("iframe").get_by_text("Playing two").wait_for()
    assert harness.calls_to("two", "progress") == []
    assert len(harness.calls_to("one", "progress")) == 1


def test_a_return_message_from_another_window_is_ignored(page, harness):
    harness.answer("one", "launch", {"launch_url": "/player/one"})
    harness.answer("one", "progress", IN_PROGRESS)
    page.goto(unit(harness, ("one", student_state(launch_mode="embedded"))))
    launch_button(page, "one").click()
    block(page, "one").frame_locator("iframe").get_by_text("Playing one").wait_for()

    # Same origin, same words, but not from the block's frame: the unit page itself.
    page.evaluate("window.postMessage('scorm-cloud:returned', window.location.origin)")
    # Messages are delivered in order: once a later one has arrived, the first one has been handled.
    page.evaluate("window.received = []; window.addEventListener('message', e => window.received.push(e.data))")
    page.evaluate("window.postMessage('marker', window.location.origin)")
    page.wait_for_function("window.received.includes('marker')")
    assert block(page, "one").locator(".scorm-cloud-frame").is_visible()
    assert frame_src(page, "one") == f"{harness.url}/player/one"
    assert harness.calls_to("one", "progress") == []


# -- 3. Back from a same-window launch: the page restored from the back-forward cache ---------------

@pytest.fixture(scope="module")
def bfcache_browser(browser):
    """Another Chromium, with its back-forward cache on (Playwright turns it off by default)."""
    chromium = browser.browser_type.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS, headless=True,
                                           ignore_default_args=["--disable-back-forward-cache"])
    yield chromium
    chromium.close()


# pylint: disable-next=redefined-outer-name
def test_back_from_the_course_makes_launch_usable_again(bfcache_browser, harness):
    harness.answer("one", "launch", {"launch_url": "/player/one"})
    harness.answer("one", "progress", IN_PROGRESS)
    context = bfcache_browser.new_context()
    context.set_default_timeout(20_000)
    try:
        page = context.new_page()
        errors = watch_page_errors(page)
        page.goto(unit(harness, ("one", student_state(launch_mode="same_window"))))
        page.evaluate("window.sameDocument = true")
        launch_button(page, "one").click()
        page.wait_for_url("**/player/one")

        # Back: the page comes out of the back-forward cache as it was left, not reloaded.
        page.go_back(wait_until="commit")
        page.wait_for_function("window.sameDocument === true")
        launch_button(page, "one").filter(has_text="Resume").wait_for()
        assert launch_button(page, "one").is_enabled()
        assert not message(page, "one").is_visible()
        # The learner may have done part of the course meanwhile: the status was asked again.
        assert harness.calls_to("one", "progress") == [{"refresh": True}]
        assert errors == []
    finally:
        context.close()


# -- 4. Errors: the learner reads them and can try again -------------------------------------------

def test_a_refused_launch_is_shown_and_launch_stays_usable(page, harness):
    harness.answer("one", "launch", {"error": "Your course is being prepared. Please try again in a moment."}, 503)
    page.goto(unit(harness, ("one", student_state())))
    launch_button(page, "one").click()
    message(page, "one").filter(has_text="Your course is being prepared").wait_for()
    assert "is-error" in message(page, "one").get_attribute("class")
    assert launch_button(page, "one").is_enabled()
    assert page.url.endswith("/unit")


def test_a_network_failure_on_launch_is_explained_and_launch_stays_usable(page, harness):
    harness.answer("one", "launch", DROP)
    page.goto(unit(harness, ("one", student_state())))
    launch_button(page, "one").click()
    message(page, "one").filter(has_text=NETWORK_MESSAGE).wait_for()
    assert launch_button(page, "one").is_enabled()

    # Once the server answers again, the same button launches.
    harness.answer("one", "launch", {"launch_url": "/player/one"})
    launch_button(page, "one").click()
    page.wait_for_url("**/player/one")


def test_a_launch_answer_without_a_link_is_an_error_not_a_navigation(page, harness):
    # A page that is not the handler's JSON (a sign-in page after the session expired) reads as {}.
    harness.answer("one", "launch", {})
    page.goto(unit(harness, ("one", student_state(launch_mode="embedded"))))
    launch_button(page, "one").click()
    message(page, "one").filter(has_text="could not be opened").wait_for()
    assert launch_button(page, "one").is_enabled()
    assert not block(page, "one").locator(".scorm-cloud-frame").is_visible()
    assert page.url.endswith("/unit")


def test_a_failed_new_window_launch_closes_the_blank_window(page, harness):
    harness.answer("one", "launch", {"error": "SCORM Cloud did not answer in time. Please try again."}, 504)
    page.goto(unit(harness, ("one", student_state(launch_mode="new_window"))))
    with page.context.expect_page() as opened:
        launch_button(page, "one").click()
    wait_for(opened.value.is_closed, page)
    message(page, "one").filter(has_text="did not answer in time").wait_for()
    assert launch_button(page, "one").is_enabled()


def test_a_failed_registration_on_view_is_shown(page, harness):
    harness.answer("one", "register", DROP)
    page.goto(unit(harness, ("one", student_state(register_on_view=True))))
    message(page, "one").filter(has_text=NETWORK_MESSAGE).wait_for()
    assert launch_button(page, "one").is_enabled()


def test_a_failed_refresh_after_an_embedded_session_is_shown(page, harness):
    harness.answer("one", "launch", {"launch_url": "/player/one"})
    harness.answer("one", "progress", {"error": "The learner's record is being updated; try again."}, 503)
    page.goto(unit(harness, ("one", student_state(launch_mode="embedded"))))
    launch_button(page, "one").click()
    block(page, "one").frame_locator("iframe").locator("a.exit").click()
    message(page, "one").filter(has_text="being updated").wait_for()
    assert launch_button(page, "one").is_enabled()


def test_a_failed_reconcile_is_shown_and_can_be_resumed(page, harness):
    harness.answer("one", "reconcile", DROP)
    page.goto(unit(harness, ("one", student_state(is_staff=True))))
    button = block(page, "one").locator(".scorm-cloud-reconcile")
    result = block(page, "one").locator(".scorm-cloud-reconcile-result")
    button.click()
    result.filter(has_text=NETWORK_MESSAGE).wait_for()
    assert button.is_enabled()

    harness.answer("one", "reconcile", {"checked": 2, "updated": 1, "unchanged": 1, "failed": 0, "more": None})
    button.click()
    result.filter(has_text="Checked 2 learners: 1 updated, 1 unchanged, 0 failed.").wait_for()
    assert button.is_enabled()

"""Studio's preview of the block (static/js/author.js) in headless Chromium, with stubbed handlers."""
from tests.browser import wait_for
from tests.js_harness import DROP, JS_MARKS, harness, watch_page_errors  # noqa: F401  (fixture)

pytestmark = JS_MARKS

COURSE = {"id": "golf", "title": "Golf Explained", "version": 2, "learning_standard": "SCORM 2004 4th Edition",
          "warnings": [], "ownership": "own", "note": ""}
NETWORK_MESSAGE = "Could not reach the server. Check your connection and try again."


def open_author_view(page, harness):
    harness.answer("one", "check_course", {"status": "OK", "message": ""})
    page.goto(harness.add_page("/author", "author", [("one", {"course": COURSE}, {"display_name": "Golf"})]))
    root = page.locator('[data-block="one"]')
    root.locator('[data-field="status"]').filter(has_text="Ready (version 2)").wait_for()
    return root


def block_popups(page):
    """What a browser that blocks pop-ups does: window.open answers null, and nothing opens."""
    page.add_init_script("window.open = function () { window.openCalls = (window.openCalls || 0) + 1; return null; };")


def test_a_blocked_preview_window_is_explained_with_a_link(page, harness):
    block_popups(page)
    errors = watch_page_errors(page)
    harness.answer("one", "preview", {"launch_url": "/player/preview"})
    root = open_author_view(page, harness)
    button = root.locator(".scorm-cloud-preview")
    button.click()

    message = root.locator(".scorm-cloud-message")
    message.filter(has_text="blocked the preview window").wait_for()
    assert "Allow pop-ups" in message.inner_text()
    link = message.locator("a", has_text="Open the preview")
    assert link.get_attribute("href") == "/player/preview"
    assert button.is_enabled()
    assert errors == []

    # A click on the link is the author's own: it opens the preview.
    with page.context.expect_page() as opened:
        link.click()
    opened.value.get_by_text("Playing preview").wait_for()


def test_a_blocked_window_and_a_refused_preview_show_the_refusal(page, harness):
    block_popups(page)
    errors = watch_page_errors(page)
    harness.answer("one", "preview", {"error": "Import or link a SCORM Cloud course first."}, 409)
    root = open_author_view(page, harness)
    root.locator(".scorm-cloud-preview").click()
    root.locator(".scorm-cloud-message").filter(has_text="Import or link a SCORM Cloud course first.").wait_for()
    assert root.locator(".scorm-cloud-preview").is_enabled()
    assert errors == []


def test_a_refused_preview_closes_its_window_and_is_shown(page, harness):
    harness.answer("one", "preview", {"error": "This course is not in this site's SCORM Cloud app."}, 409)
    root = open_author_view(page, harness)
    with page.context.expect_page() as opened:
        root.locator(".scorm-cloud-preview").click()
    wait_for(opened.value.is_closed, page)
    root.locator(".scorm-cloud-message").filter(has_text="not in this site's SCORM Cloud app").wait_for()
    assert root.locator(".scorm-cloud-preview").is_enabled()


def test_a_network_failure_on_preview_is_explained(page, harness):
    harness.answer("one", "preview", DROP)
    root = open_author_view(page, harness)
    with page.context.expect_page() as opened:
        root.locator(".scorm-cloud-preview").click()
    wait_for(opened.value.is_closed, page)
    root.locator(".scorm-cloud-message").filter(has_text=NETWORK_MESSAGE).wait_for()
    assert root.locator(".scorm-cloud-preview").is_enabled()


def test_the_preview_opens_in_the_window_of_the_click(page, harness):
    harness.answer("one", "preview", {"launch_url": "/player/preview"})
    root = open_author_view(page, harness)
    with page.context.expect_page() as opened:
        root.locator(".scorm-cloud-preview").click()
    opened.value.get_by_text("Playing preview").wait_for()
    assert not root.locator(".scorm-cloud-message").is_visible()
    assert root.locator(".scorm-cloud-preview").is_enabled()

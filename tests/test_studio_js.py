"""The Studio editor's script (static/js/studio.js) in headless Chromium, with stubbed handlers."""
import pytest

from tests.js_harness import DROP, JS_MARKS, harness  # noqa: F401  (fixture)

pytestmark = JS_MARKS

COURSE = {"id": "golf", "title": "Golf Explained", "version": 2, "learning_standard": "SCORM 2004 4th Edition",
          "warnings": [], "ownership": "own", "note": ""}
STATE = {
    "course": COURSE,
    "import_job_id": "",
    "fields": {"display_name": "Golf", "has_score": True, "weight": 1.0, "launch_mode": "same_window",
               "grading_rule": "score", "completion_rule": "completed", "register_on": "first_launch",
               "send_email": False},
    "choices": {
        "launch_mode": [{"value": "same_window", "display_name": "Same window"},
                        {"value": "embedded", "display_name": "Embedded in the page"}],
        "grading_rule": [{"value": "score", "display_name": "Score"}],
        "completion_rule": [{"value": "completed", "display_name": "Completed"}],
        "register_on": [{"value": "first_launch", "display_name": "When the learner first launches the course"}],
    },
}
NETWORK_MESSAGE = "Could not reach the server. Check your connection and try again."


@pytest.fixture
def editor(page, harness):  # pylint: disable=redefined-outer-name
    harness.answer("one", "check_course", {"status": "OK", "message": ""})
    page.goto(harness.add_page("/studio", "studio", [("one", STATE, {})]))
    root = page.locator('[data-block="one"]')
    root.locator('[data-field="title"]').filter(has_text="Golf Explained").wait_for()
    return root


def message(root):
    return root.locator(".scorm-cloud-message")


def test_refused_settings_show_the_validation_messages(page, harness, editor):  # pylint: disable=redefined-outer-name
    # StudioEditableXBlockMixin refuses with a Validation's JSON as the error, not a string.
    harness.answer("one", "submit_studio_edits", {"error": {
        "xblock_id": "one", "empty": False,
        "messages": [{"type": "error", "text": "A scored component needs a weight above 0."}]}}, 400)
    editor.locator('input[name="weight"]').fill("0")
    editor.locator(".scorm-cloud-save").click()
    message(editor).filter(has_text="A scored component needs a weight above 0.").wait_for()
    assert "object" not in message(editor).inner_text()
    assert page.evaluate("window.notifications") == [
        ["save", {"state": "start"}],
        ["error", {"title": "Unable to save", "message": "A scored component needs a weight above 0."}],
    ]
    assert harness.calls_to("one", "submit_studio_edits")[0]["values"]["weight"] == 0
    assert editor.locator(".scorm-cloud-save").is_enabled()


def test_a_network_failure_on_save_is_explained(page, harness, editor):  # pylint: disable=redefined-outer-name
    harness.answer("one", "submit_studio_edits", DROP)
    editor.locator(".scorm-cloud-save").click()
    message(editor).filter(has_text=NETWORK_MESSAGE).wait_for()
    assert page.evaluate("window.notifications")[-1] == [
        "error", {"title": "Unable to save", "message": NETWORK_MESSAGE}]

    harness.answer("one", "submit_studio_edits", {"result": "success"})
    editor.locator(".scorm-cloud-save").click()
    message(editor).filter(has_text="Settings saved.").wait_for()
    assert page.evaluate("window.notifications")[-1] == ["save", {"state": "end"}]


@pytest.mark.parametrize("answer, shown", [
    (({"error": "Give the http(s) address of a SCORM package (.zip)."}, 400), "Give the http(s) address"),
    ((DROP, 200), NETWORK_MESSAGE),
])
def test_a_failed_import_from_a_url_is_shown(harness, editor, answer, shown):  # pylint: disable=redefined-outer-name
    body, status = answer
    harness.answer("one", "import_url", body, status)
    editor.locator('input[name="url"]').fill("https://example.com/golf.zip")
    editor.locator(".scorm-cloud-url button[type=submit]").click()
    message(editor).filter(has_text=shown).wait_for()
    assert "is-error" in message(editor).get_attribute("class")
    assert editor.locator(".scorm-cloud-url button[type=submit]").is_enabled()


def test_a_failed_import_status_is_shown(harness, editor):  # pylint: disable=redefined-outer-name
    harness.answer("one", "import_url", {"status": "RUNNING", "job_id": "job-1", "message": "", "new_course": False})
    harness.answer("one", "import_status", {"error": "SCORM Cloud did not answer in time. Please try again."}, 504)
    editor.locator('input[name="url"]').fill("https://example.com/golf.zip")
    editor.locator(".scorm-cloud-url button[type=submit]").click()
    message(editor).filter(has_text="did not answer in time").wait_for()


def test_failures_to_list_and_link_courses_are_shown(harness, editor):  # pylint: disable=redefined-outer-name
    harness.answer("one", "cloud_courses", DROP)
    editor.locator(".scorm-cloud-load-courses").click()
    message(editor).filter(has_text=NETWORK_MESSAGE).wait_for()
    assert editor.locator(".scorm-cloud-load-courses").is_enabled()

    harness.answer("one", "link_course", {"error": "Choose a course."}, 400)
    editor.locator(".scorm-cloud-link button[type=submit]").click()
    message(editor).filter(has_text="Choose a course.").wait_for()
    assert editor.locator(".scorm-cloud-link button[type=submit]").is_enabled()


@pytest.mark.parametrize("answer, shown", [
    (({"status": "ERROR", "message": "This site's SCORM Cloud app refused the package."}, 502), "refused the package"),
    ((DROP, 200), "The upload was interrupted."),
])
def test_a_failed_upload_is_shown(harness, editor, answer, shown):  # pylint: disable=redefined-outer-name
    body, status = answer
    harness.answer("one", "import_package", body, status)
    editor.locator('input[type="file"]').set_input_files(
        files=[{"name": "golf.zip", "mimeType": "application/zip", "buffer": b"PK\x05\x06" + bytes(18)}])
    editor.locator(".scorm-cloud-upload button[type=submit]").click()
    message(editor).filter(has_text=shown).wait_for()
    assert not editor.locator(".scorm-cloud-upload-progress").is_visible()
    assert editor.locator(".scorm-cloud-upload button[type=submit]").is_enabled()

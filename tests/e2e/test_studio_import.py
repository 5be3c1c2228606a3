"""An author imports a third-party package through the block's Studio editor in the workbench."""
import re

import pytest

from tests.browser import BROWSER_MARKS, shot

from .conftest import EMPTY_SCENARIO

pytestmark = BROWSER_MARKS
expect = pytest.importorskip("playwright.sync_api").expect

GOLF_12 = "golf_RuntimeBasicCalls_SCORM12.zip"


def test_an_author_uploads_a_package_and_sees_its_title_once_imported(demo, workbench, page, scorm_packages):
    studio_url = workbench.scenario_url(workbench.scenario_id(EMPTY_SCENARIO), "author", view="studio_view")
    page.goto(studio_url)
    studio = page.locator(".scorm-cloud-studio")
    expect(studio.locator("[data-field=title]")).to_have_text("No course imported yet")
    shot(page, "1-empty")

    studio.locator("input[type=file][name=package]").set_input_files(scorm_packages / GOLF_12)
    studio.get_by_role("button", name="Upload and import").click()
    # The import is asynchronous: the editor polls import_status until SCORM Cloud is done.
    expect(studio.locator(".scorm-cloud-message")).to_have_text(re.compile(r"^Imported "), timeout=60_000)
    shot(page, "2-imported")

    imported = [course for course in demo.cloud.list_courses() if course.id != "scorm-cloud-demo"]
    assert [course.title for course in imported] == ["Golf Explained - Run-time Basic Calls"]
    course = imported[0]
    assert course.learning_standard == "SCORM12"
    expect(studio.locator("[data-field=title]")).to_have_text(course.title)
    expect(studio.locator("[data-field=standard]")).to_have_text(course.learning_standard)
    expect(studio.locator(".scorm-cloud-message")).to_have_text(
        f'Imported "{course.title}" ({course.learning_standard}, version {course.version}).')

    # The component keeps the link: the editor shows it again when reopened.
    page.goto(studio_url)
    expect(studio.locator("[data-field=title]")).to_have_text(course.title)
    shot(page, "3-reopened")

"""
Who may change what a component links to in SCORM Cloud: the course's authors, in Studio.

In the LMS any enrolled learner can call any handler of a block, so the Studio handlers must refuse
there before they call SCORM Cloud: an import would otherwise make a new version of the course every
learner takes. Studio's preview must not create registrations: it shares one anonymous id among all
authors and cannot take postbacks. (The workbench, which has no roles, lets its user edit: the demo's
tests in tests/e2e import and link there.)
"""
from types import SimpleNamespace

import pytest

from scorm_cloud_xblock import compat
pytest.register_assert_rewrite("tests.block_harness")
from tests.block_harness import COURSE_KEY, GOLF_12  # noqa: E402 (after the assert rewrite is registered)

pytest_plugins = ["tests.block_harness"]   # the fixtures: rt, alice, author, unit, cloud, emulator, ...


def _request(handler, golf_course, scorm_packages):
    """The keyword arguments of a well-formed request to each Studio handler."""
    if handler == "import_package":
        return {"files": {"package": (GOLF_12, (scorm_packages / GOLF_12).read_bytes(), "application/zip")}}
    bodies = {"import_url": {"url": "https://packages.example.com/golf.zip"},
              "link_course": {"course_id": golf_course.id}}
    return {"json": bodies.get(handler, {})}


STUDIO_HANDLERS = ["import_package", "import_url", "import_status", "cloud_courses", "link_course",
                   "check_course", "preview"]


@pytest.fixture
def course_staff(rt):
    return rt.add_user("course-staff", is_course_staff=True)


@pytest.mark.parametrize("who", ["alice", "course_staff"])
@pytest.mark.parametrize("handler", STUDIO_HANDLERS)
def test_no_one_changes_the_scorm_cloud_course_from_the_lms(request, rt, unit, emulator, cloud, golf_course,
                                                            scorm_packages, handler, who):
    user = request.getfixturevalue(who)
    before = rt.load_block(unit, user)
    linked = (before.cloud_course_id, before.cloud_course_version)
    emulator.admin.reset_stats()

    response = rt.handle(unit, handler, user=user, **_request(handler, golf_course, scorm_packages))

    assert response.status_code == 403, response.body
    assert "authors" in response.json_body.get("error", response.json_body.get("message", ""))
    assert emulator.admin.stats()["calls"] == {}
    assert [course.version for course in cloud.course_versions(golf_course.id)] == [0]
    after = rt.load_block(unit, user)
    assert (after.cloud_course_id, after.cloud_course_version) == linked
    assert rt.handler_errors == []


@pytest.mark.parametrize("handler", STUDIO_HANDLERS)
def test_a_studio_user_without_write_access_changes_nothing(rt, unit, emulator, golf_course, scorm_packages,
                                                            handler):
    reader = rt.add_user("reader")
    emulator.admin.reset_stats()
    response = rt.handle_studio(unit, handler, user=reader, **_request(handler, golf_course, scorm_packages))
    assert response.status_code == 403, response.body
    assert emulator.admin.stats()["calls"] == {}


def test_an_author_links_a_course_in_studio(rt, empty_unit, author, golf_course):
    response = rt.handle_studio(empty_unit, "link_course", user=author, json={"course_id": golf_course.id})
    assert response.status_code == 200, response.body
    assert rt.load_block(empty_unit, author).cloud_course_id == golf_course.id


def test_an_author_previews_in_studio_preview_and_a_reader_cannot(rt, unit, author, emulator):
    response = rt.handle_preview(unit, "preview", user=author, json={})
    assert response.status_code == 200, response.body
    assert response.json_body["launch_url"].startswith(emulator.root_url)
    assert rt.handle_preview(unit, "preview", user=rt.add_user("reader"), json={}).status_code == 403


@pytest.mark.parametrize("handler", ["register", "launch"])
def test_studio_preview_creates_no_registration(rt, unit, author, emulator, handler):
    emulator.admin.reset_stats()
    response = rt.handle_preview(unit, handler, user=author, json={})
    assert response.status_code == 409, response.body
    assert "Preview" in response.json_body["error"]
    assert emulator.admin.stats()["calls"] == {}


def test_studio_asks_about_this_components_course(rt, unit, author):
    asked = []
    block = rt.load_block(unit, author, mode="studio")
    permissions = block.runtime.service(block, "studio_user_permissions")
    permissions.can_write = lambda course_key: asked.append(str(course_key)) or True
    assert compat.may_edit(block)
    assert asked == [COURSE_KEY]


class _Runtime:
    """Just enough of a runtime for compat: its services by name."""

    def __init__(self, **services):
        self.services = services

    def service(self, block, name):  # pylint: disable=unused-argument
        return self.services.get(name)


def _block_with_user(opt_attrs):
    user = SimpleNamespace(get_current_user=lambda: SimpleNamespace(opt_attrs=opt_attrs))
    return SimpleNamespace(runtime=_Runtime(user=user), scope_ids=SimpleNamespace(usage_id="u"))


@pytest.mark.parametrize("opt_attrs", [
    {"xblock-workbench.user_id": "author"},     # what the workbench's user service gives
    {"xblock-workbench.user_id": "author", "edx-platform.is_authenticated": True},
])
def test_the_workbench_lets_its_user_edit(opt_attrs):
    block = _block_with_user(opt_attrs)
    assert compat.may_edit(block)
    assert not compat.in_studio(block)


@pytest.mark.parametrize("opt_attrs", [
    {"edx-platform.is_authenticated": True, "edx-platform.user_is_staff": True},
    {"edx-platform.is_authenticated": False},
])
def test_no_one_edits_in_the_lms(opt_attrs):
    assert not compat.may_edit(_block_with_user(opt_attrs))

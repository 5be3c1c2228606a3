"""
A linked SCORM Cloud course travels with the component (decision 5): reruns, duplicates and OLX
imports copy its id. A copy's import never changes the course the others share, and a course this
site's SCORM Cloud app does not hold is named as such to authors and learners.
"""
import pytest

from scorm_cloud_xblock import ids, portability
from scorm_cloud_xblock.block import MISSING_COURSE_FOR_LEARNERS, ScormCloudXBlock
from scorm_cloud_xblock.studio import MISSING_COURSE_FOR_AUTHORS
pytest.register_assert_rewrite("tests.block_harness")
from tests.block_harness import (  # noqa: E402
    COURSE_KEY, GOLF_12, PREFIX, make_runtime, poll_import, register, registration_of,
)

pytest_plugins = ["tests.block_harness"]

RERUN_KEY = "course-v1:Org+SCORM+2027"


def upload(rt, usage_key, author, scorm_packages, name=GOLF_12):
    with open(scorm_packages / name, "rb") as package:
        response = rt.handle_studio(usage_key, "import_package", user=author,
                                    files={"package": ("golf.zip", package, "application/zip")})
    assert response.status_code == 200, response.body
    status = poll_import(rt, usage_key, author)
    assert status["status"] == "COMPLETE", status
    return response.json_body, status


@pytest.fixture
def imported(rt, author, scorm_packages):
    """A component whose own import created its SCORM Cloud course."""
    usage_key = rt.create_block(ScormCloudXBlock, course_key=COURSE_KEY, fields={"weight": 5.0})
    upload(rt, usage_key, author, scorm_packages)
    return usage_key


def settings_of(rt, usage_key):
    block = rt.load_unbound_block(usage_key)
    return {name: getattr(block, name) for name in
            ("cloud_course_id", "cloud_course_version", "cloud_course_origin", "weight", "display_name")}


# --- Re-importing from a copy ------------------------------------------------------------------------


def test_the_first_import_records_which_usage_created_the_course(rt, imported):
    settings = settings_of(rt, imported)
    assert settings["cloud_course_origin"] == ids.usage_key_hash(str(imported))
    assert rt.handle_studio(imported, "import_status", user=rt.add_user("a2", is_course_author=True),
                            json={}).json_body["ownership"] == portability.OWN


def test_reimport_from_a_duplicate_starts_its_own_course_and_leaves_the_shared_one_alone(
        rt, imported, author, cloud, scorm_packages):
    original = settings_of(rt, imported)
    copy = rt.duplicate(imported)
    status = rt.handle_studio(copy, "import_status", user=author, json={}).json_body
    assert status["ownership"] == portability.SHARED and "new SCORM Cloud course" in status["note"]

    started, done = upload(rt, copy, author, scorm_packages)

    assert started["new_course"] is True
    assert done["course_id"] != original["cloud_course_id"]
    assert done["course_id"].startswith(f"{PREFIX}-")
    # The course the original shows (and its learners launch) has no new version.
    assert [c.version for c in cloud.course_versions(original["cloud_course_id"])] == [original["cloud_course_version"]]
    assert settings_of(rt, imported) == original
    copied = settings_of(rt, copy)
    assert copied["cloud_course_origin"] == ids.usage_key_hash(str(copy))
    assert copied["weight"] == 5.0


def test_a_copy_versions_the_course_it_created_itself(rt, imported, author, scorm_packages):
    copy = rt.duplicate(imported)
    _, first = upload(rt, copy, author, scorm_packages)
    started, second = upload(rt, copy, author, scorm_packages)
    assert started["new_course"] is False
    assert second["course_id"] == first["course_id"]
    assert second["version"] == first["version"] + 1


def test_the_creator_still_makes_new_versions_after_being_copied(rt, imported, author, scorm_packages):
    before = settings_of(rt, imported)
    rt.duplicate(imported)
    rt.rerun(COURSE_KEY, RERUN_KEY)
    _, status = upload(rt, imported, author, scorm_packages)
    assert status["course_id"] == before["cloud_course_id"]
    assert status["version"] == before["cloud_course_version"] + 1


def test_reimport_in_a_rerun_starts_a_course_for_the_rerun(rt, imported, author, cloud, scorm_packages):
    original = settings_of(rt, imported)
    rerun = rt.rerun(COURSE_KEY, RERUN_KEY)[imported]
    _, status = upload(rt, rerun, author, scorm_packages)
    assert status["course_id"] != original["cloud_course_id"]
    assert len(cloud.course_versions(original["cloud_course_id"])) == 1


def test_learners_of_the_original_keep_launching_the_shared_course(rt, imported, author, cloud, scorm_packages):
    learner = rt.add_user("learner")
    register(rt, imported, learner)
    copy = rt.duplicate(imported)
    upload(rt, copy, author, scorm_packages)
    progress = cloud.registration_progress(registration_of(rt, learner, imported))
    assert (progress.course_id, progress.course_version) == (
        settings_of(rt, imported)["cloud_course_id"], settings_of(rt, imported)["cloud_course_version"])


def test_a_linked_course_is_never_versioned_by_this_component(rt, empty_unit, author, golf_course, cloud,
                                                              scorm_packages):
    rt.handle_studio(empty_unit, "link_course", user=author, json={"course_id": golf_course.id})
    assert settings_of(rt, empty_unit)["cloud_course_origin"] == portability.LINKED
    _, status = upload(rt, empty_unit, author, scorm_packages)
    assert status["course_id"] != golf_course.id
    assert len(cloud.course_versions(golf_course.id)) == 1


def test_a_course_linked_before_origins_were_recorded_is_versioned_as_before(rt, unit, author, golf_course,
                                                                             scorm_packages):
    # `unit` links golf-12 with no origin, as OLX written before this change does.
    assert settings_of(rt, unit)["cloud_course_origin"] == ""
    status = rt.handle_studio(unit, "import_status", user=author, json={}).json_body
    assert status["ownership"] == portability.UNKNOWN and "their learners get it too" in status["note"]
    _, status = upload(rt, unit, author, scorm_packages)
    assert status["course_id"] == golf_course.id
    assert status["version"] == golf_course.version + 1


def test_an_explicit_link_to_the_shared_course_stays_possible(rt, imported, author):
    copy = rt.duplicate(imported)
    upload_target = settings_of(rt, imported)["cloud_course_id"]
    linked = rt.handle_studio(copy, "link_course", user=author, json={"course_id": upload_target}).json_body
    assert linked["course_id"] == upload_target
    assert settings_of(rt, copy)["cloud_course_origin"] == ids.usage_key_hash(str(imported))


def test_origin_rules():
    usage = "block-v1:Org+C+R+type@scormcloud+block@a"
    other = "block-v1:Org+C+R+type@scormcloud+block@b"
    mine = ids.usage_key_hash(usage)
    assert portability.import_target("p", "c1", mine, usage) == portability.ImportTarget("c1", True)
    assert portability.import_target("p", "c1", "", usage) == portability.ImportTarget("c1", True)
    for origin in (ids.usage_key_hash(other), portability.LINKED):
        target = portability.import_target("p", "c1", origin, usage)
        assert target.course_id.startswith("p-") and not target.new_version
    assert portability.origin_after_import("c1", "x", "c1", mine) == "x"
    assert portability.origin_after_import("c1", "x", "c2", mine) == mine
    assert portability.origin_after_link("c1", "x", "c1") == "x"
    assert portability.origin_after_link("c1", "x", "c2") == portability.LINKED
    assert portability.ownership("", "", usage) == portability.NONE


# --- A course this site's SCORM Cloud app does not hold ------------------------------------------------


@pytest.fixture
def elsewhere(emulator_factory, receiver, rt, imported):
    """The component's OLX imported into another Open edX instance, whose SCORM Cloud app is another."""
    other_cloud = emulator_factory(app_id="other-app", secret_key="other-secret")
    other = make_runtime(other_cloud, receiver, APP_ID="other-app", SECRET_KEY="other-secret")
    usage_key = other.import_olx(rt.export_olx(imported), "course-v1:Other+SCORM+2026")
    return other, other_cloud, usage_key


def test_authors_see_that_the_course_is_not_in_this_sites_app(elsewhere):
    other, other_cloud, usage_key = elsewhere
    author = other.add_user("author", is_course_author=True)
    response = other.handle_studio(usage_key, "check_course", user=author, json={})
    assert response.status_code == 200
    assert response.json_body == {"status": "MISSING", "message": MISSING_COURSE_FOR_AUTHORS}
    # The Studio preview's launch says the same.
    preview = other.handle_preview(usage_key, "preview", user=author, json={})
    assert preview.status_code == 409
    assert preview.json_body["error"] == MISSING_COURSE_FOR_AUTHORS
    # The editor and the preview render with the check left to their script, and the settings kept.
    assert "scorm-cloud-course-check" in other.render(usage_key, "studio_view", user=author, mode="studio").content
    assert "scorm-cloud-course-check" in other.render(usage_key, "author_view", user=author, mode="preview").content
    assert settings_of(other, usage_key)["weight"] == 5.0


def test_check_course_answers_ok_or_none_where_there_is_nothing_to_fix(rt, imported, empty_unit, author):
    assert rt.handle_studio(imported, "check_course", user=author, json={}).json_body["status"] == "OK"
    assert rt.handle_studio(empty_unit, "check_course", user=author, json={}).json_body["status"] == "NONE"


def test_a_course_deleted_in_scorm_cloud_is_missing_too(rt, imported, author, cloud):
    cloud.delete_course(settings_of(rt, imported)["cloud_course_id"])
    assert rt.handle_studio(imported, "check_course", user=author, json={}).json_body["status"] == "MISSING"


def test_learners_get_a_clear_message_and_nothing_is_half_written(elsewhere):
    other, other_cloud, usage_key = elsewhere
    learner = other.add_user("learner")
    for handler in ("register", "launch"):
        response = other.handle(usage_key, handler, user=learner, json={})
        assert response.status_code == 409, response.body
        assert response.json_body["error"] == MISSING_COURSE_FOR_LEARNERS
    assert "registration_id" not in other.user_state(learner, usage_key)
    assert other_cloud.admin.stats()["registrations"] == 0
    assert other.handler_errors == []


def test_a_400_for_an_unknown_course_is_recognised_too(elsewhere):
    # SCORM Cloud may refuse a registration for an unknown course with 400 rather than 404.
    other, other_cloud, usage_key = elsewhere
    other_cloud.admin.inject_faults(api=[{"operation": "CreateRegistration", "status": 400, "times": 1}])
    response = other.handle(usage_key, "register", user=other.add_user("learner"), json={})
    assert (response.status_code, response.json_body["error"]) == (409, MISSING_COURSE_FOR_LEARNERS)


def test_another_refusal_of_an_existing_course_is_not_called_missing(rt, imported, emulator):
    emulator.admin.inject_faults(api=[{"operation": "CreateRegistration", "status": 400, "times": 1}])
    response = rt.handle(imported, "register", user=rt.add_user("learner"), json={})
    assert response.status_code == 400
    assert response.json_body["error"] != MISSING_COURSE_FOR_LEARNERS


def test_uploading_again_on_the_other_site_gives_it_its_own_course(elsewhere, scorm_packages):
    other, other_cloud, usage_key = elsewhere
    author = other.add_user("author", is_course_author=True)
    _, status = upload(other, usage_key, author, scorm_packages)
    assert other.handle_studio(usage_key, "check_course", user=author, json={}).json_body["status"] == "OK"
    assert settings_of(other, usage_key)["cloud_course_origin"] == ids.usage_key_hash(str(usage_key))
    assert status["course_id"].startswith(f"{PREFIX}-")
    assert register(other, usage_key, other.add_user("learner"))["registration_id"]


def test_a_copy_made_while_the_first_import_runs_does_not_take_the_new_course_for_its_own(
        rt, author, scorm_packages):
    original = rt.create_block(ScormCloudXBlock, course_key=COURSE_KEY)
    with open(scorm_packages / GOLF_12, "rb") as package:
        started = rt.handle_studio(original, "import_package", user=author,
                                   files={"package": ("golf.zip", package, "application/zip")})
    assert started.status_code == 200, started.body
    copy = rt.duplicate(original)     # the job id is copied with the settings, before anyone polled

    copied = poll_import(rt, copy, author)      # the copy happens to poll first
    mine = poll_import(rt, original, author)

    assert copied["status"] == mine["status"] == "COMPLETE"
    assert copied["course_id"] == mine["course_id"]
    assert (copied["ownership"], mine["ownership"]) == (portability.SHARED, portability.OWN)

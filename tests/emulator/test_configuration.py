"""Configuration settings at the application, course and registration levels, and the postbacks they set up."""
import json
import sqlite3
from contextlib import ExitStack

import pytest

from scorm_cloud_emulator.config import EmulatorConfig
from scorm_cloud_emulator.configuration import Scope
from scorm_cloud_emulator.server import EmulatorServer
from scorm_cloud_emulator.storage import Storage

from .test_api import GOLF_12, import_course, register, session_for
from .test_postbacks import Receiver, basic

URL = "ApiRollupRegistrationPostBackUrl"
AUTH_TYPE = "ApiRollupRegistrationAuthType"
USER = "ApiRollupRegistrationAuthUser"
PASSWORD = "ApiRollupRegistrationAuthPassword"
FORMAT = "ApiRollupRegistrationFormat"
IS_JSON = "ApiRollupRegistrationIsJson"


@pytest.fixture
def api(emulator, scorm_packages):
    session = session_for(emulator)
    import_course(session, emulator, scorm_packages / GOLF_12, "course")
    return session


@pytest.fixture
def receivers():
    """Three postback endpoints, one per level a test configures."""
    with ExitStack() as stack:
        yield [stack.enter_context(Receiver()) for _ in range(3)]


def settings(**values):
    names = {"url": URL, "authType": AUTH_TYPE, "user": USER, "password": PASSWORD, "format": FORMAT,
             "isJson": IS_JSON}
    return {"settings": [{"settingId": names[key], "value": value} for key, value in values.items()]}


def configure(api, owner, **values):
    """POST the settings to the configuration of ``owner``, the URL of what they belong to."""
    response = api.post(f"{owner}/configuration", json=settings(**values))
    assert response.status_code == 204, response.text
    assert response.content == b""


def read(api, owner, **params):
    response = api.get(f"{owner}/configuration", params=params)
    assert response.status_code == 200, response.text
    return {item["id"]: item for item in response.json()["settingItems"]}


def complete(emulator, registration_id="r1"):
    emulator.admin.set_progress(registration_id, registrationCompletion="COMPLETED")
    emulator.admin.flush_postbacks()


def test_an_application_url_posts_back_registrations_without_their_own(api, emulator, receivers):
    configure(api, f"{emulator.api_url}/appManagement", url=receivers[0].url, authType="form", user="u",
              password="p")
    register(api, emulator, "r1")
    complete(emulator)
    (request,) = receivers[0].received
    assert (request["form"]["userName"], request["form"]["password"]) == ("u", "p")
    assert json.loads(request["form"]["data"])["id"] == "r1"


def test_course_beats_application_and_deleting_falls_back(api, emulator, receivers):
    app_level, course_level, _ = receivers
    configure(api, f"{emulator.api_url}/appManagement", url=app_level.url, authType="form")
    configure(api, f"{emulator.api_url}/courses/course", url=course_level.url)
    register(api, emulator, "r1")
    complete(emulator)
    assert len(course_level.received) == 1 and app_level.received == []
    # Only the URL is set on the course: the application's auth type still applies.
    assert course_level.received[0]["form"] is not None

    response = api.delete(f"{emulator.api_url}/courses/course/configuration/{URL}")
    assert response.status_code == 204
    emulator.admin.set_progress("r1", registrationSuccess="PASSED")
    emulator.admin.flush_postbacks()
    assert len(app_level.received) == 1 and len(course_level.received) == 1


def test_registration_beats_course(api, emulator, receivers):
    course_level, own_postback, own_settings = receivers
    configure(api, f"{emulator.api_url}/courses/course", url=course_level.url, authType="form")
    register(api, emulator, "r1", postBack={"url": own_postback.url, "authType": "HTTPBASIC",
                                            "userName": "u", "password": "p"})
    register(api, emulator, "r2")
    configure(api, f"{emulator.api_url}/registrations/r2", url=own_settings.url, authType="httpbasic")
    complete(emulator, "r1")
    complete(emulator, "r2")
    assert course_level.received == []
    assert own_postback.received[0]["headers"]["Authorization"] == basic("u", "p")
    assert [payload["id"] for payload in own_settings.payloads()] == ["r2"]


def test_sources_and_explicit_values_at_each_level(api, emulator):
    app_url = f"{emulator.api_url}/appManagement"
    assert {item["effectiveValueSource"] for item in read(api, app_url).values()} == {"default"}
    assert read(api, app_url)[AUTH_TYPE]["effectiveValue"] == "httpbasic"

    configure(api, app_url, url="http://127.0.0.1:1/app", format="activity")
    configure(api, f"{emulator.api_url}/courses/course", url="http://127.0.0.1:1/course")
    register(api, emulator, "r1")
    configure(api, f"{emulator.api_url}/registrations/r1", user="learner-sync")

    course = read(api, f"{emulator.api_url}/courses/course")
    assert course[URL] == {"id": URL, "effectiveValue": "http://127.0.0.1:1/course",
                           "effectiveValueSource": "course", "explicitValue": "http://127.0.0.1:1/course"}
    assert course[FORMAT] == {"id": FORMAT, "effectiveValue": "activity", "effectiveValueSource": "application"}
    registration = read(api, f"{emulator.api_url}/registrations/r1")
    assert [(registration[key]["effectiveValueSource"], "explicitValue" in registration[key])
            for key in (URL, FORMAT, USER, AUTH_TYPE)] == [
        ("course", False), ("application", False), ("registration", True), ("default", False)]


def test_metadata_only_when_asked(api, emulator):
    app_url = f"{emulator.api_url}/appManagement"
    assert all("metadata" not in item for item in read(api, app_url).values())
    metadata = read(api, app_url, includeMetadata="true")[AUTH_TYPE]["metadata"]
    assert metadata["default"] == "httpbasic"
    assert [valid["value"] for valid in metadata["validValues"]] == ["form", "httpbasic"]


def test_the_registrations_postback_reads_back_as_its_settings(api, emulator):
    register(api, emulator, "r1", postBack={"url": "http://127.0.0.1:1/pb", "authType": "FORM",
                                            "userName": "u", "password": "p", "resultsFormat": "ACTIVITY",
                                            "legacy": False})
    items = read(api, f"{emulator.api_url}/registrations/r1")
    assert {key: (item["explicitValue"], item["effectiveValueSource"]) for key, item in items.items()} == {
        URL: ("http://127.0.0.1:1/pb", "registration"), AUTH_TYPE: ("form", "registration"),
        USER: ("u", "registration"), PASSWORD: ("p", "registration"), FORMAT: ("activity", "registration"),
        IS_JSON: ("true", "registration")}


def test_undefined_postback_fields_inherit(api, emulator):
    configure(api, f"{emulator.api_url}/courses/course", authType="form", format="full")
    register(api, emulator, "r1", postBack={"url": "http://127.0.0.1:1/pb", "authType": "UNDEFINED",
                                            "resultsFormat": "UNDEFINED"},
             initialSettings=settings(user="from-initial-settings"))
    items = read(api, f"{emulator.api_url}/registrations/r1")
    assert (items[AUTH_TYPE]["effectiveValue"], items[AUTH_TYPE]["effectiveValueSource"]) == ("form", "course")
    assert (items[FORMAT]["effectiveValue"], items[FORMAT]["effectiveValueSource"]) == ("full", "course")
    assert items[USER]["explicitValue"] == "from-initial-settings"


def test_version_and_instance_levels(api, emulator, receivers):
    version_level, registration_level, instance_level = receivers
    configure(api, f"{emulator.api_url}/courses/course/versions/0", url=version_level.url)
    assert read(api, f"{emulator.api_url}/courses/course/versions/0")[URL]["effectiveValueSource"] == "course"
    assert "explicitValue" not in read(api, f"{emulator.api_url}/courses/course")[URL]
    register(api, emulator, "r1")
    complete(emulator)
    assert len(version_level.received) == 1

    configure(api, f"{emulator.api_url}/registrations/r1", url=registration_level.url)
    configure(api, f"{emulator.api_url}/registrations/r1/instances/0", url=instance_level.url)
    assert read(api, f"{emulator.api_url}/registrations/r1/instances/0")[URL]["explicitValue"] == instance_level.url
    emulator.admin.set_progress("r1", registrationSuccess="PASSED")
    emulator.admin.flush_postbacks()
    assert len(instance_level.received) == 1 and registration_level.received == []


@pytest.mark.parametrize("body", [
    settings(url="nope"),
    settings(authType="oauth"),
    settings(format="summary"),
    settings(isJson="false"),
    settings(isJson="maybe"),
    {"settings": [{"settingId": USER, "value": 7}]},
    {"settings": [{"settingId": USER, "value": "u", "explicit": "yes"}]},
    {"settings": [{"value": "u"}]},
    {"settings": "none"},
    {},
])
def test_invalid_settings_are_400(api, emulator, body):
    response = api.post(f"{emulator.api_url}/appManagement/configuration", json=body)
    assert response.status_code == 400
    assert response.json()["message"]


def test_unknown_settings_are_400_and_nothing_is_stored(api, emulator):
    body = {"settings": [{"settingId": URL, "value": "http://127.0.0.1:1/pb"},
                         {"settingId": "PlayerScoLaunchType", "value": "FRAMESET"}]}
    response = api.post(f"{emulator.api_url}/courses/course/configuration", json=body)
    assert response.status_code == 400
    assert "Unknown setting [PlayerScoLaunchType]" in response.json()["message"]
    assert "explicitValue" not in read(api, f"{emulator.api_url}/courses/course")[URL]

    response = api.delete(f"{emulator.api_url}/courses/course/configuration/PlayerScoLaunchType")
    assert response.status_code == 400

    response = api.post(f"{emulator.api_url}/registrations", json={
        "courseId": "course", "registrationId": "r1", "learner": {"id": "l"}, "initialSettings": body})
    assert response.status_code == 400
    assert api.head(f"{emulator.api_url}/registrations/r1").status_code == 404


def test_an_empty_postback_url_switches_off_the_one_set_above(api, emulator, receivers):
    configure(api, f"{emulator.api_url}/appManagement", url=receivers[0].url)
    response = api.post(f"{emulator.api_url}/registrations", json={
        "courseId": "course", "registrationId": "r1", "learner": {"id": "l"}, "postBack": {"url": ""}})
    assert response.status_code == 204, response.text
    complete(emulator, "r1")
    assert receivers[0].received == []


@pytest.mark.parametrize("where", ["configuration", "postBack"])
def test_a_setting_that_is_not_valid_text_is_400(api, emulator, where):
    if where == "configuration":
        response = api.post(f"{emulator.api_url}/appManagement/configuration",
                            data=json.dumps(settings(user="\ud800")), headers={"Content-Type": "application/json"})
    else:
        response = api.post(f"{emulator.api_url}/registrations", data=json.dumps({
            "courseId": "course", "registrationId": "r1", "learner": {"id": "l"},
            "postBack": {"url": "http://127.0.0.1:1/pb", "userName": "\ud800"}}),
            headers={"Content-Type": "application/json"})
    assert response.status_code == 400, response.text
    assert "not valid text" in response.json()["message"]


def test_the_legacy_xml_postback_is_refused(api, emulator):
    response = api.post(f"{emulator.api_url}/registrations", json={
        "courseId": "course", "registrationId": "r1", "learner": {"id": "l"},
        "postBack": {"url": "http://127.0.0.1:1/pb", "legacy": True}})
    assert response.status_code == 400
    assert "legacy" in response.json()["message"]


@pytest.mark.parametrize("path", ["/courses/nope", "/courses/course/versions/7", "/registrations/nope",
                                  "/registrations/r1/instances/3"])
def test_unknown_courses_and_registrations_are_404(api, emulator, path):
    register(api, emulator, "r1")
    base = f"{emulator.api_url}{path}/configuration"
    for response in (api.get(base), api.post(base, json=settings(user="u")), api.delete(f"{base}/{USER}")):
        assert response.status_code == 404
        assert response.json()["message"].startswith("Could not find ")


def test_application_settings_per_learning_standard_are_refused(api, emulator):
    response = api.get(f"{emulator.api_url}/appManagement/configuration",
                       params={"learningStandard": "SCORM12", "singleSco": "true"})
    assert response.status_code == 400


def test_settings_go_with_what_they_belong_to(api, emulator, scorm_packages):
    configure(api, f"{emulator.api_url}/courses/course", user="course-user")
    register(api, emulator, "r1")
    configure(api, f"{emulator.api_url}/registrations/r1", user="registration-user")
    assert api.delete(f"{emulator.api_url}/registrations/r1").status_code == 204
    register(api, emulator, "r1")
    assert read(api, f"{emulator.api_url}/registrations/r1")[USER]["effectiveValue"] == "course-user"

    assert api.delete(f"{emulator.api_url}/courses/course").status_code == 204
    import_course(api, emulator, scorm_packages / GOLF_12, "course")
    assert "explicitValue" not in read(api, f"{emulator.api_url}/courses/course")[USER]


def test_settings_survive_a_restart(tmp_path):
    config = EmulatorConfig(data_dir=tmp_path, port=0, app_id="app", secret_key="secret")
    with EmulatorServer(config) as first:
        configure(session_for(first), f"{first.api_url}/appManagement", user="kept")
    with EmulatorServer(config) as second:
        assert read(session_for(second), f"{second.api_url}/appManagement")[USER]["explicitValue"] == "kept"


def test_stored_postbacks_become_registration_settings(tmp_path):
    """A data directory from before postbacks were settings: each registration's postBack moves over."""
    postback = {"url": "http://127.0.0.1:1/pb", "authType": "FORM", "userName": "u", "password": None,
                "resultsFormat": "UNDEFINED", "legacy": True}
    with sqlite3.connect(tmp_path / "emulator.sqlite3") as db:
        db.execute("CREATE TABLE registrations (id TEXT PRIMARY KEY, course_id TEXT NOT NULL, learner TEXT NOT NULL, "
                   "xapi_registration_id TEXT NOT NULL, tags TEXT NOT NULL, postback TEXT, "
                   "created TEXT NOT NULL, updated TEXT NOT NULL)")
        db.execute("INSERT INTO registrations VALUES ('r1', 'c', '{}', 'x', '[]', ?, 'x', 'x')",
                   (json.dumps(postback),))
        db.execute("INSERT INTO registrations VALUES ('r2', 'c', '{}', 'x', '[]', NULL, 'x', 'x')")
    db.close()
    storage = Storage(tmp_path)
    try:
        assert storage.settings([Scope("registration", "r1"), Scope("registration", "r2")]) == [
            {URL: "http://127.0.0.1:1/pb", AUTH_TYPE: "form", USER: "u"}, {}]
    finally:
        storage.close()
    with sqlite3.connect(tmp_path / "emulator.sqlite3") as db:
        left = db.execute("SELECT COUNT(*) FROM registrations WHERE postback IS NOT NULL").fetchone()[0]
    db.close()
    assert left == 0   # moved once: a restart finds nothing more to move

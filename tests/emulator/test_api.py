"""The emulator's SCORM Cloud API v2 contract, exercised over real HTTP on loopback."""
import threading
import time
from urllib.parse import quote, urlsplit

import pytest
import requests
from werkzeug.serving import make_server
from werkzeug.wrappers import Request, Response

from scorm_cloud_emulator.config import EmulatorConfig
from scorm_cloud_emulator.launch import LaunchClaims, sign_launch_token
from scorm_cloud_emulator.server import EmulatorServer

GOLF_12 = "golf_RuntimeBasicCalls_SCORM12.zip"
GOLF_2004 = "golf_RuntimeBasicCalls_SCORM20043rdEdition.zip"


def session_for(emulator):
    session = requests.Session()
    session.auth = (emulator.config.app_id, emulator.config.secret_key)
    return session


@pytest.fixture
def api(emulator):
    return session_for(emulator)


def wait_for_job(session, emulator, job_id):
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        job = session.get(f"{emulator.api_url}/courses/importJobs/{job_id}").json()
        if job["status"] != "RUNNING":
            return job
        time.sleep(0.02)
    raise AssertionError(f"import job {job_id} still RUNNING")


def upload(session, emulator, package_path, course_id, **params):
    with open(package_path, "rb") as package:
        return session.post(f"{emulator.api_url}/courses/importJobs/upload",
                            params={"courseId": course_id, **params},
                            files={"file": (package_path.name, package, "application/zip")})


def import_course(session, emulator, package_path, course_id, **params):
    response = upload(session, emulator, package_path, course_id, **params)
    assert response.status_code == 200, response.text
    job = wait_for_job(session, emulator, response.json()["result"])
    assert job["status"] == "COMPLETE", job
    return job


def register(session, emulator, registration_id, course_id="course", learner_id="learner", **extra):
    body = {"courseId": course_id, "registrationId": registration_id, "learner": {"id": learner_id}, **extra}
    response = session.post(f"{emulator.api_url}/registrations", json=body)
    assert response.status_code == 204, response.text
    return response


def listed_ids(session, emulator, resource, **params):
    """The ids a listing (``registrations`` or ``courses``) returns across all its pages, in order."""
    listed = []
    while True:
        response = session.get(f"{emulator.api_url}/{resource}", params=params)
        assert response.status_code == 200, response.text
        body = response.json()
        listed.extend(item["id"] for item in body[resource])
        if "more" not in body:
            return listed
        params = {"more": body["more"]}


@pytest.fixture
def course(api, emulator, scorm_packages):
    return import_course(api, emulator, scorm_packages / GOLF_12, "course")["importResult"]["course"]


# -- auth and errors -------------------------------------------------------------------------------

def test_ping_with_credentials(api, emulator):
    response = api.get(f"{emulator.api_url}/ping")
    assert response.status_code == 200
    assert response.json()["apiMessage"] == "pong"
    assert response.json()["currentTime"].endswith("Z")


@pytest.mark.parametrize("auth", [None, ("test-app", "wrong"), ("other", "test-secret")])
@pytest.mark.parametrize("method, path", [("GET", "/ping"), ("GET", "/registrations/r"),
                                          ("POST", "/registrations"), ("GET", "/no/such/path")])
def test_wrong_or_missing_credentials_get_401(emulator, auth, method, path):
    response = requests.request(method, f"{emulator.api_url}{path}", auth=auth)
    assert response.status_code == 401
    assert response.json() == {"error": "Authorization Required."}


def test_bearer_token_is_not_basic_auth(emulator):
    response = requests.get(f"{emulator.api_url}/ping", headers={"Authorization": "Bearer abc"})
    assert response.status_code == 401


def test_error_shape_defaults_to_message(api, emulator):
    response = api.get(f"{emulator.api_url}/courses/missing")
    assert response.status_code == 404
    assert response.json() == {"message": "Could not find course [missing]"}


def test_error_shape_can_be_error(emulator_factory):
    emulator = emulator_factory(error_shape="error")
    response = session_for(emulator).get(f"{emulator.api_url}/registrations/missing")
    assert response.status_code == 404
    assert response.json() == {"error": "Could not find registration [missing]"}


def test_config_rejects_unknown_error_shape(tmp_path):
    with pytest.raises(ValueError, match="error_shape"):
        EmulatorConfig(data_dir=tmp_path, error_shape="detail")


# -- import jobs and courses ---------------------------------------------------------------------------

def test_upload_import_of_a_real_package(api, emulator, scorm_packages):
    job = import_course(api, emulator, scorm_packages / GOLF_2004, "golf-2004")
    result = job["importResult"]
    assert isinstance(result["parserWarnings"], list)
    assert all(isinstance(warning, str) for warning in result["parserWarnings"])
    assert isinstance(result["courseLanguages"], list)
    course = result["course"]
    assert course["id"] == "golf-2004"
    assert course["title"] == "Golf Explained - Run-time Basic Calls"
    assert course["version"] == 0
    assert course["courseLearningStandard"] == "SCORM20043RDEDITION"
    assert course["created"].endswith("Z")
    assert course["rootActivity"]["children"]
    fetched = api.get(f"{emulator.api_url}/courses/golf-2004").json()
    assert fetched == course


def test_import_of_a_zip_without_manifest_ends_in_error(api, emulator, scorm_packages):
    response = upload(api, emulator, scorm_packages / "edge_invalid_no_manifest.zip", "broken")
    job = wait_for_job(api, emulator, response.json()["result"])
    assert job["status"] == "ERROR"
    assert "imsmanifest.xml" in job["message"]
    assert api.get(f"{emulator.api_url}/courses/broken").status_code == 404


def test_import_job_stays_running_for_the_configured_delay(emulator_factory, scorm_packages):
    emulator = emulator_factory(import_delay=1.0)
    session = session_for(emulator)
    job_id = upload(session, emulator, scorm_packages / GOLF_12, "slow").json()["result"]
    assert session.get(f"{emulator.api_url}/courses/importJobs/{job_id}").json() == {
        "jobId": job_id, "status": "RUNNING"}
    assert wait_for_job(session, emulator, job_id)["status"] == "COMPLETE"


def test_unknown_import_job_is_404(api, emulator):
    assert api.get(f"{emulator.api_url}/courses/importJobs/abc").status_code == 404


def test_upload_needs_course_id_and_file(api, emulator, scorm_packages):
    response = api.post(f"{emulator.api_url}/courses/importJobs/upload", files={"file": ("a.zip", b"PK")})
    assert response.status_code == 400
    assert "courseId" in response.json()["message"]
    response = api.post(f"{emulator.api_url}/courses/importJobs/upload", params={"courseId": "c"},
                        files={"other": ("a.zip", b"PK")})
    assert response.status_code == 400
    assert "file" in response.json()["message"]


def test_upload_refuses_media_content_types(api, emulator, scorm_packages):
    with open(scorm_packages / GOLF_12, "rb") as package:
        response = api.post(f"{emulator.api_url}/courses/importJobs/upload", params={"courseId": "c"},
                            headers={"uploadedContentType": "video/mp4"}, files={"file": package})
    assert response.status_code == 400


def test_reimport_without_new_version_is_409_and_with_it_a_new_version(api, emulator, scorm_packages, course):
    response = upload(api, emulator, scorm_packages / GOLF_12, "course")
    assert response.status_code == 409
    assert response.json()["message"] == "Course [course] already exists"

    job = import_course(api, emulator, scorm_packages / GOLF_2004, "course", mayCreateNewVersion="True")
    assert job["importResult"]["course"]["version"] == 1
    assert api.get(f"{emulator.api_url}/courses/course").json()["version"] == 1
    versions = api.get(f"{emulator.api_url}/courses/course/versions").json()
    assert [v["version"] for v in versions["courses"]] == [0, 1]
    assert "more" not in versions
    version0 = api.get(f"{emulator.api_url}/courses/course/versions/0").json()
    assert version0["courseLearningStandard"] == "SCORM12"
    assert api.get(f"{emulator.api_url}/courses/course/versions/7").status_code == 404
    assert api.get(f"{emulator.api_url}/courses/course/versions/x").status_code == 400


def test_may_create_new_version_must_be_a_boolean(api, emulator, scorm_packages):
    response = upload(api, emulator, scorm_packages / GOLF_12, "c", mayCreateNewVersion="yes")
    assert response.status_code == 400


@pytest.fixture
def file_server(scorm_packages):
    """Serve the packages directory over HTTP on loopback, like a CDN SCORM Cloud would fetch from."""
    def app(environ, start_response):
        request = Request(environ)
        path = scorm_packages / request.path.lstrip("/")
        if not path.is_file() or path.parent != scorm_packages:
            return Response("missing", status=404)(environ, start_response)
        return Response(path.read_bytes(), mimetype="application/zip")(environ, start_response)

    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    thread.join()


def test_fetch_import(api, emulator, file_server):
    response = api.post(f"{emulator.api_url}/courses/importJobs", params={"courseId": "fetched"},
                        json={"url": f"{file_server}/{GOLF_12}", "unknownField": 1})
    assert response.status_code == 200
    job = wait_for_job(api, emulator, response.json()["result"])
    assert job["status"] == "COMPLETE"
    assert job["importResult"]["course"]["courseLearningStandard"] == "SCORM12"
    again = api.post(f"{emulator.api_url}/courses/importJobs", params={"courseId": "fetched"},
                     json={"url": f"{file_server}/{GOLF_12}"})
    assert again.status_code == 409


def test_fetch_import_tags_the_course(api, emulator, file_server):
    response = api.post(f"{emulator.api_url}/courses/importJobs", params={"courseId": "fetched", "tags": "x,y"},
                        json={"url": f"{file_server}/{GOLF_12}"})
    job = wait_for_job(api, emulator, response.json()["result"])
    assert job["importResult"]["course"]["tags"] == ["x", "y"]
    assert api.get(f"{emulator.api_url}/courses/fetched").json()["tags"] == ["x", "y"]


def test_fetch_import_of_a_missing_url_ends_in_error(api, emulator, file_server):
    response = api.post(f"{emulator.api_url}/courses/importJobs", params={"courseId": "c"},
                        json={"url": f"{file_server}/nothing.zip"})
    job = wait_for_job(api, emulator, response.json()["result"])
    assert job["status"] == "ERROR"
    assert "404" in job["message"]


@pytest.mark.parametrize("body", [{}, {"url": "ftp://example.org/a.zip"}, {"url": 3}])
def test_fetch_import_needs_an_http_url(api, emulator, body):
    response = api.post(f"{emulator.api_url}/courses/importJobs", params={"courseId": "c"}, json=body)
    assert response.status_code == 400


def test_malformed_json_is_400(api, emulator):
    response = api.post(f"{emulator.api_url}/courses/importJobs", params={"courseId": "c"}, data="{nope",
                        headers={"Content-Type": "application/json"})
    assert response.status_code == 400
    assert "JSON" in response.json()["message"]


def test_course_listing_and_title(emulator_factory, scorm_packages):
    emulator = emulator_factory(page_size=2)
    session = session_for(emulator)
    for course_id in ("a", "b", "c"):
        import_course(session, emulator, scorm_packages / GOLF_12, course_id)
    assert session.put(f"{emulator.api_url}/courses/b/title", json={"title": "Renamed"}).status_code == 204
    assert session.put(f"{emulator.api_url}/courses/b/title", json={}).status_code == 400
    assert session.put(f"{emulator.api_url}/courses/zz/title", json={"title": "x"}).status_code == 404

    first = session.get(f"{emulator.api_url}/courses", params={"includeTotalCount": "true"})
    assert first.headers["X-Total-Count"] == "3"
    second = session.get(f"{emulator.api_url}/courses", params={"more": first.json()["more"]})
    assert "X-Total-Count" not in second.headers
    assert "more" not in second.json()
    courses = first.json()["courses"] + second.json()["courses"]
    assert sorted(c["id"] for c in courses) == ["a", "b", "c"]
    assert {c["id"]: c["title"] for c in courses}["b"] == "Renamed"


def test_delete_course_removes_it_and_its_registrations(api, emulator, course):
    register(api, emulator, "r1")
    assert api.delete(f"{emulator.api_url}/courses/course").status_code == 204
    assert api.get(f"{emulator.api_url}/courses/course").status_code == 404
    assert api.head(f"{emulator.api_url}/registrations/r1").status_code == 404
    assert api.delete(f"{emulator.api_url}/courses/course").status_code == 404


def test_set_course_title_renames_every_version(api, emulator, scorm_packages, course):
    import_course(api, emulator, scorm_packages / GOLF_12, "course", mayCreateNewVersion="true")
    assert api.put(f"{emulator.api_url}/courses/course/title", json={"title": "Renamed"}).status_code == 204
    versions = api.get(f"{emulator.api_url}/courses/course/versions").json()["courses"]
    assert [version["title"] for version in versions] == ["Renamed", "Renamed"]


def registration_counts(session, emulator, course_id):
    """registrationCount of the course and of each version (by GetCourseVersions and GetCourseVersionInfo)."""
    params = {"includeRegistrationCount": "true"}
    url = f"{emulator.api_url}/courses/{course_id}"
    versions = session.get(f"{url}/versions", params=params).json()["courses"]
    for version in versions:
        info = session.get(f"{url}/versions/{version['version']}", params=params).json()
        assert info["registrationCount"] == version["registrationCount"]
    return (session.get(url, params=params).json()["registrationCount"],
            {version["version"]: version["registrationCount"] for version in versions})


def test_a_versions_registration_count_counts_the_registrations_on_it(api, emulator, scorm_packages, course):
    register(api, emulator, "on-0")
    import_course(api, emulator, scorm_packages / GOLF_12, "course", mayCreateNewVersion="true")
    register(api, emulator, "on-1")
    assert registration_counts(api, emulator, "course") == (2, {0: 1, 1: 1})
    # A new instance moves on-0 to version 1; its instance 0 stays on version 0.
    assert api.post(f"{emulator.api_url}/registrations/on-0/instances").status_code == 204
    assert registration_counts(api, emulator, "course") == (2, {0: 1, 1: 2})


def test_deleting_a_version_deletes_the_registration_instances_on_it(api, emulator, scorm_packages, course):
    register(api, emulator, "only-0")
    register(api, emulator, "both")
    import_course(api, emulator, scorm_packages / GOLF_12, "course", mayCreateNewVersion="true")
    assert api.post(f"{emulator.api_url}/registrations/both/instances").status_code == 204
    register(api, emulator, "only-1")

    assert api.delete(f"{emulator.api_url}/courses/course/versions/0").status_code == 204
    assert api.head(f"{emulator.api_url}/registrations/only-0").status_code == 404
    instances = api.get(f"{emulator.api_url}/registrations/both/instances").json()["registrations"]
    assert [(item["instance"], item["course"]["version"]) for item in instances] == [(1, 1)]
    assert api.get(f"{emulator.api_url}/registrations/both/instances/0").status_code == 404
    listed = api.get(f"{emulator.api_url}/registrations").json()["registrations"]
    assert sorted(item["id"] for item in listed) == ["both", "only-1"]
    assert {item["course"]["title"] for item in listed} == {course["title"]}
    assert registration_counts(api, emulator, "course") == (2, {1: 2})


def test_deleting_the_latest_version_leaves_a_registration_on_its_earlier_instance(api, emulator, scorm_packages,
                                                                                   course):
    register(api, emulator, "both")
    import_course(api, emulator, scorm_packages / GOLF_12, "course", mayCreateNewVersion="true")
    assert api.post(f"{emulator.api_url}/registrations/both/instances").status_code == 204
    assert api.delete(f"{emulator.api_url}/courses/course/versions/1").status_code == 204
    progress = api.get(f"{emulator.api_url}/registrations/both").json()
    assert (progress["instance"], progress["course"]) == (0, {"id": "course", "title": course["title"],
                                                              "version": 0})


def test_deleting_the_last_version_deletes_the_course(api, emulator, scorm_packages, course):
    import_course(api, emulator, scorm_packages / GOLF_12, "course", mayCreateNewVersion="true")
    assert api.delete(f"{emulator.api_url}/courses/course/versions/1").status_code == 204
    assert api.get(f"{emulator.api_url}/courses/course").json()["version"] == 0
    assert api.delete(f"{emulator.api_url}/courses/course/versions/1").status_code == 404
    register(api, emulator, "r1")
    assert api.delete(f"{emulator.api_url}/courses/course/versions/0").status_code == 204
    assert api.get(f"{emulator.api_url}/courses/course").status_code == 404
    assert api.head(f"{emulator.api_url}/registrations/r1").status_code == 404


# -- registrations ----------------------------------------------------------------------------------

def test_create_registration_and_read_its_progress(api, emulator, course):
    response = register(api, emulator, "r1", learner_id="l1", unknownField={"x": 1},
                        registrationTags=["t1"])
    assert response.content == b""
    progress = api.get(f"{emulator.api_url}/registrations/r1").json()
    assert progress["id"] == "r1"
    assert progress["instance"] == 0
    assert progress["registrationCompletion"] == "UNKNOWN"
    assert progress["registrationSuccess"] == "UNKNOWN"
    assert "score" not in progress
    assert progress["course"] == {"id": "course", "title": course["title"], "version": 0}
    assert progress["learner"] == {"id": "l1"}
    assert progress["tags"] == ["t1"]
    assert progress["createdDate"].endswith("Z")
    assert "activityDetails" not in progress


def test_duplicate_registration_is_400(api, emulator, course):
    register(api, emulator, "r1")
    response = api.post(f"{emulator.api_url}/registrations",
                        json={"courseId": "course", "registrationId": "r1", "learner": {"id": "x"}})
    assert response.status_code == 400
    assert response.json()["message"].startswith("Registration with id [r1] already exists")


def test_registration_for_unknown_course_is_404(api, emulator):
    response = api.post(f"{emulator.api_url}/registrations",
                        json={"courseId": "nope", "registrationId": "r1", "learner": {"id": "x"}})
    assert response.status_code == 404
    assert response.json()["message"] == "Could not find course [nope]"


@pytest.mark.parametrize("body", [
    {"registrationId": "r", "learner": {"id": "l"}},
    {"courseId": "course", "learner": {"id": "l"}},
    {"courseId": "course", "registrationId": "r"},
    {"courseId": "course", "registrationId": "r", "learner": {}},
    {"courseId": "course", "registrationId": "r" * 256, "learner": {"id": "l"}},
    {"courseId": "course", "registrationId": "r", "learner": {"id": "l"}, "postBack": {"url": "nope"}},
    {"courseId": "course", "registrationId": "r", "learner": {"id": "l"},
     "postBack": {"url": "http://127.0.0.1/pb", "authType": "OAUTH"}},
    ["not", "an", "object"],
])
def test_create_registration_validates_its_body(api, emulator, course, body):
    response = api.post(f"{emulator.api_url}/registrations", json=body)
    assert response.status_code == 400
    assert response.json()["message"]


@pytest.mark.parametrize("registration_id", ["a/b", "/", ".", ".."])
def test_registration_ids_no_path_could_address_are_400(api, emulator, course, registration_id):
    response = api.post(f"{emulator.api_url}/registrations", json={
        "courseId": "course", "registrationId": registration_id, "learner": {"id": "l"}})
    assert response.status_code == 400
    assert response.json()["message"].startswith(f"registrationId [{registration_id}] ")
    assert api.get(f"{emulator.api_url}/registrations").json()["registrations"] == []


def test_registration_ids_with_other_punctuation_are_addressable(api, emulator, course):
    registration_id = "a.b_c-d e%f?g#h~.."
    register(api, emulator, registration_id)
    url = f"{emulator.api_url}/registrations/{quote(registration_id, safe='')}"
    assert api.get(url).json()["id"] == registration_id
    assert api.delete(url).status_code == 204


@pytest.mark.parametrize("course_id", ["a/b", ".", "..", "importJobs"])
def test_course_ids_no_path_could_address_are_400(api, emulator, scorm_packages, course_id):
    response = upload(api, emulator, scorm_packages / GOLF_12, course_id)
    assert response.status_code == 400
    assert response.json()["message"].startswith(f"courseId [{course_id}] ")
    response = api.post(f"{emulator.api_url}/courses/importJobs", params={"courseId": course_id},
                        json={"url": "http://127.0.0.1:1/course.zip"})
    assert response.status_code == 400
    assert response.json()["message"].startswith(f"courseId [{course_id}] ")


@pytest.mark.parametrize("learner", [{"id": "l", "firstName": 3}, {"id": "l", "lastName": ["x"]}])
def test_learner_names_must_be_strings(api, emulator, course, learner):
    response = api.post(f"{emulator.api_url}/registrations",
                        json={"courseId": "course", "registrationId": "r", "learner": learner})
    assert response.status_code == 400


def test_head_registration(api, emulator, course):
    register(api, emulator, "r1")
    exists = api.head(f"{emulator.api_url}/registrations/r1")
    missing = api.head(f"{emulator.api_url}/registrations/r2")
    assert (exists.status_code, exists.content) == (200, b"")
    assert (missing.status_code, missing.content) == (404, b"")


def test_progress_shows_score_once_scored_and_child_results_on_request(api, emulator, course):
    register(api, emulator, "r1")
    emulator.admin.set_progress("r1", registrationCompletion="COMPLETED", registrationSuccess="PASSED",
                                score={"scaled": 85}, totalSecondsTracked=42)
    progress = api.get(f"{emulator.api_url}/registrations/r1").json()
    assert progress["score"] == {"scaled": 85.0}
    assert progress["registrationCompletion"] == "COMPLETED"
    assert progress["totalSecondsTracked"] == 42.0
    assert progress["completedDate"].endswith("Z")
    detailed = api.get(f"{emulator.api_url}/registrations/r1", params={"includeChildResults": "True"}).json()
    assert detailed["activityDetails"]["activityCompletion"] == "COMPLETED"
    assert detailed["activityDetails"]["children"]
    assert api.get(f"{emulator.api_url}/registrations/r1",
                   params={"includeChildResults": "maybe"}).status_code == 400


def test_delete_registration(api, emulator, course):
    register(api, emulator, "r1")
    assert api.delete(f"{emulator.api_url}/registrations/r1").status_code == 204
    assert api.get(f"{emulator.api_url}/registrations/r1").status_code == 404
    response = api.delete(f"{emulator.api_url}/registrations/r1")
    assert response.status_code == 404
    assert response.json()["message"] == "Could not find registration [r1]"


def test_instances_and_reset(api, emulator, scorm_packages, course):
    register(api, emulator, "r1")
    emulator.admin.set_progress("r1", registrationCompletion="COMPLETED", score={"scaled": 50})
    assert api.post(f"{emulator.api_url}/registrations/r1/instances").status_code == 204
    latest = api.get(f"{emulator.api_url}/registrations/r1").json()
    assert latest["instance"] == 1
    assert latest["registrationCompletion"] == "UNKNOWN"
    first = api.get(f"{emulator.api_url}/registrations/r1/instances/0").json()
    assert first["score"] == {"scaled": 50.0}
    listed = api.get(f"{emulator.api_url}/registrations/r1/instances").json()["registrations"]
    assert [item["instance"] for item in listed] == [0, 1]
    assert api.get(f"{emulator.api_url}/registrations/r1/instances/5").status_code == 404
    assert api.post(f"{emulator.api_url}/registrations/nope/instances").status_code == 404

    import_course(api, emulator, scorm_packages / GOLF_12, "course", mayCreateNewVersion="true")
    assert api.delete(f"{emulator.api_url}/registrations/r1/progress").status_code == 204
    reset = api.get(f"{emulator.api_url}/registrations/r1").json()
    assert reset["registrationCompletion"] == "UNKNOWN"
    assert "score" not in reset
    assert reset["course"]["version"] == 1
    assert api.delete(f"{emulator.api_url}/registrations/nope/progress").status_code == 404


# -- launch and preview links ------------------------------------------------------------------------

def test_launch_link_opens_the_player_whose_exit_goes_to_the_redirect_url(api, emulator, course):
    register(api, emulator, "r1")
    response = api.post(f"{emulator.api_url}/registrations/r1/launchLink",
                        json={"redirectOnExitUrl": "http://127.0.0.1/back", "expiry": 300})
    assert response.status_code == 200
    link = response.json()["launchLink"]
    assert link.startswith(f"{emulator.root_url}/launch/")
    page = requests.get(link)
    assert page.status_code == 200
    assert urlsplit(page.url).path.startswith("/player/")
    assert course["title"] in page.text
    exit_ = requests.get(page.url + "exit", allow_redirects=False)
    assert (exit_.status_code, exit_.headers["Location"]) == (302, "http://127.0.0.1/back")


@pytest.mark.parametrize("body", [{}, {"redirectOnExitUrl": "not a url"},
                                  {"redirectOnExitUrl": "http://127.0.0.1/", "expiry": 9},
                                  {"redirectOnExitUrl": "http://127.0.0.1/", "expiry": 301},
                                  {"redirectOnExitUrl": "http://127.0.0.1/", "expiry": "60"}])
def test_launch_link_validates_its_request(api, emulator, course, body):
    register(api, emulator, "r1")
    response = api.post(f"{emulator.api_url}/registrations/r1/launchLink", json=body)
    assert response.status_code == 400


def test_launch_link_for_unknown_registration_is_404(api, emulator):
    response = api.post(f"{emulator.api_url}/registrations/abc/launchLink",
                        json={"redirectOnExitUrl": "http://127.0.0.1/"})
    assert response.status_code == 404
    assert response.json()["message"] == "Could not find registration [abc]"


def test_tampered_and_expired_launch_links_are_refused(api, emulator, course):
    register(api, emulator, "r1")
    link = api.post(f"{emulator.api_url}/registrations/r1/launchLink",
                    json={"redirectOnExitUrl": "message"}).json()["launchLink"]
    prefix, token = link.rsplit("/", 1)
    payload, signature = token.split(".")
    tampered = f"{prefix}/{payload[:-2]}{'AA' if payload[-2:] != 'AA' else 'BB'}.{signature}"
    for bad in (tampered, f"{prefix}/garbage", f"{prefix}/{payload}.{signature[::-1]}"):
        response = requests.get(bad)
        assert response.status_code == 403
        assert "not valid" in response.text

    expired = LaunchClaims(course_id="course", course_version=0, registration_id="r1", instance=0,
                           redirect_on_exit_url="message", expires=int(time.time()) - 1)
    response = requests.get(f"{prefix}/{sign_launch_token(expired, emulator.app.launch_key)}")
    assert response.status_code == 403
    assert "expired" in response.text


def test_launching_a_newer_course_version_starts_a_new_instance(api, emulator, scorm_packages, course):
    register(api, emulator, "r1")
    import_course(api, emulator, scorm_packages / GOLF_12, "course", mayCreateNewVersion="true")
    link = api.post(f"{emulator.api_url}/registrations/r1/launchLink",
                    json={"redirectOnExitUrl": "blank"}).json()["launchLink"]
    assert requests.get(link).status_code == 200
    progress = api.get(f"{emulator.api_url}/registrations/r1").json()
    assert (progress["instance"], progress["course"]["version"]) == (1, 1)


def test_preview_link_is_untracked(api, emulator, course):
    response = api.post(f"{emulator.api_url}/courses/course/preview",
                        json={"redirectOnExitUrl": "http://127.0.0.1/back"})
    assert response.status_code == 200
    page = requests.get(response.json()["launchLink"])
    assert page.status_code == 200
    assert course["title"] in page.text
    assert '"tracking": false' in page.text
    assert api.get(f"{emulator.api_url}/registrations").json()["registrations"] == []
    versioned = api.post(f"{emulator.api_url}/courses/course/versions/0/preview",
                         json={"redirectOnExitUrl": "blank"})
    assert versioned.status_code == 200
    assert api.post(f"{emulator.api_url}/courses/nope/preview",
                    json={"redirectOnExitUrl": "blank"}).status_code == 404
    assert api.post(f"{emulator.api_url}/courses/course/preview",
                    json={"redirectOnExitUrl": "blank", "expiry": 1000}).status_code == 400


# -- listing registrations ---------------------------------------------------------------------------

@pytest.fixture
def small_pages(emulator_factory, scorm_packages):
    emulator = emulator_factory(page_size=2)
    session = session_for(emulator)
    import_course(session, emulator, scorm_packages / GOLF_12, "course")
    import_course(session, emulator, scorm_packages / GOLF_12, "other")
    for index in range(5):
        register(session, emulator, f"r{index}", learner_id=f"l{index % 2}",
                 registrationTags=[f"t{index}"])
    register(session, emulator, "x0", course_id="other")
    return emulator, session


def test_registrations_page_with_more(small_pages):
    emulator, session = small_pages
    seen, params, pages = [], {"courseId": "course", "includeTotalCount": "true"}, 0
    while True:
        response = session.get(f"{emulator.api_url}/registrations", params=params)
        assert response.status_code == 200
        assert ("X-Total-Count" in response.headers) == (pages == 0)
        pages += 1
        body = response.json()
        seen.extend(item["id"] for item in body["registrations"])
        if "more" not in body:
            break
        params = {"more": body["more"]}
    assert pages == 3
    assert sorted(seen) == ["r0", "r1", "r2", "r3", "r4"]
    assert seen == sorted(seen, reverse=True)  # created_desc by default


def test_total_count_header(small_pages):
    emulator, session = small_pages
    response = session.get(f"{emulator.api_url}/registrations", params={"includeTotalCount": "True"})
    assert response.headers["X-Total-Count"] == "6"
    assert "X-Total-Count" not in session.get(f"{emulator.api_url}/registrations").headers


def test_more_with_other_filters_is_400(small_pages):
    emulator, session = small_pages
    more = session.get(f"{emulator.api_url}/registrations").json()["more"]
    response = session.get(f"{emulator.api_url}/registrations", params={"more": more, "courseId": "course"})
    assert response.status_code == 400
    assert session.get(f"{emulator.api_url}/registrations", params={"more": "garbage!"}).status_code == 400


def test_registration_filters(small_pages):
    emulator, session = small_pages

    def ids(**params):
        return sorted(listed_ids(session, emulator, "registrations", **params))

    assert ids(learnerId="l1") == ["r1", "r3"]
    assert ids(courseId="other") == ["x0"]
    assert ids(tags="t0,t4") == ["r0", "r4"]
    assert ids(orderBy="created_asc", courseId="other") == ["x0"]


def test_since_and_until_are_inclusive(small_pages):
    emulator, session = small_pages
    created = {rid: session.get(f"{emulator.api_url}/registrations/{rid}").json()["createdDate"]
               for rid in ("r1", "r3")}
    listed = listed_ids(session, emulator, "registrations", since=created["r1"], until=created["r3"],
                        courseId="course")
    assert sorted(listed) == ["r1", "r2", "r3"]


def test_datetime_filter_updated(small_pages):
    emulator, session = small_pages
    updated = emulator.admin.set_progress("r0", registrationCompletion="INCOMPLETE")["updated"]
    body = session.get(f"{emulator.api_url}/registrations",
                       params={"since": updated, "datetimeFilter": "updated"}).json()
    assert [item["id"] for item in body["registrations"]] == ["r0"]


@pytest.mark.parametrize("params", [{"since": "yesterday"}, {"until": "2024-13-45"},
                                    {"datetimeFilter": "launched"}, {"orderBy": "random"},
                                    {"orderBy": "title_asc"}, {"filterBy": "learner_id"},
                                    {"filterBy": "course_id"}, {"includeTotalCount": "yes"}])
def test_invalid_listing_parameters_are_400(api, emulator, params):
    response = api.get(f"{emulator.api_url}/registrations", params=params)
    assert response.status_code == 400
    assert response.json()["message"]


# -- persistence -------------------------------------------------------------------------------------

def test_state_survives_a_restart(tmp_path, scorm_packages):
    config = EmulatorConfig(data_dir=tmp_path, port=0, app_id="app", secret_key="secret")
    with EmulatorServer(config) as first:
        session = session_for(first)
        import_course(session, first, scorm_packages / GOLF_12, "course")
        register(session, first, "r1")
        first.admin.set_progress("r1", registrationSuccess="FAILED")
        link = session.post(f"{first.api_url}/registrations/r1/launchLink",
                            json={"redirectOnExitUrl": "blank", "expiry": 300}).json()["launchLink"]
    with EmulatorServer(config) as second:
        session = session_for(second)
        assert session.get(f"{second.api_url}/courses/course").json()["title"]
        assert session.get(f"{second.api_url}/registrations/r1").json()["registrationSuccess"] == "FAILED"
        # The signing key persists, so a link built before the restart still opens.
        relaunch = f"{second.root_url}{urlsplit(link).path}"
        assert requests.get(relaunch).status_code == 200

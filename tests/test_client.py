"""The SCORM Cloud client: pure parsing, the streamed upload body, and every operation against the
emulator over real HTTP (errors, retries and paging included)."""
import base64
import io
import json
import socket
import threading
import time
from datetime import datetime, timedelta, timezone
from functools import partial
from http.server import BaseHTTPRequestHandler, HTTPServer, SimpleHTTPRequestHandler, ThreadingHTTPServer

import pytest
import requests
from werkzeug.formparser import parse_form_data
from werkzeug.test import EnvironBuilder

from scorm_cloud_xblock.client import (
    AlreadyExists,
    AuthenticationFailed,
    BadRequest,
    Course,
    ImportJob,
    Learner,
    Misconfigured,
    MultipartFile,
    NotFound,
    PostBack,
    RegistrationProgress,
    ScormCloudClient,
    ScormCloudError,
    Unavailable,
    error_for_status,
    error_message,
    parse_datetime,
    transport_error,
)

GOLF_12 = "golf_RuntimeBasicCalls_SCORM12.zip"
GOLF_2004 = "golf_RuntimeBasicCalls_SCORM20043rdEdition.zip"
EXIT_URL = "http://127.0.0.1:1/exit"


# --- Parsing (pure) ------------------------------------------------------------------------------

def test_registration_progress_from_full_schema():
    progress = RegistrationProgress.from_json({
        "id": "reg-1", "instance": 2, "updated": "2024-03-01T10:00:00.123Z",
        "registrationCompletion": "COMPLETED", "registrationSuccess": "PASSED",
        "registrationCompletionAmount": 1.0, "score": {"scaled": 87.5}, "totalSecondsTracked": 61.5,
        "firstAccessDate": "2024-03-01T09:00:00Z", "lastAccessDate": "2024-03-01T09:59:00+02:00",
        "completedDate": "2024-03-01T09:58:00Z", "createdDate": "2024-02-01T00:00:00Z",
        "course": {"id": "c1", "title": "Golf", "version": 3}, "learner": {"id": "L1", "firstName": "A"},
        "activityDetails": {"children": []}, "someFutureField": {"x": 1},
    })
    assert progress == RegistrationProgress(
        id="reg-1", instance=2, updated=datetime(2024, 3, 1, 10, 0, 0, 123000, tzinfo=timezone.utc),
        completion="COMPLETED", success="PASSED", score=87.5, total_seconds=61.5,
        first_access=datetime(2024, 3, 1, 9, 0, tzinfo=timezone.utc),
        last_access=datetime(2024, 3, 1, 7, 59, tzinfo=timezone.utc),
        completed_date=datetime(2024, 3, 1, 9, 58, tzinfo=timezone.utc),
        created=datetime(2024, 2, 1, tzinfo=timezone.utc),
        course_id="c1", course_title="Golf", course_version=3, learner_id="L1", completion_amount=1.0,
    )


def test_registration_progress_tolerates_odd_data():
    java_date = {"offset": {"totalSeconds": 0}, "year": 2020, "month": "JANUARY", "dayOfMonth": 3}
    progress = RegistrationProgress.from_json({
        "id": "reg-2", "instance": "x", "updated": java_date, "registrationCompletion": "completed",
        "registrationSuccess": "MAYBE", "registrationCompletionAmount": "NaN", "score": {"scaled": "NaN"},
        "totalSecondsTracked": None, "firstAccessDate": "not a date", "lastAccessDate": 1700000000,
        "course": "c1", "learner": None,
    })
    assert progress.updated is None
    assert progress.instance is None  # unknown, not the first
    assert progress.completion == "COMPLETED"
    assert progress.success == "UNKNOWN"
    assert progress.completion_amount is None
    assert progress.score is None
    assert progress.total_seconds == 0.0
    assert progress.first_access is None and progress.last_access is None
    assert progress.course_id == "" and progress.learner_id == ""


def test_registration_progress_from_empty_or_non_object():
    assert RegistrationProgress.from_json({}) == RegistrationProgress(id="")
    assert RegistrationProgress.from_json(None) == RegistrationProgress(id="")


def test_registration_progress_without_instance_does_not_say_which():
    assert RegistrationProgress.from_json({"id": "r"}).instance is None
    assert RegistrationProgress.from_json({"id": "r", "instance": 0}).instance == 0


def test_score_stays_on_scorm_clouds_0_to_100_scale():
    assert RegistrationProgress.from_json({"score": {"scaled": 100}}).score == 100.0
    assert RegistrationProgress.from_json({"score": {"scaled": 0.5}}).score == 0.5
    assert RegistrationProgress.from_json({"score": None}).score is None


def test_parse_datetime_shapes():
    assert parse_datetime("2024-01-02T03:04:05.123456789Z") == datetime(2024, 1, 2, 3, 4, 5, 123456,
                                                                         tzinfo=timezone.utc)
    assert parse_datetime("2024-01-02T03:04:05") == datetime(2024, 1, 2, 3, 4, 5, tzinfo=timezone.utc)
    for odd in (None, "", "yesterday", 12, {"year": 2020}, ["2024-01-02"]):
        assert parse_datetime(odd) is None


def test_import_job_and_course_from_json():
    job = ImportJob.from_json({
        "jobId": "j1", "status": "COMPLETE", "message": None,
        "importResult": {"webPathToCourse": "x", "parserWarnings": ["w1", 3], "courseLanguages": ["en"],
                         "course": {"id": "c1", "title": "T", "version": 1, "courseLearningStandard": "SCORM12",
                                    "created": "2024-01-01T00:00:00Z", "registrationCount": 4,
                                    "tags": ["a"], "rootActivity": {}}},
    })
    assert job == ImportJob(
        job_id="j1", status="COMPLETE", message="",
        course=Course(id="c1", title="T", version=1, learning_standard="SCORM12",
                      created=datetime(2024, 1, 1, tzinfo=timezone.utc), registration_count=4, tags=("a",)),
        parser_warnings=("w1",), course_languages=("en",),
    )
    assert ImportJob.from_json({"jobId": "j2", "status": "RUNNING"}).course is None
    assert ImportJob.from_json({"jobId": "j3", "status": "ERROR", "message": "no manifest"}).message == "no manifest"


def test_learner_and_postback_json():
    assert Learner("L1", "Ada", "Lovelace").to_json() == {"id": "L1", "firstName": "Ada", "lastName": "Lovelace"}
    assert Learner("L1", email="a@example.com").to_json()["email"] == "a@example.com"
    assert PostBack("https://lms.example/pb", "user", "pw").to_json() == {
        "url": "https://lms.example/pb", "authType": "HTTPBASIC", "userName": "user", "password": "pw",
        "resultsFormat": "COURSE", "legacy": False,
    }


@pytest.mark.parametrize("status, message, expected", [
    (401, "Authorization Required.", AuthenticationFailed),
    (404, "Could not find course [x]", NotFound),
    (400, "Registration with id [r] already exists", AlreadyExists),
    (409, "Course [c] already exists", AlreadyExists),
    (400, "expiry must be between 10 and 300", BadRequest),
    (403, "forbidden", BadRequest),
    (429, "slow down", Unavailable),
    (500, "boom", Unavailable),
    (503, "maintenance", Unavailable),
])
def test_error_for_status(status, message, expected):
    error = error_for_status(status, message)
    assert type(error) is expected
    assert isinstance(error, ScormCloudError)
    assert (error.status, error.message) == (status, message)


@pytest.mark.parametrize("error, expected", [
    (requests.ConnectionError("refused"), Unavailable),
    (requests.exceptions.ConnectTimeout("connect timed out"), Unavailable),
    (requests.exceptions.ReadTimeout("read timed out"), Unavailable),
    (requests.exceptions.SSLError("bad handshake"), Unavailable),
    (requests.exceptions.ChunkedEncodingError("cut short"), Unavailable),
    (requests.exceptions.ContentDecodingError("not gzip"), Unavailable),
    (requests.exceptions.RetryError("too many 503s"), Unavailable),
    (requests.exceptions.MissingSchema("No scheme supplied"), Misconfigured),
    (requests.exceptions.InvalidSchema("No connection adapters"), Misconfigured),
    (requests.exceptions.InvalidURL("No host supplied"), Misconfigured),
    (requests.exceptions.URLRequired("no URL"), Misconfigured),
    (requests.exceptions.TooManyRedirects("Exceeded 30 redirects"), Misconfigured),
    (requests.exceptions.InvalidJSONError("NaN"), ScormCloudError),
    (requests.exceptions.InvalidHeader("bad header"), ScormCloudError),
    (requests.exceptions.UnrewindableBodyError("cannot rewind"), ScormCloudError),
    (requests.RequestException("anything else"), ScormCloudError),
])
def test_every_requests_error_becomes_a_scorm_cloud_error(error, expected):
    mapped = transport_error("GET", "ping", "https://cloud.scorm.com/api/v2/", error)
    assert type(mapped) is expected
    assert mapped.status is None
    assert str(error) in mapped.message


def test_error_message_reads_message_error_or_text():
    assert error_message(b'{"message": "from message"}') == "from message"
    assert error_message(b'{"error": "from error"}') == "from error"
    assert error_message(b"<html>Bad Gateway</html>\n") == "<html>Bad Gateway</html>"
    assert error_message(b"", "Service Unavailable") == "Service Unavailable"


# --- The streamed multipart body (pure) ----------------------------------------------------------

def _parse_multipart(body: bytes, content_type: str):
    environ = EnvironBuilder(method="POST", data=body, content_type=content_type).get_environ()
    _, form, files = parse_form_data(environ)
    return form, files


def test_multipart_body_is_a_valid_form_with_a_known_length():
    payload = bytes(range(256)) * 1000
    fileobj = io.BytesIO(b"skipped" + payload)
    fileobj.seek(len(b"skipped"))
    body = MultipartFile("file", fileobj, 'my "package".zip', "application/zip")

    chunks = []
    while chunk := body.read(7000):
        chunks.append(chunk)
    raw = b"".join(chunks)

    assert len(raw) == len(body)
    form, files = _parse_multipart(raw, body.content_type)
    assert files["file"].filename == 'my "package".zip'
    assert files["file"].mimetype == "application/zip"
    assert files["file"].read() == payload


def test_multipart_body_rewinds_for_a_retry():
    body = MultipartFile("file", io.BytesIO(b"0123456789" * 100), "p.zip")
    first = body.read()
    assert body.read(10) == b""
    body.seek(0)
    assert body.read() == first
    body.seek(len(first) - 20)
    assert body.read() == first[-20:]


def test_multipart_body_refuses_a_file_that_shrinks():
    fileobj = io.BytesIO(b"x" * 100)
    body = MultipartFile("file", fileobj, "p.zip")
    fileobj.truncate(10)
    with pytest.raises(OSError):
        body.read()


# --- Against the emulator ------------------------------------------------------------------------

def make_client(server, secret="test-secret", **options):
    options.setdefault("retries", 3)
    options.setdefault("backoff_factor", 0)
    options.setdefault("timeout", (2, 10))
    return ScormCloudClient("test-app", secret, base_url=server.api_url, **options)


@pytest.fixture
def client(emulator):
    with make_client(emulator) as client:
        yield client


def wait_for_import(client, job_id, timeout=20):
    deadline = time.monotonic() + timeout
    while (job := client.import_status(job_id)).status == ImportJob.RUNNING:
        assert time.monotonic() < deadline, f"import job {job_id} still running"
        time.sleep(0.05)
    return job


def import_course(client, scorm_packages, course_id, package=GOLF_12, **options):
    with open(scorm_packages / package, "rb") as fileobj:
        job_id = client.upload_import(course_id, fileobj, filename=package, **options)
    job = wait_for_import(client, job_id)
    assert job.status == ImportJob.COMPLETE, job.message
    return job


def calls(server, operation):
    return server.admin.stats()["calls"].get(operation, 0)


def test_ping(client):
    client.ping()


def test_wrong_secret_is_authentication_failed(emulator):
    with make_client(emulator, secret="wrong") as client, pytest.raises(AuthenticationFailed) as caught:
        client.ping()
    assert caught.value.status == 401
    assert caught.value.message == "Authorization Required."


def test_upload_import_polls_to_a_course(emulator_factory, scorm_packages):
    emulator = emulator_factory(import_delay=0.2)
    with make_client(emulator) as client:
        with open(scorm_packages / GOLF_2004, "rb") as fileobj:
            job_id = client.upload_import("golf-2004", fileobj, filename=GOLF_2004)
        assert client.import_status(job_id).status == ImportJob.RUNNING
        job = wait_for_import(client, job_id)

        assert job.status == ImportJob.COMPLETE
        assert job.job_id == job_id
        assert job.course.id == "golf-2004"
        assert job.course.title
        assert job.course.learning_standard == "SCORM20043RDEDITION"
        course = client.get_course("golf-2004")
        assert (course.id, course.title, course.version) == (job.course.id, job.course.title, job.course.version)
        assert course.created is not None and course.updated is not None


def test_upload_import_of_an_invalid_package_ends_in_error(client, scorm_packages):
    with open(scorm_packages / "edge_invalid_no_manifest.zip", "rb") as fileobj:
        job = wait_for_import(client, client.upload_import("broken", fileobj))
    assert job.status == ImportJob.ERROR
    assert job.message
    assert job.course is None


def test_reimport_needs_may_create_new_version(client, scorm_packages):
    first = import_course(client, scorm_packages, "golf")
    with pytest.raises(AlreadyExists) as caught, open(scorm_packages / GOLF_12, "rb") as fileobj:
        client.upload_import("golf", fileobj)
    assert caught.value.status == 409
    assert "already exists" in caught.value.message

    second = import_course(client, scorm_packages, "golf", may_create_new_version=True)
    assert second.course.version == first.course.version + 1
    assert client.get_course("golf").version == second.course.version
    versions = sorted(course.version for course in client.course_versions("golf"))
    assert versions == [first.course.version, second.course.version]
    assert client.get_course_version("golf", first.course.version).version == first.course.version


@pytest.fixture
def package_server(scorm_packages):
    """Serve the packages over HTTP on the loopback, for fetch imports."""
    handler = partial(SimpleHTTPRequestHandler, directory=str(scorm_packages))
    handler.log_message = lambda *args: None
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


def test_fetch_import(client, package_server):
    job = wait_for_import(client, client.fetch_import("fetched", f"{package_server}/{GOLF_12}"))
    assert job.status == ImportJob.COMPLETE, job.message
    assert client.get_course("fetched").learning_standard == "SCORM12"


def test_unknown_course_and_job_are_not_found(client):
    with pytest.raises(NotFound) as caught:
        client.get_course("nope")
    assert caught.value.status == 404
    with pytest.raises(NotFound):
        client.import_status("no-such-job")
    with pytest.raises(NotFound):
        client.course_versions("nope")


def test_delete_course(client, scorm_packages):
    import_course(client, scorm_packages, "gone")
    client.delete_course("gone")
    with pytest.raises(NotFound):
        client.get_course("gone")


def test_course_preview_link(client, emulator, scorm_packages):
    job = import_course(client, scorm_packages, "preview")
    assert client.course_preview_link("preview", EXIT_URL).startswith(emulator.root_url)
    assert client.course_preview_link("preview", EXIT_URL, version=job.course.version).startswith("http")
    with pytest.raises(NotFound):
        client.course_preview_link("nope", EXIT_URL)


def test_list_courses_follows_more(emulator_factory, scorm_packages):
    emulator = emulator_factory(page_size=2)
    with make_client(emulator) as client:
        before = datetime.now(timezone.utc) - timedelta(seconds=1)
        for course_id in ("c1", "c2", "c3"):
            import_course(client, scorm_packages, course_id)
        emulator.admin.reset_stats()
        assert sorted(course.id for course in client.list_courses()) == ["c1", "c2", "c3"]
        assert calls(emulator, "GetCourses") == 2

        # Filters go out in camelCase on the first page only; the emulator refuses them with `more`.
        created = client.list_courses(since=before, datetime_filter="created")
        assert sorted(course.id for course in created) == ["c1", "c2", "c3"]
        assert list(client.list_courses(since=datetime.now(timezone.utc) + timedelta(days=1))) == []


@pytest.fixture
def course(client, scorm_packages):
    return import_course(client, scorm_packages, "golf").course


def test_registration_lifecycle(client, emulator, course):
    assert not client.registration_exists("reg-1")
    client.create_registration("reg-1", course.id, Learner("learner-1", "Ada", "Lovelace", "ada@example.com"))
    assert client.registration_exists("reg-1")

    progress = client.registration_progress("reg-1")
    assert (progress.id, progress.course_id, progress.learner_id) == ("reg-1", course.id, "learner-1")
    assert (progress.completion, progress.success, progress.score) == ("UNKNOWN", "UNKNOWN", None)
    assert progress.instance == 0
    assert progress.created is not None

    emulator.admin.set_progress("reg-1", registrationCompletion="COMPLETED", registrationSuccess="PASSED",
                                score={"scaled": 87.5}, totalSecondsTracked=125)
    progress = client.registration_progress("reg-1")
    assert (progress.completion, progress.success, progress.score) == ("COMPLETED", "PASSED", 87.5)
    assert progress.total_seconds == 125

    client.new_registration_instance("reg-1")
    assert client.registration_progress("reg-1").instance == 1

    client.reset_registration_progress("reg-1")
    progress = client.registration_progress("reg-1")
    assert (progress.completion, progress.score) == ("UNKNOWN", None)

    client.delete_registration("reg-1")
    assert not client.registration_exists("reg-1")
    with pytest.raises(NotFound):
        client.registration_progress("reg-1")
    with pytest.raises(NotFound):
        client.delete_registration("reg-1")


def test_duplicate_registration_is_already_exists(client, course):
    client.create_registration("dup", course.id, Learner("l1"))
    with pytest.raises(AlreadyExists) as caught:
        client.create_registration("dup", course.id, Learner("l1"))
    assert caught.value.status == 400
    assert "already exists" in caught.value.message


def test_registration_for_unknown_course_is_not_found(client):
    with pytest.raises(NotFound) as caught:
        client.create_registration("r", "no-course", Learner("l1"))
    assert "no-course" in caught.value.message


def test_launch_link(client, emulator, course):
    client.create_registration("launch", course.id, Learner("l1"))
    assert client.launch_link("launch", EXIT_URL).startswith(emulator.root_url)
    assert client.launch_link("launch", EXIT_URL, expiry=300).startswith(emulator.root_url)
    for expiry in (9, 301):
        with pytest.raises(BadRequest) as caught:
            client.launch_link("launch", EXIT_URL, expiry=expiry)
        assert caught.value.status == 400
        assert caught.value.message
    with pytest.raises(NotFound):
        client.launch_link("nope", EXIT_URL)


def test_list_registrations_filters_and_follows_more(emulator_factory, scorm_packages):
    emulator = emulator_factory(page_size=2)
    with make_client(emulator) as client:
        import_course(client, scorm_packages, "a")
        import_course(client, scorm_packages, "b")
        for index in range(5):
            client.create_registration(f"a-{index}", "a", Learner(f"l{index}"))
        client.create_registration("b-0", "b", Learner("l0"))
        emulator.admin.reset_stats()

        # The emulator refuses filters sent along with `more`, so this also proves they are left out.
        assert sorted(reg.id for reg in client.list_registrations(course_id="a")) == [f"a-{i}" for i in range(5)]
        assert calls(emulator, "GetRegistrations") == 3
        assert [reg.id for reg in client.list_registrations(learner_id="l0", course_id="b")] == ["b-0"]
        assert len(list(client.list_registrations())) == 6

        first = client.list_registrations_page(course_id="a")
        assert len(first.registrations) == 2 and first.more
        second = client.list_registrations_page(more=first.more)
        assert {reg.id for reg in second.registrations}.isdisjoint(reg.id for reg in first.registrations)


def test_list_registrations_since_updated(client, emulator, course):
    client.create_registration("old", course.id, Learner("l1"))
    client.create_registration("touched", course.id, Learner("l2"))
    time.sleep(0.05)  # so `since` falls strictly between creation and the progress update
    since = datetime.now(timezone.utc)
    time.sleep(0.05)
    emulator.admin.set_progress("touched", registrationCompletion="INCOMPLETE")

    updated = client.list_registrations(since=since, datetime_filter="updated")
    assert [reg.id for reg in updated] == ["touched"]
    assert list(client.list_registrations(since=since)) == []  # `created` is the default field
    assert len(list(client.list_registrations(until=since))) == 2
    future = datetime.now(timezone.utc) + timedelta(days=1)
    assert list(client.list_registrations(since=future, datetime_filter="updated")) == []


class _Recorder(BaseHTTPRequestHandler):
    """Records each POST's headers and body and answers like an import-job creation."""

    received = []

    def do_POST(self):
        body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
        self.received.append((self.headers, body))
        answer = b'{"result": "job-1"}'
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(answer)))
        self.end_headers()
        self.wfile.write(answer)

    def log_message(self, *args):
        pass


@pytest.fixture
def recorder():
    """(base URL, list of (headers, body)) of a local server recording what it is sent."""
    handler = type("Recorder", (_Recorder,), {"received": []})
    server = HTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}", handler.received
    server.shutdown()
    server.server_close()


def test_upload_is_one_multipart_body_with_a_content_length(recorder):
    url, received = recorder
    package = io.BytesIO(b"PK" + bytes(range(256)) * 4000)
    with ScormCloudClient("app", "secret", base_url=url + "/api/v2") as client:
        assert client.upload_import("course-1", package, filename="golf.zip") == "job-1"

    headers, body = received[0]
    assert headers["Transfer-Encoding"] is None
    assert int(headers["Content-Length"]) == len(body)
    assert headers["uploadedContentType"] == "application/zip"
    assert headers["Authorization"] == "Basic " + base64.b64encode(b"app:secret").decode()
    _, files = _parse_multipart(body, headers["Content-Type"])
    assert files["file"].filename == "golf.zip"
    assert files["file"].read() == package.getvalue()


def test_test_postback_sends_httpbasic_json(client, recorder):
    url, received = recorder
    client.test_postback(PostBack(url + "/postback", "pb-user", "pb-password"))
    deadline = time.monotonic() + 5
    while not received and time.monotonic() < deadline:
        time.sleep(0.02)
    headers, body = received[0]
    assert headers["Authorization"] == "Basic " + base64.b64encode(b"pb-user:pb-password").decode()
    assert headers["Content-Type"].startswith("application/json")
    assert RegistrationProgress.from_json(json.loads(body)).id


def test_registration_with_postback_is_accepted(client, emulator, course, recorder):
    url, received = recorder
    client.create_registration("with-pb", course.id, Learner("l1"), PostBack(url + "/postback", "u", "p"))
    emulator.admin.set_progress("with-pb", registrationCompletion="COMPLETED", score={"scaled": 40})
    emulator.admin.flush_postbacks()
    headers, body = received[-1]
    assert headers["Authorization"] == "Basic " + base64.b64encode(b"u:p").decode()
    progress = RegistrationProgress.from_json(json.loads(body))
    assert (progress.id, progress.completion, progress.score) == ("with-pb", "COMPLETED", 40.0)


# --- Error shapes, faults and retries ------------------------------------------------------------

def test_error_shape_error_is_read_too(emulator_factory, scorm_packages):
    emulator = emulator_factory(error_shape="error")
    with make_client(emulator) as client:
        import_course(client, scorm_packages, "golf")
        client.create_registration("dup", "golf", Learner("l1"))
        with pytest.raises(AlreadyExists) as caught:
            client.create_registration("dup", "golf", Learner("l1"))
        assert "already exists" in caught.value.message
        with pytest.raises(NotFound) as caught:
            client.get_course("nope")
        assert "nope" in caught.value.message
        with pytest.raises(BadRequest) as caught:
            client.launch_link("dup", EXIT_URL, expiry=1)
        assert caught.value.message


def test_get_recovers_after_two_503s(client, emulator, course):
    client.create_registration("r", course.id, Learner("l1"))
    emulator.admin.reset_stats()
    emulator.admin.inject_faults(api=[{"operation": "GetRegistrationProgress", "status": 503, "times": 2}])
    assert client.registration_progress("r").id == "r"
    assert calls(emulator, "GetRegistrationProgress") == 3


def test_get_gives_up_after_its_retries(emulator, course):
    emulator.admin.inject_faults(api=[{"operation": "GetCourse", "status": 502, "times": 3}])
    with make_client(emulator, retries=2) as client, pytest.raises(Unavailable) as caught:
        client.get_course(course.id)
    assert caught.value.status == 502
    assert calls(emulator, "GetCourse") == 3


def test_post_create_is_not_retried(client, emulator, course):
    emulator.admin.reset_stats()
    emulator.admin.inject_faults(api=[{"operation": "CreateRegistration", "status": 503, "times": 1}])
    with pytest.raises(Unavailable) as caught:
        client.create_registration("once", course.id, Learner("l1"))
    assert caught.value.status == 503
    assert calls(emulator, "CreateRegistration") == 1
    assert not client.registration_exists("once")


@pytest.mark.parametrize("status", [500, 429])
def test_server_errors_and_rate_limits_are_unavailable(client, emulator, course, status):
    client.create_registration("r", course.id, Learner("l1"))
    emulator.admin.inject_faults(api=[{"operation": "BuildRegistrationLaunchLink", "status": status}])
    with pytest.raises(Unavailable) as caught:
        client.launch_link("r", EXIT_URL)
    assert caught.value.status == status


def test_read_timeout_is_unavailable_and_retried_when_idempotent(emulator, course):
    emulator.admin.inject_faults(api=[{"operation": "GetCourse", "delay": 1.0, "times": 1}])
    with make_client(emulator, timeout=(2, 0.3), retries=0) as client, pytest.raises(Unavailable) as caught:
        client.get_course(course.id)
    assert caught.value.status is None

    emulator.admin.inject_faults(api=[{"operation": "GetCourse", "delay": 1.0, "times": 1}])
    with make_client(emulator, timeout=(2, 0.3), retries=1) as client:
        assert client.get_course(course.id).id == course.id


def test_connection_refused_is_unavailable():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    client = ScormCloudClient("app", "secret", base_url=f"http://127.0.0.1:{port}/api/v2", retries=1,
                              backoff_factor=0)
    with client, pytest.raises(Unavailable) as caught:
        client.ping()
    assert caught.value.status is None


class _Canned(BaseHTTPRequestHandler):
    """Gives every GET and POST the same ``answer``: (status, headers, body)."""

    answer = (200, {}, b"{}")

    def do_GET(self):
        self.rfile.read(int(self.headers.get("Content-Length", 0)))
        status, headers, body = self.answer
        self.send_response(status)
        for name, value in {"Content-Type": "application/json", "Content-Length": str(len(body)), **headers}.items():
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(body)

    do_POST = do_GET

    def log_message(self, *args):
        pass


@pytest.fixture
def answering():
    """Start a local server that gives every call one answer; get a client of it (no retries)."""
    started = []

    def start(status=200, body=b"{}", headers=None):
        handler = type("Canned", (_Canned,), {"answer": (status, headers or {}, body)})
        server = HTTPServer(("127.0.0.1", 0), handler)
        threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True).start()
        client = ScormCloudClient("app", "secret", base_url=f"http://127.0.0.1:{server.server_address[1]}/api/v2",
                                  retries=0, timeout=(2, 10))
        started.append((server, client))
        return client

    yield start
    for server, client in started:
        client.close()
        server.shutdown()
        server.server_close()


@pytest.mark.parametrize("base_url", ["cloud.scorm.com/api/v2/", "http://", "ftp://cloud.scorm.com/api/v2/"])
def test_a_base_url_that_is_no_http_url_is_misconfigured(base_url):
    with ScormCloudClient("app", "secret", base_url=base_url) as client, pytest.raises(Misconfigured) as caught:
        client.ping()
    assert caught.value.status is None
    # The operator reads what to fix.
    assert "base URL" in caught.value.message and base_url.rstrip("/") in caught.value.message


def test_a_redirect_loop_is_misconfigured(answering):
    client = answering(302, b"", {"Location": "/api/v2/ping"})
    with pytest.raises(Misconfigured) as caught:
        client.ping()
    assert "redirects" in caught.value.message


def test_an_answer_that_cannot_be_decoded_is_unavailable(answering):
    client = answering(200, b'{"id": "r"}', {"Content-Encoding": "gzip"})
    with pytest.raises(Unavailable) as caught:
        client.registration_progress("r")
    assert caught.value.status is None


MISSING = [b"{}", b'{"launchLink": "", "result": ""}', b'{"launchLink": " ", "result": null}',
           b'{"launchLink": 5, "result": ["job"]}']


@pytest.mark.parametrize("body", MISSING)
def test_an_answer_without_a_launch_link_is_an_error(answering, body):
    client = answering(200, body)
    for build in (lambda: client.launch_link("r", EXIT_URL), lambda: client.course_preview_link("c", EXIT_URL)):
        with pytest.raises(ScormCloudError) as caught:
            build()
        assert type(caught.value) is ScormCloudError
        assert "launchLink" in caught.value.message


@pytest.mark.parametrize("body", MISSING)
def test_an_answer_without_an_import_job_id_is_an_error(answering, body):
    client = answering(200, body)
    for start in (lambda: client.upload_import("c", io.BytesIO(b"PK")),
                  lambda: client.fetch_import("c", "https://example.com/golf.zip")):
        with pytest.raises(ScormCloudError) as caught:
            start()
        assert type(caught.value) is ScormCloudError
        assert "result" in caught.value.message


def test_retry_after_is_cut_to_the_longest_wait():
    from urllib3.response import HTTPResponse

    from scorm_cloud_xblock.client import MAX_RETRY_WAIT

    retry = ScormCloudClient("app", "secret", base_url="http://127.0.0.1:1/api/v2").session.get_adapter(
        "http://127.0.0.1:1/").max_retries
    assert retry.respect_retry_after_header
    assert retry.get_retry_after(HTTPResponse(headers={"Retry-After": "3600"}, status=503)) == MAX_RETRY_WAIT
    assert retry.get_retry_after(HTTPResponse(headers={"Retry-After": "2"}, status=503)) == 2
    # Each retry's Retry (urllib3 makes a new one) keeps the cap.
    assert type(retry.increment("GET", "/x", error=None, _pool=None, _stacktrace=None,
                                response=HTTPResponse(status=503))) is type(retry)

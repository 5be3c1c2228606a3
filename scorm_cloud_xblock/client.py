"""A small client for the Rustici SCORM Cloud REST API v2.

One ``requests.Session`` per client carries the pooled connections, the HTTP Basic credentials
(App ID and secret key) and the retry policy; every call goes through one method that applies the
timeouts and turns every failure, an HTTP error or one of requests' own, into the
:class:`ScormCloudError` family. Results are frozen dataclasses parsed defensively: unknown fields
are ignored, missing ones get a neutral value, and malformed dates or numbers become ``None``
instead of raising.

Pointing the client at another server (the local emulator, Rustici Engine) only takes another
``base_url`` and credentials.
"""
from __future__ import annotations

import json
import math
import os
import uuid
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any, Iterator
from urllib.parse import quote

import requests
from requests.adapters import HTTPAdapter
from urllib3.util.retry import Retry

__all__ = [
    "DEFAULT_BASE_URL",
    "ScormCloudClient",
    "ImportJob",
    "Course",
    "RegistrationProgress",
    "RegistrationPage",
    "Learner",
    "PostBack",
    "ScormCloudError",
    "AuthenticationFailed",
    "NotFound",
    "AlreadyExists",
    "BadRequest",
    "Unavailable",
    "Misconfigured",
]

DEFAULT_BASE_URL = "https://cloud.scorm.com/api/v2/"

# Only calls that can safely be repeated are retried on a bad status or a broken response. POSTs
# create things (jobs, registrations, instances) and are retried only on connection errors, which
# urllib3 raises solely when the request never reached the server.
IDEMPOTENT_METHODS = frozenset({"GET", "HEAD", "PUT", "DELETE"})
RETRY_STATUSES = (429, 502, 503, 504)
# Seconds SCORM Cloud's Retry-After may make a retry wait, at most: a learner's request, and the
# learner's lock it may hold, must not wait for as long as a server asks.
MAX_RETRY_WAIT = 10.0
# urllib3 sends file-like bodies 16 KiB at a time; bigger blocks cut the per-block Python overhead
# of package uploads while memory stays flat whatever the package size.
UPLOAD_BLOCKSIZE = 256 * 1024


# --- Errors ------------------------------------------------------------------------------------

class ScormCloudError(Exception):
    """A SCORM Cloud call failed. ``status`` is the HTTP status, or None if there was no response."""

    def __init__(self, message: str, status: int | None = None):
        super().__init__(message)
        self.message = message
        self.status = status

    def __str__(self) -> str:
        return self.message if self.status is None else f"HTTP {self.status}: {self.message}"


class AuthenticationFailed(ScormCloudError):
    """401: wrong App ID or secret key."""


class NotFound(ScormCloudError):
    """404: unknown course, registration or import job."""


class AlreadyExists(ScormCloudError):
    """The id is taken: 400 "already exists" on registrations, 409 on course import."""


class BadRequest(ScormCloudError):
    """Any other 4xx: SCORM Cloud refused the request as sent."""


class Unavailable(ScormCloudError):
    """5xx, 429, a timeout or a connection error, after retries where retrying is safe."""


class Misconfigured(ScormCloudError):
    """The call cannot reach SCORM Cloud as the client is set up: a base URL that is no http(s) URL, or
    one that redirects without end. Only whoever set the base URL can fix it; trying again cannot."""


# requests' errors for an answer that never came whole: trying again later may help.
_NO_ANSWER = (
    requests.ConnectionError,
    requests.Timeout,
    requests.exceptions.ChunkedEncodingError,
    requests.exceptions.ContentDecodingError,
    requests.exceptions.RetryError,
)
# requests' errors for a request that cannot be sent, or cannot arrive, where the base URL points.
_BAD_TARGET = (
    requests.exceptions.MissingSchema,
    requests.exceptions.InvalidSchema,
    requests.exceptions.InvalidURL,
    requests.exceptions.URLRequired,
    requests.exceptions.TooManyRedirects,
)


def transport_error(method: str, path: str, base_url: str, error: requests.RequestException) -> ScormCloudError:
    """The client's error for ``error``, which requests raised instead of giving a response."""
    if isinstance(error, _NO_ANSWER):
        return Unavailable(f"{method} {path} failed: {error}")
    if isinstance(error, _BAD_TARGET):
        return Misconfigured(f"{method} {path} cannot reach SCORM Cloud at base URL {base_url!r}, "
                             f"check the site's SCORM Cloud settings: {error}")
    return ScormCloudError(f"{method} {path} failed: {error}")


def error_message(body: bytes | str, default: str = "") -> str:
    """The server's explanation: ``{"message": ...}`` (documented) or ``{"error": ...}`` (401, some
    live responses), else the body as text."""
    text = body.decode("utf-8", "replace") if isinstance(body, bytes) else body
    try:
        payload = json.loads(text)
    except ValueError:
        payload = None
    if isinstance(payload, dict):
        for key in ("message", "error"):
            if isinstance(payload.get(key), str) and payload[key]:
                return payload[key]
    return text.strip()[:500] or default


def error_for_status(status: int, message: str) -> ScormCloudError:
    """Map an HTTP error status and message to the matching exception."""
    if status == 401:
        return AuthenticationFailed(message, status)
    if status == 404:
        return NotFound(message, status)
    # A duplicate registration is a 400, a duplicate course import a 409.
    if status == 409 or (status == 400 and "already exists" in message.lower()):
        return AlreadyExists(message, status)
    if status == 429 or status >= 500:
        return Unavailable(message, status)
    if 400 <= status < 500:
        return BadRequest(message, status)
    return ScormCloudError(message, status)


# --- Defensive parsing ---------------------------------------------------------------------------

def parse_datetime(value: Any) -> datetime | None:
    """An ISO-8601 date-time as an aware datetime (naive means UTC); anything else gives None."""
    if not isinstance(value, str) or not value:
        return None
    try:
        parsed = datetime.fromisoformat(value.strip())
    except ValueError:
        return None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=timezone.utc)


def _float(value: Any) -> float | None:
    """A finite number; "NaN", infinities, booleans and junk give None."""
    if isinstance(value, bool):
        return None
    try:
        number = float(value)
    except (TypeError, ValueError, OverflowError):  # OverflowError: an int too large for a float
        return None
    return number if math.isfinite(number) else None


def _int(value: Any, default: int | None = 0) -> int | None:
    """A whole number; 1.5 is as meaningless for an instance or a version as "x"."""
    number = _float(value)
    return int(number) if number is not None and number.is_integer() else default


def _str(value: Any) -> str:
    return value if isinstance(value, str) else ""


def _dict(value: Any) -> dict:
    return value if isinstance(value, dict) else {}


def _strings(value: Any) -> tuple[str, ...]:
    return tuple(item for item in value if isinstance(item, str)) if isinstance(value, list) else ()


def _enum(value: Any, allowed: tuple[str, ...], default: str = "UNKNOWN") -> str:
    value = _str(value).upper()
    return value if value in allowed else default


# --- Results -------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Course:
    """A ``CourseSchema``: one version of an imported course."""

    id: str
    title: str
    version: int
    learning_standard: str
    created: datetime | None = None
    updated: datetime | None = None
    registration_count: int | None = None
    tags: tuple[str, ...] = ()

    @classmethod
    def from_json(cls, data: Any) -> Course:
        data = _dict(data)
        return cls(
            id=_str(data.get("id")),
            title=_str(data.get("title")),
            version=_int(data.get("version")),
            learning_standard=_str(data.get("courseLearningStandard")) or "UNKNOWN",
            created=parse_datetime(data.get("created")),
            updated=parse_datetime(data.get("updated")),
            registration_count=_int(data.get("registrationCount"), None),
            tags=_strings(data.get("tags")),
        )


@dataclass(frozen=True)
class ImportJob:
    """An ``ImportJobResultSchema``. ``status`` is RUNNING, COMPLETE or ERROR; on ERROR, ``message``
    says why. ``course`` is set once the job is COMPLETE."""

    job_id: str
    status: str
    message: str = ""
    course: Course | None = None
    parser_warnings: tuple[str, ...] = ()
    course_languages: tuple[str, ...] = ()

    RUNNING = "RUNNING"
    COMPLETE = "COMPLETE"
    ERROR = "ERROR"

    @classmethod
    def from_json(cls, data: Any) -> ImportJob:
        data = _dict(data)
        result = _dict(data.get("importResult"))
        return cls(
            job_id=_str(data.get("jobId")),
            status=_enum(data.get("status"), (cls.RUNNING, cls.COMPLETE, cls.ERROR), cls.RUNNING),
            message=_str(data.get("message")),
            course=Course.from_json(result["course"]) if isinstance(result.get("course"), dict) else None,
            parser_warnings=_strings(result.get("parserWarnings")),
            course_languages=_strings(result.get("courseLanguages")),
        )


@dataclass(frozen=True)
class RegistrationProgress:
    """The rollup of a ``RegistrationSchema``, from GetRegistrationProgress or a postback body.

    ``score`` is SCORM Cloud's ``score.scaled`` unchanged: a percentage from 0 to 100 (not 0..1),
    or None until the content reports a score. ``completion_amount`` is None when SCORM Cloud sends
    "NaN" or nothing. ``instance`` is None when the schema does not say (every field is optional):
    which instance it is about is then unknown, not the first.
    """

    id: str
    instance: int | None = None
    updated: datetime | None = None
    completion: str = "UNKNOWN"  # COMPLETED | INCOMPLETE | UNKNOWN
    success: str = "UNKNOWN"  # PASSED | FAILED | UNKNOWN
    score: float | None = None
    total_seconds: float = 0.0
    first_access: datetime | None = None
    last_access: datetime | None = None
    completed_date: datetime | None = None
    created: datetime | None = None
    course_id: str = ""
    course_title: str = ""
    course_version: int = 0
    learner_id: str = ""
    completion_amount: float | None = None

    @classmethod
    def from_json(cls, data: Any) -> RegistrationProgress:
        data = _dict(data)
        course = _dict(data.get("course"))
        return cls(
            id=_str(data.get("id")),
            instance=_int(data.get("instance"), None),
            updated=parse_datetime(data.get("updated")),
            completion=_enum(data.get("registrationCompletion"), ("COMPLETED", "INCOMPLETE")),
            success=_enum(data.get("registrationSuccess"), ("PASSED", "FAILED")),
            score=_float(_dict(data.get("score")).get("scaled")),
            total_seconds=_float(data.get("totalSecondsTracked")) or 0.0,
            first_access=parse_datetime(data.get("firstAccessDate")),
            last_access=parse_datetime(data.get("lastAccessDate")),
            completed_date=parse_datetime(data.get("completedDate")),
            created=parse_datetime(data.get("createdDate")),
            course_id=_str(course.get("id")),
            course_title=_str(course.get("title")),
            course_version=_int(course.get("version")),
            learner_id=_str(_dict(data.get("learner")).get("id")),
            completion_amount=_float(data.get("registrationCompletionAmount")),
        )


@dataclass(frozen=True)
class RegistrationPage:
    """One page of GetRegistrations; pass ``more`` back to get the next one (None on the last)."""

    registrations: tuple[RegistrationProgress, ...]
    more: str | None


# --- Requests ------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Learner:
    """A ``LearnerSchema``. ``id`` must be stable and unique per learner; the names reach the content."""

    id: str
    first_name: str = ""
    last_name: str = ""
    email: str | None = None

    def to_json(self) -> dict:
        data = {"id": self.id, "firstName": self.first_name, "lastName": self.last_name}
        if self.email:
            data["email"] = self.email
        return data


@dataclass(frozen=True)
class PostBack:
    """A ``PostBackSchema``. Every field is sent explicitly: the documented defaults disagree."""

    url: str
    user_name: str
    password: str = field(repr=False)
    auth_type: str = "HTTPBASIC"  # HTTPBASIC | FORM
    results_format: str = "COURSE"  # COURSE | ACTIVITY | FULL

    def to_json(self) -> dict:
        return {
            "url": self.url,
            "authType": self.auth_type,
            "userName": self.user_name,
            "password": self.password,
            "resultsFormat": self.results_format,
            "legacy": False,  # v2 JSON payloads, not the v1 XML format
        }


class MultipartFile:
    """A ``multipart/form-data`` body with a single file part, read lazily from ``fileobj``.

    It has a length, so requests sends a Content-Length instead of chunking, and it can ``seek``,
    so urllib3 can rewind it before retrying a connection that failed. Only one block of the file
    is in memory at a time, whatever its size. The file is read from its current position.
    """

    def __init__(self, field: str, fileobj, filename: str, content_type: str = "application/octet-stream"):
        self.boundary = uuid.uuid4().hex
        self._file = fileobj
        self._file_start = fileobj.tell()
        self._file_size = fileobj.seek(0, os.SEEK_END) - self._file_start
        fileobj.seek(self._file_start)
        self._head = (
            f"--{self.boundary}\r\n"
            f'Content-Disposition: form-data; name="{_quote_header(field)}"; '
            f'filename="{_quote_header(filename)}"\r\n'
            f"Content-Type: {content_type}\r\n\r\n"
        ).encode("utf-8")
        self._tail = f"\r\n--{self.boundary}--\r\n".encode("ascii")
        self._position = 0

    @property
    def content_type(self) -> str:
        return f"multipart/form-data; boundary={self.boundary}"

    def __len__(self) -> int:
        return len(self._head) + self._file_size + len(self._tail)

    def tell(self) -> int:
        return self._position

    def seek(self, offset: int, whence: int = os.SEEK_SET) -> int:
        base = {os.SEEK_SET: 0, os.SEEK_CUR: self._position, os.SEEK_END: len(self)}[whence]
        self._position = min(max(base + offset, 0), len(self))
        file_offset = min(max(self._position - len(self._head), 0), self._file_size)
        self._file.seek(self._file_start + file_offset)
        return self._position

    def read(self, size: int = -1) -> bytes:
        remaining = len(self) - self._position
        size = remaining if size is None or size < 0 else min(size, remaining)
        chunks = []
        while size > 0:
            chunk = self._read_part(size)
            self._position += len(chunk)
            size -= len(chunk)
            chunks.append(chunk)
        return b"".join(chunks)

    def _read_part(self, size: int) -> bytes:
        """Up to ``size`` bytes from the part (head, file or tail) the position is in."""
        head_end = len(self._head)
        file_end = head_end + self._file_size
        if self._position < head_end:
            return self._head[self._position:self._position + size]
        if self._position < file_end:
            chunk = self._file.read(min(size, file_end - self._position))
            if not chunk:
                raise OSError("the file got shorter while it was being uploaded")
            return chunk
        offset = self._position - file_end
        return self._tail[offset:offset + size]


def _quote_header(value: str) -> str:
    # The escaping browsers apply to multipart names (WHATWG HTML, "multipart/form-data").
    return value.replace('"', "%22").replace("\r", "%0D").replace("\n", "%0A")


def _query_value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, datetime):
        if value.tzinfo is None:
            value = value.replace(tzinfo=timezone.utc)  # the API's own default
        return value.astimezone(timezone.utc).isoformat().replace("+00:00", "Z")
    if isinstance(value, (list, tuple, set, frozenset)):
        return ",".join(str(item) for item in value)
    return str(value)


def _camel_case(name: str) -> str:
    first, *rest = name.split("_")
    return first + "".join(part[:1].upper() + part[1:] for part in rest)


def _query(**params: Any) -> dict[str, str]:
    """Query parameters in SCORM Cloud's camelCase, without the ones left as None."""
    return {_camel_case(name): _query_value(value) for name, value in params.items() if value is not None}


def _path(*segments: Any) -> str:
    return "/".join(quote(str(segment), safe="") for segment in segments)


class _Adapter(HTTPAdapter):
    """requests' adapter, with connections that send bodies in ``UPLOAD_BLOCKSIZE`` blocks."""

    def init_poolmanager(self, *args, **kwargs):
        super().init_poolmanager(*args, blocksize=UPLOAD_BLOCKSIZE, **kwargs)


class _Retry(Retry):
    """urllib3's Retry, with Retry-After cut to MAX_RETRY_WAIT (urllib3 honours any value)."""

    def get_retry_after(self, response):
        wait = super().get_retry_after(response)
        return None if wait is None else min(wait, MAX_RETRY_WAIT)


def longest_call(timeout: float | tuple[float, float], retries: int, backoff_factor: float = 0.5) -> float:
    """
    Seconds one call of a client built with these arguments can take at most: every try runs into
    the connect and read timeouts (requests' read timeout is per read; SCORM Cloud's answers are
    small), and every retry waits its backoff or Retry-After.
    """
    connect, read = timeout if isinstance(timeout, tuple) else (timeout, timeout)
    waits = sum(max(MAX_RETRY_WAIT, min(backoff_factor * 2 ** attempt, Retry.DEFAULT_BACKOFF_MAX))
                for attempt in range(retries))
    return (retries + 1) * (connect + read) + waits


# --- Client --------------------------------------------------------------------------------------

class ScormCloudClient:
    """The SCORM Cloud API v2 operations the XBlock needs, named after Rustici's operation ids.

    ``timeout`` is requests' (connect, read) pair. ``retries`` bounds the retries of one call:
    idempotent calls (GET, HEAD, PUT, DELETE) are retried on 429, 502, 503, 504, timeouts and
    broken connections with exponential backoff (honouring Retry-After up to MAX_RETRY_WAIT); POSTs only on connection
    errors that happened before anything was sent.
    """

    def __init__(
        self,
        app_id: str,
        secret_key: str,
        base_url: str = DEFAULT_BASE_URL,
        timeout: float | tuple[float, float] = (5, 30),
        retries: int = 3,
        backoff_factor: float = 0.5,
    ):
        self.base_url = base_url.rstrip("/") + "/"
        self.timeout = timeout
        self.session = requests.Session()
        self.session.auth = (app_id, secret_key)
        self.session.headers["Accept"] = "application/json"
        retry = _Retry(
            total=retries,
            connect=retries,
            read=retries,
            status=retries,
            other=0,
            allowed_methods=IDEMPOTENT_METHODS,
            status_forcelist=RETRY_STATUSES,
            backoff_factor=backoff_factor,
            raise_on_status=False,  # the last response is mapped to an error below
        )
        adapter = _Adapter(max_retries=retry)
        self.session.mount("https://", adapter)
        self.session.mount("http://", adapter)

    def close(self) -> None:
        self.session.close()

    def __enter__(self) -> ScormCloudClient:
        return self

    def __exit__(self, *exc_info) -> None:
        self.close()

    # Ping ---------------------------------------------------------------------------------------

    def ping(self) -> None:
        """Check the base URL and credentials (raises AuthenticationFailed on a wrong secret)."""
        self._request("GET", "ping")

    # Course import jobs -------------------------------------------------------------------------

    def upload_import(
        self,
        course_id: str,
        fileobj,
        filename: str = "package.zip",
        may_create_new_version: bool = False,
        content_type: str = "application/zip",
    ) -> str:
        """CreateUploadAndImportCourseJob: stream a package from a seekable binary file object (from
        its current position to its end) and return the import job id."""
        body = MultipartFile("file", fileobj, filename, content_type)
        response = self._request(
            "POST",
            "courses/importJobs/upload",
            params=_query(course_id=course_id, may_create_new_version=may_create_new_version),
            data=body,
            headers={"Content-Type": body.content_type, "uploadedContentType": content_type},
        )
        return _required(response, "result")

    def fetch_import(self, course_id: str, url: str, may_create_new_version: bool = False) -> str:
        """CreateFetchAndImportCourseJob: SCORM Cloud downloads the package from ``url``."""
        response = self._request(
            "POST",
            "courses/importJobs",
            params=_query(course_id=course_id, may_create_new_version=may_create_new_version),
            json={"url": url, "contentType": "application/zip"},
        )
        return _required(response, "result")

    def import_status(self, job_id: str) -> ImportJob:
        """GetImportJobStatus."""
        return ImportJob.from_json(_json(self._request("GET", _path("courses", "importJobs", job_id))))

    # Courses ------------------------------------------------------------------------------------

    def get_course(self, course_id: str) -> Course:
        """GetCourse: the latest version."""
        return Course.from_json(_json(self._request("GET", _path("courses", course_id))))

    def get_course_version(self, course_id: str, version: int) -> Course:
        """GetCourseVersionInfo."""
        return Course.from_json(_json(self._request("GET", _path("courses", course_id, "versions", version))))

    def list_courses(self, **filters: Any) -> Iterator[Course]:
        """GetCourses, following ``more`` to the end. Filters are GetCourses' query parameters in
        snake_case, e.g. ``since=datetime(...)``, ``filter="golf", filter_by="title"``."""
        more = None
        while True:
            body = _json(self._request("GET", "courses", params={"more": more} if more else _query(**filters)))
            yield from (Course.from_json(item) for item in _list(body.get("courses")))
            more = body.get("more") or None
            if more is None:
                return

    def course_versions(self, course_id: str) -> list[Course]:
        """GetCourseVersions (not paged)."""
        body = _json(self._request("GET", _path("courses", course_id, "versions")))
        return [Course.from_json(item) for item in _list(body.get("courses"))]

    def delete_course(self, course_id: str) -> None:
        """DeleteCourse: every version, and (asynchronously) all its registrations."""
        self._request("DELETE", _path("courses", course_id))

    def course_preview_link(
        self, course_id: str, redirect_on_exit_url: str, expiry: int = 120, version: int | None = None
    ) -> str:
        """BuildCoursePreviewLaunchLink: an untracked launch, for staff."""
        segments = ("courses", course_id) if version is None else ("courses", course_id, "versions", version)
        response = self._request(
            "POST",
            _path(*segments, "preview"),
            json={"redirectOnExitUrl": redirect_on_exit_url, "expiry": expiry},
        )
        return _required(response, "launchLink")

    # Registrations ------------------------------------------------------------------------------

    def create_registration(
        self,
        registration_id: str,
        course_id: str,
        learner: Learner,
        postback: PostBack | None = None,
    ) -> None:
        """CreateRegistration (billable). Raises AlreadyExists if the id is taken."""
        body = {"courseId": course_id, "registrationId": registration_id, "learner": learner.to_json()}
        if postback is not None:
            body["postBack"] = postback.to_json()
        self._request("POST", "registrations", json=body)

    def registration_exists(self, registration_id: str) -> bool:
        """GetRegistration: HEAD, 200 or 404."""
        try:
            self._request("HEAD", _path("registrations", registration_id))
        except NotFound:
            return False
        return True

    def registration_progress(self, registration_id: str) -> RegistrationProgress:
        """GetRegistrationProgress: the latest instance."""
        return RegistrationProgress.from_json(_json(self._request("GET", _path("registrations", registration_id))))

    def list_registrations_page(
        self,
        course_id: str | None = None,
        learner_id: str | None = None,
        since: datetime | str | None = None,
        until: datetime | str | None = None,
        datetime_filter: str | None = None,
        more: str | None = None,
    ) -> RegistrationPage:
        """One page of GetRegistrations. With ``more``, the filters are ignored: the token carries them."""
        params = {"more": more} if more else _query(
            course_id=course_id, learner_id=learner_id, since=since, until=until, datetime_filter=datetime_filter
        )
        body = _json(self._request("GET", "registrations", params=params))
        return RegistrationPage(
            registrations=tuple(RegistrationProgress.from_json(item) for item in _list(body.get("registrations"))),
            more=body.get("more") or None,
        )

    def list_registrations(
        self,
        course_id: str | None = None,
        learner_id: str | None = None,
        since: datetime | str | None = None,
        until: datetime | str | None = None,
        datetime_filter: str | None = None,
    ) -> Iterator[RegistrationProgress]:
        """GetRegistrations, following ``more`` to the end. For reconciliation, pass
        ``datetime_filter="updated"`` with ``since``: the default filter field is ``created``."""
        page = self.list_registrations_page(course_id, learner_id, since, until, datetime_filter)
        yield from page.registrations
        while page.more:
            page = self.list_registrations_page(more=page.more)
            yield from page.registrations

    def delete_registration(self, registration_id: str) -> None:
        """DeleteRegistration, with all its instances."""
        self._request("DELETE", _path("registrations", registration_id))

    def new_registration_instance(self, registration_id: str) -> None:
        """CreateNewRegistrationInstance: a fresh attempt."""
        self._request("POST", _path("registrations", registration_id, "instances"))

    def reset_registration_progress(self, registration_id: str) -> None:
        """DeleteRegistrationProgress: wipes progress, keeps the registration."""
        self._request("DELETE", _path("registrations", registration_id, "progress"))

    def launch_link(self, registration_id: str, redirect_on_exit_url: str, expiry: int = 120) -> str:
        """BuildRegistrationLaunchLink. The link lives ``expiry`` seconds (10 to 300): build one per click."""
        response = self._request(
            "POST",
            _path("registrations", registration_id, "launchLink"),
            json={"redirectOnExitUrl": redirect_on_exit_url, "expiry": expiry},
        )
        return _required(response, "launchLink")

    def test_postback(self, postback: PostBack) -> None:
        """TestRegistrationPostback: SCORM Cloud posts dummy data once, without retries."""
        self._request("POST", "registrations/postBackTest", json=postback.to_json())

    # Transport ----------------------------------------------------------------------------------

    def _request(self, method: str, path: str, **kwargs: Any) -> requests.Response:
        try:
            response = self.session.request(method, self.base_url + path, timeout=self.timeout, **kwargs)
        except requests.RequestException as exc:
            raise transport_error(method, path, self.base_url, exc) from exc
        if response.status_code >= 400:
            raise error_for_status(response.status_code, error_message(response.content, response.reason or ""))
        return response


def _json(response: requests.Response) -> dict:
    try:
        body = response.json()
    except ValueError:
        raise ScormCloudError("the response is not JSON", response.status_code) from None
    if not isinstance(body, dict):
        raise ScormCloudError("the response is not a JSON object", response.status_code)
    return body


def _required(response: requests.Response, name: str) -> str:
    """The string ``name`` of an answer that is of no use without it: a launch link, an import job id."""
    value = _json(response).get(name)
    if not isinstance(value, str) or not value.strip():
        raise ScormCloudError(f"the response has no {name}", response.status_code)
    return value


def _list(value: Any) -> list:
    return value if isinstance(value, list) else []

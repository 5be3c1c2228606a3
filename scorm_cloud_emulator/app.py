"""The emulator's WSGI application: SCORM Cloud API v2 under /api/v2, the player behind launch links,
and /_admin.

Routes are named by Rustici's operationIds, which is also what ``/_admin/stats`` counts and what API
faults target. Handlers validate their input, call the storage, and answer SCORM Cloud's JSON.
``/launch/<token>`` and ``/player/<session>/...`` belong to :class:`~scorm_cloud_emulator.player.Player`:
they need no API credentials (the signed token, then the session id, grant access) and are not API calls.
"""
import base64
import binascii
import hashlib
import hmac
import json
import logging
import shutil
import tempfile
import threading
import time
from pathlib import Path

import requests
from werkzeug.exceptions import HTTPException, MethodNotAllowed, NotFound
from werkzeug.routing import Map, Rule
from werkzeug.wrappers import Request, Response

from .activity_results import activity_details
from .configuration import (SettingError, Scope, check_setting_id, course_scopes, is_http_url,
                            parse_settings_post, postback_settings, postback_target, registration_scopes,
                            setting_list)
from .faults import FaultError, Faults, parse_api_faults, parse_postback_faults
from .launch import LaunchClaims, sign_launch_token
from .packages import PackageError, import_package
from .player import Player
from .postbacks import PostbackWorker
from .rollup import is_number
from .sessions import StoragePlayerBackend, activity_record, course_tree
from .storage import (COMPLETION_VALUES, COURSE_FILTER_BY, COURSE_ORDERS, REGISTRATION_FILTER_BY,
                      REGISTRATION_ORDERS, SUCCESS_VALUES, Storage, StorageError, course_position, format_datetime,
                      now_iso, parse_datetime, registration_position)

logger = logging.getLogger(__name__)

API_PREFIX = "/api/v2"
MAX_ID_LENGTH = 255
# Path segments that HTTP clients resolve away (RFC 3986 dot segments), so no call could name such an id.
DOT_SEGMENTS = (".", "..")
# A course with this id could not be listed by version: /courses/importJobs/versions is an import job's path.
RESERVED_COURSE_IDS = ("importJobs",)
ZIP_CONTENT_TYPES = ("application/zip", "application/x-zip-compressed", "application/octet-stream")
REDIRECT_KEYWORDS = ("closer", "blank", "message")
LAUNCH_EXPIRY_RANGE = (10, 300)
DEFAULT_LAUNCH_EXPIRY = 120
DOWNLOAD_CHUNK = 1024 * 1024
# Filters of GetRegistrations that a `more` token already carries, so they may not come with it.
REGISTRATION_FILTERS = ("courseId", "learnerId", "since", "until", "datetimeFilter", "tags", "orderBy",
                        "filter", "filterBy")
COURSE_FILTERS = ("since", "until", "datetimeFilter", "tags", "orderBy", "filter", "filterBy")

_R = API_PREFIX
URL_MAP = Map([
    Rule(f"{_R}/ping", methods=["GET"], endpoint="PingAppId"),
    Rule(f"{_R}/courses/importJobs/upload", methods=["POST"], endpoint="CreateUploadAndImportCourseJob"),
    Rule(f"{_R}/courses/importJobs", methods=["POST"], endpoint="CreateFetchAndImportCourseJob"),
    Rule(f"{_R}/courses/importJobs/<job_id>", methods=["GET"], endpoint="GetImportJobStatus"),
    Rule(f"{_R}/courses", methods=["GET"], endpoint="GetCourses"),
    Rule(f"{_R}/courses/<course_id>", methods=["GET"], endpoint="GetCourse"),
    Rule(f"{_R}/courses/<course_id>", methods=["DELETE"], endpoint="DeleteCourse"),
    Rule(f"{_R}/courses/<course_id>/versions", methods=["GET"], endpoint="GetCourseVersions"),
    Rule(f"{_R}/courses/<course_id>/versions/<version>", methods=["GET"], endpoint="GetCourseVersionInfo"),
    Rule(f"{_R}/courses/<course_id>/versions/<version>", methods=["DELETE"], endpoint="DeleteCourseVersion"),
    Rule(f"{_R}/courses/<course_id>/title", methods=["PUT"], endpoint="SetCourseTitle"),
    Rule(f"{_R}/courses/<course_id>/preview", methods=["POST"], endpoint="BuildCoursePreviewLaunchLink"),
    Rule(f"{_R}/courses/<course_id>/versions/<version>/preview", methods=["POST"],
         endpoint="BuildCoursePreviewLaunchLinkWithVersion"),
    Rule(f"{_R}/registrations", methods=["POST"], endpoint="CreateRegistration"),
    Rule(f"{_R}/registrations", methods=["GET"], endpoint="GetRegistrations"),
    Rule(f"{_R}/registrations/postBackTest", methods=["POST"], endpoint="TestRegistrationPostback"),
    # GET answers HEAD too; dispatch tells GetRegistration (the "exists" check) apart by the method.
    Rule(f"{_R}/registrations/<registration_id>", methods=["GET"], endpoint="GetRegistrationProgress"),
    Rule(f"{_R}/registrations/<registration_id>", methods=["DELETE"], endpoint="DeleteRegistration"),
    Rule(f"{_R}/registrations/<registration_id>/progress", methods=["DELETE"],
         endpoint="DeleteRegistrationProgress"),
    Rule(f"{_R}/registrations/<registration_id>/instances", methods=["POST"],
         endpoint="CreateNewRegistrationInstance"),
    Rule(f"{_R}/registrations/<registration_id>/instances", methods=["GET"],
         endpoint="GetRegistrationInstances"),
    Rule(f"{_R}/registrations/<registration_id>/instances/<instance>", methods=["GET"],
         endpoint="GetRegistrationInstanceProgress"),
    Rule(f"{_R}/registrations/<registration_id>/launchLink", methods=["POST"],
         endpoint="BuildRegistrationLaunchLink"),
    *[rule
      for path, level in (("/appManagement", "Application"),
                          ("/courses/<course_id>", "Course"),
                          ("/courses/<course_id>/versions/<version>", "CourseVersion"),
                          ("/registrations/<registration_id>", "Registration"),
                          ("/registrations/<registration_id>/instances/<instance>", "RegistrationInstance"))
      for rule in (
          Rule(f"{_R}{path}/configuration", methods=["GET"], endpoint=f"Get{level}Configuration"),
          Rule(f"{_R}{path}/configuration", methods=["POST"], endpoint=f"Set{level}Configuration"),
          Rule(f"{_R}{path}/configuration/<setting_id>", methods=["DELETE"],
               endpoint=f"Delete{level}ConfigurationSetting"))],
    Rule("/_admin/registrations/<registration_id>/progress", methods=["PUT"], endpoint="admin_set_progress"),
    Rule("/_admin/faults", methods=["POST"], endpoint="admin_inject_faults"),
    Rule("/_admin/faults", methods=["DELETE"], endpoint="admin_clear_faults"),
    Rule("/_admin/postbacks", methods=["GET"], endpoint="admin_postbacks"),
    Rule("/_admin/postbacks/flush", methods=["POST"], endpoint="admin_flush_postbacks"),
    Rule("/_admin/stats", methods=["GET"], endpoint="admin_stats"),
    Rule("/_admin/stats", methods=["DELETE"], endpoint="admin_reset_stats"),
])


class ApiError(Exception):
    """Answer the request with ``status`` and a SCORM Cloud error body."""

    def __init__(self, status, message):
        super().__init__(message)
        self.status = status
        self.message = message


class EmulatorRequest(Request):
    """A request whose uploaded files spool to the data directory, not to memory or a tmpfs /tmp."""

    # Form fields (not files) stay small; files are streamed to disk whatever their size.
    max_content_length = None

    def __init__(self, environ, upload_dir):
        super().__init__(environ)
        self.upload_dir = upload_dir

    def _get_file_stream(self, total_content_length, content_type, filename=None, content_length=None):
        return tempfile.TemporaryFile("wb+", dir=self.upload_dir)


# -- request parsing (pure) ---------------------------------------------------------------------

def parse_bool(value, name):
    """Query booleans: the official client sends Python's str(True), so "True" counts like "true"."""
    lowered = value.strip().lower()
    if lowered not in ("true", "false"):
        raise ApiError(400, f"Invalid value [{value}] for parameter {name}: expected true or false")
    return lowered == "true"


def parse_int(value, name):
    try:
        return int(value)
    except (TypeError, ValueError):
        raise ApiError(400, f"Invalid value [{value}] for parameter {name}: expected an integer") from None


def parse_query_datetime(value, name):
    try:
        return format_datetime(parse_datetime(value))
    except ValueError:
        raise ApiError(400, f"Invalid value [{value}] for parameter {name}: expected an ISO-8601 date-time") \
            from None


def query_bool(args, name, default=False):
    return parse_bool(args[name], name) if name in args else default


def query_list(args, name):
    """A list parameter, repeated or comma-separated (the official client joins lists with commas)."""
    return [item.strip() for value in args.getlist(name) for item in value.split(",") if item.strip()]


def require_id(value, name):
    if not isinstance(value, str) or not value.strip():
        raise ApiError(400, f"{name} is required")
    if len(value) > MAX_ID_LENGTH:
        raise ApiError(400, f"{name} must be at most {MAX_ID_LENGTH} characters")
    return value


def require_new_id(value, name, reserved=()):
    """An id for a new course or registration. Every later call names it in a URL path, so refuse, up front,
    an id that no path could address rather than accept it and answer 404 ever after."""
    require_id(value, name)
    if "/" in value:
        raise ApiError(400, f"{name} [{value}] must not contain '/': API paths could not address it")
    if value in DOT_SEGMENTS:
        raise ApiError(400, f"{name} [{value}] cannot be '.' or '..': HTTP clients drop such path segments")
    if value in reserved:
        raise ApiError(400, f"{name} [{value}] is reserved: API paths under it belong to another operation")
    return value


def parse_learner(learner):
    """Validate a LearnerSchema; its names must be strings, since registrations are filtered and sorted on them."""
    if not isinstance(learner, dict):
        raise ApiError(400, "learner is required")
    require_id(learner.get("id"), "learner.id")
    for key in ("firstName", "lastName", "email"):
        if learner.get(key) is not None and not isinstance(learner[key], str):
            raise ApiError(400, f"learner.{key} must be a string")
    return {key: learner[key] for key in ("id", "firstName", "lastName", "email") if key in learner}


def registration_settings(body):
    """CreateRegistration's initialSettings and postBack, as the registration's own settings. The postBack
    object wins over the same settings given in initialSettings."""
    initial = body.get("initialSettings")
    settings = {} if initial is None else parse_settings_post(initial, "initialSettings")
    return {**settings, **postback_settings(body.get("postBack"))}


def parse_launch_request(body):
    """Validate a (Preview)LaunchLinkRequestSchema; return (redirect URL, expiry seconds, tracking, startSco)."""
    redirect = body.get("redirectOnExitUrl")
    if redirect is None:
        raise ApiError(400, "redirectOnExitUrl is required")
    if not isinstance(redirect, str) or (redirect and redirect not in REDIRECT_KEYWORDS
                                         and not is_http_url(redirect)):
        raise ApiError(400, f"redirectOnExitUrl [{redirect}] is not a valid URL")
    expiry = body.get("expiry", DEFAULT_LAUNCH_EXPIRY)
    low, high = LAUNCH_EXPIRY_RANGE
    if isinstance(expiry, bool) or not isinstance(expiry, int) or not low <= expiry <= high:
        raise ApiError(400, f"expiry must be an integer from {low} to {high} seconds, not [{expiry}]")
    tracking = body.get("tracking", True)
    if not isinstance(tracking, bool):
        raise ApiError(400, "tracking must be true or false")
    start_sco = body.get("startSco") or None
    if start_sco is not None and not isinstance(start_sco, str):
        raise ApiError(400, "startSco must be a string")
    return redirect, expiry, tracking, start_sco


def encode_more(query, after):
    """The opaque `more` token: the query that started the listing and where the last page ended."""
    raw = json.dumps({"query": query, "after": after}, separators=(",", ":")).encode("utf-8")
    return base64.urlsafe_b64encode(raw).decode("ascii").rstrip("=")


def decode_more(token):
    try:
        state = json.loads(base64.urlsafe_b64decode(token + "=" * (-len(token) % 4)))
        query, after = state["query"], state["after"]
        if (not isinstance(query, dict) or not all(isinstance(v, list) for v in query.values())
                or not (isinstance(after, list) and len(after) == 2 and all(isinstance(v, str) for v in after))):
            raise ValueError(token)
    except (ValueError, KeyError, TypeError, binascii.Error, UnicodeError):
        raise ApiError(400, f"Invalid value [{token}] for parameter more") from None
    return query, after


class _Args:
    """The getlist/``in``/[] subset of MultiDict, over a query restored from a `more` token."""

    def __init__(self, query):
        self._query = query

    def __contains__(self, name):
        return name in self._query

    def __getitem__(self, name):
        return self._query[name][0]

    def get(self, name, default=None):
        return self._query[name][0] if name in self._query else default

    def getlist(self, name):
        return list(self._query.get(name, []))


def paging_query(args, filters, name="registrations"):
    """Split a listing request into (filter query, `after` position); reject filters sent with `more`."""
    if "more" not in args:
        return {key: args.getlist(key) for key in filters if key in args}, None
    sent = [key for key in filters if key in args]
    if sent:
        raise ApiError(400, f"No other filter parameters may be sent with more (got {', '.join(sent)}); "
                            f"the more token already carries the {name} query")
    return decode_more(args["more"])


def query_choice(args, name, choices, default):
    value = args.get(name, default)
    if value not in choices:
        raise ApiError(400, f"Invalid value [{value}] for parameter {name}: expected one of {', '.join(choices)}")
    return value


def listing_filters(args, default_datetime_filter, orders, filter_by_values, default_filter_by):
    """The filters GetRegistrations and GetCourses share: since/until, tags, filter/filterBy and orderBy."""
    return {
        "since": parse_query_datetime(args["since"], "since") if "since" in args else None,
        "until": parse_query_datetime(args["until"], "until") if "until" in args else None,
        "datetime_filter": query_choice(args, "datetimeFilter", ("created", "updated"), default_datetime_filter),
        "tags": query_list(args, "tags"),
        "filter_by": query_choice(args, "filterBy", filter_by_values, default_filter_by),
        "filter_text": args.get("filter") or None,
        "order_by": query_choice(args, "orderBy", orders, "created_desc"),
    }


def registration_filters(args):
    return {
        **listing_filters(args, "created", REGISTRATION_ORDERS, REGISTRATION_FILTER_BY, "registration_id"),
        "course_id": args.get("courseId"),
        "learner_id": args.get("learnerId"),
    }


def course_filters(args):
    return listing_filters(args, "updated", COURSE_ORDERS, COURSE_FILTER_BY, "course_id")


def more_token(items, page_size, query, position, order_by):
    """The `more` token when ``items`` (up to one beyond a page) go on past this page, else None."""
    if len(items) <= page_size:
        return None
    return encode_more(query, position(items[page_size - 1], order_by))


def course_read_flags(args):
    """includeRegistrationCount of a course read, after refusing includeCourseMetadata=true: the emulator
    keeps no course metadata, and answering without it would pass for a course that has none."""
    if query_bool(args, "includeCourseMetadata"):
        raise ApiError(400, "includeCourseMetadata is not supported: the emulator keeps no course metadata")
    return query_bool(args, "includeRegistrationCount")


def results_flags(args):
    """GetRegistrationProgress's include* flags, as the keyword arguments of :meth:`EmulatorApp.activity_details`,
    or None without includeChildResults.

    Runtime data, interactions and objectives belong to the child activities, and activityDetails appears
    only with includeChildResults: without it the other two flags have nowhere to go, and change nothing.
    """
    flags = {"include_runtime": query_bool(args, "includeRuntime"),
             "include_interactions_and_objectives": query_bool(args, "includeInteractionsAndObjectives")}
    return flags if query_bool(args, "includeChildResults") else None


#: What the activity tree of a postback carries, by ApiRollupRegistrationFormat (COURSE carries none).
POSTBACK_RESULTS_FLAGS = {
    "ACTIVITY": {},
    "FULL": {"include_runtime": True, "include_interactions_and_objectives": True},
}


# -- the application ---------------------------------------------------------------------------------

class EmulatorApp:
    """The WSGI callable. ``start()`` its workers before serving and ``close()`` it after."""

    def __init__(self, config):
        self.config = config
        self.storage = Storage(config.data_dir)
        self.faults = Faults()
        self.postbacks = PostbackWorker(self.storage, self.faults, config)
        self.launch_key = self.storage.secret("launch-token")
        self.upload_dir = Path(config.data_dir) / "uploads"
        self.course_dir = Path(config.data_dir) / "courses"
        self.upload_dir.mkdir(parents=True, exist_ok=True)
        self.course_dir.mkdir(parents=True, exist_ok=True)
        self._version_lock = threading.Lock()
        self._jobs = set()
        self._jobs_lock = threading.Lock()
        self.player = Player(StoragePlayerBackend(self.storage, self.launch_key, self.record_progress))
        # Requests still being answered: close() waits for them, since they may write to the storage
        # (a player commit queuing a postback, a TestRegistrationPostback delivery).
        self._requests = 0
        self._requests_done = threading.Condition()
        self._closing = False

    def start(self):
        for job_id in self.storage.unfinished_import_jobs():
            self.storage.finish_import_job(job_id, "ERROR", "The import was interrupted by a restart; import again")
        self.postbacks.start()

    def close(self, timeout=30.0):
        """Refuse new requests, let those in flight and the import jobs finish, then stop the workers.

        Only then is the database closed: nothing may still be writing to it.
        """
        with self._requests_done:
            self._closing = True
            deadline = time.monotonic() + timeout
            while self._requests and time.monotonic() < deadline:
                self._requests_done.wait(deadline - time.monotonic())
            if self._requests:
                logger.warning("closing with %d request(s) still running", self._requests)
        self.wait_for_import_jobs()
        self.postbacks.stop()
        self.storage.close()

    def wait_for_import_jobs(self):
        """Wait for running import jobs to finish, including their import postbacks."""
        with self._jobs_lock:
            jobs = list(self._jobs)
        for job in jobs:
            job.join()

    def __call__(self, environ, start_response):
        with self._requests_done:
            if self._closing:
                return self.error(503, "The emulator is shutting down")(environ, start_response)
            self._requests += 1
        try:
            request = EmulatorRequest(environ, self.upload_dir)
            try:
                response = self.dispatch(request)
            finally:
                request.close()
            return response(environ, start_response)
        finally:
            with self._requests_done:
                self._requests -= 1
                self._requests_done.notify_all()

    # -- plumbing -------------------------------------------------------------------------------

    def error(self, status, message):
        return self.json({self.config.error_shape: message}, status)

    @staticmethod
    def json(data, status=200, headers=None):
        return Response(json.dumps(data), status=status, headers=headers, mimetype="application/json")

    def authorized(self, request):
        auth = request.authorization
        if auth is None or auth.type != "basic" or auth.username is None or auth.password is None:
            return False
        return (hmac.compare_digest(auth.username.encode("utf-8"), self.config.app_id.encode("utf-8"))
                & hmac.compare_digest(auth.password.encode("utf-8"), self.config.secret_key.encode("utf-8")))

    def dispatch(self, request):
        # The player first: its paths need no credentials and are not counted as API calls.
        response = self.player.dispatch(request)
        if response is not None:
            return response
        adapter = URL_MAP.bind_to_environ(request.environ)
        try:
            endpoint, args = adapter.match()
        except NotFound:
            if not self.authorized(request):
                return self.json({"error": "Authorization Required."}, 401)
            return self.error(404, f"No such resource: {request.method} {request.path}")
        except MethodNotAllowed:
            if not self.authorized(request):
                return self.json({"error": "Authorization Required."}, 401)
            return self.error(405, f"{request.method} is not allowed on {request.path}")
        if not self.authorized(request):
            self._drain(request)
            return self.json({"error": "Authorization Required."}, 401)
        if endpoint.startswith("admin_"):
            handler = getattr(self, endpoint)
        else:
            if endpoint == "GetRegistrationProgress" and request.method == "HEAD":
                endpoint = "GetRegistration"
            self.storage.increment(f"call:{endpoint}")
            fault = self.faults.take_api_fault(endpoint)
            if fault is not None:
                time.sleep(fault.delay)
                if fault.status is not None:
                    self._drain(request)
                    return self.error(fault.status, f"Injected fault: {endpoint} answers {fault.status}")
            handler = getattr(self, f"op_{endpoint}")
        try:
            return handler(request, **args)
        except (ApiError, StorageError, SettingError) as exc:
            self._drain(request)
            return self.error(exc.status, exc.message)
        except HTTPException as exc:
            # Werkzeug's own refusals while reading the body (too many parts, a broken stream ...).
            return self.error(exc.code or 400, exc.description or exc.name)

    @staticmethod
    def _drain(request):
        """Read what is left of the body, so a client still uploading sees our answer, not a reset."""
        stream = request.stream
        while stream.read(DOWNLOAD_CHUNK):
            pass

    @staticmethod
    def read_json(request, required=True):
        """The request body as a JSON object; unknown fields are the handler's to ignore."""
        raw = request.get_data(cache=False)
        if not raw.strip():
            if required:
                raise ApiError(400, "A JSON request body is required")
            return {}
        try:
            body = json.loads(raw)
        except (ValueError, UnicodeDecodeError):
            raise ApiError(400, "The request body is not valid JSON") from None
        if not isinstance(body, dict):
            raise ApiError(400, "The request body must be a JSON object")
        return body

    def base_url(self, request):
        return self.config.public_url or request.host_url.rstrip("/")

    # -- progress, for the admin API and the player ----------------------------------------------

    def record_progress(self, registration_id, instance=None, **changes):
        """Apply learner results and queue a postback when they change; return the registration view."""
        registration = self.storage.update_progress(registration_id, instance, **changes)
        if registration is None:
            return self.storage.require_registration(registration_id, instance)
        self.queue_postback(registration)
        return registration

    def _levels(self, scopes):
        """``(effectiveValueSource, {settingId: value})`` for each of ``scopes``, as configuration reads them."""
        return [(scope.source, values) for scope, values in zip(scopes, self.storage.settings(scopes))]

    def queue_postback(self, registration):
        """Queue the registration's results for the postback its settings configure, through every level."""
        postback = postback_target(self._levels(registration_scopes(registration, instance_level=True)))
        if postback is None:
            return
        flags = POSTBACK_RESULTS_FLAGS.get(postback.get("resultsFormat"))
        details = None if flags is None else self.activity_details(registration, **flags)
        self.postbacks.enqueue(registration.id, postback, registration.to_json(details))

    def activity_details(self, registration, include_runtime=False, include_interactions_and_objectives=False):
        """The registration instance's ActivityResultSchema, or None when its course version is gone."""
        course = self.storage.get_course(registration.course_id, registration.course_version)
        if course is None:
            return None
        root, _ = course_tree(course)
        return activity_details(course.learning_standard, root,
                                self.storage.instance_runtime(registration.id, registration.instance),
                                registration.progress, include_runtime, include_interactions_and_objectives)

    # -- ping and import jobs ---------------------------------------------------------------------

    def op_PingAppId(self, request):
        return self.json({"apiMessage": "pong", "currentTime": now_iso()})

    def _import_query(self, request):
        course_id = require_new_id(request.args.get("courseId"), "courseId", RESERVED_COURSE_IDS)
        may_create_new_version = query_bool(request.args, "mayCreateNewVersion")
        postback_url = request.args.get("postbackUrl") or None
        if postback_url is not None and not is_http_url(postback_url):
            raise ApiError(400, f"postbackUrl [{postback_url}] is not a valid URL")
        if self.storage.course_exists(course_id) and not may_create_new_version:
            raise ApiError(409, f"Course [{course_id}] already exists")
        return course_id, may_create_new_version, postback_url, query_list(request.args, "tags")

    def op_CreateUploadAndImportCourseJob(self, request):
        course_id, may_create_new_version, postback_url, tags = self._import_query(request)
        content_type = request.headers.get("uploadedContentType", "application/zip").split(";")[0].strip()
        if content_type.lower() not in ZIP_CONTENT_TYPES:
            raise ApiError(400, f"uploadedContentType [{content_type}] is not supported: "
                                "the emulator imports zip packages only")
        upload = request.files.get("file")
        if upload is None:
            raise ApiError(400, "A multipart part named file is required")
        job_id = self.storage.create_import_job(course_id)
        zip_path = self.upload_dir / f"{job_id}.zip"
        upload.save(zip_path)
        upload.close()
        self._start_job(job_id, course_id, may_create_new_version, postback_url, tags, zip_path)
        return self.json({"result": job_id})

    def op_CreateFetchAndImportCourseJob(self, request):
        course_id, may_create_new_version, postback_url, tags = self._import_query(request)
        body = self.read_json(request)
        url = body.get("url")
        if not isinstance(url, str) or not is_http_url(url):
            raise ApiError(400, f"url [{url}] is not a valid http(s) URL" if url else "url is required")
        content_type = body.get("contentType") or "application/zip"
        if not isinstance(content_type, str) or content_type.lower() not in ZIP_CONTENT_TYPES:
            raise ApiError(400, f"contentType [{content_type}] is not supported: "
                                "the emulator imports zip packages only")
        job_id = self.storage.create_import_job(course_id)
        self._start_job(job_id, course_id, may_create_new_version, postback_url, tags,
                        self.upload_dir / f"{job_id}.zip", url)
        return self.json({"result": job_id})

    def _start_job(self, job_id, course_id, may_create_new_version, postback_url, tags, zip_path,
                   fetch_url=None):
        thread = threading.Thread(target=self._run_import, name=f"import-{job_id}", daemon=True,
                                  args=(job_id, course_id, may_create_new_version, postback_url, tags, zip_path,
                                        fetch_url))
        with self._jobs_lock:
            self._jobs.add(thread)
        thread.start()

    def _run_import(self, job_id, course_id, may_create_new_version, postback_url, tags, zip_path, fetch_url):
        started = time.monotonic()
        course_root = self.course_dir / hashlib.sha256(course_id.encode("utf-8")).hexdigest()[:32]
        staging = course_root / f"import-{job_id}"
        try:
            if fetch_url is not None:
                download(fetch_url, zip_path)
            package = import_package(zip_path, staging)
            # Versions are numbered at the end, so concurrent imports of one course each get their own.
            with self._version_lock:
                if self.storage.course_exists(course_id) and not may_create_new_version:
                    raise PackageError(f"Course [{course_id}] already exists")
                version = self.storage.next_course_version(course_id)
                content_dir = course_root / str(version)
                shutil.rmtree(content_dir, ignore_errors=True)
                staging.rename(content_dir)
                course = self.storage.add_course_version(course_id, package.title, package.learning_standard,
                                                         package.root.to_json(), content_dir,
                                                         activities=activity_record(package.root), tags=tags)
            result = {"webPathToCourse": f"courses/{course_id}/{course.version}/",
                      "parserWarnings": list(package.warnings),
                      "courseLanguages": list(package.languages),
                      "course": course.to_json()}
            status, message = "COMPLETE", None
        except PackageError as exc:
            status, message, result = "ERROR", exc.message, None
        except Exception as exc:  # noqa: BLE001 - a job must end, and say why
            logger.exception("import job %s failed", job_id)
            status, message, result = "ERROR", f"The import failed: {exc}", None
        finally:
            zip_path.unlink(missing_ok=True)
            shutil.rmtree(staging, ignore_errors=True)
        time.sleep(max(0.0, self.config.import_delay - (time.monotonic() - started)))
        self.storage.finish_import_job(job_id, status, message, result)
        if postback_url is not None:
            notify_import_finished(postback_url, self.storage.get_import_job(job_id))
        with self._jobs_lock:
            self._jobs.discard(threading.current_thread())

    def op_GetImportJobStatus(self, request, job_id):
        job = self.storage.get_import_job(job_id)
        if job is None:
            raise ApiError(404, f"Could not find import job [{job_id}]")
        return self.json(job.to_json())

    # -- courses ---------------------------------------------------------------------------------

    def _course(self, course_id, version=None):
        if version is not None:
            version = parse_int(version, "versionId")
        course = self.storage.get_course(course_id, version)
        if course is None:
            if version is not None and self.storage.course_exists(course_id):
                raise ApiError(404, f"Could not find version [{version}] of course [{course_id}]")
            raise ApiError(404, f"Could not find course [{course_id}]")
        return course

    def op_GetCourse(self, request, course_id):
        include_count = course_read_flags(request.args)
        return self.json(self._course(course_id).to_json(include_count))

    def op_GetCourseVersionInfo(self, request, course_id, version):
        include_count = course_read_flags(request.args)
        return self.json(self._course(course_id, version).to_json(include_count))

    def op_GetCourseVersions(self, request, course_id):
        include_count = course_read_flags(request.args)
        since = parse_query_datetime(request.args["since"], "since") if "since" in request.args else None
        until = parse_query_datetime(request.args["until"], "until") if "until" in request.args else None
        self._course(course_id)
        versions = self.storage.course_versions(course_id, since, until)
        return self.json({"courses": [course.to_json(include_count) for course in versions]})

    def op_GetCourses(self, request):
        include_count = course_read_flags(request.args)
        include_total = query_bool(request.args, "includeTotalCount")
        query, after = paging_query(request.args, COURSE_FILTERS, "courses")
        filters = course_filters(_Args(query))
        page_size = self.config.page_size
        courses = self.storage.list_courses(page_size + 1, after, **filters)
        data = {"courses": [course.to_json(include_count) for course in courses[:page_size]]}
        more = more_token(courses, page_size, query, course_position, filters["order_by"])
        if more:
            data["more"] = more
        headers = {}
        if include_total and after is None:
            headers["X-Total-Count"] = str(len(self.storage.list_courses(-1, None, **filters)))
        return self.json(data, headers=headers)

    def op_DeleteCourse(self, request, course_id):
        for content_dir in self.storage.delete_course(course_id):
            shutil.rmtree(content_dir, ignore_errors=True)
        return Response(status=204)

    def op_DeleteCourseVersion(self, request, course_id, version):
        for content_dir in self.storage.delete_course(course_id, parse_int(version, "versionId")):
            shutil.rmtree(content_dir, ignore_errors=True)
        return Response(status=204)

    def op_SetCourseTitle(self, request, course_id):
        title = self.read_json(request).get("title")
        if not isinstance(title, str) or not title.strip():
            raise ApiError(400, "title is required")
        self.storage.set_course_title(course_id, title)
        return Response(status=204)

    def op_BuildCoursePreviewLaunchLink(self, request, course_id, version=None):
        course = self._course(course_id, version)
        redirect, expiry, _, start_sco = parse_launch_request(self.read_json(request))
        if course.learning_standard == "CMI5":
            raise ApiError(400, f"Course [{course_id}] is a cmi5 course, which cannot be previewed")
        claims = LaunchClaims(course_id=course.id, course_version=course.version, registration_id=None,
                              instance=None, redirect_on_exit_url=redirect, expires=int(time.time()) + expiry,
                              tracking=False, start_sco=start_sco)
        return self.json({"launchLink": self._launch_link(request, claims)})

    op_BuildCoursePreviewLaunchLinkWithVersion = op_BuildCoursePreviewLaunchLink

    def _launch_link(self, request, claims):
        return f"{self.base_url(request)}/launch/{sign_launch_token(claims, self.launch_key)}"

    # -- registrations ---------------------------------------------------------------------------

    def op_CreateRegistration(self, request):
        course_version = request.args.get("courseVersion")
        if course_version is not None:
            course_version = parse_int(course_version, "courseVersion")
        body = self.read_json(request)
        learner = parse_learner(body.get("learner"))
        tags = body.get("registrationTags") or []
        if not isinstance(tags, list) or not all(isinstance(tag, str) for tag in tags):
            raise ApiError(400, "registrationTags must be a list of strings")
        self.storage.create_registration(
            require_new_id(body.get("registrationId"), "registrationId"),
            require_id(body.get("courseId"), "courseId"),
            learner=learner,
            tags=tags,
            settings=registration_settings(body),
            xapi_registration_id=body.get("xapiRegistrationId") if isinstance(
                body.get("xapiRegistrationId"), str) else None,
            course_version=course_version,
        )
        return Response(status=204)

    def op_GetRegistration(self, request, registration_id):
        exists = self.storage.get_registration(registration_id) is not None
        return Response(status=200 if exists else 404)

    def _registration_json(self, registration, flags):
        """RegistrationSchema, with activityDetails when ``flags`` (from :func:`results_flags`) ask for it."""
        return registration.to_json(None if flags is None else self.activity_details(registration, **flags))

    def op_GetRegistrationProgress(self, request, registration_id):
        flags = results_flags(request.args)
        registration = self.storage.require_registration(registration_id)
        return self.json(self._registration_json(registration, flags))

    def op_GetRegistrationInstanceProgress(self, request, registration_id, instance):
        flags = results_flags(request.args)
        registration = self.storage.require_registration(registration_id, parse_int(instance, "instanceId"))
        return self.json(self._registration_json(registration, flags))

    def op_GetRegistrationInstances(self, request, registration_id):
        flags = results_flags(request.args)
        since = parse_query_datetime(request.args["since"], "since") if "since" in request.args else None
        until = parse_query_datetime(request.args["until"], "until") if "until" in request.args else None
        self.storage.require_registration(registration_id)
        instances = self.storage.registration_instances(registration_id, since, until)
        return self.json({"registrations": [self._registration_json(item, flags) for item in instances]})

    def op_GetRegistrations(self, request):
        flags = results_flags(request.args)
        include_total = query_bool(request.args, "includeTotalCount")
        query, after = paging_query(request.args, REGISTRATION_FILTERS)
        filters = registration_filters(_Args(query))
        page_size = self.config.page_size
        registrations = self.storage.list_registrations(page_size + 1, after=after, **filters)
        data = {"registrations": [self._registration_json(registration, flags)
                                  for registration in registrations[:page_size]]}
        more = more_token(registrations, page_size, query, registration_position, filters["order_by"])
        if more:
            data["more"] = more
        headers = {}
        if include_total and after is None:
            headers["X-Total-Count"] = str(self.storage.count_registrations(**filters))
        return self.json(data, headers=headers)

    def op_DeleteRegistration(self, request, registration_id):
        self.storage.delete_registration(registration_id)
        return Response(status=204)

    def op_DeleteRegistrationProgress(self, request, registration_id):
        self.queue_postback(self.storage.reset_progress(registration_id))
        return Response(status=204)

    def op_CreateNewRegistrationInstance(self, request, registration_id):
        self.storage.new_instance(registration_id)
        return Response(status=204)

    def op_BuildRegistrationLaunchLink(self, request, registration_id):
        registration = self.storage.require_registration(registration_id)
        redirect, expiry, tracking, start_sco = parse_launch_request(self.read_json(request))
        claims = LaunchClaims(course_id=registration.course_id, course_version=registration.course_version,
                              registration_id=registration.id, instance=registration.instance,
                              redirect_on_exit_url=redirect, expires=int(time.time()) + expiry,
                              tracking=tracking, start_sco=start_sco)
        return self.json({"launchLink": self._launch_link(request, claims)})

    def op_TestRegistrationPostback(self, request):
        # The postback this PostBackSchema alone configures: defaults fill in, no level's settings do.
        postback = postback_target([("registration", postback_settings(self.read_json(request), "The body"))])
        if postback is None:
            raise ApiError(400, "url is required")
        payload = {
            "id": "postback-test", "instance": 0, "updated": now_iso(),
            "registrationCompletion": "COMPLETED", "registrationSuccess": "PASSED",
            "score": {"scaled": 100.0}, "totalSecondsTracked": 60.0,
            "course": {"id": "postback-test-course", "title": "Postback test", "version": 0},
            "learner": {"id": "postback-test-learner", "firstName": "Test", "lastName": "Learner"},
        }
        status, error = self.postbacks.send_test(postback, payload)
        if status is None or status >= 400:
            raise ApiError(400, f"The postback test to [{postback['url']}] failed: "
                                f"{error or f'the receiver answered {status}'}")
        return Response(status=204)

    # -- configuration ---------------------------------------------------------------------------

    def _configuration_scopes(self, request, course_id=None, version=None, registration_id=None, instance=None):
        """The levels a configuration call reads through, least specific first, once what the path names is
        known to exist (404 if not). Writes go to the last one."""
        if registration_id is not None:
            instance = None if instance is None else parse_int(instance, "instanceId")
            registration = self.storage.require_registration(registration_id, instance)
            return registration_scopes(registration, instance_level=instance is not None)
        if course_id is not None:
            course = self._course(course_id, version)
            return course_scopes(course.id, None if version is None else course.version)
        # SCORM Cloud's learningStandardForApplication level: the emulator keeps none, so it refuses the
        # parameters rather than answer for the whole application.
        for name in ("learningStandard", "singleSco"):
            if name in request.args:
                raise ApiError(400, f"{name} is not supported: the emulator keeps no settings per learning "
                                    "standard")
        return [Scope("application")]

    def _get_configuration(self, request, **path):
        include_metadata = query_bool(request.args, "includeMetadata")
        levels = self._levels(self._configuration_scopes(request, **path))
        return self.json(setting_list(levels, include_metadata))

    def _set_configuration(self, request, **path):
        values = parse_settings_post(self.read_json(request), "The request body")
        # One step, so a course or registration deleted meanwhile leaves no settings behind.
        with self.storage.transaction():
            self.storage.set_settings(self._configuration_scopes(request, **path)[-1], values)
        return Response(status=204)

    def _delete_configuration_setting(self, request, setting_id, **path):
        check_setting_id(setting_id)
        with self.storage.transaction():
            self.storage.delete_setting(self._configuration_scopes(request, **path)[-1], setting_id)
        return Response(status=204)

    op_GetApplicationConfiguration = op_GetCourseConfiguration = op_GetCourseVersionConfiguration = \
        op_GetRegistrationConfiguration = op_GetRegistrationInstanceConfiguration = _get_configuration
    op_SetApplicationConfiguration = op_SetCourseConfiguration = op_SetCourseVersionConfiguration = \
        op_SetRegistrationConfiguration = op_SetRegistrationInstanceConfiguration = _set_configuration
    op_DeleteApplicationConfigurationSetting = op_DeleteCourseConfigurationSetting = \
        op_DeleteCourseVersionConfigurationSetting = op_DeleteRegistrationConfigurationSetting = \
        op_DeleteRegistrationInstanceConfigurationSetting = _delete_configuration_setting

    # -- admin -------------------------------------------------------------------------------------

    def admin_set_progress(self, request, registration_id):
        body = self.read_json(request, required=False)
        changes = {}
        completion = body.get("registrationCompletion")
        if completion is not None:
            if completion not in COMPLETION_VALUES:
                raise ApiError(400, f"registrationCompletion must be one of {', '.join(COMPLETION_VALUES)}")
            changes["completion"] = completion
        success = body.get("registrationSuccess")
        if success is not None:
            if success not in SUCCESS_VALUES:
                raise ApiError(400, f"registrationSuccess must be one of {', '.join(SUCCESS_VALUES)}")
            changes["success"] = success
        if "score" in body:
            score = body["score"]
            scaled = score.get("scaled") if isinstance(score, dict) else ...
            if scaled is not None and not (is_number(scaled) and 0 <= scaled <= 100):
                raise ApiError(400, "score must be {\"scaled\": a number from 0 to 100, or null}")
            changes["score"] = None if scaled is None else float(scaled)
        seconds = body.get("totalSecondsTracked")
        if seconds is not None:
            if not is_number(seconds) or seconds < 0:
                raise ApiError(400, "totalSecondsTracked must be a number of seconds, at least 0")
            changes["total_seconds"] = seconds
        instance = body.get("instance")
        if instance is not None and (isinstance(instance, bool) or not isinstance(instance, int)):
            raise ApiError(400, "instance must be an integer")
        registration = self.record_progress(registration_id, instance, **changes)
        return self.json(registration.to_json())

    def admin_inject_faults(self, request):
        body = self.read_json(request)
        try:
            api = parse_api_faults(body.get("api") or [])
            postbacks = parse_postback_faults(body["postbacks"]) if body.get("postbacks") is not None else None
        except FaultError as exc:
            raise ApiError(400, str(exc)) from None
        self.faults.inject(api, postbacks)
        return Response(status=204)

    def admin_clear_faults(self, request):
        self.faults.clear()
        self.postbacks.release_held()
        return Response(status=204)

    def admin_postbacks(self, request):
        return self.json(self.storage.postback_log())

    def admin_flush_postbacks(self, request):
        timeout = request.args.get("timeout", "10")
        try:
            timeout = float(timeout)
        except ValueError:
            raise ApiError(400, f"Invalid value [{timeout}] for parameter timeout") from None
        if not self.postbacks.flush(timeout):
            raise ApiError(504, f"Postbacks still pending after {timeout} seconds")
        return Response(status=204)

    def admin_stats(self, request):
        counters = self.storage.counters()
        calls = {name.removeprefix("call:"): value for name, value in counters.items() if name.startswith("call:")}
        return self.json({"calls": calls, "registrations": counters.get("registrations", 0)})

    def admin_reset_stats(self, request):
        self.storage.reset_counters()
        return Response(status=204)


def download(url, dest):
    """Stream ``url`` to ``dest``; PackageError with a readable message when it cannot be fetched."""
    try:
        with requests.get(url, stream=True, timeout=(10, 60)) as response:
            if response.status_code >= 400:
                raise PackageError(f"Could not download [{url}]: the server answered {response.status_code}")
            with open(dest, "wb") as out:
                for chunk in response.iter_content(DOWNLOAD_CHUNK):
                    out.write(chunk)
    except requests.RequestException as exc:
        raise PackageError(f"Could not download [{url}]: {exc}") from None


def notify_import_finished(url, job):
    """POST the ImportJobResultSchema once to the job's postbackUrl.

    SCORM Cloud does not document this payload, and clients are told to confirm with GetImportJobStatus,
    so a failed notification is only logged.
    """
    try:
        requests.post(url, json=job.to_json(), timeout=(5, 10), allow_redirects=False).close()
    except requests.RequestException as exc:
        logger.warning("import postback to %s failed: %s", url, exc)

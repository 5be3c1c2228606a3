"""The player behind the emulator's launch links: a page that runs SCORM content with scorm-again.

The emulator app (:class:`scorm_cloud_emulator.app.EmulatorApp`) hands ``/launch/...`` and
``/player/...`` to this player before its API routes, with
:class:`scorm_cloud_emulator.sessions.StoragePlayerBackend` as the backend: the links that
BuildRegistrationLaunchLink and BuildCoursePreviewLaunchLink return open here, sessions and runtime
data live in the emulator's SQLite, and every commit updates the registration's progress and
queues its postback. These paths need no API credentials and are not counted as API calls. Any
other :class:`PlayerBackend` works too (the tests use an in-memory one).

What it does
------------
* ``GET /launch/<token>`` asks the backend to open a session for a signed launch link and
  redirects to ``/player/<session_id>/``; a refused link gets a readable page (403 when it is not
  valid or has expired, 404 when its course or registration is gone). The session id in the path
  is what grants access afterwards (no cookie), like SCORM Cloud's cookieless "vault" launches, so
  the player also works inside third-party iframes; backends must make session ids unguessable.
* ``GET /player/<sid>/`` is the player page: course title, a menu built from the organization
  tree, Previous/Next/Exit buttons and an iframe for the SCO. The page sets ``window.API``
  (SCORM 1.2) or ``window.API_1484_11`` (2004) to a scorm-again API object, which the content
  finds by walking its parent frames.
* ``GET /player/<sid>/content/<path>`` serves the files of that course version's package only.
* ``GET /player/<sid>/runtime/<sco>`` gives the SCO's launch data: the saved CMI with the LMS-owned
  elements set (learner, credit, entry, passing score; see :func:`launch_data`).
  ``POST`` stores a commit ``{"cmi": {...}}``; one of another shape (an object where a status should
  be, an array, a boolean; :func:`scorm_cloud_emulator.rollup.cmi_shape_error`) is refused with 400
  and the reason. A terminating commit (``?terminate=true``) first gets the LMS's own finish rules
  (:func:`scorm_cloud_emulator.rollup.apply_finish_defaults`). The backend persists it and rolls the
  registration up.
* ``GET /player/<sid>/exit`` ends the visit at ``redirectOnExitUrl``: an http(s) URL is a redirect;
  ``closer`` answers a page that closes the window, ``blank`` an empty page, ``message`` a
  "course complete" page. An empty or invalid value also shows that page: SCORM Cloud would use the
  account's configured page (www.scorm.com by default), which is out of reach here.
* Commits: each SCO's API commits with a synchronous request on Commit/Finish and every few
  seconds after changes (autocommit). Browsers refuse synchronous requests while a document is
  unloaded, which is when content usually finishes: when the player unloads a SCO, those commits
  go out with ``fetch`` and the player waits until they are stored before it opens another SCO or
  follows Exit, so the LMS the learner returns to reads the final results. While the player page
  itself is being closed it uses ``navigator.sendBeacon``, so a learner who closes the tab loses
  nothing.
* Navigation: flow (Previous/Next, ``continue``/``previous`` requests from the content) and choice
  (the menu, ``{target=...}choice`` and ``jump``) among the launchable leaves in organization order;
  ``exitAll``, ``suspendAll`` and ``abandonAll`` leave the course. When the only or the last SCO
  finishes without a navigation request, the player exits.

What it does not do
-------------------
No SCORM 2004 sequencing: no pre/post-condition or rollup rules, no objective maps, no
``adl.data`` shared buckets, no limit conditions, no hidden or disabled menu items. Rollup is
SCORM Cloud's course-level view in :mod:`scorm_cloud_emulator.rollup`. The 1.2 interactions and
objectives of a previous session are not handed back to the content. Untracked sessions (course
preview) run the content but store nothing.
"""
import html
import json
import mimetypes
import re
from decimal import Decimal
import string
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Optional, Protocol
from urllib.parse import quote, urlsplit

from werkzeug.exceptions import HTTPException, NotFound
from werkzeug.routing import Map, Rule
from werkzeug.security import safe_join
from werkzeug.utils import redirect, send_file
from werkzeug.wrappers import Request, Response

from .rollup import apply_finish_defaults, cmi_number, cmi_shape_error, is_number, is_scorm2004

ASSETS_DIR = Path(__file__).resolve().parent / "player"
RUNTIME_FILE = "vendor/scorm-again.min.js"
EXIT_KEYWORDS = ("closer", "blank", "message")
#: Largest commit accepted; real CMI data (suspend_data <= 64 KB in 2004, interactions) is far smaller.
MAX_COMMIT_BYTES = 4 * 1024 * 1024

# Types the content needs right whatever the host's mime.types says. No charset is added to text:
# packages ship Windows-1252 as often as UTF-8 and declare it (or not) themselves.
_CONTENT_TYPES = {
    ".html": "text/html",
    ".htm": "text/html",
    ".xhtml": "application/xhtml+xml",
    ".js": "text/javascript",
    ".mjs": "text/javascript",
    ".css": "text/css",
    ".json": "application/json",
    ".xml": "application/xml",
    ".xsd": "application/xml",
    ".dtd": "application/xml-dtd",
    ".txt": "text/plain",
    ".svg": "image/svg+xml",
    ".png": "image/png",
    ".jpg": "image/jpeg",
    ".jpeg": "image/jpeg",
    ".gif": "image/gif",
    ".webp": "image/webp",
    ".ico": "image/x-icon",
    ".woff": "font/woff",
    ".woff2": "font/woff2",
    ".ttf": "font/ttf",
    ".otf": "font/otf",
    ".eot": "application/vnd.ms-fontobject",
    ".mp3": "audio/mpeg",
    ".wav": "audio/wav",
    ".ogg": "audio/ogg",
    ".mp4": "video/mp4",
    ".webm": "video/webm",
    ".vtt": "text/vtt",
    ".pdf": "application/pdf",
    ".swf": "application/x-shockwave-flash",
    ".zip": "application/zip",
}


class LaunchRefused(Exception):
    """A launch link or session the player will not honour; ``message`` is shown to the learner.

    ``status`` is the HTTP answer: 403 for a link that is not valid (tampered with, expired), 404 for
    one whose course or registration is gone.
    """

    def __init__(self, message, status=403):
        super().__init__(message)
        self.message = message
        self.status = status


@dataclass
class PlayerSession:
    """One opened launch: what the player needs to run the course for one registration instance."""

    session_id: str
    registration_id: Optional[str]  # None for an untracked course preview
    instance: Optional[int]
    course_title: str
    learning_standard: str  # "SCORM12" | "SCORM20042NDEDITION" | "SCORM20043RDEDITION" | ...
    package_dir: Path  # the extracted package of the launched course version
    root: Any  # packages.Activity: identifier, title, activity_type, href, scaled_passing_score, children
    scos: list = field(default_factory=list)  # launchable Activities, in organization order
    redirect_on_exit_url: str = ""  # http(s) URL, "closer", "blank", "message" or ""
    tracking: bool = True
    learner_id: str = ""
    learner_name: str = ""
    start_sco: Optional[str] = None  # identifier of the SCO to start with (launch link's startSco)

    @property
    def scorm2004(self):
        return is_scorm2004(self.learning_standard)

    def find_sco(self, sco_id):
        return next((sco for sco in self.scos if sco.identifier == sco_id), None)


class PlayerBackend(Protocol):
    """What the emulator app provides to the player."""

    def open_session(self, launch_token: str) -> PlayerSession:
        """Verify the signed launch link and open a session; raise LaunchRefused if it is not valid."""

    def get_session(self, session_id: str) -> Optional[PlayerSession]:
        """The open session with that id, or None."""

    def load_runtime(self, session: PlayerSession, sco_id: str) -> Optional[dict]:
        """The saved ``{"cmi": {...}}`` of that SCO for the session's registration and instance."""

    def save_runtime(self, session: PlayerSession, sco_id: str, cmi: dict) -> None:
        """Persist a commit ``{"cmi": {...}}``, then roll the registration up and queue its postback.

        ``load_runtime`` and ``save_runtime`` may raise LaunchRefused when the registration is gone;
        the content then gets a failed commit.
        """


# --------------------------------------------------------------------------------------------
# Launch data (pure)


def entry_value(saved: Optional[dict], scorm2004: bool) -> str:
    """``cmi.entry`` / ``cmi.core.entry`` for a new session of a SCO with that saved data."""
    if not isinstance(saved, dict) or not isinstance(saved.get("cmi"), dict):
        return "ab-initio"
    data = saved["cmi"] if scorm2004 else _object(saved["cmi"].get("core"))
    return "resume" if data.get("exit") == "suspend" else ""


def launch_data(session: PlayerSession, sco, saved: Optional[dict]) -> dict:
    """The ``{"cmi": {...}}`` a SCO's API is loaded with before the content calls Initialize.

    The LMS-owned elements come from the session (learner, credit) and the manifest (2004 scaled
    passing score and completion threshold, 1.2 mastery score). From the saved data, status, score
    and total time always carry over, so the content sees its earlier result. Location and suspend data carry over
    only when the last session ended in ``suspend``: otherwise a new attempt starts, at the beginning.
    Write-only elements (exit, session_time) are never handed back. Only valid CMI strings go back:
    scorm-again's loadFromJSON stops at the first value it refuses, so one odd saved value (stored
    before commits were checked, or by another backend) would lose the rest. A saved number goes
    back as its CMI string; anything else that is not valid for its element is left out.
    """
    saved_cmi = saved.get("cmi") if isinstance(saved, dict) and isinstance(saved.get("cmi"), dict) else {}
    entry = entry_value(saved, session.scorm2004)
    resume = entry == "resume"
    credit = "credit" if session.tracking else "no-credit"
    if session.scorm2004:
        cmi = {
            "learner_id": session.learner_id,
            "learner_name": session.learner_name,
            "credit": credit,
            "mode": "normal",
            "entry": entry,
        }
        carried = ("completion_status", "success_status", "progress_measure", "total_time")
        cmi.update(_cmi_strings(saved_cmi, carried + (("location", "suspend_data") if resume else ()), True))
        score = _cmi_strings(_object(saved_cmi.get("score")), ("scaled", "raw", "min", "max"), True)
        if score:
            cmi["score"] = score
        if getattr(sco, "scaled_passing_score", None) is not None:
            cmi["scaled_passing_score"] = _decimal(sco.scaled_passing_score)
        if getattr(sco, "completion_threshold", None) is not None:
            cmi["completion_threshold"] = _decimal(sco.completion_threshold)
        return {"cmi": cmi}

    saved_core = _object(saved_cmi.get("core"))
    core = {
        "student_id": session.learner_id,
        "student_name": session.learner_name,
        "credit": credit,
        "lesson_mode": "normal",
        "entry": entry,
    }
    core.update(_cmi_strings(saved_core, ("lesson_status", "total_time") + (("lesson_location",) if resume else ()), False))
    score = _cmi_strings(_object(saved_core.get("score")), ("raw", "min", "max"), False)
    if score:
        core["score"] = score
    cmi = {"core": core}
    if getattr(sco, "scaled_passing_score", None) is not None:
        # adlcp:masteryscore (kept scaled, 0..1) is handed to 1.2 content as a 0..100 score.
        cmi["student_data"] = {"mastery_score": _decimal(sco.scaled_passing_score * 100)}
    if resume:
        cmi.update(_cmi_strings(saved_cmi, ("suspend_data",), False))
    return {"cmi": cmi}


def content_type_for(path: str) -> str:
    suffix = Path(path).suffix.lower()
    return _CONTENT_TYPES.get(suffix) or mimetypes.guess_type(path)[0] or "application/octet-stream"


def exit_target(redirect_on_exit_url: str) -> tuple:
    """("redirect", url) for an http(s) URL, else ("closer"|"blank"|"message", None)."""
    value = (redirect_on_exit_url or "").strip()
    if value in EXIT_KEYWORDS:
        return value, None
    parts = urlsplit(value)
    if parts.scheme in ("http", "https") and parts.netloc:
        return "redirect", value
    return "message", None


def _decimal(number):
    """A number as a CMI decimal string: 12 significant digits (so 0.7 * 100 is "70"), no exponent."""
    return format(Decimal(format(float(number), ".12g")).normalize(), "f")


def _object(value):
    return value if isinstance(value, dict) else {}


# What scorm-again 3.4.3 accepts for the elements launch_data hands back (its regexes and ranges);
# an element not listed takes any string.
_DECIMAL_12, _DECIMAL_2004 = r"-?[0-9]{0,10}(\.[0-9]*)?", r"-?[0-9]{1,10}(\.[0-9]{1,18})?"
_VALID = {
    "lesson_status": (r"passed|completed|failed|incomplete|browsed|not attempted", None),
    "completion_status": (r"completed|incomplete|not attempted|unknown", None),
    "success_status": (r"passed|failed|unknown", None),
    "progress_measure": (_DECIMAL_2004, (0, 1)),
    "scaled": (_DECIMAL_2004, (-1, 1)),
}
_VALID_12 = {**_VALID, "total_time": (r"[0-9]+:[0-9]{2}:[0-9]{2}(\.\d{1,2})?", None),
             **{name: (_DECIMAL_12, (0, 100)) for name in ("raw", "min", "max")}}
_VALID_2004 = {**_VALID, **{name: (_DECIMAL_2004, None) for name in ("raw", "min", "max")},
               "total_time": (r"P(?:([.,\d]+)Y)?(?:([.,\d]+)M)?(?:([.,\d]+)W)?(?:([.,\d]+)D)?"
                              r"(?:T?(?:([.,\d]+)H)?(?:([.,\d]+)M)?(?:(\d+(?:\.\d{1,2})?)S)?)?", None)}


def _cmi_strings(saved, names, scorm2004):
    """The named elements of saved data that have a valid value, as CMI strings."""
    valid = _VALID_2004 if scorm2004 else _VALID_12
    strings = {}
    for name in names:
        value = saved.get(name)
        if is_number(value):
            value = _decimal(value)
        if not isinstance(value, str) or not value:
            continue
        pattern, bounds = valid.get(name, (None, None))
        if pattern and not re.fullmatch(pattern, value):
            continue
        if bounds and not (cmi_number(value) is not None and bounds[0] <= cmi_number(value) <= bounds[1]):
            continue
        strings[name] = value
    return strings


# --------------------------------------------------------------------------------------------
# The WSGI side


class Player:
    """Serves launch links, the player page, package files and the runtime endpoint."""

    def __init__(self, backend: PlayerBackend, assets_dir: Optional[Path] = None):
        self.backend = backend
        self.assets_dir = Path(assets_dir) if assets_dir is not None else ASSETS_DIR
        self._page_template = string.Template((self.assets_dir / "player.html").read_text(encoding="utf-8"))
        self._message_template = string.Template((self.assets_dir / "message.html").read_text(encoding="utf-8"))
        self.url_map = Map(
            [
                Rule("/launch/<token>", endpoint="launch", methods=["GET"]),
                Rule("/player/<session_id>", endpoint="page_without_slash", methods=["GET"]),
                Rule("/player/<session_id>/", endpoint="page", methods=["GET"]),
                Rule("/player/<session_id>/assets/<path:path>", endpoint="asset", methods=["GET"]),
                Rule("/player/<session_id>/content/<path:path>", endpoint="content", methods=["GET"]),
                Rule("/player/<session_id>/runtime/<sco_id>", endpoint="runtime", methods=["GET", "POST"]),
                Rule("/player/<session_id>/exit", endpoint="exit", methods=["GET"]),
            ],
            strict_slashes=False,
            merge_slashes=False,
        )

    @property
    def runtime_available(self):
        """Whether scorm-again has been copied into the player's vendor directory."""
        return (self.assets_dir / RUNTIME_FILE).is_file()

    def dispatch(self, request: Request) -> Optional[Response]:
        """The response for a path the player owns (/launch/..., /player/...), else None."""
        path = request.path
        if not (path.startswith("/launch/") or path == "/player" or path.startswith("/player/")):
            return None
        adapter = self.url_map.bind_to_environ(request.environ)
        try:
            endpoint, args = adapter.match()
        except NotFound:
            return self._message_page("Not found", "There is nothing here.", 404)
        except HTTPException as exc:
            return exc.get_response(request.environ)
        if endpoint == "launch":
            return self._launch(args["token"])
        session = self.backend.get_session(args["session_id"])
        if session is None:
            return self._message_page(
                "Session not found",
                "This course session has ended or never existed. Go back and launch the course again.",
                404,
            )
        handler = getattr(self, "_" + endpoint)
        return handler(request, session, **{k: v for k, v in args.items() if k != "session_id"})

    def __call__(self, environ, start_response):
        """Plain WSGI: the player alone (404 page for everything it does not own)."""
        request = Request(environ)
        response = self.dispatch(request) or self._message_page("Not found", "There is nothing here.", 404)
        return response(environ, start_response)

    # -- endpoints -------------------------------------------------------------------------

    def _launch(self, token):
        try:
            session = self.backend.open_session(token)
        except LaunchRefused as refused:
            return self._message_page("Cannot launch this course", refused.message, refused.status)
        # 303: the launch link itself must not be replayed by a reload of the player page.
        return redirect(f"/player/{quote(session.session_id, safe='')}/", 303)

    def _page_without_slash(self, request, session):
        return redirect(f"/player/{quote(session.session_id, safe='')}/", 301)

    def _page(self, request, session):
        if not session.scos:
            return self._message_page(session.course_title or "Course", "This course has nothing to launch.", 409)
        if not self.runtime_available:
            return self._message_page(
                "The player is not installed",
                "The SCORM runtime (scorm-again) is missing from the player's vendor directory. "
                "Run `make player-assets` and reload this page.",
                503,
            )
        config = self.page_config(session)
        body = self._page_template.substitute(
            title=html.escape(session.course_title or "Course"),
            # No "<" at all inside the script element, so no title can end it or open a comment.
            config=json.dumps(config).replace("<", "\\u003c"),
        )
        return self._no_store(Response(body, mimetype="text/html"))

    def page_config(self, session: PlayerSession) -> dict:
        """What player.js needs: the SCOs, the menu tree, where to start, and the endpoints."""
        launchable = {sco.identifier for sco in session.scos}
        start = 0
        if session.start_sco:
            start = next((i for i, sco in enumerate(session.scos) if sco.identifier == session.start_sco), 0)
        return {
            "standard": "SCORM2004" if session.scorm2004 else "SCORM12",
            "title": session.course_title,
            "scos": [{"id": sco.identifier, "title": sco.title, "url": self._content_url(sco.href)} for sco in session.scos],
            "menu": self._menu(session.root, launchable),
            "start": start,
            "tracking": session.tracking,
            "runtimeUrl": "runtime/",
            "exitUrl": "exit",
        }

    def _asset(self, request, session, path):
        target = safe_join(str(self.assets_dir), path)
        if target is None or path in ("player.html", "message.html") or not Path(target).is_file():
            return self._message_page("Not found", "There is nothing here.", 404)
        return send_file(target, request.environ, mimetype=content_type_for(target), max_age=300)

    def _content(self, request, session, path):
        package_dir = Path(session.package_dir).resolve()
        joined = safe_join(str(package_dir), path)
        target = Path(joined).resolve() if joined is not None else None
        # resolve() also follows symlinks, so a link inside the package cannot point out of it.
        if target is None or not target.is_relative_to(package_dir) or not target.is_file():
            return self._message_page("Not found", "This file is not part of the course.", 404)
        response = send_file(target, request.environ, mimetype="application/octet-stream", max_age=0, conditional=True)
        response.headers["Content-Type"] = content_type_for(target.name)
        response.headers["X-Content-Type-Options"] = "nosniff"
        return response

    def _runtime(self, request, session, sco_id):
        sco = session.find_sco(sco_id)
        if sco is None:
            return self._json({"result": "false", "errorCode": 101, "errorMessage": f"no SCO {sco_id!r} in this course"}, 404)
        if request.method == "GET":
            try:
                saved = self.backend.load_runtime(session, sco_id) if session.tracking else None
            except LaunchRefused as refused:
                return self._json({"result": "false", "errorCode": 101, "errorMessage": refused.message}, refused.status)
            return self._no_store(self._json(launch_data(session, sco, saved)))
        if (request.content_length or 0) > MAX_COMMIT_BYTES:
            return self._json({"result": "false", "errorCode": 101, "errorMessage": "commit too large"}, 413)
        raw = request.get_data(cache=False)
        if len(raw) > MAX_COMMIT_BYTES:
            return self._json({"result": "false", "errorCode": 101, "errorMessage": "commit too large"}, 413)
        try:
            commit = json.loads(raw)
        except (ValueError, UnicodeDecodeError, RecursionError):
            commit = None
        # Refused before anything is stored or rolled up, with the reason for the content's log.
        error = cmi_shape_error(session.learning_standard, commit)
        if error:
            return self._json({"result": "false", "errorCode": 101, "errorMessage": error}, 400)
        # Only the CMI is stored: anything else scorm-again may add to the payload is not runtime data.
        commit = {"cmi": commit["cmi"]}
        if request.args.get("terminate") == "true":
            commit = apply_finish_defaults(session.learning_standard, commit)
        if session.tracking:
            try:
                self.backend.save_runtime(session, sco_id, commit)
            except LaunchRefused as refused:
                # The registration went away under an open player: the commit fails, visibly to the content.
                return self._json({"result": "false", "errorCode": 101, "errorMessage": refused.message}, refused.status)
        return self._json({"result": "true", "errorCode": 0})

    def _exit(self, request, session):
        kind, url = exit_target(session.redirect_on_exit_url)
        if kind == "redirect":
            return redirect(url, 302)
        if kind == "blank":
            return self._no_store(Response("<!DOCTYPE html><html><head><title></title><link rel=\"icon\" href=\"data:,\"></head><body></body></html>", mimetype="text/html"))
        if kind == "closer":
            return self._message_page(
                "You can close this window",
                "The course has ended.",
                200,
                script="window.close();",
            )
        return self._message_page("Course complete", "The course has ended. You may close this window.", 200)

    # -- helpers ---------------------------------------------------------------------------

    def _content_url(self, href):
        parts = urlsplit(href or "")
        if parts.scheme in ("http", "https"):
            return href
        url = "content/" + quote(parts.path, safe="/")
        return url + ("?" + parts.query if parts.query else "") + ("#" + parts.fragment if parts.fragment else "")

    def _menu(self, activity, launchable):
        return {
            "id": activity.identifier,
            "title": activity.title,
            "launchable": activity.identifier in launchable,
            "children": [self._menu(child, launchable) for child in activity.children],
        }

    def _message_page(self, title, message, status, script=""):
        body = self._message_template.substitute(
            title=html.escape(title),
            message=html.escape(message),
            script=script,
        )
        return self._no_store(Response(body, status=status, mimetype="text/html"))

    @staticmethod
    def _json(data, status=200):
        return Response(json.dumps(data), status=status, mimetype="application/json")

    @staticmethod
    def _no_store(response):
        response.headers["Cache-Control"] = "no-store"
        return response

"""
How the block talks to browsers: JSON handlers and their answers, view fragments, and what a
SCORM Cloud failure says to the learner or author who caused the call.
"""
import functools
import html
import json
from string import Template

from web_fragments.fragment import Fragment
from webob import Response
from xblock.core import XBlock
from xblock.exceptions import JsonHandlerError
from xblock.utils.resources import ResourceLoader

from .client import AuthenticationFailed, Misconfigured, Unavailable

loader = ResourceLoader(__name__)


def json_response(payload, status=200):
    # Answers are per learner and launch links single-use: no cache may keep them.
    return Response(json.dumps(payload), status=status, content_type="application/json", charset="utf-8",
                    cache_control="no-store")


def post_only():
    response = json_response({"error": "Use POST."}, status=405)
    response.allow = ("POST",)   # HTTP requires the Allow header on a 405
    return response


def render_template(template_path, **values):
    """Fill the `$name` slots of a page template; every value is HTML-escaped."""
    return Template(loader.load_unicode(template_path)).substitute(
        {name: html.escape(str(value)) for name, value in values.items()})


def view_fragment(view, state=None, **values):
    """A view's fragment: templates/<view>.html, the stylesheet and, with `state`, static/js/<view>.js
    started as ScormCloud<View> with that state (common.js holds what the scripts share)."""
    fragment = Fragment(render_template(f"templates/{view}.html", **values))
    fragment.add_css(loader.load_unicode("static/css/scorm_cloud.css"))
    if state is not None:
        fragment.add_javascript(loader.load_unicode("static/js/common.js"))
        fragment.add_javascript(loader.load_unicode(f"static/js/{view}.js"))
        fragment.initialize_js(f"ScormCloud{view.capitalize()}", state)
    return fragment


def cloud_error(error):
    """
    The status and message a handler answers when SCORM Cloud fails: what happened and what to do.

    Learners and authors read these, so they say whether trying again can help; 401 is the site's
    configuration, which only an administrator can fix.
    """
    if isinstance(error, AuthenticationFailed):
        return 502, ("SCORM Cloud refused this site's credentials. Please tell the site administrator: "
                     "the SCORM Cloud App ID or secret key in the site settings is wrong.")
    if isinstance(error, Misconfigured):
        return 502, ("This site cannot reach SCORM Cloud as it is set up. Please tell the site administrator: "
                     "check the SCORM Cloud BASE_URL in the site settings.")
    if isinstance(error, Unavailable) and error.status is None:
        return 504, "SCORM Cloud did not answer in time. Please try again in a few minutes."
    if isinstance(error, Unavailable) or error.status is None or error.status >= 500:
        return 502, (f"SCORM Cloud is having trouble right now (HTTP {error.status or 'error'}). "
                     "Please try again in a few minutes.")
    if error.status < 400:
        # An answer we cannot use (not JSON, no launch link): SCORM Cloud's side, not the request's.
        return 502, "SCORM Cloud gave an answer this site cannot use. Please try again in a few minutes."
    return 400, f"SCORM Cloud refused the request: {error.message}"


def _json_object_call(request, call):
    """POST, a JSON object in, JSON out; a JsonHandlerError becomes its status with `{"error": message}`."""
    if request.method != "POST":
        return post_only()
    try:
        data = json.loads(request.body or b"{}")
    except (ValueError, RecursionError):   # RecursionError: nested deeper than the parser goes
        return json_response({"error": "The request body is not valid JSON."}, status=400)
    if not isinstance(data, dict):
        return json_response({"error": "The request body must be a JSON object."}, status=400)
    try:
        return json_response(call(data))
    except JsonHandlerError as error:
        return json_response({"error": error.message}, status=error.status_code)


def json_request_handler(func):
    """
    Like XBlock.json_handler, for a JSON object, but the handler also receives the request: launch
    links and postback URLs are built on its host.
    """
    @XBlock.handler
    @functools.wraps(func)
    def wrapper(self, request, suffix=""):
        return _json_object_call(request, lambda data: func(self, data, request))
    return wrapper


def json_object_handler(func):
    """
    Like XBlock.json_handler, for handlers that read fields of the body: anything but a JSON object,
    JSON included that nests too deep to parse, is a 400.
    """
    @XBlock.handler
    @functools.wraps(func)
    def wrapper(self, request, suffix=""):
        return _json_object_call(request, lambda data: func(self, data, suffix))
    return wrapper


def sendable_text(value):
    """A string of a JSON body that can be sent on (UTF-8, so no lone surrogates), else ''."""
    if not isinstance(value, str):
        return ""
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        return ""
    return value

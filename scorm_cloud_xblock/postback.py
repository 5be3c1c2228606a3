"""Registration postbacks: the credentials the block hands SCORM Cloud, and reading them back.

SCORM Cloud signs nothing; a postback is authentic only because it carries the user name and
password given in the registration's ``postBack`` settings. The block uses the registration id as
the user name and an HMAC of it, keyed with a server-side secret, as the password. Each
registration thus has its own password, and nothing needs to be stored to check one.

SCORM Cloud sends one of two shapes (``ApiRollupRegistrationAuthType``):

- ``httpbasic``: the ``RegistrationSchema`` JSON as the body, credentials in ``Authorization: Basic``;
- ``form``: ``application/x-www-form-urlencoded`` with the JSON in the field ``data`` and the
  credentials in ``userName`` (older text spells it ``username``) and ``password``.

Every rejection is a :class:`PostbackError` carrying the HTTP status to answer with. Any 4xx makes
SCORM Cloud retry, so a genuine postback must never be refused for a malformed detail we could
tolerate.
"""
import base64
import binascii
import hashlib
import hmac
import json
from dataclasses import dataclass
from urllib.parse import urlsplit, urlunsplit

JSON_CONTENT_TYPE = "application/json"
FORM_CONTENT_TYPE = "application/x-www-form-urlencoded"
_UTF8_CHARSETS = ("utf-8", "utf8")


def postback_password(secret, registration_id):
    """The postback password of ``registration_id``: hex HMAC-SHA256 keyed with ``secret``."""
    if not isinstance(secret, str) or not isinstance(registration_id, str):
        raise TypeError("secret and registration id must be strings")
    if not secret:
        # An empty key would make every password computable by anyone.
        raise ValueError("the postback secret must not be empty")
    return hmac.new(secret.encode("utf-8"), registration_id.encode("utf-8"), hashlib.sha256).hexdigest()


def postback_url(handler_url, base_url=None):
    """The URL SCORM Cloud posts to: the handler URL, moved onto ``base_url`` when one is configured.

    The LMS builds third-party handler URLs on ``SITE_NAME`` with ``https`` only when ``HTTPS`` is
    "on"; a site that redirects http to https there loses every postback (SCORM Cloud counts a 3xx
    as delivered). ``base_url`` gives the scheme, host and any path prefix; the handler's path and
    query are kept. Raises ValueError for a ``base_url`` that is not an http(s) URL.
    """
    if not base_url:
        return handler_url
    base = urlsplit(base_url) if isinstance(base_url, str) else None
    if base is None or base.scheme not in ("http", "https") or not base.netloc or base.query or base.fragment:
        raise ValueError(f"POSTBACK_BASE_URL {base_url!r} is not an http(s) URL such as https://lms.example.com")
    handler = urlsplit(handler_url)
    return urlunsplit((base.scheme, base.netloc, base.path.rstrip("/") + handler.path, handler.query, ""))


@dataclass(frozen=True)
class PostbackRequest:
    """A postback's claimed credentials and its ``RegistrationSchema`` payload, not yet verified."""

    user_name: str
    password: str
    payload: dict


class PostbackError(Exception):
    """A postback to refuse: ``status`` is 400 (malformed), 401 (no credentials) or 403 (wrong ones)."""

    def __init__(self, status, message):
        super().__init__(message)
        self.status = status
        self.message = message


def _media_type(content_type):
    """Split a Content-Type header into its lower-case media type and charset (or None)."""
    media_type, *params = (content_type or "").split(";")
    charset = None
    for param in params:
        name, _, value = param.partition("=")
        if name.strip().lower() == "charset":
            charset = value.strip().strip('"').lower()
    return media_type.strip().lower(), charset


def _parse_payload(text):
    try:
        payload = json.loads(text)
    except (ValueError, RecursionError) as exc:
        raise PostbackError(400, f"the postback data is not valid JSON: {exc}") from None
    if not isinstance(payload, dict):
        raise PostbackError(400, "the postback data is not a JSON object")
    return payload


def _basic_credentials(authorization):
    scheme, _, encoded = (authorization or "").strip().partition(" ")
    if scheme.lower() != "basic" or not encoded.strip():
        raise PostbackError(401, "the postback carries no HTTP Basic credentials")
    try:
        decoded = base64.b64decode(encoded.strip(), validate=True).decode("utf-8")
    except (binascii.Error, ValueError):
        raise PostbackError(400, "the Authorization header is not base64-encoded UTF-8") from None
    user_name, colon, password = decoded.partition(":")
    if not colon:
        raise PostbackError(400, "the Authorization header has no 'user:password' pair")
    return user_name, password


def _encodable(text):
    # A form decoder may leave lone surrogates, which UTF-8 (and so HMAC) cannot take.
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def _form_field(form, *names):
    for name in names:
        value = form.get(name)
        if value is not None:
            if not isinstance(value, str) or not _encodable(value):
                raise PostbackError(400, f"the form field {name!r} is not UTF-8 text")
            return value
    return None


def read_postback(content_type, body, form, authorization):
    """Read a postback in either of SCORM Cloud's shapes; raise :class:`PostbackError` if it is not one.

    ``body`` is the raw request body (used for JSON), ``form`` the decoded form fields or a function
    that decodes them (called for form posts only) and ``authorization`` the ``Authorization`` header.
    """
    media_type, charset = _media_type(content_type)
    if charset is not None and charset not in _UTF8_CHARSETS:
        raise PostbackError(400, f"unsupported charset {charset!r}; SCORM Cloud sends UTF-8")

    if media_type == JSON_CONTENT_TYPE:
        user_name, password = _basic_credentials(authorization)
        if not user_name or not password:
            raise PostbackError(401, "the postback credentials are incomplete")
        if not isinstance(body, (bytes, bytearray)):
            raise PostbackError(400, "the postback has no body")
        try:
            text = bytes(body).decode("utf-8")
        except UnicodeDecodeError:
            raise PostbackError(400, "the postback body is not UTF-8") from None
        return PostbackRequest(user_name, password, _parse_payload(text))

    if media_type == FORM_CONTENT_TYPE:
        if callable(form):
            form = form()
        if form is None:
            form = {}
        user_name = _form_field(form, "userName", "username")
        password = _form_field(form, "password")
        if not user_name or not password:
            raise PostbackError(401, "the postback form carries no userName and password")
        data = _form_field(form, "data")
        if not data:
            raise PostbackError(400, "the postback form has no 'data' field")
        return PostbackRequest(user_name, password, _parse_payload(data))

    raise PostbackError(
        400,
        f"unsupported postback content type {media_type!r}; expected {JSON_CONTENT_TYPE} (httpbasic)"
        f" or {FORM_CONTENT_TYPE} (form), the v2 JSON formats",
    )


def verify_postback(request, secret):
    """Return the registration id of an authentic postback; raise :class:`PostbackError` otherwise."""
    expected = postback_password(secret, request.user_name)
    # compare_digest refuses non-ASCII str, and a claimed password may be anything.
    if not hmac.compare_digest(request.password.encode("utf-8"), expected.encode("utf-8")):
        raise PostbackError(403, "the postback credentials are wrong")
    payload_id = request.payload.get("id")
    if payload_id is not None and payload_id != request.user_name:
        raise PostbackError(400, "the postback's registration id does not match its credentials")
    return request.user_name

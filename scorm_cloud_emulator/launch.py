"""Signed launch tokens: what a launch or preview link carries, and how the emulator checks it.

A token is ``base64url(claims JSON) "." base64url(HMAC-SHA256(claims))``. It is stateless, like SCORM
Cloud's own links: the signature proves the emulator built it, and ``expires`` bounds its life.
"""
import base64
import binascii
import hashlib
import hmac
import json
import secrets
import time
from dataclasses import asdict, dataclass, field


class InvalidLaunchToken(Exception):
    """The token was tampered with, malformed or expired; ``reason`` is fit to show the learner."""

    def __init__(self, reason):
        super().__init__(reason)
        self.reason = reason


@dataclass(frozen=True)
class LaunchClaims:
    """What a launch link grants. ``registration_id`` is None for an (untracked) course preview."""

    course_id: str
    course_version: int
    registration_id: str | None
    instance: int | None
    redirect_on_exit_url: str
    expires: int  # Unix time, seconds
    tracking: bool = True
    start_sco: str | None = None  # the launch link's startSco: the SCO to open first
    # Every link is distinct, even two built for the same registration in the same second.
    nonce: str = field(default_factory=lambda: secrets.token_urlsafe(12))

    @property
    def preview(self):
        return self.registration_id is None


def _b64encode(raw):
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode("ascii")


def _b64decode(text):
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def _signature(payload, key):
    return hmac.new(key, payload.encode("ascii"), hashlib.sha256).digest()


def sign_launch_token(claims: LaunchClaims, key: bytes) -> str:
    payload = _b64encode(json.dumps(asdict(claims), separators=(",", ":")).encode("utf-8"))
    return f"{payload}.{_b64encode(_signature(payload, key))}"


def verify_launch_token(token: str, key: bytes, now: float | None = None) -> LaunchClaims:
    """Return the claims of a genuine, unexpired token; raise InvalidLaunchToken otherwise."""
    payload, _, signature = token.partition(".")
    try:
        given = _b64decode(signature)
        if not payload or not hmac.compare_digest(given, _signature(payload, key)):
            raise InvalidLaunchToken("This launch link is not valid.")
        claims = LaunchClaims(**json.loads(_b64decode(payload)))
    except (ValueError, TypeError, binascii.Error, UnicodeError) as exc:
        raise InvalidLaunchToken("This launch link is not valid.") from exc
    if (time.time() if now is None else now) > claims.expires:
        raise InvalidLaunchToken("This launch link has expired. Go back and launch the course again.")
    return claims

"""SCORM Cloud course and registration ids.

SCORM Cloud lets the caller choose every id, up to 255 characters. The block keeps them to a
URL- and filename-safe alphabet so they survive paths, query strings and logs unescaped.

A registration id is ``{prefix}-{usage hash}-{anonymous_user_id}`` with ``-{attempt}`` appended for
attempts after the first. It is derived, never stored, from:

- the usage key, hashed because usage keys contain ``:``, ``+`` and ``@`` and may be long; a rerun
  gets new usage keys and therefore new registrations;
- the course-specific anonymous user id, so no username or email reaches SCORM Cloud.

The anonymous user id may not contain ``-``; together with the fixed-width hash this makes
:func:`parse_registration_id` unambiguous.
"""
import hashlib
import re
from dataclasses import dataclass
from uuid import uuid4

MAX_ID_LENGTH = 255
ID_PATTERN = re.compile(r"[A-Za-z0-9._-]{1,%d}" % MAX_ID_LENGTH)
USAGE_HASH_LENGTH = 16

_USAGE_HASH = re.compile(r"[0-9a-f]{%d}" % USAGE_HASH_LENGTH)
_ANONYMOUS_USER_ID = re.compile(r"[A-Za-z0-9._]+")
# Attempt 0 is written without a suffix, so a suffix is a positive number without leading zeros.
_ATTEMPT = re.compile(r"[1-9][0-9]*")


class InvalidId(ValueError):
    """An id, or a part of one, that SCORM Cloud or this scheme would not accept."""


@dataclass(frozen=True)
class RegistrationRef:
    """What a registration id says about itself."""

    usage_hash: str
    anonymous_user_id: str
    attempt: int


def validate_id(value, what="id"):
    """Return ``value`` if it is a usable SCORM Cloud id, else raise :class:`InvalidId`."""
    if not isinstance(value, str):
        raise InvalidId(f"{what} must be a string, got {type(value).__name__}")
    if not value:
        raise InvalidId(f"{what} must not be empty")
    if len(value) > MAX_ID_LENGTH:
        raise InvalidId(f"{what} is {len(value)} characters long; SCORM Cloud allows {MAX_ID_LENGTH}")
    if not ID_PATTERN.fullmatch(value):
        raise InvalidId(f"{what} {value!r} may only contain letters, digits, '.', '_' and '-'")
    return value


def new_course_id(prefix):
    """A fresh, unique SCORM Cloud course id under ``prefix``."""
    validate_id(prefix, "prefix")
    return validate_id(f"{prefix}-{uuid4().hex}", "course id")


def usage_key_hash(usage_key):
    """The first 16 hex digits of the SHA-256 of the full usage key string."""
    if not isinstance(usage_key, str) or not usage_key:
        raise InvalidId(f"usage key must be a non-empty string, got {usage_key!r}")
    return hashlib.sha256(usage_key.encode("utf-8")).hexdigest()[:USAGE_HASH_LENGTH]


def _validate_anonymous_user_id(anonymous_user_id):
    if not isinstance(anonymous_user_id, str) or not _ANONYMOUS_USER_ID.fullmatch(anonymous_user_id):
        raise InvalidId(
            f"anonymous user id {anonymous_user_id!r} must be a non-empty string of letters, digits,"
            " '.' and '_' (no '-')"
        )


def registration_id(prefix, usage_key, anonymous_user_id, attempt=0):
    """The registration id of one learner's ``attempt`` at the block with ``usage_key``."""
    validate_id(prefix, "prefix")
    _validate_anonymous_user_id(anonymous_user_id)
    if isinstance(attempt, bool) or not isinstance(attempt, int) or attempt < 0:
        raise InvalidId(f"attempt must be a non-negative integer, got {attempt!r}")
    value = f"{prefix}-{usage_key_hash(usage_key)}-{anonymous_user_id}"
    if attempt:
        value += f"-{attempt}"
    return validate_id(value, "registration id")


def parse_registration_id(prefix, registration_id):
    """Split an id made by :func:`registration_id` with ``prefix``; anything else is :class:`InvalidId`."""
    validate_id(prefix, "prefix")
    validate_id(registration_id, "registration id")
    head = f"{prefix}-"
    if not registration_id.startswith(head):
        raise InvalidId(f"registration id {registration_id!r} does not start with {head!r}")
    parts = registration_id[len(head):].split("-")
    if len(parts) not in (2, 3):
        raise InvalidId(f"registration id {registration_id!r} is not {head}<hash>-<user>[-<attempt>]")
    usage_hash, anonymous_user_id = parts[0], parts[1]
    if not _USAGE_HASH.fullmatch(usage_hash):
        raise InvalidId(f"registration id {registration_id!r} has no valid usage key hash")
    _validate_anonymous_user_id(anonymous_user_id)
    attempt = 0
    if len(parts) == 3:
        if not _ATTEMPT.fullmatch(parts[2]):
            raise InvalidId(f"registration id {registration_id!r} has an invalid attempt {parts[2]!r}")
        attempt = int(parts[2])
    return RegistrationRef(usage_hash, anonymous_user_id, attempt)

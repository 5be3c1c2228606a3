"""Where a learner leaving SCORM Cloud is sent back to: the `return` handler's `next` and its signature.

SCORM Cloud sends the learner to the ``redirectOnExitUrl`` the block gave it, which carries ``next`` (the
page to land on) and ``sig``. Anyone can edit that URL, so ``next`` must be a page of this site, and the
signature must bind it to one learner of one component: a captured exit URL then redirects nobody else.
"""
import hashlib
import hmac
from urllib.parse import urlsplit

# The embedded player returns inside its frame; the return page then tells the unit.
FRAME = "frame"

# The signing key is derived from POSTBACK_SECRET for this purpose only. The label holds ':', which
# registration ids cannot, so no postback password (an HMAC of a registration id) is ever this key.
_KEY_LABEL = b"scorm-cloud-xblock:return-url"


def is_safe_target(candidate, host):
    """
    Whether `candidate` is a page of this site: an absolute http(s) URL on `host`, or a path.

    Browsers read a backslash as a slash and drop tabs and newlines, so "/\\evil.example" and
    "/\\t/evil.example" are "//evil.example" to them: any of those, and a leading "//", are refused,
    as is text that is not valid Unicode.
    """
    if not isinstance(candidate, str) or not candidate:
        return False
    try:
        # JSON can carry a lone surrogate ("\\ud800"), which no URL, signature or redirect can hold.
        candidate.encode("utf-8")
    except UnicodeEncodeError:
        return False
    if "\\" in candidate or any(ord(char) < 0x20 or ord(char) == 0x7f for char in candidate):
        return False
    try:
        parts = urlsplit(candidate)
    except ValueError:   # e.g. an unbalanced IPv6 bracket
        return False
    if parts.scheme or parts.netloc:
        return parts.scheme in ("http", "https") and bool(host) and parts.netloc == host
    return candidate.startswith("/") and not candidate.startswith("//")


def signature(secret, usage_id, anonymous_user_id, target):
    """Hex HMAC binding `target` to one component and one learner, keyed for this purpose only."""
    key = hmac.new(secret.encode("utf-8"), _KEY_LABEL, hashlib.sha256).digest()
    message = "\n".join((str(usage_id), anonymous_user_id or "", target))
    return hmac.new(key, message.encode("utf-8"), hashlib.sha256).hexdigest()


def verified_target(secret, usage_id, anonymous_user_id, target, sig, host):
    """`target` if `sig` signs it for this component and learner and it is still a page here, else None."""
    if not (secret and anonymous_user_id and isinstance(target, str) and isinstance(sig, str)):
        return None
    expected = signature(secret, usage_id, anonymous_user_id, target)
    # compare_digest refuses non-ASCII str; the query string may hold anything.
    if not hmac.compare_digest(expected.encode("utf-8"), sig.encode("utf-8", "surrogatepass")):
        return None
    if target != FRAME and not is_safe_target(target, host):
        return None
    return target

"""
Every call that depends on the hosting platform (Open edX LMS, Studio, the xblock-sdk workbench) lives here.

The block talks to the platform only through XBlock services and these helpers, so the rest of the
package can be read, and tested, without edx-platform.
"""
import logging
import uuid
from contextlib import contextmanager
from urllib.parse import urljoin, urlsplit

log = logging.getLogger(__name__)

# opt_attrs keys set by edx-platform's DjangoXBlockUserService for authenticated users.
ATTR_ANONYMOUS_USER_ID = "edx-platform.anonymous_user_id"
ATTR_USER_IS_STAFF = "edx-platform.user_is_staff"   # course staff, which global staff always are
ATTR_USER_ID = "edx-platform.user_id"
# Set by DjangoXBlockUserService for every user, anonymous ones included: the block runs in Open edX.
ATTR_IS_AUTHENTICATED = "edx-platform.is_authenticated"
# The workbench sets only this key; it doubles as the learner's anonymous id there.
ATTR_WORKBENCH_USER_ID = "xblock-workbench.user_id"


class PlatformError(Exception):
    """The platform lacks something the block needs for this operation."""


def current_user(block):
    """The XBlockUser the block is bound to, or None when the runtime has no user service."""
    service = block.runtime.service(block, "user")
    return service.get_current_user() if service else None


def anonymous_user_id(block):
    """The course-specific anonymous id of the bound learner, or None for an anonymous request."""
    user = current_user(block)
    if user is None:
        return None
    attrs = user.opt_attrs
    if attrs.get(ATTR_ANONYMOUS_USER_ID):
        return attrs[ATTR_ANONYMOUS_USER_ID]
    workbench_id = attrs.get(ATTR_WORKBENCH_USER_ID)
    # The workbench binds noauth handlers to the pseudo-student "none".
    if workbench_id and workbench_id != "none":
        return str(workbench_id)
    return None


def user_is_staff(block):
    """Whether the bound user has staff access to this course; False outside the LMS."""
    user = current_user(block)
    return bool(user and user.opt_attrs.get(ATTR_USER_IS_STAFF))


def in_studio(block):
    """Studio or its preview: the runtimes that give `studio_user_permissions` (the LMS gives none)."""
    return block.runtime.service(block, "studio_user_permissions") is not None


def may_edit(block):
    """
    Whether the user of this request may change what the component links to in SCORM Cloud.

    Studio and its preview answer through `studio_user_permissions`: write access to the course. The
    LMS never edits a component: its authored data is read-only there, and any enrolled learner can
    call a block's handlers. The workbench, which has no roles, lets everyone edit.
    """
    permissions = block.runtime.service(block, "studio_user_permissions")
    if permissions is not None:
        return bool(permissions.can_write(getattr(block.scope_ids.usage_id, "context_key", None)))
    user = current_user(block)
    if user is None or ATTR_WORKBENCH_USER_ID in user.opt_attrs:
        return True
    return ATTR_IS_AUTHENTICATED not in user.opt_attrs


def masquerading_as_learner(block):
    """
    Whether course staff are viewing this block as a specific learner ("View this course as"):
    the block is bound to the learner, but the person in front of it is staff.

    The XBlockUser says nothing of it: the LMS loads the block for the learner's own `User`, so
    opt_attrs carry the learner's id, username and anonymous id, with `user_is_staff` False and
    `user_role` "student". What marks a masquerade is that `User` object itself: `setup_masquerade`
    adds `real_user` and `masquerade_settings` to it, and the LMS passes that object to
    `DjangoXBlockUserService` and asks `is_masquerading_as_specific_student` of it to decide that
    learner-state writes go to the session (`MasqueradingKeyValueStore`) and that grade and
    completion events are dropped. This asks the LMS's own question of the same object, so it
    answers exactly when the LMS protects the learner's state. It reads the service's private
    `_django_user` (the LMS's block_render reads it too); should a release rename it, this answers
    False, as it does outside the LMS.
    """
    service = block.runtime.service(block, "user")
    django_user = getattr(service, "_django_user", None)
    if django_user is None:
        return False
    try:  # pylint: disable=import-outside-toplevel
        from lms.djangoapps.courseware.masquerade import is_masquerading_as_specific_student
    except ImportError:
        return False
    course_key = getattr(block.scope_ids.usage_id, "context_key", None)
    return bool(is_masquerading_as_specific_student(django_user, course_key))


def learner_names(block):
    """(first name, last name) from the user service's full name; content may show them to the learner."""
    user = current_user(block)
    full_name = (user.full_name or "").strip() if user else ""
    first, _, last = full_name.partition(" ")
    return first, last


def learner_email(block):
    user = current_user(block)
    emails = list(user.emails or []) if user else []
    return emails[0] if emails else None


def user_by_anonymous_id(block, anonymous_id):
    """The platform user behind an anonymous id (searched across courses by the LMS), or None."""
    service = block.runtime.service(block, "user")
    lookup = getattr(service, "get_user_by_anonymous_id", None)
    if lookup is None:
        raise PlatformError("This platform cannot look learners up by anonymous id.")
    return lookup(anonymous_id)


def rebind_to_user(block, real_user):
    """
    Bind a block loaded by a noauth handler to the learner, as xblock-lti-consumer does for grade passback.

    The LMS drops grades, completion and user-state writes made while the block is bound to
    AnonymousUser, so this must happen before any of them.
    """
    service = block.runtime.service(block, "rebind_user")
    if service is None:
        raise PlatformError("This platform has no rebind_user service.")
    try:
        service.rebind_noauth_module_to_user(block, real_user)
    except Exception as error:  # pylint: disable=broad-except
        # The LMS raises RebindUserServiceError (block bound to a signed-in user), which only it can import.
        raise PlatformError(f"Cannot rebind to the learner: {error}") from error


def load_block_for_learner(block, user):
    """
    This block bound to another learner, within the current request; None if the learner has no access.

    rebind_user cannot do this: it only rebinds a block bound to AnonymousUser (noauth handlers),
    and a staff request or an instructor action is bound to someone. The LMS's own way is
    `load_single_xblock`, which xqueue's graded-result callback uses for the same purpose. It loads
    the block on the request's shared runtime and prepares that runtime for the learner, so every
    block already loaded in the request now gets this learner's services: finish with one learner
    (publish, save) before loading the next, and use no service of the caller's block afterwards.
    """
    try:  # pylint: disable=import-outside-toplevel
        from crum import get_current_request
        from django.core.exceptions import ObjectDoesNotExist
        from django.http import Http404
        try:
            from lms.djangoapps.courseware.block_render import load_single_xblock
        except ImportError:   # its name in older Open edX releases
            from lms.djangoapps.courseware.module_render import load_single_xblock
    except ImportError as error:
        raise PlatformError("Only the Open edX LMS can load a block for another learner.") from error
    request = get_current_request()
    if request is None:
        raise PlatformError("Loading a block for another learner needs a current request.")
    usage_key = block.scope_ids.usage_id
    try:
        return load_single_xblock(request, user.id, str(usage_key.context_key), str(usage_key))
    except (Http404, ObjectDoesNotExist):
        return None


def reload_for_learner(block):
    """
    This block loaded again for the learner it is bound to, with their state as it is now; None if
    the learner has no access any more.

    The LMS reads a learner's state once, when it loads the block (FieldDataCache), so a block
    loaded at the start of a request keeps that snapshot whatever other requests save or delete.
    `load_single_xblock` builds a new block with a new FieldDataCache (the modulestore reuses block
    instances only inside a bulk operation, which an LMS request is not).
    """
    user = current_user(block)
    user_id = user.opt_attrs.get(ATTR_USER_ID) if user else None
    if user_id is None:
        raise PlatformError("The block is bound to no learner of this platform.")
    return load_block_for_learner(block, _UserRef(user_id))


class _UserRef:
    """What load_block_for_learner needs of a user: the id."""

    def __init__(self, user_id):
        self.id = user_id


def xblock_settings(block):
    """The operator's XBLOCK_SETTINGS bucket for this block (never block fields: those are exported)."""
    service = block.runtime.service(block, "settings")
    if service is None:
        return {}
    return service.get_settings_bucket(block, default={}) or {}


def third_party_handler_url(block, handler_name, base_url=None):
    """
    Absolute URL of a noauth handler, or None where the platform cannot build one (Studio).

    The LMS gives an absolute URL on SITE_NAME; the workbench a relative one, made absolute here
    against `base_url` (the host the current request came in on). Trailing '/' and '?' are stripped,
    as xblock-lti-consumer does for the URLs it hands to tools.
    """
    try:
        url = block.runtime.handler_url(block, handler_name, thirdparty=True)
    except NotImplementedError:
        return None
    if not urlsplit(url).scheme:
        if not base_url:
            return None
        url = urljoin(base_url, url)
    return url.rstrip("/?")


def absolute_handler_url(block, handler_name, base_url, query=""):
    """A learner's (authenticated) handler URL, absolute on the host the learner is using."""
    return urljoin(base_url, block.runtime.handler_url(block, handler_name, query=query))


def unit_url(block):
    """
    Where a learner returning from SCORM Cloud lands when the page gave no return URL.

    `jump_to` is the LMS route that resolves a usage key to its unit in the learning MFE; outside the
    LMS (usage ids without a course key) the site root is all we know.
    """
    usage_id = block.scope_ids.usage_id
    course_key = getattr(usage_id, "context_key", None)
    if course_key is None:
        return "/"
    return f"/courses/{course_key}/jump_to/{usage_id}"


@contextmanager
def exclusive(key, timeout):
    """
    Hold `key` against every other request of the site for at most `timeout` seconds; yields whether
    this request holds it (False: another one does, and this one must not go on as if it did).

    Django's cache `add` is atomic on the shared caches the LMS runs (memcached, Redis) and on the
    local-memory cache of the workbench and a single process. The timeout frees a key whose holder
    died. A cache that fails is logged and ignored: without the lock, updates may race, but they
    still happen.
    """
    from django.core.cache import cache  # pylint: disable=import-outside-toplevel
    token = uuid.uuid4().hex
    try:
        held = bool(cache.add(key, token, timeout))
    except Exception as error:  # pylint: disable=broad-except
        log.warning("Cache unavailable for lock %s, going on without it: %s", key, error)
        yield True
        return
    try:
        yield held
    finally:
        if held:
            try:
                # Only our own lock: after the timeout, another request may hold the key.
                if cache.get(key) == token:
                    cache.delete(key)
            except Exception as error:  # pylint: disable=broad-except
                log.warning("Cannot release lock %s; it expires in %s s: %s", key, timeout, error)

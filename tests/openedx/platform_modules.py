"""The few edx-platform modules a block's compat layer imports, standing in for the real ones.

- ``crum``: ``get_current_request()`` and ``get_current_user()``, which edx-platform's
  ``CurrentRequestUserMiddleware`` fills for every LMS and Studio request (None outside one, as in a
  Celery task).
- ``lms.djangoapps.courseware.block_render.load_single_xblock(request, user_id, course_id,
  usage_key_string, course=None, will_recheck_access=False)``: how the LMS loads a block bound to a
  learner other than the requesting user (xqueue's graded-result callback uses it). As in the LMS it
  loads on the request's shared runtime and prepares that runtime for the learner, which replaces
  every service of every block already loaded on it (``prepare_runtime_for_user``); an unknown user
  raises ``User.DoesNotExist``, a learner without access ``Http404``.
- ``lms.djangoapps.courseware.masquerade.is_masquerading_as_specific_student(user, course_key)`` and
  its companions, from ``masquerade.py`` here.
"""
import importlib.util
import sys
import threading
import types
from contextlib import contextmanager
from dataclasses import dataclass, field

from django.core.exceptions import ObjectDoesNotExist

from .keys import course_key as to_course_key, usage_key as to_usage_key

_local = threading.local()


class UserDoesNotExist(ObjectDoesNotExist):
    """``User.DoesNotExist``."""


@dataclass
class RequestState:
    """What lives for one request: the request itself and the runtime each course's blocks share."""

    platform: object
    request: object
    runtimes: dict = field(default_factory=dict)   # course key -> BlockRuntime


@contextmanager
def current_request(platform, request):
    """``CurrentRequestUserMiddleware`` around one view."""
    previous = getattr(_local, "state", None)
    _local.state = RequestState(platform, request)
    try:
        yield _local.state
    finally:
        _local.state = previous


def _state():
    return getattr(_local, "state", None)


def get_current_request():
    state = _state()
    return state.request if state else None


def get_current_user():
    request = get_current_request()
    return getattr(request, "user", None)


def load_single_xblock(request, user_id, course_id, usage_key_string, course=None,  # pylint: disable=unused-argument
                       will_recheck_access=False):  # pylint: disable=unused-argument
    """``lms.djangoapps.courseware.block_render.load_single_xblock``."""
    from django.http import Http404  # pylint: disable=import-outside-toplevel

    state = _state()
    if state is None or state.request is not request:
        raise AssertionError("load_single_xblock needs the current request (crum)")
    platform = state.platform
    course_key = to_course_key(course_id)
    usage_key = to_usage_key(usage_key_string).map_into_course(course_key)
    try:
        user = platform.users.get(user_id)
    except KeyError:
        raise UserDoesNotExist(f"User matching query does not exist: id={user_id}") from None
    if usage_key not in platform._usages or not platform.has_access(user, course_key):  # pylint: disable=protected-access
        raise Http404
    runtime = state.runtimes.get(course_key)
    if runtime is None or runtime.mode != "lms":
        runtime = state.runtimes[course_key] = platform.block_runtime("lms", user, course_key)
    # prepare_runtime_for_user: the shared runtime's services now belong to this learner.
    runtime._install_services(user)  # pylint: disable=protected-access
    platform.learner_loads.append((usage_key, user.id))
    return runtime.get_block(usage_key)


def install():
    """Make the stand-ins importable under edx-platform's module names (once per process)."""
    if "lms.djangoapps.courseware.block_render" in sys.modules:
        return
    if importlib.util.find_spec("crum") is not None or importlib.util.find_spec("lms") is not None:
        raise RuntimeError("the Open edX test runtime cannot stand in for an installed crum or edx-platform")
    crum = types.ModuleType("crum")
    crum.get_current_request = get_current_request
    crum.get_current_user = get_current_user
    block_render = types.ModuleType("lms.djangoapps.courseware.block_render")
    block_render.load_single_xblock = load_single_xblock
    from . import masquerade as masquerade_emulation  # pylint: disable=import-outside-toplevel
    masquerade = types.ModuleType("lms.djangoapps.courseware.masquerade")
    for name in ("CourseMasquerade", "MasqueradingKeyValueStore", "get_course_masquerade",
                 "is_masquerading_as_specific_student", "MASQUERADE_DATA_KEY", "MASQUERADE_SETTINGS_KEY"):
        setattr(masquerade, name, getattr(masquerade_emulation, name))
    packages = {name: types.ModuleType(name) for name in ("lms", "lms.djangoapps", "lms.djangoapps.courseware")}
    for name, module in packages.items():
        module.__path__ = []
    packages["lms"].djangoapps = packages["lms.djangoapps"]
    packages["lms.djangoapps"].courseware = packages["lms.djangoapps.courseware"]
    packages["lms.djangoapps.courseware"].block_render = block_render
    packages["lms.djangoapps.courseware"].masquerade = masquerade
    sys.modules.update(packages)
    sys.modules["lms.djangoapps.courseware.block_render"] = block_render
    sys.modules["lms.djangoapps.courseware.masquerade"] = masquerade
    sys.modules["crum"] = crum

"""A faithful Open edX runtime for tests: LMS, Studio and Studio-preview behaviour around XBlocks.

``OpenEdxTestRuntime`` plays the platform (modulestore, courseware tables, grades, completion,
tracking log, handler views); each loaded block gets its own ``BlockRuntime``, an
``xblock.runtime.Runtime`` bound to one user and mode, as one LMS request would build it.
"""
import json
import threading
import uuid
import weakref
from collections import namedtuple
from dataclasses import dataclass, field as dataclass_field

import webob
from xblock.completable import XBlockCompletionMode
from xblock.core import XBlock
from xblock.django.request import django_to_webob_request
from xblock.exceptions import NoSuchHandlerError, NoSuchServiceError
from xblock.fields import Scope, ScopeIds, UserScope
from xblock.runtime import IdGenerator, IdReader, Runtime
from xblock.scorable import ScorableXBlockMixin, Score

from . import field_data as fd
from .instructor import InstructorOperations
from .keys import course_key as _course_key, usage_key as _usage_key
from .masquerade import MasqueradeOperations, MasqueradingKeyValueStore, is_masquerading_as_specific_student
from .olx import OlxOperations
from .platform_modules import current_request, install as install_platform_modules
from .requests import SECRET_KEY, build_request, csrf_failure, files_limit_error, setup_django
from .services import (
    CompletionService, DjangoUserService, EventPublishingService, I18nService, MakoService,
    PreviewPublishingService, RebindUserService, ReplaceURLService, SettingsService, StudioPermissionsService,
    has_studio_write_access,
)
from .users import AnonymousUser, UserDirectory

MODES = ("lms", "studio", "preview")

TrackingEvent = namedtuple("TrackingEvent", "type data user_id course_id")
ScoreChange = namedtuple("ScoreChange", "raw_earned raw_possible only_if_higher score_deleted applied")
HandlerError = namedtuple("HandlerError", "usage_key handler exception")


@dataclass
class GradeRecord:
    """What ``StudentModule.grade``/``max_grade`` hold, plus the weighted score the grades app derives."""

    raw_earned: float
    raw_possible: float
    weighted_earned: float
    weighted_possible: float
    history: list = dataclass_field(default_factory=list)   # every ScoreChange, applied or not


class ReentrantPublishError(fd.HarnessError):
    """``set_score`` published an event; the grades app calls it while handling a publish."""


def quote_slashes(text):
    """``quote_slashes`` from the LMS runtime: usage ids travel in one URL path segment."""
    return text.replace(";", ";;").replace("/", ";_")


def weighted_score(raw_earned, raw_possible, weight):
    """``lms.djangoapps.grades.scores.weighted_score``."""
    if weight is None or raw_possible == 0:
        return raw_earned, raw_possible
    return float(raw_earned) * weight / raw_possible, float(weight)


def _percent(earned, possible):
    return earned / possible if possible else 0.0


class _Ids(IdReader, IdGenerator):
    """Usage ids are real ``block-v1`` keys. Each usage is its own definition, as in the old Mongo and
    XML modulestores (split shares definitions copy-on-write, which looks the same from a block)."""

    def __init__(self, course_key):
        self.course_key = course_key

    def get_definition_id(self, usage_id):
        return usage_id

    def get_block_type(self, def_id):
        return def_id.block_type

    def create_definition(self, block_type, slug=None):
        return self.course_key.make_usage_key(block_type, slug or uuid.uuid4().hex)

    def create_usage(self, def_id):
        return def_id

    def _no_asides(self, *_args):
        raise NotImplementedError("XBlock asides are not emulated")

    get_usage_id_from_aside = get_definition_id_from_aside = _no_asides
    get_aside_type_from_usage = get_aside_type_from_definition = create_aside = _no_asides


class BlockRuntime(Runtime):
    """The runtime of one request: bound to ``user`` in ``mode`` ("lms", "studio", "preview" or
    "unbound", the last for platform code that loads a block with no learner)."""

    def __init__(self, platform, mode, user, course_key):
        super().__init__(id_reader=_Ids(course_key), id_generator=_Ids(course_key))
        self.platform = platform
        self.mode = mode
        self.course_key = course_key
        self.user = user
        # Studio preview marks its runtime so blocks can tell they are shown to an author.
        self.is_author_mode = mode == "preview"
        self.draft = fd.DraftStore(platform.modulestore) if mode == "studio" else None
        self._field_data = weakref.WeakKeyDictionary()
        self._block_services = weakref.WeakKeyDictionary()
        self._install_services(user)

    # Services -------------------------------------------------------------------------------

    def _install_services(self, user):
        """``prepare_runtime_for_user`` (LMS), ``_prepare_runtime_for_preview`` or
        ``load_services_for_studio``: replaces the services on this shared runtime."""
        platform, course = self.platform, self.course_key
        self.user = user
        services = {"i18n": I18nService, "settings": SettingsService(platform.xblock_settings)}
        if self.mode == "studio":
            services["user"] = DjangoUserService(platform, user, course, None, None)
            services["studio_user_permissions"] = StudioPermissionsService(user)
            services["mako"] = MakoService(platform.mako_template_dirs)
            services["publish"] = PreviewPublishingService(platform, user, course)
        elif self.mode == "preview":
            services["user"] = DjangoUserService(platform, user, course, "student", "student")
            services["studio_user_permissions"] = StudioPermissionsService(user)
            services["mako"] = MakoService(platform.mako_template_dirs)
            services["replace_urls"] = ReplaceURLService(course)
            services["publish"] = PreviewPublishingService(platform, user, course)
        else:
            users = platform.users
            services["user"] = DjangoUserService(
                platform, user, course, users.anonymous_id(user, course), users.anonymous_id(user, None)
            )
            services["replace_urls"] = ReplaceURLService(course)
            services["rebind_user"] = RebindUserService(self, user, course)
            # The completion service exists only for authenticated users.
            completion = CompletionService(platform, user, course) if user.is_authenticated else None
            services["completion"] = completion
            services["publish"] = EventPublishingService(platform, user, course, completion)
        self._services = services

    def service(self, block, service_name):
        declaration = block.service_declaration(service_name)
        if declaration is None:
            raise NoSuchServiceError(f"Service {service_name!r} was not requested.")
        if service_name == "field-data":
            return self._field_data[block]
        service = self._services.get(service_name)
        if isinstance(service, type):
            # Like ModuleStoreRuntime.service: a service class is instantiated once per block.
            per_block = self._block_services.setdefault(block, {})
            if service_name not in per_block:
                per_block[service_name] = service(block)
            service = per_block[service_name]
        if service is None and declaration == "need":
            raise NoSuchServiceError(f"Service {service_name!r} is not available.")
        return service

    # Blocks and field data --------------------------------------------------------------------

    def _student_store(self, user_id, usage_id):
        if self.mode == "studio":
            return fd.StudioStudentData()
        if self.mode == "unbound":
            return fd.UnboundStudentData()
        if self.mode == "preview":
            # Studio preview keeps learner state in the session, read as it is at each access.
            return fd.StudentDataStore(self.platform.preview_session(self.user), user_id)
        # The LMS reads the learner's row when it loads or rebinds the block (FieldDataCache).
        store = fd.StudentModuleCache(self.platform.student_db, user_id, usage_id)
        if is_masquerading_as_specific_student(self.user, self.course_key):
            # Staff viewing as this learner: their writes stay in the staff member's session.
            store = MasqueradingKeyValueStore(store, self.platform.session(self.user.real_user))
        return store

    def _new_field_data(self, user_id, usage_id):
        student = self._student_store(user_id, usage_id)
        if self.draft is not None:
            return fd.compose(self.draft, student, authored_writable=True)
        # definition id == usage id in this runtime (_Ids)
        return fd.compose(fd.AuthoredBlockData(self.platform.modulestore, usage_id, usage_id), student,
                          authored_writable=False)

    def load_block_type(self, block_type):
        return self.platform.block_class(block_type)

    def construct_xblock_from_class(self, cls, scope_ids, field_data=None, *args, **kwargs):
        block = self.mixologist.mix(cls)(runtime=self, scope_ids=scope_ids, *args, **kwargs)
        self._field_data[block] = self._new_field_data(scope_ids.user_id, scope_ids.usage_id)
        return block

    def get_block(self, usage_id, for_parent=None):
        user_id = None if self.mode == "unbound" else self.user.id
        keys = ScopeIds(user_id, usage_id.block_type, usage_id, usage_id)
        return self.construct_xblock(usage_id.block_type, keys, for_parent=for_parent)

    def rebind_to_user(self, block, real_user):
        """The rest of ``RebindUserService.rebind_noauth_module_to_user`` after its anonymity check."""
        if self.platform.users.get(real_user.id) != real_user:
            raise ValueError(f"{real_user!r} is not a user of this platform")
        self.platform.rebind_calls.append((block.scope_ids.usage_id, real_user.id))
        self._install_services(real_user)
        if block.scope_ids.user_id == real_user.id:
            return
        # XModuleMixin.bind_for_student: drop cached and dirty learner fields, so learner-state
        # edits made before the rebind are lost, then point the block at the new user's data.
        lost = []
        block.scope_ids = block.scope_ids._replace(user_id=real_user.id)
        for block_field in block.fields.values():
            if getattr(block_field.scope, "user", None) == UserScope.ONE:
                if block_field._is_dirty(block):  # pylint: disable=protected-access
                    lost.append(block_field.name)
                block_field._del_cached_value(block)  # pylint: disable=protected-access
                block._dirty_fields.pop(block_field, None)  # pylint: disable=protected-access
        if lost:
            self.platform.lost_user_state_edits.append((block.scope_ids.usage_id, tuple(lost)))
        self._field_data[block] = self._new_field_data(real_user.id, block.scope_ids.usage_id)

    # URLs and events ----------------------------------------------------------------------------

    def handler_url(self, block, handler_name, suffix="", query="", thirdparty=False):
        usage_id = str(block.scope_ids.usage_id)
        if self.mode == "preview":
            # Studio preview ignores thirdparty and always appends '?'.
            return f"/preview/xblock/{usage_id}/handler/{handler_name}/{suffix}?{query}"
        if self.mode == "studio":
            if thirdparty:
                raise NotImplementedError("edX Studio doesn't support third-party xblock handler urls")
            url = f"/xblock/{usage_id}/handler/{handler_name}/{suffix}".rstrip("/")
            return url + (f"?{query}" if query else "")
        # The LMS checks only that the name is an attribute of the class; Runtime.handle checks
        # that it is a handler.
        if not getattr(block.__class__, handler_name, None):
            raise ValueError(f"{handler_name!r} is not a function name")
        view = "handler_noauth" if thirdparty else "handler"
        url = f"/courses/{block.scope_ids.usage_id.context_key}/xblock/{quote_slashes(usage_id)}/{view}/" \
              f"{handler_name}/{suffix}".rstrip("/")
        if query:
            url += f"?{query}"
        if thirdparty:
            scheme = "https" if self.platform.https else "http"
            url = f"{scheme}://{self.platform.site_name}{url}"
        return url

    def local_resource_url(self, block, uri):
        return f"/xblock/resource/{block.scope_ids.block_type}/{uri}"

    def resource_url(self, resource):
        raise NotImplementedError("edX Platform doesn't support resource_url")

    def publish(self, block, event_type, event_data):
        if self.platform.in_set_score:
            raise ReentrantPublishError(
                f"{event_type!r} published from set_score(); set_score must only store the score"
            )
        self._services["publish"].publish(block, event_type, event_data)


def _response(status, body, content_type="text/html"):
    return webob.Response(status=status, body=body if isinstance(body, bytes) else body.encode("utf-8"),
                          content_type=content_type, charset="utf-8")


def _json_response(status, payload):
    return _response(status, json.dumps(payload), "application/json")


def _named(exc, name):
    """Matches xmodule.exceptions by name: blocks raise their own fallback classes outside the platform."""
    return any(cls.__name__ == name for cls in type(exc).__mro__)


class OpenEdxTestRuntime(InstructorOperations, OlxOperations, MasqueradeOperations):
    """The platform side: modulestore, users, learner state, grades, completion and handler views."""

    def __init__(self, xblock_settings=None, site_name="lms.example.com", https=True,
                 completion_tracking=True, mako_template_dirs=(), secret_key=SECRET_KEY):
        self.xblock_settings = xblock_settings or {}
        self.site_name = site_name
        self.https = https
        self.completion_tracking = completion_tracking      # the completion waffle switch
        self.mako_template_dirs = mako_template_dirs
        self.users = UserDirectory(secret_key)
        self.modulestore = fd.FieldTable()   # KvsFieldData keys of authored scopes -> JSON values
        self.student_db = fd.FieldTable()   # KvsFieldData keys of learner scopes -> JSON values
        self._usages = {}              # usage key -> block class
        self._classes = {}             # block type -> block class
        self._preview_sessions = {}
        self._sessions = {}            # user id -> LMS session (masquerade settings and data)
        self._external_ids = {}
        self._request_local = threading.local()   # per request, as each LMS request runs on its own
        self.grades = {}               # (user id, usage key) -> GradeRecord
        self.completions = {}          # (user id, usage key) -> float
        self.tracking_log = []         # TrackingEvent
        self.rebind_calls = []         # (usage key, real user id)
        self.handler_errors = []       # HandlerError for every 500
        self.lost_user_state_edits = []   # (usage key, field names) dropped by a rebind
        # PersistentSubsectionGrade's view of each scored block, (weighted earned, weighted possible):
        # recomputed on every score-changed signal and left as it was by anything else.
        self.gradebook = {}            # (user id, usage key) -> (earned, possible)
        self.learner_loads = []        # (usage key, user id) loaded by load_single_xblock
        self._no_access = set()        # (user id, course key) of learners who lost access
        install_platform_modules()

    @property
    def in_set_score(self):
        """Whether this request is inside a block's ``set_score``, called back by the grades app."""
        return getattr(self._request_local, "in_set_score", False)

    @in_set_score.setter
    def in_set_score(self, value):
        self._request_local.in_set_score = value

    # Users ------------------------------------------------------------------------------------

    def add_user(self, username, email=None, full_name=None, is_staff=False, is_course_staff=False,
                 is_course_author=False, is_beta_tester=False, language="en", time_zone=None):
        preferences = {"pref-lang": language}
        if time_zone:
            preferences["time_zone"] = time_zone
        return self.users.add(
            username, email=email or f"{username}@example.com", full_name=full_name or username,
            is_staff=is_staff, is_course_staff=is_course_staff, is_course_author=is_course_author,
            is_beta_tester=is_beta_tester, preferences=preferences,
        )

    def revoke_access(self, user, course_key):
        """The learner can no longer load the course's blocks (unenrolled, for instance)."""
        self._no_access.add((user.id, _course_key(course_key)))

    def has_access(self, user, course_key):
        """``has_access(user, 'load', block, course_key)`` as far as the harness models it."""
        return (user.id, _course_key(course_key)) not in self._no_access

    def anonymous_user_id(self, user, course_key):
        return self.users.anonymous_id(user, None if course_key is None else _course_key(course_key))

    def external_user_id(self, user, type_name):
        return self._external_ids.setdefault((user.id, type_name), str(uuid.uuid4()))

    def preview_session(self, user):
        return self._preview_sessions.setdefault(user.id, {})

    # Blocks -----------------------------------------------------------------------------------

    def block_class(self, block_type):
        return self._classes.get(block_type) or XBlock.load_class(block_type)

    def register_block_type(self, block_type, block_class):
        known = self._classes.setdefault(block_type, block_class)
        if known is not block_class:
            raise ValueError(f"block type {block_type!r} is already {known!r}")

    def create_block(self, block_class, course_key="course-v1:Org+Course+Run", block_id=None, fields=None,
                     block_type=None):
        """Author a block in Studio; returns its usage key. ``fields`` are content/settings values."""
        block_type = block_type or _installed_block_type(block_class) or block_class.__name__.lower()
        self.register_block_type(block_type, block_class)
        usage_key = _course_key(course_key).make_usage_key(block_type, block_id or uuid.uuid4().hex)
        if usage_key in self._usages:
            raise ValueError(f"{usage_key} exists")
        self._usages[usage_key] = block_class
        runtime = self.block_runtime("studio", AnonymousUser, usage_key.context_key)
        block = runtime.get_block(usage_key)
        for name, value in (fields or {}).items():
            if block.fields[name].scope not in (Scope.content, Scope.settings):
                raise ValueError(f"{name!r} is not a content or settings field")
            setattr(block, name, value)
        block.save()
        runtime.draft.commit()
        return usage_key

    def load_block(self, usage_key, user=None, mode="lms", reset_masquerade_data=False):
        """The block as a request in ``mode`` would see it, bound to ``user`` (None: AnonymousUser),
        or in the LMS to the learner ``user`` masquerades as (``setup_masquerade``)."""
        if mode not in MODES:
            raise ValueError(f"mode must be one of {MODES}")
        user = user or AnonymousUser
        if mode != "lms" and not user.is_authenticated:
            raise ValueError("Studio and preview require a logged-in user")
        if mode == "lms":
            user = self.setup_masquerade(user, _usage_key(usage_key).context_key, reset_masquerade_data)
        return self._load(usage_key, mode, user)

    def load_unbound_block(self, usage_key):
        """The block as the grades transformer and instructor tasks get it: no learner bound."""
        return self._load(usage_key, "unbound", AnonymousUser)

    def _load(self, usage_key, mode, user):
        usage_key = _usage_key(usage_key)
        if usage_key not in self._usages:
            raise KeyError(f"no block {usage_key}")
        return self.block_runtime(mode, user, usage_key.context_key).get_block(usage_key)

    def block_runtime(self, mode, user, course_key):
        """A fresh request runtime; blocks loaded from it share its services, as in one LMS request."""
        return BlockRuntime(self, mode, user, course_key)

    def user_state(self, user, usage_key):
        """The learner's ``StudentModule.state``: user_state fields stored for this usage."""
        usage_key = _usage_key(usage_key)
        return {key.field_name: value for key, value in self.student_db.row(user.id, usage_key).items()}

    def max_score_unbound(self, usage_key):
        """``max_score()`` as the grades transformer calls it: on a block with no learner bound."""
        block = self.load_unbound_block(usage_key)
        max_score = block.max_score()
        if block.has_score and max_score is None:
            raise AssertionError(f"{usage_key}: a scored block returned max_score() None")
        return max_score

    # Rendering --------------------------------------------------------------------------------

    def render(self, usage_key, view_name="student_view", user=None, mode="lms", context=None):
        """Render a view; returns the wrapped ``Fragment``."""
        setup_django()   # Studio edit views render Django templates
        # The courseware page (render_xblock) resets the masquerade's session data on each render.
        block = self.load_block(usage_key, user=user, mode=mode, reset_masquerade_data=mode == "lms")
        if mode == "preview" and view_name in ("student_view", "author_view"):
            # Studio preview shows author_view when the block has one.
            view_name = "author_view" if hasattr(block, "author_view") else "student_view"
        return block.runtime.render(block, view_name, context or {})

    # Handler views ----------------------------------------------------------------------------

    def handle(self, usage_key, handler_name, user=None, method="POST", json=None, data=None, body=None,
               form=None, files=None, headers=None, suffix="", query=None, csrf=True):
        """``handle_xblock_callback``: the authenticated LMS handler view. ``data`` is ``body``."""
        user = user or AnonymousUser
        request = self._request(usage_key, "handler", handler_name, user, method, json, _first(body, data),
                                form, files, headers, suffix, query, csrf)
        if user.is_authenticated:
            # A session user must pass CSRF; the view runs the middleware check itself.
            rejection = csrf_failure(request)
            if rejection is not None:
                return _response(rejection.status_code, rejection.content)
        if method != "GET" and not user.is_authenticated:
            return _response(403, "Unauthenticated")
        return self._invoke_lms(usage_key, handler_name, request, user, suffix)

    def handle_noauth(self, usage_key, handler_name, method="POST", json=None, data=None, body=None, form=None,
                      files=None, headers=None, suffix="", query=None, session_user=None):
        """``handle_xblock_callback_noauth``: CSRF-exempt, no access check, bound to the session user
        (AnonymousUser for a server-to-server call)."""
        user = session_user or AnonymousUser
        request = self._request(usage_key, "handler_noauth", handler_name, user, method, json, _first(body, data),
                                form, files, headers, suffix, query, None)
        return self._invoke_lms(usage_key, handler_name, request, user, suffix)

    def handle_studio(self, usage_key, handler_name, user, method="POST", json=None, data=None, body=None,
                      form=None, files=None, headers=None, suffix="", query=None, csrf=True):
        """``component_handler``: Studio services only; changes persist only for course authors."""
        request = self._request(usage_key, None, handler_name, user, method, json, _first(body, data),
                                form, files, headers, suffix, query, csrf, mode="studio")
        if not user.is_authenticated:
            return webob.Response(status=302, location="/signin")
        rejection = csrf_failure(request)
        if rejection is not None:
            return _response(rejection.status_code, rejection.content)
        block = self._load(usage_key, "studio", user)
        try:
            with current_request(self, request):
                response = block.handle(handler_name, django_to_webob_request(request), suffix)
        except NoSuchHandlerError:
            return _response(404, "Not Found")
        except fd.HarnessError:
            raise
        except Exception as exc:  # pylint: disable=broad-except
            return self._server_error(usage_key, handler_name, exc)
        if has_studio_write_access(user):
            block.runtime.draft.commit()     # modulestore().update_item(block, user.id)
        return response

    def handle_preview(self, usage_key, handler_name, user, method="POST", json=None, data=None, body=None,
                       form=None, files=None, headers=None, suffix="", query=None, csrf=True):
        """``preview_handler``: Studio preview with session learner state; ProcessingError is a 400."""
        request = self._request(usage_key, None, handler_name, user, method, json, _first(body, data),
                                form, files, headers, suffix, query, csrf, mode="preview")
        rejection = csrf_failure(request)
        if rejection is not None:
            return _response(rejection.status_code, rejection.content)
        block = self._load(usage_key, "preview", user)
        try:
            with current_request(self, request):
                return block.handle(handler_name, django_to_webob_request(request), suffix)
        except NoSuchHandlerError:
            return _response(404, "Not Found")
        except fd.HarnessError:
            raise
        except Exception as exc:  # pylint: disable=broad-except
            if _named(exc, "NotFoundError"):
                return _response(404, "Not Found")
            if _named(exc, "ProcessingError"):
                return _response(400, "Bad Request")
            return self._server_error(usage_key, handler_name, exc)

    def _request(self, usage_key, view, handler_name, user, method, json_body, body, form, files, headers,
                 suffix, query, csrf, mode="lms"):
        usage_key = _usage_key(usage_key)
        tail = f"{handler_name}/{suffix}" if suffix else handler_name
        if mode == "studio":
            path = f"/xblock/{usage_key}/handler/{tail}"
        elif mode == "preview":
            path = f"/preview/xblock/{usage_key}/handler/{tail}"
        else:
            path = f"/courses/{usage_key.context_key}/xblock/{quote_slashes(str(usage_key))}/{view}/{tail}"
        return build_request(method, path, user, https=self.https, host=self.site_name, query=query,
                             json=json_body, body=body, form=form, files=files, headers=headers, csrf=csrf)

    def _invoke_lms(self, usage_key, handler_name, request, user, suffix):
        """``_invoke_xblock_handler`` and its exception mapping."""
        limit_error = files_limit_error(request)
        if limit_error:
            return _json_response(413, {"success": limit_error})
        try:
            # get_block_by_usage_id: setup_masquerade, then the block for the user it answers.
            block = self.load_block(usage_key, user=user)
        except KeyError:
            return _response(404, "Not Found")
        try:
            with current_request(self, request) as state:
                # Blocks loaded later in this request share this runtime, as the modulestore's is.
                state.runtimes[block.scope_ids.usage_id.context_key] = block.runtime
                return block.handle(handler_name, django_to_webob_request(request), suffix)
        except NoSuchHandlerError:
            return _response(404, "Not Found")
        except fd.HarnessError:
            # Harness-detected misuse (anonymous state writes, re-entrant publishes) fails the test.
            raise
        except Exception as exc:  # pylint: disable=broad-except
            if _named(exc, "NotFoundError"):
                return _response(404, "Not Found")
            if _named(exc, "ProcessingError"):
                return _json_response(200, {"success": exc.args[0] if exc.args else ""})
            return self._server_error(usage_key, handler_name, exc)

    def _server_error(self, usage_key, handler_name, exc):
        self.handler_errors.append(HandlerError(_usage_key(usage_key), handler_name, exc))
        return _response(500, "Internal Server Error")

    # Grades, completion, tracking -------------------------------------------------------------

    def track(self, event_type, data, user, course_key):
        self.tracking_log.append(TrackingEvent(event_type, data, user.id, str(course_key)))

    def score_published(self, block, user, raw_earned, raw_possible, only_if_higher=None, score_deleted=None):
        """``score_published_handler``: store the score, tell the block, then the score-changed chain."""
        previous = self.grades.get((user.id, block.scope_ids.usage_id))
        history = previous.history if previous else []
        if only_if_higher and previous and \
                _percent(raw_earned, raw_possible) < _percent(previous.raw_earned, previous.raw_possible):
            history.append(ScoreChange(raw_earned, raw_possible, only_if_higher, score_deleted, False))
            return
        self._store_grade(block, user, raw_earned, raw_possible, only_if_higher, score_deleted, history)
        if isinstance(block, ScorableXBlockMixin):
            self.in_set_score = True
            try:
                block.set_score(Score(raw_earned=raw_earned, raw_possible=raw_possible))
            finally:
                self._request_local = threading.local()   # per request, as each LMS request runs on its own
        self._score_changed(block, user, score_deleted)

    def record_score_change(self, block, user, raw_earned, raw_possible, score_deleted):
        """A PROBLEM_RAW_SCORE_CHANGED sent by platform code rather than by a block's publish."""
        self._store_grade(block, user, raw_earned, raw_possible, False, score_deleted, [])
        self._score_changed(block, user, score_deleted)

    def _store_grade(self, block, user, raw_earned, raw_possible, only_if_higher, score_deleted, history):
        history.append(ScoreChange(raw_earned, raw_possible, only_if_higher, score_deleted, True))
        weighted = weighted_score(raw_earned, raw_possible, getattr(block, "weight", None))
        self.grades[(user.id, block.scope_ids.usage_id)] = GradeRecord(raw_earned, raw_possible, *weighted, history)
        # PROBLEM_WEIGHTED_SCORE_CHANGED: the subsection grade is recalculated with this score.
        self.gradebook[(user.id, block.scope_ids.usage_id)] = weighted

    def _score_changed(self, block, user, score_deleted):
        """``completion.handlers.scorable_block_completion`` on PROBLEM_WEIGHTED_SCORE_CHANGED."""
        block_class = getattr(block, "unmixed_class", type(block))
        if not self.completion_tracking:
            return
        if XBlockCompletionMode.get_mode(block_class) != XBlockCompletionMode.COMPLETABLE:
            return
        if getattr(block_class, "has_custom_completion", False):
            return
        self.completions[(user.id, block.scope_ids.usage_id)] = 0.0 if score_deleted else 1.0

    def submit_completion(self, user, usage_key, completion):
        """``BlockCompletion.objects.submit_completion``: 0.0 to 1.0, and it may go down."""
        if isinstance(completion, bool) or not isinstance(completion, (int, float)):
            raise TypeError(f"completion must be a number between 0.0 and 1.0, got {completion!r}")
        if not 0.0 <= completion <= 1.0:
            raise ValueError(f"completion must be between 0.0 and 1.0, got {completion}")
        self.completions[(user.id, usage_key)] = float(completion)


def _first(body, data):
    if body is not None and data is not None:
        raise TypeError("pass body or data, not both")
    return body if body is not None else data


def _installed_block_type(block_class):
    """The entry-point name under which ``block_class`` is installed, if it is."""
    for name, installed in XBlock.load_classes():
        if installed is block_class:
            return name
    return None

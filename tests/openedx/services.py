"""The XBlock services edx-platform hands to blocks, modelled on ``xmodule/services.py``,
``xblock_django/user_service.py`` and ``openedx/completion``."""
import re

from mako.lookup import TemplateLookup
from xblock.reference.plugins import Service
from xblock.reference.user_service import UserService, XBlockUser
from xblock.runtime import NullI18nService

from .masquerade import is_masquerading_as_specific_student


class RebindUserServiceError(Exception):
    """Raised by ``rebind_noauth_module_to_user`` on a block bound to an authenticated user."""


class I18nService(NullI18nService):
    """``XBlockI18nService``: instantiated once per block, passes through to the (null) catalog."""

    def __init__(self, block=None):
        super().__init__()
        self.block = block


class SettingsService:
    """``SettingsService`` over an injected ``XBLOCK_SETTINGS``."""

    def __init__(self, xblock_settings):
        self._xblock_settings = xblock_settings

    def get_settings_bucket(self, block, default=None):
        bucket = getattr(block, "block_settings_key", None) or block.unmixed_class.__name__
        return self._xblock_settings.get(bucket, default if default is not None else {})


class ReplaceURLService:
    """``ReplaceURLService``: rewrites quoted ``/static/``, ``/course/`` and ``/jump_to_id/`` links."""

    def __init__(self, course_key):
        self._course_key = course_key

    def replace_urls(self, text, static_replace_only=False):
        course = self._course_key
        asset_prefix = f"/asset-v1:{course.org}+{course.course}+{course.run}+type@asset+block@"
        text = re.sub(r"""(["'])/static/([^"'?#]+)""", lambda m: m.group(1) + asset_prefix + m.group(2), text)
        if static_replace_only:
            return text
        text = re.sub(r"""(["'])/jump_to_id/""", rf"\1/courses/{course}/jump_to_id/", text)
        return re.sub(r"""(["'])/course/""", rf"\1/courses/{course}/", text)


class MakoService:
    """Studio's ``mako`` service, rendering from the template directories the harness was given."""

    def __init__(self, template_dirs):
        self._lookup = TemplateLookup(directories=list(template_dirs))

    def render_template(self, template_file, dictionary, namespace="main"):  # pylint: disable=unused-argument
        return self._lookup.get_template(template_file).render(**dictionary)


class DjangoUserService(UserService):
    """``DjangoXBlockUserService``: the bound user as an ``XBlockUser`` with ``edx-platform.*`` attributes."""

    EXTERNAL_ID_TYPES = ("lti", "mb_coaching")

    def __init__(self, platform, user, course_key, anonymous_user_id, deprecated_anonymous_user_id,
                 country_code=""):
        super().__init__()
        self._platform = platform
        # The name the LMS gives the bound Django user; for staff viewing as a learner it is the
        # learner's User carrying ``real_user`` and ``masquerade_settings`` (``setup_masquerade``).
        self._django_user = user
        self._course_key = course_key
        self._anonymous_user_id = anonymous_user_id
        self._deprecated_anonymous_user_id = deprecated_anonymous_user_id
        self._country_code = country_code

    def get_current_user(self):
        user = self._django_user
        xblock_user = XBlockUser(is_current_user=True)
        if not user.is_authenticated:
            # An anonymous user gets only these two keys.
            xblock_user.opt_attrs["edx-platform.is_authenticated"] = False
            xblock_user.opt_attrs["edx-platform.request_country_code"] = self._country_code
            return xblock_user
        xblock_user.emails = [user.email]
        xblock_user.full_name = user.full_name
        xblock_user.opt_attrs.update({
            "edx-platform.anonymous_user_id": self._anonymous_user_id,
            "edx-platform.deprecated_anonymous_user_id": self._deprecated_anonymous_user_id,
            "edx-platform.is_authenticated": True,
            "edx-platform.request_country_code": self._country_code,
            "edx-platform.user_id": user.id,
            "edx-platform.username": user.username,
            "edx-platform.user_is_beta_tester": user.is_beta_tester,
            "edx-platform.user_is_global_staff": user.is_staff,
            "edx-platform.user_is_staff": user.has_staff_access,
            "edx-platform.user_role": user.role,
            "edx-platform.user_preferences": {
                key: value for key, value in user.preferences.items() if key in ("pref-lang", "time_zone")
            },
        })
        return xblock_user

    def get_external_user_id(self, type_name):
        if type_name not in self.EXTERNAL_ID_TYPES:
            raise ValueError(f"external id type {type_name!r} does not exist")
        return self._platform.external_user_id(self._django_user, type_name)

    def get_anonymous_user_id(self, username, course_id):
        # Only course staff may look up other learners' anonymous ids.
        if not self._django_user.has_staff_access:
            return None
        user = self._platform.users.by_username(username)
        if user is None:
            return None
        return self._platform.anonymous_user_id(user, course_id)

    def get_user_by_anonymous_id(self, uid=None):
        return self._platform.users.by_anonymous_id(uid or self._anonymous_user_id)


class StudioPermissionsService:
    """``StudioPermissionsService``, which Studio and its preview give (the LMS does not)."""

    def __init__(self, user):
        self._user = user

    def can_read(self, course_key):
        return self.can_write(course_key)   # the harness has no read-only Studio roles

    def can_write(self, course_key):  # pylint: disable=unused-argument
        return has_studio_write_access(self._user)


def has_studio_write_access(user):
    """Course author access, which course staff and global staff have too (``has_studio_write_access``)."""
    return bool(user.is_staff or user.is_course_staff or user.is_course_author)


class RebindUserService(Service):
    """``RebindUserService``: re-binds a block loaded for AnonymousUser to the real learner."""

    def __init__(self, runtime, user, course_key):
        super().__init__()
        self._runtime = runtime
        self.user = user
        self.course_id = course_key

    def rebind_noauth_module_to_user(self, block, real_user):
        if self.user.is_authenticated:
            raise RebindUserServiceError(
                "rebind_noauth_module_to_user can only be called from a module bound to an anonymous user"
            )
        self._runtime.rebind_to_user(block, real_user)


class CompletionService:
    """``completion.services.CompletionService`` for one authenticated user and course."""

    def __init__(self, platform, user, course_key):
        self._platform = platform
        self._user = user
        self._context_key = course_key

    def completion_tracking_enabled(self):
        return self._platform.completion_tracking

    def get_completions(self, candidates):
        return {key: self._platform.completions.get((self._user.id, key), 0.0) for key in candidates}

    def get_complete_on_view_delay_ms(self):
        return 5000

    def can_mark_block_complete_on_view(self, block):
        return not (getattr(block, "has_score", False) or getattr(block, "has_custom_completion", False))

    def blocks_to_mark_complete_on_view(self, blocks):
        return {block for block in blocks if self.can_mark_block_complete_on_view(block)}

    def submit_completion(self, block_key, completion):
        if block_key.context_key != self._context_key:
            raise ValueError(f"{block_key} is not in {self._context_key}")
        self._platform.submit_completion(self._user, block_key, completion)


class EventPublishingService:
    """``EventPublishingService``: grade and completion events go to their handlers, the rest to tracking."""

    def __init__(self, platform, user, course_key, completion_service):
        self._platform = platform
        self._user = user
        self._course_key = course_key
        self._completion = completion_service

    def publish(self, block, event_type, event):
        if is_masquerading_as_specific_student(self._user, self._course_key):
            # Staff viewing as a learner: the grade and completion handlers are skipped, events only tracked.
            self._platform.track(event_type, event, self._user, self._course_key)
        elif event_type == "grade":
            self._handle_grade_event(block, event)
        elif event_type in ("completion", "progress") and self._completion_enabled():
            if event_type == "completion":
                self._completion.submit_completion(block.scope_ids.usage_id, event["completion"])
            # A 'progress' event is the deprecated way to say "complete".
            else:
                self._completion.submit_completion(block.scope_ids.usage_id, 1.0)
        else:
            self._platform.track(event_type, event, self._user, self._course_key)

    def _completion_enabled(self):
        return self._completion is not None and self._completion.completion_tracking_enabled()

    def _handle_grade_event(self, block, event):
        if not self._user.is_authenticated:
            # The LMS drops grades published while bound to AnonymousUser. The harness keeps them
            # visible in the tracking log so tests can see what was lost.
            self._platform.track("grade", event, self._user, self._course_key)
            return
        # event['user_id'] is ignored: the grade always belongs to the bound user.
        self._platform.score_published(
            block, self._user,
            raw_earned=event["value"], raw_possible=event["max_value"],
            only_if_higher=event.get("only_if_higher"),
            score_deleted=event.get("score_deleted"),
        )


class PreviewPublishingService:
    """Studio preview: there is no learner record, so every event is only tracked."""

    def __init__(self, platform, user, course_key):
        self._platform = platform
        self._user = user
        self._course_key = course_key

    def publish(self, block, event_type, event):  # pylint: disable=unused-argument
        self._platform.track(event_type, event, self._user, self._course_key)


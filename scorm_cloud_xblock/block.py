"""
ScormCloudXBlock: a SCORM Cloud course inside an Open edX unit.

The class is wiring. The rules live in plain modules: `ids` (course and registration ids), `postback`
(credentials), `progress` (the merge that never regresses), `grading` (grade and completion rules);
SCORM Cloud is reached only through `client`, and the platform only through `compat`. The Studio
editor is `studio.StudioMixin`; JSON handlers and view fragments are built by `web`.
"""
import functools
import hashlib
import logging
from datetime import datetime, timezone
from urllib.parse import urlencode, urlsplit

from webob import Response
from xblock.completable import CompletableXBlockMixin
from xblock.core import XBlock
from xblock.exceptions import JsonHandlerError
from xblock.fields import Boolean, Dict, Float, Integer, List, Scope, String
from xblock.scorable import ScorableXBlockMixin, Score
from xblock.utils.studio_editable import StudioEditableXBlockMixin
from xblock.validation import ValidationMessage

from . import compat, events, grading, ids, reconcile, return_url
from .client import (
    DEFAULT_BASE_URL, Learner, NotFound, PostBack, RegistrationProgress, ScormCloudClient, ScormCloudError,
    longest_call,
)
from .postback import PostbackError, postback_password, postback_url, read_postback, verify_postback
from .progress import Progress, merge, start_attempt
from .studio import LAUNCH_MODES, REGISTER_ON, StudioMixin, choices
from .web import cloud_error, json_object_handler, json_request_handler, json_response, post_only, sendable_text, \
    view_fragment

log = logging.getLogger(__name__)
_PLAIN_HTTP_WARNED = set()   # site origins already warned about, once per process


def _warn_if_plain_http(url):
    """Warn the operator once per site origin, not at every registration, that postbacks go over http."""
    parts = urlsplit(url)
    origin = f"{parts.scheme}://{parts.netloc}"
    if parts.scheme != "https" and origin not in _PLAIN_HTTP_WARNED:
        _PLAIN_HTTP_WARNED.add(origin)
        log.warning("Postback URLs of %s are plain http (%s): if the site redirects to https, SCORM Cloud "
                    "counts the redirect as delivered and results are lost. Set POSTBACK_BASE_URL.", origin, url)


SETTINGS_KEY = "ScormCloudXBlock"
# The course `make demo` imports into the emulator; the workbench scenario links to it.
WORKBENCH_COURSE_ID = "scorm-cloud-demo"
DEFAULT_ID_PREFIX = "openedx"
# requests' (connect, read) timeout for SCORM Cloud calls, unless XBLOCK_SETTINGS sets TIMEOUT.
DEFAULT_TIMEOUT = (5.0, 30.0)
# How often the client retries a safe call that failed.
CLIENT_RETRIES = 3
# The most SCORM Cloud calls a request makes while it holds a learner's lock: a refresh that finds the
# registration deleted asks for its progress, creates the next one and, if that exists, checks it and
# reads its progress (or, if creating fails, reads the course).
LOCKED_CALLS = 4

MISSING_COURSE_FOR_LEARNERS = ("This course is not available on this site yet. Please tell the course team: "
                               "it needs to be uploaded to SCORM Cloud again.")

FRAME_RETURN_PAGE = (
    "<!doctype html><title>Returning</title>"
    "<script>window.parent.postMessage('scorm-cloud:returned', window.location.origin);</script>"
)


class ResetRefused(Exception):
    """
    "Delete learner state" cannot be done now. The platform calls clear_student_state before it
    deletes the learner's state, so raising leaves the state as it was, and the instructor sees the
    dashboard's error and can try again.
    """


def progress_lock_key(usage_id, anonymous_id):
    """The cache key of one learner's lock on their record in one component (see `_progress_lock`)."""
    learner = f"{usage_id}\n{anonymous_id}"
    return "scorm-cloud-xblock:progress:" + hashlib.sha256(learner.encode("utf-8")).hexdigest()


def _now():
    return datetime.now(timezone.utc).isoformat(timespec="milliseconds").replace("+00:00", "Z")


@functools.lru_cache(maxsize=16)
def _client_for(app_id, secret_key, base_url, timeout):
    # One client, hence one pooled requests.Session, per configured SCORM Cloud app.
    return ScormCloudClient(app_id, secret_key, base_url=base_url, timeout=timeout, retries=CLIENT_RETRIES)


def client_timeout(value):
    """
    requests' (connect, read) timeout from the optional TIMEOUT setting: seconds, or [connect, read].

    A handler waits this long for SCORM Cloud before telling the user to try again, so anything the
    operator got wrong falls back to the default rather than to waiting for ever.
    """
    def seconds(item):
        return isinstance(item, (int, float)) and not isinstance(item, bool) and 0 < item < float("inf")

    if seconds(value):
        return (float(value), float(value))
    if isinstance(value, (list, tuple)) and len(value) == 2 and all(seconds(item) for item in value):
        return (float(value[0]), float(value[1]))
    if value is not None:
        log.warning("Ignoring XBLOCK_SETTINGS TIMEOUT %r: give seconds or [connect, read].", value)
    return DEFAULT_TIMEOUT


@XBlock.needs("i18n")
@XBlock.wants("user", "settings", "rebind_user", "completion", "studio_user_permissions")
class ScormCloudXBlock(StudioMixin, StudioEditableXBlockMixin, ScorableXBlockMixin, CompletableXBlockMixin, XBlock):
    """An Open edX component that launches a SCORM Cloud course and grades it from SCORM Cloud's results."""

    block_settings_key = SETTINGS_KEY
    icon_class = "problem"

    # --- Settings (Studio) -------------------------------------------------------------------------
    display_name = String(display_name="Display name", default="SCORM Cloud", scope=Scope.settings)
    has_score = Boolean(display_name="Scored", default=True, scope=Scope.settings,
                        help="Whether this component counts towards the learner's grade.")
    weight = Float(display_name="Problem weight", default=1.0, values={"min": 0, "step": 0.1},
                   scope=Scope.settings, help="Points this component is worth when scored.")
    launch_mode = String(display_name="Launch mode", default="same_window", values=choices(LAUNCH_MODES),
                         scope=Scope.settings)
    grading_rule = String(display_name="Grading rule", default="auto", values=choices(grading.GRADING_RULES),
                          scope=Scope.settings,
                          help="auto: the scaled score if reported, else passed = 1 / failed = 0, else completed = 1.")
    completion_rule = String(display_name="Completion rule", default="completed",
                             values=choices(grading.COMPLETION_RULES), scope=Scope.settings)
    register_on = String(display_name="Create the SCORM Cloud registration", default="first_view",
                         values=choices(REGISTER_ON), scope=Scope.settings,
                         help="Registrations are billed by SCORM Cloud; they are only ever created for learners "
                              "who open the unit.")
    send_email = Boolean(display_name="Send the learner's email to SCORM Cloud", default=False,
                         scope=Scope.settings)

    # The linked SCORM Cloud course. Ids are ours; no secret ever lives in a field (fields are exported).
    cloud_course_id = String(display_name="SCORM Cloud course id", default="", scope=Scope.settings)
    cloud_course_title = String(default="", scope=Scope.settings)
    cloud_course_version = Integer(default=None, scope=Scope.settings)
    learning_standard = String(default="", scope=Scope.settings)
    parser_warnings = List(default=[], scope=Scope.settings)
    import_job_id = String(default="", scope=Scope.settings)
    # The usage hash of the component that started the job: a copy made meanwhile inherits the job
    # id, and must not take the new course for its own.
    import_job_started_by = String(default="", scope=Scope.settings)
    # Which usage's import created the linked course (the id scheme's usage hash), "linked", or "" when
    # unknown: copies share the course, and only its creator may make new versions of it (decision 5).
    cloud_course_origin = String(default="", scope=Scope.settings)

    # --- Learner state -----------------------------------------------------------------------------
    registration_id = String(default=None, scope=Scope.user_state)
    # The learner's registration attempt in the id scheme: a registration deleted in SCORM Cloud is
    # followed by the next attempt's, under a new id (decision 6).
    attempt = Integer(default=0, scope=Scope.user_state)
    learner_progress = Dict(default={}, scope=Scope.user_state, help="Our record of the learner's SCORM Cloud progress.")
    last_launched = String(default=None, scope=Scope.user_state)
    last_refreshed = String(default=None, scope=Scope.user_state)
    raw_earned = Float(default=None, scope=Scope.user_state)
    raw_possible = Float(default=None, scope=Scope.user_state)
    score_overridden = Boolean(default=False, scope=Scope.user_state)
    published_completion = Float(default=None, scope=Scope.user_state)

    editable_fields = ("display_name", "has_score", "weight", "launch_mode", "grading_rule", "completion_rule",
                       "register_on", "send_email")

    def validate_field_data(self, validation, data):
        """Studio refuses settings the grader could not use (StudioEditableXBlockMixin calls this)."""
        if data.has_score and not (data.weight or 0) > 0:
            validation.add(ValidationMessage(ValidationMessage.ERROR, "A scored component needs a weight above 0."))
        for name, allowed in (("launch_mode", LAUNCH_MODES), ("grading_rule", grading.GRADING_RULES),
                              ("completion_rule", grading.COMPLETION_RULES), ("register_on", REGISTER_ON)):
            if getattr(data, name) not in dict(allowed):
                validation.add(ValidationMessage(ValidationMessage.ERROR, f"Unknown {name.replace('_', ' ')}."))

    # --- Configuration -----------------------------------------------------------------------------
    def _config(self):
        return compat.xblock_settings(self)

    @property
    def id_prefix(self):
        return self._config().get("ID_PREFIX") or DEFAULT_ID_PREFIX

    def _postback_secret(self):
        secret = self._config().get("POSTBACK_SECRET")
        if not secret:
            raise JsonHandlerError(503, "SCORM Cloud is not configured on this site (POSTBACK_SECRET is missing).")
        return secret

    def _progress_lock(self, anonymous_id, calls=LOCKED_CALLS):
        """
        The lock on one learner's record, held from loading it to saving it.

        Postbacks, the refresh, staff reconcile, starting a new attempt and "delete learner state"
        each change the learner's state and save it; without the lock, an older record or grade
        could be saved last. It is the learner's, not a registration's: a new attempt changes the
        registration. It outlives `calls` SCORM Cloud calls that each take as long as they can
        (every try timing out, every retry waiting its longest), so it only expires when its holder
        died.
        """
        longest = longest_call(client_timeout(self._config().get("TIMEOUT")), CLIENT_RETRIES)
        return compat.exclusive(progress_lock_key(self.scope_ids.usage_id, anonymous_id), int(longest * calls) + 30)

    def _learner_now(self):
        """
        This block with the bound learner's state as it is now, for a request that holds their lock.

        The platform read the state when it loaded this block, before the lock was taken: since
        then a postback, a reconcile or "delete learner state" may have saved or deleted it, and
        saving a record merged into that snapshot would bring back what they replaced. So the block
        is loaded again, as staff reconcile loads each learner. None if the platform refuses (the
        learner lost access). Outside the LMS (the workbench, which keeps no snapshot) this block.
        """
        try:
            block = compat.reload_for_learner(self)
        except compat.PlatformError:
            return self
        if block is None or compat.anonymous_user_id(block) != compat.anonymous_user_id(self):
            return None
        return block

    def _client(self):
        config = self._config()
        if not config.get("APP_ID") or not config.get("SECRET_KEY"):
            raise JsonHandlerError(503, "SCORM Cloud is not configured on this site (APP_ID and SECRET_KEY).")
        return _client_for(config["APP_ID"], config["SECRET_KEY"], config.get("BASE_URL") or DEFAULT_BASE_URL,
                           client_timeout(config.get("TIMEOUT")))

    # --- Grading (Open edX) ------------------------------------------------------------------------
    # OLX import and scripts can store settings the Studio editor refuses (it alone validates them):
    # such a value is graded as the default, rather than failing every postback and refresh.
    @property
    def weight_in_use(self):
        weight = self.weight
        if weight is None:
            # The grades app then takes the published score unweighted: publish it out of 1.
            return self.fields["weight"].default
        if grading.is_finite_number(weight) and weight >= 0:
            return float(weight)
        # The grades app would weight any score by this value (NaN, negative): publish none.
        return 0.0

    @property
    def grading_rule_in_use(self):
        rule = self.grading_rule
        return rule if rule in grading.GRADING_RULE_NAMES else self.fields["grading_rule"].default

    @property
    def completion_rule_in_use(self):
        rule = self.completion_rule
        return rule if rule in grading.COMPLETION_RULE_NAMES else self.fields["completion_rule"].default

    def max_score(self):
        # Called on unbound blocks by the grades transformer: settings only, never learner state.
        return self.weight_in_use if self.has_score else None

    def get_score(self):
        if self.raw_earned is None or self.raw_possible is None:
            return None
        return Score(self.raw_earned, self.raw_possible)

    def set_score(self, score):
        # The LMS calls this after every grade we publish (with our own values) and for instructor
        # overrides (with new values); only the latter pins the score against later SCORM Cloud results.
        if self.get_score() != Score(score.raw_earned, score.raw_possible):
            self.score_overridden = True
        self.raw_earned, self.raw_possible = score.raw_earned, score.raw_possible

    def calculate_score(self, progress=None):
        # The best of this attempt and earlier course versions' attempts (decision 4).
        fraction = grading.best_grade(progress or self.current_progress, self.grading_rule_in_use)
        if fraction is None:
            return None
        return Score(*grading.weighted(fraction, self.weight_in_use))

    def has_submitted_answer(self):
        return grading.best_grade(self.current_progress, self.grading_rule_in_use) is not None

    def rescore(self, only_if_higher):
        # Rescoring recomputes from our record of SCORM Cloud's results, and so ends an override.
        self.score_overridden = False
        score = self.calculate_score()
        if score is None:
            raise ValueError("Cannot rescore: SCORM Cloud has reported no result for this learner.")
        self.raw_earned, self.raw_possible = score.raw_earned, score.raw_possible
        self._publish_grade(score, only_if_higher)

    def publish_grade(self):
        """Publish the stored score; the instructor dashboard's override calls this after set_score."""
        score = self.get_score()
        if score is not None:
            self._publish_grade(score)

    @staticmethod
    def workbench_scenarios():
        demo = f"""<vertical_demo>
            <scormcloud display_name="SCORM Cloud demo" cloud_course_id="{WORKBENCH_COURSE_ID}"
                        cloud_course_title="SCORM Cloud demo: a two-question quiz" learning_standard="SCORM12"
                        cloud_course_version="0"/>
            </vertical_demo>"""
        # Nothing imported yet: the Studio view is where a package is uploaded, fetched or linked.
        empty = """<vertical_demo><scormcloud display_name="SCORM Cloud: import a package"/></vertical_demo>"""
        return [("SCORM Cloud", demo), ("SCORM Cloud, no package yet", empty)]

    @property
    def current_progress(self):
        return Progress.from_dict(self.learner_progress)

    def _apply_progress(self, incoming, registration_id=None):
        """Merge SCORM Cloud's view of the learner into our record, then publish what changed."""
        result = merge(self.current_progress, incoming)
        if result.changed:
            self.learner_progress = result.progress.to_dict()
        if result.progressed:
            self._track(events.PROGRESS_UPDATED, events.progress_updated(
                registration_id or self.registration_id, self.cloud_course_id, result.progress, result.reason))
        self._publish_results(result.progress)
        return result

    def _track(self, event_type, data):
        """A tracking event, as the user the block is bound to (the runtime adds user and course)."""
        self.runtime.publish(self, event_type, data)

    def _publish_results(self, progress):
        """Publish grade and completion where they differ from what was last published for `progress`."""
        if self.has_score and not self.score_overridden and self.weight_in_use > 0:
            score = self.calculate_score(progress)
            if score is not None and score != self.get_score():
                self.raw_earned, self.raw_possible = score.raw_earned, score.raw_possible
                self._publish_grade(score)
        # Completion stays once earned, on any attempt; only "delete learner state" takes it back.
        published = self.published_completion or 0.0
        completion = max(published, 1.0 if grading.ever_complete(progress, self.completion_rule_in_use) else 0.0)
        if completion != published:
            self.emit_completion(completion)
            self.published_completion = completion

    def clear_student_state(self, user_id, course_id, item_id, requesting_user_id):
        """
        "Delete learner state" in the instructor dashboard: a deliberate reset, so a fresh attempt.

        The platform deletes our learner state afterwards (the block is not bound to the learner here).
        SCORM Cloud starts a new instance of each of the learner's registrations: the old attempts stay
        in its history, and late postbacks about them carry older instance numbers, which the merge
        ignores. Raises ResetRefused, so that the platform deletes nothing, when that cannot be done
        now: the instructor tries again.
        """
        user = self._find_learner(user_id)
        # The learner's attempt says which registrations they have; it only grows, under the lock.
        loaded = self._learner_block(user_id, user)
        attempt = loaded.attempt if loaded is not None else 0
        # One call per registration, and one spare should the learner start an attempt meanwhile.
        with self._progress_lock(user_id, calls=attempt + 2) as held:
            if not held:
                raise ResetRefused("The learner's SCORM Cloud record is being updated right now; try again "
                                   "in a moment.")
            # Their state as it is now that nothing else can change it (decision 2).
            learner_block = self._learner_block(user_id, user) if loaded is not None else None
            if learner_block is not None:
                attempt = learner_block.attempt
            self._reset_registrations(user_id, attempt)
            # The platform fires no score-changed signal for a block that has clear_student_state, so
            # the gradebook would keep the old grade: zero it as the learner, before the state goes.
            if learner_block is not None:
                learner_block.publish_reset()
                learner_block.save()

    def _reset_registrations(self, anonymous_id, attempt):
        """
        A new SCORM Cloud instance for each registration of the learner's attempts up to `attempt`.

        The platform deletes the attempt number with the state, so the learner starts over at the
        first id, and goes on to the next ids if registrations are deleted again (decision 6): each of
        those must hold nothing from before the reset, or adopting it would bring its results back.
        A registration that does not exist (never created, or deleted) needs nothing.
        """
        try:
            client = self._client()
        except JsonHandlerError as error:
            # A site without SCORM Cloud credentials: nothing there can be reset, or adopted later.
            log.error("SCORM Cloud reset of %s's registrations skipped: %s", anonymous_id, error.message)
            return
        for number in range(attempt + 1):
            registration_id = ids.registration_id(self.id_prefix, str(self.scope_ids.usage_id), anonymous_id,
                                                  number)
            try:
                client.new_registration_instance(registration_id)
            except NotFound:
                continue
            except ScormCloudError as error:
                log.error("SCORM Cloud reset of %s failed, nothing deleted: %s", registration_id, error)
                raise ResetRefused(f"SCORM Cloud could not start a new attempt of {registration_id}, so nothing "
                                   f"was deleted. {cloud_error(error)[1]}") from error

    def publish_reset(self):
        """On a block bound to the learner: their grade is 0 of max and the block incomplete again."""
        if self.has_score and self.weight_in_use > 0:
            self.raw_earned, self.raw_possible = 0.0, self.weight_in_use
            self.score_overridden = False
            # score_deleted lets the grades app recalculate once the platform has deleted the row.
            self.runtime.publish(self, "grade", {"value": 0.0, "max_value": self.weight_in_use,
                                                 "score_deleted": True})
        if self.published_completion:
            self.emit_completion(0.0)
            self.published_completion = 0.0

    def _find_learner(self, anonymous_id):
        """The platform user behind a course-specific anonymous id, or None."""
        try:
            return compat.user_by_anonymous_id(self, anonymous_id)
        except compat.PlatformError as error:
            log.warning("Cannot look learner %s up: %s", anonymous_id, error)
            return None

    def _learner_block(self, anonymous_id, user):
        """This block bound to `user`, whose anonymous id here must be `anonymous_id`; None if not possible."""
        if user is None:
            return None
        try:
            learner_block = compat.load_block_for_learner(self, user)
        except compat.PlatformError as error:
            log.warning("Cannot load %s for learner %s: %s", self.scope_ids.usage_id, anonymous_id, error)
            return None
        # The anonymous-id lookup is global; the id must be this course's id of that learner.
        if learner_block is None or compat.anonymous_user_id(learner_block) != anonymous_id:
            log.warning("Cannot load %s for learner %s.", self.scope_ids.usage_id, anonymous_id)
            return None
        return learner_block

    # --- Registration ------------------------------------------------------------------------------
    def _learner_registration_id(self, attempt):
        anonymous_id = compat.anonymous_user_id(self)
        if anonymous_id is None:
            raise JsonHandlerError(403, "Sign in to take this course.")
        try:
            return ids.registration_id(self.id_prefix, str(self.scope_ids.usage_id), anonymous_id, attempt)
        except ids.InvalidId as error:
            # The LMS's anonymous ids are hex; other runtimes (or a bad ID_PREFIX) may break the id rules.
            log.error("No SCORM Cloud registration id for %s: %s", self.scope_ids.usage_id, error)
            raise JsonHandlerError(400, f"This learner cannot be registered with SCORM Cloud: {error}") from None

    def _ensure_registration(self, request):
        """Create the learner's registration once; adopt it if it already exists in SCORM Cloud."""
        if self.registration_id:
            return self.registration_id
        registration_id = self._register(request, self.attempt)
        self.registration_id = registration_id
        return registration_id

    def _register(self, request, attempt):
        """
        Create the registration of the learner's `attempt`, or adopt it if it already exists; its id.

        Nothing of the learner's state but the record of progress is changed: the caller stores the id.
        """
        if not self.cloud_course_id:
            raise JsonHandlerError(409, "This component has no SCORM Cloud course yet.")
        registration_id = self._learner_registration_id(attempt)
        first_name, last_name = compat.learner_names(self)
        learner = Learner(
            id=compat.anonymous_user_id(self),
            first_name=first_name,
            last_name=last_name,
            email=compat.learner_email(self) if self.send_email else None,
        )
        client = self._client()
        try:
            client.create_registration(registration_id, self.cloud_course_id, learner,
                                       postback=self._postback_settings(registration_id, request))
        except ScormCloudError as error:
            # A concurrent first view, or a registration left from an earlier life of this state.
            if not (error.status == 400 and client.registration_exists(registration_id)):
                if error.status in (400, 404) and not self._cloud_course_exists(client):
                    raise JsonHandlerError(409, MISSING_COURSE_FOR_LEARNERS) from error
                raise
            # Start our record where SCORM Cloud is (e.g. a new instance after a staff reset), so that
            # late postbacks about an earlier attempt are recognised as stale, and publish the
            # results SCORM Cloud already holds, as a postback would.
            adopted = Progress.from_cloud(client.registration_progress(registration_id), "refresh", attempt)
            self._track(events.REGISTRATION_CREATED,
                        events.registration_created(registration_id, self.cloud_course_id, adopted=True))
            self._apply_progress(adopted, registration_id)
        else:
            self._track(events.REGISTRATION_CREATED,
                        events.registration_created(registration_id, self.cloud_course_id, adopted=False))
        return registration_id

    def _start_next_attempt(self, request, lost_id):
        """
        SCORM Cloud no longer holds the learner's registration `lost_id` (deleted there): register their
        next attempt under a new id, so that its instances, which start at 0 again, are not taken for
        stale reports of the lost one (decision 6). What the lost attempt earned stays in our record.

        Called with the learner's record locked. Nothing is stored unless the new registration exists.
        """
        attempt = self.attempt + 1
        registration_id = self._register(request, attempt)
        log.warning("SCORM Cloud has no registration %s for %s any more (deleted there?): the learner goes on "
                    "in a new registration, %s.", lost_id, self.scope_ids.usage_id, registration_id)
        self.learner_progress = start_attempt(self.current_progress, attempt).to_dict()
        self.attempt = attempt
        self.registration_id = registration_id
        return registration_id

    def _cloud_course_exists(self, client):
        """After a refused registration: does this app hold the linked course (else the refusal was a 404)?"""
        try:
            client.get_course(self.cloud_course_id)
        except NotFound:
            log.warning("SCORM Cloud course %s of %s is not in this site's app.", self.cloud_course_id,
                        self.scope_ids.usage_id)
            return False
        return True

    def _postback_settings(self, registration_id, request):
        url = compat.third_party_handler_url(self, "postback", base_url=request.host_url)
        if url is None:
            # Created anyway: the learner can still take the course, and their progress still lands
            # through the refresh on return and staff reconcile. Refusing would lock learners out
            # for a site setting only an administrator can fix; the error tells the administrator.
            log.error("No postback URL for %s on this platform: SCORM Cloud will not post results for %s.",
                      self.scope_ids.usage_id, registration_id)
            return None
        try:
            url = postback_url(url, self._config().get("POSTBACK_BASE_URL"))
        except ValueError as error:
            log.error("Ignoring XBLOCK_SETTINGS %s; postbacks go to %s", error, url)
        _warn_if_plain_http(url)
        return PostBack(url=url, user_name=registration_id,
                        password=postback_password(self._postback_secret(), registration_id))

    def _cloud_call(self, operation, *args, **kwargs):
        """Run a SCORM Cloud call from a handler; failures become a clear JSON error, never a 500."""
        try:
            return operation(*args, **kwargs)
        except ScormCloudError as error:
            log.warning("SCORM Cloud call %s failed: %s", getattr(operation, "__name__", operation), error)
            raise JsonHandlerError(*cloud_error(error)) from error

    # --- Learner views and handlers ----------------------------------------------------------------
    # The mobile apps show a block in a web view of student_view only when it declares multi_device;
    # the launch button and the return to the unit work there as in a browser.
    @XBlock.supports("multi_device")
    def student_view(self, context=None):
        """Renders from stored state only: no SCORM Cloud call on a page view."""
        progress = self.current_progress
        # Staff viewing as this learner see the learner's status; nothing is registered or refreshed.
        staff_preview = compat.masquerading_as_learner(self)
        state = {
            "title": self.cloud_course_title or self.display_name,
            "has_course": bool(self.cloud_course_id),
            "launch_mode": self.launch_mode,
            "register_on_view": self.register_on == "first_view" and not self.registration_id and not staff_preview,
            "needs_refresh": bool(self.registration_id and self.last_launched and not staff_preview
                                  and (not self.last_refreshed or self.last_launched > self.last_refreshed)),
            "progress": self._progress_payload(progress),
            "is_staff": compat.user_is_staff(self),
            "staff_preview": staff_preview,
        }
        return view_fragment("student", state, display_name=self.display_name,
                         preview_hidden="" if staff_preview else "hidden")

    def public_view(self, context=None):
        """
        Visitors of a public course who are not enrolled (the LMS renders this view for them): the title
        and how to get in. No registration, no SCORM Cloud call, nothing about any learner.
        """
        return view_fragment("public", display_name=self.display_name,
                         title=self.cloud_course_title or self.display_name)

    def student_view_data(self, context=None):
        """
        What a mobile client needs to show the unit, for the Course Blocks API.

        The LMS collects this once per course publish, on a block bound to no learner, and serves it
        to every learner: settings only. The learner's own status comes from `student_view_user_state`.
        """
        return {
            "title": self.cloud_course_title or self.display_name,
            "learning_standard": self.learning_standard,
            "has_course": bool(self.cloud_course_id),
            "launch_mode": self.launch_mode,
            "has_score": self.has_score,
            "max_grade": self.max_score(),
            "user_state_handler": "student_view_user_state",
        }

    @XBlock.handler
    def student_view_user_state(self, request, suffix=""):
        """
        The learner's status for mobile clients (GET): our stored record only, never a SCORM Cloud call,
        and no launch link (the client asks the `launch` handler when the learner taps Launch).
        """
        if compat.anonymous_user_id(self) is None:
            return json_response({"error": "Sign in to take this course."}, status=403)
        payload = self._progress_payload()
        payload.pop("registration_id")
        return json_response({**payload, "registered": bool(self.registration_id),
                               "can_launch": bool(self.cloud_course_id)})

    def _progress_payload(self, progress=None):
        progress = progress or self.current_progress
        score = self.get_score()
        return {
            "registration_id": self.registration_id,
            "completion": progress.completion,
            "success": progress.success,
            "score": progress.score,
            "total_seconds": progress.total_seconds,
            "grade": score.raw_earned * self.max_score() / score.raw_possible
            if score and score.raw_possible and self.has_score else None,
            "max_grade": self.max_score(),
            "earlier": self._earlier_summary(progress),
        }

    def _earlier_summary(self, progress):
        """What the learner achieved on earlier course versions, shown beside the current attempt."""
        if not progress.earlier:
            return None
        scores = [attempt.score for attempt in progress.earlier if attempt.score is not None]
        return {
            "completed": any(grading.is_complete(attempt, self.completion_rule_in_use) for attempt in progress.earlier),
            "best_score": max(scores) if scores else None,
        }

    @json_request_handler
    def register(self, data, request):
        """Lazy registration on first view, requested by the page after it has rendered."""
        self._refuse_in_studio()
        if compat.masquerading_as_learner(self):
            return self._progress_payload()   # staff viewing as the learner: never a billed registration
        self._cloud_call(self._ensure_registration, request)
        return self._progress_payload()

    @json_request_handler
    def launch(self, data, request):
        """Build a fresh launch link for this click; it is never rendered into the page or stored."""
        self._refuse_in_studio()
        if compat.masquerading_as_learner(self):
            return {"launch_url": self._staff_preview_link(self._redirect_on_exit(data, request)), "preview": True}
        registration_id = self._cloud_call(self._ensure_registration, request)
        redirect_on_exit = self._redirect_on_exit(data, request)
        client = self._client()
        try:
            link = client.launch_link(registration_id, redirect_on_exit)
        except NotFound:
            # Deleted in SCORM Cloud: the learner goes on in a new registration, in this same click.
            registration_id = self._replace_lost_registration(request, registration_id)
            link = self._cloud_call(client.launch_link, registration_id, redirect_on_exit)
        except ScormCloudError as error:
            log.warning("SCORM Cloud call launch_link failed: %s", error)
            raise JsonHandlerError(*cloud_error(error)) from error
        self.last_launched = _now()
        self._track(events.LAUNCHED, events.launched(registration_id, self.cloud_course_id,
                                                     self.cloud_course_version, self.launch_mode,
                                                     data.get("embedded")))
        return {"launch_url": link}

    def _refuse_in_studio(self):
        # Studio's preview shares one anonymous id among all authors and cannot take postbacks: a
        # registration made there would be billed, shared and never graded. Authors use Preview.
        if compat.in_studio(self):
            raise JsonHandlerError(409, "Learners are registered in the courseware. In Studio, use Preview.")

    def _redirect_on_exit(self, data, request):
        """The `return` handler's URL, signed for this learner and where the page asked to go back."""
        # An embedded player returns inside its frame: the return page then tells the unit instead.
        if data.get("embedded"):
            return_to = return_url.FRAME
        else:
            candidate = data.get("return_url")
            return_to = candidate if return_url.is_safe_target(candidate, request.host) else compat.unit_url(self)
        sig = return_url.signature(self._postback_secret(), self.scope_ids.usage_id,
                                   compat.anonymous_user_id(self), return_to)
        query = urlencode({"next": return_to, "sig": sig})
        return compat.absolute_handler_url(self, "return", request.host_url, query=query)

    def _staff_preview_link(self, redirect_on_exit):
        """
        Staff viewing as a learner launch SCORM Cloud's course preview: no registration, so nothing
        they do is tracked as the learner's, or posted back as the learner's grade (decision 7).
        """
        if not self.cloud_course_id:
            raise JsonHandlerError(409, "This component has no SCORM Cloud course yet.")
        try:
            return self._client().course_preview_link(self.cloud_course_id, redirect_on_exit)
        except NotFound:
            raise JsonHandlerError(409, MISSING_COURSE_FOR_LEARNERS) from None
        except ScormCloudError as error:
            log.warning("SCORM Cloud call course_preview_link failed: %s", error)
            raise JsonHandlerError(*cloud_error(error)) from error

    def _replace_lost_registration(self, request, lost_id):
        """The learner's next attempt, started by one request only: a concurrent one is told to try again."""
        self.save()   # what this request changed (a new registration id) is part of the state reloaded below
        with self._progress_lock(compat.anonymous_user_id(self)) as held:
            if not held:
                raise JsonHandlerError(503, "Your course is being prepared. Please try again in a moment.")
            learner = self._learner_now()
            if learner is None:
                raise JsonHandlerError(403, "You no longer have access to this course.")
            if learner.registration_id is None:
                # Their state was deleted ("delete learner state") since this request loaded it.
                registration_id = self._cloud_call(learner._ensure_registration, request)
            elif learner.registration_id != lost_id:
                # Another request started the next attempt since this one loaded the state.
                return learner.registration_id
            else:
                registration_id = self._cloud_call(learner._start_next_attempt, request, lost_id)
            learner.save()
            return registration_id

    @json_request_handler
    def progress(self, data, request):
        """The learner's progress; with {"refresh": true}, first asks SCORM Cloud once."""
        learner = self
        # Staff viewing as the learner see the stored record: a refresh would reload and save the
        # learner's real state (the reload is not masqueraded) and may start a new registration.
        if data.get("refresh") and self.registration_id and not compat.masquerading_as_learner(self):
            learner = self._refresh(request)
        return learner._progress_payload()   # pylint: disable=protected-access

    def _refresh(self, request):
        """
        One GetRegistrationProgress: the backstop for late or lost postbacks. Answers the block whose
        state is the learner's now. Nothing is asked while another request updates the learner's
        record: the stored state is shown. A registration SCORM Cloud no longer holds is followed by
        the learner's next attempt.

        The state is read and SCORM Cloud is asked inside the lock, so what is merged and saved is at
        least as new as anything another request saved before.
        """
        with self._progress_lock(compat.anonymous_user_id(self)) as held:
            if not held:
                return self
            learner = self._learner_now()
            # No access any more, or the state was deleted since this request loaded it: nothing to ask.
            if learner is None or not learner.registration_id:
                return learner or self
            client = self._client()
            try:
                remote = client.registration_progress(learner.registration_id)
            except NotFound:
                self._cloud_call(learner._start_next_attempt, request, learner.registration_id)
                # The new registration has nothing to report yet.
                learner.last_refreshed = _now()
                learner.save()
                return learner
            except ScormCloudError as error:
                log.warning("SCORM Cloud call registration_progress failed: %s", error)
                raise JsonHandlerError(*cloud_error(error)) from error
            learner.last_refreshed = _now()
            learner._apply_progress(Progress.from_cloud(remote, "refresh", learner.attempt))
            learner.save()
            return learner

    @XBlock.handler
    def return_from_launch(self, request, suffix=""):
        """Where SCORM Cloud sends the learner on exit: refresh once, then back to the unit."""
        secret = self._config().get("POSTBACK_SECRET")
        anonymous_id = compat.anonymous_user_id(self)
        # Signed for this component and this learner, and still a page of this site: else the unit.
        target = return_url.verified_target(secret, self.scope_ids.usage_id, anonymous_id,
                                            request.GET.get("next"), request.GET.get("sig"), request.host)
        if target is None:
            target = compat.unit_url(self)
        # Without POSTBACK_SECRET the site is not configured for SCORM Cloud: just go back to the unit.
        if secret and self.registration_id and anonymous_id and not compat.masquerading_as_learner(self):
            try:
                self._refresh(request)
            except JsonHandlerError as error:
                log.warning("Progress refresh on return failed: %s", error.message)
        if target == return_url.FRAME:
            return Response(FRAME_RETURN_PAGE, content_type="text/html", charset="utf-8")
        return Response(status=302, location=target)

    # --- Postbacks from SCORM Cloud (third-party handler) ------------------------------------------
    @XBlock.handler
    def postback(self, request, suffix=""):
        """
        SCORM Cloud's registration postback: authenticate, find the learner, rebind, merge, publish.

        Never redirects (SCORM Cloud counts a 3xx as delivered) and answers 4xx, not 500, to bad input.
        """
        if request.method != "POST":
            return post_only()
        try:
            # The form is decoded only for a form post: a JSON postback needs only the raw body.
            # The whole header: webob's content_type drops the charset, which must be checked.
            posted = read_postback(request.headers.get("Content-Type", ""), request.body, lambda: request.POST,
                                   request.headers.get("Authorization"))
            registration_id = verify_postback(posted, self._postback_secret())
            ref = ids.parse_registration_id(self.id_prefix, registration_id)
        except PostbackError as error:
            return json_response({"error": error.message}, status=error.status)
        except ids.InvalidId:
            return json_response({"error": "Unknown registration."}, status=404)
        except JsonHandlerError as error:
            return json_response({"error": error.message}, status=error.status_code)

        if ref.usage_hash != ids.usage_key_hash(str(self.scope_ids.usage_id)):
            return json_response({"error": "The registration belongs to another component."}, status=404)
        # The learner's state is loaded by the rebind, so everything from there to the save is locked.
        with self._progress_lock(ref.anonymous_user_id) as held:
            if not held:
                return json_response({"error": "The learner's record is being updated; try again."}, status=503)
            return self._take_postback(posted, ref, registration_id)

    def _take_postback(self, posted, ref, registration_id):
        bound_id = compat.anonymous_user_id(self)
        if bound_id != ref.anonymous_user_id:
            if bound_id is not None:
                # A browser carrying someone else's LMS session (SCORM Cloud sends none): the
                # platform can rebind only a block bound to AnonymousUser, and this is not their grade.
                return json_response({"error": "This postback is not about the signed-in user."}, status=403)
            try:
                user = compat.user_by_anonymous_id(self, ref.anonymous_user_id)
                if user is None:
                    return json_response({"error": "Unknown learner."}, status=404)
                compat.rebind_to_user(self, user)
            except compat.PlatformError as error:
                # 503 makes SCORM Cloud retry, which may succeed once the platform is fixed.
                log.error("Cannot take the postback for %s: %s", registration_id, error)
                return json_response({"error": "This site cannot take SCORM Cloud results right now."},
                                      status=503)
            # The anonymous-id lookup is global; make sure the id belongs to this course's learner.
            if compat.anonymous_user_id(self) != ref.anonymous_user_id:
                return json_response({"error": "Unknown learner."}, status=404)
            learner = self   # the rebind, inside the lock, loaded the learner's state
        else:
            # Bound to the learner by their session: the state was loaded before the lock.
            learner = self._learner_now()
            if learner is None:
                return json_response({"error": "Unknown learner."}, status=404)
        # Also a registration of an earlier attempt, replaced since (decision 6): only the current one counts.
        if learner.registration_id != registration_id:
            return json_response({"error": "Unknown registration."}, status=404)

        outcome = learner._apply_progress(   # pylint: disable=protected-access
            Progress.from_cloud(RegistrationProgress.from_json(posted.payload), "postback", ref.attempt))
        learner.save()
        return json_response({"result": outcome.reason})

    # --- Staff reconcile --------------------------------------------------------------------------
    @json_object_handler
    def reconcile(self, data, suffix=""):
        """
        Staff: merge SCORM Cloud's current progress for every learner of this component, one page of
        GetRegistrations per call. Answers the tally and `more`, to send back until it is null.

        Each learner's block is loaded, merged, published and saved before the next is loaded: the
        LMS prepares the request's shared runtime for each learner in turn.
        """
        if not compat.user_is_staff(self):
            raise JsonHandlerError(403, "Only course staff can update learners from SCORM Cloud.")
        if not self.cloud_course_id:
            raise JsonHandlerError(409, "This component has no SCORM Cloud course yet.")
        more = data.get("more")
        if more is not None and not sendable_text(more):
            raise JsonHandlerError(400, "more must be the token of the previous answer.")
        client = self._client()
        page = self._cloud_call(client.list_registrations_page, course_id=self.cloud_course_id, more=more)
        # Everything this staff-bound block needs comes first: loading a learner changes its services.
        learners = [(registration, ref, self._find_learner(ref.anonymous_user_id))
                    for registration, ref in reconcile.registrations_of_block(
                        self.id_prefix, str(self.scope_ids.usage_id), page.registrations)]
        self._track(events.RECONCILE_REQUESTED,
                    events.reconcile_requested(self.cloud_course_id, len(learners), page.more))
        tally = reconcile.Tally()
        for registration, ref, user in learners:
            with self._progress_lock(ref.anonymous_user_id) as held:
                # A learner being updated right now (a postback, a refresh) is left to that request.
                learner_block = self._learner_block(ref.anonymous_user_id, user) if held else None
                if learner_block is None:
                    tally.count("failed")
                    continue
                merged = learner_block.merge_registration(registration, ref.attempt)
                tally.count("updated" if merged else "unchanged")
                learner_block.save()
        return {**tally.to_dict(), "more": page.more}

    def merge_registration(self, registration, attempt=0):
        """
        On a block bound to the learner: merge the registration of `attempt` if it is the learner's
        current one. A record that lost its registration id adopts the one of the attempt it is at.

        Another attempt's registration (one replaced since, still in SCORM Cloud) changes nothing.
        """
        if self.registration_id is None:
            if attempt != self.attempt:
                return False
            self.registration_id = registration.id
            adopted = True
            self._track(events.REGISTRATION_CREATED,
                        events.registration_created(registration.id, self.cloud_course_id, adopted=True))
        elif self.registration_id == registration.id:
            adopted = False
        else:
            return False
        return self._apply_progress(Progress.from_cloud(registration, "reconcile", attempt)).progressed or adopted


# SCORM Cloud's redirectOnExitUrl lands on the `return` handler; `return` is a Python keyword.
setattr(ScormCloudXBlock, "return", ScormCloudXBlock.return_from_launch)

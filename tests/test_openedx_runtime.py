"""The Open edX test runtime, exercised with toy blocks: each test fails if the emulation is wrong."""
import io
import json

import pytest
from web_fragments.fragment import Fragment
from webob import Response
from xblock.completable import CompletableXBlockMixin, XBlockCompletionMode
from xblock.core import XBlock
from xblock.exceptions import InvalidScopeError, NoSuchServiceError
from xblock.fields import Float, Integer, Scope, String
from xblock.runtime import KeyValueStore
from xblock.scorable import ScorableXBlockMixin, Score

from tests.openedx.platform_modules import current_request, get_current_request, load_single_xblock
from tests.openedx.requests import build_request
from tests.openedx import (
    AnonymousStateWriteError, OpenEdxTestRuntime, RebindUserServiceError, ReentrantPublishError,
    UnboundStateAccessError,
)

COURSE = "course-v1:Org+Course+Run"


class ProcessingError(Exception):
    """Stands in for xmodule.exceptions.ProcessingError, which blocks import through a compat layer."""


@XBlock.needs("i18n")
@XBlock.wants("user", "settings", "rebind_user", "completion")
class ToyBlock(XBlock):
    """A scored block with learner state and the handler shapes a postback-driven block needs."""

    display_name = String(scope=Scope.settings, default="Toy")
    cloud_course = String(scope=Scope.content, default="")
    weight = Float(scope=Scope.settings, default=None)
    clicks = Integer(scope=Scope.user_state, default=0)
    attempts = Integer(scope=Scope.user_state, default=0)
    has_score = True

    def max_score(self):
        return 1.0

    def student_view(self, context=None):
        return Fragment(f"<p>student {self.clicks}</p>")

    @XBlock.json_handler
    def click(self, data, suffix=""):
        self.clicks += data.get("by", 1)
        return {"clicks": self.clicks, "suffix": suffix}

    @XBlock.json_handler
    def grade(self, data, suffix=""):
        self.runtime.publish(self, "grade", data)
        return {}

    @XBlock.json_handler
    def complete(self, data, suffix=""):
        self.runtime.publish(self, "completion", {"completion": data["completion"]})
        return {}

    @XBlock.handler
    def postback(self, request, suffix=""):
        anonymous_id = json.loads(request.body)["learner"]
        real_user = self.runtime.service(self, "user").get_user_by_anonymous_id(anonymous_id)
        write_early = request.headers.get("X-Write-Before-Rebind")
        if write_early:
            self.clicks = 99
        self.runtime.service(self, "rebind_user").rebind_noauth_module_to_user(self, real_user)
        if not write_early:
            self.clicks = 7
        self.runtime.publish(self, "grade", {"value": 1, "max_value": 1})
        return Response(body=b"ok")

    @XBlock.handler
    def write_state(self, request, suffix=""):
        self.clicks = 5
        return Response(body=b"written")

    @XBlock.handler
    def upload(self, request, suffix=""):
        upload = request.POST["package"]
        return Response(json_body={"name": upload.filename, "size": len(upload.file.read()),
                                   "title": request.POST["title"]})

    @XBlock.handler
    def fail(self, request, suffix=""):
        raise RuntimeError("boom")

    @XBlock.handler
    def busy(self, request, suffix=""):
        raise ProcessingError("try later")

    @XBlock.handler
    def set_cloud_course(self, request, suffix=""):
        self.cloud_course = request.body.decode()
        return Response(body=b"set")

    @XBlock.json_handler
    def grade_learner(self, data, suffix=""):
        """Staff grading another learner the way the LMS allows it: load_single_xblock, as xqueue does."""
        from crum import get_current_request  # pylint: disable=import-outside-toplevel
        from lms.djangoapps.courseware.block_render import load_single_xblock  # pylint: disable=import-outside-toplevel

        usage_key = self.scope_ids.usage_id
        learner = load_single_xblock(get_current_request(), data["user_id"], str(usage_key.context_key),
                                     str(usage_key))
        learner.clicks = 3
        learner.runtime.publish(learner, "grade", {"value": 1, "max_value": 1})
        learner.save()
        # The request's runtime is shared: the staff block now sees the learner's services.
        return {"now_bound_to": self.runtime.service(self, "user").get_current_user().opt_attrs.get(
            "edx-platform.username")}

    not_a_handler = "plain attribute"


class ScorableToy(ScorableXBlockMixin, ToyBlock):
    """Scorable: the grades app calls set_score; instructors may override and rescore."""

    earned = Float(scope=Scope.user_state, default=None)
    possible = Float(scope=Scope.user_state, default=None)
    publish_in_set_score = False
    cleared = []

    def has_submitted_answer(self):
        return self.earned is not None

    def get_score(self):
        return Score(self.earned, self.possible)

    def set_score(self, score):
        self.earned, self.possible = score.raw_earned, score.raw_possible
        if self.publish_in_set_score:
            self.runtime.publish(self, "grade", {"value": 0, "max_value": 1})

    def calculate_score(self):
        return Score(1.0, 1.0)

    def publish_grade(self):
        self._publish_grade(self.get_score())

    def clear_student_state(self, user_id, course_id, item_id, requesting_user_id):
        ScorableToy.cleared.append((user_id, course_id, item_id, requesting_user_id))


class CustomCompletionToy(CompletableXBlockMixin, ToyBlock):
    """Declares custom completion: scores must not complete it."""


class AggregatorToy(ToyBlock):
    completion_mode = XBlockCompletionMode.AGGREGATOR


class UnscoredStateReader(ToyBlock):
    """max_score() that wrongly depends on learner state."""

    def max_score(self):
        return float(self.clicks)


class NoneMaxScore(ToyBlock):
    def max_score(self):
        return None


@XBlock.wants("user")
class Undeclared(XBlock):
    @XBlock.json_handler
    def probe(self, data, suffix=""):
        try:
            self.runtime.service(self, data["name"])
        except NoSuchServiceError:
            return {"result": "NoSuchServiceError"}
        return {"result": repr(self.runtime.service(self, data["name"]))}


@XBlock.needs("completion")
class NeedsCompletion(XBlock):
    @XBlock.handler
    def probe(self, request, suffix=""):
        self.runtime.service(self, "completion")
        return Response(body=b"ok")


class Editable(ToyBlock):
    def author_view(self, context=None):
        return Fragment(f"<p>author {self.clicks}</p>")

    def studio_view(self, context=None):
        return Fragment("<form>edit</form>")

    @XBlock.json_handler
    def rename(self, data, suffix=""):
        self.display_name = data["name"]
        return {"url": self.runtime.handler_url(self, "click")}

    @XBlock.json_handler
    def thirdparty_url(self, data, suffix=""):
        try:
            return {"url": self.runtime.handler_url(self, "postback", thirdparty=True)}
        except NotImplementedError:
            return {"url": None}


@pytest.fixture(name="rt")
def fixture_rt():
    return OpenEdxTestRuntime(xblock_settings={"ToyBlock": {"secret": "s3"}}, site_name="lms.example.com")


@pytest.fixture(name="alice")
def fixture_alice(rt):
    return rt.add_user("alice", email="alice@example.com", full_name="Alice Liddell")


@pytest.fixture(name="bob")
def fixture_bob(rt):
    return rt.add_user("bob")


@pytest.fixture(name="staff")
def fixture_staff(rt):
    return rt.add_user("staff", is_staff=True)


def key_of(usage_key, name, user_id):
    return KeyValueStore.Key(Scope.user_state, user_id, usage_key, name, "xblock.v1")


# Storage --------------------------------------------------------------------------------------------

def test_learner_state_is_per_user_and_keyed_like_kvsfielddata(rt, alice, bob):
    usage_key = rt.create_block(ToyBlock, course_key=COURSE, block_id="toy")
    assert str(usage_key) == "block-v1:Org+Course+Run+type@toyblock+block@toy"
    rt.handle(usage_key, "click", user=alice, json={"by": 3})
    rt.handle(usage_key, "click", user=bob, json={"by": 1})
    assert rt.student_db[key_of(usage_key, "clicks", alice.id)] == 3
    assert rt.student_db[key_of(usage_key, "clicks", bob.id)] == 1
    assert rt.user_state(alice, usage_key) == {"clicks": 3}
    settings_key = KeyValueStore.Key(Scope.settings, None, usage_key, "display_name", "xblock.v1")
    assert settings_key not in rt.modulestore     # defaults are not stored
    block = rt.load_block(usage_key, user=alice)
    assert (block.usage_key, block.context_key) == (usage_key, usage_key.context_key)
    assert block.clicks == 3


def test_learner_state_is_read_when_the_block_is_loaded_and_written_field_by_field(rt, alice, staff):
    # The LMS's FieldDataCache reads the StudentModule row once, when the block is loaded.
    usage_key = rt.create_block(ToyBlock, course_key=COURSE, block_id="toy")
    rt.handle(usage_key, "click", user=alice, json={"by": 3})
    earlier = rt.load_block(usage_key, user=alice)
    rt.handle(usage_key, "click", user=alice, json={"by": 4})
    assert earlier.clicks == 3
    assert rt.load_block(usage_key, user=alice).clicks == 7
    # Only the fields the block saves are written, into the row as it is then.
    earlier.attempts = 2
    earlier.save()
    assert rt.user_state(alice, usage_key) == {"clicks": 7, "attempts": 2}
    # A save after the row was deleted makes it again, with what the block saved.
    loaded = rt.load_block(usage_key, user=alice)
    assert loaded.clicks == 7
    rt.delete_student_state(usage_key, alice, staff)
    assert loaded.clicks == 7
    loaded.clicks += 1
    loaded.save()
    assert rt.user_state(alice, usage_key) == {"clicks": 8}


def test_a_block_loaded_again_in_the_request_reads_the_state_as_it_is_then(rt, alice):
    usage_key = rt.create_block(ToyBlock, course_key=COURSE, block_id="toy")
    rt.handle(usage_key, "click", user=alice, json={"by": 3})
    block = rt.load_block(usage_key, user=alice)
    rt.handle(usage_key, "click", user=alice, json={"by": 1})
    with current_request(rt, build_request("GET", "/", alice, https=True, host="lms.example.com")):
        again = load_single_xblock(get_current_request(), alice.id, COURSE, str(usage_key))
    assert (block.clicks, again.clicks) == (3, 4)


def test_each_block_has_its_own_field_data(rt, alice, bob):
    usage_key = rt.create_block(ToyBlock)
    first, second = rt.load_block(usage_key, user=alice), rt.load_block(usage_key, user=bob)
    assert first._field_data is not second._field_data
    first.clicks = 4
    first.save()
    assert second.clicks == 0


def test_lms_cannot_write_authored_fields(rt, alice):
    usage_key = rt.create_block(ToyBlock)
    response = rt.handle(usage_key, "set_cloud_course", user=alice, body=b"abc")
    assert response.status_code == 500
    assert isinstance(rt.handler_errors[-1].exception, InvalidScopeError)


# Services -------------------------------------------------------------------------------------------

def test_service_declarations_are_enforced(rt, alice):
    usage_key = rt.create_block(Undeclared)
    assert rt.handle(usage_key, "probe", user=alice, json={"name": "settings"}).json["result"] == \
        "NoSuchServiceError"
    assert rt.handle(usage_key, "probe", user=alice, json={"name": "user"}).json["result"].startswith("<")
    needs = rt.create_block(NeedsCompletion)
    assert rt.handle_noauth(needs, "probe").status_code == 500
    assert isinstance(rt.handler_errors[-1].exception, NoSuchServiceError)
    assert rt.handle(needs, "probe", user=alice).status_code == 200


def test_missing_want_is_none_and_settings_bucket_uses_class_name(rt, alice):
    usage_key = rt.create_block(ToyBlock)
    anonymous_block = rt.load_block(usage_key)
    assert anonymous_block.runtime.service(anonymous_block, "completion") is None
    block = rt.load_block(usage_key, user=alice)
    assert block.runtime.service(block, "settings").get_settings_bucket(block) == {"secret": "s3"}
    i18n = block.runtime.service(block, "i18n")
    assert i18n is block.runtime.service(block, "i18n") and i18n.block is block
    assert i18n.ngettext("one", "many", 2) == "many"


def test_user_service_for_authenticated_and_anonymous(rt, alice):
    usage_key = rt.create_block(ToyBlock)
    block = rt.load_block(usage_key, user=alice)
    current = block.runtime.service(block, "user").get_current_user()
    attrs = current.opt_attrs
    assert current.emails == ["alice@example.com"] and current.full_name == "Alice Liddell"
    assert attrs["edx-platform.user_id"] == alice.id and attrs["edx-platform.username"] == "alice"
    assert attrs["edx-platform.is_authenticated"] is True
    assert attrs["edx-platform.anonymous_user_id"] == rt.anonymous_user_id(alice, COURSE)
    assert attrs["edx-platform.user_is_staff"] is False and attrs["edx-platform.user_role"] == "student"
    assert attrs["edx-platform.user_preferences"] == {"pref-lang": "en"}
    anonymous = rt.load_block(usage_key)
    anonymous_attrs = anonymous.runtime.service(anonymous, "user").get_current_user().opt_attrs
    assert anonymous_attrs == {"edx-platform.is_authenticated": False, "edx-platform.request_country_code": ""}


def test_anonymous_ids_are_course_specific_and_resolved_across_courses(rt, alice, staff):
    first = rt.anonymous_user_id(alice, COURSE)
    other = rt.anonymous_user_id(alice, "course-v1:Org+Other+Run")
    assert len(first) == 32 and int(first, 16) >= 0
    assert first != other and first == rt.anonymous_user_id(alice, COURSE)
    block = rt.load_block(rt.create_block(ToyBlock))
    user_service = block.runtime.service(block, "user")
    assert user_service.get_user_by_anonymous_id(other) == alice      # the lookup ignores the course
    assert user_service.get_user_by_anonymous_id("0" * 32) is None
    assert user_service.get_anonymous_user_id("alice", COURSE) is None   # not staff
    staff_block = rt.load_block(block.usage_key, user=staff)
    staff_service = staff_block.runtime.service(staff_block, "user")
    assert staff_service.get_anonymous_user_id("alice", COURSE) == first
    with pytest.raises(ValueError):
        staff_service.get_external_user_id("unknown")


# Handler URLs ---------------------------------------------------------------------------------------

def test_lms_handler_urls(rt, alice):
    usage_key = rt.create_block(ToyBlock, block_id="b1")
    block = rt.load_block(usage_key, user=alice)
    assert block.runtime.handler_url(block, "postback", thirdparty=True) == (
        "https://lms.example.com/courses/course-v1:Org+Course+Run/xblock/"
        "block-v1:Org+Course+Run+type@toyblock+block@b1/handler_noauth/postback"
    )
    assert block.runtime.handler_url(block, "click", suffix="a/b", query="x=1") == (
        "/courses/course-v1:Org+Course+Run/xblock/block-v1:Org+Course+Run+type@toyblock+block@b1/"
        "handler/click/a/b?x=1"
    )
    assert block.runtime.handler_url(block, "not_a_handler").endswith("/handler/not_a_handler")
    with pytest.raises(ValueError):
        block.runtime.handler_url(block, "missing")
    http = OpenEdxTestRuntime(https=False, site_name="lms.test")
    http_key = http.create_block(ToyBlock)
    http_block = http.load_block(http_key)
    assert http_block.runtime.handler_url(http_block, "postback", thirdparty=True).startswith("http://lms.test/")


def test_studio_refuses_thirdparty_urls(rt, staff):
    usage_key = rt.create_block(Editable)
    assert rt.handle_studio(usage_key, "thirdparty_url", user=staff, json={}).json == {"url": None}
    block = rt.load_block(usage_key, user=staff, mode="studio")
    assert block.runtime.handler_url(block, "click", query="a=1") == f"/xblock/{usage_key}/handler/click?a=1"


# Handler views --------------------------------------------------------------------------------------

def test_handle_always_saves_and_maps_errors(rt, alice):
    usage_key = rt.create_block(ToyBlock)
    rt.handle(usage_key, "write_state", user=alice)
    assert rt.user_state(alice, usage_key) == {"clicks": 5}
    assert rt.handle(usage_key, "nope", user=alice).status_code == 404
    assert rt.handle(usage_key, "not_a_handler", user=alice).status_code == 404
    busy = rt.handle(usage_key, "busy", user=alice)
    assert (busy.status_code, busy.json) == (200, {"success": "try later"})
    failed = rt.handle(usage_key, "fail", user=alice)
    assert failed.status_code == 500 and str(rt.handler_errors[-1].exception) == "boom"
    assert rt.handle(usage_key, "click", user=alice, method="GET").status_code == 405
    assert rt.handle(usage_key, "click", user=alice, body=b"{not json").status_code == 400


def test_authenticated_view_rejects_anonymous_posts_and_missing_csrf(rt, alice):
    usage_key = rt.create_block(ToyBlock)
    rejected = rt.handle(usage_key, "click", user=None, json={})
    assert (rejected.status_code, rejected.body) == (403, b"Unauthenticated")
    assert rt.handle(usage_key, "click", user=alice, json={}, csrf=False).status_code == 403
    assert rt.user_state(alice, usage_key) == {}
    assert rt.handle(usage_key, "click", user=alice, json={}, suffix="x/y").json == {"clicks": 1, "suffix": "x/y"}


def test_multipart_upload_reaches_the_handler_like_django_files(rt, alice):
    usage_key = rt.create_block(ToyBlock)
    response = rt.handle(usage_key, "upload", user=alice, form={"title": "T"},
                         files={"package": ("course.zip", io.BytesIO(b"PK\x03\x04data"), "application/zip")})
    assert response.json == {"name": "course.zip", "size": 8, "title": "T"}
    too_big = rt.handle(usage_key, "upload", user=alice,
                        files={"package": ("big.zip", b"x" * 4_000_001, "application/zip")})
    assert too_big.status_code == 413 and "too large" in too_big.json["success"]


# Noauth and rebind ----------------------------------------------------------------------------------

def test_noauth_postback_rebinds_then_writes_and_grades(rt, alice):
    usage_key = rt.create_block(ToyBlock)
    learner = rt.anonymous_user_id(alice, COURSE)
    response = rt.handle_noauth(usage_key, "postback", body=json.dumps({"learner": learner}))
    assert response.body == b"ok"
    assert rt.rebind_calls == [(usage_key, alice.id)]
    assert rt.user_state(alice, usage_key) == {"clicks": 7}
    assert rt.grades[(alice.id, usage_key)].raw_earned == 1
    assert rt.completions[(alice.id, usage_key)] == 1.0


def test_writes_while_anonymous_fail_loudly(rt):
    usage_key = rt.create_block(ToyBlock)
    with pytest.raises(AnonymousStateWriteError):
        rt.handle_noauth(usage_key, "write_state")


def test_rebind_drops_edits_made_before_it(rt, alice):
    usage_key = rt.create_block(ToyBlock)
    learner = rt.anonymous_user_id(alice, COURSE)
    response = rt.handle_noauth(usage_key, "postback", body=json.dumps({"learner": learner}),
                                headers={"X-Write-Before-Rebind": "1"})
    assert response.body == b"ok"
    assert rt.user_state(alice, usage_key) == {}
    assert rt.grades[(alice.id, usage_key)].raw_earned == 1
    assert rt.lost_user_state_edits == [(usage_key, ("clicks",))]


def test_rebind_refuses_an_authenticated_binding(rt, alice):
    usage_key = rt.create_block(ToyBlock)
    learner = rt.anonymous_user_id(alice, COURSE)
    response = rt.handle_noauth(usage_key, "postback", body=json.dumps({"learner": learner}), session_user=alice)
    assert response.status_code == 500
    assert isinstance(rt.handler_errors[-1].exception, RebindUserServiceError)
    block = rt.load_block(usage_key, user=alice)
    with pytest.raises(RebindUserServiceError):
        block.runtime.service(block, "rebind_user").rebind_noauth_module_to_user(block, alice)


def test_rebind_rebuilds_user_completion_and_publish_services(rt, alice):
    usage_key = rt.create_block(ToyBlock)
    block = rt.load_block(usage_key)
    assert block.runtime.service(block, "completion") is None
    block.runtime.service(block, "rebind_user").rebind_noauth_module_to_user(block, alice)
    attrs = block.runtime.service(block, "user").get_current_user().opt_attrs
    assert attrs["edx-platform.anonymous_user_id"] == rt.anonymous_user_id(alice, COURSE)
    assert block.runtime.service(block, "completion") is not None
    assert block.scope_ids.user_id == alice.id
    block.runtime.publish(block, "completion", {"completion": 0.5})
    assert rt.completions[(alice.id, usage_key)] == 0.5
    with pytest.raises(RebindUserServiceError):
        block.runtime.service(block, "rebind_user").rebind_noauth_module_to_user(block, alice)


# Grades ---------------------------------------------------------------------------------------------

def test_grades_from_anonymous_are_dropped_and_user_id_is_ignored(rt, alice, bob):
    usage_key = rt.create_block(ToyBlock)
    block = rt.load_block(usage_key)
    block.runtime.publish(block, "grade", {"value": 1, "max_value": 1, "user_id": alice.id})
    assert rt.grades == {} and rt.tracking_log[-1].type == "grade" and rt.tracking_log[-1].user_id is None
    rt.handle(usage_key, "grade", user=bob, json={"value": 1, "max_value": 2, "user_id": alice.id})
    assert list(rt.grades) == [(bob.id, usage_key)]


def test_weighted_score_only_if_higher_and_set_score(rt, alice):
    usage_key = rt.create_block(ScorableToy, fields={"weight": 10.0})
    rt.handle(usage_key, "grade", user=alice, json={"value": 3, "max_value": 4})
    record = rt.grades[(alice.id, usage_key)]
    assert (record.raw_earned, record.raw_possible, record.weighted_earned, record.weighted_possible) == \
        (3, 4, 7.5, 10.0)
    assert rt.user_state(alice, usage_key)["earned"] == 3
    rt.handle(usage_key, "grade", user=alice, json={"value": 1, "max_value": 4, "only_if_higher": True})
    assert rt.grades[(alice.id, usage_key)].raw_earned == 3
    assert [change.applied for change in rt.grades[(alice.id, usage_key)].history] == [True, False]
    rt.handle(usage_key, "grade", user=alice, json={"value": 1, "max_value": 4})
    assert rt.grades[(alice.id, usage_key)].raw_earned == 1


def test_reentrant_publish_from_set_score_is_detected(rt, alice):
    usage_key = rt.create_block(ScorableToy)
    ScorableToy.publish_in_set_score = True
    try:
        with pytest.raises(ReentrantPublishError):
            rt.handle(usage_key, "grade", user=alice, json={"value": 1, "max_value": 1})
    finally:
        ScorableToy.publish_in_set_score = False


@pytest.mark.parametrize("block_class, tracking, expected", [
    (ToyBlock, True, {0.0}),
    (CustomCompletionToy, True, set()),
    (AggregatorToy, True, set()),
    (ToyBlock, False, set()),
])
def test_score_driven_completion(block_class, tracking, expected):
    rt = OpenEdxTestRuntime(completion_tracking=tracking)
    alice = rt.add_user("alice")
    usage_key = rt.create_block(block_class)
    rt.handle(usage_key, "grade", user=alice, json={"value": 0, "max_value": 1, "score_deleted": True})
    assert set(rt.completions.values()) == expected


def test_completion_events(rt, alice):
    usage_key = rt.create_block(CustomCompletionToy)
    rt.handle(usage_key, "complete", user=alice, json={"completion": 0.8})
    rt.handle(usage_key, "complete", user=alice, json={"completion": 0.3})
    assert rt.completions[(alice.id, usage_key)] == 0.3
    assert rt.handle(usage_key, "complete", user=alice, json={"completion": 1.5}).status_code == 500
    assert isinstance(rt.handler_errors[-1].exception, ValueError)
    anonymous = rt.load_block(usage_key)
    anonymous.runtime.publish(anonymous, "completion", {"completion": 1.0})
    assert rt.tracking_log[-1].type == "completion" and len(rt.completions) == 1
    rt.handle(usage_key, "grade", user=alice, json={"value": 1, "max_value": 1})
    assert rt.completions[(alice.id, usage_key)] == 0.3


def test_other_events_go_to_the_tracking_log(rt, alice):
    block = rt.load_block(rt.create_block(ToyBlock), user=alice)
    block.runtime.publish(block, "scorm.launched", {"a": 1})
    assert rt.tracking_log[-1] == ("scorm.launched", {"a": 1}, alice.id, COURSE)


def test_max_score_unbound(rt):
    assert rt.max_score_unbound(rt.create_block(ToyBlock)) == 1.0
    with pytest.raises(UnboundStateAccessError):
        rt.max_score_unbound(rt.create_block(UnscoredStateReader))
    with pytest.raises(AssertionError):
        rt.max_score_unbound(rt.create_block(NoneMaxScore))


# Instructor operations ------------------------------------------------------------------------------

def test_override_score_converts_weighted_to_raw(rt, alice):
    usage_key = rt.create_block(ScorableToy, fields={"weight": 4.0})
    rt.override_score(usage_key, alice, 0.5)
    assert (rt.grades[(alice.id, usage_key)].raw_earned, rt.grades[(alice.id, usage_key)].raw_possible) == \
        (0.125, 0.25)
    assert rt.user_state(alice, usage_key)["earned"] == 0.125
    with pytest.raises(ValueError):
        rt.override_score(usage_key, alice, 2.0)
    zero = rt.create_block(ScorableToy, fields={"weight": 0.0})
    with pytest.raises(ValueError):
        rt.override_score(zero, alice, 0.0)


def test_rescore_skips_learners_without_answers(rt, alice, bob):
    usage_key = rt.create_block(ScorableToy)
    rt.handle(usage_key, "grade", user=alice, json={"value": 0, "max_value": 1})
    rt.handle(usage_key, "click", user=bob, json={})
    assert rt.rescore(usage_key) == {"attempted": 2, "succeeded": 1, "skipped": 1}
    assert rt.grades[(alice.id, usage_key)].raw_earned == 1.0
    with pytest.raises(NotImplementedError):
        rt.rescore(rt.create_block(ToyBlock))


def test_reset_attempts_touches_only_the_attempts_key(rt, alice):
    usage_key = rt.create_block(ToyBlock)
    block = rt.load_block(usage_key, user=alice)
    block.attempts, block.clicks = 3, 2
    block.save()
    rt.reset_attempts(usage_key, alice)
    assert rt.user_state(alice, usage_key) == {"attempts": 0, "clicks": 2}


def test_delete_state_with_clear_student_state(rt, alice, staff):
    usage_key = rt.create_block(ScorableToy)
    rt.handle(usage_key, "grade", user=alice, json={"value": 1, "max_value": 1})
    ScorableToy.cleared.clear()
    rt.delete_student_state(usage_key, alice, requesting_user=staff)
    assert ScorableToy.cleared == [(rt.anonymous_user_id(alice, COURSE), COURSE, str(usage_key),
                                    rt.anonymous_user_id(staff, COURSE))]
    assert rt.user_state(alice, usage_key) == {} and (alice.id, usage_key) not in rt.grades


def test_delete_state_with_clear_student_state_leaves_the_gradebook_as_it_was(rt, alice, staff):
    usage_key = rt.create_block(ScorableToy)
    rt.handle(usage_key, "grade", user=alice, json={"value": 1, "max_value": 1})
    rt.delete_student_state(usage_key, alice, requesting_user=staff)
    # No score-changed signal: the persistent grade is not recalculated.
    assert rt.gradebook[(alice.id, usage_key)] == (1, 1)


def test_load_single_xblock_binds_another_learner_on_the_shared_runtime(rt, alice, staff):
    usage_key = rt.create_block(ToyBlock)
    response = rt.handle(usage_key, "grade_learner", user=staff, json={"user_id": alice.id})
    assert response.json_body == {"now_bound_to": "alice"}
    assert rt.user_state(alice, usage_key) == {"clicks": 3}
    assert (alice.id, usage_key) in rt.grades and (staff.id, usage_key) not in rt.grades
    assert rt.learner_loads == [(usage_key, alice.id)]


def test_load_single_xblock_refuses_unknown_users_and_learners_without_access(rt, alice, staff):
    from crum import get_current_request  # pylint: disable=import-outside-toplevel
    from django.core.exceptions import ObjectDoesNotExist  # pylint: disable=import-outside-toplevel
    from django.http import Http404  # pylint: disable=import-outside-toplevel

    usage_key = rt.create_block(ToyBlock)
    rt.revoke_access(alice, COURSE)
    assert get_current_request() is None    # outside a request, as in a Celery task
    # Uncaught in a handler, both are the view's 500.
    assert rt.handle(usage_key, "grade_learner", user=staff, json={"user_id": alice.id}).status_code == 500
    assert rt.handle(usage_key, "grade_learner", user=staff, json={"user_id": 999}).status_code == 500
    errors = [error.exception for error in rt.handler_errors]
    assert isinstance(errors[0], Http404) and isinstance(errors[1], ObjectDoesNotExist)
    assert rt.learner_loads == []


def test_delete_state_without_clear_student_state_fires_zero_score(rt, alice, staff):
    usage_key = rt.create_block(ToyBlock)
    rt.handle(usage_key, "grade", user=alice, json={"value": 1, "max_value": 1})
    rt.delete_student_state(usage_key, alice, requesting_user=staff)
    record = rt.grades[(alice.id, usage_key)]
    assert (record.raw_earned, record.raw_possible, record.history[-1].score_deleted) == (0, 1.0, True)
    assert rt.gradebook[(alice.id, usage_key)] == (0, 1.0)
    assert rt.completions[(alice.id, usage_key)] == 0.0


# Studio and preview ---------------------------------------------------------------------------------

def test_studio_persists_authored_changes_only_for_authors(rt, alice, staff):
    usage_key = rt.create_block(Editable)
    author = rt.add_user("author", is_course_author=True)
    rt.handle_studio(usage_key, "rename", user=alice, json={"name": "by learner"})
    assert rt.load_block(usage_key).display_name == "Toy"
    response = rt.handle_studio(usage_key, "rename", user=author, json={"name": "by author"})
    assert response.json["url"] == f"/xblock/{usage_key}/handler/click"
    assert rt.load_block(usage_key).display_name == "by author"
    studio_block = rt.load_block(usage_key, user=staff, mode="studio")
    for name in ("rebind_user", "completion"):
        assert studio_block.runtime.service(studio_block, name) is None
    with pytest.raises(InvalidScopeError):
        studio_block.clicks = 1
        studio_block.save()


def test_preview_uses_author_view_and_session_state(rt, staff, alice):
    usage_key = rt.create_block(Editable)
    assert "author 0" in rt.render(usage_key, "student_view", user=staff, mode="preview").content
    assert "student 0" in rt.render(rt.create_block(ToyBlock), user=staff, mode="preview").content
    assert "<form>" in rt.render(usage_key, "studio_view", user=staff, mode="studio").content
    rt.handle_preview(usage_key, "click", user=staff, json={})
    assert rt.user_state(staff, usage_key) == {}          # not in the courseware tables
    assert "author 1" in rt.render(usage_key, user=staff, mode="preview").content
    block = rt.load_block(usage_key, user=staff, mode="preview")
    attrs = block.runtime.service(block, "user").get_current_user().opt_attrs
    assert attrs["edx-platform.anonymous_user_id"] == "student"
    assert "student 0" in rt.render(usage_key, user=alice).content


# OLX, rerun, duplicate ------------------------------------------------------------------------------

def test_olx_export_has_only_set_authored_fields_and_round_trips(rt, alice):
    usage_key = rt.create_block(ToyBlock, block_id="olx1", fields={"display_name": "Named", "cloud_course": "c1"})
    rt.handle(usage_key, "click", user=alice, json={})
    olx = rt.export_olx(usage_key)
    assert 'display_name="Named"' in olx and 'cloud_course="c1"' in olx and 'url_name="olx1"' in olx
    assert "clicks" not in olx and "weight" not in olx
    imported = rt.import_olx(olx, "course-v1:Org+Course+Imported")
    assert str(imported) == "block-v1:Org+Course+Imported+type@toyblock+block@olx1"
    copy = rt.load_block(imported, user=alice)
    assert (copy.display_name, copy.cloud_course, copy.clicks) == ("Named", "c1", 0)


def test_rerun_keeps_block_ids_and_drops_learner_state(rt, alice):
    usage_key = rt.create_block(ToyBlock, block_id="keep", fields={"cloud_course": "c1"})
    rt.handle(usage_key, "click", user=alice, json={})
    mapping = rt.rerun(COURSE, "course-v1:Org+Course+Run2")
    rerun_key = mapping[usage_key]
    assert rerun_key.block_id == "keep" and rerun_key != usage_key
    block = rt.load_block(rerun_key, user=alice)
    assert (block.cloud_course, block.clicks) == ("c1", 0)


def test_duplicate_gets_a_new_block_id(rt):
    usage_key = rt.create_block(ToyBlock, fields={"display_name": "Orig", "cloud_course": "c1"})
    copy_key = rt.duplicate(usage_key)
    assert copy_key.block_id != usage_key.block_id and copy_key.context_key == usage_key.context_key
    copy = rt.load_block(copy_key)
    assert (copy.display_name, copy.cloud_course) == ("Duplicate of 'Orig'", "c1")

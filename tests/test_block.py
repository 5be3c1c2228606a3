"""
ScormCloudXBlock through the faithful Open edX test runtime, against the emulator over real HTTP.

SCORM Cloud's postbacks cannot reach the in-process runtime, so each postback test takes the exact
request the emulator sent (from its delivery log) and replays it into the noauth handler.
"""
import base64
import hashlib
import hmac
import json
from urllib.parse import parse_qs, urlencode, urlsplit

import pytest

from scorm_cloud_xblock import block as block_module, return_url
from scorm_cloud_xblock.block import ResetRefused, ScormCloudXBlock
from scorm_cloud_xblock.client import Learner
from scorm_cloud_xblock.postback import postback_password
pytest.register_assert_rewrite("tests.block_harness")
from tests.block_harness import (  # noqa: E402 (after the assert rewrite is registered)
    COURSE_KEY, GOLF_12, POSTBACK_SECRET, PREFIX, delivered_postbacks, make_runtime, poll_import, register,
    registration_of, replay, set_progress_and_replay,
)

from tests.openedx import BlockRuntime, OpenEdxTestRuntime, RebindUserServiceError  # noqa: E402
from tests.openedx.services import DjangoUserService, RebindUserService  # noqa: E402

pytest_plugins = ["tests.block_harness"]   # the fixtures: rt, alice, unit, cloud, receiver, ...

# --- Learner views -----------------------------------------------------------------------------------


def test_student_view_renders_from_stored_state_without_calling_scorm_cloud(rt, unit, alice, emulator):
    emulator.admin.reset_stats()
    fragment = rt.render(unit, "student_view", user=alice)
    assert "SCORM Cloud" in fragment.content
    assert sum(emulator.admin.stats()["calls"].values()) == 0


def test_first_view_registers_lazily_once(rt, unit, alice, cloud, emulator):
    emulator.admin.reset_stats()
    payload = register(rt, unit, alice)
    expected = registration_of(rt, alice, unit)
    assert payload["registration_id"] == expected
    assert rt.user_state(alice, unit)["registration_id"] == expected
    register(rt, unit, alice)
    assert emulator.admin.stats()["calls"] == {"CreateRegistration": 1}
    assert cloud.registration_exists(expected)


def test_an_id_the_scheme_refuses_is_a_clear_error_and_no_registration(emulator, receiver, golf_course):
    # A malformed ID_PREFIX (or, outside the LMS, a learner id with '-') cannot make a registration id.
    rt = make_runtime(emulator, receiver, ID_PREFIX="no spaces allowed")
    unit = rt.create_block(ScormCloudXBlock, course_key=COURSE_KEY, fields={"cloud_course_id": golf_course.id})
    learner = rt.add_user("learner")
    emulator.admin.reset_stats()
    response = rt.handle(unit, "register", user=learner, json={})
    assert response.status_code == 400
    assert "cannot be registered with SCORM Cloud" in response.json_body["error"]
    assert "registration_id" not in rt.user_state(learner, unit)
    assert emulator.admin.stats()["calls"] == {}


def test_registration_carries_the_learner_and_an_authenticated_postback(rt, unit, alice, cloud):
    register(rt, unit, alice)
    registration = cloud.registration_progress(registration_of(rt, alice, unit))
    assert registration.learner_id == rt.anonymous_user_id(alice, COURSE_KEY)


def test_an_existing_registration_is_adopted(rt, unit, alice, cloud, golf_course):
    registration_id = registration_of(rt, alice, unit)
    cloud.create_registration(registration_id, golf_course.id, Learner(id="someone"), postback=None)
    assert register(rt, unit, alice)["registration_id"] == registration_id


def test_adopting_a_registration_publishes_the_results_scorm_cloud_holds(rt, unit, alice, cloud, golf_course,
                                                                         emulator):
    registration_id = registration_of(rt, alice, unit)
    cloud.create_registration(registration_id, golf_course.id, Learner(id="someone"), postback=None)
    emulator.admin.set_progress(registration_id, registrationCompletion="COMPLETED", score={"scaled": 80})
    payload = register(rt, unit, alice)
    assert (payload["completion"], payload["grade"]) == ("COMPLETED", 8.0)
    assert rt.gradebook[(alice.id, unit)] == (8.0, 10.0)
    assert rt.completions[(alice.id, unit)] == 1.0


def test_failed_creation_keeps_no_registration_id(rt, unit, alice, emulator):
    emulator.admin.inject_faults(api=[{"operation": "CreateRegistration", "status": 503, "times": 10}])
    response = rt.handle(unit, "register", user=alice, json={})
    assert response.status_code == 502
    assert "error" in response.json_body
    assert rt.user_state(alice, unit).get("registration_id") is None
    # The page still renders from stored state.
    assert "scorm-cloud-launch" in rt.render(unit, "student_view", user=alice).content


def test_launch_builds_a_fresh_link_that_returns_through_a_signed_return_url(rt, unit, alice, emulator):
    first = rt.handle(unit, "launch", user=alice, json={"return_url": "https://lms.example.com/unit/1"})
    second = rt.handle(unit, "launch", user=alice, json={"return_url": "https://lms.example.com/unit/1"})
    assert first.status_code == 200, first.body
    assert first.json_body["launch_url"] != second.json_body["launch_url"]
    assert first.json_body["launch_url"] not in rt.render(unit, "student_view", user=alice).content


def return_query(emulator, rt, unit, alice, return_url):
    """Launch, then read the redirectOnExitUrl the emulator holds for the registration."""
    response = rt.handle(unit, "launch", user=alice, json={"return_url": return_url})
    assert response.status_code == 200, response.body
    token = urlsplit(response.json_body["launch_url"]).path.rsplit("/", 1)[-1]
    payload = token.split(".")[0]
    claims = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    return parse_qs(urlsplit(claims["redirect_on_exit_url"]).query)


def test_return_refreshes_progress_and_redirects_to_the_unit(rt, unit, alice, emulator, receiver):
    unit_page = f"http://{receiver.site_name}/courses/x/unit"
    query = return_query(emulator, rt, unit, alice, unit_page)
    registration_id = registration_of(rt, alice, unit)
    emulator.admin.set_progress(registration_id, registrationCompletion="COMPLETED",
                                registrationSuccess="PASSED", score={"scaled": 90}, totalSecondsTracked=60)
    response = rt.handle(unit, "return", user=alice, method="GET",
                         query={k: v[0] for k, v in query.items() if k != "student"})
    assert response.status_code == 302
    assert response.location == unit_page
    grade = rt.grades[(alice.id, unit)]
    assert (grade.weighted_earned, grade.weighted_possible) == (9.0, 10.0)
    assert rt.completions[(alice.id, unit)] == 1.0


def test_return_url_off_site_is_refused(rt, unit, alice, emulator):
    query = return_query(emulator, rt, unit, alice, "https://evil.example.com/phish")
    assert query["next"] == [f"/courses/{COURSE_KEY}/jump_to/{unit}"]


def test_tampered_return_url_goes_to_the_unit(rt, unit, alice, emulator):
    query = return_query(emulator, rt, unit, alice, "https://lms.example.com/unit")
    response = rt.handle(unit, "return", user=alice, method="GET",
                         query={"next": "https://evil.example.com/", "sig": query["sig"][0]})
    assert response.status_code == 302
    assert response.location.endswith(f"/courses/{COURSE_KEY}/jump_to/{unit}")


@pytest.mark.parametrize("return_url", [
    "/\\evil.example/phish", "/\\/evil.example", "\\\\evil.example", "//evil.example/phish",
    "/\t/evil.example", "/\n/evil.example", "https:/\\evil.example", "javascript:alert(1)",
    "http://[evil", 123, ["/x"], {"url": "/x"}, None, "",
])
def test_launch_accepts_only_pages_of_this_site_as_return_url(rt, unit, alice, emulator, return_url):
    query = return_query(emulator, rt, unit, alice, return_url)
    assert query["next"] == [f"/courses/{COURSE_KEY}/jump_to/{unit}"]
    assert rt.handler_errors == []


def return_as(rt, unit, user, query):
    response = rt.handle(unit, "return", user=user, method="GET", query=query)
    assert response.status_code == 302, response.body
    return response.location


def test_a_captured_exit_url_redirects_only_its_learner_on_its_component(rt, unit, alice, emulator, golf_course):
    unit_page = "/courses/x/unit/7"
    query = {k: v[0] for k, v in return_query(emulator, rt, unit, alice, unit_page).items()}
    assert return_as(rt, unit, alice, query) == unit_page
    bob = rt.add_user("bob")
    assert return_as(rt, unit, bob, query) == f"/courses/{COURSE_KEY}/jump_to/{unit}"
    other = rt.create_block(ScormCloudXBlock, course_key=COURSE_KEY, fields={"cloud_course_id": golf_course.id})
    assert return_as(rt, other, alice, query) == f"/courses/{COURSE_KEY}/jump_to/{other}"


def test_return_signatures_are_not_keyed_like_postback_passwords(rt, unit, alice):
    # The former signature, HMAC(POSTBACK_SECRET, next), is what anyone holding one exit URL had.
    next_url = "/courses/x/elsewhere"
    old_sig = hmac.new(POSTBACK_SECRET.encode(), next_url.encode(), hashlib.sha256).hexdigest()
    assert return_as(rt, unit, alice, {"next": next_url, "sig": old_sig}) == f"/courses/{COURSE_KEY}/jump_to/{unit}"
    assert return_url.signature(POSTBACK_SECRET, unit, rt.anonymous_user_id(alice, COURSE_KEY), next_url) != \
        postback_password(POSTBACK_SECRET, next_url)


def test_return_checks_the_signed_url_again(rt, unit, alice):
    # Signed with the real key (as an older release might have), yet not a page of this site.
    target = "/\\evil.example/phish"
    sig = return_url.signature(POSTBACK_SECRET, unit, rt.anonymous_user_id(alice, COURSE_KEY), target)
    assert return_as(rt, unit, alice, {"next": target, "sig": sig}) == f"/courses/{COURSE_KEY}/jump_to/{unit}"


@pytest.mark.parametrize("query", [
    {"next": "/courses/x", "sig": "\u00e9" * 64}, {"next": "/courses/x", "sig": "0" * 64},
    {"next": "/courses/x", "sig": ""}, {"next": "/courses/x"}, {"sig": "0" * 64},
    "next=/courses/x&sig=%ff%fe", "next=%ff&sig=%c3%a9",
])
def test_return_with_a_bad_signature_goes_to_the_unit(rt, unit, alice, query):
    assert return_as(rt, unit, alice, query) == f"/courses/{COURSE_KEY}/jump_to/{unit}"
    assert rt.handler_errors == []


# --- Postbacks -------------------------------------------------------------------------------------


def test_postback_rebinds_merges_and_publishes_grade_and_completion(rt, unit, alice, emulator, receiver):
    register(rt, unit, alice)
    registration_id = registration_of(rt, alice, unit)
    response, _ = set_progress_and_replay(rt, emulator, receiver, unit, registration_id, registrationCompletion="COMPLETED",
                                          registrationSuccess="PASSED", score={"scaled": 80},
                                          totalSecondsTracked=300)
    assert response.status_code == 200, response.body
    assert rt.rebind_calls == [(unit, alice.id)]
    grade = rt.grades[(alice.id, unit)]
    assert (grade.weighted_earned, grade.weighted_possible) == (8.0, 10.0)
    assert rt.completions[(alice.id, unit)] == 1.0
    assert rt.user_state(alice, unit)["learner_progress"]["score"] == 80


def test_a_postback_carrying_another_users_session_is_refused_not_a_500(rt, unit, alice, emulator, receiver):
    # The noauth view binds the block to request.user: a browser with an LMS session sends one.
    register(rt, unit, alice)
    emulator.admin.set_progress(registration_of(rt, alice, unit), registrationCompletion="COMPLETED",
                                score={"scaled": 80})
    posted = delivered_postbacks(emulator, receiver)[-1]
    headers = {name: value for name, value in posted["headers"].items()
               if name.lower() in ("content-type", "authorization")}
    bob = rt.add_user("bob")
    response = rt.handle_noauth(unit, "postback", body=posted["body"], headers=headers, session_user=bob)
    assert response.status_code == 403
    assert rt.handler_errors == [] and rt.grades == {}
    # The learner's own session is no obstacle: nothing to rebind.
    response = rt.handle_noauth(unit, "postback", body=posted["body"], headers=headers, session_user=alice)
    assert response.status_code == 200, response.body
    assert rt.grades[(alice.id, unit)].weighted_earned == 8.0


@pytest.mark.parametrize("broken", ["lookup", "rebind"])
def test_a_platform_that_cannot_rebind_answers_503_so_scorm_cloud_retries(rt, unit, alice, emulator, receiver,
                                                                           monkeypatch, broken):
    register(rt, unit, alice)
    emulator.admin.set_progress(registration_of(rt, alice, unit), registrationCompletion="COMPLETED")
    posted = delivered_postbacks(emulator, receiver)[-1]
    if broken == "lookup":
        monkeypatch.delattr(DjangoUserService, "get_user_by_anonymous_id")
    else:
        def refuse(self, block, real_user):
            raise RebindUserServiceError("rebind_noauth_module_to_user can only be called from a module bound "
                                         "to an anonymous user")
        monkeypatch.setattr(RebindUserService, "rebind_noauth_module_to_user", refuse)
    response = replay(rt, unit, posted)
    assert response.status_code == 503
    assert rt.handler_errors == [] and rt.grades == {}
    monkeypatch.undo()
    assert replay(rt, unit, posted).status_code == 200


def test_the_emulator_posts_to_the_absolute_noauth_handler(rt, unit, alice, emulator, receiver):
    register(rt, unit, alice)
    registration_id = registration_of(rt, alice, unit)
    emulator.admin.set_progress(registration_id, registrationCompletion="INCOMPLETE")
    posted = delivered_postbacks(emulator, receiver)[-1]
    assert posted["path"] == f"/courses/{COURSE_KEY}/xblock/{unit}/handler_noauth/postback"
    assert posted["headers"]["Authorization"].startswith("Basic ")


def test_postback_base_url_replaces_the_lms_scheme_and_host(emulator, receiver, golf_course, caplog, monkeypatch):
    # The LMS builds http://SITE_NAME/... (HTTPS is not "on"); the operator knows where it is reachable.
    rt = OpenEdxTestRuntime(xblock_settings={"ScormCloudXBlock": {
        "APP_ID": "test-app", "SECRET_KEY": "test-secret", "BASE_URL": emulator.api_url,
        "POSTBACK_SECRET": POSTBACK_SECRET, "ID_PREFIX": PREFIX,
        "POSTBACK_BASE_URL": f"http://{receiver.site_name}"}}, site_name="lms.invalid", https=False)
    alice, bob = rt.add_user("alice"), rt.add_user("bob")
    unit = rt.create_block(ScormCloudXBlock, course_key=COURSE_KEY, fields={"cloud_course_id": golf_course.id})
    monkeypatch.setattr(block_module, "_PLAIN_HTTP_WARNED", set())
    with caplog.at_level("WARNING", logger="scorm_cloud_xblock.block"):
        register(rt, unit, alice)
        register(rt, unit, bob)
    # Once for the site, not once per learner.
    assert len([record for record in caplog.records if "plain http" in record.getMessage()]) == 1
    emulator.admin.set_progress(registration_of(rt, alice, unit), registrationCompletion="COMPLETED")
    posted = delivered_postbacks(emulator, receiver)[-1]
    assert posted["path"] == f"/courses/{COURSE_KEY}/xblock/{unit}/handler_noauth/postback"
    assert replay(rt, unit, posted).status_code == 200


def test_a_bad_postback_base_url_is_logged_and_the_lms_url_kept(emulator, receiver, golf_course, caplog):
    rt = make_runtime(emulator, receiver, POSTBACK_BASE_URL="lms.example.com")
    alice = rt.add_user("alice")
    unit = rt.create_block(ScormCloudXBlock, course_key=COURSE_KEY, fields={"cloud_course_id": golf_course.id})
    with caplog.at_level("ERROR", logger="scorm_cloud_xblock.block"):
        register(rt, unit, alice)
    assert "POSTBACK_BASE_URL" in caplog.text
    emulator.admin.set_progress(registration_of(rt, alice, unit), registrationCompletion="COMPLETED")
    assert delivered_postbacks(emulator, receiver)


def test_without_a_postback_url_the_registration_is_created_and_the_error_logged(rt, unit, alice, emulator,
                                                                                 receiver, monkeypatch, caplog):
    # Where the platform cannot build third-party handler URLs (Studio raises NotImplementedError).
    platform_url = BlockRuntime.handler_url

    def no_third_party(self, block, handler_name, suffix="", query="", thirdparty=False):
        if thirdparty:
            raise NotImplementedError("no third-party handler URLs here")
        return platform_url(self, block, handler_name, suffix, query)

    monkeypatch.setattr(BlockRuntime, "handler_url", no_third_party)
    with caplog.at_level("ERROR", logger="scorm_cloud_xblock.block"):
        register(rt, unit, alice)
    assert "will not post results" in caplog.text
    emulator.admin.set_progress(registration_of(rt, alice, unit), registrationCompletion="COMPLETED")
    assert delivered_postbacks(emulator, receiver) == []
    # The refresh on return still brings the result in.
    assert rt.handle(unit, "progress", user=alice, json={"refresh": True}).json_body["completion"] == "COMPLETED"


@pytest.mark.parametrize("authorization, status", [
    (None, 401),
    ("Basic " + base64.b64encode(b"x:y").decode(), 403),
    ("Basic !!!", 400),
])
def test_postback_without_valid_credentials_is_refused(rt, unit, alice, emulator, authorization, status):
    register(rt, unit, alice)
    headers = {"Content-Type": "application/json"}
    if authorization:
        headers["Authorization"] = authorization
    response = rt.handle_noauth(unit, "postback", body=b'{"id": "x"}', headers=headers)
    assert response.status_code == status
    assert (alice.id, unit) not in rt.grades


def test_forged_password_for_a_real_registration_changes_nothing(rt, unit, alice, emulator):
    register(rt, unit, alice)
    registration_id = registration_of(rt, alice, unit)
    token = base64.b64encode(f"{registration_id}:{'0' * 64}".encode()).decode()
    response = rt.handle_noauth(unit, "postback", headers={
        "Content-Type": "application/json", "Authorization": f"Basic {token}"},
        body=json.dumps({"id": registration_id, "registrationCompletion": "COMPLETED"}).encode())
    assert response.status_code == 403
    assert (alice.id, unit) not in rt.grades


def test_malformed_postbacks_answer_4xx_never_500(rt, unit, alice):
    register(rt, unit, alice)
    for body, content_type in [(b"\xff\xfe", "application/json"), (b"data=%7B", "application/x-www-form-urlencoded"),
                               (b"<xml/>", "text/xml"), (b"", "")]:
        response = rt.handle_noauth(unit, "postback", body=body, headers={"Content-Type": content_type})
        assert 400 <= response.status_code < 500, (body, response.status_code)
    assert rt.handler_errors == []


@pytest.mark.parametrize("content_type, status", [
    ("application/json; charset=latin-1", 400),
    ("application/json; charset=UTF-8", 200),
    ("application/json", 200),
])
def test_postback_charset_is_checked_through_the_handler(rt, unit, alice, emulator, receiver, content_type, status):
    register(rt, unit, alice)
    emulator.admin.set_progress(registration_of(rt, alice, unit), registrationCompletion="COMPLETED")
    posted = delivered_postbacks(emulator, receiver)[-1]
    response = rt.handle_noauth(unit, "postback", body=posted["body"], headers={
        "Content-Type": content_type, "Authorization": posted["headers"]["Authorization"]})
    assert response.status_code == status, response.body
    if status == 400:
        assert "charset" in response.json_body["error"]


def test_postback_for_a_learner_without_that_registration_is_404(rt, unit, alice):
    registration_id = registration_of(rt, alice, unit)   # alice never viewed the unit
    token = base64.b64encode(f"{registration_id}:{postback_password(POSTBACK_SECRET, registration_id)}".encode())
    response = rt.handle_noauth(unit, "postback", body=json.dumps({"id": registration_id}).encode(),
                                headers={"Content-Type": "application/json",
                                         "Authorization": f"Basic {token.decode()}"})
    assert response.status_code == 404


def test_form_postbacks_are_accepted(rt, unit, alice, emulator, receiver):
    register(rt, unit, alice)
    registration_id = registration_of(rt, alice, unit)
    emulator.admin.set_progress(registration_id, registrationCompletion="COMPLETED", score={"scaled": 50})
    body = delivered_postbacks(emulator, receiver)[-1]["body"].decode()
    response = rt.handle_noauth(unit, "postback", body=urlencode({
        "data": body, "username": registration_id,
        "password": postback_password(POSTBACK_SECRET, registration_id)}).encode(),
        headers={"Content-Type": "application/x-www-form-urlencoded"})
    assert response.status_code == 200, response.body
    assert rt.grades[(alice.id, unit)].weighted_earned == 5.0


def test_stale_and_duplicate_postbacks_never_regress_the_grade(rt, unit, alice, emulator, receiver):
    register(rt, unit, alice)
    registration_id = registration_of(rt, alice, unit)
    _, early = set_progress_and_replay(rt, emulator, receiver, unit, registration_id,
                                       registrationCompletion="INCOMPLETE", score={"scaled": 30})
    response, late = set_progress_and_replay(rt, emulator, receiver, unit, registration_id,
                                             registrationCompletion="COMPLETED", score={"scaled": 95})
    assert rt.grades[(alice.id, unit)].weighted_earned == 9.5
    # The earlier postback arrives late, then the newest one again.
    assert replay(rt, unit, early).json_body["result"] == "stale-update"
    assert replay(rt, unit, late).json_body["result"] == "duplicate"
    assert rt.grades[(alice.id, unit)].weighted_earned == 9.5
    assert rt.completions[(alice.id, unit)] == 1.0


def test_a_new_course_version_keeps_the_grade_and_completion_already_earned(rt, unit, alice, emulator, receiver,
                                                                            cloud):
    register(rt, unit, alice)
    registration_id = registration_of(rt, alice, unit)
    set_progress_and_replay(rt, emulator, receiver, unit, registration_id, registrationCompletion="COMPLETED",
                            registrationSuccess="PASSED", score={"scaled": 90})
    assert rt.gradebook[(alice.id, unit)] == (9.0, 10.0)
    # The author re-imports; SCORM Cloud starts a new instance at the learner's next launch.
    cloud.new_registration_instance(registration_id)
    response, _ = set_progress_and_replay(rt, emulator, receiver, unit, registration_id,
                                          registrationCompletion="INCOMPLETE", score={"scaled": 30})
    assert response.json_body["result"] == "new-instance"
    assert rt.gradebook[(alice.id, unit)] == (9.0, 10.0)
    assert rt.completions[(alice.id, unit)] == 1.0
    assert all(change.raw_earned == 9.0 for change in rt.grades[(alice.id, unit)].history)
    # The unit shows the current attempt, and what the earlier version earned.
    shown = rt.handle(unit, "progress", user=alice, json={}).json_body
    assert (shown["completion"], shown["score"], shown["grade"]) == ("INCOMPLETE", 30, 9.0)
    assert shown["earlier"] == {"completed": True, "best_score": 90}
    assert "scorm-cloud-earlier" in rt.render(unit, "student_view", user=alice).content
    # The new version grades again once it does better.
    set_progress_and_replay(rt, emulator, receiver, unit, registration_id, registrationCompletion="COMPLETED",
                            score={"scaled": 95})
    assert rt.gradebook[(alice.id, unit)] == (9.5, 10.0)
    # Rescoring keeps the best too; an instructor override still wins.
    rt.rescore(unit)
    assert rt.gradebook[(alice.id, unit)] == (9.5, 10.0)
    rt.override_score(unit, alice, 2.0)
    assert rt.gradebook[(alice.id, unit)] == (2.0, 10.0)


# --- Grading, staff tools --------------------------------------------------------------------------


def test_max_score_is_read_unbound_from_settings(rt, unit):
    assert rt.max_score_unbound(unit) == 10.0


def test_instructor_override_wins_over_later_postbacks(rt, unit, alice, emulator, receiver):
    register(rt, unit, alice)
    registration_id = registration_of(rt, alice, unit)
    set_progress_and_replay(rt, emulator, receiver, unit, registration_id, registrationCompletion="COMPLETED",
                            score={"scaled": 40})
    rt.override_score(unit, alice, 7.0)
    assert rt.grades[(alice.id, unit)].weighted_earned == 7.0
    set_progress_and_replay(rt, emulator, receiver, unit, registration_id, score={"scaled": 60})
    assert rt.grades[(alice.id, unit)].weighted_earned == 7.0
    rt.rescore(unit)
    assert rt.grades[(alice.id, unit)].weighted_earned == 6.0


def test_delete_learner_state_starts_a_new_instance_and_refuses_older_postbacks(rt, unit, alice, emulator, cloud, receiver):
    register(rt, unit, alice)
    registration_id = registration_of(rt, alice, unit)
    _, before = set_progress_and_replay(rt, emulator, receiver, unit, registration_id,
                                        registrationCompletion="COMPLETED", score={"scaled": 70})
    staff = rt.add_user("staff", is_staff=True)
    rt.delete_student_state(unit, alice, requesting_user=staff)
    fresh = cloud.registration_progress(registration_id)
    assert (fresh.instance, fresh.completion) == (1, "UNKNOWN")
    assert rt.user_state(alice, unit) == {}
    register(rt, unit, alice)   # adopts the registration, now on its new instance
    assert replay(rt, unit, before).json_body["result"] == "stale-instance"
    assert rt.user_state(alice, unit).get("learner_progress", {}).get("score") is None


def test_delete_learner_state_shows_zero_of_max_and_only_the_new_instance_grades_again(
        rt, unit, alice, emulator, receiver):
    register(rt, unit, alice)
    registration_id = registration_of(rt, alice, unit)
    first, old_attempt = set_progress_and_replay(rt, emulator, receiver, unit, registration_id,
                                                 registrationCompletion="COMPLETED", score={"scaled": 70})
    assert first.status_code == 200, first.body
    assert rt.gradebook[(alice.id, unit)] == (7.0, 10.0)
    staff = rt.add_user("staff", is_staff=True)
    rt.delete_student_state(unit, alice, requesting_user=staff)
    assert rt.gradebook[(alice.id, unit)] == (0.0, 10.0)
    assert (alice.id, unit) not in rt.grades   # the StudentModule row went with the state
    assert rt.completions[(alice.id, unit)] == 0.0
    assert rt.user_state(alice, unit) == {}
    # A late postback about the old attempt: before the learner is back our record has no registration.
    assert replay(rt, unit, old_attempt).status_code == 404
    register(rt, unit, alice)
    assert replay(rt, unit, old_attempt).json_body["result"] == "stale-instance"
    assert rt.gradebook[(alice.id, unit)] == (0.0, 10.0)
    # The new attempt grades again.
    response, _ = set_progress_and_replay(rt, emulator, receiver, unit, registration_id,
                                          registrationCompletion="COMPLETED", score={"scaled": 40})
    assert response.json_body["result"] == "applied"
    assert rt.gradebook[(alice.id, unit)] == (4.0, 10.0)
    assert rt.completions[(alice.id, unit)] == 1.0


def test_olx_export_holds_no_secret(rt, unit):
    olx = rt.export_olx(unit)
    for secret in (POSTBACK_SECRET, "test-secret"):
        assert secret not in olx
    assert "golf-12" in olx


# --- Studio ------------------------------------------------------------------------------------------


def test_studio_upload_imports_and_shows_title_and_standard(rt, empty_unit, author, scorm_packages):
    with open(scorm_packages / "golf_RuntimeBasicCalls_SCORM20043rdEdition.zip", "rb") as package:
        response = rt.handle_studio(empty_unit, "import_package", user=author,
                                    files={"package": ("golf.zip", package, "application/zip")})
    assert response.status_code == 200, response.body
    status = poll_import(rt, empty_unit, author)
    assert status["status"] == "COMPLETE"
    assert status["learning_standard"] == "SCORM20043RDEDITION"
    assert status["title"]
    assert status["course_id"].startswith(f"{PREFIX}-")


def test_reimport_makes_a_new_version_of_the_same_course(rt, empty_unit, author, scorm_packages):
    versions = []
    for _ in range(2):
        with open(scorm_packages / GOLF_12, "rb") as package:
            rt.handle_studio(empty_unit, "import_package", user=author,
                             files={"package": ("golf.zip", package, "application/zip")})
        versions.append(poll_import(rt, empty_unit, author))
    assert versions[0]["course_id"] == versions[1]["course_id"]
    assert versions[1]["version"] == versions[0]["version"] + 1


def test_studio_upload_of_a_bad_package_reports_the_cloud_error_and_keeps_the_course(
        rt, unit, author, scorm_packages):
    with open(scorm_packages / "edge_invalid_no_manifest.zip", "rb") as package:
        rt.handle_studio(unit, "import_package", user=author,
                         files={"package": ("bad.zip", package, "application/zip")})
    status = poll_import(rt, unit, author)
    assert status["status"] == "ERROR"
    assert "imsmanifest.xml" in status["message"]
    assert status["course_id"] == "golf-12"


def test_studio_upload_without_a_file_is_a_clear_400(rt, empty_unit, author):
    response = rt.handle_studio(empty_unit, "import_package", user=author, form={"other": "x"})
    assert response.status_code == 400
    assert "package" in response.json_body["message"]


def test_link_an_existing_cloud_course(rt, empty_unit, author, golf_course):
    listed = rt.handle_studio(empty_unit, "cloud_courses", user=author, json={}).json_body["courses"]
    assert [c["id"] for c in listed] == [golf_course.id]
    linked = rt.handle_studio(empty_unit, "link_course", user=author, json={"course_id": golf_course.id}).json_body
    assert linked["title"] == golf_course.title


def test_import_url_refuses_non_http_urls(rt, empty_unit, author):
    response = rt.handle_studio(empty_unit, "import_url", user=author, json={"url": "file:///etc/passwd"})
    assert response.status_code == 400


def test_author_view_renders_in_studio_without_third_party_urls(rt, unit, author):
    fragment = rt.render(unit, "author_view", user=author, mode="studio")
    assert "scorm-cloud-preview" in fragment.content


def test_scorm_cloud_rejecting_our_credentials_is_a_clear_error(emulator, receiver, golf_course):
    rt = make_runtime(emulator, receiver, SECRET_KEY="wrong")
    learner = rt.add_user("bob")
    usage_key = rt.create_block(ScormCloudXBlock, course_key=COURSE_KEY, fields={"cloud_course_id": golf_course.id})
    response = rt.handle(usage_key, "launch", user=learner, json={})
    assert response.status_code == 502
    assert "site administrator" in response.json_body["error"]
    assert rt.user_state(learner, usage_key).get("registration_id") is None


@pytest.mark.parametrize("values, accepted", [
    ({"weight": 5.0, "grading_rule": "success"}, True),
    ({"weight": 0.0}, False),
    ({"grading_rule": "best-guess"}, False),
])
def test_studio_settings_are_validated(rt, empty_unit, author, values, accepted):
    response = rt.handle_studio(empty_unit, "submit_studio_edits", user=author,
                                json={"values": values, "defaults": []})
    assert (response.status_code == 200) is accepted, response.body
    block = rt.load_block(empty_unit, user=author, mode="studio")
    for name, value in values.items():
        assert (getattr(block, name) == value) is accepted


@pytest.mark.parametrize("status", [503, 401])
def test_a_reset_scorm_cloud_refuses_deletes_nothing_and_says_so(rt, unit, alice, emulator, receiver, status):
    register(rt, unit, alice)
    registration_id = registration_of(rt, alice, unit)
    set_progress_and_replay(rt, emulator, receiver, unit, registration_id, registrationCompletion="COMPLETED",
                            score={"scaled": 70})
    before = rt.user_state(alice, unit)
    staff = rt.add_user("staff", is_staff=True)
    emulator.admin.inject_faults(api=[{"operation": "CreateNewRegistrationInstance", "status": status,
                                       "times": 10}])
    # Raised from clear_student_state, the platform deletes nothing and the instructor sees an error.
    with pytest.raises(ResetRefused, match=registration_id):
        rt.delete_student_state(unit, alice, requesting_user=staff)
    assert rt.user_state(alice, unit) == before
    assert rt.gradebook[(alice.id, unit)] == (7.0, 10.0)
    emulator.admin.clear_faults()
    rt.delete_student_state(unit, alice, requesting_user=staff)
    assert rt.user_state(alice, unit) == {}
    assert rt.gradebook[(alice.id, unit)] == (0.0, 10.0)


def test_a_return_url_that_is_not_valid_unicode_goes_to_the_unit(rt, unit, alice):
    response = rt.handle(unit, "launch", user=alice, body='{"return_url": "/\\ud800"}',
                         headers={"Content-Type": "application/json"})
    assert response.status_code == 200, response.body
    assert rt.handler_errors == []

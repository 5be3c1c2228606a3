"""The player mounted behind the emulator's launch links, over real HTTP: sessions, storage, rollup, postbacks.

The player's own behaviour (launch data, content serving, exit targets) is tested standalone in
test_player.py; here the backend is the emulator's storage and commits are posted the way player.js
posts them.
"""
import json
import sqlite3
import threading
import time
import zipfile
from urllib.parse import urlsplit

import pytest
import requests
from rustici_software_cloud_v2 import RegistrationApi

from scorm_cloud_emulator import rollup
from scorm_cloud_emulator.config import EmulatorConfig
from scorm_cloud_emulator.launch import LaunchClaims, sign_launch_token
from scorm_cloud_emulator.packages import Activity
from scorm_cloud_emulator.server import EmulatorServer
from scorm_cloud_emulator.storage import Storage
from scorm_cloud_emulator.sessions import (
    SESSION_IDLE_SECONDS,
    activity_from_course_json,
    activity_from_record,
    activity_record,
    course_tree,
    learner_name,
    rollup_instance,
)
from scorm_cloud_xblock.client import Learner, PostBack, ScormCloudClient
from tests.test_official_client import official_client

from .test_api import GOLF_12, GOLF_2004, import_course, session_for
from .test_player import GOLF_MINIMUM, commit_12
from .test_postbacks import Receiver

COURSE_TITLE = "Golf Explained - Run-time Basic Calls"


@pytest.fixture
def api(emulator):
    return session_for(emulator)


@pytest.fixture
def client(emulator):
    with ScormCloudClient(emulator.config.app_id, emulator.config.secret_key,
                          base_url=emulator.api_url + "/") as client:
        yield client


@pytest.fixture
def receiver():
    with Receiver() as receiver:
        yield receiver


@pytest.fixture
def golf(api, emulator, scorm_packages):
    """The single-SCO SCORM 1.2 golf course, as course "golf"."""
    return import_course(api, emulator, scorm_packages / GOLF_12, "golf")["importResult"]["course"]


def register(client, registration_id="r1", course_id="golf", postback=None):
    client.create_registration(registration_id, course_id, Learner("learner-1", "Jane", "Doe"), postback)


def open_player(link):
    """Follow a launch link to the player page; return the player's base URL (ends with /)."""
    page = requests.get(link)
    assert page.status_code == 200, page.text
    assert urlsplit(page.url).path.startswith("/player/")
    return page.url


def player_config(base):
    text = requests.get(base).text
    return json.loads(text.split('id="player-config">')[1].split("</script>")[0])


def launch(client, registration_id="r1", redirect="http://127.0.0.1/back"):
    return open_player(client.launch_link(registration_id, redirect))


def commit(base, sco_id, body, terminate=False):
    """POST a commit like player.js does (scorm-again's JSON, sent as text/plain by a beacon or XHR)."""
    response = requests.post(f"{base}runtime/{sco_id}" + ("?terminate=true" if terminate else ""),
                             data=json.dumps(body), headers={"Content-Type": "application/json;charset=UTF-8"})
    return response


def runtime(base, sco_id):
    response = requests.get(f"{base}runtime/{sco_id}")
    assert response.status_code == 200, response.text
    return response.json()["cmi"]


# -- launching ---------------------------------------------------------------------------------------

def test_launch_link_opens_the_player_for_the_registrations_learner(emulator, client, golf):
    register(client)
    base = launch(client)
    config = player_config(base)
    assert config["title"] == COURSE_TITLE
    assert config["standard"] == "SCORM12"
    assert [sco["id"] for sco in config["scos"]] == ["item_1"]
    assert config["tracking"] is True
    assert runtime(base, "item_1")["core"] == {
        "student_id": "learner-1", "student_name": "Doe, Jane", "credit": "credit", "lesson_mode": "normal",
        "entry": "ab-initio"}
    # Every launch opens its own session, named by an unguessable id.
    other = launch(client)
    session_ids = [urlsplit(url).path.split("/")[2] for url in (base, other)]
    assert session_ids[0] != session_ids[1]
    assert all(len(session_id) >= 40 for session_id in session_ids)


def test_start_sco_of_the_launch_link_opens_that_sco_first(emulator, api, scorm_packages):
    import_course(api, emulator, scorm_packages / GOLF_MINIMUM, "multi")
    api.post(f"{emulator.api_url}/registrations", json={"courseId": "multi", "registrationId": "r1",
                                                         "learner": {"id": "l"}})
    plain = player_config(open_player(api.post(f"{emulator.api_url}/registrations/r1/launchLink",
                                               json={"redirectOnExitUrl": "blank"}).json()["launchLink"]))
    link = api.post(f"{emulator.api_url}/registrations/r1/launchLink",
                    json={"redirectOnExitUrl": "blank", "startSco": plain["scos"][3]["id"]}).json()["launchLink"]
    assert player_config(open_player(link))["start"] == 3
    assert plain["start"] == 0


def test_tampered_and_expired_links_get_a_readable_refusal(emulator, client, golf):
    register(client)
    link = client.launch_link("r1", "blank")
    prefix, token = link.rsplit("/", 1)
    payload, signature = token.split(".")
    forged = LaunchClaims(course_id="golf", course_version=0, registration_id="r1", instance=0,
                          redirect_on_exit_url="blank", expires=int(time.time()) + 60)
    for bad in (f"{prefix}/{payload}.{signature[::-1]}", f"{prefix}/{sign_launch_token(forged, b'wrong key')}"):
        response = requests.get(bad)
        assert response.status_code == 403
        assert response.headers["Content-Type"].startswith("text/html")
        assert "This launch link is not valid." in response.text
    expired = LaunchClaims(course_id="golf", course_version=0, registration_id="r1", instance=0,
                           redirect_on_exit_url="blank", expires=int(time.time()) - 1)
    response = requests.get(f"{prefix}/{sign_launch_token(expired, emulator.app.launch_key)}")
    assert response.status_code == 403
    assert "This launch link has expired" in response.text


def test_deleting_the_registration_refuses_its_links_and_ends_its_sessions(emulator, client, golf):
    register(client)
    link = client.launch_link("r1", "blank", expiry=300)
    base = launch(client)
    client.delete_registration("r1")
    refused = requests.get(link)
    assert refused.status_code == 404
    assert "This registration no longer exists." in refused.text
    assert requests.get(base).status_code == 404
    assert commit(base, "item_1", commit_12("passed", raw="90")).status_code == 404


def test_deleting_the_course_refuses_its_preview_links(emulator, client, golf):
    link = client.course_preview_link("golf", "blank", expiry=300)
    base = open_player(link)
    client.delete_course("golf")
    refused = requests.get(link)
    assert refused.status_code == 404
    assert "This course no longer exists." in refused.text
    assert "Session not found" in requests.get(base).text


def test_a_session_serves_its_course_version_only(emulator, api, client, scorm_packages, golf):
    import_course(api, emulator, scorm_packages / GOLF_2004, "golf", mayCreateNewVersion="true")
    version_0 = open_player(client.course_preview_link("golf", "blank", version=0))
    version_1 = open_player(client.course_preview_link("golf", "blank", version=1))
    assert player_config(version_0)["standard"] == "SCORM12"
    assert player_config(version_1)["standard"] == "SCORM2004"
    for base, package in ((version_0, GOLF_12), (version_1, GOLF_2004)):
        with zipfile.ZipFile(scorm_packages / package) as archive:
            expected = archive.read("shared/launchpage.html")
        assert requests.get(base + "content/shared/launchpage.html").content == expected
    # The 2004 schema files are only in version 1's package, and nothing leads out of a package.
    assert requests.get(version_1 + "content/adlcp_v1p3.xsd").status_code == 200
    assert requests.get(version_0 + "content/adlcp_v1p3.xsd").status_code == 404
    assert requests.get(version_0 + "content/../1/adlcp_v1p3.xsd").status_code == 404
    assert requests.get(version_0 + "content/%2e%2e/1/adlcp_v1p3.xsd").status_code == 404


def test_launching_after_a_new_course_version_runs_a_fresh_instance_on_it(emulator, api, client, scorm_packages,
                                                                           golf):
    register(client)
    first = launch(client)
    assert commit(first, "item_1", commit_12("passed", raw="90"), terminate=True).status_code == 200
    import_course(api, emulator, scorm_packages / GOLF_2004, "golf", mayCreateNewVersion="true")
    base = launch(client)
    config = player_config(base)
    assert config["standard"] == "SCORM2004"
    assert runtime(base, config["scos"][0]["id"])["entry"] == "ab-initio"
    progress = client.registration_progress("r1")
    assert (progress.instance, progress.course_version, progress.completion) == (1, 1, "UNKNOWN")


def test_an_untracked_launch_after_a_new_course_version_starts_no_instance(emulator, api, client, scorm_packages,
                                                                          golf):
    register(client)
    import_course(api, emulator, scorm_packages / GOLF_2004, "golf", mayCreateNewVersion="true")
    link = api.post(f"{emulator.api_url}/registrations/r1/launchLink",
                    json={"redirectOnExitUrl": "blank", "tracking": False}).json()["launchLink"]
    config = player_config(open_player(link))
    assert (config["tracking"], config["standard"]) == (False, "SCORM12")  # the registration's own version
    instances = api.get(f"{emulator.api_url}/registrations/r1/instances").json()["registrations"]
    assert [(item["instance"], item["course"]["version"]) for item in instances] == [(0, 0)]
    # The next tracked launch is the one that moves the learner to the new version.
    launch(client)
    progress = client.registration_progress("r1")
    assert (progress.instance, progress.course_version) == (1, 1)


# -- commits, progress and postbacks ----------------------------------------------------------------

def test_a_commit_updates_progress_and_delivers_one_postback(emulator, client, golf, receiver):
    register(client, postback=PostBack(receiver.url, "user", "pass"))
    base = launch(client)
    assert client.registration_progress("r1").completion == "UNKNOWN"

    body = commit_12("passed", raw="85", total_time="00:01:30")
    assert commit(base, "item_1", body, terminate=True).json() == {"result": "true", "errorCode": 0}
    progress = client.registration_progress("r1")
    assert (progress.completion, progress.success, progress.score) == ("COMPLETED", "PASSED", 85)
    assert progress.total_seconds == 90
    assert progress.first_access is not None and progress.last_access is not None
    assert progress.completed_date is not None

    # The same data again changes nothing, so nothing new is posted back.
    assert commit(base, "item_1", body).status_code == 200
    emulator.admin.flush_postbacks()
    payloads = receiver.payloads()
    assert len(payloads) == 1
    assert payloads[0]["id"] == "r1"
    assert payloads[0]["registrationCompletion"] == "COMPLETED"
    assert payloads[0]["registrationSuccess"] == "PASSED"
    assert payloads[0]["score"] == {"scaled": 85}
    assert payloads[0]["totalSecondsTracked"] == 90


def test_a_second_launch_resumes_where_the_learner_suspended(emulator, client, golf):
    register(client)
    first = launch(client)
    suspended = commit_12("incomplete", exit_="suspend", location="7", suspend_data="page=7")
    assert commit(first, "item_1", suspended, terminate=True).status_code == 200
    second = launch(client)
    assert second != first
    core = runtime(second, "item_1")["core"]
    assert (core["entry"], core["lesson_location"], core["lesson_status"]) == ("resume", "7", "incomplete")
    assert runtime(second, "item_1")["suspend_data"] == "page=7"
    assert client.registration_progress("r1").completion == "INCOMPLETE"


def test_a_new_instance_starts_fresh_and_keeps_the_old_one(emulator, api, client, golf):
    register(client)
    base = launch(client)
    commit(base, "item_1", commit_12("passed", raw="90", exit_="suspend", location="15"), terminate=True)
    client.new_registration_instance("r1")

    fresh = launch(client)
    core = runtime(fresh, "item_1")["core"]
    assert core["entry"] == "ab-initio"
    assert "lesson_status" not in core and "lesson_location" not in core
    progress = client.registration_progress("r1")
    assert (progress.instance, progress.completion, progress.score) == (1, "UNKNOWN", None)
    old = api.get(f"{emulator.api_url}/registrations/r1/instances/0").json()
    assert (old["registrationSuccess"], old["score"]) == ("PASSED", {"scaled": 90})

    # A tab still open on the old instance writes there, never into the new one.
    commit(base, "item_1", commit_12("failed", raw="10"))
    assert client.registration_progress("r1").completion == "UNKNOWN"
    old = api.get(f"{emulator.api_url}/registrations/r1/instances/0").json()
    assert old["registrationSuccess"] == "FAILED"


def test_resetting_progress_ends_open_sessions(emulator, client, golf):
    register(client)
    base = launch(client)
    commit(base, "item_1", commit_12("passed", raw="90"))
    client.reset_registration_progress("r1")
    assert requests.get(base).status_code == 404
    assert runtime(launch(client), "item_1")["core"]["entry"] == "ab-initio"


def test_a_preview_stores_nothing(emulator, api, client, golf, receiver):
    base = open_player(client.course_preview_link("golf", "blank"))
    assert player_config(base)["tracking"] is False
    assert runtime(base, "item_1")["core"]["credit"] == "no-credit"
    assert commit(base, "item_1", commit_12("passed", raw="90", exit_="suspend", location="3"),
                  terminate=True).json()["result"] == "true"
    again = open_player(client.course_preview_link("golf", "blank"))
    core = runtime(again, "item_1")["core"]
    assert core["entry"] == "ab-initio" and "lesson_status" not in core
    assert api.get(f"{emulator.api_url}/registrations").json()["registrations"] == []
    assert emulator.admin.postbacks() == []


def test_untracked_launch_of_a_registration_stores_nothing(emulator, api, client, golf):
    register(client)
    link = api.post(f"{emulator.api_url}/registrations/r1/launchLink",
                    json={"redirectOnExitUrl": "blank", "tracking": False}).json()["launchLink"]
    base = open_player(link)
    assert runtime(base, "item_1")["core"]["credit"] == "no-credit"
    commit(base, "item_1", commit_12("passed", raw="90"), terminate=True)
    assert client.registration_progress("r1").completion == "UNKNOWN"


@pytest.fixture
def multi(emulator, api, client, scorm_packages, receiver):
    """The 18-SCO SCORM 1.2 course with a registration that posts back; returns (base URL, SCO ids)."""
    import_course(api, emulator, scorm_packages / GOLF_MINIMUM, "multi")
    register(client, course_id="multi", postback=PostBack(receiver.url, "user", "pass"))
    base = launch(client)
    return base, [sco["id"] for sco in player_config(base)["scos"]]


def test_multi_sco_rollup_counts_every_sco_of_the_course(emulator, client, multi, receiver):
    base, sco_ids = multi
    assert len(sco_ids) == 18
    # A SCO that is only committed (never finished) keeps "not attempted": launched, incomplete.
    commit(base, sco_ids[0], commit_12("not attempted"))
    assert client.registration_progress("r1").completion == "INCOMPLETE"
    for sco_id in sco_ids[:-1]:
        commit(base, sco_id, commit_12("not attempted"), terminate=True)
    progress = client.registration_progress("r1")
    assert (progress.completion, progress.success, progress.score) == ("INCOMPLETE", "UNKNOWN", None)
    assert progress.total_seconds == 10 * 17

    commit(base, sco_ids[-1], commit_12("not attempted"), terminate=True)
    progress = client.registration_progress("r1")
    assert (progress.completion, progress.total_seconds) == ("COMPLETED", 10 * 18)
    emulator.admin.flush_postbacks()
    payloads = receiver.payloads()
    assert payloads[-1]["registrationCompletion"] == "COMPLETED"
    assert [p["registrationCompletion"] for p in payloads].count("COMPLETED") == 1


def test_concurrent_commits_of_one_registration_lose_nothing(emulator, client, multi):
    base, sco_ids = multi
    start = threading.Barrier(len(sco_ids))
    statuses = []

    def finish(sco_id):
        start.wait()
        statuses.append(commit(base, sco_id, commit_12("not attempted"), terminate=True).status_code)

    threads = [threading.Thread(target=finish, args=(sco_id,)) for sco_id in sco_ids]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert statuses == [200] * len(sco_ids)
    progress = client.registration_progress("r1")
    assert (progress.completion, progress.total_seconds) == ("COMPLETED", 10 * len(sco_ids))


def test_a_commit_arriving_during_another_ones_rollup_is_not_lost(emulator, client, multi):
    """The interleaving that loses data without one transaction from write to rollup, made to happen."""
    base, sco_ids = multi
    backend = emulator.app.player.backend
    record_progress = backend.record_progress
    other = threading.Thread(target=commit, args=(base, sco_ids[1], commit_12("not attempted")),
                             kwargs={"terminate": True})

    def rolling_up(*args, **kwargs):
        if other.ident is None:
            # Give the other commit every chance to run now, between this commit's read and write.
            other.start()
            other.join(timeout=1)
        return record_progress(*args, **kwargs)

    backend.record_progress = rolling_up
    commit(base, sco_ids[0], commit_12("not attempted"), terminate=True)
    other.join()
    progress = client.registration_progress("r1")
    assert progress.total_seconds == 20
    assert emulator.app.storage.instance_runtime("r1", 0).keys() == set(sco_ids[:2])


# -- access and sessions -----------------------------------------------------------------------------

def registration_json(api, emulator, registration_id="r1"):
    return api.get(f"{emulator.api_url}/registrations/{registration_id}").json()


def test_a_tracked_launch_is_an_access_that_updates_the_registration_but_posts_nothing(emulator, api, client, golf,
                                                                                       receiver):
    register(client, postback=PostBack(receiver.url, "user", "pass"))
    created = registration_json(api, emulator)
    assert "firstAccessDate" not in created and "lastAccessDate" not in created

    launch(client)
    first = registration_json(api, emulator)
    assert first["firstAccessDate"] == first["lastAccessDate"] == first["updated"]
    assert first["updated"] >= created["updated"]
    launch(client)
    second = registration_json(api, emulator)
    assert second["firstAccessDate"] == first["firstAccessDate"]
    assert second["lastAccessDate"] == second["updated"] >= first["lastAccessDate"]
    # The registration's own updated moved too: an updated-since listing finds it.
    since = api.get(f"{emulator.api_url}/registrations",
                    params={"datetimeFilter": "updated", "since": second["updated"]}).json()["registrations"]
    assert [item["id"] for item in since] == ["r1"]
    assert registration_json(api, emulator)["registrationCompletion"] == "UNKNOWN"
    emulator.admin.flush_postbacks()
    assert receiver.received == []


def test_the_official_client_reads_the_access_dates(emulator, client, golf):
    register(client)
    launch(client)
    progress = RegistrationApi(official_client(emulator)).get_registration_progress("r1")
    assert progress.first_access_date is not None and progress.first_access_date == progress.last_access_date


def test_previews_and_untracked_launches_are_no_access(emulator, api, client, golf):
    register(client)
    created = registration_json(api, emulator)
    untracked = api.post(f"{emulator.api_url}/registrations/r1/launchLink",
                         json={"redirectOnExitUrl": "blank", "tracking": False}).json()["launchLink"]
    open_player(untracked)
    open_player(client.course_preview_link("golf", "blank"))
    assert registration_json(api, emulator) == created


def test_a_launch_on_a_new_course_version_is_an_access_to_the_new_instance(emulator, api, client, scorm_packages,
                                                                           golf):
    register(client)
    import_course(api, emulator, scorm_packages / GOLF_2004, "golf", mayCreateNewVersion="true")
    launch(client)
    old, new = api.get(f"{emulator.api_url}/registrations/r1/instances").json()["registrations"]
    assert "firstAccessDate" not in old
    assert new["instance"] == 1 and new["firstAccessDate"] == new["updated"]


def test_the_player_needs_no_credentials_and_is_not_an_api_call(emulator, client, golf):
    register(client)
    link = client.launch_link("r1", "blank")
    emulator.admin.reset_stats()
    base = open_player(link)
    requests.get(base + "content/shared/launchpage.html").raise_for_status()
    requests.get(base + "assets/player.js").raise_for_status()
    runtime(base, "item_1")
    assert commit(base, "item_1", commit_12("incomplete")).status_code == 200
    assert requests.get(base + "exit").status_code == 200
    assert emulator.admin.stats()["calls"] == {}
    # The API itself still wants credentials.
    assert requests.get(f"{emulator.api_url}/registrations/r1").status_code == 401


def test_unknown_sessions_are_refused(emulator, golf):
    response = requests.get(f"{emulator.root_url}/player/{'x' * 43}/")
    assert response.status_code == 404
    assert "Session not found" in response.text


def test_a_session_expires_when_left_idle(emulator, client, golf):
    register(client)
    base = launch(client)
    backend = emulator.app.player.backend
    backend.clock = lambda: time.time() + SESSION_IDLE_SECONDS - 120
    assert requests.get(base).status_code == 200  # still alive, and slid forward by this use
    backend.clock = lambda: time.time() + SESSION_IDLE_SECONDS + 60
    assert requests.get(base).status_code == 200
    backend.clock = lambda: time.time() + 4 * SESSION_IDLE_SECONDS
    assert requests.get(base).status_code == 404


def test_sessions_and_runtime_data_survive_a_restart(tmp_path, scorm_packages):
    config = EmulatorConfig(data_dir=tmp_path, port=0, app_id="app", secret_key="secret")
    with EmulatorServer(config) as first:
        import_course(session_for(first), first, scorm_packages / GOLF_12, "golf")
        with ScormCloudClient("app", "secret", base_url=first.api_url + "/") as client:
            register(client)
            path = urlsplit(launch(client)).path
        commit(first.root_url + path, "item_1", commit_12("incomplete", exit_="suspend", location="4"))
    with EmulatorServer(config) as second:
        base = second.root_url + path
        assert player_config(base)["title"] == COURSE_TITLE
        core = runtime(base, "item_1")["core"]
        assert (core["entry"], core["lesson_location"]) == ("resume", "4")


# -- the backend's pure parts ------------------------------------------------------------------------

def test_activity_trees_round_trip_with_what_the_player_needs():
    sco = Activity("quiz", "Quiz", "SCO", href="quiz.html?part=2", resource_identifier="r",
                   scaled_passing_score=0.7, completion_threshold=0.5)
    root = Activity("org", "Course", "AGGREGATION", children=[sco])
    assert activity_from_record(json.loads(json.dumps(activity_record(root)))) == root
    # Courses stored before the full tree was kept fall back to rootActivity, which has no threshold.
    rebuilt = activity_from_course_json(json.loads(json.dumps(root.to_json())))
    assert rebuilt.children[0].href == "quiz.html?part=2"
    assert rebuilt.children[0].scaled_passing_score == 0.7
    assert rebuilt.children[0].completion_threshold is None


def test_a_data_directory_from_before_the_player_still_launches(tmp_path):
    """Courses stored without the full activity tree get the column, and a tree from rootActivity."""
    root = Activity("org", "Course", "AGGREGATION", children=[
        Activity("sco", "SCO", "SCO", href="index.html?x=1", scaled_passing_score=0.5)])
    with sqlite3.connect(tmp_path / "emulator.sqlite3") as db:
        db.execute("CREATE TABLE courses (id TEXT NOT NULL, version INTEGER NOT NULL, title TEXT NOT NULL, "
                   "learning_standard TEXT NOT NULL, root_activity TEXT NOT NULL, content_dir TEXT NOT NULL, "
                   "tags TEXT NOT NULL, created TEXT NOT NULL, updated TEXT NOT NULL, PRIMARY KEY (id, version))")
        db.execute("INSERT INTO courses VALUES ('c', 0, 'Course', 'SCORM12', ?, 'dir', '[]', 'x', 'x')",
                   (json.dumps(root.to_json()),))
    db.close()
    storage = Storage(tmp_path)
    try:
        course = storage.get_course("c")
        assert course.activities is None
        tree, launchable = course_tree(course)
        found = [(activity.identifier, activity.href, activity.scaled_passing_score) for activity in launchable]
        assert found == [("sco", "index.html?x=1", 0.5)]
        assert tree.title == "Course"
    finally:
        storage.close()


def test_learner_name():
    assert learner_name({"id": "l", "firstName": "Jane", "lastName": "Doe"}) == "Doe, Jane"
    assert learner_name({"id": "l", "firstName": "Jane"}) == "Jane"
    assert learner_name({"id": "l"}) == ""


def test_rollup_instance_uses_each_scos_passing_score_and_skips_silent_assets():
    quiz = Activity("quiz", "Quiz", "SCO", href="quiz.html", scaled_passing_score=0.7)
    page = Activity("page", "Page", "SCO", href="page.html")
    asset = Activity("pdf", "Handout", "ASSET", href="handout.pdf")
    scored = commit_12("completed", raw="70")
    result = rollup_instance("SCORM12", [quiz, page, asset], {"quiz": scored})
    # 70 meets the manifest's mastery score of 0.7; the page was never launched; the asset never counts.
    assert (result.completion, result.success, result.score) == (rollup.INCOMPLETE, rollup.PASSED, 70)
    result = rollup_instance("SCORM12", [quiz, page, asset], {"quiz": commit_12("completed", raw="69"),
                                                              "page": commit_12("completed")})
    assert (result.completion, result.success) == (rollup.COMPLETED, rollup.FAILED)

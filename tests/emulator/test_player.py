"""The player behind launch links, over HTTP with an in-memory backend and the real golf packages."""
import json
import secrets
import time
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from werkzeug.test import Client
from werkzeug.wrappers import Request

from scorm_cloud_emulator import rollup
from scorm_cloud_emulator.packages import Activity, import_package
from scorm_cloud_emulator.player import (
    RUNTIME_FILE,
    LaunchRefused,
    Player,
    PlayerSession,
    content_type_for,
    entry_value,
    exit_target,
    launch_data,
)

from .test_rollup import SCORM_AGAIN_12, SCORM_AGAIN_2004

GOLF_12 = "golf_RuntimeBasicCalls_SCORM12.zip"
GOLF_2004 = "golf_RuntimeBasicCalls_SCORM20043rdEdition.zip"
GOLF_MINIMUM = "golf_RuntimeMinimumCalls_SCORM12.zip"


@dataclass
class MemoryBackend:
    """A PlayerBackend that keeps everything in dicts and rolls up like the emulator must."""

    sessions: dict = field(default_factory=dict)
    links: dict = field(default_factory=dict)  # launch token -> session template
    runtime: dict = field(default_factory=dict)  # (registration, instance, sco) -> {"cmi": ...}
    commits: list = field(default_factory=list)  # (sco_id, commit) in arrival order
    save_delay: float = 0.0  # seconds each commit takes to store, to widen races in browser tests

    def add_link(self, session: PlayerSession) -> str:
        token = secrets.token_urlsafe(16)
        self.links[token] = session
        return token

    def open_session(self, launch_token):
        template = self.links.pop(launch_token, None)  # single use, like a short-lived link
        if template is None:
            raise LaunchRefused("This launch link has expired. Go back and launch the course again.")
        session = PlayerSession(**{**template.__dict__, "session_id": secrets.token_urlsafe(16)})
        self.sessions[session.session_id] = session
        return session

    def get_session(self, session_id):
        return self.sessions.get(session_id)

    def load_runtime(self, session, sco_id):
        return self.runtime.get((session.registration_id, session.instance, sco_id))

    def save_runtime(self, session, sco_id, cmi):
        time.sleep(self.save_delay)
        self.runtime[(session.registration_id, session.instance, sco_id)] = cmi
        self.commits.append((sco_id, cmi))

    def rollup(self, session):
        results = []
        for sco in session.scos:
            saved = self.load_runtime(session, sco.identifier)
            results.append(None if saved is None else rollup.sco_result(
                session.learning_standard, saved, sco.scaled_passing_score))
        return rollup.rollup(results)


def open_package(scorm_packages, tmp_path, name, **overrides):
    """Extract a real package with the emulator's importer and describe a session over it."""
    package_dir = tmp_path / name.removesuffix(".zip")
    parsed = import_package(scorm_packages / name, package_dir)
    fields = dict(
        session_id="",
        registration_id="reg-1",
        instance=0,
        course_title=parsed.title,
        learning_standard=parsed.learning_standard,
        package_dir=package_dir,
        root=parsed.root,
        scos=parsed.launchable(),
        redirect_on_exit_url="https://lms.example/unit?done=1",
        tracking=True,
        learner_id="learner-1",
        learner_name="Doe, Jane",
    )
    fields.update(overrides)
    return PlayerSession(**fields)


@pytest.fixture
def assets_dir(tmp_path):
    """The player's assets, with a stand-in runtime file so the page renders without npm."""
    from scorm_cloud_emulator import player as player_module

    source = Path(player_module.__file__).parent / "player"
    target = tmp_path / "assets"
    for name in ("player.html", "message.html", "player.js", "player.css"):
        (target / name).parent.mkdir(parents=True, exist_ok=True)
        (target / name).write_bytes((source / name).read_bytes())
    (target / RUNTIME_FILE).parent.mkdir(parents=True)
    (target / RUNTIME_FILE).write_text("/* runtime */")
    return target


@pytest.fixture
def backend():
    return MemoryBackend()


@pytest.fixture
def client(backend, assets_dir):
    return Client(Player(backend, assets_dir))


def launch(client, backend, session):
    """Follow a launch link; returns the player's base path /player/<sid>/."""
    response = client.get(f"/launch/{backend.add_link(session)}")
    assert response.status_code == 303
    return response.headers["Location"]


# -- launch links ----------------------------------------------------------------------------

def test_launch_link_opens_a_session_and_redirects_to_the_player(client, backend, scorm_packages, tmp_path):
    base = launch(client, backend, open_package(scorm_packages, tmp_path, GOLF_12))
    assert base.startswith("/player/") and base.endswith("/")
    page = client.get(base)
    assert page.status_code == 200
    assert page.mimetype == "text/html"
    text = page.get_data(as_text=True)
    assert "Golf Explained - Run-time Basic Calls" in text
    config = json.loads(text.split('id="player-config">')[1].split("</script>")[0])
    assert config["standard"] == "SCORM12"
    assert config["scos"] == [{"id": "item_1", "title": "Golf Explained", "url": "content/shared/launchpage.html"}]


@pytest.mark.parametrize("token", ["not-a-token", "x" * 300, "abc.def"])
def test_refused_link_gets_a_readable_page(client, token):
    response = client.get(f"/launch/{token}")
    assert response.status_code == 403
    assert response.mimetype == "text/html"
    assert "This launch link has expired" in response.get_data(as_text=True)


def test_a_launch_link_works_once(client, backend, scorm_packages, tmp_path):
    token = backend.add_link(open_package(scorm_packages, tmp_path, GOLF_12))
    assert client.get(f"/launch/{token}").status_code == 303
    assert client.get(f"/launch/{token}").status_code == 403


@pytest.mark.parametrize("path", ["/player/nope/", "/player/nope/content/shared/launchpage.html",
                                  "/player/nope/runtime/item_1", "/player/nope/exit"])
def test_unknown_session_gets_a_readable_page(client, path):
    response = client.get(path)
    assert response.status_code == 404
    assert "Session not found" in response.get_data(as_text=True)


def test_paths_outside_the_player_are_not_handled(backend, assets_dir):
    player = Player(backend, assets_dir)
    for path in ("/api/v2/ping", "/", "/launcher", "/players/x"):
        assert player.dispatch(Request.from_values(path)) is None


def test_player_path_without_trailing_slash_redirects(client, backend, scorm_packages, tmp_path):
    base = launch(client, backend, open_package(scorm_packages, tmp_path, GOLF_12))
    response = client.get(base.rstrip("/"))
    assert response.status_code == 301
    assert response.headers["Location"].endswith(base)


def test_missing_runtime_is_said_plainly(backend, assets_dir, scorm_packages, tmp_path):
    (assets_dir / RUNTIME_FILE).unlink()
    client = Client(Player(backend, assets_dir))
    base = launch(client, backend, open_package(scorm_packages, tmp_path, GOLF_12))
    response = client.get(base)
    assert response.status_code == 503
    assert "scorm-again" in response.get_data(as_text=True)


def test_page_menu_follows_the_organization_tree(client, backend, scorm_packages, tmp_path):
    session = open_package(scorm_packages, tmp_path, GOLF_MINIMUM, start_sco=None)
    base = launch(client, backend, session)
    text = client.get(base).get_data(as_text=True)
    config = json.loads(text.split('id="player-config">')[1].split("</script>")[0])
    assert len(config["scos"]) == 18
    folders = [node for node in config["menu"]["children"] if not node["launchable"]]
    assert len(folders) == 4
    assert folders[0]["title"].startswith("Playing")
    assert all(child["launchable"] for child in folders[0]["children"])


def test_start_sco_picks_the_first_sco_to_launch(client, backend, scorm_packages, tmp_path):
    session = open_package(scorm_packages, tmp_path, GOLF_MINIMUM)
    session.start_sco = session.scos[3].identifier
    text = client.get(launch(client, backend, session)).get_data(as_text=True)
    assert '"start": 3' in text


def test_course_title_is_escaped(client, backend, scorm_packages, tmp_path):
    session = open_package(scorm_packages, tmp_path, GOLF_12, course_title="<script>alert(1)</script></script>")
    text = client.get(launch(client, backend, session)).get_data(as_text=True)
    assert "<script>alert(1)" not in text


# -- package files ---------------------------------------------------------------------------

@pytest.mark.parametrize("path, content_type", [
    ("shared/launchpage.html", "text/html"),
    ("shared/scormfunctions.js", "text/javascript"),
    ("shared/style.css", "text/css"),
    ("shared/background.jpg", "image/jpeg"),
    ("shared/cclicense.png", "image/png"),
    ("imsmanifest.xml", "application/xml"),
])
def test_content_is_served_with_its_type(client, backend, scorm_packages, tmp_path, path, content_type):
    session = open_package(scorm_packages, tmp_path, GOLF_12)
    response = client.get(launch(client, backend, session) + "content/" + path)
    assert response.status_code == 200
    assert response.headers["Content-Type"] == content_type
    assert response.get_data() == (session.package_dir / path).read_bytes()


def test_content_query_strings_are_ignored_for_the_file(client, backend, scorm_packages, tmp_path):
    base = launch(client, backend, open_package(scorm_packages, tmp_path, GOLF_12))
    response = client.get(base + "content/shared/assessmenttemplate.html?questions=Playing")
    assert response.status_code == 200


@pytest.mark.parametrize("path", [
    "content/../../secret.txt",
    "content/%2e%2e/%2e%2e/secret.txt",
    "content/shared/../../secret.txt",
    "content/..%2fsecret.txt",
    "content//etc/passwd",
    "content/shared/missing.html",
    "content/shared",
    "content/link-out.txt",
])
def test_traversal_and_missing_files_are_refused(client, backend, scorm_packages, tmp_path, path):
    session = open_package(scorm_packages, tmp_path, GOLF_12)
    (tmp_path / "secret.txt").write_text("secret")
    (session.package_dir / "link-out.txt").symlink_to(tmp_path / "secret.txt")
    response = client.get(launch(client, backend, session) + path)
    assert response.status_code == 404
    assert b"secret" not in response.get_data()


def test_a_session_only_reaches_its_own_package(client, backend, scorm_packages, tmp_path):
    first = open_package(scorm_packages, tmp_path, GOLF_12)
    second = open_package(scorm_packages, tmp_path, GOLF_2004)
    base = launch(client, backend, first)
    assert client.get(base + "content/shared/launchpage.html").status_code == 200
    own = client.get(base + "content/shared/launchpage.html").get_data()
    assert own == (first.package_dir / "shared/launchpage.html").read_bytes()
    assert own != (second.package_dir / "shared/launchpage.html").read_bytes()
    assert client.get(base + "content/../" + second.package_dir.name + "/shared/launchpage.html").status_code == 404


def test_content_type_for_unknown_files():
    assert content_type_for("data.bin") == "application/octet-stream"
    assert content_type_for("INDEX.HTM") == "text/html"


# -- runtime ---------------------------------------------------------------------------------

def commit_12(lesson_status, raw="", exit_="", location="", suspend_data="", total_time="00:00:10"):
    return {"cmi": {"suspend_data": suspend_data, "core": {
        "lesson_status": lesson_status, "lesson_location": location, "exit": exit_, "entry": "ab-initio",
        "score": {"raw": raw, "min": "0", "max": "100"}, "session_time": "00:00:10", "total_time": total_time,
        "student_id": "learner-1", "credit": "credit", "lesson_mode": "normal"}}}


def test_first_launch_data_is_ab_initio_with_the_learner(client, backend, scorm_packages, tmp_path):
    base = launch(client, backend, open_package(scorm_packages, tmp_path, GOLF_12))
    response = client.get(base + "runtime/item_1")
    assert response.status_code == 200
    assert response.json == {"cmi": {"core": {
        "student_id": "learner-1", "student_name": "Doe, Jane", "credit": "credit", "lesson_mode": "normal",
        "entry": "ab-initio"}}}


def test_commit_round_trip_resumes_a_suspended_sco(client, backend, scorm_packages, tmp_path):
    session = open_package(scorm_packages, tmp_path, GOLF_12)
    base = launch(client, backend, session)
    body = commit_12("incomplete", exit_="suspend", location="7", suspend_data="page=7")
    response = client.post(base + "runtime/item_1", data=json.dumps(body), content_type="text/plain;charset=UTF-8")
    assert response.status_code == 200
    assert response.json == {"result": "true", "errorCode": 0}
    assert backend.runtime[("reg-1", 0, "item_1")] == body

    # A second launch of the same registration resumes where the learner was.
    again = launch(client, backend, session)
    cmi = client.get(again + "runtime/item_1").json["cmi"]
    assert cmi["core"]["entry"] == "resume"
    assert cmi["core"]["lesson_location"] == "7"
    assert cmi["core"]["lesson_status"] == "incomplete"
    assert cmi["core"]["total_time"] == "00:00:10"
    assert cmi["suspend_data"] == "page=7"
    assert "exit" not in cmi["core"] and "session_time" not in cmi["core"]


def test_relaunch_after_a_normal_exit_starts_over_but_keeps_the_result(client, backend, scorm_packages, tmp_path):
    base = launch(client, backend, open_package(scorm_packages, tmp_path, GOLF_12))
    client.post(base + "runtime/item_1", json=commit_12("passed", raw="90", location="15"))
    cmi = client.get(base + "runtime/item_1").json["cmi"]
    assert cmi["core"]["entry"] == ""
    assert "lesson_location" not in cmi["core"]
    assert cmi["core"]["lesson_status"] == "passed"
    assert cmi["core"]["score"] == {"raw": "90", "min": "0", "max": "100"}


def test_terminating_commit_completes_a_scorm12_sco_that_set_no_status(client, backend, scorm_packages, tmp_path):
    session = open_package(scorm_packages, tmp_path, GOLF_MINIMUM)
    base = launch(client, backend, session)
    first, second = session.scos[0].identifier, session.scos[1].identifier
    client.post(base + f"runtime/{first}?terminate=true", json=commit_12("not attempted"))
    client.post(base + f"runtime/{second}", json=commit_12("not attempted"))
    assert backend.runtime[("reg-1", 0, first)]["cmi"]["core"]["lesson_status"] == "completed"
    assert backend.runtime[("reg-1", 0, second)]["cmi"]["core"]["lesson_status"] == "not attempted"
    assert backend.rollup(session).completion == rollup.INCOMPLETE


def test_minimum_calls_course_completes_when_every_sco_finished(client, backend, scorm_packages, tmp_path):
    session = open_package(scorm_packages, tmp_path, GOLF_MINIMUM)
    base = launch(client, backend, session)
    for sco in session.scos:
        client.post(base + f"runtime/{sco.identifier}?terminate=true", json=commit_12("not attempted"))
    result = backend.rollup(session)
    assert (result.completion, result.success, result.score) == (rollup.COMPLETED, rollup.UNKNOWN, None)
    assert result.total_seconds == 10 * len(session.scos)


def test_scorm2004_launch_data_carries_the_manifest_and_saved_result(client, backend, scorm_packages, tmp_path):
    session = open_package(scorm_packages, tmp_path, GOLF_2004)
    sco_id = session.scos[0].identifier
    base = launch(client, backend, session)
    assert client.get(base + f"runtime/{sco_id}").json["cmi"]["entry"] == "ab-initio"
    client.post(base + f"runtime/{sco_id}?terminate=true", json={"cmi": {
        "completion_status": "completed", "success_status": "passed", "exit": "suspend", "location": "15",
        "score": {"scaled": "0.9", "raw": "90", "min": "0", "max": "100"}, "total_time": "PT1M", "session_time": "PT1M"}})
    cmi = client.get(base + f"runtime/{sco_id}").json["cmi"]
    assert cmi["entry"] == "resume" and cmi["location"] == "15"
    assert cmi["completion_status"] == "completed" and cmi["success_status"] == "passed"
    assert cmi["score"]["scaled"] == "0.9" and cmi["total_time"] == "PT1M"
    assert cmi["learner_id"] == "learner-1" and cmi["learner_name"] == "Doe, Jane"
    assert backend.rollup(session) == rollup.RegistrationRollup(rollup.COMPLETED, rollup.PASSED, 90, 60)


@pytest.mark.parametrize("body", [b"", b"not json", b"[1, 2]", b'{"core": {}}', b'{"cmi": "x"}'])
def test_malformed_commits_are_refused(client, backend, scorm_packages, tmp_path, body):
    base = launch(client, backend, open_package(scorm_packages, tmp_path, GOLF_12))
    response = client.post(base + "runtime/item_1", data=body, content_type="application/json")
    assert response.status_code == 400
    assert response.json["result"] == "false"
    assert backend.commits == []


@pytest.mark.parametrize("terminate", ["", "?terminate=true"])
@pytest.mark.parametrize("name, cmi, error", [
    (GOLF_12, {"core": "x"}, "cmi.core must be an object, not a string"),
    (GOLF_12, {"core": {"lesson_status": 5}}, "cmi.core.lesson_status must be a string, not a number"),
    (GOLF_12, {"core": {"total_time": 5}}, "cmi.core.total_time must be a string, not a number"),
    (GOLF_12, {"core": {"score": {"raw": ["80"]}}}, "cmi.core.score.raw must be a string, not an array"),
    (GOLF_12, {"interactions": [{"id": "q1"}]}, "cmi.interactions must be an object, not an array"),
    (GOLF_2004, {"score": "x"}, "cmi.score must be an object, not a string"),
    (GOLF_2004, {"completion_status": [1]}, "cmi.completion_status must be a string, not an array"),
    (GOLF_2004, {"objectives": "x"}, "cmi.objectives must be an object, not a string"),
    (GOLF_2004, {"interactions": {"0": {"id": False}}}, "cmi.interactions.0.id must be a string, not a boolean"),
])
def test_commits_that_are_not_cmi_are_refused_with_the_reason(client, backend, scorm_packages, tmp_path, terminate,
                                                              name, cmi, error):
    session = open_package(scorm_packages, tmp_path, name)
    base = launch(client, backend, session)
    response = client.post(base + f"runtime/{session.scos[0].identifier}{terminate}", json={"cmi": cmi})
    assert response.status_code == 400
    assert response.json == {"result": "false", "errorCode": 101, "errorMessage": error}
    assert backend.commits == []


def test_deeply_nested_json_is_refused(client, backend, scorm_packages, tmp_path):
    base = launch(client, backend, open_package(scorm_packages, tmp_path, GOLF_12))
    nested = b'{"cmi": ' + b"[" * 100000 + b"]" * 100000 + b"}"
    assert client.post(base + "runtime/item_1", data=nested, content_type="application/json").status_code == 400
    assert backend.commits == []


@pytest.mark.parametrize("name, commit", [(GOLF_12, SCORM_AGAIN_12), (GOLF_2004, SCORM_AGAIN_2004)])
def test_scorm_again_commits_are_stored_as_sent(client, backend, scorm_packages, tmp_path, name, commit):
    session = open_package(scorm_packages, tmp_path, name)
    sco_id = session.scos[0].identifier
    base = launch(client, backend, session)
    assert client.post(base + f"runtime/{sco_id}", json=commit).json == {"result": "true", "errorCode": 0}
    assert backend.runtime[("reg-1", 0, sco_id)] == commit


def test_oversized_commit_is_refused(client, backend, scorm_packages, tmp_path):
    base = launch(client, backend, open_package(scorm_packages, tmp_path, GOLF_12))
    huge = json.dumps({"cmi": {"suspend_data": "x" * (5 * 1024 * 1024)}})
    assert client.post(base + "runtime/item_1", data=huge, content_type="application/json").status_code == 413
    assert backend.commits == []


def test_runtime_of_an_unknown_sco_is_404(client, backend, scorm_packages, tmp_path):
    base = launch(client, backend, open_package(scorm_packages, tmp_path, GOLF_12))
    assert client.get(base + "runtime/nope").status_code == 404
    assert client.post(base + "runtime/nope", json=commit_12("passed")).status_code == 404
    assert backend.commits == []


def test_untracked_session_stores_nothing(client, backend, scorm_packages, tmp_path):
    session = open_package(scorm_packages, tmp_path, GOLF_12, registration_id=None, instance=None, tracking=False)
    base = launch(client, backend, session)
    assert client.get(base + "runtime/item_1").json["cmi"]["core"]["credit"] == "no-credit"
    assert client.post(base + "runtime/item_1", json=commit_12("passed")).json["result"] == "true"
    assert backend.commits == []


def test_only_the_cmi_is_stored(client, backend, scorm_packages, tmp_path):
    base = launch(client, backend, open_package(scorm_packages, tmp_path, GOLF_12))
    client.post(base + "runtime/item_1", json={**commit_12("passed"), "commitSequence": 3})
    assert list(backend.runtime[("reg-1", 0, "item_1")]) == ["cmi"]


# -- exit ------------------------------------------------------------------------------------

@pytest.mark.parametrize("redirect_on_exit_url, status, expected", [
    ("https://lms.example/unit?done=1", 302, None),
    ("closer", 200, "window.close()"),
    ("blank", 200, "<body></body>"),
    ("message", 200, "Course complete"),
    ("", 200, "Course complete"),
    ("javascript:alert(1)", 200, "Course complete"),
])
def test_exit_keywords(client, backend, scorm_packages, tmp_path, redirect_on_exit_url, status, expected):
    session = open_package(scorm_packages, tmp_path, GOLF_12, redirect_on_exit_url=redirect_on_exit_url)
    response = client.get(launch(client, backend, session) + "exit")
    assert response.status_code == status
    if expected is None:
        assert response.headers["Location"] == redirect_on_exit_url
    else:
        assert expected in response.get_data(as_text=True)
        assert "javascript:" not in response.get_data(as_text=True)


def test_exit_target():
    assert exit_target("http://x.example/a") == ("redirect", "http://x.example/a")
    assert exit_target(" closer ") == ("closer", None)
    assert exit_target("/relative") == ("message", None)


# -- launch data (pure) ----------------------------------------------------------------------

def test_entry_value():
    assert entry_value(None, False) == "ab-initio"
    assert entry_value({"cmi": {"core": {"exit": "suspend"}}}, False) == "resume"
    assert entry_value({"cmi": {"core": {"exit": "logout"}}}, False) == ""
    assert entry_value({"cmi": {"exit": "suspend"}}, True) == "resume"
    assert entry_value({"cmi": {"exit": "normal"}}, True) == ""


@pytest.mark.parametrize("saved", [
    "x", {"cmi": []}, {"cmi": {"core": "x"}}, {"cmi": {"core": {"exit": ["suspend"]}}}, {"cmi": {"exit": {}}},
])
def test_entry_value_of_odd_saved_data(saved):
    assert entry_value(saved, False) in ("ab-initio", "")
    assert entry_value(saved, True) in ("ab-initio", "")


def test_launch_data_hands_back_only_strings_from_odd_saved_data():
    # Stored before commits were checked, or by another backend: what is not a string is left out,
    # a number goes back as its CMI string (scorm-again loads strings only).
    sco = Activity("item_1", "Quiz", "SCO", href="quiz.html")
    scorm12 = PlayerSession("s", "r", 0, "C", "SCORM12", Path("."), sco, [sco])
    odd_core = {"cmi": {"core": "x", "suspend_data": 5}}
    assert launch_data(scorm12, sco, odd_core)["cmi"]["core"]["entry"] == ""
    saved = {"cmi": {"suspend_data": ["x"], "core": {
        "exit": "suspend", "lesson_status": {"a": "b"}, "total_time": 5, "lesson_location": 7,
        "score": {"raw": 80, "min": None, "max": 100.0}}}}
    core = launch_data(scorm12, sco, saved)["cmi"]["core"]
    assert core["score"] == {"raw": "80", "max": "100"}
    assert core["lesson_location"] == "7"
    assert "lesson_status" not in core and "total_time" not in core
    assert "suspend_data" not in launch_data(scorm12, sco, saved)["cmi"]
    assert "score" not in launch_data(scorm12, sco, {"cmi": {"core": {"score": "x"}}})["cmi"]["core"]
    # Strings scorm-again would refuse to load (it stops loading at the first one) stay behind too.
    saved = {"cmi": {"core": {"lesson_status": "bogus", "total_time": "5", "score": {"raw": "150", "min": ".", "max": "100"}}}}
    core = launch_data(scorm12, sco, saved)["cmi"]["core"]
    assert "lesson_status" not in core and "total_time" not in core
    assert core["score"] == {"max": "100"}

    scorm2004 = PlayerSession("s", "r", 0, "C", "SCORM20044THEDITION", Path("."), sco, [sco])
    saved = {"cmi": {"score": "x", "completion_status": [1], "success_status": "passed", "progress_measure": 0.5}}
    cmi = launch_data(scorm2004, sco, saved)["cmi"]
    assert (cmi["success_status"], cmi["progress_measure"]) == ("passed", "0.5")
    assert "score" not in cmi and "completion_status" not in cmi
    assert launch_data(scorm2004, sco, {"cmi": {"score": {"scaled": 0.25, "raw": {}}}})["cmi"]["score"] == {"scaled": "0.25"}
    saved = {"cmi": {"completion_status": "done", "success_status": "passed", "total_time": "00:01:00",
                     "progress_measure": "2", "score": {"scaled": "-0.5", "raw": "x"}}}
    cmi = launch_data(scorm2004, sco, saved)["cmi"]
    assert "completion_status" not in cmi and "total_time" not in cmi and "progress_measure" not in cmi
    assert (cmi["success_status"], cmi["score"]) == ("passed", {"scaled": "-0.5"})


def test_launch_data_sets_the_scaled_passing_score_from_the_manifest():
    sco = Activity("item_1", "Quiz", "SCO", href="quiz.html", scaled_passing_score=0.8, completion_threshold=0.5)
    session = PlayerSession("s", "r", 0, "C", "SCORM20044THEDITION", Path("."), sco, [sco])
    cmi = launch_data(session, sco, None)["cmi"]
    assert cmi["scaled_passing_score"] == "0.8"
    assert cmi["completion_threshold"] == "0.5"


def test_launch_data_hands_a_scorm12_sco_its_mastery_score():
    sco = Activity("item_1", "Quiz", "SCO", href="quiz.html", scaled_passing_score=0.7)
    session = PlayerSession("s", "r", 0, "C", "SCORM12", Path("."), sco, [sco])
    assert launch_data(session, sco, None)["cmi"]["student_data"] == {"mastery_score": "70"}
    plain = Activity("item_2", "Page", "SCO", href="page.html")
    assert "student_data" not in launch_data(session, plain, None)["cmi"]


def test_player_as_a_wsgi_app_answers_404_pages_elsewhere(backend, assets_dir):
    response = Client(Player(backend, assets_dir)).get("/elsewhere")
    assert response.status_code == 404
    assert response.mimetype == "text/html"

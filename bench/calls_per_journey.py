"""SCORM Cloud calls per learner journey: what one learner costs in API calls, step by step.

A learner goes through a unit the way the LMS serves it: the block runs in the Open edX test
runtime (tests/openedx) against an emulator, and the calls are counted where SCORM Cloud would
count them, at the emulator (its /_admin/stats counters, reset before each step; the admin calls
that drive the journey are not counted). A page view renders student_view and then sends what
the page's script would send from the state it was given: `register` when the learner has no
registration yet, `progress` with refresh when a launch has not been followed by a refresh.

The journey: first view, a later view, launch (the launch handler; the return URL is read from the
launch link), two postbacks while the learner works (progress set with the emulator's admin API,
delivered by the emulator, and that exact request handed to the block's noauth `postback`
handler), the return from SCORM Cloud (the `return` handler), then a view after the return.

Targets: first view 1, later views 0, launch 1, postback 0, return 1. Exits 1 if a step differs:
more calls waste SCORM Cloud's, fewer mean a step skipped its work (a return that did not refresh).
Usage: python bench/calls_per_journey.py
"""
import io
import json
import logging
import re
import sys
import tempfile
from pathlib import Path

# The Open edX test runtime, its block helpers and the demo's package live in the checkout, not the venv.
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from demo import sample_package  # noqa: E402
from scorm_cloud_emulator.config import EmulatorConfig  # noqa: E402
from scorm_cloud_emulator.server import EmulatorServer  # noqa: E402
from scorm_cloud_xblock.block import ScormCloudXBlock  # noqa: E402
from scorm_cloud_xblock.client import ScormCloudClient  # noqa: E402
from tests.block_harness import (  # noqa: E402
    COURSE_KEY, PostbackReceiver, delivered_postbacks, make_runtime, replay, wait_for_import,
)
from tests.test_block import return_query  # noqa: E402

# The SCORM Cloud credentials tests.block_harness.make_runtime configures the block with.
APP_ID, SECRET_KEY = "test-app", "test-secret"
INIT_ARGS = re.compile(r'<script type="json/xblock-args" class="xblock_json_init_args">(.*?)</script>', re.DOTALL)


def import_course(emulator):
    with ScormCloudClient(APP_ID, SECRET_KEY, base_url=emulator.api_url) as cloud:
        job = wait_for_import(cloud, cloud.upload_import("journey-course", io.BytesIO(sample_package.build()),
                                                         filename="demo.zip"))
    if job.status != "COMPLETE":
        raise SystemExit(f"import failed: {job.message}")
    return job.course


def init_args(html):
    """The state the XBlock runtime hands the view's JavaScript, read from the page as the browser would."""
    match = INIT_ARGS.search(html)
    expect(match, "the view has no init arguments")
    return json.loads(match.group(1))


def expect(condition, message):
    if not condition:
        raise SystemExit(f"journey broken: {message}")


class Journey:
    """One learner on one unit; each step runs a callable and records the SCORM Cloud calls it made."""

    def __init__(self, emulator, receiver, rt, unit, learner):
        self.emulator, self.receiver, self.rt, self.unit, self.learner = emulator, receiver, rt, unit, learner
        self.steps = []    # (step, target, {operation: calls})

    def step(self, name, target, action):
        self.emulator.admin.reset_stats()
        action()
        calls = {operation: n for operation, n in self.emulator.admin.stats()["calls"].items() if n}
        self.steps.append((name, target, calls))

    def view(self):
        """student_view, then the request the page's script makes from the state it was rendered with."""
        state = init_args(self.rt.render(self.unit, "student_view", user=self.learner).content)
        if state["register_on_view"]:
            self.handler("register", json={})
        elif state["needs_refresh"]:
            self.handler("progress", json={"refresh": True})

    def handler(self, name, **request):
        response = self.rt.handle(self.unit, name, user=self.learner, **request)
        expect(response.status_code in (200, 302), f"{name} answered {response.status_code}: {response.body[:200]!r}")
        return response

    def launch(self, unit_page):
        self.return_query = return_query(self.emulator, self.rt, self.unit, self.learner, unit_page)

    def learner_works(self, registration_id, expected_result, **progress):
        """The learner's progress changes in SCORM Cloud, which posts it; the block gets that request."""
        seen = len(self.receiver.requests)
        self.emulator.admin.set_progress(registration_id, **progress)
        delivered = delivered_postbacks(self.emulator, self.receiver)[seen:]
        expect(len(delivered) == 1, f"{len(delivered)} postbacks delivered for one progress change")
        self.emulator.admin.reset_stats()    # only what the block does with the postback counts
        response = replay(self.rt, self.unit, delivered[0])
        expect(response.status_code == 200 and response.json_body["result"] == expected_result,
               f"postback answered {response.status_code}: {response.body[:200]!r}")

    def return_from_cloud(self, unit_page):
        query = {name: values[0] for name, values in self.return_query.items() if name != "student"}
        response = self.handler("return", method="GET", query=query)
        expect(response.status_code == 302 and response.location == unit_page,
               f"return went to {response.location!r}")


def run_journey(emulator, receiver):
    course = import_course(emulator)
    rt = make_runtime(emulator, receiver)
    unit = rt.create_block(ScormCloudXBlock, course_key=COURSE_KEY, fields={
        "cloud_course_id": course.id, "cloud_course_title": course.title,
        "learning_standard": course.learning_standard, "weight": 10.0})
    learner = rt.add_user("learner", full_name="Ada Learner")
    unit_page = f"http://{receiver.site_name}/courses/{COURSE_KEY}/unit"
    journey = Journey(emulator, receiver, rt, unit, learner)

    journey.step("first view", 1, journey.view)
    registration_id = rt.user_state(learner, unit).get("registration_id")
    expect(registration_id, "the first view created no registration")
    journey.step("later view", 0, journey.view)
    journey.step("launch", 1, lambda: journey.launch(unit_page))
    journey.step("postback (in progress)", 0, lambda: journey.learner_works(
        registration_id, "applied", registrationCompletion="INCOMPLETE", score={"scaled": 40},
        totalSecondsTracked=120))
    journey.step("postback (completed)", 0, lambda: journey.learner_works(
        registration_id, "applied", registrationCompletion="COMPLETED", registrationSuccess="PASSED",
        score={"scaled": 90}, totalSecondsTracked=300))
    journey.step("return", 1, lambda: journey.return_from_cloud(unit_page))
    journey.step("view after return", 0, journey.view)
    expect(rt.grades[(learner.id, unit)].weighted_earned == 9.0, "the grade is not 9/10")
    return journey.steps


def _result(measured, target):
    if measured == target:
        return "OK"
    return "over" if measured > target else "under"


def print_table(steps):
    rows = [("step", "calls", "operations", "target", "result")]
    for name, target, calls in steps:
        measured = sum(calls.values())
        operations = ", ".join(f"{operation} x{n}" if n > 1 else operation for operation, n in sorted(calls.items()))
        rows.append((name, str(measured), operations or "-", str(target), _result(measured, target)))
    widths = [max(len(row[column]) for row in rows) for column in range(len(rows[0]))]
    for row in rows:
        print("  ".join(cell.ljust(width) for cell, width in zip(row, widths)).rstrip())


def main():
    logging.getLogger("werkzeug").setLevel(logging.WARNING)  # no access log
    with tempfile.TemporaryDirectory(prefix="journey-bench-") as tmp:
        config = EmulatorConfig(data_dir=Path(tmp), port=0, app_id=APP_ID, secret_key=SECRET_KEY,
                                postback_base_delay=0.01, postback_max_delay=0.05)
        receiver = PostbackReceiver()
        try:
            with EmulatorServer(config) as emulator:
                steps = run_journey(emulator, receiver)
        finally:
            receiver.stop()
    print_table(steps)
    off = [name for name, target, calls in steps if sum(calls.values()) != target]
    total = sum(sum(calls.values()) for _, _, calls in steps)
    print(f"SCORM Cloud calls for the whole journey: {total}; "
          + (f"off target: {', '.join(off)}" if off else "every step on its target: PASS"))
    return 1 if off else 0


if __name__ == "__main__":
    sys.exit(main())

"""Postback throughput: how fast the block's `postback` handler takes SCORM Cloud's postbacks.

The block runs in the Open edX test runtime (tests/openedx), and every postback goes through its
third-party (noauth) handler view, as the LMS would serve it. The baseline is a third-party handler
that does nothing, on a subclass of the same block, fed the same requests: the same request
building, block loading and handler dispatch, so the ratio is the cost of the postback work itself
(read, HMAC check, learner lookup, rebind, merge, grade and completion publish).

A second baseline, the passback floor, does only the platform's part of any grade passback into
Open edX (find the learner, rebind, store, publish a grade, save) on a unit of its own. It shows how
much of the postback's cost is the platform's and how much the block's own; it has no target.

The postbacks are real: each learner registers through the block (CreateRegistration on an
emulator), then the emulator is told the learner's progress step by step (admin set_progress), and
the postbacks it delivers, its own body, Content-Type and HTTP Basic credentials, are what the
handler gets. Each step brings a new `updated`, a higher score and more time, the last one
completion and success; every few postbacks one is sent twice, as SCORM Cloud does when it retries.
The emulator is used only for that setup: the timed passes must make no SCORM Cloud call, and the
benchmark checks it through the emulator's call counters.

Each round authors fresh units, so the timed postbacks start from empty learner state; the order of
the three passes rotates from round to round. Throughput is postbacks per second over the median pass time.

Target: postback throughput >= 0.5x the no-op handler's.
Usage: python bench/postback_throughput.py [--learners 20] [--steps 10] [--rounds 7]
"""
import argparse
import base64
import io
import json
import logging
import statistics
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

# The Open edX test runtime, its block helpers and the demo's package live in the checkout, not the venv.
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from webob import Response  # noqa: E402
from xblock.core import XBlock  # noqa: E402

from demo import sample_package  # noqa: E402
from scorm_cloud_emulator.config import EmulatorConfig  # noqa: E402
from scorm_cloud_emulator.server import EmulatorServer  # noqa: E402
from scorm_cloud_xblock import compat, ids  # noqa: E402
from scorm_cloud_xblock.block import ScormCloudXBlock  # noqa: E402
from scorm_cloud_xblock.client import ScormCloudClient  # noqa: E402
from tests.block_harness import (  # noqa: E402
    COURSE_KEY, PostbackReceiver, delivered_postbacks, make_runtime, register, registration_of, wait_for_import,
)

# The SCORM Cloud credentials tests.block_harness.make_runtime configures the block with.
APP_ID, SECRET_KEY = "test-app", "test-secret"
TARGET = 0.5
WEIGHT = 10.0
DUPLICATE_EVERY = 5
HANDLERS = ("postback", "noop", "passback_floor")


class BenchBlock(ScormCloudXBlock):
    """The block under test, plus two baselines: a third-party handler that does nothing, and the least
    that any grade passback into Open edX does."""

    @XBlock.handler
    def noop(self, request, suffix=""):
        return Response(json.dumps({"result": "noop"}), content_type="application/json", charset="utf-8")

    @XBlock.handler
    def passback_floor(self, request, suffix=""):
        """
        The platform's part of a grade passback, as xblock-lti-consumer's outcome handler does it:
        find the learner, rebind to them, store what was posted, publish a grade, save. No
        authentication, no merge, no rules: the block's own work is what the postback adds to this.
        """
        user_name = base64.b64decode(request.headers["Authorization"].split()[1]).decode().split(":")[0]
        user = compat.user_by_anonymous_id(self, ids.parse_registration_id(self.id_prefix, user_name).anonymous_user_id)
        compat.rebind_to_user(self, user)
        self.learner_progress = json.loads(request.body)
        self.runtime.publish(self, "grade", {"value": 1.0, "max_value": 1.0})
        self.save()
        return Response(json.dumps({"result": "stored"}), content_type="application/json", charset="utf-8")


def import_course(emulator):
    with ScormCloudClient(APP_ID, SECRET_KEY, base_url=emulator.api_url) as cloud:
        package = io.BytesIO(sample_package.build())
        job = wait_for_import(cloud, cloud.upload_import("bench-course", package, filename="demo.zip"))
    if job.status != "COMPLETE":
        raise SystemExit(f"import failed: {job.message}")
    return job.course


def progress_at(step, steps):
    """The learner's results after ``step`` of ``steps``: always more, complete and passed at the end."""
    last = step == steps - 1
    return {"registrationCompletion": "COMPLETED" if last else "INCOMPLETE",
            "registrationSuccess": "PASSED" if last else "UNKNOWN",
            "score": {"scaled": round(100 * (step + 1) / steps)},
            "totalSecondsTracked": 60 * (step + 1)}


def postbacks_from_emulator(emulator, receiver, registrations, steps):
    """For each step, every learner's progress set in the emulator, and the postbacks it delivered."""
    stream = []
    for step in range(steps):
        seen = len(receiver.requests)
        for registration_id in registrations:
            emulator.admin.set_progress(registration_id, **progress_at(step, steps))
        delivered = delivered_postbacks(emulator, receiver)[seen:]
        if len(delivered) != len(registrations):
            raise SystemExit(f"step {step}: {len(delivered)} postbacks delivered for {len(registrations)} learners")
        stream.extend(delivered)
    return stream


def with_duplicates(stream):
    """Every DUPLICATE_EVERY-th postback delivered a second time, right after the first."""
    result = []
    for number, postback in enumerate(stream, start=1):
        result.append(postback)
        if number % DUPLICATE_EVERY == 0:
            result.append(postback)
    return result


def prepare_round(rt, emulator, receiver, course, learners, steps):
    """A fresh unit, every learner registered to it, and the postbacks the emulator made for them.

    Also a second unit for the passback floor, which writes its own learner state and grades."""
    fields = {"cloud_course_id": course.id, "cloud_course_title": course.title,
              "learning_standard": course.learning_standard, "weight": WEIGHT}
    unit = rt.create_block(BenchBlock, course_key=COURSE_KEY, fields=fields)
    floor_unit = rt.create_block(BenchBlock, course_key=COURSE_KEY, fields=fields)
    for learner in learners:
        register(rt, unit, learner)
    registrations = [registration_of(rt, learner, unit) for learner in learners]
    stream = postbacks_from_emulator(emulator, receiver, registrations, steps)
    return {"postback": unit, "noop": unit, "passback_floor": floor_unit}, \
        [as_request(postback) for postback in with_duplicates(stream)]


def as_request(postback):
    """The delivered postback as the LMS view gets it: its body, Content-Type and Authorization."""
    headers = {name: value for name, value in postback["headers"].items()
               if name.lower() in ("content-type", "authorization")}
    return postback["body"], headers


def timed_pass(rt, unit, requests, handler):
    """Seconds to hand every request to the third-party ``handler``; the responses, to check afterwards."""
    start = time.perf_counter()
    responses = [rt.handle_noauth(unit, handler, body=body, headers=headers) for body, headers in requests]
    return time.perf_counter() - start, responses


def check_round(rt, unit, learners, steps, responses):
    """Every postback accepted and applied once, each resend a duplicate, each learner graded and complete."""
    statuses = Counter(response.status_code for response in responses)
    if set(statuses) != {200}:
        raise SystemExit(f"postbacks refused: {dict(statuses)} {responses[0].body[:200]!r}")
    outcomes = Counter(response.json_body["result"] for response in responses)
    applied = len(learners) * steps
    if outcomes != Counter(applied=applied, duplicate=len(responses) - applied):
        raise SystemExit(f"unexpected outcomes: {dict(outcomes)}")
    for learner in learners:
        grade, completion = rt.grades.get((learner.id, unit)), rt.completions.get((learner.id, unit))
        if grade is None or grade.weighted_earned != WEIGHT or completion != 1.0:
            raise SystemExit(f"{learner.username}: grade {grade}, completion {completion}")
    if rt.handler_errors or rt.lost_user_state_edits:
        raise SystemExit(f"handler errors {rt.handler_errors}, lost edits {rt.lost_user_state_edits}")
    return outcomes


def measure_round(rt, emulator, units, requests, learners, steps, round_number):
    """The timed passes over the same requests, in an order that rotates every round: seconds by
    handler, outcomes, SCORM Cloud calls made."""
    emulator.admin.reset_stats()
    seconds, outcomes = {}, Counter()
    order = HANDLERS[round_number % len(HANDLERS):] + HANDLERS[:round_number % len(HANDLERS)]
    for handler in order:
        seconds[handler], responses = timed_pass(rt, units[handler], requests, handler)
        if handler == "postback":
            outcomes = check_round(rt, units[handler], learners, steps, responses)
        elif {response.status_code for response in responses} != {200}:
            raise SystemExit(f"{handler} refused a request: {responses[0].body[:200]!r}")
    return seconds, outcomes, Counter(emulator.admin.stats()["calls"])


def run(args, tmp):
    """Per round: seconds by handler; postbacks a round; outcomes and SCORM Cloud calls over all rounds."""
    logging.getLogger("werkzeug").setLevel(logging.WARNING)  # no access log
    config = EmulatorConfig(data_dir=tmp, port=0, app_id=APP_ID, secret_key=SECRET_KEY,
                            postback_base_delay=0.01, postback_max_delay=0.05)
    receiver = PostbackReceiver()
    timings, outcomes, cloud_calls = {handler: [] for handler in HANDLERS}, Counter(), Counter()
    try:
        with EmulatorServer(config) as emulator:
            course = import_course(emulator)
            rt = make_runtime(emulator, receiver)
            learners = [rt.add_user(f"learner{n}", full_name=f"Learner {n}") for n in range(args.learners)]
            for round_number in range(args.rounds):
                units, requests = prepare_round(rt, emulator, receiver, course, learners, args.steps)
                seconds, round_outcomes, calls = measure_round(rt, emulator, units, requests, learners, args.steps,
                                                               round_number)
                for handler, value in seconds.items():
                    timings[handler].append(value)
                outcomes += round_outcomes
                cloud_calls += calls
    finally:
        receiver.stop()
    return timings, len(requests), outcomes, cloud_calls


def verdict(ok):
    return "PASS" if ok else "FAIL"


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--learners", type=int, default=20)
    parser.add_argument("--steps", type=int, default=10, help="progress postbacks per learner")
    parser.add_argument("--rounds", type=int, default=7)
    args = parser.parse_args()

    with tempfile.TemporaryDirectory(prefix="postback-bench-") as tmp:
        timings, count, outcomes, cloud_calls = run(args, Path(tmp))

    postback_seconds, noop_seconds, floor_seconds = (statistics.median(timings[handler]) / count
                                                     for handler in ("postback", "noop", "passback_floor"))
    ratio = noop_seconds / postback_seconds
    calls_ok = sum(cloud_calls.values()) == 0
    ok = ratio >= TARGET and calls_ok
    print(f"{count} postbacks a round ({args.learners} learners x {args.steps} progress steps, every "
          f"{DUPLICATE_EVERY}th sent twice), median pass of {args.rounds} rounds")
    print(f"  outcomes over all rounds: {dict(sorted(outcomes.items()))}")
    print(f"  SCORM Cloud calls during the timed passes: {sum(cloud_calls.values())}"
          f"{' ' + str(dict(cloud_calls)) if cloud_calls else ''}, target 0: {verdict(calls_ok)}")
    noop_us, postback_us, floor_us = noop_seconds * 1e6, postback_seconds * 1e6, floor_seconds * 1e6
    print(f"  no-op third-party handler: {1 / noop_seconds:7.0f} postbacks/s ({noop_us:5.0f} us each)")
    print(f"  passback floor:            {1 / floor_seconds:7.0f} postbacks/s ({floor_us:5.0f} us each,"
          f" {floor_us - noop_us:.0f} us more than the no-op)")
    print(f"  postback handler:          {1 / postback_seconds:7.0f} postbacks/s ({postback_us:5.0f} us each,"
          f" {postback_us - noop_us:.0f} us more than the no-op)")
    print(f"  ratio to the passback floor {floor_seconds / postback_seconds:.2f}x (no target)")
    print(f"  ratio to the no-op {ratio:.2f}x, target >= {TARGET}x: {verdict(ratio >= TARGET)}")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())

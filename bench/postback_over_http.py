"""Postbacks over HTTP: postback_throughput.py's requests, sent as SCORM Cloud sends them. No target.

Each request is an HTTP POST, on a new connection, to the LMS's noauth route, which the test runtime
serves (tests/openedx/lms_http.py); the same three handlers get the same requests (postback, the
no-op and the passback floor), in an order that rotates every round. It prints, per handler:
- the wall time per request, which includes the sender: it runs in this process, on the same
  interpreter as the server;
- the server thread's CPU per request (each connection gets its own thread), which leaves the
  sender out but not the contention between the two.
bench/README.md says why neither figure is the target's.

Usage: python bench/postback_over_http.py [--learners 20] [--steps 10] [--rounds 5]
"""
import argparse
import logging
import statistics
import sys
import tempfile
import time
from collections import defaultdict
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parent))

import postback_throughput as bench  # noqa: E402
from requests import Session  # noqa: E402
from scorm_cloud_emulator.config import EmulatorConfig  # noqa: E402
from scorm_cloud_emulator.server import EmulatorServer  # noqa: E402
from tests.block_harness import PostbackReceiver, make_runtime  # noqa: E402
from tests.openedx import LmsHttpServer  # noqa: E402


class Answer:
    """What check_round reads of a response."""

    def __init__(self, response):
        self.status_code, self.body = response.status_code, response.content
        self.json_body = response.json()


def count_server_cpu(lms):
    """The CPU each request's server thread used, appended to the returned list as requests end."""
    spent = []
    serve_in_thread = lms.server.process_request_thread

    def timed(request, client_address):
        start = time.thread_time()
        serve_in_thread(request, client_address)
        spent.append(time.thread_time() - start)

    lms.server.process_request_thread = timed
    return spent


def timed_pass(session, lms, server_cpu, unit, requests, handler):
    """Wall seconds and server CPU seconds for sending every request; the answers."""
    url = f"http://{lms.site_name}/courses/{unit.context_key}/xblock/{unit}/handler_noauth/{handler}"
    first = len(server_cpu)
    start = time.perf_counter()
    answers = [Answer(session.post(url, data=body, headers=headers, timeout=60)) for body, headers in requests]
    wall = time.perf_counter() - start
    return wall, sum(server_cpu[first:]), answers


def run(args, tmp):
    logging.getLogger("werkzeug").setLevel(logging.WARNING)
    logging.getLogger("scorm_cloud_xblock").setLevel(logging.ERROR)
    config = EmulatorConfig(data_dir=tmp, port=0, app_id=bench.APP_ID, secret_key=bench.SECRET_KEY,
                            postback_base_delay=0.01, postback_max_delay=0.05)
    # The setup's postbacks go to the receiver, to be kept; the timed ones to the LMS route.
    receiver, lms, session = PostbackReceiver(), LmsHttpServer(), Session()
    server_cpu = count_server_cpu(lms)
    wall, cpu = defaultdict(list), defaultdict(list)
    try:
        with EmulatorServer(config) as emulator:
            course = bench.import_course(emulator)
            rt = make_runtime(emulator, receiver)
            lms.runtime = rt
            learners = [rt.add_user(f"learner{n}", full_name=f"Learner {n}") for n in range(args.learners)]
            for round_number in range(args.rounds):
                units, requests = bench.prepare_round(rt, emulator, receiver, course, learners, args.steps)
                turn = round_number % len(bench.HANDLERS)
                for handler in bench.HANDLERS[turn:] + bench.HANDLERS[:turn]:
                    seconds, spent, answers = timed_pass(session, lms, server_cpu, units[handler], requests, handler)
                    if handler == "postback":
                        bench.check_round(rt, units[handler], learners, args.steps, answers)
                    elif {answer.status_code for answer in answers} != {200}:
                        raise SystemExit(f"{handler} refused a request")
                    wall[handler].append(seconds / len(requests))
                    cpu[handler].append(spent / len(requests))
            if lms.errors:
                raise SystemExit(f"errors in the LMS route: {lms.errors}")
    finally:
        receiver.stop()
        lms.stop()
    return wall, cpu


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--learners", type=int, default=20)
    parser.add_argument("--steps", type=int, default=10)
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="postback-http-bench-") as tmp:
        wall, cpu = run(args, Path(tmp))
    print(f"median of {args.rounds} rounds, per request")
    for name, figures in (("wall time, sender included", wall), ("server thread CPU", cpu)):
        noop, floor, postback = (statistics.median(figures[handler]) * 1e6
                                 for handler in ("noop", "passback_floor", "postback"))
        print(f"{name}: no-op {noop:.0f} us, floor {floor:.0f} us, postback {postback:.0f} us; "
              f"postback / no-op throughput {noop / postback:.2f}x, to the floor {floor / postback:.2f}x")
    return 0


if __name__ == "__main__":
    sys.exit(main())

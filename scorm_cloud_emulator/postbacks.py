"""Registration postbacks: a background worker that delivers queued RegistrationSchema payloads.

The queue lives in SQLite, so deliveries still pending when the emulator stops go out after a restart.
Delivery follows SCORM Cloud's rules: any answer below 400 (redirects included, never followed) counts as
delivered; 4xx, 5xx, timeouts and connection errors are retried with exponential backoff and jitter.
"""
import base64
import json
import logging
import random
import threading
import time
from urllib.parse import urlencode

import requests

logger = logging.getLogger(__name__)

#: Seconds to wait for a receiver, (connect, read).
DELIVERY_TIMEOUT = (5, 10)
#: PostBackSchema's authType when the caller leaves it UNDEFINED: the v2 migration guide says httpbasic.
DEFAULT_AUTH_TYPE = "HTTPBASIC"


def backoff_delay(attempt, base, maximum, rng=random):
    """Seconds to wait after failed attempt number ``attempt`` (1-based): doubling, jittered, capped."""
    ceiling = min(maximum, base * 2 ** (attempt - 1))
    return rng.uniform(max(base, ceiling / 2), max(base, ceiling))


def build_request(url, auth_type, user_name, password, body):
    """The keyword arguments of ``requests.post`` for one postback, per ApiRollupRegistrationAuthType."""
    if (auth_type or "UNDEFINED").upper() == "UNDEFINED":
        auth_type = DEFAULT_AUTH_TYPE
    if auth_type.upper() == "FORM":
        fields = {"data": body, "userName": user_name or "", "password": password or ""}
        return {"url": url, "data": urlencode(fields).encode("ascii"),
                "headers": {"Content-Type": "application/x-www-form-urlencoded; charset=UTF-8"}}
    headers = {"Content-Type": "application/json; charset=UTF-8"}
    if user_name or password:
        token = base64.b64encode(f"{user_name or ''}:{password or ''}".encode("utf-8")).decode("ascii")
        headers["Authorization"] = f"Basic {token}"
    return {"url": url, "data": body.encode("utf-8"), "headers": headers}


def send(url, auth_type, user_name, password, body):
    """POST one postback; return (status or None, error text or None)."""
    try:
        response = requests.post(**build_request(url, auth_type, user_name, password, body),
                                 timeout=DELIVERY_TIMEOUT, allow_redirects=False)
    except requests.RequestException as exc:
        return None, f"{type(exc).__name__}: {exc}"
    response.close()
    return response.status_code, None


def is_delivered(status):
    return status is not None and status < 400


class PostbackWorker:
    def __init__(self, storage, faults, config):
        self._storage = storage
        self._faults = faults
        self._config = config
        self._wakeup = threading.Condition()
        self._stopping = False
        self._thread = None

    def start(self):
        self._stopping = False
        self._thread = threading.Thread(target=self._run, name="postback-worker", daemon=True)
        self._thread.start()

    def stop(self):
        with self._wakeup:
            self._stopping = True
            self._wakeup.notify_all()
        if self._thread is not None:
            self._thread.join()
            self._thread = None

    def enqueue(self, registration_id, postback, payload):
        """Queue ``payload`` (a RegistrationSchema dict) for the registration's postback target."""
        faults = self._faults.postbacks
        body = json.dumps(payload)
        for _ in range(2 if faults.duplicate else 1):
            self._storage.enqueue_postback(registration_id, postback, body, next_at=time.time(),
                                           held=faults.reorder)
        with self._wakeup:
            self._wakeup.notify_all()

    def release_held(self):
        """Let deliveries held back by the ``reorder`` fault go, newest first."""
        self._storage.release_held_postbacks(time.time(), newest_first=True)
        with self._wakeup:
            self._wakeup.notify_all()

    def flush(self, timeout):
        """Release held deliveries and wait until the queue is empty; False if ``timeout`` ran out."""
        self.release_held()
        deadline = time.monotonic() + timeout
        # The storage is never read while holding _wakeup: enqueue() is called inside storage
        # transactions (a player commit) and takes _wakeup there, so the two locks must not nest here.
        while self._storage.pending_postbacks():
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                return False
            with self._wakeup:
                self._wakeup.wait(min(remaining, 0.05))
        return True

    def send_test(self, postback, payload):
        """TestRegistrationPostback: one synchronous attempt, logged, never queued or retried."""
        body = json.dumps(payload)
        status, error = send(postback["url"], postback.get("authType"), postback.get("userName"),
                             postback.get("password"), body)
        self._storage.log_postback(None, postback["url"], body, 1, status, is_delivered(status), error)
        return status, error

    def _run(self):
        while True:
            with self._wakeup:
                if self._stopping:
                    return
            delivery, wait = self._storage.next_due_postback(time.time())
            if delivery is None:
                with self._wakeup:
                    if not self._stopping:
                        self._wakeup.wait(1.0 if wait is None else min(wait, 1.0))
                continue
            try:
                self._attempt(delivery)
            except Exception:  # noqa: BLE001 - the worker must outlive one bad delivery
                logger.exception("postback %s failed unexpectedly; dropping it", delivery.id)
                self._storage.remove_postback(delivery.id)
            with self._wakeup:
                self._wakeup.notify_all()

    def _attempt(self, delivery):
        attempt = delivery.attempt + 1
        if self._faults.take_postback_drop():
            self._log(delivery, attempt, None, "dropped by an injected fault")
            self._storage.remove_postback(delivery.id)
            return
        if self._faults.postbacks.delay:
            time.sleep(self._faults.postbacks.delay)
        if self._faults.take_postback_failure():
            status, error = None, "failed by an injected fault"
        else:
            status, error = send(delivery.url, delivery.auth_type, delivery.user_name, delivery.password,
                                 delivery.body)
        delivered = is_delivered(status)
        self._log(delivery, attempt, status, error)
        if delivered or attempt >= self._config.postback_max_attempts:
            self._storage.remove_postback(delivery.id)
        else:
            delay = backoff_delay(attempt, self._config.postback_base_delay, self._config.postback_max_delay)
            self._storage.reschedule_postback(delivery.id, attempt, time.time() + delay)


    def _log(self, delivery, attempt, status, error):
        self._storage.log_postback(delivery.registration_id, delivery.url, delivery.body, attempt, status,
                                   is_delivered(status), error)

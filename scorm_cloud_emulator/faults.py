"""Fault injection, so tests can prove the client and the XBlock survive a misbehaving SCORM Cloud.

API faults hit the next ``times`` calls of one operationId: an optional ``delay`` and, when ``status``
is set, an error answer instead of the real one. Postback faults change how queued deliveries go out.
"""
import threading
from dataclasses import dataclass

from .rollup import is_number


class FaultError(ValueError):
    """A fault specification that cannot be applied."""


@dataclass
class ApiFault:
    operation: str
    status: int | None = None
    times: int = 1
    delay: float = 0.0


@dataclass
class PostbackFaults:
    delay: float = 0.0  # seconds to wait before each attempt
    drop: int = 0  # next N deliveries vanish: never sent, never retried
    fail: int = 0  # next N attempts count as failed without being sent, so they are retried
    duplicate: bool = False  # every delivery is sent twice
    reorder: bool = False  # hold deliveries back, then release them newest first


def _number(spec, key, kind, default, minimum=0):
    value = spec.get(key, default)
    if value is None and default is None:
        return None
    if not is_number(value) or (kind is int and value != int(value)):
        raise FaultError(f"{key} must be a number")
    if value < minimum:
        raise FaultError(f"{key} must be at least {minimum}")
    return kind(value)


def parse_api_faults(specs):
    if not isinstance(specs, list):
        raise FaultError("api must be a list of faults")
    faults = []
    for spec in specs:
        if not isinstance(spec, dict) or not isinstance(spec.get("operation"), str):
            raise FaultError("each api fault needs an operation (an operationId)")
        status = _number(spec, "status", int, None, minimum=100)
        if status is not None and status > 599:
            raise FaultError("status must be an HTTP status code")
        faults.append(ApiFault(operation=spec["operation"], status=status,
                               times=_number(spec, "times", int, 1, minimum=1),
                               delay=_number(spec, "delay", float, 0.0)))
    return faults


def parse_postback_faults(spec):
    if not isinstance(spec, dict):
        raise FaultError("postbacks must be an object")
    for key in ("duplicate", "reorder"):
        if not isinstance(spec.get(key, False), bool):
            raise FaultError(f"{key} must be true or false")
    return PostbackFaults(delay=_number(spec, "delay", float, 0.0), drop=_number(spec, "drop", int, 0),
                          fail=_number(spec, "fail", int, 0), duplicate=spec.get("duplicate", False),
                          reorder=spec.get("reorder", False))


class Faults:
    """The faults in force; shared by request threads and the postback worker."""

    def __init__(self):
        self._lock = threading.Lock()
        self._api = []
        self.postbacks = PostbackFaults()

    def inject(self, api=(), postbacks=None):
        with self._lock:
            self._api.extend(api)
            if postbacks is not None:
                self.postbacks = postbacks

    def clear(self):
        with self._lock:
            self._api = []
            self.postbacks = PostbackFaults()

    def take_api_fault(self, operation):
        """Consume one use of the first fault for ``operation``; None when none is pending."""
        with self._lock:
            for fault in self._api:
                if fault.operation == operation:
                    fault.times -= 1
                    if fault.times == 0:
                        self._api.remove(fault)
                    return fault
        return None

    def take_postback_drop(self):
        with self._lock:
            if self.postbacks.drop:
                self.postbacks.drop -= 1
                return True
        return False

    def take_postback_failure(self):
        with self._lock:
            if self.postbacks.fail:
                self.postbacks.fail -= 1
                return True
        return False

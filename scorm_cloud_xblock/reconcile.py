"""Staff reconcile: which of SCORM Cloud's registrations belong to a block, and the tally shown to staff.

Postbacks can be late or lost and the learner may never come back, so staff can pull SCORM Cloud's
current progress for every learner of a component. The block's registrations are recognised by their
id (``ids``): this block's prefix and usage hash, of any attempt; everything else in the course listing
(other reruns or duplicates sharing the SCORM Cloud course) is skipped. Which attempt is a learner's
current one only their record knows, so each is checked against it (decision 6).
"""
from dataclasses import asdict, dataclass

from . import ids


def registrations_of_block(prefix, usage_key, registrations):
    """``(registration, RegistrationRef)`` for each registration this block made, any attempt, in listing order."""
    usage_hash = ids.usage_key_hash(usage_key)
    found = []
    for registration in registrations:
        try:
            ref = ids.parse_registration_id(prefix, registration.id)
        except ids.InvalidId:
            continue
        if ref.usage_hash == usage_hash:
            found.append((registration, ref))
    return found


@dataclass
class Tally:
    """What a reconcile did: every registration checked was updated, unchanged or failed."""

    checked: int = 0
    updated: int = 0
    unchanged: int = 0
    failed: int = 0

    def count(self, outcome):
        if outcome not in ("updated", "unchanged", "failed"):
            raise ValueError(f"unknown reconcile outcome {outcome!r}")
        self.checked += 1
        setattr(self, outcome, getattr(self, outcome) + 1)

    def to_dict(self):
        return asdict(self)

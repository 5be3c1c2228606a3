"""
Tracking events the block publishes through the runtime (the LMS writes them to the tracking log).

Names follow Open edX's ``namespace.object.action`` convention for event types, with the block's
own namespace as other XBlocks do (``edx.drag_and_drop_v2.item.dropped``). The LMS adds the user,
course and, for handler requests, the component's usage key to each event's context, so the data
holds only what is specific to SCORM Cloud. Never a secret, an email, a name or a launch link:
tracking logs travel to analytics pipelines.
"""
from .progress import NEW_INSTANCE

LAUNCHED = "edx.scormcloud.course.launched"
REGISTRATION_CREATED = "edx.scormcloud.registration.created"
PROGRESS_UPDATED = "edx.scormcloud.progress.updated"
RECONCILE_REQUESTED = "edx.scormcloud.reconcile.requested"


def launched(registration_id, course_id, course_version, launch_mode, embedded):
    return {"registration_id": registration_id, "course_id": course_id, "course_version": course_version,
            "launch_mode": launch_mode, "embedded": bool(embedded)}


def registration_created(registration_id, course_id, adopted):
    """`adopted`: the registration already existed in SCORM Cloud (a reset, or a lost record)."""
    return {"registration_id": registration_id, "course_id": course_id, "adopted": bool(adopted)}


def progress_updated(registration_id, course_id, progress, reason):
    """Our record changed: what SCORM Cloud now says about the current attempt, and who said it."""
    return {
        "registration_id": registration_id,
        "course_id": course_id,
        "instance": progress.instance,
        "completion": progress.completion,
        "success": progress.success,
        "score": progress.score,
        "total_seconds": progress.total_seconds,
        "source": progress.source,
        "new_attempt": reason == NEW_INSTANCE,
    }


def reconcile_requested(course_id, learners, more):
    """
    Staff asked for one page of a reconcile: this component's learners on it, and whether more follow.

    Published before any learner is loaded, while the runtime still acts as the staff member; what
    changed for each learner is that learner's PROGRESS_UPDATED, with source "reconcile".
    """
    return {"course_id": course_id, "learners": learners, "more": more is not None}

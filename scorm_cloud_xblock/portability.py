"""
Which SCORM Cloud course an import goes into, when components share one (decision 5).

The linked course id is a settings field, so reruns, duplicates, copy-paste and OLX imports copy it
and several components can point at one SCORM Cloud course. A new version of that course reaches
every component sharing it: SCORM Cloud moves each registration to the newest version at its next
launch. So a component records which usage created its course (``cloud_course_origin``, the usage
hash of the id scheme), and only that usage makes new versions of it; a copy that imports a package
gets a course of its own.

``cloud_course_origin`` is one of:

- the usage hash of the component whose import created the course;
- :data:`LINKED`: the author linked a course that already existed in SCORM Cloud;
- ``""``: linked before origins were recorded; imports make new versions, as they always did.
"""
from dataclasses import dataclass

from . import ids

LINKED = "linked"

# What the editor tells the author about the course an import would go into.
OWN, SHARED, UNKNOWN, NONE = "own", "shared", "unknown", "none"


@dataclass(frozen=True)
class ImportTarget:
    """The course id an import goes into, and whether it makes a new version of an existing course."""

    course_id: str
    new_version: bool


def ownership(course_id, origin, usage_key):
    """Whether this usage created its linked course (OWN), shares another's (SHARED), or cannot tell."""
    if not course_id:
        return NONE
    if not origin:
        return UNKNOWN
    return OWN if origin == ids.usage_key_hash(usage_key) else SHARED


def import_target(prefix, course_id, origin, usage_key):
    """Version the course only where this usage created it (or where that is unknown); else a new one."""
    if ownership(course_id, origin, usage_key) in (OWN, UNKNOWN):
        return ImportTarget(course_id, True)
    return ImportTarget(ids.new_course_id(prefix), False)


def origin_after_import(previous_course_id, previous_origin, imported_course_id, started_by):
    """
    The origin once an import completed: a new version keeps it; a new course belongs to the usage
    whose import started the job (`started_by`, its usage hash), which a copy made while the job ran
    is not.
    """
    if imported_course_id == previous_course_id:
        return previous_origin
    return started_by


def origin_after_link(previous_course_id, previous_origin, linked_course_id):
    """Linking the course already linked changes nothing; any other course was not made here."""
    if linked_course_id == previous_course_id:
        return previous_origin
    return LINKED

"""
Studio: the editor and the author's preview of a component's SCORM Cloud course.

Authors upload a package, give its URL or link a course already in the app; imports are SCORM Cloud
jobs the editor polls. Only the course's authors, in Studio, may do any of it (decision 8), and a
copy never versions the course it shares (decision 5).
"""
import json
import logging
from urllib.parse import urlsplit

from xblock.core import XBlock
from xblock.exceptions import JsonHandlerError

from . import compat, grading, ids, portability
from .client import NotFound, ScormCloudError
from .web import cloud_error, json_object_handler, json_response, post_only, sendable_text, view_fragment

log = logging.getLogger(__name__)

# The choices of the editor's select fields.
LAUNCH_MODES = (("same_window", "Same window"), ("new_window", "New window"), ("embedded", "Embedded in the page"))
REGISTER_ON = (("first_view", "When the learner first views the unit"),
               ("first_launch", "When the learner first launches the course"))

FORGOTTEN_IMPORT = "SCORM Cloud no longer knows this import. Import the package again."
NOT_AN_EDITOR = "Only the course's authors can change its SCORM Cloud course, in Studio."
# A linked course this site's SCORM Cloud app does not hold: OLX from another instance, or deleted there.
MISSING_COURSE_FOR_AUTHORS = ("This course is not in this site's SCORM Cloud app: upload the package again "
                              "or link another course.")
SHARED_COURSE_NOTE = ("This SCORM Cloud course was not created by this component (it was copied, or linked): "
                      "importing a package here creates a new SCORM Cloud course for this component only, and the "
                      "components sharing the current one keep it unchanged. Learners who already started here "
                      "keep the course they started: import before the course opens.")
UNKNOWN_ORIGIN_NOTE = ("Importing a package here makes a new version of this SCORM Cloud course; if copies of "
                       "this component (reruns, duplicates) use the same course, their learners get it too.")


def choices(pairs):
    """A select field's choices, as XBlock's `values` and the editor want them."""
    return [{"value": value, "display_name": label} for value, label in pairs]


class StudioMixin:
    """
    The editor's views and handlers. The block provides the linked course's settings fields,
    `_client()`, `_cloud_call()` and `id_prefix`.
    """

    def studio_view(self, context=None):
        state = {
            "course": self._course_summary(),
            "import_job_id": self.import_job_id,
            "fields": {name: getattr(self, name) for name in self.editable_fields},
            "choices": {
                "launch_mode": choices(LAUNCH_MODES),
                "grading_rule": choices(grading.GRADING_RULES),
                "completion_rule": choices(grading.COMPLETION_RULES),
                "register_on": choices(REGISTER_ON),
            },
        }
        return view_fragment("studio", state)

    def author_view(self, context=None):
        """Studio's preview: the linked course, with an untracked preview link (no registration)."""
        return view_fragment("author", {"course": self._course_summary()}, display_name=self.display_name)

    def _course_summary(self):
        return {
            "id": self.cloud_course_id,
            "title": self.cloud_course_title,
            "version": self.cloud_course_version,
            "learning_standard": self.learning_standard,
            "warnings": list(self.parser_warnings),
            **self._ownership(),
        }

    @XBlock.handler
    def submit_studio_edits(self, request, suffix=""):
        """
        The editor's Save, from XBlock's StudioEditableXBlockMixin, for authors only and with its body
        checked first: the mixin answers 500 to a body without `values` and `defaults`, or with a value
        its field cannot read.
        """
        if request.method != "POST":
            return post_only()
        if not compat.may_edit(self):
            return json_response({"error": NOT_AN_EDITOR}, status=403)
        try:
            problem = self._edits_problem(json.loads(request.body))
        except (ValueError, RecursionError):
            problem = "The request body is not valid JSON."
        if problem:
            return json_response({"error": problem}, status=400)
        return super().submit_studio_edits(request, suffix)

    def _edits_problem(self, data):
        """What is wrong with the shape of a Save, or None; the settings' own rules are checked after."""
        if not (isinstance(data, dict) and isinstance(data.get("values"), dict)
                and isinstance(data.get("defaults"), list)):
            return 'Send {"values": {...}, "defaults": [...]}.'
        for name, value in data["values"].items():
            if name not in self.editable_fields:
                continue
            try:
                self.fields[name].from_json(value)
            except (TypeError, ValueError, OverflowError):   # OverflowError: an integer too big for a Float
                return f"{self.fields[name].display_name} cannot be {value!r:.40}."
        return None

    def _require_editor(self):
        # Before any SCORM Cloud call: in the LMS any enrolled learner can call these handlers.
        if not compat.may_edit(self):
            raise JsonHandlerError(403, NOT_AN_EDITOR)

    def _import_target(self):
        # A new version of the linked course where this usage created it; a course of its own otherwise,
        # so that a copy's import never changes what the components sharing the course show (decision 5).
        if not self.cloud_course_id:
            return portability.ImportTarget(ids.new_course_id(self.id_prefix), False)
        return portability.import_target(self.id_prefix, self.cloud_course_id, self.cloud_course_origin,
                                         str(self.scope_ids.usage_id))

    def _start_import(self, start):
        target = self._import_target()
        job_id = self._cloud_call(start, target.course_id, target.new_version)
        self.import_job_id = job_id
        self.import_job_started_by = ids.usage_key_hash(str(self.scope_ids.usage_id))
        return {"status": "RUNNING", "job_id": job_id, "message": "", "new_course": not target.new_version}

    @XBlock.handler
    def import_package(self, request, suffix=""):
        """Multipart upload (field `package`), streamed to SCORM Cloud: never read whole into memory."""
        if not compat.may_edit(self):
            return json_response({"status": "ERROR", "message": NOT_AN_EDITOR}, status=403)
        upload = request.POST.get("package") if request.method == "POST" else None
        if upload is None or not hasattr(upload, "file"):
            return json_response({"status": "ERROR", "message": "Choose a SCORM package (.zip) to upload."},
                                  status=400)
        filename = getattr(upload, "filename", None) or "package.zip"
        try:
            result = self._start_import(lambda course_id, new_version: self._client().upload_import(
                course_id, upload.file, filename=filename, may_create_new_version=new_version))
        except JsonHandlerError as error:
            return json_response({"status": "ERROR", "message": error.message}, status=error.status_code)
        return json_response(result)

    @json_object_handler
    def import_url(self, data, suffix=""):
        self._require_editor()
        url = sendable_text(data.get("url")).strip()
        try:
            scheme = urlsplit(url).scheme
        except ValueError:   # e.g. an unclosed IPv6 bracket
            scheme = ""
        if scheme not in ("http", "https"):
            raise JsonHandlerError(400, "Give the http(s) address of a SCORM package (.zip).")
        return self._start_import(lambda course_id, new_version: self._client().fetch_import(
            course_id, url, may_create_new_version=new_version))

    @json_object_handler
    def import_status(self, data, suffix=""):
        """Poll the import job; on success the component links to the imported course version."""
        self._require_editor()
        if not self.import_job_id:
            return {"status": "NONE", "message": "", **self._status_course()}
        try:
            job = self._client().import_status(self.import_job_id)
        except NotFound:
            # The job id came with a copy from another site, or SCORM Cloud has forgotten the job:
            # asking again cannot help, so the editor stops polling and the author imports again.
            self.import_job_id = ""
            return {"status": "ERROR", "message": FORGOTTEN_IMPORT, **self._status_course()}
        except ScormCloudError as error:
            log.warning("SCORM Cloud call import_status failed: %s", error)
            raise JsonHandlerError(*cloud_error(error)) from error
        if job.status == "COMPLETE" and job.course is not None:
            # A job stored before its starter was recorded was started here.
            started_by = self.import_job_started_by or ids.usage_key_hash(str(self.scope_ids.usage_id))
            self.cloud_course_origin = portability.origin_after_import(
                self.cloud_course_id, self.cloud_course_origin, job.course.id, started_by)
            self._link(job.course, job.parser_warnings)
            self.import_job_id = ""
        elif job.status == "ERROR":
            self.import_job_id = ""
        return {"status": job.status, "message": job.message or "", **self._status_course()}

    def _status_course(self):
        return {"title": self.cloud_course_title, "learning_standard": self.learning_standard,
                "version": self.cloud_course_version, "warnings": list(self.parser_warnings),
                "course_id": self.cloud_course_id, **self._ownership()}

    def _ownership(self):
        ownership = portability.ownership(self.cloud_course_id, self.cloud_course_origin,
                                          str(self.scope_ids.usage_id))
        notes = {portability.SHARED: SHARED_COURSE_NOTE, portability.UNKNOWN: UNKNOWN_ORIGIN_NOTE}
        return {"ownership": ownership, "note": notes.get(ownership, "")}

    def _link(self, course, warnings=()):
        self.cloud_course_id = course.id
        self.cloud_course_title = course.title or ""
        self.cloud_course_version = course.version
        self.learning_standard = course.learning_standard or ""
        self.parser_warnings = list(warnings)

    @json_object_handler
    def cloud_courses(self, data, suffix=""):
        """Courses already in the SCORM Cloud app, for "link an existing course"."""
        self._require_editor()
        client = self._client()
        courses = self._cloud_call(lambda: list(client.list_courses()))
        return {"courses": [{"id": c.id, "title": c.title, "version": c.version,
                             "learning_standard": c.learning_standard} for c in courses]}

    @json_object_handler
    def link_course(self, data, suffix=""):
        self._require_editor()
        course_id = sendable_text(data.get("course_id"))
        if not course_id:
            raise JsonHandlerError(400, "Choose a course.")
        course = self._cloud_call(self._client().get_course, course_id)
        self.cloud_course_origin = portability.origin_after_link(self.cloud_course_id, self.cloud_course_origin,
                                                                 course.id)
        self._link(course)
        return {"status": "COMPLETE", "message": "", **self._status_course()}

    @json_object_handler
    def check_course(self, data, suffix=""):
        """
        The editor asks once, when it opens, whether this site's SCORM Cloud app holds the linked course:
        OLX imported from another instance, or a course deleted in SCORM Cloud, shows up here rather
        than as learners' failed launches. Nothing is changed: the author re-uploads or links another.
        """
        self._require_editor()
        if not self.cloud_course_id:
            return {"status": "NONE", "message": ""}
        try:
            self._client().get_course(self.cloud_course_id)
        except NotFound:
            return {"status": "MISSING", "message": MISSING_COURSE_FOR_AUTHORS}
        except ScormCloudError as error:
            raise JsonHandlerError(*cloud_error(error)) from error
        return {"status": "OK", "message": ""}

    @json_object_handler
    def preview(self, data, suffix=""):
        """An untracked preview launch of the linked course: no registration is created."""
        self._require_editor()
        if not self.cloud_course_id:
            raise JsonHandlerError(409, "Import or link a SCORM Cloud course first.")
        try:
            link = self._client().course_preview_link(self.cloud_course_id, "message")
        except NotFound:
            raise JsonHandlerError(409, MISSING_COURSE_FOR_AUTHORS) from None
        except ScormCloudError as error:
            raise JsonHandlerError(*cloud_error(error)) from error
        return {"launch_url": link}

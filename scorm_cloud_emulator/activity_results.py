"""RegistrationSchema.activityDetails: each activity's results, read from its SCO's stored runtime data. Pure.

The tree is the course version's activity tree (organization, clusters, SCOs and assets); each node is an
ActivityResultSchema:

* A launchable activity (SCO or asset) reports its own stored CMI runtime data, read by the rules of
  :mod:`scorm_cloud_emulator.rollup`; one never launched is UNKNOWN / UNKNOWN with no attempt.
* A cluster rolls up the launchable activities under it as the registration rolls up all of them
  (:func:`scorm_cloud_emulator.sessions.rollup_instance`).
* The root reports the registration's own results (the instance's stored progress, which the admin API
  may set without any runtime data), so activityDetails agrees with the top-level fields.

``attempts`` is 1 for an activity with stored runtime data (under it, for a cluster; the root counts from
the registration's first access) and 0 otherwise: the emulator keeps each SCO's latest runtime data, not a
history of its attempts. ``timeTracked`` is the time the SCOs reported, as ``totalSecondsTracked`` is: the
player measures no time of its own. ``suspended`` says whether the SCO's last session exited with
"suspend" (one under it, for an aggregate).

With ``include_runtime``, an activity with stored runtime data carries it as a RuntimeSchema: the CMI
strings as the SCO set them (a SCORM 1.2 element under the name SCORM 2004 gave it), statuses in the
schema's enums. With ``include_interactions_and_objectives``, each activity lists the objectives of its
runtime data as ObjectiveSchema (``objectives``), and its runtime carries ``runtimeInteractions`` and
``runtimeObjectives``; each is an empty list when nothing is stored. SCO objectives only: without
sequencing, the emulator knows no primary objective.
"""
from .rollup import (COMPLETED, FAILED, INCOMPLETE, PASSED, UNKNOWN, RegistrationRollup, cmi_number, cmi_object,
                     cmi_vocabulary, format_cmi_timespan, is_scorm2004, scorm12_score, scorm2004_score, sco_result)
from .sessions import rollup_instance

NOT_ATTEMPTED, BROWSED = "NOT_ATTEMPTED", "BROWSED"

# RuntimeSchema's string fields and the CMI element each one reports.
_RUNTIME_STRINGS_12 = {
    "credit": ("core", "credit"), "entry": ("core", "entry"), "exit": ("core", "exit"),
    "location": ("core", "lesson_location"), "mode": ("core", "lesson_mode"),
    "scoreRaw": ("core", "score", "raw"), "scoreMin": ("core", "score", "min"),
    "scoreMax": ("core", "score", "max"), "totalTime": ("core", "total_time"), "suspendData": ("suspend_data",),
}
_RUNTIME_STRINGS_2004 = {
    "completionStatus": ("completion_status",), "credit": ("credit",), "entry": ("entry",), "exit": ("exit",),
    "location": ("location",), "mode": ("mode",), "progressMeasure": ("progress_measure",),
    "scoreScaled": ("score", "scaled"), "scoreRaw": ("score", "raw"), "scoreMin": ("score", "min"),
    "scoreMax": ("score", "max"), "totalTime": ("total_time",), "suspendData": ("suspend_data",),
}
# LearnerPreferenceSchema: (CMI object, {field: (CMI element, type)}). SCORM 2004 renamed 1.2's elements.
_PREFERENCES_12 = ("student_preference", {"audioLevel": ("audio", float), "language": ("language", str),
                                          "deliverySpeed": ("speed", float), "audioCaptioning": ("text", int)})
_PREFERENCES_2004 = ("learner_preference", {"audioLevel": ("audio_level", float), "language": ("language", str),
                                            "deliverySpeed": ("delivery_speed", float),
                                            "audioCaptioning": ("audio_captioning", int)})
# RuntimeInteractionSchema's string fields and the element of a CMI interaction each one reports.
_INTERACTION_STRINGS_12 = {"id": "id", "timestamp": "time", "weighting": "weighting",
                           "learnerResponse": "student_response", "result": "result", "latency": "latency"}
_INTERACTION_STRINGS_2004 = {"id": "id", "timestamp": "timestamp", "weighting": "weighting",
                             "learnerResponse": "learner_response", "result": "result", "latency": "latency",
                             "description": "description"}
_INTERACTION_TYPES = {"true-false": "TrueFalse", "choice": "Choice", "fill-in": "FillIn",
                      "long-fill-in": "LongFillIn", "likert": "Likert", "matching": "Matching",
                      "performance": "Performance", "sequencing": "Sequencing", "numeric": "Numeric",
                      "other": "Other"}
_SUCCESS = {"passed": PASSED, "failed": FAILED}
_RUNTIME_COMPLETION = {"completed": COMPLETED, "incomplete": INCOMPLETE, "not attempted": NOT_ATTEMPTED,
                       "browsed": BROWSED}
_OBJECTIVE_COMPLETION = {"completed": COMPLETED, "incomplete": INCOMPLETE, "browsed": INCOMPLETE}


def activity_details(standard, root, runtime, progress, include_runtime=False,
                     include_interactions_and_objectives=False):
    """The ActivityResultSchema of ``root`` and its descendants.

    ``runtime`` is the instance's stored runtime data, ``{activity id: {"cmi": {...}}}``; ``progress`` is
    its :class:`scorm_cloud_emulator.storage.Progress`.
    """
    details = _activity_result(root, standard, runtime, include_runtime, include_interactions_and_objectives)
    _set_results(details, RegistrationRollup(progress.completion, progress.success, progress.score,
                                             progress.total_seconds))
    details["attempts"] = 1 if progress.first_access else 0
    return details


def runtime_schema(standard, cmi, include_interactions_and_objectives=False):
    """The RuntimeSchema of one SCO's stored runtime data ``{"cmi": {...}}``."""
    scorm2004, data = is_scorm2004(standard), cmi_object(cmi.get("cmi"))
    strings = _RUNTIME_STRINGS_2004 if scorm2004 else _RUNTIME_STRINGS_12
    schema = {name: value for name, path in strings.items() if (value := _string(data, *path)) is not None}
    success, completion = _statuses(scorm2004, data, cmi_object(data.get("core")).get("lesson_status"))
    if not scorm2004 and completion:
        schema["completionStatus"] = completion
    schema["runtimeSuccessStatus"] = _SUCCESS.get(success, UNKNOWN)
    schema["timeTracked"] = format_cmi_timespan(sco_result(standard, cmi).seconds)
    preference = _learner_preference(scorm2004, data)
    if preference:
        schema["learnerPreference"] = preference
    schema["learnerComments"], schema["lmsComments"] = _comments(scorm2004, data)
    if include_interactions_and_objectives:
        schema["runtimeInteractions"] = [_interaction(scorm2004, item) for item in _array(data.get("interactions"))]
        schema["runtimeObjectives"] = [_runtime_objective(scorm2004, item) for item in _array(data.get("objectives"))]
    return schema


def activity_objectives(standard, cmi):
    """The ObjectiveSchema list of one SCO's stored runtime data: its CMI objectives."""
    scorm2004 = is_scorm2004(standard)
    return [_objective(scorm2004, item) for item in _array(cmi_object(cmi.get("cmi")).get("objectives"))]


# -- the tree -------------------------------------------------------------------------------------

def _activity_result(activity, standard, runtime, include_runtime, include_interactions_and_objectives):
    launchable = [item for item in activity.walk() if item.href is not None]
    launched = [runtime[item.identifier] for item in launchable if item.identifier in runtime]
    cmi = runtime.get(activity.identifier) if activity.href is not None else None
    result = {
        "id": activity.identifier,
        "title": activity.title,
        "attempts": 1 if launched else 0,
        "suspended": any(_suspended(standard, item) for item in launched),
        "children": [_activity_result(child, standard, runtime, include_runtime,
                                      include_interactions_and_objectives)
                     for child in activity.children],
    }
    _set_results(result, rollup_instance(standard, launchable, runtime))
    if include_interactions_and_objectives:
        result["objectives"] = activity_objectives(standard, cmi) if cmi is not None else []
    if include_runtime and cmi is not None:
        result["runtime"] = runtime_schema(standard, cmi, include_interactions_and_objectives)
    return result


def _set_results(result, rolled):
    """Put a :class:`~scorm_cloud_emulator.rollup.RegistrationRollup` into an ActivityResultSchema."""
    result.update(activityCompletion=rolled.completion, activitySuccess=rolled.success,
                  timeTracked=format_cmi_timespan(rolled.total_seconds))
    result.pop("score", None)
    if rolled.score is not None:
        result["score"] = {"scaled": rolled.score}


def _suspended(standard, cmi):
    data = cmi_object(cmi.get("cmi"))
    exit_value = data.get("exit") if is_scorm2004(standard) else cmi_object(data.get("core")).get("exit")
    return cmi_vocabulary(exit_value) == "suspend"


# -- runtime data -----------------------------------------------------------------------------------

def _statuses(scorm2004, data, status_12):
    """(success, completion) of a SCO or an objective, in SCORM 2004's vocabulary; in 1.2, its status
    (``lesson_status``, an objective's ``status``) says both."""
    if scorm2004:
        return cmi_vocabulary(data.get("success_status")), cmi_vocabulary(data.get("completion_status"))
    status = cmi_vocabulary(status_12)
    if status in ("passed", "failed"):
        return status, "completed"
    return "", status


def _learner_preference(scorm2004, data):
    name, fields = _PREFERENCES_2004 if scorm2004 else _PREFERENCES_12
    preferences = cmi_object(data.get(name))
    schema = {}
    for field, (element, kind) in fields.items():
        value = preferences.get(element)
        if kind is str:
            value = value if isinstance(value, str) and value else None
        else:
            value = cmi_number(value)
            if value is not None and kind is int:
                value = int(value) if value.is_integer() else None
        if value is not None:
            schema[field] = value
    return schema


def _comments(scorm2004, data):
    """(learnerComments, lmsComments) as CommentSchema lists; a 1.2 comment is one string."""
    if scorm2004:
        return tuple([{"value": item.get("comment"), "location": item.get("location"),
                       "dateTime": item.get("timestamp")} for item in _array(data.get(name))]
                     for name in ("comments_from_learner", "comments_from_lms"))
    return tuple([{"value": value}] if (value := _string(data, name)) else []
                 for name in ("comments", "comments_from_lms"))


def _interaction(scorm2004, item):
    strings = _INTERACTION_STRINGS_2004 if scorm2004 else _INTERACTION_STRINGS_12
    schema = {name: value for name, element in strings.items() if (value := _string(item, element)) is not None}
    kind = _INTERACTION_TYPES.get(cmi_vocabulary(item.get("type")))
    if kind:
        schema["type"] = kind
    schema["objectives"] = [value for objective in _array(item.get("objectives"))
                            if (value := _string(objective, "id")) is not None]
    schema["correctResponses"] = [value for response in _array(item.get("correct_responses"))
                                  if (value := _string(response, "pattern")) is not None]
    return schema


def _runtime_objective(scorm2004, item):
    names = ("scaled", "raw", "min", "max") if scorm2004 else ("raw", "min", "max")
    schema = {"id": _string(item, "id")}
    schema.update({f"score{name.capitalize()}": value for name in names
                   if (value := _string(item, "score", name)) is not None})
    if scorm2004:
        schema.update({name: value for name, element in (("progressMeasure", "progress_measure"),
                                                         ("description", "description"))
                       if (value := _string(item, element)) is not None})
    success, completion = _statuses(scorm2004, item, item.get("status"))
    schema["runtimeObjectiveSuccessStatus"] = _SUCCESS.get(success, UNKNOWN)
    schema["runtimeObjectiveCompletionStatus"] = _RUNTIME_COMPLETION.get(completion, UNKNOWN)
    return schema


def _objective(scorm2004, item):
    """ObjectiveSchema: scores as numbers, ``score.scaled`` on SCORM Cloud's 0..100 scale."""
    score = cmi_object(item.get("score"))
    schema = {"id": _string(item, "id")}
    scaled = scorm2004_score(score) if scorm2004 else scorm12_score(score)
    if scaled is not None:
        schema["score"] = {"scaled": scaled}
    schema.update({f"score{name.capitalize()}": value for name in ("raw", "min", "max")
                   if (value := cmi_number(score.get(name))) is not None})
    if scorm2004 and (measure := cmi_number(item.get("progress_measure"))) is not None:
        schema["progressMeasure"] = measure
    success, completion = _statuses(scorm2004, item, item.get("status"))
    schema["objectiveSuccess"] = _SUCCESS.get(success, UNKNOWN)
    schema["objectiveCompletion"] = _OBJECTIVE_COMPLETION.get(completion, UNKNOWN)
    return schema


# -- reading stored CMI -------------------------------------------------------------------------------

def _string(data, *path):
    """The CMI string at ``path`` under ``data``; None when unset or not a string (stored by another backend)."""
    for name in path[:-1]:
        data = cmi_object(data.get(name))
    value = data.get(path[-1])
    return value if isinstance(value, str) else None


def _array(value):
    """A committed CMI array (an object keyed "0", "1", ...) as the list of its members, in index order."""
    # ASCII digits only ("²".isdigit() is True) and a sane length: int() refuses more than 4300 digits.
    members = [(int(key), item) for key, item in cmi_object(value).items()
               if key.isascii() and key.isdigit() and len(key) <= 9 and isinstance(item, dict)]
    return [item for _, item in sorted(members, key=lambda member: member[0])]

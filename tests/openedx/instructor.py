"""Instructor dashboard operations on one learner's state, as ``instructor_task`` and
``instructor.enrollment`` perform them."""
from xblock.scorable import Score

from .keys import usage_key as to_usage_key
from .platform_modules import current_request
from .requests import build_request
from .users import AnonymousUser


class InstructorOperations:
    """Mixed into ``OpenEdxTestRuntime``."""

    def _has_student_module(self, user_id, usage_key):
        """A ``StudentModule`` row exists once state was saved or a score was set."""
        if (user_id, usage_key) in self.grades:
            return True
        return bool(self.student_db.row(user_id, usage_key))

    def rescore(self, usage_key, only_if_higher=False):
        """``rescore_problem_module_state`` for every learner with state; returns the task counts."""
        usage_key = to_usage_key(usage_key)
        block_class = self._usages[usage_key]
        if not hasattr(block_class, "rescore"):
            raise NotImplementedError(f"Specified module {usage_key} does not support rescoring.")
        counts = {"attempted": 0, "succeeded": 0, "skipped": 0}
        for user in self.users.all():
            if not self._has_student_module(user.id, usage_key):
                continue
            counts["attempted"] += 1
            block = self._load(usage_key, "lms", user)
            if not block.has_submitted_answer():
                counts["skipped"] += 1
                continue
            block.rescore(only_if_higher=only_if_higher)
            block.save()
            counts["succeeded"] += 1
        return counts

    def override_score(self, usage_key, user, score):
        """``override_score_module_state``: a weighted score, converted back to raw for ``set_score``."""
        usage_key = to_usage_key(usage_key)
        block = self._load(usage_key, "lms", user)
        if not hasattr(block.__class__, "set_score"):
            raise NotImplementedError(f"{usage_key} does not support score override")
        max_score = block.max_score()
        if not 0 <= score <= max_score:
            raise ValueError(f"score {score} is outside 0..{max_score}")
        weight = getattr(block, "weight", None)
        if weight == 0:
            raise ValueError("a block with weight 0 cannot be overridden")
        weight = weight or 1
        block.set_score(Score(raw_earned=score / weight, raw_possible=max_score / weight))
        block.publish_grade()
        block.save()

    def reset_attempts(self, usage_key, user):
        """``_reset_module_attempts``: rewrite ``state['attempts']`` if present; no block code runs."""
        usage_key = to_usage_key(usage_key)
        if not self._has_student_module(user.id, usage_key):
            raise LookupError(f"{user.username} has no state for {usage_key}")
        for key in self.student_db.row(user.id, usage_key):
            if key.field_name == "attempts":
                self.student_db[key] = 0

    def delete_student_state(self, usage_key, user, requesting_user):
        """``reset_student_attempts(..., delete_module=True)``.

        ``clear_student_state`` is called on the unbound block with anonymous ids, inside the
        instructor's request. The LMS fires the 0/max "score deleted" signal only when the block has
        no ``clear_student_state`` (``if not submission_cleared``): a block that defines it must
        reset its own score, or the gradebook keeps the old one.
        """
        usage_key = to_usage_key(usage_key)
        if not self._has_student_module(user.id, usage_key):
            raise LookupError(f"{user.username} has no state for {usage_key}")
        request = build_request("POST", f"/courses/{usage_key.context_key}/instructor/api/reset_student_attempts",
                                requesting_user, https=self.https, host=self.site_name,
                                form={"problem_to_reset": str(usage_key), "unique_student_identifier": user.username,
                                      "delete_module": "true"})
        with current_request(self, request):
            self._delete_student_state(usage_key, user, requesting_user)

    def _delete_student_state(self, usage_key, user, requesting_user):
        course_key = usage_key.context_key
        block = self.load_unbound_block(usage_key)
        submission_cleared = False
        clear_student_state = getattr(block, "clear_student_state", None)
        if callable(clear_student_state):
            clear_student_state(
                user_id=self.anonymous_user_id(user, course_key),
                course_id=str(course_key),
                item_id=str(usage_key),
                requesting_user_id=self.anonymous_user_id(requesting_user, course_key),
            )
            submission_cleared = True
        for key in self.student_db.row(user.id, usage_key):
            del self.student_db[key]
        self.grades.pop((user.id, usage_key), None)
        self.track("edx.grades.problem.state_deleted", {
            "user_id": str(user.id), "course_id": str(course_key), "problem_id": str(usage_key),
            "instructor_id": str(requesting_user.id),
        }, AnonymousUser, course_key)
        if not submission_cleared and block.has_score:
            max_score = block.max_score()
            if max_score is not None:
                # _fire_score_changed_for_block: 0 out of max, score_deleted.
                self.record_score_change(block, user, 0, max_score, score_deleted=True)


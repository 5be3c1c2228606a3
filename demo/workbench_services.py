"""
What the xblock-sdk workbench lacks to run postbacks: a learner lookup and a `rebind_user` service.

In the workbench a learner's anonymous id is their workbench student id, and noauth handlers run as the
pseudo-student "none"; rebinding points the block at the real student's state, as the LMS does.
"""
from types import SimpleNamespace

from workbench import runtime as workbench_runtime
from xblock.fields import UserScope


class WorkbenchUserService(workbench_runtime.WorkBenchUserService):
    """The workbench user service, plus the LMS's lookup of a learner by anonymous id."""

    def get_user_by_anonymous_id(self, uid=None):
        if not uid or uid == "none":
            return None
        return SimpleNamespace(id=uid, username=uid, email="user@example.com", is_authenticated=True)


class WorkbenchRebindUserService:
    """Rebind a block loaded by a noauth handler to a real student, like edx-platform's RebindUserService."""

    def rebind_noauth_module_to_user(self, block, real_user):
        if block.scope_ids.user_id not in (None, "none"):
            raise RuntimeError("Only a block bound to the anonymous user can be rebound.")
        block.scope_ids = block.scope_ids._replace(user_id=real_user.id)
        # Forget values read or written for the anonymous user, as bind_for_student does.
        for name, field in block.fields.items():
            if getattr(field.scope, "user", None) == UserScope.ONE:
                block._field_data_cache.pop(name, None)  # pylint: disable=protected-access
                block._dirty_fields.pop(field, None)  # pylint: disable=protected-access
        block.runtime._services["user"] = WorkbenchUserService(real_user.id)  # pylint: disable=protected-access


def install():
    """Give every workbench runtime the user service above."""
    workbench_runtime.WorkBenchUserService = WorkbenchUserService

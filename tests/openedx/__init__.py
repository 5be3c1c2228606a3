"""A faithful Open edX (LMS, Studio, preview) runtime for testing XBlocks without edx-platform."""
from .field_data import AnonymousStateWriteError, HarnessError, UnboundStateAccessError
from .lms_http import LmsHttpServer
from .runtime import (
    BlockRuntime, GradeRecord, HandlerError, OpenEdxTestRuntime, ReentrantPublishError, ScoreChange,
    TrackingEvent,
)
from .services import RebindUserServiceError
from .users import AnonymousUser, User

__all__ = [
    "AnonymousStateWriteError", "AnonymousUser", "BlockRuntime", "GradeRecord", "HandlerError", "HarnessError",
    "LmsHttpServer", "OpenEdxTestRuntime", "ReentrantPublishError", "RebindUserServiceError", "ScoreChange", "TrackingEvent",
    "UnboundStateAccessError", "User",
]

"""Accept opaque keys or their string forms wherever the harness takes a course or usage key."""
from opaque_keys.edx.keys import CourseKey, UsageKey


def course_key(value):
    return value if isinstance(value, CourseKey) else CourseKey.from_string(value)


def usage_key(value):
    return value if isinstance(value, UsageKey) else UsageKey.from_string(value)

"""SCORM Cloud's configuration settings: the ones the emulator supports, how a value is checked, and how
values cascade from the application down to a registration instance.

Only the postback settings are here. The emulator acts on no other setting, so it refuses any other id
rather than store a value it would ignore.
"""
from dataclasses import dataclass
from urllib.parse import urlsplit

from .postbacks import DEFAULT_AUTH_TYPE

POSTBACK_URL = "ApiRollupRegistrationPostBackUrl"
AUTH_TYPE = "ApiRollupRegistrationAuthType"
AUTH_USER = "ApiRollupRegistrationAuthUser"
AUTH_PASSWORD = "ApiRollupRegistrationAuthPassword"
RESULTS_FORMAT = "ApiRollupRegistrationFormat"
IS_JSON = "ApiRollupRegistrationIsJson"

# The levels a setting can be set at, least specific first, with the effectiveValueSource each reports.
# SCORM Cloud's sources name no course version or registration instance: those report as their course
# and their registration.
LEVELS = {
    "application": "application",
    "course": "course",
    "courseVersion": "course",
    "registration": "registration",
    "registrationInstance": "registration",
}


class SettingError(Exception):
    """A setting or value the emulator refuses: SCORM Cloud answers 400."""

    status = 400

    def __init__(self, message):
        super().__init__(message)
        self.message = message


def is_http_url(value):
    parts = urlsplit(value)
    return parts.scheme in ("http", "https") and bool(parts.netloc)


def _text(setting, value):
    return value


def _url(setting, value):
    # Empty means no postback: a registration or course can switch off a URL set above it.
    if value and not is_http_url(value):
        raise SettingError(f"Invalid value [{value}] for setting {setting.id}: expected an http(s) URL, "
                           "or an empty value for no postback")
    return value


def _choice(setting, value):
    # SCORM Cloud's values for these settings are lower-case words; PostBackSchema spells them in capitals.
    allowed = [valid for valid, _ in setting.valid_values]
    if value.lower() not in allowed:
        raise SettingError(f"Invalid value [{value}] for setting {setting.id}: expected one of "
                           f"{', '.join(allowed)}")
    return value.lower()


def _json_only(setting, value):
    if value.lower() == "false":
        raise SettingError(f"Invalid value [{value}] for setting {setting.id}: the emulator sends only v2 JSON "
                           "postbacks, not the legacy v1 XML")
    if value.lower() != "true":
        raise SettingError(f"Invalid value [{value}] for setting {setting.id}: expected true or false")
    return "true"


@dataclass(frozen=True)
class Setting:
    id: str
    default: str
    data_type: str
    description: str
    parse: object = _text
    #: (value, description) pairs, for a setting with a fixed list of values.
    valid_values: tuple = ()

    def metadata(self):
        """SettingMetadata. Postback settings apply to a registration, so "registration" is their level; the
        data types are the emulator's own words, SCORM Cloud's are not documented."""
        data = {"default": self.default, "dataType": self.data_type, "settingDescription": self.description,
                "level": "registration", "learningStandardVariant": "either"}
        if self.valid_values:
            data["validValues"] = [{"value": value, "valueDescription": description}
                                   for value, description in self.valid_values]
        return data


SETTINGS = {setting.id: setting for setting in (
    Setting(POSTBACK_URL, "", "string", "URL that registration results are posted to; empty for none.", _url),
    Setting(AUTH_TYPE, DEFAULT_AUTH_TYPE.lower(), "enum", "How the postback carries its data and credentials.",
            _choice, (("form", "Form field data, with userName and password fields"),
                      ("httpbasic", "JSON body, with a Basic Authorization header"))),
    Setting(AUTH_USER, "", "string", "User name sent with the postback."),
    Setting(AUTH_PASSWORD, "", "string", "Password sent with the postback."),
    # PostBackSchema's documented default, which the emulator has always used; the v2 migration guide says
    # activity instead.
    Setting(RESULTS_FORMAT, "course", "enum", "How much of the registration the postback carries.",
            _choice, (("course", "The registration's rolled-up results"),
                      ("activity", "Also the activity tree (activityDetails)"),
                      ("full", "Also each activity's runtime data, interactions and objectives"))),
    Setting(IS_JSON, "true", "bool", "Post the v2 JSON RegistrationSchema (true) or the legacy v1 XML (false).",
            _json_only),
)}


def check_setting_id(setting_id):
    if not isinstance(setting_id, str) or not setting_id:
        raise SettingError("settingId is required")
    if setting_id not in SETTINGS:
        raise SettingError(f"Unknown setting [{setting_id}]: the emulator supports only the postback settings "
                           f"{', '.join(SETTINGS)}")
    return SETTINGS[setting_id]


def check_setting(setting_id, value):
    """The value as stored for ``setting_id``; SettingError for an unknown setting or an invalid value."""
    setting = check_setting_id(setting_id)
    if isinstance(value, bool):  # JSON callers write booleans; SettingsIndividualSchema carries strings
        value = "true" if value else "false"
    if not isinstance(value, str):
        raise SettingError(f"The value of setting {setting_id} must be a string")
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:   # a lone surrogate: JSON can carry it, SQLite cannot store it
        raise SettingError(f"The value of setting {setting_id} is not valid text") from None
    return setting.parse(setting, value)


def parse_settings_post(body, name):
    """A SettingsPostSchema as ``{settingId: value}``; every setting is checked before any is stored."""
    items = body.get("settings") if isinstance(body, dict) else None
    if not isinstance(items, list) or not all(isinstance(item, dict) for item in items):
        raise SettingError(f'{name} must be {{"settings": [{{"settingId", "value"}}]}}')
    values = {}
    for item in items:
        # SCORM Cloud does not say what explicit=false changes; here every setting a call sets reads back
        # as that level's explicitValue either way.
        if not isinstance(item.get("explicit", False), bool):
            raise SettingError(f"explicit of setting {item.get('settingId')} must be true or false")
        values[item.get("settingId")] = check_setting(item.get("settingId"), item.get("value"))
    return values


# PostBackSchema's keys and the settings they stand for. legacy is the opposite of IsJson.
POSTBACK_KEYS = {"url": POSTBACK_URL, "authType": AUTH_TYPE, "userName": AUTH_USER, "password": AUTH_PASSWORD,
                 "resultsFormat": RESULTS_FORMAT, "legacy": IS_JSON}


def postback_settings(postback, name="postBack"):
    """A PostBackSchema as the settings it stands for. Keys left out, empty (but the url) or UNDEFINED set
    nothing, so the value comes from the level above."""
    if postback is None:
        return {}
    if not isinstance(postback, dict):
        raise SettingError(f"{name} must be an object")
    # Legacy PostBackSchema text spells the user field "username"; accept both.
    fields = {**postback, "userName": postback.get("userName", postback.get("username"))}
    settings = {}
    for key, setting_id in POSTBACK_KEYS.items():
        value = fields.get(key)
        # An empty url is kept: it switches off a URL set above, as it always did for a registration.
        if value is None or (value == "" and key != "url") or \
                (key in ("authType", "resultsFormat") and str(value).upper() == "UNDEFINED"):
            continue
        if key == "legacy":
            if not isinstance(value, bool):
                raise SettingError(f"{name} legacy must be true or false")
            value = not value
        try:
            settings[setting_id] = check_setting(setting_id, value)
        except SettingError as exc:
            raise SettingError(f"{name} {key}: {exc.message}") from None
    return settings


@dataclass(frozen=True)
class Scope:
    """Where settings are set: a level and what it belongs to."""

    level: str
    owner_id: str = ""
    #: The course version or the registration instance; -1 at the other levels.
    owner_number: int = -1

    @property
    def source(self):
        return LEVELS[self.level]


def course_scopes(course_id, version=None):
    """The levels a course (or one of its versions) reads its settings through, least specific first."""
    scopes = [Scope("application"), Scope("course", course_id)]
    if version is not None:
        scopes.append(Scope("courseVersion", course_id, version))
    return scopes


def registration_scopes(registration, instance_level=False):
    """The levels a registration reads its settings through: its course version, then itself, then (for
    postbacks and instance calls) the instance it is seen through."""
    scopes = course_scopes(registration.course_id, registration.course_version) + [
        Scope("registration", registration.id)]
    if instance_level:
        scopes.append(Scope("registrationInstance", registration.id, registration.instance))
    return scopes


def effective_values(levels):
    """Each setting's ``(value, source)`` over ``levels``: ``(source, {settingId: value})`` pairs, least
    specific first. The most specific level that sets a setting wins; the default fills in."""
    effective = {}
    for setting in SETTINGS.values():
        value, source = setting.default, "default"
        for level_source, values in levels:
            if setting.id in values:
                value, source = values[setting.id], level_source
        effective[setting.id] = (value, source)
    return effective


def setting_list(levels, include_metadata=False):
    """SettingListSchema as read at the last (most specific) of ``levels``."""
    explicit = levels[-1][1]
    items = []
    for setting_id, (value, source) in effective_values(levels).items():
        item = {"id": setting_id, "effectiveValue": value, "effectiveValueSource": source}
        if setting_id in explicit:
            item["explicitValue"] = explicit[setting_id]
        if include_metadata:
            item["metadata"] = SETTINGS[setting_id].metadata()
        items.append(item)
    return {"settingItems": items}


def postback_target(levels):
    """The postback the effective settings configure, as the postback worker sends it; None without a URL."""
    values = {setting_id: value for setting_id, (value, _) in effective_values(levels).items()}
    if not values[POSTBACK_URL]:
        return None
    return {"url": values[POSTBACK_URL], "authType": values[AUTH_TYPE].upper(), "userName": values[AUTH_USER],
            "password": values[AUTH_PASSWORD], "resultsFormat": values[RESULTS_FORMAT].upper()}

"""Workbench settings for the demo: the SCORM Cloud block configured for the local emulator."""
import os

from workbench.settings import *  # noqa: F401,F403 pylint: disable=wildcard-import,unused-wildcard-import
from workbench.settings import INSTALLED_APPS, LOGGING, WORKBENCH

VAR_DIR = os.environ.get("DEMO_VAR_DIR", "var")
EMULATOR_PORT = int(os.environ.get("DEMO_EMULATOR_PORT", "8900"))
os.makedirs(VAR_DIR, exist_ok=True)
LOGGING["handlers"]["logfile"]["filename"] = os.path.join(VAR_DIR, "workbench.log")

INSTALLED_APPS = [*INSTALLED_APPS, "demo.apps.DemoConfig"]
ROOT_URLCONF = "demo.urls"
DATABASES = {"default": {"ENGINE": "django.db.backends.sqlite3",
                         "NAME": os.path.join(VAR_DIR, "workbench.db")}}
WORKBENCH["services"]["rebind_user"] = "demo.workbench_services.WorkbenchRebindUserService"

XBLOCK_SETTINGS = {
    "ScormCloudXBlock": {
        "APP_ID": os.environ.get("SCORM_CLOUD_APP_ID", "demo-app"),
        "SECRET_KEY": os.environ.get("SCORM_CLOUD_SECRET_KEY", "demo-secret"),
        # The emulator `python -m demo` starts, wherever DEMO_EMULATOR_PORT put it.
        "BASE_URL": os.environ.get("SCORM_CLOUD_BASE_URL", f"http://127.0.0.1:{EMULATOR_PORT}/api/v2/"),
        "POSTBACK_SECRET": os.environ.get("SCORM_CLOUD_POSTBACK_SECRET", "demo-postback-secret"),
        "ID_PREFIX": os.environ.get("SCORM_CLOUD_ID_PREFIX", "demo"),
    }
}

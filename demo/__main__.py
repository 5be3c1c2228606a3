"""
Run the demo: the SCORM Cloud emulator on :8900 and the workbench on :8000, with the sample course imported.

Open http://127.0.0.1:8000/ and choose the "SCORM Cloud" scenario.
"""
import io
import os
import sys
import time
from pathlib import Path

from scorm_cloud_emulator.config import EmulatorConfig
from scorm_cloud_emulator.server import EmulatorServer
from scorm_cloud_xblock.block import WORKBENCH_COURSE_ID
from scorm_cloud_xblock.client import NotFound, ScormCloudClient

from demo import sample_package

VAR = Path(os.environ.get("DEMO_VAR_DIR", "var"))
EMULATOR_PORT = int(os.environ.get("DEMO_EMULATOR_PORT", "8900"))
WORKBENCH_ADDRESS = os.environ.get("DEMO_WORKBENCH_ADDRESS", "127.0.0.1:8000")


def import_sample_course(client):
    """Import the sample package once; later runs reuse the course the emulator kept."""
    try:
        return client.get_course(WORKBENCH_COURSE_ID)
    except NotFound:
        pass
    job_id = client.upload_import(WORKBENCH_COURSE_ID, io.BytesIO(sample_package.build()), filename="demo.zip")
    while True:
        job = client.import_status(job_id)
        if job.status != "RUNNING":
            break
        time.sleep(0.2)
    if job.status != "COMPLETE":
        sys.exit(f"The sample package did not import: {job.message}")
    return job.course


def main():
    VAR.mkdir(parents=True, exist_ok=True)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "demo.settings")
    from django.conf import settings  # pylint: disable=import-outside-toplevel
    from django.core.management import execute_from_command_line  # pylint: disable=import-outside-toplevel

    cloud = settings.XBLOCK_SETTINGS["ScormCloudXBlock"]
    emulator = EmulatorServer(EmulatorConfig(
        data_dir=VAR / "emulator", port=EMULATOR_PORT, app_id=cloud["APP_ID"], secret_key=cloud["SECRET_KEY"]))
    emulator.start()
    print(f"SCORM Cloud emulator: {emulator.api_url}")
    course = import_sample_course(ScormCloudClient(cloud["APP_ID"], cloud["SECRET_KEY"], base_url=emulator.api_url))
    print(f'Sample course "{course.title}" is in the emulator as {course.id}.')
    print(f"Workbench: http://{WORKBENCH_ADDRESS}/  (choose the \"SCORM Cloud\" scenario)")
    try:
        execute_from_command_line(["demo", "migrate", "--run-syncdb", "--verbosity", "0"])
        execute_from_command_line(["demo", "runserver", "--noreload", WORKBENCH_ADDRESS])
    finally:
        emulator.stop()


if __name__ == "__main__":
    main()

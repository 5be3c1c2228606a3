"""
Run the demo: the SCORM Cloud emulator on :8900 and the workbench on :8000, with the sample course imported.

Open http://127.0.0.1:8000/ and choose the "SCORM Cloud" scenario. DEMO_EMULATOR_PORT and
DEMO_WORKBENCH_ADDRESS move them; port 0 takes a free port, and the addresses served are printed.
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


def serve_workbench(address):
    """
    The workbench on Django's development server, as `runserver --noreload` runs it (threaded, static
    files served), until Ctrl-C. Port 0 takes a free port; the address served is printed either way.
    """
    # pylint: disable=import-outside-toplevel
    from django.contrib.staticfiles.handlers import StaticFilesHandler
    from django.core.servers.basehttp import ThreadedWSGIServer, WSGIRequestHandler, get_internal_wsgi_application

    host, _, port = address.rpartition(":")
    server = ThreadedWSGIServer((host, int(port)), WSGIRequestHandler)
    server.set_app(StaticFilesHandler(get_internal_wsgi_application()))
    print(f"Workbench: http://{host}:{server.server_address[1]}/  (choose the \"SCORM Cloud\" scenario)",
          flush=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()


def main():
    VAR.mkdir(parents=True, exist_ok=True)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "demo.settings")
    from django.conf import settings  # pylint: disable=import-outside-toplevel
    from django.core.management import execute_from_command_line  # pylint: disable=import-outside-toplevel

    cloud = settings.XBLOCK_SETTINGS["ScormCloudXBlock"]
    emulator = EmulatorServer(EmulatorConfig(
        data_dir=VAR / "emulator", port=EMULATOR_PORT, app_id=cloud["APP_ID"], secret_key=cloud["SECRET_KEY"]))
    emulator.start()
    if not os.environ.get("SCORM_CLOUD_BASE_URL"):
        # Where the emulator really listens: DEMO_EMULATOR_PORT=0 lets it take a free port.
        cloud["BASE_URL"] = emulator.api_url + "/"
    print(f"SCORM Cloud emulator: {emulator.api_url}", flush=True)
    course = import_sample_course(ScormCloudClient(cloud["APP_ID"], cloud["SECRET_KEY"], base_url=emulator.api_url))
    print(f'Sample course "{course.title}" is in the emulator as {course.id}.')
    try:
        execute_from_command_line(["demo", "migrate", "--run-syncdb", "--verbosity", "0"])
        serve_workbench(WORKBENCH_ADDRESS)
    finally:
        emulator.stop()


if __name__ == "__main__":
    main()

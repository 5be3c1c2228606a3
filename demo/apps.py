"""The demo as a Django app, so the workbench is extended once Django is ready."""
from django.apps import AppConfig


class DemoConfig(AppConfig):
    name = "demo"
    label = "scorm_cloud_demo"

    def ready(self):
        from demo import workbench_services  # pylint: disable=import-outside-toplevel
        workbench_services.install()

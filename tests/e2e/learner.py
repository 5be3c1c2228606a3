"""What a learner does with the block in the workbench, and what the test reads back afterwards."""
import json
import re
from dataclasses import dataclass

from tests.browser import wait_for

from .demo_process import Workbench

PLAYER_URL = re.compile(r"/player/[^/]+/$")


@dataclass
class Unit:
    """One SCORM Cloud component in a workbench scenario."""

    workbench: Workbench
    scenario_id: str
    usage_id: str

    @classmethod
    def find(cls, workbench, scenario_title):
        scenario_id = workbench.scenario_id(scenario_title)
        return cls(workbench, scenario_id, workbench.usage_id(scenario_id))

    def url(self, student):
        return self.workbench.scenario_url(self.scenario_id, student)

    def progress(self, student):
        return self.workbench.progress(self.usage_id, student)


def open_unit(page, unit, student):
    """The learner opens the unit; the block registers them with SCORM Cloud on this first view."""
    page.goto(unit.url(student))
    block = page.locator(".scorm-cloud-student")
    block.wait_for()
    registration_id = wait_for(lambda: unit.progress(student)["registration_id"], page)
    return block, registration_id


def launch(page, block):
    """Click the one launch button (Launch, Resume or Review) and wait for the emulator's player."""
    button = block.locator("button.scorm-cloud-launch")
    button.click()
    page.wait_for_url(PLAYER_URL)


def delivered_postbacks(demo, registration_id):
    """Bodies of the postbacks the emulator delivered for this registration, oldest first."""
    return [json.loads(entry["body"]) for entry in demo.admin.postbacks()
            if entry["registrationId"] == registration_id and entry["delivered"]]


def wait_for_postback(demo, registration_id, completion, success="UNKNOWN", score=None):
    """Wait until the emulator has delivered a postback with these results; return its body.

    Content commits several times (reaching the last page, then submitting the quiz), so earlier
    postbacks with partial results may come first.
    """
    def results(body):
        return body.get("registrationCompletion"), body.get("registrationSuccess"), body.get("score", {}).get("scaled")

    def delivered():
        return next((body for body in reversed(delivered_postbacks(demo, registration_id))
                     if results(body) == (completion, success, score)), None)
    return wait_for(delivered)

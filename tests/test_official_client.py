"""Rustici's official Python client drives the emulator unchanged: the emulator speaks SCORM Cloud's
wire format closely enough for the generated models to deserialize every answer."""
import json
import time
from contextlib import ExitStack
from datetime import datetime

import pytest
from rustici_software_cloud_v2 import (ApiClient, ApplicationManagementApi, Configuration, CourseApi, PingApi,
                                       RegistrationApi)
from rustici_software_cloud_v2.models import (
    CreateRegistrationSchema,
    LaunchLinkRequestSchema,
    LearnerSchema,
    PostBackSchema,
    SettingsIndividualSchema,
    SettingsPostSchema,
)
from rustici_software_cloud_v2.rest import ApiException

from tests.emulator.test_postbacks import Receiver

PACKAGE = "golf_RuntimeBasicCalls_SCORM12.zip"
EXIT_URL = "http://127.0.0.1:1/exit"


def official_client(server, secret="test-secret"):
    config = Configuration()
    config.host = server.api_url
    config.username = "test-app"
    config.password = secret
    return ApiClient(config)


def error_text(error: ApiException) -> str:
    body = json.loads(error.body)
    return body.get("message") or body.get("error")


def wait_for_import(courses: CourseApi, job_id):
    deadline = time.monotonic() + 20
    while (job := courses.get_import_job_status(job_id)).status == "RUNNING":
        assert time.monotonic() < deadline, f"import job {job_id} still running"
        time.sleep(0.05)
    return job


def import_course(courses: CourseApi, scorm_packages, course_id):
    job = wait_for_import(courses, courses.create_upload_and_import_course_job(
        course_id, file=str(scorm_packages / PACKAGE)).result)
    assert job.status == "COMPLETE", job.message
    return job


def register(registrations: RegistrationApi, registration_id, course_id, learner_id="learner-1"):
    registrations.create_registration(CreateRegistrationSchema(
        course_id=course_id, registration_id=registration_id,
        learner=LearnerSchema(id=learner_id, first_name="Ada", last_name="Lovelace"),
    ))


def test_full_lifecycle(emulator_factory, scorm_packages):
    emulator = emulator_factory(page_size=2, import_delay=0.2)
    api = official_client(emulator)
    courses, registrations = CourseApi(api), RegistrationApi(api)

    assert PingApi(api).ping_app_id().api_message

    job_id = courses.create_upload_and_import_course_job("golf", file=str(scorm_packages / PACKAGE)).result
    assert courses.get_import_job_status(job_id).status == "RUNNING"
    job = wait_for_import(courses, job_id)
    assert job.status == "COMPLETE", job.message
    assert job.job_id == job_id
    assert job.import_result.course.id == "golf"
    assert job.import_result.course.course_learning_standard == "SCORM12"
    assert isinstance(job.import_result.parser_warnings, list)

    course = courses.get_course("golf")
    assert (course.id, course.title, course.version) == ("golf", job.import_result.course.title,
                                                         job.import_result.course.version)
    assert isinstance(course.created, datetime) and isinstance(course.updated, datetime)
    assert [version.version for version in courses.get_course_versions("golf").courses] == [course.version]

    for index in range(3):
        register(registrations, f"reg-{index}", "golf", learner_id=f"learner-{index}")
    registrations.get_registration("reg-0")  # HEAD: no exception means it exists

    link = registrations.build_registration_launch_link(
        "reg-0", LaunchLinkRequestSchema(redirect_on_exit_url=EXIT_URL, expiry=120))
    assert link.launch_link.startswith(emulator.root_url)

    progress = registrations.get_registration_progress("reg-0")
    assert (progress.id, progress.instance) == ("reg-0", 0)
    assert (progress.registration_completion, progress.registration_success) == ("UNKNOWN", "UNKNOWN")
    assert (progress.course.id, progress.learner.id) == ("golf", "learner-0")

    emulator.admin.set_progress("reg-0", registrationCompletion="COMPLETED", registrationSuccess="PASSED",
                                score={"scaled": 87.5}, totalSecondsTracked=125)
    progress = registrations.get_registration_progress("reg-0")
    assert (progress.registration_completion, progress.registration_success) == ("COMPLETED", "PASSED")
    assert progress.score.scaled == 87.5
    assert progress.total_seconds_tracked == 125
    assert isinstance(progress.updated, datetime)

    first = registrations.get_registrations(course_id="golf")
    assert len(first.registrations) == 2 and first.more
    second = registrations.get_registrations(more=first.more)
    assert len(second.registrations) == 1 and not second.more
    assert sorted(reg.id for reg in first.registrations + second.registrations) == ["reg-0", "reg-1", "reg-2"]

    registrations.create_new_registration_instance("reg-0")
    assert registrations.get_registration_progress("reg-0").instance == 1

    registrations.delete_registration("reg-0")
    with pytest.raises(ApiException) as caught:
        registrations.get_registration("reg-0")
    assert caught.value.status == 404

    courses.delete_course("golf")
    with pytest.raises(ApiException) as caught:
        courses.get_course("golf")
    assert caught.value.status == 404


def test_wrong_secret_is_401(emulator):
    with pytest.raises(ApiException) as caught:
        PingApi(official_client(emulator, secret="wrong")).ping_app_id()
    assert caught.value.status == 401


def test_error_cases(emulator, scorm_packages):
    api = official_client(emulator)
    courses, registrations = CourseApi(api), RegistrationApi(api)
    import_course(courses, scorm_packages, "golf")
    register(registrations, "dup", "golf")

    with pytest.raises(ApiException) as caught:
        register(registrations, "dup", "golf")
    assert caught.value.status == 400
    assert "already exists" in error_text(caught.value)

    with pytest.raises(ApiException) as caught:
        courses.create_upload_and_import_course_job("golf", file=str(scorm_packages / PACKAGE))
    assert caught.value.status == 409

    for call in (lambda: courses.get_course("nope"),
                 lambda: registrations.get_registration_progress("nope"),
                 lambda: register(registrations, "r", "nope"),
                 lambda: registrations.build_registration_launch_link(
                     "nope", LaunchLinkRequestSchema(redirect_on_exit_url=EXIT_URL))):
        with pytest.raises(ApiException) as caught:
            call()
        assert caught.value.status == 404

    for expiry in (9, 301):
        with pytest.raises(ApiException) as caught:
            registrations.build_registration_launch_link(
                "dup", LaunchLinkRequestSchema(redirect_on_exit_url=EXIT_URL, expiry=expiry))
        assert caught.value.status == 400


def test_listing_parameters_and_import_tags(emulator_factory, scorm_packages):
    emulator = emulator_factory(page_size=2)
    api = official_client(emulator)
    courses, registrations = CourseApi(api), RegistrationApi(api)
    for course_id, tags in (("golf", ["safety", "sport"]), ("golf-2", ["sport"]), ("other", None)):
        job = wait_for_import(courses, courses.create_upload_and_import_course_job(
            course_id, file=str(scorm_packages / PACKAGE), **({"tags": tags} if tags else {})).result)
        assert job.status == "COMPLETE", job.message
    assert courses.get_course("golf").tags == ["safety", "sport"]
    assert sorted(course.id for course in courses.get_courses(tags=["safety", "none"]).courses) == ["golf"]
    listed = courses.get_courses(filter="GOLF", filter_by="course_id", order_by="created_asc")
    assert [course.id for course in listed.courses] == ["golf", "golf-2"] and not listed.more

    for index, last_name in enumerate(("Turing", "Hopper", "Lovelace")):
        registrations.create_registration(CreateRegistrationSchema(
            course_id="golf", registration_id=f"reg-{index}",
            learner=LearnerSchema(id=f"learner-{index}", first_name="Ada", last_name=last_name)))
    first = registrations.get_registrations(filter="O", filter_by="learner_last_name",
                                            order_by="learner_last_name_asc")
    assert [reg.id for reg in first.registrations] == ["reg-1", "reg-2"] and not first.more
    assert courses.get_course_version_info("golf", 0, include_registration_count=True).registration_count == 3

    with pytest.raises(ApiException) as caught:
        registrations.get_registrations(filter_by="learner_email")
    assert caught.value.status == 400


def postback_settings(url, **more):
    settings = {"ApiRollupRegistrationPostBackUrl": url, **more}
    return SettingsPostSchema(settings=[SettingsIndividualSchema(setting_id=setting_id, value=value)
                                        for setting_id, value in settings.items()])


def test_postback_settings_cascade_from_application_to_registration(emulator, scorm_packages):
    api = official_client(emulator)
    application, courses, registrations = ApplicationManagementApi(api), CourseApi(api), RegistrationApi(api)
    import_course(courses, scorm_packages, "golf")
    with ExitStack() as stack:
        app_level, course_level, registration_level = (stack.enter_context(Receiver()) for _ in range(3))

        def post_back(seconds):
            emulator.admin.set_progress("reg", totalSecondsTracked=seconds)
            emulator.admin.flush_postbacks()
            return [len(receiver.received) for receiver in (app_level, course_level, registration_level)]

        application.set_application_configuration(postback_settings(
            app_level.url, ApiRollupRegistrationAuthType="form"))
        register(registrations, "reg", "golf")  # no postBack of its own
        assert post_back(10) == [1, 0, 0]
        assert app_level.received[0]["form"]["data"]

        courses.set_course_configuration("golf", postback_settings(course_level.url))
        assert post_back(20) == [1, 1, 0]
        registrations.set_registration_configuration("reg", postback_settings(registration_level.url))
        assert post_back(30) == [1, 1, 1]
        registrations.delete_registration_configuration_setting("reg", "ApiRollupRegistrationPostBackUrl")
        assert post_back(40) == [1, 2, 1]

    items = {item.id: item for item in registrations.get_registration_configuration(
        "reg", include_metadata=True).setting_items}
    url, auth_type = items["ApiRollupRegistrationPostBackUrl"], items["ApiRollupRegistrationAuthType"]
    assert (url.effective_value, url.effective_value_source, url.explicit_value) == (
        course_level.url, "course", None)
    assert (auth_type.effective_value, auth_type.effective_value_source) == ("form", "application")
    assert [valid.value for valid in auth_type.metadata.valid_values] == ["form", "httpbasic"]
    course_items = {item.id: item for item in courses.get_course_configuration("golf").setting_items}
    assert course_items["ApiRollupRegistrationPostBackUrl"].explicit_value == course_level.url
    assert course_items["ApiRollupRegistrationPostBackUrl"].metadata is None


def test_the_registrations_postback_reads_back_and_configuration_errors(emulator, scorm_packages):
    api = official_client(emulator)
    application, courses, registrations = ApplicationManagementApi(api), CourseApi(api), RegistrationApi(api)
    import_course(courses, scorm_packages, "golf")
    registrations.create_registration(CreateRegistrationSchema(
        course_id="golf", registration_id="reg", learner=LearnerSchema(id="learner-1"),
        post_back=PostBackSchema(url="http://127.0.0.1:1/pb", auth_type="HTTPBASIC", user_name="u",
                                 password="p", results_format="COURSE")))
    items = registrations.get_registration_configuration("reg").setting_items
    assert {item.id: (item.explicit_value, item.effective_value_source) for item in items
            if item.explicit_value is not None} == {
        "ApiRollupRegistrationPostBackUrl": ("http://127.0.0.1:1/pb", "registration"),
        "ApiRollupRegistrationAuthType": ("httpbasic", "registration"),
        "ApiRollupRegistrationAuthUser": ("u", "registration"),
        "ApiRollupRegistrationAuthPassword": ("p", "registration"),
        "ApiRollupRegistrationFormat": ("course", "registration"),
    }

    unknown = SettingsPostSchema(settings=[SettingsIndividualSchema(setting_id="PlayerScoLaunchType",
                                                                    value="FRAMESET")])
    for call, status in ((lambda: application.set_application_configuration(unknown), 400),
                         (lambda: courses.set_course_configuration("golf", unknown), 400),
                         (lambda: registrations.delete_registration_configuration_setting("reg", "Nope"), 400),
                         (lambda: courses.get_course_configuration("nope"), 404),
                         (lambda: courses.set_course_configuration("nope", postback_settings("")), 404),
                         (lambda: registrations.get_registration_configuration("nope"), 404),
                         (lambda: registrations.delete_registration_configuration_setting(
                             "nope", "ApiRollupRegistrationPostBackUrl"), 404)):
        with pytest.raises(ApiException) as caught:
            call()
        assert caught.value.status == status
        assert error_text(caught.value)

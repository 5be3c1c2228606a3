"""GetRegistrations and GetCourses: filter/filterBy, orderBy and tags, across pages of `more`.

SCORM Cloud does not document how `filter` matches; the emulator matches a case-insensitive substring.
Pages hold two items, so every listing here also crosses page boundaries with its filters and order.
"""
import pytest

from .test_api import GOLF_12, import_course, listed_ids, session_for

LEARNERS = {
    # registration id: (course id, first name, last name, registration tags)
    "r-ada": ("course", "Ada", "Lovelace", ["math"]),
    "r-alan": ("course", "Alan", "Turing", ["math", "crypto"]),
    "r-edsger": ("course", "Edsger", "Dijkstra", []),
    "r-grace": ("other", "Grace", "Hopper", ["navy"]),
    "r-emile": ("other", "Émile", "Borel", []),
}


@pytest.fixture
def people(emulator_factory, scorm_packages):
    """Two courses ("Golf ..." and "Another Title") and five named learners' registrations on them."""
    emulator = emulator_factory(page_size=2)
    session = session_for(emulator)
    import_course(session, emulator, scorm_packages / GOLF_12, "course")
    import_course(session, emulator, scorm_packages / GOLF_12, "other")
    session.put(f"{emulator.api_url}/courses/other/title", json={"title": "Another Title"})
    for registration_id, (course_id, first, last, tags) in LEARNERS.items():
        response = session.post(f"{emulator.api_url}/registrations", json={
            "courseId": course_id, "registrationId": registration_id, "registrationTags": tags,
            "learner": {"id": f"l-{registration_id}", "firstName": first, "lastName": last}})
        assert response.status_code == 204, response.text
    return emulator, session


def registrations(people, **params):
    emulator, session = people
    return listed_ids(session, emulator, "registrations", **params)


def test_filter_matches_the_registration_id_by_default(people):
    assert sorted(registrations(people, filter="R-A")) == ["r-ada", "r-alan"]
    assert sorted(registrations(people, filter="R-A", filterBy="registration_id")) == ["r-ada", "r-alan"]
    assert registrations(people, filter="nobody") == []


@pytest.mark.parametrize("filter_by, text, expected", [
    ("course_title", "another", ["r-emile", "r-grace"]),
    ("learner_first_name", "A", ["r-ada", "r-alan", "r-grace"]),
    ("learner_first_name", "ÉMILE", ["r-emile"]),
    ("learner_last_name", "ove", ["r-ada"]),
    ("tags", "MAT", ["r-ada", "r-alan"]),
])
def test_filter_by_each_documented_field(people, filter_by, text, expected):
    assert sorted(registrations(people, filter=text, filterBy=filter_by)) == expected


def test_filter_combines_with_the_other_filters(people):
    assert registrations(people, filter="a", filterBy="learner_first_name", courseId="other") == ["r-grace"]
    assert registrations(people, filter="a", filterBy="learner_first_name", tags="crypto,navy",
                         orderBy="learner_first_name_asc") == ["r-alan", "r-grace"]


@pytest.mark.parametrize("order_by, expected", [
    ("learner_last_name_asc", ["r-emile", "r-edsger", "r-grace", "r-ada", "r-alan"]),
    ("learner_last_name_desc", ["r-alan", "r-ada", "r-grace", "r-edsger", "r-emile"]),
    # Sorted as stored, code point by code point: "É" comes after the ASCII letters.
    ("learner_first_name_asc", ["r-ada", "r-alan", "r-edsger", "r-grace", "r-emile"]),
    ("learner_first_name_desc", ["r-emile", "r-grace", "r-edsger", "r-alan", "r-ada"]),
    # Equal titles fall back to the registration id, in the same direction.
    ("course_title_asc", ["r-emile", "r-grace", "r-ada", "r-alan", "r-edsger"]),
    ("course_title_desc", ["r-edsger", "r-alan", "r-ada", "r-grace", "r-emile"]),
])
def test_order_by_course_title_and_learner_names(people, order_by, expected):
    assert registrations(people, orderBy=order_by) == expected


def test_a_filtered_and_ordered_listing_keeps_both_across_pages(people):
    emulator, session = people
    first = session.get(f"{emulator.api_url}/registrations", params={
        "filter": "E", "filterBy": "learner_last_name", "orderBy": "learner_last_name_desc",
        "includeTotalCount": "true"})
    assert first.headers["X-Total-Count"] == "3"
    assert [item["id"] for item in first.json()["registrations"]] == ["r-ada", "r-grace"]
    second = session.get(f"{emulator.api_url}/registrations", params={"more": first.json()["more"]}).json()
    assert [item["id"] for item in second["registrations"]] == ["r-emile"]
    assert "more" not in second


# -- courses ---------------------------------------------------------------------------------------

@pytest.fixture
def catalogue(emulator_factory, scorm_packages):
    """Three courses, titled out of id order, two of them imported with tags."""
    emulator = emulator_factory(page_size=2)
    session = session_for(emulator)
    for course_id, title, tags in (("course-a", "Zulu", "safety,Fire"), ("course-b", "alpha", "safety"),
                                   ("other-c", "Mike", None)):
        import_course(session, emulator, scorm_packages / GOLF_12, course_id,
                      **({"tags": tags} if tags else {}))
        session.put(f"{emulator.api_url}/courses/{course_id}/title", json={"title": title})
    return emulator, session


def courses(catalogue, **params):
    emulator, session = catalogue
    return listed_ids(session, emulator, "courses", **params)


def test_import_tags_are_the_courses(catalogue, scorm_packages):
    emulator, session = catalogue
    assert session.get(f"{emulator.api_url}/courses/course-a").json()["tags"] == ["safety", "Fire"]
    assert session.get(f"{emulator.api_url}/courses/other-c").json()["tags"] == []
    # A new version's import adds its tags to the course's, which every version shows.
    import_course(session, emulator, scorm_packages / GOLF_12, "course-a", mayCreateNewVersion="true",
                  tags="safety,new")
    versions = session.get(f"{emulator.api_url}/courses/course-a/versions").json()["courses"]
    assert [version["tags"] for version in versions] == [["safety", "Fire", "new"]] * 2


def test_courses_tags_match_any(catalogue):
    assert sorted(courses(catalogue, tags="Fire")) == ["course-a"]
    assert sorted(courses(catalogue, tags="Fire,safety")) == ["course-a", "course-b"]
    assert courses(catalogue, tags="fire") == []  # a tag is matched whole, as stored


@pytest.mark.parametrize("params, expected", [
    ({"filter": "COURSE"}, ["course-a", "course-b"]),
    ({"filter": "COURSE", "filterBy": "course_id"}, ["course-a", "course-b"]),
    ({"filter": "ALPH", "filterBy": "title"}, ["course-b"]),
    ({"filter": "fir", "filterBy": "tags"}, ["course-a"]),
    ({"filter": "i", "filterBy": "title", "tags": "safety"}, []),
    ({"filter": "u", "filterBy": "title", "tags": "safety"}, ["course-a"]),
])
def test_courses_filter(catalogue, params, expected):
    assert sorted(courses(catalogue, **params)) == expected


@pytest.mark.parametrize("order_by, expected", [
    ("title_asc", ["other-c", "course-a", "course-b"]),  # as stored: capitals before lower case
    ("title_desc", ["course-b", "course-a", "other-c"]),
    ("created_asc", ["course-a", "course-b", "other-c"]),
    ("created_desc", ["other-c", "course-b", "course-a"]),
])
def test_courses_order_by(catalogue, order_by, expected):
    assert courses(catalogue, orderBy=order_by) == expected


def test_courses_order_by_updated(catalogue):
    emulator, session = catalogue
    updated = {course_id: session.get(f"{emulator.api_url}/courses/{course_id}").json()["updated"]
               for course_id in ("course-a", "course-b", "other-c")}
    by_updated = sorted(updated, key=lambda course_id: (updated[course_id], course_id))
    assert courses(catalogue, orderBy="updated_asc") == by_updated
    assert courses(catalogue, orderBy="updated_desc") == by_updated[::-1]


@pytest.mark.parametrize("params", [{"filterBy": "registration_id"}, {"filterBy": "learner_first_name"},
                                    {"orderBy": "course_title_asc"}, {"orderBy": "random"},
                                    {"datetimeFilter": "launched"}])
def test_courses_refuse_unknown_filter_by_and_order_by(emulator, params):
    response = session_for(emulator).get(f"{emulator.api_url}/courses", params=params)
    assert response.status_code == 400
    assert next(iter(params)) in response.json()["message"]


@pytest.mark.parametrize("path", ["/courses", "/courses/course-a", "/courses/course-a/versions",
                                  "/courses/course-a/versions/0"])
def test_course_metadata_is_refused_rather_than_left_out(catalogue, path):
    emulator, session = catalogue
    response = session.get(f"{emulator.api_url}{path}", params={"includeCourseMetadata": "true"})
    assert response.status_code == 400
    assert "includeCourseMetadata" in response.json()["message"]
    assert session.get(f"{emulator.api_url}{path}", params={"includeCourseMetadata": "false"}).status_code == 200

"""Postback credentials, the two wire shapes, and verification."""
import base64
import hashlib
import hmac
import json
import random
from urllib.parse import parse_qsl, urlencode

import pytest

from scorm_cloud_xblock.postback import (
    PostbackError,
    PostbackRequest,
    postback_password,
    postback_url,
    read_postback,
    verify_postback,
)

SECRET = "s3cret-key"
REG_ID = "edx-0123456789abcdef-3c1a7b0e9f2d4c6a"
PAYLOAD = {
    "id": REG_ID,
    "instance": 0,
    "updated": "2024-05-01T10:00:00.000Z",
    "registrationCompletion": "COMPLETED",
    "registrationSuccess": "PASSED",
    "score": {"scaled": 87.5},
    "totalSecondsTracked": 421.0,
}


def basic(user, password):
    return "Basic " + base64.b64encode(f"{user}:{password}".encode()).decode()


def json_postback(payload=PAYLOAD, user=REG_ID, password=None, content_type="application/json; charset=utf-8"):
    password = postback_password(SECRET, user) if password is None else password
    return read_postback(content_type, json.dumps(payload).encode(), {}, basic(user, password))


def form_postback(fields):
    # Round-trip through real URL encoding, as a web framework would decode it.
    body = urlencode(fields).encode()
    return read_postback(
        "application/x-www-form-urlencoded; charset=UTF-8", body, dict(parse_qsl(body.decode())), None
    )


def assert_status(status, call, *args, **kwargs):
    with pytest.raises(PostbackError) as info:
        call(*args, **kwargs)
    assert info.value.status == status, info.value.message
    assert info.value.message
    return info.value


def test_password_is_hex_hmac_sha256_of_the_registration_id():
    expected = hmac.new(SECRET.encode(), REG_ID.encode(), hashlib.sha256).hexdigest()
    assert postback_password(SECRET, REG_ID) == expected
    assert postback_password(SECRET, REG_ID + "x") != expected
    assert postback_password(SECRET + "x", REG_ID) != expected


def test_password_refuses_an_empty_secret():
    with pytest.raises(ValueError, match="empty"):
        postback_password("", REG_ID)


def test_password_refuses_non_strings():
    with pytest.raises(TypeError):
        postback_password(b"secret", REG_ID)


def test_httpbasic_shape():
    request = json_postback()
    assert request == PostbackRequest(REG_ID, postback_password(SECRET, REG_ID), PAYLOAD)


@pytest.mark.parametrize(
    "content_type",
    ["application/json", "Application/JSON", "application/json;charset=utf-8", 'application/json; charset="UTF-8"'],
)
def test_httpbasic_content_type_variants(content_type):
    assert json_postback(content_type=content_type).payload == PAYLOAD


def test_httpbasic_password_may_contain_a_colon():
    assert json_postback(password="a:b:c").password == "a:b:c"


def test_form_shape_with_userName():
    password = postback_password(SECRET, REG_ID)
    request = form_postback({"data": json.dumps(PAYLOAD), "userName": REG_ID, "password": password})
    assert request == PostbackRequest(REG_ID, password, PAYLOAD)


def test_form_shape_with_legacy_username_spelling():
    password = postback_password(SECRET, REG_ID)
    request = form_postback({"data": json.dumps(PAYLOAD), "username": REG_ID, "password": password})
    assert request.user_name == REG_ID


def test_form_prefers_userName_when_both_are_sent():
    request = form_postback({"data": "{}", "userName": "right", "username": "wrong", "password": "p"})
    assert request.user_name == "right"


@pytest.mark.parametrize("authorization", [None, "", "Basic", "Basic   ", "Bearer abc", "Digest x=y"])
def test_httpbasic_without_credentials_is_401(authorization):
    assert_status(401, read_postback, "application/json", b"{}", {}, authorization)


@pytest.mark.parametrize("pair", [":pw", "user:"])
def test_httpbasic_with_half_the_credentials_is_401(pair):
    header = "Basic " + base64.b64encode(pair.encode()).decode()
    assert_status(401, read_postback, "application/json", b"{}", {}, header)


def test_missing_credentials_are_reported_before_a_bad_body():
    assert_status(401, read_postback, "application/json", b"\xff not json", {}, None)


@pytest.mark.parametrize(
    "header",
    [
        "Basic !!!notbase64",
        "Basic " + base64.b64encode(b"\xff\xfe:pw").decode(),  # not UTF-8
        "Basic " + base64.b64encode(b"no-colon").decode(),
        "Basic dXNlcjpwYXNz\u00e9",  # non-ASCII in base64
    ],
)
def test_httpbasic_with_undecodable_credentials_is_400(header):
    assert_status(400, read_postback, "application/json", b"{}", {}, header)


@pytest.mark.parametrize("body", [b"", b"\xff\xfe", b"{", b"[]", b'"text"', b"42", b"null", b"[" * 100000])
def test_httpbasic_with_a_bad_body_is_400(body):
    assert_status(400, read_postback, "application/json", body, {}, basic("u", "p"))


@pytest.mark.parametrize(
    "fields",
    [
        {"data": "{}", "password": "p"},
        {"data": "{}", "userName": "u"},
        {"data": "{}", "userName": "", "password": "p"},
        {"data": "{}"},
    ],
)
def test_form_without_credentials_is_401(fields):
    assert_status(401, form_postback, fields)


@pytest.mark.parametrize(
    "fields", [{"userName": "u", "password": "p"}, {"data": "", "userName": "u", "password": "p"}]
)
def test_form_without_data_is_400(fields):
    assert_status(400, form_postback, fields)


@pytest.mark.parametrize("data", ["not json", "[1]", "null", "<rsp stat='ok'/>"])
def test_form_with_bad_data_is_400(data):
    assert_status(400, form_postback, {"data": data, "userName": "u", "password": "p"})


@pytest.mark.parametrize("value", [b"bytes", 5, "\ud800"])
def test_form_fields_that_are_not_utf8_text_are_400(value):
    form = {"data": "{}", "userName": value, "password": "p"}
    assert_status(400, read_postback, "application/x-www-form-urlencoded", b"", form, None)


@pytest.mark.parametrize(
    "content_type", ["", None, "text/xml", "text/plain", "multipart/form-data; boundary=x"]
)
def test_unsupported_content_type_is_400(content_type):
    assert_status(400, read_postback, content_type, json.dumps(PAYLOAD).encode(), {}, basic("u", "p"))


def test_non_utf8_charset_is_400():
    assert_status(400, read_postback, "application/json; charset=latin-1", b"{}", {}, basic("u", "p"))


def test_garbage_only_ever_raises_postback_error():
    rng = random.Random(20240501)
    content_types = [
        "application/json",
        "application/json; charset=UTF-8",
        "application/x-www-form-urlencoded",
        "application/x-www-form-urlencoded; charset=utf-8; charset",
        "text/xml",
        ";;;=",
        "",
        None,
    ]

    def garbage_bytes():
        return bytes(rng.randrange(256) for _ in range(rng.randint(0, 64)))

    def garbage_text():
        length = rng.randint(0, 32)
        return "".join(chr(rng.choice([rng.randrange(128), rng.randrange(0x110000)])) for _ in range(length))

    def maybe_json():
        return rng.choice(
            [garbage_text(), json.dumps(PAYLOAD), "[" * rng.randint(1, 5000), '{"a": ' + garbage_text()]
        )

    def authorization():
        return rng.choice(
            [
                None,
                garbage_text(),
                "Basic " + garbage_text(),
                "Basic " + base64.b64encode(garbage_bytes()).decode(),
                basic(garbage_text().encode("utf-8", "ignore").decode(), "p"),
            ]
        )

    outcomes = {"accepted": 0, 400: 0, 401: 0}
    for _ in range(3000):
        body = rng.choice([garbage_bytes(), maybe_json().encode("utf-8", "surrogatepass")])
        form = {
            rng.choice(["data", "userName", "username", "password", garbage_text()]): rng.choice(
                [maybe_json(), garbage_text(), None, 7, b"x"]
            )
            for _ in range(rng.randint(0, 4))
        }
        try:
            request = read_postback(rng.choice(content_types), body, form, authorization())
        except PostbackError as exc:
            assert exc.status in (400, 401)
            outcomes[exc.status] += 1
        else:
            assert isinstance(request.payload, dict)
            outcomes["accepted"] += 1
    # The generator must reach every branch, or the test proves little.
    assert all(outcomes.values()), outcomes


def test_verify_returns_the_registration_id():
    assert verify_postback(json_postback(), SECRET) == REG_ID


def test_verify_accepts_a_payload_without_id():
    payload = {key: value for key, value in PAYLOAD.items() if key != "id"}
    assert verify_postback(json_postback(payload), SECRET) == REG_ID


@pytest.mark.parametrize(
    "password",
    ["wrong", postback_password("other-secret", REG_ID), postback_password(SECRET, REG_ID).upper(), "é"],
)
def test_verify_rejects_a_wrong_password_with_403(password):
    assert_status(403, verify_postback, json_postback(password=password), SECRET)


def test_verify_rejects_a_password_for_another_registration():
    request = PostbackRequest(REG_ID, postback_password(SECRET, "edx-other"), PAYLOAD)
    assert_status(403, verify_postback, request, SECRET)


@pytest.mark.parametrize("payload_id", ["edx-someone-else", 5, ""])
def test_verify_rejects_a_payload_for_another_registration_with_400(payload_id):
    request = json_postback(dict(PAYLOAD, id=payload_id))
    assert_status(400, verify_postback, request, SECRET)


def test_verify_never_checks_against_an_empty_secret():
    request = PostbackRequest(REG_ID, hmac.new(b"", REG_ID.encode(), hashlib.sha256).hexdigest(), PAYLOAD)
    with pytest.raises(ValueError):
        verify_postback(request, "")


def test_postback_error_carries_status_and_message():
    error = PostbackError(403, "nope")
    assert (error.status, error.message, str(error)) == (403, "nope", "nope")


HANDLER = "http://lms.example.com/courses/c/xblock/b/handler_noauth/postback"


@pytest.mark.parametrize("base, expected", [
    (None, HANDLER),
    ("", HANDLER),
    ("https://lms.example.com", "https://lms.example.com/courses/c/xblock/b/handler_noauth/postback"),
    ("https://proxy.example.com:8443/", "https://proxy.example.com:8443/courses/c/xblock/b/handler_noauth/postback"),
    ("https://example.com/lms", "https://example.com/lms/courses/c/xblock/b/handler_noauth/postback"),
])
def test_postback_url_moves_the_handler_path_onto_the_configured_base(base, expected):
    assert postback_url(HANDLER, base) == expected


@pytest.mark.parametrize("base", ["lms.example.com", "ftp://lms.example.com", "https://", "https://x?y=1", 5])
def test_postback_url_refuses_a_base_that_is_not_an_http_url(base):
    with pytest.raises(ValueError):
        postback_url(HANDLER, base)

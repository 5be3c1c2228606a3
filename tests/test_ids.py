"""Course and registration id scheme."""
import hashlib
import random
import re

import pytest

from scorm_cloud_xblock.ids import (
    ID_PATTERN,
    MAX_ID_LENGTH,
    InvalidId,
    RegistrationRef,
    new_course_id,
    parse_registration_id,
    registration_id,
    usage_key_hash,
    validate_id,
)

USAGE_KEY = "block-v1:edX+DemoX+Demo_Course+type@scormcloud+block@5f1c0a7e2b"
ANON = "3c1a7b0e9f2d4c6a8b5e7d9f1a3c5e7b"


def test_new_course_id_is_prefix_plus_uuid_hex_and_unique():
    first, second = new_course_id("edx"), new_course_id("edx")
    assert first != second
    prefix, _, tail = first.partition("-")
    assert prefix == "edx"
    assert re.fullmatch("[0-9a-f]{32}", tail)
    assert ID_PATTERN.fullmatch(first)


@pytest.mark.parametrize("prefix", ["", "a b", "a/b", "é", "x" * 250, None])
def test_new_course_id_rejects_bad_prefix(prefix):
    with pytest.raises(InvalidId):
        new_course_id(prefix)


def test_usage_key_hash_covers_the_full_key():
    expected = hashlib.sha256(USAGE_KEY.encode()).hexdigest()[:16]
    assert usage_key_hash(USAGE_KEY) == expected
    # Keys that share a long common prefix must still differ (no truncation before hashing).
    assert usage_key_hash(USAGE_KEY + "a") != usage_key_hash(USAGE_KEY + "b")


@pytest.mark.parametrize("usage_key", ["", None, 42])
def test_usage_key_hash_rejects_non_keys(usage_key):
    with pytest.raises(InvalidId):
        usage_key_hash(usage_key)


def test_registration_id_shape():
    value = registration_id("edx", USAGE_KEY, ANON)
    assert value == f"edx-{usage_key_hash(USAGE_KEY)}-{ANON}"
    assert registration_id("edx", USAGE_KEY, ANON, attempt=3) == value + "-3"
    assert ID_PATTERN.fullmatch(value)


def test_registration_id_differs_by_block_user_and_attempt():
    ids = {
        registration_id("edx", USAGE_KEY, ANON),
        registration_id("edx", USAGE_KEY + "x", ANON),
        registration_id("edx", USAGE_KEY, ANON[::-1]),
        registration_id("edx", USAGE_KEY, ANON, 1),
        registration_id("edx2", USAGE_KEY, ANON),
    }
    assert len(ids) == 5


@pytest.mark.parametrize(
    "prefix, anonymous_user_id, attempt",
    [
        ("", ANON, 0),
        ("ed x", ANON, 0),
        ("edx", "", 0),
        ("edx", "has-dash", 0),
        ("edx", "has space", 0),
        ("edx", None, 0),
        ("edx", ANON, -1),
        ("edx", ANON, True),
        ("edx", ANON, 1.0),
        ("edx", ANON, "1"),
    ],
)
def test_registration_id_rejects_bad_parts(prefix, anonymous_user_id, attempt):
    with pytest.raises(InvalidId):
        registration_id(prefix, USAGE_KEY, anonymous_user_id, attempt)


def test_registration_id_longer_than_255_is_rejected():
    prefix = "p" * 100
    anonymous_user_id = "u" * (MAX_ID_LENGTH - 100 - 1 - 16 - 1)
    assert len(registration_id(prefix, USAGE_KEY, anonymous_user_id)) == MAX_ID_LENGTH
    with pytest.raises(InvalidId, match="255"):
        registration_id(prefix, USAGE_KEY, anonymous_user_id + "u")
    with pytest.raises(InvalidId, match="255"):
        registration_id(prefix, USAGE_KEY, anonymous_user_id, attempt=1)


@pytest.mark.parametrize("prefix", ["edx", "my-site.prod", "a_b"])
@pytest.mark.parametrize("attempt", [0, 1, 2, 10, 12345])
def test_parse_round_trips(prefix, attempt):
    value = registration_id(prefix, USAGE_KEY, ANON, attempt)
    assert parse_registration_id(prefix, value) == RegistrationRef(usage_key_hash(USAGE_KEY), ANON, attempt)


def test_a_learners_next_attempts_extend_the_first_id_and_parse_back_to_the_same_learner():
    # A registration deleted in SCORM Cloud is followed by the next attempt's (decision 6).
    first = registration_id("edx", USAGE_KEY, ANON)
    for attempt in (1, 2, 10):
        value = registration_id("edx", USAGE_KEY, ANON, attempt)
        assert value == f"{first}-{attempt}"
        assert parse_registration_id("edx", value) == RegistrationRef(usage_key_hash(USAGE_KEY), ANON, attempt)


def test_parse_round_trips_random_parts():
    rng = random.Random(1234)
    alphabet = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._"
    for _ in range(500):
        prefix = "".join(rng.choice(alphabet + "-") for _ in range(rng.randint(1, 20)))
        user = "".join(rng.choice(alphabet) for _ in range(rng.randint(1, 40)))
        usage_key = "".join(chr(rng.randint(32, 0x2FF)) for _ in range(rng.randint(1, 80)))
        attempt = rng.choice([0, rng.randint(1, 10**6)])
        value = registration_id(prefix, usage_key, user, attempt)
        expected = RegistrationRef(usage_key_hash(usage_key), user, attempt)
        assert parse_registration_id(prefix, value) == expected


@pytest.mark.parametrize(
    "value",
    [
        f"other-{'0' * 16}-{ANON}",  # wrong prefix
        f"edxx-{'0' * 16}-{ANON}",  # prefix that only starts the same
        f"edx{'0' * 16}-{ANON}",  # no separator after the prefix
        f"edx-{'0' * 15}-{ANON}",  # short hash
        f"edx-{'0' * 17}-{ANON}",  # long hash
        f"edx-{'A' * 16}-{ANON}",  # hash not lower-case hex
        f"edx-{'0' * 16}",  # no user
        f"edx-{'0' * 16}-",  # empty user
        f"edx-{'0' * 16}-{ANON}-0",  # attempt 0 is never written
        f"edx-{'0' * 16}-{ANON}-01",  # leading zero
        f"edx-{'0' * 16}-{ANON}--1",  # negative
        f"edx-{'0' * 16}-{ANON}-x",  # not a number
        f"edx-{'0' * 16}-{ANON}-1-2",  # too many parts
        f"edx-{'0' * 16}-{ANON}-",  # trailing separator
        "edx-",
        "",
        "x" * 256,
        f"edx-{'0' * 16}-user name",
        None,
    ],
)
def test_parse_rejects_anything_not_produced(value):
    with pytest.raises(InvalidId):
        parse_registration_id("edx", value)


def test_parse_rejects_bad_prefix():
    with pytest.raises(InvalidId):
        parse_registration_id("", registration_id("edx", USAGE_KEY, ANON))


@pytest.mark.parametrize("value", ["a", "A-b_c.9", "x" * MAX_ID_LENGTH])
def test_validate_id_accepts(value):
    assert validate_id(value) == value


@pytest.mark.parametrize("value", ["", "x" * (MAX_ID_LENGTH + 1), "a:b", "a+b", "a@b", "a/b", "ü", "a\n", 5])
def test_validate_id_rejects_with_the_name_of_the_thing(value):
    with pytest.raises(InvalidId, match="course id"):
        validate_id(value, "course id")

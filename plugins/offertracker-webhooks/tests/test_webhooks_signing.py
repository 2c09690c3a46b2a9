"""Signatures: the header a delivery carries and the receiver's check of it."""

from __future__ import annotations

import hashlib
import hmac
import re

import pytest

from offertracker_webhooks.signing import new_secret, signature_header, verify

SECRET = "whsec_abc"
BODY = '{"type":"application.created","data":{"company":"Zürich AG"}}'.encode()
T = 1_772_357_400


def test_the_header_is_the_timestamp_and_the_hmac_of_timestamp_dot_body() -> None:
    expected = hmac.new(b"whsec_abc", b"1772357400." + BODY, hashlib.sha256).hexdigest()

    assert signature_header(SECRET, BODY, T) == f"t=1772357400,v1={expected}"


def test_a_fresh_header_verifies_within_the_tolerance_either_way() -> None:
    header = signature_header(SECRET, BODY, T)

    assert verify(SECRET, header, BODY, now=T)
    assert verify(SECRET, header, BODY, now=T + 300)
    assert verify(SECRET, header, BODY, now=T - 300)


@pytest.mark.parametrize(
    ("secret", "body", "now"),
    [
        ("whsec_other", BODY, T),  # another secret
        (SECRET, BODY + b" ", T),  # the body changed by one byte
        (SECRET, BODY, T + 301),  # replayed after the window
        (SECRET, BODY, T - 301),  # dated too far in the future
    ],
)
def test_a_wrong_secret_body_or_time_does_not_verify(secret: str, body: bytes, now: int) -> None:
    assert not verify(secret, signature_header(SECRET, BODY, T), body, now=now)


@pytest.mark.parametrize(
    "header",
    [
        "",
        "garbage",
        "v1=abc",
        f"t={T}",
        f"t=soon,v1={'0' * 64}",
        f"t={T},t={T},v1={'0' * 64}",
        f"t=-{T},v1={'0' * 64}",
        f"t={T},v1=é",
    ],
)
def test_a_malformed_header_does_not_verify(header: str) -> None:
    assert not verify(SECRET, header, BODY, now=T)


def test_one_matching_v1_among_several_verifies() -> None:
    good = signature_header(SECRET, BODY, T).split(",v1=")[1]

    assert verify(SECRET, f"t={T},v1={'0' * 64},v1={good}", BODY, now=T)


def test_a_new_secret_is_whsec_and_43_url_safe_characters_never_twice_the_same() -> None:
    secrets = {new_secret() for _ in range(50)}

    assert len(secrets) == 50
    assert all(re.fullmatch(r"whsec_[A-Za-z0-9_-]{43}", secret) for secret in secrets)

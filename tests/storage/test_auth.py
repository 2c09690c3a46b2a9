"""Local auth adapters: argon2id passwords and HS256 tokens."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from uuid import UUID

import jwt
import pytest

from offertracker_core.errors import InvalidToken
from offertracker_storage import Argon2Passwords, JwtTokens

from . import factories as f

SECRET = "test-secret-" + "x" * 64  # long enough for HS512 too, so PyJWT does not warn
NOW = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)


class FixedClock:
    def __init__(self, now: datetime) -> None:
        self.current = now

    def now(self) -> datetime:
        return self.current


@pytest.fixture
def passwords() -> Argon2Passwords:
    return Argon2Passwords(time_cost=1, memory_cost=1024, parallelism=1)


async def test_a_hashed_password_verifies(passwords: Argon2Passwords) -> None:
    hashed = await passwords.hash("correct horse")
    assert hashed.startswith("$argon2id$")
    assert await passwords.verify(hashed, "correct horse") is True


async def test_a_wrong_password_or_a_garbage_hash_does_not_verify(passwords: Argon2Passwords) -> None:
    hashed = await passwords.hash("correct horse")
    assert await passwords.verify(hashed, "wrong horse") is False
    assert await passwords.verify("not a hash", "correct horse") is False
    assert await passwords.verify("", "") is False


async def test_an_issued_token_verifies_with_supabase_shaped_claims_but_no_email() -> None:
    ada = f.user("ada")
    tokens = JwtTokens(SECRET, 3600, clock=FixedClock(NOW))
    token = tokens.issue(ada)
    claims = await tokens.verify(token)
    assert (claims.user_id, claims.email, claims.metadata, claims.issued_at) == (ada.id, None, {}, NOW)
    payload = jwt.decode(
        token, SECRET, algorithms=["HS256"], audience="authenticated", options={"verify_exp": False}
    )
    assert payload == {
        "sub": str(ada.id),
        "aud": "authenticated",
        "role": "authenticated",
        "iat": int(NOW.timestamp()),
        "exp": int(NOW.timestamp()) + 3600,
        "iat_us": int(NOW.timestamp()) * 1_000_000,
    }
    assert jwt.get_unverified_header(token)["alg"] == "HS256"


def _claims(**changes: object) -> dict[str, object]:
    claims: dict[str, object] = {
        "sub": "6f1c2a7e-0c1e-4b8e-9a3d-2f7f1e0b9c11",
        "email": "ada@example.com",
        "aud": "authenticated",
        "role": "authenticated",
        "iat": int(NOW.timestamp()),
        "exp": int(NOW.timestamp()) + 60,
    }
    claims.update(changes)
    return {key: value for key, value in claims.items() if value is not None}


def _signed(**changes: object) -> str:
    return jwt.encode(_claims(**changes), SECRET, algorithm="HS256")


def _unsigned() -> str:
    return jwt.encode(_claims(), None, algorithm="none")


def _tampered() -> str:
    header, payload, signature = _signed().split(".")
    return f"{header}.{payload}.{signature[:-4]}AAAA"


@pytest.mark.parametrize(
    ("token", "reason"),
    [
        (_signed(exp=int(NOW.timestamp())), "token has expired"),
        (_signed(exp=int(NOW.timestamp()) - 10), "token has expired"),
        (_signed(aud="anon"), "wrong audience"),
        (_signed(aud=None), "missing aud"),
        (_signed(exp=None), "missing exp"),
        (_signed(sub=None), "missing sub"),
        (_signed(sub="not-a-uuid"), "subject is not a user id"),
        (_unsigned(), "algorithm not allowed"),
        (jwt.encode(_claims(), SECRET, algorithm="HS512"), "algorithm not allowed"),
        (jwt.encode(_claims(), "another-secret-also-32-bytes-long!!", algorithm="HS256"), "bad signature"),
        (_tampered(), "bad signature"),
        ("garbage", "malformed token"),
        ("", "malformed token"),
    ],
)
async def test_a_bad_token_is_invalid_with_a_short_reason(token: str, reason: str) -> None:
    tokens = JwtTokens(SECRET, clock=FixedClock(NOW))
    with pytest.raises(InvalidToken) as caught:
        await tokens.verify(token)
    assert caught.value.detail == f"Invalid or expired token: {reason}"


async def test_a_token_expires_by_the_injected_clock() -> None:
    clock = FixedClock(NOW)
    tokens = JwtTokens(SECRET, 60, clock=clock)
    token = tokens.issue(f.user("ada"))
    clock.current = NOW + timedelta(seconds=59)
    assert isinstance((await tokens.verify(token)).user_id, UUID)
    clock.current = NOW + timedelta(seconds=60)
    with pytest.raises(InvalidToken, match="token has expired"):
        await tokens.verify(token)


async def test_a_remembered_token_does_not_vouch_for_a_tampered_twin() -> None:
    tokens = JwtTokens(SECRET, clock=FixedClock(NOW))
    token = tokens.issue(f.user("ada"))
    await tokens.verify(token)  # now remembered
    header, payload, signature = token.split(".")
    twin = f"{header}.{payload}.{signature[:-2]}{'AA' if signature[-2:] != 'AA' else 'BB'}"

    with pytest.raises(InvalidToken, match="bad signature"):
        await tokens.verify(twin)


async def test_remembered_tokens_are_bounded(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(JwtTokens, "_CACHE_SIZE", 2)
    clock = FixedClock(NOW)
    tokens = JwtTokens(SECRET, clock=clock)
    issued = []
    for second in range(3):
        clock.current = NOW + timedelta(seconds=second)  # a new iat, so a new token
        issued.append(tokens.issue(f.user("ada")))
        await tokens.verify(issued[-1])

    assert list(tokens._verified) == issued[1:]


async def test_the_issue_time_is_read_to_the_microsecond() -> None:
    # iat has whole seconds only; iat_us tells a token issued just before a revocation from
    # the one a password change issues in the same second.
    issued = NOW + timedelta(seconds=1, microseconds=234567)
    token = JwtTokens(SECRET, 3600, clock=FixedClock(issued)).issue(f.user("ada"))
    claims = await JwtTokens(SECRET, 3600, clock=FixedClock(NOW)).verify(token)
    assert claims.issued_at == issued
    payload = jwt.decode(
        token, SECRET, algorithms=["HS256"], audience="authenticated", options={"verify_exp": False}
    )
    assert (payload["iat"], payload["iat_us"]) == (int(issued.timestamp()), 1_772_366_401_234_567)


@pytest.mark.parametrize(
    ("changes", "issued_at"),
    [
        ({}, NOW),  # iat only: the start of its second
        ({"iat": int(NOW.timestamp()) + 0.9}, NOW),
        ({"iat": None}, None),
        ({"iat": "yesterday"}, None),
        ({"iat": True}, None),
        ({"iat_us": 10**30}, NOW),  # beyond datetime: falls back to iat
    ],
)
async def test_a_token_from_elsewhere_says_when_it_was_issued_as_well_as_it_can(
    changes: dict[str, object], issued_at: datetime | None
) -> None:
    claims = await JwtTokens(SECRET, clock=FixedClock(NOW)).verify(_signed(**changes))
    assert claims.issued_at == issued_at

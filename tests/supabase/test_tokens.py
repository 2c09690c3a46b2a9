"""SupabaseTokens against the in-repo fake Supabase (tests/supabase/fake.py): real JWTs, a real
JWKS over HTTP, and the fake's switches for a Supabase that is down or slow."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from typing import Any
from uuid import UUID, uuid4

import httpx
import jwt
import pytest
from aiohttp import web
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec

from offertracker_core.errors import InvalidToken, Unavailable
from offertracker_storage.supabase import SupabaseProject
from offertracker_storage.supabase.tokens import SupabaseTokens

from ..unit.fakes import FakeClock
from .fake import FakeSupabase, running_fake

JWKS = "/auth/v1/.well-known/jwks.json"
INTERVAL = 30.0
LEGACY_SECRET = "legacy-jwt-secret-" + "s" * 40  # as long as Supabase's, so PyJWT does not warn
ADA = UUID("6f1c2a7e-0c1e-4b8e-9a3d-2f7f1e0b9c11")


def _project(url: str, **changes: Any) -> SupabaseProject:
    settings: dict[str, Any] = {
        "url": url,
        "anon_key": FakeSupabase.ANON_KEY,
        "service_role_key": FakeSupabase.SERVICE_ROLE_KEY,
        # Roomy: the fake answers in milliseconds, but a busy CI machine once took 2 s to fetch the
        # keys; the time limit itself is tested with its own 0.5 s below.
        "timeout": 10.0,
    }
    settings.update(changes)
    return SupabaseProject(**settings)


@pytest.fixture
def clock() -> FakeClock:
    # The fake signs with the real time; the verifier's clock starts there and is stepped by hand.
    return FakeClock(datetime.now(UTC).replace(microsecond=0))


@pytest.fixture
async def fake() -> AsyncIterator[FakeSupabase]:
    async with running_fake() as running:
        yield running


@pytest.fixture
async def tokens(fake: FakeSupabase, clock: FakeClock) -> AsyncIterator[SupabaseTokens]:
    verifier = SupabaseTokens(_project(fake.url), clock=clock, refresh_interval=INTERVAL)
    yield verifier
    await verifier.aclose()


async def _refused(tokens: SupabaseTokens, token: str) -> str:
    with pytest.raises(InvalidToken) as caught:
        await tokens.verify(token)
    return caught.value.detail


def _unavailable(why: str) -> str:
    return f"Supabase Auth is unavailable ({why}); please try again"


def _made_up_kid_token(**claims: Any) -> str:
    """An ES256 token whose key id no JWKS has ever published."""
    key = ec.generate_private_key(ec.SECP256R1())
    payload = {"sub": str(ADA), "aud": "authenticated", "exp": int(time.time()) + 3600, **claims}
    return jwt.encode(payload, key, algorithm="ES256", headers={"kid": uuid4().hex})


# -- accepted tokens -------------------------------------------------------------------------


async def test_a_fresh_sign_in_token_verifies_with_its_email_and_metadata(
    fake: FakeSupabase, tokens: SupabaseTokens
) -> None:
    async with httpx.AsyncClient(base_url=fake.url, headers={"apikey": FakeSupabase.ANON_KEY}) as http:
        signed_up = await http.post(
            "/auth/v1/signup",
            json={"email": "ada@example.com", "password": "correct horse", "data": {"username": "ada"}},
        )
        assert signed_up.status_code == 200
        signed_in = await http.post(
            "/auth/v1/token",
            params={"grant_type": "password"},
            json={"email": "ada@example.com", "password": "correct horse"},
        )
        assert signed_in.status_code == 200
    session = signed_in.json()
    token = session["access_token"]
    header = jwt.get_unverified_header(token)
    iat = jwt.decode(token, options={"verify_signature": False})["iat"]

    claims = await tokens.verify(token)

    assert (header["alg"], header["kid"]) == ("ES256", fake.current_kid)
    assert claims.user_id == UUID(session["user"]["id"])
    assert claims.email == "ada@example.com"
    assert claims.metadata == {"username": "ada"}
    assert claims.issued_at == datetime.fromtimestamp(iat, UTC)
    assert fake.count("GET", JWKS) == 1
    assert ("GET", JWKS) in fake.requests


async def test_a_token_signed_with_an_rs256_key_verifies(fake: FakeSupabase, tokens: SupabaseTokens) -> None:
    kid = fake.rotate_key(algorithm="RS256")
    token = fake.mint(ADA, email="ada@example.com", user_metadata={"username": "ada"})

    claims = await tokens.verify(token)

    header = jwt.get_unverified_header(token)
    assert (header["alg"], header["kid"]) == ("RS256", kid)
    assert (claims.user_id, claims.email, claims.metadata) == (ADA, "ada@example.com", {"username": "ada"})


async def test_a_rotated_key_is_fetched_once_the_interval_since_the_last_fetch_has_passed(
    fake: FakeSupabase, tokens: SupabaseTokens, clock: FakeClock
) -> None:
    assert (await tokens.verify(fake.mint(ADA))).user_id == ADA
    assert fake.count("GET", JWKS) == 1

    old_kid = fake.current_kid
    fake.rotate_key()
    rotated = fake.mint(ADA, email="new@example.com")
    clock.advance(seconds=INTERVAL)

    assert (await tokens.verify(rotated)).email == "new@example.com"
    assert fake.count("GET", JWKS) == 2
    # The old key stays published and known: its tokens still verify without another fetch.
    old = fake.mint(ADA, kid=old_kid, email="old@example.com")
    assert (await tokens.verify(old)).user_id == ADA
    assert fake.count("GET", JWKS) == 2


async def test_a_key_rotated_within_the_interval_is_unknown_until_it_has_passed(
    fake: FakeSupabase, tokens: SupabaseTokens, clock: FakeClock
) -> None:
    await tokens.verify(fake.mint(ADA))
    fake.rotate_key()
    rotated = fake.mint(ADA)

    clock.advance(seconds=INTERVAL - 1)
    assert await _refused(tokens, rotated) == "Invalid or expired token: unknown signing key"
    assert fake.count("GET", JWKS) == 1

    clock.advance(seconds=1)
    assert (await tokens.verify(rotated)).user_id == ADA
    assert fake.count("GET", JWKS) == 2


async def test_a_flood_of_made_up_key_ids_costs_one_jwks_fetch_per_interval(
    fake: FakeSupabase, tokens: SupabaseTokens, clock: FakeClock
) -> None:
    await tokens.verify(fake.mint(ADA))
    clock.advance(seconds=INTERVAL)

    flood = [_made_up_kid_token() for _ in range(50)]
    outcomes = await asyncio.gather(*(tokens.verify(token) for token in flood), return_exceptions=True)
    assert {type(outcome) for outcome in outcomes} == {InvalidToken}
    assert {outcome.detail for outcome in outcomes if isinstance(outcome, InvalidToken)} == {
        "Invalid or expired token: unknown signing key"
    }
    assert fake.count("GET", JWKS) == 2

    for token in flood:  # one by one this time, all within the same interval
        assert await _refused(tokens, token) == "Invalid or expired token: unknown signing key"
    clock.advance(seconds=INTERVAL - 1)
    assert await _refused(tokens, _made_up_kid_token()) == "Invalid or expired token: unknown signing key"
    assert fake.count("GET", JWKS) == 2

    clock.advance(seconds=1)
    assert await _refused(tokens, _made_up_kid_token()) == "Invalid or expired token: unknown signing key"
    assert fake.count("GET", JWKS) == 3


async def test_requests_needing_the_keys_at_once_share_one_fetch(
    fake: FakeSupabase, tokens: SupabaseTokens
) -> None:
    fake.delay = 0.2  # all twenty are waiting while the one fetch is under way
    users = [uuid4() for _ in range(20)]

    claims = await asyncio.gather(*(tokens.verify(fake.mint(user)) for user in users))

    assert [claim.user_id for claim in claims] == users
    assert fake.count("GET", JWKS) == 1


async def test_keys_past_their_time_are_refetched_and_a_withdrawn_key_stops_counting(
    fake: FakeSupabase, clock: FakeClock
) -> None:
    tokens = SupabaseTokens(_project(fake.url), clock=clock, refresh_interval=INTERVAL, jwks_ttl=600)
    try:
        remembered = fake.mint(ADA)
        assert (await tokens.verify(remembered)).user_id == ADA
        unused = fake.mint(ADA, email="unused@example.com")  # signed by the same key, never shown yet
        fake.rotate_key(retire_old=True)
        clock.advance(seconds=600)

        # The keys in hand still serve while the refetch runs in the background ...
        assert (await tokens.verify(unused)).email == "unused@example.com"
        await _until(lambda: fake.count("GET", JWKS) == 2 and tokens._fetching is None)

        # ... and once it is done the withdrawn key vouches for nothing, not even from memory.
        assert await _refused(tokens, remembered) == "Invalid or expired token: unknown signing key"
        assert await _refused(tokens, unused) == "Invalid or expired token: unknown signing key"
        assert (await tokens.verify(fake.mint(ADA))).user_id == ADA
        assert fake.count("GET", JWKS) == 2
    finally:
        await tokens.aclose()


async def _until(condition: Any, seconds: float = 2.0) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, "condition not met in time"
        await asyncio.sleep(0.01)


async def test_a_legacy_hs256_token_verifies_when_the_project_has_the_secret(clock: FakeClock) -> None:
    async with running_fake(hs256_secret=LEGACY_SECRET) as fake:
        tokens = SupabaseTokens(_project(fake.url, jwt_secret=LEGACY_SECRET), clock=clock)
        try:
            token = fake.mint(ADA, email="ada@example.com")
            claims = await tokens.verify(token)
        finally:
            await tokens.aclose()

    assert jwt.get_unverified_header(token)["alg"] == "HS256"
    assert (claims.user_id, claims.email) == (ADA, "ada@example.com")
    assert fake.count("GET", JWKS) == 0  # the secret is all it takes


@pytest.mark.parametrize("jwt_secret", [None, ""])
async def test_a_legacy_hs256_token_is_refused_when_the_project_has_no_secret(
    clock: FakeClock, jwt_secret: str | None
) -> None:
    async with running_fake(hs256_secret=LEGACY_SECRET) as fake:
        tokens = SupabaseTokens(_project(fake.url, jwt_secret=jwt_secret), clock=clock)
        try:
            assert await _refused(tokens, fake.mint(ADA)) == "Invalid or expired token: algorithm not allowed"
            # Not even one "signed" with the empty key a blank setting would be.
            claims = {
                "sub": str(ADA),
                "aud": "authenticated",
                "iss": fake.issuer,
                "exp": int(time.time()) + 60,
            }
            forged = _hs256_signed_with(claims, "")
            assert await _refused(tokens, forged) == "Invalid or expired token: algorithm not allowed"
        finally:
            await tokens.aclose()
    assert fake.count("GET", JWKS) == 0


async def test_a_project_mid_migration_accepts_both_kinds(fake: FakeSupabase, clock: FakeClock) -> None:
    tokens = SupabaseTokens(_project(fake.url, jwt_secret=LEGACY_SECRET), clock=clock)
    try:
        legacy = jwt.encode(
            {"sub": str(ADA), "aud": "authenticated", "iss": fake.issuer, "exp": int(time.time()) + 60},
            LEGACY_SECRET,
            algorithm="HS256",
        )
        assert (await tokens.verify(legacy)).user_id == ADA
        assert (await tokens.verify(fake.mint(ADA))).user_id == ADA
    finally:
        await tokens.aclose()


# -- refused tokens --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("overrides", "reason"),
    [
        ({"aud": "anon"}, "wrong audience"),
        ({"aud": None}, "missing aud"),
        ({"iss": "https://another.supabase.co/auth/v1"}, "wrong issuer"),
        ({"iss": None}, "missing iss"),
        ({"exp": None}, "missing exp"),
        ({"exp": "tomorrow"}, "exp is not a number"),
        ({"sub": None}, "missing sub"),
        ({"sub": "not-a-uuid"}, "subject is not a user id"),
    ],
)
async def test_a_token_with_a_wrong_or_missing_claim_is_refused_with_the_reason(
    fake: FakeSupabase, tokens: SupabaseTokens, overrides: dict[str, Any], reason: str
) -> None:
    assert (
        await _refused(tokens, fake.mint(ADA, overrides=overrides)) == f"Invalid or expired token: {reason}"
    )


async def test_a_token_expires_by_the_injected_clock(
    fake: FakeSupabase, tokens: SupabaseTokens, clock: FakeClock
) -> None:
    issued = int(clock.now().timestamp())
    token = fake.mint(ADA, iat=issued, ttl=60)
    clock.advance(seconds=59)
    assert (await tokens.verify(token)).issued_at == datetime.fromtimestamp(issued, UTC)

    clock.advance(seconds=1)
    assert await _refused(tokens, token) == "Invalid or expired token: token has expired"
    expired_before_first_use = fake.mint(ADA, iat=issued - 120, ttl=60)
    assert await _refused(tokens, expired_before_first_use) == "Invalid or expired token: token has expired"


async def test_a_token_signed_with_another_projects_key_has_a_bad_signature(
    fake: FakeSupabase, tokens: SupabaseTokens
) -> None:
    foreign = fake.mint(ADA, foreign=True)
    assert jwt.get_unverified_header(foreign)["kid"] == fake.current_kid
    assert await _refused(tokens, foreign) == "Invalid or expired token: bad signature"


async def test_an_unsigned_token_is_refused(fake: FakeSupabase, tokens: SupabaseTokens) -> None:
    claims = jwt.decode(fake.mint(ADA), options={"verify_signature": False})
    unsigned = jwt.encode(claims, None, algorithm="none", headers={"kid": fake.current_kid})
    assert await _refused(tokens, unsigned) == "Invalid or expired token: algorithm not allowed"
    assert fake.count("GET", JWKS) == 0


async def test_a_key_is_used_only_for_its_own_algorithm(fake: FakeSupabase, tokens: SupabaseTokens) -> None:
    rsa_kid = fake.rotate_key(algorithm="RS256")
    claims = jwt.decode(fake.mint(ADA), options={"verify_signature": False})
    public_pem = (
        (await _public_key(fake, rsa_kid))
        .public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
        .decode()
    )
    # The classic confusion: an HS256 token "signed" with the RSA public key as the secret.
    confused = _hs256_signed_with(claims, public_pem, rsa_kid)
    assert await _refused(tokens, confused) == "Invalid or expired token: algorithm not allowed"
    # An ES256 header naming the RS256 key.
    es256_key = ec.generate_private_key(ec.SECP256R1())
    mismatched = jwt.encode(claims, es256_key, algorithm="ES256", headers={"kid": rsa_kid})
    assert await _refused(tokens, mismatched) == "Invalid or expired token: algorithm not allowed"
    # HS384/ES512 and the like are never Supabase's.
    other = jwt.encode(claims, LEGACY_SECRET + "x" * 20, algorithm="HS384")
    assert await _refused(tokens, other) == "Invalid or expired token: algorithm not allowed"


async def _public_key(fake: FakeSupabase, kid: str) -> Any:
    async with httpx.AsyncClient() as http:
        answer = await http.get(fake.jwks_url, headers={"apikey": FakeSupabase.ANON_KEY})
    (entry,) = [key for key in answer.json()["keys"] if key["kid"] == kid]
    return jwt.PyJWK(entry).key


def _hs256_signed_with(claims: dict[str, Any], secret: str, kid: str | None = None) -> str:
    # PyJWT refuses to HMAC with a PEM key or an empty one, so the token is put together by hand.
    import base64
    import hashlib
    import hmac
    import json

    def b64(data: bytes) -> str:
        return base64.urlsafe_b64encode(data).rstrip(b"=").decode()

    fields = {"alg": "HS256", "typ": "JWT"} if kid is None else {"alg": "HS256", "typ": "JWT", "kid": kid}
    header = b64(json.dumps(fields).encode())
    payload = b64(json.dumps(claims).encode())
    signature = hmac.new(secret.encode(), f"{header}.{payload}".encode(), hashlib.sha256).digest()
    return f"{header}.{payload}.{b64(signature)}"


@pytest.mark.parametrize("token", ["garbage", "", "a.b.c"])
async def test_a_malformed_token_is_refused_without_asking_supabase(
    fake: FakeSupabase, tokens: SupabaseTokens, token: str
) -> None:
    assert await _refused(tokens, token) == "Invalid or expired token: malformed token"
    assert fake.count("GET", JWKS) == 0


# -- the verified-token memory ---------------------------------------------------------------


async def test_a_verified_token_is_remembered_and_still_expires(
    fake: FakeSupabase, tokens: SupabaseTokens, clock: FakeClock
) -> None:
    token = fake.mint(ADA, iat=int(clock.now().timestamp()), ttl=60)
    first = await tokens.verify(token)

    await fake.close()  # nothing about this token needs Supabase any more
    assert await tokens.verify(token) is first
    assert list(tokens._verified) == [token]

    header, payload, signature = token.split(".")
    twin = f"{header}.{payload}.{signature[:-2]}{'AA' if signature[-2:] != 'AA' else 'BB'}"
    assert await _refused(tokens, twin) == "Invalid or expired token: bad signature"

    clock.advance(seconds=60)
    assert await _refused(tokens, token) == "Invalid or expired token: token has expired"
    assert list(tokens._verified) == []


# -- Supabase away -----------------------------------------------------------------------------


async def test_supabase_down_at_the_first_token_answers_unavailable(
    fake: FakeSupabase, clock: FakeClock
) -> None:
    token = fake.mint(ADA)
    await fake.close()
    tokens = SupabaseTokens(_project(fake.url), clock=clock)
    try:
        with pytest.raises(Unavailable) as caught:
            await tokens.verify(token)
    finally:
        await tokens.aclose()
    assert caught.value.detail == _unavailable("unreachable")
    assert caught.value.retry_after == 5


async def test_supabase_answering_after_thirty_seconds_answers_unavailable_within_the_timeout(
    fake: FakeSupabase, clock: FakeClock
) -> None:
    fake.delay = 31
    tokens = SupabaseTokens(_project(fake.url, timeout=0.5), clock=clock)
    started = time.monotonic()
    try:
        with pytest.raises(Unavailable) as caught:
            await tokens.verify(fake.mint(ADA))
    finally:
        await tokens.aclose()
    elapsed = time.monotonic() - started
    assert caught.value.detail == _unavailable("no answer within 0.5 seconds")
    assert 0.5 <= elapsed < 1.0


@pytest.mark.parametrize("failure", [401, 404, 500, 503])
async def test_a_jwks_endpoint_answering_an_error_answers_unavailable(
    fake: FakeSupabase, clock: FakeClock, failure: int
) -> None:
    fake.failure = failure
    tokens = SupabaseTokens(_project(fake.url), clock=clock)
    try:
        with pytest.raises(Unavailable) as caught:
            await tokens.verify(fake.mint(ADA))
    finally:
        await tokens.aclose()
    assert caught.value.detail == _unavailable(f"its signing keys answered HTTP {failure}")
    assert fake.count("GET", JWKS) == 1


@pytest.mark.parametrize(
    "body",
    [b"<html>Project paused</html>", b'{"keys": "none"}', b"[]", b'{"message": "no API key found"}'],
)
async def test_a_jwks_endpoint_answering_something_else_answers_unavailable(
    aiohttp_server: Any, clock: FakeClock, body: bytes
) -> None:
    async def jwks(request: web.Request) -> web.Response:
        return web.Response(body=body, content_type="application/json")

    app = web.Application()
    app.router.add_get(JWKS, jwks)
    server = await aiohttp_server(app)
    tokens = SupabaseTokens(_project(f"http://{server.host}:{server.port}"), clock=clock)
    try:
        with pytest.raises(Unavailable) as caught:
            await tokens.verify(_made_up_kid_token())
    finally:
        await tokens.aclose()
    assert caught.value.detail == _unavailable("its signing keys are not a JWKS")


async def test_a_failed_refetch_keeps_the_keys_fetched_before(
    fake: FakeSupabase, tokens: SupabaseTokens, clock: FakeClock
) -> None:
    await tokens.verify(fake.mint(ADA))
    old_kid = fake.current_kid
    fake.rotate_key()
    rotated = fake.mint(ADA)
    fake.failure = 503
    clock.advance(seconds=INTERVAL)

    with pytest.raises(Unavailable):
        await tokens.verify(rotated)  # the new key cannot be had: not judged, not refused
    old_key_token = fake.mint(ADA, kid=old_kid, email="old@example.com")
    assert (await tokens.verify(old_key_token)).email == "old@example.com"
    assert fake.count("GET", JWKS) == 2

    fake.failure = None
    clock.advance(seconds=INTERVAL)
    assert (await tokens.verify(rotated)).user_id == ADA
    assert fake.count("GET", JWKS) == 3


async def test_closing_closes_its_own_client_but_not_a_passed_one(fake: FakeSupabase) -> None:
    own = SupabaseTokens(_project(fake.url))
    await own.aclose()
    assert own._http.is_closed

    async with httpx.AsyncClient() as http:
        passed = SupabaseTokens(_project(fake.url), http=http)
        assert (await passed.verify(fake.mint(ADA))).user_id == ADA
        await passed.aclose()
        assert not http.is_closed

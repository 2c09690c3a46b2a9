"""The server with accounts in Supabase Auth and files in Supabase Storage, against the fake project.

What only Supabase mode has: the user metadata and the confirmation step, keys
rotating in the JWKS, a legacy HS256 project, tokens Supabase would refuse too, a
profile made from a token's claims, revocation going through Supabase, Supabase
being down or slow, and an upload held up at Supabase. The shared behaviour
(register, login, profiles, uploads, revocation) runs in Supabase mode in the
``supabase_too`` modules (test_auth, test_users, test_uploads, test_revocation).
"""

from __future__ import annotations

import asyncio
import time
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

import aiohttp
import pytest
from aiohttp.test_utils import TestClient

from ..supabase.fake import FakeSupabase, running_fake
from .conftest import supabase_project
from .httpkit import PASSWORD, FakeClock, auth, call, create_resume, register, rows, tables, upload

JWKS = "/auth/v1/.well-known/jwks.json"
LEGACY_SECRET = "legacy-project-secret-" + "s" * 40
UNAVAILABLE = "Supabase Auth is unavailable ({}); please try again"

Start = Callable[..., Awaitable[TestClient]]


@pytest.fixture
async def fake(clock: FakeClock) -> AsyncIterator[FakeSupabase]:
    async with running_fake(clock=lambda: clock.peek().timestamp()) as running:
        yield running


@pytest.fixture
def start(aiohttp_client: Any, make_app: Callable[..., Any]) -> Start:
    """A client of the app with accounts and files in ``fake``; keyword arguments override project fields."""

    async def started(fake: FakeSupabase, **project: Any) -> TestClient:
        app = make_app(
            auth_backend="supabase", files_backend="supabase", supabase=supabase_project(fake, **project)
        )
        return await aiohttp_client(app)

    return started


def expired_detail(reason: str) -> dict[str, str]:
    return {"detail": f"Invalid or expired token: {reason}"}


async def refused(client: TestClient, token: str) -> Any:
    """The answer to ``GET /users/me`` with ``token``, which must be a 401 with the Bearer challenge."""
    resp = await client.get("/api/v1/users/me", headers=auth(token))
    assert resp.status == 401
    assert resp.headers["WWW-Authenticate"] == "Bearer"
    return await resp.json()


async def test_register_makes_the_supabase_account_with_its_names_as_metadata(fake, start, db):
    client = await start(fake)
    user, headers = await register(client, "alice", display_name="Alice A.")
    account = fake.users[user["id"]]
    assert account.email == "alice@example.com"
    assert account.user_metadata == {"username": "alice", "display_name": "Alice A."}
    assert [r["username"] for r in rows(db, tables.users)] == ["alice"]  # under the account's id, above
    assert rows(db, tables.credentials) == []
    assert (await call(client, "GET", "/users/me", headers, expect=200))["display_name"] == "Alice A."


async def test_a_project_confirming_emails_answers_400_until_the_address_is_confirmed(clock, start, db):
    async with running_fake(confirm_email=True, clock=lambda: clock.peek().timestamp()) as fake:
        client = await start(fake)
        body = {"email": "alice@example.com", "username": "alice", "password": PASSWORD}
        answer = await call(client, "POST", "/auth/register", json=body, expect=400)
        assert answer == {
            "detail": "Account created: confirm your email address with the link sent to it, then log in"
        }
        login = {"email": "alice@example.com", "password": PASSWORD}
        assert await call(client, "POST", "/auth/login", json=login, expect=400) == {
            "detail": "Email not confirmed: open the link sent to your email address, then log in"
        }
        fake.confirm("alice@example.com")
        session = await call(client, "POST", "/auth/login", json=login, expect=200)
        assert session["user"]["username"] == "alice"
        assert [r["username"] for r in rows(db, tables.users)] == ["alice"]


async def test_a_token_signed_with_a_newly_published_key_costs_one_more_jwks_fetch(fake, start, clock):
    client = await start(fake)
    _, headers = await register(client, "alice")
    await call(client, "GET", "/users/me", headers, expect=200)
    assert fake.count("GET", JWKS) == 1
    fake.rotate_key()
    # An unknown key id is looked up again at most once per 30 s (a flood of made-up ids
    # must not hammer Supabase); past that, the first token naming the new key fetches it.
    clock.advance(seconds=31)
    session = await call(
        client, "POST", "/auth/login", json={"email": "alice@example.com", "password": PASSWORD}, expect=200
    )
    await call(client, "GET", "/users/me", auth(session["access_token"]), expect=200)
    await call(client, "GET", "/users/me", headers, expect=200)  # the old key is still published
    assert fake.count("GET", JWKS) == 2


async def test_a_legacy_project_is_verified_with_its_hs256_secret(clock, start):
    async with running_fake(hs256_secret=LEGACY_SECRET, clock=lambda: clock.peek().timestamp()) as fake:
        client = await start(fake, jwt_secret=LEGACY_SECRET)
        user, headers = await register(client, "alice")
        assert (await call(client, "GET", "/users/me", headers, expect=200))["id"] == user["id"]
        forged = fake.mint(user["id"], email="alice@example.com", foreign=True)
        assert await refused(client, forged) == expired_detail("bad signature")
        assert fake.count("GET", JWKS) == 0


@pytest.mark.parametrize(
    ("claims", "reason"),
    [
        ({"iat": -7200, "ttl": 3600}, "token has expired"),
        ({"overrides": {"aud": "anon"}}, "wrong audience"),
        ({"overrides": {"iss": "https://other.supabase.co/auth/v1"}}, "wrong issuer"),
        ({"overrides": {"exp": None}}, "missing exp"),
        ({"foreign": True}, "bad signature"),
    ],
    ids=["expired", "wrong-audience", "wrong-issuer", "no-exp", "other-projects-key"],
)
async def test_a_token_supabase_would_refuse_is_a_401(fake, start, clock, claims, reason):
    client = await start(fake)
    user, _ = await register(client, "alice")
    if "iat" in claims:
        claims = {**claims, "iat": int(clock.peek().timestamp()) + claims["iat"]}
    token = fake.mint(user["id"], email="alice@example.com", **claims)
    assert await refused(client, token) == expired_detail(reason)


async def test_a_verified_token_without_a_profile_gets_one_from_its_claims(fake, start, db):
    client = await start(fake)
    account = fake.add_user(
        "carol@example.com", PASSWORD, user_metadata={"username": "carol", "display_name": "Carol C."}
    )
    token = fake.mint(account.id, email="carol@example.com", user_metadata=account.user_metadata)
    me = await call(client, "GET", "/users/me", auth(token), expect=200)
    assert (me["id"], me["username"], me["display_name"], me["email"]) == (
        account.id,
        "carol",
        "Carol C.",
        "carol@example.com",
    )
    assert [r["username"] for r in rows(db, tables.users)] == ["carol"]
    await call(client, "GET", "/users/me", auth(token), expect=200)
    assert len(rows(db, tables.users)) == 1


async def test_logout_ends_the_supabase_sessions_and_the_token(fake, start, clock):
    client = await start(fake)
    user, headers = await register(client, "alice")
    clock.advance(seconds=1)  # Supabase tokens say their issue time in whole seconds
    assert await call(client, "POST", "/auth/logout", headers, expect=200) == {"detail": "Logged out"}
    assert fake.users[user["id"]].sessions == set()
    assert await refused(client, headers["Authorization"].split()[1]) == expired_detail(
        "token has been revoked"
    )
    session = await call(
        client, "POST", "/auth/login", json={"email": "alice@example.com", "password": PASSWORD}, expect=200
    )
    await call(client, "GET", "/users/me", auth(session["access_token"]), expect=200)


async def test_a_password_change_goes_through_supabase_and_ends_older_tokens(fake, start, clock):
    client = await start(fake)
    user, headers = await register(client, "alice")
    wrong = {"current_password": "not-the-password", "new_password": "n3w-password"}
    answer = await call(client, "PUT", "/auth/password", headers, json=wrong, expect=400)
    assert answer == {"detail": "Current password is incorrect"}
    assert fake.users[user["id"]].password == PASSWORD
    clock.advance(seconds=1)
    change = {"current_password": PASSWORD, "new_password": "n3w-password"}
    session = await call(client, "PUT", "/auth/password", headers, json=change, expect=200)
    assert fake.users[user["id"]].password == "n3w-password"
    await call(client, "GET", "/users/me", auth(session["access_token"]), expect=200)
    assert await refused(client, headers["Authorization"].split()[1]) == expired_detail(
        "token has been revoked"
    )


async def test_deleting_the_account_deletes_the_supabase_account_and_its_files(fake, start, db):
    client = await start(fake)
    user, headers = await register(client, "alice")
    bob, bob_headers = await register(client, "bob")
    for who in (headers, bob_headers):
        resume = await create_resume(client, who)
        assert (await upload(client, who, resume["id"], b"%PDF-1.7\n%%EOF\n"))[0] == 200
    assert len(fake.objects) == 2
    await call(client, "DELETE", "/users/me", headers, json={"password": PASSWORD}, expect=200)
    assert user["id"] not in fake.users
    assert [path.split("/")[0] for _, path in fake.objects] == [bob["id"]]
    assert [r["username"] for r in rows(db, tables.users)] == ["bob"]
    # Alice's token still verifies until it expires, but brings no profile back.
    assert await refused(client, headers["Authorization"].split()[1]) == expired_detail("unknown user")
    assert [r["username"] for r in rows(db, tables.users)] == ["bob"]


async def test_supabase_down_is_a_503_that_writes_nothing(fake, start, db):
    client = await start(fake)
    await register(client, "alice")
    await fake.close()
    body = {"email": "bob@example.com", "username": "bob", "password": PASSWORD}
    resp = await client.post("/api/v1/auth/register", json=body)
    assert resp.status == 503
    assert await resp.json() == {"detail": UNAVAILABLE.format("unreachable")}
    assert resp.headers["Retry-After"] == "5"
    login = {"email": "alice@example.com", "password": PASSWORD}
    assert await call(client, "POST", "/auth/login", json=login, expect=503) == {
        "detail": UNAVAILABLE.format("unreachable")
    }
    assert [r["username"] for r in rows(db, tables.users)] == ["alice"]


async def test_supabase_answering_after_30_seconds_is_a_503_within_the_time_limit(fake, start, db):
    client = await start(fake, timeout=0.5)
    fake.delay = 31
    began = time.monotonic()
    body = {"email": "alice@example.com", "username": "alice", "password": PASSWORD}
    answer = await call(client, "POST", "/auth/register", json=body, expect=503)
    assert answer == {"detail": UNAVAILABLE.format("no answer within 0.5 seconds")}
    assert time.monotonic() - began < 2
    assert rows(db, tables.users) == []


async def test_a_token_with_an_unknown_key_while_supabase_is_down_is_a_503(fake, start):
    client = await start(fake)
    user, _ = await register(client, "alice")
    fake.rotate_key()
    token = fake.mint(user["id"], email="alice@example.com")
    await fake.close()
    resp = await client.get("/api/v1/users/me", headers=auth(token))
    assert resp.status == 503
    assert (await resp.json())["detail"].startswith("Supabase Auth is unavailable")


async def test_an_upload_lands_in_the_bucket_with_its_type_under_a_public_url(fake, start, db):
    client = await start(fake)
    user, headers = await register(client, "alice")
    resume = await create_resume(client, headers)
    pdf = b"%PDF-1.7\nbody\n%%EOF\n"
    status, body = await upload(client, headers, resume["id"], pdf, filename="My CV.pdf")
    assert status == 200
    stored = fake.objects[("resumes", f"{user['id']}/{resume['id']}/My CV.pdf")]
    assert (stored.data, stored.content_type) == (pdf, "application/pdf")
    folder = f"{user['id']}/{resume['id']}"
    assert body["file_url"] == f"{fake.url}/storage/v1/object/public/resumes/{folder}/My%20CV.pdf"
    async with aiohttp.ClientSession() as browser, browser.get(body["file_url"]) as download:
        assert (download.status, await download.read()) == (200, stored.data)


async def test_a_private_bucket_gives_a_signed_url(clock, start):
    fake_clock = lambda: clock.peek().timestamp()  # noqa: E731
    async with running_fake(buckets={"resumes": False}, clock=fake_clock) as fake:
        client = await start(fake, public_bucket=False, signed_url_ttl=600)
        _, headers = await register(client, "alice")
        resume = await create_resume(client, headers)
        status, body = await upload(client, headers, resume["id"], b"%PDF-1.7\n%%EOF\n")
        assert status == 200
        assert body["file_url"].startswith(f"{fake.url}/storage/v1/object/sign/resumes/")
        async with aiohttp.ClientSession() as browser, browser.get(body["file_url"]) as download:
            assert (download.status, await download.read()) == (200, b"%PDF-1.7\n%%EOF\n")


async def test_other_writes_go_on_while_supabase_is_still_storing_an_upload(fake, start, db):
    client = await start(fake)
    user, headers = await register(client, "alice")
    resume = await create_resume(client, headers)  # also fetches the JWKS, before Supabase slows down
    fake.delay = 2  # every answer of the fake's, the upload's included, waits this long
    uploading = asyncio.create_task(
        upload(client, headers, resume["id"], b"%PDF-1.7\n%%EOF\n", filename="slow.pdf")
    )
    store = ("POST", f"/storage/v1/object/resumes/{user['id']}/{resume['id']}/slow.pdf")
    for _ in range(250):
        if store in fake.requests:
            break
        await asyncio.sleep(0.02)
    assert store in fake.requests, "the upload never reached Supabase"
    # The file goes to Supabase before the upload's database write opens: nothing waits for it.
    other = await asyncio.wait_for(create_resume(client, headers, version_name="meanwhile"), timeout=5)
    assert other["version_name"] == "meanwhile"
    assert not uploading.done()
    status, body = await uploading
    assert status == 200, body
    [row] = rows(db, tables.resume_versions, id=uuid.UUID(resume["id"]))
    assert row["file_url"] == body["file_url"]
    assert body["file_url"].endswith(f"/{user['id']}/{resume['id']}/slow.pdf")

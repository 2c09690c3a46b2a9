"""401s: a missing, malformed, forged or expired bearer token (behaviour.md §2).

Tokens are forged here with pyjwt and the suite's own secret, so each case
differs from a valid token in exactly one respect; the first test proves the
forging itself produces a token the app accepts.
"""

from __future__ import annotations

import time
from typing import Any

import jwt
import pytest

from .httpkit import API, JWT_SECRET, register


def claims(user: dict[str, Any], **overrides: Any) -> dict[str, Any]:
    now = int(time.time())
    base = {
        "sub": user["id"],
        "aud": "authenticated",
        "role": "authenticated",
        "iat": now,
        "exp": now + 600,
    }
    base.update(overrides)
    return {k: v for k, v in base.items() if v is not None}


def forge(payload: dict[str, Any], secret: str = JWT_SECRET, algorithm: str = "HS256") -> str:
    return jwt.encode(payload, secret, algorithm=algorithm)


async def me_with(client, authorization: str | None):
    headers = {} if authorization is None else {"Authorization": authorization}
    return await client.get(f"{API}/users/me", headers=headers)


async def test_a_token_forged_like_the_apps_own_is_accepted(client):
    user, _ = await register(client, "alice")
    resp = await me_with(client, f"Bearer {forge(claims(user))}")
    assert resp.status == 200
    assert (await resp.json())["id"] == user["id"]


async def test_the_issued_token_has_supabase_shaped_claims_and_no_email(client):
    resp = await client.post(
        f"{API}/auth/register",
        json={"email": "alice@example.com", "username": "alice", "password": "secret1"},
    )
    body = await resp.json()
    token = body["access_token"]
    decoded = jwt.decode(token, JWT_SECRET, algorithms=["HS256"], audience="authenticated")
    assert jwt.get_unverified_header(token)["alg"] == "HS256"
    # iat_us: the issue time to the microsecond, for revocation (ours).
    assert set(decoded) == {"sub", "aud", "role", "iat", "exp", "iat_us"}
    assert decoded["iat_us"] // 1_000_000 == decoded["iat"]
    assert decoded["sub"] == body["user"]["id"]
    assert decoded["aud"] == "authenticated"
    assert decoded["role"] == "authenticated"
    assert decoded["exp"] - decoded["iat"] == 3600


@pytest.mark.parametrize("authorization", [None, "", "Basic YWxpY2U6c2VjcmV0", "Bearer", "Bearer   "])
async def test_no_bearer_token_is_not_authenticated(client, authorization):
    resp = await me_with(client, authorization)
    assert resp.status == 401
    assert await resp.json() == {"detail": "Not authenticated"}
    assert resp.headers["WWW-Authenticate"] == "Bearer"


async def assert_invalid(resp) -> None:
    assert resp.status == 401
    body = await resp.json()
    assert list(body) == ["detail"]
    assert body["detail"].startswith("Invalid or expired token"), body
    assert resp.headers["WWW-Authenticate"] == "Bearer"


async def test_a_garbage_token_is_invalid(client):
    await assert_invalid(await me_with(client, "Bearer not.a.jwt"))
    await assert_invalid(await me_with(client, "Bearer garbage"))


async def test_an_expired_token_is_invalid(client):
    user, _ = await register(client, "alice")
    past = int(time.time()) - 7200
    await assert_invalid(await me_with(client, f"Bearer {forge(claims(user, iat=past, exp=past + 60))}"))


async def test_a_token_for_another_audience_is_invalid(client):
    user, _ = await register(client, "alice")
    await assert_invalid(await me_with(client, f"Bearer {forge(claims(user, aud='anon'))}"))


async def test_a_token_without_an_audience_is_invalid(client):
    user, _ = await register(client, "alice")
    payload = claims(user)
    del payload["aud"]
    await assert_invalid(await me_with(client, f"Bearer {forge(payload)}"))


async def test_an_unsigned_alg_none_token_is_invalid(client):
    user, _ = await register(client, "alice")
    token = jwt.encode(claims(user), None, algorithm="none")
    await assert_invalid(await me_with(client, f"Bearer {token}"))


async def test_a_token_without_expiry_is_invalid(client):
    user, _ = await register(client, "alice")
    payload = claims(user)
    del payload["exp"]
    await assert_invalid(await me_with(client, f"Bearer {forge(payload)}"))


async def test_a_token_signed_with_another_secret_is_invalid(client):
    user, _ = await register(client, "alice")
    token = forge(claims(user), secret="another-secret-that-is-long-enough-for-hs256!!")
    await assert_invalid(await me_with(client, f"Bearer {token}"))


async def test_a_token_signed_with_another_algorithm_is_invalid(client):
    user, _ = await register(client, "alice")
    token = forge(claims(user), algorithm="HS512")
    await assert_invalid(await me_with(client, f"Bearer {token}"))


async def test_a_token_whose_subject_is_not_a_uuid_is_invalid(client):
    user, _ = await register(client, "alice")
    await assert_invalid(await me_with(client, f"Bearer {forge(claims(user, sub='alice'))}"))


async def test_protected_routes_all_require_the_token(client):
    for method, path in [
        ("GET", "/users/me"),
        ("GET", "/users/search?q=a"),
        ("GET", "/resumes/"),
        ("POST", "/resumes/"),
        ("GET", "/applications/"),
        ("POST", "/applications"),
        ("GET", "/applications/00000000-0000-4000-8000-000000000000"),
    ]:
        resp = await client.request(method, API + path, json={})
        assert resp.status == 401, (method, path)
        assert await resp.json() == {"detail": "Not authenticated"}

"""``POST /auth/register`` and ``POST /auth/login`` (behaviour.md §2), with local accounts and
with accounts in (fake) Supabase Auth."""

from __future__ import annotations

import pytest

from .httpkit import API, DATETIME, PASSWORD, UUID_STR, auth, call, register, rows, tables

pytestmark = pytest.mark.supabase_too


def user_response(username: str, **overrides):
    return {
        "id": UUID_STR,
        "email": f"{username}@example.com",
        "username": username,
        "display_name": username,
        "bio": None,
        "is_profile_public": False,
        "profile_visibility": "private",
        "streak_days": 0,
        "last_active_date": None,
        "created_at": DATETIME,
        "updated_at": DATETIME,
    } | overrides


async def test_register_answers_201_with_a_bearer_token_and_the_default_profile(client, db):
    resp = await client.post(
        f"{API}/auth/register",
        json={"email": "Alice@Example.COM", "username": "alice", "password": PASSWORD},
    )
    assert resp.status == 201
    body = await resp.json()
    assert body == {
        "access_token": body["access_token"],
        "token_type": "bearer",
        "user": user_response("alice"),
    }
    assert isinstance(body["access_token"], str)
    assert body["access_token"].count(".") == 2
    stored = rows(db, tables.users, username="alice")
    assert len(stored) == 1
    assert stored[0]["email"] == "alice@example.com"


async def test_the_registration_token_opens_the_own_profile(client):
    user, headers = await register(client, "alice")
    me = await call(client, "GET", "/users/me", headers, expect=200)
    assert me == user


async def test_register_keeps_a_given_display_name(client):
    user, _ = await register(client, "alice", display_name="Alice A.")
    assert user == user_response("alice", display_name="Alice A.")


async def test_register_never_stores_the_plain_password(client, db, supabase):
    user, _ = await register(client, "alice")
    if supabase is not None:
        # Supabase Auth keeps the password; the profile row shares the account's id.
        assert rows(db, tables.credentials) == []
        assert supabase.users[user["id"]].email == "alice@example.com"
        return
    [cred] = rows(db, tables.credentials)
    assert PASSWORD not in cred["password_hash"]
    assert cred["password_hash"].startswith("$argon2id$")


async def test_a_taken_username_is_reported_before_a_taken_email(client):
    await register(client, "alice")
    both = await call(
        client,
        "POST",
        "/auth/register",
        json={"email": "alice@example.com", "username": "alice", "password": PASSWORD},
        expect=400,
    )
    assert both == {"detail": "Username already taken"}


async def test_a_taken_email_is_a_400_whatever_its_case(client, db):
    await register(client, "alice")
    body = await call(
        client,
        "POST",
        "/auth/register",
        json={"email": "ALICE@example.com", "username": "alice2", "password": PASSWORD},
        expect=400,
    )
    assert body == {"detail": "Email already taken"}
    assert len(rows(db, tables.users)) == 1


async def test_an_address_without_an_at_sign_is_a_422(client):
    body = await call(
        client,
        "POST",
        "/auth/register",
        json={"email": "not-an-email", "username": "alice", "password": PASSWORD},
        expect=422,
    )
    assert [e["loc"] for e in body["detail"]] == [["body", "email"]]


async def test_register_bounds_username_and_password_lengths(client):
    body = await call(
        client,
        "POST",
        "/auth/register",
        json={"email": "a@example.com", "username": "ab", "password": "12345"},
        expect=422,
    )
    assert [(e["loc"], e["type"]) for e in body["detail"]] == [
        (["body", "username"], "string_too_short"),
        (["body", "password"], "string_too_short"),
    ]
    assert body["detail"][0]["msg"] == "String should have at least 3 characters"
    assert body["detail"][1]["msg"] == "String should have at least 6 characters"


async def test_login_answers_a_working_token_and_the_profile(client, clock):
    await register(client, "alice")
    body = await call(
        client, "POST", "/auth/login", json={"email": "alice@example.com", "password": PASSWORD}, expect=200
    )
    today = clock.today().isoformat()
    assert body == {
        "access_token": body["access_token"],
        "token_type": "bearer",
        "user": user_response("alice", streak_days=1, last_active_date=today),
    }
    me = await call(client, "GET", "/users/me", auth(body["access_token"]), expect=200)
    assert me["username"] == "alice"


async def test_login_finds_the_email_whatever_its_case(client):
    await register(client, "alice")
    await call(
        client, "POST", "/auth/login", json={"email": "ALICE@Example.com", "password": PASSWORD}, expect=200
    )


async def test_login_accepts_a_six_character_password(client):
    await register(client, "alice", password="sixsix")
    body = await call(
        client, "POST", "/auth/login", json={"email": "alice@example.com", "password": "sixsix"}, expect=200
    )
    assert body["user"]["username"] == "alice"


async def test_a_wrong_password_and_an_unknown_email_get_the_same_401(client):
    await register(client, "alice")
    for credentials in (
        {"email": "alice@example.com", "password": "wrong password"},
        {"email": "nobody@example.com", "password": PASSWORD},
    ):
        resp = await client.post(f"{API}/auth/login", json=credentials)
        assert resp.status == 401
        assert await resp.json() == {"detail": "Incorrect email or password"}
        assert resp.headers["WWW-Authenticate"] == "Bearer"


async def test_login_requires_both_fields(client):
    body = await call(client, "POST", "/auth/login", json={}, expect=422)
    assert body == {
        "detail": [
            {"type": "missing", "loc": ["body", "email"], "msg": "Field required", "input": {}},
            {"type": "missing", "loc": ["body", "password"], "msg": "Field required", "input": {}},
        ]
    }


async def test_register_bounds_the_upper_lengths_too(client, db):
    body = await call(
        client,
        "POST",
        "/auth/register",
        json={
            "email": "a" * 250 + "@x.com",
            "username": "u" * 51,
            "password": "p" * 129,
            "display_name": "d" * 101,
        },
        expect=422,
    )
    assert [(e["loc"][1], e["type"], e["msg"]) for e in body["detail"]] == [
        ("email", "string_too_long", "String should have at most 255 characters"),
        ("username", "string_too_long", "String should have at most 50 characters"),
        ("password", "string_too_long", "String should have at most 128 characters"),
        ("display_name", "string_too_long", "String should have at most 100 characters"),
    ]
    assert rows(db, tables.users) == []


async def test_a_rejected_registration_writes_nothing(client, db, supabase):
    await register(client, "alice")
    await call(
        client,
        "POST",
        "/auth/register",
        json={"email": "other@example.com", "username": "alice", "password": PASSWORD},
        expect=400,
    )
    assert [r["email"] for r in rows(db, tables.users)] == ["alice@example.com"]
    assert len(rows(db, tables.credentials)) == (1 if supabase is None else 0)
    assert len(rows(db, tables.user_milestones)) == 1
    if supabase is not None:  # the taken username was refused before Supabase made an account
        assert [u.email for u in supabase.users.values()] == ["alice@example.com"]

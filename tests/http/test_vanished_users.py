"""A correctly signed token whose user does not exist is a 401 on every authenticated route.

The existence check is remembered per process for ``KnownUsers.LIFETIME``
(5 s of the app's clock), so a user deleted behind the app's back is refused
once that lifetime has passed; the suite's clock is stepped, not waited for.
"""

from __future__ import annotations

import re
import time
import uuid

import jwt
import sqlalchemy as sa

from .httpkit import API, JWT_SECRET, auth, create_application, register, tables

UNKNOWN_USER = {"detail": "Invalid or expired token: unknown user"}
PLACEHOLDER = re.compile(r"\{[^}]+\}")


def token_for(user_id: str, email: str = "ghost@example.com") -> str:
    """A token signed exactly like the app's own, for any user id."""
    now = int(time.time())
    payload = {
        "sub": user_id,
        "email": email,
        "aud": "authenticated",
        "role": "authenticated",
        "iat": now,
        "exp": now + 3600,
    }
    return jwt.encode(payload, JWT_SECRET, algorithm="HS256")


def authenticated_routes(app) -> list[tuple[str, str]]:
    """Every (method, path) the app serves behind a bearer token, placeholders filled with a UUID."""
    found = []
    for route in app.router.routes():
        if route.method in {"HEAD", "OPTIONS", "*"}:
            continue
        if getattr(route.handler, "__offertracker_public__", False):
            continue
        path = PLACEHOLDER.sub(str(uuid.uuid4()), route.resource.canonical)
        found.append((route.method, path))
    return found


async def assert_unknown_user(resp) -> None:
    assert resp.status == 401
    assert await resp.json() == UNKNOWN_USER
    assert resp.headers["WWW-Authenticate"] == "Bearer"


async def test_a_signed_token_of_a_user_never_registered_is_refused_on_every_authenticated_route(client, db):
    headers = auth(token_for(str(uuid.uuid4())))
    routes = authenticated_routes(client.app)
    assert ("GET", f"{API}/users/me") in routes
    assert ("POST", f"{API}/applications/") in routes
    assert ("GET", f"{API}/applications/") in routes

    for method, path in routes:
        resp = await client.request(
            method, path, headers=headers, json={"company_name": "A", "role_title": "B"}
        )
        assert resp.status == 401, (method, path, await resp.text())
        await assert_unknown_user(resp)
    assert _count(db, tables.applications) == 0


async def test_a_user_deleted_in_the_database_is_refused_once_the_memory_of_it_expires(client, db, clock):
    user, headers = await register(client, "alice")
    await create_application(client, headers)
    with db.begin() as conn:
        conn.execute(tables.users.delete().where(tables.users.c.id == uuid.UUID(user["id"])))

    clock.advance(seconds=30)

    await assert_unknown_user(await client.get(f"{API}/users/me", headers=headers))
    await assert_unknown_user(await client.get(f"{API}/applications/", headers=headers))
    body = {"company_name": "Acme", "role_title": "Engineer"}
    await assert_unknown_user(await client.post(f"{API}/applications/", json=body, headers=headers))
    assert _count(db, tables.users) == 0


def _count(db, table) -> int:
    with db.connect() as conn:
        return conn.execute(sa.select(sa.func.count()).select_from(table)).scalar_one()

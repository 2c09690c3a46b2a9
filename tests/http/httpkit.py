"""Helpers shared by the HTTP tests: value patterns, a steppable clock, request and database shortcuts.

Kept out of ``conftest.py`` so test modules can import them explicitly
(``from .httpkit import register``).
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from aiohttp import web
from aiohttp.test_utils import TestClient

from offertracker_http.keys import SERVICES
from offertracker_http.settings import Settings
from offertracker_storage import Argon2Passwords
from offertracker_storage.sql import tables

__all__ = [
    "API",
    "DATETIME",
    "HEX_ID",
    "JWT_SECRET",
    "PASSWORD",
    "UUID_STR",
    "FakeClock",
    "add_stage",
    "auth",
    "call",
    "count",
    "create_application",
    "create_contact",
    "create_document",
    "create_outcome",
    "create_reflection",
    "create_resume",
    "insert",
    "register",
    "rows",
    "tables",
]

JWT_SECRET = "test-secret-for-the-http-suite-long-enough-for-hs512-0123456789abcdef"
API = "/api/v1"
PASSWORD = "correct horse"


def cheap_passwords() -> Argon2Passwords:
    """Real argon2 with the cheapest parameters: registering costs microseconds, not a quarter second."""
    return Argon2Passwords(time_cost=1, memory_cost=1024, parallelism=1)


def suite_settings(data_dir: Path, database_url: str, **overrides: Any) -> Settings:
    """The suites' server settings: ``data_dir`` and ``database_url``, the suites' JWT secret, and
    ``overrides`` (attempt limits, CORS origins, ...)."""
    return Settings(data_dir=data_dir, database_url=database_url, jwt_secret=JWT_SECRET, **overrides)


class Pattern:
    """Equal to any string that fully matches ``regex``; lets a whole JSON body be compared at once."""

    def __init__(self, regex: str, label: str) -> None:
        self._regex = re.compile(regex)
        self._label = label

    def __eq__(self, other: object) -> bool:
        return isinstance(other, str) and self._regex.fullmatch(other) is not None

    def __hash__(self) -> int:
        return hash(self._label)

    def __repr__(self) -> str:
        return self._label


UUID_STR = Pattern(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}", "<uuid>")
DATETIME = Pattern(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z", "<datetime>")
HEX_ID = Pattern(r"[0-9a-f]{8,64}", "<hex id>")


class FakeClock:
    """The core ``Clock`` port under the test's control.

    Starts at the real current time (so tokens it stamps are valid for any
    verifier) and moves one millisecond forward on every reading, so two
    requests never share a wire timestamp and ``updated_at`` visibly changes.
    ``advance`` jumps ahead, e.g. to the next UTC day for streak tests.
    """

    def __init__(self, start: datetime | None = None) -> None:
        self._now = (start or datetime.now(UTC)).replace(microsecond=0)

    def now(self) -> datetime:
        self._now += timedelta(milliseconds=1)
        return self._now

    def peek(self) -> datetime:
        """The current reading without moving the clock (for a second party sharing it)."""
        return self._now

    def advance(self, **delta: float) -> None:
        self._now += timedelta(**delta)

    def today(self) -> date:
        return self._now.date()


# --- helpers -------------------------------------------------------------------


async def register(
    client: TestClient, username: str, *, email: str | None = None, password: str = PASSWORD, **extra: Any
) -> tuple[dict[str, Any], dict[str, str]]:
    """Register ``username``; return the UserResponse and headers carrying its bearer token."""
    body = {"email": email or f"{username}@example.com", "username": username, "password": password, **extra}
    resp = await client.post(f"{API}/auth/register", json=body)
    assert resp.status == 201, await resp.text()
    data = await resp.json()
    return data["user"], auth(data["access_token"])


def auth(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


async def call(
    client: TestClient,
    method: str,
    path: str,
    headers: dict[str, str] | None = None,
    *,
    expect: int | None = None,
    **kwargs: Any,
) -> Any:
    """Send one request under ``/api/v1``; check the status when ``expect`` is given; return the JSON."""
    resp = await client.request(method, API + path, headers=headers, **kwargs)
    text = await resp.text()
    if expect is not None:
        assert resp.status == expect, f"{method} {path}: {resp.status} {text}"
    assert resp.content_type == "application/json", text
    return await resp.json()


async def create_application(client: TestClient, headers: dict[str, str], **fields: Any) -> dict[str, Any]:
    body = {"company_name": "Acme", "role_title": "Engineer", **fields}
    return await call(client, "POST", "/applications/", headers, json=body, expect=201)


async def create_resume(client: TestClient, headers: dict[str, str], **fields: Any) -> dict[str, Any]:
    body = {"version_name": "v1", **fields}
    return await call(client, "POST", "/resumes/", headers, json=body, expect=201)


async def add_stage(
    client: TestClient, headers: dict[str, str], app_id: str, **fields: Any
) -> dict[str, Any]:
    body = {"stage_name": "Recruiter Call", **fields}
    return await call(client, "POST", f"/applications/{app_id}/stages", headers, json=body, expect=201)


async def create_outcome(
    client: TestClient, headers: dict[str, str], app_id: str, **fields: Any
) -> dict[str, Any]:
    return await call(client, "POST", f"/applications/{app_id}/outcome", headers, json=fields, expect=201)


async def create_reflection(
    client: TestClient, headers: dict[str, str], app_id: str, **fields: Any
) -> dict[str, Any]:
    return await call(client, "POST", f"/applications/{app_id}/reflection", headers, json=fields, expect=201)


# --- contacts and documents ---


async def create_contact(client: TestClient, headers: dict[str, str], **fields: Any) -> dict[str, Any]:
    body = {"name": "Grace Hopper", **fields}
    return await call(client, "POST", "/contacts/", headers, json=body, expect=201)


async def create_document(
    client: TestClient, headers: dict[str, str], app_id: str, **fields: Any
) -> dict[str, Any]:
    body = {"application_id": app_id, "name": "Cover letter", **fields}
    return await call(client, "POST", "/documents/", headers, json=body, expect=201)


def rows(engine: sa.Engine, table: sa.Table, *, order_by: Any = None, **where: Any) -> list[dict[str, Any]]:
    """Every row of ``table`` matching the ``column=value`` filters, as dicts."""
    query = sa.select(table)
    for column, value in where.items():
        query = query.where(table.c[column] == value)
    if order_by is not None:
        query = query.order_by(*order_by) if isinstance(order_by, (list, tuple)) else query.order_by(order_by)
    with engine.connect() as conn:
        return [dict(row._mapping) for row in conn.execute(query)]


def count(engine: sa.Engine, table: sa.Table, **where: Any) -> int:
    return len(rows(engine, table, **where))


def insert(engine: sa.Engine, table: sa.Table, **values: Any) -> None:
    with engine.begin() as conn:
        conn.execute(table.insert().values(**values))


# --- reminders and tags ----------------------------------------------------------

__all__ += ["create_reminder", "create_tag"]


async def create_reminder(client: TestClient, headers: dict[str, str], **fields: Any) -> dict[str, Any]:
    body = {"title": "Follow up", "remind_at": "2026-03-15T09:00:00Z", **fields}
    return await call(client, "POST", "/reminders/", headers, json=body, expect=201)


async def create_tag(client: TestClient, headers: dict[str, str], **fields: Any) -> dict[str, Any]:
    body = {"name": "Remote", **fields}
    return await call(client, "POST", "/tags/", headers, json=body, expect=201)


# --- shared by the resource suites: saved jobs, statement counts, milestones, 422 bodies ---

__all__ += ["BAD_PAGING", "counted_get", "counting", "held", "not_a_uuid", "save_job", "too_long", "user_row"]

BAD_PAGING = [
    ({"limit": "0"}, ["query", "limit"], "greater_than_equal"),
    ({"limit": "1001"}, ["query", "limit"], "less_than_equal"),
    ({"skip": "-1"}, ["query", "skip"], "greater_than_equal"),
]
"""``(params, loc, type)`` of the paging values every list refuses (``skip``/``limit`` bounds)."""


async def save_job(client: TestClient, headers: dict[str, str], **fields: Any) -> dict[str, Any]:
    body = {"company_name": "Acme", **fields}
    return await call(client, "POST", "/saved-jobs/", headers, json=body, expect=201)


@contextmanager
def counting(app: web.Application) -> Iterator[list[str]]:
    """Count the statements every engine of the app's storage executes inside the block."""
    engines = app[SERVICES].context.storage.sync_engines
    statements: list[str] = []

    def before_cursor_execute(
        conn: Any, cursor: Any, statement: str, parameters: Any, context: Any, executemany: bool
    ) -> None:
        statements.append(statement)

    for engine in engines:
        sa.event.listen(engine, "before_cursor_execute", before_cursor_execute)
    try:
        yield statements
    finally:
        for engine in engines:
            sa.event.remove(engine, "before_cursor_execute", before_cursor_execute)


async def counted_get(
    client: TestClient, path: str, headers: dict[str, str], params: dict[str, Any] | None = None
) -> tuple[int, Any]:
    """``GET`` ``path`` under ``/api/v1``, which must answer 200: the statements it ran, and its JSON."""
    with counting(client.app) as statements:
        resp = await client.get(f"{API}{path}", params=params, headers=headers)
        body = await resp.json()
    assert resp.status == 200
    return len(statements), body


def held(db: sa.Engine, user_id: str) -> set[str]:
    """The names of the milestones ``user_id`` holds."""
    query = (
        sa.select(tables.milestones.c.name)
        .join(tables.user_milestones, tables.user_milestones.c.milestone_id == tables.milestones.c.id)
        .where(tables.user_milestones.c.user_id == uuid.UUID(user_id))
    )
    with db.connect() as conn:
        return set(conn.execute(query).scalars())


def user_row(db: sa.Engine, user_id: str) -> dict[str, Any]:
    [row] = rows(db, tables.users, id=uuid.UUID(user_id))
    return row


def not_a_uuid(where: str, name: str, value: str) -> dict[str, Any]:
    """The 422 error for ``value`` where a UUID belongs (``where``: "path", "query" or "body")."""
    message = "Input should be a valid UUID"
    return {"type": "uuid_parsing", "loc": [where, name], "msg": message, "input": value}


def too_long(loc: list[Any], value: str, limit: int) -> dict[str, Any]:
    """The 422 error for a text ``value`` over its bound ``limit``."""
    return {
        "type": "string_too_long",
        "loc": loc,
        "msg": f"String should have at most {limit} characters",
        "input": value,
        "ctx": {"max_length": limit},
    }


# --- uploads -------------------------------------------------------------------------

PDF = "application/pdf"
BOUNDARY = "offertracker-test-boundary"


async def upload(
    client: TestClient,
    headers: dict[str, str],
    resume_id: str,
    data: bytes,
    *,
    filename: str | None = "cv.pdf",
    content_type: str | None = PDF,
) -> tuple[int, Any]:
    """Send ``data`` as the multipart ``file`` part; the status and the JSON answer.

    Built by hand (aiohttp's ``FormData`` would declare a content type where the test wants none).
    """
    disposition = 'form-data; name="file"' + ("" if filename is None else f'; filename="{filename}"')
    head = f"--{BOUNDARY}\r\nContent-Disposition: {disposition}\r\n"
    if content_type is not None:
        head += f"Content-Type: {content_type}\r\n"
    body = head.encode() + b"\r\n" + data + f"\r\n--{BOUNDARY}--\r\n".encode()
    resp = await client.post(
        f"{API}/upload/resumes/{resume_id}",
        headers={**headers, "Content-Type": f"multipart/form-data; boundary={BOUNDARY}"},
        data=body,
    )
    return resp.status, await resp.json()

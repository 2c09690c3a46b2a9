"""Every error status ``GET /openapi.json`` documents is one the app answers, and no other.

The document lists, per operation, the error statuses it can give
(:func:`offertracker_http.openapi.document.error_statuses`). Here every
``(method, path, status)`` of the live document is produced on the real app, on
SQLite and PostgreSQL, and the answer checked: the status, the exact ``detail``
(the core's message; FastAPI's error list for a 422), ``WWW-Authenticate`` on a 401,
``Retry-After`` on a 429.

- Generic producers, from the shape of an operation (what it is sent, whether it is
  public), never from its list of statuses: 401 (no token), 422 (a path id that is not
  a UUID, else a query number under its minimum, else a JSON body that is not an
  object), 413 (a JSON body one byte over ``client_max_size``) and 404 (random UUIDs
  for every path id).
- :data:`SCENARIOS`, for what only the domain knows: every 400, 403, 409 and 429, the
  404s whose id travels in the body or the query, the 401 of a failed login, and a few
  pointed 404s/422s next to the generic ones (a child under the wrong application, a
  reaction never made, an upload without its file).

The statuses covered must be exactly the documented ones: a route that declares a new
error with no scenario fails here, and so does a producer of a status the document
does not list (a generic 404 the route forgot to declare, a stale scenario).

One world per database (two users, each owning one of everything, in the states the
scenarios need) and one walk over every case, collecting every mismatch into one
failure that names each ``(method, path, status)``: the world costs ~30 requests, so
building it once instead of once per case (a parametrized test gets a fresh database
per case from the function-scoped ``client``) keeps the module at a few seconds.
"""

from __future__ import annotations

import inspect
import re
import uuid
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

import attrs
import pytest
import sqlalchemy as sa
from aiohttp import FormData, web
from aiohttp.test_utils import TestClient
from limits import parse

from offertracker_core.enums import StageResult
from offertracker_core.import_registry import DEFAULT_MAX_ACCOUNT_BYTES
from offertracker_core.inputs import MAX_STAGES_PER_APPLICATION

from .httpkit import (
    API,
    PASSWORD,
    add_stage,
    call,
    create_application,
    create_contact,
    create_document,
    create_outcome,
    create_reflection,
    create_reminder,
    create_resume,
    create_tag,
    not_a_uuid,
    register,
    save_job,
    tables,
)

pytestmark = pytest.mark.usefixtures("database_url")

Key = tuple[str, str, int]
"""``(method, documented path, status)``."""

BODY_LIMITS = {"/account/import": DEFAULT_MAX_ACCOUNT_BYTES}
"""Bodies a route reads itself, with a cap of its own instead of ``client_max_size``."""

RANDOM = "random"
"""In ``ids``: a fresh random UUID; in a JSON or query value: ``"{random}"``."""
ABSENT: Any = object()
"""No JSON body at all."""

CLIENT_MAX_SIZE: int = inspect.signature(web.Application).parameters["client_max_size"].default
"""The largest body aiohttp reads; the app keeps the default (1 MiB), as the boundary test shows."""

# The 404 of a random id, by the path parameter it is answered for (the first one of the path
# listed here). ``owner_id`` (whose file it is) is not: the resume is looked up first.
NOT_FOUND = {
    "application_id": "Application not found",
    "contact_id": "Contact not found",
    "doc_id": "Document not found",
    "group_id": "Group not found",
    "post_id": "Post not found",
    "reminder_id": "Reminder not found",
    "resume_id": "Resume version not found",
    "saved_job_id": "Saved job not found",
    "tag_id": "Tag not found",
    "user_id": "User not found",
    "webhook_id": "Webhook not found",
}

# A valid body for a JSON body schema with required fields, so that a generic 404 gets past
# the body's validation (path ids are parsed first, the body next, the service last).
MINIMAL_BODIES: dict[str, dict[str, Any]] = {"NewStage": {"stage_name": "Recruiter Call"}}

_PLACEHOLDER = re.compile(r"\{(\w+)\}")
_TEMPLATE = re.compile(r"\{([\w.]+)\}")


@attrs.frozen
class Case:
    """One request and the error it must answer.

    ``path`` is the documented path under ``/api/v1``; its placeholders are filled from
    ``ids`` (a world key, :data:`RANDOM`, or a literal), else with ``owner``'s thing of
    that name from the world. ``json`` and ``query`` values ``"{world.key}"`` are filled
    the same way. ``first`` is sent (and checked) before, to spend an attempt limit.
    """

    method: str
    path: str
    status: int
    detail: Any = None
    """The exact ``detail`` (a 429's is checked against its ``Retry-After`` instead)."""
    caller: str | None = "alice"
    owner: str = "bob"
    ids: Mapping[str, str] = attrs.field(factory=dict)
    json: Any = ABSENT
    query: Mapping[str, str] | None = None
    data: bytes | None = None
    """A raw body sent as ``content_type``."""
    content_type: str = "application/json"
    upload: tuple[str, bytes, str] | None = None
    """``(filename, content, content type)`` of a multipart ``file`` part."""
    client: str = "main"
    """``"main"``, or ``"tight"``: the app with attempt limits of 1 an hour."""
    prefix: str = API
    """What ``path`` is under (``""`` for the routes outside the API: the docs)."""
    first: Case | None = None

    @property
    def key(self) -> Key:
        return (self.method, self.prefix + self.path, self.status)


def _tight(first: Case) -> Case:
    """``first`` sent twice on the app with attempt limits of one an hour: the second is a 429."""
    first = attrs.evolve(first, client="tight")
    return attrs.evolve(first, status=429, detail=None, first=first)


_REMINDER = {"title": "Follow up", "remind_at": "2026-03-15T09:00:00Z"}
_WRONG = "wrong password"

_FAILED_LOGIN = Case(
    "POST",
    "/auth/login",
    401,
    "Incorrect email or password",
    caller=None,
    json={"email": "alice@example.com", "password": _WRONG},
)
"""The 401 of a public operation; on the tight app it also spends the login limit."""

SCENARIOS: list[Case] = [
    # --- 403: alice at bob's things (the owner defaults to bob) ---
    Case(
        "POST", "/applications/{application_id}/stages", 403, "Not your application", json={"stage_name": "x"}
    ),
    Case("PUT", "/applications/{application_id}/stages/{stage_id}", 403, "Not your application", json={}),
    Case("DELETE", "/applications/{application_id}/stages/{stage_id}", 403, "Not your application"),
    Case("POST", "/applications/{application_id}/outcome", 403, "Not your application", json={}),
    Case("PUT", "/applications/{application_id}/outcome/{outcome_id}", 403, "Not your application", json={}),
    Case("DELETE", "/applications/{application_id}/outcome/{outcome_id}", 403, "Not your application"),
    Case("POST", "/applications/{application_id}/reflection", 403, "Not your application", json={}),
    Case(
        "PUT",
        "/applications/{application_id}/reflection/{reflection_id}",
        403,
        "Not your application",
        json={},
    ),
    Case("DELETE", "/applications/{application_id}/reflection/{reflection_id}", 403, "Not your application"),
    Case("GET", "/applications/{application_id}", 403, "Not your application"),
    Case("PUT", "/applications/{application_id}", 403, "Not your application", json={}),
    Case("DELETE", "/applications/{application_id}", 403, "Not your application"),
    Case(
        "POST",
        "/contacts/",
        403,
        "Not your application",
        json={"name": "Grace", "application_id": "{bob.application_id}"},
    ),
    Case("GET", "/contacts/{contact_id}", 403, "Not your contact"),
    Case("PUT", "/contacts/{contact_id}", 403, "Not your contact", json={}),
    Case("DELETE", "/contacts/{contact_id}", 403, "Not your contact"),
    Case("GET", "/documents/{application_id}", 403, "Not your application"),
    Case(
        "POST",
        "/documents/",
        403,
        "Not your application",
        json={"name": "Cover letter", "application_id": "{bob.application_id}"},
    ),
    Case("PUT", "/documents/{doc_id}", 403, "Not your document", json={}),
    Case("DELETE", "/documents/{doc_id}", 403, "Not your document"),
    Case(
        "GET",
        "/analytics/activity",
        403,
        "Not your application",
        query={"application_id": "{bob.application_id}"},
    ),
    Case(
        "POST",
        "/reminders/",
        403,
        "Not your application",
        json={**_REMINDER, "application_id": "{bob.application_id}"},
    ),
    Case("GET", "/reminders/{reminder_id}", 403, "Not your reminder"),
    Case("PUT", "/reminders/{reminder_id}", 403, "Not your reminder", json={}),
    Case("POST", "/reminders/{reminder_id}/complete", 403, "Not your reminder"),
    Case("DELETE", "/reminders/{reminder_id}", 403, "Not your reminder"),
    Case("GET", "/resumes/{resume_id}", 403, "Not your resume"),
    Case("PUT", "/resumes/{resume_id}", 403, "Not your resume", json={}),
    Case("DELETE", "/resumes/{resume_id}", 403, "Not your resume"),
    Case("POST", "/upload/resumes/{resume_id}", 403, "Not your resume"),
    Case(
        "GET", "/files/{owner_id}/{resume_id}/{filename}", 403, "Not your resume", ids={"filename": "cv.pdf"}
    ),
    Case("GET", "/saved-jobs/{saved_job_id}", 403, "Not your saved job"),
    Case("PUT", "/saved-jobs/{saved_job_id}", 403, "Not your saved job", json={}),
    Case("DELETE", "/saved-jobs/{saved_job_id}", 403, "Not your saved job"),
    Case("POST", "/saved-jobs/{saved_job_id}/convert", 403, "Not your saved job"),
    Case("PUT", "/tags/{tag_id}", 403, "Not your tag", json={}),
    Case("DELETE", "/tags/{tag_id}", 403, "Not your tag"),
    Case("GET", "/tags/application/{application_id}", 403, "Not your application"),
    Case("POST", "/tags/application/{application_id}/assign/{tag_id}", 403, "Not your application"),
    Case("DELETE", "/tags/application/{application_id}/remove/{tag_id}", 403, "Not your application"),
    Case("PUT", "/social/groups/{group_id}", 403, "Only group creator can update", json={}),
    Case("DELETE", "/social/groups/{group_id}", 403, "Only group creator can delete"),
    Case(
        "POST",
        "/social/groups/{group_id}/join",
        403,
        "This group is private",
        ids={"group_id": "bob.private_group_id"},
    ),
    Case(
        "POST",
        "/social/posts",
        403,
        "Not a member of this group",
        json={"content": "hi", "group_id": "{bob.group_id}"},
    ),
    Case("PUT", "/social/posts/{post_id}", 403, "Not your post", json={}),
    Case("DELETE", "/social/posts/{post_id}", 403, "Not your post"),
    Case("GET", "/users/{user_id}", 403, "Profile is private"),
    # --- 400: rules broken on alice's own things ---
    Case(
        "POST",
        "/applications/{application_id}/stages",
        400,
        f"An application can have at most {MAX_STAGES_PER_APPLICATION} stages",
        owner="alice",
        json={"stage_name": "One more"},
    ),
    Case(
        "POST",
        "/auth/register",
        400,
        "Username already taken",
        caller=None,
        json={"email": "other@example.com", "username": "alice", "password": PASSWORD},
    ),
    Case(
        "PUT",
        "/auth/password",
        400,
        "Current password is incorrect",
        json={"current_password": _WRONG, "new_password": "a new password"},
    ),
    Case("DELETE", "/users/me", 400, "Password is incorrect", json={"password": _WRONG}),
    Case("POST", "/social/follow/{user_id}", 400, "Cannot follow yourself", owner="alice"),
    Case("POST", "/social/follow/{user_id}", 400, "Already following this user"),
    Case("POST", "/reminders/{reminder_id}/complete", 400, "Reminder already completed", owner="alice"),
    Case(
        "PUT",
        "/saved-jobs/{saved_job_id}",
        400,
        "Use POST /saved-jobs/{id}/convert to convert a saved job to an application.",
        owner="alice",
        json={"status": "Converted"},
    ),
    Case(
        "POST",
        "/saved-jobs/{saved_job_id}/convert",
        400,
        "This saved job has already been converted to an application.",
        owner="alice",
    ),
    Case("POST", "/tags/", 400, "Tag with this name already exists", json={"name": "Remote"}),
    Case(
        "PUT",
        "/tags/{tag_id}",
        400,
        "Tag with this name already exists",
        ids={"tag_id": "alice.spare_tag_id"},
        json={"name": "Remote"},
    ),
    Case(
        "POST",
        "/tags/application/{application_id}/assign/{tag_id}",
        400,
        "Tag already assigned to this application",
        owner="alice",
    ),
    Case("POST", "/social/groups/{group_id}/join", 400, "Already a member of this group", owner="alice"),
    Case(
        "POST",
        "/upload/resumes/{resume_id}",
        400,
        "Only PDF and Word documents are allowed",
        owner="alice",
        upload=("notes.txt", b"just text", "text/plain"),
    ),
    Case(
        "POST",
        "/account/import",
        400,
        "There was an error parsing the body",
        data=b"not multipart at all",
        content_type="multipart/form-data; boundary=xyz",
    ),
    Case(
        "GET",
        "/account/export",
        422,
        [
            {
                "type": "enum",
                "loc": ["query", "format"],
                "msg": "Input should be 'json' or 'zip'",
                "input": "tar",
                "ctx": {"expected": "'json' or 'zip'"},
            }
        ],
        query={"format": "tar"},
    ),
    Case(
        "POST",
        "/imports",
        400,
        "Unknown import source 'nope': GET /api/v1/imports/sources lists the installed ones",
        json={"source": "nope", "url": "https://jobs.example.com/1"},
    ),
    # --- 409: a second one-of-a-kind child ---
    Case(
        "POST",
        "/applications/{application_id}/outcome",
        409,
        "This application already has offer details. Use PUT to update.",
        owner="alice",
        json={},
    ),
    Case(
        "POST",
        "/applications/{application_id}/reflection",
        409,
        "This application already has a reflection. Use PUT to update.",
        owner="alice",
        json={},
    ),
    # --- 401 of a public operation ---
    _FAILED_LOGIN,
    # --- 404 of an id carried in the body or the query ---
    Case(
        "POST",
        "/applications/",
        404,
        "Resume version not found",  # someone else's resume is as missing as none
        json={"company_name": "Acme", "role_title": "Engineer", "resume_version_id": "{bob.resume_id}"},
    ),
    Case(
        "POST",
        "/contacts/",
        404,
        "Application not found",
        json={"name": "Grace", "application_id": "{random}"},
    ),
    Case(
        "POST",
        "/documents/",
        404,
        "Application not found",
        json={"name": "Cover letter", "application_id": "{random}"},
    ),
    Case(
        "POST", "/reminders/", 404, "Application not found", json={**_REMINDER, "application_id": "{random}"}
    ),
    Case(
        "POST",
        "/social/posts",
        404,
        "Group not found",  # a private group is unknown to those outside it
        json={"content": "hi", "group_id": "{bob.private_group_id}"},
    ),
    Case("GET", "/social/posts/feed", 404, "Group not found", query={"group_id": "{random}"}),
    Case("GET", "/analytics/activity", 404, "Application not found", query={"application_id": "{random}"}),
    # --- pointed 404s next to the generic ones (same keys, other reasons) ---
    Case(
        "PUT",
        "/applications/{application_id}/stages/{stage_id}",
        404,
        "Stage not found",  # bob's stage, under alice's application
        owner="alice",
        ids={"stage_id": "bob.stage_id"},
        json={},
    ),
    Case(
        "DELETE",
        "/applications/{application_id}/outcome/{outcome_id}",
        404,
        "Outcome not found",
        owner="alice",
        ids={"outcome_id": "bob.outcome_id"},
    ),
    Case(
        "DELETE",
        "/applications/{application_id}/reflection/{reflection_id}",
        404,
        "Reflection not found",
        owner="alice",
        ids={"reflection_id": "bob.reflection_id"},
    ),
    Case(
        "POST",
        "/tags/application/{application_id}/assign/{tag_id}",
        404,
        "Tag not found",  # bob's tag on alice's application
        owner="alice",
        ids={"tag_id": "bob.tag_id"},
    ),
    Case(
        "DELETE",
        "/tags/application/{application_id}/remove/{tag_id}",
        404,
        "Tag not assigned to this application",
        owner="alice",
        ids={"tag_id": "alice.spare_tag_id"},
    ),
    Case(
        "GET",
        "/files/{owner_id}/{resume_id}/{filename}",
        404,
        "File not found",
        owner="alice",
        ids={"filename": "cv.pdf"},
    ),
    Case("DELETE", "/social/follow/{user_id}", 404, "Not following this user", caller="bob", owner="alice"),
    Case("DELETE", "/social/posts/{post_id}/react", 404, "No reaction to remove"),
    Case(
        "GET", "/social/groups/{group_id}", 404, "Group not found", ids={"group_id": "bob.private_group_id"}
    ),
    Case("DELETE", "/social/groups/{group_id}/leave", 404, "Not a member of this group"),
    # The docs folder's README is shipped but not served: only the pages' assets are.
    Case(
        "GET",
        "/docs/assets/{filename}",
        404,
        "Not Found",
        caller=None,
        prefix="",
        ids={"filename": "README.md"},
    ),
    # A calendar feed secret no feed has (of the right shape): the same 404 as an unknown path.
    Case("GET", "/calendar/{secret}.ics", 404, "Not Found", caller=None, ids={"secret": "A" * 43}),
    # --- 422 next to the generic one ---
    Case(
        "POST",
        "/upload/resumes/{resume_id}",
        422,
        [{"type": "missing", "loc": ["body", "file"], "msg": "Field required", "input": None}],
        owner="alice",
    ),
    # --- 429: the second attempt within the hour ---
    _tight(
        Case(
            "POST",
            "/auth/register",
            400,
            "Username already taken",
            caller=None,
            json={"email": "other@example.com", "username": "alice", "password": PASSWORD},
        )
    ),
    _tight(_FAILED_LOGIN),
    _tight(
        Case(
            "PUT",
            "/auth/password",
            400,
            "Current password is incorrect",
            json={"current_password": _WRONG, "new_password": "a new password"},
        )
    ),
    # Bob: the password check of alice's account is spent by the case above.
    _tight(
        Case("DELETE", "/users/me", 400, "Password is incorrect", caller="bob", json={"password": _WRONG})
    ),
]


WEBHOOK_SCENARIOS: list[Case] = [
    Case("PUT", "/webhooks/{webhook_id}", 403, "Not your webhook", json={}),
    Case("DELETE", "/webhooks/{webhook_id}", 403, "Not your webhook"),
    Case("POST", "/webhooks/{webhook_id}/secret", 403, "Not your webhook"),
    Case("GET", "/webhooks/{webhook_id}/deliveries", 403, "Not your webhook"),
    Case(
        "POST",
        "/webhooks/",
        400,
        "A user can have at most 20 webhooks",
        json={"url": "https://hooks.example.com/one-too-many"},
    ),
]
"""The routes of the webhooks package (``plugins/offertracker-webhooks``), when it is installed:
the app serves and documents every installed plugin's routes, so they are held to the same rule."""


def _scenarios(document: dict[str, Any]) -> list[Case]:
    """:data:`SCENARIOS`, and :data:`WEBHOOK_SCENARIOS` when the document has the webhooks routes."""
    return SCENARIOS + (WEBHOOK_SCENARIOS if _serves_webhooks(document) else [])


def _serves_webhooks(document: dict[str, Any]) -> bool:
    return f"{API}/webhooks/" in document["paths"]


# --- the document and its generic producers ------------------------------------------------


async def _document(client: TestClient) -> dict[str, Any]:
    resp = await client.get("/openapi.json")
    assert resp.status == 200
    document: dict[str, Any] = await resp.json()
    return document


def _documented(document: dict[str, Any]) -> set[Key]:
    return {
        (method.upper(), path, int(status))
        for path, item in document["paths"].items()
        for method, operation in item.items()
        for status in operation["responses"]
        if int(status) >= 400
    }


def _path_ids(operation: dict[str, Any], *, not_uuid: str | None = None) -> dict[str, str]:
    """A value for every path parameter: a random UUID (or ``not_uuid`` for the first UUID), else a name."""
    ids = {}
    for parameter in operation.get("parameters", []):
        if parameter["in"] != "path":
            continue
        if parameter["schema"].get("format") != "uuid":
            ids[parameter["name"]] = "cv.pdf"
        elif not_uuid is not None:
            ids[parameter["name"]], not_uuid = not_uuid, None
        else:
            ids[parameter["name"]] = RANDOM
    return ids


def _uuid_path_params(operation: dict[str, Any]) -> list[str]:
    return [
        p["name"]
        for p in operation.get("parameters", [])
        if p["in"] == "path" and p["schema"].get("format") == "uuid"
    ]


def _json_body(operation: dict[str, Any]) -> dict[str, Any] | None:
    """The schema of the operation's JSON body, or None when it takes none."""
    content = operation.get("requestBody", {}).get("content", {})
    return content.get("application/json", {}).get("schema")


def _minimal_body(operation: dict[str, Any], document: dict[str, Any]) -> Any:
    """A valid JSON body for the operation (none when it takes none)."""
    schema = _json_body(operation)
    if schema is None:
        return ABSENT
    name = schema["$ref"].rsplit("/", 1)[-1]
    if name in MINIMAL_BODIES:
        return MINIMAL_BODIES[name]
    required = document["components"]["schemas"][name].get("required")
    assert not required, f"{name} requires {required}: give it a valid body in MINIMAL_BODIES"
    return {}


def generic_cases(document: dict[str, Any]) -> list[Case]:
    """The cases the shape of each operation says how to produce (see the module docstring)."""
    cases = []
    for path, item in document["paths"].items():
        for method, operation in item.items():
            cases.extend(_generic(method.upper(), path, operation, document))
    return cases


def _generic(method: str, path: str, operation: dict[str, Any], document: dict[str, Any]) -> list[Case]:
    assert path.startswith(API) or operation.get("security") == [], f"{path}: outside {API} yet not public"
    short = path.removeprefix(API)
    body = _json_body(operation)
    cases = []
    if operation.get("security") != []:
        cases.append(Case(method, short, 401, "Not authenticated", caller=None, ids=_path_ids(operation)))
    unprocessable = _unprocessable(method, short, operation, body is not None)
    if unprocessable is not None:
        cases.append(unprocessable)
    if body is not None:
        too_large = b"x" * (BODY_LIMITS.get(short, CLIENT_MAX_SIZE) + 1)
        cases.append(
            Case(method, short, 413, "Request Entity Too Large", ids=_path_ids(operation), data=too_large)
        )
    uuids = _uuid_path_params(operation)
    if uuids:
        # A new kind of id fails the walk with this in place of the message it answers.
        unknown = f"<add one of {uuids} to NOT_FOUND>"
        message = next((NOT_FOUND[name] for name in uuids if name in NOT_FOUND), unknown)
        json = _minimal_body(operation, document)
        cases.append(Case(method, short, 404, message, ids=_path_ids(operation), json=json))
    return cases


def _unprocessable(method: str, short: str, operation: dict[str, Any], has_body: bool) -> Case | None:
    """A 422: a path id that is not a UUID, else a query number under its minimum, else a body that
    is not an object; None when the operation validates none of those."""
    uuids = _uuid_path_params(operation)
    if uuids:
        detail = [not_a_uuid("path", uuids[0], "not-a-uuid")]
        return Case(method, short, 422, detail, ids=_path_ids(operation, not_uuid="not-a-uuid"))
    for parameter in operation.get("parameters", []):
        minimum = parameter["schema"].get("minimum")
        if parameter["in"] == "query" and minimum is not None:
            name, below = parameter["name"], str(minimum - 1)
            error = {
                "type": "greater_than_equal",
                "loc": ["query", name],
                "msg": f"Input should be greater than or equal to {minimum}",
                "input": below,
                "ctx": {"ge": minimum},
            }
            return Case(method, short, 422, [error], query={name: below})
    if has_body:
        error = {
            "type": "model_attributes_type",
            "loc": ["body"],
            "msg": "Input should be a valid dictionary or object to extract fields from",
            "input": [],
        }
        return Case(method, short, 422, [error], json=[])
    return None


# --- the world and the walk -------------------------------------------------------------------


@attrs.frozen
class World:
    """Ids by ``"<user>.<name>"`` and each user's bearer headers."""

    ids: dict[str, str]
    headers: dict[str, dict[str, str]]


async def build_world(client: TestClient, db: sa.Engine, *, webhooks: bool = False) -> World:
    """Alice and bob, each owning one of every resource; then the states the scenarios need.

    Alice's application has an outcome, a reflection, the tag "Remote" and the most stages
    it may have; her other tag "Onsite" is on nothing; her reminder is completed and her
    saved job converted; she follows bob and is in her own group. Bob's application has a
    stage too, and he has a contact, a document, a private group and a public post. Profiles
    start private. With ``webhooks`` (the package is installed), bob has a webhook and alice
    as many as a user may have.
    """
    ids: dict[str, str] = {}
    headers: dict[str, dict[str, str]] = {}
    for name in ("alice", "bob"):
        user, auth = await register(client, name)
        headers[name] = auth
        ids[f"{name}.user_id"] = ids[f"{name}.owner_id"] = user["id"]
        ids[f"{name}.resume_id"] = (await create_resume(client, auth))["id"]
        app_id = ids[f"{name}.application_id"] = (await create_application(client, auth))["id"]
        ids[f"{name}.outcome_id"] = (await create_outcome(client, auth, app_id))["id"]
        ids[f"{name}.reflection_id"] = (await create_reflection(client, auth, app_id))["id"]
        ids[f"{name}.tag_id"] = (await create_tag(client, auth, name="Remote"))["id"]
        ids[f"{name}.reminder_id"] = (await create_reminder(client, auth))["id"]
        ids[f"{name}.saved_job_id"] = (await save_job(client, auth))["id"]
        group = await call(client, "POST", "/social/groups", auth, json={"name": f"{name}'s"}, expect=201)
        ids[f"{name}.group_id"] = group["id"]
    alice, bob = headers["alice"], headers["bob"]
    bob_app = ids["bob.application_id"]
    ids["bob.stage_id"] = (await add_stage(client, bob, bob_app))["id"]
    ids["bob.contact_id"] = (await create_contact(client, bob))["id"]
    ids["bob.doc_id"] = (await create_document(client, bob, bob_app))["id"]
    private = await call(
        client,
        "POST",
        "/social/groups",
        bob,
        json={"name": "bob's inner circle", "is_public": False},
        expect=201,
    )
    ids["bob.private_group_id"] = private["id"]
    ids["bob.post_id"] = (
        await call(client, "POST", "/social/posts", bob, json={"content": "hi"}, expect=201)
    )["id"]

    alice_app = ids["alice.application_id"]
    await call(
        client, "POST", f"/tags/application/{alice_app}/assign/{ids['alice.tag_id']}", alice, expect=201
    )
    ids["alice.spare_tag_id"] = (await create_tag(client, alice, name="Onsite"))["id"]
    await call(client, "POST", f"/reminders/{ids['alice.reminder_id']}/complete", alice, expect=200)
    await call(client, "POST", f"/saved-jobs/{ids['alice.saved_job_id']}/convert", alice, expect=201)
    await call(client, "POST", f"/social/follow/{ids['bob.user_id']}", alice, expect=201)
    _fill_with_stages(db, alice_app)
    if webhooks:
        hook = await call(
            client, "POST", "/webhooks/", bob, json={"url": "https://hooks.example.com/bob"}, expect=201
        )
        ids["bob.webhook_id"] = hook["id"]
        for n in range(20):  # alice holds as many webhooks as a user may
            await call(
                client,
                "POST",
                "/webhooks/",
                alice,
                json={"url": f"https://hooks.example.com/{n}"},
                expect=201,
            )
    return World(ids, headers)


def _fill_with_stages(db: sa.Engine, application_id: str) -> None:
    """Give the application as many stages as it may have, in one statement: 50 requests would
    cost half a second per database, and the limit is counted from the rows alone."""
    now = datetime.now(UTC)
    stages = [
        {
            "id": uuid.uuid4(),
            "application_id": uuid.UUID(application_id),
            "stage_name": f"Round {n}",
            "result": StageResult.PENDING.value,
            "created_at": now,
            "updated_at": now,
        }
        for n in range(MAX_STAGES_PER_APPLICATION)
    ]
    with db.begin() as conn:
        conn.execute(tables.application_stages.insert(), stages)


def _value(spec: str, world: World) -> str:
    if spec == RANDOM:
        return str(uuid.uuid4())
    return world.ids.get(spec, spec)  # else a literal: a file name, "not-a-uuid"


def _fill(value: Any, world: World) -> Any:
    """``value`` with every ``"{world.key}"`` string replaced by that id (``"{random}"``: a new UUID)."""
    if isinstance(value, str) and (match := _TEMPLATE.fullmatch(value)):
        return str(uuid.uuid4()) if match[1] == RANDOM else world.ids[match[1]]
    if isinstance(value, dict):
        return {k: _fill(v, world) for k, v in value.items()}
    if isinstance(value, list):
        return [_fill(v, world) for v in value]
    return value


def _url(case: Case, world: World) -> str:
    def placeholder(match: re.Match[str]) -> str:
        name = match[1]
        return _value(case.ids.get(name, f"{case.owner}.{name}"), world)

    return case.prefix + _PLACEHOLDER.sub(placeholder, case.path)


async def _problems(case: Case, world: World, clients: Mapping[str, TestClient]) -> list[str]:
    """What is wrong with the answer to ``case`` (nothing: ``[]``), its ``first`` included."""
    problems = [] if case.first is None else await _problems(case.first, world, clients)
    headers = dict(world.headers[case.caller]) if case.caller else {}
    kwargs: dict[str, Any] = {}
    if case.json is not ABSENT:
        kwargs["json"] = _fill(case.json, world)
    if case.query is not None:
        kwargs["params"] = _fill(dict(case.query), world)
    if case.data is not None:
        kwargs["data"] = case.data
        headers["Content-Type"] = case.content_type
    if case.upload is not None:
        filename, content, content_type = case.upload
        form = FormData()
        form.add_field("file", content, filename=filename, content_type=content_type)
        kwargs["data"] = form
    url = _url(case, world)
    resp = await clients[case.client].request(case.method, url, headers=headers, **kwargs)
    body = await resp.json() if resp.content_type == "application/json" else await resp.text()
    label = f"{case.method} {case.prefix + case.path} {case.status} ({case.method} {url})"
    if resp.status != case.status:
        return [*problems, f"{label}: answered {resp.status} {body!r}"]
    expected = case.detail
    if case.status == 429:
        retry_after = resp.headers.get("Retry-After", "")
        if not (retry_after.isdigit() and 1 <= int(retry_after) <= 3600):
            problems.append(f"{label}: Retry-After {retry_after!r}, not 1..3600 seconds")
        expected = f"Too many attempts. Try again in {retry_after} seconds."
    if body != {"detail": expected}:
        problems.append(f"{label}: answered {body!r}, not {{'detail': {expected!r}}}")
    if case.status == 401 and resp.headers.get("WWW-Authenticate") != "Bearer":
        problems.append(f"{label}: WWW-Authenticate {resp.headers.get('WWW-Authenticate')!r}")
    return problems


# --- the tests -----------------------------------------------------------------------------


async def test_the_documented_error_statuses_are_exactly_those_with_a_producer(client: TestClient) -> None:
    document = await _document(client)
    documented = _documented(document)
    covered = {case.key for case in generic_cases(document) + _scenarios(document)}

    unproduced, undocumented = sorted(documented - covered), sorted(covered - documented)
    assert (unproduced, undocumented) == ([], []), (
        f"documented, but nothing here produces them: {unproduced}\n"
        f"produced here, but not documented: {undocumented}"
    )
    assert len(documented) > 300


async def test_every_documented_error_status_is_answered_as_documented(
    client: TestClient, aiohttp_client: Any, make_app: Any, db: sa.Engine
) -> None:
    tight = await aiohttp_client(
        make_app(login_limit_account=parse("1/hour"), register_limit_address=parse("1/hour"))
    )
    document = await _document(client)
    world = await build_world(client, db, webhooks=_serves_webhooks(document))
    cases = generic_cases(document) + _scenarios(document)

    problems = [
        problem
        for case in cases
        for problem in await _problems(case, world, {"main": client, "tight": tight})
    ]

    assert not problems, f"{len(problems)} of {len(cases)} cases answered otherwise:\n" + "\n".join(problems)


async def test_a_json_body_one_byte_over_client_max_size_is_a_413_json_error(client: TestClient) -> None:
    _, headers = await register(client, "alice")
    headers = {**headers, "Content-Type": "application/json"}

    # The largest body read is the limit itself: as many spaces are read, then refused as JSON.
    at_limit = await client.post(f"{API}/tags/", data=b" " * CLIENT_MAX_SIZE, headers=headers)
    over = await client.post(f"{API}/tags/", data=b" " * (CLIENT_MAX_SIZE + 1), headers=headers)

    assert CLIENT_MAX_SIZE == 1024 * 1024
    assert at_limit.status == 422
    [error] = (await at_limit.json())["detail"]
    assert (error["type"], error["loc"]) == ("json_invalid", ["body", CLIENT_MAX_SIZE])
    assert over.status == 413
    assert over.content_type == "application/json"
    assert await over.json() == {"detail": "Request Entity Too Large"}

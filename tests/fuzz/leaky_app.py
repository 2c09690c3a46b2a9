"""A tiny API with two authorization holes, to prove the harness finds them.

A fuzzing run that reports nothing proves something only if it could have
reported something. This app has exactly two holes, each on an operation its
document declares as secured: ``GET /notes/{note_id}`` serves any note to any
logged-in user (object-level authorization), and ``GET /stats`` never looks at
the token (ignored auth). Everything else it answers as documented.
"""

from __future__ import annotations

import secrets
import uuid
from typing import Any

from aiohttp import web

__all__ = ["LEAKY_DOCUMENT", "leaky_app"]

_UUID = {"type": "string", "format": "uuid"}
_TEXT = {"type": "string"}
_NOTE = {"type": "object", "required": ["id", "text"], "properties": {"id": _UUID, "text": _TEXT}}
_STATS = {"type": "object", "required": ["notes"], "properties": {"notes": {"type": "integer"}}}
_DETAIL = {"type": "object", "required": ["detail"], "properties": {"detail": {"type": "string"}}}


def _answer(schema: dict[str, Any]) -> dict[str, Any]:
    return {"description": "", "content": {"application/json": {"schema": schema}}}


_REFUSALS = {"401": _answer(_DETAIL), "404": _answer(_DETAIL), "422": _answer(_DETAIL)}
_SECURED = [{"bearer": []}]

LEAKY_DOCUMENT: dict[str, Any] = {
    "openapi": "3.1.0",
    "info": {"title": "leaky notes", "version": "1"},
    "paths": {
        "/notes/": {
            "post": {
                "security": _SECURED,
                "requestBody": {
                    "required": True,
                    "content": {
                        "application/json": {
                            "schema": {
                                "type": "object",
                                "required": ["text"],
                                "properties": {"text": {"type": "string", "maxLength": 100}},
                            }
                        }
                    },
                },
                "responses": {"201": _answer({"$ref": "#/components/schemas/Note"}), **_REFUSALS},
            }
        },
        "/notes/{note_id}": {
            "get": {
                "security": _SECURED,
                "parameters": [{"name": "note_id", "in": "path", "required": True, "schema": _UUID}],
                "responses": {"200": _answer({"$ref": "#/components/schemas/Note"}), **_REFUSALS},
            }
        },
        "/stats": {
            "get": {
                "security": _SECURED,
                "responses": {
                    "200": _answer(_STATS),
                    **_REFUSALS,
                },
            }
        },
    },
    "components": {
        "schemas": {"Note": _NOTE},
        "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer", "bearerFormat": "JWT"}},
    },
}


def _refuse(status: int, detail: str) -> web.Response:
    return web.json_response({"detail": detail}, status=status)


def leaky_app(passwords: dict[str, str]) -> web.Application:
    """The leaky notes API; ``passwords`` maps each user's email to their password."""
    tokens: dict[str, str] = {}
    notes: dict[str, dict[str, str]] = {}
    owners: dict[str, str] = {}

    async def login(request: web.Request) -> web.Response:
        body = await request.json()
        email = body.get("email")
        if passwords.get(email) != body.get("password"):
            return _refuse(401, "Incorrect email or password")
        token = secrets.token_hex(16)
        tokens[token] = email
        return web.json_response({"access_token": token})

    def caller(request: web.Request) -> str | None:
        scheme, _, token = request.headers.get("Authorization", "").partition(" ")
        return tokens.get(token) if scheme == "Bearer" else None

    async def create_note(request: web.Request) -> web.Response:
        owner = caller(request)
        if owner is None:
            return _refuse(401, "Not authenticated")
        try:
            body = await request.json()
        except ValueError:
            return _refuse(422, "Body is not JSON")
        text = body.get("text") if isinstance(body, dict) else None
        if not isinstance(text, str) or len(text) > 100:
            return _refuse(422, "text must be a string of at most 100 characters")
        note = {"id": str(uuid.uuid4()), "text": text}
        notes[note["id"]] = note
        owners[note["id"]] = owner
        return web.json_response(note, status=201)

    async def read_note(request: web.Request) -> web.Response:
        if caller(request) is None:
            return _refuse(401, "Not authenticated")
        note_id = request.match_info["note_id"]
        try:
            uuid.UUID(note_id)
        except ValueError:
            return _refuse(422, "note_id is not a UUID")
        if note_id not in notes:
            return _refuse(404, "Note not found")
        return web.json_response(notes[note_id])  # the hole: whose note it is goes unchecked

    async def stats(request: web.Request) -> web.Response:
        return web.json_response({"notes": len(notes)})  # the hole: the token goes unchecked

    app = web.Application()
    app.router.add_post("/auth/login", login)
    app.router.add_post("/notes/", create_note)
    app.router.add_get("/notes/{note_id}", read_note)
    app.router.add_get("/stats", stats)
    return app

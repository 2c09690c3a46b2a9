"""TEMPORARY: a hand-written OpenAPI 3.1 document for a few operations of the app.

Stands in for the app's own ``GET /openapi.json`` until that lands (issue 16),
so the fuzzing harness can be built and proven first. It is written the way
the generated document is specified: OpenAPI 3.1, a ``bearer`` security scheme
(``http``/``bearer``/JWT) applied per operation, FastAPI's 422 shape, the
reference's response models. Delete this module when the harness loads the
live document (``test_fuzz_api.DOCUMENT``).

The operations: the tag library (``/tags/``, ``/tags/{tag_id}``), one
application by id with the ``POST`` that creates it (a read of one object by
id, which is what object-level authorization probes), ``/users/me``, and
``/auth/logout``, which revokes the caller's tokens mid-run, as the live
document's will.
"""

from __future__ import annotations

from typing import Any

__all__ = ["standin_document"]

_NULLABLE_STRING = {"type": ["string", "null"]}
_UUID = {"type": "string", "format": "uuid"}
_DATETIME = {"type": "string", "format": "date-time"}
_HEX_COLOR = "^#([0-9a-fA-F]{3}|[0-9a-fA-F]{6})$"


def _ref(name: str) -> dict[str, str]:
    return {"$ref": f"#/components/schemas/{name}"}


def _json(schema: dict[str, Any], description: str) -> dict[str, Any]:
    return {"description": description, "content": {"application/json": {"schema": schema}}}


def _errors(*statuses: int) -> dict[str, Any]:
    """The documented error answers: ``{"detail": "..."}``, or the 422 list."""
    descriptions = {
        400: "Business rule violated",
        401: "Missing or invalid bearer token",
        403: "Not the owner",
        404: "Not found",
        422: "Validation error",
    }
    return {
        str(status): _json(_ref("HTTPValidationError" if status == 422 else "Detail"), descriptions[status])
        for status in statuses
    }


def _uuid_path(name: str) -> dict[str, Any]:
    return {"name": name, "in": "path", "required": True, "schema": _UUID}


_SECURED = [{"bearer": []}]

_PAGING = [
    {
        "name": "skip",
        "in": "query",
        "required": False,
        "schema": {"type": "integer", "minimum": 0, "maximum": 2**63 - 1, "default": 0},
    },
    {
        "name": "limit",
        "in": "query",
        "required": False,
        "schema": {"type": "integer", "minimum": 1, "maximum": 1000, "default": 1000},
    },
]

_SCHEMAS: dict[str, Any] = {
    "Detail": {
        "type": "object",
        "required": ["detail"],
        "properties": {"detail": {"type": "string"}},
    },
    "ValidationError": {
        "type": "object",
        "required": ["loc", "msg", "type"],
        "properties": {
            "loc": {"type": "array", "items": {"anyOf": [{"type": "string"}, {"type": "integer"}]}},
            "msg": {"type": "string"},
            "type": {"type": "string"},
            "input": {},
            "ctx": {"type": "object"},
        },
    },
    "HTTPValidationError": {
        "type": "object",
        "required": ["detail"],
        "properties": {"detail": {"type": "array", "items": _ref("ValidationError")}},
    },
    "TagCreate": {
        "type": "object",
        "required": ["name"],
        "properties": {
            "name": {"type": "string", "maxLength": 50},
            "color": {"type": "string", "maxLength": 7, "pattern": _HEX_COLOR, "default": "#6366f1"},
        },
    },
    "TagUpdate": {
        "type": "object",
        "properties": {
            "name": {"type": "string", "maxLength": 50},
            "color": {"type": "string", "maxLength": 7, "pattern": _HEX_COLOR},
        },
    },
    "TagResponse": {
        "type": "object",
        "required": ["id", "user_id", "name", "color", "created_at"],
        "properties": {
            "id": _UUID,
            "user_id": _UUID,
            "name": {"type": "string"},
            "color": {"type": "string"},
            "created_at": _DATETIME,
        },
    },
    "ApplicationCreate": {
        "type": "object",
        "required": ["company_name", "role_title"],
        "properties": {
            "company_name": {"type": "string", "maxLength": 255},
            "role_title": {"type": "string", "maxLength": 255},
            "location": {"type": ["string", "null"], "maxLength": 255},
            "notes": {"type": ["string", "null"], "maxLength": 20000},
            "salary_min": {"type": ["integer", "null"], "minimum": 0, "maximum": 2**63 - 1},
            "priority": {"enum": ["High", "Medium", "Low", None]},
            "status": {
                "enum": ["Saved", "Applied", "Interviewing", "Offer", "Accepted", "Rejected", "Withdrawn"],
                "default": "Saved",
            },
        },
    },
    "ApplicationResponse": {
        "type": "object",
        "required": ["id", "user_id", "company_name", "role_title", "status", "created_at", "updated_at"],
        "properties": {
            "id": _UUID,
            "user_id": _UUID,
            "company_name": {"type": "string"},
            "role_title": {"type": "string"},
            "location": _NULLABLE_STRING,
            "notes": _NULLABLE_STRING,
            "salary_min": {"type": ["integer", "null"]},
            "priority": _NULLABLE_STRING,
            "status": {"type": "string"},
            "created_at": _DATETIME,
            "updated_at": _DATETIME,
            "stages": {"type": "array"},
        },
    },
    "UserResponse": {
        "type": "object",
        "required": ["id", "email", "username", "profile_visibility", "created_at"],
        "properties": {
            "id": _UUID,
            "email": {"type": "string"},
            "username": {"type": "string"},
            "display_name": _NULLABLE_STRING,
            "bio": _NULLABLE_STRING,
            "is_profile_public": {"type": "boolean"},
            "profile_visibility": {"enum": ["private", "followers", "groups", "public"]},
            "streak_days": {"type": "integer"},
            "last_active_date": {"type": ["string", "null"], "format": "date"},
            "created_at": _DATETIME,
            "updated_at": _DATETIME,
        },
    },
}


def _operation(
    operation_id: str,
    answers: dict[str, Any],
    *,
    parameters: list[dict[str, Any]] | None = None,
    body: str | None = None,
) -> dict[str, Any]:
    operation: dict[str, Any] = {"operationId": operation_id, "security": _SECURED, "responses": answers}
    if parameters:
        operation["parameters"] = parameters
    if body is not None:
        operation["requestBody"] = {"required": True, "content": {"application/json": {"schema": _ref(body)}}}
    return operation


def standin_document() -> dict[str, Any]:
    """A fresh copy of the stand-in document (schemathesis may annotate what it is given)."""
    tag = _ref("TagResponse")
    deleted = _json(_ref("Detail"), "Deleted")
    return {
        "openapi": "3.1.0",
        "info": {"title": "OfferTracker (stand-in)", "version": "0.1.0"},
        "paths": {
            "/api/v1/users/me": {
                "get": _operation(
                    "get_me", {"200": _json(_ref("UserResponse"), "The caller"), **_errors(401)}
                ),
            },
            "/api/v1/auth/logout": {
                "post": _operation("logout", {"200": _json(_ref("Detail"), "Logged out"), **_errors(401)}),
            },
            "/api/v1/tags/": {
                "get": _operation(
                    "list_tags",
                    {"200": _json({"type": "array", "items": tag}, "The tags"), **_errors(401, 422)},
                    parameters=_PAGING,
                ),
                "post": _operation(
                    "create_tag",
                    {"201": _json(tag, "Created"), **_errors(400, 401, 422)},
                    body="TagCreate",
                ),
            },
            "/api/v1/tags/{tag_id}": {
                "put": _operation(
                    "update_tag",
                    {"200": _json(tag, "Updated"), **_errors(400, 401, 403, 404, 422)},
                    parameters=[_uuid_path("tag_id")],
                    body="TagUpdate",
                ),
                "delete": _operation(
                    "delete_tag",
                    {"200": deleted, **_errors(401, 403, 404, 422)},
                    parameters=[_uuid_path("tag_id")],
                ),
            },
            "/api/v1/applications/": {
                "post": _operation(
                    "create_application",
                    {"201": _json(_ref("ApplicationResponse"), "Created"), **_errors(400, 401, 422)},
                    body="ApplicationCreate",
                ),
            },
            "/api/v1/applications/{application_id}": {
                "get": _operation(
                    "get_application",
                    {"200": _json(_ref("ApplicationResponse"), "Found"), **_errors(401, 403, 404, 422)},
                    parameters=[_uuid_path("application_id")],
                ),
            },
        },
        "components": {
            "schemas": _SCHEMAS,
            "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer", "bearerFormat": "JWT"}},
        },
    }

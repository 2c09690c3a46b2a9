"""The OpenAPI 3.1 document of the server, written from its operations.

Each :class:`~offertracker_http.operations.Operation` becomes one operation of
the document: its path and query parameters (bounds and defaults from the query
class), its JSON body (the core's input class), its answer (the response model,
a named component) and every error status it can give. Those statuses are
derived where the declaration implies them and declared where only the core
knows them:

- 401 for every operation that needs a bearer token;
- 422 for every operation that validates something it is sent;
- 413 for every JSON body (larger than the app's ``client_max_size``);
- 429 for the throttled ones;
- 400/401/403/404/409 from the domain errors the route declares, each at the
  status the error middleware answers it with (:func:`middlewares.status_of`).
"""

from __future__ import annotations

import types
import typing
from typing import Any

import attrs

from offertracker_core.errors import DomainError

from ..middlewares import status_of
from ..operations import FileUpload, JsonOrUpload, MediaType, Operation
from .schemas import JsonSchema, Schemas

__all__ = ["SECURITY_SCHEME", "build_document", "error_statuses"]

SECURITY_SCHEME = "bearer"
"""The name of the bearer-token scheme (what Swagger UI's Authorize button fills in)."""

_DESCRIPTION = """\
The OfferTracker API: a job-search tracker's applications, interviews, contacts, reminders,
analytics and social features.

Sign in with `POST /api/v1/auth/login` (or register) and send the `access_token` it answers as
`Authorization: Bearer <token>` (in the interactive docs: **Authorize**).

Every path the reference spells with a trailing slash (`/api/v1/resumes/`) answers without it too.
Errors answer `{"detail": "<message>"}`; a request that fails validation answers 422 with
`{"detail": [{"loc": [...], "msg": "...", "type": "..."}]}`, as FastAPI does. Each operation lists
the errors it can give. Not listed, since any operation can give it when the server is overloaded:
503 with `Retry-After` (a database statement that ran out of time, or password hashing at capacity).
"""

_WHY: dict[int, str] = {
    400: "The request breaks a rule (the detail says which)",
    401: "No valid bearer token (missing, malformed, expired or revoked)",
    403: "It exists, but it is not yours to see or change",
    404: "Not found (or not yours to know of)",
    409: "It exists already",
    413: "The request body is too large",
    422: "Validation error: what was sent does not fit (each problem is listed)",
    429: "Too many attempts; `Retry-After` says how many seconds to wait",
}

# The two error bodies of the error middleware (FastAPI's shapes, kept for wire compatibility).
_ERROR_SCHEMAS: dict[str, JsonSchema] = {
    "HTTPError": {
        "title": "HTTPError",
        "type": "object",
        "properties": {"detail": {"type": "string"}},
        "required": ["detail"],
    },
    "ValidationError": {
        "title": "ValidationError",
        "type": "object",
        "properties": {
            "loc": {"type": "array", "items": {"anyOf": [{"type": "string"}, {"type": "integer"}]}},
            "msg": {"type": "string"},
            "type": {"type": "string"},
            "input": {},
            "ctx": {"type": "object"},
        },
        "required": ["loc", "msg", "type"],
    },
    "HTTPValidationError": {
        "title": "HTTPValidationError",
        "type": "object",
        "properties": {
            "detail": {"type": "array", "items": {"$ref": "#/components/schemas/ValidationError"}}
        },
        "required": ["detail"],
    },
}


def error_statuses(operation: Operation) -> set[int]:
    """Every error status ``operation`` can answer with (see the module docstring)."""
    statuses = {_status(error) for error in operation.errors}
    if not operation.public:
        statuses.add(401)
    if operation.takes_input:
        statuses.add(422)
    if operation.body is not None or isinstance(operation.request_body, JsonOrUpload):
        statuses.add(413)  # a JSON body over client_max_size
    if operation.throttled:
        statuses.add(429)
    return statuses


def _status(error: type[DomainError] | int) -> int:
    return error if isinstance(error, int) else status_of(error)


def build_document(operations: tuple[Operation, ...], *, title: str, version: str) -> dict[str, Any]:
    """The OpenAPI 3.1 document of ``operations``; a name used twice (operation or schema) raises."""
    schemas = Schemas()
    paths: dict[str, dict[str, Any]] = {}
    seen: set[str] = set()
    for operation in operations:
        if operation.operation_id in seen:
            raise ValueError(f"two operations named {operation.operation_id}")
        seen.add(operation.operation_id)
        paths.setdefault(operation.path, {})[operation.method.lower()] = _operation(operation, schemas)
    tags = sorted({operation.tag for operation in operations})
    return {
        "openapi": "3.1.0",
        "info": {"title": title, "version": version, "description": _DESCRIPTION},
        "tags": [{"name": tag} for tag in tags],
        "paths": paths,
        "components": {
            "schemas": dict(sorted((schemas.components | _ERROR_SCHEMAS).items())),
            "securitySchemes": {SECURITY_SCHEME: {"type": "http", "scheme": "bearer", "bearerFormat": "JWT"}},
        },
        "security": [{SECURITY_SCHEME: []}],
    }


def _operation(operation: Operation, schemas: Schemas) -> dict[str, Any]:
    document: dict[str, Any] = {
        "operationId": operation.operation_id,
        "summary": operation.summary,
        "tags": [operation.tag],
    }
    if operation.description:
        document["description"] = operation.description
    parameters = _path_parameters(operation, schemas) + _query_parameters(operation, schemas)
    if parameters:
        document["parameters"] = parameters
    body = _request_body(operation, schemas)
    if body is not None:
        document["requestBody"] = body
    document["responses"] = _responses(operation, schemas)
    if operation.public:
        document["security"] = []
    return document


def _path_parameters(operation: Operation, schemas: Schemas) -> list[dict[str, Any]]:
    return [
        {"name": name, "in": "path", "required": True, "schema": schemas.of(kind, request=False)}
        for name, kind in operation.path_params
    ]


def _query_parameters(operation: Operation, schemas: Schemas) -> list[dict[str, Any]]:
    if operation.query is None:
        return []
    parameters = []
    for name, hint, default in schemas.fields(operation.query):
        schema = schemas.of(_without_none(hint), request=True)
        parameter: dict[str, Any] = {"name": name, "in": "query", "required": default is attrs.NOTHING}
        if default is not attrs.NOTHING and default is not None:
            schema = {**schema, "default": getattr(default, "value", default)}
        parameter["schema"] = schema
        parameters.append(parameter)
    return parameters


def _request_body(operation: Operation, schemas: Schemas) -> dict[str, Any] | None:
    if isinstance(operation.request_body, JsonOrUpload):
        either = operation.request_body
        form = _file_upload(either.upload, either.fields)
        json_schema = schemas.of(either.json, request=True)
        return {
            "required": True,
            "description": f"JSON, or a form: {form['description']}",
            "content": {"application/json": {"schema": json_schema}, **form["content"]},
        }
    if operation.request_body is not None:
        return _file_upload(operation.request_body)
    if operation.body is None:
        return None
    schema = schemas.of(operation.body.cls, request=True)
    return {"required": not operation.body.optional, "content": {"application/json": {"schema": schema}}}


def _file_upload(upload: FileUpload, fields: tuple[str, ...] = ()) -> dict[str, Any]:
    part = {"type": "string", "contentMediaType": "application/octet-stream"}
    properties: dict[str, Any] = {field: {"type": "string"} for field in fields}
    properties[upload.part] = part
    accepted = ", ".join(upload.media_types)
    return {
        "required": True,
        "description": f"One file ({accepted}), at most {upload.max_bytes // (1024 * 1024)} MiB",
        "content": {
            "multipart/form-data": {
                "schema": {"type": "object", "properties": properties, "required": [upload.part]}
            }
        },
    }


def _responses(operation: Operation, schemas: Schemas) -> dict[str, Any]:
    responses: dict[str, Any] = {str(operation.status): _success(operation, schemas)}
    for status in sorted(error_statuses(operation)):
        responses[str(status)] = _error(status, operation)
    return responses


def _success(operation: Operation, schemas: Schemas) -> dict[str, Any]:
    answer = operation.response
    if answer is None:
        return {"description": "No Content"}  # a 204: no body at all
    if isinstance(answer, MediaType):
        # Bytes of their own kind (a page, a file), or JSON that is no model (this document).
        schema = {"type": "object"} if answer.types == ("application/json",) else {"type": "string"}
        content = {kind: {"schema": schema} for kind in answer.types}
        if answer.model is not None and "application/json" in content:
            content["application/json"] = {"schema": schemas.of(answer.model, request=False)}
        return {"description": answer.description, "content": content}
    schema = schemas.of(answer, request=False)
    return {"description": "Successful Response", "content": {"application/json": {"schema": schema}}}


def _error(status: int, operation: Operation) -> dict[str, Any]:
    name = "HTTPValidationError" if status == 422 else "HTTPError"
    why = "Wrong email or password" if status == 401 and operation.public else _WHY[status]
    response: dict[str, Any] = {
        "description": why,
        "content": {"application/json": {"schema": {"$ref": f"#/components/schemas/{name}"}}},
    }
    if status == 429:
        response["headers"] = {"Retry-After": {"schema": {"type": "integer", "minimum": 1}}}
    if status == 401:
        response["headers"] = {"WWW-Authenticate": {"schema": {"type": "string"}}}
    return response


def _without_none(hint: Any) -> Any:
    """``X`` of ``X | None``: a query parameter is left out to mean none, never sent as null."""
    if typing.get_origin(hint) in (typing.Union, types.UnionType):
        args = [arg for arg in typing.get_args(hint) if arg is not type(None)]
        if len(args) == 1:
            return args[0]
    return hint

"""Request-side helpers the routes call: body, query and path id, each raising a 422-ready error.

Every failure is a :class:`~offertracker_http.validation.RequestValidationError`
carrying FastAPI's error list; the error middleware answers it with
``422 {"detail": errors}``. JSON is decoded with orjson; only when that fails is
the body decoded again with the standard library, which FastAPI uses, so the
``json_invalid`` position and reason match FastAPI's.
"""

from __future__ import annotations

import json
from typing import Any, TypeVar
from uuid import UUID

import orjson
from aiohttp import web
from cattrs.errors import BaseValidationError

from .converter import json_converter, parse_uuid, query_converter
from .validation import FieldError, RequestValidationError, error_dict, request_validation_error

__all__ = ["decode_json", "parse_body", "parse_path_id", "parse_query", "structure_body", "structure_query"]

T = TypeVar("T")


def decode_json(raw: bytes) -> Any:
    """The JSON value of a request body; empty → ``missing``, malformed → ``json_invalid`` (as 422 errors)."""
    if not raw:
        raise RequestValidationError([error_dict("missing", ("body",), "Field required", None)])
    try:
        return orjson.loads(raw)
    except orjson.JSONDecodeError as exc:
        rejected = exc
    # Only the error path pays for a second parse: the standard library's position and reason are
    # FastAPI's. What only it accepts (NaN, Infinity, lone surrogates) stays rejected with orjson's
    # reason, so nothing that cannot be stored or rendered again gets past the edge. So does what it
    # refuses in other ways than a decode error: an integer over Python's digit limit (ValueError)
    # and nesting past its recursion limit (RecursionError) would otherwise be a 500.
    try:
        json.loads(raw)
    except json.JSONDecodeError as exc:
        error = error_dict("json_invalid", ("body", exc.pos), "JSON decode error", {}, {"error": exc.msg})
    except UnicodeDecodeError as exc:
        error = error_dict(
            "json_invalid", ("body", exc.start), "JSON decode error", {}, {"error": exc.reason}
        )
    except (ValueError, RecursionError):
        error = _orjson_error(rejected)
    else:
        error = _orjson_error(rejected)
    raise RequestValidationError([error])


def _orjson_error(rejected: orjson.JSONDecodeError) -> dict[str, Any]:
    ctx = {"error": rejected.msg}
    return error_dict("json_invalid", ("body", rejected.pos), "JSON decode error", {}, ctx)


def structure_body(value: Any, cls: type[T]) -> T:
    """Decoded JSON ``value`` as ``cls`` (attrs class or ``TypedDict``), else a 422 naming every bad field."""
    try:
        return json_converter.structure(value, cls)
    except (BaseValidationError, FieldError) as exc:
        raise request_validation_error(exc, "body", value) from None


async def parse_body(request: web.Request, cls: type[T]) -> T:
    """Read, decode and structure the request's JSON body as ``cls``."""
    return structure_body(decode_json(await request.read()), cls)


def structure_query(params: dict[str, str], cls: type[T]) -> T:
    """Query parameters (one string per name) as ``cls``, numbers and booleans parsed from their strings."""
    try:
        return query_converter.structure(params, cls)
    except (BaseValidationError, FieldError) as exc:
        raise request_validation_error(exc, "query", params) from None


def parse_query(request: web.Request, cls: type[T]) -> T:
    """The query string as ``cls``; a repeated name takes its last value, unknown names are ignored."""
    return structure_query(dict(request.query.items()), cls)


def parse_path_id(request: web.Request, name: str) -> UUID:
    """The path parameter ``name`` as a UUID; anything else is a 422 at ``["path", name]``."""
    raw = request.match_info[name]
    try:
        return parse_uuid(raw)
    except FieldError as exc:
        raise RequestValidationError([error_dict(exc.type, ("path", name), exc.msg, raw, exc.ctx)]) from None

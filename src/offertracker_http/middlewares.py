"""The two middlewares every request passes: errors outermost, then auth.

Error handling is the one place where exceptions become responses: domain
errors map to their status code with the domain's own message (and a
``Retry-After`` header when the error carries a ``retry_after``), validation
errors to FastAPI's 422 shape, aiohttp's 404/405 to ``{"detail": ...}``, and
anything else to a 500 carrying an error id that also appears in the log.

:func:`security_headers` is not a middleware but an ``on_response_prepare``
signal handler, so it also reaches responses no middleware sees (aiohttp's own
error pages, CORS preflights).
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Awaitable, Callable

from aiohttp import web

from offertracker_core import errors

from .keys import ACCESS_TOKEN, SERVICES, USER_ID
from .rendering import json_response
from .throttle import TooManyAttempts
from .validation import RequestValidationError, violation_dict

__all__ = ["STATUS", "auth_middleware", "error_middleware", "public", "security_headers", "status_of"]

log = logging.getLogger("offertracker.http")

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]

# Looked up along the class hierarchy (see ``status_of``): a subclass answers its parent's status
# unless it is listed itself, so a new domain error never falls through to a default.
STATUS: dict[type[errors.DomainError], int] = {
    errors.BusinessRuleViolation: 400,
    errors.InvalidCredentials: 401,
    errors.InvalidToken: 401,
    errors.Forbidden: 403,
    errors.NotFound: 404,
    errors.Conflict: 409,
    errors.InvalidInput: 422,
    errors.Unavailable: 503,
}
_BEARER = {"WWW-Authenticate": "Bearer"}

# Built once: the signal below runs for every response, so it only copies these in.
_SECURITY_HEADERS: tuple[tuple[str, str], ...] = (
    ("X-Content-Type-Options", "nosniff"),
    ("Referrer-Policy", "no-referrer"),
    ("X-Frame-Options", "DENY"),
    ("Server", "OfferTracker"),  # replaces aiohttp's "Python/x.y aiohttp/x.y.z"
)


def public(handler: Handler) -> Handler:
    """Mark a route handler as reachable without a bearer token."""
    handler.__offertracker_public__ = True  # type: ignore[attr-defined]
    return handler


def _is_public(request: web.Request) -> bool:
    match_info = request.match_info
    if match_info.http_exception is not None:
        return True  # unmatched: let the router answer 404/405 before any auth question
    if request.method == "OPTIONS" and "Access-Control-Request-Method" in request.headers:
        return True  # a CORS preflight never carries credentials
    return getattr(match_info.handler, "__offertracker_public__", False)


@web.middleware
async def error_middleware(request: web.Request, handler: Handler) -> web.StreamResponse:
    """Turn every exception into the documented JSON error response."""
    try:
        return await handler(request)
    except errors.DomainError as exc:
        status = status_of(type(exc))
        if isinstance(exc, errors.InvalidInput):
            return json_response(
                {"detail": [violation_dict(v, "body") for v in exc.violations]}, status=status
            )
        headers = _BEARER if status == 401 else None
        retry_after = getattr(exc, "retry_after", None)
        if retry_after is not None:
            headers = {"Retry-After": str(retry_after)}
        return json_response({"detail": exc.detail}, status=status, headers=headers)
    except RequestValidationError as exc:
        return json_response({"detail": exc.errors}, status=422)
    except TooManyAttempts as exc:
        return json_response(
            {"detail": exc.detail}, status=429, headers={"Retry-After": str(exc.retry_after)}
        )
    except web.HTTPException as exc:
        if exc.status >= 400 and exc.content_type != "application/json":
            return json_response({"detail": exc.reason}, status=exc.status, headers=_allow_header(exc))
        raise
    except Exception:
        error_id = uuid.uuid4().hex
        log.exception("unhandled error %s on %s %s", error_id, request.method, request.path)
        return json_response({"detail": "Internal server error", "error_id": error_id}, status=500)


def status_of(error: type[errors.DomainError]) -> int:
    """The HTTP status of a domain error class: that of its nearest listed ancestor."""
    for cls in error.__mro__:
        if issubclass(cls, errors.DomainError) and cls in STATUS:
            return STATUS[cls]
    raise LookupError(f"{error.__name__} has no HTTP status; add it (or an ancestor) to STATUS")


def _allow_header(exc: web.HTTPException) -> dict[str, str] | None:
    allow = exc.headers.get("Allow")
    return {"Allow": allow} if allow else None


@web.middleware
async def auth_middleware(request: web.Request, handler: Handler) -> web.StreamResponse:
    """Require a valid bearer token on every route not marked :func:`public`."""
    if _is_public(request):
        return await handler(request)
    scheme, _, token = request.headers.get("Authorization", "").partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise errors.InvalidToken("Not authenticated")
    claims = await request.app[SERVICES].auth.authenticate(token.strip())
    request[USER_ID] = claims.user_id
    request[ACCESS_TOKEN] = token.strip()
    return await handler(request)


async def security_headers(request: web.Request, response: web.StreamResponse) -> None:
    """Add the fixed security headers to every response; ``no-store`` once bearer auth passed.

    Registered on ``app.on_response_prepare``, which aiohttp fires after it
    filled in its own defaults (so ``Server`` is replaced, not doubled) and for
    every response, errors included.
    """
    headers = response.headers
    for name, value in _SECURITY_HEADERS:
        headers[name] = value
    if USER_ID in request:
        headers["Cache-Control"] = "no-store"  # a caller's own data must not linger in any cache

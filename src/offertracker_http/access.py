"""Every request's id, access-log line and metrics, in the outermost middleware.

:func:`access_middleware` takes the request id (:mod:`.request_ids`), times the
request, and when it is answered writes one line to the ``offertracker.access``
logger -- method, route template, status, duration in ms, request id and the
caller's user id when the auth middleware established one -- and counts it in
the app's metrics when they are on. It sits outside the error middleware, so it
sees the status of every answer, errors included. The line is built from those
fields only: never a header, a query string, a token or a body.

:func:`request_id_header` is an ``on_response_prepare`` handler, so the id also
reaches responses no middleware returns (aiohttp's own error pages).
"""

from __future__ import annotations

import asyncio
import logging
import time

from aiohttp import web

from .keys import METRICS, REQUEST_ID, USER_ID
from .log_format import ACCESS_FIELDS
from .metrics import UNMATCHED
from .middlewares import Handler
from .request_ids import HEADER, current_request_id, request_id_from

__all__ = ["ACCESS_LOGGER", "CLIENT_CLOSED", "access_middleware", "request_id_header", "route_template"]

ACCESS_LOGGER = "offertracker.access"
CLIENT_CLOSED = 499
"""The status logged and counted for a request whose client left before the answer (nginx's 499)."""

log = logging.getLogger(ACCESS_LOGGER)


def route_template(request: web.Request) -> str:
    """The template of the route ``request`` matched, or ``unmatched`` (a 404 or a 405)."""
    match_info = request.match_info
    if match_info.http_exception is not None:
        return UNMATCHED
    resource = match_info.route.resource
    return resource.canonical if resource is not None else UNMATCHED


@web.middleware
async def access_middleware(request: web.Request, handler: Handler) -> web.StreamResponse:
    """Set the request id, then log and count the request once it is answered."""
    request_id = request_id_from(request.headers.get(HEADER))
    request[REQUEST_ID] = request_id
    context = current_request_id.set(request_id)
    started = time.perf_counter()
    status = 500  # what aiohttp answers for an exception that gets past every middleware
    try:
        response = await handler(request)
        status = response.status
        return response
    except web.HTTPException as exc:  # a redirect, or an error already in JSON, passed on as raised
        status = exc.status
        raise
    except asyncio.CancelledError:
        status = CLIENT_CLOSED
        raise
    finally:
        _record(request, request_id, status, time.perf_counter() - started)
        current_request_id.reset(context)


def _record(request: web.Request, request_id: str, status: int, seconds: float) -> None:
    route = route_template(request)
    metrics = request.app.get(METRICS)
    if metrics is not None:
        metrics.observe(route, request.method, status, seconds)
    if not log.isEnabledFor(logging.INFO):
        return
    user_id = request.get(USER_ID)
    user = str(user_id) if user_id is not None else None
    duration_ms = round(seconds * 1000, 1)
    fields = {
        "method": request.method,
        "route": route,
        "status": status,
        "duration_ms": duration_ms,
        "user_id": user,
    }
    log.info(
        "%s %s %d %.1fms request_id=%s user_id=%s",
        request.method,
        route,
        status,
        duration_ms,
        request_id,
        user or "-",
        extra={ACCESS_FIELDS: fields, "request_id": request_id},
    )


async def request_id_header(request: web.Request, response: web.StreamResponse) -> None:
    """Put the request's id in ``X-Request-ID`` of its response (``on_response_prepare``)."""
    request_id = request.get(REQUEST_ID)
    response.headers[HEADER] = request_id or request_id_from(request.headers.get(HEADER))

"""What every route module shares: the route table with slash aliases and request accessors.

One way to write a route: parse with :mod:`parsing` (no logic), make one call to a
core service, render the result with :func:`rendering.json_response`.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from uuid import UUID

from aiohttp import web

from offertracker_core.services import Services

from ..keys import SERVICES, USER_ID
from ..rendering import json_response

__all__ = ["API_PREFIX", "Routes", "caller", "deleted", "services"]

API_PREFIX = "/api/v1"

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


class Routes(web.RouteTableDef):
    """A route table under ``/api/v1``.

    The reference's trailing-slash paths (``/resumes/``) are canonical, and the
    form without the slash answers too (behaviour.md §1), without a redirect
    that would cost browsers a second round trip.
    """

    def __init__(self, prefix: str = API_PREFIX) -> None:
        super().__init__()
        self._prefix = prefix

    def route(self, method: str, path: str, **kwargs: object) -> Callable[[Handler], Handler]:
        full = self._prefix + path
        register = super().route

        def decorate(handler: Handler) -> Handler:
            register(method, full, **kwargs)(handler)
            if len(full) > 1 and full.endswith("/"):
                register(method, full.rstrip("/"), **kwargs)(handler)
            return handler

        return decorate


def services(request: web.Request) -> Services:
    """The core services of this application."""
    return request.app[SERVICES]


def caller(request: web.Request) -> UUID:
    """The authenticated caller's user id."""
    return request[USER_ID]


def deleted(what: str) -> web.Response:
    """The reference's answer to a delete: ``{"detail": "<What> deleted"}``."""
    return json_response({"detail": f"{what} deleted"})

"""What every route module shares: the route table with slash aliases and request accessors.

One way to write a route: declare its inputs in the handler's signature (they arrive
parsed), make one call to a core service, return the result (it is rendered as JSON).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any
from uuid import UUID

from aiohttp import hdrs, web

from offertracker_core.services import Services

from ..keys import SERVICES, USER_ID
from ..middlewares import public
from ..operations import Handler, Operation, declare, endpoint
from ..schemas import Message

__all__ = ["API_PREFIX", "Routes", "caller", "deleted", "services"]

API_PREFIX = "/api/v1"


class Routes:
    """The operations of one route module, under ``/api/v1`` unless told otherwise.

    ``routes.get(path, ...)`` (and ``post``, ``put``, ``delete``) declares an
    :class:`~offertracker_http.operations.Operation` from the decorated handler
    (see :mod:`offertracker_http.operations` for how a handler states its inputs
    and answer). The keyword declarations are those a signature cannot carry:
    ``status`` of success, ``public`` (no bearer token), ``throttled`` (can answer
    429), ``errors`` (the domain errors it can answer with), ``response`` (the
    model, for a handler that does not return it) and ``request_body`` (a body
    that is not JSON).

    The reference's trailing-slash paths (``/resumes/``) are canonical, and the
    form without the slash answers too (behaviour.md §1), without a redirect
    that would cost browsers a second round trip.
    """

    def __init__(self, tag: str, prefix: str = API_PREFIX) -> None:
        self.tag = tag
        self.operations: list[Operation] = []
        self._prefix = prefix

    def route(self, method: str, path: str, **declarations: Any) -> Callable[[Handler], Handler]:
        """Declare ``method`` on ``path`` (under this table's prefix) as served by the decorated handler."""

        def decorate(handler: Handler) -> Handler:
            self.operations.append(
                declare(handler, method, self._prefix + path, tag=self.tag, **declarations)
            )
            return handler

        return decorate

    def get(self, path: str, **declarations: Any) -> Callable[[Handler], Handler]:
        """Declare a GET (HEAD answers too, as aiohttp does for every GET)."""
        return self.route(hdrs.METH_GET, path, **declarations)

    def post(self, path: str, **declarations: Any) -> Callable[[Handler], Handler]:
        """Declare a POST."""
        return self.route(hdrs.METH_POST, path, **declarations)

    def put(self, path: str, **declarations: Any) -> Callable[[Handler], Handler]:
        """Declare a PUT."""
        return self.route(hdrs.METH_PUT, path, **declarations)

    def delete(self, path: str, **declarations: Any) -> Callable[[Handler], Handler]:
        """Declare a DELETE."""
        return self.route(hdrs.METH_DELETE, path, **declarations)

    def add_to(self, router: web.UrlDispatcher) -> None:
        """Serve every operation of this table on ``router``, each path with and without a trailing slash."""
        for operation in self.operations:
            serve = endpoint(operation)
            if operation.public:
                serve = public(serve)
            paths = [operation.path]
            if len(operation.path) > 1 and operation.path.endswith("/"):
                paths.append(operation.path.rstrip("/"))
            for path in paths:
                if operation.method == hdrs.METH_GET:
                    router.add_get(path, serve)  # and HEAD, the GET without a body
                else:
                    router.add_route(operation.method, path, serve)


def services(request: web.Request) -> Services:
    """The core services of this application."""
    return request.app[SERVICES]


def caller(request: web.Request) -> UUID:
    """The authenticated caller's user id."""
    return request[USER_ID]


def deleted(what: str) -> Message:
    """The reference's answer to a delete: ``{"detail": "<What> deleted"}``."""
    return Message(f"{what} deleted")

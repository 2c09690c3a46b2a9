"""The aiohttp application factory: middlewares, routes, CORS, lifetime. Nothing else."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable, Sequence
from contextlib import AbstractAsyncContextManager, nullcontext

import aiohttp_cors
import pluggy
from aiohttp import web

from offertracker_core.services import Services

from .access import access_middleware, request_id_header
from .keys import METRICS, OPENAPI_DOCUMENT, PUBLIC_URL, SERVICES, THROTTLE
from .logs import quiet_malformed_requests
from .middlewares import auth_middleware, error_middleware, security_headers
from .openapi import rendered_document
from .ops import add_ops_routes
from .ops_settings import OpsSettings
from .routes import ALL_ROUTES
from .routes._common import Routes
from .throttle import Throttle

__all__ = ["create_app", "plugin_route_tables"]

ServicesFactory = Callable[[], AbstractAsyncContextManager[Services]]
ThrottleFactory = Callable[[], AbstractAsyncContextManager[Throttle]]


def create_app(
    open_services: ServicesFactory,
    *,
    cors_origins: Sequence[str] = (),
    open_throttle: ThrottleFactory | None = None,
    ops: OpsSettings | None = None,
    public_url: str | None = None,
    plugins: pluggy.PluginManager | None = None,
) -> web.Application:
    """Build the application; ``open_services`` is entered at start-up and left at clean-up.

    ``cors_origins`` lists the origins a browser front end may call from
    (``"*"`` for any); bearer tokens need no credentials mode, so none is allowed.
    ``open_throttle`` (entered and left like ``open_services``) gives the login and
    registration limits; without it they are the defaults, counted in memory.
    ``ops`` turns ``/metrics`` on (the probes, request ids and the access log are
    always there; see :mod:`offertracker_http.ops`). ``public_url`` is where clients reach the
    server, for the links it hands out (calendar feeds); without it, each request's own.
    ``plugins`` may add route tables (``offertracker_route_tables``, served and documented
    like the server's own) and lifetime contexts (``offertracker_web_app``).
    """
    # The access middleware is outermost: it sees the final status of every answer, errors included.
    app = web.Application(middlewares=[access_middleware, error_middleware, auth_middleware])
    quiet_malformed_requests()

    async def services_context(app: web.Application) -> AsyncIterator[None]:
        async with open_services() as services:
            app[SERVICES] = services
            yield

    async def throttle_context(app: web.Application) -> AsyncIterator[None]:
        async with (open_throttle or _default_throttle)() as throttle:
            metrics = app.get(METRICS)
            if metrics is not None:
                throttle.on_refusal(metrics.refused)
            app[THROTTLE] = throttle
            yield

    app.cleanup_ctx.append(services_context)
    app.cleanup_ctx.append(throttle_context)
    app.on_response_prepare.append(security_headers)
    app.on_response_prepare.append(request_id_header)
    tables = (*ALL_ROUTES, *plugin_route_tables(plugins))
    for table in tables:
        table.add_to(app.router)
    add_ops_routes(app, ops or OpsSettings())
    app[OPENAPI_DOCUMENT] = rendered_document(tuple(op for table in tables for op in table.operations))
    app[PUBLIC_URL] = (public_url or "").rstrip("/")
    if cors_origins:
        _enable_cors(app, cors_origins)
    if plugins is not None:
        plugins.hook.offertracker_web_app(app=app)
    return app


def plugin_route_tables(plugins: pluggy.PluginManager | None) -> list[Routes]:
    """The route tables plugins return from ``offertracker_route_tables`` (one or a list each)."""
    if plugins is None:
        return []
    tables: list[Routes] = []
    for returned in plugins.hook.offertracker_route_tables():
        for table in returned if isinstance(returned, list | tuple) else [returned]:
            if not isinstance(table, Routes):
                raise TypeError(f"offertracker_route_tables returned {table!r}, not a routing.Routes")
            tables.append(table)
    return tables


def _default_throttle() -> AbstractAsyncContextManager[Throttle]:
    return nullcontext(Throttle.in_memory())


def _enable_cors(app: web.Application, origins: Sequence[str]) -> None:
    # aiohttp-cors ships py.typed but leaves ResourceOptions.__init__ unannotated.
    options = aiohttp_cors.ResourceOptions(  # type: ignore[no-untyped-call]
        allow_credentials=False,
        expose_headers="*",
        allow_headers="*",
        allow_methods="*",
        max_age=600,
    )
    cors = aiohttp_cors.setup(app, defaults=dict.fromkeys(origins, options))
    for route in list(app.router.routes()):
        cors.add(route)

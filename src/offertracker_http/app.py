"""The aiohttp application factory: middlewares, routes, CORS, lifetime. Nothing else."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable, Sequence
from contextlib import AbstractAsyncContextManager

import aiohttp_cors
from aiohttp import web

from offertracker_core.services import Services

from .keys import SERVICES
from .middlewares import auth_middleware, error_middleware, security_headers
from .routes import ALL_ROUTES

__all__ = ["create_app"]

ServicesFactory = Callable[[], AbstractAsyncContextManager[Services]]


def create_app(open_services: ServicesFactory, *, cors_origins: Sequence[str] = ()) -> web.Application:
    """Build the application; ``open_services`` is entered at start-up and left at clean-up.

    ``cors_origins`` lists the origins a browser front end may call from
    (``"*"`` for any); bearer tokens need no credentials mode, so none is allowed.
    """
    app = web.Application(middlewares=[error_middleware, auth_middleware])

    async def services_context(app: web.Application) -> AsyncIterator[None]:
        async with open_services() as services:
            app[SERVICES] = services
            yield

    app.cleanup_ctx.append(services_context)
    app.on_response_prepare.append(security_headers)
    for table in ALL_ROUTES:
        app.router.add_routes(table)
    if cors_origins:
        _enable_cors(app, cors_origins)
    return app


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

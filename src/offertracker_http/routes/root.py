"""``GET /``: the welcome message, outside the API prefix."""

from __future__ import annotations

import attrs
from aiohttp import web

from ._common import Routes

routes = Routes("root", prefix="")


@attrs.frozen
class Welcome:
    """The answer of ``GET /``."""

    message: str


@routes.get("/", public=True)
async def welcome(request: web.Request) -> Welcome:
    return Welcome("Welcome to OfferTracker API")

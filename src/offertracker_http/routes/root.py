"""``GET /``: the welcome message, outside the API prefix."""

from __future__ import annotations

from aiohttp import web

from ..middlewares import public
from ..rendering import json_response
from ._common import Routes

routes = Routes(prefix="")


@routes.get("/")
@public
async def welcome(request: web.Request) -> web.Response:
    return json_response({"message": "Welcome to OfferTracker API"})

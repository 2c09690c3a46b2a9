"""``/auth``: register and log in; both answer ``{access_token, token_type, user}``."""

from __future__ import annotations

from aiohttp import web

from offertracker_core.inputs import Credentials, Registration

from ..middlewares import public
from ..parsing import parse_body
from ..rendering import json_response
from ._common import Routes, services

routes = Routes()


@routes.post("/auth/register")
@public
async def register(request: web.Request) -> web.Response:
    registration = await parse_body(request, Registration)
    return json_response(await services(request).auth.register(registration), status=201)


@routes.post("/auth/login")
@public
async def login(request: web.Request) -> web.Response:
    credentials = await parse_body(request, Credentials)
    return json_response(await services(request).auth.login(credentials))

"""``/auth``: register, log in and change the password, which answer ``{access_token, token_type,
user}``; log out (ours, like the password change)."""

from __future__ import annotations

from aiohttp import web

from offertracker_core.inputs import Credentials, PasswordChange, Registration

from ..middlewares import public
from ..parsing import parse_body
from ..rendering import json_response
from ._common import Routes, caller, services

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


@routes.post("/auth/logout")
async def logout(request: web.Request) -> web.Response:
    await services(request).auth.logout(caller(request))
    return json_response({"detail": "Logged out"})


@routes.put("/auth/password")
async def change_password(request: web.Request) -> web.Response:
    change = await parse_body(request, PasswordChange)
    return json_response(await services(request).auth.change_password(caller(request), change))

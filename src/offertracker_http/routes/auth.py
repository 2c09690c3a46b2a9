"""``/auth``: register, log in and change the password, which answer ``{access_token, token_type,
user}``; log out (ours, like the password change).

Register and log in are throttled per client address, login also per account
(:mod:`offertracker_http.throttle`): the limit is checked before the core sees
the password, and only failed logins count.
"""

from __future__ import annotations

from aiohttp import web

from offertracker_core.inputs import Credentials, PasswordChange, Registration

from ..keys import THROTTLE
from ..middlewares import public
from ..parsing import parse_body
from ..rendering import json_response
from ._common import Routes, caller, services

routes = Routes()


@routes.post("/auth/register")
@public
async def register(request: web.Request) -> web.Response:
    registration = await parse_body(request, Registration)
    throttle = request.app[THROTTLE]
    await throttle.register_attempt(throttle.client(request))
    return json_response(await services(request).auth.register(registration), status=201)


@routes.post("/auth/login")
@public
async def login(request: web.Request) -> web.Response:
    credentials = await parse_body(request, Credentials)
    async with request.app[THROTTLE].logging_in(request, credentials.email):
        session = await services(request).auth.login(credentials)
    return json_response(session)


@routes.post("/auth/logout")
async def logout(request: web.Request) -> web.Response:
    await services(request).auth.logout(caller(request))
    return json_response({"detail": "Logged out"})


@routes.put("/auth/password")
async def change_password(request: web.Request) -> web.Response:
    change = await parse_body(request, PasswordChange)
    user_id = caller(request)
    async with request.app[THROTTLE].confirming_password(request, user_id):
        session = await services(request).auth.change_password(user_id, change)
    return json_response(session)

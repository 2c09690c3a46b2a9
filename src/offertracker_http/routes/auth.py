"""``/auth``: register and log in; both answer ``{access_token, token_type, user}``.

Both are throttled per client address, login also per account
(:mod:`offertracker_http.throttle`): the limit is checked before the core sees
the password, and only failed logins count.
"""

from __future__ import annotations

from aiohttp import web

from offertracker_core.errors import InvalidCredentials
from offertracker_core.inputs import Credentials, Registration

from ..keys import THROTTLE
from ..middlewares import public
from ..parsing import parse_body
from ..rendering import json_response
from ._common import Routes, services

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
    throttle = request.app[THROTTLE]
    address = throttle.client(request)
    await throttle.check_login(credentials.email, address)
    try:
        session = await services(request).auth.login(credentials)
    except InvalidCredentials:
        await throttle.login_failed(credentials.email, address)
        raise
    return json_response(session)

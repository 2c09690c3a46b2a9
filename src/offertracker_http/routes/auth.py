"""``/auth``: register, log in and change the password, which answer ``{access_token, token_type,
user}``; log out (ours, like the password change).

Register and log in are throttled per client address, login also per account
(:mod:`offertracker_http.throttle`): the limit is checked before the core sees
the password, and only failed logins count.
"""

from __future__ import annotations

from aiohttp import web

from offertracker_core.errors import BusinessRuleViolation, InvalidCredentials
from offertracker_core.inputs import Credentials, PasswordChange, Registration
from offertracker_core.services.auth import AuthSession

from ..keys import ACCESS_TOKEN, THROTTLE
from ..schemas import Message
from ._common import Routes, caller, services

routes = Routes("auth")


@routes.post("/auth/register", status=201, public=True, throttled=True, errors=(BusinessRuleViolation,))
async def register(request: web.Request, registration: Registration) -> AuthSession:
    throttle = request.app[THROTTLE]
    await throttle.register_attempt(throttle.client(request))
    return await services(request).auth.register(registration)


@routes.post("/auth/login", public=True, throttled=True, errors=(InvalidCredentials,))
async def login(request: web.Request, credentials: Credentials) -> AuthSession:
    async with request.app[THROTTLE].logging_in(request, credentials.email):
        return await services(request).auth.login(credentials)


@routes.post("/auth/logout")
async def logout(request: web.Request) -> Message:
    await services(request).auth.logout(caller(request), request[ACCESS_TOKEN])
    return Message("Logged out")


@routes.put("/auth/password", throttled=True, errors=(BusinessRuleViolation,))
async def change_password(request: web.Request, change: PasswordChange) -> AuthSession:
    user_id = caller(request)
    async with request.app[THROTTLE].confirming_password(request, user_id):
        return await services(request).auth.change_password(user_id, change)

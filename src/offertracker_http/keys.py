"""Typed keys for what the application and each request carry."""

from __future__ import annotations

from uuid import UUID

from aiohttp import web

from offertracker_core.services import Services

__all__ = ["SERVICES", "USER_ID"]

SERVICES = web.AppKey("services", Services)
"""The core services, set by the start-up context of :func:`offertracker_http.app.create_app`."""

USER_ID = web.RequestKey("user_id", UUID)
"""The authenticated caller's id, set by the auth middleware on non-public routes."""

"""Typed keys for what the application and each request carry."""

from __future__ import annotations

from uuid import UUID

from aiohttp import web

from offertracker_core.services import Services

from .metrics import HttpMetrics
from .throttle import Throttle

__all__ = [
    "ACCESS_TOKEN",
    "METRICS",
    "OPENAPI_DOCUMENT",
    "PUBLIC_URL",
    "REQUEST_ID",
    "SERVICES",
    "THROTTLE",
    "USER_ID",
]

SERVICES = web.AppKey("services", Services)
"""The core services, set by the start-up context of :func:`offertracker_http.app.create_app`."""

THROTTLE = web.AppKey("throttle", Throttle)
"""The login and registration attempt limits, set by a start-up context of ``create_app``."""

METRICS = web.AppKey("metrics", HttpMetrics)
"""The application's Prometheus metrics; absent unless ``OFFERTRACKER_METRICS`` is on."""

OPENAPI_DOCUMENT = web.AppKey("openapi_document", bytes)
"""The OpenAPI document of the app's operations as JSON bytes, set by ``create_app``."""

PUBLIC_URL = web.AppKey("public_url", str)
"""``OFFERTRACKER_PUBLIC_URL`` (no trailing slash), or ``""``: links are built from the request."""

USER_ID = web.RequestKey("user_id", UUID)
"""The authenticated caller's id, set by the auth middleware on non-public routes."""

ACCESS_TOKEN = web.RequestKey("access_token", str)
"""The caller's bearer token as it came (logout hands it to an identity provider's sign-out)."""

REQUEST_ID = web.RequestKey("request_id", str)
"""The request's id (kept from ``X-Request-ID`` or made), set by the access middleware."""

"""``/api/v1/webhooks``: the caller's endpoints, their secrets and their recent deliveries.

Declared with the server's own route API (``offertracker_http.routing``), so
the operations are validated, authenticated, documented and logged exactly
like the built-in ones.
"""

from __future__ import annotations

from uuid import UUID

import attrs
from aiohttp import web

from offertracker_core.errors import BusinessRuleViolation, Forbidden, NotFound
from offertracker_http.routing import Message, Routes, caller, deleted
from offertracker_http.schemas import Limit, Skip

from .models import DeliveryAttempt, NewWebhook, WebhookChanges, WebhookView, WebhookWithSecret
from .service import WebhookService

__all__ = ["SERVICE", "routes"]

SERVICE = web.AppKey("offertracker_webhooks.service", WebhookService)
"""Where the running app keeps the plugin's :class:`WebhookService`."""

routes = Routes("webhooks")

_ONE = "/webhooks/{webhook_id}"


@attrs.frozen
class DeliveriesQuery:
    """A page of the attempt log, newest first."""

    skip: Skip = 0
    limit: Limit = 100


def _service(request: web.Request) -> WebhookService:
    return request.app[SERVICE]


@routes.get("/webhooks/")
async def list_webhooks(request: web.Request) -> list[WebhookView]:
    return await _service(request).list(caller(request))


@routes.post("/webhooks/", status=201, errors=(BusinessRuleViolation,))
async def create_webhook(request: web.Request, new: NewWebhook) -> WebhookWithSecret:
    return await _service(request).create(caller(request), new)


@routes.put(_ONE, errors=(NotFound, Forbidden))
async def update_webhook(request: web.Request, webhook_id: UUID, changes: WebhookChanges) -> WebhookView:
    return await _service(request).update(caller(request), webhook_id, changes)


@routes.delete(_ONE, errors=(NotFound, Forbidden))
async def delete_webhook(request: web.Request, webhook_id: UUID) -> Message:
    await _service(request).delete(caller(request), webhook_id)
    return deleted("Webhook")


@routes.post(_ONE + "/secret", errors=(NotFound, Forbidden))
async def rotate_webhook_secret(request: web.Request, webhook_id: UUID) -> WebhookWithSecret:
    return await _service(request).rotate_secret(caller(request), webhook_id)


@routes.get(_ONE + "/deliveries", errors=(NotFound, Forbidden))
async def list_webhook_deliveries(
    request: web.Request, webhook_id: UUID, query: DeliveriesQuery
) -> list[DeliveryAttempt]:
    return await _service(request).attempts(caller(request), webhook_id, skip=query.skip, limit=query.limit)

"""The webhooks of a user: list, create, edit, delete, rotate the secret, see recent attempts.

Every call is one short transaction through the host's SQL storage
(``SqlStorage.write_sql``/``read_sql`` running a function of the connection),
so the plugin needs nothing the host does not already expose. Ownership
follows behaviour.md §3: an unknown id is 404 ``Webhook not found``, someone
else's is 403 ``Not your webhook``.
"""

from __future__ import annotations

import builtins
from collections.abc import Mapping, Sequence
from typing import Any
from urllib.parse import urlsplit
from uuid import UUID

import attrs
from sqlalchemy import Connection, Row, delete, func, insert, select, update

from offertracker_core.clock import new_id
from offertracker_core.errors import BusinessRuleViolation, Forbidden, InvalidInput, NotFound, Violation
from offertracker_core.ports import Clock
from offertracker_core.validation import validate_changes
from offertracker_http.fetching import address_is_public
from offertracker_storage import SqlStorage
from offertracker_storage.sql.tables import users

from .models import DeliveryAttempt, NewWebhook, WebhookChanges, WebhookView, WebhookWithSecret
from .sender import refused_url
from .signing import new_secret
from .tables import webhook_attempts, webhook_deliveries, webhooks

__all__ = ["MAX_WEBHOOKS_PER_USER", "WebhookService"]

MAX_WEBHOOKS_PER_USER = 20
"""How many webhooks one user may have (active or not): each costs work on every change."""

_MISSING = "Webhook not found"
_FOREIGN = "Not your webhook"

_TOO_MANY = f"A user can have at most {MAX_WEBHOOKS_PER_USER} webhooks"
_PRIVATE = (
    "Value error, the URL points at a loopback, private or link-local address "
    "(set OFFERTRACKER_IMPORT_ALLOW_PRIVATE_URLS=1 to allow it)"
)


@attrs.frozen
class WebhookService:
    """The caller's webhooks, over the host's SQL storage."""

    storage: SqlStorage
    clock: Clock
    allow_private: bool = False
    """Whether URLs naming a private address are taken (``OFFERTRACKER_IMPORT_ALLOW_PRIVATE_URLS``)."""

    async def list(self, user_id: UUID) -> list[WebhookView]:
        """The caller's webhooks, oldest first."""

        def run(conn: Connection) -> list[WebhookView]:
            found = conn.execute(
                select(webhooks)
                .where(webhooks.c.user_id == user_id)
                .order_by(webhooks.c.created_at, webhooks.c.id)
            )
            return [_view(row) for row in found]

        return await self.storage.read_sql(run)

    async def create(self, user_id: UUID, new: NewWebhook) -> WebhookWithSecret:
        """Add a webhook with a fresh secret, returned this once.

        At most :data:`MAX_WEBHOOKS_PER_USER` per user (``BusinessRuleViolation``,
        400), counted under the user's row lock so two creations cannot both take
        the last place. A URL naming a private address is a 422 unless allowed.
        """
        self._check_address(new.url)
        now = self.clock.now()
        row: dict[str, Any] = {
            "id": new_id(),
            "user_id": user_id,
            "url": new.url,
            "events": _events(new.events),
            "active": new.active,
            "secret": new_secret(),
            "disabled_reason": None,
            "consecutive_failures": 0,
            "created_at": now,
            "updated_at": now,
        }

        def run(conn: Connection) -> None:
            conn.execute(select(users.c.id).where(users.c.id == user_id).with_for_update())
            count = conn.execute(select(func.count()).where(webhooks.c.user_id == user_id)).scalar_one()
            if count >= MAX_WEBHOOKS_PER_USER:
                raise BusinessRuleViolation(_TOO_MANY)
            conn.execute(insert(webhooks), row)

        await self.storage.write_sql(run)
        return WebhookWithSecret(**{field.name: row[field.name] for field in attrs.fields(WebhookWithSecret)})

    async def update(self, user_id: UUID, webhook_id: UUID, changes: Mapping[str, Any]) -> WebhookView:
        """Apply partial ``changes`` (``url``, ``events``, ``active``).

        Turning a webhook on again clears why it was disabled and its failure
        count, and its waiting deliveries go out at once, oldest first.
        """
        checked = validate_changes(WebhookChanges, changes)
        if "url" in checked:
            self._check_address(checked["url"])
        now = self.clock.now()
        values: dict[str, Any] = {"updated_at": now}
        if "url" in checked:
            values["url"] = checked["url"]
        if "events" in checked:
            values["events"] = _events(checked["events"])
        if "active" in checked:
            values["active"] = checked["active"]
            if checked["active"]:
                values.update(disabled_reason=None, consecutive_failures=0)

        def run(conn: Connection) -> WebhookView:
            current = _owned(conn, user_id, webhook_id, lock=True)
            conn.execute(update(webhooks).where(webhooks.c.id == webhook_id).values(**values))
            if values.get("active") and not current.active:
                conn.execute(
                    update(webhook_deliveries)
                    .where(
                        webhook_deliveries.c.webhook_id == webhook_id, webhook_deliveries.c.state == "pending"
                    )
                    .values(next_attempt_at=now, lease_until=None)
                )
            return _view(conn.execute(select(webhooks).where(webhooks.c.id == webhook_id)).one())

        return await self.storage.write_sql(run)

    async def delete(self, user_id: UUID, webhook_id: UUID) -> None:
        """Delete a webhook with its waiting deliveries and its attempt log."""

        def run(conn: Connection) -> None:
            _owned(conn, user_id, webhook_id, lock=True)
            conn.execute(delete(webhooks).where(webhooks.c.id == webhook_id))

        await self.storage.write_sql(run)

    async def rotate_secret(self, user_id: UUID, webhook_id: UUID) -> WebhookWithSecret:
        """Give the webhook a new secret, returned this once; deliveries from now on are signed with it."""
        secret, now = new_secret(), self.clock.now()

        def run(conn: Connection) -> WebhookWithSecret:
            _owned(conn, user_id, webhook_id, lock=True)
            conn.execute(
                update(webhooks).where(webhooks.c.id == webhook_id).values(secret=secret, updated_at=now)
            )
            row = conn.execute(select(webhooks).where(webhooks.c.id == webhook_id)).one()
            return WebhookWithSecret(**attrs.asdict(_view(row), recurse=False), secret=secret)

        return await self.storage.write_sql(run)

    async def attempts(
        self, user_id: UUID, webhook_id: UUID, *, skip: int = 0, limit: int = 100
    ) -> builtins.list[DeliveryAttempt]:
        """The webhook's delivery attempts, newest first (kept for the retention period)."""

        def run(conn: Connection) -> builtins.list[DeliveryAttempt]:
            _owned(conn, user_id, webhook_id)
            found = conn.execute(
                select(webhook_attempts)
                .where(webhook_attempts.c.webhook_id == webhook_id)
                .order_by(webhook_attempts.c.id.desc())
                .offset(skip)
                .limit(limit)
            )
            return [
                DeliveryAttempt(
                    id=row.id,
                    event_id=row.event_id,
                    event_type=row.event_type,
                    attempt=row.attempt,
                    attempted_at=row.attempted_at,
                    status_code=row.status_code,
                    duration_ms=row.duration_ms,
                    error=row.error,
                )
                for row in found
            ]

        return await self.storage.read_sql(run)

    def _check_address(self, url: str) -> None:
        """Refuse a URL whose host is a literal non-public address or ``localhost`` (unless allowed).

        Names are checked again after DNS at every delivery; this catches the
        obvious mistakes when the webhook is saved.
        """
        if self.allow_private:
            return
        host = (urlsplit(url).hostname or "").rstrip(".").lower()
        if host == "localhost" or host.endswith(".localhost"):
            raise _invalid_url(url)
        if refused_url(url, allow_private=False, address_rule=address_is_public) is not None:
            raise _invalid_url(url)


def _owned(conn: Connection, user_id: UUID, webhook_id: UUID, *, lock: bool = False) -> Row[Any]:
    query = select(webhooks).where(webhooks.c.id == webhook_id)
    row = conn.execute(query.with_for_update() if lock else query).first()
    if row is None:
        raise NotFound(_MISSING)
    if row.user_id != user_id:
        raise Forbidden(_FOREIGN)
    return row


def _events(chosen: Sequence[str] | None) -> list[str] | None:
    """The stored subscription: ``None`` for every type, else the chosen types once each, in order."""
    return None if chosen is None else list(dict.fromkeys(str(kind) for kind in chosen))


def _view(row: Row[Any]) -> WebhookView:
    return WebhookView(
        id=row.id,
        url=row.url,
        events=row.events,
        active=row.active,
        disabled_reason=row.disabled_reason,
        created_at=row.created_at,
        updated_at=row.updated_at,
    )


def _invalid_url(url: str) -> InvalidInput:
    return InvalidInput([Violation(("url",), "value_error", _PRIVATE, url, {"error": "private address"})])

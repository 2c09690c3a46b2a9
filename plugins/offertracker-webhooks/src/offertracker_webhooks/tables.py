"""The plugin's own tables, next to OfferTracker's in the same database.

They have their own ``MetaData`` and their own Alembic history (version table
``offertracker_webhooks_version``, see :mod:`.schema`), so installing or
removing the plugin never touches the core's migrations. Every row hangs off a
user and goes with them (``ON DELETE CASCADE``).

``webhook_deliveries`` is the outbox: one row per (event, webhook), written in
the transaction of the change the event describes. ``seq`` grows in commit
order per webhook (the writer holds the webhook's row lock while it takes one),
and delivery follows ``seq``.
"""

from __future__ import annotations

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Column,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    UniqueConstraint,
)

from offertracker_storage.sql.tables import NAMING_CONVENTION, users
from offertracker_storage.sql.types import HexUuid, UtcDateTime

__all__ = ["VERSION_TABLE", "metadata", "webhook_attempts", "webhook_deliveries", "webhooks"]

VERSION_TABLE = "offertracker_webhooks_version"
"""Where Alembic keeps this plugin's schema revision (the core's is ``alembic_version``)."""

metadata = MetaData(naming_convention=NAMING_CONVENTION)

# SQLite gives an auto-incrementing key only to a column declared exactly INTEGER PRIMARY KEY.
_Serial = BigInteger().with_variant(Integer(), "sqlite")

webhooks = Table(
    "webhooks",
    metadata,
    Column("id", HexUuid(), primary_key=True),
    Column("user_id", HexUuid(), ForeignKey(users.c.id, ondelete="CASCADE"), nullable=False, index=True),
    Column("url", Text(), nullable=False),
    Column("events", JSON(), nullable=True),  # a list of event types; NULL: every type
    Column("active", Boolean(), nullable=False),
    Column("secret", String(80), nullable=False),  # kept as is: it signs every delivery
    Column("disabled_reason", Text(), nullable=True),  # why the deliverer switched it off
    Column("consecutive_failures", Integer(), nullable=False),  # deliveries given up in a row
    Column("created_at", UtcDateTime(), nullable=False),
    Column("updated_at", UtcDateTime(), nullable=False),
)

webhook_deliveries = Table(
    "webhook_deliveries",
    metadata,
    Column("seq", _Serial, primary_key=True, autoincrement=True),
    Column("webhook_id", HexUuid(), ForeignKey(webhooks.c.id, ondelete="CASCADE"), nullable=False),
    Column("event_id", HexUuid(), nullable=False),
    Column("event_type", String(40), nullable=False),
    Column("body", Text(), nullable=False),  # the JSON sent, byte for byte, fixed at commit
    Column("state", String(16), nullable=False),  # pending | delivered | failed
    Column("attempts", Integer(), nullable=False),
    Column("next_attempt_at", UtcDateTime(), nullable=False),
    Column("lease_until", UtcDateTime(), nullable=True),  # a deliverer holds it until then
    Column("created_at", UtcDateTime(), nullable=False),
    Column("finished_at", UtcDateTime(), nullable=True),
    UniqueConstraint("webhook_id", "event_id"),
    Index(None, "webhook_id", "state", "seq"),
    Index(None, "state", "next_attempt_at"),
)

webhook_attempts = Table(
    "webhook_attempts",
    metadata,
    Column("id", _Serial, primary_key=True, autoincrement=True),
    Column("webhook_id", HexUuid(), ForeignKey(webhooks.c.id, ondelete="CASCADE"), nullable=False),
    Column("delivery_seq", BigInteger(), nullable=False),
    Column("event_id", HexUuid(), nullable=False),
    Column("event_type", String(40), nullable=False),
    Column("attempt", Integer(), nullable=False),
    Column("attempted_at", UtcDateTime(), nullable=False),
    Column("status_code", Integer(), nullable=True),  # NULL: no HTTP answer (timeout, refused)
    Column("duration_ms", Integer(), nullable=False),
    Column("error", Text(), nullable=True),
    Index(None, "webhook_id", "id"),
)

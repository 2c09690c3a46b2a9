"""Alembic environment of the webhooks plugin: its own tables, its own version table.

The plugin's tables live in OfferTracker's database beside the core's, so this
environment looks only at them (:func:`offertracker_webhooks.schema.include_object`
leaves every other table out of autogenerate and ``alembic check``), and the
revision is kept in ``offertracker_webhooks_version``, not the core's
``alembic_version``.
"""

from __future__ import annotations

from offertracker_storage.migration_history import run_environment
from offertracker_webhooks.schema import include_object
from offertracker_webhooks.tables import VERSION_TABLE, metadata

run_environment(
    metadata,
    version_table=VERSION_TABLE,
    include_object=include_object,
    how_to_upgrade="call offertracker_webhooks.schema.upgrade(url)",
)

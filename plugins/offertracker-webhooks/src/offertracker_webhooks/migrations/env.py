"""Alembic environment of the webhooks plugin: its own tables, its own version table.

The plugin's tables live in OfferTracker's database beside the core's, so this
environment looks only at them: ``include_object`` leaves every other table
(the core's, other plugins') out of autogenerate and ``alembic check``, and the
revision is kept in ``offertracker_webhooks_version``, not the core's
``alembic_version``. The URL comes from ``config.attributes["url"]`` (set by
:mod:`offertracker_webhooks.schema`) or ``OFFERTRACKER_DATABASE_URL``; async
spellings become sync drivers first. SQLite runs in batch mode so later
revisions can alter tables.
"""

from __future__ import annotations

import os

from alembic import context
from sqlalchemy import Connection, create_engine, pool

from offertracker_storage.sql.database import sync_url
from offertracker_webhooks.schema import include_object
from offertracker_webhooks.tables import VERSION_TABLE, metadata

config = context.config


def _url() -> str:
    url = config.attributes.get("url") or os.environ.get("OFFERTRACKER_DATABASE_URL")
    if not url:
        raise RuntimeError(
            "No database URL: set OFFERTRACKER_DATABASE_URL (e.g. sqlite:///offertracker.db) "
            "or call offertracker_webhooks.schema.upgrade(url)."
        )
    return sync_url(url)


def _configure(
    *, url: str | None = None, connection: Connection | None = None, offline: bool = False
) -> None:
    dialect = connection.dialect.name if connection is not None else str(url).split(":", 1)[0]
    context.configure(
        url=url,
        connection=connection,
        target_metadata=metadata,
        version_table=VERSION_TABLE,
        include_object=include_object,
        render_as_batch=dialect.startswith("sqlite"),
        compare_type=True,
        # Offline mode writes SQL with the values inlined instead of executing it.
        literal_binds=offline,
        dialect_opts={"paramstyle": "named"} if offline else None,
    )


def run_migrations_offline() -> None:
    _configure(url=_url(), offline=True)
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_online() -> None:
    connection = config.attributes.get("connection")
    if connection is not None:
        _configure(connection=connection)
        with context.begin_transaction():
            context.run_migrations()
        return
    engine = create_engine(_url(), poolclass=pool.NullPool)
    try:
        with engine.connect() as connection:
            _configure(connection=connection)
            with context.begin_transaction():
                context.run_migrations()
    finally:
        engine.dispose()


if context.is_offline_mode():
    run_migrations_offline()
else:
    run_migrations_online()

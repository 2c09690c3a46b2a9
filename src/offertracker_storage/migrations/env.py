"""Alembic environment for OfferTracker.

The database URL comes from ``config.attributes["url"]`` when alembic is driven
from code (:mod:`offertracker_storage.migrate`), otherwise from the
``OFFERTRACKER_DATABASE_URL`` environment variable; async spellings are turned
into sync drivers first. SQLite runs in batch mode so later migrations can
alter tables.
"""

from __future__ import annotations

import os
from typing import Any

from alembic import context
from sqlalchemy import Connection, create_engine, pool

from offertracker_storage.sql.database import sync_url
from offertracker_storage.sql.tables import metadata

config = context.config


def _url() -> str:
    url = config.attributes.get("url") or os.environ.get("OFFERTRACKER_DATABASE_URL")
    if not url:
        raise RuntimeError(
            "No database URL: set OFFERTRACKER_DATABASE_URL (e.g. sqlite:///offertracker.db) "
            "or run `offertracker db upgrade`."
        )
    return sync_url(url)


def _ours(obj: Any, name: str | None, type_: str, reflected: bool, compare_to: Any) -> bool:
    """Whether autogenerate (``alembic check``) compares this object: not a table the database has
    and these tables do not declare, which belongs to a plugin with its own migrations."""
    return not (type_ == "table" and reflected and compare_to is None and name not in metadata.tables)


def _configure(
    *, url: str | None = None, connection: Connection | None = None, offline: bool = False
) -> None:
    dialect = connection.dialect.name if connection is not None else str(url).split(":", 1)[0]
    context.configure(
        url=url,
        connection=connection,
        target_metadata=metadata,
        render_as_batch=dialect.startswith("sqlite"),
        compare_type=True,
        include_object=_ours,
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

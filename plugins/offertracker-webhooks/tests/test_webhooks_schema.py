"""The plugin's migrations: its three tables on top of the core's, on SQLite and PostgreSQL."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import create_engine, inspect, pool

from offertracker_storage import migrate
from offertracker_webhooks import schema
from offertracker_webhooks.tables import VERSION_TABLE, metadata


def _differences(url: str) -> list[object]:
    engine = create_engine(url, poolclass=pool.NullPool)
    try:
        with engine.connect() as conn:
            context = MigrationContext.configure(
                conn,
                opts={
                    "compare_type": True,
                    "include_object": schema.include_object,
                    "version_table": VERSION_TABLE,
                },
            )
            return list(compare_metadata(context, metadata))
    finally:
        engine.dispose()


def test_upgrade_creates_the_three_tables_at_the_head_revision(core_only_url: str) -> None:
    assert schema.current_revision(core_only_url) is None
    assert not schema.is_current(core_only_url)

    schema.upgrade(core_only_url)

    assert schema.head_revision() == "w0001"
    assert schema.current_revision(core_only_url) == "w0001"
    assert schema.is_current(core_only_url)
    tables = set(inspect(create_engine(core_only_url, poolclass=pool.NullPool)).get_table_names())
    assert {"webhooks", "webhook_deliveries", "webhook_attempts", VERSION_TABLE} <= tables
    assert migrate.current_revision(core_only_url) == migrate.head_revision()  # the core's is untouched


def test_upgrade_twice_changes_nothing_and_the_tables_match_the_declared_ones(core_only_url: str) -> None:
    schema.upgrade(core_only_url)
    schema.upgrade(core_only_url)

    assert schema.current_revision(core_only_url) == "w0001"
    assert _differences(core_only_url) == []
    schema.check(core_only_url)  # alembic check: raises on any difference


def test_the_foreign_keys_reach_users_and_webhooks_with_cascade(core_only_url: str) -> None:
    schema.upgrade(core_only_url)
    inspector = inspect(create_engine(core_only_url, poolclass=pool.NullPool))

    def keys(table: str) -> set[tuple[str, str, str | None]]:
        return {
            (fk["constrained_columns"][0], fk["referred_table"], fk["options"].get("ondelete"))
            for fk in inspector.get_foreign_keys(table)
        }

    assert keys("webhooks") == {("user_id", "users", "CASCADE")}
    assert keys("webhook_deliveries") == {("webhook_id", "webhooks", "CASCADE")}
    assert keys("webhook_attempts") == {("webhook_id", "webhooks", "CASCADE")}

"""The shipped migrations build exactly the tables the code declares."""

from __future__ import annotations

from pathlib import Path

from offertracker_storage import migrate
from offertracker_storage.sql import sync_url


def test_a_migrated_database_matches_the_tables(database_url: str) -> None:
    assert migrate.current_revision(database_url) == migrate.head_revision()
    assert migrate.is_up_to_date(database_url)
    migrate.check(database_url)  # raises on any difference


def test_upgrading_a_fresh_sqlite_file_from_an_async_url_reaches_head(tmp_path: Path) -> None:
    url = f"sqlite+aiosqlite:///{tmp_path / 'fresh.db'}"
    assert migrate.current_revision(url) is None
    migrate.upgrade(url)
    migrate.upgrade(url)  # idempotent
    assert migrate.current_revision(url) == migrate.head_revision() == "0002"
    migrate.check(url)


def test_async_urls_map_to_sync_drivers() -> None:
    assert sync_url("sqlite+aiosqlite:///data/x.db") == "sqlite:///data/x.db"
    assert sync_url("postgresql+asyncpg://u:secret@h/db") == "postgresql+psycopg://u:secret@h/db"
    assert sync_url("postgresql://u@h:5433/db") == "postgresql+psycopg://u@h:5433/db"

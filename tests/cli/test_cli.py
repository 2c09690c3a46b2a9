"""The ``offertracker`` command: ``db upgrade`` and the start-up schema check of ``serve``."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner
from sqlalchemy import create_engine, inspect
from sqlalchemy.pool import NullPool

from offertracker_http.cli import main
from offertracker_storage import migrate


@pytest.fixture(autouse=True)
def _root_logging_restored() -> Iterator[None]:
    # `serve` points the root logger at the invoking CliRunner's stderr, which closes with it.
    root = logging.getLogger()
    handlers, level = root.handlers[:], root.level
    yield
    root.handlers[:] = handlers
    root.setLevel(level)


def _env(tmp_path: Path, database_url: str) -> dict[str, str]:
    return {"OFFERTRACKER_DATA_DIR": str(tmp_path / "data"), "OFFERTRACKER_DATABASE_URL": database_url}


def test_db_upgrade_brings_a_new_sqlite_database_to_the_head_revision(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'fresh.db'}"

    result = CliRunner().invoke(main, ["db", "upgrade"], env=_env(tmp_path, url))

    assert result.exit_code == 0, result.output
    assert result.output.strip() == f"Database at revision {migrate.head_revision()}"
    engine = create_engine(url, poolclass=NullPool)
    try:
        tables = set(inspect(engine).get_table_names())
    finally:
        engine.dispose()
    assert {"users", "applications", "application_stages", "outcomes", "reflections"} <= tables


def test_db_upgrade_creates_a_new_sqlite_database_readable_by_its_owner_only(tmp_path: Path) -> None:
    path = tmp_path / "fresh.db"

    result = CliRunner().invoke(main, ["db", "upgrade"], env=_env(tmp_path, f"sqlite:///{path}"))

    assert result.exit_code == 0, result.output
    assert path.stat().st_mode & 0o777 == 0o600


def test_serve_refuses_a_token_lifetime_that_is_not_a_number(tmp_path: Path) -> None:
    env = {**_env(tmp_path, f"sqlite:///{tmp_path / 'x.db'}"), "OFFERTRACKER_TOKEN_TTL_SECONDS": "soon"}

    result = CliRunner().invoke(main, ["serve", "--port", "8999"], env=env)

    assert result.exit_code == 1
    assert "OFFERTRACKER_TOKEN_TTL_SECONDS must be a whole number, not 'soon'" in result.output


def test_serve_refuses_a_short_signing_secret_in_one_line_without_starting(tmp_path: Path) -> None:
    env = {**_env(tmp_path, f"sqlite:///{tmp_path / 'x.db'}"), "OFFERTRACKER_JWT_SECRET": "too-short"}

    result = CliRunner().invoke(main, ["serve", "--port", "8999"], env=env)

    assert result.exit_code == 1
    assert result.output.startswith(
        "Error: OFFERTRACKER_JWT_SECRET is 9 bytes long, but must be at least 32 bytes (UTF-8)"
    )
    assert len(result.output.strip().splitlines()) == 1
    assert "too-short" not in result.output
    assert not (tmp_path / "x.db").exists()  # refused before the database was touched


def test_serve_on_supabase_without_the_project_url_stops_naming_it(tmp_path: Path) -> None:
    env = {
        **_env(tmp_path, f"sqlite:///{tmp_path / 'x.db'}"),
        "OFFERTRACKER_AUTH": "supabase",
        "SUPABASE_ANON_KEY": "anon",
        "SUPABASE_SERVICE_ROLE_KEY": "service-role-secret",
    }

    result = CliRunner().invoke(main, ["serve", "--port", "8999"], env=env)

    assert result.exit_code == 1
    assert result.output == (
        "Error: OFFERTRACKER_AUTH=supabase needs SUPABASE_URL, e.g. https://abcdefgh.supabase.co\n"
    )
    assert not (tmp_path / "x.db").exists()  # refused before the database was touched


def test_serve_refuses_a_token_lifetime_over_30_days(tmp_path: Path) -> None:
    env = {**_env(tmp_path, f"sqlite:///{tmp_path / 'x.db'}"), "OFFERTRACKER_TOKEN_TTL_SECONDS": "2592001"}

    result = CliRunner().invoke(main, ["serve", "--port", "8999"], env=env)

    assert result.exit_code == 1
    assert result.output == (
        "Error: OFFERTRACKER_TOKEN_TTL_SECONDS must be between 60 (one minute) and "
        "2592000 (30 days) seconds, not 2592001\n"
    )


@pytest.mark.postgres
def test_serve_refuses_to_start_on_a_postgresql_schema_that_is_behind(
    tmp_path: Path, empty_postgres_url: str
) -> None:
    result = CliRunner().invoke(main, ["serve", "--port", "8999"], env=_env(tmp_path, empty_postgres_url))

    *logged, last = result.output.strip().splitlines()
    assert result.exit_code == 1
    assert last == (
        "Error: The database schema is at revision none (empty database), but this OfferTracker "
        f"needs {migrate.head_revision()}. Run `offertracker db upgrade` first."
    )
    assert all(" INFO [" in line and "alembic" in line for line in logged)  # the schema check's own lines
    assert migrate.current_revision(empty_postgres_url) is None  # serve never migrates PostgreSQL


@pytest.mark.postgres
def test_db_upgrade_is_how_a_postgresql_database_gets_its_schema(
    tmp_path: Path, empty_postgres_url: str
) -> None:
    result = CliRunner().invoke(main, ["db", "upgrade"], env=_env(tmp_path, empty_postgres_url))

    assert result.exit_code == 0, result.output
    assert migrate.current_revision(empty_postgres_url) == migrate.head_revision()

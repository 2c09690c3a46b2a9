"""The plugin in the host: its tables follow the server's start-up rules, its command is listed."""

from __future__ import annotations

from pathlib import Path

import pluggy
import pytest
from click.testing import CliRunner
from sqlalchemy import create_engine, inspect, pool
from tests.http.httpkit import suite_settings

from offertracker_core.plugins import create_plugin_manager
from offertracker_http.bootstrap import SchemaBehind, prepare_database
from offertracker_http.cli import main
from offertracker_storage import migrate
from offertracker_webhooks import schema
from offertracker_webhooks.plugin import WebhooksPlugin


def _with_webhooks() -> pluggy.PluginManager:
    pm = create_plugin_manager(load_entry_points=False)
    pm.register(WebhooksPlugin(), name="webhooks")
    return pm


def test_a_sqlite_server_start_creates_the_webhook_tables(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'fresh.db'}"
    prepare_database(suite_settings(tmp_path, url), _with_webhooks())
    tables = set(inspect(create_engine(url, poolclass=pool.NullPool)).get_table_names())
    assert {"webhooks", "webhook_deliveries", "webhook_attempts", "applications"} <= tables
    assert schema.is_current(url)


@pytest.mark.postgres
def test_a_postgres_server_refuses_to_start_until_db_upgrade_made_the_webhook_tables(
    empty_postgres_url: str, tmp_path: Path
) -> None:
    migrate.upgrade(empty_postgres_url)  # the core is current, the plugin's tables are missing
    settings = suite_settings(tmp_path, empty_postgres_url)
    with pytest.raises(SchemaBehind) as refused:
        prepare_database(settings, _with_webhooks())
    assert str(refused.value) == (
        "The webhooks tables are at revision none, but offertracker-webhooks needs w0001. "
        "Run `offertracker db upgrade` first."
    )
    result = CliRunner().invoke(
        main,
        ["db", "upgrade"],
        env={"OFFERTRACKER_DATABASE_URL": empty_postgres_url, "OFFERTRACKER_DATA_DIR": str(tmp_path)},
    )
    assert result.exit_code == 0, result.output
    assert schema.is_current(empty_postgres_url)
    prepare_database(settings, _with_webhooks())


def test_the_command_line_lists_the_webhooks_commands() -> None:
    listed = CliRunner().invoke(main, ["--help"])
    assert listed.exit_code == 0
    assert "webhooks" in listed.output
    run = CliRunner().invoke(main, ["webhooks", "--help"])
    assert run.exit_code == 0
    assert "Deliver queued webhook events until stopped" in run.output

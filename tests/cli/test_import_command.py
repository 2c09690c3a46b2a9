"""``offertracker import`` and ``offertracker plugins`` end to end on SQLite, with the installed importers.

The importer packages of ``plugins/`` are installed (``nox -s tests`` installs them), so
these tests also show entry-point discovery working for the command line. A page is
served from a real server on 127.0.0.1, which the command may fetch only because
``OFFERTRACKER_IMPORT_ALLOW_PRIVATE_URLS`` says so.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa
from aiohttp import web
from click.testing import CliRunner

from offertracker_core.inputs import Registration
from offertracker_http.bootstrap import open_services
from offertracker_http.cli import main
from offertracker_http.settings import Settings

from ..fuzz.server import serve_in_thread
from ..http.httpkit import cheap_passwords

PLUGINS = Path(__file__).resolve().parents[2] / "plugins"
JOBSPY_CSV = PLUGINS / "offertracker-jobspy" / "tests" / "fixtures" / "jobs.csv"
POSTING_PAGE = PLUGINS / "offertracker-jsonld" / "tests" / "fixtures" / "posting.html"
EMAIL = "ada@example.com"


@pytest.fixture
def env(tmp_path: Path) -> dict[str, str]:
    """A fresh SQLite database holding one user, ada, and the variables that point at it."""
    variables = {
        "OFFERTRACKER_DATA_DIR": str(tmp_path / "data"),
        "OFFERTRACKER_DATABASE_URL": f"sqlite:///{tmp_path / 'jobs.db'}",
        "OFFERTRACKER_IMPORT_ALLOW_PRIVATE_URLS": "1",
    }

    async def register() -> None:
        settings = Settings.from_env(variables)
        async with open_services(settings, passwords=cheap_passwords()) as services:
            await services.auth.register(Registration(email=EMAIL, username="ada", password="s3cret!"))

    asyncio.run(register())
    return variables


@pytest.fixture
def careers_page() -> Iterator[str]:
    """The jsonld package's posting page, served at ``/careers/posting`` on 127.0.0.1."""

    async def page(request: web.Request) -> web.Response:
        return web.Response(body=POSTING_PAGE.read_bytes(), content_type="text/html")

    app = web.Application()
    app.router.add_get("/careers/posting", page)
    with serve_in_thread(app) as base_url:
        yield f"{base_url}/careers/posting"


def saved_jobs(env: dict[str, str]) -> list[tuple[str, str | None]]:
    engine = sa.create_engine(env["OFFERTRACKER_DATABASE_URL"])
    try:
        with engine.connect() as conn:
            rows = conn.execute(sa.text("SELECT company_name, source FROM saved_jobs ORDER BY company_name"))
            return [tuple(row) for row in rows]  # type: ignore[misc]
    finally:
        engine.dispose()


def test_a_jobspy_csv_is_imported_for_the_user_with_a_summary_and_a_line_per_failed_row(
    env: dict[str, str],
) -> None:
    result = CliRunner().invoke(main, ["import", str(JOBSPY_CSV), "--user", EMAIL], env=env)

    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    created = len(saved_jobs(env))
    assert created > 0
    summary = [line for line in lines if line.startswith("Imported with jobspy:")]
    assert len(summary) == 1
    assert summary[0].startswith(f"Imported with jobspy: {created} created, 0 skipped as duplicates, ")
    failed = int(summary[0].rsplit(", ", 1)[1].split()[0])
    assert len([line for line in result.stderr.splitlines() if line.startswith("  row ")]) == failed
    assert "LinkedIn" in {source for _, source in saved_jobs(env)}


def test_importing_the_same_file_again_skips_every_job(env: dict[str, str]) -> None:
    runner = CliRunner()
    runner.invoke(main, ["import", str(JOBSPY_CSV), "--user", EMAIL], env=env)
    before = saved_jobs(env)

    again = runner.invoke(main, ["import", str(JOBSPY_CSV), "--user", EMAIL], env=env)

    assert again.exit_code == 0, again.output
    assert f"Imported with jobspy: 0 created, {len(before)} skipped as duplicates, " in again.stdout
    assert saved_jobs(env) == before


def test_a_careers_page_url_is_imported_by_the_json_ld_importer(
    env: dict[str, str], careers_page: str
) -> None:
    result = CliRunner().invoke(main, ["import", careers_page, "--user", EMAIL], env=env)

    assert result.exit_code == 0, result.output
    assert "Imported with jsonld: 1 created, 0 skipped as duplicates, 0 failed" in result.stdout
    [(company, source)] = saved_jobs(env)
    assert source == "127.0.0.1"
    assert company


def test_a_private_address_is_a_failed_item_unless_allowed(env: dict[str, str], careers_page: str) -> None:
    guarded = {**env, "OFFERTRACKER_IMPORT_ALLOW_PRIVATE_URLS": "0"}

    result = CliRunner().invoke(main, ["import", careers_page, "--user", EMAIL], env=guarded)

    assert result.exit_code == 0, result.output
    assert "Imported with jsonld: 0 created, 0 skipped as duplicates, 1 failed" in result.stdout
    assert f"  {careers_page}: {careers_page}: refused, a private or reserved address" in result.stderr
    assert saved_jobs(env) == []


def test_an_unknown_user_stops_the_import_with_one_line(env: dict[str, str]) -> None:
    result = CliRunner().invoke(main, ["import", str(JOBSPY_CSV), "--user", "nobody@example.com"], env=env)

    assert result.exit_code == 1
    assert result.output.strip() == "Error: User not found"
    assert saved_jobs(env) == []


def test_a_file_no_importer_reads_stops_the_import_with_one_line(env: dict[str, str], tmp_path: Path) -> None:
    sheet = tmp_path / "jobs.xlsx"
    sheet.write_bytes(b"PK\x03\x04")

    result = CliRunner().invoke(main, ["import", str(sheet), "--user", EMAIL], env=env)

    assert result.exit_code == 1
    assert result.output.strip() == "Error: No installed importer reads this type of file"


def test_a_location_that_is_neither_a_url_nor_a_file_is_refused(env: dict[str, str]) -> None:
    result = CliRunner().invoke(main, ["import", "ftp://jobs.example.com/x", "--user", EMAIL], env=env)

    assert result.exit_code == 1
    assert (
        result.output.strip()
        == "Error: ftp://jobs.example.com/x is neither an http(s) URL nor a readable file"
    )


def test_the_plugins_command_lists_the_installed_importers_and_the_built_in_event_log() -> None:
    result = CliRunner().invoke(main, ["plugins"])

    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    for name in ("greenhouse", "lever", "jsonld", "jobspy"):
        assert f"{name} (offertracker-{name} 0.1.0): offertracker_register_importers" in lines
    [event_log] = [line for line in lines if line.startswith("offertracker.event_log ")]
    assert event_log == (
        "offertracker.event_log (offertracker (built in) 0.1.0): offertracker_application_created, "
        "offertracker_application_deleted, offertracker_application_updated, "
        "offertracker_milestone_reached, offertracker_outcome_saved, offertracker_reflection_saved, "
        "offertracker_reminder_completed, offertracker_stage_added, offertracker_status_changed"
    )


def test_a_disabled_plugin_is_not_loaded_and_the_others_are() -> None:
    result = CliRunner().invoke(
        main, ["plugins"], env={"OFFERTRACKER_DISABLE_PLUGINS": "webhooks, offertracker.event_log,nothing"}
    )

    assert result.exit_code == 0, result.output
    names = sorted(line.split(" ", 1)[0] for line in result.output.splitlines())
    assert names == ["greenhouse", "jobspy", "jsonld", "lever"]

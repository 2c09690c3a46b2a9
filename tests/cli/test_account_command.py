"""``offertracker export`` and ``offertracker import-account`` end to end on SQLite."""

from __future__ import annotations

import asyncio
import json
import zipfile
from pathlib import Path

import pytest
from click.testing import CliRunner

from offertracker_core.inputs import NewApplication, NewStage, NewTag, Registration
from offertracker_http.bootstrap import open_services
from offertracker_http.cli import main
from offertracker_http.settings import Settings

from ..http.httpkit import cheap_passwords

ADA = "ada@example.com"
BOB = "bob@example.com"


@pytest.fixture
def env(tmp_path: Path) -> dict[str, str]:
    """A fresh SQLite database with ada (three applications, a stage, a tag) and an empty bob."""
    variables = {
        "OFFERTRACKER_DATA_DIR": str(tmp_path / "data"),
        "OFFERTRACKER_DATABASE_URL": f"sqlite:///{tmp_path / 'account.db'}",
    }

    async def fill() -> None:
        settings = Settings.from_env(variables)
        async with open_services(settings, passwords=cheap_passwords()) as services:
            ada = await services.auth.register(Registration(email=ADA, username="ada", password="s3cret!"))
            await services.auth.register(Registration(email=BOB, username="bob", password="s3cret!"))
            user = ada.user.id
            await services.tags.create(user, NewTag(name="Remote"))
            for n in range(3):
                detail = await services.applications.create(
                    user, NewApplication(company_name=f"Co {n}", role_title="Dev")
                )
            await services.stages.add(user, detail.application.id, NewStage(stage_name="Screen"))

    asyncio.run(fill())
    return variables


def test_export_writes_the_document_to_the_named_file(env: dict[str, str], tmp_path: Path) -> None:
    out = tmp_path / "ada.json"

    result = CliRunner().invoke(main, ["export", "--user", ADA, "-o", str(out)], env=env)

    assert result.exit_code == 0, result.output
    document = json.loads(out.read_bytes())
    assert (document["format"], document["version"]) == ("offertracker-export", 1)
    assert [app["company_name"] for app in document["applications"]] == ["Co 0", "Co 1", "Co 2"]
    assert f"Exported 3 applications of {ADA} to {out}" in result.output


def test_export_with_zip_writes_an_archive_holding_the_document(env: dict[str, str], tmp_path: Path) -> None:
    out = tmp_path / "ada.zip"

    result = CliRunner().invoke(main, ["export", "--user", ADA, "-o", str(out), "--zip"], env=env)

    assert result.exit_code == 0, result.output
    with zipfile.ZipFile(out) as archive:
        assert archive.namelist() == ["offertracker-export.json"]
        assert len(json.loads(archive.read("offertracker-export.json"))["applications"]) == 3


def test_import_account_copies_the_export_and_a_second_run_creates_nothing(
    env: dict[str, str], tmp_path: Path
) -> None:
    out = tmp_path / "ada.json"
    assert CliRunner().invoke(main, ["export", "--user", ADA, "-o", str(out)], env=env).exit_code == 0

    first = CliRunner().invoke(main, ["import-account", str(out), "--user", BOB], env=env)
    second = CliRunner().invoke(main, ["import-account", str(out), "--user", BOB], env=env)

    assert first.exit_code == 0, first.output
    assert first.output.startswith("Imported: 1 tags, 3 applications, 1 stages")
    assert second.exit_code == 0, second.output
    assert second.output.startswith("Imported: nothing created; ")
    back = tmp_path / "bob.json"
    assert CliRunner().invoke(main, ["export", "--user", BOB, "-o", str(back)], env=env).exit_code == 0
    assert [app["company_name"] for app in json.loads(back.read_bytes())["applications"]] == [
        "Co 0",
        "Co 1",
        "Co 2",
    ]


def test_import_account_of_a_refused_document_exits_1_naming_the_item(
    env: dict[str, str], tmp_path: Path
) -> None:
    path = tmp_path / "bad.json"
    path.write_text(json.dumps({"format": "offertracker-export", "version": 7}))

    result = CliRunner().invoke(main, ["import-account", str(path), "--user", BOB], env=env)

    assert result.exit_code == 1
    assert "version: Value error, this server reads export versions 1 to 1, not 7" in result.output


def test_an_unknown_user_exits_1(env: dict[str, str], tmp_path: Path) -> None:
    result = CliRunner().invoke(main, ["export", "--user", "nobody@example.com"], env=env)

    assert result.exit_code == 1
    assert "User not found" in result.output

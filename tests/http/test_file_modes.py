"""What the server leaves on disk is private to its user (POSIX modes).

The data directory is 0700; the generated signing secret, the SQLite database
and its ``-wal``/``-shm`` files are 0600 -- checked after a real server started
and served a write. A database the operator keeps outside the data directory
is created 0600 when new, but an existing one keeps its owner's mode.
"""

from __future__ import annotations

import os
import stat
import sys
from pathlib import Path
from typing import Any

import pytest

from offertracker_http.bootstrap import build_app
from offertracker_http.settings import Settings
from offertracker_storage import Argon2Passwords

from .httpkit import API, register

pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="POSIX file modes")


def mode(path: Path) -> int:
    return stat.S_IMODE(os.stat(path).st_mode)


async def serve_one_write(aiohttp_client: Any, settings: Settings, passwords: Argon2Passwords) -> None:
    client = await aiohttp_client(build_app(settings, passwords=passwords))
    _, headers = await register(client, "alice")
    resp = await client.post(
        f"{API}/applications/", headers=headers, json={"company_name": "Acme", "role_title": "Engineer"}
    )
    assert resp.status == 201


async def test_a_fresh_data_dir_its_secret_and_database_files_are_owner_only(
    aiohttp_client, passwords, tmp_path
):
    previous = os.umask(0o022)  # the usual umask, which would leave files world-readable
    try:
        settings = Settings.from_env({"OFFERTRACKER_DATA_DIR": str(tmp_path / "data")})
        await serve_one_write(aiohttp_client, settings, passwords)

        data = tmp_path / "data"
        assert settings.sqlite_path == data / "offertracker.db"
        assert {p.name for p in data.iterdir()} >= {
            "jwt-secret",
            "offertracker.db",
            "offertracker.db-wal",
            "offertracker.db-shm",
        }
        assert mode(data) == 0o700
        assert {name: mode(data / name) for name in sorted(os.listdir(data))} == {
            "jwt-secret": 0o600,
            "offertracker.db": 0o600,
            "offertracker.db-lock": 0o600,  # the cross-process write lock (storage.sql.write_lock)
            "offertracker.db-shm": 0o600,
            "offertracker.db-wal": 0o600,
        }
    finally:
        os.umask(previous)


async def test_an_existing_default_data_dir_and_database_are_tightened(aiohttp_client, passwords, tmp_path):
    data = tmp_path / "xdg" / "offertracker"  # the default location under XDG_DATA_HOME
    data.mkdir(parents=True)
    data.chmod(0o755)
    first = Settings.from_env({"XDG_DATA_HOME": str(tmp_path / "xdg")})
    assert first.data_dir == data
    await serve_one_write(aiohttp_client, first, passwords)
    for name in ("offertracker.db", "offertracker.db-wal", "offertracker.db-shm"):
        (data / name).chmod(0o644)  # as an older version or a careless copy might have left them
    data.chmod(0o755)

    settings = Settings.from_env({"XDG_DATA_HOME": str(tmp_path / "xdg")})
    await serve_one_write_again(aiohttp_client, settings, passwords)

    assert mode(data) == 0o700
    assert mode(data / "offertracker.db") == 0o600
    assert mode(data / "offertracker.db-wal") == 0o600
    assert mode(data / "offertracker.db-shm") == 0o600


async def serve_one_write_again(aiohttp_client: Any, settings: Settings, passwords: Argon2Passwords) -> None:
    client = await aiohttp_client(build_app(settings, passwords=passwords))
    resp = await client.post(
        f"{API}/auth/register",
        json={"email": "bob@example.com", "username": "bob", "password": "secret1"},
    )
    assert resp.status == 201


async def test_a_new_database_outside_the_data_dir_is_created_owner_only(aiohttp_client, passwords, tmp_path):
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir(mode=0o755)
    env = {
        "OFFERTRACKER_DATA_DIR": str(tmp_path / "data"),
        "OFFERTRACKER_DATABASE_URL": f"sqlite:///{elsewhere / 'offers.db'}",
    }
    await serve_one_write(aiohttp_client, Settings.from_env(env), passwords)

    assert mode(elsewhere / "offers.db") == 0o600
    assert mode(elsewhere / "offers.db-wal") == 0o600
    assert mode(elsewhere) == 0o755  # the operator's directory is theirs


async def test_an_existing_database_outside_the_data_dir_keeps_its_owners_mode(
    aiohttp_client, passwords, tmp_path, database_url
):
    if not database_url.startswith("sqlite"):
        pytest.skip("a SQLite file's mode")
    path = Path(database_url.removeprefix("sqlite:///"))
    os.chmod(path, 0o640)
    env = {"OFFERTRACKER_DATA_DIR": str(tmp_path / "data"), "OFFERTRACKER_DATABASE_URL": database_url}
    await serve_one_write(aiohttp_client, Settings.from_env(env), passwords)

    assert mode(path) == 0o640


def test_a_data_dir_named_in_the_environment_is_created_0700_but_an_existing_one_is_left_alone(tmp_path):
    Settings.from_env({"OFFERTRACKER_DATA_DIR": str(tmp_path / "new" / "data")})
    shared = tmp_path / "shared"
    shared.mkdir(mode=0o750)
    shared.chmod(0o750)
    Settings.from_env({"OFFERTRACKER_DATA_DIR": str(shared)})

    assert mode(tmp_path / "new" / "data") == 0o700
    assert mode(shared) == 0o750
    assert mode(shared / "jwt-secret") == 0o600

"""Restart durability on the embedded SQLite default: what the API wrote survives a new server."""

from __future__ import annotations

from offertracker_http.bootstrap import build_app
from offertracker_http.settings import Settings

from .httpkit import call, create_application, register


async def test_data_and_tokens_survive_a_restart_on_the_sqlite_default(aiohttp_client, tmp_path, passwords):
    data_dir = tmp_path / "offertracker-data"
    settings = Settings.from_env({"OFFERTRACKER_DATA_DIR": str(data_dir)})
    assert settings.database_url == f"sqlite:///{data_dir / 'offertracker.db'}"

    # The production wiring: no test clock, the generated secret, migrations applied at start.
    first = await aiohttp_client(build_app(settings, passwords=passwords))
    _, headers = await register(first, "alice")
    application = await create_application(first, headers, status="Applied", notes="remember me")
    stage = await call(
        first,
        "POST",
        f"/applications/{application['id']}/stages",
        headers,
        json={"stage_name": "x"},
        expect=201,
    )
    before = await call(first, "GET", "/applications/", headers, expect=200)
    me_before = await call(first, "GET", "/users/me", headers, expect=200)
    await first.close()

    restarted_settings = Settings.from_env({"OFFERTRACKER_DATA_DIR": str(data_dir)})
    assert restarted_settings.jwt_secret == settings.jwt_secret
    second = await aiohttp_client(build_app(restarted_settings, passwords=passwords))
    after = await call(second, "GET", "/applications/", headers, expect=200)
    assert after == before
    assert after[0]["stages"][0]["id"] == stage["id"]
    assert after[0]["notes"] == "remember me"
    assert await call(second, "GET", "/users/me", headers, expect=200) == me_before
    login = await call(
        second,
        "POST",
        "/auth/login",
        json={"email": "alice@example.com", "password": "correct horse"},
        expect=200,
    )
    assert login["user"]["id"] == me_before["id"]

"""Plugins hear what happens through the real app, after the commit, and cannot break a request."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Annotated, Any

import attrs
import pytest
from aiohttp import web

from offertracker_core.constraints import MaxLen
from offertracker_core.events import ReminderCompleted, StatusChanged
from offertracker_core.plugins import create_plugin_manager, hookimpl
from offertracker_http.bootstrap import build_app
from offertracker_http.keys import SERVICES
from offertracker_http.routing import Routes, caller

from .httpkit import call, create_application, create_reminder, register


class Listener:
    """A throwaway plugin that records the reminder and status events it hears."""

    def __init__(self) -> None:
        self.heard: list[object] = []

    @hookimpl
    def offertracker_reminder_completed(self, event: ReminderCompleted) -> None:
        self.heard.append(event)

    @hookimpl
    async def offertracker_status_changed(self, event: StatusChanged) -> None:
        self.heard.append(event)


class Broken:
    @hookimpl
    def offertracker_reminder_completed(self, event: ReminderCompleted) -> None:
        raise RuntimeError("listener bug")


@pytest.fixture
async def heard(aiohttp_client: Any, app_settings, clock, passwords) -> tuple[Any, Listener]:
    pm = create_plugin_manager(load_entry_points=False)
    listener = Listener()
    pm.register(Broken(), name="broken-listener")
    pm.register(listener)
    client = await aiohttp_client(build_app(app_settings, clock=clock, passwords=passwords, plugins=pm))
    return client, listener


async def test_completing_a_reminder_reaches_the_hook_even_past_a_failing_plugin(heard, caplog):
    client, listener = heard
    user, headers = await register(client, "alice")
    reminder = await create_reminder(client, headers)
    done = await call(client, "POST", f"/reminders/{reminder['id']}/complete", headers, expect=200)
    assert done["is_completed"] is True
    [event] = [e for e in listener.heard if isinstance(e, ReminderCompleted)]
    assert (str(event.user_id), str(event.reminder_id), event.application_id) == (
        user["id"],
        reminder["id"],
        None,
    )
    [failure] = [r for r in caplog.records if "listener bug" in str(r.exc_info)]
    assert "broken-listener" in failure.getMessage()


async def test_a_status_change_reaches_an_async_hook(heard):
    client, listener = heard
    _, headers = await register(client, "alice")
    application = await create_application(client, headers, status="Applied")
    path = f"/applications/{application['id']}"
    await call(client, "PUT", path, headers, json={"status": "Withdrawn"}, expect=200)
    [event] = [e for e in listener.heard if isinstance(e, StatusChanged)]
    assert (event.old_status, event.new_status, event.automatic) == ("Applied", "Withdrawn", False)


class InTransaction:
    """A plugin that looks at the uncommitted change from inside its transaction, and can veto it."""

    def __init__(self, *, fail: bool = False) -> None:
        self.seen: list[tuple[list[str], int]] = []
        self.fail = fail

    @hookimpl
    def offertracker_unit_committing(self, events: list[object], connection: Any) -> None:
        count = connection.exec_driver_sql("SELECT count(*) FROM applications").scalar_one()
        self.seen.append(([type(event).__name__ for event in events], count))
        if self.fail and any(type(event).__name__ == "ApplicationCreated" for event in events):
            raise RuntimeError("outbox full")


async def _client_with(aiohttp_client: Any, app_settings, clock, passwords, *plugins: object) -> Any:
    pm = create_plugin_manager(load_entry_points=False)
    for plugin in plugins:
        pm.register(plugin)
    return await aiohttp_client(build_app(app_settings, clock=clock, passwords=passwords, plugins=pm))


async def test_the_commit_hook_sees_the_change_inside_its_transaction_with_its_events_in_order(
    aiohttp_client, app_settings, clock, passwords, db
):
    plugin = InTransaction()
    client = await _client_with(aiohttp_client, app_settings, clock, passwords, plugin)
    _, headers = await register(client, "alice")
    plugin.seen.clear()
    application = await create_application(client, headers, status="Applied")
    await call(
        client,
        "POST",
        f"/applications/{application['id']}/stages",
        headers,
        json={"stage_name": "Screen"},
        expect=201,
    )
    # The new row is visible to the hook (same transaction), and the events come in the order
    # the services recorded them: the automatic move, then the stage, then the milestones.
    assert plugin.seen[0] == (["ApplicationCreated", "MilestoneReached"], 1)
    assert plugin.seen[1][0][:2] == ["StatusChanged", "StageAdded"]
    # A read records no event: the hook is not called for it.
    before = len(plugin.seen)
    await call(client, "GET", "/applications/", headers, expect=200)
    assert len(plugin.seen) == before


async def test_a_commit_hook_that_raises_rolls_the_change_back(
    aiohttp_client, app_settings, clock, passwords, db
):
    client = await _client_with(aiohttp_client, app_settings, clock, passwords, InTransaction(fail=True))
    _, headers = await register(client, "alice")
    resp = await client.post(
        "/api/v1/applications/", headers=headers, json={"company_name": "Acme", "role_title": "Dev"}
    )
    assert resp.status == 500
    with db.connect() as conn:
        assert conn.exec_driver_sql("SELECT count(*) FROM applications").scalar_one() == 0
        assert (
            conn.exec_driver_sql(
                "SELECT count(*) FROM user_milestones WHERE milestone_id IN "
                "(SELECT id FROM milestones WHERE name = 'First Application')"
            ).scalar_one()
            == 0
        )


@attrs.frozen
class Echo:
    user_id: str
    word: str


@attrs.frozen
class EchoQuery:
    word: Annotated[str, MaxLen(5)] = "hi"


class Served:
    """A plugin with one route, and a lifetime context that sees the started services."""

    def __init__(self) -> None:
        self.routes = Routes("echo")
        self.started_with: list[object] = []

        @self.routes.get("/echo")
        async def echo(request: web.Request, query: EchoQuery) -> Echo:
            return Echo(user_id=str(caller(request)), word=query.word)

    @hookimpl
    def offertracker_route_tables(self) -> Routes:
        return self.routes

    @hookimpl
    def offertracker_web_app(self, app: web.Application) -> None:
        async def lifetime(app: web.Application) -> AsyncIterator[None]:
            self.started_with.append(app[SERVICES])
            yield

        app.cleanup_ctx.append(lifetime)


async def test_a_plugin_route_is_served_validated_authenticated_and_documented(
    aiohttp_client, app_settings, clock, passwords
):
    plugin = Served()
    client = await _client_with(aiohttp_client, app_settings, clock, passwords, plugin)
    assert len(plugin.started_with) == 1
    user, headers = await register(client, "alice")
    assert await call(client, "GET", "/echo", headers, params={"word": "yo"}, expect=200) == {
        "user_id": user["id"],
        "word": "yo",
    }
    resp = await client.get("/api/v1/echo")
    assert resp.status == 401
    invalid = await call(client, "GET", "/echo", headers, params={"word": "toolong"}, expect=422)
    assert invalid["detail"][0]["loc"] == ["query", "word"]
    document = await (await client.get("/openapi.json")).json()
    assert "get" in document["paths"]["/api/v1/echo"]

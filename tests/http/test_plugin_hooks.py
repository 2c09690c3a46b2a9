"""Plugins hear what happens through the real app, after the commit, and cannot break a request."""

from __future__ import annotations

from typing import Any

import pytest

from offertracker_core.events import ReminderCompleted, StatusChanged
from offertracker_core.plugins import create_plugin_manager, hookimpl
from offertracker_http.bootstrap import build_app

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

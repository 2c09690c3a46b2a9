"""The plugin host: hook specs and the event publisher over pluggy."""

from __future__ import annotations

import inspect
import logging
import re
from pathlib import Path
from uuid import UUID

import pytest
from pluggy import PluginValidationError

from offertracker_core import hookspecs
from offertracker_core.enums import ApplicationStatus
from offertracker_core.events import (
    ApplicationCreated,
    MilestoneReached,
    ReminderCompleted,
    StageAdded,
    StatusChanged,
)
from offertracker_core.plugins import PluginEventPublisher, create_plugin_manager, hookimpl

CHANGED = StatusChanged(
    user_id=UUID(int=1),
    application_id=UUID(int=2),
    old_status=ApplicationStatus.APPLIED,
    new_status=ApplicationStatus.INTERVIEWING,
    automatic=True,
)


class Recorder:
    def __init__(self) -> None:
        self.heard: list[object] = []

    @hookimpl
    def offertracker_status_changed(self, event: StatusChanged) -> None:
        self.heard.append(event)

    @hookimpl
    def offertracker_application_created(self, event: ApplicationCreated) -> None:
        self.heard.append(event)

    @hookimpl
    def offertracker_stage_added(self, event: StageAdded) -> None:
        self.heard.append(event)

    @hookimpl
    def offertracker_milestone_reached(self, event: MilestoneReached) -> None:
        self.heard.append(event)

    @hookimpl
    def offertracker_reminder_completed(self, event: ReminderCompleted) -> None:
        self.heard.append(event)


class AsyncRecorder:
    def __init__(self) -> None:
        self.heard: list[object] = []

    @hookimpl
    async def offertracker_status_changed(self, event: StatusChanged) -> None:
        self.heard.append(event)


class Broken:
    @hookimpl
    def offertracker_status_changed(self, event: StatusChanged) -> None:
        raise RuntimeError("plugin bug")


class BrokenAsync:
    @hookimpl
    async def offertracker_status_changed(self, event: StatusChanged) -> None:
        raise ValueError("async plugin bug")


def test_every_hook_is_prefixed_typed_and_documented() -> None:
    pm = create_plugin_manager(load_entry_points=False)
    hooks = [name for name in dir(pm.hook) if name.startswith("offertracker_")]
    assert sorted(hooks) == [
        "offertracker_application_created",
        "offertracker_application_deleted",
        "offertracker_application_updated",
        "offertracker_cli",
        "offertracker_database_behind",
        "offertracker_milestone_reached",
        "offertracker_outcome_saved",
        "offertracker_reflection_saved",
        "offertracker_register_importers",
        "offertracker_reminder_completed",
        "offertracker_route_tables",
        "offertracker_stage_added",
        "offertracker_status_changed",
        "offertracker_unit_committing",
        "offertracker_upgrade_database",
        "offertracker_web_app",
    ]
    for name in hooks:
        spec = getattr(hookspecs, name)
        assert inspect.getdoc(spec), name
        assert all(
            p.annotation is not inspect.Parameter.empty for p in inspect.signature(spec).parameters.values()
        )


def test_every_hook_has_a_section_with_an_example_in_docs_plugins_md() -> None:
    docs = Path(__file__).resolve().parents[3] / "docs" / "plugins.md"
    sections = re.split(r"^## ", docs.read_text(encoding="utf-8"), flags=re.M)[1:]
    documented = {section.split("\n", 1)[0].strip(): section for section in sections}
    pm = create_plugin_manager(load_entry_points=False)
    hooks = {name for name in dir(pm.hook) if name.startswith("offertracker_")}
    assert hooks - documented.keys() == set()
    for name in hooks:
        assert f"def {name}(" in documented[name], f"{name} has no example"


async def test_each_event_reaches_its_own_hook() -> None:
    pm = create_plugin_manager(load_entry_points=False)
    recorder = Recorder()
    pm.register(recorder)
    created = ApplicationCreated(
        user_id=UUID(int=1), application_id=UUID(int=2), status=ApplicationStatus.SAVED
    )
    stage = StageAdded(user_id=UUID(int=1), application_id=UUID(int=2), stage_id=UUID(int=3))
    reached = MilestoneReached(user_id=UUID(int=1), milestone_id=UUID(int=4), name="First Application")
    done = ReminderCompleted(user_id=UUID(int=1), reminder_id=UUID(int=5), application_id=None)
    await PluginEventPublisher(pm).publish([created, CHANGED, stage, reached, done])
    assert recorder.heard == [created, CHANGED, stage, reached, done]


async def test_awaitable_results_are_awaited() -> None:
    pm = create_plugin_manager(load_entry_points=False)
    recorder = AsyncRecorder()
    pm.register(recorder)
    await PluginEventPublisher(pm).publish([CHANGED])
    assert recorder.heard == [CHANGED]


@pytest.mark.parametrize("broken", [Broken, BrokenAsync])
async def test_a_failing_plugin_is_logged_and_the_others_still_hear_the_event(
    broken: type, caplog: pytest.LogCaptureFixture
) -> None:
    pm = create_plugin_manager(load_entry_points=False)
    before, after = Recorder(), Recorder()
    pm.register(before, name="before")
    pm.register(broken(), name="the-broken-one")
    pm.register(after, name="after")
    with caplog.at_level(logging.ERROR, logger="offertracker_core.plugins"):
        await PluginEventPublisher(pm).publish([CHANGED, CHANGED])
    assert before.heard == [CHANGED, CHANGED]
    assert after.heard == [CHANGED, CHANGED]
    failures = [r for r in caplog.records if r.levelno == logging.ERROR]
    assert len(failures) == 2
    assert "'the-broken-one'" in failures[0].getMessage()
    assert "offertracker_status_changed" in failures[0].getMessage()
    assert failures[0].exc_info is not None


async def test_implementations_run_in_pluggy_order_last_registered_first() -> None:
    order: list[str] = []

    class Named:
        def __init__(self, name: str) -> None:
            self.name = name

        @hookimpl
        def offertracker_status_changed(self, event: StatusChanged) -> None:
            order.append(self.name)

    class First:
        @hookimpl(tryfirst=True)
        def offertracker_status_changed(self, event: StatusChanged) -> None:
            order.append("first")

    pm = create_plugin_manager(load_entry_points=False)
    pm.register(First())
    pm.register(Named("a"))
    pm.register(Named("b"))
    await PluginEventPublisher(pm).publish([CHANGED])
    assert order == ["first", "b", "a"]


def test_a_misspelled_hook_fails_the_start_up_check() -> None:
    class Typo:
        @hookimpl
        def offertracker_status_chnaged(self, event: StatusChanged) -> None: ...

    pm = create_plugin_manager(load_entry_points=False)
    pm.register(Typo())
    with pytest.raises(PluginValidationError):
        pm.check_pending()


async def test_the_built_in_event_log_hears_events_through_the_same_hooks(caplog) -> None:
    pm = create_plugin_manager(load_entry_points=False)
    assert pm.get_plugin("offertracker.event_log") is not None
    with caplog.at_level(logging.INFO, logger="offertracker.events"):
        await PluginEventPublisher(pm).publish([CHANGED])
    [line] = [r.getMessage() for r in caplog.records if r.name == "offertracker.events"]
    moved = "moved Applied -> Interviewing automatically"
    assert line == f"user {CHANGED.user_id}: application {CHANGED.application_id} {moved}"


def test_a_plugin_manager_without_builtins_has_no_event_log() -> None:
    pm = create_plugin_manager(load_entry_points=False, builtins=False)
    assert pm.get_plugin("offertracker.event_log") is None
    assert pm.list_name_plugin() == []

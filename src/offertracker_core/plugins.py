"""The plugin host: a pluggy manager for the ``offertracker`` hooks and an event publisher over it.

:class:`PluginEventPublisher` implements the ``EventPublisher`` port by calling
every implementation of the matching notification hook *individually*, so one
failing plugin neither hides the others nor fails the request: its exception
is logged with the plugin's name and swallowed. Implementations run in pluggy's
order (last registered first, honouring ``tryfirst``/``trylast``); awaitables
they return are awaited.
"""

from __future__ import annotations

import inspect
import logging
from collections.abc import Iterable, Sequence

import pluggy

from . import event_log, hookspecs
from .events import (
    ApplicationCreated,
    ApplicationDeleted,
    ApplicationUpdated,
    Event,
    MilestoneReached,
    OutcomeSaved,
    ReflectionSaved,
    ReminderCompleted,
    StageAdded,
    StatusChanged,
)
from .hookspecs import PROJECT_NAME, hookimpl

__all__ = [
    "ENTRY_POINT_GROUP",
    "HOOK_FOR_EVENT",
    "NullPublisher",
    "PluginEventPublisher",
    "create_plugin_manager",
    "hookimpl",
]

logger = logging.getLogger(__name__)

ENTRY_POINT_GROUP = PROJECT_NAME

#: Which notification hook hears which event type.
HOOK_FOR_EVENT: dict[type, str] = {
    ApplicationCreated: "offertracker_application_created",
    ApplicationUpdated: "offertracker_application_updated",
    ApplicationDeleted: "offertracker_application_deleted",
    StatusChanged: "offertracker_status_changed",
    StageAdded: "offertracker_stage_added",
    OutcomeSaved: "offertracker_outcome_saved",
    ReflectionSaved: "offertracker_reflection_saved",
    MilestoneReached: "offertracker_milestone_reached",
    ReminderCompleted: "offertracker_reminder_completed",
}


def create_plugin_manager(
    load_entry_points: bool = True, *, builtins: bool = True, blocked: Iterable[str] = ()
) -> pluggy.PluginManager:
    """A plugin manager with OfferTracker's hook specifications.

    With ``builtins`` it registers the project's own plugins first (the event log,
    :mod:`offertracker_core.event_log`), through the same hooks as anyone's. With
    ``load_entry_points`` it also loads every installed plugin of the
    ``offertracker`` entry-point group. ``blocked`` names plugins to leave out
    (an entry point's name, or a built-in's such as ``offertracker.event_log``).
    ``check_pending()`` then fails fast on an implementation whose name matches
    no hook (usually a typo).
    """
    pm = pluggy.PluginManager(PROJECT_NAME)
    pm.add_hookspecs(hookspecs)
    for name in blocked:
        pm.set_blocked(name)
    if builtins and not pm.is_blocked(event_log.NAME):
        pm.register(event_log, name=event_log.NAME)
    if load_entry_points:
        pm.load_setuptools_entrypoints(ENTRY_POINT_GROUP)
    pm.check_pending()
    return pm


class PluginEventPublisher:
    """Publishes committed domain events to the notification hooks of a plugin manager."""

    def __init__(self, pm: pluggy.PluginManager) -> None:
        self._pm = pm

    @property
    def plugin_manager(self) -> pluggy.PluginManager:
        """The manager whose hooks are called."""
        return self._pm

    async def publish(self, events: Sequence[Event]) -> None:
        """Deliver ``events`` in order; a failing implementation is logged, never raised."""
        for event in events:
            name = HOOK_FOR_EVENT.get(type(event))
            if name is None:
                logger.warning("no hook for event %r", event)
                continue
            await self._notify(name, event)

    async def _notify(self, name: str, event: Event) -> None:
        caller = getattr(self._pm.hook, name)
        # get_hookimpls() lists in reverse call order; pluggy itself walks it backwards.
        for impl in reversed(caller.get_hookimpls()):
            if impl.hookwrapper or impl.wrapper:
                # Wrappers only make sense inside pluggy's own call loop; notifications skip them.
                continue
            try:
                args = [event if arg == "event" else None for arg in impl.argnames]
                result = impl.function(*args)
                if inspect.isawaitable(result):
                    await result
            except Exception:
                logger.exception("plugin %r failed in %s for %r", impl.plugin_name, name, event)


class NullPublisher:
    """An ``EventPublisher`` that drops every event (for scripts and tests that need no plugins)."""

    async def publish(self, events: Sequence[Event]) -> None:
        """Do nothing."""

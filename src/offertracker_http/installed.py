"""The installed plugins, as the server and the command line load them.

Every installed plugin of the ``offertracker`` entry-point group is loaded, except those
named in ``OFFERTRACKER_DISABLE_PLUGINS`` (comma-separated: an entry point's name such
as ``webhooks`` or ``greenhouse``, or ``offertracker.event_log`` for the built-in event
log), which lets an operator switch a plugin off without uninstalling it.
"""

from __future__ import annotations

import os
from collections.abc import Mapping

import pluggy

from offertracker_core.plugins import create_plugin_manager

__all__ = ["DISABLE_PLUGINS", "disabled_plugins", "installed_plugins"]

DISABLE_PLUGINS = "OFFERTRACKER_DISABLE_PLUGINS"


def disabled_plugins(environ: Mapping[str, str] | None = None) -> list[str]:
    """The plugin names ``OFFERTRACKER_DISABLE_PLUGINS`` lists, blanks dropped."""
    env = os.environ if environ is None else environ
    return [name.strip() for name in env.get(DISABLE_PLUGINS, "").split(",") if name.strip()]


def installed_plugins(environ: Mapping[str, str] | None = None) -> pluggy.PluginManager:
    """A plugin manager with the built-in and the installed plugins, minus the disabled ones."""
    return create_plugin_manager(blocked=disabled_plugins(environ))

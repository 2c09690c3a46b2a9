"""Sync repositories over a SQLAlchemy ``Connection``.

Every module of this package is imported here, and defining a repository class
registers it (see :mod:`.base`): adding a resource's repository module is all
it takes for units of work to serve it.
"""

from __future__ import annotations

import importlib
import pkgutil

from .base import BY_ENTITY, BY_PORT, CrudRepository, SqlRepository

__all__ = ["BY_ENTITY", "BY_PORT", "CrudRepository", "SqlRepository"]

for _module in pkgutil.iter_modules(__path__):
    importlib.import_module(f"{__name__}.{_module.name}")

"""One route table per router of the API reference, one module each.

Every module of this package that defines ``routes`` (a :class:`._common.Routes`)
is served and documented: adding a resource's route module is all it takes.
"""

from __future__ import annotations

import importlib
import pkgutil

from ..operations import Operation
from ._common import Routes

__all__ = ["ALL_OPERATIONS", "ALL_ROUTES"]


def _discover() -> tuple[Routes, ...]:
    tables = []
    for info in sorted(pkgutil.iter_modules(__path__), key=lambda info: info.name):
        module = importlib.import_module(f"{__name__}.{info.name}")
        table = getattr(module, "routes", None)
        if isinstance(table, Routes):
            tables.append(table)
    return tuple(tables)


ALL_ROUTES = _discover()
ALL_OPERATIONS: tuple[Operation, ...] = tuple(op for table in ALL_ROUTES for op in table.operations)
"""Every operation the server has, in the order they are matched within each module."""

"""One route table per router of the API reference, one module each.

Every module of this package that defines ``routes`` (a :class:`._common.Routes`)
is served: adding a resource's route module is all it takes.
"""

from __future__ import annotations

import importlib
import pkgutil

from aiohttp import web

__all__ = ["ALL_ROUTES"]


def _discover() -> tuple[web.RouteTableDef, ...]:
    tables = []
    for info in sorted(pkgutil.iter_modules(__path__), key=lambda info: info.name):
        module = importlib.import_module(f"{__name__}.{info.name}")
        table = getattr(module, "routes", None)
        if isinstance(table, web.RouteTableDef):
            tables.append(table)
    return tuple(tables)


ALL_ROUTES = _discover()

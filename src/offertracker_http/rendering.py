"""Entities to JSON bytes.

The converter's generated unstructure functions turn attrs objects into
dicts, formatting only datetimes (``2026-03-01T09:30:00.123Z``) and leaving
UUIDs, enums and tuples to orjson, which writes them natively in C (dates
pass through its callback too: orjson's passthrough option covers both).
``ApplicationDetail`` unstructures to the ``ApplicationResponse`` shape. Any mix
of dicts, lists and attrs objects can be rendered: orjson calls back for what
it does not know (attrs objects, and dates/datetimes, so the wire format is
the same wherever they sit).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import date, datetime
from typing import Any

import attrs
import orjson
from aiohttp import web

from offertracker_core import entities

from .converter import format_datetime, json_converter

__all__ = ["json_bytes_response", "json_response", "to_json"]

_OPTIONS = orjson.OPT_PASSTHROUGH_DATETIME

# Per-type hooks for orjson's callback, filled lazily for attrs classes not seen yet.
_hooks: dict[type, Callable[[Any], Any]] = {datetime: format_datetime, date: date.isoformat}


def _default(obj: Any) -> Any:
    cls = type(obj)
    hook = _hooks.get(cls)
    if hook is None:
        if attrs.has(cls):
            hook = json_converter.get_unstructure_hook(cls)
        elif isinstance(obj, datetime):
            hook = format_datetime
        elif isinstance(obj, date):
            hook = date.isoformat
        else:
            raise TypeError(f"cannot render {cls.__name__} as JSON")
        _hooks[cls] = hook
    return hook(obj)


def to_json(obj: Any) -> bytes:
    """``obj`` (an entity, ``ApplicationDetail``, attrs view, or dicts/lists of those) as UTF-8 JSON bytes."""
    return orjson.dumps(obj, default=_default, option=_OPTIONS)


def json_response(obj: Any, status: int = 200, headers: Mapping[str, str] | None = None) -> web.Response:
    """A JSON response (``application/json; charset=utf-8``) rendering ``obj`` with :func:`to_json`."""
    return json_bytes_response(to_json(obj), status=status, headers=headers)


def json_bytes_response(
    body: bytes, status: int = 200, headers: Mapping[str, str] | None = None
) -> web.Response:
    """A JSON response for a body that is JSON already (a read model's rendered page)."""
    return web.Response(
        body=body, status=status, headers=headers, content_type="application/json", charset="utf-8"
    )


# Generate every entity's unstructure function at import, not on the first request.
for _name in entities.__all__:
    _cls = getattr(entities, _name)
    _hooks[_cls] = json_converter.get_unstructure_hook(_cls)

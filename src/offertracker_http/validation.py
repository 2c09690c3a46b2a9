"""Validation errors in FastAPI's words.

The converter's hooks raise :class:`FieldError` for one bad value, already
phrased the way pydantic v2 phrases it; cattrs groups those (and ``KeyError``
for missing keys) into ``ClassValidationError``/``IterableValidationError``
with notes naming the attribute or index. :func:`request_validation_error` is
the one place that walks such a group and produces FastAPI's list of
``{"type", "loc", "msg", "input", "ctx"}`` dicts; every 422 goes through it.

Secrets are never echoed: :func:`error_dict`, which builds every entry, leaves
out ``input`` when ``loc`` passes through a field declared ``Secret`` in the
core (``password``; see :func:`offertracker_core.validation.secret_fields`)
or the input is the core's ``REDACTED``, and leaves such fields out of an
object echoed as ``input`` (the container of a missing field).
"""

from __future__ import annotations

from typing import Any

from cattrs.errors import (
    AttributeValidationNote,
    BaseValidationError,
    IterableValidationNote,
)

from offertracker_core.errors import REDACTED, Violation
from offertracker_core.validation import secret_fields

__all__ = [
    "FieldError",
    "RequestValidationError",
    "error_dict",
    "request_validation_error",
    "violation_dict",
]

Loc = tuple[str | int, ...]


class FieldError(ValueError):
    """One invalid value: pydantic's error ``type``, ``msg``, the offending ``input`` and optional ``ctx``.

    Raised by the converter's hooks; its position (``loc``) is added later from
    the cattrs notes, because a hook does not know where its value sits. ``at``
    is the position *inside* the hook's value, for hooks that look into
    free-form JSON themselves (a key, then an index, …), appended to that ``loc``.
    """

    def __init__(
        self, type: str, msg: str, input: Any, ctx: dict[str, Any] | None = None, *, at: Loc = ()
    ) -> None:
        super().__init__(msg)
        self.type = type
        self.msg = msg
        self.input = input
        self.ctx = ctx
        self.at = at


class RequestValidationError(Exception):
    """A request failed validation; ``errors`` is the FastAPI-shaped list for ``{"detail": errors}`` (422)."""

    def __init__(self, errors: list[dict[str, Any]]) -> None:
        super().__init__(errors)
        self.errors = errors


def error_dict(
    type: str, loc: Loc, msg: str, input: Any, ctx: dict[str, Any] | None = None
) -> dict[str, Any]:
    """One FastAPI error entry, keys in FastAPI's order; ``ctx`` only when there is one.

    ``input`` is left out for a secret value, and secret fields are left out of an
    object given as ``input`` (see the module's docstring).
    """
    entry: dict[str, Any] = {"type": type, "loc": list(loc), "msg": msg}
    secrets = secret_fields()
    # The input of a missing field is its container, which sits one step up.
    where = loc[:-1] if type == "missing" else loc
    if input is not REDACTED and not any(part in secrets for part in where if isinstance(part, str)):
        if isinstance(input, dict) and not secrets.isdisjoint(input):
            input = {key: value for key, value in input.items() if key not in secrets}
        entry["input"] = input
    if ctx is not None:
        entry["ctx"] = ctx
    return entry


def violation_dict(violation: Violation, location: str) -> dict[str, Any]:
    """A core :class:`Violation` as one FastAPI error entry under ``location`` (``"body"``, …)."""
    ctx = None if violation.ctx is None else dict(violation.ctx)
    return error_dict(violation.type, (location, *violation.loc), violation.msg, violation.input, ctx)


def request_validation_error(exc: BaseException, location: str, value: Any) -> RequestValidationError:
    """Turn what structuring ``value`` raised into a :class:`RequestValidationError`.

    ``location`` is ``"body"``, ``"query"`` or ``"path"`` and starts every
    ``loc``. ``value`` is what was structured; a missing key reports its
    container as ``input`` (FastAPI does so for bodies; for query parameters
    the input is ``None``). Errors come out in field order, nested positions
    (list indexes, dict keys) appended to ``loc``. An exception that is not a
    validation error is a bug, not bad input, and is re-raised.
    """
    errors: list[dict[str, Any]] = []
    _walk(exc, (location,), value, location == "body", errors, exc)
    return RequestValidationError(errors)


def _walk(
    exc: BaseException,
    loc: Loc,
    value: Any,
    container_is_missing_input: bool,
    out: list[dict[str, Any]],
    root: BaseException,
) -> None:
    if isinstance(exc, FieldError):
        out.append(error_dict(exc.type, (*loc, *exc.at), exc.msg, exc.input, exc.ctx))
        return
    if not isinstance(exc, BaseValidationError):
        raise root
    for sub in exc.exceptions:
        key = _position(sub)
        if key is None:
            raise root
        if isinstance(sub, KeyError):
            missing_input = value if container_is_missing_input else None
            out.append(error_dict("missing", (*loc, key), "Field required", missing_input))
            continue
        _walk(sub, (*loc, key), _child(value, key), container_is_missing_input, out, root)


def _position(exc: BaseException) -> str | int | None:
    """The attribute name or index cattrs noted on ``exc`` when it caught it (the last such note)."""
    for note in reversed(getattr(exc, "__notes__", ())):
        if isinstance(note, AttributeValidationNote):
            return note.name
        if isinstance(note, IterableValidationNote):
            return note.index
    return None


def _child(value: Any, key: str | int) -> Any:
    try:
        return value[key]
    except (KeyError, IndexError, TypeError):
        return None

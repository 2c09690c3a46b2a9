"""The strict cattrs converters of the HTTP edge.

cattrs' defaults coerce (``5`` becomes ``"5"``, ``1.7`` becomes ``1``,
a ``str`` hook swallows every ``StrEnum``); FastAPI rejects all of that. So
:func:`make_converter` registers explicit hooks for every leaf type the inputs
use, plus factories for ``Annotated`` constraint markers, lists, dicts and the
dict check in front of attrs classes and ``TypedDict``\\ s — all before first
use. Hooks raise :class:`~offertracker_http.validation.FieldError` in
pydantic's words; cattrs' detailed validation groups them per field.

Two instances: :data:`json_converter` for JSON bodies (and rendering, see
:mod:`offertracker_http.rendering`) and :data:`query_converter`, which parses
numbers and booleans from the strings of a query or path.
"""

from __future__ import annotations

import enum
import math
import re
import unicodedata
from collections.abc import Callable, Mapping, MutableSequence, Sequence
from datetime import UTC, date, datetime
from typing import Any, get_args, get_origin
from uuid import UUID

import attrs
import cattrs
from cattrs._compat import is_annotated, is_optional, is_typeddict
from cattrs.errors import IterableValidationError, IterableValidationNote
from cattrs.fns import identity

from offertracker_core import constraints, entities, enums, inputs

from .validation import FieldError

__all__ = ["format_datetime", "json_converter", "make_converter", "parse_uuid", "query_converter"]

Hook = Callable[[Any, Any], Any]


# --- leaf types ----------------------------------------------------------------


# PostgreSQL text and JSONB cannot hold U+0000, so no input may carry it into storage: a 422 here
# instead of a 500 from the database. pydantic's wording for a custom validator's ValueError.
_NUL_MSG = "Value error, the NUL character (\\u0000) is not allowed"
# The deepest free-form JSON (``skill_gaps``) we accept: orjson writes at most 254 levels, and the
# value sits a few levels down in a stored row or a response, so far deeper input could be stored but
# never rendered again. 64 levels is far more than any real skill map needs.
_MAX_JSON_DEPTH = 64
_DEPTH_MSG = f"Value error, JSON nested deeper than {_MAX_JSON_DEPTH} levels is not allowed"


def _nul(value: str, at: tuple[str | int, ...] = ()) -> FieldError:
    return FieldError("value_error", _NUL_MSG, value, at=at)


def _str(v: Any, _: Any) -> str:
    if isinstance(v, str):
        if "\x00" in v:
            raise _nul(v)
        return v
    raise FieldError("string_type", "Input should be a valid string", v)


def _int(v: Any, _: Any) -> int:
    t = type(v)
    if t is int:
        return v
    if t is float:
        if not math.isfinite(v):
            raise FieldError("finite_number", "Input should be a finite number", v)
        if v.is_integer():
            return int(v)
        raise FieldError(
            "int_from_float", "Input should be a valid integer, got a number with a fractional part", v
        )
    raise FieldError("int_type", "Input should be a valid integer", v)


def _float(v: Any, _: Any) -> float:
    t = type(v)
    if t is float or t is int:
        return float(v)
    raise FieldError("float_type", "Input should be a valid number", v)


def _bool(v: Any, _: Any) -> bool:
    if v is True or v is False:
        return v
    raise FieldError("bool_type", "Input should be a valid boolean", v)


_INT_STRING = re.compile(r"[+-]?[0-9]+")
_TRUE_STRINGS = frozenset({"1", "on", "t", "true", "y", "yes"})
_FALSE_STRINGS = frozenset({"0", "off", "f", "false", "n", "no"})


def _int_from_string(v: Any, _: Any) -> int:
    if isinstance(v, str):
        s = v.strip()
        if _INT_STRING.fullmatch(s):
            try:
                return int(s)
            except ValueError:  # more digits than Python converts (sys.get_int_max_str_digits)
                pass
        raise FieldError(
            "int_parsing", "Input should be a valid integer, unable to parse string as an integer", v
        )
    return _int(v, int)


def _float_from_string(v: Any, _: Any) -> float:
    if isinstance(v, str):
        try:
            return float(v)
        except ValueError:
            raise FieldError(
                "float_parsing", "Input should be a valid number, unable to parse string as a number", v
            ) from None
    return _float(v, float)


def _bool_from_string(v: Any, _: Any) -> bool:
    if isinstance(v, str):
        s = v.strip().lower()
        if s in _TRUE_STRINGS:
            return True
        if s in _FALSE_STRINGS:
            return False
        raise FieldError("bool_parsing", "Input should be a valid boolean, unable to interpret input", v)
    return _bool(v, bool)


def parse_uuid(v: Any) -> UUID:
    """A UUID from its string form, else a ``FieldError`` (``uuid_parsing``; non-strings ``uuid_type``)."""
    if isinstance(v, str):
        try:
            return UUID(v)
        except ValueError:
            raise FieldError("uuid_parsing", "Input should be a valid UUID", v) from None
    raise FieldError("uuid_type", "UUID input should be a string, bytes or UUID object", v)


_DATE_STRING = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")


def _date(v: Any, _: Any) -> date:
    if not isinstance(v, str):
        raise FieldError("date_type", "Input should be a valid date", v)
    if _DATE_STRING.fullmatch(v):
        try:
            return date.fromisoformat(v)
        except ValueError:
            pass
    raise FieldError("date_parsing", "Input should be a valid date in the format YYYY-MM-DD", v)


def _datetime(v: Any, _: Any) -> datetime:
    # Naive datetimes are taken as UTC; the core only ever sees aware UTC values.
    if not isinstance(v, str):
        raise FieldError("datetime_type", "Input should be a valid datetime", v)
    try:
        parsed = datetime.fromisoformat(v)
    except ValueError:
        raise FieldError("datetime_parsing", "Input should be a valid datetime", v) from None
    if parsed.tzinfo is None:
        return parsed.replace(tzinfo=UTC)
    return parsed.astimezone(UTC)


def _expected(values: Sequence[str]) -> str:
    """pydantic's list of allowed values: ``'a', 'b' or 'c'``."""
    quoted = [repr(v) for v in values]
    return quoted[0] if len(quoted) == 1 else f"{', '.join(quoted[:-1])} or {quoted[-1]}"


def _enum_hook(cls: type[enum.Enum]) -> Hook:
    members = {m.value: m for m in cls}
    expected = _expected([str(m.value) for m in cls])
    msg = f"Input should be {expected}"

    def structure_enum(v: Any, _: Any) -> enum.Enum:
        if isinstance(v, str):  # also keeps unhashable inputs (lists, dicts) away from the lookup
            member = members.get(v)
            if member is not None:
                return member
        raise FieldError("enum", msg, v, {"expected": expected})

    return structure_enum


# --- constraint markers ----------------------------------------------------------


_HEX_COLOR = "^#([0-9a-fA-F]{3}|[0-9a-fA-F]{6})$"
_LOCAL_SPECIALS = frozenset("!#$%&'*+-/=?^_`{|}~.")


def _chars(n: int) -> str:
    return "s" if n != 1 else ""


def email_problem(value: str) -> str | None:
    """Why ``value`` is not an email address, in email-validator's words (which pydantic shows), or None.

    A syntax check only — one ``@``, a sensible local part, a dotted domain —
    covering the common mistakes; deliverability is not checked.
    """
    if "@" not in value:
        return "An email address must have an @-sign."
    if value.count("@") > 1:
        return "The email address is not valid. It must have exactly one @-sign."
    local, domain = value.split("@")
    if not local:
        return "There must be something before the @-sign."
    if not domain:
        return "There must be something after the @-sign."
    bad = sorted({_display(c) for c in local if not (c.isalnum() or c in _LOCAL_SPECIALS)})
    if bad:
        return f"The email address contains invalid characters before the @-sign: {', '.join(bad)}."
    if local.startswith("."):
        return "An email address cannot start with a period."
    if local.endswith("."):
        return "An email address cannot have a period immediately before the @-sign."
    if ".." in local or ".." in domain:
        return "An email address cannot have two periods in a row."
    bad = sorted({_display(c) for c in domain if not (c.isalnum() or c in "-.")})
    if bad:
        return f"The part after the @-sign contains invalid characters: {', '.join(bad)}."
    if domain.startswith("."):
        return "An email address cannot have a period immediately after the @-sign."
    if domain.endswith("."):
        return "An email address cannot end with a period."
    if "." not in domain:
        return "The part after the @-sign is not valid. It should have a period."
    return None


def _display(c: str) -> str:
    if unicodedata.category(c)[0] in ("L", "N", "P", "S"):
        return repr(c)
    return unicodedata.name(c, f"U+{ord(c):04X}")


def _check(marker: Any) -> Callable[[Any, Any], None] | None:
    """A check for one ``Annotated`` marker, raising ``FieldError`` in pydantic's words; None if not ours."""
    match marker:
        case constraints.MaxLen(value=n):
            msg = f"String should have at most {n} character{_chars(n)}"

            def check(v: Any, raw: Any) -> None:
                if len(v) > n:
                    raise FieldError("string_too_long", msg, raw, {"max_length": n})

        case constraints.MinLen(value=n):
            msg = f"String should have at least {n} character{_chars(n)}"

            def check(v: Any, raw: Any) -> None:
                if len(v) < n:
                    raise FieldError("string_too_short", msg, raw, {"min_length": n})

        case constraints.Ge(value=n):

            def check(v: Any, raw: Any) -> None:
                if not v >= n:
                    raise FieldError(
                        "greater_than_equal", f"Input should be greater than or equal to {n}", raw, {"ge": n}
                    )

        case constraints.Gt(value=n):

            def check(v: Any, raw: Any) -> None:
                if not v > n:
                    raise FieldError("greater_than", f"Input should be greater than {n}", raw, {"gt": n})

        case constraints.Le(value=n):

            def check(v: Any, raw: Any) -> None:
                if not v <= n:
                    raise FieldError(
                        "less_than_equal", f"Input should be less than or equal to {n}", raw, {"le": n}
                    )

        case constraints.Email():

            def check(v: Any, raw: Any) -> None:
                reason = email_problem(v)
                if reason is not None:
                    msg = f"value is not a valid email address: {reason}"
                    raise FieldError("value_error", msg, raw, {"reason": reason})

        case constraints.HexColor():
            pattern = re.compile(_HEX_COLOR)

            def check(v: Any, raw: Any) -> None:
                if not pattern.match(v):
                    msg = f"String should match pattern '{_HEX_COLOR}'"
                    raise FieldError("string_pattern_mismatch", msg, raw, {"pattern": _HEX_COLOR})

        case _:
            return None
    return check


def _annotated_factory(converter: cattrs.Converter) -> Callable[[Any], Hook]:
    def factory(type_: Any) -> Hook:
        base = type_.__origin__
        base_hook = converter.get_structure_hook(base)
        checks = [c for c in map(_check, type_.__metadata__) if c is not None]

        def structure_annotated(v: Any, _: Any) -> Any:
            value = base_hook(v, base)
            for check in checks:  # pydantic reports the first failed constraint of a field only
                check(value, v)  # ... with the input as sent ("0" in a query), not as parsed
            return value

        return structure_annotated

    return factory


# --- containers ------------------------------------------------------------------


def _is_list(t: Any) -> bool:
    origin = get_origin(t)
    if t is list or origin in (list, Sequence, MutableSequence):
        return True
    args = get_args(t)
    return origin is tuple and len(args) == 2 and args[1] is Ellipsis


def _list_factory(converter: cattrs.Converter) -> Callable[[Any], Hook]:
    def factory(type_: Any) -> Hook:
        args = get_args(type_)
        elem = args[0] if args else Any
        elem_hook = converter.get_structure_hook(elem)
        as_tuple = get_origin(type_) is tuple

        def structure_list(v: Any, _: Any) -> Any:
            # A JSON string is not a list, even though Python would iterate it.
            if type(v) is not list:
                raise FieldError("list_type", "Input should be a valid list", v)
            result, errors = [], []
            for index, item in enumerate(v):
                try:
                    result.append(elem_hook(item, elem))
                except Exception as exc:
                    exc.add_note(IterableValidationNote(f"Structuring {type_} @ index {index}", index, elem))
                    errors.append(exc)
            if errors:
                raise IterableValidationError(f"While structuring {type_!r}", errors, type_)
            return tuple(result) if as_tuple else result

        return structure_list

    return factory


def _is_dict(t: Any) -> bool:
    return t is dict or get_origin(t) in (dict, Mapping)


def _check_free_form(value: dict[str, Any] | list[Any]) -> None:
    """Raise a ``FieldError`` (``value_error``) if free-form JSON holds a NUL or nests too deeply.

    Free-form values are stored as sent, so this is their only check: every
    key and string, in document order, iteratively (a recursive walk would
    itself overflow on hostile nesting). ``at`` points at the culprit; a key is
    reported at ``(key, "[key]")`` as pydantic reports dictionary keys.
    """
    stack: list[tuple[tuple[str | int, ...], Any, int]] = [((), value, 1)]
    while stack:
        at, v, depth = stack.pop()
        t = type(v)
        if t is str:
            if "\x00" in v:
                raise _nul(v, at)
        elif t is dict or t is list:
            if depth > _MAX_JSON_DEPTH:
                raise FieldError("value_error", _DEPTH_MSG, v, at=at)
            children = []
            for key, item in v.items() if t is dict else enumerate(v):
                if t is dict and "\x00" in key:
                    raise _nul(key, (*at, key, "[key]"))
                children.append(((*at, key), item, depth + 1))
            stack.extend(reversed(children))


def _dict_factory(converter: cattrs.Converter) -> Callable[[Any], Hook]:
    def factory(type_: Any) -> Hook:
        args = get_args(type_)
        val_type = args[1] if len(args) == 2 else Any
        val_hook = None if val_type is Any else converter.get_structure_hook(val_type)

        def structure_dict(v: Any, _: Any) -> dict[str, Any]:
            if type(v) is not dict:
                raise FieldError("dict_type", "Input should be a valid dictionary", v)
            if val_hook is None:  # JSON object keys are strings already; Any values are kept as sent
                _check_free_form(v)
                return dict(v)
            result, errors = {}, []
            for key, item in v.items():
                if "\x00" in key:
                    raise _nul(key, (key, "[key]"))
                try:
                    result[key] = val_hook(item, val_type)
                except Exception as exc:
                    exc.add_note(IterableValidationNote(f"Structuring {type_} @ key {key!r}", key, val_type))
                    errors.append(exc)
            if errors:
                raise IterableValidationError(f"While structuring {type_!r}", errors, type_)
            return result

        return structure_dict

    return factory


def _object_factory(generate: Callable[[Any], Hook]) -> Callable[[Any], Hook]:
    """Put the "is it an object?" check in front of cattrs' generated attrs/TypedDict structure function.

    For a ``TypedDict`` the input is also cut down to the declared keys first:
    cattrs copies unknown keys into the result, and a partial update must not
    carry them to the service.
    """

    def factory(type_: Any) -> Hook:
        inner = generate(type_)
        keys = tuple(type_.__annotations__) if is_typeddict(type_) else None

        def structure_object(v: Any, t: Any) -> Any:
            if type(v) is not dict:
                msg = "Input should be a valid dictionary or object to extract fields from"
                raise FieldError("model_attributes_type", msg, v)
            if keys is not None:
                v = {k: v[k] for k in keys if k in v}
            return inner(v, t)

        return structure_object

    return factory


# --- rendering ------------------------------------------------------------------


def format_datetime(value: datetime, _utc: Any = UTC, _iso: Any = datetime.isoformat) -> str:
    """A datetime on the wire: UTC, milliseconds, ``Z`` (``2026-03-01T09:30:00.123Z``); naive means UTC."""
    # Called for every datetime of every response: the fast path (the core's aware UTC values) is one
    # C call and a slice, positional arguments and bound defaults included, since ~800 run per list page.
    if value.tzinfo is not _utc:
        offset = value.utcoffset()
        value = (value - offset if offset else value).replace(tzinfo=_utc)
    return _iso(value, "T", "milliseconds")[:23] + "Z"


def _unstructure_optional_factory(converter: cattrs.Converter) -> Callable[[Any], Callable[[Any], Any]]:
    def factory(type_: Any) -> Callable[[Any], Any]:
        inner = next(a for a in get_args(type_) if a is not type(None))
        hook = converter.get_unstructure_hook(inner)
        if hook is identity:  # keep cattrs' inlining: no call per field for values passed through as they are
            return identity
        return lambda v: None if v is None else hook(v)

    return factory


def _unstructure_detail(
    converter: cattrs.Converter,
) -> Callable[[entities.ApplicationDetail], dict[str, Any]]:
    application = converter.get_unstructure_hook(entities.Application)
    stage = converter.get_unstructure_hook(entities.Stage)
    outcome = converter.get_unstructure_hook(entities.Outcome)
    reflection = converter.get_unstructure_hook(entities.Reflection)

    def unstructure_detail(detail: entities.ApplicationDetail) -> dict[str, Any]:
        body = application(detail.application)
        body["stages"] = [stage(s) for s in detail.stages]
        body["outcome"] = None if detail.outcome is None else outcome(detail.outcome)
        body["reflection"] = None if detail.reflection is None else reflection(detail.reflection)
        return body

    return unstructure_detail


# --- the factory -------------------------------------------------------------------


def make_converter(*, from_strings: bool = False) -> cattrs.Converter:
    """A strict converter; ``from_strings=True`` parses ints, floats and bools from strings (query, path).

    Every hook is registered here, before any use: cattrs caches dispatch on
    first use, so a late registration would silently not apply.
    """
    c = cattrs.Converter(detailed_validation=True)

    c.register_structure_hook(str, _str)
    c.register_structure_hook(int, _int_from_string if from_strings else _int)
    c.register_structure_hook(float, _float_from_string if from_strings else _float)
    c.register_structure_hook(bool, _bool_from_string if from_strings else _bool)
    c.register_structure_hook(UUID, lambda v, _: parse_uuid(v))
    c.register_structure_hook(date, _date)
    c.register_structure_hook(datetime, _datetime)
    # Explicitly per enum: singledispatch would otherwise hand every StrEnum to the str hook.
    for name in enums.__all__:
        cls = getattr(enums, name)
        c.register_structure_hook(cls, _enum_hook(cls))
    c.register_structure_hook_factory(lambda t: isinstance(t, type) and issubclass(t, enum.Enum), _enum_hook)

    c.register_structure_hook_factory(_is_list, _list_factory(c))
    c.register_structure_hook_factory(_is_dict, _dict_factory(c))
    c.register_structure_hook_factory(attrs.has, _object_factory(c.gen_structure_attrs_fromdict))
    c.register_structure_hook_factory(is_typeddict, _object_factory(c.gen_structure_typeddict))
    c.register_structure_hook_factory(is_annotated, _annotated_factory(c))

    # Unstructuring feeds orjson, which writes UUIDs, enums, tuples and dicts itself. Dates and
    # datetimes it does not: rendering passes OPT_PASSTHROUGH_DATETIME (which covers ``date`` too),
    # so a datetime is formatted here and a date is left to rendering's callback (``date.isoformat``).
    for leaf in (UUID, date, str, int, float, bool):
        c.register_unstructure_hook(leaf, identity)
    c.register_unstructure_hook_factory(
        lambda t: isinstance(t, type) and issubclass(t, enum.Enum), lambda _: identity
    )
    c.register_unstructure_hook(datetime, format_datetime)
    c.register_unstructure_hook_factory(lambda t: get_origin(t) is tuple or _is_dict(t), lambda _: identity)
    c.register_unstructure_hook_factory(is_optional, _unstructure_optional_factory(c))
    c.register_unstructure_hook(entities.ApplicationDetail, _unstructure_detail(c))
    return c


def _warm(c: cattrs.Converter) -> cattrs.Converter:
    """Generate every input's structure function now: no first-request cost, mistakes fail at import."""
    for name in inputs.__all__:
        c.get_structure_hook(getattr(inputs, name))
    return c


json_converter: cattrs.Converter = _warm(make_converter())
query_converter: cattrs.Converter = make_converter(from_strings=True)

"""The strict cattrs converters of the HTTP edge.

cattrs' defaults coerce (``5`` becomes ``"5"``, ``1.7`` becomes ``1``,
a ``str`` hook swallows every ``StrEnum``); FastAPI rejects all of that. So
:func:`make_converter` registers explicit hooks for every leaf type the inputs
use, plus factories for ``Annotated`` constraint markers, lists, dicts and the
dict check in front of attrs classes and ``TypedDict``\\ s — all before first
use. Hooks raise :class:`~offertracker_http.validation.FieldError` in
pydantic's words — the words of the core's declarations (each constraint
marker's ``problem``, :mod:`offertracker_core.validation`'s type and enum
problems), wrapped, never restated; cattrs' detailed validation groups them
per field.

Two instances: :data:`json_converter` for JSON bodies (and rendering, see
:mod:`offertracker_http.rendering`) and :data:`query_converter`, which parses
numbers and booleans from the strings of a query or path.
"""

from __future__ import annotations

import enum
import functools
import math
import re
from collections.abc import Callable, Mapping, MutableSequence, Sequence
from datetime import UTC, date, datetime
from typing import Any, get_args, get_origin
from uuid import UUID

import attrs
import cattrs
from cattrs._compat import is_annotated, is_optional, is_typeddict
from cattrs.errors import IterableValidationError, IterableValidationNote
from cattrs.fns import identity

from offertracker_core import entities, enums, inputs
from offertracker_core import validation as core
from offertracker_core.constraints import Problem, Secret
from offertracker_core.validation import has_control_character  # by name: _str runs for every string

from .validation import FieldError

__all__ = ["format_datetime", "json_converter", "make_converter", "parse_uuid", "query_converter"]

Hook = Callable[[Any, Any], Any]


# --- leaf types ----------------------------------------------------------------


def _fail(problem: Problem, value: Any, at: tuple[str | int, ...] = ()) -> FieldError:
    """The core's wording of ``problem`` for ``value`` as this edge's error (``ctx`` copied: it is shared)."""
    ctx = None if problem.ctx is None else dict(problem.ctx)
    return FieldError(problem.type, problem.msg, value, ctx, at=at)


def _str(v: Any, cls: Any) -> str:
    if cls is not str and issubclass(cls, enum.Enum):
        # A StrEnum registered nowhere (a plugin's): singledispatch hands str subclasses here.
        member: str = _late_enum_hook(cls)(v, cls)
        return member
    if isinstance(v, str):
        if has_control_character(v):
            raise _fail(core.CONTROL_CHARACTER, v)
        return v
    raise _fail(core.STRING_TYPE, v)


@functools.cache
def _late_enum_hook(cls: type[enum.Enum]) -> Hook:
    return _enum_hook(cls)


def _secret_str(v: Any, _: Any) -> str:
    # Secrets (passwords) are exempt from the control-character rule: see core validation.
    if isinstance(v, str):
        return v
    raise _fail(core.STRING_TYPE, v)


def _int(v: Any, _: Any) -> int:
    t = type(v)
    if t is int:
        return int(v)  # already an int (the exact type: bool is refused below); int() types it
    if t is float:
        if not math.isfinite(v):
            raise _fail(core.FINITE_NUMBER, v)
        if v.is_integer():
            return int(v)
        raise FieldError(
            "int_from_float", "Input should be a valid integer, got a number with a fractional part", v
        )
    raise _fail(core.INT_TYPE, v)


def _float(v: Any, _: Any) -> float:
    t = type(v)
    if t is float or t is int:
        return float(v)
    raise _fail(core.FLOAT_TYPE, v)


def _bool(v: Any, _: Any) -> bool:
    if v is True or v is False:
        return v
    raise _fail(core.BOOL_TYPE, v)


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
        raise _fail(core.DATE_TYPE, v)
    if _DATE_STRING.fullmatch(v):
        try:
            return date.fromisoformat(v)
        except ValueError:
            pass
    raise FieldError("date_parsing", "Input should be a valid date in the format YYYY-MM-DD", v)


def _datetime(v: Any, _: Any) -> datetime:
    # Naive datetimes are taken as UTC; the core only ever sees aware UTC values.
    if not isinstance(v, str):
        raise _fail(core.DATETIME_TYPE, v)
    try:
        parsed = datetime.fromisoformat(v)
    except ValueError:
        raise FieldError("datetime_parsing", "Input should be a valid datetime", v) from None
    if parsed.tzinfo is None:
        return parsed.replace(tzinfo=UTC)
    try:
        return parsed.astimezone(UTC)
    except OverflowError:  # 0001-01-01T00:00+01:00 is before year 1 in UTC: no datetime holds it
        raise FieldError("datetime_parsing", "Input should be a valid datetime", v) from None


def _enum_hook(cls: type[enum.Enum]) -> Hook:
    members = {m.value: m for m in cls}
    problem = core.enum_problem(cls)

    def structure_enum(v: Any, _: Any) -> enum.Enum:
        if isinstance(v, str):  # also keeps unhashable inputs (lists, dicts) away from the lookup
            member = members.get(v)
            if member is not None:
                return member
        raise _fail(problem, v)

    return structure_enum


# --- constraint markers ----------------------------------------------------------


def _check(marker: Any) -> Callable[[Any, Any], None] | None:
    """A check for one ``Annotated`` marker, raising the marker's own problem as a ``FieldError``; None if
    the marker has no ``problem`` (not ours)."""
    problem_of = getattr(marker, "problem", None)
    if problem_of is None:
        return None

    def check(v: Any, raw: Any) -> None:
        problem = problem_of(v)
        if problem is not None:
            raise _fail(problem, raw)

    return check


def _annotated_factory(converter: cattrs.Converter) -> Callable[[Any], Hook]:
    def factory(type_: Any) -> Hook:
        base = type_.__origin__
        secret = base is str and any(isinstance(marker, Secret) for marker in type_.__metadata__)
        base_hook = _secret_str if secret else converter.get_structure_hook(base)
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
                raise _fail(core.LIST_TYPE, v)
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


def _is_tuple(t: Any) -> bool:
    origin: Any = get_origin(t)  # typeshed's overloads cannot see that this may be ``tuple``
    return origin is tuple


def _check_free_form(value: dict[str, Any] | list[Any]) -> None:
    """Raise a ``FieldError`` for the first thing free-form JSON may not carry (see the core's walk)."""
    found = core.free_form_problem(value)
    if found is not None:
        at, problem, culprit = found
        raise _fail(problem, culprit, at)


def _dict_factory(converter: cattrs.Converter) -> Callable[[Any], Hook]:
    def factory(type_: Any) -> Hook:
        args = get_args(type_)
        val_type = args[1] if len(args) == 2 else Any
        val_hook = None if val_type is Any else converter.get_structure_hook(val_type)

        def structure_dict(v: Any, _: Any) -> dict[str, Any]:
            if type(v) is not dict:
                raise _fail(core.DICT_TYPE, v)
            if val_hook is None:  # JSON object keys are strings already; Any values are kept as sent
                _check_free_form(v)
                return dict(v)
            result, errors = {}, []
            for key, item in v.items():
                if has_control_character(key):
                    raise _fail(core.CONTROL_CHARACTER, key, (key, "[key]"))
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

    The hooks have enforced every declaration the core would check, so an input
    class is constructed through :func:`~offertracker_core.validation.unchecked`
    and a partial update leaves :func:`~offertracker_core.validation.mark_valid`:
    the core does not check the same values a second time.
    """

    def factory(type_: Any) -> Hook:
        inner = generate(type_)
        keys = tuple(type_.__annotations__) if is_typeddict(type_) else None

        def structure_object(v: Any, t: Any) -> Any:
            if type(v) is not dict:
                msg = "Input should be a valid dictionary or object to extract fields from"
                raise FieldError("model_attributes_type", msg, v)
            if keys is not None:
                return core.mark_valid(type_, inner({k: v[k] for k in keys if k in v}, t))
            return core.unchecked(inner, v, t)

        return structure_object

    return factory


# --- rendering ------------------------------------------------------------------


def format_datetime(
    value: datetime, _utc: Any = UTC, _iso: Callable[[datetime, str, str], str] = datetime.isoformat
) -> str:
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
        body: dict[str, Any] = application(detail.application)
        body["stages"] = [stage(s) for s in detail.stages]
        body["outcome"] = None if detail.outcome is None else outcome(detail.outcome)
        body["reflection"] = None if detail.reflection is None else reflection(detail.reflection)
        return body

    return unstructure_detail


# --- the factory -------------------------------------------------------------------


def _edge_enums() -> list[type[enum.Enum]]:
    """The enums of the edge's own query shapes (``ExportFormat``), registered like the core's."""
    from . import schemas  # the schemas import nothing of this module; imported late all the same

    return [
        value
        for value in vars(schemas).values()
        if isinstance(value, type) and issubclass(value, enum.Enum) and value.__module__ == schemas.__name__
    ]


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
    for cls in _edge_enums():
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
    c.register_unstructure_hook_factory(lambda t: _is_tuple(t) or _is_dict(t), lambda _: identity)
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

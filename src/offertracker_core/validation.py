"""Enforce the rules declared on the input classes, for every caller.

The rules live once, as types and ``Annotated`` markers on the classes of
:mod:`offertracker_core.inputs`; each marker phrases its own
:class:`~offertracker_core.constraints.Problem` in pydantic's words, and the
type, enum, control-character and free-form wordings are the ``Problem``
values below. Two enforcers read the same declarations and the same wording:

- this module, for library callers: a ``New*`` class that inherits
  :class:`CheckedInput` checks itself on construction and raises
  :class:`~offertracker_core.errors.InvalidInput` listing every broken field;
  :func:`validate_changes` does the same for a ``*Changes`` mapping. Checks are
  compiled once per class from its resolved type hints, so construction stays
  cheap.
- the HTTP converter, which parses JSON strictly with cattrs and wraps each
  ``Problem`` in its ``FieldError``. Having checked the same declarations, it
  constructs inputs through :func:`unchecked` and hands partial updates over
  through :func:`mark_valid`, so a request does not pay for the checks twice.
"""

from __future__ import annotations

import contextvars
import enum
import math
import re
import types
import typing
from collections.abc import Callable, Iterable, Mapping
from datetime import date, datetime
from typing import Annotated, Any, TypeVar, get_args, get_origin

import attrs

from .constraints import Ge, Gt, Le, MaxLen, MinLen, Problem, Secret
from .errors import REDACTED, InvalidInput, Violation

__all__ = [
    "BOOL_TYPE",
    "CONTROL_CHARACTER",
    "DATETIME_TYPE",
    "DATE_TYPE",
    "DICT_TYPE",
    "EXTRA_FORBIDDEN",
    "FINITE_NUMBER",
    "FLOAT_TYPE",
    "INT_TYPE",
    "LIST_TYPE",
    "MAX_JSON_DEPTH",
    "MISSING",
    "NOT_JSON",
    "STRING_TYPE",
    "TOO_DEEP",
    "CheckedInput",
    "enum_problem",
    "free_form_problem",
    "has_control_character",
    "mark_valid",
    "prepare",
    "secret_fields",
    "unchecked",
    "validate_changes",
]

Loc = tuple[str | int, ...]
# One broken rule inside a field: the position within the field's value, what is wrong, the value.
Found = tuple[Loc, Problem, Any]
FieldCheck = Callable[[Any], list[Found] | None]
T = TypeVar("T")

STRING_TYPE = Problem("string_type", "Input should be a valid string")
INT_TYPE = Problem("int_type", "Input should be a valid integer")
FLOAT_TYPE = Problem("float_type", "Input should be a valid number")
FINITE_NUMBER = Problem("finite_number", "Input should be a finite number")
BOOL_TYPE = Problem("bool_type", "Input should be a valid boolean")
DATE_TYPE = Problem("date_type", "Input should be a valid date")
DATETIME_TYPE = Problem("datetime_type", "Input should be a valid datetime")
LIST_TYPE = Problem("list_type", "Input should be a valid list")
DICT_TYPE = Problem("dict_type", "Input should be a valid dictionary")
EXTRA_FORBIDDEN = Problem("extra_forbidden", "Extra inputs are not permitted")
MISSING = Problem("missing", "Field required")
# No string of any field, and no string or key inside free-form JSON, may carry a C0 control character
# other than tab, line feed and carriage return: U+0000-U+0008, U+000B, U+000C, U+000E-U+001F.
# - PostgreSQL text and JSONB cannot store U+0000 at all.
# - The others have no place in a job seeker's text; they let text hijack the terminals and logs that
#   print it (ESC sequences) and corrupt the files it is exported to.
# - JSON writes most of them as a six-byte \u00XX escape (orjson, PostgreSQL and SQLite alike; \b and
#   \f take two), while no other character's JSON form is more than twice its UTF-8 size (a quote or
#   backslash: two bytes for one). So a stored text's JSON form is at most twice its UTF-8 size, which
#   the page-size bound of the list endpoints relies on.
# One wording for every such character, NUL included: pydantic's for a custom validator's ValueError.
CONTROL_CHARACTER = Problem(
    "value_error",
    "Value error, control characters other than tab, line feed and carriage return are not allowed",
)
_CONTROL_CHARACTER = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")
# The deepest free-form JSON (``skill_gaps``) we accept: orjson writes at most 254 levels, and the
# value sits a few levels down in a stored row or a response, so far deeper input could be stored but
# never rendered again. 64 levels is far more than any real skill map needs.
MAX_JSON_DEPTH = 64
TOO_DEEP = Problem(
    "value_error", f"Value error, JSON nested deeper than {MAX_JSON_DEPTH} levels is not allowed"
)
# Only reachable from Python: JSON cannot carry a set or a datetime, and the stores write JSON.
NOT_JSON = Problem(
    "value_error", "Value error, only JSON values (str, int, float, bool, None, list, dict) are allowed"
)


def has_control_character(v: str) -> bool:
    """Whether ``v`` holds a character :data:`CONTROL_CHARACTER` refuses.

    Runs for every string of every request, so the common case is one scan in C:
    a printable string has no control character at all. Only a string with
    something unprintable in it (a line break, a tab, a lone surrogate, …) is
    searched for the refused ones.
    """
    return not v.isprintable() and _CONTROL_CHARACTER.search(v) is not None


def _expected(values: Iterable[str]) -> str:
    """pydantic's list of allowed values: ``'a', 'b' or 'c'``."""
    quoted = [repr(v) for v in values]
    return quoted[0] if len(quoted) == 1 else f"{', '.join(quoted[:-1])} or {quoted[-1]}"


_ENUM_PROBLEMS: dict[type[enum.Enum], Problem] = {}


def enum_problem(cls: type[enum.Enum]) -> Problem:
    """pydantic's ``enum`` problem for a value that is none of ``cls``'s: "Input should be 'A' or 'B'"."""
    problem = _ENUM_PROBLEMS.get(cls)
    if problem is None:
        expected = _expected(str(m.value) for m in cls)
        problem = _ENUM_PROBLEMS[cls] = Problem("enum", f"Input should be {expected}", {"expected": expected})
    return problem


def _enum_check(cls: type[enum.Enum]) -> FieldCheck:
    wrong = enum_problem(cls)
    values = {m.value for m in cls}
    name = cls.__name__
    # A member's plain value ("Applied" for ApplicationStatus.APPLIED) is no member, but telling its
    # sender it should be one of the values would be nonsense: pydantic's strict-mode wording instead.
    not_member = Problem("is_instance_of", f"Input should be an instance of {name}", {"class": name})

    def check(v: Any) -> list[Found] | None:
        if isinstance(v, cls):
            return None
        try:
            plain_value = v in values
        except TypeError:  # unhashable
            plain_value = False
        return [((), not_member if plain_value else wrong, v)]

    return check


# --- free-form JSON -----------------------------------------------------------------

_JSON_LEAVES = (str, int, float, bool, type(None))


def free_form_problem(value: Any) -> Found | None:
    """The first thing free-form JSON (a ``dict[str, Any]`` field) cannot carry, or None.

    Free-form values are stored as sent, so this is their only check: a
    :data:`CONTROL_CHARACTER` in any key or string, nesting deeper than
    :data:`MAX_JSON_DEPTH`, and (from Python) a non-string key, a non-finite
    float or a value JSON has no form for. It walks in document order,
    iteratively (a recursive walk would itself overflow on hostile nesting).
    The position points at the culprit; a key is reported at
    ``(..., key, "[key]")`` as pydantic reports dictionary keys.
    """
    stack: list[tuple[Loc, Any, int]] = [((), value, 1)]
    while stack:
        at, v, depth = stack.pop()
        t = type(v)
        if t is str:
            if has_control_character(v):
                return at, CONTROL_CHARACTER, v
        elif t is dict or t is list or t is tuple:
            if depth > MAX_JSON_DEPTH:
                return at, TOO_DEEP, v
            children = []
            for key, item in v.items() if t is dict else enumerate(v):
                if t is dict:
                    if type(key) is not str:
                        return (*at, str(key), "[key]"), STRING_TYPE, key
                    if has_control_character(key):
                        return (*at, key, "[key]"), CONTROL_CHARACTER, key
                children.append(((*at, key), item, depth + 1))
            stack.extend(reversed(children))
        elif t is float:
            if not math.isfinite(v):
                return at, FINITE_NUMBER, v
        elif not isinstance(v, _JSON_LEAVES):
            return at, NOT_JSON, v
    return None


# --- compiling one declared type into a check ------------------------------------------


def _leaf(accept: Callable[[Any], bool], problem: Problem) -> FieldCheck:
    def check(v: Any) -> list[Found] | None:
        return None if accept(v) else [((), problem, v)]

    return check


def _check_str(v: Any) -> list[Found] | None:
    if not isinstance(v, str):
        return [((), STRING_TYPE, v)]
    if has_control_character(v):
        return [((), CONTROL_CHARACTER, v)]
    return None


def _check_secret_str(v: Any) -> list[Found] | None:
    # A secret is hashed, never stored as text nor shown, so any character may be part of it; and
    # passwords chosen while only NUL was refused must still log in.
    return None if isinstance(v, str) else [((), STRING_TYPE, v)]


def _check_free_form(v: Any) -> list[Found] | None:
    if type(v) is not dict:
        return [((), DICT_TYPE, v)]
    found = free_form_problem(v)
    return None if found is None else [found]


_LEAVES: dict[Any, FieldCheck] = {
    str: _check_str,
    bool: _leaf(lambda v: v is True or v is False, BOOL_TYPE),
    # Strict, as pydantic's strict mode: no bool for an int, no float however whole.
    int: _leaf(lambda v: isinstance(v, int) and not isinstance(v, bool), INT_TYPE),
    float: _leaf(lambda v: isinstance(v, int | float) and not isinstance(v, bool), FLOAT_TYPE),
    date: _leaf(lambda v: isinstance(v, date) and not isinstance(v, datetime), DATE_TYPE),
    datetime: _leaf(lambda v: isinstance(v, datetime), DATETIME_TYPE),
}


def _split_optional(hint: Any) -> tuple[bool, Any]:
    """``(True, X)`` for ``X | None``; ``(False, hint)`` otherwise."""
    if get_origin(hint) in (typing.Union, types.UnionType):
        args = get_args(hint)
        rest = tuple(a for a in args if a is not type(None))
        if len(rest) == len(args) or len(rest) != 1:
            raise TypeError(f"only X | None unions can be checked, not {hint!r}")
        return True, rest[0]
    return False, hint


def _compile(hint: Any) -> tuple[bool, FieldCheck | None]:
    """``(nullable, check)`` for a declared type; ``check`` is None when anything goes (``Any``)."""
    nullable, hint = _split_optional(hint)
    if hint is Any:
        return True, None
    if get_origin(hint) is Annotated:
        inner_nullable, base = _compile(hint.__origin__)
        if hint.__origin__ is str and _is_secret(hint):
            base = _check_secret_str
        problems = tuple(m.problem for m in hint.__metadata__ if hasattr(m, "problem"))
        return nullable or inner_nullable, _annotated(base, problems)
    leaf = _LEAVES.get(hint)
    if leaf is not None:
        return nullable, leaf
    origin = get_origin(hint)
    if hint is list or origin is list:
        return nullable, _list(get_args(hint))
    if hint is dict or origin is dict:
        return nullable, _dict(get_args(hint))
    if isinstance(hint, type) and issubclass(hint, enum.Enum):
        return nullable, _enum_check(hint)
    if isinstance(hint, type):
        name = hint.__name__
        problem = Problem("is_instance_of", f"Input should be an instance of {name}", {"class": name})
        return nullable, _leaf(lambda v: isinstance(v, hint), problem)
    raise TypeError(f"no check for the declared type {hint!r}")


def _annotated(base: FieldCheck | None, problems: tuple[Callable[[Any], Problem | None], ...]) -> FieldCheck:
    def check(v: Any) -> list[Found] | None:
        if base is not None:
            found = base(v)
            if found:
                return found
        for problem_of in problems:  # pydantic reports the first failed constraint of a field only
            problem = problem_of(v)
            if problem is not None:
                return [((), problem, v)]
        return None

    return check


def _list(args: tuple[Any, ...]) -> FieldCheck:
    nullable, item_check = _compile(args[0]) if args else (True, None)

    def check(v: Any) -> list[Found] | None:
        # A str is iterable but no list; a tuple is accepted (services store tuples anyway).
        if type(v) is not list and type(v) is not tuple:
            return [((), LIST_TYPE, v)]
        if item_check is None:
            return None
        out: list[Found] = []
        for index, item in enumerate(v):
            if item is None and nullable:
                continue
            for at, problem, bad in item_check(item) or ():
                out.append(((index, *at), problem, bad))
        return out or None

    return check


def _dict(args: tuple[Any, ...]) -> FieldCheck:
    value_type = args[1] if len(args) == 2 else Any
    if value_type is Any:
        return _check_free_form
    nullable, value_check = _compile(value_type)

    def check(v: Any) -> list[Found] | None:
        if type(v) is not dict:
            return [((), DICT_TYPE, v)]
        out: list[Found] = []
        for key, item in v.items():
            problems = _check_str(key)
            if problems:
                out.extend(((str(key), "[key]"), problem, bad) for _, problem, bad in problems)
                continue
            if (item is None and nullable) or value_check is None:
                continue
            for at, problem, bad in value_check(item) or ():
                out.append(((key, *at), problem, bad))
        return out or None

    return check


# --- input classes and partial changes ---------------------------------------------------

# For each class: its fields in declared order as (name, nullable, check), checks compiled once.
_Checks = tuple[tuple[str, bool, FieldCheck], ...]
_CHECKS: dict[type, _Checks] = {}
_DECLARED: dict[type, frozenset[str]] = {}
_ASSUMED: contextvars.ContextVar[bool] = contextvars.ContextVar(
    "offertracker_inputs_assumed_valid", default=False
)


# Names of the fields declared ``Secret`` in any class checked so far (every input class is, at import).
_SECRET_NAMES: set[str] = set()


def secret_fields() -> frozenset[str]:
    """The names of all fields declared :class:`~offertracker_core.constraints.Secret` (``password``, …).

    An edge that echoes input back (the HTTP 422) leaves out any value under one
    of these names, wherever it sits.
    """
    return frozenset(_SECRET_NAMES)


def _is_secret(hint: Any) -> bool:
    _, hint = _split_optional(hint)
    return get_origin(hint) is Annotated and any(isinstance(m, Secret) for m in hint.__metadata__)


def _redacting(check: FieldCheck) -> FieldCheck:
    """``check``, with the value of every problem it finds replaced by ``REDACTED``."""

    def redacted(v: Any) -> list[Found] | None:
        found = check(v)
        return None if not found else [(at, problem, REDACTED) for at, problem, _ in found]

    return redacted


def _checks(cls: type) -> _Checks:
    checks = _CHECKS.get(cls)
    if checks is None:
        hints = typing.get_type_hints(cls, include_extras=True)
        names = [f.name for f in attrs.fields(cls)] if attrs.has(cls) else list(hints)
        compiled = [(name, *_compile(hints[name])) for name in names]
        for index, (name, nullable, check) in enumerate(compiled):
            if _is_secret(hints[name]):
                _SECRET_NAMES.add(name)
                if check is not None:
                    compiled[index] = (name, nullable, _redacting(check))
        _DECLARED[cls] = frozenset(names)
        checks = _CHECKS[cls] = tuple((n, nullable, c) for n, nullable, c in compiled if c is not None)
    return checks


def _violations(name: str, value: Any, check: FieldCheck, out: list[Violation]) -> None:
    for at, problem, bad in check(value) or ():
        out.append(Violation((name, *at), problem.type, problem.msg, bad, problem.ctx))


def _collect(out: list[Violation] | None, name: str, value: Any, check: FieldCheck) -> list[Violation] | None:
    found = check(value)
    if not found:
        return out
    out = [] if out is None else out
    for at, problem, bad in found:
        out.append(Violation((name, *at), problem.type, problem.msg, bad, problem.ctx))
    return out


# Inline forms of the common checks, true when the value surely passes; a false one only means
# "run the full check", which finds (and words) the problem, or none.
_FAST_LEAVES = {
    str: "type(v) is str and v.isprintable()",  # no control character (see has_control_character)
    int: "type(v) is int",
    float: "type(v) is float",
    bool: "(v is True or v is False)",
}
_FAST_MARKERS = {MinLen: "len(v) >= {}", MaxLen: "len(v) <= {}", Ge: "v >= {}", Gt: "v > {}", Le: "v <= {}"}


def _fast(hint: Any, ns: dict[str, Any]) -> str | None:
    """A Python expression over ``v`` that is true only if ``v`` passes ``hint``'s check; None if none."""
    _, hint = _split_optional(hint)
    if get_origin(hint) is Annotated:
        base = _fast(hint.__origin__, ns)
        if base is None:
            return None
        parts = [base]
        for marker in hint.__metadata__:
            template = _FAST_MARKERS.get(type(marker))
            if template is not None:
                parts.append(template.format(int(marker.value)))
            elif hasattr(marker, "problem"):
                ns[name := f"_m{len(ns)}"] = marker.problem
                parts.append(f"{name}(v) is None")
        return " and ".join(parts)
    if hint in _FAST_LEAVES:
        return _FAST_LEAVES[hint]
    if isinstance(hint, type) and get_origin(hint) is None and hint not in (list, dict):
        ns[name := f"_t{len(ns)}"] = hint  # an exact type (a date, an enum member, a UUID)
        return f"type(v) is {name}"
    return None


def _validator(cls: type) -> Callable[[Any], None]:
    """One function checking every field of ``cls``, generated once (as attrs generates ``__init__``)."""
    hints = typing.get_type_hints(cls, include_extras=True)
    ns: dict[str, Any] = {"_collect": _collect, "InvalidInput": InvalidInput}
    lines = ["def validate(self):", "    bad = None"]
    for index, (name, nullable, check) in enumerate(_checks(cls)):
        ns[f"_c{index}"] = check
        fast = _fast(hints[name], ns)
        conditions = (["v is not None"] if nullable else []) + ([f"not ({fast})"] if fast else [])
        lines.append(f"    v = self.{name}")
        lines.append(f"    if {' and '.join(conditions) or 'True'}:")
        lines.append(f"        bad = _collect(bad, {name!r}, v, _c{index})")
    lines += ["    if bad:", "        raise InvalidInput(bad)"]
    exec(compile("\n".join(lines), f"<offertracker validator for {cls.__qualname__}>", "exec"), ns)
    validate: Callable[[Any], None] = ns["validate"]
    _VALIDATORS[cls] = validate
    return validate


_VALIDATORS: dict[type, Callable[[Any], None]] = {}


class CheckedInput:
    """Base of the ``New*`` input classes: construction checks every declared rule.

    A value that breaks its field's type, ``Annotated`` markers, enum, or
    nullability — or a string carrying a control character other than tab,
    line feed and carriage return — makes the constructor raise
    :class:`~offertracker_core.errors.InvalidInput` listing every broken field
    (``loc`` is the field name, then an index or key inside it). The subclass
    must be an attrs class; ``attrs.evolve`` checks again.
    """

    __slots__ = ()

    def __attrs_post_init__(self) -> None:
        if not _ASSUMED.get():
            (_VALIDATORS.get(type(self)) or _validator(type(self)))(self)


def unchecked(build: Callable[..., T], *args: Any) -> T:
    """``build(*args)`` with the checks of :class:`CheckedInput` classes off while it runs.

    For an edge that has just enforced the same declarations itself (the HTTP
    converter builds its inputs this way); nobody else should need it. A plain
    function rather than a ``with`` block: it runs once per request body, and
    costs half as much.
    """
    token = _ASSUMED.set(True)
    try:
        return build(*args)
    finally:
        _ASSUMED.reset(token)


class _Checked(dict[str, Any]):
    """A changes mapping already validated as ``checked_as`` (see :func:`mark_valid`)."""

    __slots__ = ("checked_as",)
    checked_as: type


def mark_valid(changes_type: type[T], changes: Mapping[str, Any]) -> T:
    """A copy of ``changes`` that :func:`validate_changes` passes without checking again.

    For an edge that has just enforced ``changes_type``'s declarations itself.
    """
    checked = _Checked(changes)
    checked.checked_as = changes_type
    return typing.cast(T, checked)


def validate_changes(changes_type: type[T], changes: Mapping[str, Any]) -> T:
    """Check a partial update against its ``TypedDict``; return it unchanged, or raise ``InvalidInput``.

    Each present key gets the checks of its declared type; ``None`` is only
    allowed on a key declared ``X | None``; a key ``changes_type`` does not
    declare is ``extra_forbidden``; a key it requires (none of ours: they are
    ``total=False``) is ``missing``. Every violation is reported, in declared
    order, unknown keys last. Use it as ``changes = validate_changes(ApplicationChanges, changes)``.
    """
    if type(changes) is _Checked and changes.checked_as is changes_type:
        return typing.cast(T, changes)
    if not isinstance(changes, Mapping):
        raise InvalidInput([Violation((), DICT_TYPE.type, DICT_TYPE.msg, changes)])
    checks = _checks(changes_type)
    out: list[Violation] = []
    required: frozenset[str] = getattr(changes_type, "__required_keys__", frozenset())
    for name, nullable, check in checks:
        if name not in changes:
            if name in required:
                out.append(Violation((name,), MISSING.type, MISSING.msg, changes))
            continue
        value = changes[name]
        if value is None and nullable:
            continue
        _violations(name, value, check, out)
    declared = _DECLARED[changes_type]
    for key, value in changes.items():
        if key not in declared:
            loc = key if isinstance(key, str | int) else str(key)
            out.append(Violation((loc,), EXTRA_FORBIDDEN.type, EXTRA_FORBIDDEN.msg, value))
    if out:
        raise InvalidInput(out)
    return typing.cast(T, changes)


def prepare(*classes: type) -> None:
    """Compile the checks of these input classes and ``TypedDict``\\ s now: a declaration no check
    understands fails at import, and the first construction costs no more than the next."""
    for cls in classes:
        if attrs.has(cls):
            _validator(cls)
        else:
            _checks(cls)

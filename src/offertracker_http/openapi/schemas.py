"""JSON Schemas (OpenAPI 3.1 dialect) of the types the edge structures and renders.

Read from the same declarations the converter uses: attrs fields and
``TypedDict`` keys with their type hints, the core's ``Annotated`` constraint
markers (a bound becomes ``maxLength``, ``minimum``, ...), enums with their
values. Named types (attrs classes, ``TypedDict``\\ s, enums) become components
under ``#/components/schemas`` (named as the API reference names them, see
:mod:`.names`); everything else is written inline.

Two things the types alone do not say are written down here, each beside the
converter behaviour it mirrors:

- every request string (but a secret) refuses the C0 control characters the
  core refuses (:data:`offertracker_core.validation.CONTROL_CHARACTER`), which a
  ``pattern`` says;
- ``ApplicationDetail`` renders as its application's fields plus ``stages``,
  ``outcome`` and ``reflection`` (``converter._unstructure_detail``).
"""

from __future__ import annotations

import enum
import inspect
import types
import typing
from datetime import date, datetime
from typing import Any, Union, get_args, get_origin, is_typeddict
from uuid import UUID

import attrs

from offertracker_core import constraints
from offertracker_core.entities import Application, ApplicationDetail, Outcome, Reflection, Stage

from .names import REFERENCE_NAMES

__all__ = ["Schemas"]

JsonSchema = dict[str, Any]

# The C0 control characters the core refuses in every string (tab, line feed and carriage return
# pass): offertracker_core.validation._CONTROL_CHARACTER, as a JSON Schema (ECMA-262) pattern.
NO_CONTROL_CHARACTERS = "^[^\\u0000-\\u0008\\u000b\\u000c\\u000e-\\u001f]*$"

_LEAVES: dict[Any, JsonSchema] = {
    str: {"type": "string"},
    int: {"type": "integer"},
    float: {"type": "number"},
    bool: {"type": "boolean"},
    UUID: {"type": "string", "format": "uuid"},
    date: {"type": "string", "format": "date"},
    datetime: {"type": "string", "format": "date-time"},
    type(None): {"type": "null"},
}


def _marker_keywords(marker: Any) -> JsonSchema | None:
    """The JSON Schema keywords of one constraint marker; ``None`` for a marker that has none.

    A marker the core does not define (a plugin's) gives its own with a ``json_schema()``
    method; one that has neither is a ``TypeError`` when the document is built.
    """
    match marker:
        case constraints.MinLen(value=n):
            return {"minLength": n}
        case constraints.MaxLen(value=n):
            return {"maxLength": n}
        case constraints.Ge(value=n):
            return {"minimum": n}
        case constraints.Gt(value=n):
            return {"exclusiveMinimum": n}
        case constraints.Le(value=n):
            return {"maximum": n}
        case constraints.MaxItems(value=n):
            return {"maxItems": n}
        case constraints.Email():
            return {"format": "email"}
        case constraints.HexColor():
            return {"pattern": constraints.HEX_COLOR}
        case constraints.Secret():
            return {"format": "password"}
        case constraints.MaxJsonBytes(value=n):
            # No JSON Schema keyword measures an encoding; said in words (a client may check it).
            return {"description": f"At most {n:,} bytes as compact UTF-8 JSON"}
        case constraints.NoControlChars():
            return None  # the request-string pattern covers what a schema can say of it
    # A marker from outside the core (a plugin's) describes itself.
    describe = getattr(marker, "json_schema", None)
    if callable(describe):
        keywords: JsonSchema = describe()
        return keywords
    raise TypeError(f"no JSON Schema for the constraint {marker!r}: add it to _marker_keywords")


class Schemas:
    """Builds schemas for types, collecting the named ones as components (``components``)."""

    def __init__(self) -> None:
        self.components: dict[str, JsonSchema] = {}
        self._named: dict[str, tuple[Any, bool | None]] = {}

    def of(self, hint: Any, *, request: bool) -> JsonSchema:
        """The schema of ``hint``; ``request`` says it is sent by clients (their strings are checked)."""
        if hint is Any:
            return {}
        if hint in _LEAVES:
            schema = dict(_LEAVES[hint])
            if hint is str and request:
                schema["pattern"] = NO_CONTROL_CHARACTERS
            return schema
        origin = get_origin(hint)
        args = get_args(hint)
        if origin is typing.Annotated:
            return self._annotated(args[0], hint.__metadata__, request=request)
        if origin in (Union, types.UnionType):
            return {"anyOf": [self.of(arg, request=request) for arg in args]}
        if origin in (list, tuple, typing.Sequence, typing.MutableSequence) or hint in (list, tuple):
            if origin is tuple and not (len(args) == 2 and args[1] is Ellipsis):
                raise TypeError(f"no JSON Schema for the fixed-length tuple {hint!r}")
            items = self.of(args[0], request=request) if args else {}
            return {"type": "array", "items": items}
        if origin in (dict, typing.Mapping) or hint is dict:
            values = args[1] if len(args) == 2 else Any
            if values is Any:
                return {"type": "object"}
            return {"type": "object", "additionalProperties": self.of(values, request=request)}
        if isinstance(hint, type) and issubclass(hint, enum.Enum):
            return self._component(hint, None, lambda: {"type": "string", "enum": [m.value for m in hint]})
        if hint is ApplicationDetail:
            return self._component(hint, False, self._application_detail)
        if isinstance(hint, type) and attrs.has(hint):
            return self._component(hint, request, lambda: self._attrs(hint, request=request))
        if is_typeddict(hint):
            return self._component(hint, request, lambda: self._typeddict(hint, request=request))
        raise TypeError(f"no JSON Schema for {hint!r}")

    def fields(self, cls: Any) -> list[tuple[str, Any, Any]]:
        """``(name, type hint, default)`` of each field of the attrs class ``cls`` (``NOTHING``: required)."""
        hints = typing.get_type_hints(cls, include_extras=True)
        return [(field.name, hints[field.name], field.default) for field in attrs.fields(cls)]

    def _annotated(self, base: Any, markers: tuple[Any, ...], *, request: bool) -> JsonSchema:
        secret = any(isinstance(marker, constraints.Secret) for marker in markers)
        schema = self.of(base, request=request and not secret)
        for marker in markers:
            keywords = _marker_keywords(marker)
            if keywords:
                schema.update(keywords)  # a marker's own pattern (a colour) is stricter than the default
        return schema

    def _component(
        self, cls: type, request: bool | None, build: typing.Callable[[], JsonSchema]
    ) -> JsonSchema:
        """``cls`` as a named component, built once. ``request`` is the direction its schema was
        built for (``None``: the same both ways, an enum); a model's request strings carry the
        control-character pattern and its answers require every field, so one schema cannot
        serve both, and a model used both ways is refused rather than documented wrongly."""
        name = REFERENCE_NAMES.get(cls, cls.__name__)
        known = self._named.get(name)
        if known is None:
            self._named[name] = (cls, request)
            self.components[name] = {}  # taken first: a type that refers to itself finds its name
            schema = build()
            # An enum's docstring is Enum's own when it has none; only models describe themselves.
            doc = cls.__doc__ if attrs.has(cls) or is_typeddict(cls) else None
            if doc:
                schema = {"description": _first_paragraph(doc), **schema}
            self.components[name] = {"title": name, **schema}
        elif known[0] is not cls:
            raise TypeError(f"two schemas named {name}: {known[0]!r} and {cls!r}")
        elif known[1] != request:
            raise TypeError(f"{name} is both sent and answered: give each direction a type of its own")
        return {"$ref": f"#/components/schemas/{name}"}

    def _attrs(self, cls: type, *, request: bool) -> JsonSchema:
        properties: dict[str, JsonSchema] = {}
        required: list[str] = []
        for name, hint, default in self.fields(cls):
            schema = self.of(hint, request=request)
            # Every field of an answer is always there; a request may leave out those with a default.
            if not request or default is attrs.NOTHING:
                required.append(name)
            elif not isinstance(default, attrs.Factory):  # type: ignore[arg-type]
                schema = _with_default(schema, default)
            properties[name] = schema
        return {"type": "object", "properties": properties, "required": required}

    def _typeddict(self, cls: Any, *, request: bool) -> JsonSchema:
        hints = typing.get_type_hints(cls, include_extras=True)
        properties = {name: self.of(hint, request=request) for name, hint in hints.items()}
        required = [name for name in hints if name in cls.__required_keys__]
        return {"type": "object", "properties": properties, "required": required}

    def _application_detail(self) -> JsonSchema:
        schema = self._attrs(Application, request=False)
        schema["properties"] |= {
            "stages": {"type": "array", "items": self.of(Stage, request=False)},
            "outcome": self.of(Outcome | None, request=False),
            "reflection": self.of(Reflection | None, request=False),
        }
        schema["required"] += ["stages", "outcome", "reflection"]
        return schema


def _with_default(schema: JsonSchema, default: Any) -> JsonSchema:
    value = default.value if isinstance(default, enum.Enum) else default
    if value is None or isinstance(value, str | int | float | bool):
        return {**schema, "default": value}
    return schema


def _first_paragraph(doc: str) -> str:
    return inspect.cleandoc(doc).split("\n\n", 1)[0].replace("\n", " ")

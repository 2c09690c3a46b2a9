"""Field constraints carried as ``typing.Annotated`` metadata on input classes.

``company_name: Annotated[str, MaxLen(255)]`` states the rule once, in the
domain, and each marker also owns its wording: :meth:`MaxLen.problem` says what
is wrong with a value in pydantic v2's words (``type``, ``msg``, ``ctx``), so
FastAPI-shaped errors read the same whoever enforces them.
:mod:`offertracker_core.validation` enforces the markers for library callers;
the HTTP converter enforces the same markers on JSON and only wraps each
:class:`Problem` in its own error type. The SQL tables use the same lengths.

A marker's ``problem`` expects a value of the field's base type (a ``str``
for the length markers, a number for the bounds): the type is checked first.
"""

from __future__ import annotations

import json
import re
import unicodedata
from typing import Any

import attrs

__all__ = [
    "HEX_COLOR",
    "Email",
    "Ge",
    "Gt",
    "HexColor",
    "Le",
    "MaxItems",
    "MaxJsonBytes",
    "MaxLen",
    "MinLen",
    "NoControlChars",
    "Problem",
    "Secret",
    "email_problem",
]


@attrs.frozen
class Problem:
    """What is wrong with a value, in pydantic's words: ``type``, ``msg`` and optional ``ctx``.

    It says neither where the value sits nor what it was: the enforcer adds
    both (a core :class:`~offertracker_core.errors.Violation`, or the edge's
    ``FieldError``).
    """

    type: str
    msg: str
    ctx: dict[str, Any] | None = None


def _chars(n: int) -> str:
    return "s" if n != 1 else ""


@attrs.frozen
class MinLen:
    """The string has at least ``value`` characters."""

    value: int

    def problem(self, v: str) -> Problem | None:
        """``string_too_short`` if ``v`` is shorter than ``value``, else None."""
        if len(v) >= self.value:
            return None
        n = self.value
        return Problem(
            "string_too_short", f"String should have at least {n} character{_chars(n)}", {"min_length": n}
        )


@attrs.frozen
class MaxLen:
    """The string has at most ``value`` characters."""

    value: int

    def problem(self, v: str) -> Problem | None:
        """``string_too_long`` if ``v`` is longer than ``value``, else None."""
        if len(v) <= self.value:
            return None
        n = self.value
        return Problem(
            "string_too_long", f"String should have at most {n} character{_chars(n)}", {"max_length": n}
        )


@attrs.frozen
class Ge:
    """The number is greater than or equal to ``value``."""

    value: int

    def problem(self, v: float) -> Problem | None:
        """``greater_than_equal`` if ``v`` is below ``value``, else None."""
        if v >= self.value:
            return None
        n = self.value
        return Problem("greater_than_equal", f"Input should be greater than or equal to {n}", {"ge": n})


@attrs.frozen
class Gt:
    """The number is greater than ``value``."""

    value: int

    def problem(self, v: float) -> Problem | None:
        """``greater_than`` if ``v`` is not above ``value``, else None."""
        if v > self.value:
            return None
        n = self.value
        return Problem("greater_than", f"Input should be greater than {n}", {"gt": n})


@attrs.frozen
class Le:
    """The number is less than or equal to ``value``."""

    value: int

    def problem(self, v: float) -> Problem | None:
        """``less_than_equal`` if ``v`` is above ``value``, else None."""
        if v <= self.value:
            return None
        n = self.value
        return Problem("less_than_equal", f"Input should be less than or equal to {n}", {"le": n})


@attrs.frozen
class Email:
    """The string looks like an email address (one ``@``, a dotted domain)."""

    def problem(self, v: str) -> Problem | None:
        """``value_error`` with email-validator's reason (as pydantic shows it) if ``v`` is no address."""
        reason = email_problem(v)
        if reason is None:
            return None
        return Problem("value_error", f"value is not a valid email address: {reason}", {"reason": reason})


HEX_COLOR = "^#([0-9a-fA-F]{3}|[0-9a-fA-F]{6})$"
_HEX_COLOR = re.compile(HEX_COLOR)


@attrs.frozen
class HexColor:
    """The string is a colour as ``#RGB`` or ``#RRGGBB``."""

    def problem(self, v: str) -> Problem | None:
        """``string_pattern_mismatch`` (pydantic's ``pattern``) if ``v`` is not a hex colour."""
        # fullmatch: Python's ``$`` also matches before a final newline, pydantic's (Rust's) does not.
        if _HEX_COLOR.fullmatch(v):
            return None
        return Problem(
            "string_pattern_mismatch", f"String should match pattern '{HEX_COLOR}'", {"pattern": HEX_COLOR}
        )


@attrs.frozen
class MaxItems:
    """The list has at most ``value`` items."""

    value: int

    def problem(self, v: Any) -> Problem | None:
        """pydantic's ``too_long`` if ``v`` has more than ``value`` items, else None."""
        if len(v) <= self.value:
            return None
        n, actual = self.value, len(v)
        return Problem(
            "too_long",
            f"List should have at most {n} item{'s' if n != 1 else ''} after validation, not {actual}",
            {"field_type": "List", "max_length": n, "actual_length": actual},
        )


@attrs.frozen
class MaxJsonBytes:
    """Free-form JSON whose compact UTF-8 encoding is at most ``value`` bytes."""

    value: int

    def problem(self, v: Any) -> Problem | None:
        """``value_error`` if ``v`` encodes to more than ``value`` bytes, else None."""
        # Compact separators and real UTF-8, as the stores keep it; an upper bound of what is stored.
        size = len(json.dumps(v, ensure_ascii=False, separators=(",", ":")).encode("utf-8", "surrogatepass"))
        if size <= self.value:
            return None
        return Problem("value_error", f"Value error, JSON value should be at most {self.value} bytes encoded")


# Unicode general categories a name must not contain: Cc (control: tabs, newlines, escapes) and Cf
# (invisible formatting: bidi overrides such as U+202E, zero-width U+200B/U+200C/U+200D, BOM U+FEFF).
_HIDDEN_CATEGORIES = frozenset({"Cc", "Cf"})
_HIDDEN = Problem("value_error", "Value error, control and invisible formatting characters are not allowed")


@attrs.frozen
class NoControlChars:
    """The string has no control (Cc) or invisible formatting (Cf) characters.

    For names other people see: such characters let one name pass for another
    ("admin\u200d"), reverse how the text around them reads (U+202E) or break
    the lines of whatever prints them.
    """

    def problem(self, v: str) -> Problem | None:
        """``value_error`` if ``v`` contains a character of category Cc or Cf, else None."""
        # isprintable() is false for every Cc and Cf character (and for some others, hence the walk).
        if v.isprintable() or not any(unicodedata.category(c) in _HIDDEN_CATEGORIES for c in v):
            return None
        return _HIDDEN


@attrs.frozen
class Secret:
    """The value is a secret (a password): an error about it never carries the value.

    Not a rule (it has no ``problem``): :mod:`offertracker_core.validation` gives
    a violation of such a field the input :data:`~offertracker_core.errors.REDACTED`,
    and the HTTP edge leaves the field's value out of every 422 it renders. A
    secret string is exempt from the control-character rule of that module: it
    is hashed, never stored as text nor shown, and a password chosen while only
    NUL was refused must still log in.
    """


# --- email syntax ----------------------------------------------------------------

_LOCAL_SPECIALS = frozenset("!#$%&'*+-/=?^_`{|}~.")


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

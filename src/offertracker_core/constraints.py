"""Field constraints carried as ``typing.Annotated`` metadata on input classes.

``company_name: Annotated[str, MaxLen(255)]`` states the rule once, in the
domain; the HTTP edge reads the markers to validate JSON (and, later, to write
the OpenAPI document), and the SQL tables use the same lengths. The markers
are plain values and do nothing by themselves.
"""

from __future__ import annotations

import attrs

__all__ = ["Email", "Ge", "Gt", "HexColor", "Le", "MaxLen", "MinLen"]


@attrs.frozen
class MinLen:
    """The string has at least ``value`` characters."""

    value: int


@attrs.frozen
class MaxLen:
    """The string has at most ``value`` characters."""

    value: int


@attrs.frozen
class Ge:
    """The number is greater than or equal to ``value``."""

    value: int


@attrs.frozen
class Gt:
    """The number is greater than ``value``."""

    value: int


@attrs.frozen
class Le:
    """The number is less than or equal to ``value``."""

    value: int


@attrs.frozen
class Email:
    """The string looks like an email address (one ``@``, a dotted domain)."""


@attrs.frozen
class HexColor:
    """The string is a colour as ``#RGB`` or ``#RRGGBB``."""

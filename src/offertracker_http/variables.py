"""Reading one environment variable's value, shared by every part of the settings."""

from __future__ import annotations

import math

__all__ = ["flag", "seconds", "whole_number"]

_TRUE, _FALSE = ("true", "1", "yes", "on"), ("false", "0", "no", "off")


def whole_number(name: str, text: str | None, low: int, high: int) -> int | None:
    """The value of variable ``name`` as a whole number from ``low`` to ``high``; None if unset or blank."""
    if text is None or not text.strip():
        return None
    try:
        number = int(text)
    except ValueError:
        raise ValueError(f"{name} must be a whole number, not {text!r}") from None
    if not low <= number <= high:
        raise ValueError(f"{name} must be between {low} and {high}, not {number}")
    return number


def flag(name: str, text: str | None, *, default: bool) -> bool:
    """Variable ``name`` as true (``1``, ``true``, ``yes``, ``on``) or false; ``default`` if blank."""
    value = (text or "").strip().lower()
    if not value:
        return default
    if value in _TRUE:
        return True
    if value in _FALSE:
        return False
    raise ValueError(f"{name} must be true or false, not {(text or '').strip()!r}")


def seconds(name: str, text: str | None, *, default: float, most: float) -> float:
    """Variable ``name`` as seconds, over 0 and at most ``most``; ``default`` if blank."""
    if text is None or not text.strip():
        return default
    try:
        value = float(text)
    except ValueError:
        raise ValueError(f"{name} must be a number of seconds, not {text.strip()!r}") from None
    if not math.isfinite(value) or not 0 < value <= most:
        raise ValueError(f"{name} must be over 0 and at most {most:g} seconds, not {text.strip()!r}")
    return value

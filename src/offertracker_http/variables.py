"""Reading one environment variable's value, shared by every part of the settings."""

from __future__ import annotations

__all__ = ["whole_number"]


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

"""The progress of a long command: a click bar on a terminal, a plain line now and then otherwise.

``offertracker import``, ``export`` and ``import-account`` all report this way, so
a terminal shows a bar and a log file or a pipe gets a few readable lines instead
of a bar's control characters.
"""

from __future__ import annotations

import sys

import click

__all__ = ["Progress"]


class Progress:
    """A progress bar of ``length`` steps on standard error when it is a terminal.

    Off a terminal, ``line`` (a format with one ``{}``, e.g. ``"read {} items"``) is
    printed each time the count reaches a new multiple of ``every``, with that
    multiple; without ``line`` nothing is printed. Use it as a context manager.
    """

    def __init__(self, length: int, label: str, *, line: str | None = None, every: int = 1) -> None:
        tty = sys.stderr.isatty()
        # click divides by the length; an empty input still gets a bar that ends full.
        self._bar = click.progressbar(length=max(length, 1), label=label, file=sys.stderr) if tty else None
        self._line = line
        self._every = every
        self._position = 0
        self._lines = 0

    def __enter__(self) -> Progress:
        if self._bar is not None:
            self._bar.__enter__()
        return self

    def __exit__(self, *exc: object) -> None:
        if self._bar is not None:
            self._bar.__exit__(None, None, None)

    def move_to(self, position: int, count: int | None = None) -> None:
        """Move the bar to ``position``; off a terminal, report ``count`` (default: ``position``)."""
        if self._bar is not None:
            self._bar.update(position - self._position)
        elif self._line is not None:
            reached = (position if count is None else count) // self._every
            if reached > self._lines:
                self._lines = reached
                click.echo(self._line.format(reached * self._every), err=True)
        self._position = position

    def advance(self, steps: int) -> None:
        """Move the bar on by ``steps`` (and count them)."""
        self.move_to(self._position + steps)

"""``offertracker import``: run one import for a user, with a progress bar on a terminal."""

from __future__ import annotations

import asyncio
import sys
from collections.abc import AsyncIterator
from pathlib import Path

import click

from offertracker_core.importers import FileInput, ImportInput, UrlInput
from offertracker_core.services import ImportProgress, ImportReport

from .bootstrap import open_services
from .settings import Settings

__all__ = ["run_import", "summary"]

_CHUNK = 64 * 1024
_EVERY = 100
"""Off a terminal, one progress line per this many items."""


async def run_import(settings: Settings, location: str, *, email: str, importer: str | None) -> ImportReport:
    """Import ``location`` (URL or file path) for the user with ``email``; print progress and a summary."""
    source, size = _source(location)
    async with open_services(settings) as services:
        user = await services.users.by_email(email)
        limit = services.context.imports.max_records
        with _Progress(size if size is not None else limit, by_bytes=size is not None) as progress:
            report = await services.imports.run(user.id, source, importer=importer, progress=progress.update)
    click.echo(summary(report))
    for failure in report.errors:
        click.echo(f"  {failure.item}: {failure.message}", err=True)
    return report


def summary(report: ImportReport) -> str:
    """The one-line outcome of an import."""
    line = (
        f"Imported with {report.source}: {report.created} created, "
        f"{report.skipped} skipped as duplicates, {report.failed} failed"
    )
    if report.limit_reached:
        line += " (stopped at the record limit; the rest was not read)"
    return line


def _source(location: str) -> tuple[ImportInput, int | None]:
    if location.startswith(("http://", "https://")):
        return UrlInput(location), None
    path = Path(location)
    if not path.is_file():
        raise click.ClickException(f"{location} is neither an http(s) URL nor a readable file")
    return FileInput(path.name, _read(path)), path.stat().st_size


async def _read(path: Path) -> AsyncIterator[bytes]:
    """The file's bytes in chunks, read off the event loop."""
    with path.open("rb") as file:
        while chunk := await asyncio.to_thread(file.read, _CHUNK):
            yield chunk


class _Progress:
    """A click progress bar on a terminal, otherwise a line every ``_EVERY`` items."""

    def __init__(self, length: int, *, by_bytes: bool) -> None:
        self._by_bytes = by_bytes
        self._tty = sys.stderr.isatty()
        label = "Reading file" if by_bytes else "Reading postings"
        self._bar = click.progressbar(length=length, label=label, file=sys.stderr) if self._tty else None
        self._done = 0

    def __enter__(self) -> _Progress:
        if self._bar is not None:
            self._bar.__enter__()
        return self

    def __exit__(self, *exc: object) -> None:
        if self._bar is not None:
            self._bar.__exit__(None, None, None)

    def update(self, progress: ImportProgress) -> None:
        """Move the bar to ``progress`` (or print a line each ``_EVERY`` items)."""
        if self._bar is not None:
            position = progress.bytes_read if self._by_bytes else progress.items
            self._bar.update(position - self._done)
            self._done = position
        elif progress.items and progress.items % _EVERY == 0 and progress.items != self._done:
            self._done = progress.items
            click.echo(f"read {progress.items} items", err=True)

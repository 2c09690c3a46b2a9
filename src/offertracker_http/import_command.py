"""``offertracker import``: run one import for a user, with a progress bar on a terminal."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from pathlib import Path

import click

from offertracker_core.importers import FileInput, ImportInput, UrlInput
from offertracker_core.services import ImportProgress, ImportReport

from .bootstrap import open_services
from .progress import Progress
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
        by_bytes = size is not None
        label = "Reading file" if by_bytes else "Reading postings"
        length = size if size is not None else limit
        with Progress(length, label, line="read {} items", every=_EVERY) as bar:

            def progress(done: ImportProgress) -> None:
                bar.move_to(done.bytes_read if by_bytes else done.items, done.items)

            report = await services.imports.run(user.id, source, importer=importer, progress=progress)
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

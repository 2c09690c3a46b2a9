"""``offertracker export`` and ``offertracker import-account``: a user's whole account to a file and back.

On a terminal a click progress bar runs (by applications for an export, by bytes
read for an import); otherwise a plain line every so often. The export is written
as it is read, a chunk at a time, off the event loop.
"""

from __future__ import annotations

import asyncio
import sys
from collections.abc import AsyncGenerator
from pathlib import Path
from typing import IO, Any

import click

from offertracker_core.account_data import KINDS, AccountDocument, ImportSummary
from offertracker_core.errors import InvalidInput

from .account_export import document_chunks, export_filename, zip_chunks
from .bootstrap import open_services
from .parsing import decode_json, structure_body
from .progress import Progress
from .settings import Settings
from .validation import RequestValidationError, violation_dict

__all__ = ["import_summary", "run_account_export", "run_account_import"]

_CHUNK = 64 * 1024
_EVERY = 1000
"""Off a terminal, one progress line per this many applications."""


async def run_account_export(
    settings: Settings, *, email: str, output: Path | None, zipped: bool
) -> Path | None:
    """Write the export of the user with ``email`` to ``output`` (``None``: a dated file in the current
    directory; ``-``: standard output). The path written, or ``None`` for standard output."""
    async with open_services(settings) as services:
        user = await services.users.by_email(email)
        now = services.context.clock.now()
        if output is None:
            output = Path(export_filename(now.date(), "zip" if zipped else "json"))
        total = await services.account.application_count(user.id)
        with Progress(total, "Exporting applications", line="exported {} applications", every=_EVERY) as bar:

            def progress(section: str, items: int) -> None:
                if section == "applications":
                    bar.advance(items)

            make = zip_chunks if zipped else document_chunks
            chunks = make(services.account, user.id, now, progress=progress)
            if str(output) == "-":
                await _write(chunks, sys.stdout.buffer)
                return None
            file = await asyncio.to_thread(output.open, "wb")
            try:
                await _write(chunks, file)
            finally:
                await asyncio.to_thread(file.close)
    click.echo(f"Exported {total} applications of {email} to {output}", err=True)
    return output


async def _write(chunks: AsyncGenerator[bytes, None], file: IO[bytes]) -> None:
    async for chunk in chunks:
        await asyncio.to_thread(file.write, chunk)
    await asyncio.to_thread(file.flush)


async def run_account_import(settings: Settings, path: Path, *, email: str) -> ImportSummary:
    """Import the export document at ``path`` into the account with ``email``; print a summary.

    A document past ``OFFERTRACKER_ACCOUNT_IMPORT_MAX_BYTES`` or one the import refuses
    is a ``click.ClickException`` listing what is wrong (exit status 1).
    """
    size = (await asyncio.to_thread(path.stat)).st_size
    limit = settings.imports.account_max_bytes
    if size > limit:
        raise click.ClickException(
            f"{path} is {size} bytes; OFFERTRACKER_ACCOUNT_IMPORT_MAX_BYTES allows {limit}"
        )
    async with open_services(settings) as services:
        user = await services.users.by_email(email)
        raw = bytearray()
        source = await asyncio.to_thread(path.open, "rb")
        try:
            with Progress(size, "Reading document") as bar:  # bytes: no plain lines
                while chunk := await asyncio.to_thread(source.read, _CHUNK):
                    raw += chunk
                    bar.advance(len(chunk))
        finally:
            await asyncio.to_thread(source.close)
        try:
            document = await asyncio.to_thread(_parse, bytes(raw))
            summary = await services.account.import_document(user.id, document)
        except RequestValidationError as exc:
            raise click.ClickException(_problems(exc.errors)) from None
        except InvalidInput as exc:
            raise click.ClickException(
                _problems([violation_dict(v, "body") for v in exc.violations])
            ) from None
    click.echo(import_summary(summary))
    return summary


def _parse(raw: bytes) -> AccountDocument:
    return structure_body(decode_json(raw), AccountDocument)


def _problems(errors: list[dict[str, Any]]) -> str:
    lines = [
        f"  {'.'.join(str(part) for part in error['loc'][1:]) or 'document'}: {error['msg']}"
        for error in errors
    ]
    return "the document was not imported:\n" + "\n".join(lines)


def import_summary(summary: ImportSummary) -> str:
    """``Imported: 12 applications, 30 stages, … created; 3 skipped (held already)``."""
    created = ", ".join(f"{summary.created[kind]} {kind}" for kind in KINDS if summary.created[kind])
    skipped = sum(summary.skipped.values())
    return f"Imported: {created or 'nothing'} created; {skipped} skipped (held already)"

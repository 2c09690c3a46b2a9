"""Imports: job postings from a URL, a search query or a file become the caller's saved jobs.

One import reads the input through its importer (outside any transaction: the
importer may fetch pages), maps each record onto a saved job
(:mod:`offertracker_core.import_mapping`), then saves every new one in a single
unit of work, skipping duplicates of the caller's saved jobs and of one another.
Whatever goes wrong with one item — a malformed row, a refused URL, a record
without a company, the importer itself raising — is a per-item error in the
report; only a request no importer can take is refused as a whole (400).
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterable, AsyncIterator, Callable
from uuid import UUID

import attrs

from ..import_mapping import Mapped, saved_job_from
from ..import_registry import size_text
from ..importers import (
    FileInput,
    ImportContext,
    Importer,
    ImportInput,
    ImportRefused,
    ItemFailure,
    JobRecord,
    QueryInput,
    UrlInput,
)
from ..ports import UnitOfWork
from .base import ServiceContext
from .progress import track_activity

__all__ = ["ImportProgress", "ImportReport", "ImportService"]

logger = logging.getLogger(__name__)


@attrs.frozen
class ImportReport:
    """What an import did: counts, the saved jobs it created, and every item it could not import."""

    source: str
    """The importer's name."""
    created: int
    skipped: int
    """Duplicates: of a saved job the caller has, or of an earlier item of the same import."""
    failed: int
    errors: tuple[ItemFailure, ...]
    saved_job_ids: tuple[UUID, ...]
    limit_reached: bool
    """The input held more items than one import reads (``max_records``); the rest were not read."""


@attrs.frozen
class ImportProgress:
    """Where a running import is, for progress bars: items read so far and file bytes read."""

    items: int
    bytes_read: int


Progress = Callable[[ImportProgress], None]


@attrs.frozen
class ImportService:
    """Lists the installed importers and runs imports for a user."""

    ctx: ServiceContext

    def sources(self) -> list[Importer]:
        """The installed importers, in registration order."""
        return list(self.ctx.imports.importers)

    def plugin_of(self, name: str) -> str:
        """The plugin that registered the importer called ``name``."""
        return self.ctx.imports.importers.plugin_of(name)

    async def run(
        self,
        user_id: UUID,
        source: ImportInput,
        *,
        importer: str | None = None,
        progress: Progress | None = None,
    ) -> ImportReport:
        """Import ``source`` for ``user_id`` with the importer called ``importer`` (or the one that
        handles ``source``); ``BusinessRuleViolation`` (400) when none can take it."""
        chosen = self.ctx.imports.importers.choose(source, importer)
        counter = _Counter(progress)
        if isinstance(source, FileInput):
            source = FileInput(
                source.filename, counter.capped(source.chunks, self.ctx.imports.max_file_bytes)
            )
        records, failures, limit_reached = await self._read(chosen, source, counter)
        now = self.ctx.clock.now()
        mapped: list[Mapped] = []
        for where, record in records:
            outcome = saved_job_from(record, user_id=user_id, job_id=self.ctx.ids(), now=now, where=where)
            if isinstance(outcome, ItemFailure):
                failures.append(outcome)
            else:
                mapped.append(outcome)
        unique, repeated = _first_of_each(mapped)

        async def work(uow: UnitOfWork) -> tuple[UUID, ...]:
            keys = {key for job in unique for key in job.keys}
            urls = {job.url for job in unique if job.url is not None}
            known_keys, known_urls = await uow.imports.known(user_id, keys, urls)
            new = [
                job
                for job in unique
                if not known_keys.intersection(job.keys) and (job.url is None or job.url not in known_urls)
            ]
            if not new:
                return ()
            kept = await uow.imports.add(user_id, [(job.saved_job, job.keys) for job in new])
            if kept:
                await track_activity(self.ctx, uow, user_id, now)  # one tracked action per import
            return tuple(job.saved_job.id for job in new if job.saved_job.id in kept)

        created = await self.ctx.write(work) if unique else ()  # nothing to save: no transaction
        return ImportReport(
            source=chosen.name,
            created=len(created),
            skipped=len(unique) - len(created) + repeated,
            failed=len(failures),
            errors=tuple(failures),
            saved_job_ids=created,
            limit_reached=limit_reached,
        )

    async def _read(
        self, importer: Importer, source: ImportInput, counter: _Counter
    ) -> tuple[list[tuple[str, JobRecord]], list[ItemFailure], bool]:
        """Read at most ``max_records`` items; an importer that raises ends its input as one failure."""
        limit = self.ctx.imports.max_records
        records: list[tuple[str, JobRecord]] = []
        failures: list[ItemFailure] = []
        label = _label(source)
        items = importer.read(source, ImportContext(self.ctx.imports.fetcher))
        try:
            async for item in items:
                if counter.items >= limit:
                    return records, failures, True
                counter.item()
                if isinstance(item, ItemFailure):
                    failures.append(item)
                elif isinstance(item, JobRecord):
                    records.append((f"item {counter.items}", item))
                else:
                    failures.append(
                        ItemFailure(f"item {counter.items}", "The importer yielded something else")
                    )
        except ImportRefused as exc:
            failures.append(ItemFailure(label, str(exc)))
        except Exception as exc:
            logger.exception("importer %r failed on %s", importer.name, label)
            failures.append(ItemFailure(label, f"The {importer.name} importer failed: {type(exc).__name__}"))
        finally:
            await _close(items)
        return records, failures, False


def _first_of_each(mapped: list[Mapped]) -> tuple[list[Mapped], int]:
    """The jobs of one import with repeats (sharing a key or URL with an earlier one) left out."""
    seen: set[str] = set()
    unique: list[Mapped] = []
    for job in mapped:
        marks = set(job.keys) | ({"url " + job.url} if job.url else set())
        if marks & seen:
            continue
        seen |= marks
        unique.append(job)
    return unique, len(mapped) - len(unique)


def _label(source: ImportInput) -> str:
    if isinstance(source, UrlInput):
        return source.url
    if isinstance(source, QueryInput):
        return f"query {source.query!r}"
    return source.filename


async def _close(items: AsyncIterator[object]) -> None:
    aclose = getattr(items, "aclose", None)
    if aclose is not None:
        try:
            await aclose()
        except Exception:
            logger.exception("an importer failed while closing")


class _Counter:
    """Counts items and file bytes, reporting each step to ``progress``."""

    def __init__(self, progress: Progress | None) -> None:
        self.items = 0
        self.bytes_read = 0
        self._progress = progress

    def item(self) -> None:
        self.items += 1
        self._report()

    def _report(self) -> None:
        if self._progress is not None:
            self._progress(ImportProgress(self.items, self.bytes_read))

    async def capped(self, chunks: AsyncIterable[bytes], limit: int) -> AsyncIterator[bytes]:
        """``chunks``, counted; ``ImportRefused`` once more than ``limit`` bytes came."""
        async for chunk in chunks:
            self.bytes_read += len(chunk)
            if self.bytes_read > limit:
                raise ImportRefused(f"The file is larger than {size_text(limit)}; stopped reading it")
            self._report()
            yield chunk

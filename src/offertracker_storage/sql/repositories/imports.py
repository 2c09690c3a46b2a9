"""Imported saved jobs and their duplicate keys (``uow.imports``).

A handful of statements, whatever the number of jobs (keys are claimed 1,000 at a time): two lookups, one
``executemany`` of saved jobs, one multi-row key insert that skips taken keys
(``ON CONFLICT DO NOTHING … RETURNING``), and one delete of the jobs that lost a
race for a key. On PostgreSQL an insert that meets a key a concurrent import
holds uncommitted waits for it, then skips it if it committed.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from typing import Any
from uuid import UUID

from sqlalchemy import bindparam, delete, select
from sqlalchemy.dialects import postgresql, sqlite

from offertracker_core.entities import SavedJob

from ..prepared import Prepared
from ..rows import Mapper
from ..tables import import_keys, saved_jobs
from .base import SqlRepository

__all__ = ["SqlImports"]

_JOBS = Mapper(SavedJob, saved_jobs)
_INSERT_JOB = Prepared(saved_jobs.insert(), keys=_JOBS.names)
_KNOWN_KEYS = select(import_keys.c.key).where(
    import_keys.c.user_id == bindparam("user_id"), import_keys.c.key.in_(bindparam("keys", expanding=True))
)
_KNOWN_URLS = select(saved_jobs.c.url).where(
    saved_jobs.c.user_id == bindparam("user_id"), saved_jobs.c.url.in_(bindparam("urls", expanding=True))
)
# Three parameters a row: well inside SQLite's 32,766 and PostgreSQL's 65,535 per statement.
_CLAIM_BATCH = 1000
_DELETE_JOBS = delete(saved_jobs).where(saved_jobs.c.id.in_(bindparam("ids", expanding=True)))


class SqlImports(SqlRepository):
    """The ``ImportRepository`` port on the ``import_keys`` and ``saved_jobs`` tables."""

    port = "imports"

    def known(self, user_id: UUID, keys: Collection[str], urls: Collection[str]) -> tuple[set[str], set[str]]:
        """Which ``keys`` the user's saved jobs hold, and which ``urls`` they have."""
        found_keys: set[str] = set()
        found_urls: set[str] = set()
        if keys:
            found_keys = set(self.conn.scalars(_KNOWN_KEYS, {"user_id": user_id, "keys": list(keys)}))
        if urls:
            found_urls = set(self.conn.scalars(_KNOWN_URLS, {"user_id": user_id, "urls": list(urls)}))
        return found_keys, found_urls

    def add(self, user_id: UUID, jobs: Sequence[tuple[SavedJob, Sequence[str]]]) -> set[UUID]:
        """Insert the jobs, claim their keys, and take back the jobs whose keys were taken."""
        if not jobs:
            return set()
        _INSERT_JOB.run_many(self.conn, [_JOBS.to_row(job) for job, _ in jobs])
        wanted = [
            {"user_id": user_id, "key": key, "saved_job_id": job.id} for job, keys in jobs for key in keys
        ]
        claimed: set[str] = set()
        for start in range(0, len(wanted), _CLAIM_BATCH):
            claimed.update(self.conn.scalars(self._claim(wanted[start : start + _CLAIM_BATCH])))
        lost = [job.id for job, keys in jobs if not claimed.issuperset(keys)]
        if lost:
            # A lost job may hold some of its keys: deleting it frees them (they cascade with it).
            self.conn.execute(_DELETE_JOBS, {"ids": lost})
        return {job.id for job, _ in jobs} - set(lost)

    def _claim(self, rows: list[dict[str, Any]]) -> Any:
        insert = postgresql.insert if self.conn.dialect.name == "postgresql" else sqlite.insert
        return insert(import_keys).values(rows).on_conflict_do_nothing().returning(import_keys.c.key)

"""Counting the trips a storage call makes to where its connections live."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import pytest
from sqlalchemy.ext.asyncio import AsyncConnection

from offertracker_storage import SqlStorage


def _count_submits(executor: Any, seen: list[str], monkeypatch: pytest.MonkeyPatch) -> None:
    submit = executor.submit

    def counting_submit(fn: Callable[..., Any], /, *args: Any, **kwargs: Any) -> Any:
        seen.append("hop")
        return submit(fn, *args, **kwargs)

    monkeypatch.setattr(executor, "submit", counting_submit)


@contextmanager
def trips(storage: SqlStorage, monkeypatch: pytest.MonkeyPatch, *, sqlite: str) -> Iterator[list[str]]:
    """Every hop while the block runs: to the SQLite executor named by ``sqlite`` (the storage's
    ``"_write_thread"`` or ``"_read_lanes"``) or to the PostgreSQL worker threads; and, on
    PostgreSQL, any greenlet round trip through the async engine (``"run_sync"``), none expected."""
    seen: list[str] = []
    if storage.dialect == "sqlite":
        _count_submits(getattr(storage, sqlite), seen, monkeypatch)
    else:
        _count_submits(storage._blocking_threads, seen, monkeypatch)
        run_sync = AsyncConnection.run_sync

        async def counting_run_sync(self: AsyncConnection, fn: Any, *args: Any, **kwargs: Any) -> Any:
            seen.append("run_sync")
            return await run_sync(self, fn, *args, **kwargs)

        monkeypatch.setattr(AsyncConnection, "run_sync", counting_run_sync)
    yield seen
    monkeypatch.undo()

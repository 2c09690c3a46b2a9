"""Units of work over SQLite (worker-thread hops) and PostgreSQL (``run_sync``).

:class:`InlineUnitOfWork` serves ``SqlStorage.transact`` and ``snapshot``: the
whole block runs in the thread that holds the connection. In the multi-hop
units (``write()``/``read()``), every repository call becomes one ``_execute(fn)``: ``fn`` is a sync function
of a ``Connection`` that runs all the statements of the call, so a call costs
one thread hop on SQLite and one greenlet switch (no extra round trips) on
PostgreSQL. Savepoints are deferred: opening, releasing or rolling one back is
queued and run at the start of the next hop, so they cost no hop of their own.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import math
import time
from collections.abc import AsyncIterator, Callable, Coroutine, Sequence
from contextlib import asynccontextmanager
from types import TracebackType
from typing import Any, Self, TypeVar

from sqlalchemy import Connection, Engine
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from offertracker_core.events import Event
from offertracker_core.journal import Journal
from offertracker_core.ports import OwnedRepository

from .errors import translated_errors
from .prepared import run_sql
from .repositories import BY_ENTITY, BY_PORT, SqlRepository
from .repositories.progress import SqlActivity
from .sqlite import ReadLanes, TimedConnection

__all__ = [
    "CommitHook",
    "InlineUnitOfWork",
    "PostgresUnitOfWork",
    "SqlUnitOfWork",
    "SqliteReadUnitOfWork",
    "SqliteWriteUnitOfWork",
    "run_to_end",
]

T = TypeVar("T")
E = TypeVar("E")
Op = Callable[[Connection], None]
CommitHook = Callable[[Connection, Sequence[Event]], None]
"""Runs inside a write transaction that recorded events, just before its COMMIT (see
``SqlStorage.add_commit_hook``)."""


def _within(timeout: float, fn: Callable[[Connection], T], conn: Connection) -> T:
    """Run ``fn(conn)`` on SQLite with its statements limited to ``timeout`` seconds (0: no limit)."""
    if not timeout:
        return fn(conn)
    raw = conn.connection.driver_connection
    if not isinstance(raw, TimedConnection):
        raise TypeError("SQLite connections must be opened by SqlStorage (sqlite.TimedConnection)")
    raw.deadline = time.monotonic() + timeout
    try:
        return fn(conn)
    finally:
        raw.deadline = math.inf


class _Bridge:
    """Exposes a sync repository class as the async methods of its core port.

    Each method call becomes one ``unit.execute``: one hop however many
    statements the sync method runs. Typed loosely on purpose: the contract
    tests hold every adapter to the port's behaviour.
    """

    def __init__(self, repository: type[SqlRepository], unit: SqlUnitOfWork) -> None:
        self._repository = repository
        self._unit = unit

    def __getattr__(self, name: str) -> Any:
        method = getattr(self._repository, name)
        repository = self._repository
        unit = self._unit

        async def call(*args: Any, **kwargs: Any) -> Any:
            return await unit.execute(lambda conn: method(repository(conn), *args, **kwargs))

        call.__name__ = name
        setattr(self, name, call)  # cache: later lookups skip __getattr__
        return call


class SqlUnitOfWork(Journal):
    """What both backends share: the repositories from the registry, deferred savepoints,
    the journal written at commit, the error translation.

    ``uow.<name>`` serves the repository registered for that port name and
    ``uow.owned(Entity)`` the one registered for that entity (see
    ``repositories.base``); both are built on first use and kept for the unit's life.
    """

    def __init__(self, *, commit_hooks: Sequence[CommitHook] = ()) -> None:
        super().__init__()
        self._owned: dict[type[Any], _Bridge] = {}
        self._deferred: list[Op] = []
        self._commit_hooks = commit_hooks

    def __getattr__(self, name: str) -> Any:
        repository = BY_PORT.get(name)
        if repository is None:
            raise AttributeError(f"{type(self).__name__} has no attribute or repository {name!r}")
        bridge = _Bridge(repository, self)
        setattr(self, name, bridge)  # cache: later lookups skip __getattr__
        return bridge

    def owned(self, entity: type[E]) -> OwnedRepository[E]:
        """The repository of the owned entity class ``entity``."""
        bridge = self._owned.get(entity)
        if bridge is None:
            repository = BY_ENTITY.get(entity)
            if repository is None:
                raise LookupError(f"no SQL repository stores {entity.__name__}")
            bridge = self._owned[entity] = _Bridge(repository, self)
        return bridge

    async def execute(self, fn: Callable[[Connection], T]) -> T:
        """Run ``fn`` (all the statements of one repository call) in this unit's transaction."""
        deferred, self._deferred = self._deferred, []

        def run(conn: Connection) -> T:
            with translated_errors():
                for op in deferred:
                    op(conn)
                return fn(conn)

        return await self._execute(run)

    async def _execute(self, fn: Callable[[Connection], T]) -> T:
        raise NotImplementedError

    @asynccontextmanager
    async def savepoint(self) -> AsyncIterator[None]:
        """A nested block whose failure rolls back only its own changes and journal, then re-raises."""
        # Sent straight to the driver (SQLAlchemy's begin_nested() costs a full execution each
        # way, on every tracked action). Savepoints nest strictly, so one name serves them all:
        # RELEASE and ROLLBACK TO name the most recent savepoint of that name. Each has its own
        # flag: if the hop that should have opened it failed before getting that far, its
        # release or rollback does nothing, instead of ending some other savepoint.
        opened = False
        mark = self.mark()

        def begin(conn: Connection) -> None:
            nonlocal opened
            run_sql(conn, "SAVEPOINT offertracker")
            opened = True

        def rollback(conn: Connection) -> None:
            if opened:
                run_sql(conn, "ROLLBACK TO SAVEPOINT offertracker")
                run_sql(conn, "RELEASE SAVEPOINT offertracker")

        def release(conn: Connection) -> None:
            if opened:
                run_sql(conn, "RELEASE SAVEPOINT offertracker")

        self._deferred.append(begin)
        try:
            yield
        except BaseException:
            self.rewind(mark)
            self._deferred.append(rollback)
            raise
        self._deferred.append(release)

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        raise NotImplementedError

    async def commit(self) -> None:
        """Write the logged activity entries, run the commit hooks and commit, in one hop with any
        queued savepoint steps. A hook that raises rolls the whole unit back."""
        entries = self.take_entries()
        if entries:
            self._deferred.append(lambda conn: SqlActivity(conn).add_many(entries))
        events, hooks = self.events, self._commit_hooks
        if events and hooks:

            def run_hooks(conn: Connection) -> None:
                for hook in hooks:
                    hook(conn, events)

            self._deferred.append(run_hooks)
        await self._commit()

    async def _commit(self) -> None:
        raise NotImplementedError


def run_to_end(coroutine: Coroutine[Any, Any, T]) -> T:
    """Run ``coroutine`` to its end in this thread, without an event loop.

    A unit of work's ``work`` only awaits calls of an :class:`InlineUnitOfWork`,
    which never suspend, so one ``send`` finishes it. One that suspends (it
    awaited something else: a sleep, a network call) is closed and refused.
    """
    try:
        coroutine.send(None)
    except StopIteration as finished:
        result: T = finished.value
        return result
    coroutine.close()
    raise RuntimeError("a unit of work awaited something other than its own storage calls")


class InlineUnitOfWork(SqlUnitOfWork):
    """A write unit of work whose calls run at once on ``conn``, in the thread (or greenlet) that
    holds it: ``SqlStorage.transact`` runs a service's whole ``work`` and its commit this way,
    in one worker-thread hop on SQLite and one ``run_sync`` on PostgreSQL, instead of one hop
    per repository call. The caller begins the transaction and closes the connection."""

    def __init__(
        self, conn: Connection, *, statement_timeout: float = 0.0, commit_hooks: Sequence[CommitHook] = ()
    ) -> None:
        super().__init__(commit_hooks=commit_hooks)
        self._conn = conn
        self._timeout = statement_timeout

    async def _execute(self, fn: Callable[[Connection], T]) -> T:
        return _within(self._timeout, fn, self._conn)

    async def _commit(self) -> None:
        await self.execute(lambda conn: conn.commit())  # the queued savepoint steps and entries first

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        return None

    def finish(self, work: Callable[[InlineUnitOfWork], Coroutine[Any, Any, T]]) -> tuple[T, Sequence[Event]]:
        """Run ``work`` and the commit here and now; the result and the events to publish."""
        result = run_to_end(work(self))
        run_to_end(self.commit())
        return result, self.events

    def observe(self, work: Callable[[InlineUnitOfWork], Coroutine[Any, Any, T]]) -> T:
        """Run the read-only ``work`` here and now; its result. The caller ends the transaction."""
        result = run_to_end(work(self))
        if self.events or self.take_entries():
            raise RuntimeError("a read-only unit of work recorded events or activity")
        return result


class SqliteWriteUnitOfWork(SqlUnitOfWork):
    """A SQLite write transaction (``BEGIN IMMEDIATE``), serialised in-process by ``lock``.

    The connection is checked out and the transaction begun lazily inside the
    first hop; commit (and close) is one more hop, and leaving without commit
    costs one hop to roll back if any hop was ever submitted.
    """

    def __init__(
        self,
        engine: Engine,
        executor: concurrent.futures.ThreadPoolExecutor,
        lock: asyncio.Lock,
        *,
        statement_timeout: float = 0.0,
        commit_hooks: Sequence[CommitHook] = (),
    ) -> None:
        super().__init__(commit_hooks=commit_hooks)
        self._engine = engine
        self._executor = executor
        self._lock = lock
        self._timeout = statement_timeout
        self._conn: Connection | None = None
        self._last: concurrent.futures.Future[Any] | None = None

    async def _hop(self, fn: Callable[[], T]) -> T:
        # The writer executor has exactly one thread, so hops run in the order they were
        # submitted: a close queued after a hop whose awaiter was cancelled runs after it.
        future = self._last = self._executor.submit(fn)
        return await asyncio.wrap_future(future)

    def _connection(self) -> Connection:
        if self._conn is None:
            self._conn = self._engine.connect()
            self._conn.begin()
        return self._conn

    async def _execute(self, fn: Callable[[Connection], T]) -> T:
        return await self._hop(lambda: _within(self._timeout, fn, self._connection()))

    async def __aenter__(self) -> Self:
        await self._lock.acquire()
        return self

    def _close(self) -> None:
        conn, self._conn = self._conn, None
        if conn is not None:
            conn.close()  # rolls back whatever was not committed

    async def _commit(self) -> None:
        if self._last is None and not self._deferred:
            return  # nothing ever ran: nothing to commit

        def finish(conn: Connection) -> None:
            try:
                conn.commit()
            finally:
                self._close()

        await self.execute(finish)  # the queued savepoint steps first, then commit and close
        self._last = None  # closed already: leaving the block costs no hop

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        try:
            # Decided by whether a hop was ever submitted, not by whether the thread has opened
            # the connection yet: a hop still running for a cancelled request must be followed
            # by a close, or its BEGIN IMMEDIATE would stay open and lock out every writer.
            if self._last is not None:
                await asyncio.shield(self._hop(self._close))
        finally:
            self._deferred.clear()
            self._lock.release()


class SqliteReadUnitOfWork(SqlUnitOfWork):
    """One SQLite read transaction on one reader connection: a consistent snapshot.

    The first call waits for a free reader connection at ``gate`` (an asyncio
    wait, so no worker thread ever blocks on the pool), then checks it out and
    begins the transaction in its hop; WAL fixes the snapshot at that first
    read. Later calls reuse the connection on whichever reader thread is free,
    one at a time. Leaving ends the transaction and returns the connection on
    the event loop (a read-only rollback is microseconds, cheaper than a hop),
    so a one-call read still costs one hop. A call still running in its thread
    when the block is left (a cancelled request) returns the connection itself
    when it finishes, never while it is in use.
    """

    def __init__(
        self,
        engine: Engine,
        executor: ReadLanes,
        gate: asyncio.Semaphore,
        *,
        statement_timeout: float = 0.0,
    ) -> None:
        super().__init__()
        self._engine = engine
        self._executor = executor
        self._gate = gate
        self._timeout = statement_timeout
        self._conn: Connection | None = None
        self._holds_gate = False
        self._last: concurrent.futures.Future[Any] | None = None

    def _connection(self) -> Connection:
        if self._conn is None:
            self._conn = self._engine.connect()
            self._conn.begin()
        return self._conn

    async def _execute(self, fn: Callable[[Connection], T]) -> T:
        if not self._holds_gate:
            await self._gate.acquire()
            self._holds_gate = True
        future = self._last = self._executor.submit(lambda: _within(self._timeout, fn, self._connection()))
        return await asyncio.wrap_future(future)

    def _close(self) -> None:
        conn, self._conn = self._conn, None
        if conn is not None:
            conn.close()  # rolls the read transaction back and returns the connection to the pool

    @asynccontextmanager
    async def savepoint(self) -> AsyncIterator[None]:
        # Reader connections are query-only: there is nothing a savepoint could undo.
        yield

    async def _commit(self) -> None:
        return None

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        last, self._last = self._last, None
        holds_gate, self._holds_gate = self._holds_gate, False
        self._deferred.clear()
        if not holds_gate:
            return  # nothing ever ran
        if last is None or last.done():
            try:
                self._close()
            finally:
                self._gate.release()
            return
        loop = asyncio.get_running_loop()

        def close_when_done(_: concurrent.futures.Future[Any]) -> None:
            try:
                self._close()
            finally:
                loop.call_soon_threadsafe(self._gate.release)

        last.add_done_callback(close_when_done)


class PostgresUnitOfWork(SqlUnitOfWork):
    """One PostgreSQL transaction on one pooled ``AsyncConnection``, opened by the first call."""

    def __init__(
        self, engine: AsyncEngine, *, readonly: bool, commit_hooks: Sequence[CommitHook] = ()
    ) -> None:
        super().__init__(commit_hooks=commit_hooks)
        self._engine = engine
        self._readonly = readonly
        self._conn: AsyncConnection | None = None

    async def _connection(self) -> AsyncConnection:
        if self._conn is None:
            conn = await self._engine.connect()
            if self._readonly:
                # One snapshot for the whole block, as on SQLite: READ COMMITTED would give
                # each statement its own, and a page could mix two states of the data.
                conn = await conn.execution_options(
                    isolation_level="REPEATABLE READ", postgresql_readonly=True
                )
            self._conn = conn
            await conn.begin()
        return self._conn

    async def _execute(self, fn: Callable[[Connection], T]) -> T:
        conn = await self._connection()
        return await conn.run_sync(fn)

    async def _commit(self) -> None:
        if self._conn is None and not self._deferred:
            return  # nothing ever ran: nothing to commit
        await self.execute(lambda conn: conn.commit())  # the queued savepoint steps first

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        conn, self._conn = self._conn, None
        self._deferred.clear()
        if conn is not None:
            await asyncio.shield(conn.close())  # rolls back whatever was not committed

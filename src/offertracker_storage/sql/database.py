"""Engines and the ``SqlStorage`` that opens units of work on them.

The services' units of work (``transact`` for writes, ``snapshot`` for reads)
run whole, in one hop to a worker thread that holds the connection. SQLite
runs on the stdlib ``sqlite3`` driver through *sync* engines: a writer engine
on one thread whose transactions start with ``BEGIN IMMEDIATE`` (taking the
write lock up front, so a transaction never fails half-way with "database is
locked") and a reader engine whose connections are query-only, one kept by
each of a few reader threads. PostgreSQL runs them on a sync psycopg engine, a
worker thread per pooled connection. The multi-hop units of ``write()`` and
``read()`` (for library callers) take one hop per repository call instead:
SQLite's on the same threads, serialised with the writer by an
``asyncio.Lock``; PostgreSQL's through an ``AsyncEngine`` with ``run_sync``.
On both, a read is one snapshot, and a statement past ``statement_timeout``
fails with the core's ``Unavailable``.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import sqlite3
import threading
from collections.abc import Callable, Coroutine, Sequence
from pathlib import Path
from typing import Any, Literal, TypeVar

import orjson
from alembic.runtime.migration import MigrationContext
from sqlalchemy import Connection, Engine, create_engine, event
from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine

from offertracker_core.events import Event

from .errors import translated_errors
from .sqlite import PROGRESS_STEPS, ReadLanes, TimedConnection
from .uow import (
    CommitHook,
    InlineUnitOfWork,
    PostgresUnitOfWork,
    SqliteReadUnitOfWork,
    SqliteWriteUnitOfWork,
    SqlUnitOfWork,
)
from .write_lock import WriteLock

__all__ = [
    "DEFAULT_READ_THREADS",
    "DEFAULT_STATEMENT_TIMEOUT",
    "PROBE_TIMEOUT",
    "Dialect",
    "SqlStorage",
    "sync_url",
]

Dialect = Literal["sqlite", "postgresql"]
T = TypeVar("T")
R = TypeVar("R")

# Reader threads beside the one writer thread (datasette's shape): the first
# serves every read while it keeps up, the second takes over while the first is
# stuck on a slow call (see sqlite.ReadLanes for why not both at once). The
# separate writer thread keeps a commit's fsync from queueing reads behind it.
DEFAULT_READ_THREADS = 2

READER_CACHE_KIB = 32 * 1024
"""Page cache of each SQLite reader connection, in KiB (``PRAGMA cache_size``)."""

DEFAULT_STATEMENT_TIMEOUT = 30.0
"""Seconds a statement (on SQLite: a repository call) may run before it fails as ``Unavailable``."""

PROBE_TIMEOUT = 2.0
"""Seconds :meth:`SqlStorage.schema_revision` waits for the database before it gives up."""


def _parse(url: str | URL) -> tuple[Dialect, URL]:
    parsed = make_url(url)
    backend = parsed.get_backend_name()
    if backend == "sqlite":
        if parsed.database in (None, "", ":memory:") or (parsed.database or "").startswith("file::memory:"):
            raise ValueError("OfferTracker needs a SQLite file, not an in-memory database: sqlite:///path.db")
        return "sqlite", parsed.set(drivername="sqlite")
    if backend == "postgresql":
        return "postgresql", parsed.set(drivername="postgresql+psycopg")
    raise ValueError(
        f"Unsupported database URL {parsed.render_as_string()!r}: use sqlite:/// or postgresql://"
    )


def _plain_file(database: str) -> bool:
    """Whether a SQLite URL's database is a file path (not a ``file:`` URI), so a lock file fits beside it."""
    return bool(database) and not database.startswith("file:")


def sync_url(url: str | URL) -> str:
    """``url`` rewritten for a sync driver (``sqlite`` or ``postgresql+psycopg``), password kept.

    Accepts any of the async spellings (``sqlite+aiosqlite``, ``postgresql+asyncpg``)
    so one configured URL serves the server, the CLI and alembic.
    """
    return _parse(url)[1].render_as_string(hide_password=False)


# orjson for JSON columns (stage questions, skill gaps, activity metadata): several
# times faster than the json module on every page of applications.
_JSON_CODEC: dict[str, Any] = {
    "json_serializer": lambda value: orjson.dumps(value).decode(),
    "json_deserializer": orjson.loads,
}


def _unicode_lower(value: object) -> object:
    return value.lower() if isinstance(value, str) else value


def _sqlite_engine(
    url: URL, *, writer: bool, pool_size: int, statement_timeout: float, write_lock: WriteLock | None = None
) -> Engine:
    engine = create_engine(
        url,
        **_JSON_CODEC,
        connect_args={"check_same_thread": False, "factory": TimedConnection},
        pool_size=1 if writer else pool_size,
        max_overflow=1 if writer else 0,
    )

    @event.listens_for(engine, "connect")
    def on_connect(dbapi_connection: Any, _record: Any) -> None:
        # Let SQLAlchemy, not the sqlite3 module, decide when transactions begin
        # (the pysqlite recipe of the SQLAlchemy docs); then the pragmas.
        dbapi_connection.isolation_level = None
        dbapi_connection.write_lock = write_lock  # released by TimedConnection when a transaction ends
        # SQLite's own lower() folds ASCII only; user search promises case-insensitive
        # matching (behaviour.md §3), as PostgreSQL's lower() gives on a UTF-8 database.
        dbapi_connection.create_function("lower", 1, _unicode_lower, deterministic=True)
        if statement_timeout:  # without a limit, no callback costs anything
            dbapi_connection.set_progress_handler(dbapi_connection.past_deadline, PROGRESS_STEPS)
        cursor = dbapi_connection.cursor()
        try:
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute("PRAGMA foreign_keys=ON")
            cursor.execute("PRAGMA busy_timeout=5000")
            cursor.execute("PRAGMA synchronous=FULL")  # a committed record survives a power cut
            if not writer:
                cursor.execute("PRAGMA query_only=ON")
                # A page cache that holds a large account's rows (SQLite's default is 2 MiB): the
                # analytics dashboard scans the account's applications several times in one read,
                # and with 10,000 of them re-reading the pages from the OS took a fifth of its
                # time. Filled only as pages are read, so a small database uses little of it.
                cursor.execute(f"PRAGMA cache_size=-{READER_CACHE_KIB}")
        finally:
            cursor.close()

    begin = "BEGIN IMMEDIATE" if writer else "BEGIN"

    @event.listens_for(engine, "begin")
    def on_begin(conn: Connection) -> None:
        # Straight to the driver: this runs once per unit of work, and a full
        # SQLAlchemy execution costs more than the BEGIN itself.
        if write_lock is None:
            conn.connection.driver_connection.execute(begin)  # type: ignore[union-attr]
            return
        # Writers of other processes first take turns on the lock file (see write_lock), so
        # BEGIN IMMEDIATE then finds SQLite's own lock free instead of polling for it.
        write_lock.acquire()
        try:
            conn.connection.driver_connection.execute(begin)  # type: ignore[union-attr]
        except BaseException:
            write_lock.release()
            raise

    return engine


def _checked_out(engine: Engine) -> int:
    checkedout = getattr(engine.pool, "checkedout", None)  # QueuePool has it; a NullPool would not
    return int(checkedout()) if checkedout is not None else 0


class SqlStorage:
    """The core's ``Storage`` port on SQLite or PostgreSQL.

    Open with ``await SqlStorage.open(url)`` and ``await storage.close()`` at
    the end. ``write()`` and ``read()`` return units of work used as
    ``async with storage.write() as uow: ...; await uow.commit()``. The schema
    must exist already (see :mod:`offertracker_storage.migrate`).
    """

    def __init__(
        self,
        dialect: Dialect,
        *,
        writer: Engine | None = None,
        reader: Engine | None = None,
        async_engine: AsyncEngine | None = None,
        blocking: Engine | None = None,
        blocking_threads: int = 5,
        readers: int = 5,
        read_threads: int = DEFAULT_READ_THREADS,
        statement_timeout: float = 0.0,
        write_lock: WriteLock | None = None,
    ) -> None:
        if read_threads < 1 or readers < read_threads:
            raise ValueError("SQLite needs at least one read thread and a reader connection for each")
        self._dialect: Dialect = dialect
        self._commit_hooks: tuple[CommitHook, ...] = ()
        self._writer = writer
        self._file_lock = write_lock
        self._reader = reader
        self._async_engine = async_engine
        self._statement_timeout = statement_timeout
        # PostgreSQL: a sync engine on as many threads as it has connections, for the one-hop
        # units of work (transact, snapshot); see open() for why.
        self._blocking = blocking
        self._blocking_threads: concurrent.futures.ThreadPoolExecutor | None = None
        if blocking is not None:
            self._blocking_threads = concurrent.futures.ThreadPoolExecutor(
                blocking_threads, thread_name_prefix="offertracker-postgres"
            )
        self._write_thread: concurrent.futures.ThreadPoolExecutor | None = None
        self._read_lanes: ReadLanes | None = None
        self._write_lock = asyncio.Lock()
        # A read unit of work keeps its connection for the whole block (one snapshot) and
        # waits here for one, so a worker thread never blocks on an empty pool while the
        # units holding its connections wait for a thread.
        self._readers = asyncio.Semaphore(readers)
        if dialect == "sqlite":
            self._write_thread = concurrent.futures.ThreadPoolExecutor(
                1, thread_name_prefix="offertracker-sqlite-write"
            )
            self._read_lanes = ReadLanes(read_threads)
        # Each reader thread keeps one reader connection of its own for snapshot() hops:
        # no pool checkout, reset and return per read. Outside the ``readers`` gate, so the
        # reader engine's pool holds ``readers + read_threads`` connections.
        self._lane = threading.local()
        # Lane connections stay checked out between reads, so the pool's count of checked-out
        # connections overstates those in use by the lanes that are idle: counted here (the lanes
        # are threads, hence the lock; taken twice per read, a fraction of a microsecond).
        self._lane_count_lock = threading.Lock()
        self._lanes_open = 0
        self._lanes_busy = 0

    @classmethod
    async def open(
        cls,
        url: str,
        *,
        pool_size: int = 5,
        read_threads: int = DEFAULT_READ_THREADS,
        statement_timeout: float = DEFAULT_STATEMENT_TIMEOUT,
    ) -> SqlStorage:
        """Create the engines for ``url`` (any sync or async SQLite/PostgreSQL spelling).

        ``pool_size`` connections per engine (on SQLite: read units of work open at
        once); ``read_threads`` SQLite reader threads; ``statement_timeout`` seconds
        before a statement (on SQLite: one repository call) fails with the core's
        ``Unavailable``, ``0`` for no limit.
        """
        if statement_timeout < 0:
            raise ValueError("statement_timeout must be 0 (no limit) or positive")
        dialect, parsed = _parse(url)
        if dialect == "sqlite":
            # Opened here, in the process that will write (see write_lock on fork).
            database = parsed.database or ""
            write_lock = WriteLock(Path(database)) if _plain_file(database) else None

            def sqlite_engine(writer: bool) -> Engine:
                return _sqlite_engine(
                    parsed,
                    writer=writer,
                    pool_size=pool_size + read_threads,  # see the lane connections in __init__
                    statement_timeout=statement_timeout,
                    write_lock=write_lock if writer else None,
                )

            return cls(
                "sqlite",
                writer=sqlite_engine(writer=True),
                reader=sqlite_engine(writer=False),
                readers=pool_size,
                read_threads=read_threads,
                statement_timeout=statement_timeout,
                write_lock=write_lock,
            )
        # Startup options cost no round trip. (A pooler that refuses them needs the settings on
        # the role instead.) The server cancels a statement past the timeout itself. JIT is off:
        # it pays off only for long analytical scans, while a page whose LIMIT is the page-budget
        # subquery looks costly enough to the planner to be compiled: the feed of 100,000 posts
        # measured 55 ms of JIT compilation around a 1 ms query.
        options = ["-c jit=off"]
        if statement_timeout:
            options.append(f"-c statement_timeout={max(1, round(statement_timeout * 1000))}")
        given = parsed.query.get("options")
        if isinstance(given, str):
            options.insert(0, given)
        connect_args: dict[str, Any] = {"options": " ".join(options)}
        engine = create_async_engine(parsed, pool_size=pool_size, connect_args=connect_args, **_JSON_CODEC)
        # The one-hop units of work (every service call) run on the sync psycopg driver in
        # worker threads, one thread per connection, like SQLite's: a request's BEGIN, statements
        # and COMMIT are then blocking libpq calls with the GIL released, instead of a greenlet
        # switch and an event-loop turn per round trip. Measured at 32 concurrent snapshots of
        # one primary-key read: 1,260 us of CPU each through the async driver, 650 us this way,
        # and twice the rate. A hop holds one thread and one connection and never waits for
        # another hop, so the threads cannot starve each other. The async engine stays for the
        # multi-hop write()/read() units of work, whose hops interleave with the event loop.
        blocking = create_engine(
            parsed, pool_size=pool_size, max_overflow=0, connect_args=connect_args, **_JSON_CODEC
        )
        return cls(
            "postgresql",
            async_engine=engine,
            blocking=blocking,
            blocking_threads=pool_size,  # one per connection: a hop never waits for the pool
            statement_timeout=statement_timeout,
        )

    async def write_sql(self, fn: Callable[[Connection], T]) -> T:
        """Run ``fn(connection)`` in one committed write transaction (:meth:`transact`); its result.

        For code that keeps tables of its own next to the core's (a plugin): SQLAlchemy
        Core on the connection, on the same writer, pool and error translation as the
        services' writes. Records no events, so no commit hook runs.
        """
        result, _ = await self.transact(lambda uow: uow.execute(fn))
        return result

    async def read_sql(self, fn: Callable[[Connection], T]) -> T:
        """Run ``fn(connection)`` on one read-only snapshot (:meth:`snapshot`); its result."""
        return await self.snapshot(lambda uow: uow.execute(fn))

    def add_commit_hook(self, hook: CommitHook) -> None:
        """Run ``hook(connection, events)`` inside every write transaction that recorded events.

        It runs just before the COMMIT, in the thread that holds the connection,
        with the events in the order they were recorded: what it writes on the
        connection commits or rolls back with the change itself (an outbox), and
        an exception it raises rolls the change back and reaches the caller.
        It must not wait on anything but this connection. Add hooks before the
        storage serves writes.
        """
        self._commit_hooks = (*self._commit_hooks, hook)

    @property
    def dialect(self) -> Dialect:
        """``"sqlite"`` or ``"postgresql"``."""
        return self._dialect

    @property
    def sync_engines(self) -> tuple[Engine, ...]:
        """Every sync ``Engine`` statements run on, to count them with ``before_cursor_execute``.

        SQLite has a writer and a reader engine; PostgreSQL has the async engine's ``sync_engine``
        and the sync engine of the one-hop units.
        """
        if self._async_engine is not None:
            assert self._blocking is not None
            return (self._async_engine.sync_engine, self._blocking)
        assert self._writer is not None
        assert self._reader is not None
        return (self._writer, self._reader)

    async def transact(
        self, work: Callable[[InlineUnitOfWork], Coroutine[Any, Any, T]]
    ) -> tuple[T, Sequence[Event]]:
        """Run ``work`` in one write transaction and commit it, in one hop to where the connection lives.

        SQLite: the whole of ``work`` and the commit run in the writer thread, in one
        hop (serialised with other writers); PostgreSQL: in one hop to a worker thread
        holding a pooled connection of the sync driver. Each repository call inside is
        then a plain function call instead of a thread hop or a greenlet round trip. Returns the result
        of ``work`` and the events it recorded; errors come back translated
        (``Duplicate``, ``Contention``, ``Unavailable``) and nothing is committed.
        """
        if self._blocking is not None:
            return await self._on_postgres_thread(self._transact_postgres, work)
        engine, thread, timeout = self._writer, self._write_thread, self._statement_timeout
        hooks = self._commit_hooks
        assert engine is not None
        assert thread is not None

        def hop() -> tuple[T, Sequence[Event]]:
            with translated_errors(), engine.connect() as conn:  # closing rolls back what was not committed
                conn.begin()
                return InlineUnitOfWork(conn, statement_timeout=timeout, commit_hooks=hooks).finish(work)

        if self._write_lock.locked():
            # A multi-hop ``write()`` unit holds the writer between its hops: queueing behind it
            # would put this BEGIN IMMEDIATE between two of its hops on the one writer thread.
            async with self._write_lock:
                return await asyncio.wrap_future(thread.submit(hop))
        # No unit holds the writer: queue the hop at once, without holding the lock while it runs.
        # The one writer thread runs hops in the order submitted (so one still running for a
        # cancelled request finishes before the next), and a ``write()`` unit opened later queues
        # its hops after this one. Holding the lock until the event loop took the result would
        # leave the writer idle between commits, waiting for the loop, under load.
        return await asyncio.wrap_future(thread.submit(hop))

    async def _on_postgres_thread(
        self,
        run: Callable[[Engine, Callable[[InlineUnitOfWork], Coroutine[Any, Any, T]]], R],
        work: Callable[[InlineUnitOfWork], Coroutine[Any, Any, T]],
    ) -> R:
        engine, threads = self._blocking, self._blocking_threads
        assert engine is not None
        assert threads is not None
        # A hop that already started runs to its end even if the request is cancelled, and
        # returns its connection itself (the with block in run).
        return await asyncio.wrap_future(threads.submit(run, engine, work))

    def _transact_postgres(
        self, engine: Engine, work: Callable[[InlineUnitOfWork], Coroutine[Any, Any, T]]
    ) -> tuple[T, Sequence[Event]]:
        hooks = self._commit_hooks
        with translated_errors(), engine.connect() as conn:  # closing rolls back what was not committed
            conn.begin()
            return InlineUnitOfWork(conn, commit_hooks=hooks).finish(work)

    async def snapshot(self, work: Callable[[InlineUnitOfWork], Coroutine[Any, Any, T]]) -> T:
        """Run the read-only ``work`` on one snapshot, in one hop to where a connection lives.

        SQLite: one hop to a reader thread, on that thread's own reader connection
        (one read transaction: WAL fixes the snapshot at its first read);
        PostgreSQL: one hop to a worker thread, in a ``REPEATABLE READ, READ ONLY`` transaction.
        Errors come back translated, as from :meth:`transact`.
        """
        if self._blocking is not None:
            return await self._on_postgres_thread(self._snapshot_postgres, work)
        lanes, timeout = self._read_lanes, self._statement_timeout
        assert lanes is not None

        def hop() -> T:
            self._count_lane(busy=1)
            try:
                conn = self._lane_connection()
                try:
                    with translated_errors():
                        conn.begin()
                        return InlineUnitOfWork(conn, statement_timeout=timeout).observe(work)
                finally:
                    self._end_lane_transaction(conn)
            finally:
                self._count_lane(busy=-1)

        return await asyncio.wrap_future(lanes.submit(hop))

    def _lane_connection(self) -> Connection:
        """This reader thread's own connection, opened on first use (or after a failure)."""
        conn: Connection | None = getattr(self._lane, "conn", None)
        if conn is None:
            assert self._reader is not None
            conn = self._lane.conn = self._reader.connect()
            self._count_lane(opened=1)
        return conn

    def _count_lane(self, *, opened: int = 0, busy: int = 0) -> None:
        with self._lane_count_lock:
            self._lanes_open += opened
            self._lanes_busy += busy

    def _end_lane_transaction(self, conn: Connection) -> None:
        try:
            conn.rollback()  # a read transaction: nothing to keep, and WAL may move past its snapshot
        except Exception:
            # The connection is unusable (the rollback of a read fails on nothing else): drop it
            # and let the next read on this thread open a fresh one; the read's own error, if
            # any, is the one that propagates.
            self._close_lane_connection()

    def _close_lane_connection(self) -> None:
        conn: Connection | None = getattr(self._lane, "conn", None)
        self._lane.conn = None
        if conn is not None:
            self._count_lane(opened=-1)
            conn.close()

    @staticmethod
    def _snapshot_postgres(engine: Engine, work: Callable[[InlineUnitOfWork], Coroutine[Any, Any, T]]) -> T:
        with translated_errors(), engine.connect() as conn:  # closing ends the read transaction
            # One snapshot for the whole block, as on SQLite (see PostgresUnitOfWork).
            conn = conn.execution_options(isolation_level="REPEATABLE READ", postgresql_readonly=True)
            conn.begin()
            return InlineUnitOfWork(conn).observe(work)

    def connections_in_use(self) -> int:
        """Database connections a unit of work holds right now, across every engine; cheap to call.

        The pools' count of checked-out connections (SQLAlchemy's ``checkedout()``), less the
        SQLite reader threads' own connections while their thread is idle (they stay checked
        out between reads). On PostgreSQL this includes the readiness probe's while it asks.
        """
        if self._async_engine is not None:
            assert self._blocking is not None
            return _checked_out(self._blocking) + _checked_out(self._async_engine.sync_engine)
        assert self._writer is not None
        assert self._reader is not None
        with self._lane_count_lock:
            idle_lanes = self._lanes_open - self._lanes_busy
        return _checked_out(self._writer) + _checked_out(self._reader) - idle_lanes

    async def schema_revision(self, *, within: float = PROBE_TIMEOUT) -> str | None:
        """The migration revision the database is at (``None``: no schema), read ``within`` seconds.

        For the readiness probe: raises ``TimeoutError`` when the database does not answer in
        time and the driver's error when it cannot be reached. SQLite: a fresh read-only
        connection to the file on a worker thread (a file open; it sees a file that was removed
        or replaced, which the open connections would not). PostgreSQL: one connection of the
        asyncio pool (opened on first use and kept, so a probe costs one round trip), tried a
        second time when the pooled one turns out to be dead (the server restarted).
        """
        async with asyncio.timeout(within):
            if self._async_engine is None:
                return await asyncio.to_thread(self._sqlite_revision, within)
            try:
                return await self._postgres_revision()
            except DBAPIError as exc:
                if not exc.connection_invalidated:
                    raise
                return await self._postgres_revision()  # the pool dropped its dead connections

    def _sqlite_revision(self, timeout: float) -> str | None:
        assert self._writer is not None
        path = self._writer.url.database
        # mode=ro: a missing file is an error, not a new empty database.
        conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True, timeout=timeout)
        try:
            try:
                row = conn.execute("SELECT version_num FROM alembic_version").fetchone()
            except sqlite3.OperationalError as exc:
                if "no such table" in str(exc):
                    return None  # a database no migration has run on
                raise
            return str(row[0]) if row else None
        finally:
            conn.close()

    async def _postgres_revision(self) -> str | None:
        assert self._async_engine is not None
        async with self._async_engine.connect() as conn:
            return await conn.run_sync(lambda sync: MigrationContext.configure(sync).get_current_revision())

    def write(self) -> SqlUnitOfWork:
        """A read-write unit of work (serialised with other writers on SQLite)."""
        if self._async_engine is not None:
            return PostgresUnitOfWork(self._async_engine, readonly=False, commit_hooks=self._commit_hooks)
        assert self._writer is not None
        assert self._write_thread is not None
        return SqliteWriteUnitOfWork(
            self._writer,
            self._write_thread,
            self._write_lock,
            statement_timeout=self._statement_timeout,
            commit_hooks=self._commit_hooks,
        )

    def read(self) -> SqlUnitOfWork:
        """A read-only unit of work: one consistent snapshot for the whole block, alongside writers."""
        if self._async_engine is not None:
            return PostgresUnitOfWork(self._async_engine, readonly=True)
        assert self._reader is not None
        assert self._read_lanes is not None
        return SqliteReadUnitOfWork(
            self._reader, self._read_lanes, self._readers, statement_timeout=self._statement_timeout
        )

    async def close(self) -> None:
        """Dispose the engines and stop the worker threads."""
        if self._async_engine is not None:
            await self._async_engine.dispose()
        blocking_threads, self._blocking_threads = self._blocking_threads, None
        write_thread, self._write_thread = self._write_thread, None
        read_lanes, self._read_lanes = self._read_lanes, None
        engines = [engine for engine in (self._writer, self._reader, self._blocking) if engine is not None]
        file_lock, self._file_lock = self._file_lock, None

        def shutdown() -> None:
            if blocking_threads is not None:
                blocking_threads.shutdown(wait=True)
            if write_thread is not None:
                write_thread.shutdown(wait=True)
            if read_lanes is not None:
                read_lanes.shutdown(last=self._close_lane_connection)
            for engine in engines:
                engine.dispose()
            if file_lock is not None:
                file_lock.close()

        if blocking_threads or write_thread or read_lanes or engines or file_lock:
            await asyncio.to_thread(shutdown)

"""A fork supervisor: N worker processes serving one port, restarted when they die.

The parent does the once-only work (settings, the signing secret, the database
check, ``SupervisorHooks.before_fork``) and then forks the workers; it serves
no requests itself and opens no database connection after forking.

Sockets. On Linux every worker binds a socket of its own with
``SO_REUSEPORT``, and the kernel spreads new connections over them evenly. One
listening socket shared by all workers (the classic pre-fork) lets whichever
worker wakes first accept; measured, one worker then took nearly every
keep-alive connection while the other idled. The parent holds a bound, never
listening ``SO_REUSEPORT`` socket on the port for its whole life: a port taken
by someone else is an error at start, and nobody else can take it between a
worker's death and its replacement. Where ``SO_REUSEPORT`` does not spread
connections (other platforms) the parent binds and listens once and the
workers inherit that socket. Connections waiting in the backlog of a worker's
own socket when it dies are reset: the client retries.

Restarts. A worker that exits while the supervisor runs is replaced after a
back-off: 0.5 s after its first quick death, then 1 s, 2 s, ... at most 30 s, so
a worker that cannot start (a database that refuses, a Redis that does not
answer) does not spin. A worker that lived ``STABLE_AFTER`` seconds resets its
slot's back-off.

Stopping. SIGTERM or SIGINT to the supervisor is passed to every worker as
SIGTERM (each stops accepting, finishes what is in flight within the grace
and exits); the supervisor waits for them and exits 0. Workers still running
5 s after the grace are killed, and the supervisor exits 1. A second signal
kills the workers at once (SIGKILL) and the supervisor exits 1. Workers get a
process group of their own, so a Ctrl-C on the terminal reaches the supervisor
only, which passes it on once; on Linux a worker is also sent SIGTERM if the
supervisor itself dies.
"""

from __future__ import annotations

import contextlib
import ctypes
import ctypes.util
import logging
import os
import select
import signal
import socket
import sys
import time
from collections.abc import Callable

import attrs

from .serving import SupervisorHooks

__all__ = ["MAX_BACKOFF", "STABLE_AFTER", "Supervisor", "backoff", "reuse_port_available"]

_log = logging.getLogger("offertracker.supervisor")

FIRST_BACKOFF = 0.5
MAX_BACKOFF = 30.0
STABLE_AFTER = 10.0
"""Seconds a worker must have lived for its death to count as a fresh one (back-off reset)."""
KILL_AFTER_GRACE = 5.0
"""Seconds past the grace before workers that did not stop are killed."""
BACKLOG = 1024

_PR_SET_PDEATHSIG = 1


def backoff(quick_deaths: int) -> float:
    """Seconds before restarting a worker after its ``quick_deaths``-th quick death in a row (from 1)."""
    return min(MAX_BACKOFF, FIRST_BACKOFF * 2.0 ** max(0, quick_deaths - 1))


def reuse_port_available() -> bool:
    """Whether each worker can bind its own socket and have the kernel balance between them (Linux)."""
    return sys.platform.startswith("linux") and hasattr(socket, "SO_REUSEPORT")


def _bound_socket(host: str, port: int, *, reuse_port: bool) -> socket.socket:
    """A TCP socket bound to the first address ``host`` resolves to, not yet listening."""
    family, kind, proto, _, address = socket.getaddrinfo(
        host or None, port, type=socket.SOCK_STREAM, flags=socket.AI_PASSIVE
    )[0]
    sock = socket.socket(family, kind, proto)
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        if reuse_port:
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
        sock.bind(address)
    except BaseException:
        sock.close()
        raise
    return sock


@attrs.define
class _Slot:
    """One worker place: its running pid (None between a death and the restart) and back-off state."""

    pid: int | None = None
    started: float = 0.0
    quick_deaths: int = 0
    restart_at: float | None = None


class Supervisor:
    """Runs ``workers`` processes of ``serve_worker`` on ``host``:``port`` (see the module docstring).

    ``serve_worker(sock)`` runs in each forked worker with its listening socket
    and returns when the worker stopped cleanly (raising if it could not
    start). ``grace`` is the shutdown grace the workers honour.
    """

    def __init__(
        self,
        serve_worker: Callable[[socket.socket], None],
        *,
        host: str,
        port: int,
        workers: int,
        grace: float,
        hooks: SupervisorHooks | None = None,
        reuse_port: bool | None = None,
    ) -> None:
        if workers < 1:
            raise ValueError("workers must be at least 1")
        self._serve_worker = serve_worker
        self._host, self._port = host, port
        self._grace = grace
        self._hooks = hooks or SupervisorHooks()
        self._reuse_port = reuse_port_available() if reuse_port is None else reuse_port
        self._slots = [_Slot() for _ in range(workers)]
        self._held: socket.socket | None = None
        self._signals: list[int] = []
        self._stopping_since: float | None = None
        self._forced = False

    def run(self) -> int:
        """Start the workers and supervise them until stopped; the exit status (0: a clean stop)."""
        self._held = _bound_socket(self._host, self._port, reuse_port=self._reuse_port)
        if not self._reuse_port:
            self._held.listen(BACKLOG)
        wake_read, wake_write = os.pipe()
        os.set_blocking(wake_read, False)
        os.set_blocking(wake_write, False)
        previous = {
            signum: signal.signal(signum, self._on_signal)
            for signum in (signal.SIGTERM, signal.SIGINT, signal.SIGCHLD)
        }
        previous_wakeup = signal.set_wakeup_fd(wake_write)
        try:
            if self._hooks.before_fork is not None:
                self._hooks.before_fork()
            for slot in self._slots:
                self._start(slot, wake_read, wake_write)
            while not self._finished():
                select.select([wake_read], [], [], self._timeout())
                with contextlib.suppress(BlockingIOError):
                    os.read(wake_read, 512)
                self._handle_signals()
                self._reap()
                self._restart_due(wake_read, wake_write)
                self._kill_overdue()
        finally:
            signal.set_wakeup_fd(previous_wakeup)
            for signum, handler in previous.items():
                signal.signal(signum, handler)
            os.close(wake_read)
            os.close(wake_write)
            self._held.close()
        _log.info("all workers stopped%s", " (forced)" if self._forced else "")
        return 1 if self._forced else 0

    # -- the loop's steps

    def _on_signal(self, signum: int, _frame: object) -> None:
        self._signals.append(signum)  # handled in the loop, which set_wakeup_fd wakes

    def _finished(self) -> bool:
        return self._stopping_since is not None and all(slot.pid is None for slot in self._slots)

    def _timeout(self) -> float | None:
        now = time.monotonic()
        if self._stopping_since is not None:
            return max(0.0, self._stopping_since + self._grace + KILL_AFTER_GRACE - now)
        due = [slot.restart_at for slot in self._slots if slot.restart_at is not None]
        return max(0.0, min(due) - now) if due else None

    def _handle_signals(self) -> None:
        while self._signals:
            signum = self._signals.pop(0)
            if signum == signal.SIGCHLD:
                continue  # reaped below
            if self._stopping_since is None:
                _log.info(
                    "%s, stopping %d workers (grace %g s)",
                    signal.Signals(signum).name,
                    self._running(),
                    self._grace,
                )
                self._stopping_since = time.monotonic()
                for slot in self._slots:
                    slot.restart_at = None
                self._send(signal.SIGTERM)
            else:
                _log.warning("second %s, killing the workers", signal.Signals(signum).name)
                self._forced = True
                self._send(signal.SIGKILL)

    def _reap(self) -> None:
        while True:
            try:
                pid, status = os.waitpid(-1, os.WNOHANG)
            except ChildProcessError:
                return
            if pid == 0:
                return
            slot = next((s for s in self._slots if s.pid == pid), None)
            if slot is None:
                continue
            slot.pid = None
            if self._hooks.worker_exited is not None:
                self._hooks.worker_exited(pid)
            if self._stopping_since is not None:
                _log.info("worker %d stopped (%s)", pid, _describe(status))
                continue
            lived = time.monotonic() - slot.started
            slot.quick_deaths = 1 if lived >= STABLE_AFTER else slot.quick_deaths + 1
            delay = backoff(slot.quick_deaths)
            slot.restart_at = time.monotonic() + delay
            _log.warning(
                "worker %d exited (%s) after %.1f s; restarting in %g s", pid, _describe(status), lived, delay
            )

    def _restart_due(self, wake_read: int, wake_write: int) -> None:
        if self._stopping_since is not None:
            return
        now = time.monotonic()
        for slot in self._slots:
            if slot.restart_at is not None and slot.restart_at <= now:
                slot.restart_at = None
                self._start(slot, wake_read, wake_write)

    def _kill_overdue(self) -> None:
        if self._stopping_since is None or self._forced:
            return
        if time.monotonic() >= self._stopping_since + self._grace + KILL_AFTER_GRACE and self._running():
            _log.warning("workers still running after the grace, killing them")
            self._forced = True
            self._send(signal.SIGKILL)

    # -- workers

    def _running(self) -> int:
        return sum(slot.pid is not None for slot in self._slots)

    def _send(self, signum: int) -> None:
        for slot in self._slots:
            if slot.pid is not None:
                with contextlib.suppress(ProcessLookupError):
                    os.kill(slot.pid, signum)

    def _start(self, slot: _Slot, wake_read: int, wake_write: int) -> None:
        _flush()
        pid = os.fork()
        if pid == 0:  # the worker: never returns into the supervisor's code
            status = 1
            try:
                self._become_worker(wake_read, wake_write)
                status = 0
            except BaseException:
                logging.getLogger("offertracker.worker").exception("worker %d failed", os.getpid())
            finally:
                _flush()
                os._exit(status)
        slot.pid, slot.started = pid, time.monotonic()
        _log.info("worker %d started", pid)

    def _become_worker(self, wake_read: int, wake_write: int) -> None:
        signal.set_wakeup_fd(-1)
        for signum in (signal.SIGTERM, signal.SIGINT, signal.SIGCHLD):
            signal.signal(signum, signal.SIG_DFL)
        os.close(wake_read)
        os.close(wake_write)
        os.setpgid(0, 0)  # a terminal's Ctrl-C goes to the supervisor, which passes it on once
        _die_with_parent()
        held = self._held
        assert held is not None
        if self._reuse_port:
            held.close()
            sock = _bound_socket(self._host, self._port, reuse_port=True)
            sock.listen(BACKLOG)
        else:
            sock = held
        self._serve_worker(sock)


def _die_with_parent() -> None:
    """On Linux: have the kernel send this process SIGTERM when the supervisor dies."""
    if not sys.platform.startswith("linux"):
        return
    with contextlib.suppress(OSError, AttributeError):
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6", use_errno=True)
        libc.prctl(_PR_SET_PDEATHSIG, signal.SIGTERM)
        if os.getppid() == 1:  # the supervisor died before prctl took effect
            os.kill(os.getpid(), signal.SIGTERM)


def _describe(status: int) -> str:
    if os.WIFSIGNALED(status):
        return f"killed by {signal.Signals(os.WTERMSIG(status)).name}"
    return f"exit status {os.waitstatus_to_exitcode(status)}"


def _flush() -> None:
    for handler in logging.getLogger().handlers:
        handler.flush()
    sys.stdout.flush()
    sys.stderr.flush()

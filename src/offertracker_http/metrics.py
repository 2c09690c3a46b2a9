"""Prometheus metrics: what is counted, how ``GET /metrics`` serves it, and multi-process mode.

Counted (every label value comes from a fixed set, never from a request's data):

- ``offertracker_http_requests_total{route, method, status}``: requests answered.
- ``offertracker_http_request_duration_seconds{route, method}``: a histogram of their latency.
- ``offertracker_db_connections_in_use``: connections units of work hold, sampled at scrape
  time (``SqlStorage.connections_in_use``).
- ``offertracker_rate_limit_refusals_total{limit}``: attempts refused with 429, by the limit
  that refused them (the one with the longer wait when two were spent).

``route`` is the route template (``/api/v1/applications/{application_id}``), or
:data:`UNMATCHED` for a path no route has (404) or a method it does not take
(405), so a scanner trying a million paths adds one series, not a million.
``method`` is one of :data:`METHODS` or ``other``.

Each application counts into a registry of its own. With several server
processes, the parent calls :func:`prepare_multiprocess` before forking, each
process writes its values into files of that directory (prometheus-client's
multi-process mode), and a scrape of any process reads them all
(``MultiProcessCollector``); the connections gauge sums the live processes
(``livesum``), each refreshed every :data:`SAMPLE_INTERVAL` seconds and the
scraped one at scrape time. The parent calls :func:`worker_exited` for every
worker that ends, so a dead worker's gauge no longer counts.
"""

from __future__ import annotations

import asyncio
import hmac
import os
from collections.abc import AsyncIterator, Iterable
from pathlib import Path
from typing import Protocol, runtime_checkable

from aiohttp import web
from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, multiprocess, values
from prometheus_client.exposition import choose_encoder

__all__ = [
    "METHODS",
    "MULTIPROC_ENV",
    "OTHER_METHOD",
    "SAMPLE_INTERVAL",
    "UNMATCHED",
    "ConnectionCount",
    "HttpMetrics",
    "prepare_multiprocess",
    "worker_exited",
]

MULTIPROC_ENV = "PROMETHEUS_MULTIPROC_DIR"
"""The variable prometheus-client reads the multi-process directory from."""

UNMATCHED = "unmatched"
"""The ``route`` label of a request no route matched (a 404 or a 405)."""

METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})
OTHER_METHOD = "other"
"""The ``method`` label of any method outside :data:`METHODS` (a client may send any token)."""

SAMPLE_INTERVAL = 1.0
"""Seconds between refreshes of a process's connections gauge in multi-process mode."""


@runtime_checkable
class ConnectionCount(Protocol):
    """Storage that can say how many database connections are in use (``SqlStorage`` can)."""

    def connections_in_use(self) -> int:
        """Connections held by units of work right now."""


def prepare_multiprocess(directory: str | os.PathLike[str]) -> Path:
    """Set up multi-process metrics in ``directory``; call once in the parent, before forking.

    Creates the directory (0700) or empties it of a previous run's ``*.db`` files
    (whose counts would otherwise be added to this run's), sets
    ``PROMETHEUS_MULTIPROC_DIR`` for this process and the workers it forks, and
    switches prometheus-client to file-backed values, which it otherwise picks
    only when the variable was set before it was imported.
    """
    path = Path(directory).absolute()
    path.mkdir(mode=0o700, parents=True, exist_ok=True)
    for stale in path.glob("*.db"):
        stale.unlink()
    os.environ[MULTIPROC_ENV] = str(path)
    values.ValueClass = values.get_value_class()  # type: ignore[no-untyped-call]
    return path


def worker_exited(pid: int, directory: str | os.PathLike[str] | None = None) -> None:
    """Drop the live gauges of worker ``pid``, which has exited; its counters keep counting.

    Call it in the parent for every worker that ends (``directory`` defaults to
    ``PROMETHEUS_MULTIPROC_DIR``).
    """
    path = os.fspath(directory) if directory is not None else None
    multiprocess.mark_process_dead(pid, path)  # type: ignore[no-untyped-call]


class HttpMetrics:
    """The metrics of one application, in a registry of its own (see the module docstring)."""

    def __init__(self, *, limits: Iterable[str] = ()) -> None:
        self.multiprocess_dir = os.environ.get(MULTIPROC_ENV) or None
        self.registry = CollectorRegistry()
        self.requests = Counter(
            "offertracker_http_requests",
            "HTTP requests answered, by route template, method and status.",
            ["route", "method", "status"],
            registry=self.registry,
        )
        self.latency = Histogram(
            "offertracker_http_request_duration_seconds",
            "Time from a request's arrival at the application to its answer, by route template.",
            ["route", "method"],
            registry=self.registry,
        )
        self.connections = Gauge(
            "offertracker_db_connections_in_use",
            "Database connections held by units of work (every live server process together).",
            multiprocess_mode="livesum",
            registry=self.registry,
        )
        self.refusals = Counter(
            "offertracker_rate_limit_refusals",
            "Attempts refused with 429, by the limit that refused them.",
            ["limit"],
            registry=self.registry,
        )
        for limit in limits:
            self.refusals.labels(limit)  # present at 0 from the start, so rate() has a baseline

    def observe(self, route: str, method: str, status: int, seconds: float) -> None:
        """Count one answered request and its latency."""
        method = method if method in METHODS else OTHER_METHOD
        self.requests.labels(route, method, str(status)).inc()
        self.latency.labels(route, method).observe(seconds)

    def refused(self, limit: str) -> None:
        """Count one attempt refused by ``limit`` (a fixed name, see ``throttle.LIMITS``)."""
        self.refusals.labels(limit).inc()

    def sample(self, storage: object) -> None:
        """Set the connections gauge from ``storage`` (left alone if it cannot count them)."""
        if isinstance(storage, ConnectionCount):
            self.connections.set(storage.connections_in_use())

    def exposition(self, accept: str = "") -> tuple[bytes, str]:
        """The exposition and its content type: this registry's, or every process's in multi-process
        mode; Prometheus' text format unless ``accept`` (the Accept header) asks for OpenMetrics."""
        encode, content_type = choose_encoder(accept)
        if self.multiprocess_dir is None:
            return encode(self.registry), content_type
        registry = CollectorRegistry()  # fresh per scrape: the collector reads the files as they are now
        multiprocess.MultiProcessCollector(registry, path=self.multiprocess_dir)  # type: ignore[no-untyped-call]
        return encode(registry), content_type

    async def sampling(self, storage: object) -> AsyncIterator[None]:
        """Refresh the gauge every :data:`SAMPLE_INTERVAL` s while running, in multi-process mode only.

        Another process's scrape reads this process's gauge from its file, so the file must
        not wait for this process to be scraped itself.
        """
        if self.multiprocess_dir is None or not isinstance(storage, ConnectionCount):
            yield
            return

        async def refresh() -> None:
            while True:
                self.sample(storage)
                await asyncio.sleep(SAMPLE_INTERVAL)

        task = asyncio.create_task(refresh())
        try:
            yield
        finally:
            task.cancel()


def authorized(request: web.Request, token: str | None) -> bool:
    """Whether ``request`` may read the metrics: no token configured, or its bearer token is it."""
    if token is None:
        return True
    scheme, _, given = request.headers.get("Authorization", "").partition(" ")
    if scheme.lower() != "bearer":
        return False
    # Constant time: the comparison must not tell a guesser how many leading characters were right.
    return hmac.compare_digest(given.strip().encode("utf-8", "replace"), token.encode("utf-8"))


def exposition_response(body: bytes, content_type: str) -> web.Response:
    """``body`` in its exposition format, never cached."""
    return web.Response(body=body, headers={"Content-Type": content_type, "Cache-Control": "no-store"})

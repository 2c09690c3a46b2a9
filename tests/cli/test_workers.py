"""``offertracker serve --workers 2``: real processes on a real port, killed, stopped and loaded.

Every test starts the CLI in a subprocess (this checkout's ``src`` on its path) with a data
directory of its own, waits until it answers, and looks at it from outside: HTTP answers,
the process tree under ``/proc``, the log, exit statuses, and the database afterwards.
"""

from __future__ import annotations

import asyncio
import collections
import contextlib
import json
import os
import re
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.request
from collections.abc import Callable, Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from uuid import uuid4

import aiohttp
import pytest
import redis
from prometheus_client.parser import text_string_to_metric_families
from sqlalchemy import create_engine, text
from sqlalchemy.pool import NullPool

from ..conftest import fresh_database_url

pytestmark = pytest.mark.skipif(
    not sys.platform.startswith("linux"), reason="reads the process tree in /proc"
)

SRC = Path(__file__).resolve().parents[2] / "src"
API = "/api/v1"
PASSWORD = "correct horse battery"
ACCESS = re.compile(r"\[(\d+)\] offertracker\.access: (\w+) (\S+) (\d{3}) ")


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _children(pid: int) -> set[int]:
    try:
        return {int(p) for p in Path(f"/proc/{pid}/task/{pid}/children").read_text().split()}
    except FileNotFoundError:
        return set()


class Server:
    """A running ``offertracker serve`` and what can be observed of it."""

    def __init__(self, proc: subprocess.Popen[bytes], base: str, log: Path) -> None:
        self.proc, self.base, self.log = proc, base, log

    @property
    def workers(self) -> set[int]:
        return _children(self.proc.pid)

    def text(self) -> str:
        return self.log.read_text(errors="replace")

    def answered_by(self, method: str, route: str) -> list[tuple[int, int]]:
        """(worker pid, status) of every access-log line for ``method route``, in order.

        Reads text lines and JSON lines alike; a line still being written is skipped.
        """
        answered = []
        for line in self.text().splitlines():
            if line.startswith("{"):
                with contextlib.suppress(ValueError):
                    entry = json.loads(line)
                    if entry["logger"] == "offertracker.access" and (entry["method"], entry["route"]) == (
                        method,
                        route,
                    ):
                        answered.append((int(entry["pid"]), int(entry["status"])))
            elif (match := ACCESS.search(line)) and match.group(2, 3) == (method, route):
                answered.append((int(match.group(1)), int(match.group(4))))
        return answered

    def wait_for(self, condition: Callable[[], bool], timeout: float = 10.0) -> None:
        deadline = time.monotonic() + timeout
        while not condition():
            assert time.monotonic() < deadline, f"timed out; log:\n{self.text()[-2000:]}"
            assert self.proc.poll() is None, (
                f"the server exited {self.proc.returncode}:\n{self.text()[-2000:]}"
            )
            time.sleep(0.05)


@pytest.fixture
def start(tmp_path: Path) -> Iterator[Callable[..., Server]]:
    """Start the CLI with ``--workers`` and extra environment variables; it is killed afterwards."""
    started: list[Server] = []

    def start(workers: int = 2, *, wait: bool = True, **env: str) -> Server:
        port = _free_port()
        log = tmp_path / f"server-{len(started)}.log"
        environ = {
            k: v
            for k, v in os.environ.items()
            if not k.startswith("OFFERTRACKER_") or k.startswith("OFFERTRACKER_TEST")
        }
        environ.update(PYTHONPATH=str(SRC), OFFERTRACKER_DATA_DIR=str(tmp_path / "data"), **env)
        with log.open("wb") as out:
            proc = subprocess.Popen(
                [
                    sys.executable,
                    "-m",
                    "offertracker_http.cli",
                    "serve",
                    "--port",
                    str(port),
                    "--workers",
                    str(workers),
                ],
                env=environ,
                stdout=out,
                stderr=subprocess.STDOUT,
            )
        server = Server(proc, f"http://127.0.0.1:{port}", log)
        started.append(server)
        if wait:
            server.wait_for(lambda: _answers(server.base) and len(server.workers) == workers, timeout=30)
        return server

    yield start
    for server in started:
        if server.proc.poll() is None:
            for pid in server.workers:
                with _suppress_gone():
                    os.kill(pid, signal.SIGKILL)
            server.proc.kill()
            server.proc.wait()


class _suppress_gone:
    def __enter__(self) -> None:
        return None

    def __exit__(self, *exc: object) -> bool:
        return exc[0] is ProcessLookupError


def _exists(pid: int) -> bool:
    return Path(f"/proc/{pid}").exists()


def _answers(base: str) -> bool:
    try:
        with urllib.request.urlopen(f"{base}/", timeout=1) as response:
            return bool(response.status == 200)
    except OSError:
        return False


def _fresh_connections() -> aiohttp.ClientSession:
    # A new connection per request, so the kernel picks a worker for each one.
    return aiohttp.ClientSession(connector=aiohttp.TCPConnector(force_close=True))


async def _register(session: aiohttp.ClientSession, base: str, name: str) -> dict[str, str]:
    body = {"email": f"{name}@example.com", "username": name, "password": PASSWORD}
    async with session.post(f"{base}{API}/auth/register", json=body) as resp:
        assert resp.status == 201, await resp.text()
        return {"Authorization": f"Bearer {(await resp.json())['access_token']}"}


@pytest.fixture
def slow_page() -> Iterator[tuple[str, threading.Event, list[float]]]:
    """A local web page answering after ``delay[0]`` seconds; the event is set when a request arrived."""
    arrived = threading.Event()
    delay = [2.0]

    class Slow(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            arrived.set()
            time.sleep(delay[0])
            body = b"<html><body>No jobs here.</body></html>"
            self.send_response(200)
            self.send_header("Content-Type", "text/html")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args: Any) -> None:
            pass

    httpd = ThreadingHTTPServer(("127.0.0.1", 0), Slow)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}/jobs", arrived, delay
    httpd.shutdown()
    httpd.server_close()


async def _slow_import(base: str, headers: dict[str, str], url: str) -> int | str:
    try:
        async with (
            _fresh_connections() as session,
            session.post(f"{base}{API}/imports", json={"url": url}, headers=headers) as resp,
        ):
            await resp.read()
            return resp.status
    except aiohttp.ClientError as exc:
        return type(exc).__name__


async def _slow_import_in_flight(
    start: Callable[..., Server], url: str, arrived: threading.Event
) -> tuple[Server, asyncio.Task[int | str]]:
    """Two workers, one of them busy importing the slow page (which has received the request)."""
    server = start(2, OFFERTRACKER_IMPORT_ALLOW_PRIVATE_URLS="1")
    async with _fresh_connections() as session:
        headers = await _register(session, server.base, "ada")
    request = asyncio.create_task(_slow_import(server.base, headers, url))
    await asyncio.to_thread(arrived.wait, 10)
    return server, request


async def test_a_killed_worker_is_replaced_and_requests_keep_succeeding(start: Callable[..., Server]) -> None:
    server = start(2)
    victim, survivor = sorted(server.workers)

    os.kill(victim, signal.SIGKILL)
    statuses = []
    async with _fresh_connections() as session:
        for _ in range(30):
            async with session.get(f"{server.base}/") as resp:
                statuses.append(resp.status)
            await asyncio.sleep(0.03)
    server.wait_for(lambda: len(server.workers) == 2 and victim not in server.workers)

    assert statuses == [200] * 30
    assert survivor in server.workers
    assert f"worker {victim} exited (killed by SIGKILL)" in server.text()
    assert "restarting in 0.5 s" in server.text()


def test_two_workers_without_redis_warn_that_attempt_counters_are_per_process(
    start: Callable[..., Server],
) -> None:
    server = start(2, wait=False)
    server.wait_for(lambda: "offertracker.supervisor: 2 workers without" in server.text())

    warning = (
        f"WARNING [{server.proc.pid}] offertracker.supervisor: 2 workers without OFFERTRACKER_REDIS_URL: "
        "login and registration limits are counted per process, so a client gets up to 2 times the "
        "configured attempts"
    )
    assert any(line.endswith(warning) for line in server.text().splitlines())


async def test_sigterm_lets_a_slow_request_in_flight_finish_and_exits_zero(
    start: Callable[..., Server], slow_page: tuple[str, threading.Event, list[float]]
) -> None:
    url, arrived, _ = slow_page
    server, request = await _slow_import_in_flight(start, url, arrived)
    workers = server.workers
    server.proc.send_signal(signal.SIGTERM)
    status = await request
    code = await asyncio.to_thread(server.proc.wait, 20)

    assert status == 200  # answered in full (a page without jobs), ~2 s after the signal
    assert code == 0
    assert not any(_exists(pid) for pid in workers)
    assert server.text().count("stopped (exit status 0)") == 2


async def test_a_second_signal_kills_the_workers_at_once(
    start: Callable[..., Server], slow_page: tuple[str, threading.Event, list[float]]
) -> None:
    url, arrived, delay = slow_page
    delay[0] = 20.0
    server, request = await _slow_import_in_flight(start, url, arrived)
    workers = server.workers
    server.proc.send_signal(signal.SIGTERM)
    await asyncio.sleep(0.3)
    started = time.monotonic()
    server.proc.send_signal(signal.SIGINT)
    code = await asyncio.to_thread(server.proc.wait, 10)
    took = time.monotonic() - started

    assert code == 1
    assert took < 2.0  # not the 20 s the request would have needed, nor the 30 s grace
    assert await request == "ServerDisconnectedError"
    assert not any(_exists(pid) for pid in workers)
    assert "second SIGINT, killing the workers" in server.text()


def test_a_worker_that_cannot_start_is_restarted_with_a_growing_back_off(
    start: Callable[..., Server],
) -> None:
    # Nothing listens on this port, so every worker fails its start-up (Redis PING) at once.
    server = start(2, wait=False, OFFERTRACKER_REDIS_URL=f"redis://127.0.0.1:{_free_port()}/0")
    server.wait_for(lambda: server.text().count("restarting in 2 s") == 2, timeout=15)
    server.proc.send_signal(signal.SIGTERM)
    code = server.proc.wait(10)

    delays = [float(d) for d in re.findall(r"restarting in ([\d.]+) s", server.text())]
    assert delays[:6] == [0.5, 0.5, 1.0, 1.0, 2.0, 2.0]
    assert code == 0


@pytest.mark.redis
async def test_a_login_limit_of_ten_holds_across_both_workers_through_redis(
    start: Callable[..., Server],
) -> None:
    url = os.environ.get("OFFERTRACKER_TEST_REDIS_URL")
    if not url:
        pytest.skip("OFFERTRACKER_TEST_REDIS_URL not set")
    prefix = f"offertracker-test-{uuid4().hex[:12]}:"
    server = start(
        2,
        OFFERTRACKER_REDIS_URL=url,
        OFFERTRACKER_REDIS_KEY_PREFIX=prefix,
        OFFERTRACKER_LOGIN_LIMIT_ACCOUNT="10/15 minutes",
    )
    try:
        statuses = []
        async with _fresh_connections() as session:
            await _register(session, server.base, "ada")
            for password in ["wrong password"] * 11 + [PASSWORD]:
                body = {"email": "ada@example.com", "password": password}
                async with session.post(f"{server.base}{API}/auth/login", json=body) as resp:
                    statuses.append(resp.status)
        server.wait_for(lambda: len(server.answered_by("POST", f"{API}/auth/login")) == 12)
        answered = server.answered_by("POST", f"{API}/auth/login")
    finally:
        with redis.Redis.from_url(url) as client:
            keys = list(client.scan_iter(match=f"{prefix}*"))
            if keys:
                client.delete(*keys)

    assert statuses == [401] * 10 + [429, 429]  # the right password too, once the window is spent
    assert {pid for pid, _ in answered} == server.workers  # both workers counted into one window
    assert keys  # the counters were in Redis, under the configured prefix


@pytest.mark.parametrize("backend", ["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
async def test_two_workers_writing_at_once_lose_nothing(
    start: Callable[..., Server], backend: str, request: pytest.FixtureRequest, tmp_path: Path
) -> None:
    env = (
        {}
        if backend == "sqlite"
        else {"OFFERTRACKER_DATABASE_URL": fresh_database_url(backend, request, tmp_path)}
    )
    server = start(2, **env)
    async with _fresh_connections() as session:
        headers = await _register(session, server.base, "ada")
    statuses: list[int] = []

    async def create(i: int, session: aiohttp.ClientSession) -> None:
        body = {"company_name": f"Company {i}", "role_title": "Engineer", "priority": "Medium"}
        async with session.post(f"{server.base}{API}/applications/", json=body, headers=headers) as resp:
            statuses.append(resp.status)

    connector = aiohttp.TCPConnector(force_close=True, limit=16)
    async with aiohttp.ClientSession(connector=connector) as session:
        await asyncio.gather(*(create(i, session) for i in range(200)))
        async with session.get(f"{server.base}{API}/applications/?limit=1000", headers=headers) as resp:
            listed = await resp.json()
    server.wait_for(lambda: len(server.answered_by("POST", f"{API}/applications/")) == 200)

    assert statuses == [201] * 200
    assert sorted(item["company_name"] for item in listed) == sorted(f"Company {i}" for i in range(200))
    assert {pid for pid, _ in server.answered_by("POST", f"{API}/applications/")} == server.workers


@pytest.mark.postgres
async def test_two_workers_open_exactly_workers_times_the_pool_size_plus_the_probe_on_postgresql(
    start: Callable[..., Server], request: pytest.FixtureRequest, tmp_path: Path
) -> None:
    url = fresh_database_url("postgres", request, tmp_path)
    server = start(2, OFFERTRACKER_DATABASE_URL=url, OFFERTRACKER_DB_POOL_SIZE="3")
    engine = create_engine(url, poolclass=NullPool)

    def connections() -> int:
        with engine.connect() as conn:
            return int(
                conn.execute(
                    text(
                        "SELECT count(*) FROM pg_stat_activity "
                        "WHERE datname = current_database() AND pid <> pg_backend_pid()"
                    )
                ).scalar_one()
            )

    async with _fresh_connections() as session:
        headers = await _register(session, server.base, "ada")

    async def burst() -> None:
        connector = aiohttp.TCPConnector(force_close=True, limit=64)
        async with aiohttp.ClientSession(connector=connector, headers=headers) as session:

            async def one() -> None:
                async with session.get(f"{server.base}{API}/applications/?limit=100") as resp:
                    assert resp.status == 200

            async def probe() -> None:
                async with session.get(f"{server.base}/readyz") as resp:
                    assert resp.status == 200

            await asyncio.gather(*(one() for _ in range(200)), *(probe() for _ in range(20)))

    try:
        counts = []
        for _ in range(10):  # pools open lazily: load until every worker holds all it may
            await burst()
            counts.append(await asyncio.to_thread(connections))
            if counts[-1] == 8:
                break
        await burst()  # and more load opens no more
        counts.append(await asyncio.to_thread(connections))
    finally:
        engine.dispose()

    assert counts[-2:] == [8, 8]  # 2 workers x (OFFERTRACKER_DB_POOL_SIZE 3 + the readiness probe's 1)


async def _served(session: aiohttp.ClientSession, base: str, route: str) -> int:
    """Requests to ``route`` answered 200, as one scrape of ``/metrics`` reports them."""
    async with session.get(f"{base}/metrics") as resp:
        assert resp.status == 200
        exposition = await resp.text()
    return int(
        sum(
            sample.value
            for family in text_string_to_metric_families(exposition)
            for sample in family.samples
            if sample.name == "offertracker_http_requests_total"
            and sample.labels["route"] == route
            and sample.labels["status"] == "200"
        )
    )


async def test_two_workers_report_every_request_in_whichever_scrape_and_keep_a_dead_workers_counts(
    start: Callable[..., Server],
) -> None:
    server = start(2, OFFERTRACKER_METRICS="1", OFFERTRACKER_LOG_FORMAT="json")
    async with _fresh_connections() as session:
        for _ in range(20):
            async with session.get(f"{server.base}/healthz") as resp:
                assert resp.status == 200
        scrapes = [await _served(session, server.base, "/healthz") for _ in range(4)]
        while {pid for pid, _ in server.answered_by("GET", "/metrics")} != server.workers:
            assert len(scrapes) < 40, "every scrape went to one worker"
            scrapes.append(await _served(session, server.base, "/healthz"))

        # The worker that answered most of them dies: its counts must outlive it.
        answered = collections.Counter(pid for pid, _ in server.answered_by("GET", "/healthz"))
        victim = answered.most_common(1)[0][0]
        os.kill(victim, signal.SIGKILL)
        server.wait_for(lambda: len(server.workers) == 2 and victim not in server.workers)
        after_death = [await _served(session, server.base, "/healthz") for _ in range(6)]

    assert set(scrapes) == {20}
    assert set(after_death) == {20}  # the dead worker's counts stay in the totals


def test_two_workers_write_json_log_lines_that_name_their_process(start: Callable[..., Server]) -> None:
    server = start(2, OFFERTRACKER_LOG_FORMAT="json")
    for _ in range(10):
        assert _answers(server.base)

    server.wait_for(lambda: len(server.answered_by("GET", "/")) >= 10)

    written = server.text().splitlines()
    plain = [line for line in written if not line.startswith("{")]
    lines = [json.loads(line) for line in written if line.startswith("{")]
    access = [line for line in lines if line["logger"] == "offertracker.access"]
    assert len(plain) == 1  # stdout's banner, the one line not logged
    assert plain[0].startswith("OfferTracker on http://127.0.0.1:")
    assert server.proc.pid in {line["pid"] for line in lines}  # the supervisor's lines
    assert {line["pid"] for line in access} <= server.workers
    assert len(access) >= 10
    assert all(line["route"] == "/" and len(line["request_id"]) == 32 for line in access)

"""Multi-process metrics: two real server processes write to one directory; one scrape sums both.

The directory is prepared as the ``--workers`` supervisor will prepare it
(:func:`prepare_multiprocess`, in a process of its own so this test process's
prometheus-client stays in single-process mode), and :func:`worker_exited` is
called for the worker that was killed, as the supervisor will. SQLite only:
the processes share one database file, which is all the gauge needs.
"""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
from pathlib import Path

import aiohttp

from offertracker_http.metrics import MULTIPROC_ENV, worker_exited

from .httpkit import JWT_SECRET
from .opskit import REPO, data_dir_from, free_port, server_process, value

REQUESTS = "offertracker_http_requests_total"
CONNECTIONS = "offertracker_db_connections_in_use"


def prepare(directory: Path) -> None:
    code = (
        "from offertracker_http.metrics import prepare_multiprocess; "
        f"prepare_multiprocess({str(directory)!r})"
    )
    env = {**os.environ, "PYTHONPATH": str(REPO / "src")}
    subprocess.run([sys.executable, "-c", code], check=True, env=env)


async def scrape(http: aiohttp.ClientSession, port: int) -> str:
    async with http.get(f"http://127.0.0.1:{port}/metrics") as resp:
        assert resp.status == 200
        return await resp.text()


async def gauge_becomes(http: aiohttp.ClientSession, port: int, expected: float) -> str:
    """Scrape until the connections gauge reads ``expected`` (each worker refreshes it every second)."""
    for _ in range(50):
        text = await scrape(http, port)
        if value(text, CONNECTIONS) == expected:
            return text
        await asyncio.sleep(0.1)
    raise AssertionError(f"{CONNECTIONS} is {value(text, CONNECTIONS)}, not {expected}")


async def test_one_scrape_sums_both_workers_and_a_dead_workers_gauge_is_dropped(
    tmp_path: Path, sqlite_template: Path
) -> None:
    directory = tmp_path / "metrics"
    directory.mkdir()
    (directory / "counter_99999.db").write_bytes(b"stale counts of an earlier run")
    prepare(directory)
    assert list(directory.iterdir()) == []  # a previous run's counts would be added to this one's

    data_dir = data_dir_from(sqlite_template, tmp_path)
    env = {
        "OFFERTRACKER_DATA_DIR": str(data_dir),
        "OFFERTRACKER_JWT_SECRET": JWT_SECRET,
        "OFFERTRACKER_METRICS": "1",
        MULTIPROC_ENV: str(directory),
    }
    holder_port, other_port = free_port(), free_port()
    with (
        server_process(holder_port, env, hold=True) as holder,
        server_process(other_port, env),
    ):
        async with aiohttp.ClientSession() as http:
            for port, times in ((holder_port, 3), (other_port, 2)):
                for _ in range(times):
                    async with http.get(f"http://127.0.0.1:{port}/healthz") as resp:
                        assert resp.status == 200

            text = await gauge_becomes(http, other_port, 1)  # the holder's connection, seen from the other
            assert value(text, REQUESTS, route="/healthz", method="GET", status="200") == 5

            holder.send_signal(signal.SIGKILL)
            holder.wait(timeout=10)
            worker_exited(holder.pid, directory)

            text = await gauge_becomes(http, other_port, 0)
            # A dead worker's counts stay: counters only ever go up.
            assert value(text, REQUESTS, route="/healthz", method="GET", status="200") == 5
            assert value(text, REQUESTS, route="/metrics", method="GET", status="200") >= 1

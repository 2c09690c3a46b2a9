"""Helpers of the operator tests: scraping and parsing ``/metrics``, running server processes."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from typing import IO, Any

from aiohttp.test_utils import TestClient
from prometheus_client.parser import text_string_to_metric_families
from prometheus_client.samples import Sample

REPO = Path(__file__).resolve().parents[2]


def samples(text: str) -> list[Sample]:
    """Every sample of a text exposition."""
    return [sample for family in text_string_to_metric_families(text) for sample in family.samples]


def value(text: str, name: str, **labels: str) -> float:
    """The value of the one sample called ``name`` with exactly ``labels`` (0 when absent)."""
    found = [s.value for s in samples(text) if s.name == name and s.labels == labels]
    assert len(found) <= 1, found
    return found[0] if found else 0.0


async def scrape(client: TestClient, headers: Mapping[str, str] | None = None) -> str:
    """``GET /metrics``, which must answer 200 in Prometheus' text format."""
    resp = await client.get("/metrics", headers=headers)
    text = await resp.text()
    assert resp.status == 200, text
    assert resp.headers["Content-Type"].startswith("text/plain; version=0.0.4")
    return text


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@contextmanager
def server_process(
    port: int, env: Mapping[str, str], *, stderr: IO[Any] | int = subprocess.DEVNULL, hold: bool = False
) -> Iterator[subprocess.Popen[str]]:
    """Run :mod:`tests.http.ops_server` on ``port`` with ``env`` added; wait until it serves; stop it."""
    child_env = {**os.environ, **env, "PYTHONPATH": os.pathsep.join([str(REPO / "src"), str(REPO)])}
    args = [sys.executable, "-m", "tests.http.ops_server", str(port), *(["--hold"] if hold else [])]
    process = subprocess.Popen(
        args, cwd=REPO, env=child_env, stdout=subprocess.PIPE, stderr=stderr, text=True
    )
    try:
        assert process.stdout is not None
        line = process.stdout.readline()
        assert line.strip() == "ready", f"the server did not start: {line!r}"
        yield process
    finally:
        if process.poll() is None:
            process.terminate()
            process.wait(timeout=30)


def data_dir_from(template: Path, tmp_path: Path) -> Path:
    """A data directory under ``tmp_path`` holding a copy of the migrated SQLite ``template``."""
    data_dir = tmp_path / "data"
    data_dir.mkdir()
    shutil.copyfile(template, data_dir / "offertracker.db")
    return data_dir

"""CPU per request of each ``run.py`` scenario, split between the server process and PostgreSQL.

`python bench/cpu_per_request.py [run.py's options]`

``run.py`` measures throughput with the server pinned to one core; on PostgreSQL the database
runs beside it on both cores, so its req/s says how fast one server process goes, not what a
request costs each side. This runs ``run.py`` unchanged (same options, same scenarios, same table)
and meanwhile samples, every 100 ms, the CPU time (``/proc/<pid>/stat``: user + system, all
threads) of the OfferTracker server, of the bare handler, and of the PostgreSQL backends
connected to the benchmark's database (found by their process title; other databases on the same
server are left out, and so are PostgreSQL's background processes). For each scenario and round
it takes the CPU used in the middle of the load (from the end of the warm-up plus 0.5 s to 0.5 s
before the load generator exits, when the server is saturated), divides it by the wall time
(cores busy) and by the scenario's req/s (CPU milliseconds per request), and prints:

    scenario   req/s   server cores   DB cores   server ms/req   DB ms/req   req/s per server core   ...

The last columns are what capacity planning needs: how many requests one core of each side
serves. The record, with every round, goes to ``bench/results/cpu_per_request.json``.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import threading
import time
from pathlib import Path
from typing import Any

import run

RESULTS_FILE = run.BENCH_DIR / "results" / "cpu_per_request.json"
INTERVAL = 0.1
RESCAN = 1.0  # seconds between two searches of /proc for the database's backends
EDGE = 0.5  # seconds left out at each end of a load run: start-up and drain are not saturated
TICKS = os.sysconf("SC_CLK_TCK")


def cpu_seconds(pid: int) -> float:
    """User + system CPU seconds of process ``pid`` (all its threads); 0 once it is gone."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / TICKS  # utime, stime (fields 14 and 15)


def backends_of(database: str) -> list[int]:
    """The PostgreSQL backends whose process title names ``database``: ``postgres: user db host
    state``, after the cluster's name on Debian (``postgres: 15/main: user db host state``)."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            title = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
        except OSError:
            continue
        words = title.split()
        if words[:1] == ["postgres:"] and database in words[2:4]:
            found.append(int(entry.name))
    return found


class Sampler(threading.Thread):
    """Samples the CPU seconds of the watched processes every ``INTERVAL`` seconds."""

    def __init__(self, database: str | None) -> None:
        super().__init__(daemon=True)
        self.database = database
        self.pids: dict[str, int] = {}
        self.samples: list[tuple[float, dict[str, float]]] = []
        self._halt = threading.Event()
        self._seen: dict[int, float] = {}  # backend pid -> its last reading (a backend may exit)
        self._scanned = 0.0

    def reading(self) -> dict[str, float]:
        """CPU seconds so far: the named processes, and all backends of the database together."""
        now = {name: cpu_seconds(pid) for name, pid in self.pids.items()}
        if self.database:
            # Searching /proc costs far more than reading a few stat files, and the sampler shares
            # the load generator's core: search once a second, read the known backends each time.
            if time.monotonic() - self._scanned > RESCAN:
                self._scanned = time.monotonic()
                for pid in backends_of(self.database):
                    self._seen.setdefault(pid, 0.0)
            for pid in self._seen:
                self._seen[pid] = cpu_seconds(pid) or self._seen[pid]
            now["database"] = sum(self._seen.values())
        return now

    def run(self) -> None:
        while not self._halt.is_set():
            self.samples.append((time.monotonic(), self.reading()))
            time.sleep(INTERVAL)

    def stop(self) -> None:
        self._halt.set()
        self.join()

    def between(self, start: float, end: float) -> tuple[float, dict[str, float]]:
        """Wall seconds and CPU seconds per process between the samples nearest ``start`` and ``end``."""
        inside = [s for s in self.samples if start <= s[0] <= end]
        if len(inside) < 2:
            return 0.0, {}
        (t0, first), (t1, last) = inside[0], inside[-1]
        return t1 - t0, {name: last.get(name, 0.0) - first.get(name, 0.0) for name in last}


def database_name(url: str | None) -> str | None:
    """The PostgreSQL database of ``url``, or None for SQLite (whose work is in the server)."""
    if not url or url.startswith("sqlite"):
        return None
    from sqlalchemy.engine import make_url

    return make_url(url).database


def instrumented(sampler: Sampler, windows: list[dict[str, Any]]) -> None:
    """Wrap ``run``'s server start-ups and load runs so the sampler knows the pids and windows."""
    start_server, start_bare, run_load = run.start_server, run.start_bare, run.run_load

    def server(*args: Any, **kwargs: Any) -> run.Server:
        started = start_server(*args, **kwargs)
        sampler.pids["server"] = started.proc.pid  # taskset execs the server: the same pid
        return started

    def bare(*args: Any, **kwargs: Any) -> run.Server:
        started = start_bare(*args, **kwargs)
        sampler.pids["bare"] = started.proc.pid
        return started

    def load(procs: run.Processes, spec: dict[str, Any], *args: Any, **kwargs: Any) -> dict[str, Any]:
        began = time.monotonic()
        result = run_load(procs, spec, *args, **kwargs)
        windows.append(
            {
                "key": spec["key"],
                "start": began + float(spec["warmup"]) + EDGE,
                "end": time.monotonic() - EDGE,
                "rps": result["rps"],
            }
        )
        return result

    run.start_server, run.start_bare, run.run_load = server, bare, load


def split(sampler: Sampler, windows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Per scenario: req/s and cores busy per side (medians of the rounds), CPU ms per request."""
    rounds: dict[str, list[dict[str, float]]] = {}
    for window in windows:
        wall, cpu = sampler.between(window["start"], window["end"])
        if wall <= 0 or window["rps"] <= 0:
            continue
        app = cpu.get("bare" if window["key"] == "bare" else "server", 0.0) / wall
        db = cpu.get("database", 0.0) / wall if window["key"] != "bare" else 0.0
        rounds.setdefault(window["key"], []).append({"rps": window["rps"], "app_cores": app, "db_cores": db})
    out = []
    for key, measured in rounds.items():
        rps = statistics.median(r["rps"] for r in measured)
        app = statistics.median(r["app_cores"] for r in measured)
        db = statistics.median(r["db_cores"] for r in measured)
        out.append(
            {
                "key": key,
                "rps": rps,
                "app_cores": round(app, 3),
                "db_cores": round(db, 3),
                "app_ms_per_request": round(app / rps * 1000, 3),
                "db_ms_per_request": round(db / rps * 1000, 3),
                "rps_per_app_core": round(rps / app, 1) if app else None,
                "rps_per_db_core": round(rps / db, 1) if db else None,
                "rounds": measured,
            }
        )
    return out


def render(rows: list[dict[str, Any]], names: dict[str, str]) -> str:
    """The CPU table."""
    header = (
        f"{'scenario':<32} {'req/s':>8} {'app cores':>9} {'DB cores':>8} {'app ms/req':>10} "
        f"{'DB ms/req':>9} {'req/s/app core':>14} {'req/s/DB core':>13}"
    )
    lines = [header, "-" * len(header)]
    for r in rows:
        per_app = f"{r['rps_per_app_core']:>14,.0f}" if r["rps_per_app_core"] else f"{'-':>14}"
        per_db = f"{r['rps_per_db_core']:>13,.0f}" if r["rps_per_db_core"] else f"{'-':>13}"
        name = names.get(r["key"], r["key"])
        cores = f"{r['app_cores']:>9.2f} {r['db_cores']:>8.2f}"
        costs = f"{r['app_ms_per_request']:>10.3f} {r['db_ms_per_request']:>9.3f}"
        lines.append(f"{name:<32} {r['rps']:>8,.0f} {cores} {costs} {per_app} {per_db}")
    return "\n".join(lines)


def measure(args: argparse.Namespace, procs: run.Processes, workdir: Path) -> dict[str, Any]:
    """``run.run`` with the sampler alongside; its record plus the CPU split."""
    sampler = Sampler(database_name(args.database_url))
    windows: list[dict[str, Any]] = []
    instrumented(sampler, windows)
    sampler.start()
    try:
        record = run.run(args, procs, workdir)
    finally:
        sampler.stop()
    rows = split(sampler, windows)
    names = {s["key"]: s["scenario"] for s in record["scenarios"]}
    print()
    print("CPU per request (cores busy in the middle of each load run, medians of the rounds):")
    print(render(rows, names))
    if sampler.database is None:
        print("(SQLite: the database works inside the server process, so its CPU is in the app columns)")
    record["cpu_per_request"] = rows
    return record


def main(argv: list[str] | None = None) -> int:
    """Run it; exit status as for ``run.py``."""
    return run.run_and_record(measure, run.parse_args(argv), "offertracker-cpu-", RESULTS_FILE)


if __name__ == "__main__":
    sys.exit(main())

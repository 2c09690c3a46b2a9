"""Reads with 1 and with 2 worker processes, same run, on SQLite and PostgreSQL.

`python bench/workers.py [--postgres-url URL] [--duration 4] [--rounds 2] [--concurrency 32]`

For each backend (SQLite in a temp directory; PostgreSQL when ``--postgres-url`` names a
database of its own): seeds the *reads* user of ``bench/run.py`` (1,000 applications x 3 stages,
through the API), then restarts ``offertracker serve`` on the same database with
``OFFERTRACKER_WORKERS=1`` and ``=2`` in turn (the order alternates by round) and runs
``GET /applications/{id}`` and ``GET /applications/?limit=100`` with ``bench/load.py`` against
each. Prints req/s, the 2-worker/1-worker ratio (target: 1.5) and where the CPU went while
each scenario ran (server processes, PostgreSQL, the load generator; from ``/proc``, as a
share of the whole machine). A measurement, not a test: exit status 0 whether or not the
target is met.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import datetime as dt
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import run
from run import BenchError, Processes, Server

RESULTS_FILE = run.BENCH_DIR / "results" / "workers.json"
TARGET = 1.5
SCENARIOS = ("get_one", "list_100")
_TICK = os.sysconf("SC_CLK_TCK")


def _jiffies(pid: int) -> int:
    """User + system CPU ticks of ``pid`` (0 once it is gone)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except (FileNotFoundError, ProcessLookupError):
        return 0
    return int(fields[11]) + int(fields[12])  # utime, stime (fields 14 and 15 of stat)


def _tree(pid: int) -> list[int]:
    try:
        children = Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
    except FileNotFoundError:
        return [pid]
    return [pid, *(p for child in children for p in _tree(int(child)))]


def _postgres_pids() -> list[int]:
    pids = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                if (entry / "comm").read_text().strip() == "postgres":
                    pids.append(int(entry.name))
            except OSError:
                continue
    return pids


def _machine_ticks() -> int:
    return sum(int(v) for v in Path("/proc/stat").read_text().splitlines()[0].split()[1:8])


class CpuSplit:
    """CPU ticks of the server tree and of PostgreSQL between :meth:`start` and :meth:`stop`."""

    def __init__(self, server: Server) -> None:
        self.server = server

    def _sample(self) -> dict[str, int]:
        server = {pid: _jiffies(pid) for pid in _tree(self.server.proc.pid)}
        postgres = {pid: _jiffies(pid) for pid in _postgres_pids()}
        return {
            "machine": _machine_ticks(),
            **{f"s{p}": t for p, t in server.items()},
            **{f"p{p}": t for p, t in postgres.items()},
        }

    def start(self) -> None:
        self.before = self._sample()

    def stop(self, load_ticks: int) -> dict[str, float]:
        after = self._sample()
        machine = max(1, after["machine"] - self.before["machine"])

        def share(prefix: str) -> float:
            used = sum(t - self.before.get(k, 0) for k, t in after.items() if k.startswith(prefix))
            return round(100 * used / machine, 1)

        return {
            "server_pct": share("s"),
            "postgres_pct": share("p"),
            "load_pct": round(100 * load_ticks / machine, 1),
        }


def _measure(procs: Processes, server: Server, spec: dict[str, Any], workdir: Path) -> dict[str, Any]:
    """One scenario with bench/load.py, and the machine's CPU split while it ran."""
    split = CpuSplit(server)
    proc = procs.start(
        [sys.executable, str(run.BENCH_DIR / "load.py")],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    split.start()
    assert proc.stdin is not None
    assert proc.stdout is not None
    proc.stdin.write(run.json.dumps(spec))
    proc.stdin.close()
    load_ticks = 0
    while proc.poll() is None:  # the generator's ticks are gone once it is reaped: sample while alive
        load_ticks = max(load_ticks, _jiffies(proc.pid))
        with contextlib.suppress(subprocess.TimeoutExpired):
            proc.wait(timeout=0.2)
    cpu = split.stop(load_ticks)
    if proc.returncode != 0:
        raise BenchError(f"the load generator failed on {spec['name']!r} (exit {proc.returncode})")
    result = dict(run.json.loads(proc.stdout.read()))
    result.update(cpu)
    return result


def _stop(server: Server) -> None:
    server.proc.terminate()
    server.proc.wait(timeout=60)


def bench_backend(
    args: argparse.Namespace, procs: Processes, workdir: Path, database_url: str | None
) -> dict[str, Any]:
    """Seed once, then 1 and 2 workers in turn on the same database; req/s and CPU per scenario."""
    label = run.describe_database(database_url)
    seeding = run.start_server(procs, workdir, database_url, settings={"OFFERTRACKER_WORKERS": "2"})
    seeded = asyncio.run(run.seed(seeding.base, args.concurrency))
    print(f"[{label}] seeded {run.APPLICATIONS} applications in {seeded['seconds']:.1f} s", flush=True)
    _stop(seeding)
    results: dict[int, dict[str, list[dict[str, Any]]]] = {1: {}, 2: {}}
    for round_number in range(args.rounds):
        for workers in (1, 2) if round_number % 2 == 0 else (2, 1):
            # No db upgrade again: the schema is at head since the seeding server started.
            server = run.start_server(
                procs,
                workdir,
                None,
                settings={
                    "OFFERTRACKER_WORKERS": str(workers),
                    **({"OFFERTRACKER_DATABASE_URL": database_url} if database_url else {}),
                },
            )
            specs = [
                s
                for s in run.scenarios(
                    server.base,
                    server.base,
                    {"reads": seeded["token"], "fresh": "", "bulk": ""},
                    seeded["ids"],
                )
                if s["key"] in SCENARIOS
            ]
            for spec in specs:
                spec.update(duration=args.duration, warmup=args.warmup, concurrency=args.concurrency)
                print(
                    f"[{label}] round {round_number + 1}: {workers} worker(s), {spec['name']} ...", flush=True
                )
                results[workers].setdefault(spec["key"], []).append(_measure(procs, server, spec, workdir))
            _stop(server)
    table = {}
    for key in SCENARIOS:
        one, two = (_combine(results[n][key]) for n in (1, 2))
        table[key] = {"1": one, "2": two, "ratio": round(two["rps"] / one["rps"], 2) if one["rps"] else 0.0}
    return {"database": label, "scenarios": table}


def _combine(rounds: list[dict[str, Any]]) -> dict[str, Any]:
    requests = sum(r["requests"] for r in rounds)
    window = sum(r["window_s"] for r in rounds)
    mean = lambda key: round(sum(r[key] for r in rounds) / len(rounds), 1)  # noqa: E731
    return {
        "rps": round(requests / window, 1) if window else 0.0,
        "non_2xx": sum(r["non_2xx"] for r in rounds),
        "p50_ms": max(r["p50_ms"] for r in rounds),
        "server_pct": mean("server_pct"),
        "postgres_pct": mean("postgres_pct"),
        "load_pct": mean("load_pct"),
    }


def render(backends: list[dict[str, Any]]) -> str:
    """The result table: req/s with 1 and 2 workers, the ratio, and the CPU split of each."""
    lines = [
        f"{'database':<12} {'scenario':<30} {'1 worker':>9} {'2 workers':>10} {'ratio':>6}  "
        "CPU % of machine (server/postgres/load) 1w | 2w"
    ]
    names = {"get_one": "GET /applications/{id}", "list_100": "GET /applications/?limit=100"}
    for backend in backends:
        db = "PostgreSQL" if backend["database"].startswith("postgresql") else "SQLite"
        for key, row in backend["scenarios"].items():
            one, two = row["1"], row["2"]
            verdict = "ok" if row["ratio"] >= TARGET else f"< {TARGET}"
            lines.append(
                f"{db:<12} {names[key]:<30} {one['rps']:>9.0f} {two['rps']:>10.0f} {row['ratio']:>6.2f}  "
                f"{one['server_pct']:.0f}/{one['postgres_pct']:.0f}/{one['load_pct']:.0f} | "
                f"{two['server_pct']:.0f}/{two['postgres_pct']:.0f}/{two['load_pct']:.0f}  ({verdict}; "
                f"non-2xx {one['non_2xx'] + two['non_2xx']})"
            )
    return "\n".join(lines)


def measure(args: argparse.Namespace, procs: Processes, workdir: Path) -> dict[str, Any]:
    """Both backends (PostgreSQL only with ``--postgres-url``), then the table."""
    backends = [bench_backend(args, procs, workdir / "sqlite", None)]
    if args.postgres_url:
        backends.append(bench_backend(args, procs, workdir / "postgres", args.postgres_url))
    else:
        print("no --postgres-url: PostgreSQL skipped", flush=True)
    print()
    print(render(backends))
    return {
        "generated_at": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "machine": run.machine(),
        "config": {
            "duration_s": args.duration,
            "rounds": args.rounds,
            "warmup_s": args.warmup,
            "concurrency": args.concurrency,
        },
        "target_ratio": TARGET,
        "backends": backends,
    }


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    """The command line (see the module docstring)."""
    parser = argparse.ArgumentParser(description="Reads with 1 and 2 workers (see bench/README.md).")
    parser.add_argument(
        "--postgres-url", default=None, help="a PostgreSQL database of its own (rows are left behind)"
    )
    parser.add_argument(
        "--duration", type=float, default=4.0, help="measured seconds per scenario and round (4)"
    )
    parser.add_argument("--rounds", type=int, default=2, help="rounds; the worker order alternates (2)")
    parser.add_argument("--concurrency", type=int, default=32, help="concurrent keep-alive connections (32)")
    parser.add_argument(
        "--warmup", type=float, default=1.0, help="unmeasured seconds before each scenario (1)"
    )
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    """Run it; 0 once it measured, 1 if it broke, 130 on Ctrl-C."""
    args = parse_args(argv)
    return run.run_and_record(_with_dirs(measure), args, "offertracker-workers-", RESULTS_FILE)


def _with_dirs(body: run.Measure) -> run.Measure:
    def wrapped(args: argparse.Namespace, procs: Processes, workdir: Path) -> dict[str, Any]:
        (workdir / "sqlite").mkdir()
        (workdir / "postgres").mkdir()
        return body(args, procs, workdir)

    return wrapped


if __name__ == "__main__":
    sys.exit(main())

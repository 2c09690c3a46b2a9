"""The shape shared by ``account_reads.py`` and ``social_feed.py``: the latency of a few GET paths.

A script built on it supplies only its own parts as a :class:`Benchmark` (what it seeds and how
it checks the seed, its default paths, its targets, its results file) and calls :func:`main`,
which

1. starts one ``offertracker serve`` process (``run.start_server``: a throw-away data directory,
   the given database or the embedded SQLite default), pinned to one core and the load generator
   (and this script) to the other, as ``bench/run.py`` does;
2. registers a user through the API and hands it to the script's ``seed`` callback, which writes
   straight into the database and checks what it wrote through the API;
3. measures each path of ``--paths`` (a path that answers 404 is skipped: the route is not served
   by this build) and the bare aiohttp handler of ``bench/bare_server.py`` for reference, with
   ``--concurrency`` connections (1 by default, so the latency is that of one request, not of a
   queue), ``--rounds`` times in turn;
4. prints the table and each target as PASS/FAIL/SKIP, and writes everything to the script's
   results file (``run.run_and_record``: exit 0 once measured, 1 if broken, 130 if interrupted).
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import functools
import json
import time
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any, NamedTuple

import aiohttp

import run

__all__ = ["Account", "Benchmark", "evaluate", "get", "main", "measure", "parse_args", "render", "table"]


class Account(NamedTuple):
    """The registered user a benchmark seeds: where the server answers and how to reach the rows."""

    base: str
    token: str
    user_id: uuid.UUID
    database_url: str


class Benchmark(NamedTuple):
    """One script's own parts: "this account, these paths, these targets"."""

    description: str
    """The command line's description (``--help``)."""
    default_paths: tuple[str, ...]
    targets: dict[str, float]
    """Largest p50 latency in milliseconds, per path."""
    label: str
    """The registered user's label (``run.register``)."""
    seed: Callable[[Account], dict[str, int]]
    """Writes the data for the account, checks it through the API; how many rows of each kind."""
    results_file: Path
    workdir_prefix: str


async def get(base: str, path: str, token: str) -> tuple[int, Any]:
    """``GET {base}/api/v1{path}`` as the token's user: the status and the decoded body (or None)."""
    headers = {"Authorization": f"Bearer {token}"}
    async with (
        aiohttp.ClientSession(headers=headers, timeout=aiohttp.ClientTimeout(total=60)) as session,
        session.get(f"{base}{run.API}{path}") as response,
    ):
        text = await response.text()
        return response.status, json.loads(text) if text else None


def read(base: str, path: str, token: str) -> Any:
    """The body of ``GET {base}/api/v1{path}`` as the token's user; :class:`run.BenchError` unless 200."""
    status, body = asyncio.run(get(base, path, token))
    if status != 200:
        raise run.BenchError(f"GET {path} answered {status}: {body}")
    return body


# --------------------------------------------------------------------------- report


def evaluate(
    results: list[dict[str, Any]], skipped: dict[str, str], targets: dict[str, float]
) -> list[dict[str, Any]]:
    """Each target with its verdict: ``pass`` is True, False, or None for a skipped path."""
    by_path = {result["scenario"].removeprefix("GET "): result for result in results}
    verdicts = []
    for path, limit in targets.items():
        text = f"GET {path} p50 <= {limit:g} ms"
        if path in skipped:
            verdicts.append({"target": text, "actual": skipped[path], "pass": None})
        elif path in by_path:
            p50 = by_path[path]["p50_ms"]
            verdicts.append({"target": text, "actual": f"{p50:.2f} ms", "pass": p50 <= limit})
    failures = sum(result["non_2xx"] + sum(result["errors"].values()) for result in results)
    verdicts.append(
        {"target": "zero non-2xx (and zero transport errors)", "actual": str(failures), "pass": failures == 0}
    )
    return verdicts


def table(results: list[dict[str, Any]]) -> list[str]:
    """One line per scenario (requests, req/s, p50/p90/p99, non-2xx and transport errors), headed."""
    header = (
        f"{'scenario':<28} {'generator':>9} {'requests':>9} {'req/s':>9} {'p50 ms':>8} "
        f"{'p90 ms':>8} {'p99 ms':>8} {'non-2xx':>8}"
    )
    lines = [header, "-" * len(header)]
    for r in results:
        non_2xx = r["non_2xx"] + sum(r["errors"].values())
        timing = f"{r['rps']:>9.1f} {r['p50_ms']:>8.2f} {r['p90_ms']:>8.2f} {r['p99_ms']:>8.2f}"
        lines.append(f"{r['scenario']:<28} {r['generator']:>9} {r['requests']:>9} {timing} {non_2xx:>8}")
    return lines


def render(results: list[dict[str, Any]], targets: list[dict[str, Any]], skipped: dict[str, str]) -> str:
    """The table, the skipped paths and the targets as plain text."""
    lines = table(results)
    lines += [f"GET {path:<24} skipped: {why}" for path, why in skipped.items()]
    lines += ["", "targets:"]
    for t in targets:
        verdict = "SKIP" if t["pass"] is None else "PASS" if t["pass"] else "FAIL"
        lines.append(f"  {verdict}  {t['target']} (actual {t['actual']})")
    return "\n".join(lines)


# --------------------------------------------------------------------------- main


def _slug(path: str) -> str:
    """A scenario key that is also a file name (wrk's script is named after it)."""
    return path.strip("/").replace("/", "_").replace("?", "_").replace("=", "_") or "root"


def parse_args(
    argv: list[str] | None, description: str, default_paths: tuple[str, ...]
) -> argparse.Namespace:
    """The command line (see the module docstring); ``args.paths`` is the list of paths."""
    parser = argparse.ArgumentParser(description=description)
    parser.add_argument("--database-url", default=None, help="SQLAlchemy URL (default: temp SQLite file)")
    parser.add_argument(
        "--paths",
        default=",".join(default_paths),
        help="comma-separated GET paths under /api/v1 to measure; one answering 404 is skipped "
        f"(default: {','.join(default_paths)})",
    )
    parser.add_argument("--duration", type=float, default=5.0, help="measured seconds per path and round (5)")
    parser.add_argument("--rounds", type=int, default=3, help="times the list of paths runs in turn (3)")
    parser.add_argument("--concurrency", type=int, default=1, help="concurrent keep-alive connections (1)")
    parser.add_argument("--warmup", type=float, default=1.0, help="unmeasured seconds before each run (1)")
    parser.add_argument("--load-generator", choices=("auto", "wrk", "python"), default="auto")
    parser.add_argument("--pin", action=argparse.BooleanOptionalAction, default=None)
    args = parser.parse_args(argv)
    args.paths = [path.strip() for path in args.paths.split(",") if path.strip()]
    if args.rounds < 1 or not args.paths or any(not path.startswith("/") for path in args.paths):
        parser.error("--rounds must be at least 1 and --paths a list of paths starting with /")
    return args


def measure(
    bench: Benchmark, args: argparse.Namespace, procs: run.Processes, workdir: Path
) -> dict[str, Any]:
    """Start the servers, seed, measure; the full result record."""
    server_cpu, load_cpu = run.pin_cores(args.pin)
    generator = run.choose_generator(args.load_generator)
    print(f"load generator: {generator}", flush=True)
    server = run.start_server(procs, workdir, args.database_url, server_cpu)
    base = server.base

    started = time.perf_counter()
    registered = asyncio.run(run.register(base, bench.label))
    token = registered["access_token"]
    # The same URL the server resolves for itself (settings.Settings.from_env).
    database_url = args.database_url or f"sqlite:///{workdir / 'data' / 'offertracker.db'}"
    written = bench.seed(Account(base, token, uuid.UUID(registered["user"]["id"]), database_url))
    seconds = time.perf_counter() - started
    print(f"seeded and verified in {seconds:.1f} s: {written}", flush=True)

    skipped: dict[str, str] = {}
    for path in args.paths:
        status, _ = asyncio.run(get(base, path, token))
        if status == 404:
            skipped[path] = "404, the route is not served by this build"
        elif status != 200:
            raise run.BenchError(f"GET {path} answered {status}")
    measured = [path for path in args.paths if path not in skipped]

    bare = run.start_bare(procs, workdir, server_cpu)

    auth = {"Authorization": f"Bearer {token}"}
    specs = [
        {
            "key": "bare",
            "name": "bare aiohttp GET /",
            "method": "GET",
            "urls": [f"{bare.base}/"],
            "headers": {},
        }
    ]
    specs += [
        {
            "key": _slug(path),
            "name": f"GET {path}",
            "method": "GET",
            "urls": [f"{base}{run.API}{path}"],
            "headers": auth,
        }
        for path in measured
    ]
    runs: dict[str, list[dict[str, Any]]] = {}
    for round_number in range(1, args.rounds + 1):
        for spec in specs:
            spec.update(duration=args.duration, warmup=args.warmup, concurrency=args.concurrency)
            print(
                f"round {round_number}/{args.rounds}: {spec['name']} for {args.duration:g} s ...", flush=True
            )
            runs.setdefault(spec["key"], []).append(run.run_load(procs, spec, load_cpu, generator, workdir))
            run.check_alive(server, bare)
    results = [run.combine(rounds) for rounds in runs.values()]
    targets = evaluate(results, skipped, bench.targets)
    print()
    print(render(results, targets, skipped))
    return {
        "generated_at": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "machine": run.machine(),
        "config": {
            **run.load_config(args, generator, server_cpu, load_cpu),
            "concurrency": args.concurrency,
            "paths": args.paths,
        },
        "seeded": written,
        "seed_seconds": round(seconds, 2),
        "skipped": skipped,
        "scenarios": results,
        "targets": targets,
    }


def main(bench: Benchmark, argv: list[str] | None = None) -> int:
    """Run ``bench``; 0 once it measured (targets met or not), 1 if it broke, 130 on Ctrl-C."""
    args = parse_args(argv, bench.description, bench.default_paths)
    return run.run_and_record(
        functools.partial(measure, bench), args, bench.workdir_prefix, bench.results_file
    )

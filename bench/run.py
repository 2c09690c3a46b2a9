"""OfferTracker's benchmark: the applications API against a bare aiohttp handler, in one run.

`python bench/run.py [--database-url URL] [--duration 10] [--concurrency 32] [--warmup 1]`

1. starts ``offertracker serve`` on a free 127.0.0.1 port with a throw-away data directory (and
   the given database URL, else the embedded SQLite default inside that directory);
2. seeds one user with 1,000 applications x 3 stages through the API and checks the counts;
3. starts ``bench/bare_server.py`` — one ``web.json_response`` route — as the reference point;
4. runs every scenario with ``bench/load.py`` in a process of its own;
5. prints a table, the ratios against the bare handler and the targets, and writes the whole
   result to ``bench/results/latest.json``.

It is a measurement, not a test: the exit status is 0 whether or not the targets are met, and
non-zero only when something broke (a server that does not start, a failed seed request, a
crashed load generator). Every subprocess is stopped on the way out, also on Ctrl-C.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import datetime as dt
import json
import os
import platform
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import aiohttp

__all__ = ["TARGETS", "main"]

BENCH_DIR = Path(__file__).resolve().parent
RESULTS_FILE = BENCH_DIR / "results" / "latest.json"
API = "/api/v1"
APPLICATIONS = 1000
STAGES_PER_APPLICATION = 3

# (scenario key, minimum fraction of the bare handler's req/s) — from issue 2's "Benchmark".
TARGETS: tuple[tuple[str, float], ...] = (("get_one", 0.10), ("list_100", 0.02))

_STATUSES = ("Saved", "Applied", "Interviewing", "Rejected")
_PRIORITIES = ("High", "Medium", "Low")
_STAGE_TYPES = ("Recruiter Call", "Technical", "Onsite")


class BenchError(RuntimeError):
    """Something the benchmark depends on broke; the run cannot produce a measurement."""


# --------------------------------------------------------------------------- subprocesses


class Processes:
    """Every subprocess the run started, so one ``finally`` can stop them all."""

    def __init__(self) -> None:
        self._procs: list[subprocess.Popen[Any]] = []

    def start(self, args: list[str], **kwargs: Any) -> subprocess.Popen[Any]:
        """Start ``args`` and remember it for :meth:`stop_all`."""
        proc = subprocess.Popen(args, **kwargs)
        self._procs.append(proc)
        return proc

    def stop_all(self) -> None:
        """Terminate (then, after 10 s, kill) and reap every process still running."""
        for proc in reversed(self._procs):
            if proc.poll() is None:
                proc.terminate()
        for proc in reversed(self._procs):
            try:
                proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
        self._procs.clear()


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def offertracker_command() -> list[str]:
    """The ``offertracker`` console script of this interpreter (or its module as a fallback)."""
    script = Path(sys.executable).with_name("offertracker")
    if script.exists():
        return [str(script)]
    found = shutil.which("offertracker")
    return [found] if found else [sys.executable, "-m", "offertracker_http.cli"]


def log_tail(path: Path, lines: int = 30) -> str:
    """The last lines of a subprocess log, for error messages."""
    try:
        return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])
    except OSError:
        return "(no log)"


def wait_until_answering(url: str, proc: subprocess.Popen[Any], log: Path, timeout: float = 60.0) -> None:
    """Poll ``GET url`` until it answers 200; fail early if the process exits."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise BenchError(f"{proc.args!r} exited with {proc.returncode}:\n{log_tail(log)}")
        with (
            contextlib.suppress(urllib.error.URLError, ConnectionError, TimeoutError),
            urllib.request.urlopen(url, timeout=2) as response,
        ):
            if response.status == 200:
                return
        time.sleep(0.1)
    raise BenchError(f"{url} did not answer within {timeout:.0f} s:\n{log_tail(log)}")


# --------------------------------------------------------------------------- seeding


def _application_body(i: int) -> dict[str, Any]:
    return {
        "company_name": f"Company {i:04d}",
        "role_title": "Backend Engineer" if i % 2 else "Platform Engineer",
        "url": f"https://jobs.example.com/{i}",
        "location": "Remote",
        "job_type": "Full-time",
        "work_mode": "Remote",
        "salary_min": 90_000 + i,
        "salary_max": 120_000 + i,
        "applied_source": "LinkedIn",
        "priority": _PRIORITIES[i % len(_PRIORITIES)],
        "status": _STATUSES[i % len(_STATUSES)],
        "notes": "Seeded by bench/run.py",
    }


def _stage_body(i: int, n: int) -> dict[str, Any]:
    return {
        "stage_name": f"Round {n + 1}",
        "stage_type": _STAGE_TYPES[n],
        "stage_date": (dt.date(2025, 1, 1) + dt.timedelta(days=i % 300 + n)).isoformat(),
        "result": "Passed" if n < 2 else "Pending",
        "duration_minutes": 45,
        "interviewer_names": "Ada, Grace",
        "questions_asked": ["Tell me about yourself", "Design a rate limiter"],
    }


async def _post(session: aiohttp.ClientSession, url: str, body: dict[str, Any]) -> dict[str, Any]:
    async with session.post(url, json=body) as response:
        text = await response.text()
        if response.status != 201:
            raise BenchError(f"POST {url} answered {response.status}: {text[:500]}")
        return dict(json.loads(text))


async def seed(base: str, concurrency: int) -> dict[str, Any]:
    """Register a fresh user and create the applications and stages, ``concurrency`` at a time.

    Returns the token, the application ids and how long it took. The counts are then read back
    through ``GET /applications/`` so a benchmark never runs against a half-seeded database.
    """
    started = time.perf_counter()
    suffix = uuid.uuid4().hex[:10]
    timeout = aiohttp.ClientTimeout(total=60)
    async with aiohttp.ClientSession(timeout=timeout) as anonymous:
        registered = await _post(
            anonymous,
            f"{base}{API}/auth/register",
            {"email": f"bench-{suffix}@example.com", "username": f"bench_{suffix}", "password": "bench-pass"},
        )
    token = registered["access_token"]
    headers = {"Authorization": f"Bearer {token}"}
    ids: list[str | None] = [None] * APPLICATIONS
    queue: asyncio.Queue[int] = asyncio.Queue()
    for i in range(APPLICATIONS):
        queue.put_nowait(i)

    connector = aiohttp.TCPConnector(limit=concurrency)
    async with aiohttp.ClientSession(headers=headers, connector=connector, timeout=timeout) as session:

        async def worker() -> None:
            while not queue.empty():
                i = queue.get_nowait()
                created = await _post(session, f"{base}{API}/applications/", _application_body(i))
                ids[i] = created["id"]
                stages_url = f"{base}{API}/applications/{created['id']}/stages"
                for n in range(STAGES_PER_APPLICATION):
                    await _post(session, stages_url, _stage_body(i, n))

        await asyncio.gather(*(worker() for _ in range(concurrency)))
        seconds = time.perf_counter() - started

        async with session.get(f"{base}{API}/applications/", params={"limit": "1000"}) as response:
            if response.status != 200:
                raise BenchError(f"listing the seeded applications answered {response.status}")
            listed = await response.json()
    stage_counts = {len(item["stages"]) for item in listed}
    if len(listed) != APPLICATIONS or stage_counts != {STAGES_PER_APPLICATION}:
        raise BenchError(
            f"seeding left {len(listed)} applications with stage counts {sorted(stage_counts)}; "
            f"expected {APPLICATIONS} x {STAGES_PER_APPLICATION}"
        )
    if {item["id"] for item in listed} != set(ids):
        raise BenchError("the listed application ids differ from the created ones")
    return {"token": token, "ids": [i for i in ids if i], "seconds": seconds}


# --------------------------------------------------------------------------- scenarios


def scenarios(bare: str, base: str, token: str, ids: list[str]) -> list[dict[str, Any]]:
    """The scenarios in the order they run; the POST comes last so it cannot change the reads."""
    auth = {"Authorization": f"Bearer {token}"}
    return [
        {"key": "bare", "name": "bare aiohttp GET /", "method": "GET", "urls": [f"{bare}/"], "headers": {}},
        {
            "key": "get_one",
            "name": "GET /applications/{id}",
            "method": "GET",
            "urls": [f"{base}{API}/applications/{app_id}" for app_id in ids],
            "headers": auth,
        },
        {
            "key": "list_100",
            "name": "GET /applications/?limit=100",
            "method": "GET",
            "urls": [f"{base}{API}/applications/?limit=100"],
            "headers": auth,
        },
        {
            "key": "create",
            "name": "POST /applications/",
            "method": "POST",
            "urls": [f"{base}{API}/applications/"],
            "headers": auth,
            "body": {"company_name": "Bench Co", "role_title": "Engineer", "priority": "Medium"},
        },
    ]


# --------------------------------------------------------------------------- pinning

SERVER_CPU = 0
LOAD_CPU = 1


def can_pin() -> bool:
    """Whether servers and load can get a core each: ``taskset`` exists and this process may use two."""
    return shutil.which("taskset") is not None and len(os.sched_getaffinity(0)) >= 2


def pinned(command: list[str], cpu: int | None) -> list[str]:
    """``command`` run on core ``cpu`` only (``taskset -c``), or as it is when ``cpu`` is None."""
    return command if cpu is None else ["taskset", "-c", str(cpu), *command]


def run_load(procs: Processes, spec: dict[str, Any], cpu: int | None) -> dict[str, Any]:
    """Run ``bench/load.py`` for one scenario in its own process and return its summary."""
    proc = procs.start(
        pinned([sys.executable, str(BENCH_DIR / "load.py")], cpu),
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    budget = float(spec["duration"]) + float(spec["warmup"]) + 120
    out, _ = proc.communicate(json.dumps(spec), timeout=budget)
    if proc.returncode != 0:
        raise BenchError(f"the load generator failed on {spec['name']!r} (exit {proc.returncode})")
    result = dict(json.loads(out))
    result["key"] = spec["key"]
    return result


# --------------------------------------------------------------------------- report


def evaluate(results: list[dict[str, Any]]) -> tuple[dict[str, float], list[dict[str, Any]]]:
    """Ratios of every scenario's req/s to the bare handler's, and each target with its verdict."""
    by_key = {result["key"]: result for result in results}
    bare_rps = by_key["bare"]["rps"]
    ratios = {
        result["key"]: (result["rps"] / bare_rps if bare_rps else 0.0)
        for result in results
        if result["key"] != "bare"
    }
    targets = [
        {
            "target": f"{by_key[key]['scenario']} >= {minimum:.0%} of bare req/s",
            "actual": f"{ratios[key]:.1%}",
            "pass": ratios[key] >= minimum,
        }
        for key, minimum in TARGETS
    ]
    failures = sum(result["non_2xx"] + sum(result["errors"].values()) for result in results)
    targets.append(
        {"target": "zero non-2xx (and zero transport errors)", "actual": str(failures), "pass": failures == 0}
    )
    return ratios, targets


def render(results: list[dict[str, Any]], ratios: dict[str, float], targets: list[dict[str, Any]]) -> str:
    """The table, the ratios and the targets as plain text."""
    header = f"{'scenario':<30} {'requests':>9} {'req/s':>9} {'p50 ms':>8} {'p99 ms':>8} {'non-2xx':>8}"
    lines = [header, "-" * len(header)]
    for r in results:
        non_2xx = r["non_2xx"] + sum(r["errors"].values())
        timing = f"{r['rps']:>9.1f} {r['p50_ms']:>8.2f} {r['p99_ms']:>8.2f}"
        lines.append(f"{r['scenario']:<30} {r['requests']:>9} {timing} {non_2xx:>8}")
    lines += ["", "vs bare handler req/s:"]
    names = {r["key"]: r["scenario"] for r in results}
    lines += [f"  {names[key]:<30} {ratio:>7.1%}" for key, ratio in ratios.items()]
    lines += ["", "targets:"]
    lines += [f"  {'PASS' if t['pass'] else 'FAIL'}  {t['target']} (actual {t['actual']})" for t in targets]
    return "\n".join(lines)


def describe_database(url: str | None) -> str:
    """The database in use, with any password masked."""
    if url is None:
        return "embedded SQLite default (temporary data directory)"
    from sqlalchemy.engine import make_url

    return make_url(url).render_as_string(hide_password=True)


# --------------------------------------------------------------------------- main


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    """The command line (see the module docstring)."""
    parser = argparse.ArgumentParser(description="OfferTracker benchmark (see bench/README.md).")
    parser.add_argument(
        "--database-url", default=None, help="SQLAlchemy URL for the server (default: temp SQLite file)"
    )
    parser.add_argument("--duration", type=float, default=10.0, help="measured seconds per scenario (10)")
    parser.add_argument("--concurrency", type=int, default=32, help="concurrent keep-alive workers (32)")
    parser.add_argument(
        "--warmup", type=float, default=1.0, help="unmeasured seconds before each scenario (1)"
    )
    parser.add_argument(
        "--pin",
        action=argparse.BooleanOptionalAction,
        default=None,
        help=f"servers on core {SERVER_CPU}, load (and this script) on core {LOAD_CPU} "
        "(default: when taskset exists and two cores are available)",
    )
    return parser.parse_args(argv)


@contextlib.contextmanager
def sigterm_as_interrupt() -> Iterator[None]:
    """Turn SIGTERM into KeyboardInterrupt so the cleanup in ``finally`` also runs for it."""

    def handler(signum: int, frame: object) -> None:
        raise KeyboardInterrupt

    previous = signal.signal(signal.SIGTERM, handler)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)


def run(args: argparse.Namespace, procs: Processes, workdir: Path) -> dict[str, Any]:
    """Start the servers, seed, measure; returns the full result record."""
    pin = can_pin() if args.pin is None else args.pin
    if pin and not can_pin():
        raise BenchError("--pin needs taskset and two usable cores")
    server_cpu, load_cpu = (SERVER_CPU, LOAD_CPU) if pin else (None, None)
    if pin:
        os.sched_setaffinity(0, {LOAD_CPU})  # the seeding client runs here too: keep it off the server's core
        print(f"pinned: servers on core {SERVER_CPU}, load generator on core {LOAD_CPU}", flush=True)
    env = {k: v for k, v in os.environ.items() if k != "OFFERTRACKER_DATABASE_URL"}
    env["OFFERTRACKER_DATA_DIR"] = str(workdir / "data")
    if args.database_url:
        env["OFFERTRACKER_DATABASE_URL"] = args.database_url
        # PostgreSQL refuses to serve a schema that is behind; SQLite migrates itself at start.
        subprocess.run([*offertracker_command(), "db", "upgrade"], env=env, check=True)

    port = free_port()
    base = f"http://127.0.0.1:{port}"
    server_log = workdir / "server.log"
    with server_log.open("wb") as log:
        server = procs.start(
            pinned(
                [*offertracker_command(), "serve", "--host", "127.0.0.1", "--port", str(port)], server_cpu
            ),
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
    print(
        f"OfferTracker server pid {server.pid} on {base} ({describe_database(args.database_url)})", flush=True
    )
    wait_until_answering(f"{base}/", server, server_log)

    print(f"seeding {APPLICATIONS} applications x {STAGES_PER_APPLICATION} stages ...", flush=True)
    try:
        seeded = asyncio.run(seed(base, args.concurrency))
    except BenchError as exc:
        raise BenchError(f"{exc}\nserver log:\n{log_tail(server_log)}") from None
    print(f"seeded and verified in {seeded['seconds']:.1f} s", flush=True)

    bare_port = free_port()
    bare = f"http://127.0.0.1:{bare_port}"
    bare_log = workdir / "bare.log"
    with bare_log.open("wb") as log:
        bare_proc = procs.start(
            pinned([sys.executable, str(BENCH_DIR / "bare_server.py"), "--port", str(bare_port)], server_cpu),
            stdout=log,
            stderr=subprocess.STDOUT,
        )
    print(f"bare aiohttp server pid {bare_proc.pid} on {bare}", flush=True)
    wait_until_answering(f"{bare}/", bare_proc, bare_log)

    results = []
    for spec in scenarios(bare, base, seeded["token"], seeded["ids"]):
        spec.update(duration=args.duration, warmup=args.warmup, concurrency=args.concurrency)
        print(f"running {spec['name']} for {args.duration:g} s ...", flush=True)
        results.append(run_load(procs, spec, load_cpu))
        for proc, log_path in ((server, server_log), (bare_proc, bare_log)):
            if proc.poll() is not None:
                raise BenchError(f"{proc.args!r} died during the run:\n{log_tail(log_path)}")

    ratios, targets = evaluate(results)
    print()
    print(render(results, ratios, targets))
    return {
        "generated_at": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "machine": {
            "cpus": os.cpu_count(),
            "platform": platform.platform(),
            "python": platform.python_version(),
            "aiohttp": aiohttp.__version__,
        },
        "config": {
            "database": describe_database(args.database_url),
            "duration_s": args.duration,
            "warmup_s": args.warmup,
            "concurrency": args.concurrency,
            "pinned": {"server_cpu": server_cpu, "load_cpu": load_cpu} if pin else None,
            "applications": APPLICATIONS,
            "stages_per_application": STAGES_PER_APPLICATION,
        },
        "seed_seconds": round(seeded["seconds"], 2),
        "scenarios": results,
        "ratios_vs_bare": {key: round(ratio, 4) for key, ratio in ratios.items()},
        "targets": targets,
        "all_targets_pass": all(t["pass"] for t in targets),
    }


def main(argv: list[str] | None = None) -> int:
    """Run the benchmark; 0 once it measured (targets met or not), 1 if it broke, 130 on Ctrl-C."""
    args = parse_args(argv)
    procs = Processes()
    workdir = Path(tempfile.mkdtemp(prefix="offertracker-bench-"))
    try:
        with sigterm_as_interrupt():
            record = run(args, procs, workdir)
    except KeyboardInterrupt:
        print("\ninterrupted", file=sys.stderr)
        return 130
    except (BenchError, aiohttp.ClientError, subprocess.SubprocessError, OSError) as exc:
        print(f"\nbenchmark failed: {exc}", file=sys.stderr)
        return 1
    finally:
        procs.stop_all()
        shutil.rmtree(workdir, ignore_errors=True)
    RESULTS_FILE.parent.mkdir(parents=True, exist_ok=True)
    RESULTS_FILE.write_text(json.dumps(record, indent=2) + "\n")
    print(f"\nresults written to {RESULTS_FILE.relative_to(BENCH_DIR.parent)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

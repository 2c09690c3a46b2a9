"""OfferTracker's benchmark: the applications API against a bare aiohttp handler, in one run.

`python bench/run.py [--database-url URL] [--duration 10] [--concurrency 32] [--warmup 1]
[--load-generator auto|wrk|python] [--pin/--no-pin]`

1. starts ``offertracker serve`` on a free 127.0.0.1 port with a throw-away data directory (and
   the given database URL, else the embedded SQLite default inside that directory);
2. seeds one user with 1,000 applications x 3 stages through the API and checks the counts,
   registers a fresh user, and gives a third user 10,000 applications written straight into the
   database (``bench/seed_bulk.py``) plus one through the API;
3. starts ``bench/bare_server.py`` — one ``web.json_response`` route — as the reference point;
4. runs every scenario with ``wrk`` (``bench/wrk_load.py``) when it is installed, else with
   ``bench/load.py``, in a process of its own pinned to the other core than the servers;
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
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
import uuid
from collections.abc import Callable, Iterator, Mapping
from pathlib import Path
from typing import Any, NamedTuple

import aiohttp

import seed_bulk
import wrk_load

__all__ = ["TARGETS", "main"]

BENCH_DIR = Path(__file__).resolve().parent
RESULTS_FILE = BENCH_DIR / "results" / "latest.json"
API = "/api/v1"
APPLICATIONS = 1000
STAGES_PER_APPLICATION = 3
BULK_APPLICATIONS = 10_000

# (scenario key, minimum fraction, of which scenario's req/s, backends it applies to or None) —
# from the issue "Writes at the speed of the disk, and one way to measure".
TARGETS: tuple[tuple[str, float, str, str | None], ...] = (
    ("create_fresh", 0.04, "bare", "sqlite"),
    ("create_10k", 0.90, "create_fresh", "sqlite"),
    ("get_one", 0.12, "bare", "sqlite"),
    ("get_one", 0.06, "bare", "postgresql"),
    ("list_100", 0.02, "bare", "sqlite"),
)

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


class Server(NamedTuple):
    """A started server: the URL it answers on, its process and the file its output goes to."""

    base: str
    proc: subprocess.Popen[Any]
    log: Path


def start_server(
    procs: Processes,
    workdir: Path,
    database_url: str | None,
    cpu: int | None = None,
    *,
    inherit_settings: bool = True,
    settings: Mapping[str, str] | None = None,
) -> Server:
    """``offertracker serve`` on a free port of 127.0.0.1, once it answers.

    Its data directory is ``workdir/data`` and its database ``database_url`` (migrated first),
    else the embedded SQLite default inside that directory. It keeps this shell's other
    ``OFFERTRACKER_*`` settings unless ``inherit_settings`` is false; ``settings`` (e.g.
    ``OFFERTRACKER_AUTH`` and the ``SUPABASE_*`` variables) are set on top of whatever it keeps.
    """
    env = {
        k: v
        for k, v in os.environ.items()
        if k != "OFFERTRACKER_DATABASE_URL" and (inherit_settings or not k.startswith("OFFERTRACKER_"))
    }
    env.update(settings or {})
    env["OFFERTRACKER_DATA_DIR"] = str(workdir / "data")
    if database_url:
        env["OFFERTRACKER_DATABASE_URL"] = database_url
        # PostgreSQL refuses to serve a schema that is behind; SQLite migrates itself at start.
        subprocess.run([*offertracker_command(), "db", "upgrade"], env=env, check=True)
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    log_path = workdir / "server.log"
    with log_path.open("wb") as log:
        proc = procs.start(
            pinned([*offertracker_command(), "serve", "--host", "127.0.0.1", "--port", str(port)], cpu),
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
    serving = env.get("OFFERTRACKER_DATABASE_URL")  # also set through ``settings`` (bench/workers.py)
    print(f"OfferTracker server pid {proc.pid} on {base} ({describe_database(serving)})", flush=True)
    wait_until_answering(f"{base}/", proc, log_path)
    return Server(base, proc, log_path)


def start_bare(procs: Processes, workdir: Path, cpu: int | None = None) -> Server:
    """``bench/bare_server.py`` (the reference handler) on a free port of 127.0.0.1, once it answers."""
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    log_path = workdir / "bare.log"
    with log_path.open("wb") as log:
        proc = procs.start(
            pinned([sys.executable, str(BENCH_DIR / "bare_server.py"), "--port", str(port)], cpu),
            stdout=log,
            stderr=subprocess.STDOUT,
        )
    print(f"bare aiohttp server pid {proc.pid} on {base}", flush=True)
    wait_until_answering(f"{base}/", proc, log_path)
    return Server(base, proc, log_path)


def check_alive(*servers: Server) -> None:
    """Fail the run, with its log, if any of ``servers`` has exited."""
    for server in servers:
        if server.proc.poll() is not None:
            raise BenchError(f"{server.proc.args!r} died during the run:\n{log_tail(server.log)}")


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


async def register(base: str, label: str) -> dict[str, Any]:
    """Register a user with a random e-mail through the API; ``{access_token, user, ...}``."""
    suffix = uuid.uuid4().hex[:10]
    async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=60)) as anonymous:
        return await _post(
            anonymous,
            f"{base}{API}/auth/register",
            {
                "email": f"bench-{label}-{suffix}@example.com",
                "username": f"bench_{label}_{suffix}",
                "password": "bench-pass",
            },
        )


async def _create_one(base: str, token: str) -> None:
    headers = {"Authorization": f"Bearer {token}"}
    async with aiohttp.ClientSession(headers=headers, timeout=aiohttp.ClientTimeout(total=60)) as session:
        await _post(session, f"{base}{API}/applications/", _application_body(BULK_APPLICATIONS))


def seed_bulk_account(base: str, database_url: str) -> dict[str, Any]:
    """A user holding ``BULK_APPLICATIONS`` + 1 applications: the bulk straight into the database.

    Registered through the API, filled by ``seed_bulk.insert_applications``, then one more
    application through the API so the app's own bookkeeping (milestones, streak, counters)
    runs on the full account; ``seed_bulk.verify`` checks the totals and milestones.
    """
    started = time.perf_counter()
    registered = asyncio.run(register(base, "bulk"))
    user_id = uuid.UUID(registered["user"]["id"])
    try:
        seed_bulk.insert_applications(database_url, user_id, BULK_APPLICATIONS)
        asyncio.run(_create_one(base, registered["access_token"]))
        seed_bulk.verify(database_url, user_id, BULK_APPLICATIONS + 1)
    except RuntimeError as exc:  # what seed_bulk raises when the account is not what it should be
        raise BenchError(str(exc)) from None
    return {"token": registered["access_token"], "seconds": time.perf_counter() - started}


async def seed(base: str, concurrency: int) -> dict[str, Any]:
    """Register a fresh user and create the applications and stages, ``concurrency`` at a time.

    Returns the token, the application ids and how long it took. The counts are then read back
    through ``GET /applications/`` so a benchmark never runs against a half-seeded database.
    """
    started = time.perf_counter()
    timeout = aiohttp.ClientTimeout(total=60)
    registered = await register(base, "reads")
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


def scenarios(bare: str, base: str, tokens: dict[str, str], ids: list[str]) -> list[dict[str, Any]]:
    """The scenarios in the order they run; the POSTs come last so they cannot change the reads.

    ``tokens``: ``reads`` (the user with the 1,000 seeded applications), ``fresh`` (a user
    registered just before, no applications) and ``bulk`` (10,000 applications).
    """
    auth = {"Authorization": f"Bearer {tokens['reads']}"}
    create_body = {"company_name": "Bench Co", "role_title": "Engineer", "priority": "Medium"}
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
            "key": "create_fresh",
            "name": "POST /applications/ (fresh)",
            "method": "POST",
            "urls": [f"{base}{API}/applications/"],
            "headers": {"Authorization": f"Bearer {tokens['fresh']}"},
            "body": create_body,
        },
        {
            "key": "create_10k",
            "name": "POST /applications/ (10,000)",
            "method": "POST",
            "urls": [f"{base}{API}/applications/"],
            "headers": {"Authorization": f"Bearer {tokens['bulk']}"},
            "body": create_body,
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


def pin_cores(requested: bool | None) -> tuple[int | None, int | None]:
    """The servers' core and the load generator's, or ``(None, None)`` when not pinning.

    ``requested`` is ``--pin``/``--no-pin`` (None: pin when possible). Pinning also moves this
    process to the load core: the seeding client runs here too, so keep it off the server's core.
    """
    pin = can_pin() if requested is None else requested
    if pin and not can_pin():
        raise BenchError("--pin needs taskset and two usable cores")
    if not pin:
        return None, None
    os.sched_setaffinity(0, {LOAD_CPU})
    print(f"pinned: servers on core {SERVER_CPU}, load generator on core {LOAD_CPU}", flush=True)
    return SERVER_CPU, LOAD_CPU


def choose_generator(requested: str) -> str:
    """``wrk`` or ``python``: ``auto`` is wrk when it is on the PATH."""
    found = shutil.which("wrk") is not None
    if requested == "wrk" and not found:
        raise BenchError("--load-generator wrk, but wrk is not on the PATH (apt-get install wrk)")
    if requested == "auto":
        return "wrk" if found else "python"
    return requested


def run_load(
    procs: Processes, spec: dict[str, Any], cpu: int | None, generator: str, workdir: Path
) -> dict[str, Any]:
    """Run one scenario with ``generator`` in a process of its own and return its summary."""
    if generator == "wrk":
        try:
            result = wrk_load.run_wrk(spec, workdir, pinned([], cpu))
        except (subprocess.CalledProcessError, ValueError) as exc:
            raise BenchError(f"wrk failed on {spec['name']!r}: {exc}") from None
        result.update(key=spec["key"], generator="wrk")
        return result
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
    result.update(key=spec["key"], generator="python")
    return result


# --------------------------------------------------------------------------- report


def combine(rounds: list[dict[str, Any]]) -> dict[str, Any]:
    """One scenario's rounds as one record: counts and windows added up (so req/s is the total
    over the total time), p50/p90 the median round's, p99 and max the worst round's."""
    first = rounds[0]
    requests = sum(r["requests"] for r in rounds)
    window = sum(r["window_s"] for r in rounds)
    statuses: dict[str, int] = {}
    errors: dict[str, int] = {}
    for r in rounds:
        for status, count in r["statuses"].items():
            statuses[status] = statuses.get(status, 0) + count
        for kind, count in r["errors"].items():
            errors[kind] = errors.get(kind, 0) + count
    return {
        "scenario": first["scenario"],
        "key": first["key"],
        "generator": first["generator"],
        "requests": requests,
        "window_s": round(window, 3),
        "rps": round(requests / window, 1) if window > 0 else 0.0,
        "p50_ms": statistics.median(r["p50_ms"] for r in rounds),
        "p90_ms": statistics.median(r["p90_ms"] for r in rounds),
        "p99_ms": max(r["p99_ms"] for r in rounds),
        "max_ms": max(r["max_ms"] for r in rounds),
        "statuses": statuses,
        "non_2xx": sum(r["non_2xx"] for r in rounds),
        "errors": errors,
        "rounds_rps": [r["rps"] for r in rounds],
    }


def _ratio(numerator: float, denominator: float) -> float:
    return numerator / denominator if denominator else 0.0


def evaluate(
    results: list[dict[str, Any]], backend: str
) -> tuple[dict[str, float], dict[str, Any], list[dict[str, Any]]]:
    """Ratios to the bare handler, the two create rates compared, and each target with its verdict.

    ``backend`` (``sqlite`` or ``postgresql``) selects the targets that apply to it.
    """
    by_key = {result["key"]: result for result in results}
    bare_rps = by_key["bare"]["rps"]
    ratios = {r["key"]: _ratio(r["rps"], bare_rps) for r in results if r["key"] != "bare"}
    create = {
        "fresh_rps": by_key["create_fresh"]["rps"],
        "at_10k_rps": by_key["create_10k"]["rps"],
        "at_10k_vs_fresh": _ratio(by_key["create_10k"]["rps"], by_key["create_fresh"]["rps"]),
    }
    targets = []
    for key, minimum, of, backends in TARGETS:
        if backends is not None and backends != backend:
            continue
        actual = _ratio(by_key[key]["rps"], by_key[of]["rps"])
        if of == "bare":
            text = f"{by_key[key]['scenario']} >= {minimum:.0%} of bare req/s"
        else:
            text = (
                f"create rate at {BULK_APPLICATIONS:,} applications within {1 - minimum:.0%} "
                "of a fresh account's"
            )
        targets.append({"target": text, "actual": f"{actual:.1%}", "pass": actual >= minimum})
    failures = sum(result["non_2xx"] + sum(result["errors"].values()) for result in results)
    targets.append(
        {"target": "zero non-2xx (and zero transport errors)", "actual": str(failures), "pass": failures == 0}
    )
    # A scenario in which nothing completed has no errors either; it must not read as a pass.
    empty = [r["scenario"] for r in results if r["requests"] == 0]
    targets.append(
        {
            "target": "every scenario completed requests",
            "actual": ", ".join(empty) + " completed none" if empty else "all did",
            "pass": not empty,
        }
    )
    return ratios, create, targets


def render(
    results: list[dict[str, Any]],
    ratios: dict[str, float],
    create: dict[str, Any],
    targets: list[dict[str, Any]],
) -> str:
    """The table, the ratios, the two create rates and the targets as plain text."""
    header = (
        f"{'scenario':<32} {'generator':>9} {'requests':>9} {'req/s':>9} {'p50 ms':>8} "
        f"{'p99 ms':>8} {'non-2xx':>8}"
    )
    lines = [header, "-" * len(header)]
    for r in results:
        non_2xx = r["non_2xx"] + sum(r["errors"].values())
        timing = f"{r['rps']:>9.1f} {r['p50_ms']:>8.2f} {r['p99_ms']:>8.2f}"
        lines.append(f"{r['scenario']:<32} {r['generator']:>9} {r['requests']:>9} {timing} {non_2xx:>8}")
    lines += ["", "vs bare handler req/s:"]
    names = {r["key"]: r["scenario"] for r in results}
    lines += [f"  {names[key]:<32} {ratio:>7.1%}" for key, ratio in ratios.items()]
    lines += [
        "",
        f"create rate: fresh account {create['fresh_rps']:.1f} req/s, "
        f"at {BULK_APPLICATIONS:,} applications {create['at_10k_rps']:.1f} req/s "
        f"({create['at_10k_vs_fresh']:.1%} of fresh)",
    ]
    lines += ["", "targets:"]
    lines += [f"  {'PASS' if t['pass'] else 'FAIL'}  {t['target']} (actual {t['actual']})" for t in targets]
    return "\n".join(lines)


def describe_database(url: str | None) -> str:
    """The database in use, with any password masked."""
    if url is None:
        return "embedded SQLite default (temporary data directory)"
    from sqlalchemy.engine import make_url

    return make_url(url).render_as_string(hide_password=True)


def load_config(
    args: argparse.Namespace, generator: str, server_cpu: int | None, load_cpu: int | None
) -> dict[str, Any]:
    """What every load-driven benchmark records of its run: database, generator, timing, pinning."""
    return {
        "database": describe_database(args.database_url),
        "load_generator": {"requested": args.load_generator, "used": generator},
        "duration_s": args.duration,
        "rounds": args.rounds,
        "warmup_s": args.warmup,
        "pinned": None if server_cpu is None else {"server_cpu": server_cpu, "load_cpu": load_cpu},
    }


def machine() -> dict[str, Any]:
    """What a result was measured on."""
    return {"cpus": os.cpu_count(), "platform": platform.platform(), "python": platform.python_version()}


# --------------------------------------------------------------------------- main


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    """The command line (see the module docstring)."""
    parser = argparse.ArgumentParser(description="OfferTracker benchmark (see bench/README.md).")
    parser.add_argument(
        "--database-url", default=None, help="SQLAlchemy URL for the server (default: temp SQLite file)"
    )
    parser.add_argument(
        "--duration", type=float, default=3.0, help="measured seconds per scenario in each round (3)"
    )
    parser.add_argument(
        "--rounds",
        type=int,
        default=4,
        help="times the whole scenario list runs in turn; each scenario adds up its rounds (4)",
    )
    parser.add_argument("--concurrency", type=int, default=32, help="concurrent keep-alive workers (32)")
    parser.add_argument(
        "--warmup", type=float, default=1.0, help="unmeasured seconds before each scenario (1)"
    )
    parser.add_argument(
        "--load-generator",
        choices=("auto", "wrk", "python"),
        default="auto",
        help="wrk (when installed, for auto) or bench/load.py for every scenario (auto)",
    )
    parser.add_argument(
        "--pin",
        action=argparse.BooleanOptionalAction,
        default=None,
        help=f"servers on core {SERVER_CPU}, load (and this script) on core {LOAD_CPU} "
        "(default: when taskset exists and two cores are available)",
    )
    args = parser.parse_args(argv)
    if args.rounds < 1:
        parser.error("--rounds must be at least 1")
    return args


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
    server_cpu, load_cpu = pin_cores(args.pin)
    generator = choose_generator(args.load_generator)
    print(f"load generator: {generator}", flush=True)
    server = start_server(procs, workdir, args.database_url, server_cpu)
    base = server.base

    print(f"seeding {APPLICATIONS} applications x {STAGES_PER_APPLICATION} stages ...", flush=True)
    try:
        seeded = asyncio.run(seed(base, args.concurrency))
    except BenchError as exc:
        raise BenchError(f"{exc}\nserver log:\n{log_tail(server.log)}") from None
    print(f"seeded and verified in {seeded['seconds']:.1f} s", flush=True)
    # The same URL the server resolves for itself (settings.Settings.from_env).
    database_url = args.database_url or f"sqlite:///{workdir / 'data' / 'offertracker.db'}"
    print(f"seeding a user with {BULK_APPLICATIONS:,} applications into the database ...", flush=True)
    bulk = seed_bulk_account(base, database_url)
    print(f"seeded and verified in {bulk['seconds']:.1f} s", flush=True)
    fresh = asyncio.run(register(base, "fresh"))
    tokens = {"reads": seeded["token"], "fresh": fresh["access_token"], "bulk": bulk["token"]}

    bare = start_bare(procs, workdir, server_cpu)

    # Rounds: the whole list runs in turn, so a slow spell of this shared machine lands on every
    # scenario (the bare handler included) instead of on whichever one was running.
    runs: dict[str, list[dict[str, Any]]] = {}
    for round_number in range(1, args.rounds + 1):
        specs = scenarios(bare.base, base, tokens, seeded["ids"])
        if round_number % 2 == 0:
            # The pair of creates swaps places every other round: whichever runs second meets a
            # WAL and a heap its partner just grew, and measured ~10 % slower for it.
            specs[-2:] = specs[-1], specs[-2]
        for spec in specs:
            spec.update(duration=args.duration, warmup=args.warmup, concurrency=args.concurrency)
            label = f"round {round_number}/{args.rounds}: {spec['name']}"
            print(f"{label} for {args.duration:g} s ({generator}) ...", flush=True)
            runs.setdefault(spec["key"], []).append(run_load(procs, spec, load_cpu, generator, workdir))
            check_alive(server, bare)
    results = [combine(rounds) for rounds in runs.values()]

    backend = "sqlite" if database_url.startswith("sqlite") else "postgresql"
    ratios, create, targets = evaluate(results, backend)
    print()
    print(render(results, ratios, create, targets))
    return {
        "generated_at": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "machine": {**machine(), "aiohttp": aiohttp.__version__},
        "config": {
            **load_config(args, generator, server_cpu, load_cpu),
            "backend": backend,
            "concurrency": args.concurrency,
            "applications": APPLICATIONS,
            "stages_per_application": STAGES_PER_APPLICATION,
            "bulk_applications": BULK_APPLICATIONS,
        },
        "seed_seconds": round(seeded["seconds"], 2),
        "bulk_seed_seconds": round(bulk["seconds"], 2),
        "scenarios": results,
        "ratios_vs_bare": {key: round(ratio, 4) for key, ratio in ratios.items()},
        "create_rate": {key: round(value, 4) for key, value in create.items()},
        "targets": targets,
        "all_targets_pass": all(t["pass"] for t in targets),
    }


Measure = Callable[[argparse.Namespace, Processes, Path], dict[str, Any]]
"""A benchmark's body: given its arguments, where to start processes and a scratch directory,
the result record."""


def run_and_record(measure: Measure, args: argparse.Namespace, workdir_prefix: str, results: Path) -> int:
    """Run ``measure`` in a throw-away directory and write its record to ``results``.

    0 once it measured (targets met or not), 1 if it broke, 130 on Ctrl-C or SIGTERM; every
    process it started is stopped and the directory removed on every way out.
    """
    procs = Processes()
    workdir = Path(tempfile.mkdtemp(prefix=workdir_prefix))
    try:
        with sigterm_as_interrupt():
            record = measure(args, procs, workdir)
    except KeyboardInterrupt:
        print("\ninterrupted", file=sys.stderr)
        return 130
    except (BenchError, aiohttp.ClientError, subprocess.SubprocessError, OSError) as exc:
        print(f"\nbenchmark failed: {exc}", file=sys.stderr)
        return 1
    finally:
        procs.stop_all()
        shutil.rmtree(workdir, ignore_errors=True)
    results.parent.mkdir(parents=True, exist_ok=True)
    results.write_text(json.dumps(record, indent=2) + "\n")
    print(f"\nresults written to {results.relative_to(BENCH_DIR.parent)}")
    return 0


def main(argv: list[str] | None = None) -> int:
    """Run the benchmark; 0 once it measured (targets met or not), 1 if it broke, 130 on Ctrl-C."""
    return run_and_record(run, parse_args(argv), "offertracker-bench-", RESULTS_FILE)


if __name__ == "__main__":
    sys.exit(main())

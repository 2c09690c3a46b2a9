"""Does Supabase mode cost anything per request once a user is signed in?

`python bench/supabase_reads.py [--database-url URL] [--paths /users/me,/resumes/] [--duration 3]
[--rounds 3] [--concurrency 32] [--warmup 1] [--load-generator auto|wrk|python] [--pin/--no-pin]`

1. starts the fake Supabase project of ``tests/supabase/fake.py`` (Auth and Storage over their
   real wire protocol, ES256 tokens, a JWKS) in a thread of this process — which, pinned, runs on
   the load core, so it never takes the server's core;
2. starts ``offertracker serve`` twice on the server core, as ``bench/run.py`` does (a throw-away
   data directory each, the given database URL or the embedded SQLite default): once in local
   mode (``OFFERTRACKER_AUTH=local``, ``OFFERTRACKER_FILES=local``) and once in Supabase mode
   (``supabase`` for both, ``SUPABASE_URL`` the fake);
3. in each, registers a user through the API, creates a resume and uploads a small PDF to it, and
   checks what came back: ``GET /users/me`` is that user, ``GET /resumes/`` lists that resume
   with its file; in Supabase mode the user is the fake's account and the file its object;
4. measures each path of ``--paths`` on both servers, and the bare aiohttp handler of
   ``bench/bare_server.py`` for reference, at one connection (latency) and at ``--concurrency``
   connections (throughput), ``--rounds`` times in turn (local and Supabase swap places every
   other round);
5. prints the two tables, Supabase against local per path, and what the fake saw: how many times
   the Supabase server fetched the JWKS in the whole run (expected: once) and how many requests
   reached Supabase while measuring (expected: none — a signed-in request is judged from the
   cached keys and the remembered token alone); writes everything to
   ``bench/results/supabase_reads.json``.

Steps 2 and 4 are ``bench/run.py``'s machinery (``start_server``, ``run_load``, ``combine``,
``run_and_record``). It is a measurement, not a test: the exit status is 0 once it measured
(checks passed or not), 1 when something broke, 130 when interrupted.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import datetime as dt
import sys
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

import aiohttp

import latency
import run
import upload_memory

if TYPE_CHECKING:
    from tests.supabase.fake import FakeSupabase

__all__ = ["FakeProject", "main", "serving_fake"]

REPO_ROOT = run.BENCH_DIR.parent
RESULTS_FILE = run.BENCH_DIR / "results" / "supabase_reads.json"
DEFAULT_PATHS = ("/users/me", "/resumes/")
MODES = ("local", "supabase")
JWKS_PATH = "/auth/v1/.well-known/jwks.json"
JWKS_TTL = 600.0
"""Seconds ``SupabaseTokens`` keeps the keys (its ``jwks_ttl``); past it, the next request has them
fetched again in the background, so a run that outlasts it sees a second fetch, by design."""
RESUME_BYTES = 4096
BUCKET = "resumes"

_T = TypeVar("_T")


# --------------------------------------------------------------------------- the fake project


class FakeProject:
    """The fake Supabase project, served by an event loop on a thread of this process.

    Its state is only ever read on that loop (:meth:`ask`), so no reading races a request.
    """

    def __init__(self, fake: FakeSupabase, loop: asyncio.AbstractEventLoop) -> None:
        self._fake = fake
        self._loop = loop
        self.url = fake.url

    def ask(self, question: Callable[[FakeSupabase], _T]) -> _T:
        """``question(fake)``, evaluated on the fake's own loop."""

        async def on_loop() -> _T:
            return question(self._fake)

        return asyncio.run_coroutine_threadsafe(on_loop(), self._loop).result(timeout=30)

    def settings(self) -> dict[str, str]:
        """The server's settings for Supabase mode against this project: Auth and Storage.

        Every ``SUPABASE_*`` setting is named, so none leaks in from the shell.
        """
        return {
            "OFFERTRACKER_AUTH": "supabase",
            "OFFERTRACKER_FILES": "supabase",
            "SUPABASE_URL": self.url,
            "SUPABASE_ANON_KEY": self._fake.ANON_KEY,
            "SUPABASE_SERVICE_ROLE_KEY": self._fake.SERVICE_ROLE_KEY,
            "SUPABASE_JWT_SECRET": "",  # signing keys (the JWKS) only, as a new project has
            "SUPABASE_STORAGE_BUCKET": BUCKET,
            "SUPABASE_STORAGE_PUBLIC": "true",
            "SUPABASE_TIMEOUT": "10",
        }


@contextlib.contextmanager
def serving_fake() -> Iterator[FakeProject]:
    """``tests.supabase.fake.running_fake()`` on a thread of its own, closed on the way out.

    A thread, not a process: its request log must be readable here, and the measuring itself runs
    in other processes (``load.py``, wrk) while this one waits. The thread inherits this
    process's core, which pinning has made the load core.
    """
    if str(REPO_ROOT) not in sys.path:
        sys.path.insert(0, str(REPO_ROOT))  # `tests` is a package of the repository, not installed
    from tests.supabase.fake import running_fake

    loop = asyncio.new_event_loop()
    thread = threading.Thread(target=loop.run_forever, name="fake-supabase", daemon=True)
    thread.start()
    try:
        context = running_fake()
        fake = asyncio.run_coroutine_threadsafe(context.__aenter__(), loop).result(timeout=30)
        try:
            yield FakeProject(fake, loop)
        finally:
            asyncio.run_coroutine_threadsafe(context.__aexit__(None, None, None), loop).result(timeout=30)
    finally:
        loop.call_soon_threadsafe(loop.stop)
        thread.join(timeout=10)
        loop.close()


# --------------------------------------------------------------------------- set-up


async def sign_up_with_resume(base: str, mode: str) -> dict[str, Any]:
    """Register a user through the API, create a resume and upload a small PDF to it.

    ``{token, user_id, email, resume_id}``; :class:`run.BenchError` if a step is refused.
    """
    registered = await run.register(base, mode)
    token = registered["access_token"]
    headers = {"Authorization": f"Bearer {token}"}
    async with aiohttp.ClientSession(headers=headers, timeout=aiohttp.ClientTimeout(total=60)) as session:
        async with session.post(f"{base}{run.API}/resumes/", json={"version_name": "bench"}) as response:
            if response.status != 201:
                raise run.BenchError(f"creating a resume answered {response.status}: {await response.text()}")
            resume_id = (await response.json())["id"]
        status = await upload_memory.upload(session, base, resume_id, RESUME_BYTES, "bench.pdf")
        if status != 200:
            raise run.BenchError(f"uploading the resume answered {status}")
    return {
        "token": token,
        "user_id": registered["user"]["id"],
        "email": registered["user"]["email"],
        "resume_id": resume_id,
    }


def check_account(mode: str, base: str, account: dict[str, Any], fake: FakeProject) -> None:
    """The API answers the user and its resume, and the account lives where ``mode`` says."""
    me = latency.read(base, "/users/me", account["token"])
    if (me["id"], me["email"]) != (account["user_id"], account["email"]):
        raise run.BenchError(f"{mode}: GET /users/me answered {me}, not the registered user")
    resumes = latency.read(base, "/resumes/", account["token"])
    if [r["id"] for r in resumes] != [account["resume_id"]] or not resumes[0].get("file_url"):
        raise run.BenchError(f"{mode}: GET /resumes/ answered {resumes}, not the one resume with its file")
    fake_user = fake.ask(lambda f: f.user_by_email(account["email"]))
    fake_objects = fake.ask(
        lambda f: [
            path for bucket, path in f.objects if bucket == BUCKET and path.startswith(account["user_id"])
        ]
    )
    if mode == "local":
        if fake_user is not None or fake_objects:
            raise run.BenchError("local: the account or its file reached the fake Supabase")
        return
    if fake_user is None or fake_user.id != account["user_id"]:
        raise run.BenchError(f"supabase: {account['email']} is not the fake's account {account['user_id']}")
    public = f"{fake.url}/storage/v1/object/public/{BUCKET}/{account['user_id']}/{account['resume_id']}/"
    if len(fake_objects) != 1 or not resumes[0]["file_url"].startswith(public):
        raise run.BenchError(
            f"supabase: the resume's file_url {resumes[0]['file_url']!r} or the stored objects "
            f"{fake_objects} are not the one uploaded file"
        )


# --------------------------------------------------------------------------- measuring


def _key(mode: str, path: str, concurrency: int) -> str:
    """A scenario key that is also a file name (wrk's script is named after it)."""
    slug = path.strip("/").replace("/", "_").replace("?", "_").replace("=", "_") or "root"
    return f"{mode}_{slug}_c{concurrency}"


def round_specs(
    bare: str,
    bases: dict[str, str],
    tokens: dict[str, str],
    paths: list[str],
    levels: tuple[int, ...],
    swap: bool,
) -> list[dict[str, Any]]:
    """One round's scenarios: per concurrency level, the bare handler, then each path on each mode.

    ``swap`` puts Supabase before local, so neither always runs second (after its partner warmed
    the caches of the shared core).
    """
    modes = MODES[::-1] if swap else MODES
    specs = []
    for level in levels:
        specs.append(
            {
                "key": _key("bare", "/", level),
                "name": "bare aiohttp GET /",
                "method": "GET",
                "urls": [f"{bare}/"],
                "headers": {},
                "concurrency": level,
                "mode": "bare",
                "path": "/",
            }
        )
        specs += [
            {
                "key": _key(mode, path, level),
                "name": f"{mode} GET {path}",
                "method": "GET",
                "urls": [f"{bases[mode]}{run.API}{path}"],
                "headers": {"Authorization": f"Bearer {tokens[mode]}"},
                "concurrency": level,
                "mode": mode,
                "path": path,
            }
            for path in paths
            for mode in modes
        ]
    return specs


# --------------------------------------------------------------------------- report


def _change(new: float, old: float) -> float:
    return new / old - 1 if old else 0.0


def compare(by_key: dict[str, dict[str, Any]], paths: list[str], concurrency: int) -> list[dict[str, Any]]:
    """Per path: Supabase against local, p50 at one connection and req/s at ``concurrency``."""
    comparisons = []
    for path in paths:
        one = {mode: by_key[_key(mode, path, 1)] for mode in MODES}
        many = {mode: by_key[_key(mode, path, concurrency)] for mode in MODES}
        p50 = {mode: one[mode]["p50_ms"] for mode in MODES}
        rps = {mode: many[mode]["rps"] for mode in MODES}
        comparisons.append(
            {
                "path": path,
                "p50_ms_at_1": {**p50, "difference_ms": round(p50["supabase"] - p50["local"], 3)},
                "p50_change_at_1": round(_change(p50["supabase"], p50["local"]), 4),
                f"rps_at_{concurrency}": rps,
                f"rps_change_at_{concurrency}": round(_change(rps["supabase"], rps["local"]), 4),
            }
        )
    return comparisons


def check_supabase(jwks_fetches: int, measured: list[tuple[str, str]], span: float) -> list[dict[str, Any]]:
    """The two claims about Supabase traffic, each with its verdict (None: not judged, see why)."""
    outlasted = span >= JWKS_TTL
    why = f"the run outlasted the keys' {JWKS_TTL:.0f} s, so a background refetch is expected"
    return [
        {
            "check": "JWKS fetches by the Supabase server in the whole run",
            "actual": jwks_fetches,
            "expected": 1,
            "pass": None if outlasted else jwks_fetches == 1,
            **({"note": why} if outlasted else {}),
        },
        {
            "check": "requests reaching Supabase while measuring",
            "actual": len(measured),
            "expected": 0,
            "pass": None if outlasted else not measured,
            **({"note": why} if outlasted else {}),
        },
    ]


def render(
    results: list[dict[str, Any]],
    comparisons: list[dict[str, Any]],
    checks: list[dict[str, Any]],
    seen: Counter[str],
    concurrency: int,
) -> str:
    """Both tables, Supabase against local, the checks and what the fake saw, as plain text."""
    lines = []
    for level, what in (
        (1, "one request at a time: p50 is what one request costs"),
        (concurrency, "throughput"),
    ):
        lines += [f"{level} connection{'s' if level > 1 else ''} ({what}):"]
        lines += latency.table([r for r in results if r["concurrency"] == level])
        lines += [""]
    header = f"{'supabase vs local':<20} {'p50 ms at 1 connection':<34} req/s at {concurrency} connections"
    lines += [header, "-" * len(header)]
    for c in comparisons:
        p50 = c["p50_ms_at_1"]
        rps = c[f"rps_at_{concurrency}"]
        latency_text = (
            f"{p50['supabase']:.2f} vs {p50['local']:.2f} "
            f"({p50['difference_ms']:+.2f} ms, {c['p50_change_at_1']:+.1%})"
        )
        throughput = f"{rps['supabase']:.1f} vs {rps['local']:.1f} ({c[f'rps_change_at_{concurrency}']:+.1%})"
        lines.append(f"{'GET ' + c['path']:<20} {latency_text:<34} {throughput}")
    lines += ["", "checks:"]
    for check in checks:
        verdict = "NOTE" if check["pass"] is None else "PASS" if check["pass"] else "FAIL"
        line = f"  {verdict}  {check['check']}: {check['actual']} (expected {check['expected']})"
        lines.append(line + (f"; {check['note']}" if "note" in check else ""))
    lines += [f"requests the fake Supabase saw in the whole run: {seen.total()}"]
    lines += [f"  {count:>5}  {request}" for request, count in seen.most_common()]
    return "\n".join(lines)


# --------------------------------------------------------------------------- main


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    """The command line (see the module docstring); ``args.paths`` is the list of paths."""
    parser = argparse.ArgumentParser(
        description="Supabase mode against local mode, per request (bench/README.md)."
    )
    parser.add_argument(
        "--database-url", default=None, help="SQLAlchemy URL for both servers (default: temp SQLite)"
    )
    parser.add_argument(
        "--paths",
        default=",".join(DEFAULT_PATHS),
        help=f"comma-separated GET paths under /api/v1 to measure (default: {','.join(DEFAULT_PATHS)})",
    )
    parser.add_argument(
        "--duration", type=float, default=3.0, help="measured seconds per scenario and round (3)"
    )
    parser.add_argument("--rounds", type=int, default=3, help="times the scenario list runs in turn (3)")
    parser.add_argument(
        "--concurrency",
        type=int,
        default=32,
        help="connections of the throughput runs; latency runs use 1 (32)",
    )
    parser.add_argument(
        "--warmup", type=float, default=1.0, help="unmeasured seconds before each scenario (1)"
    )
    parser.add_argument("--load-generator", choices=("auto", "wrk", "python"), default="auto")
    parser.add_argument("--pin", action=argparse.BooleanOptionalAction, default=None)
    args = parser.parse_args(argv)
    args.paths = [path.strip() for path in args.paths.split(",") if path.strip()]
    if (
        args.rounds < 1
        or args.concurrency < 2
        or not args.paths
        or any(not p.startswith("/") for p in args.paths)
    ):
        parser.error("--rounds >= 1, --concurrency >= 2, and --paths a list of paths starting with /")
    return args


def measure(args: argparse.Namespace, procs: run.Processes, workdir: Path) -> dict[str, Any]:
    """Start the fake and the servers, sign up, measure; the full result record."""
    server_cpu, load_cpu = run.pin_cores(args.pin)  # first: the fake's thread inherits the load core
    generator = run.choose_generator(args.load_generator)
    print(f"load generator: {generator}", flush=True)
    with serving_fake() as fake:
        print(f"fake Supabase on {fake.url} (a thread of this process)", flush=True)
        servers: dict[str, run.Server] = {}
        accounts: dict[str, dict[str, Any]] = {}
        started: dict[str, float] = {}
        for mode in MODES:
            home = workdir / mode
            home.mkdir()
            settings = (
                fake.settings()
                if mode == "supabase"
                else {"OFFERTRACKER_AUTH": "local", "OFFERTRACKER_FILES": "local"}
            )
            started[mode] = time.monotonic()
            servers[mode] = run.start_server(procs, home, args.database_url, server_cpu, settings=settings)
            accounts[mode] = asyncio.run(sign_up_with_resume(servers[mode].base, mode))
            check_account(mode, servers[mode].base, accounts[mode], fake)
            print(
                f"{mode}: signed up, resume uploaded, checked (user {accounts[mode]['user_id']})", flush=True
            )
        bare = run.start_bare(procs, workdir, server_cpu)

        before = fake.ask(lambda f: len(f.requests))
        levels = (1, args.concurrency)
        bases = {mode: server.base for mode, server in servers.items()}
        tokens = {mode: account["token"] for mode, account in accounts.items()}
        runs: dict[str, list[dict[str, Any]]] = {}
        described: dict[str, dict[str, Any]] = {}
        for round_number in range(1, args.rounds + 1):
            for spec in round_specs(bare.base, bases, tokens, args.paths, levels, swap=round_number % 2 == 0):
                spec.update(duration=args.duration, warmup=args.warmup)
                label = f"round {round_number}/{args.rounds}: {spec['name']} at {spec['concurrency']}"
                print(f"{label} for {args.duration:g} s ({generator}) ...", flush=True)
                runs.setdefault(spec["key"], []).append(
                    run.run_load(procs, spec, load_cpu, generator, workdir)
                )
                described[spec["key"]] = {k: spec[k] for k in ("concurrency", "mode", "path")}
                run.check_alive(*servers.values(), bare)
        measured = fake.ask(lambda f: list(f.requests[before:]))
        jwks_fetches = fake.ask(lambda f: f.count("GET", JWKS_PATH))
        seen = Counter(f"{method} {path}" for method, path in fake.ask(lambda f: list(f.requests)))
        span = time.monotonic() - started["supabase"]
        supabase_settings = {k: v for k, v in fake.settings().items() if "KEY" not in k}

    results = [{**run.combine(rounds), **described[key]} for key, rounds in runs.items()]
    by_key = {result["key"]: result for result in results}
    comparisons = compare(by_key, args.paths, args.concurrency)
    checks = check_supabase(jwks_fetches, measured, span)
    failures = sum(r["non_2xx"] + sum(r["errors"].values()) for r in results)
    checks.append(
        {
            "check": "non-2xx responses and transport errors",
            "actual": failures,
            "expected": 0,
            "pass": failures == 0,
        }
    )
    print()
    print(render(results, comparisons, checks, seen, args.concurrency))
    return {
        "generated_at": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "machine": {**run.machine(), "aiohttp": aiohttp.__version__},
        "config": {
            **run.load_config(args, generator, server_cpu, load_cpu),
            "concurrency_levels": list(levels),
            "paths": args.paths,
            "supabase_settings": supabase_settings,
        },
        "scenarios": results,
        "supabase_vs_local": comparisons,
        "checks": checks,
        "supabase_requests": {
            "all": dict(seen),
            "while_measuring": [f"{method} {path}" for method, path in measured],
            "seconds_since_supabase_server_start": round(span, 1),
        },
    }


def main(argv: list[str] | None = None) -> int:
    """Run the benchmark; 0 once it measured (checks passed or not), 1 if it broke, 130 on Ctrl-C."""
    return run.run_and_record(measure, parse_args(argv), "offertracker-supabase-reads-", RESULTS_FILE)


if __name__ == "__main__":
    sys.exit(main())

"""How long the reads of one large account take: the dashboard and the stats at 10,000 applications.

`python bench/account_reads.py [--database-url URL] [--paths /analytics/dashboard,/progress/stats]
[--duration 5] [--rounds 3] [--concurrency 1] [--warmup 1] [--load-generator auto|wrk|python]
[--pin/--no-pin]`

1. starts one ``offertracker serve`` process on a free 127.0.0.1 port with a throw-away data
   directory (and the given database URL, else the embedded SQLite default inside it), pinned
   to one core, the load generator (and this script) to the other, as ``bench/run.py`` does;
2. registers a user through the API and writes 10,000 applications straight into the database
   (:func:`seed_account`): every status, source and currency, applied dates over the last four
   months, 150 distinct companies; stages (with dates and questions) on a tenth of them,
   outcomes on the Offer, Accepted and Rejected ones; then checks the dashboard counts them all;
3. measures each path of ``--paths`` (a path that answers 404 is skipped: the route is not served
   by this build) and the bare aiohttp handler of ``bench/bare_server.py`` for reference, with
   ``--concurrency`` connections (1 by default, so the latency is that of one request, not of a
   queue), ``--rounds`` times in turn;
4. prints the table and each target as PASS/FAIL/SKIP, and writes everything to
   ``bench/results/account_reads.json``.

It is a measurement, not a test: the exit status is 0 whether or not the targets are met, 1 when
something broke, 130 when interrupted.
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import json
import sys
import time
import uuid
from pathlib import Path
from typing import Any

import aiohttp
from sqlalchemy import create_engine, insert

import run
import seed_bulk
from offertracker_core import activity
from offertracker_core.entities import ActivityEntry, Application, Outcome, Stage
from offertracker_core.enums import (
    ApplicationStatus,
    OutcomeStatus,
    Priority,
    Source,
    StageResult,
    StageType,
)
from offertracker_storage.sql import tables
from offertracker_storage.sql.database import sync_url
from offertracker_storage.sql.rows import Mapper

__all__ = ["TARGETS", "main", "seed_account"]

RESULTS_FILE = run.BENCH_DIR / "results" / "account_reads.json"
APPLICATIONS = 10_000
STAGED_EVERY = 10  # stages on a tenth of the applications
STAGES_EACH = 2
COMPANIES = 150
DEFAULT_PATHS = ("/analytics/dashboard", "/progress/stats")

TARGETS: dict[str, float] = {"/analytics/dashboard": 25.0, "/progress/stats": 10.0}
"""Largest p50 latency in milliseconds, per path (the issue: one server process, 10,000 applications)."""

_applications = Mapper(Application, tables.applications)
_stages = Mapper(Stage, tables.application_stages)
_outcomes = Mapper(Outcome, tables.outcomes)
_activity = Mapper(ActivityEntry, tables.activity_log)
_STATUSES = tuple(ApplicationStatus)
_SOURCES = (*Source, None)
_STAGE_TYPES = (StageType.PHONE_SCREEN, StageType.TECHNICAL, StageType.BEHAVIORAL, None)
_OUTCOME_OF = {
    ApplicationStatus.OFFER: OutcomeStatus.OFFER,
    ApplicationStatus.ACCEPTED: OutcomeStatus.OFFER,
    ApplicationStatus.REJECTED: OutcomeStatus.REJECTED,
}


# --------------------------------------------------------------------------- seeding


def _account_rows(user_id: uuid.UUID, today: dt.date) -> dict[str, list[dict[str, Any]]]:
    """The rows of the account, keyed by table name (see the module docstring)."""
    start = dt.datetime.now(dt.UTC) - dt.timedelta(hours=1, minutes=APPLICATIONS)
    rows: dict[str, list[dict[str, Any]]] = {"applications": [], "stages": [], "outcomes": [], "activity": []}
    for i in range(APPLICATIONS):
        at = start + dt.timedelta(minutes=i)
        status = _STATUSES[i % len(_STATUSES)]
        applied = None if status is ApplicationStatus.SAVED else today - dt.timedelta(days=i % 120)
        salaried = i % 3 != 0
        app = Application(
            id=uuid.uuid4(),
            user_id=user_id,
            company_name=f"Company {i % COMPANIES:03d}",
            role_title="Backend Engineer",
            url=f"https://jobs.example.com/account/{i}",
            description=None,
            location="Remote",
            job_type=None,
            work_mode=None,
            salary_min=80_000 + i if salaried else None,
            salary_max=100_000 + i if salaried else None,
            salary_currency="EUR" if i % 5 == 0 else "USD",
            applied_source=_SOURCES[i % len(_SOURCES)],
            applied_date=applied,
            follow_up_date=None,
            priority=Priority.MEDIUM,
            notes="Seeded by bench/account_reads.py",
            status=status,
            resume_version_id=None,
            created_at=at,
            updated_at=at,
        )
        rows["applications"].append(_applications.to_row(app))
        rows["activity"].append(_activity.to_row(activity.application_created(uuid.uuid4(), app, at)))
        if i % STAGED_EVERY == 0:
            for n in range(STAGES_EACH):
                stage = Stage(
                    id=uuid.uuid4(),
                    application_id=app.id,
                    stage_name=f"Round {n + 1}",
                    stage_type=_STAGE_TYPES[(i // STAGED_EVERY + n) % len(_STAGE_TYPES)],
                    stage_date=None if applied is None else applied + dt.timedelta(days=7 * (n + 1)),
                    result=StageResult.PASSED,
                    duration_minutes=45,
                    interviewer_names=None,
                    prep_notes=None,
                    questions_asked=("Tell me about yourself", f"Design system {i}"),
                    notes=None,
                    created_at=at,
                    updated_at=at,
                )
                rows["stages"].append(_stages.to_row(stage))
        outcome_status = _OUTCOME_OF.get(status)
        if outcome_status is not None:
            outcome = Outcome(
                id=uuid.uuid4(),
                application_id=app.id,
                status=outcome_status,
                salary=110_000 + i,
                salary_currency=app.salary_currency,
                bonus=None,
                equity=None,
                benefits=None,
                start_date=None,
                deadline=None,
                negotiation_notes=None,
                notes=None,
                created_at=at,
                updated_at=at,
            )
            rows["outcomes"].append(_outcomes.to_row(outcome))
    return rows


def seed_account(database_url: str, user_id: uuid.UUID) -> dict[str, int]:
    """Write the account's rows in one transaction; how many of each were written.

    The user's milestone counters (``user_progress``) are recomputed as ``bench/seed_bulk.py``
    does, so the app's own bookkeeping stays consistent with the rows. On PostgreSQL the
    tables are analysed afterwards, as autovacuum would soon do; SQLite is left as the app
    leaves it (it never runs ``ANALYZE``).
    """
    rows = _account_rows(user_id, dt.datetime.now(dt.UTC).date())
    connect_args = {"timeout": 30} if database_url.startswith("sqlite") else {}
    engine = create_engine(sync_url(database_url), connect_args=connect_args)
    try:
        with engine.begin() as conn:
            conn.execute(insert(tables.applications), rows["applications"])
            conn.execute(insert(tables.application_stages), rows["stages"])
            conn.execute(insert(tables.outcomes), rows["outcomes"])
            conn.execute(insert(tables.activity_log), rows["activity"])
            seed_bulk.refresh_counters(conn, user_id)
        if engine.dialect.name == "postgresql":
            # What autovacuum does within a minute of a load this size: without statistics the
            # planner guesses the new rows' numbers, and the run would measure its guesses.
            with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
                conn.exec_driver_sql("ANALYZE")
    finally:
        engine.dispose()
    return {name: len(written) for name, written in rows.items()}


async def _get(base: str, path: str, token: str) -> tuple[int, Any]:
    headers = {"Authorization": f"Bearer {token}"}
    async with (
        aiohttp.ClientSession(headers=headers, timeout=aiohttp.ClientTimeout(total=60)) as session,
        session.get(f"{base}{run.API}{path}") as response,
    ):
        text = await response.text()
        return response.status, json.loads(text) if text else None


def verify_dashboard(base: str, token: str) -> None:
    """The dashboard of the seeded account counts every application: the seed is what it says."""
    status, body = asyncio.run(_get(base, "/analytics/dashboard", token))
    if status != 200:
        raise run.BenchError(f"GET /analytics/dashboard answered {status}: {body}")
    counted = sum(entry["count"] for entry in body["pipeline"])
    if counted != APPLICATIONS or not body["weekly_trend"] or len(body["top_companies"]) != 10:
        raise run.BenchError(f"the dashboard counts {counted} applications; expected {APPLICATIONS}")


# --------------------------------------------------------------------------- report


def evaluate(results: list[dict[str, Any]], skipped: dict[str, str]) -> list[dict[str, Any]]:
    """Each target with its verdict: ``pass`` is True, False, or None for a skipped path."""
    by_path = {result["scenario"].removeprefix("GET "): result for result in results}
    verdicts = []
    for path, limit in TARGETS.items():
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


def render(results: list[dict[str, Any]], targets: list[dict[str, Any]], skipped: dict[str, str]) -> str:
    """The table, the skipped paths and the targets as plain text."""
    header = (
        f"{'scenario':<28} {'generator':>9} {'requests':>9} {'req/s':>9} {'p50 ms':>8} "
        f"{'p90 ms':>8} {'p99 ms':>8} {'non-2xx':>8}"
    )
    lines = [header, "-" * len(header)]
    for r in results:
        non_2xx = r["non_2xx"] + sum(r["errors"].values())
        timing = f"{r['rps']:>9.1f} {r['p50_ms']:>8.2f} {r['p90_ms']:>8.2f} {r['p99_ms']:>8.2f}"
        lines.append(f"{r['scenario']:<28} {r['generator']:>9} {r['requests']:>9} {timing} {non_2xx:>8}")
    lines += [f"GET {path:<24} skipped: {why}" for path, why in skipped.items()]
    lines += ["", "targets:"]
    for t in targets:
        verdict = "SKIP" if t["pass"] is None else "PASS" if t["pass"] else "FAIL"
        lines.append(f"  {verdict}  {t['target']} (actual {t['actual']})")
    return "\n".join(lines)


# --------------------------------------------------------------------------- main


def _slug(path: str) -> str:
    """A scenario key that is also a file name (wrk's script is named after it)."""
    return path.strip("/").replace("/", "_") or "root"


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    """The command line (see the module docstring)."""
    parser = argparse.ArgumentParser(
        description="Reads of a 10,000-application account (see bench/README.md)."
    )
    parser.add_argument("--database-url", default=None, help="SQLAlchemy URL (default: temp SQLite file)")
    parser.add_argument(
        "--paths",
        default=",".join(DEFAULT_PATHS),
        help="comma-separated GET paths under /api/v1 to measure; one answering 404 is skipped "
        f"(default: {','.join(DEFAULT_PATHS)})",
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


def measure(args: argparse.Namespace, procs: run.Processes, workdir: Path) -> dict[str, Any]:
    """Start the servers, seed, measure; the full result record."""
    server_cpu, load_cpu = run.pin_cores(args.pin)
    generator = run.choose_generator(args.load_generator)
    print(f"load generator: {generator}", flush=True)
    server = run.start_server(procs, workdir, args.database_url, server_cpu)
    base = server.base

    started = time.perf_counter()
    registered = asyncio.run(run.register(base, "account"))
    token = registered["access_token"]
    database_url = args.database_url or f"sqlite:///{workdir / 'data' / 'offertracker.db'}"
    print(f"seeding {APPLICATIONS:,} applications (stages on a tenth) into the database ...", flush=True)
    written = seed_account(database_url, uuid.UUID(registered["user"]["id"]))
    verify_dashboard(base, token)
    seconds = time.perf_counter() - started
    print(f"seeded and verified in {seconds:.1f} s: {written}", flush=True)

    skipped: dict[str, str] = {}
    for path in args.paths:
        status, _ = asyncio.run(_get(base, path, token))
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
    targets = evaluate(results, skipped)
    print()
    print(render(results, targets, skipped))
    return {
        "generated_at": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "machine": run.machine(),
        "config": {
            "database": run.describe_database(args.database_url),
            "load_generator": {"requested": args.load_generator, "used": generator},
            "duration_s": args.duration,
            "rounds": args.rounds,
            "warmup_s": args.warmup,
            "concurrency": args.concurrency,
            "pinned": None if server_cpu is None else {"server_cpu": server_cpu, "load_cpu": load_cpu},
            "paths": args.paths,
        },
        "seeded": written,
        "seed_seconds": round(seconds, 2),
        "skipped": skipped,
        "scenarios": results,
        "targets": targets,
    }


def main(argv: list[str] | None = None) -> int:
    """Run the benchmark; 0 once it measured (targets met or not), 1 if it broke, 130 on Ctrl-C."""
    return run.run_and_record(measure, parse_args(argv), "offertracker-account-reads-", RESULTS_FILE)


if __name__ == "__main__":
    sys.exit(main())

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

Steps 1, 3 and 4 are ``bench/latency.py``'s, shared with ``bench/social_feed.py``.

It is a measurement, not a test: the exit status is 0 whether or not the targets are met, 1 when
something broke, 130 when interrupted.
"""

from __future__ import annotations

import datetime as dt
import sys
import uuid
from typing import Any

from sqlalchemy import create_engine, insert

import latency
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

__all__ = ["BENCH", "TARGETS", "main", "seed_account", "seed_and_verify"]

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


def verify_dashboard(base: str, token: str) -> None:
    """The dashboard of the seeded account counts every application: the seed is what it says."""
    body = latency.read(base, "/analytics/dashboard", token)
    counted = sum(entry["count"] for entry in body["pipeline"])
    if counted != APPLICATIONS or not body["weekly_trend"] or len(body["top_companies"]) != 10:
        raise run.BenchError(f"the dashboard counts {counted} applications; expected {APPLICATIONS}")


def seed_and_verify(account: latency.Account) -> dict[str, int]:
    """Seed the account (:func:`seed_account`) and check the dashboard counts it all."""
    print(f"seeding {APPLICATIONS:,} applications (stages on a tenth) into the database ...", flush=True)
    written = seed_account(account.database_url, account.user_id)
    verify_dashboard(account.base, account.token)
    return written


BENCH = latency.Benchmark(
    description="Reads of a 10,000-application account (see bench/README.md).",
    default_paths=DEFAULT_PATHS,
    targets=TARGETS,
    label="account",
    seed=seed_and_verify,
    results_file=RESULTS_FILE,
    workdir_prefix="offertracker-account-reads-",
)


def main(argv: list[str] | None = None) -> int:
    """Run the benchmark; 0 once it measured (targets met or not), 1 if it broke, 130 on Ctrl-C."""
    return latency.main(BENCH, argv)


if __name__ == "__main__":
    sys.exit(main())

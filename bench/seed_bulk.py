"""Seed one account with many applications straight into the database.

Through the API an application costs a request (about 100 a second today), so the 10,000 of the
"create on a full account" scenario are written with SQLAlchemy Core instead: it is benchmark
set-up, not a test of the API. The user itself is registered through the API beforehand (so its
credentials and "Getting Started" milestone are the app's own), and afterwards one more
application is created through the API, so the app's own bookkeeping — streak, milestones, and
any counters it keeps — runs on top of the inserted rows exactly as it would for a real account.

Rows are what the app itself writes: ``Application`` entities and their "Application Created"
activity entries, converted by the storage layer's own ``Mapper``. If the schema has a per-user
counter table (``user_progress``), the user's row is (re)computed from the inserted rows with one
``INSERT … SELECT``, so a later incremental update starts from the right figure. Finally the
totals are read back through the storage layer's own ``progress`` repository, whatever it reads
them from, and must equal what was inserted.
"""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

from sqlalchemy import Connection, Integer, create_engine, delete, func, insert, literal, select

from offertracker_core import activity
from offertracker_core.entities import ActivityEntry, Application
from offertracker_core.enums import ApplicationStatus, Priority
from offertracker_core.milestones import milestone_id
from offertracker_storage.sql import repositories, tables
from offertracker_storage.sql.database import sync_url
from offertracker_storage.sql.rows import Mapper

__all__ = ["APPLICATION_MILESTONES", "insert_applications", "refresh_counters", "verify"]

_applications = Mapper(Application, tables.applications)
_activity = Mapper(ActivityEntry, tables.activity_log)
_STATUSES = tuple(ApplicationStatus(s) for s in ("Saved", "Applied", "Interviewing", "Rejected"))
_PRIORITIES = tuple(Priority)

#: The milestones an account with more than 25 applications holds once the app has counted them.
APPLICATION_MILESTONES = tuple(
    milestone_id(name) for name in ("First Application", "Building Momentum", "In the Zone")
)


def _rows(user_id: uuid.UUID, count: int) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """``count`` applications (one a minute, ending an hour ago) and their activity entries."""
    start = dt.datetime.now(dt.UTC) - dt.timedelta(hours=1, minutes=count)
    apps, entries = [], []
    for i in range(count):
        at = start + dt.timedelta(minutes=i)
        app = Application(
            id=uuid.uuid4(),
            user_id=user_id,
            company_name=f"Bulk Company {i:05d}",
            role_title="Backend Engineer",
            url=f"https://jobs.example.com/bulk/{i}",
            description=None,
            location="Remote",
            job_type=None,
            work_mode=None,
            salary_min=None,
            salary_max=None,
            salary_currency="USD",
            applied_source=None,
            applied_date=None,
            follow_up_date=None,
            priority=_PRIORITIES[i % len(_PRIORITIES)],
            notes="Seeded by bench/seed_bulk.py",
            status=_STATUSES[i % len(_STATUSES)],
            resume_version_id=None,
            created_at=at,
            updated_at=at,
        )
        apps.append(_applications.to_row(app))
        entries.append(_activity.to_row(activity.application_created(uuid.uuid4(), app, at)))
    return apps, entries


def refresh_counters(conn: Connection, user_id: uuid.UUID) -> None:
    """Recompute the user's row of a ``user_progress`` counter table, if the schema has one.

    The figures a bench account can have rows for (applications, their stages, reflections and
    Offer outcomes) are counted from the rows; every other integer column is 0 (a bench account
    has no follows, groups or posts); a column this does not understand stops the run rather
    than leave the counters inconsistent.
    """
    table = tables.metadata.tables.get("user_progress")
    if table is None:
        return
    own = tables.applications.c.user_id == user_id

    def count(rows: Any, *where: Any) -> Any:
        return select(func.count()).select_from(rows).where(own, *where).scalar_subquery()

    counted = {
        "applications": count(tables.applications),
        "stages": count(tables.application_stages.join(tables.applications)),
        "reflections": count(tables.reflections.join(tables.applications)),
        "offers": count(tables.outcomes.join(tables.applications), tables.outcomes.c.status == "Offer"),
    }
    values: dict[str, Any] = {}
    for column in table.c:
        if column.name == "user_id":
            values[column.name] = literal(user_id, column.type)
        elif column.name in counted:
            values[column.name] = counted[column.name]
        elif column.nullable or column.default is not None or column.server_default is not None:
            continue
        elif isinstance(column.type, Integer):
            values[column.name] = literal(0, column.type)
        else:
            raise RuntimeError(f"bench/seed_bulk.py does not know how to fill user_progress.{column.name}")
    conn.execute(delete(table).where(table.c.user_id == user_id))
    conn.execute(insert(table).from_select(list(values), select(*values.values())))


def insert_applications(database_url: str, user_id: uuid.UUID, count: int) -> None:
    """Insert ``count`` applications (and their activity entries) for ``user_id`` in one transaction."""
    apps, entries = _rows(user_id, count)
    engine = create_engine(sync_url(database_url), connect_args=_connect_args(database_url))
    try:
        with engine.begin() as conn:
            conn.execute(insert(tables.applications), apps)
            conn.execute(insert(tables.activity_log), entries)
            refresh_counters(conn, user_id)
    finally:
        engine.dispose()


def verify(database_url: str, user_id: uuid.UUID, expected: int) -> None:
    """Check the account holds ``expected`` applications by the app's own totals, and its milestones."""
    engine = create_engine(sync_url(database_url), connect_args=_connect_args(database_url))
    try:
        with engine.connect() as conn:
            totals = repositories.BY_PORT["progress"](conn).totals(user_id)  # type: ignore[attr-defined]
            rows = conn.execute(
                select(func.count())
                .select_from(tables.applications)
                .where(tables.applications.c.user_id == user_id)
            ).scalar_one()
            held = set(
                conn.execute(
                    select(tables.user_milestones.c.milestone_id).where(
                        tables.user_milestones.c.user_id == user_id
                    )
                ).scalars()
            )
    finally:
        engine.dispose()
    if rows != expected or totals.applications != expected:
        raise RuntimeError(
            f"the bulk account holds {rows} application rows and the app counts {totals.applications}; "
            f"expected {expected}"
        )
    missing = [m for m in APPLICATION_MILESTONES if m not in held]
    if missing:
        raise RuntimeError(f"the app did not award the application milestones {missing} to the bulk account")


def _connect_args(database_url: str) -> dict[str, Any]:
    # The server holds the same SQLite file open (WAL); wait for its write lock rather than fail.
    return {"timeout": 30} if database_url.startswith("sqlite") else {}

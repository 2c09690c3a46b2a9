"""Calendar feeds and the dated items a feed shows (``uow.calendar``).

A feed is one row keyed by its user; replacing it is one upsert (``INSERT … ON
CONFLICT (user_id) DO UPDATE``), so concurrent replacements leave exactly one
row, the last one's. The items are five prebuilt statements, one per kind, each
a join with the application that names the company and role: a feed costs the
same six statements whatever the size of the account.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import UTC, date, datetime, time
from typing import Any
from uuid import UUID

from sqlalchemy import Select, bindparam, delete, false, null, select
from sqlalchemy.dialects import postgresql, sqlite

from offertracker_core.calendar import DatedItem, EventKind
from offertracker_core.entities import CalendarFeed
from offertracker_core.enums import OutcomeStatus, SavedJobStatus

from ..prepared import Prepared
from ..rows import Mapper, aware
from ..tables import application_stages, applications, calendar_feeds, outcomes, reminders, saved_jobs
from .base import SqlRepository

__all__ = ["SqlCalendar"]

_FEEDS = Mapper(CalendarFeed, calendar_feeds)
_FEED_OF = Prepared(select(*_FEEDS.columns).where(calendar_feeds.c.user_id == bindparam("user_id")))
_FEED_BY_HASH = Prepared(
    select(*_FEEDS.columns).where(calendar_feeds.c.token_hash == bindparam("token_hash"))
)
_REMOVE = Prepared(delete(calendar_feeds).where(calendar_feeds.c.user_id == bindparam("user_id")))


def _upsert(insert: Callable[..., Any]) -> Prepared:
    statement = insert(calendar_feeds)
    return Prepared(
        statement.on_conflict_do_update(
            index_elements=[calendar_feeds.c.user_id],
            set_={"token_hash": statement.excluded.token_hash, "created_at": statement.excluded.created_at},
        ),
        keys=_FEEDS.names,
    )


_REPLACE = {"postgresql": _upsert(postgresql.insert), "sqlite": _upsert(sqlite.insert)}

_app = applications.c


def _window(query: Select[Any], day: Any) -> Prepared:
    """``query`` limited to the items dated ``:since`` or later, the earliest ``:limit`` of them."""
    return Prepared(
        query.where(day >= bindparam("since"))
        .order_by(day, query.selected_columns[0])
        .limit(bindparam("limit"))
    )


# Every statement selects: id, when, title, label, detail (NULL where the kind has none), company,
# role, created_at, updated_at, and the application's updated_at (NULL when there is none).
_stage = application_stages.c
_STAGES = _window(
    select(
        _stage.id,
        _stage.stage_date,
        _stage.stage_name,
        _stage.stage_type,
        _stage.result,
        _app.company_name,
        _app.role_title,
        _stage.created_at,
        _stage.updated_at,
        _app.updated_at,
    )
    .join(applications, _app.id == _stage.application_id)
    .where(_app.user_id == bindparam("user_id")),
    _stage.stage_date,
)
_rem = reminders.c
_REMINDERS = _window(
    select(
        _rem.id,
        _rem.remind_at,
        _rem.title,
        _rem.reminder_type,
        null(),
        _app.company_name,
        _app.role_title,
        _rem.created_at,
        _rem.updated_at,
        _app.updated_at,
    )
    .outerjoin(applications, _app.id == _rem.application_id)
    .where(_rem.user_id == bindparam("user_id"), _rem.is_completed == false()),
    _rem.remind_at,
)
_FOLLOW_UPS = _window(
    select(
        _app.id,
        _app.follow_up_date,
        null(),
        _app.status,
        null(),
        _app.company_name,
        _app.role_title,
        _app.created_at,
        _app.updated_at,
        null(),
    ).where(_app.user_id == bindparam("user_id")),
    _app.follow_up_date,
)
_job = saved_jobs.c
_SAVED_JOBS = _window(
    select(
        _job.id,
        _job.deadline,
        null(),
        _job.priority,
        null(),
        _job.company_name,
        _job.role_title,
        _job.created_at,
        _job.updated_at,
        null(),
    ).where(_job.user_id == bindparam("user_id"), _job.status == SavedJobStatus.ACTIVE.value),
    _job.deadline,
)
_out = outcomes.c
_OFFERS = _window(
    select(
        _out.id,
        _out.deadline,
        null(),
        null(),
        null(),
        _app.company_name,
        _app.role_title,
        _out.created_at,
        _out.updated_at,
        _app.updated_at,
    )
    .join(applications, _app.id == _out.application_id)
    .where(_app.user_id == bindparam("user_id"), _out.status == OutcomeStatus.OFFER.value),
    _out.deadline,
)


def _stage_item(row: Sequence[Any]) -> DatedItem:
    return _item(EventKind.STAGE, row, title=row[2], label=row[3], detail=row[4])


def _reminder_item(row: Sequence[Any]) -> DatedItem:
    return _item(EventKind.REMINDER, row, title=row[2], label=row[3])


def _follow_up_item(row: Sequence[Any]) -> DatedItem:
    return _item(EventKind.FOLLOW_UP, row, label=row[3])


def _saved_job_item(row: Sequence[Any]) -> DatedItem:
    return _item(EventKind.SAVED_JOB, row, label=row[3])


def _offer_item(row: Sequence[Any]) -> DatedItem:
    return _item(EventKind.OFFER, row)


def _item(
    kind: EventKind,
    row: Sequence[Any],
    *,
    title: str | None = None,
    label: str | None = None,
    detail: Any = None,
) -> DatedItem:
    when = row[1]
    return DatedItem(
        kind=kind,
        id=row[0],
        when=aware(when) if isinstance(when, datetime) else when,
        title=title,
        label=label,
        detail=detail,
        company=row[5],
        role=row[6],
        created_at=aware(row[7]),
        updated_at=aware(row[8]),
        context_updated_at=None if row[9] is None else aware(row[9]),
    )


_KINDS = (
    (_STAGES, _stage_item),
    (_REMINDERS, _reminder_item),
    (_FOLLOW_UPS, _follow_up_item),
    (_SAVED_JOBS, _saved_job_item),
    (_OFFERS, _offer_item),
)


class SqlCalendar(SqlRepository):
    """The ``CalendarRepository`` port on ``calendar_feeds`` and the tables of dated items."""

    port = "calendar"

    def replace_feed(self, feed: CalendarFeed) -> None:
        """Insert the feed, or overwrite its user's earlier one (one upsert)."""
        _REPLACE[self.conn.dialect.name].run(self.conn, _FEEDS.to_row(feed))

    def feed_of(self, user_id: UUID) -> CalendarFeed | None:
        """The user's feed, or ``None``."""
        row = _FEED_OF.first(self.conn, {"user_id": user_id})
        return None if row is None else _FEEDS.from_row(row)

    def remove_feed(self, user_id: UUID) -> None:
        """Delete the user's feed, if any."""
        _REMOVE.run(self.conn, {"user_id": user_id})

    def feed_by_hash(self, token_hash: str) -> CalendarFeed | None:
        """The feed with this secret hash (the unique index), or ``None``."""
        row = _FEED_BY_HASH.first(self.conn, {"token_hash": token_hash})
        return None if row is None else _FEEDS.from_row(row)

    def dated_items(self, user_id: UUID, since: date, limit: int) -> list[DatedItem]:
        """The user's dated items from ``since`` on, at most ``limit`` of each kind."""
        items: list[DatedItem] = []
        for statement, make in _KINDS:
            # A reminder's remind_at is a UTC datetime: compared from midnight UTC of the day.
            start: date | datetime = since
            if statement is _REMINDERS:
                start = datetime.combine(since, time(), tzinfo=UTC)
            params = {"user_id": user_id, "since": start, "limit": limit}
            items.extend(make(row) for row in statement.rows(self.conn, params))
        return items

"""``applications.csv``: one row per application, for a spreadsheet.

RFC 4180 (the ``csv`` module's default dialect: fields with commas, quotes or line
breaks quoted, quotes doubled, ``\\r\\n`` line ends), UTF-8 without a byte-order
mark, a header row first. A text cell starting with ``=``, ``+``, ``-``, ``@``, a tab
or a carriage return gets a leading ``'``, so a spreadsheet shows it as text instead
of running it as a formula (CSV injection). The rows are written a page at a time.
"""

from __future__ import annotations

import contextlib
import csv
import enum
import io
from collections.abc import AsyncGenerator, Sequence
from datetime import date, datetime
from typing import Any
from uuid import UUID

from offertracker_core.entities import Stage
from offertracker_core.ports import ApplicationBundle
from offertracker_core.services import AccountDataService

from .converter import format_datetime

__all__ = ["COLUMNS", "csv_chunks", "row_of", "safe_cell"]

COLUMNS = (
    "Company",
    "Role",
    "Status",
    "Applied date",
    "Follow-up date",
    "Created",
    "Updated",
    "Salary min",
    "Salary max",
    "Currency",
    "Location",
    "Work mode",
    "Job type",
    "Source",
    "Priority",
    "URL",
    "Notes",
    "Tags",
    "Last stage",
    "Last stage date",
    "Last stage result",
    "Outcome",
)
_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def safe_cell(value: Any) -> Any:
    """``value`` as a cell: text starting like a formula gets a leading ``'``; ``None`` is empty;
    dates and datetimes are ISO 8601 (datetimes in UTC, ``Z``)."""
    if value is None:
        return ""
    if isinstance(value, datetime):
        return format_datetime(value)
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, str) and value.startswith(_FORMULA_STARTS):
        return "'" + value
    return value


def _last_stage(stages: Sequence[Stage]) -> Stage | None:
    """The stage the application got to: the latest dated one, else the last one added."""
    if not stages:
        return None
    dated = [stage for stage in stages if stage.stage_date is not None]
    if dated:
        return max(dated, key=lambda stage: (stage.stage_date, stage.created_at, stage.id))
    return max(stages, key=lambda stage: (stage.created_at, stage.id))


def row_of(bundle: ApplicationBundle, tag_names: dict[UUID, str]) -> list[Any]:
    """The CSV row of one application (tags by name, in code-point order, ``; `` between them)."""
    app = bundle.detail.application
    stage = _last_stage(bundle.detail.stages)
    outcome = bundle.detail.outcome
    names = sorted(
        tag_names[assignment.tag_id] for assignment in bundle.tags if assignment.tag_id in tag_names
    )
    values = [
        app.company_name,
        app.role_title,
        app.status,
        app.applied_date,
        app.follow_up_date,
        app.created_at,
        app.updated_at,
        app.salary_min,
        app.salary_max,
        app.salary_currency,
        app.location,
        app.work_mode,
        app.job_type,
        app.applied_source,
        app.priority,
        app.url,
        app.notes,
        "; ".join(names),
        None if stage is None else stage.stage_name,
        None if stage is None else stage.stage_date,
        None if stage is None else stage.result,
        None if outcome is None else outcome.status,
    ]
    return [safe_cell(value.value if isinstance(value, enum.Enum) else value) for value in values]


async def csv_chunks(account: AccountDataService, user_id: UUID) -> AsyncGenerator[bytes, None]:
    """The CSV of ``user_id``'s applications, oldest first, a page per chunk."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)  # the default dialect: RFC 4180 quoting and \r\n
    writer.writerow(COLUMNS)
    tag_names: dict[UUID, str] = {}
    async with contextlib.aclosing(account.export(user_id, only=("tags", "applications"))) as sections:
        async for section, items in sections:
            if section == "tags":
                tag_names.update((tag.id, tag.name) for tag in items)
            elif section == "applications":
                writer.writerows(row_of(bundle, tag_names) for bundle in items)
            if data := buffer.getvalue():
                yield data.encode("utf-8")
                buffer.seek(0)
                buffer.truncate()

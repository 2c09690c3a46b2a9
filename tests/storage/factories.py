"""Entity builders with every field set, and helpers to reach tables no port covers yet."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, date, datetime, timedelta
from typing import Any
from uuid import UUID, uuid4

from sqlalchemy import Connection, Table, event, func, insert, select

from offertracker_core.entities import (
    ActivityEntry,
    Application,
    Contact,
    Document,
    Outcome,
    Reflection,
    ResumeVersion,
    SavedJob,
    Stage,
    User,
)
from offertracker_core.enums import (
    ActivityAction,
    ApplicationStatus,
    ContactType,
    DocumentType,
    JobType,
    OutcomeStatus,
    Priority,
    ProfileVisibility,
    SavedJobStatus,
    Source,
    StageResult,
    StageType,
    WorkMode,
)
from offertracker_storage import SqlStorage

T0 = datetime(2026, 3, 1, 9, 30, 0, 123456, tzinfo=UTC)


def at(minutes: int) -> datetime:
    """``T0`` plus ``minutes``: distinct, ordered timestamps."""
    return T0 + timedelta(minutes=minutes)


def user(username: str = "ada", **changes: Any) -> User:
    values: dict[str, Any] = {
        "id": uuid4(),
        "email": f"{username}@example.com",
        "username": username,
        "display_name": username.title(),
        "bio": "Engineer.",
        "is_profile_public": False,
        "profile_visibility": ProfileVisibility.PRIVATE,
        "streak_days": 3,
        "last_active_date": date(2026, 2, 28),
        "created_at": T0,
        "updated_at": at(1),
    }
    return User(**(values | changes))


def resume(user_id: UUID, **changes: Any) -> ResumeVersion:
    values: dict[str, Any] = {
        "id": uuid4(),
        "user_id": user_id,
        "version_name": "v1",
        "notes": "backend",
        "file_url": "https://files.example.com/cv.pdf",
        "created_at": T0,
        "updated_at": T0,
    }
    return ResumeVersion(**(values | changes))


def application(user_id: UUID, **changes: Any) -> Application:
    values: dict[str, Any] = {
        "id": uuid4(),
        "user_id": user_id,
        "company_name": "Acme",
        "role_title": "Engineer",
        "url": "https://acme.example.com/jobs/1",
        "description": "Build things.",
        "location": "Berlin",
        "job_type": JobType.FULL_TIME,
        "work_mode": WorkMode.HYBRID,
        "salary_min": 70000,
        "salary_max": 90000,
        "salary_currency": "EUR",
        "applied_source": Source.LINKEDIN,
        "applied_date": date(2026, 3, 1),
        "follow_up_date": date(2026, 3, 8),
        "priority": Priority.HIGH,
        "notes": "Referral from Bob.",
        "status": ApplicationStatus.APPLIED,
        "resume_version_id": None,
        "created_at": T0,
        "updated_at": T0,
    }
    return Application(**(values | changes))


def stage(application_id: UUID, **changes: Any) -> Stage:
    values: dict[str, Any] = {
        "id": uuid4(),
        "application_id": application_id,
        "stage_name": "Recruiter Call",
        "stage_type": StageType.RECRUITER_CALL,
        "stage_date": date(2026, 3, 3),
        "result": StageResult.PASSED,
        "duration_minutes": 30,
        "interviewer_names": "Grace",
        "prep_notes": "Read the blog.",
        "questions_asked": ("Why us?", "Salary expectations?"),
        "notes": "Friendly.",
        "created_at": T0,
        "updated_at": T0,
    }
    return Stage(**(values | changes))


def outcome(application_id: UUID, **changes: Any) -> Outcome:
    values: dict[str, Any] = {
        "id": uuid4(),
        "application_id": application_id,
        "status": OutcomeStatus.OFFER,
        "salary": 95000,
        "salary_currency": "EUR",
        "bonus": "10%",
        "equity": "0.1%",
        "benefits": "Pension",
        "start_date": date(2026, 5, 1),
        "deadline": date(2026, 3, 20),
        "negotiation_notes": "Ask for 100k.",
        "notes": "Great team.",
        "created_at": T0,
        "updated_at": T0,
    }
    return Outcome(**(values | changes))


def reflection(application_id: UUID, **changes: Any) -> Reflection:
    values: dict[str, Any] = {
        "id": uuid4(),
        "application_id": application_id,
        "what_worked": "Stories.",
        "what_failed": "System design.",
        "skill_gaps": {"skills": ["Kafka", "SQL"], "severity": 2},
        "improvement_plan": "Practise.",
        "created_at": T0,
        "updated_at": T0,
    }
    return Reflection(**(values | changes))


def contact(user_id: UUID, application_id: UUID | None = None, **changes: Any) -> Contact:
    values: dict[str, Any] = {
        "id": uuid4(),
        "user_id": user_id,
        "application_id": application_id,
        "name": "Grace Hopper",
        "email": "grace@acme.example",
        "phone": "+44 20 7946 0000",
        "role_title": "Engineering Manager",
        "company": "Acme",
        "contact_type": ContactType.HIRING_MANAGER,
        "linkedin_url": "https://www.linkedin.com/in/grace",
        "notes": "Met at the meetup.",
        "last_contacted": date(2026, 2, 27),
        "created_at": T0,
        "updated_at": T0,
    }
    return Contact(**(values | changes))


def document(application_id: UUID, **changes: Any) -> Document:
    values: dict[str, Any] = {
        "id": uuid4(),
        "application_id": application_id,
        "doc_type": DocumentType.COVER_LETTER,
        "name": "Acme cover letter",
        "file_url": "https://files.example/acme-letter.pdf",
        "notes": "Mentions the referral.",
        "created_at": T0,
        "updated_at": T0,
    }
    return Document(**(values | changes))


def activity(user_id: UUID, application_id: UUID | None, **changes: Any) -> ActivityEntry:
    values: dict[str, Any] = {
        "id": uuid4(),
        "user_id": user_id,
        "application_id": application_id,
        "action": ActivityAction.APPLICATION_CREATED,
        "description": "Created: Acme — Engineer",
        "metadata": {},
        "created_at": T0,
    }
    return ActivityEntry(**(values | changes))


def saved_job(user_id: UUID, **changes: Any) -> SavedJob:
    values: dict[str, Any] = {
        "id": uuid4(),
        "user_id": user_id,
        "company_name": "Globex",
        "role_title": "Platform Engineer",
        "url": "https://globex.example.com/jobs/7",
        "company_website": "https://globex.example.com",
        "location": "Lisbon",
        "job_type": JobType.CONTRACT,
        "work_mode": WorkMode.REMOTE,
        "salary_range_min": 60000,
        "salary_range_max": 80000,
        "salary_currency": "EUR",
        "priority": Priority.LOW,
        "source": "A meetup",
        "notes": "Apply after the move.",
        "deadline": date(2026, 4, 1),
        "excitement_level": 4,
        "status": SavedJobStatus.ACTIVE,
        "converted_to_application_id": None,
        "created_at": T0,
        "updated_at": T0,
    }
    return SavedJob(**(values | changes))


async def insert_rows(storage: SqlStorage, table: Table, rows: list[dict[str, Any]]) -> None:
    """Insert raw rows (for tables whose repositories come in later issues) and commit."""
    async with storage.write() as uow:
        await uow.execute(lambda conn: conn.execute(insert(table), rows))
        await uow.commit()


async def count_rows(storage: SqlStorage, table: Table, **where: Any) -> int:
    """How many rows of ``table`` match the equality filters ``where``."""
    query = select(func.count()).select_from(table)
    for column, value in where.items():
        query = query.where(table.c[column] == value)
    async with storage.read() as uow:
        return await uow.execute(lambda conn: conn.execute(query).scalar_one())


@contextmanager
def statements(storage: SqlStorage) -> Iterator[list[str]]:
    """Collect the SQL of every statement ``storage`` runs inside the block."""
    seen: list[str] = []

    def record(_conn: Connection, _cursor: Any, sql: str, *_args: Any) -> None:
        seen.append(sql)

    for engine in storage.sync_engines:
        event.listen(engine, "before_cursor_execute", record)
    try:
        yield seen
    finally:
        for engine in storage.sync_engines:
            event.remove(engine, "before_cursor_execute", record)

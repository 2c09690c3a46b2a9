"""In-memory fakes of the core's ports, for unit tests.

``FakeStorage`` keeps its tables in plain dicts. A unit of work copies them on
``__aenter__`` and hands its copy back on ``commit()``; leaving without a commit
drops the copy, like a rollback. ``savepoint()`` snapshots the copy and restores
it when its block raises. Uniqueness rules raise ``Duplicate`` with the same
constraint names as the SQL adapter. A read unit of work refuses writes, so a
service that writes through ``storage.read()`` fails loudly.
"""

from __future__ import annotations

import copy
import json
from collections import Counter
from collections.abc import AsyncIterator, Callable, Collection, Coroutine, Mapping, Sequence
from contextlib import asynccontextmanager
from datetime import UTC, date, datetime, timedelta
from types import TracebackType
from typing import Any, ClassVar, Generic, Self, TypeVar
from uuid import UUID, uuid4

import attrs

from offertracker_core import analytics, pages
from offertracker_core.calendar import DatedItem, EventKind
from offertracker_core.entities import (
    ActivityEntry,
    Application,
    ApplicationDetail,
    ApplicationTag,
    AssignedTag,
    CalendarFeed,
    Contact,
    Document,
    Follow,
    Group,
    GroupMember,
    Milestone,
    Outcome,
    Post,
    PostView,
    Reaction,
    Reflection,
    Reminder,
    ResumeVersion,
    SavedJob,
    Stage,
    Tag,
    User,
    UserMilestone,
)
from offertracker_core.enums import (
    ApplicationStatus,
    GroupRole,
    OutcomeStatus,
    PostType,
    Priority,
    ReminderType,
    SavedJobStatus,
)
from offertracker_core.errors import (
    Contention,
    Duplicate,
    EmailNotConfirmed,
    FileTooLarge,
    InvalidCredentials,
    InvalidToken,
    NotFound,
    Unavailable,
)
from offertracker_core.events import Event
from offertracker_core.journal import Journal
from offertracker_core.milestones import MILESTONES
from offertracker_core.ports import (
    NEVER_REVOKED,
    AccountFigures,
    CommunityMember,
    EarnedMilestone,
    FollowCounts,
    GroupAccess,
    GroupView,
    IdentitySession,
    ProgressStanding,
    ProgressTotals,
    TokenClaims,
    ViewerRelation,
)
from offertracker_core.visibility import can_view_profile

E = TypeVar("E")
T = TypeVar("T")

__all__ = [
    "FakeClock",
    "FakeFileStore",
    "FakePasswords",
    "FakeStorage",
    "FakeTokens",
    "FakeUnitOfWork",
    "RecordingPublisher",
    "SequentialIds",
]


@attrs.define
class _Tables:
    rows: dict[type[Any], dict[UUID, Any]] = attrs.Factory(dict)
    """Entities by class, then by id (users, resumes, applications, stages, ...)."""
    credentials: dict[UUID, str] = attrs.Factory(dict)
    activity: list[ActivityEntry] = attrs.Factory(list)
    user_milestones: dict[UUID, UserMilestone] = attrs.Factory(dict)
    follows: dict[tuple[UUID, UUID], Follow] = attrs.Factory(dict)
    """Follows by (follower, followed)."""
    memberships: dict[UUID, set[UUID]] = attrs.Factory(dict)
    progress: dict[UUID, ProgressTotals] = attrs.Factory(dict)
    """The kept counters, apart from the rows ``recount`` looks at, so a service that
    forgets to count is caught by comparing the two."""
    tokens_valid_after: dict[UUID, datetime] = attrs.Factory(dict)
    """``users.tokens_valid_after`` of the users who revoked their tokens."""
    import_keys: dict[tuple[UUID, str], UUID] = attrs.Factory(dict)
    """Saved job ids by (user, duplicate key)."""
    calendar_feeds: dict[UUID, CalendarFeed] = attrs.Factory(dict)
    """Each user's calendar feed, by user id."""
    account_keys: dict[tuple[UUID, str, UUID], UUID] = attrs.Factory(dict)
    """What account imports created: ids here by (user, kind, id in the document)."""

    def of(self, entity: type[E]) -> dict[UUID, E]:
        """The table of ``entity`` (created empty on first use)."""
        return self.rows.setdefault(entity, {})

    # Shorthands for tests that look at the tables directly.
    users = property(lambda self: self.of(User))
    resumes = property(lambda self: self.of(ResumeVersion))
    applications = property(lambda self: self.of(Application))
    stages = property(lambda self: self.of(Stage))
    outcomes = property(lambda self: self.of(Outcome))
    reflections = property(lambda self: self.of(Reflection))

    def clone(self) -> _Tables:
        # Entities are frozen, so copying the containers (and the inner sets) is a full snapshot.
        return _Tables(
            rows={entity: dict(table) for entity, table in self.rows.items()},
            credentials=dict(self.credentials),
            activity=list(self.activity),
            user_milestones=dict(self.user_milestones),
            follows=dict(self.follows),
            memberships=copy.deepcopy(self.memberships),
            progress=dict(self.progress),
            tokens_valid_after=dict(self.tokens_valid_after),
            import_keys=dict(self.import_keys),
            calendar_feeds=dict(self.calendar_feeds),
            account_keys=dict(self.account_keys),
        )


FAKE_PORTS: dict[str, type[_Repo]] = {}
"""The fake's registry: repository classes by the unit-of-work property they serve."""


class _Repo:
    port: ClassVar[str | None] = None

    def __init__(self, uow: FakeUnitOfWork) -> None:
        self._uow = uow

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        if cls.__dict__.get("port") is not None:
            FAKE_PORTS[cls.port] = cls  # type: ignore[index]

    @property
    def t(self) -> _Tables:
        return self._uow.tables

    def _writable(self) -> _Tables:
        if self._uow.read_only:
            raise AssertionError("write through a read-only unit of work")
        return self._uow.tables


class FakeRows(_Repo, Generic[E]):
    """The generic repository of any entity keyed by ``id``; owned ones also list per user."""

    entity: type[E]

    def __init__(self, uow: FakeUnitOfWork, entity: type[E] | None = None) -> None:
        super().__init__(uow)
        if entity is not None:
            self.entity = entity

    def _rows(self) -> dict[UUID, E]:
        return self.t.of(self.entity)

    def _check_unique(self, tables: _Tables, entity: E) -> None:
        """Raise ``Duplicate`` as the schema would (none for a plain table)."""

    async def add(self, entity: E) -> None:
        tables = self._writable()
        self._check_unique(tables, entity)
        tables.of(self.entity)[entity.id] = entity  # type: ignore[attr-defined]

    async def get(self, entity_id: UUID) -> E | None:
        return self._rows().get(entity_id)

    async def get_for_update(self, entity_id: UUID) -> E | None:
        self._writable()  # only a write unit of work may lock
        return self._rows().get(entity_id)

    async def update(self, entity: E) -> None:
        rows = self._writable().of(self.entity)
        if entity.id in rows:  # type: ignore[attr-defined]  # an UPDATE of no row changes nothing
            rows[entity.id] = entity  # type: ignore[attr-defined]

    async def delete(self, entity_id: UUID) -> None:
        tables = self._writable()
        if tables.of(self.entity).pop(entity_id, None) is not None:  # a DELETE of no row is no error
            _ON_DELETE.get(self.entity, _nothing)(tables, entity_id)

    async def list_for_user(
        self, user_id: UUID, skip: int, limit: int, *, where: Mapping[str, object] | None = None
    ) -> list[E]:
        filters = {name: value for name, value in (where or {}).items() if value is not None}
        unknown = set(filters) - {field.name for field in attrs.fields(self.entity)}  # type: ignore[arg-type]
        if unknown:
            raise ValueError(f"{self.entity.__name__} has no field {sorted(unknown)[0]!r}")
        mine = [
            row
            for row in self._rows().values()
            if row.user_id == user_id  # type: ignore[attr-defined]
            and all(getattr(row, name) == value for name, value in filters.items())
        ]
        mine.sort(key=lambda row: (row.created_at, row.id), reverse=True)  # type: ignore[attr-defined]
        return pages.within_budget(mine[skip : skip + limit])


def _nothing(tables: _Tables, entity_id: UUID) -> None:
    return None


def _unlink_resume(tables: _Tables, resume_id: UUID) -> None:
    applications = tables.of(Application)
    for app in list(applications.values()):
        if app.resume_version_id == resume_id:
            applications[app.id] = attrs.evolve(app, resume_version_id=None)


def _drop_children(tables: _Tables, application_id: UUID) -> None:
    for child in (
        Stage,
        Outcome,
        Reflection,
        Document,
        Contact,
        Reminder,
        ApplicationTag,
    ):  # contacts: those linked to it
        table = tables.of(child)
        for key in [k for k, v in table.items() if v.application_id == application_id]:
            del table[key]
    tables.activity[:] = [e for e in tables.activity if e.application_id != application_id]
    _unlink_saved_jobs(tables, application_id)


def _unlink_saved_jobs(tables: _Tables, application_id: UUID) -> None:
    # saved_jobs.converted_to_application_id is ON DELETE SET NULL: the saved job stays.
    saved_jobs = tables.of(SavedJob)
    for saved in list(saved_jobs.values()):
        if saved.converted_to_application_id == application_id:
            saved_jobs[saved.id] = attrs.evolve(saved, converted_to_application_id=None)


def _drop_user(tables: _Tables, user_id: UUID) -> None:
    # Every foreign key to users cascades: owned rows (and, through applications, their children).
    for entity, table in list(tables.rows.items()):
        if entity is User or "user_id" not in attrs.fields_dict(entity):
            continue
        for key in [k for k, v in table.items() if v.user_id == user_id]:
            del table[key]
            _ON_DELETE.get(entity, _nothing)(tables, key)
    tables.credentials.pop(user_id, None)
    tables.activity[:] = [e for e in tables.activity if e.user_id != user_id]
    for key in [k for k, v in tables.user_milestones.items() if v.user_id == user_id]:
        del tables.user_milestones[key]
    tables.follows = {(a, b): f for (a, b), f in tables.follows.items() if user_id not in (a, b)}
    for members in tables.memberships.values():
        members.discard(user_id)
    tables.progress.pop(user_id, None)
    tables.tokens_valid_after.pop(user_id, None)


def _drop_assignments(tables: _Tables, tag_id: UUID) -> None:
    table = tables.of(ApplicationTag)
    for key in [k for k, v in table.items() if v.tag_id == tag_id]:
        del table[key]


# What the schema's foreign keys do when a row goes (ON DELETE SET NULL / CASCADE).
_ON_DELETE: dict[type[Any], Any] = {
    ResumeVersion: _unlink_resume,
    Application: _drop_children,
    User: _drop_user,
    Tag: _drop_assignments,
}


class FakeUsers(FakeRows[User]):
    port = "users"
    entity = User

    def _check_unique(self, tables: _Tables, user: User) -> None:
        users = tables.of(User).values()
        if any(u.username == user.username for u in users):
            raise Duplicate("users.username")
        if any(u.email == user.email for u in users):
            raise Duplicate("users.email")

    async def get_by_email(self, email: str) -> User | None:
        if self._uow.storage.racing:
            return None
        return next((u for u in self._rows().values() if u.email == email), None)

    async def get_by_username(self, username: str) -> User | None:
        if self._uow.storage.racing:
            return None
        return next((u for u in self._rows().values() if u.username == username), None)

    async def relation(self, viewer_id: UUID, owner_id: UUID) -> ViewerRelation:
        return ViewerRelation(
            follows=(viewer_id, owner_id) in self.t.follows,
            shares_group=any(
                viewer_id in members and owner_id in members for members in self.t.memberships.values()
            ),
        )

    async def search_visible(self, viewer_id: UUID, query: str, skip: int, limit: int) -> list[User]:
        q = query.lower()
        found = []
        for user in sorted(self._rows().values(), key=lambda u: (u.username, u.id)):
            if q not in user.username.lower() and q not in (user.display_name or "").lower():
                continue
            if can_view_profile(user, viewer_id, await self.relation(viewer_id, user.id)):
                found.append(user)
        return found[skip : skip + limit]

    async def tokens_valid_after(self, user_id: UUID) -> datetime | None:
        if user_id not in self._rows():
            return None
        return self.t.tokens_valid_after.get(user_id, NEVER_REVOKED)

    async def set_tokens_valid_after(self, user_id: UUID, valid_after: datetime) -> None:
        tables = self._writable()
        if user_id in tables.of(User):  # an UPDATE of no row changes nothing
            tables.tokens_valid_after[user_id] = valid_after


class FakeImports(_Repo):
    """``uow.imports``: keys held in a dict; a key whose saved job is gone is free (the cascade)."""

    port = "imports"

    def _holder(self, tables: _Tables, user_id: UUID, key: str) -> UUID | None:
        job_id = tables.import_keys.get((user_id, key))
        return job_id if job_id in tables.of(SavedJob) else None

    async def known(
        self, user_id: UUID, keys: Collection[str], urls: Collection[str]
    ) -> tuple[set[str], set[str]]:
        if self._uow.storage.racing:  # the twin committed after these lookups
            return set(), set()
        held = {key for key in keys if self._holder(self.t, user_id, key) is not None}
        saved = {job.url for job in self.t.of(SavedJob).values() if job.user_id == user_id}
        return held, {url for url in urls if url in saved}

    async def add(self, user_id: UUID, jobs: Sequence[tuple[SavedJob, Sequence[str]]]) -> set[UUID]:
        tables = self._writable()
        kept: set[UUID] = set()
        for job, keys in jobs:
            if any(self._holder(tables, user_id, key) is not None for key in keys):
                continue
            tables.of(SavedJob)[job.id] = job
            for key in keys:
                tables.import_keys[user_id, key] = job.id
            kept.add(job.id)
        return kept


class FakeCalendar(_Repo):
    """``uow.calendar``: feeds by user; the dated items read from the entity tables as the SQL does."""

    port = "calendar"

    async def replace_feed(self, feed: CalendarFeed) -> None:
        self._writable().calendar_feeds[feed.user_id] = feed

    async def feed_of(self, user_id: UUID) -> CalendarFeed | None:
        return self.t.calendar_feeds.get(user_id)

    async def remove_feed(self, user_id: UUID) -> None:
        self._writable().calendar_feeds.pop(user_id, None)

    async def feed_by_hash(self, token_hash: str) -> CalendarFeed | None:
        return next((f for f in self.t.calendar_feeds.values() if f.token_hash == token_hash), None)

    async def dated_items(self, user_id: UUID, since: date, limit: int) -> list[DatedItem]:
        apps = {a.id: a for a in self.t.of(Application).values() if a.user_id == user_id}
        start = datetime.combine(since, datetime.min.time(), tzinfo=UTC)
        kinds: list[list[DatedItem]] = [[], [], [], [], []]
        for stage in self.t.of(Stage).values():
            app = apps.get(stage.application_id)
            if app is not None and stage.stage_date is not None and stage.stage_date >= since:
                kinds[0].append(
                    self._item(
                        EventKind.STAGE,
                        stage,
                        stage.stage_date,
                        app,
                        title=stage.stage_name,
                        label=stage.stage_type,
                        detail=stage.result,
                    )
                )
        for reminder in self.t.of(Reminder).values():
            if reminder.user_id == user_id and not reminder.is_completed and reminder.remind_at >= start:
                app = apps.get(reminder.application_id) if reminder.application_id else None
                kinds[1].append(
                    self._item(
                        EventKind.REMINDER,
                        reminder,
                        reminder.remind_at,
                        app,
                        title=reminder.title,
                        label=reminder.reminder_type,
                    )
                )
        for app in apps.values():
            if app.follow_up_date is not None and app.follow_up_date >= since:
                kinds[2].append(
                    attrs.evolve(
                        self._item(EventKind.FOLLOW_UP, app, app.follow_up_date, app, label=app.status),
                        context_updated_at=None,
                    )
                )
        for job in self.t.of(SavedJob).values():
            active = job.status is SavedJobStatus.ACTIVE
            if job.user_id == user_id and active and job.deadline is not None and job.deadline >= since:
                kinds[3].append(
                    DatedItem(
                        EventKind.SAVED_JOB,
                        job.id,
                        job.deadline,
                        None,
                        job.priority,
                        None,
                        job.company_name,
                        job.role_title,
                        job.created_at,
                        job.updated_at,
                    )
                )
        for outcome in self.t.of(Outcome).values():
            app = apps.get(outcome.application_id)
            if (
                app is not None
                and outcome.status is OutcomeStatus.OFFER
                and outcome.deadline is not None
                and outcome.deadline >= since
            ):
                kinds[4].append(self._item(EventKind.OFFER, outcome, outcome.deadline, app))
        items: list[DatedItem] = []
        for found in kinds:
            found.sort(key=lambda item: (item.when, item.id))
            items.extend(found[:limit])
        return items

    @staticmethod
    def _item(kind: EventKind, row: Any, when: Any, app: Application | None, **words: Any) -> DatedItem:
        return DatedItem(
            kind=kind,
            id=row.id,
            when=when,
            title=words.get("title"),
            label=words.get("label"),
            detail=words.get("detail"),
            company=None if app is None else app.company_name,
            role=None if app is None else app.role_title,
            created_at=row.created_at,
            updated_at=row.updated_at,
            context_updated_at=None if app is None else app.updated_at,
        )


_KIND_ENTITIES: dict[str, type[Any]] = {
    "resumes": ResumeVersion,
    "tags": Tag,
    "applications": Application,
    "stages": Stage,
    "outcomes": Outcome,
    "reflections": Reflection,
    "documents": Document,
    "tag_assignments": ApplicationTag,
    "contacts": Contact,
    "reminders": Reminder,
    "saved_jobs": SavedJob,
    "activity": ActivityEntry,
}


class FakeAccount(_Repo):
    """``uow.account`` over the fake's tables (activity entries live in their own list)."""

    port = "account"

    def _all(self, entity: type[Any]) -> list[Any]:
        return list(self.t.activity) if entity is ActivityEntry else list(self.t.of(entity).values())

    def _owner(self, row: Any) -> UUID | None:
        if hasattr(row, "user_id"):
            return row.user_id  # type: ignore[no-any-return]
        application = self.t.of(Application).get(row.application_id)
        return None if application is None else application.user_id

    def _after(self, rows: list[Any], after: Any, limit: int) -> list[Any]:
        rows.sort(key=lambda row: (row.created_at, row.id))
        if after is not None:
            rows = [row for row in rows if (row.created_at, row.id) > after]
        return rows[:limit]

    async def owned_after(self, entity: type[E], user_id: UUID, after: Any, limit: int) -> list[E]:
        return self._after([row for row in self._all(entity) if row.user_id == user_id], after, limit)

    async def applications_after(self, user_id: UUID, after: Any, limit: int) -> list[Any]:
        from offertracker_core.ports import ApplicationBundle

        def children(entity: type[Any], application_id: UUID) -> list[Any]:
            rows = [row for row in self._all(entity) if row.application_id == application_id]
            return sorted(rows, key=lambda row: (row.created_at, row.id))

        bundles = []
        for app in await self.owned_after(Application, user_id, after, limit):
            outcome = children(Outcome, app.id)
            reflection = children(Reflection, app.id)
            detail = ApplicationDetail(
                app,
                tuple(children(Stage, app.id)),
                outcome[0] if outcome else None,
                reflection[0] if reflection else None,
            )
            bundles.append(
                ApplicationBundle(
                    detail, tuple(children(Document, app.id)), tuple(children(ApplicationTag, app.id))
                )
            )
        return bundles

    async def known(
        self, user_id: UUID, wanted: Mapping[str, Collection[UUID]]
    ) -> dict[str, dict[UUID, UUID]]:
        found: dict[str, dict[UUID, UUID]] = {kind: {} for kind in _KIND_ENTITIES}
        for kind, ids in wanted.items():
            present = {row.id: row for row in self._all(_KIND_ENTITIES[kind]) if self._owner(row) == user_id}
            for source in ids:
                target = self.t.account_keys.get((user_id, kind, source))
                if target is not None and target in present:
                    found[kind][source] = target
                if source in present:
                    found[kind][source] = source
        return found

    async def tags_named(self, user_id: UUID, names: Collection[str]) -> dict[str, UUID]:
        wanted = set(names)
        return {
            tag.name: tag.id
            for tag in self.t.of(Tag).values()
            if tag.user_id == user_id and tag.name in wanted
        }

    async def insert(self, rows: Sequence[Any]) -> set[UUID]:
        tables = self._writable()
        inserted: set[UUID] = set()
        for row in rows:
            if isinstance(row, ActivityEntry):
                tables.activity.append(row)
            else:
                table = tables.of(type(row))
                if self._clashes(tables, row):
                    continue
                table[row.id] = row
            inserted.add(row.id)
        return inserted

    def _clashes(self, tables: _Tables, row: Any) -> bool:
        same = tables.of(type(row)).values()
        if isinstance(row, Outcome | Reflection):
            return any(other.application_id == row.application_id for other in same)
        if isinstance(row, ApplicationTag):
            return any((o.application_id, o.tag_id) == (row.application_id, row.tag_id) for o in same)
        if isinstance(row, Tag):
            return any((o.user_id, o.name) == (row.user_id, row.name) for o in same)
        return False

    async def remember(self, user_id: UUID, keys: Sequence[Any]) -> None:
        tables = self._writable()
        for key in keys:
            tables.account_keys[user_id, key.kind, key.source_id] = key.target_id


class FakeCredentials(_Repo):
    port = "credentials"

    async def set(self, user_id: UUID, password_hash: str) -> None:
        self._writable().credentials[user_id] = password_hash

    async def get(self, user_id: UUID) -> str | None:
        return self.t.credentials.get(user_id)


class FakeApplications(FakeRows[Application]):
    port = "applications"
    entity = Application

    def _detail(self, application: Application) -> ApplicationDetail:
        stages = [s for s in self.t.of(Stage).values() if s.application_id == application.id]
        stages.sort(key=lambda s: (s.stage_date is None, s.stage_date or date.min, s.created_at, s.id))
        return ApplicationDetail(
            application=application,
            stages=tuple(stages),
            outcome=next(
                (o for o in self.t.of(Outcome).values() if o.application_id == application.id), None
            ),
            reflection=next(
                (r for r in self.t.of(Reflection).values() if r.application_id == application.id), None
            ),
        )

    async def get_detail(self, application_id: UUID, *, for_update: bool = False) -> ApplicationDetail | None:
        if for_update:
            self._writable()
        app = self._rows().get(application_id)
        return None if app is None else self._detail(app)

    async def list_details(
        self,
        user_id: UUID,
        *,
        status: ApplicationStatus | None,
        priority: Priority | None,
        skip: int,
        limit: int,
    ) -> list[ApplicationDetail]:
        apps = [
            a
            for a in self._rows().values()
            if a.user_id == user_id
            and (status is None or a.status == status)
            and (priority is None or a.priority == priority)
        ]
        apps.sort(key=lambda a: (a.created_at, a.id), reverse=True)
        return pages.within_budget(self._detail(a) for a in apps[skip : skip + limit])

    async def page_json(
        self,
        user_id: UUID,
        *,
        status: ApplicationStatus | None,
        priority: Priority | None,
        skip: int,
        limit: int,
    ) -> bytes:
        # The edge's own renderer: the fake's page is exactly what the converter makes of list_details.
        from offertracker_http.rendering import to_json

        page = await self.list_details(user_id, status=status, priority=priority, skip=skip, limit=limit)
        return to_json(page)

    async def detail_json(self, application_id: UUID) -> tuple[UUID, bytes] | None:
        # The edge's own renderer, as in page_json.
        from offertracker_http.rendering import to_json

        detail = await self.get_detail(application_id)
        return None if detail is None else (detail.application.user_id, to_json(detail))


class FakeStages(FakeRows[Stage]):
    port = "stages"
    entity = Stage

    async def count_for_application(self, application_id: UUID) -> int:
        return sum(1 for stage in self._rows().values() if stage.application_id == application_id)


class _OnePerApplication(FakeRows[E]):
    table: str

    def _check_unique(self, tables: _Tables, row: E) -> None:
        if any(r.application_id == row.application_id for r in tables.of(self.entity).values()):  # type: ignore[attr-defined]
            raise Duplicate(f"{self.table}.application_id")

    async def get_for_application(self, application_id: UUID) -> E | None:
        if self._uow.storage.racing:
            return None
        return next((r for r in self._rows().values() if r.application_id == application_id), None)  # type: ignore[attr-defined]


class FakeOutcomes(_OnePerApplication[Outcome]):
    port = "outcomes"
    entity = Outcome
    table = "outcomes"


class FakeReflections(_OnePerApplication[Reflection]):
    port = "reflections"
    entity = Reflection
    table = "reflections"


class FakeDocuments(FakeRows[Document]):
    port = "documents"
    entity = Document

    async def get_owned(self, document_id: UUID, *, for_update: bool = False) -> tuple[UUID, Document] | None:
        if for_update:
            self._writable()
        document = self._rows().get(document_id)
        if document is None:
            return None
        return self.t.of(Application)[document.application_id].user_id, document

    async def list_for_application(self, application_id: UUID, skip: int, limit: int) -> list[Document]:
        mine = [d for d in self._rows().values() if d.application_id == application_id]
        mine.sort(key=lambda d: (d.created_at, d.id), reverse=True)
        return pages.within_budget(mine[skip : skip + limit])


class FakeActivity(_Repo):
    port = "activity"

    async def add_many(self, entries: Sequence[ActivityEntry]) -> None:
        self._writable().activity.extend(entries)


class FakeProgress(_Repo):
    port = "progress"

    def _check(self) -> None:
        if self._uow.storage.broken_progress:
            raise RuntimeError("progress store is broken (test)")

    async def totals(self, user_id: UUID) -> ProgressTotals:
        self._check()
        return self.t.progress.get(user_id, ProgressTotals())

    async def count(self, user_id: UUID, delta: ProgressTotals) -> None:
        counters = self._writable().progress
        counters[user_id] = counters.get(user_id, ProgressTotals()) + delta

    async def recount(self, user_id: UUID) -> ProgressTotals:
        t = self.t
        mine = {a.id for a in t.of(Application).values() if a.user_id == user_id}
        return ProgressTotals(
            applications=len(mine),
            reflections=sum(1 for r in t.of(Reflection).values() if r.application_id in mine),
            offers=sum(
                1
                for o in t.of(Outcome).values()
                if o.application_id in mine and o.status == OutcomeStatus.OFFER
            ),
            follows=sum(1 for follower, _ in t.follows if follower == user_id),
            groups_joined=sum(1 for members in t.memberships.values() if user_id in members),
            posts=sum(1 for p in t.of(Post).values() if p.user_id == user_id),
            stages=sum(1 for s in t.of(Stage).values() if s.application_id in mine),
        )

    async def standing(self, user_id: UUID) -> ProgressStanding:
        return ProgressStanding(
            await self.totals(user_id), frozenset(await self.awarded_milestone_ids(user_id))
        )

    async def milestones(self) -> list[Milestone]:
        return list(MILESTONES)

    async def awarded_milestone_ids(self, user_id: UUID) -> set[UUID]:
        return {um.milestone_id for um in self.t.user_milestones.values() if um.user_id == user_id}

    async def award(self, user_milestone: UserMilestone) -> None:
        t = self._writable()
        if any(
            um.user_id == user_milestone.user_id and um.milestone_id == user_milestone.milestone_id
            for um in t.user_milestones.values()
        ):
            raise Duplicate("user_milestones.user_id,milestone_id")
        t.user_milestones[user_milestone.id] = user_milestone

    # The /progress reads.
    async def earned(self, user_id: UUID) -> list[EarnedMilestone]:
        catalogue = {m.id: (position, m) for position, m in enumerate(MILESTONES)}
        held = [um for um in self.t.user_milestones.values() if um.user_id == user_id]
        held.sort(key=lambda um: (um.reached_at, catalogue[um.milestone_id][0]), reverse=True)
        return [
            EarnedMilestone(um.id, um.user_id, um.milestone_id, um.reached_at, catalogue[um.milestone_id][1])
            for um in held
        ]

    async def community(self, limit: int) -> list[CommunityMember]:
        public = [u for u in self.t.of(User).values() if u.is_profile_public]
        # last_active_date descending with never-active last, then the longer streak, then the username.
        public.sort(key=lambda u: (-(u.last_active_date or date.min).toordinal(), -u.streak_days, u.username))
        return [CommunityMember(u.id, u.username, u.display_name, u.streak_days) for u in public[:limit]]

    async def figures(self, user_id: UUID) -> AccountFigures | None:
        t = self.t
        user = t.of(User).get(user_id)
        if user is None:
            return None
        mine = {a.id: a for a in t.of(Application).values() if a.user_id == user_id}
        return AccountFigures(
            streak_days=user.streak_days,
            milestones_reached=len(await self.awarded_milestone_ids(user_id)),
            rejections=sum(1 for a in mine.values() if a.status == ApplicationStatus.REJECTED),
            contacts=sum(1 for c in t.of(Contact).values() if c.user_id == user_id),
            reminders_pending=sum(
                1 for r in t.of(Reminder).values() if r.user_id == user_id and not r.is_completed
            ),
        )


# --- reminders and tags ----------------------------------------------------------


class FakeReminders(FakeRows[Reminder]):
    port = "reminders"
    entity = Reminder

    async def list_by_time(
        self,
        user_id: UUID,
        skip: int,
        limit: int,
        *,
        is_completed: bool | None = None,
        reminder_type: ReminderType | None = None,
    ) -> list[Reminder]:
        mine = [
            r
            for r in self._rows().values()
            if r.user_id == user_id
            and (is_completed is None or r.is_completed == is_completed)
            and (reminder_type is None or r.reminder_type == reminder_type)
        ]
        mine.sort(key=lambda r: (r.remind_at, r.created_at, r.id))
        return pages.within_budget(mine[skip : skip + limit])

    async def upcoming(self, user_id: UUID, skip: int, limit: int) -> list[Reminder]:
        return await self.list_by_time(user_id, skip, limit, is_completed=False)


class FakeTags(FakeRows[Tag]):
    port = "tags"
    entity = Tag

    def _check_unique(self, tables: _Tables, tag: Tag) -> None:
        if any(
            t.user_id == tag.user_id and t.name == tag.name and t.id != tag.id
            for t in tables.of(Tag).values()
        ):
            raise Duplicate("tags.user_id,name")

    async def update(self, entity: Tag) -> None:
        self._check_unique(self._writable(), entity)  # a rename meets the same unique rule
        await super().update(entity)

    async def list_by_name(self, user_id: UUID, skip: int, limit: int) -> list[Tag]:
        # Python compares strings by code point, as both databases are told to.
        mine = sorted(
            (t for t in self._rows().values() if t.user_id == user_id), key=lambda t: (t.name, t.id)
        )
        return pages.within_budget(mine[skip : skip + limit])


class FakeApplicationTags(FakeRows[ApplicationTag]):
    port = "application_tags"
    entity = ApplicationTag

    def _check_unique(self, tables: _Tables, row: ApplicationTag) -> None:
        if any(
            a.application_id == row.application_id and a.tag_id == row.tag_id
            for a in tables.of(ApplicationTag).values()
        ):
            raise Duplicate("application_tags.application_id,tag_id")

    async def find(self, application_id: UUID, tag_id: UUID) -> ApplicationTag | None:
        return next(
            (a for a in self._rows().values() if a.application_id == application_id and a.tag_id == tag_id),
            None,
        )

    async def list_for_application(self, application_id: UUID, skip: int, limit: int) -> list[AssignedTag]:
        tags = self.t.of(Tag)
        assigned = [
            AssignedTag.of(a, tags[a.tag_id])
            for a in self._rows().values()
            if a.application_id == application_id
        ]
        assigned.sort(key=lambda a: (a.tag.name, a.id))
        return pages.within_budget(assigned[skip : skip + limit])


# --- follows (social) -------------------------------------------------------------


class FakeFollows(_Repo):
    port = "follows"

    async def add(self, entity: Follow) -> None:
        tables = self._writable()
        if (entity.follower_id, entity.following_id) in tables.follows:
            raise Duplicate("follows.follower_id,following_id")
        tables.follows[entity.follower_id, entity.following_id] = entity

    async def get(self, entity_id: UUID) -> Follow | None:
        return next((f for f in self.t.follows.values() if f.id == entity_id), None)

    async def get_for_update(self, entity_id: UUID) -> Follow | None:
        self._writable()
        return await self.get(entity_id)

    async def update(self, entity: Follow) -> None:
        tables = self._writable()
        key = (entity.follower_id, entity.following_id)
        if key in tables.follows:
            tables.follows[key] = entity

    async def delete(self, entity_id: UUID) -> None:
        tables = self._writable()
        tables.follows = {k: f for k, f in tables.follows.items() if f.id != entity_id}

    async def remove(self, follower_id: UUID, following_id: UUID) -> bool:
        return self._writable().follows.pop((follower_id, following_id), None) is not None

    def _newest_first(self, mine: list[Follow], skip: int, limit: int) -> list[Follow]:
        mine.sort(key=lambda f: (f.created_at, f.id), reverse=True)
        return mine[skip : skip + limit]

    async def followers(self, user_id: UUID, skip: int, limit: int) -> list[Follow]:
        mine = [f for f in self.t.follows.values() if f.following_id == user_id]
        return self._newest_first(mine, skip, limit)

    async def following(self, user_id: UUID, skip: int, limit: int) -> list[Follow]:
        mine = [f for f in self.t.follows.values() if f.follower_id == user_id]
        return self._newest_first(mine, skip, limit)

    async def counts(self, user_id: UUID) -> FollowCounts | None:
        if user_id not in self.t.of(User):
            return None
        keys = self.t.follows
        return FollowCounts(
            followers_count=sum(1 for _, b in keys if b == user_id),
            following_count=sum(1 for a, _ in keys if a == user_id),
        )

    async def drop_followers(self, user_id: UUID) -> None:
        tables = self._writable()
        for follower, followed in list(tables.follows):
            if followed == user_id:
                del tables.follows[follower, followed]
                tables.progress[follower] = tables.progress.get(follower, ProgressTotals()) + ProgressTotals(
                    follows=-1
                )


# Owned entities whose repository does more than the generic one.
_OWNED: dict[type[Any], type[FakeRows[Any]]] = {
    Application: FakeApplications,
    Reminder: FakeReminders,
    Tag: FakeTags,
}


class FakeUnitOfWork(Journal):
    """One transaction over a private copy of the storage's tables, its repositories built
    from ``FAKE_PORTS`` (named) and ``FakeRows`` (any owned entity)."""

    def __init__(self, storage: FakeStorage, *, read_only: bool) -> None:
        super().__init__()
        self.storage = storage
        self.read_only = read_only
        self.tables = storage.tables
        self.committed = False

    def __getattr__(self, name: str) -> Any:
        repository = FAKE_PORTS.get(name)
        if repository is None:
            raise AttributeError(name)
        instance = repository(self)
        setattr(self, name, instance)
        return instance

    def owned(self, entity: type[E]) -> FakeRows[E]:
        repository = _OWNED.get(entity)
        return repository(self) if repository is not None else FakeRows(self, entity)

    async def __aenter__(self) -> Self:
        self.tables = self.storage.tables.clone()
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        if not self.committed:
            self.storage.rollbacks += 1

    async def commit(self) -> None:
        if self.read_only:
            raise AssertionError("commit of a read-only unit of work")
        if self.storage.fail_next_commit:
            self.storage.fail_next_commit = False
            raise RuntimeError("commit failed (test)")
        if self.storage.contention > 0:
            self.storage.contention -= 1
            raise Contention()
        self.tables.activity.extend(self.take_entries())
        self.storage.tables = self.tables
        # Work after the commit is a new transaction: it needs a commit of its own.
        self.tables = self.tables.clone()
        self.storage.commits += 1
        self.committed = True

    @asynccontextmanager
    async def savepoint(self) -> AsyncIterator[None]:
        snapshot = self.tables.clone()
        mark = self.mark()
        try:
            yield
        except BaseException:
            self.tables = snapshot
            self.rewind(mark)
            raise


class FakeStorage:
    """Opens fake units of work over shared in-memory tables; counts commits and rollbacks."""

    def __init__(self) -> None:
        self.tables = _Tables()
        self.commits = 0
        self.rollbacks = 0
        self.opened: list[str] = []
        self.fail_next_commit = False
        self.broken_progress = False
        # A concurrent twin committed between a service's check and its insert: lookups miss,
        # the uniqueness rule still holds.
        self.racing = False
        # How many of the next commits the "database" aborts to break a tie (errors.Contention).
        self.contention = 0

    async def transact(
        self, work: Callable[[FakeUnitOfWork], Coroutine[Any, Any, T]]
    ) -> tuple[T, Sequence[Event]]:
        async with self.write() as uow:
            result = await work(uow)
            await uow.commit()
        return result, uow.events

    async def snapshot(self, work: Callable[[FakeUnitOfWork], Coroutine[Any, Any, T]]) -> T:
        async with self.read() as uow:
            return await work(uow)

    def write(self) -> FakeUnitOfWork:
        self.opened.append("write")
        return FakeUnitOfWork(self, read_only=False)

    def read(self) -> FakeUnitOfWork:
        self.opened.append("read")
        return FakeUnitOfWork(self, read_only=True)

    # Social rows have no service yet; tests set them up directly, counted as their
    # services will have to (ProgressRepository.count in the same unit of work).
    def follow(self, follower: UUID, following: UUID) -> None:
        if (follower, following) not in self.tables.follows:
            made = datetime(2026, 1, 1, tzinfo=UTC) + timedelta(seconds=len(self.tables.follows))
            self.tables.follows[follower, following] = Follow(
                UUID(int=len(self.tables.follows) + 1), follower, following, made
            )
            self._count(follower, ProgressTotals(follows=1))

    def join_group(self, group_id: UUID, user_id: UUID) -> None:
        # The first member creates the group (public), as the SQL contract backdoor does.
        group = Group(group_id, f"group {group_id}", None, user_id, True, _EPOCH, _EPOCH)
        self.tables.of(Group).setdefault(group_id, group)
        members = self.tables.memberships.setdefault(group_id, set())
        if user_id not in members:
            joined = datetime(2026, 3, 1, tzinfo=UTC)
            _enrol(self.tables, GroupMember(uuid4(), group_id, user_id, GroupRole.MEMBER, joined))
            self._count(user_id, ProgressTotals(groups_joined=1))

    def _count(self, user_id: UUID, delta: ProgressTotals) -> None:
        counters = self.tables.progress
        counters[user_id] = counters.get(user_id, ProgressTotals()) + delta

    def activity_of(self, user_id: UUID) -> list[ActivityEntry]:
        """Committed activity entries of ``user_id``, newest first (as the API lists them)."""
        mine = [e for e in self.tables.activity if e.user_id == user_id]
        return sorted(mine, key=lambda e: e.created_at, reverse=True)

    def milestones_of(self, user_id: UUID) -> list[str]:
        """Names of the milestones ``user_id`` holds, in catalogue order."""
        held = {um.milestone_id for um in self.tables.user_milestones.values() if um.user_id == user_id}
        return [m.name for m in MILESTONES if m.id in held]

    def add_posts(self, user_id: UUID, count: int = 1) -> None:
        # Rows as the posts port writes them, counted as PostService does, without its tracking.
        for n in range(count):
            post = Post(uuid4(), user_id, None, PostType.UPDATE, None, f"post {n}", True, _EPOCH, _EPOCH)
            self.tables.of(Post)[post.id] = post
        self._count(user_id, ProgressTotals(posts=count))


class FakeClock:
    """A clock that stands still until told to move."""

    def __init__(self, start: datetime = datetime(2026, 3, 1, 9, 30, tzinfo=UTC)) -> None:
        self.current = start

    def now(self) -> datetime:
        return self.current

    def advance(self, *, days: float = 0, seconds: float = 0) -> None:
        self.current += timedelta(days=days, seconds=seconds)


class SequentialIds:
    """Ids 00000000-…-000000000001, …-002, … so failures are readable."""

    def __init__(self) -> None:
        self.n = 0

    def __call__(self) -> UUID:
        self.n += 1
        return UUID(int=self.n)


class FakePasswords:
    """A password "hasher" that does not hash, so tests stay fast and readable."""

    def __init__(self) -> None:
        self.hashed: list[str] = []

    async def hash(self, password: str) -> str:
        self.hashed.append(password)
        return "plain:" + password

    async def verify(self, password_hash: str, password: str) -> bool:
        return password_hash == "plain:" + password


class FakeTokens:
    """Tokens are ``token:<user id>``, or ``token:<user id>@<ISO issue time>`` when built with a
    clock (``issued_at`` in the claims); anything else is invalid."""

    def __init__(self, clock: FakeClock | None = None) -> None:
        self.clock = clock

    def issue(self, user: User) -> str:
        if self.clock is None:
            return f"token:{user.id}"
        return f"token:{user.id}@{self.clock.now().isoformat()}"

    async def verify(self, token: str) -> TokenClaims:
        if not token.startswith("token:"):
            raise InvalidToken("Invalid or expired token")
        user_id, _, issued = token.removeprefix("token:").partition("@")
        try:
            return TokenClaims(
                user_id=UUID(user_id), issued_at=datetime.fromisoformat(issued) if issued else None
            )
        except ValueError as exc:
            raise InvalidToken("Invalid or expired token") from exc


class RecordingPublisher:
    """Records published events together with how many commits the storage had seen by then."""

    def __init__(self, storage: FakeStorage) -> None:
        self.storage = storage
        self.published: list[Event] = []
        self.commits_seen: list[int] = []

    async def publish(self, events: Sequence[Event]) -> None:
        self.published.extend(events)
        self.commits_seen.append(self.storage.commits)


# --- uploads -----------------------------------------------------------------------


class FakeFileStore:
    """The ``FileStore`` port in a dict: ``files`` maps keys to bytes; URLs are ``mem://{key}``.

    Like a real store it keeps nothing of a stream that fails or passes ``max_bytes``,
    and replaces a file only once the new one is complete.
    """

    PREFIX = "mem://"

    def __init__(self) -> None:
        self.files: dict[str, bytes] = {}

    async def save(self, key: str, chunks: Any, *, content_type: str, max_bytes: int) -> str:
        received = bytearray()
        async for chunk in chunks:
            received += chunk
            if len(received) > max_bytes:
                raise FileTooLarge()
        self.files[key] = bytes(received)
        return self.PREFIX + key

    async def open(self, key: str) -> AsyncIterator[bytes]:
        if key not in self.files:
            raise NotFound("File not found")
        yield self.files[key]

    async def delete(self, key: str) -> None:
        self.files.pop(key, None)

    async def delete_tree(self, prefix: str) -> None:
        for key in [k for k in self.files if k.startswith(prefix + "/")]:
            del self.files[key]

    def key_of(self, url: str) -> str | None:
        return url.removeprefix(self.PREFIX) if url.startswith(self.PREFIX) else None


# --- analytics -----------------------------------------------------------------------------


class FakeAnalytics(_Repo):
    """The analytics reads from the in-memory rows, with the SQL adapter's rules (amounts above 0,
    the ten top companies in ``analytics.company_order``, the same orders and byte budgets)."""

    port = "analytics"

    def _applications(self, user_id: UUID) -> list[Application]:
        return [a for a in self.t.of(Application).values() if a.user_id == user_id]

    async def dashboard(self, user_id: UUID, *, since: date, until: date) -> analytics.DashboardFigures:
        mine = self._applications(user_id)
        by_id = {a.id: a for a in mine}
        groups: dict[tuple[Any, ...], list[Any]] = {}
        for a in mine:
            low, high = a.salary_min or 0, a.salary_max or 0
            group = groups.setdefault((a.status, a.applied_source, a.salary_currency), [0, 0, [], []])
            group[0] += 1
            group[1] += low > 0 or high > 0
            group[2] += [low] if low > 0 else []
            group[3] += [high] if high > 0 else []
        stages = [s for s in self.t.of(Stage).values() if s.application_id in by_id]
        interviews: dict[Any, set[UUID]] = {}
        for s in stages:
            interviews.setdefault(by_id[s.application_id].applied_source, set()).add(s.application_id)
        offers: dict[tuple[Any, str], list[Any]] = {}
        for o in self.t.of(Outcome).values():
            if o.application_id in by_id and o.status == OutcomeStatus.OFFER:
                offer = offers.setdefault(
                    (by_id[o.application_id].applied_source, o.salary_currency), [0, []]
                )
                offer[0] += 1
                offer[1] += [o.salary] if (o.salary or 0) > 0 else []
        applied = Counter(a.applied_date for a in mine if a.applied_date and since <= a.applied_date <= until)
        staged = Counter(s.stage_date for s in stages if s.stage_date and since <= s.stage_date <= until)
        companies = Counter(a.company_name for a in mine)

        def amounts(values: list[int]) -> analytics.AmountSum:
            return analytics.AmountSum(len(values), sum(values))

        return analytics.DashboardFigures(
            groups=tuple(
                analytics.ApplicationGroup(*key, count, with_salary, amounts(lows), amounts(highs))
                for key, (count, with_salary, lows, highs) in groups.items()
            ),
            interviews=tuple(analytics.SourceCount(source, len(ids)) for source, ids in interviews.items()),
            offers=tuple(
                analytics.OfferGroup(*key, count, amounts(salaries), max(salaries, default=None))
                for key, (count, salaries) in offers.items()
            ),
            applied_days=tuple(analytics.DayCount(day, count) for day, count in applied.items()),
            stage_days=tuple(analytics.DayCount(day, count) for day, count in staged.items()),
            top_companies=analytics.top_companies(
                analytics.CompanyCount(*item) for item in companies.items()
            ),
        )

    async def activity(
        self, user_id: UUID, *, application_id: UUID | None, skip: int, limit: int
    ) -> list[ActivityEntry]:
        mine = [
            e
            for e in self.t.activity
            if e.user_id == user_id and (application_id is None or e.application_id == application_id)
        ]
        mine.sort(key=lambda e: (e.created_at, e.id), reverse=True)
        return pages.within_budget(mine[skip : skip + limit])

    async def stage_questions(self, user_id: UUID, *, limit: int) -> list[analytics.StageQuestions]:
        applications = {a.id: a for a in self._applications(user_id)}
        stages = [
            s for s in self.t.of(Stage).values() if s.application_id in applications and s.questions_asked
        ]
        stages.sort(
            key=lambda s: (
                applications[s.application_id].created_at,
                s.application_id,
                s.created_at,
                s.id,
            ),
            reverse=True,
        )

        def size(stage: Stage) -> int:
            application = applications[stage.application_id]
            texts = (stage.stage_name, stage.stage_type, application.company_name, application.role_title)
            questions = json.dumps(
                list(stage.questions_asked or ()), ensure_ascii=False, separators=(",", ":")
            )
            return pages.OBJECT_BYTES + sum(len(str(text or "").encode()) for text in (questions, *texts))

        return [
            analytics.StageQuestions(
                s.stage_type,
                s.stage_name,
                applications[s.application_id].company_name,
                applications[s.application_id].role_title,
                tuple(s.questions_asked or ()),
            )
            for s in pages.within_budget(stages[:limit], size)
        ]


# --- social: groups --------------------------------------------------------------------------
#
# A membership is a GroupMember row and an entry of ``_Tables.memberships`` (what the profile
# relation and the recount read); ``_enrol`` and ``_unenrol`` keep the two together.


def _enrol(tables: _Tables, member: GroupMember) -> None:
    tables.of(GroupMember)[member.id] = member
    tables.memberships.setdefault(member.group_id, set()).add(member.user_id)


def _unenrol(tables: _Tables, member: GroupMember) -> None:
    tables.of(GroupMember).pop(member.id, None)
    tables.memberships.get(member.group_id, set()).discard(member.user_id)


class FakeGroups(FakeRows[Group]):
    port = "groups"
    entity = Group

    def _members_of(self, group_id: UUID) -> list[GroupMember]:
        return [m for m in self.t.of(GroupMember).values() if m.group_id == group_id]

    def _view(self, group: Group) -> GroupView:
        return GroupView.of(group, len(self._members_of(group.id)))

    async def view(self, group_id: UUID) -> GroupView | None:
        group = self._rows().get(group_id)
        return None if group is None else self._view(group)

    async def membership(self, group_id: UUID, user_id: UUID) -> GroupMember | None:
        if self._uow.storage.racing:  # a simultaneous twin joined after this lookup
            return None
        found = [m for m in self._members_of(group_id) if m.user_id == user_id]
        return found[0] if found else None

    async def add_member(self, member: GroupMember) -> None:
        tables = self._writable()
        if any(m.user_id == member.user_id for m in self._members_of(member.group_id)):
            raise Duplicate("group_members.group_id,user_id")
        _enrol(tables, member)

    async def remove_member(self, member_id: UUID) -> None:
        tables = self._writable()
        member = tables.of(GroupMember).get(member_id)
        if member is not None:
            _unenrol(tables, member)

    async def list_public(self, skip: int, limit: int) -> list[GroupView]:
        public = [g for g in self._rows().values() if g.is_public]
        public.sort(key=lambda g: (g.created_at, g.id), reverse=True)
        return pages.within_budget([self._view(g) for g in public[skip : skip + limit]])

    async def list_joined(self, user_id: UUID, skip: int, limit: int) -> list[GroupView]:
        mine = sorted(
            (m for m in self.t.of(GroupMember).values() if m.user_id == user_id),
            key=lambda m: (m.joined_at, m.id),
            reverse=True,
        )
        groups = self._rows()
        return pages.within_budget([self._view(groups[m.group_id]) for m in mine[skip : skip + limit]])

    async def members(self, group_id: UUID, skip: int, limit: int) -> list[GroupMember]:
        return sorted(self._members_of(group_id), key=lambda m: (m.joined_at, m.id))[skip : skip + limit]

    async def dissolve(self, group_id: UUID) -> None:
        tables = self._writable()
        if tables.of(Group).pop(group_id, None) is None:
            return
        for member in self._members_of(group_id):
            _unenrol(tables, member)
            _count_in(tables, member.user_id, ProgressTotals(groups_joined=-1))
        tables.memberships.pop(group_id, None)
        posts = tables.of(Post)
        for post in [p for p in posts.values() if p.group_id == group_id]:
            del posts[post.id]
            _drop_reactions(tables, post.id)  # as the schema cascades
            _count_in(tables, post.user_id, ProgressTotals(posts=-1))

    async def dissolve_created_by(self, user_id: UUID) -> None:
        for group in [g for g in self._rows().values() if g.created_by == user_id]:
            await self.dissolve(group.id)


def _count_in(tables: _Tables, user_id: UUID, delta: ProgressTotals) -> None:
    tables.progress[user_id] = tables.progress.get(user_id, ProgressTotals()) + delta


# --- posts and reactions ---------------------------------------------------------------------

_EPOCH = datetime(2026, 1, 1, tzinfo=UTC)


class FakePosts(FakeRows[Post]):
    """Posts with their reaction counts, in the SQL adapter's orders and byte budgets. Groups are
    ``Group`` rows, their members ``_Tables.memberships``."""

    port = "posts"
    entity = Post

    def _views(self, chosen: list[Post], skip: int, limit: int) -> list[PostView]:
        chosen.sort(key=lambda p: (p.created_at, p.id), reverse=True)
        counts = Counter(r.post_id for r in self.t.of(Reaction).values())
        return pages.within_budget([PostView.of(p, counts[p.id]) for p in chosen[skip : skip + limit]])

    async def view(self, post_id: UUID) -> PostView | None:
        post = self._rows().get(post_id)
        return None if post is None else self._views([post], 0, 1)[0]

    async def public_feed(self, skip: int, limit: int) -> list[PostView]:
        groups = self.t.of(Group)
        chosen = [
            p
            for p in self._rows().values()
            if p.is_public and (p.group_id is None or (p.group_id in groups and groups[p.group_id].is_public))
        ]
        return self._views(chosen, skip, limit)

    async def group_feed(self, group_id: UUID, *, everything: bool, skip: int, limit: int) -> list[PostView]:
        chosen = [p for p in self._rows().values() if p.group_id == group_id and (everything or p.is_public)]
        return self._views(chosen, skip, limit)

    async def by_author(self, user_id: UUID, skip: int, limit: int) -> list[PostView]:
        return self._views([p for p in self._rows().values() if p.user_id == user_id], skip, limit)

    async def group_access(self, group_id: UUID, user_id: UUID) -> GroupAccess | None:
        group = self.t.of(Group).get(group_id)
        if group is None:
            return None
        return GroupAccess(
            is_public=group.is_public, is_member=user_id in self.t.memberships.get(group_id, ())
        )


class FakeReactions(FakeRows[Reaction]):
    port = "reactions"
    entity = Reaction

    def _check_unique(self, tables: _Tables, row: Reaction) -> None:
        if any(r.post_id == row.post_id and r.user_id == row.user_id for r in tables.of(Reaction).values()):
            raise Duplicate("reactions.post_id,user_id")

    async def put(self, reaction: Reaction) -> Reaction:
        table = self._writable().of(Reaction)
        old = await self.find(reaction.post_id, reaction.user_id)
        stored = (
            reaction
            if old is None
            else attrs.evolve(old, reaction=reaction.reaction, created_at=reaction.created_at)
        )
        table[stored.id] = stored
        return stored

    async def find(self, post_id: UUID, user_id: UUID) -> Reaction | None:
        return next((r for r in self._rows().values() if r.post_id == post_id and r.user_id == user_id), None)

    async def count_for_post(self, post_id: UUID) -> int:
        return sum(1 for r in self._rows().values() if r.post_id == post_id)


def _drop_reactions(tables: _Tables, post_id: UUID) -> None:
    table = tables.of(Reaction)
    for key in [k for k, v in table.items() if v.post_id == post_id]:
        del table[key]


_ON_DELETE[Post] = _drop_reactions
_OWNED[Post] = FakePosts


@attrs.define
class _Account:
    id: UUID
    email: str
    password: str
    metadata: dict[str, Any]
    confirmed: bool


class FakeIdentity:
    """An identity provider (the ``IdentityProvider`` port) and the verifier of its tokens.

    Tokens are ``id:<user id>@<ISO issue time>`` stamped by ``clock``; like a Supabase
    token they carry the account's email and metadata and stay valid after the account is
    gone. ``confirm_email`` makes sign-up hand out no token; ``down`` makes every call raise
    ``Unavailable``.
    """

    def __init__(self, clock: FakeClock, ids: SequentialIds) -> None:
        self.clock = clock
        self.ids = ids
        self.accounts: dict[UUID, _Account] = {}
        self.signed_out: list[str] = []
        self.issued: dict[str, TokenClaims] = {}
        self.confirm_email = False
        self.down = False

    def add_account(self, email: str, password: str, metadata: dict[str, Any] | None = None) -> UUID:
        """An account made at the provider directly (its dashboard, another front end)."""
        user_id = self.ids()
        self.accounts[user_id] = _Account(user_id, email, password, metadata or {}, confirmed=True)
        return user_id

    def token(self, user_id: UUID) -> str:
        account, now = self.accounts[user_id], self.clock.now()
        token = f"id:{user_id}@{now.isoformat()}"
        self.issued[token] = TokenClaims(user_id, account.email, dict(account.metadata), now)
        return token

    def _check(self) -> None:
        if self.down:
            raise Unavailable("Supabase Auth is unavailable (unreachable); please try again")

    def _session(self, account: _Account, *, token: bool = True) -> IdentitySession:
        access = self.token(account.id) if token else None
        return IdentitySession(account.id, account.email, access, dict(account.metadata))

    async def sign_up(self, email: str, password: str, metadata: Mapping[str, Any]) -> IdentitySession:
        self._check()
        if any(a.email == email for a in self.accounts.values()):
            raise Duplicate("identity.email")
        user_id = self.add_account(email, password, dict(metadata))
        account = self.accounts[user_id]
        account.confirmed = not self.confirm_email
        return self._session(account, token=account.confirmed)

    async def sign_in(self, email: str, password: str) -> IdentitySession:
        self._check()
        for account in self.accounts.values():
            if account.email == email and account.password == password:
                if not account.confirmed:
                    raise EmailNotConfirmed()
                return self._session(account)
        raise InvalidCredentials("Incorrect email or password")

    async def sign_out(self, access_token: str) -> None:
        self._check()
        self.signed_out.append(access_token)

    async def set_password(self, user_id: UUID, password: str) -> None:
        self._check()
        self.accounts[user_id].password = password

    async def delete_user(self, user_id: UUID) -> None:
        self._check()
        self.accounts.pop(user_id, None)

    async def exists(self, user_id: UUID) -> bool:
        self._check()
        return user_id in self.accounts

    async def verify(self, token: str) -> TokenClaims:
        if token not in self.issued:
            raise InvalidToken("Invalid or expired token")
        return self.issued[token]

"""Your data: the whole account out as one document, and such a document back in.

The export reads one consistent snapshot (one read unit of work, held for the
whole export) in keyset pages, oldest first, and hands them on section by section
(:meth:`AccountDataService.export`), so the edge can write each page and forget
it: a 10,000-application account never sits in memory whole. The edge renders it
(:mod:`offertracker_core.account_data` describes the document).

The import checks the document (:func:`~offertracker_core.account_data.check_document`),
then writes it in one write unit of work, all or nothing, with new ids and every
reference between its items carried over. What the account holds already is
skipped: an item an earlier import created from the same source id (recorded in
``account_import_keys``), the account's own item of that id (a document exported
from this very account), a tag of the same name, an outcome or reflection of an
application that has one, a tag assigned already, a milestone reached already. So
importing one document twice changes nothing the second time.

Choices: created and updated times come from the document (now when absent), so
an imported history keeps its dates; imported items are not activity (no streak,
no "Application Created" entries, no events for plugins: the document's own
activity log is imported instead); the milestone counters grow by what was
created, and milestones reached are imported by name with their dates (those not
in this server's catalogue are skipped). A resume's ``file_url`` that points at an
uploaded file is dropped (the file travels in the zip export, not in the JSON).
The profile's display name and bio fill the account's only where it has none.
"""

from __future__ import annotations

from collections.abc import AsyncGenerator, AsyncIterator, Awaitable, Callable, Collection
from datetime import datetime
from typing import Any
from uuid import UUID

import attrs

from ..account_data import (
    KINDS,
    AccountDocument,
    ApplicationItem,
    ImportSummary,
    check_document,
    resume_file_entry,
)
from ..entities import (
    ActivityEntry,
    Application,
    ApplicationTag,
    Contact,
    Document,
    Outcome,
    Reflection,
    Reminder,
    ResumeVersion,
    SavedJob,
    Stage,
    Tag,
    User,
    UserMilestone,
)
from ..enums import OutcomeStatus
from ..errors import NotFound
from ..ports import Cursor, ImportKey, ProgressTotals, UnitOfWork
from ..uploads import resume_folder
from .base import ServiceContext

__all__ = ["EXPORT_PAGE", "AccountDataService", "ExportFile", "ExportSection"]

EXPORT_PAGE = 500
"""Items read per statement (applications: per statement of each child table) during an export."""

ExportSection = tuple[str, list[Any]]
"""A section name of the document and one page of its items (the first page may be empty)."""

_OWNED_SECTIONS: tuple[tuple[str, type[Any]], ...] = (
    ("contacts", Contact),
    ("reminders", Reminder),
    ("saved_jobs", SavedJob),
    ("activity", ActivityEntry),
)


@attrs.frozen
class ExportFile:
    """An uploaded file that goes into a zip export: its entry name and a way to read it."""

    entry: str
    open: Callable[[], AsyncIterator[bytes]]


@attrs.frozen
class AccountDataService:
    """Exports a user's whole account and imports such an export into one."""

    ctx: ServiceContext

    async def export(
        self, user_id: UUID, *, page: int = EXPORT_PAGE, only: Collection[str] | None = None
    ) -> AsyncGenerator[ExportSection, None]:
        """The account's sections in document order, page by page, all from one snapshot.

        ``profile`` (one :class:`User`), ``resumes``, ``tags``, ``applications``
        (:class:`~offertracker_core.ports.ApplicationBundle`), ``contacts``, ``reminders``,
        ``saved_jobs``, ``activity`` and ``milestones`` (``EarnedMilestone``, oldest first);
        each appears at least once, with an empty page if it has no items. ``only`` names the
        sections to read (the profile always comes first): the CSV export reads tags and
        applications alone.
        ``NotFound("User not found")`` for an unknown user. Close the iterator
        (``aclose``) when not reading it to the end: it holds a read transaction.
        """
        async with self.ctx.storage.read() as uow:
            user = await uow.users.get(user_id)
            if user is None:
                raise NotFound("User not found")
            yield "profile", [user]
            wanted = set(only) if only is not None else None

            def owned(entity: type[Any]) -> Callable[[Cursor | None], Awaitable[list[Any]]]:
                return lambda after: uow.account.owned_after(entity, user_id, after, page)

            for section, entity in (("resumes", ResumeVersion), ("tags", Tag)):
                if wanted is not None and section not in wanted:
                    continue
                async for items in _pages(owned(entity)):
                    yield section, items
            if wanted is None or "applications" in wanted:
                async for bundles in _pages(
                    lambda after: uow.account.applications_after(user_id, after, page),
                    key=lambda bundle: (bundle.detail.application.created_at, bundle.detail.application.id),
                ):
                    yield "applications", bundles
            for section, entity in _OWNED_SECTIONS:
                if wanted is not None and section not in wanted:
                    continue
                async for items in _pages(owned(entity)):
                    yield section, items
            if wanted is None or "milestones" in wanted:
                earned = await uow.progress.earned(user_id)
                yield "milestones", sorted(earned, key=lambda held: (held.reached_at, held.milestone.name))

    async def application_count(self, user_id: UUID) -> int:
        """How many applications ``user_id`` has (the kept counter: one lookup), for progress bars."""
        totals = await self.ctx.read(lambda uow: uow.progress.totals(user_id))
        return totals.applications

    def resume_file(self, user_id: UUID, resume: ResumeVersion) -> ExportFile | None:
        """The uploaded file of ``user_id``'s ``resume``, if its ``file_url`` is one (not a link)."""
        key = self.ctx.files.key_of(resume.file_url) if resume.file_url else None
        if key is None or resume.user_id != user_id:
            return None
        folder, _, name = key.rpartition("/")
        if folder != resume_folder(user_id, resume.id):
            return None
        return ExportFile(resume_file_entry(resume.id, name), lambda: self.ctx.files.open(key))

    async def import_document(self, user_id: UUID, document: AccountDocument) -> ImportSummary:
        """Import ``document`` into ``user_id``'s account in one transaction (see the module docstring).

        ``InvalidInput`` (422) for a document :func:`check_document` refuses, before
        anything is written; ``NotFound("User not found")`` for an unknown user.
        """
        check_document(document)
        now = self.ctx.clock.now()

        async def work(uow: UnitOfWork) -> ImportSummary:
            known = await uow.account.known(user_id, _wanted(document))
            new_names = [tag.name for tag in document.tags if tag.id not in known["tags"]]
            named = await uow.account.tags_named(user_id, new_names) if new_names else {}
            plan = _Plan(user_id, now, self.ctx.ids, known, self.ctx.files.key_of)
            plan.build(document, named)
            inserted = await uow.account.insert([row for _, _, row in plan.rows])
            keys = plan.settle(inserted)
            if keys:
                await uow.account.remember(user_id, keys)
            await self._milestones(uow, user_id, document, plan)
            delta = plan.counted()
            if delta != ProgressTotals():
                await uow.progress.count(user_id, delta)
            await self._profile(uow, user_id, document, now)
            return ImportSummary(created=plan.created, skipped=plan.skipped)

        return await self.ctx.write(work)

    async def _milestones(
        self, uow: UnitOfWork, user_id: UUID, document: AccountDocument, plan: _Plan
    ) -> None:
        if not document.milestones:
            return
        catalogue = {milestone.name: milestone for milestone in await uow.progress.milestones()}
        held = await uow.progress.awarded_milestone_ids(user_id)
        for item in document.milestones:
            milestone = catalogue.get(item.name)
            if milestone is None or milestone.id in held:
                plan.skipped["milestones"] += 1
                continue
            await uow.progress.award(UserMilestone(self.ctx.ids(), user_id, milestone.id, item.reached_at))
            held.add(milestone.id)
            plan.created["milestones"] += 1

    async def _profile(
        self, uow: UnitOfWork, user_id: UUID, document: AccountDocument, now: datetime
    ) -> None:
        # Locked last, as track_activity does: the user row comes after what hangs off it.
        user: User | None = await uow.users.get_for_update(user_id)
        if user is None:
            raise NotFound("User not found")
        profile = document.profile
        if profile is None:
            return
        changes = {
            name: getattr(profile, name)
            for name in ("display_name", "bio")
            if getattr(user, name) is None and getattr(profile, name) is not None
        }
        if changes:
            await uow.users.update(attrs.evolve(user, **changes, updated_at=now))


async def _pages(
    read: Callable[[Cursor | None], Awaitable[list[Any]]], key: Callable[[Any], Cursor] | None = None
) -> AsyncIterator[list[Any]]:
    """Every page ``read`` gives, each starting after the last item of the one before; at least one."""
    after: Cursor | None = None
    while True:
        items = await read(after)
        yield items
        if not items:
            return
        last = items[-1]
        after = key(last) if key is not None else (last.created_at, last.id)


def _wanted(document: AccountDocument) -> dict[str, list[UUID]]:
    wanted: dict[str, list[UUID]] = {kind: [] for kind in KINDS if kind != "milestones"}
    for section in ("resumes", "tags", "applications", "contacts", "reminders", "saved_jobs", "activity"):
        wanted[section] = [item.id for item in getattr(document, section)]
    for app in document.applications:
        wanted["stages"] += [stage.id for stage in app.stages]
        wanted["documents"] += [item.id for item in app.documents]
        wanted["tag_assignments"] += [item.id for item in app.tags]
        if app.outcome is not None:
            wanted["outcomes"].append(app.outcome.id)
        if app.reflection is not None:
            wanted["reflections"].append(app.reflection.id)
    return wanted


class _Plan:
    """The rows one import writes, the ids they get and what it counts (built inside the unit of
    work, so a retried unit builds it afresh)."""

    def __init__(
        self,
        user_id: UUID,
        now: datetime,
        ids: Callable[[], UUID],
        known: dict[str, dict[UUID, UUID]],
        key_of: Callable[[str], str | None],
    ) -> None:
        self.user_id = user_id
        self.now = now
        self._ids = ids
        self._known = known
        self._key_of = key_of
        self.targets: dict[str, dict[UUID, UUID]] = {kind: {} for kind in KINDS}
        self.rows: list[tuple[str, UUID, Any]] = []
        self.created = dict.fromkeys(KINDS, 0)
        self.skipped = dict.fromkeys(KINDS, 0)
        self._offers: set[UUID] = set()

    def _place(self, kind: str, source_id: UUID) -> UUID | None:
        """The new id of an item to create, or ``None`` (counted as skipped) for one held already."""
        found = self._known.get(kind, {}).get(source_id)
        if found is not None:
            self.targets[kind][source_id] = found
            self.skipped[kind] += 1
            return None
        target = self.targets[kind][source_id] = self._ids()
        return target

    def _add(self, kind: str, source_id: UUID, row: Any) -> None:
        self.rows.append((kind, source_id, row))

    def _times(self, item: Any) -> tuple[datetime, datetime]:
        created = item.created_at or self.now
        return created, getattr(item, "updated_at", None) or created

    def _ref(self, kind: str, source_id: UUID | None) -> UUID | None:
        return None if source_id is None else self.targets[kind][source_id]

    def build(self, document: AccountDocument, named: dict[str, UUID]) -> None:
        """Plan every row of ``document``, parents first (``named``: the account's tags by name)."""
        user = self.user_id
        for r in document.resumes:
            if (target := self._place("resumes", r.id)) is not None:
                link = r.file_url if r.file_url is None or self._key_of(r.file_url) is None else None
                self._add(
                    "resumes",
                    r.id,
                    ResumeVersion(target, user, r.version_name, r.notes, link, *self._times(r)),
                )
        names: dict[str, UUID] = dict(named)
        for t in document.tags:
            if t.id in self._known["tags"]:
                self._place("tags", t.id)
                continue
            existing = names.get(t.name)
            if existing is not None:  # a tag of that name is there (or earlier in the document)
                self.targets["tags"][t.id] = existing
                self.skipped["tags"] += 1
                continue
            target = names[t.name] = self._ids()
            self.targets["tags"][t.id] = target
            self._add("tags", t.id, Tag(target, user, t.name, t.color, t.created_at or self.now))
        for app in document.applications:
            self._application(app)
        for c in document.contacts:
            if (target := self._place("contacts", c.id)) is not None:
                fields = attrs.asdict(c, recurse=False)
                fields.update(
                    id=target,
                    user_id=user,
                    application_id=self._ref("applications", c.application_id),
                    created_at=self._times(c)[0],
                    updated_at=self._times(c)[1],
                )
                self._add("contacts", c.id, Contact(**fields))
        for m in document.reminders:
            if (target := self._place("reminders", m.id)) is not None:
                created, updated = self._times(m)
                application = self._ref("applications", m.application_id)
                reminder = Reminder(
                    target, user, application, m.title, m.description, m.remind_at, m.reminder_type,
                    m.is_completed, m.completed_at, created, updated,
                )  # fmt: skip
                self._add("reminders", m.id, reminder)
        for j in document.saved_jobs:
            if (target := self._place("saved_jobs", j.id)) is not None:
                fields = attrs.asdict(j, recurse=False)
                created, updated = self._times(j)
                fields.update(
                    id=target,
                    user_id=user,
                    converted_to_application_id=self._ref("applications", j.converted_to_application_id),
                    created_at=created,
                    updated_at=updated,
                )
                self._add("saved_jobs", j.id, SavedJob(**fields))
        for a in document.activity:
            if (target := self._place("activity", a.id)) is not None:
                application = self._ref("applications", a.application_id)
                entry = ActivityEntry(
                    target,
                    user,
                    application,
                    a.action,
                    a.description,
                    dict(a.metadata),
                    a.created_at or self.now,
                )
                self._add("activity", a.id, entry)

    def _application(self, app: ApplicationItem) -> None:
        target = self._place("applications", app.id)
        if target is not None:
            fields = {
                field.name: getattr(app, field.name)
                for field in attrs.fields(Application)
                if field.name not in ("id", "user_id", "created_at", "updated_at", "resume_version_id")
            }
            created, updated = self._times(app)
            resume = self._ref("resumes", app.resume_version_id)
            application = Application(
                id=target,
                user_id=self.user_id,
                resume_version_id=resume,
                created_at=created,
                updated_at=updated,
                **fields,
            )
            self._add("applications", app.id, application)
        parent = self.targets["applications"][app.id]
        for s in app.stages:
            if (stage_id := self._place("stages", s.id)) is not None:
                questions = None if s.questions_asked is None else tuple(s.questions_asked)
                stage = Stage(
                    stage_id, parent, s.stage_name, s.stage_type, s.stage_date, s.result, s.duration_minutes,
                    s.interviewer_names, s.prep_notes, questions, s.notes, *self._times(s),
                )  # fmt: skip
                self._add("stages", s.id, stage)
        o = app.outcome
        if o is not None and (outcome_id := self._place("outcomes", o.id)) is not None:
            outcome = Outcome(
                outcome_id, parent, o.status, o.salary, o.salary_currency, o.bonus, o.equity, o.benefits,
                o.start_date, o.deadline, o.negotiation_notes, o.notes, *self._times(o),
            )  # fmt: skip
            self._add("outcomes", o.id, outcome)
            if o.status == OutcomeStatus.OFFER:
                self._offers.add(outcome_id)
        r = app.reflection
        if r is not None and (reflection_id := self._place("reflections", r.id)) is not None:
            gaps = None if r.skill_gaps is None else dict(r.skill_gaps)
            reflection = Reflection(
                reflection_id, parent, r.what_worked, r.what_failed, gaps, r.improvement_plan, *self._times(r)
            )
            self._add("reflections", r.id, reflection)
        for d in app.documents:
            if (document_id := self._place("documents", d.id)) is not None:
                doc = Document(document_id, parent, d.doc_type, d.name, d.file_url, d.notes, *self._times(d))
                self._add("documents", d.id, doc)
        for t in app.tags:
            if (assignment_id := self._place("tag_assignments", t.id)) is not None:
                tag = self.targets["tags"][t.tag_id]
                self._add(
                    "tag_assignments",
                    t.id,
                    ApplicationTag(assignment_id, parent, tag, t.created_at or self.now),
                )

    def settle(self, inserted: set[UUID]) -> list[ImportKey]:
        """Count what was inserted (the rest met a uniqueness rule: skipped); the keys to remember."""
        keys = []
        for kind, source_id, row in self.rows:
            if row.id in inserted:
                self.created[kind] += 1
                keys.append(ImportKey(kind, source_id, row.id))
            else:
                self.skipped[kind] += 1
                self._offers.discard(row.id)
        return keys

    def counted(self) -> ProgressTotals:
        """The milestone counters' growth: applications, stages, reflections and Offer outcomes created."""
        return ProgressTotals(
            applications=self.created["applications"],
            stages=self.created["stages"],
            reflections=self.created["reflections"],
            offers=len(self._offers),
        )

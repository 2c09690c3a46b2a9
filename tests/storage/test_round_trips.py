"""Every entity of this issue comes back from the database exactly as it went in."""

from __future__ import annotations

from datetime import date
from uuid import uuid4

import attrs
import pytest

from offertracker_core.entities import Application, ResumeVersion, UserMilestone
from offertracker_core.enums import (
    ActivityAction,
    ApplicationStatus,
    OutcomeStatus,
    Priority,
    ProfileVisibility,
    StageResult,
)
from offertracker_core.milestones import MILESTONES
from offertracker_core.ports import ProgressTotals
from offertracker_storage import SqlStorage
from offertracker_storage.sql.tables import activity_log, follows, group_members, posts, social_groups

from . import factories as f


async def test_a_user_round_trips_and_is_found_by_email_and_username(storage: SqlStorage) -> None:
    ada = f.user("ada")
    async with storage.write() as uow:
        await uow.users.add(ada)
        await uow.commit()
    async with storage.read() as uow:
        assert await uow.users.get(ada.id) == ada
        assert await uow.users.get_by_email("ada@example.com") == ada
        assert await uow.users.get_by_username("ada") == ada
        assert await uow.users.get(uuid4()) is None
        assert await uow.users.get_by_email("nobody@example.com") is None
    loaded = await _get_user(storage, ada.id)
    assert loaded.created_at.tzinfo is not None
    assert loaded.created_at.utcoffset().total_seconds() == 0
    assert isinstance(loaded.profile_visibility, ProfileVisibility)


async def _get_user(storage: SqlStorage, user_id):
    async with storage.read() as uow:
        return await uow.users.get(user_id)


async def test_a_user_update_replaces_every_field(storage: SqlStorage) -> None:
    ada = f.user("ada")
    changed = attrs.evolve(
        ada,
        display_name=None,
        bio=None,
        is_profile_public=True,
        profile_visibility=ProfileVisibility.PUBLIC,
        streak_days=0,
        last_active_date=None,
        updated_at=f.at(60),
    )
    async with storage.write() as uow:
        await uow.users.add(ada)
        await uow.users.update(changed)
        await uow.commit()
    assert await _get_user(storage, ada.id) == changed


async def test_credentials_are_stored_and_replaced(storage: SqlStorage) -> None:
    ada = f.user("ada")
    async with storage.write() as uow:
        await uow.users.add(ada)
        await uow.credentials.set(ada.id, "$argon2id$first")
        await uow.credentials.set(ada.id, "$argon2id$second")
        await uow.commit()
    async with storage.read() as uow:
        assert await uow.credentials.get(ada.id) == "$argon2id$second"
        assert await uow.credentials.get(uuid4()) is None


async def test_resumes_round_trip_and_list_newest_first(storage: SqlStorage) -> None:
    ada = f.user("ada")
    old = f.resume(ada.id, version_name="old", created_at=f.at(0))
    new = f.resume(ada.id, version_name="new", notes=None, file_url=None, created_at=f.at(5))
    async with storage.write() as uow:
        await uow.users.add(ada)
        await uow.owned(ResumeVersion).add(old)
        await uow.owned(ResumeVersion).add(new)
        await uow.owned(ResumeVersion).update(attrs.evolve(old, notes="updated", updated_at=f.at(9)))
        await uow.commit()
    async with storage.read() as uow:
        assert await uow.owned(ResumeVersion).get(new.id) == new
        assert [r.version_name for r in await uow.owned(ResumeVersion).list_for_user(ada.id, 0, 10)] == [
            "new",
            "old",
        ]
        assert [r.version_name for r in await uow.owned(ResumeVersion).list_for_user(ada.id, 1, 10)] == [
            "old"
        ]
        assert (await uow.owned(ResumeVersion).get(old.id)).notes == "updated"
    async with storage.write() as uow:
        await uow.owned(ResumeVersion).delete(old.id)
        await uow.commit()
    async with storage.read() as uow:
        assert await uow.owned(ResumeVersion).get(old.id) is None


async def test_an_application_with_all_children_round_trips(storage: SqlStorage) -> None:
    ada = f.user("ada")
    cv = f.resume(ada.id)
    app = f.application(ada.id, resume_version_id=cv.id)
    bare = f.application(
        ada.id,
        url=None,
        description=None,
        location=None,
        job_type=None,
        work_mode=None,
        salary_min=None,
        salary_max=None,
        applied_source=None,
        applied_date=None,
        follow_up_date=None,
        priority=None,
        notes=None,
        status=ApplicationStatus.SAVED,
        created_at=f.at(1),
    )
    first = f.stage(app.id, stage_date=date(2026, 3, 2), created_at=f.at(3))
    undated = f.stage(app.id, stage_name="Onsite", stage_date=None, questions_asked=None, created_at=f.at(1))
    second = f.stage(app.id, stage_name="Tech", stage_date=date(2026, 3, 5), created_at=f.at(2))
    offer = f.outcome(app.id)
    notes = f.reflection(app.id)
    async with storage.write() as uow:
        await uow.users.add(ada)
        await uow.owned(ResumeVersion).add(cv)
        await uow.applications.add(app)
        await uow.applications.add(bare)
        for item in (undated, second, first):
            await uow.stages.add(item)
        await uow.outcomes.add(offer)
        await uow.reflections.add(notes)
        await uow.commit()
    async with storage.read() as uow:
        assert await uow.applications.get(app.id) == app
        assert await uow.applications.get(bare.id) == bare
        detail = await uow.applications.get_detail(app.id)
        assert detail is not None
        assert detail.application == app
        assert detail.stages == (first, second, undated)  # by date, undated last
        assert detail.stages[0].questions_asked == ("Why us?", "Salary expectations?")
        assert detail.outcome == offer
        assert detail.reflection == notes
        assert notes.skill_gaps == {"skills": ["Kafka", "SQL"], "severity": 2}
        assert await uow.applications.get_detail(uuid4()) is None
        empty = await uow.applications.get_detail(bare.id)
        assert (empty.stages, empty.outcome, empty.reflection) == ((), None, None)
        assert await uow.stages.get(first.id) == first
        assert await uow.outcomes.get(offer.id) == offer
        assert await uow.outcomes.get_for_application(app.id) == offer
        assert await uow.outcomes.get_for_application(bare.id) is None
        assert await uow.reflections.get(notes.id) == notes
        assert await uow.reflections.get_for_application(app.id) == notes


async def test_children_update_and_delete(storage: SqlStorage) -> None:
    ada = f.user("ada")
    app = f.application(ada.id)
    step, offer, notes = f.stage(app.id), f.outcome(app.id), f.reflection(app.id)
    async with storage.write() as uow:
        await uow.users.add(ada)
        await uow.applications.add(app)
        await uow.stages.add(step)
        await uow.outcomes.add(offer)
        await uow.reflections.add(notes)
        await uow.applications.update(attrs.evolve(app, status=ApplicationStatus.OFFER, notes=None))
        await uow.stages.update(attrs.evolve(step, questions_asked=("Only one?",), result=StageResult.FAILED))
        await uow.outcomes.update(attrs.evolve(offer, salary=None, status=OutcomeStatus.REJECTED))
        await uow.reflections.update(attrs.evolve(notes, skill_gaps=None))
        await uow.commit()
    async with storage.read() as uow:
        detail = await uow.applications.get_detail(app.id)
    assert detail.application.status is ApplicationStatus.OFFER
    assert detail.application.notes is None
    assert detail.stages[0].questions_asked == ("Only one?",)
    assert detail.stages[0].result is StageResult.FAILED
    assert (detail.outcome.salary, detail.outcome.status) == (None, OutcomeStatus.REJECTED)
    assert detail.reflection.skill_gaps is None
    async with storage.write() as uow:
        await uow.stages.delete(step.id)
        await uow.outcomes.delete(offer.id)
        await uow.reflections.delete(notes.id)
        await uow.commit()
    async with storage.read() as uow:
        detail = await uow.applications.get_detail(app.id)
    assert (detail.stages, detail.outcome, detail.reflection) == ((), None, None)


async def test_list_details_is_newest_first_filtered_and_paginated(storage: SqlStorage) -> None:
    ada, bob = f.user("ada"), f.user("bob")
    apps = [
        f.application(
            ada.id,
            company_name="A",
            status=ApplicationStatus.APPLIED,
            priority=Priority.HIGH,
            created_at=f.at(1),
        ),
        f.application(
            ada.id,
            company_name="B",
            status=ApplicationStatus.SAVED,
            priority=Priority.LOW,
            created_at=f.at(2),
        ),
        f.application(
            ada.id,
            company_name="C",
            status=ApplicationStatus.APPLIED,
            priority=Priority.LOW,
            created_at=f.at(3),
        ),
        f.application(bob.id, company_name="Bob's", created_at=f.at(4)),
    ]
    async with storage.write() as uow:
        await uow.users.add(ada)
        await uow.users.add(bob)
        for app in apps:
            await uow.applications.add(app)
        await uow.stages.add(f.stage(apps[0].id))
        await uow.commit()

    async def companies(**kwargs) -> list[str]:
        options = {"status": None, "priority": None, "skip": 0, "limit": 100} | kwargs
        async with storage.read() as uow:
            details = await uow.applications.list_details(ada.id, **options)
        return [d.application.company_name for d in details]

    assert await companies() == ["C", "B", "A"]
    assert await companies(status=ApplicationStatus.APPLIED) == ["C", "A"]
    assert await companies(priority=Priority.LOW) == ["C", "B"]
    assert await companies(status=ApplicationStatus.APPLIED, priority=Priority.LOW) == ["C"]
    assert await companies(skip=1, limit=1) == ["B"]
    assert await companies(skip=5) == []
    async with storage.read() as uow:
        details = await uow.applications.list_details(ada.id, status=None, priority=None, skip=0, limit=100)
    assert [len(d.stages) for d in details] == [0, 0, 1]


async def test_the_milestone_catalogue_is_seeded_in_order(storage: SqlStorage) -> None:
    async with storage.read() as uow:
        assert await uow.progress.milestones() == list(MILESTONES)


async def test_milestones_are_awarded_and_listed(storage: SqlStorage) -> None:
    ada = f.user("ada")
    first, second = MILESTONES[0], MILESTONES[1]
    async with storage.write() as uow:
        await uow.users.add(ada)
        await uow.progress.award(UserMilestone(uuid4(), ada.id, first.id, f.at(1)))
        await uow.progress.award(UserMilestone(uuid4(), ada.id, second.id, f.at(2)))
        await uow.commit()
    async with storage.read() as uow:
        assert await uow.progress.awarded_milestone_ids(ada.id) == {first.id, second.id}
        assert await uow.progress.awarded_milestone_ids(uuid4()) == set()


async def test_totals_count_only_the_users_own_rows(storage: SqlStorage) -> None:
    ada, bob = f.user("ada"), f.user("bob")
    offered, rejected, other = (
        f.application(ada.id),
        f.application(ada.id),
        f.application(bob.id),
    )
    group_id = uuid4()
    async with storage.write() as uow:
        await uow.users.add(ada)
        await uow.users.add(bob)
        for app in (offered, rejected, other):
            await uow.applications.add(app)
        await uow.outcomes.add(f.outcome(offered.id))
        await uow.outcomes.add(f.outcome(rejected.id, status=OutcomeStatus.REJECTED))
        await uow.outcomes.add(f.outcome(other.id))
        await uow.reflections.add(f.reflection(offered.id))
        await uow.reflections.add(f.reflection(other.id))
        await uow.commit()
    await f.insert_rows(
        storage, follows, [{"id": uuid4(), "follower_id": ada.id, "following_id": bob.id, "created_at": f.T0}]
    )
    await f.insert_rows(
        storage,
        social_groups,
        [
            {
                "id": group_id,
                "name": "Job seekers",
                "description": None,
                "created_by": bob.id,
                "is_public": True,
                "created_at": f.T0,
                "updated_at": f.T0,
            }
        ],
    )
    await f.insert_rows(
        storage,
        group_members,
        [
            {"id": uuid4(), "group_id": group_id, "user_id": uid, "role": "member", "joined_at": f.T0}
            for uid in (ada.id, bob.id)
        ],
    )
    await f.insert_rows(
        storage,
        posts,
        [
            {
                "id": uuid4(),
                "user_id": ada.id,
                "group_id": None,
                "post_type": "Update",
                "title": None,
                "content": f"post {n}",
                "is_public": True,
                "created_at": f.T0,
                "updated_at": f.T0,
            }
            for n in range(2)
        ],
    )
    async with storage.read() as uow:
        assert await uow.progress.totals(ada.id) == ProgressTotals(
            applications=2, reflections=1, offers=1, follows=1, groups_joined=1, posts=2
        )
        assert await uow.progress.totals(uuid4()) == ProgressTotals()


async def test_activity_entries_are_appended(storage: SqlStorage) -> None:
    ada = f.user("ada")
    app = f.application(ada.id)
    entries = [
        f.activity(ada.id, app.id),
        f.activity(
            ada.id, None, action=ActivityAction.STATUS_CHANGED, metadata={"old_status": "Saved", "auto": True}
        ),
    ]
    async with storage.write() as uow:
        await uow.users.add(ada)
        await uow.applications.add(app)
        await uow.activity.add_many(entries)
        await uow.activity.add_many([])
        await uow.commit()
    assert await f.count_rows(storage, activity_log, user_id=ada.id) == 2


async def test_an_owned_list_is_narrowed_by_equality_filters_and_ignores_none(storage: SqlStorage) -> None:
    ada, bob = f.user("ada"), f.user("bob")
    applied = f.application(
        ada.id, status=ApplicationStatus.APPLIED, priority=Priority.HIGH, created_at=f.at(1)
    )
    saved = f.application(ada.id, status=ApplicationStatus.SAVED, priority=Priority.HIGH, created_at=f.at(2))
    low = f.application(ada.id, status=ApplicationStatus.APPLIED, priority=Priority.LOW, created_at=f.at(3))
    others = f.application(bob.id, status=ApplicationStatus.APPLIED, created_at=f.at(4))
    async with storage.write() as uow:
        await uow.users.add(ada)
        await uow.users.add(bob)
        for application in (applied, saved, low, others):
            await uow.applications.add(application)
        await uow.commit()
    async with storage.read() as uow:
        mine = uow.owned(Application)

        async def ids(**where: object) -> list[object]:
            return [a.id for a in await mine.list_for_user(ada.id, 0, 10, where=where)]

        assert await ids() == [low.id, saved.id, applied.id]
        assert await ids(status=ApplicationStatus.APPLIED) == [low.id, applied.id]
        assert await ids(status=ApplicationStatus.APPLIED, priority=Priority.HIGH) == [applied.id]
        assert await ids(status=None, priority=Priority.HIGH) == [saved.id, applied.id]
        assert await ids(status=ApplicationStatus.REJECTED) == []
        with pytest.raises(ValueError, match="no field 'colour'"):
            await ids(colour="red")

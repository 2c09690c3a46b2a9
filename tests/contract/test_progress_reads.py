"""The ``/progress`` reads of the progress port: the catalogue, held milestones, the community
list and the stats figures, with their orders and tie-breaks, on every backend."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any
from uuid import UUID, uuid4

from offertracker_core.entities import Contact, Reminder, UserMilestone
from offertracker_core.enums import ApplicationStatus, ProfileVisibility, ReminderType
from offertracker_core.milestones import MILESTONES
from offertracker_core.ports import AccountFigures, CommunityMember, EarnedMilestone, Storage

from ..storage import factories as f


def reminder(user_id: UUID, *, completed: bool = False, **changes: Any) -> Reminder:
    values: dict[str, Any] = {
        "id": uuid4(),
        "user_id": user_id,
        "application_id": None,
        "title": "Follow up",
        "description": None,
        "remind_at": f.at(60),
        "reminder_type": ReminderType.FOLLOW_UP,
        "is_completed": completed,
        "completed_at": f.at(30) if completed else None,
        "created_at": f.T0,
        "updated_at": f.T0,
    }
    return Reminder(**(values | changes))


def public(username: str, **changes: Any) -> Any:
    return f.user(username, is_profile_public=True, profile_visibility=ProfileVisibility.PUBLIC, **changes)


async def test_the_catalogue_is_the_twelve_in_their_defined_order(storage: Storage) -> None:
    async with storage.read() as uow:
        assert await uow.progress.milestones() == list(MILESTONES)


async def test_held_milestones_are_newest_first_with_ties_last_in_catalogue_first(storage: Storage) -> None:
    ada, bob = f.user("ada"), f.user("bob")
    started, first, momentum, week = (MILESTONES[i] for i in (0, 1, 2, 6))
    held = [
        UserMilestone(uuid4(), ada.id, started.id, f.at(1)),
        UserMilestone(uuid4(), ada.id, week.id, f.at(5)),  # won by one action with First Application
        UserMilestone(uuid4(), ada.id, first.id, f.at(5)),
        UserMilestone(uuid4(), ada.id, momentum.id, f.at(3)),
        UserMilestone(uuid4(), bob.id, started.id, f.at(9)),
    ]
    async with storage.write() as uow:
        await uow.users.add(ada)
        await uow.users.add(bob)
        for award in held:
            await uow.progress.award(award)
        await uow.commit()
    async with storage.read() as uow:
        earned = await uow.progress.earned(ada.id)
        assert await uow.progress.earned(uuid4()) == []
    by_milestone = {award.milestone_id: award for award in held[:4]}
    assert earned == [
        EarnedMilestone(a.id, a.user_id, a.milestone_id, a.reached_at, m)
        for m in (week, first, momentum, started)
        for a in [by_milestone[m.id]]
    ]


async def test_the_community_is_public_profiles_by_last_activity_then_streak_then_username(
    storage: Storage,
) -> None:
    today = date(2026, 3, 1)
    users = [
        public("never", last_active_date=None, streak_days=0),
        public("bob", last_active_date=today, streak_days=2),
        f.user("hidden", last_active_date=today + timedelta(days=1), streak_days=9),  # private
        public("yesterday", last_active_date=today - timedelta(days=1), streak_days=8),
        public("Zed", last_active_date=today, streak_days=2),  # code-point order: "Z" < "b"
        public("ann", last_active_date=today, streak_days=5),
        public("Also never", last_active_date=None, streak_days=0),
        f.user(
            "followers",
            last_active_date=today,
            profile_visibility=ProfileVisibility.FOLLOWERS,
            is_profile_public=False,
        ),
    ]
    async with storage.write() as uow:
        for user in users:
            await uow.users.add(user)
        await uow.commit()
    by_name = {user.username: user for user in users}
    expected = [
        CommunityMember(u.id, u.username, u.display_name, u.streak_days)
        for u in (by_name[name] for name in ("ann", "Zed", "bob", "yesterday", "Also never", "never"))
    ]
    async with storage.read() as uow:
        assert await uow.progress.community(100) == expected
        assert await uow.progress.community(2) == expected[:2]
        assert await uow.progress.community(1) == expected[:1]


async def test_the_figures_count_only_the_users_own_rows(storage: Storage) -> None:
    ada, bob = f.user("ada", streak_days=4), f.user("bob", streak_days=1)
    rejected = f.application(ada.id, status=ApplicationStatus.REJECTED)
    offered = f.application(ada.id, status=ApplicationStatus.OFFER)
    saved = f.application(ada.id, status=ApplicationStatus.SAVED)
    bobs = f.application(bob.id, status=ApplicationStatus.REJECTED)
    async with storage.write() as uow:
        await uow.users.add(ada)
        await uow.users.add(bob)
        for app in (rejected, offered, saved, bobs):
            await uow.applications.add(app)
        for app, n in ((rejected, 2), (offered, 3), (bobs, 4)):
            for _ in range(n):
                await uow.stages.add(f.stage(app.id))
        await uow.outcomes.add(f.outcome(offered.id))  # an outcome is not a stage, nor a rejection
        for milestone in MILESTONES[:3]:
            await uow.progress.award(UserMilestone(uuid4(), ada.id, milestone.id, f.at(1)))
        await uow.progress.award(UserMilestone(uuid4(), bob.id, MILESTONES[0].id, f.at(1)))
        for contact in (f.contact(ada.id), f.contact(ada.id, offered.id), f.contact(bob.id)):
            await uow.owned(Contact).add(contact)
        for item in (
            reminder(ada.id),
            reminder(ada.id, remind_at=f.at(-600)),  # overdue: still pending
            reminder(ada.id, completed=True),
            reminder(bob.id),
        ):
            await uow.owned(Reminder).add(item)
        await uow.commit()
    async with storage.read() as uow:
        assert await uow.progress.figures(ada.id) == AccountFigures(
            streak_days=4, milestones_reached=3, rejections=1, contacts=2, reminders_pending=2
        )
        # Stages are a kept counter (the services count them), recounted from the rows here.
        assert (await uow.progress.recount(ada.id)).stages == 5
        assert await uow.progress.figures(bob.id) == AccountFigures(
            streak_days=1, milestones_reached=1, rejections=1, contacts=1, reminders_pending=1
        )
        assert (await uow.progress.recount(bob.id)).stages == 4
        assert await uow.progress.figures(uuid4()) is None


async def test_a_new_user_has_zero_figures(storage: Storage) -> None:
    ada = f.user("ada", streak_days=0, last_active_date=None)
    async with storage.write() as uow:
        await uow.users.add(ada)
        await uow.commit()
    async with storage.read() as uow:
        assert await uow.progress.figures(ada.id) == AccountFigures(0, 0, 0, 0, 0)

"""Query shape: a page of details costs a constant number of statements.

Ordering, filters and visibility are checked on every backend in ``tests/contract``.
"""

from __future__ import annotations

from uuid import uuid4

from offertracker_core.entities import User, UserMilestone
from offertracker_core.inputs import Credentials, NewApplication, Registration
from offertracker_core.milestones import milestone_id
from offertracker_core.ports import ProgressTotals
from offertracker_core.services import Services
from offertracker_storage import SqlStorage

from ..unit.fakes import FakePasswords, FakeTokens
from . import factories as f


async def test_a_page_of_details_costs_the_same_statements_whatever_its_size(storage: SqlStorage) -> None:
    ada = f.user("ada")
    apps = [f.application(ada.id, created_at=f.at(n)) for n in range(60)]
    async with storage.write() as uow:
        await uow.users.add(ada)
        for app in apps:
            await uow.applications.add(app)
            await uow.stages.add(f.stage(app.id))
            await uow.stages.add(f.stage(app.id, stage_date=None))
            await uow.outcomes.add(f.outcome(app.id))
            await uow.reflections.add(f.reflection(app.id))
        await uow.commit()

    async def count_for(limit: int) -> int:
        with f.statements(storage) as seen:
            async with storage.read() as uow:
                details = await uow.applications.list_details(
                    ada.id, status=None, priority=None, skip=0, limit=limit
                )
        assert len(details) == limit
        assert all(len(d.stages) == 2 and d.outcome and d.reflection for d in details)
        return len(seen)

    small, large = await count_for(5), await count_for(50)
    assert small == large
    # the page (outcome and reflection joined in) plus one IN query for the stages;
    # SQLite's BEGIN goes straight to the driver
    assert small == 2


async def test_a_tracked_action_costs_the_same_statements_with_0_and_500_applications(
    storage: SqlStorage,
) -> None:
    services = Services.create(storage, passwords=FakePasswords(), tokens=FakeTokens())
    sessions = [
        await services.auth.register(
            Registration(email=f"{name}@example.com", username=name, password="secret1")
        )
        for name in ("fresh", "busy")
    ]
    fresh, busy = (session.user for session in sessions)
    async with storage.write() as uow:
        for n in range(500):
            await uow.applications.add(f.application(busy.id, created_at=f.at(n)))
        await uow.progress.count(busy.id, ProgressTotals(applications=500))
        # Both hold what 500 applications earn, so neither action below awards anything:
        # what is compared is the bookkeeping itself.
        for user in (fresh, busy):
            for name in ("First Application", "Building Momentum", "In the Zone"):
                await uow.progress.award(UserMilestone(uuid4(), user.id, milestone_id(name), f.T0))
        await uow.commit()

    async def statements_of(user: User, action: str) -> list[str]:
        with f.statements(storage) as seen:
            if action == "login":
                await services.auth.login(Credentials(email=user.email, password="secret1"))
            else:
                await services.applications.create(user.id, NewApplication(company_name="A", role_title="r"))
        return seen

    # The first login of the day moves the streak (an UPDATE); the second does not.
    first_logins = [len(await statements_of(user, "login")) for user in (fresh, busy)]
    logins = [len(await statements_of(user, "login")) for user in (fresh, busy)]
    creates = [await statements_of(user, "create") for user in (fresh, busy)]
    async with storage.read() as uow:
        assert await uow.progress.totals(busy.id) == await uow.progress.recount(busy.id)
        assert (await uow.progress.totals(busy.id)).applications == 501

    # The read of the login (user, credentials), then SAVEPOINT, user locked, [streak UPDATE],
    # counters and held milestones in one SELECT, RELEASE.
    assert first_logins == [7, 7]
    assert logins == [6, 6]
    # INSERT application, counter upsert, SAVEPOINT, user locked, counters and held milestones,
    # RELEASE, activity entry: no COUNT over the account.
    assert [len(statements) for statements in creates] == [7, 7]
    assert [sql.split()[0] for sql in creates[1]] == [
        "INSERT", "INSERT", "SAVEPOINT", "SELECT", "SELECT", "RELEASE", "INSERT",
    ]  # fmt: skip
    assert "ON CONFLICT (user_id) DO UPDATE" in creates[1][1]
    assert not any("count(" in sql.lower() for sql in creates[1])

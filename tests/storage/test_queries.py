"""Query shape: a page of details costs a constant number of statements.

Ordering, filters and visibility are checked on every backend in ``tests/contract``.
"""

from __future__ import annotations

from offertracker_storage import SqlStorage

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

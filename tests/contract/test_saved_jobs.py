"""Saved jobs on every backend: the owned repository's round trip and filters, and the foreign key
to the application a saved job was converted into (ON DELETE SET NULL, behaviour.md §5)."""

from __future__ import annotations

from uuid import uuid4

import attrs

from offertracker_core.entities import SavedJob
from offertracker_core.enums import Priority, SavedJobStatus
from offertracker_core.ports import Storage

from ..storage import factories as f


async def test_a_saved_job_round_trips_through_the_owned_repository(storage: Storage) -> None:
    ada = f.user("ada")
    full = f.saved_job(ada.id)
    bare = f.saved_job(
        ada.id,
        role_title=None,
        url=None,
        company_website=None,
        location=None,
        job_type=None,
        work_mode=None,
        salary_range_min=None,
        salary_range_max=None,
        source=None,
        notes=None,
        deadline=None,
        excitement_level=None,
        created_at=f.at(1),
    )
    async with storage.write() as uow:
        await uow.users.add(ada)
        await uow.owned(SavedJob).add(full)
        await uow.owned(SavedJob).add(bare)
        await uow.commit()
    archived = attrs.evolve(full, status=SavedJobStatus.ARCHIVED, excitement_level=1, updated_at=f.at(9))
    async with storage.write() as uow:
        assert await uow.owned(SavedJob).get_for_update(full.id) == full
        await uow.owned(SavedJob).update(archived)
        await uow.commit()
    async with storage.read() as uow:
        assert await uow.owned(SavedJob).get(full.id) == archived
        assert await uow.owned(SavedJob).get(bare.id) == bare
        assert await uow.owned(SavedJob).get(uuid4()) is None
    async with storage.write() as uow:
        await uow.owned(SavedJob).delete(full.id)
        await uow.commit()
    async with storage.read() as uow:
        assert await uow.owned(SavedJob).get(full.id) is None
        assert await uow.owned(SavedJob).list_for_user(ada.id, 0, 100) == [bare]


async def test_the_list_filters_by_status_and_priority_newest_first(storage: Storage) -> None:
    ada, bob = f.user("ada"), f.user("bob")
    jobs = [
        f.saved_job(ada.id, status=status, priority=priority, created_at=f.at(minute))
        for minute, (status, priority) in enumerate(
            [
                (SavedJobStatus.ACTIVE, Priority.HIGH),
                (SavedJobStatus.ARCHIVED, Priority.HIGH),
                (SavedJobStatus.ACTIVE, Priority.LOW),
                (SavedJobStatus.CONVERTED, Priority.MEDIUM),
            ]
        )
    ]
    async with storage.write() as uow:
        await uow.users.add(ada)
        await uow.users.add(bob)
        for job in [*jobs, f.saved_job(bob.id)]:
            await uow.owned(SavedJob).add(job)
        await uow.commit()
    active_high, archived_high, active_low, converted = jobs
    async with storage.read() as uow:
        repository = uow.owned(SavedJob)
        assert await repository.list_for_user(ada.id, 0, 100) == list(reversed(jobs))
        active = await repository.list_for_user(ada.id, 0, 100, where={"status": SavedJobStatus.ACTIVE})
        assert active == [active_low, active_high]
        high = await repository.list_for_user(ada.id, 0, 100, where={"priority": Priority.HIGH})
        assert high == [archived_high, active_high]
        both = {"status": SavedJobStatus.CONVERTED, "priority": Priority.MEDIUM}
        assert await repository.list_for_user(ada.id, 0, 100, where=both) == [converted]
        unfiltered = {"status": None, "priority": None}
        assert await repository.list_for_user(ada.id, 1, 2, where=unfiltered) == [active_low, archived_high]


async def test_deleting_an_application_unlinks_the_saved_job_converted_into_it(storage: Storage) -> None:
    ada = f.user("ada")
    gone, kept = f.application(ada.id), f.application(ada.id)
    converted = f.saved_job(ada.id, status=SavedJobStatus.CONVERTED, converted_to_application_id=gone.id)
    other = f.saved_job(ada.id, status=SavedJobStatus.CONVERTED, converted_to_application_id=kept.id)
    async with storage.write() as uow:
        await uow.users.add(ada)
        await uow.applications.add(gone)
        await uow.applications.add(kept)
        await uow.owned(SavedJob).add(converted)
        await uow.owned(SavedJob).add(other)
        await uow.commit()
    async with storage.write() as uow:
        await uow.applications.delete(gone.id)
        await uow.commit()
    async with storage.read() as uow:
        assert await uow.owned(SavedJob).get(converted.id) == attrs.evolve(
            converted, converted_to_application_id=None
        )
        assert await uow.owned(SavedJob).get(other.id) == other
    async with storage.write() as uow:
        await uow.owned(SavedJob).delete(other.id)
        await uow.commit()
    async with storage.read() as uow:
        assert await uow.applications.get(kept.id) == kept  # a saved job's delete leaves its application

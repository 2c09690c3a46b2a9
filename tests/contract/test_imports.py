"""``uow.imports`` on every backend: jobs saved with their duplicate keys, keys unique per user,
freed with their saved job, and jobs saved by hand found by URL."""

from __future__ import annotations

import asyncio

import pytest

from offertracker_core.entities import SavedJob
from offertracker_core.ports import Storage

from ..storage import factories as f

KEY_A, KEY_B, KEY_C = "a" * 64, "b" * 64, "c" * 64


async def test_imported_jobs_are_saved_with_their_keys_and_found_again(storage: Storage) -> None:
    ada = f.user("ada")
    first = f.saved_job(ada.id, url="https://jobs.example.com/1")
    second = f.saved_job(ada.id, url=None, created_at=f.at(1))
    async with storage.write() as uow:
        await uow.users.add(ada)
        kept = await uow.imports.add(ada.id, [(first, [KEY_A, KEY_B]), (second, [KEY_C])])
        await uow.commit()
    assert kept == {first.id, second.id}
    async with storage.read() as uow:
        assert await uow.owned(SavedJob).get(first.id) == first
        found = await uow.imports.known(ada.id, [KEY_A, KEY_C, "d" * 64], ["https://jobs.example.com/1", "x"])
    assert found == ({KEY_A, KEY_C}, {"https://jobs.example.com/1"})


async def test_a_job_whose_key_is_taken_is_left_out_and_not_saved(storage: Storage) -> None:
    ada = f.user("ada")
    first = f.saved_job(ada.id)
    twin = f.saved_job(ada.id, created_at=f.at(1))
    other = f.saved_job(ada.id, created_at=f.at(2))
    async with storage.write() as uow:
        await uow.users.add(ada)
        await uow.imports.add(ada.id, [(first, [KEY_A])])
        await uow.commit()
    async with storage.write() as uow:
        # The twin holds one free key and one taken: it is not kept, and its free key stays free.
        kept = await uow.imports.add(ada.id, [(twin, [KEY_B, KEY_A]), (other, [KEY_C])])
        await uow.commit()
    assert kept == {other.id}
    async with storage.read() as uow:
        assert await uow.owned(SavedJob).get(twin.id) is None
        assert await uow.imports.known(ada.id, [KEY_A, KEY_B, KEY_C], []) == ({KEY_A, KEY_C}, set())


async def test_keys_belong_to_one_user_and_go_with_their_saved_job(storage: Storage) -> None:
    ada, bob = f.user("ada"), f.user("bob")
    mine, theirs = f.saved_job(ada.id), f.saved_job(bob.id)
    async with storage.write() as uow:
        await uow.users.add(ada)
        await uow.users.add(bob)
        assert await uow.imports.add(ada.id, [(mine, [KEY_A])]) == {mine.id}
        assert await uow.imports.add(bob.id, [(theirs, [KEY_A])]) == {theirs.id}
        await uow.commit()
    async with storage.write() as uow:
        await uow.owned(SavedJob).delete(mine.id)
        await uow.commit()
    async with storage.read() as uow:
        assert await uow.imports.known(ada.id, [KEY_A], []) == (set(), set())
        assert await uow.imports.known(bob.id, [KEY_A], []) == ({KEY_A}, set())


@pytest.mark.parametrize(
    "storage", ["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)], indirect=True
)
async def test_two_transactions_claiming_one_key_keep_one_job(storage: Storage) -> None:
    ada = f.user("ada")
    async with storage.write() as uow:
        await uow.users.add(ada)
        await uow.commit()
    jobs = [f.saved_job(ada.id, created_at=f.at(n)) for n in range(2)]

    async def claim(job: SavedJob) -> set:
        async def work(uow):  # type: ignore[no-untyped-def]
            return await uow.imports.add(ada.id, [(job, [KEY_A])])

        kept, _ = await storage.transact(work)
        return kept

    results = await asyncio.gather(*(claim(job) for job in jobs))
    assert sorted(len(kept) for kept in results) == [0, 1]
    async with storage.read() as uow:
        assert len(await uow.owned(SavedJob).list_for_user(ada.id, 0, 10)) == 1

"""Revocable tokens and account deletion: ``tokens_valid_after`` and deleting a user with its rows."""

from __future__ import annotations

from uuid import uuid4

from offertracker_core.entities import User
from offertracker_core.ports import NEVER_REVOKED, ProgressTotals, Storage

from ..storage import factories as f
from .conftest import Backdoor, add_posts, follow


async def _add(storage: Storage, *users: User) -> None:
    async with storage.write() as uow:
        for user in users:
            await uow.users.add(user)
        await uow.commit()


async def test_tokens_valid_after_is_never_revoked_until_set_and_none_for_an_unknown_user(
    storage: Storage,
) -> None:
    ada, bob = f.user("ada"), f.user("bob")
    await _add(storage, ada, bob)
    async with storage.read() as uow:
        assert await uow.users.tokens_valid_after(ada.id) == NEVER_REVOKED
        assert await uow.users.tokens_valid_after(uuid4()) is None


async def test_tokens_valid_after_keeps_the_microsecond_and_touches_no_one_else(storage: Storage) -> None:
    ada, bob = f.user("ada"), f.user("bob")
    await _add(storage, ada, bob)
    async with storage.write() as uow:
        await uow.users.set_tokens_valid_after(ada.id, f.T0)  # T0 has microseconds
        await uow.users.set_tokens_valid_after(uuid4(), f.T0)  # no such user: no error, no row
        await uow.commit()
    async with storage.read() as uow:
        assert await uow.users.tokens_valid_after(ada.id) == f.T0
        assert await uow.users.tokens_valid_after(bob.id) == NEVER_REVOKED
        assert await uow.users.get(ada.id) == ada  # not a profile field: the profile is unchanged
    async with storage.write() as uow:
        await uow.users.set_tokens_valid_after(ada.id, f.at(5))
        await uow.users.update(ada)  # a profile update leaves it alone
        await uow.commit()
    async with storage.read() as uow:
        assert await uow.users.tokens_valid_after(ada.id) == f.at(5)


async def test_tokens_valid_after_rolls_back_with_its_unit_of_work(storage: Storage) -> None:
    ada = f.user("ada")
    await _add(storage, ada)
    async with storage.write() as uow:
        await uow.users.set_tokens_valid_after(ada.id, f.T0)
    async with storage.read() as uow:
        assert await uow.users.tokens_valid_after(ada.id) == NEVER_REVOKED


async def test_deleting_a_user_deletes_everything_of_theirs_and_nothing_of_anyone_else(
    storage: Storage, backdoor: Backdoor
) -> None:
    ada, bob = f.user("ada"), f.user("bob")
    await _add(storage, ada, bob)
    kept: dict[str, object] = {}
    async with storage.write() as uow:
        for user in (ada, bob):
            resume = f.resume(user.id)
            application = f.application(user.id, resume_version_id=resume.id)
            await uow.owned(type(resume)).add(resume)
            await uow.applications.add(application)
            await uow.stages.add(f.stage(application.id))
            await uow.outcomes.add(f.outcome(application.id))
            await uow.reflections.add(f.reflection(application.id))
            await uow.credentials.set(user.id, f"hash of {user.username}")
            await uow.users.set_tokens_valid_after(user.id, f.T0)
            await uow.progress.count(user.id, ProgressTotals(applications=1))
            uow.log(f.activity(user.id, application.id))
            kept[user.username] = application
        await uow.commit()
    await follow(storage, ada.id, bob.id)
    await follow(storage, bob.id, ada.id)
    await add_posts(storage, ada.id, 2)

    async with storage.write() as uow:
        await uow.users.delete(ada.id)
        await uow.commit()

    async with storage.read() as uow:
        assert await uow.users.get(ada.id) is None
        assert await uow.users.tokens_valid_after(ada.id) is None
        assert await uow.credentials.get(ada.id) is None
        assert await uow.applications.list_details(ada.id, status=None, priority=None, skip=0, limit=10) == []
        assert await uow.progress.totals(ada.id) == ProgressTotals()
        assert await uow.progress.recount(ada.id) == ProgressTotals()
        assert await uow.progress.awarded_milestone_ids(ada.id) == set()
        # Bob keeps everything (his follow of Ada went with her).
        assert await uow.users.get(bob.id) == bob
        assert await uow.credentials.get(bob.id) == "hash of bob"
        assert await uow.users.tokens_valid_after(bob.id) == f.T0
        [detail] = await uow.applications.list_details(bob.id, status=None, priority=None, skip=0, limit=10)
        assert detail.application == kept["bob"]
        assert (len(detail.stages), detail.outcome is not None, detail.reflection is not None) == (
            1,
            True,
            True,
        )
        assert (await uow.progress.recount(bob.id)).follows == 0
    assert await backdoor.activity_of(ada.id) == []
    assert len(await backdoor.activity_of(bob.id)) == 1

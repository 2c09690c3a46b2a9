"""Constraints on tables no port reaches yet (follows, tags, saved jobs, deleting a user).

Uniqueness and cascades the ports promise are in ``tests/contract``, run on every backend.
"""

from __future__ import annotations

from uuid import uuid4

import pytest

from offertracker_core.errors import Duplicate
from offertracker_storage import SqlStorage
from offertracker_storage.sql.tables import (
    activity_log,
    application_stages,
    applications,
    follows,
    saved_jobs,
    tags,
)

from . import factories as f


async def _add_user_with_application(storage: SqlStorage):
    ada = f.user("ada")
    app = f.application(ada.id)
    async with storage.write() as uow:
        await uow.users.add(ada)
        await uow.applications.add(app)
        await uow.commit()
    return ada, app


async def test_composite_uniqueness_names_every_column(storage: SqlStorage) -> None:
    ada, _ = await _add_user_with_application(storage)
    bob = f.user("bob")
    async with storage.write() as uow:
        await uow.users.add(bob)
        await uow.commit()
    follow = {"follower_id": ada.id, "following_id": bob.id, "created_at": f.T0}
    tag = {"user_id": ada.id, "name": "remote", "color": "#6366f1", "created_at": f.T0}
    await f.insert_rows(storage, follows, [{"id": uuid4(), **follow}])
    await f.insert_rows(storage, tags, [{"id": uuid4(), **tag}])
    with pytest.raises(Duplicate) as caught:
        await f.insert_rows(storage, follows, [{"id": uuid4(), **follow}])
    assert caught.value.constraint == "follows.follower_id,following_id"
    with pytest.raises(Duplicate) as caught:
        await f.insert_rows(storage, tags, [{"id": uuid4(), **tag}])
    assert caught.value.constraint == "tags.user_id,name"


async def test_a_converted_saved_job_keeps_existing_with_a_null_link(storage: SqlStorage) -> None:
    ada, app = await _add_user_with_application(storage)
    job_id = uuid4()
    row = {
        "id": job_id,
        "user_id": ada.id,
        "company_name": "Acme",
        "salary_currency": "USD",
        "priority": "Medium",
        "status": "Converted",
        "converted_to_application_id": app.id,
        "created_at": f.T0,
        "updated_at": f.T0,
    }
    await f.insert_rows(storage, saved_jobs, [row])
    async with storage.write() as uow:
        await uow.applications.delete(app.id)
        await uow.commit()

    def link(conn):
        from sqlalchemy import select

        return conn.execute(
            select(saved_jobs.c.converted_to_application_id).where(saved_jobs.c.id == job_id)
        ).one()

    async with storage.read() as uow:
        assert tuple(await uow.execute(link)) == (None,)


async def test_deleting_a_user_deletes_everything_they_own(storage: SqlStorage) -> None:
    ada, app = await _add_user_with_application(storage)
    async with storage.write() as uow:
        await uow.stages.add(f.stage(app.id))
        await uow.activity.add_many([f.activity(ada.id, app.id)])
        await uow.commit()

    def delete_user(conn):
        from sqlalchemy import delete

        from offertracker_storage.sql.tables import users

        conn.execute(delete(users).where(users.c.id == ada.id))

    async with storage.write() as uow:
        await uow.execute(delete_user)
        await uow.commit()
    for table in (applications, application_stages, activity_log):
        assert await f.count_rows(storage, table) == 0, table.name

"""Tags sort by code point on a PostgreSQL whose default collation is linguistic (ICU English).

The suite's own server was initialised with ``C.UTF-8``, where every order is code-point
order already, so the contract tests cannot tell whether the queries ask for it; this
database sorts "apple" before "Banana" unless told otherwise.
"""

from __future__ import annotations

import os
from collections.abc import AsyncIterator
from uuid import uuid4

import pytest
from sqlalchemy import create_engine
from sqlalchemy.engine import make_url
from sqlalchemy.pool import NullPool

from offertracker_core.entities import ApplicationTag, Tag
from offertracker_storage import SqlStorage
from offertracker_storage.migrate import upgrade
from offertracker_storage.sql import sync_url

from ..conftest import POSTGRES_ENV
from . import factories as f

pytestmark = pytest.mark.postgres

NAMES = ["banana", "Apple", "apple", "Banana", "a-b", "ab", "Ärger"]
CODE_POINTS = ["Apple", "Banana", "a-b", "ab", "apple", "banana", "Ärger"]


@pytest.fixture
async def english() -> AsyncIterator[SqlStorage]:
    """A migrated throwaway database whose default collation is ICU English."""
    server = os.environ.get(POSTGRES_ENV)
    if not server:
        pytest.skip(f"{POSTGRES_ENV} not set")
    name = f"offertracker_icu_{uuid4().hex[:12]}"
    admin = create_engine(sync_url(server), isolation_level="AUTOCOMMIT", poolclass=NullPool)
    with admin.connect() as conn:
        icu = "LOCALE_PROVIDER icu ICU_LOCALE 'en' LOCALE 'C.UTF-8'"
        conn.exec_driver_sql(f'CREATE DATABASE "{name}" TEMPLATE template0 {icu}')
    url = make_url(sync_url(server)).set(database=name).render_as_string(hide_password=False)
    try:
        upgrade(url)
        storage = await SqlStorage.open(url)
        try:
            yield storage
        finally:
            await storage.close()
    finally:
        with admin.connect() as conn:
            conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.dispose()


async def test_tag_lists_sort_by_code_point_whatever_the_servers_collation(english: SqlStorage) -> None:
    ada = f.user("ada")
    application = f.application(ada.id)
    tags = [Tag(id=uuid4(), user_id=ada.id, name=name, color="#abc", created_at=f.T0) for name in NAMES]
    async with english.write() as uow:
        await uow.users.add(ada)
        await uow.applications.add(application)
        for tag in tags:
            await uow.tags.add(tag)
            await uow.application_tags.add(
                ApplicationTag(id=uuid4(), application_id=application.id, tag_id=tag.id, created_at=f.T0)
            )
        await uow.commit()
    async with english.read() as uow:
        # The database itself would sort otherwise: linguistic order, ignoring case and hyphens first.
        linguistic = await uow.execute(
            lambda conn: list(conn.exec_driver_sql("SELECT name FROM tags ORDER BY name").scalars())
        )
        listed = [tag.name for tag in await uow.tags.list_by_name(ada.id, 0, 1000)]
        assigned = await uow.application_tags.list_for_application(application.id, 0, 1000)
        page = [tag.name for tag in await uow.tags.list_by_name(ada.id, 2, 3)]
    assert linguistic != CODE_POINTS
    assert listed == CODE_POINTS == sorted(NAMES)
    assert [a.tag.name for a in assigned] == CODE_POINTS
    assert page == CODE_POINTS[2:5]

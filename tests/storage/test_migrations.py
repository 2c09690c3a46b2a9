"""The shipped migrations build exactly the tables the code declares."""

from __future__ import annotations

from pathlib import Path
from typing import Any
from uuid import uuid4

import pytest
from alembic import command
from sqlalchemy import Engine, Table, create_engine, insert, inspect, select
from sqlalchemy.pool import NullPool

from offertracker_core.entities import Application, Outcome, Reflection, Stage, User
from offertracker_core.enums import OutcomeStatus
from offertracker_core.ports import NEVER_REVOKED, ProgressTotals
from offertracker_storage import SqlStorage, migrate
from offertracker_storage.sql import sync_url, tables
from offertracker_storage.sql.rows import Mapper

from . import factories as f


def test_a_migrated_database_matches_the_tables(database_url: str) -> None:
    assert migrate.current_revision(database_url) == migrate.head_revision()
    assert migrate.is_up_to_date(database_url)
    migrate.check(database_url)  # raises on any difference


def test_upgrading_a_fresh_sqlite_file_from_an_async_url_reaches_head(tmp_path: Path) -> None:
    url = f"sqlite+aiosqlite:///{tmp_path / 'fresh.db'}"
    assert migrate.current_revision(url) is None
    migrate.upgrade(url)
    migrate.upgrade(url)  # idempotent
    assert migrate.current_revision(url) == migrate.head_revision() == "0008"
    migrate.check(url)


def test_async_urls_map_to_sync_drivers() -> None:
    assert sync_url("sqlite+aiosqlite:///data/x.db") == "sqlite:///data/x.db"
    assert sync_url("postgresql+asyncpg://u:secret@h/db") == "postgresql+psycopg://u:secret@h/db"
    assert sync_url("postgresql://u@h:5433/db") == "postgresql+psycopg://u@h:5433/db"


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def unmigrated_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """The URL of an empty database with no schema, once per backend."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'old.db'}"
    url: str = request.getfixturevalue("empty_postgres_url")
    return url


def _insert(engine: Engine, table: Table, *rows: dict[str, Any]) -> None:
    with engine.begin() as conn:
        conn.execute(insert(table), list(rows))


async def test_upgrading_fills_the_counters_of_existing_accounts_with_their_recount(
    unmigrated_url: str,
) -> None:
    migrate.upgrade(unmigrated_url, "0001")
    ada, bob, idle = f.user("ada"), f.user("bob"), f.user("idle")
    offered, rejected, bare, bobs = (f.application(u.id) for u in (ada, ada, ada, bob))
    group = uuid4()
    engine = create_engine(sync_url(unmigrated_url), poolclass=NullPool)
    try:
        _insert(engine, tables.users, *(Mapper(User, tables.users).to_row(u) for u in (ada, bob, idle)))
        applications = Mapper(Application, tables.applications)
        _insert(
            engine, tables.applications, *(applications.to_row(a) for a in (offered, rejected, bare, bobs))
        )
        outcomes = Mapper(Outcome, tables.outcomes)
        _insert(
            engine,
            tables.outcomes,
            outcomes.to_row(f.outcome(offered.id)),
            outcomes.to_row(f.outcome(rejected.id, status=OutcomeStatus.REJECTED)),
            outcomes.to_row(f.outcome(bobs.id)),
        )
        reflections = Mapper(Reflection, tables.reflections)
        _insert(
            engine, tables.reflections, *(reflections.to_row(f.reflection(a.id)) for a in (offered, bobs))
        )
        _insert(
            engine,
            tables.follows,
            {"id": uuid4(), "follower_id": ada.id, "following_id": bob.id, "created_at": f.T0},
        )
        group_row = {"id": group, "name": "g", "description": None, "created_by": bob.id, "is_public": True}
        _insert(engine, tables.social_groups, group_row | {"created_at": f.T0, "updated_at": f.T0})
        _insert(
            engine,
            tables.group_members,
            *(
                {"id": uuid4(), "group_id": group, "user_id": u.id, "role": "member", "joined_at": f.T0}
                for u in (ada, bob)
            ),
        )
        post = {"group_id": None, "post_type": "Update", "title": None, "content": "hi", "is_public": True}
        _insert(
            engine,
            tables.posts,
            *(
                {"id": uuid4(), "user_id": ada.id, **post, "created_at": f.T0, "updated_at": f.T0}
                for _ in range(2)
            ),
        )
    finally:
        engine.dispose()

    migrate.upgrade(unmigrated_url)

    storage = await SqlStorage.open(unmigrated_url)
    try:
        async with storage.read() as uow:
            kept = {u.username: await uow.progress.totals(u.id) for u in (ada, bob, idle)}
            recounted = {u.username: await uow.progress.recount(u.id) for u in (ada, bob, idle)}
    finally:
        await storage.close()
    assert kept == recounted
    assert kept == {
        "ada": ProgressTotals(applications=3, reflections=1, offers=1, follows=1, groups_joined=1, posts=2),
        "bob": ProgressTotals(applications=1, reflections=1, offers=1, groups_joined=1),
        "idle": ProgressTotals(),
    }


async def test_0003_gives_existing_users_no_revocation_and_its_downgrade_keeps_them(
    unmigrated_url: str,
) -> None:
    migrate.upgrade(unmigrated_url, "0002")
    ada = f.user("ada")
    engine = create_engine(sync_url(unmigrated_url), poolclass=NullPool)
    try:
        _insert(engine, tables.users, Mapper(User, tables.users).to_row(ada))
        migrate.upgrade(unmigrated_url)
        assert migrate.current_revision(unmigrated_url) == migrate.head_revision()
        with engine.connect() as conn:
            assert conn.execute(select(tables.users.c.tokens_valid_after)).all() == [(None,)]

        storage = await SqlStorage.open(unmigrated_url)
        try:
            async with storage.read() as uow:
                assert await uow.users.tokens_valid_after(ada.id) == NEVER_REVOKED
            async with storage.write() as uow:
                await uow.users.set_tokens_valid_after(ada.id, f.T0)
                await uow.commit()
        finally:
            await storage.close()

        command.downgrade(migrate.alembic_config(unmigrated_url), "0002")
        assert migrate.current_revision(unmigrated_url) == "0002"
        columns = {column["name"] for column in inspect(engine).get_columns("users")}
        assert "tokens_valid_after" not in columns
        with engine.connect() as conn:
            assert [row.id for row in conn.execute(select(tables.users.c.id))] == [ada.id]

        migrate.upgrade(unmigrated_url)
        migrate.check(unmigrated_url)
    finally:
        engine.dispose()


async def test_0004_counts_the_stages_of_existing_accounts_and_its_downgrade_drops_the_column(
    unmigrated_url: str,
) -> None:
    migrate.upgrade(unmigrated_url, "0003")
    ada, bob = f.user("ada"), f.user("bob")
    adas, bobs = [f.application(ada.id), f.application(ada.id)], [f.application(bob.id)]
    engine = create_engine(sync_url(unmigrated_url), poolclass=NullPool)
    try:
        _insert(engine, tables.users, *(Mapper(User, tables.users).to_row(u) for u in (ada, bob)))
        applications = Mapper(Application, tables.applications)
        _insert(engine, tables.applications, *(applications.to_row(a) for a in (*adas, *bobs)))
        stages = Mapper(Stage, tables.application_stages)
        on = [adas[0], adas[0], adas[1], bobs[0]]
        _insert(engine, tables.application_stages, *(stages.to_row(f.stage(a.id)) for a in on))
        # 0002 made the counter rows of the accounts then; 0003's users counted their applications.
        counters = {"reflections": 0, "offers": 0, "follows": 0, "groups_joined": 0, "posts": 0}
        _insert(
            engine,
            tables.user_progress,
            {"user_id": ada.id, "applications": 2, **counters},
            {"user_id": bob.id, "applications": 1, **counters},
        )

        migrate.upgrade(unmigrated_url)

        assert migrate.current_revision(unmigrated_url) == migrate.head_revision()
        storage = await SqlStorage.open(unmigrated_url)
        try:
            async with storage.read() as uow:
                kept = [await uow.progress.totals(u.id) for u in (ada, bob)]
                recounted = [await uow.progress.recount(u.id) for u in (ada, bob)]
        finally:
            await storage.close()
        assert (
            kept
            == recounted
            == [
                ProgressTotals(applications=2, stages=3),
                ProgressTotals(applications=1, stages=1),
            ]
        )

        command.downgrade(migrate.alembic_config(unmigrated_url), "0003")
        columns = {column["name"] for column in inspect(engine).get_columns("user_progress")}
        assert "stages" not in columns
        migrate.upgrade(unmigrated_url)
        migrate.check(unmigrated_url)
    finally:
        engine.dispose()

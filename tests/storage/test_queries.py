"""Query shape: constant statement counts for pages, and visibility evaluated in SQL."""

from __future__ import annotations

from uuid import uuid4

import pytest

from offertracker_core.enums import ProfileVisibility
from offertracker_core.ports import ViewerRelation
from offertracker_storage import SqlStorage
from offertracker_storage.sql.tables import follows, group_members, social_groups

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


async def _people(storage: SqlStorage) -> dict[str, object]:
    people = {
        "viewer": f.user("viewer", display_name="The Viewer"),
        "pub": f.user("pub_alice", display_name="Alice Public", profile_visibility=ProfileVisibility.PUBLIC),
        "fol_yes": f.user("fol_alice", display_name=None, profile_visibility=ProfileVisibility.FOLLOWERS),
        "fol_no": f.user("fol_alice2", display_name=None, profile_visibility=ProfileVisibility.FOLLOWERS),
        "grp_yes": f.user("grp_alice", display_name=None, profile_visibility=ProfileVisibility.GROUPS),
        "grp_no": f.user("grp_alice2", display_name=None, profile_visibility=ProfileVisibility.GROUPS),
        "priv": f.user("priv_alice", display_name=None, profile_visibility=ProfileVisibility.PRIVATE),
        "other": f.user("zed", display_name="ALICE in caps", profile_visibility=ProfileVisibility.PUBLIC),
        "wild": f.user("a_b%c", display_name=None, profile_visibility=ProfileVisibility.PUBLIC),
    }
    async with storage.write() as uow:
        for person in people.values():
            await uow.users.add(person)
        await uow.commit()
    shared, other_group = uuid4(), uuid4()
    viewer = people["viewer"].id
    await f.insert_rows(
        storage,
        follows,
        [
            {"id": uuid4(), "follower_id": viewer, "following_id": people["fol_yes"].id, "created_at": f.T0},
            # the reverse direction does not count
            {"id": uuid4(), "follower_id": people["fol_no"].id, "following_id": viewer, "created_at": f.T0},
        ],
    )
    await f.insert_rows(
        storage,
        social_groups,
        [
            {
                "id": group_id,
                "name": name,
                "description": None,
                "created_by": viewer,
                "is_public": True,
                "created_at": f.T0,
                "updated_at": f.T0,
            }
            for group_id, name in ((shared, "shared"), (other_group, "other"))
        ],
    )
    await f.insert_rows(
        storage,
        group_members,
        [
            {"id": uuid4(), "group_id": group_id, "user_id": member, "role": "member", "joined_at": f.T0}
            for group_id, member in (
                (shared, viewer),
                (shared, people["grp_yes"].id),
                (other_group, people["grp_no"].id),
            )
        ],
    )
    return people


async def test_search_returns_only_profiles_the_viewer_may_see(storage: SqlStorage) -> None:
    people = await _people(storage)
    viewer = people["viewer"].id
    async with storage.read() as uow:
        found = await uow.users.search_visible(viewer, "ALICE", 0, 20)
        assert [u.username for u in found] == ["fol_alice", "grp_alice", "pub_alice", "zed"]
        page = await uow.users.search_visible(viewer, "alice", 1, 2)
        assert [u.username for u in page] == ["grp_alice", "pub_alice"]
        assert [u.username for u in await uow.users.search_visible(viewer, "view", 0, 20)] == ["viewer"]
        # the owner always sees themself, whatever their setting
        mine = await uow.users.search_visible(people["priv"].id, "priv", 0, 20)
        assert [u.username for u in mine] == ["priv_alice"]


@pytest.mark.parametrize(
    ("query", "expected"),
    [("_", ["a_b%c", "fol_alice", "grp_alice", "pub_alice"]), ("%", ["a_b%c"]), ("b%c", ["a_b%c"])],
)
async def test_search_treats_like_wildcards_literally(
    storage: SqlStorage, query: str, expected: list[str]
) -> None:
    people = await _people(storage)
    async with storage.read() as uow:
        found = await uow.users.search_visible(people["viewer"].id, query, 0, 20)
    assert [u.username for u in found if u.username != "viewer"] == expected


async def test_relation_reports_follows_and_shared_groups(storage: SqlStorage) -> None:
    people = await _people(storage)
    viewer = people["viewer"].id
    async with storage.read() as uow:
        assert await uow.users.relation(viewer, people["fol_yes"].id) == ViewerRelation(follows=True)
        assert await uow.users.relation(viewer, people["fol_no"].id) == ViewerRelation()
        assert await uow.users.relation(viewer, people["grp_yes"].id) == ViewerRelation(shares_group=True)
        assert await uow.users.relation(viewer, people["grp_no"].id) == ViewerRelation()


async def test_search_ignores_case_beyond_ascii(storage: SqlStorage) -> None:
    viewer = f.user("viewer")
    elodie = f.user("elodie", display_name="Élodie Ñúñez", profile_visibility=ProfileVisibility.PUBLIC)
    async with storage.write() as uow:
        await uow.users.add(viewer)
        await uow.users.add(elodie)
        await uow.commit()

    async with storage.read() as uow:
        for query in ("élodie", "ÉLODIE", "ñúñez"):
            found = await uow.users.search_visible(viewer.id, query, 0, 20)
            assert [u.username for u in found] == ["elodie"], query

"""Lists come back in one defined order on every backend, ties included, then paged."""

from __future__ import annotations

from datetime import date
from typing import Any
from uuid import UUID

import pytest

from offertracker_core.entities import Application, ResumeVersion, Stage, User
from offertracker_core.enums import ApplicationStatus, Priority, ProfileVisibility
from offertracker_core.ports import Storage, ViewerRelation

from ..storage import factories as f
from .conftest import follow

# Ids whose order is unambiguous and differs between the first byte and the last:
# an adapter that compared ids as anything but 128-bit numbers would get ties wrong.
LOW = UUID("0fffffff-ffff-4fff-bfff-ffffffffffff")
MID = UUID("80000000-0000-4000-8000-000000000000")
HIGH = UUID("f0000000-0000-4000-8000-000000000001")


async def _add(
    storage: Storage, *users: User, resumes: tuple[ResumeVersion, ...] = (), **children: Any
) -> None:
    async with storage.write() as uow:
        for person in users:
            await uow.users.add(person)
        for cv in resumes:
            await uow.owned(ResumeVersion).add(cv)
        for app in children.get("applications", ()):
            await uow.applications.add(app)
        for step in children.get("stages", ()):
            await uow.stages.add(step)
        await uow.commit()


async def test_owned_lists_are_newest_first_with_ties_broken_by_id_descending(storage: Storage) -> None:
    ada, bob = f.user("ada"), f.user("bob")
    resumes = (
        f.resume(ada.id, id=HIGH, version_name="old", created_at=f.at(0)),
        f.resume(ada.id, id=LOW, version_name="tie-low", created_at=f.at(5)),
        f.resume(ada.id, id=MID, version_name="tie-mid", created_at=f.at(5)),
        f.resume(ada.id, version_name="new", created_at=f.at(9)),
        f.resume(bob.id, version_name="bob's", created_at=f.at(7)),
    )
    await _add(storage, ada, bob, resumes=resumes)

    async def names(skip: int, limit: int) -> list[str]:
        async with storage.read() as uow:
            return [r.version_name for r in await uow.owned(ResumeVersion).list_for_user(ada.id, skip, limit)]

    assert await names(0, 100) == ["new", "tie-mid", "tie-low", "old"]
    assert await names(1, 2) == ["tie-mid", "tie-low"]
    assert await names(3, 100) == ["old"]
    assert await names(0, 1) == ["new"]
    assert await names(4, 100) == []


async def test_applications_listed_as_owned_rows_follow_the_same_order(storage: Storage) -> None:
    ada = f.user("ada")
    apps = [
        f.application(ada.id, id=LOW, company_name="tie-low", created_at=f.at(3)),
        f.application(ada.id, id=HIGH, company_name="tie-high", created_at=f.at(3)),
        f.application(ada.id, company_name="first", created_at=f.at(1)),
    ]
    await _add(storage, ada, applications=apps)
    async with storage.read() as uow:
        listed = await uow.owned(Application).list_for_user(ada.id, 0, 10)
        listed_by_port = await uow.applications.list_for_user(ada.id, 0, 10)
    assert [a.company_name for a in listed] == ["tie-high", "tie-low", "first"]
    assert listed_by_port == listed


async def test_application_details_are_newest_first_filtered_and_paged(storage: Storage) -> None:
    ada, bob = f.user("ada"), f.user("bob")
    apps = [
        f.application(
            ada.id,
            company_name="A",
            status=ApplicationStatus.APPLIED,
            priority=Priority.HIGH,
            created_at=f.at(1),
        ),
        f.application(
            ada.id,
            company_name="B",
            status=ApplicationStatus.SAVED,
            priority=Priority.LOW,
            created_at=f.at(2),
        ),
        f.application(
            ada.id,
            company_name="C",
            status=ApplicationStatus.APPLIED,
            priority=Priority.LOW,
            created_at=f.at(3),
        ),
        f.application(
            ada.id,
            company_name="D-low",
            id=LOW,
            status=ApplicationStatus.APPLIED,
            priority=None,
            created_at=f.at(4),
        ),
        f.application(
            ada.id,
            company_name="D-high",
            id=HIGH,
            status=ApplicationStatus.SAVED,
            priority=Priority.HIGH,
            created_at=f.at(4),
        ),
        f.application(bob.id, company_name="Bob's", created_at=f.at(5)),
    ]
    await _add(storage, ada, bob, applications=apps, stages=[f.stage(apps[0].id)])

    async def companies(**query: Any) -> list[str]:
        options: dict[str, Any] = {"status": None, "priority": None, "skip": 0, "limit": 100} | query
        async with storage.read() as uow:
            details = await uow.applications.list_details(ada.id, **options)
        return [d.application.company_name for d in details]

    assert await companies() == ["D-high", "D-low", "C", "B", "A"]
    assert await companies(status=ApplicationStatus.APPLIED) == ["D-low", "C", "A"]
    assert await companies(priority=Priority.LOW) == ["C", "B"]
    assert await companies(priority=Priority.HIGH) == ["D-high", "A"]
    assert await companies(status=ApplicationStatus.APPLIED, priority=Priority.LOW) == ["C"]
    assert await companies(status=ApplicationStatus.REJECTED) == []
    assert await companies(skip=1, limit=2) == ["D-low", "C"]
    assert await companies(status=ApplicationStatus.APPLIED, skip=1, limit=1) == ["C"]
    assert await companies(skip=5) == []
    async with storage.read() as uow:
        details = await uow.applications.list_details(ada.id, status=None, priority=None, skip=0, limit=100)
        assert (
            await uow.applications.list_details(
                f.user("nobody").id, status=None, priority=None, skip=0, limit=100
            )
            == []
        )
    assert [len(d.stages) for d in details] == [0, 0, 0, 0, 1]


async def test_stages_are_ordered_by_date_with_undated_last_then_by_creation_then_id(
    storage: Storage,
) -> None:
    ada = f.user("ada")
    app, other = f.application(ada.id), f.application(ada.id, created_at=f.at(1))
    march_2, march_5 = date(2026, 3, 2), date(2026, 3, 5)
    stages = [
        f.stage(app.id, stage_name="undated-late", stage_date=None, created_at=f.at(9)),
        f.stage(app.id, stage_name="undated-tie-high", id=HIGH, stage_date=None, created_at=f.at(1)),
        f.stage(app.id, stage_name="undated-tie-low", id=LOW, stage_date=None, created_at=f.at(1)),
        f.stage(app.id, stage_name="5th", stage_date=march_5, created_at=f.at(0)),
        f.stage(app.id, stage_name="2nd-later", stage_date=march_2, created_at=f.at(7)),
        f.stage(
            app.id,
            stage_name="2nd-tie-high",
            id=UUID(int=HIGH.int - 1),
            stage_date=march_2,
            created_at=f.at(3),
        ),
        f.stage(app.id, stage_name="2nd-tie-mid", id=MID, stage_date=march_2, created_at=f.at(3)),
        f.stage(other.id, stage_name="elsewhere", stage_date=date(2026, 1, 1)),
    ]
    await _add(storage, ada, applications=[app, other], stages=stages)
    expected = [
        "2nd-tie-mid",
        "2nd-tie-high",
        "2nd-later",
        "5th",
        "undated-tie-low",
        "undated-tie-high",
        "undated-late",
    ]

    def names(steps: tuple[Stage, ...]) -> list[str]:
        return [s.stage_name for s in steps]

    async with storage.read() as uow:
        detail = await uow.applications.get_detail(app.id)
        page = await uow.applications.list_details(ada.id, status=None, priority=None, skip=0, limit=10)
    assert detail is not None
    assert names(detail.stages) == expected
    assert [names(d.stages) for d in page] == [["elsewhere"], expected]


async def _people(storage: Storage, backdoor: Any) -> dict[str, User]:
    people = {
        "viewer": f.user("viewer", display_name="The Viewer"),
        "pub": f.user("pub_alice", display_name="Alice Public", profile_visibility=ProfileVisibility.PUBLIC),
        "fol_yes": f.user("fol_alice", display_name=None, profile_visibility=ProfileVisibility.FOLLOWERS),
        "fol_no": f.user("fol_alice2", display_name=None, profile_visibility=ProfileVisibility.FOLLOWERS),
        "grp_yes": f.user("grp_alice", display_name=None, profile_visibility=ProfileVisibility.GROUPS),
        "grp_no": f.user("grp_alice2", display_name=None, profile_visibility=ProfileVisibility.GROUPS),
        "priv": f.user("priv_alice", display_name=None, profile_visibility=ProfileVisibility.PRIVATE),
        "other": f.user("zed", display_name="ALICE in caps", profile_visibility=ProfileVisibility.PUBLIC),
        "upper": f.user("Zoe_alice", display_name=None, profile_visibility=ProfileVisibility.PUBLIC),
        "wild": f.user("a_b%c", display_name=None, profile_visibility=ProfileVisibility.PUBLIC),
    }
    await _add(storage, *people.values())
    viewer = people["viewer"].id
    await follow(storage, viewer, people["fol_yes"].id)
    await follow(storage, people["fol_no"].id, viewer)  # the reverse direction does not count
    shared, elsewhere = UUID(int=101), UUID(int=102)
    await backdoor.join_group(shared, viewer)
    await backdoor.join_group(shared, people["grp_yes"].id)
    await backdoor.join_group(elsewhere, people["grp_no"].id)
    return people


async def test_search_finds_visible_profiles_case_insensitively_ordered_by_username(
    storage: Storage, backdoor: Any
) -> None:
    people = await _people(storage, backdoor)
    viewer = people["viewer"].id

    async def usernames(query: str, skip: int = 0, limit: int = 20, as_user: UUID = viewer) -> list[str]:
        async with storage.read() as uow:
            return [u.username for u in await uow.users.search_visible(as_user, query, skip, limit)]

    # code-point order: upper case sorts before lower case
    assert await usernames("ALICE") == ["Zoe_alice", "fol_alice", "grp_alice", "pub_alice", "zed"]
    assert await usernames("alice", skip=1, limit=2) == ["fol_alice", "grp_alice"]
    assert await usernames("alice", skip=5) == []
    assert await usernames("view") == ["viewer"]  # the viewer's own private profile
    assert await usernames("the VIEWER") == ["viewer"]  # display names match too
    assert await usernames("priv", as_user=people["priv"].id) == ["priv_alice"]  # owners see themselves
    assert await usernames("priv") == []
    assert await usernames("nobody") == []


async def test_search_treats_like_wildcards_literally(storage: Storage, backdoor: Any) -> None:
    people = await _people(storage, backdoor)

    async def usernames(query: str) -> list[str]:
        async with storage.read() as uow:
            found = await uow.users.search_visible(people["viewer"].id, query, 0, 20)
        return [u.username for u in found]

    assert await usernames("_") == ["Zoe_alice", "a_b%c", "fol_alice", "grp_alice", "pub_alice"]
    assert await usernames("%") == ["a_b%c"]
    assert await usernames("b%c") == ["a_b%c"]


async def test_search_ignores_case_beyond_ascii(storage: Storage) -> None:
    viewer = f.user("viewer")
    elodie = f.user("elodie", display_name="Élodie Ñúñez", profile_visibility=ProfileVisibility.PUBLIC)
    await _add(storage, viewer, elodie)
    async with storage.read() as uow:
        for query in ("élodie", "ÉLODIE", "ñúñez"):
            found = await uow.users.search_visible(viewer.id, query, 0, 20)
            assert [u.username for u in found] == ["elodie"], query


async def test_relation_reports_follows_one_way_and_shared_groups(storage: Storage, backdoor: Any) -> None:
    people = await _people(storage, backdoor)
    viewer = people["viewer"].id
    async with storage.read() as uow:
        assert await uow.users.relation(viewer, people["fol_yes"].id) == ViewerRelation(follows=True)
        assert await uow.users.relation(viewer, people["fol_no"].id) == ViewerRelation()
        assert await uow.users.relation(viewer, people["grp_yes"].id) == ViewerRelation(shares_group=True)
        assert await uow.users.relation(viewer, people["grp_no"].id) == ViewerRelation()


async def test_an_owned_list_is_narrowed_by_equality_filters_and_ignores_none(storage: Storage) -> None:
    ada, bob = f.user("ada"), f.user("bob")
    applied = f.application(
        ada.id, status=ApplicationStatus.APPLIED, priority=Priority.HIGH, created_at=f.at(1)
    )
    saved = f.application(ada.id, status=ApplicationStatus.SAVED, priority=Priority.HIGH, created_at=f.at(2))
    low = f.application(ada.id, status=ApplicationStatus.APPLIED, priority=Priority.LOW, created_at=f.at(3))
    others = f.application(bob.id, status=ApplicationStatus.APPLIED, created_at=f.at(4))
    async with storage.write() as uow:
        await uow.users.add(ada)
        await uow.users.add(bob)
        for application in (applied, saved, low, others):
            await uow.applications.add(application)
        await uow.commit()
    async with storage.read() as uow:
        mine = uow.owned(Application)

        async def ids(**where: object) -> list[object]:
            return [a.id for a in await mine.list_for_user(ada.id, 0, 10, where=where)]

        assert await ids() == [low.id, saved.id, applied.id]
        assert await ids(status=ApplicationStatus.APPLIED) == [low.id, applied.id]
        assert await ids(status=ApplicationStatus.APPLIED, priority=Priority.HIGH) == [applied.id]
        assert await ids(status=None, priority=Priority.HIGH) == [saved.id, applied.id]
        assert await ids(status=ApplicationStatus.REJECTED) == []
        with pytest.raises(ValueError, match="no field 'colour'"):
            await ids(colour="red")

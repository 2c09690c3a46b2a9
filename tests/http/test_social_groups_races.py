"""Simultaneous group requests: one membership per user and group, and counters that never drift."""

from __future__ import annotations

import asyncio
import uuid

from .httpkit import API, call, count, register, rows, tables


async def _group(client, headers, **fields) -> dict:
    body = {"name": "racers", **fields}
    return await call(client, "POST", "/social/groups", headers, json=body, expect=201)


def _counters_match_rows(db) -> None:
    """Every user's kept ``groups_joined`` equals their membership rows."""
    for progress in rows(db, tables.user_progress):
        assert progress["groups_joined"] == count(db, tables.group_members, user_id=progress["user_id"])


async def test_eight_simultaneous_joins_make_one_membership_and_seven_400s(client, db):
    _, alice = await register(client, "alice")
    bob, bob_h = await register(client, "bob")
    group = await _group(client, alice)

    async def join() -> tuple[int, dict]:
        resp = await client.post(f"{API}/social/groups/{group['id']}/join", headers=bob_h)
        return resp.status, await resp.json()

    answers = await asyncio.gather(*(join() for _ in range(8)))

    assert sorted(status for status, _ in answers) == [201] + [400] * 7
    assert [body for status, body in answers if status == 400] == [
        {"detail": "Already a member of this group"}
    ] * 7
    assert count(db, tables.group_members, user_id=uuid.UUID(bob["id"])) == 1
    _counters_match_rows(db)


async def test_eight_simultaneous_leaves_remove_one_membership_and_uncount_it_once(client, db):
    _, alice = await register(client, "alice")
    _, bob_h = await register(client, "bob")
    group = await _group(client, alice)
    await call(client, "POST", f"/social/groups/{group['id']}/join", bob_h, expect=201)

    async def leave() -> tuple[int, dict]:
        resp = await client.delete(f"{API}/social/groups/{group['id']}/leave", headers=bob_h)
        return resp.status, await resp.json()

    answers = await asyncio.gather(*(leave() for _ in range(8)))

    assert sorted(status for status, _ in answers) == [200] + [404] * 7
    assert [body for status, body in answers if status == 404] == [
        {"detail": "Not a member of this group"}
    ] * 7
    _counters_match_rows(db)


async def test_joins_and_leaves_racing_a_delete_never_fail_and_leave_the_counters_right(client, db):
    # Ten rounds: a group with members, some joining, some leaving, and the creator deleting it,
    # all at once. Whatever wins, nothing is a 500 and every counter equals its rows.
    _, alice = await register(client, "alice")
    others = [(await register(client, f"user{n}"))[1] for n in range(6)]
    for round_ in range(10):
        group = await _group(client, alice, name=f"round {round_}")
        path = f"{API}/social/groups/{group['id']}"
        for headers in others[:3]:
            await call(client, "POST", f"/social/groups/{group['id']}/join", headers, expect=201)
        requests = [client.delete(f"{path}/leave", headers=h) for h in others[:3]]
        requests += [client.post(f"{path}/join", headers=h) for h in others[3:]]
        requests.append(client.delete(path, headers=alice))

        answers = await asyncio.gather(*requests)

        statuses = [resp.status for resp in answers]
        assert statuses[-1] == 200, await answers[-1].text()
        assert set(statuses[:3]) <= {200, 404}, statuses
        assert set(statuses[3:6]) <= {201, 404}, statuses
        for resp in answers:
            resp.release()
        assert count(db, tables.social_groups) == 0
        _counters_match_rows(db)

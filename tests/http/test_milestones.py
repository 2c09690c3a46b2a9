"""Every milestone of behaviour.md §6 is awarded once, at the action that makes it due, and the
streak moves by UTC calendar days on logins and tracked actions; read back through ``/progress``.

The clock is the suite's FakeClock, stepped across days; the apps built here issue tokens that
outlive the days it skips, so only the requests a test makes move the streak.
"""

from __future__ import annotations

import asyncio
import uuid
from collections import Counter
from datetime import UTC, datetime
from typing import Any

from offertracker_core.milestones import MILESTONES, milestone_id
from offertracker_core.ports import ProgressTotals
from offertracker_core.services.progress import award, track_activity
from offertracker_http.keys import SERVICES

from .httpkit import (
    API,
    PASSWORD,
    add_stage,
    call,
    create_application,
    create_outcome,
    create_reflection,
    insert,
    register,
    rows,
    tables,
)

LONG_TOKENS = 60 * 86400


async def long_lived_client(aiohttp_client, make_app):
    return await aiohttp_client(make_app(token_ttl_seconds=LONG_TOKENS))


def parse(stamp: str) -> datetime:
    return datetime.fromisoformat(stamp.replace("Z", "+00:00"))


class Progress:
    """Reads one user's milestones back through the API and checks what each step awarded."""

    def __init__(self, client, headers: dict[str, str], clock, db, user_id: str) -> None:
        self.client, self.headers, self.clock, self.db = client, headers, clock, db
        self.user_id = uuid.UUID(user_id)
        self.held: list[str] = []

    async def mine(self) -> list[dict[str, Any]]:
        return await call(self.client, "GET", "/progress/milestones/mine", self.headers, expect=200)

    async def step(self, action, *, wins: tuple[str, ...] = ()) -> None:
        """Run ``action``; exactly the milestones ``wins`` are new afterwards, reached during it."""
        before = self.clock.now()
        await action()
        after = self.clock.now()
        mine = await self.mine()
        names = [m["milestone"]["name"] for m in mine]
        assert len(names) == len(set(names)), names
        new = [m for m in mine if m["milestone"]["name"] not in self.held]
        assert sorted(m["milestone"]["name"] for m in new) == sorted(wins)
        for m in new:
            assert before < parse(m["reached_at"]) < after
        self.held += list(wins)
        stored = Counter(
            r["milestone_id"] for r in rows(self.db, tables.user_milestones, user_id=self.user_id)
        )
        assert stored == Counter(milestone_id(name) for name in self.held)


async def login(client, username: str) -> dict[str, Any]:
    body = {"email": f"{username}@example.com", "password": PASSWORD}
    return await call(client, "POST", "/auth/login", json=body, expect=200)


async def streak(client, headers) -> int:
    return (await call(client, "GET", "/progress/stats", headers, expect=200))["streak_days"]


async def test_registration_awards_getting_started_and_nothing_else(client, db, clock):
    user, headers = await register(client, "alice")
    progress = Progress(client, headers, clock, db, user["id"])
    assert [m["milestone"]["name"] for m in await progress.mine()] == ["Getting Started"]


async def test_the_application_reflection_and_offer_milestones_come_once_at_their_threshold(
    aiohttp_client, make_app, db, clock
):
    client = await long_lived_client(aiohttp_client, make_app)
    user, headers = await register(client, "alice")
    progress = Progress(client, headers, clock, db, user["id"])
    progress.held = ["Getting Started"]
    applications = []

    async def apply(index: int) -> None:
        applications.append(await create_application(client, headers, company_name=f"C{index}"))

    thresholds = {1: ("First Application",), 10: ("Building Momentum",), 25: ("In the Zone",)}
    for index in range(1, 27):
        await progress.step(lambda index=index: apply(index), wins=thresholds.get(index, ()))

    reflections = {1: ("Self-Reflective",), 10: ("Growth Mindset",)}
    for index in range(1, 12):
        app_id = applications[index - 1]["id"]
        await progress.step(
            lambda app_id=app_id: create_reflection(client, headers, app_id, what_worked="prep"),
            wins=reflections.get(index, ()),
        )

    # A rejection or a withdrawal is no offer; the first Offer outcome is, and only the first.
    for status, wins in (("Rejected", ()), ("Withdrawn", ()), ("Offer", ("Offer Received",)), ("Offer", ())):
        app_id = applications.pop()["id"]
        await progress.step(
            lambda app_id=app_id, status=status: create_outcome(client, headers, app_id, status=status),
            wins=wins,
        )

    # Deleting rows never takes a milestone back, and recrossing a threshold never awards it again.
    for application in applications[:3]:
        await call(client, "DELETE", f"/applications/{application['id']}", headers, expect=200)
    await progress.step(lambda: apply(99))
    assert len(await progress.mine()) == 7


async def test_the_streak_milestones_come_on_the_seventh_and_thirtieth_day_in_a_row_and_once(
    aiohttp_client, make_app, db, clock
):
    client = await long_lived_client(aiohttp_client, make_app)
    user, headers = await register(client, "alice")
    progress = Progress(client, headers, clock, db, user["id"])
    progress.held = ["Getting Started"]
    application = await create_application(client, headers)  # day 1
    progress.held.append("First Application")
    for day in range(2, 32):
        clock.advance(days=1)
        wins = {7: ("One Week Strong",), 30: ("Thirty Day Streak",)}.get(day, ())
        if day % 2:  # odd days a login, even days a tracked action: both count
            await progress.step(lambda: login(client, "alice"), wins=wins)
        else:
            await progress.step(
                lambda day=day: add_stage(client, headers, application["id"], stage_name=f"Round {day}"),
                wins=wins,
            )
        assert await streak(client, headers) == day

    # A gap restarts the streak at 1; seven days in a row again win nothing new.
    clock.advance(days=2)
    for day in range(1, 8):
        await progress.step(lambda: login(client, "alice"))
        assert await streak(client, headers) == day
        clock.advance(days=1)


async def test_the_streak_moves_by_utc_days_on_logins(aiohttp_client, make_app, clock):
    client = await long_lived_client(aiohttp_client, make_app)
    _, headers = await register(client, "alice")
    assert await streak(client, headers) == 0  # registering is not activity
    me = await call(client, "GET", "/users/me", headers, expect=200)
    assert me["last_active_date"] is None

    seen = []
    for step in ("first", "same day", "next day", "next day", "gap", "same day", "next day"):
        if step == "next day":
            clock.advance(days=1)
        elif step == "gap":
            clock.advance(days=2)
        session = await login(client, "alice")
        seen.append((session["user"]["streak_days"], await streak(client, headers)))
        assert session["user"]["last_active_date"] == clock.today().isoformat()

    assert seen == [(1, 1), (1, 1), (2, 2), (3, 3), (1, 1), (1, 1), (2, 2)]


async def test_the_streak_moves_by_utc_days_on_tracked_actions(aiohttp_client, make_app, clock):
    client = await long_lived_client(aiohttp_client, make_app)
    _, headers = await register(client, "alice")
    application = await create_application(client, headers)
    seen = [await streak(client, headers)]
    actions = [
        ("same day", lambda: create_application(client, headers)),
        ("next day", lambda: add_stage(client, headers, application["id"])),
        ("next day", lambda: create_reflection(client, headers, application["id"])),
        ("gap", lambda: create_outcome(client, headers, application["id"], status="Rejected")),
        ("next day", lambda: create_application(client, headers)),
    ]
    for when, action in actions:
        if when == "next day":
            clock.advance(days=1)
        elif when == "gap":
            clock.advance(days=3)
        await action()
        seen.append(await streak(client, headers))
    assert seen == [1, 1, 2, 3, 1, 2]
    me = await call(client, "GET", "/users/me", headers, expect=200)
    assert me["last_active_date"] == clock.today().isoformat()


async def test_a_day_is_a_utc_calendar_day_not_twenty_four_hours(aiohttp_client, make_app, clock):
    client = await long_lived_client(aiohttp_client, make_app)
    _, headers = await register(client, "alice")
    now = clock.now()
    clock.advance(seconds=(86400 - (now.hour * 3600 + now.minute * 60 + now.second)) - 2)  # 23:59:58
    await create_application(client, headers)
    clock.advance(seconds=4)  # a few seconds later, the next UTC day
    await create_application(client, headers)
    assert await streak(client, headers) == 2


# --- the social milestones: through the library, as their services will count them --------


async def social_action(client, actor: str, delta: ProgressTotals, table=None, /, **values: Any):
    """One social action the way the coming social services will write it: the row (when
    ``table`` is given), its counter delta (``uow.progress.count``) and ``track_activity``, in one
    write unit of work."""
    ctx = client.app[SERVICES].context
    uid = uuid.UUID(actor)

    async def work(uow):
        if table is not None:
            await uow.execute(lambda conn: conn.execute(table.insert().values(**values)))
        await uow.progress.count(uid, delta)
        return await track_activity(ctx, uow, uid, ctx.clock.now())

    return await ctx.write(work)


async def test_the_social_milestones_are_awarded_once_through_the_library_path(client, db, clock):
    """Connected, Part of a Circle and Sharing Insights have no endpoints yet (their services are
    the next issue), so this drives them through the library path those services will take:
    insert the row, ``uow.progress.count`` with its delta, then ``track_activity``, in one write
    unit of work. The awards are read back through ``/progress/milestones/mine``."""
    user, headers = await register(client, "alice")
    me = uuid.UUID(user["id"])
    progress = Progress(client, headers, clock, db, user["id"])
    progress.held = ["Getting Started"]
    now = datetime.now(UTC)
    others = [uuid.UUID((await register(client, f"friend{n}"))[0]["id"]) for n in range(6)]
    stamps = {"created_at": now, "updated_at": now}

    def follow(target: uuid.UUID):
        return social_action(
            client,
            user["id"],
            ProgressTotals(follows=1),
            tables.follows,
            id=uuid.uuid4(),
            follower_id=me,
            following_id=target,
            created_at=now,
        )

    for n, target in enumerate(others, start=1):
        await progress.step(lambda target=target: follow(target), wins=("Connected",) if n == 5 else ())

    group_id = uuid.uuid4()
    group = {"name": "Job hunters", "description": None, "created_by": others[0], "is_public": True}
    insert(db, tables.social_groups, id=group_id, **group, **stamps)

    def join():
        return social_action(
            client,
            user["id"],
            ProgressTotals(groups_joined=1),
            tables.group_members,
            id=uuid.uuid4(),
            group_id=group_id,
            user_id=me,
            role="member",
            joined_at=now,
        )

    await progress.step(join, wins=("Part of a Circle",))

    def post(n: int):
        body = {"group_id": None, "post_type": "Update", "title": None, "content": f"post {n}"}
        return social_action(
            client,
            user["id"],
            ProgressTotals(posts=1),
            tables.posts,
            id=uuid.uuid4(),
            user_id=me,
            is_public=True,
            **body,
            **stamps,
        )

    await progress.step(lambda: post(1), wins=("Sharing Insights",))
    await progress.step(lambda: post(2))

    # The kept counters agree with the rows they count.
    ctx = client.app[SERVICES].context

    async def kept_and_recounted(uow):
        return await uow.progress.totals(me), await uow.progress.recount(me)

    totals, recount = await ctx.read(kept_and_recounted)
    assert totals == recount == ProgressTotals(follows=6, groups_joined=1, posts=2)


async def test_all_twelve_milestones_can_be_held_and_each_once(aiohttp_client, make_app, db, clock):
    client = await long_lived_client(aiohttp_client, make_app)
    user, headers = await register(client, "alice")
    application = None
    for day in range(30):
        if day:
            clock.advance(days=1)
        application = await create_application(client, headers)
        await create_reflection(client, headers, application["id"])
    await create_outcome(client, headers, application["id"], status="Offer")
    # The social totals counted without their rows: only the milestones are read back here.
    await social_action(client, user["id"], ProgressTotals(follows=5, groups_joined=1, posts=1))

    mine = await call(client, "GET", "/progress/milestones/mine", headers, expect=200)

    assert sorted(m["milestone_id"] for m in mine) == sorted(str(m.id) for m in MILESTONES)
    assert [parse(m["reached_at"]) for m in mine] == sorted(
        (parse(m["reached_at"]) for m in mine), reverse=True
    )
    stats = await call(client, "GET", "/progress/stats", headers, expect=200)
    assert stats["milestones_reached"] == 12


# --- races ----------------------------------------------------------------------------------


async def test_simultaneous_tracked_actions_award_each_milestone_once(client, db):
    user, headers = await register(client, "alice")
    for index in range(8):
        await create_application(client, headers, company_name=f"C{index}")

    async def create(index: int) -> int:
        resp = await client.post(
            f"{API}/applications/", json={"company_name": f"R{index}", "role_title": "R"}, headers=headers
        )
        await resp.read()
        return resp.status

    # The ninth to twentieth applications at once: one of them is the tenth.
    assert await asyncio.gather(*(create(i) for i in range(12))) == [201] * 12

    mine = await call(client, "GET", "/progress/milestones/mine", headers, expect=200)
    assert sorted(m["milestone"]["name"] for m in mine) == [
        "Building Momentum",
        "First Application",
        "Getting Started",
    ]
    stored = Counter(
        r["milestone_id"] for r in rows(db, tables.user_milestones, user_id=uuid.UUID(user["id"]))
    )
    assert set(stored.values()) == {1}


async def test_simultaneous_awards_of_one_milestone_leave_one_row(client, db):
    """The database's unique constraint, not a check in the service, settles the race: every unit
    tries to insert the award; one wins, the others' ``Duplicate`` is swallowed in a savepoint."""
    user, _ = await register(client, "alice")
    ctx = client.app[SERVICES].context
    uid = uuid.UUID(user["id"])
    connected = next(m for m in MILESTONES if m.name == "Connected")

    async def attempt():
        async def work(uow):
            return await award(ctx, uow, uid, connected, ctx.clock.now())

        return await ctx.write(work)

    events = await asyncio.gather(*(attempt() for _ in range(8)))

    assert sum(event is not None for event in events) == 1
    assert len(rows(db, tables.user_milestones, user_id=uid, milestone_id=connected.id)) == 1

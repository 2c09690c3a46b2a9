"""How long one page of the social feed takes with 1,000 users, 100,000 posts and 300,000 reactions.

`python bench/social_feed.py [--database-url URL] [--paths /social/posts/feed?limit=50,...]
[--duration 5] [--rounds 3] [--concurrency 1] [--warmup 1] [--load-generator auto|wrk|python]
[--pin/--no-pin]`

1. starts one ``offertracker serve`` process as ``bench/latency.py`` does (a throw-away
   data directory, the given database or the embedded SQLite default, pinned to one core and the
   load generator to the other);
2. registers the reader through the API, then writes straight into the database
   (:func:`seed_social`): 1,000 users, 20 groups (every other one private) with 50 members each,
   100,000 posts (one every 30 seconds back from an hour ago, round-robin over the users; one in
   ten not public; one in ten in a group) and 300,000 reactions (three users on each post), and
   the users' ``posts``/``groups_joined`` counters; then checks the feed answers a full page of
   public posts, newest first, each with its three reactions;
3. measures each path of ``--paths`` (one that answers 404 is skipped) and the bare aiohttp
   handler, one connection by default, ``--rounds`` times in turn;
4. prints the table and each target as PASS/FAIL/SKIP, and writes ``bench/results/social_feed.json``.

It is a measurement, not a test: the exit status is 0 whether or not the targets are met, 1 when
something broke, 130 when interrupted.
"""

from __future__ import annotations

import datetime as dt
import sys
import uuid
from typing import Any

from sqlalchemy import create_engine, insert

import latency
import run
from offertracker_core.entities import Group, GroupMember, Post, Reaction, User
from offertracker_core.enums import GroupRole, PostType, ProfileVisibility, ReactionType
from offertracker_storage.sql import tables
from offertracker_storage.sql.database import sync_url
from offertracker_storage.sql.rows import Mapper

__all__ = ["BENCH", "TARGETS", "main", "seed_and_verify", "seed_social"]

RESULTS_FILE = run.BENCH_DIR / "results" / "social_feed.json"
USERS = 1_000
POSTS = 100_000
REACTIONS_EACH = 3  # 300,000 reactions
GROUPS = 20
MEMBERS_EACH = 50
FEED = "/social/posts/feed?limit=50"
DEFAULT_PATHS = (FEED, "/social/posts/mine?limit=50")

TARGETS: dict[str, float] = {FEED: 30.0}
"""Largest p50 latency in milliseconds, per path (the issue: one server process, both databases)."""

_users = Mapper(User, tables.users)
_groups = Mapper(Group, tables.social_groups)
_members = Mapper(GroupMember, tables.group_members)
_posts = Mapper(Post, tables.posts)
_reactions = Mapper(Reaction, tables.reactions)
_TYPES = tuple(PostType)
_KINDS = tuple(ReactionType)
_CHUNK = 10_000


# --------------------------------------------------------------------------- seeding


def _social_rows(reader: uuid.UUID) -> dict[str, list[dict[str, Any]]]:
    """The rows of the social graph, keyed by table name (see the module docstring). The reader is
    the first user: a member of the first two groups, author of every thousandth post."""
    now = dt.datetime.now(dt.UTC)
    rows: dict[str, list[dict[str, Any]]] = {
        "users": [],
        "groups": [],
        "members": [],
        "posts": [],
        "reactions": [],
    }
    user_ids = [reader] + [uuid.uuid4() for _ in range(USERS - 1)]
    for n, user_id in enumerate(user_ids[1:], start=1):
        at = now - dt.timedelta(days=30, minutes=n)
        user = User(
            id=user_id,
            email=f"social-{n}-{user_id.hex[:8]}@example.com",
            username=f"social_{n}_{user_id.hex[:8]}",
            display_name=f"Social {n}",
            bio=None,
            is_profile_public=n % 2 == 0,
            profile_visibility=ProfileVisibility.PUBLIC if n % 2 == 0 else ProfileVisibility.PRIVATE,
            streak_days=0,
            last_active_date=None,
            created_at=at,
            updated_at=at,
        )
        rows["users"].append(_users.to_row(user))
    group_ids = [uuid.uuid4() for _ in range(GROUPS)]
    for g, group_id in enumerate(group_ids):
        at = now - dt.timedelta(days=20, minutes=g)
        creator = user_ids[(g * MEMBERS_EACH) % USERS]
        group = Group(group_id, f"Group {g}", None, creator, g % 2 == 0, at, at)
        rows["groups"].append(_groups.to_row(group))
        for m in range(MEMBERS_EACH):
            member = user_ids[(g * MEMBERS_EACH + m) % USERS]
            role = GroupRole.ADMIN if member == creator else GroupRole.MEMBER
            rows["members"].append(_members.to_row(GroupMember(uuid.uuid4(), group_id, member, role, at)))
    start = now - dt.timedelta(hours=1)
    for i in range(POSTS):
        at = start - dt.timedelta(seconds=30 * i)
        group = i // 10 % GROUPS if i % 10 == 3 else None
        author = (
            user_ids[i % USERS]
            if group is None
            else user_ids[(group * MEMBERS_EACH + i % MEMBERS_EACH) % USERS]
        )
        post = Post(
            id=uuid.uuid4(),
            user_id=author,
            group_id=None if group is None else group_ids[group],
            post_type=_TYPES[i % len(_TYPES)],
            title=None if i % 3 else f"Week {i} of the search",
            content=f"Post {i}: three interviews this week, one take-home, and a lot of coffee.",
            is_public=i % 10 != 7,
            created_at=at,
            updated_at=at,
        )
        rows["posts"].append(_posts.to_row(post))
        for k in range(REACTIONS_EACH):  # three distinct users (the steps differ modulo USERS)
            reactor = user_ids[(i * 7 + k * 331 + 1) % USERS]
            reaction = Reaction(uuid.uuid4(), post.id, reactor, _KINDS[(i + k) % len(_KINDS)], at)
            rows["reactions"].append(_reactions.to_row(reaction))
    return rows


def _counters(rows: dict[str, list[dict[str, Any]]]) -> list[dict[str, Any]]:
    """``user_progress`` rows holding each user's posts and memberships, as the services keep them."""
    figures: dict[uuid.UUID, dict[str, int]] = {}
    for post in rows["posts"]:
        figures.setdefault(post["user_id"], {"posts": 0, "groups_joined": 0})["posts"] += 1
    for member in rows["members"]:
        figures.setdefault(member["user_id"], {"posts": 0, "groups_joined": 0})["groups_joined"] += 1
    return [{"user_id": user_id, **counted} for user_id, counted in figures.items()]


def seed_social(database_url: str, reader: uuid.UUID) -> dict[str, int]:
    """Write the rows in one transaction (the reader's counter row replaced); how many of each.

    On PostgreSQL the tables are analysed afterwards, as autovacuum would soon do; SQLite is left
    as the app leaves it (it never runs ``ANALYZE``).
    """
    rows = _social_rows(reader)
    connect_args = {"timeout": 30} if database_url.startswith("sqlite") else {}
    engine = create_engine(sync_url(database_url), connect_args=connect_args)
    try:
        with engine.begin() as conn:
            for name, table in (
                ("users", tables.users),
                ("groups", tables.social_groups),
                ("members", tables.group_members),
                ("posts", tables.posts),
                ("reactions", tables.reactions),
            ):
                for at in range(0, len(rows[name]), _CHUNK):
                    conn.execute(insert(table), rows[name][at : at + _CHUNK])
            conn.execute(tables.user_progress.delete().where(tables.user_progress.c.user_id == reader))
            conn.execute(insert(tables.user_progress), _counters(rows))
        if engine.dialect.name == "postgresql":
            with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
                conn.exec_driver_sql("ANALYZE")
    finally:
        engine.dispose()
    return {name: len(written) for name, written in rows.items()}


def verify_feed(base: str, token: str) -> None:
    """The feed answers a full page of public posts, newest first, each with its three reactions."""
    body = latency.read(base, FEED, token)
    stamps = [post["created_at"] for post in body]
    if len(body) != 50 or stamps != sorted(stamps, reverse=True):
        raise run.BenchError(f"the feed answered {len(body)} posts, or not newest first")
    if {post["reaction_count"] for post in body} != {REACTIONS_EACH} or not all(p["is_public"] for p in body):
        raise run.BenchError("the feed's posts are not the seeded public ones with three reactions each")


def seed_and_verify(account: latency.Account) -> dict[str, int]:
    """Seed the social graph around the reader (:func:`seed_social`) and check the feed."""
    print(f"seeding {USERS:,} users, {POSTS:,} posts, {POSTS * REACTIONS_EACH:,} reactions ...", flush=True)
    written = seed_social(account.database_url, account.user_id)
    verify_feed(account.base, account.token)
    return written


BENCH = latency.Benchmark(
    description="The social feed over 100,000 posts (see bench/README.md).",
    default_paths=DEFAULT_PATHS,
    targets=TARGETS,
    label="social",
    seed=seed_and_verify,
    results_file=RESULTS_FILE,
    workdir_prefix="offertracker-social-feed-",
)


def main(argv: list[str] | None = None) -> int:
    """Run the benchmark; 0 once it measured (targets met or not), 1 if it broke, 130 on Ctrl-C."""
    return latency.main(BENCH, argv)


if __name__ == "__main__":
    sys.exit(main())

"""How long one page of the social feed takes with 1,000 users, 100,000 posts and 300,000 reactions.

`python bench/social_feed.py [--database-url URL] [--paths /social/posts/feed?limit=50,...]
[--duration 5] [--rounds 3] [--concurrency 1] [--warmup 1] [--load-generator auto|wrk|python]
[--pin/--no-pin]`

1. starts one ``offertracker serve`` process as ``bench/account_reads.py`` does (a throw-away
   data directory, the given database or the embedded SQLite default, pinned to one core and the
   load generator to the other);
2. registers the reader through the API, then writes straight into the database
   (:func:`seed_social`): 1,000 users, 20 groups (every other one private) with 50 members each,
   100,000 posts (one every 30 seconds back from an hour ago, round-robin over the users; one in
   ten not public; one in ten in a group) and 300,000 reactions (three users on each post), and
   the users' ``posts``/``groups_joined`` counters; then checks the feed answers a full page of
   public posts, newest first, each with its three reactions;
3. measures each path of ``--paths`` and the bare aiohttp handler, one connection by default,
   ``--rounds`` times in turn;
4. prints the table and each target as PASS/FAIL, and writes ``bench/results/social_feed.json``.

It is a measurement, not a test: the exit status is 0 whether or not the targets are met, 1 when
something broke, 130 when interrupted.
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import json
import os
import platform
import shutil
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path
from typing import Any

import aiohttp
from sqlalchemy import create_engine, insert

import account_reads
import run
from offertracker_core.entities import Group, GroupMember, Post, Reaction, User
from offertracker_core.enums import GroupRole, PostType, ProfileVisibility, ReactionType
from offertracker_storage.sql import tables
from offertracker_storage.sql.database import sync_url
from offertracker_storage.sql.rows import Mapper

__all__ = ["TARGETS", "main", "seed_social"]

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
    status, body = asyncio.run(account_reads._get(base, FEED, token))
    if status != 200:
        raise run.BenchError(f"GET {FEED} answered {status}: {body}")
    stamps = [post["created_at"] for post in body]
    if len(body) != 50 or stamps != sorted(stamps, reverse=True):
        raise run.BenchError(f"the feed answered {len(body)} posts, or not newest first")
    if {post["reaction_count"] for post in body} != {REACTIONS_EACH} or not all(p["is_public"] for p in body):
        raise run.BenchError("the feed's posts are not the seeded public ones with three reactions each")


# --------------------------------------------------------------------------- report


def evaluate(results: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Each target with its verdict."""
    by_path = {result["scenario"].removeprefix("GET "): result for result in results}
    verdicts = []
    for path, limit in TARGETS.items():
        if path in by_path:
            p50 = by_path[path]["p50_ms"]
            text = f"GET {path} p50 <= {limit:g} ms"
            verdicts.append({"target": text, "actual": f"{p50:.2f} ms", "pass": p50 <= limit})
    failures = sum(result["non_2xx"] + sum(result["errors"].values()) for result in results)
    verdicts.append(
        {"target": "zero non-2xx (and zero transport errors)", "actual": str(failures), "pass": failures == 0}
    )
    return verdicts


# --------------------------------------------------------------------------- main


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    """The command line (see the module docstring)."""
    parser = argparse.ArgumentParser(description="The social feed over 100,000 posts (see bench/README.md).")
    parser.add_argument("--database-url", default=None, help="SQLAlchemy URL (default: temp SQLite file)")
    parser.add_argument(
        "--paths",
        default=",".join(DEFAULT_PATHS),
        help=f"comma-separated GET paths under /api/v1 to measure (default: {','.join(DEFAULT_PATHS)})",
    )
    parser.add_argument("--duration", type=float, default=5.0, help="measured seconds per path and round (5)")
    parser.add_argument("--rounds", type=int, default=3, help="times the list of paths runs in turn (3)")
    parser.add_argument("--concurrency", type=int, default=1, help="concurrent keep-alive connections (1)")
    parser.add_argument("--warmup", type=float, default=1.0, help="unmeasured seconds before each run (1)")
    parser.add_argument("--load-generator", choices=("auto", "wrk", "python"), default="auto")
    parser.add_argument("--pin", action=argparse.BooleanOptionalAction, default=None)
    args = parser.parse_args(argv)
    args.paths = [path.strip() for path in args.paths.split(",") if path.strip()]
    if args.rounds < 1 or not args.paths or any(not path.startswith("/") for path in args.paths):
        parser.error("--rounds must be at least 1 and --paths a list of paths starting with /")
    return args


def measure(args: argparse.Namespace, procs: run.Processes, workdir: Path) -> dict[str, Any]:
    """Start the servers, seed, measure; the full result record."""
    pin = run.can_pin() if args.pin is None else args.pin
    if pin and not run.can_pin():
        raise run.BenchError("--pin needs taskset and two usable cores")
    server_cpu, load_cpu = (run.SERVER_CPU, run.LOAD_CPU) if pin else (None, None)
    generator = run.choose_generator(args.load_generator)
    print(f"load generator: {generator}", flush=True)
    if pin:
        os.sched_setaffinity(0, {run.LOAD_CPU})
        print(f"pinned: server on core {run.SERVER_CPU}, load generator on core {run.LOAD_CPU}", flush=True)
    env = {k: v for k, v in os.environ.items() if k != "OFFERTRACKER_DATABASE_URL"}
    env["OFFERTRACKER_DATA_DIR"] = str(workdir / "data")
    if args.database_url:
        env["OFFERTRACKER_DATABASE_URL"] = args.database_url
        subprocess.run([*run.offertracker_command(), "db", "upgrade"], env=env, check=True)

    port = run.free_port()
    base = f"http://127.0.0.1:{port}"
    server_log = workdir / "server.log"
    with server_log.open("wb") as log:
        server = procs.start(
            run.pinned(
                [*run.offertracker_command(), "serve", "--host", "127.0.0.1", "--port", str(port)], server_cpu
            ),
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
    print(
        f"OfferTracker server pid {server.pid} on {base} ({run.describe_database(args.database_url)})",
        flush=True,
    )
    run.wait_until_answering(f"{base}/", server, server_log)

    started = time.perf_counter()
    registered = asyncio.run(run.register(base, "social"))
    token = registered["access_token"]
    database_url = args.database_url or f"sqlite:///{workdir / 'data' / 'offertracker.db'}"
    print(f"seeding {USERS:,} users, {POSTS:,} posts, {POSTS * REACTIONS_EACH:,} reactions ...", flush=True)
    written = seed_social(database_url, uuid.UUID(registered["user"]["id"]))
    verify_feed(base, token)
    seconds = time.perf_counter() - started
    print(f"seeded and verified in {seconds:.1f} s: {written}", flush=True)
    for path in args.paths:
        status, _ = asyncio.run(account_reads._get(base, path, token))
        if status != 200:
            raise run.BenchError(f"GET {path} answered {status}")

    bare_port = run.free_port()
    bare = f"http://127.0.0.1:{bare_port}"
    bare_log = workdir / "bare.log"
    with bare_log.open("wb") as log:
        bare_proc = procs.start(
            run.pinned(
                [sys.executable, str(run.BENCH_DIR / "bare_server.py"), "--port", str(bare_port)], server_cpu
            ),
            stdout=log,
            stderr=subprocess.STDOUT,
        )
    run.wait_until_answering(f"{bare}/", bare_proc, bare_log)

    auth = {"Authorization": f"Bearer {token}"}
    specs = [
        {"key": "bare", "name": "bare aiohttp GET /", "method": "GET", "urls": [f"{bare}/"], "headers": {}}
    ]
    specs += [
        {
            "key": account_reads._slug(path.replace("?", "_").replace("=", "_")),
            "name": f"GET {path}",
            "method": "GET",
            "urls": [f"{base}{run.API}{path}"],
            "headers": auth,
        }
        for path in args.paths
    ]
    runs: dict[str, list[dict[str, Any]]] = {}
    for round_number in range(1, args.rounds + 1):
        for spec in specs:
            spec.update(duration=args.duration, warmup=args.warmup, concurrency=args.concurrency)
            print(
                f"round {round_number}/{args.rounds}: {spec['name']} for {args.duration:g} s ...", flush=True
            )
            runs.setdefault(spec["key"], []).append(run.run_load(procs, spec, load_cpu, generator, workdir))
            for proc, log_path in ((server, server_log), (bare_proc, bare_log)):
                if proc.poll() is not None:
                    raise run.BenchError(f"{proc.args!r} died during the run:\n{run.log_tail(log_path)}")
    results = [run.combine(rounds) for rounds in runs.values()]
    targets = evaluate(results)
    print()
    print(account_reads.render(results, targets, {}))
    return {
        "generated_at": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "machine": {
            "cpus": os.cpu_count(),
            "platform": platform.platform(),
            "python": platform.python_version(),
        },
        "config": {
            "database": run.describe_database(args.database_url),
            "load_generator": {"requested": args.load_generator, "used": generator},
            "duration_s": args.duration,
            "rounds": args.rounds,
            "warmup_s": args.warmup,
            "concurrency": args.concurrency,
            "pinned": {"server_cpu": server_cpu, "load_cpu": load_cpu} if pin else None,
            "paths": args.paths,
        },
        "seeded": written,
        "seed_seconds": round(seconds, 2),
        "scenarios": results,
        "targets": targets,
    }


def main(argv: list[str] | None = None) -> int:
    """Run the benchmark; 0 once it measured (targets met or not), 1 if it broke, 130 on Ctrl-C."""
    args = parse_args(argv)
    procs = run.Processes()
    workdir = Path(tempfile.mkdtemp(prefix="offertracker-social-feed-"))
    try:
        with run.sigterm_as_interrupt():
            record = measure(args, procs, workdir)
    except KeyboardInterrupt:
        print("\ninterrupted", file=sys.stderr)
        return 130
    except (run.BenchError, aiohttp.ClientError, subprocess.SubprocessError, OSError) as exc:
        print(f"\nbenchmark failed: {exc}", file=sys.stderr)
        return 1
    finally:
        procs.stop_all()
        shutil.rmtree(workdir, ignore_errors=True)
    RESULTS_FILE.parent.mkdir(parents=True, exist_ok=True)
    RESULTS_FILE.write_text(json.dumps(record, indent=2) + "\n")
    print(f"\nresults written to {RESULTS_FILE.relative_to(run.BENCH_DIR.parent)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

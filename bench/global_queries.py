"""The queries that read every user, timed at a million users on PostgreSQL.

`python bench/global_queries.py [--server-url URL] [--users 1000000] [--repeat 5]`

Most statements read one user's rows through an index that starts with the user's id, so they
cost the same at a thousand users or a million. A few read across all users: user search
(``GET /users/search``: a ``LIKE '%q%'`` over usernames and display names, with the visibility rule
inside), the community list (``GET /progress/community``: public profiles, most recently active
first) and, for comparison, a login's look-up by e-mail (a unique index). This creates a
throw-away database on the server of ``--server-url``, migrates it, writes ``--users`` users
straight into ``users`` with one ``INSERT ... SELECT`` (a quarter each public, private,
followers-only and groups-only; usernames built from a hundred-odd first names; activity dates over the
past year), gives the viewer 200 follows and a group of 50, runs ``ANALYZE``, and then times each
statement through the storage layer's own repositories, ``--repeat`` times after one unmeasured
run, printing the median and the plan's top lines. The database is dropped afterwards.

It is a measurement, not a test: exit status 0 once it measured, 1 if something broke.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
import uuid
from collections.abc import Callable
from typing import Any

from sqlalchemy import create_engine, event, text
from sqlalchemy.engine import Connection
from sqlalchemy.pool import NullPool

import bytes_per_user
from offertracker_storage import migrate
from offertracker_storage.sql.repositories.progress import SqlProgress
from offertracker_storage.sql.repositories.users import SqlUsers

__all__ = ["main"]

FIRST_NAMES = tuple(
    " ".join(
        (
            "ada alan alice amir ana andre anna arjun ben bianca carl carla chen chloe chris",
            "clara dan daniel david diana diego dmitri elena eli emma eric eva fatima felix",
            "fiona frank gabriel grace hana hannah hugo ian ibrahim ines isaac ivan jack james",
            "jana jin joao john jonas jose julia kai karen karim kate ken kim lara laura leo",
            "lena liam lin lisa luca lucas luis maria mark marta martin mateo max maya mei mia",
            "michael mila min mohamed nadia nina noah nora olga omar oscar paul pedro peter",
            "priya rafael rahul ravi rosa ruby sam sara sean sofia sonia stefan sven tara theo",
            "tom tomas uma victor vera wei will xavier yara yusuf zara zoe",
        )
    ).split()
)

_USERS = """
INSERT INTO users (id, email, username, display_name, bio, is_profile_public, profile_visibility,
                   streak_days, last_active_date, created_at, updated_at)
SELECT gen_random_uuid(), 'user' || g || '@example.com', (CAST(:names AS text[]))[1 + g % :n] || '_' || g,
       initcap((CAST(:names AS text[]))[1 + g % :n]) || ' ' || g, NULL, g % 4 = 0,
       (ARRAY['public', 'private', 'followers', 'groups'])[1 + g % 4], g % 30,
       current_date - (g % 365), now() - make_interval(days => g % 700), now()
FROM generate_series(1, :count) AS g
"""
_FOLLOWS = """
INSERT INTO follows (id, follower_id, following_id, created_at)
SELECT gen_random_uuid(), :viewer, id, now() FROM users WHERE id <> :viewer ORDER BY username LIMIT 200
"""
_GROUP = """
INSERT INTO social_groups (id, name, description, created_by, is_public, created_at, updated_at)
VALUES (:group_id, 'Bench group', NULL, :viewer, true, now(), now())
"""
_MEMBERS = """
INSERT INTO group_members (id, group_id, user_id, role, joined_at)
SELECT gen_random_uuid(), :group_id, id, CASE WHEN id = :viewer THEN 'admin' ELSE 'member' END, now()
FROM (SELECT id FROM users ORDER BY email LIMIT 50) AS chosen
"""


def fill(conn: Connection, users: int) -> uuid.UUID:
    """Write the users, the viewer's follows and group; the viewer's id."""
    conn.execute(text(_USERS), {"names": list(FIRST_NAMES), "n": len(FIRST_NAMES), "count": users})
    viewer = conn.execute(text("SELECT id FROM users ORDER BY email LIMIT 1")).scalar_one()
    group_id = uuid.uuid4()
    conn.execute(text(_FOLLOWS), {"viewer": viewer})
    conn.execute(text(_GROUP), {"group_id": group_id, "viewer": viewer})
    conn.execute(text(_MEMBERS), {"group_id": group_id, "viewer": viewer})
    return uuid.UUID(str(viewer))


class LastStatement:
    """Remembers the last statement a connection ran, to EXPLAIN it afterwards."""

    def __init__(self, conn: Connection) -> None:
        self.statement = ""
        self.parameters: Any = None
        event.listen(conn, "before_cursor_execute", self._seen)

    def _seen(self, conn: Any, cursor: Any, statement: str, parameters: Any, *args: Any) -> None:
        self.statement, self.parameters = statement, parameters


def timed(conn: Connection, work: Callable[[], object], repeat: int, last: LastStatement) -> dict[str, Any]:
    """Median milliseconds of ``work`` over ``repeat`` runs after one warm-up, and its plan's top."""
    work()
    runs = []
    for _ in range(repeat):
        started = time.perf_counter()
        work()
        runs.append((time.perf_counter() - started) * 1000)
    plan = conn.exec_driver_sql("EXPLAIN (ANALYZE, COSTS OFF) " + last.statement, last.parameters).scalars()
    return {"median_ms": statistics.median(runs), "runs_ms": runs, "plan": list(plan)}


def measure(server_url: str, users: int, repeat: int) -> None:
    """The whole run (see the module docstring)."""
    with bytes_per_user.throwaway_database(server_url) as url:
        migrate.upgrade(url)
        engine = create_engine(url, poolclass=NullPool, connect_args={"options": "-c jit=off"})
        try:
            started = time.perf_counter()
            with engine.begin() as conn:
                viewer = fill(conn, users)
            with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
                conn.exec_driver_sql("VACUUM ANALYZE")
            print(f"{users:,} users written and analysed in {time.perf_counter() - started:.1f} s")
            with engine.connect() as conn:
                last = LastStatement(conn)
                people, progress = SqlUsers(conn), SqlProgress(conn)
                cases: dict[str, Callable[[], object]] = {
                    "login: users by e-mail (unique index)": lambda: people.get_by_email(
                        "user77@example.com"
                    ),
                    "search 'mar' (many matches), first 20": lambda: people.search_visible(
                        viewer, "mar", 0, 20
                    ),
                    "search 'zq' (no match), first 20": lambda: people.search_visible(viewer, "zq", 0, 20),
                    "community, first 50": lambda: progress.community(50),
                }
                results = {name: timed(conn, work, repeat, last) for name, work in cases.items()}
        finally:
            engine.dispose()
    print(f"\n{'statement':<42} {'median ms':>10}   runs (ms)")
    for name, result in results.items():
        runs = ", ".join(f"{ms:.1f}" for ms in result["runs_ms"])
        print(f"{name:<42} {result['median_ms']:>10.2f}   {runs}")
    for name, result in results.items():
        print(f"\nplan of {name}:")
        print("\n".join("  " + line for line in result["plan"][:8]))


def main(argv: list[str] | None = None) -> int:
    """Run it; 0 once it measured, 1 if something broke, 130 on Ctrl-C."""
    parser = argparse.ArgumentParser(description="Queries across all users (see docs/scaling.md).")
    parser.add_argument("--server-url", default=bytes_per_user.DEFAULT_SERVER, help="a PostgreSQL URL")
    parser.add_argument("--users", type=int, default=1_000_000, help="users to write (1,000,000)")
    parser.add_argument("--repeat", type=int, default=5, help="measured runs per statement (5)")
    args = parser.parse_args(argv)
    return bytes_per_user.reported(
        "global_queries", lambda: measure(args.server_url, args.users, args.repeat)
    )


if __name__ == "__main__":
    sys.exit(main())

"""Database bytes per active user: a year of one job search, measured on PostgreSQL.

`python bench/bytes_per_user.py [--server-url URL] [--users 10] [--seed 1]`

1. creates a throw-away database on the PostgreSQL server of ``--server-url`` (default the local
   cluster's ``postgres`` database as the admin connection), migrates it and measures every
   table's size empty (the milestone catalogue and the empty indexes' first pages);
2. registers ``--users`` users through the core's services (the code every API request runs, so
   activity entries, kept counters, milestones and streaks are written as in production) and gives
   each the year below (:data:`YEAR`), with texts of the lengths below: the users follow each
   other, join groups, post, and react to each other's posts;
3. runs ``VACUUM ANALYZE`` (what autovacuum does soon after) and measures each table with
   ``pg_total_relation_size`` (heap + TOAST + indexes), then ``VACUUM FULL`` and measures again (a
   freshly packed table: the lower bound); prints bytes per user per table, both ways;
4. prints the write-ahead log written while seeding, per user and per write (the server's whole
   WAL: other databases writing meanwhile inflate it, and the script says when they did);
5. drops the database, also on Ctrl-C or an error.

It is a measurement, not a test: exit status 0 once it measured, 1 if something broke.
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import random
import secrets
import sys
import time
import traceback
import uuid
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from typing import Any

from sqlalchemy import create_engine, text
from sqlalchemy.engine import Connection, make_url
from sqlalchemy.pool import NullPool

from offertracker_core.enums import (
    ApplicationStatus,
    ContactType,
    DocumentType,
    JobType,
    OutcomeStatus,
    PostType,
    Priority,
    ReactionType,
    ReminderType,
    Source,
    StageResult,
    StageType,
    WorkMode,
)
from offertracker_core.inputs import (
    NewApplication,
    NewContact,
    NewDocument,
    NewGroup,
    NewOutcome,
    NewPost,
    NewReaction,
    NewReflection,
    NewReminder,
    NewResume,
    NewSavedJob,
    NewStage,
    NewTag,
    Registration,
)
from offertracker_core.services import Services
from offertracker_storage import Argon2Passwords, JwtTokens, SqlStorage, migrate
from offertracker_storage.sql import sync_url, tables

__all__ = ["YEAR", "main"]

DEFAULT_SERVER = "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"

YEAR: dict[str, int] = {
    "resumes": 3,
    "saved_jobs": 150,  # of which `converted` become applications
    "converted": 20,
    "applications": 180,  # created directly: 200 with the converted saved jobs
    "application_edits": 100,  # notes rewritten later (dead tuples until vacuum, activity entries)
    # stages per application cycle through (4, 2, 1, 1): 2 on average, 400 in the year
    "outcomes": 40,  # 10 offers, 30 rejections
    "offers": 10,
    "reflections": 40,
    "contacts": 60,  # half of them linked to an application
    "documents": 60,
    "reminders": 150,  # half of them completed
    "tags": 12,
    "tags_per_application": 2,
    "follows": 10,  # at most the other users
    "groups_joined": 2,  # one group created per five users
    "posts": 24,  # two a month; every eighth into a group
    "reactions": 50,  # on other users' posts, at most as many as there are
}
"""One active user's year, the assumption every per-user figure rests on (docs/scaling.md)."""
STAGE_CYCLE = (4, 2, 1, 1)

# Characters of free text per field: pasted job descriptions dominate.
CHARS: dict[str, int] = {
    "bio": 300,
    "resume_notes": 200,
    "description": 1500,
    "application_notes": 200,
    "prep_notes": 400,
    "stage_notes": 300,
    "question": 60,
    "outcome_notes": 200,
    "reflection": 300,
    "contact_notes": 150,
    "document_notes": 100,
    "reminder": 100,
    "saved_job_notes": 300,
    "group_description": 300,
    "post": 400,
}

_VOCABULARY = tuple(
    " ".join(
        (
            "the a and to of in for with on our team role interview engineer platform backend data",
            "product design system recruiter call manager offer salary equity remote hybrid onsite",
            "python sql distributed latency scale customers deadline follow up next week thanks",
            "experience project migration database service cloud api review feedback questions",
            "culture growth mentoring on-call incident roadmap stakeholders hiring loop take-home",
        )
    ).split()
)


def words(rng: random.Random, chars: int) -> str:
    """About ``chars`` characters of job-search prose (English words, so PostgreSQL's TOAST
    compression meets text of the kind it meets in production)."""
    out: list[str] = []
    length = 0
    while length < chars:
        word = rng.choice(_VOCABULARY)
        out.append(word)
        length += len(word) + 1
    return " ".join(out)[:chars]


# --------------------------------------------------------------------------- the year


class Counter:
    """Writes made through the services (for WAL per write)."""

    def __init__(self) -> None:
        self.writes = 0

    def __call__(self, result: Any) -> Any:
        self.writes += 1
        return result


async def private_year(services: Services, user_id: uuid.UUID, rng: random.Random, count: Counter) -> None:
    """Everything of the year that concerns the user alone, in the order a search would run."""
    today = dt.date.today()
    await services.users.update_me(user_id, {"bio": words(rng, CHARS["bio"]), "display_name": "Bench User"})
    count(None)
    resumes = [
        count(await services.resumes.create(user_id, NewResume(f"v{n}", words(rng, CHARS["resume_notes"]))))
        for n in range(YEAR["resumes"])
    ]
    tag_ids = [count(await services.tags.create(user_id, NewTag(f"tag-{n}"))).id for n in range(YEAR["tags"])]
    saved = []
    for n in range(YEAR["saved_jobs"]):
        job = NewSavedJob(
            company_name=f"Saved Company {n}",
            role_title="Senior Backend Engineer",
            url=f"https://jobs.example.com/saved/{uuid.uuid4().hex}",
            location="Berlin, Germany",
            salary_range_min=80_000,
            salary_range_max=110_000,
            source="LinkedIn",
            notes=words(rng, CHARS["saved_job_notes"]),
            excitement_level=rng.randint(1, 5),
        )
        saved.append(count(await services.saved_jobs.create(user_id, job)))
    app_ids = [
        count(await services.saved_jobs.convert(user_id, job.id)).application.id
        for job in saved[: YEAR["converted"]]
    ]
    for n in range(YEAR["applications"]):
        new = NewApplication(
            company_name=f"Company {n}",
            role_title="Backend Engineer",
            url=f"https://jobs.example.com/{uuid.uuid4().hex}",
            description=words(rng, CHARS["description"]),
            location="Remote, Europe",
            job_type=JobType.FULL_TIME,
            work_mode=rng.choice(list(WorkMode)),
            salary_min=70_000 + n * 100,
            salary_max=100_000 + n * 100,
            salary_currency="EUR",
            applied_source=rng.choice(list(Source)),
            applied_date=today - dt.timedelta(days=365 - n * 365 // YEAR["applications"]),
            priority=rng.choice(list(Priority)),
            notes=words(rng, CHARS["application_notes"]),
            status=ApplicationStatus.APPLIED,
            resume_version_id=resumes[n % len(resumes)].id,
        )
        app_ids.append(count(await services.applications.create(user_id, new)).application.id)
    for n, app_id in enumerate(app_ids):
        for s in range(STAGE_CYCLE[n % len(STAGE_CYCLE)]):
            stage = NewStage(
                stage_name=f"Round {s + 1}",
                stage_type=list(StageType)[s],
                stage_date=today - dt.timedelta(days=rng.randint(0, 360)),
                result=StageResult.PASSED if s else StageResult.PENDING,
                duration_minutes=45,
                interviewer_names="Ada Lovelace, Grace Hopper",
                prep_notes=words(rng, CHARS["prep_notes"]),
                questions_asked=[words(rng, CHARS["question"]) for _ in range(3)],
                notes=words(rng, CHARS["stage_notes"]),
            )
            count(await services.stages.add(user_id, app_id, stage))
        for tag_id in rng.sample(tag_ids, YEAR["tags_per_application"]):
            count(await services.tags.assign(user_id, app_id, tag_id))
    for app_id in app_ids[: YEAR["application_edits"]]:
        notes = words(rng, CHARS["application_notes"])
        count(await services.applications.update(user_id, app_id, {"notes": notes}))
    for n, app_id in enumerate(app_ids[: YEAR["outcomes"]]):
        offer = n < YEAR["offers"]
        outcome = NewOutcome(
            status=OutcomeStatus.OFFER if offer else OutcomeStatus.REJECTED,
            salary=95_000 if offer else None,
            salary_currency="EUR",
            bonus="10%" if offer else None,
            benefits=words(rng, 100) if offer else None,
            negotiation_notes=words(rng, CHARS["outcome_notes"]) if offer else None,
            notes=words(rng, CHARS["outcome_notes"]),
        )
        count(await services.outcomes.create(user_id, app_id, outcome))
    for app_id in app_ids[: YEAR["reflections"]]:
        reflection = NewReflection(
            what_worked=words(rng, CHARS["reflection"]),
            what_failed=words(rng, CHARS["reflection"]),
            skill_gaps={"system design": "basic", "kubernetes": "none", "negotiation": "practise"},
            improvement_plan=words(rng, CHARS["reflection"]),
        )
        count(await services.reflections.create(user_id, app_id, reflection))
    for n in range(YEAR["contacts"]):
        contact = NewContact(
            name=f"Contact {n}",
            application_id=app_ids[n] if n % 2 == 0 else None,
            email=f"contact{n}@example.com",
            phone="+49 30 1234567",
            role_title="Recruiter",
            company=f"Company {n}",
            contact_type=rng.choice(list(ContactType)),
            linkedin_url=f"https://www.linkedin.com/in/contact-{n}",
            notes=words(rng, CHARS["contact_notes"]),
            last_contacted=today - dt.timedelta(days=rng.randint(0, 360)),
        )
        count(await services.contacts.create(user_id, contact))
    for n in range(YEAR["documents"]):
        document = NewDocument(
            application_id=app_ids[n],
            name=f"Cover letter {n}.pdf",
            doc_type=DocumentType.COVER_LETTER,
            file_url=f"https://files.example.com/{uuid.uuid4().hex}.pdf",
            notes=words(rng, CHARS["document_notes"]),
        )
        count(await services.documents.create(user_id, document))
    now = dt.datetime.now(dt.UTC)
    for n in range(YEAR["reminders"]):
        reminder = NewReminder(
            title=f"Follow up with Company {n}",
            remind_at=now + dt.timedelta(days=n % 30 - 15),
            application_id=app_ids[n % len(app_ids)],
            description=words(rng, CHARS["reminder"]),
            reminder_type=ReminderType.FOLLOW_UP,
        )
        made = count(await services.reminders.create(user_id, reminder))
        if n % 2 == 0:
            count(await services.reminders.complete(user_id, made.id))


async def social_year(
    services: Services, users: list[uuid.UUID], rng: random.Random, count: Counter
) -> dict[str, int]:
    """Follows, groups, posts and reactions among ``users``; how many of each were made."""
    made = {"groups": 0, "follows": 0, "memberships": 0, "posts": 0, "reactions": 0}
    groups = []
    for creator in users[::5]:
        group = NewGroup(f"Job seekers {uuid.uuid4().hex[:8]}", words(rng, CHARS["group_description"]), True)
        groups.append(count(await services.groups.create(creator, group)))
        made["groups"] += 1
    for user_id in users:
        others = [u for u in users if u != user_id]
        for target in rng.sample(others, min(YEAR["follows"], len(others))):
            count(await services.follows.follow(user_id, target))
            made["follows"] += 1
        mine = [g for g in groups if g.created_by == user_id]
        for group in [g for g in groups if g.created_by != user_id][: YEAR["groups_joined"] - len(mine)]:
            count(await services.groups.join(user_id, group.id))
            made["memberships"] += 1
    joined = {u: [g.id for g in await services.groups.mine(u)] for u in users}
    posts: dict[uuid.UUID, list[uuid.UUID]] = {u: [] for u in users}
    for user_id in users:
        for n in range(YEAR["posts"]):
            group_id = joined[user_id][n % len(joined[user_id])] if n % 8 == 7 and joined[user_id] else None
            post = NewPost(
                content=words(rng, CHARS["post"]),
                post_type=rng.choice(list(PostType)),
                title=f"Week {n}" if n % 3 == 0 else None,
                group_id=group_id,
            )
            posts[user_id].append(count(await services.posts.create(user_id, post)).id)
            made["posts"] += 1
    for user_id in users:
        theirs = [p for u, ids in posts.items() if u != user_id for p in ids]
        for post_id in rng.sample(theirs, min(YEAR["reactions"], len(theirs))):
            count(await services.posts.react(user_id, post_id, NewReaction(rng.choice(list(ReactionType)))))
            made["reactions"] += 1
    return made


async def seed(url: str, users: int, seed_value: int) -> tuple[int, dict[str, int]]:
    """Register ``users`` users and give each the year; the number of writes and the social counts."""
    storage = await SqlStorage.open(url)
    services = Services.create(
        storage, passwords=Argon2Passwords(), tokens=JwtTokens(secrets.token_urlsafe(32))
    )
    count = Counter()
    try:
        ids = []
        for n in range(users):
            suffix = uuid.uuid4().hex[:8]
            registration = Registration(
                email=f"year-{n}-{suffix}@example.com", username=f"year_{n}_{suffix}", password="bench-pass"
            )
            ids.append(count(await services.auth.register(registration)).user.id)
        # One task per user, as concurrent users would be; the storage's pool bounds the overlap.
        await asyncio.gather(
            *(
                private_year(services, user_id, random.Random(seed_value * 1000 + n), count)
                for n, user_id in enumerate(ids)
            )
        )
        social = await social_year(services, ids, random.Random(seed_value), count)
    finally:
        await storage.close()
    return count.writes, social


# --------------------------------------------------------------------------- measuring

_SIZES = text(
    """
    SELECT c.relname, pg_total_relation_size(c.oid), pg_relation_size(c.oid), pg_indexes_size(c.oid)
    FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
    WHERE n.nspname = current_schema() AND c.relkind = 'r'
    """
)


def sizes(conn: Connection) -> dict[str, tuple[int, int, int, int]]:
    """Per table of the data model: rows, total bytes, heap bytes, index bytes."""
    found = {name: (total, heap, index) for name, total, heap, index in conn.execute(_SIZES)}
    out = {}
    for table in tables.metadata.sorted_tables:
        rows = conn.execute(text(f'SELECT count(*) FROM "{table.name}"')).scalar_one()
        out[table.name] = (int(rows), *found[table.name])
    return out


def other_commits(conn: Connection) -> int:
    """Transactions committed so far in the server's other databases (a WAL figure's noise)."""
    query = text(
        "SELECT coalesce(sum(xact_commit), 0) FROM pg_stat_database WHERE datname <> current_database()"
    )
    conn.execute(text("SELECT pg_stat_clear_snapshot()"))
    return int(conn.execute(query).scalar_one())


@contextmanager
def throwaway_database(server_url: str) -> Iterator[str]:
    """A new database on the server of ``server_url``, dropped (FORCE) on the way out."""
    admin = create_engine(sync_url(server_url), isolation_level="AUTOCOMMIT", poolclass=NullPool)
    name = f"offertracker_bytes_{uuid.uuid4().hex[:10]}"
    with admin.connect() as conn:
        conn.exec_driver_sql(f'CREATE DATABASE "{name}"')
    try:
        yield make_url(sync_url(server_url)).set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as conn:
            conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.dispose()


def per_user(
    before: Mapping[str, tuple[int, ...]], after: Mapping[str, tuple[int, ...]], users: int
) -> dict[str, list[float]]:
    """Each table's growth from ``before`` to ``after`` divided by ``users``: rows, total, heap, index."""
    return {name: [(a - b) / users for a, b in zip(after[name], before[name], strict=True)] for name in after}


def _line(name: str, figures: list[float], packed: float) -> str:
    rows, total, heap, index = figures
    per_row = f"{total / rows:>10,.0f}" if rows > 0 else f"{'':>10}"
    toast = total - heap - index  # TOAST (long texts, compressed) and the free-space and visibility maps
    sizes = f"{total:>11,.0f} {heap:>9,.0f} {toast:>9,.0f} {index:>9,.0f} {packed:>9,.0f}"
    return f"{name:<20} {rows:>8,.1f} {per_row} {sizes}"


def render(written: dict[str, list[float]], packed: dict[str, list[float]]) -> str:
    """One line per table, largest first, and the totals."""
    header = f"{'table':<20} {'rows':>8} {'bytes/row':>10} {'as written':>11} {'heap':>9} {'toast etc':>9}"
    header += f" {'indexes':>9} {'packed':>9}"
    lines = [header, "-" * len(header)]
    for name in sorted(written, key=lambda n: -written[n][1]):
        lines.append(_line(name, written[name], packed[name][1]))
    totals = [sum(v[i] for v in written.values()) for i in range(4)]
    lines += ["-" * len(header), _line("total", totals, sum(v[1] for v in packed.values()))]
    return "\n".join(lines)


def measure(server_url: str, users: int, seed_value: int) -> None:
    """The whole run (see the module docstring)."""
    with throwaway_database(server_url) as url:
        migrate.upgrade(url)
        engine = create_engine(url, isolation_level="AUTOCOMMIT", poolclass=NullPool)
        try:
            with engine.connect() as conn:
                conn.exec_driver_sql("VACUUM FULL")
                empty_packed = sizes(conn)
                conn.exec_driver_sql("VACUUM ANALYZE")
                empty = sizes(conn)
                wal_before = conn.execute(text("SELECT pg_current_wal_lsn()")).scalar_one()
                commits_before = other_commits(conn)
            started = time.perf_counter()
            writes, social = asyncio.run(seed(url, users, seed_value))
            seconds = time.perf_counter() - started
            with engine.connect() as conn:
                wal = conn.execute(
                    text("SELECT pg_wal_lsn_diff(pg_current_wal_lsn(), :lsn)"), {"lsn": wal_before}
                ).scalar_one()
                elsewhere = other_commits(conn) - commits_before
                conn.exec_driver_sql("VACUUM ANALYZE")
                written = sizes(conn)
                conn.exec_driver_sql("VACUUM FULL")
                packed = sizes(conn)
        finally:
            engine.dispose()
    print(
        f"{users} users seeded through the services in {seconds:.1f} s: {writes:,} writes; social: {social}"
    )
    print()
    print("bytes per user (pg_total_relation_size growth / users; 'packed' after VACUUM FULL):")
    print(render(per_user(empty, written, users), per_user(empty_packed, packed, users)))
    print()
    noise = (
        f" ({elsewhere:,} transactions committed in other databases meanwhile: an upper bound)"
        if elsewhere
        else ""
    )
    print(
        f"WAL written while seeding: {float(wal) / users:,.0f} bytes per user, "
        f"{float(wal) / writes:,.0f} bytes per write{noise}"
    )


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    """The command line (see the module docstring)."""
    parser = argparse.ArgumentParser(description="Database bytes per active user (see docs/scaling.md).")
    parser.add_argument(
        "--server-url",
        default=DEFAULT_SERVER,
        help=f"a PostgreSQL URL whose server gets a throw-away database ({DEFAULT_SERVER})",
    )
    parser.add_argument("--users", type=int, default=10, help="users to seed, each with a year (10)")
    parser.add_argument("--seed", type=int, default=1, help="seed of the random texts and choices (1)")
    args = parser.parse_args(argv)
    if args.users < 2:
        parser.error("--users must be at least 2 (they follow and react to each other)")
    if make_url(sync_url(args.server_url)).get_backend_name() != "postgresql":
        parser.error("--server-url must be a PostgreSQL URL")
    return args


def reported(name: str, run: Callable[[], object]) -> int:
    """Run a measurement: 0 once it measured, 1 if something broke (said on stderr), 130 on Ctrl-C."""
    try:
        run()
    except KeyboardInterrupt:
        print("\ninterrupted", file=sys.stderr)
        return 130
    except Exception:  # a measurement, not a test: say what broke and exit 1, as run.py does
        traceback.print_exc()
        print(f"\n{name} failed (the throw-away database was dropped)", file=sys.stderr)
        return 1
    return 0


def main(argv: list[str] | None = None) -> int:
    """Run it; 0 once it measured, 1 if something broke, 130 on Ctrl-C."""
    args = parse_args(argv)
    return reported("bytes_per_user", lambda: measure(args.server_url, args.users, args.seed))


if __name__ == "__main__":
    sys.exit(main())

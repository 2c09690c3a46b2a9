"""What one import costs the database: time and statements for N postings, new and then known.

In process, through the core's ``ImportService`` on a real ``SqlStorage`` (a temporary
SQLite file, or ``--database-url`` for PostgreSQL), with a synthetic importer that
yields N ready-made records (no fetching, no parsing: the host's own cost). Each N runs
three times for a fresh user: first import (all created), same import again (all
skipped), and a half-new import. Statements are counted with SQLAlchemy's
``before_cursor_execute`` hook on every engine. It is a measurement, not a test.

    python bench/imports.py
    python bench/imports.py --database-url postgresql+psycopg://postgres@127.0.0.1:5432/offertracker_bench
"""

from __future__ import annotations

import argparse
import asyncio
import tempfile
import time
import uuid
from collections.abc import AsyncIterator
from typing import Any

from sqlalchemy import event
from sqlalchemy.engine import Engine

from offertracker_core.import_registry import ImporterRegistry, ImportSetup
from offertracker_core.importers import (
    ImportContext,
    Importer,
    ImportInput,
    JobRecord,
    PayPeriod,
    Salary,
    UrlInput,
)
from offertracker_core.inputs import Registration
from offertracker_core.services import Services
from offertracker_storage import Argon2Passwords, JwtTokens, SqlStorage, migrate

STATEMENTS = [0]


@event.listens_for(Engine, "before_cursor_execute")
def _count(*_: Any) -> None:
    STATEMENTS[0] += 1


def synthetic(prefix: str, count: int, offset: int = 0) -> Importer:
    async def read(source: ImportInput, ctx: ImportContext) -> AsyncIterator[JobRecord]:
        for n in range(offset, offset + count):
            yield JobRecord(
                company=f"Company {n}",
                role=f"Engineer {n}",
                source="Bench",
                url=f"https://jobs.example.com/{prefix}/{n}?utm_source=bench",
                external_id=f"{prefix}-{n}",
                salary=Salary(minimum=50, maximum=70, currency="USD", period=PayPeriod.HOUR),
                description="Build things. " * 40,
            )

    return Importer(name="bench", title="Bench", read=read, url_patterns=("",))


async def measure(storage: SqlStorage, user_id: uuid.UUID, importer: Importer) -> tuple[float, int, Any]:
    registry = ImporterRegistry()
    registry.add(importer)
    services = Services.create(
        storage,
        passwords=Argon2Passwords(time_cost=1, memory_cost=1024, parallelism=1),
        tokens=JwtTokens("x" * 32),
        imports=ImportSetup(importers=registry, max_records=10_000),
    )
    STATEMENTS[0] = 0
    started = time.perf_counter()
    report = await services.imports.run(user_id, UrlInput("https://jobs.example.com/board"))
    return (time.perf_counter() - started) * 1000, STATEMENTS[0], report


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", default=None)
    parser.add_argument("--sizes", default="10,100,500,2000")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        url = args.database_url or f"sqlite:///{tmp}/bench.db"
        migrate.upgrade(url)
        storage = await SqlStorage.open(url)
        try:
            setup = Services.create(
                storage,
                passwords=Argon2Passwords(time_cost=1, memory_cost=1024, parallelism=1),
                tokens=JwtTokens("x" * 32),
            )
            print(f"database: {url.split('@')[-1]}")
            header = f"{'postings':>8} {'run':<10} {'ms':>8} {'ms/posting':>11} {'statements':>10}"
            print(f"{header}  created/skipped")
            for size in (int(n) for n in args.sizes.split(",")):
                name = uuid.uuid4().hex[:12]
                session = await setup.auth.register(
                    Registration(email=f"{name}@example.com", username=name, password="s3cret!")
                )
                runs = [
                    ("new", synthetic(name, size)),
                    ("known", synthetic(name, size)),
                    ("half new", synthetic(name, size, offset=size // 2)),
                ]
                for label, importer in runs:
                    ms, statements, report = await measure(storage, session.user.id, importer)
                    print(
                        f"{size:>8} {label:<10} {ms:>8.1f} {ms / size:>11.3f} {statements:>10}"
                        f"  {report.created}/{report.skipped}"
                    )
        finally:
            await storage.close()


if __name__ == "__main__":
    asyncio.run(main())

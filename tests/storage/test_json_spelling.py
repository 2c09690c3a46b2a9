"""SQLite writes the read model's JSON by hand (``application_pages``): byte for byte the converter's.

The contract cases compare the pages as parsed values on every backend; these
hold the SQLite spelling to the converter's exact bytes, per column type and
for a whole page, and check the limits of the spelling itself.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any
from uuid import uuid4

import orjson
import pytest
from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Column,
    Float,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    create_engine,
    insert,
    text,
)
from sqlalchemy.pool import NullPool

from offertracker_core.entities import ResumeVersion
from offertracker_http.rendering import to_json
from offertracker_storage import SqlStorage
from offertracker_storage.sql.repositories.application_pages import _Sqlite, _sqlite_uuid
from offertracker_storage.sql.types import HexUuid, IsoDate, UtcDateTime

from . import factories as f

_every_type = Table(
    "every_type",
    MetaData(),
    Column("id", HexUuid(), nullable=False),
    Column("maybe_id", HexUuid()),
    Column("at", UtcDateTime(), nullable=False),
    Column("maybe_at", UtcDateTime()),
    Column("name", String(100), nullable=False),
    Column("note", Text),
    Column("day", IsoDate()),
    Column("count", Integer),
    Column("big", BigInteger),
    Column("flag", Boolean),
    Column("doc", JSON),
)

_HOSTILE = 'Quote " backslash \\ slash / tab \t newline \n nul \x00 bell \x07 — ünïcode 😀 \u2028'


def _sqlite_rendering(tmp_path: Path, rows: list[dict[str, Any]]) -> list[bytes]:
    """Each row of ``_every_type`` written by the SQLite spelling, stored as the storage stores it."""
    engine = create_engine(
        f"sqlite:///{tmp_path / 't.db'}",
        poolclass=NullPool,
        json_serializer=lambda value: orjson.dumps(value).decode(),
    )
    sql = _Sqlite()
    obj = sql.object([(c.name, sql.value(f"t.{c.name}", c)) for c in _every_type.columns])
    with engine.begin() as conn:
        _every_type.create(conn)
        conn.execute(insert(_every_type), rows)
        rendered = conn.execute(text(f"SELECT {obj} FROM every_type t")).scalars().all()
    engine.dispose()
    return [value.encode() for value in rendered]


def test_every_column_type_is_written_as_the_converter_writes_it(tmp_path: Path) -> None:
    full = {
        "id": uuid4(),
        "maybe_id": uuid4(),
        "at": datetime(2026, 3, 1, 23, 59, 59, 999999, tzinfo=UTC),
        "maybe_at": datetime(2026, 3, 1, 9, 30, tzinfo=UTC),
        "name": _HOSTILE,
        "note": "",
        "day": date(2026, 3, 1),
        "count": -7,
        "big": 9_223_372_036_854_775_807,
        "flag": True,
        "doc": {"skills": ["SQL", _HOSTILE], "level": 2, "ok": False, "none": None},
    }
    # In column order: the converter writes a dict's keys in its order.
    empty = dict.fromkeys(full) | {"id": uuid4(), "at": datetime(2026, 3, 1, tzinfo=UTC), "name": "x"}
    falsy = empty | {"id": uuid4(), "count": 0, "flag": False, "doc": []}

    rendered = _sqlite_rendering(tmp_path, [full, empty, falsy])

    assert rendered == [to_json(full), to_json(empty), to_json(falsy)]
    assert orjson.loads(rendered[0])["at"] == "2026-03-01T23:59:59.999Z"  # truncated, not rounded


def test_an_object_with_more_values_than_one_printf_takes_is_written_by_several() -> None:
    # 30 ids of five printf arguments each: 150 arguments, past SQLite's 127 per call.
    sql = _Sqlite()
    obj = sql.object([(f"id{n}", _sqlite_uuid("t.hex")) for n in range(30)])
    value = uuid4()
    engine = create_engine("sqlite://", poolclass=NullPool)
    with engine.connect() as conn:
        statement = text(f"SELECT {obj} FROM (SELECT :hex AS hex) t")
        rendered = conn.execute(statement, {"hex": value.hex}).scalar()

    assert obj.count("printf(") == 2
    assert rendered == to_json({f"id{n}": value for n in range(30)}).decode()


def test_a_float_column_is_refused_rather_than_written_with_fewer_digits() -> None:
    table = Table("t", MetaData(), Column("ratio", Float))

    with pytest.raises(TypeError, match=r"t\.ratio"):
        _Sqlite().value("t.ratio", table.c.ratio)


async def test_the_sqlite_page_and_details_are_the_converters_bytes(storage: SqlStorage) -> None:
    if storage.dialect != "sqlite":
        pytest.skip("PostgreSQL's json text has its own spacing; the contract cases compare values")
    ada = f.user("ada")
    resume = f.resume(ada.id)
    rich = f.application(ada.id, resume_version_id=resume.id, notes=_HOSTILE)
    bare = f.application(ada.id, created_at=f.at(1), salary_min=None, priority=None, url=None)
    async with storage.write() as uow:
        await uow.users.add(ada)
        await uow.owned(ResumeVersion).add(resume)
        for app in (rich, bare):
            await uow.applications.add(app)
        await uow.stages.add(f.stage(rich.id))
        await uow.stages.add(f.stage(rich.id, stage_date=None, questions_asked=None))
        await uow.outcomes.add(f.outcome(rich.id))
        await uow.reflections.add(f.reflection(rich.id))
        await uow.commit()
    page: dict[str, Any] = {"status": None, "priority": None, "skip": 0, "limit": 100}

    async with storage.read() as uow:
        rendered = await uow.applications.page_json(ada.id, **page)
        details = await uow.applications.list_details(ada.id, **page)
        one_by_one = [await uow.applications.detail_json(d.application.id) for d in details]

    assert len(details) == 2
    assert rendered == to_json(details)
    assert one_by_one == [(ada.id, to_json(detail)) for detail in details]

"""Column types: the fast SQLite readers of sql/types.py give exactly what SQLAlchemy's own types give,
and what either database returns is aware UTC and real enum members."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from uuid import UUID, uuid4

from sqlalchemy import Column, MetaData, Table, create_engine, insert, select
from sqlalchemy.pool import NullPool

from offertracker_core.enums import ProfileVisibility
from offertracker_storage import SqlStorage
from offertracker_storage.sql.types import HexUuid, IsoDate, UtcDateTime, _sqlite_uuid

from . import factories as f


def test_a_uuid_read_from_hex_digits_is_an_ordinary_uuid() -> None:
    original = uuid4()

    read = _sqlite_uuid(original.hex)

    assert read == original
    assert hash(read) == hash(original)
    assert str(read) == str(original)
    assert repr(read) == repr(original)
    assert read.version == 4
    assert {read: 1}[original] == 1


def test_values_round_trip_through_sqlite_as_aware_utc_and_nulls_stay_null(tmp_path: Path) -> None:
    table = Table(
        "t", MetaData(), Column("u", HexUuid()), Column("d", IsoDate()), Column("ts", UtcDateTime())
    )
    engine = create_engine(f"sqlite:///{tmp_path / 't.db'}", poolclass=NullPool)
    uid, day, moment = uuid4(), date(2026, 3, 1), datetime(2026, 3, 1, 9, 30, 0, 123456, tzinfo=UTC)
    with engine.begin() as conn:
        table.create(conn)
        conn.execute(insert(table), [{"u": uid, "d": day, "ts": moment}, {"u": None, "d": None, "ts": None}])
        rows = conn.execute(select(table)).all()
    engine.dispose()

    assert rows[0] == (uid, day, moment)
    assert isinstance(rows[0][0], UUID)
    assert rows[0][2].tzinfo is UTC
    assert rows[1] == (None, None, None)


async def test_entities_read_back_from_either_database_carry_aware_utc_datetimes_and_enums(
    storage: SqlStorage,
) -> None:
    ada = f.user("ada")
    async with storage.write() as uow:
        await uow.users.add(ada)
        await uow.commit()
    async with storage.read() as uow:
        loaded = await uow.users.get(ada.id)
    assert loaded is not None
    assert loaded.created_at.tzinfo is not None
    assert loaded.created_at.utcoffset() == timedelta(0)
    assert type(loaded.profile_visibility) is ProfileVisibility
    assert isinstance(loaded.id, UUID)

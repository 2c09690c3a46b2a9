"""Prepared statements: compiled once per dialect, run on the driver's cursor, and yet
indistinguishable from ``Connection.execute`` to callers (values, errors, listeners).

Every test runs on SQLite and PostgreSQL: the point of ``Prepared`` is that each
dialect's bind and result processing is the one SQLAlchemy itself would apply.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import date, timedelta
from typing import Any
from uuid import UUID, uuid4

import pytest
from sqlalchemy import Connection, bindparam, event, func, insert, select, update
from sqlalchemy.exc import IntegrityError

from offertracker_core.entities import Application, User
from offertracker_core.enums import ApplicationStatus
from offertracker_core.errors import Duplicate
from offertracker_storage import SqlStorage
from offertracker_storage.sql.errors import translate
from offertracker_storage.sql.prepared import Prepared, run_sql
from offertracker_storage.sql.repositories import BY_PORT
from offertracker_storage.sql.tables import applications, outcomes, reflections, tags, users

from . import factories as f

_USER_COLUMNS = BY_PORT["users"].mapper.names

# Every column of four tables: UUIDs, aware datetimes, dates, enum strings, integers,
# booleans, JSON, and (for an application without children) NULLs from the outer joins.
_EVERYTHING = (
    select(*applications.c, *users.c, *outcomes.c, *reflections.c)
    .select_from(
        applications.join(users, users.c.id == applications.c.user_id)
        .outerjoin(outcomes, outcomes.c.application_id == applications.c.id)
        .outerjoin(reflections, reflections.c.application_id == applications.c.id)
    )
    .where(applications.c.user_id == bindparam("owner"))
    .order_by(applications.c.company_name)
)
_AT = {
    f"{column.table.name}.{column.name}": index for index, column in enumerate(_EVERYTHING.selected_columns)
}


async def _one_user_with_two_applications(storage: SqlStorage) -> tuple[User, Application, Application]:
    """Ada, her application at Acme (with an outcome and a reflection) and a bare one at Globex."""
    ada = f.user("ada")
    acme = f.application(ada.id)
    globex = f.application(
        ada.id,
        company_name="Globex",
        url=None,
        job_type=None,
        salary_min=None,
        applied_date=None,
        status=ApplicationStatus.SAVED,
        created_at=f.at(5),
    )
    async with storage.write() as uow:
        await uow.users.add(ada)
        await uow.applications.add(acme)
        await uow.applications.add(globex)
        await uow.outcomes.add(f.outcome(acme.id))
        await uow.reflections.add(f.reflection(acme.id))
        await uow.commit()
    return ada, acme, globex


async def _read(storage: SqlStorage, fn: Callable[[Connection], Any]) -> Any:
    async with storage.read() as uow:
        return await uow.execute(fn)


async def test_a_prepared_select_returns_exactly_the_rows_connection_execute_returns(
    storage: SqlStorage,
) -> None:
    ada, acme, globex = await _one_user_with_two_applications(storage)
    params = {"owner": ada.id}

    prepared, executed = await _read(
        storage,
        lambda conn: (
            Prepared(_EVERYTHING).rows(conn, params),
            [tuple(row) for row in conn.execute(_EVERYTHING, params)],
        ),
    )

    assert prepared == executed
    assert [[type(value) for value in row] for row in prepared] == [
        [type(value) for value in row] for row in executed
    ]
    with_children, bare = prepared
    assert with_children[_AT["applications.id"]] == acme.id
    assert isinstance(with_children[_AT["applications.user_id"]], UUID)
    assert with_children[_AT["applications.created_at"]] == f.T0
    assert with_children[_AT["applications.created_at"]].utcoffset() is not None
    assert with_children[_AT["applications.applied_date"]] == date(2026, 3, 1)
    status, job_type = with_children[_AT["applications.status"]], with_children[_AT["applications.job_type"]]
    assert (status, job_type) == ("Applied", "Full-time")
    assert (type(status), type(job_type)) == (str, str)  # the stored wire strings, not the core's enums
    assert with_children[_AT["users.is_profile_public"]] is False
    assert with_children[_AT["outcomes.salary"]] == 95000
    assert with_children[_AT["reflections.skill_gaps"]] == {"skills": ["Kafka", "SQL"], "severity": 2}
    assert bare[_AT["applications.id"]] == globex.id
    assert bare[_AT["applications.created_at"]] == f.T0 + timedelta(minutes=5)
    assert bare[_AT["applications.status"]] == "Saved"
    for column in ("applications.url", "applications.job_type", "applications.resume_version_id"):
        assert bare[_AT[column]] is None
    assert bare[_AT["outcomes.id"] :] == (None,) * (len(bare) - _AT["outcomes.id"])


async def test_first_returns_the_first_row_or_none_when_nothing_matches(storage: SqlStorage) -> None:
    ada, acme, _ = await _one_user_with_two_applications(storage)
    by_owner = Prepared(_EVERYTHING)

    first, missing = await _read(
        storage,
        lambda conn: (by_owner.first(conn, {"owner": ada.id}), by_owner.first(conn, {"owner": uuid4()})),
    )

    assert first is not None
    assert (first[_AT["applications.id"]], first[_AT["applications.company_name"]]) == (acme.id, "Acme")
    assert missing is None


async def test_run_returns_the_number_of_rows_an_update_changed(storage: SqlStorage) -> None:
    ada, _, _ = await _one_user_with_two_applications(storage)
    bob = f.user("bob")
    async with storage.write() as uow:
        await uow.users.add(bob)
        await uow.applications.add(f.application(bob.id))
        await uow.commit()
    set_notes = Prepared(
        update(applications).where(applications.c.user_id == bindparam("owner")), keys=["notes"]
    )

    async with storage.write() as uow:
        changed = await uow.execute(lambda conn: set_notes.run(conn, {"owner": ada.id, "notes": "Batch"}))
        unchanged = await uow.execute(lambda conn: set_notes.run(conn, {"owner": uuid4(), "notes": "None"}))
        await uow.commit()

    assert (changed, unchanged) == (2, 0)
    assert await f.count_rows(storage, applications, notes="Batch") == 2
    assert await f.count_rows(storage, applications, user_id=bob.id, notes="Referral from Bob.") == 1


async def test_run_many_inserts_one_row_per_parameter_set(storage: SqlStorage) -> None:
    ada = f.user("ada")
    async with storage.write() as uow:
        await uow.users.add(ada)
        await uow.commit()
    new_tags = [
        {"id": uuid4(), "user_id": ada.id, "name": name, "color": color, "created_at": f.at(minute)}
        for minute, (name, color) in enumerate(
            [("remote", "#00ff00"), ("dream", "#ff0000"), ("fintech", "#0000ff")]
        )
    ]
    add_tag = Prepared(insert(tags), keys=["id", "user_id", "name", "color", "created_at"])

    async with storage.write() as uow:
        result = await uow.execute(lambda conn: add_tag.run_many(conn, new_tags))
        await uow.commit()

    stored = await _read(
        storage,
        lambda conn: [
            row._asdict()
            for row in conn.execute(
                select(tags.c.id, tags.c.user_id, tags.c.name, tags.c.color, tags.c.created_at).order_by(
                    tags.c.created_at
                )
            )
        ],
    )
    assert result is None
    assert stored == new_tags


async def test_a_parameter_the_caller_omits_takes_the_statements_own_value(storage: SqlStorage) -> None:
    ada, bob = f.user("ada"), f.user("bob")
    async with storage.write() as uow:
        await uow.users.add(ada)
        await uow.users.add(bob)
        await uow.commit()
    # "name" has a default; "streak_days > 1" is an anonymous parameter no caller can name.
    named = Prepared(
        select(users.c.username)
        .where(users.c.username == bindparam("name", "ada"))
        .where(users.c.streak_days > 1)
    )
    set_bio = Prepared(update(users).values(bio="Set by the statement").where(users.c.id == bindparam("uid")))

    async with storage.write() as uow:
        defaulted = await uow.execute(lambda conn: named.rows(conn))
        given = await uow.execute(lambda conn: named.rows(conn, {"name": "bob"}))
        changed = await uow.execute(lambda conn: set_bio.run(conn, {"uid": bob.id}))
        await uow.commit()

    assert (defaulted, given, changed) == ([("ada",)], [("bob",)], 1)
    async with storage.read() as uow:
        stored = (await uow.users.get(ada.id), await uow.users.get(bob.id))
    assert [user.bio for user in stored if user is not None] == ["Engineer.", "Set by the statement"]


@pytest.mark.parametrize(
    ("table", "duplicate_of", "constraint"),
    [
        pytest.param(users, "user", "users.username", id="one column"),
        pytest.param(tags, "tag", "tags.user_id,name", id="two columns"),
    ],
)
async def test_a_unique_violation_through_prepared_is_the_integrity_error_and_duplicate_execute_gives(
    storage: SqlStorage, table: Any, duplicate_of: str, constraint: str
) -> None:
    ada = f.user("ada")
    tag = {"id": uuid4(), "user_id": ada.id, "name": "remote", "color": "#00ff00", "created_at": f.T0}
    async with storage.write() as uow:
        await uow.users.add(ada)
        await uow.execute(lambda conn: conn.execute(insert(tags), tag))
        await uow.commit()
    if duplicate_of == "user":  # same username, different id and email
        row = BY_PORT["users"].mapper.to_row(f.user("ada", email="other@example.com"))
        keys: tuple[str, ...] = _USER_COLUMNS
    else:  # same user and name, different id
        row, keys = tag | {"id": uuid4()}, tuple(tag)
    statement = insert(table)
    prepared = Prepared(statement, keys=keys)

    def caught(run: Callable[[Connection], object]) -> Callable[[Connection], IntegrityError | None]:
        def attempt(conn: Connection) -> IntegrityError | None:
            try:
                run(conn)
            except IntegrityError as error:  # caught here, before the unit of work translates it
                return error
            return None

        return attempt

    errors = []
    for run in (lambda conn: prepared.run(conn, row), lambda conn: conn.execute(statement, row)):
        async with storage.write() as uow:  # one each: a failed statement aborts a PostgreSQL transaction
            errors.append(await uow.execute(caught(run)))
    through_prepared, through_execute = errors

    assert isinstance(through_prepared, IntegrityError)
    assert isinstance(through_execute, IntegrityError)
    assert type(through_prepared.orig) is type(through_execute.orig)
    duplicates = [translate(through_prepared), translate(through_execute)]
    assert [type(duplicate) for duplicate in duplicates] == [Duplicate, Duplicate]
    assert [duplicate.constraint for duplicate in duplicates if isinstance(duplicate, Duplicate)] == [
        constraint,
        constraint,
    ]
    assert await f.count_rows(storage, table) == 1


async def test_a_repository_insert_through_prepared_surfaces_a_duplicate_naming_the_column(
    storage: SqlStorage,
) -> None:
    async with storage.write() as uow:
        await uow.users.add(f.user("ada"))
        await uow.commit()

    async def add_namesake() -> None:
        async with storage.write() as uow:
            await uow.users.add(f.user("ada", email="other@example.com"))
            await uow.commit()

    with pytest.raises(Duplicate) as raised:
        await add_namesake()

    assert raised.value.constraint == "users.username"
    assert isinstance(raised.value.__cause__, IntegrityError)
    assert await f.count_rows(storage, users) == 1


@contextmanager
def cursor_events(storage: SqlStorage) -> Iterator[list[tuple[str, str, Any, bool]]]:
    """``(event, sql, parameters, executemany)`` of every cursor execution while the block runs."""
    heard: list[tuple[str, str, Any, bool]] = []

    def listener(name: str) -> Callable[..., None]:
        def hear(_conn: Any, _cursor: Any, sql: str, parameters: Any, _context: Any, many: bool) -> None:
            heard.append((name, sql, parameters, many))

        return hear

    before, after = listener("before"), listener("after")
    engines = storage.sync_engines
    for engine in engines:
        event.listen(engine, "before_cursor_execute", before)
        event.listen(engine, "after_cursor_execute", after)
    try:
        yield heard
    finally:
        for engine in engines:
            event.remove(engine, "before_cursor_execute", before)
            event.remove(engine, "after_cursor_execute", after)


async def test_cursor_listeners_hear_a_prepared_statement_as_they_hear_connection_execute(
    storage: SqlStorage,
) -> None:
    async with storage.write() as uow:
        await uow.users.add(f.user("ada"))
        await uow.commit()
    statement = select(users.c.email).where(users.c.username == bindparam("name"))
    by_name = Prepared(statement)

    def both(conn: Connection) -> tuple[str, list[tuple[Any, ...]], list[tuple[Any, ...]]]:
        sql = str(statement.compile(dialect=conn.dialect))
        return (
            sql,
            by_name.rows(conn, {"name": "ada"}),
            [tuple(row) for row in conn.execute(statement, {"name": "ada"})],
        )

    with cursor_events(storage) as heard:
        sql, prepared, executed = await _read(storage, both)

    ours = [entry for entry in heard if entry[1] == sql]
    expected_parameters = ("ada",) if storage.dialect == "sqlite" else {"name": "ada"}
    assert prepared == executed == [("ada@example.com",)]
    assert ours == [
        ("before", sql, expected_parameters, False),  # Prepared
        ("after", sql, expected_parameters, False),
        ("before", sql, expected_parameters, False),  # Connection.execute
        ("after", sql, expected_parameters, False),
    ]


async def test_cursor_listeners_hear_run_many_once_as_an_executemany(storage: SqlStorage) -> None:
    ada = f.user("ada")
    async with storage.write() as uow:
        await uow.users.add(ada)
        await uow.commit()
    add_tag = Prepared(insert(tags), keys=["id", "user_id", "name", "color", "created_at"])
    new_tags = [
        {"id": uuid4(), "user_id": ada.id, "name": name, "color": "#000000", "created_at": f.T0}
        for name in ("a", "b")
    ]

    with cursor_events(storage) as heard:
        async with storage.write() as uow:
            sql = await uow.execute(lambda conn: str(insert(tags).compile(dialect=conn.dialect)))
            await uow.execute(lambda conn: add_tag.run_many(conn, new_tags))
            await uow.commit()

    ours = [(name, many, len(parameters)) for name, text, parameters, many in heard if text == sql]
    assert ours == [("before", True, 2), ("after", True, 2)]
    assert await f.count_rows(storage, tags, user_id=ada.id) == 2


@pytest.mark.parametrize(
    "parameter",
    [
        pytest.param(bindparam("names", expanding=True), id="expanding"),
        pytest.param(bindparam("names", ["ada"], literal_execute=True), id="literal-execute"),
    ],
)
async def test_a_statement_with_an_expanding_or_literal_execute_parameter_is_refused_when_first_run(
    storage: SqlStorage, parameter: Any
) -> None:
    statement = select(users.c.id).where(users.c.username.in_(parameter))
    refused = Prepared(statement)  # building it is fine: nothing is compiled before the first run

    def attempt(conn: Connection) -> str:
        try:
            refused.rows(conn, {"names": ["ada", "bob"]})
        except TypeError as error:
            return str(error)
        return "ran"

    assert await _read(storage, attempt) == "expanding or literal-execute parameters need Connection.execute"


async def test_run_sql_sends_a_fixed_statement_such_as_a_savepoint_to_the_driver(storage: SqlStorage) -> None:
    ada, bob = f.user("ada"), f.user("bob")
    add_user = Prepared(insert(users), keys=_USER_COLUMNS)
    to_row = BY_PORT["users"].mapper.to_row

    def add_bob_then_undo(conn: Connection) -> int:
        run_sql(conn, "SAVEPOINT probe")
        add_user.run(conn, to_row(bob))
        inside = conn.execute(select(func.count()).select_from(users)).scalar_one()
        run_sql(conn, "ROLLBACK TO SAVEPOINT probe")
        run_sql(conn, "RELEASE SAVEPOINT probe")
        return int(inside)

    with cursor_events(storage) as heard:
        async with storage.write() as uow:
            await uow.users.add(ada)
            inside = await uow.execute(add_bob_then_undo)
            await uow.commit()

    assert inside == 2
    assert [sql for name, sql, _, _ in heard if name == "before" and "SAVEPOINT" in sql] == [
        "SAVEPOINT probe",
        "ROLLBACK TO SAVEPOINT probe",
        "RELEASE SAVEPOINT probe",
    ]
    async with storage.read() as uow:
        assert (await uow.users.get(ada.id), await uow.users.get(bob.id)) == (ada, None)


async def test_a_misspelt_parameter_name_is_refused_instead_of_meaning_null(storage: SqlStorage) -> None:
    await _one_user_with_two_applications(storage)
    by_name = Prepared(select(users.c.id).where(users.c.username == bindparam("name")))

    def attempt(conn: Connection) -> str:
        try:
            by_name.rows(conn, {"nmae": "ada"})
        except ValueError as error:
            return str(error)
        return "ran"

    assert await _read(storage, attempt) == "A value is required for bind parameter 'name'"


async def test_a_statement_on_a_connection_without_a_transaction_begins_one(storage: SqlStorage) -> None:
    # SQLite's writer engine; PostgreSQL's sync engine (the async engine's own is not usable here).
    engine = storage.sync_engines[0 if storage.dialect == "sqlite" else 1]
    add_user = Prepared(insert(users), keys=_USER_COLUMNS)
    to_row = BY_PORT["users"].mapper.to_row

    def insert_then_roll_back() -> bool:
        with engine.connect() as conn:
            add_user.run(conn, to_row(f.user("cy")))
            began = conn.in_transaction()
            conn.rollback()
            stored = conn.execute(select(func.count()).select_from(users)).scalar_one()
        return began and stored == 0

    assert insert_then_roll_back()


async def test_a_statement_with_returning_is_refused_when_first_run(storage: SqlStorage) -> None:
    returning = Prepared(
        update(users).values(bio="x").where(users.c.id == bindparam("uid")).returning(users.c.id)
    )

    def attempt(conn: Connection) -> str:
        try:
            returning.run(conn, {"uid": uuid4()})
        except TypeError as error:
            return str(error)
        return "ran"

    assert (
        await _read(storage, attempt)
        == "RETURNING needs Connection.execute (its rows would not be converted)"
    )

"""Every table can be sharded by its owner on a distributed PostgreSQL (Citus): docs/scaling.md.

The rule: a table carries its owner's user id (``user_id``, or a column named here, such as
``follows.follower_id``), or reaches it through exactly one parent foreign key whose table
carries it (``application_stages.application_id`` -> ``applications.user_id``), or is a
reference table named here (small, a copy on every node: the milestone catalogue).

``DISTRIBUTION`` is that decision for every table, as data: its Citus distribution column (or
"reference table"), and the columns that link a row to *another* user, whose foreign keys a
sharded database cannot keep. docs/scaling.md shows the same decisions; the last test holds the
two equal. Metadata only: no database is opened.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

import pytest
from sqlalchemy import Column, ForeignKey, Integer, MetaData, String, Table

from offertracker_storage.sql.tables import metadata
from offertracker_storage.sql.types import HexUuid

SCALING_DOC = Path(__file__).resolve().parents[2] / "docs" / "scaling.md"
PLACEMENT_HEADING = "Where every table goes"
USERS = "users"


@dataclass(frozen=True)
class Owned:
    """The table carries its owner's user id in ``column``: the distribution column."""

    column: str
    crosses: tuple[str, ...] = ()
    """Columns holding *another* user's id (a follow's target): not co-located with the row."""


@dataclass(frozen=True)
class ViaParent:
    """The row's owner is its parent's, reached through the foreign key ``foreign_key``.

    On Citus the table gets ``column``, a copy of the parent's owner id, as its distribution
    column (one backfill through ``foreign_key``; composite keys then include it).
    """

    foreign_key: str
    column: str = "user_id"
    crosses: tuple[str, ...] = ()


@dataclass(frozen=True)
class Reference:
    """A Citus reference table: small, read everywhere, written rarely, a copy on every node.

    ``owner`` names the user who may change a row, if any (not a distribution column).
    """

    owner: str | None = None


Placement = Owned | ViaParent | Reference

DISTRIBUTION: dict[str, Placement] = {
    # The user row is its own shard key; everything else of the user is co-located with it.
    "users": Owned("id"),
    "credentials": Owned("user_id"),
    "user_progress": Owned("user_id"),
    "user_milestones": Owned("user_id"),
    "resume_versions": Owned("user_id"),
    "applications": Owned("user_id"),
    "application_stages": ViaParent("application_id"),
    "outcomes": ViaParent("application_id"),
    "reflections": ViaParent("application_id"),
    "documents": ViaParent("application_id"),
    "application_tags": ViaParent("application_id"),
    "contacts": Owned("user_id"),
    "reminders": Owned("user_id"),
    "tags": Owned("user_id"),
    "saved_jobs": Owned("user_id"),
    "import_keys": Owned("user_id"),
    "calendar_feeds": Owned("user_id"),
    "account_import_keys": Owned("user_id"),
    "activity_log": Owned("user_id"),
    # Social: a user's own actions stay on their shard (a follow and its counter, a membership
    # and its counter, a post and its counter); reactions live with the post they count.
    "follows": Owned("follower_id", crosses=("following_id",)),
    "group_members": Owned("user_id"),
    "posts": Owned("user_id"),
    "reactions": ViaParent("post_id", column="post_author_id", crosses=("user_id",)),
    "social_groups": Reference(owner="created_by"),
    "milestones": Reference(),
}

WHAT_TO_DO = (
    "Give it a non-NULL `user_id` column referencing users.id (or reach its owner through exactly "
    "one parent foreign key whose table has one), then add it to DISTRIBUTION in "
    "tests/storage/test_distribution.py and a row to the table of docs/scaling.md naming its "
    "Citus distribution column. Only a small catalogue that no user owns may be a Reference()."
)


def _references_users(column: Column[object]) -> bool:
    return any(fk.column.table.name == USERS and fk.column.name == "id" for fk in column.foreign_keys)


def _is_owner_column(table: Table, name: str) -> bool:
    column = table.c[name]
    return (table.name == USERS and column.primary_key) or _references_users(column)


def _check_owned(table: Table, placement: Owned) -> list[str]:
    name = table.name
    if placement.column not in table.c:
        return [f"{name}: no column {placement.column!r} to distribute by. {WHAT_TO_DO}"]
    if not _is_owner_column(table, placement.column):
        return [f"{name}.{placement.column} does not reference users.id, so it names no owner. {WHAT_TO_DO}"]
    if table.c[placement.column].nullable:
        return [f"{name}.{placement.column} may be NULL: a row without an owner has no shard. {WHAT_TO_DO}"]
    return []


def _check_via_parent(table: Table, placement: ViaParent, tables: dict[str, Placement]) -> list[str]:
    name, fk_name = table.name, placement.foreign_key
    if fk_name not in table.c:
        return [f"{name}: no column {fk_name!r} to reach its parent through. {WHAT_TO_DO}"]
    column = table.c[fk_name]
    targets = {fk.column.table.name for fk in column.foreign_keys}
    if len(targets) != 1:
        return [f"{name}.{fk_name} references {sorted(targets) or 'nothing'}, not one parent. {WHAT_TO_DO}"]
    if column.nullable:
        return [f"{name}.{fk_name} may be NULL: a row without a parent has no owner. {WHAT_TO_DO}"]
    (parent,) = targets
    if not isinstance(tables.get(parent), Owned):
        return [
            f"{name} reaches its owner through {parent}, which does not carry one itself: the owner "
            f"must be one foreign key away. Add `user_id` to {name} (or to {parent}). {WHAT_TO_DO}"
        ]
    if placement.column in table.c:
        return [f"{name} has {placement.column!r} itself: place it as Owned({placement.column!r})."]
    return []


def _check_reference(table: Table, placement: Reference, tables: dict[str, Placement]) -> list[str]:
    name, problems = table.name, []
    if placement.owner is not None and (
        placement.owner not in table.c or not _references_users(table.c[placement.owner])
    ):
        problems.append(f"{name}.{placement.owner} does not reference users.id, so it names no owner.")
    for column in table.c:
        if column.name == placement.owner:
            continue
        for fk in column.foreign_keys:
            if not isinstance(tables.get(fk.column.table.name), Reference):
                problems.append(
                    f"{name}.{column.name} references {fk.column.table.name}, which is sharded: a "
                    f"reference table (a copy on every node) cannot point into one shard. {WHAT_TO_DO}"
                )
    return problems


def _check_crossings(table: Table, placement: Owned | ViaParent) -> list[str]:
    """Every other column holding a user id is declared as a link to another user, and only those."""
    owner = placement.column if isinstance(placement, Owned) else None
    holding_users = {c.name for c in table.c if c.name != owner and _references_users(c)}
    declared = set(placement.crosses)
    problems = [
        f"{table.name}.{column} references users.id besides the owner: list it in crosses= if it "
        "links to another user (docs/scaling.md: which queries that makes cross-shard), or make it "
        "the owner."
        for column in sorted(holding_users - declared)
    ]
    problems += [
        f"{table.name}.{column} is in crosses= but references no user."
        for column in sorted(declared - holding_users)
    ]
    return problems


def violations(schema: MetaData, tables: dict[str, Placement]) -> list[str]:
    """What breaks the rule, one sentence each saying what to do; empty when every table is placed."""
    problems: list[str] = []
    for table in schema.sorted_tables:
        placement = tables.get(table.name)
        if placement is None:
            problems.append(f"{table.name}: not placed for a distributed PostgreSQL. {WHAT_TO_DO}")
        elif isinstance(placement, Owned):
            problems += _check_owned(table, placement) + _check_crossings(table, placement)
        elif isinstance(placement, ViaParent):
            problems += _check_via_parent(table, placement, tables) + _check_crossings(table, placement)
        else:
            problems += _check_reference(table, placement, tables)
    problems += [
        f"{name}: placed in DISTRIBUTION but no such table; remove it (and its row in docs/scaling.md)."
        for name in sorted(set(tables) - set(schema.tables))
    ]
    return problems


def test_every_table_is_owned_by_a_user_reaches_one_through_its_parent_or_is_a_reference_table() -> None:
    assert violations(metadata, DISTRIBUTION) == []


def test_the_reference_tables_are_the_milestone_catalogue_and_the_groups() -> None:
    # A reference table is copied to every node and every write to it reaches them all: the
    # list stays short on purpose, and growing it is a decision for docs/scaling.md.
    assert sorted(name for name, p in DISTRIBUTION.items() if isinstance(p, Reference)) == [
        "milestones",
        "social_groups",
    ]


def _copy_with(*extra: tuple[str, list[Column[object]]]) -> MetaData:
    """The real tables copied into a MetaData of their own, plus throwaway ``extra`` tables."""
    copy = MetaData()
    for table in metadata.sorted_tables:
        table.to_metadata(copy)
    for name, columns in extra:
        Table(name, copy, Column("id", HexUuid(), primary_key=True), *columns)
    return copy


def test_a_new_table_without_an_owner_breaks_the_rule_and_the_message_says_what_to_do() -> None:
    schema = _copy_with(("notes", [Column("body", String(100))]))

    assert violations(schema, DISTRIBUTION) == [
        f"notes: not placed for a distributed PostgreSQL. {WHAT_TO_DO}"
    ]


@pytest.mark.parametrize(
    ("columns", "placement", "problem"),
    [
        pytest.param(
            [Column("body", String(100))],
            Owned("user_id"),
            f"notes: no column 'user_id' to distribute by. {WHAT_TO_DO}",
            id="owned-without-the-column",
        ),
        pytest.param(
            [Column("user_id", HexUuid(), nullable=False)],
            Owned("user_id"),
            f"notes.user_id does not reference users.id, so it names no owner. {WHAT_TO_DO}",
            id="owner-column-without-foreign-key",
        ),
        pytest.param(
            [Column("user_id", HexUuid(), ForeignKey("users.id"), nullable=True)],
            Owned("user_id"),
            f"notes.user_id may be NULL: a row without an owner has no shard. {WHAT_TO_DO}",
            id="nullable-owner",
        ),
        pytest.param(
            [Column("stage_id", HexUuid(), ForeignKey("application_stages.id"), nullable=False)],
            ViaParent("stage_id"),
            "notes reaches its owner through application_stages, which does not carry one itself: the "
            "owner must be one foreign key away. Add `user_id` to notes (or to application_stages). "
            + WHAT_TO_DO,
            id="grandchild-two-hops-away",
        ),
        pytest.param(
            [
                Column("position", Integer, nullable=False),
                Column("creator", HexUuid(), ForeignKey("users.id")),
            ],
            Reference(),
            "notes.creator references users, which is sharded: a reference table (a copy on every "
            f"node) cannot point into one shard. {WHAT_TO_DO}",
            id="reference-table-pointing-at-a-user",
        ),
        pytest.param(
            [
                Column("user_id", HexUuid(), ForeignKey("users.id"), nullable=False),
                Column("about_id", HexUuid(), ForeignKey("users.id"), nullable=False),
            ],
            Owned("user_id"),
            "notes.about_id references users.id besides the owner: list it in crosses= if it links to "
            "another user (docs/scaling.md: which queries that makes cross-shard), or make it the owner.",
            id="undeclared-link-to-another-user",
        ),
    ],
)
def test_a_new_table_placed_wrongly_is_refused_with_the_reason(
    columns: list[Column[object]], placement: Placement, problem: str
) -> None:
    schema = _copy_with(("notes", columns))

    assert violations(schema, {**DISTRIBUTION, "notes": placement}) == [problem]


def test_a_child_owned_through_its_application_passes_without_a_user_id_of_its_own() -> None:
    schema = _copy_with(
        ("notes", [Column("application_id", HexUuid(), ForeignKey("applications.id"), nullable=False)])
    )

    assert violations(schema, {**DISTRIBUTION, "notes": ViaParent("application_id")}) == []


def test_a_placement_for_a_table_that_is_gone_is_reported() -> None:
    stale = {**DISTRIBUTION, "bookmarks": Owned("user_id")}

    assert violations(metadata, stale) == [
        "bookmarks: placed in DISTRIBUTION but no such table; remove it (and its row in docs/scaling.md)."
    ]


def expected_cell(table: Table, placement: Placement) -> str:
    """How docs/scaling.md's table states ``placement`` in its "distribution column" cell."""
    if isinstance(placement, Owned):
        return f"`{placement.column}`"
    if isinstance(placement, ViaParent):
        (fk,) = table.c[placement.foreign_key].foreign_keys
        return f"`{placement.column}`, copied from `{fk.column.table.name}` through `{placement.foreign_key}`"
    return "reference table"


def _documented() -> dict[str, str]:
    """The first two cells of each row of the table under docs/scaling.md's placement heading."""
    text = SCALING_DOC.read_text(encoding="utf-8")
    section = text.split(f"\n## {PLACEMENT_HEADING}\n", 1)[1].split("\n## ", 1)[0]
    return dict(re.findall(r"^\| `(\w+)` \| ([^|]+?) \|", section, re.M))


def test_docs_scaling_names_the_distribution_column_of_every_table_as_decided_here() -> None:
    documented = _documented()

    expected = {name: expected_cell(metadata.tables[name], p) for name, p in DISTRIBUTION.items()}
    assert documented == expected

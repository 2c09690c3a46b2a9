"""Alembic environment for OfferTracker's own tables (see :mod:`offertracker_storage.migration_history`).

Only the tables these migrations declare are compared by autogenerate
(``alembic check``): a table the database has and they do not belongs to a
plugin with migrations of its own.
"""

from __future__ import annotations

from typing import Any

from offertracker_storage.migration_history import run_environment
from offertracker_storage.sql.tables import metadata


def _ours(obj: Any, name: str | None, type_: str, reflected: bool, compare_to: Any) -> bool:
    return not (type_ == "table" and reflected and compare_to is None and name not in metadata.tables)


run_environment(metadata, include_object=_ours)

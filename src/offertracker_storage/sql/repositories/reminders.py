"""Reminders: an owned resource listed by when it is due (``uow.reminders``, and ``uow.owned(Reminder)``).

The list runs on the ``(user_id, remind_at)`` index in ``remind_at`` order and
keeps the page budget of :mod:`offertracker_core.pages` as the generic
newest-first list does (:mod:`..page_budget`), in ascending order.
"""

from __future__ import annotations

from typing import Any
from uuid import UUID

from sqlalchemy import bindparam, select

from offertracker_core import pages
from offertracker_core.entities import Reminder
from offertracker_core.enums import ReminderType

from ..page_budget import content_size, rows_within_budget
from ..prepared import Prepared
from ..rows import Mapper
from ..tables import reminders
from .base import CrudRepository

__all__ = ["SqlReminders"]

_reminders = Mapper(Reminder, reminders)
_ORDER = ("remind_at", "created_at", "id")
"""Soonest first; reminders due at the same moment in the order they were made (ids last, for ties)."""
_FILTERS = ("is_completed", "reminder_type")


def _page(filtered: frozenset[str]) -> Prepared:
    """The page statement narrowed by the columns in ``filtered`` (each bound as ``:where_<name>``)."""
    where = [reminders.c.user_id == bindparam("user_id")]
    where += [reminders.c[name] == bindparam(f"where_{name}") for name in _FILTERS if name in filtered]
    order = [reminders.c[name].asc() for name in _ORDER]
    narrow = (
        select(*(reminders.c[name] for name in _ORDER), content_size(reminders).label("size"))
        .where(*where)
        .order_by(*order)
        .offset(bindparam("skip"))
        .limit(bindparam("limit"))
    )
    return Prepared(
        select(*_reminders.columns)
        .where(*where)
        .order_by(*order)
        .offset(bindparam("skip"))
        .limit(rows_within_budget(narrow, _ORDER, descending=False))
    )


# One prebuilt statement per combination of filters (see CrudRepository on why).
_PAGES = {
    frozenset(names): _page(frozenset(names))
    for names in ((), ("is_completed",), ("reminder_type",), ("is_completed", "reminder_type"))
}


class SqlReminders(CrudRepository[Reminder]):
    """Reached as ``uow.reminders`` and ``uow.owned(Reminder)``."""

    port = "reminders"
    mapper = _reminders

    def list_by_time(
        self,
        user_id: UUID,
        skip: int,
        limit: int,
        *,
        is_completed: bool | None = None,
        reminder_type: ReminderType | None = None,
    ) -> list[Reminder]:
        """``user_id``'s reminders, soonest first, narrowed by the filters given; budgeted pages."""
        filters = {
            name: value
            for name, value in (("is_completed", is_completed), ("reminder_type", reminder_type))
            if value is not None
        }
        params: dict[str, Any] = {
            "user_id": user_id,
            "skip": skip,
            "limit": limit,
            "budget": pages.PAGE_BYTES,
        }
        params.update({f"where_{name}": self.mapper.value(name, value) for name, value in filters.items()})
        return self._all(_PAGES[frozenset(filters)], params)

    def upcoming(self, user_id: UUID, skip: int, limit: int) -> list[Reminder]:
        """The incomplete reminders, overdue ones included, soonest first."""
        return self.list_by_time(user_id, skip, limit, is_completed=False)

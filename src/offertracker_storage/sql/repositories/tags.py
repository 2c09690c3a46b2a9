"""Tags (``uow.tags``, ``uow.owned(Tag)``) and their assignments to applications (``uow.application_tags``).

Both lists run by tag name in code-point order on both backends, and keep the
page budget of :mod:`offertracker_core.pages` (:mod:`..page_budget`): a tag is
small, but nothing bounds how many one account makes. An application's
assignments come with their tags from one joined statement, counted together.
"""

from __future__ import annotations

from uuid import UUID

from sqlalchemy import bindparam, select

from offertracker_core import pages
from offertracker_core.entities import ApplicationTag, AssignedTag, Tag

from ..collation import code_point_order
from ..page_budget import content_size, rows_within_budget
from ..prepared import Prepared
from ..rows import Mapper
from ..tables import application_tags, tags
from .base import CrudRepository

__all__ = ["SqlApplicationTags", "SqlTags"]


_tags = Mapper(Tag, tags)
_assignments = Mapper(ApplicationTag, application_tags)
_ASSIGNMENT_WIDTH = len(_assignments.columns)
_ORDER = ("sort_name", "id")
"""By name; ids only break ties that the unique names leave none of, so every backend agrees."""


def _tag_page() -> Prepared:
    by_name = (code_point_order(tags.c.name).asc(), tags.c.id.asc())
    mine = tags.c.user_id == bindparam("user_id")
    narrow = (
        select(code_point_order(tags.c.name).label("sort_name"), tags.c.id, content_size(tags).label("size"))
        .where(mine)
        .order_by(*by_name)
        .offset(bindparam("skip"))
        .limit(bindparam("limit"))
    )
    return Prepared(
        select(*_tags.columns)
        .where(mine)
        .order_by(*by_name)
        .offset(bindparam("skip"))
        .limit(rows_within_budget(narrow, _ORDER, descending=False))
    )


def _assignment_page() -> Prepared:
    joined = application_tags.join(tags, tags.c.id == application_tags.c.tag_id)
    by_name = (code_point_order(tags.c.name).asc(), application_tags.c.id.asc())
    of_application = application_tags.c.application_id == bindparam("application_id")
    # An assignment renders as two objects, itself and its tag: both count (pages.content_bytes).
    size = content_size(application_tags) + content_size(tags)
    narrow = (
        select(code_point_order(tags.c.name).label("sort_name"), application_tags.c.id, size.label("size"))
        .select_from(joined)
        .where(of_application)
        .order_by(*by_name)
        .offset(bindparam("skip"))
        .limit(bindparam("limit"))
    )
    return Prepared(
        select(*_assignments.columns, *_tags.columns)
        .select_from(joined)
        .where(of_application)
        .order_by(*by_name)
        .offset(bindparam("skip"))
        .limit(rows_within_budget(narrow, _ORDER, descending=False))
    )


_TAG_PAGE = _tag_page()
_ASSIGNMENT_PAGE = _assignment_page()
_FIND = Prepared(
    select(*_assignments.columns).where(
        application_tags.c.application_id == bindparam("application_id"),
        application_tags.c.tag_id == bindparam("tag_id"),
    )
)


class SqlTags(CrudRepository[Tag]):
    """Reached as ``uow.tags`` and ``uow.owned(Tag)``; a name taken is ``Duplicate("tags.user_id,name")``."""

    port = "tags"
    mapper = _tags

    def list_by_name(self, user_id: UUID, skip: int, limit: int) -> list[Tag]:
        """``user_id``'s tags by name (code points), budgeted pages."""
        params = {"user_id": user_id, "skip": skip, "limit": limit, "budget": pages.PAGE_BYTES}
        return self._all(_TAG_PAGE, params)


class SqlApplicationTags(CrudRepository[ApplicationTag]):
    """Reached as ``uow.application_tags``."""

    port = "application_tags"
    mapper = _assignments

    def find(self, application_id: UUID, tag_id: UUID) -> ApplicationTag | None:
        """The assignment of ``tag_id`` to ``application_id``, or ``None``."""
        return self._one(_FIND, {"application_id": application_id, "tag_id": tag_id})

    def list_for_application(self, application_id: UUID, skip: int, limit: int) -> list[AssignedTag]:
        """The application's assignments with their tags, by tag name, in one statement."""
        params = {"application_id": application_id, "skip": skip, "limit": limit, "budget": pages.PAGE_BYTES}
        return [
            AssignedTag.of(
                _assignments.from_row(row[:_ASSIGNMENT_WIDTH]), _tags.from_row(row[_ASSIGNMENT_WIDTH:])
            )
            for row in _ASSIGNMENT_PAGE.rows(self.conn, params)
        ]

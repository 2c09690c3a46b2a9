"""Documents: rows of an application, reached as ``uow.documents``.

A document has no ``user_id``; its owner is its application's, read with it in
one statement (a join on the application's primary key) so a lookup with its
ownership check stays one statement, and a page of an application's documents
is one statement with the page budget of :mod:`..page_budget` applied in it.
"""

from __future__ import annotations

from typing import Any
from uuid import UUID

from sqlalchemy import bindparam, select

from offertracker_core import pages
from offertracker_core.entities import Document

from ..page_budget import content_size, rows_within_budget
from ..prepared import Prepared
from ..rows import Mapper
from ..tables import applications, documents
from .base import CrudRepository

__all__ = ["SqlDocuments"]

_documents = Mapper(Document, documents)

_WITH_OWNER = (
    select(applications.c.user_id, *_documents.columns)
    .select_from(documents.join(applications, applications.c.id == documents.c.application_id))
    .where(documents.c.id == bindparam("document_id"))
)
_GET_OWNED = Prepared(_WITH_OWNER)
# The document row only (see ports.DocumentRepository on why), and NO KEY UPDATE as in CrudRepository.
_GET_OWNED_LOCKED = Prepared(_WITH_OWNER.with_for_update(of=documents, key_share=True))


def _page() -> Prepared:
    """An application's documents, newest first, from ``:skip``, at most ``:limit`` and within
    ``:budget`` (the statement ``CrudRepository.list_for_user`` builds, keyed by application)."""
    of_application = documents.c.application_id == bindparam("application_id")
    newest_first = (documents.c.created_at.desc(), documents.c.id.desc())
    narrow = (
        select(documents.c.created_at, documents.c.id, content_size(documents).label("size"))
        .where(of_application)
        .order_by(*newest_first)
        .offset(bindparam("skip"))
        .limit(bindparam("limit"))
    )
    return Prepared(
        select(*_documents.columns)
        .where(of_application)
        .order_by(*newest_first)
        .offset(bindparam("skip"))
        .limit(rows_within_budget(narrow, ("created_at", "id")))
    )


_PAGE = _page()


class SqlDocuments(CrudRepository[Document]):
    port = "documents"
    mapper = _documents

    def get_owned(self, document_id: UUID, *, for_update: bool = False) -> tuple[UUID, Document] | None:
        """The application's ``user_id`` and the document (one statement); ``for_update`` locks the
        document row."""
        row = (_GET_OWNED_LOCKED if for_update else _GET_OWNED).first(self.conn, {"document_id": document_id})
        return None if row is None else (row[0], _documents.from_row(row[1:]))

    def list_for_application(self, application_id: UUID, skip: int, limit: int) -> list[Document]:
        """A page of the application's documents, newest first, ended by the page budget."""
        params: dict[str, Any] = {
            "application_id": application_id,
            "skip": skip,
            "limit": limit,
            "budget": pages.PAGE_BYTES,
        }
        return self._all(_PAGE, params)

"""Contacts: a plain owned resource, reached as ``uow.owned(Contact)``."""

from __future__ import annotations

from offertracker_core.entities import Contact

from ..rows import Mapper
from ..tables import contacts
from .base import CrudRepository

__all__ = ["SqlContacts"]


class SqlContacts(CrudRepository[Contact]):
    """Listed per user, newest first, narrowed by ``application_id`` and ``contact_type``."""

    mapper = Mapper(Contact, contacts)

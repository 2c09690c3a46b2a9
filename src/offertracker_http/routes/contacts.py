"""``/contacts``: the caller's networking contacts."""

from __future__ import annotations

from uuid import UUID

import attrs
from aiohttp import web

from offertracker_core.entities import Contact
from offertracker_core.enums import ContactType
from offertracker_core.errors import Forbidden, NotFound
from offertracker_core.inputs import ContactChanges, NewContact

from ..schemas import Limit, Message, Skip
from ._common import Routes, caller, deleted, services

routes = Routes("contacts")


@attrs.frozen
class ContactListQuery:
    """``GET /contacts/`` query; ``application_id``/``contact_type`` filter when given (an unknown
    ``contact_type`` is a 422, behaviour.md §1)."""

    application_id: UUID | None = None
    contact_type: ContactType | None = None
    skip: Skip = 0
    limit: Limit = 100


@routes.get("/contacts/")
async def list_contacts(request: web.Request, query: ContactListQuery) -> list[Contact]:
    return await services(request).contacts.list(
        caller(request),
        application_id=query.application_id,
        contact_type=query.contact_type,
        skip=query.skip,
        limit=query.limit,
    )


@routes.post("/contacts/", status=201, errors=(NotFound, Forbidden))
async def create_contact(request: web.Request, new: NewContact) -> Contact:
    return await services(request).contacts.create(caller(request), new)


@routes.get("/contacts/{contact_id}", errors=(NotFound, Forbidden))
async def get_contact(request: web.Request, contact_id: UUID) -> Contact:
    return await services(request).contacts.get(caller(request), contact_id)


@routes.put("/contacts/{contact_id}", errors=(NotFound, Forbidden))
async def update_contact(request: web.Request, contact_id: UUID, changes: ContactChanges) -> Contact:
    return await services(request).contacts.update(caller(request), contact_id, changes)


@routes.delete("/contacts/{contact_id}", errors=(NotFound, Forbidden))
async def delete_contact(request: web.Request, contact_id: UUID) -> Message:
    await services(request).contacts.delete(caller(request), contact_id)
    return deleted("Contact")

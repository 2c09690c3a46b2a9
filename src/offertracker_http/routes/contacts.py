"""``/contacts``: the caller's networking contacts."""

from __future__ import annotations

from uuid import UUID

import attrs
from aiohttp import web

from offertracker_core.enums import ContactType
from offertracker_core.inputs import ContactChanges, NewContact

from ..parsing import parse_body, parse_path_id, parse_query
from ..rendering import json_response
from ..schemas import Limit, Skip
from ._common import Routes, caller, deleted, services

routes = Routes()


@attrs.frozen
class ContactListQuery:
    """``GET /contacts/`` query; ``application_id``/``contact_type`` filter when given (an unknown
    ``contact_type`` is a 422, behaviour.md §1)."""

    application_id: UUID | None = None
    contact_type: ContactType | None = None
    skip: Skip = 0
    limit: Limit = 100


@routes.get("/contacts/")
async def list_contacts(request: web.Request) -> web.Response:
    query = parse_query(request, ContactListQuery)
    contacts = await services(request).contacts.list(
        caller(request),
        application_id=query.application_id,
        contact_type=query.contact_type,
        skip=query.skip,
        limit=query.limit,
    )
    return json_response(contacts)


@routes.post("/contacts/")
async def create_contact(request: web.Request) -> web.Response:
    new = await parse_body(request, NewContact)
    return json_response(await services(request).contacts.create(caller(request), new), status=201)


@routes.get("/contacts/{contact_id}")
async def get_contact(request: web.Request) -> web.Response:
    contact_id = parse_path_id(request, "contact_id")
    return json_response(await services(request).contacts.get(caller(request), contact_id))


@routes.put("/contacts/{contact_id}")
async def update_contact(request: web.Request) -> web.Response:
    contact_id = parse_path_id(request, "contact_id")
    changes = await parse_body(request, ContactChanges)
    return json_response(await services(request).contacts.update(caller(request), contact_id, changes))


@routes.delete("/contacts/{contact_id}")
async def delete_contact(request: web.Request) -> web.Response:
    contact_id = parse_path_id(request, "contact_id")
    await services(request).contacts.delete(caller(request), contact_id)
    return deleted("Contact")

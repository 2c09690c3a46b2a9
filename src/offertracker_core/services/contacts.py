"""Contacts: the caller's networking contacts, each optionally linked to one of their applications.

A plain owned resource (see :mod:`.resumes`); creating one is a tracked action
(behaviour.md §6) logged as "Contact Added" (§7). A contact linked to an
application goes when that application is deleted (§5: the schema cascades).
"""

from __future__ import annotations

from uuid import UUID

import attrs

from .. import activity
from ..entities import Contact
from ..enums import ContactType
from ..inputs import ContactChanges, NewContact
from ..ports import UnitOfWork
from ..validation import validate_changes
from .base import APPLICATION, Ownable, ServiceContext, check_reference, owned
from .progress import track_activity

__all__ = ["CONTACT", "ContactService"]

CONTACT = Ownable(Contact, "Contact not found", "Not your contact")


@attrs.frozen
class ContactService:
    """Lists, creates, reads, edits and deletes the caller's contacts."""

    ctx: ServiceContext

    async def list(
        self,
        user_id: UUID,
        *,
        application_id: UUID | None = None,
        contact_type: ContactType | None = None,
        skip: int = 0,
        limit: int = 100,
    ) -> list[Contact]:
        """The caller's contacts, newest first; ``application_id`` and ``contact_type`` narrow the
        list when given (an application that is not the caller's simply matches none)."""
        where = {"application_id": application_id, "contact_type": contact_type}
        return await self.ctx.read(
            lambda uow: uow.owned(Contact).list_for_user(user_id, skip, limit, where=where)
        )

    async def create(self, user_id: UUID, new: NewContact) -> Contact:
        """Create a contact (a tracked action); ``application_id`` must be one of the caller's
        applications (``NotFound("Application not found")`` otherwise, someone else's included)."""
        now = self.ctx.clock.now()
        contact = Contact(
            id=self.ctx.ids(),
            user_id=user_id,
            **attrs.asdict(new, recurse=False),
            created_at=now,
            updated_at=now,
        )

        async def work(uow: UnitOfWork) -> Contact:
            await check_reference(uow, APPLICATION, user_id, contact.application_id, foreign_is_missing=False)
            await uow.owned(Contact).add(contact)
            uow.log(activity.contact_added(self.ctx.ids(), contact, now))
            await track_activity(self.ctx, uow, user_id, now)
            return contact

        return await self.ctx.write(work)

    async def get(self, user_id: UUID, contact_id: UUID) -> Contact:
        """One of the caller's contacts."""
        return await self.ctx.read(lambda uow: owned(uow, CONTACT, user_id, contact_id))

    async def update(self, user_id: UUID, contact_id: UUID, changes: ContactChanges) -> Contact:
        """Apply partial ``changes``; a new ``application_id`` is checked like the one of :meth:`create`,
        ``None`` unlinks the contact."""
        changes = validate_changes(ContactChanges, changes)
        now = self.ctx.clock.now()

        async def work(uow: UnitOfWork) -> Contact:
            contact = await owned(uow, CONTACT, user_id, contact_id, for_update=True)
            if "application_id" in changes:
                await check_reference(
                    uow, APPLICATION, user_id, changes["application_id"], foreign_is_missing=False
                )
            updated = attrs.evolve(contact, **changes, updated_at=now)
            await uow.owned(Contact).update(updated)
            return updated

        return await self.ctx.write(work)

    async def delete(self, user_id: UUID, contact_id: UUID) -> None:
        """Delete one of the caller's contacts (its "Contact Added" entry stays: the log is append-only)."""

        async def work(uow: UnitOfWork) -> None:
            await owned(uow, CONTACT, user_id, contact_id, for_update=True)
            await uow.owned(Contact).delete(contact_id)

        await self.ctx.write(work)

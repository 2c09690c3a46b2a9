"""Profiles: the caller's own, search, and other people's under the visibility rules (behaviour.md §3)."""

from __future__ import annotations

from uuid import UUID

import attrs

from ..entities import User
from ..errors import Forbidden, NotFound
from ..inputs import ProfileChanges
from ..ports import UnitOfWork, ViewerRelation
from ..validation import validate_changes
from ..visibility import apply_profile_changes, can_view_profile, needs_relation
from .base import ServiceContext

__all__ = ["UserService"]


@attrs.frozen
class UserService:
    """Reads and edits user profiles."""

    ctx: ServiceContext

    async def me(self, user_id: UUID) -> User:
        """The caller's own profile; ``NotFound("User not found")`` if the account is gone."""
        user = await self.ctx.read(lambda uow: uow.users.get(user_id))
        if user is None:
            raise NotFound("User not found")
        return user

    async def by_email(self, email: str) -> User:
        """The account registered with ``email`` (any case), for operators' tools such as the
        CLI's import; ``NotFound("User not found")`` if there is none. Not an API endpoint."""
        user = await self.ctx.read(lambda uow: uow.users.get_by_email(email.strip().lower()))
        if user is None:
            raise NotFound("User not found")
        return user

    async def update_me(self, user_id: UUID, changes: ProfileChanges) -> User:
        """Apply partial profile ``changes``, keeping the two visibility fields in sync."""
        changes = validate_changes(ProfileChanges, changes)

        async def work(uow: UnitOfWork) -> User:
            user = await uow.users.get_for_update(user_id)
            if user is None:
                raise NotFound("User not found")
            updated = apply_profile_changes(user, changes, self.ctx.clock.now())
            await uow.users.update(updated)
            return updated

        return await self.ctx.write(work)

    async def search(self, viewer_id: UUID, q: str, skip: int, limit: int) -> list[User]:
        """Profiles whose username or display name contains ``q`` (case-insensitive) and that
        ``viewer_id`` may see, paginated after filtering.

        A blank ``q`` answers ``[]`` without touching storage; surrounding
        whitespace is ignored.
        """
        query = q.strip()
        if not query:
            return []
        return await self.ctx.read(lambda uow: uow.users.search_visible(viewer_id, query, skip, limit))

    async def profile(self, viewer_id: UUID, user_id: UUID) -> User:
        """``user_id``'s profile if ``viewer_id`` may see it.

        ``NotFound("User not found")`` for an unknown user,
        ``Forbidden("Profile is private")`` when visibility forbids it.
        """

        async def work(uow: UnitOfWork) -> tuple[User, ViewerRelation]:
            owner = await uow.users.get(user_id)
            if owner is None:
                raise NotFound("User not found")
            if not needs_relation(owner, viewer_id):
                return owner, ViewerRelation()
            return owner, await uow.users.relation(viewer_id, owner.id)

        owner, relation = await self.ctx.read(work)
        if not can_view_profile(owner, viewer_id, relation):
            raise Forbidden("Profile is private")
        return owner

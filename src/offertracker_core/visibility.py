"""Who may see a profile, and how the two visibility fields stay in sync (behaviour.md §3).

``profile_visibility`` is the truth; ``is_profile_public`` is kept for clients
of the reference and always equals ``profile_visibility == "public"``.
"""

from __future__ import annotations

from datetime import datetime
from uuid import UUID

import attrs

from .entities import User
from .enums import ProfileVisibility
from .inputs import ProfileChanges
from .ports import ViewerRelation

__all__ = ["apply_profile_changes", "can_view_profile", "needs_relation"]


def can_view_profile(owner: User, viewer_id: UUID, relation: ViewerRelation) -> bool:
    """Whether ``viewer_id`` may see ``owner``'s profile.

    The owner always may; ``public`` lets everyone in, ``followers`` those who
    follow the owner, ``groups`` those sharing at least one group with the
    owner, and ``private`` nobody else.
    """
    if viewer_id == owner.id:
        return True
    match owner.profile_visibility:
        case ProfileVisibility.PUBLIC:
            return True
        case ProfileVisibility.FOLLOWERS:
            return relation.follows
        case ProfileVisibility.GROUPS:
            return relation.shares_group
        case _:
            return False


def needs_relation(owner: User, viewer_id: UUID) -> bool:
    """Whether :func:`can_view_profile` depends on the relation (so a service may skip loading it)."""
    return viewer_id != owner.id and owner.profile_visibility in (
        ProfileVisibility.FOLLOWERS,
        ProfileVisibility.GROUPS,
    )


def apply_profile_changes(user: User, changes: ProfileChanges, now: datetime) -> User:
    """Apply the partial profile ``changes`` and stamp ``updated_at`` with ``now``.

    Setting ``profile_visibility`` sets ``is_profile_public`` to whether it is
    ``public``; setting only ``is_profile_public`` sets the visibility to
    ``public`` or ``private``; when both are sent, ``profile_visibility`` wins.
    """
    visibility: ProfileVisibility | None = None
    if "profile_visibility" in changes:
        visibility = ProfileVisibility(changes["profile_visibility"])
    elif "is_profile_public" in changes:
        visibility = ProfileVisibility.PUBLIC if changes["is_profile_public"] else ProfileVisibility.PRIVATE
    if visibility is not None:
        user = attrs.evolve(
            user, profile_visibility=visibility, is_profile_public=visibility == ProfileVisibility.PUBLIC
        )
    return attrs.evolve(
        user,
        display_name=changes.get("display_name", user.display_name),
        bio=changes.get("bio", user.bio),
        updated_at=now,
    )

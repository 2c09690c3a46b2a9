"""Who may see a post (behaviour.md §10, and ours for private groups), as a table."""

from __future__ import annotations

from datetime import UTC, datetime
from uuid import UUID

import pytest

from offertracker_core.entities import Post
from offertracker_core.enums import PostType
from offertracker_core.ports import GroupAccess
from offertracker_core.services.posts import can_see

AUTHOR, VIEWER, GROUP = UUID(int=1), UUID(int=2), UUID(int=3)
T = datetime(2026, 3, 1, tzinfo=UTC)

PUBLIC_GROUP, PRIVATE_GROUP = GroupAccess(is_public=True, is_member=False), GroupAccess(False, False)
MEMBER_OF_PRIVATE = GroupAccess(is_public=False, is_member=True)


def post(*, public: bool, in_group: bool) -> Post:
    return Post(UUID(int=9), AUTHOR, GROUP if in_group else None, PostType.UPDATE, None, "c", public, T, T)


@pytest.mark.parametrize(
    ("public", "in_group", "group", "seen"),
    [
        (True, False, None, True),  # a public post outside groups: everyone
        (False, False, None, False),  # a non-public one outside groups: its author only
        (True, True, PUBLIC_GROUP, True),  # public post, public group
        (False, True, PUBLIC_GROUP, False),  # members-only post of a public group
        (True, True, PRIVATE_GROUP, False),  # a private group's posts stay inside, whatever their flag
        (False, True, MEMBER_OF_PRIVATE, True),  # members see everything of their group
        (True, True, None, False),  # a group the viewer cannot learn anything about
    ],
)
def test_who_sees_a_post(public: bool, in_group: bool, group: GroupAccess | None, seen: bool) -> None:
    assert can_see(post(public=public, in_group=in_group), VIEWER, group) is seen
    assert can_see(post(public=public, in_group=in_group), AUTHOR, group) is True  # the author always

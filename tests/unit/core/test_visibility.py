"""Profile visibility and the sync of its two fields (behaviour.md §3)."""

from __future__ import annotations

from datetime import UTC, datetime
from uuid import UUID

import attrs
import pytest

from offertracker_core.entities import User
from offertracker_core.enums import ProfileVisibility as V
from offertracker_core.inputs import ProfileChanges
from offertracker_core.ports import ViewerRelation
from offertracker_core.visibility import apply_profile_changes, can_view_profile

OWNER_ID = UUID(int=1)
VIEWER_ID = UUID(int=2)
MOMENT = datetime(2026, 1, 1, tzinfo=UTC)
NOW = datetime(2026, 3, 1, tzinfo=UTC)


def owner(visibility: V = V.PRIVATE) -> User:
    return User(
        id=OWNER_ID,
        email="o@example.com",
        username="owner",
        display_name="Owner",
        bio=None,
        is_profile_public=visibility == V.PUBLIC,
        profile_visibility=visibility,
        streak_days=0,
        last_active_date=None,
        created_at=MOMENT,
        updated_at=MOMENT,
    )


VIEWERS = {
    "owner": (OWNER_ID, ViewerRelation()),
    "follower": (VIEWER_ID, ViewerRelation(follows=True)),
    "group-mate": (VIEWER_ID, ViewerRelation(shares_group=True)),
    "stranger": (VIEWER_ID, ViewerRelation()),
}

ALLOWED = {
    V.PUBLIC: {"owner", "follower", "group-mate", "stranger"},
    V.FOLLOWERS: {"owner", "follower"},
    V.GROUPS: {"owner", "group-mate"},
    V.PRIVATE: {"owner"},
}


@pytest.mark.parametrize("visibility", list(V))
@pytest.mark.parametrize("viewer", list(VIEWERS))
def test_who_may_see_a_profile(visibility: V, viewer: str) -> None:
    viewer_id, relation = VIEWERS[viewer]
    assert can_view_profile(owner(visibility), viewer_id, relation) is (viewer in ALLOWED[visibility])


@pytest.mark.parametrize(
    ("start", "changes", "visibility", "public"),
    [
        (V.PRIVATE, {"profile_visibility": V.PUBLIC}, V.PUBLIC, True),
        (V.PUBLIC, {"profile_visibility": V.FOLLOWERS}, V.FOLLOWERS, False),
        (V.PUBLIC, {"profile_visibility": V.GROUPS}, V.GROUPS, False),
        (V.PRIVATE, {"is_profile_public": True}, V.PUBLIC, True),
        (V.FOLLOWERS, {"is_profile_public": False}, V.PRIVATE, False),
        (V.PRIVATE, {"is_profile_public": True, "profile_visibility": V.GROUPS}, V.GROUPS, False),
        (V.PUBLIC, {"is_profile_public": False, "profile_visibility": V.PUBLIC}, V.PUBLIC, True),
        (V.FOLLOWERS, {"bio": "hi"}, V.FOLLOWERS, False),
    ],
)
def test_the_two_visibility_fields_stay_in_sync(start: V, changes: dict, visibility: V, public: bool) -> None:
    after = apply_profile_changes(owner(start), changes, NOW)  # type: ignore[arg-type]
    assert (after.profile_visibility, after.is_profile_public) == (visibility, public)
    assert after.updated_at == NOW


def test_profile_changes_touch_only_the_keys_present() -> None:
    before = attrs.evolve(owner(), bio="old bio")
    after = apply_profile_changes(before, {"display_name": None}, NOW)
    assert (after.display_name, after.bio, after.username) == (None, "old bio", "owner")


# A value different from owner()'s for every key a profile update may carry.
CHANGED = {"display_name": "New", "bio": "new bio", "is_profile_public": True, "profile_visibility": V.GROUPS}


@pytest.mark.parametrize("key", sorted(ProfileChanges.__optional_keys__))
def test_every_key_of_a_profile_update_is_applied(key: str) -> None:
    # apply_profile_changes names each field; a key added to ProfileChanges must not be dropped silently.
    after = apply_profile_changes(owner(), {key: CHANGED[key]}, NOW)  # type: ignore[misc]
    assert getattr(after, key) == CHANGED[key]

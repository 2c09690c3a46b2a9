"""The memory of user ids known to exist: short-lived, bounded, evictable."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from uuid import UUID

import pytest

from offertracker_core.known_users import KnownUsers

NOW = datetime(2026, 3, 1, 9, 30, tzinfo=UTC)
ALICE, BOB, CAROL = UUID(int=1), UUID(int=2), UUID(int=3)


def test_an_id_never_remembered_is_not_known() -> None:
    assert not KnownUsers().known(ALICE, NOW)


def test_a_remembered_id_is_known_until_its_lifetime_ends() -> None:
    known = KnownUsers(lifetime=timedelta(seconds=30))
    known.remember(ALICE, NOW)
    assert known.known(ALICE, NOW + timedelta(seconds=29.999))
    assert not known.known(ALICE, NOW + timedelta(seconds=30))
    assert len(known) == 0


def test_the_default_lifetime_is_five_seconds() -> None:
    # The delay within which a revocation made by another process is honoured (README).
    known = KnownUsers()
    known.remember(ALICE, NOW)
    assert known.known(ALICE, NOW + timedelta(seconds=4.999))
    assert not known.known(ALICE, NOW + timedelta(seconds=5))


def test_hits_do_not_extend_the_lifetime() -> None:
    known = KnownUsers(lifetime=timedelta(seconds=30))
    known.remember(ALICE, NOW)
    for second in range(0, 30, 5):
        assert known.known(ALICE, NOW + timedelta(seconds=second))
    assert not known.known(ALICE, NOW + timedelta(seconds=30))


def test_remembering_again_restarts_the_lifetime() -> None:
    known = KnownUsers(lifetime=timedelta(seconds=30))
    known.remember(ALICE, NOW)
    known.remember(ALICE, NOW + timedelta(seconds=20))
    assert known.known(ALICE, NOW + timedelta(seconds=49))


def test_past_its_size_the_least_recently_used_id_is_dropped() -> None:
    known = KnownUsers(size=2)
    known.remember(ALICE, NOW)
    known.remember(BOB, NOW)
    assert known.known(ALICE, NOW)  # now Bob is the least recently used
    known.remember(CAROL, NOW)
    assert (known.known(ALICE, NOW), known.known(BOB, NOW), known.known(CAROL, NOW)) == (True, False, True)
    assert len(known) == 2


def test_a_forgotten_id_is_not_known_at_once() -> None:
    known = KnownUsers()
    known.remember(ALICE, NOW)
    known.forget(ALICE)
    known.forget(BOB)  # forgetting an id never remembered is harmless
    assert not known.known(ALICE, NOW)


def test_a_memory_of_no_ids_is_refused() -> None:
    with pytest.raises(ValueError, match="size must be at least 1"):
        KnownUsers(size=0)


def test_tokens_valid_after_is_remembered_and_never_moves_back() -> None:
    known = KnownUsers()
    assert known.tokens_valid_after(ALICE, NOW) is None
    known.remember(ALICE, NOW)
    assert known.tokens_valid_after(ALICE, NOW) == datetime(1970, 1, 1, tzinfo=UTC)
    revoked = NOW + timedelta(seconds=1)
    known.remember(ALICE, NOW, revoked)
    # A look-up that read the row before the revocation and finishes after it keeps the later time.
    known.remember(ALICE, NOW + timedelta(seconds=2))
    assert known.tokens_valid_after(ALICE, NOW + timedelta(seconds=2)) == revoked
    assert known.tokens_valid_after(ALICE, NOW + timedelta(seconds=7)) is None

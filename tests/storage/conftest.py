"""Storage fixtures: an open ``SqlStorage`` on every backend of ``database_url``."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from offertracker_storage import SqlStorage


@pytest.fixture
async def storage(database_url: str) -> AsyncIterator[SqlStorage]:
    """A ``SqlStorage`` opened on a fresh, migrated database, closed after the test."""
    opened = await SqlStorage.open(database_url)
    try:
        yield opened
    finally:
        await opened.close()

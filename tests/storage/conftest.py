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


@pytest.fixture
async def limited(database_url: str) -> AsyncIterator[SqlStorage]:
    """A storage whose statements may run for 0.2 s."""
    opened = await SqlStorage.open(database_url, statement_timeout=0.2)
    try:
        yield opened
    finally:
        await opened.close()

"""Property: for generated accounts, export → import into a fresh account → export gives the same
document apart from ids (and the times and identity of the two accounts themselves).

Accounts are generated as documents and imported into a first user (the import is the
quickest way to make an arbitrary account, references and all); that user's export is
then imported into a second, fresh user and exported again. Ids are normalised by the
order in which they first appear, so two documents match only if every reference
points at the corresponding item. Runs through the real services on SQLite and
PostgreSQL.
"""

from __future__ import annotations

import asyncio
import itertools
import json
from collections.abc import AsyncIterator, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from uuid import UUID

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from offertracker_core.account_data import AccountDocument
from offertracker_core.enums import ActivityAction, ApplicationStatus, OutcomeStatus, StageResult
from offertracker_core.inputs import Registration
from offertracker_core.services import Services
from offertracker_http.account_export import document_chunks
from offertracker_http.bootstrap import open_services
from offertracker_http.parsing import structure_body
from offertracker_http.settings import Settings

from ..http.httpkit import JWT_SECRET, cheap_passwords

BASE = datetime(2025, 1, 1, tzinfo=UTC)
TEXT = st.text(
    alphabet=st.characters(min_codepoint=32, max_codepoint=0x24F, exclude_characters="\x7f"), max_size=12
)
_UUID_LIKE = 36


@st.composite
def documents(draw: st.DrawFn) -> dict[str, Any]:
    """An export document with references between its items, every creation time distinct."""
    ticks = itertools.count(1)
    ids = itertools.count(1)

    def stamp() -> str:
        return (
            (BASE + timedelta(seconds=next(ticks))).isoformat(timespec="milliseconds").replace("+00:00", "Z")
        )

    def new_id() -> str:
        return str(UUID(int=draw(st.integers(1, 2**64 - 1)) << 64 | next(ids), version=4))

    def timed(item: dict[str, Any], updated: bool = True) -> dict[str, Any]:
        item["created_at"] = stamp()
        if updated:
            item["updated_at"] = item["created_at"]
        return item

    resumes = [
        timed({"id": new_id(), "version_name": draw(TEXT.filter(bool))})
        for _ in range(draw(st.integers(0, 2)))
    ]
    names = draw(st.lists(TEXT.filter(bool), max_size=3, unique=True))
    tags = [timed({"id": new_id(), "name": name, "color": "#abcdef"}, updated=False) for name in names]
    applications = []
    for _ in range(draw(st.integers(0, 4))):
        app = timed(
            {
                "id": new_id(),
                "company_name": draw(TEXT.filter(bool)),
                "role_title": draw(TEXT.filter(bool)),
                "status": draw(st.sampled_from(list(ApplicationStatus))).value,
                "notes": draw(st.none() | TEXT),
                "salary_min": draw(st.none() | st.integers(0, 10**9)),
                "resume_version_id": draw(st.none() | st.sampled_from([r["id"] for r in resumes] or [None])),
            }
        )
        app["stages"] = [
            timed(
                {
                    "id": new_id(),
                    "stage_name": draw(TEXT.filter(bool)),
                    "result": draw(st.sampled_from(list(StageResult))).value,
                    "questions_asked": draw(st.none() | st.lists(TEXT, max_size=2)),
                }
            )
            for _ in range(draw(st.integers(0, 2)))
        ]
        if draw(st.booleans()):
            status = draw(st.sampled_from(list(OutcomeStatus))).value
            app["outcome"] = timed(
                {"id": new_id(), "status": status, "salary": draw(st.none() | st.integers(0, 10**6))}
            )
        if draw(st.booleans()):
            app["reflection"] = timed({"id": new_id(), "what_worked": draw(TEXT), "skill_gaps": {"sql": 1}})
        app["documents"] = [
            timed({"id": new_id(), "name": draw(TEXT.filter(bool))}) for _ in range(draw(st.integers(0, 1)))
        ]
        chosen = (
            draw(st.lists(st.sampled_from(tags), unique_by=lambda tag: tag["id"], max_size=2)) if tags else []
        )
        app["tags"] = [timed({"id": new_id(), "tag_id": tag["id"]}, updated=False) for tag in chosen]
        applications.append(app)
    app_ids = [app["id"] for app in applications]
    maybe_app = st.none() | st.sampled_from(app_ids) if app_ids else st.none()
    contacts = [
        timed({"id": new_id(), "name": draw(TEXT.filter(bool)), "application_id": draw(maybe_app)})
        for _ in range(draw(st.integers(0, 2)))
    ]
    reminders = [
        timed(
            {
                "id": new_id(),
                "title": draw(TEXT.filter(bool)),
                "remind_at": stamp(),
                "application_id": draw(maybe_app),
            }
        )
        for _ in range(draw(st.integers(0, 2)))
    ]
    saved_jobs = [
        timed(
            {
                "id": new_id(),
                "company_name": draw(TEXT.filter(bool)),
                "converted_to_application_id": draw(maybe_app),
            }
        )
        for _ in range(draw(st.integers(0, 2)))
    ]
    activity = [
        timed(
            {
                "id": new_id(),
                "action": draw(st.sampled_from(list(ActivityAction))).value,
                "application_id": draw(maybe_app),
                "metadata": {"n": draw(st.integers(0, 9))},
            },
            updated=False,
        )
        for _ in range(draw(st.integers(0, 3)))
    ]
    return {
        "format": "offertracker-export",
        "version": 1,
        "profile": {"display_name": draw(st.none() | TEXT.filter(bool)), "bio": draw(st.none() | TEXT)},
        "resumes": resumes,
        "tags": tags,
        "applications": applications,
        "contacts": contacts,
        "reminders": reminders,
        "saved_jobs": saved_jobs,
        "activity": activity,
    }


def normalised(document: dict[str, Any]) -> Any:
    """``document`` with every id replaced by its order of first appearance, and what belongs to
    the account rather than its data (identity, times of the export and of the account) left out."""
    numbers: dict[str, str] = {}

    def walk(value: Any) -> Any:
        if isinstance(value, dict):
            return {key: walk(item) for key, item in value.items()}
        if isinstance(value, list):
            return [walk(item) for item in value]
        if isinstance(value, str) and len(value) == _UUID_LIKE and value.count("-") == 4:
            return numbers.setdefault(value, f"id-{len(numbers)}")
        return value

    body = {
        key: value for key, value in document.items() if key not in ("exported_at", "profile", "milestones")
    }
    # A fresh account has a display name of its own (its username): the import keeps it.
    profile = {"bio": document["profile"]["bio"]}
    return walk(body), profile, sorted(m["name"] for m in document["milestones"])


class World:
    """The services on one database, driven from synchronous Hypothesis examples by one event loop."""

    def __init__(self, database_url: str, data_dir: Path) -> None:
        self._runner = asyncio.Runner()
        self._users = itertools.count()
        settings_ = Settings(data_dir=data_dir, database_url=database_url, jwt_secret=JWT_SECRET)
        self._context = open_services(settings_, passwords=cheap_passwords())
        self.services: Services = self.run(self._context.__aenter__())

    def run(self, coroutine: Any) -> Any:
        return self._runner.run(coroutine)

    def close(self) -> None:
        self.run(self._context.__aexit__(None, None, None))
        self._runner.close()

    async def new_user(self) -> UUID:
        n = next(self._users)
        session = await self.services.auth.register(
            Registration(email=f"user{n}@example.com", username=f"user{n}", password="s3cret!")
        )
        return session.user.id

    async def export(self, user_id: UUID) -> dict[str, Any]:
        chunks: AsyncIterator[bytes] = document_chunks(self.services.account, user_id, datetime.now(UTC))
        document: dict[str, Any] = json.loads(b"".join([chunk async for chunk in chunks]))
        return document

    async def import_(self, user_id: UUID, document: dict[str, Any]) -> None:
        await self.services.account.import_document(user_id, structure_body(document, AccountDocument))


@pytest.fixture
def world(database_url: str, tmp_path: Path) -> Iterator[World]:
    data_dir = tmp_path / "data"
    data_dir.mkdir()
    built = World(database_url, data_dir)
    try:
        yield built
    finally:
        built.close()


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(generated=documents())
def test_export_import_export_gives_the_same_document_apart_from_ids(
    world: World, generated: dict[str, Any]
) -> None:
    async def round_trip() -> tuple[dict[str, Any], dict[str, Any]]:
        source = await world.new_user()
        await world.import_(source, generated)
        first = await world.export(source)
        target = await world.new_user()
        await world.import_(target, first)
        return first, await world.export(target)

    first, second = world.run(round_trip())

    assert normalised(second) == normalised(first)
    assert len(first["applications"]) == len(generated["applications"])
    assert len(first["activity"]) >= len(generated["activity"])

"""Resume versions through the service: ownership messages, partial updates, deletes."""

from __future__ import annotations

from uuid import UUID

import pytest

from offertracker_core.entities import User
from offertracker_core.errors import Forbidden, NotFound
from offertracker_core.inputs import NewApplication, NewResume
from offertracker_core.services import Services

from ..fakes import FakeClock, FakeStorage


async def test_a_resume_is_created_listed_and_read_back(
    services: Services, clock: FakeClock, alice: User
) -> None:
    first = await services.resumes.create(alice.id, NewResume(version_name="v1", notes="short"))
    clock.advance(seconds=1)
    second = await services.resumes.create(alice.id, NewResume(version_name="v2"))
    assert (first.user_id, first.version_name, first.notes, first.file_url) == (alice.id, "v1", "short", None)
    assert first.created_at == first.updated_at
    # The order itself is the storage's promise, checked on every backend in tests/contract.
    listed = await services.resumes.list(alice.id, 0, 100)
    assert sorted(listed, key=lambda r: r.version_name) == [first, second]
    assert await services.resumes.list(alice.id, 1, 1) == listed[1:2]
    assert await services.resumes.get(alice.id, first.id) == first


async def test_a_resume_update_changes_only_the_keys_sent(
    services: Services, clock: FakeClock, alice: User
) -> None:
    resume = await services.resumes.create(alice.id, NewResume(version_name="v1", notes="keep me"))
    clock.advance(seconds=5)
    updated = await services.resumes.update(alice.id, resume.id, {"file_url": "https://x/cv.pdf"})
    assert (updated.version_name, updated.notes, updated.file_url) == ("v1", "keep me", "https://x/cv.pdf")
    assert updated.updated_at == clock.now()
    cleared = await services.resumes.update(alice.id, resume.id, {"notes": None})
    assert cleared.notes is None


async def test_someone_elses_resume_is_forbidden_and_an_unknown_one_not_found(
    services: Services, alice: User, bob: User
) -> None:
    resume = await services.resumes.create(alice.id, NewResume(version_name="v1"))
    for call in (
        services.resumes.get(bob.id, resume.id),
        services.resumes.update(bob.id, resume.id, {"notes": "mine now"}),
        services.resumes.delete(bob.id, resume.id),
    ):
        with pytest.raises(Forbidden) as forbidden:
            await call
        assert forbidden.value.detail == "Not your resume"
    with pytest.raises(NotFound) as missing:
        await services.resumes.get(alice.id, UUID(int=999))
    assert missing.value.detail == "Resume version not found"
    assert await services.resumes.get(alice.id, resume.id) == resume


async def test_deleting_a_resume_unlinks_the_applications_that_used_it(
    services: Services, storage: FakeStorage, alice: User
) -> None:
    resume = await services.resumes.create(alice.id, NewResume(version_name="v1"))
    detail = await services.applications.create(
        alice.id, NewApplication(company_name="Acme", role_title="Dev", resume_version_id=resume.id)
    )
    await services.resumes.delete(alice.id, resume.id)
    with pytest.raises(NotFound):
        await services.resumes.get(alice.id, resume.id)
    assert (
        await services.applications.get(alice.id, detail.application.id)
    ).application.resume_version_id is None

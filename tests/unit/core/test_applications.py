"""Applications through the service: status rules, activity log, ownership, events."""

from __future__ import annotations

from datetime import date
from uuid import UUID

import orjson
import pytest

from offertracker_core.entities import ApplicationDetail, User
from offertracker_core.enums import ActivityAction, ApplicationStatus, Priority
from offertracker_core.errors import Forbidden, NotFound
from offertracker_core.events import ApplicationCreated, ApplicationUpdated, StatusChanged
from offertracker_core.inputs import NewApplication, NewResume
from offertracker_core.services import Services

from ..fakes import FakeClock, FakeStorage, RecordingPublisher

ACME = NewApplication(company_name="Acme", role_title="Backend Engineer")


def ids(details: list[ApplicationDetail]) -> list[UUID]:
    return [d.application.id for d in details]


async def test_a_new_application_is_saved_and_logged(
    services: Services, storage: FakeStorage, clock: FakeClock, alice: User
) -> None:
    detail = await services.applications.create(alice.id, ACME)
    app = detail.application
    assert (app.user_id, app.status, app.applied_date, app.salary_currency) == (
        alice.id,
        ApplicationStatus.SAVED,
        None,
        "USD",
    )
    assert app.created_at == app.updated_at == clock.now()
    assert (detail.stages, detail.outcome, detail.reflection) == ((), None, None)
    assert await services.applications.get(alice.id, app.id) == detail
    [entry] = storage.activity_of(alice.id)
    assert (entry.action, entry.description, entry.metadata, entry.application_id) == (
        ActivityAction.APPLICATION_CREATED,
        "Created: Acme — Backend Engineer",
        {},
        app.id,
    )
    assert entry.created_at == clock.now()


async def test_an_applied_application_without_a_date_is_dated_today(services: Services, alice: User) -> None:
    detail = await services.applications.create(
        alice.id, NewApplication(company_name="Acme", role_title="Dev", status=ApplicationStatus.APPLIED)
    )
    assert detail.application.applied_date == date(2026, 3, 1)


async def test_creating_publishes_application_created_after_commit(
    services: Services, storage: FakeStorage, publisher: RecordingPublisher, alice: User
) -> None:
    publisher.published.clear()
    publisher.commits_seen.clear()
    detail = await services.applications.create(alice.id, ACME)
    assert publisher.published[0] == ApplicationCreated(
        user_id=alice.id, application_id=detail.application.id, status=ApplicationStatus.SAVED
    )
    assert publisher.commits_seen == [storage.commits]


@pytest.mark.parametrize("whose", ["missing", "someone else's"])
async def test_a_resume_reference_must_be_the_callers(
    services: Services,
    storage: FakeStorage,
    publisher: RecordingPublisher,
    alice: User,
    bob: User,
    whose: str,
) -> None:
    bobs = await services.resumes.create(bob.id, NewResume(version_name="bob's"))
    resume_id = UUID(int=999) if whose == "missing" else bobs.id
    published = len(publisher.published)
    with pytest.raises(NotFound) as missing:
        await services.applications.create(
            alice.id, NewApplication(company_name="Acme", role_title="Dev", resume_version_id=resume_id)
        )
    assert missing.value.detail == "Resume version not found"
    assert storage.tables.applications == {}
    assert storage.activity_of(alice.id) == []
    assert len(publisher.published) == published
    own = await services.applications.create(alice.id, ACME)
    with pytest.raises(NotFound):
        await services.applications.update(alice.id, own.application.id, {"resume_version_id": resume_id})


async def test_the_list_passes_its_filters_and_paging_to_storage(
    services: Services, clock: FakeClock, alice: User
) -> None:
    old = await services.applications.create(alice.id, NewApplication(company_name="A", role_title="r"))
    clock.advance(seconds=1)
    high = await services.applications.create(
        alice.id, NewApplication(company_name="B", role_title="r", priority=Priority.HIGH)
    )
    clock.advance(seconds=1)
    applied = await services.applications.create(
        alice.id, NewApplication(company_name="C", role_title="r", status=ApplicationStatus.APPLIED)
    )
    # The order itself is the storage's promise, checked on every backend in tests/contract.
    everything = ids(await services.applications.list(alice.id))
    assert set(everything) == set(ids([applied, high, old]))
    assert ids(await services.applications.list(alice.id, status=ApplicationStatus.APPLIED)) == ids([applied])
    assert ids(await services.applications.list(alice.id, priority=Priority.HIGH)) == ids([high])
    assert ids(await services.applications.list(alice.id, skip=1, limit=1)) == everything[1:2]


async def test_a_status_change_is_logged_as_such_and_published(
    services: Services, storage: FakeStorage, clock: FakeClock, publisher: RecordingPublisher, alice: User
) -> None:
    app = (await services.applications.create(alice.id, ACME)).application
    clock.advance(days=2)
    updated = await services.applications.update(alice.id, app.id, {"status": ApplicationStatus.APPLIED})
    assert updated.application.status == ApplicationStatus.APPLIED
    assert updated.application.applied_date == date(2026, 3, 3)
    assert updated.application.updated_at == clock.now()
    latest = storage.activity_of(alice.id)[0]
    assert (latest.action, latest.description, latest.metadata) == (
        ActivityAction.STATUS_CHANGED,
        "Status: Saved → Applied",
        {"old_status": "Saved", "new_status": "Applied"},
    )
    assert type(latest.metadata["old_status"]) is str
    assert publisher.published[-1] == StatusChanged(
        user_id=alice.id,
        application_id=app.id,
        old_status=ApplicationStatus.SAVED,
        new_status=ApplicationStatus.APPLIED,
        automatic=False,
    )
    assert publisher.commits_seen[-1] == storage.commits


async def test_an_update_without_a_status_change_is_logged_as_an_update(
    services: Services, storage: FakeStorage, clock: FakeClock, publisher: RecordingPublisher, alice: User
) -> None:
    app = (await services.applications.create(alice.id, ACME)).application
    clock.advance(seconds=1)
    published = len(publisher.published)
    updated = await services.applications.update(
        alice.id, app.id, {"company_name": "Acme Corp", "status": ApplicationStatus.SAVED, "notes": "n"}
    )
    assert (updated.application.company_name, updated.application.notes) == ("Acme Corp", "n")
    latest = storage.activity_of(alice.id)[0]
    assert (latest.action, latest.description, latest.metadata) == (
        ActivityAction.APPLICATION_UPDATED,
        "Updated Acme Corp",
        {},
    )
    # An edit is an ApplicationUpdated, and no StatusChanged: the status stayed.
    assert publisher.published[published:] == [ApplicationUpdated(user_id=alice.id, application_id=app.id)]


async def test_any_status_move_is_allowed(services: Services, alice: User) -> None:
    app = (await services.applications.create(alice.id, ACME)).application
    for target in (ApplicationStatus.ACCEPTED, ApplicationStatus.SAVED, ApplicationStatus.WITHDRAWN):
        assert (
            await services.applications.update(alice.id, app.id, {"status": target})
        ).application.status == target


async def test_someone_elses_application_is_forbidden_and_stays_unchanged(
    services: Services, alice: User, bob: User
) -> None:
    detail = await services.applications.create(alice.id, ACME)
    app_id = detail.application.id
    for call in (
        services.applications.get(bob.id, app_id),
        services.applications.get_json(bob.id, app_id),
        services.applications.update(bob.id, app_id, {"company_name": "Hijacked"}),
        services.applications.delete(bob.id, app_id),
    ):
        with pytest.raises(Forbidden) as forbidden:
            await call
        assert forbidden.value.detail == "Not your application"
    assert await services.applications.get(alice.id, app_id) == detail


async def test_an_unknown_application_is_not_found(services: Services, alice: User) -> None:
    for call in (
        services.applications.get(alice.id, UUID(int=999)),
        services.applications.get_json(alice.id, UUID(int=999)),
        services.applications.update(alice.id, UUID(int=999), {"notes": "x"}),
        services.applications.delete(alice.id, UUID(int=999)),
    ):
        with pytest.raises(NotFound) as missing:
            await call
        assert missing.value.detail == "Application not found"


async def test_the_owner_reads_an_application_as_its_json(services: Services, alice: User) -> None:
    # Someone else's and unknown ids answer as get does: the cases above.
    app_id = (await services.applications.create(alice.id, ACME)).application.id

    body = orjson.loads(await services.applications.get_json(alice.id, app_id))

    assert (body["id"], body["user_id"], body["company_name"]) == (str(app_id), str(alice.id), "Acme")
    assert (body["stages"], body["outcome"], body["reflection"]) == ([], None, None)


async def test_deleting_an_application_removes_it_and_its_log(
    services: Services, storage: FakeStorage, alice: User
) -> None:
    app = (await services.applications.create(alice.id, ACME)).application
    await services.applications.delete(alice.id, app.id)
    with pytest.raises(NotFound):
        await services.applications.get(alice.id, app.id)
    assert storage.activity_of(alice.id) == []

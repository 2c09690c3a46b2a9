"""Stages, outcomes and reflections through the services (behaviour.md §3, §5, §7)."""

from __future__ import annotations

from datetime import timedelta
from uuid import UUID

import pytest

from offertracker_core.entities import Application, User
from offertracker_core.enums import ApplicationStatus, OutcomeStatus, StageResult
from offertracker_core.errors import Conflict, Forbidden, NotFound
from offertracker_core.events import OutcomeSaved, StageAdded, StatusChanged
from offertracker_core.inputs import NewApplication, NewOutcome, NewReflection, NewStage
from offertracker_core.services import Services

from ..fakes import FakeClock, FakeStorage, RecordingPublisher


async def new_app(
    services: Services, user: User, status: ApplicationStatus = ApplicationStatus.APPLIED
) -> Application:
    detail = await services.applications.create(
        user.id, NewApplication(company_name="Acme", role_title="Dev", status=status)
    )
    return detail.application


def log(storage: FakeStorage, user: User) -> list[tuple[str, str | None, dict]]:
    return [(str(e.action), e.description, e.metadata) for e in storage.activity_of(user.id)]


# --- stages ------------------------------------------------------------------------


async def test_a_stage_on_an_applied_application_moves_it_to_interviewing(
    services: Services, storage: FakeStorage, clock: FakeClock, publisher: RecordingPublisher, alice: User
) -> None:
    app = await new_app(services, alice)
    clock.advance(seconds=10)
    stage = await services.stages.add(alice.id, app.id, NewStage(stage_name="Phone screen"))
    assert (stage.result, stage.stage_date, stage.questions_asked, stage.application_id) == (
        StageResult.PENDING,
        None,
        None,
        app.id,
    )
    detail = await services.applications.get(alice.id, app.id)
    assert detail.application.status == ApplicationStatus.INTERVIEWING
    assert detail.application.updated_at == clock.now()
    assert detail.stages == (stage,)
    newest_two = storage.activity_of(alice.id)[:2]
    assert [(str(e.action), e.description, e.metadata) for e in newest_two] == [
        ("Stage Added", "Added stage: Phone screen", {}),
        (
            "Status Changed",
            "Status: Applied → Interviewing (auto)",
            {"old_status": "Applied", "new_status": "Interviewing", "auto": True},
        ),
    ]
    assert [e.created_at for e in newest_two] == [clock.now() + timedelta(microseconds=1), clock.now()]
    assert publisher.published[-2:] == [
        StatusChanged(
            user_id=alice.id,
            application_id=app.id,
            old_status=ApplicationStatus.APPLIED,
            new_status=ApplicationStatus.INTERVIEWING,
            automatic=True,
        ),
        StageAdded(user_id=alice.id, application_id=app.id, stage_id=stage.id),
    ]


@pytest.mark.parametrize(
    "status", [ApplicationStatus.SAVED, ApplicationStatus.INTERVIEWING, ApplicationStatus.OFFER]
)
async def test_a_stage_leaves_other_statuses_alone(
    services: Services, storage: FakeStorage, clock: FakeClock, alice: User, status: ApplicationStatus
) -> None:
    app = await new_app(services, alice, status)
    clock.advance(seconds=1)
    await services.stages.add(alice.id, app.id, NewStage(stage_name="Onsite", questions_asked=["Why us?"]))
    assert (await services.applications.get(alice.id, app.id)).application.status == status
    assert log(storage, alice)[0] == ("Stage Added", "Added stage: Onsite", {})
    assert log(storage, alice)[1][0] == "Application Created"


async def test_updating_a_stage_logs_its_new_name(
    services: Services, storage: FakeStorage, clock: FakeClock, alice: User
) -> None:
    app = await new_app(services, alice)
    stage = await services.stages.add(alice.id, app.id, NewStage(stage_name="Screen", notes="keep"))
    clock.advance(seconds=1)
    updated = await services.stages.update(
        alice.id,
        app.id,
        stage.id,
        {"stage_name": "Tech screen", "questions_asked": ["SQL?"], "stage_date": None},
    )
    assert (updated.stage_name, updated.notes, updated.questions_asked) == ("Tech screen", "keep", ("SQL?",))
    assert updated.updated_at == clock.now()
    assert log(storage, alice)[0] == ("Stage Updated", "Updated stage: Tech screen", {})


async def test_a_stage_under_another_application_is_not_found(services: Services, alice: User) -> None:
    first, second = await new_app(services, alice), await new_app(services, alice)
    stage = await services.stages.add(alice.id, first.id, NewStage(stage_name="Screen"))
    for call in (
        services.stages.update(alice.id, second.id, stage.id, {"notes": "x"}),
        services.stages.delete(alice.id, second.id, stage.id),
        services.stages.delete(alice.id, first.id, UUID(int=999)),
    ):
        with pytest.raises(NotFound) as missing:
            await call
        assert missing.value.detail == "Stage not found"
    await services.stages.delete(alice.id, first.id, stage.id)
    assert (await services.applications.get(alice.id, first.id)).stages == ()


async def test_application_checks_come_before_stage_checks(
    services: Services, alice: User, bob: User
) -> None:
    app = await new_app(services, alice)
    with pytest.raises(Forbidden) as forbidden:
        await services.stages.update(bob.id, app.id, UUID(int=999), {"notes": "x"})
    assert forbidden.value.detail == "Not your application"
    with pytest.raises(NotFound) as missing:
        await services.stages.add(alice.id, UUID(int=999), NewStage(stage_name="x"))
    assert missing.value.detail == "Application not found"


# --- outcomes ----------------------------------------------------------------------


async def test_an_outcome_defaults_to_an_offer_and_moves_the_application(
    services: Services, storage: FakeStorage, clock: FakeClock, publisher: RecordingPublisher, alice: User
) -> None:
    app = await new_app(services, alice, ApplicationStatus.INTERVIEWING)
    clock.advance(seconds=1)
    outcome = await services.outcomes.create(alice.id, app.id, NewOutcome(salary=100_000))
    assert (outcome.status, outcome.salary, outcome.salary_currency) == (OutcomeStatus.OFFER, 100_000, "USD")
    detail = await services.applications.get(alice.id, app.id)
    assert (detail.application.status, detail.outcome) == (ApplicationStatus.OFFER, outcome)
    assert log(storage, alice)[:2] == [
        ("Offer Added", "Recorded offer details", {}),
        (
            "Status Changed",
            "Status: Interviewing → Offer (outcome recorded)",
            {"old_status": "Interviewing", "new_status": "Offer", "auto": True},
        ),
    ]
    assert (
        StatusChanged(
            user_id=alice.id,
            application_id=app.id,
            old_status=ApplicationStatus.INTERVIEWING,
            new_status=ApplicationStatus.OFFER,
            automatic=True,
        )
        in publisher.published
    )


@pytest.mark.parametrize(
    ("outcome", "expected"),
    [
        (OutcomeStatus.REJECTED, ApplicationStatus.REJECTED),
        (OutcomeStatus.WITHDRAWN, ApplicationStatus.WITHDRAWN),
    ],
)
async def test_a_rejection_or_withdrawal_moves_the_application_to_that_status(
    services: Services, alice: User, outcome: OutcomeStatus, expected: ApplicationStatus
) -> None:
    app = await new_app(services, alice)
    await services.outcomes.create(alice.id, app.id, NewOutcome(status=outcome))
    assert (await services.applications.get(alice.id, app.id)).application.status == expected


async def test_an_offer_on_an_accepted_application_keeps_it_accepted(
    services: Services, storage: FakeStorage, clock: FakeClock, alice: User
) -> None:
    app = await new_app(services, alice, ApplicationStatus.ACCEPTED)
    clock.advance(seconds=1)
    await services.outcomes.create(alice.id, app.id, NewOutcome(status=OutcomeStatus.OFFER))
    assert (
        await services.applications.get(alice.id, app.id)
    ).application.status == ApplicationStatus.ACCEPTED
    assert log(storage, alice)[:2] == [
        ("Offer Added", "Recorded offer details", {}),
        ("Application Created", "Created: Acme — Dev", {}),
    ]


async def test_a_second_outcome_is_a_conflict(services: Services, storage: FakeStorage, alice: User) -> None:
    app = await new_app(services, alice)
    await services.outcomes.create(alice.id, app.id, NewOutcome())
    with pytest.raises(Conflict) as conflict:
        await services.outcomes.create(alice.id, app.id, NewOutcome(status=OutcomeStatus.REJECTED))
    assert conflict.value.detail == "This application already has offer details. Use PUT to update."
    storage.racing = True
    with pytest.raises(Conflict) as raced:
        await services.outcomes.create(alice.id, app.id, NewOutcome(status=OutcomeStatus.REJECTED))
    assert raced.value.detail == "This application already has offer details. Use PUT to update."
    assert len(storage.tables.outcomes) == 1
    assert (await services.applications.get(alice.id, app.id)).application.status == ApplicationStatus.OFFER


async def test_changing_the_outcome_status_moves_the_application_again(
    services: Services, storage: FakeStorage, clock: FakeClock, publisher: RecordingPublisher, alice: User
) -> None:
    app = await new_app(services, alice)
    outcome = await services.outcomes.create(alice.id, app.id, NewOutcome())
    clock.advance(seconds=1)
    updated = await services.outcomes.update(alice.id, app.id, outcome.id, {"status": OutcomeStatus.REJECTED})
    assert (updated.status, updated.updated_at) == (OutcomeStatus.REJECTED, clock.now())
    assert (
        await services.applications.get(alice.id, app.id)
    ).application.status == ApplicationStatus.REJECTED
    assert log(storage, alice)[0] == (
        "Status Changed",
        "Status: Offer → Rejected (outcome recorded)",
        {"old_status": "Offer", "new_status": "Rejected", "auto": True},
    )
    assert publisher.published[-1].new_status == ApplicationStatus.REJECTED  # type: ignore[union-attr]
    clock.advance(seconds=1)
    published = len(publisher.published)
    noted = await services.outcomes.update(alice.id, app.id, outcome.id, {"notes": "asked for feedback"})
    # The edit is an OutcomeSaved carrying the outcome as stored, and no status move.
    assert publisher.published[published:] == [
        OutcomeSaved(user_id=alice.id, application_id=app.id, outcome=noted)
    ]
    assert noted.notes == "asked for feedback"
    assert log(storage, alice)[0][1] == "Status: Offer → Rejected (outcome recorded)"


async def test_an_outcome_under_another_application_is_not_found(services: Services, alice: User) -> None:
    first, second = await new_app(services, alice), await new_app(services, alice)
    outcome = await services.outcomes.create(alice.id, first.id, NewOutcome())
    for call in (
        services.outcomes.update(alice.id, second.id, outcome.id, {"notes": "x"}),
        services.outcomes.delete(alice.id, second.id, outcome.id),
    ):
        with pytest.raises(NotFound) as missing:
            await call
        assert missing.value.detail == "Outcome not found"
    await services.outcomes.delete(alice.id, first.id, outcome.id)
    detail = await services.applications.get(alice.id, first.id)
    assert (detail.outcome, detail.application.status) == (None, ApplicationStatus.OFFER)


# --- reflections -------------------------------------------------------------------


async def test_a_reflection_is_added_once_and_logged(
    services: Services, storage: FakeStorage, clock: FakeClock, alice: User
) -> None:
    app = await new_app(services, alice)
    clock.advance(seconds=1)
    reflection = await services.reflections.create(
        alice.id, app.id, NewReflection(what_worked="prep", skill_gaps={"sql": ["window functions"]})
    )
    assert (reflection.what_worked, reflection.skill_gaps) == ("prep", {"sql": ["window functions"]})
    assert (await services.applications.get(alice.id, app.id)).reflection == reflection
    assert log(storage, alice)[0] == ("Reflection Added", "Added a post-interview reflection", {})
    with pytest.raises(Conflict) as conflict:
        await services.reflections.create(alice.id, app.id, NewReflection())
    assert conflict.value.detail == "This application already has a reflection. Use PUT to update."
    storage.racing = True
    with pytest.raises(Conflict):
        await services.reflections.create(alice.id, app.id, NewReflection())
    assert len(storage.tables.reflections) == 1


async def test_a_reflection_is_updated_partially_and_deleted(
    services: Services, clock: FakeClock, alice: User
) -> None:
    app = await new_app(services, alice)
    reflection = await services.reflections.create(
        alice.id, app.id, NewReflection(what_worked="a", what_failed="b")
    )
    clock.advance(seconds=1)
    updated = await services.reflections.update(alice.id, app.id, reflection.id, {"what_failed": None})
    assert (updated.what_worked, updated.what_failed, updated.updated_at) == ("a", None, clock.now())
    other = await new_app(services, alice)
    for call in (
        services.reflections.update(alice.id, other.id, reflection.id, {"what_worked": "x"}),
        services.reflections.delete(alice.id, other.id, reflection.id),
        services.reflections.delete(alice.id, app.id, UUID(int=999)),
    ):
        with pytest.raises(NotFound) as missing:
            await call
        assert missing.value.detail == "Reflection not found"
    await services.reflections.delete(alice.id, app.id, reflection.id)
    assert (await services.applications.get(alice.id, app.id)).reflection is None


async def test_children_of_someone_elses_application_are_forbidden(
    services: Services, alice: User, bob: User
) -> None:
    app = await new_app(services, alice)
    for call in (
        services.stages.add(bob.id, app.id, NewStage(stage_name="x")),
        services.outcomes.create(bob.id, app.id, NewOutcome()),
        services.reflections.create(bob.id, app.id, NewReflection()),
    ):
        with pytest.raises(Forbidden) as forbidden:
            await call
        assert forbidden.value.detail == "Not your application"
    detail = await services.applications.get(alice.id, app.id)
    assert (detail.stages, detail.outcome, detail.reflection) == ((), None, None)

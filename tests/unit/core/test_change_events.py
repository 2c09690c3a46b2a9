"""The events a change records carry the thing as the change stored it, in the order it happened."""

from __future__ import annotations

from datetime import UTC, datetime

from offertracker_core.entities import User
from offertracker_core.enums import ApplicationStatus, OutcomeStatus
from offertracker_core.events import (
    ApplicationDeleted,
    MilestoneReached,
    OutcomeSaved,
    ReflectionSaved,
    ReminderCompleted,
    StageAdded,
    StatusChanged,
)
from offertracker_core.inputs import NewApplication, NewOutcome, NewReflection, NewReminder, NewStage
from offertracker_core.services import Services

from ..fakes import FakeClock, RecordingPublisher

ACME = NewApplication(company_name="Acme", role_title="Dev", status=ApplicationStatus.APPLIED)


async def test_a_deleted_application_is_announced_with_its_children_as_they_were(
    services: Services, publisher: RecordingPublisher, alice: User
) -> None:
    created = await services.applications.create(alice.id, ACME)
    app_id = created.application.id
    stage = await services.stages.add(alice.id, app_id, NewStage(stage_name="Screen"))
    before = await services.applications.get(alice.id, app_id)
    await services.applications.delete(alice.id, app_id)
    deleted = publisher.published[-1]
    assert deleted == ApplicationDeleted(user_id=alice.id, application_id=app_id, application=before)
    assert isinstance(deleted, ApplicationDeleted)
    assert [s.id for s in deleted.application.stages] == [stage.id]
    assert deleted.application.application.status == ApplicationStatus.INTERVIEWING


async def test_recording_an_offer_announces_the_outcome_before_the_automatic_move(
    services: Services, publisher: RecordingPublisher, alice: User
) -> None:
    app = (await services.applications.create(alice.id, ACME)).application
    start = len(publisher.published)
    outcome = await services.outcomes.create(alice.id, app.id, NewOutcome())
    kinds = [type(event) for event in publisher.published[start:]]
    assert kinds[:2] == [OutcomeSaved, StatusChanged]
    saved, moved = publisher.published[start : start + 2]
    assert saved == OutcomeSaved(user_id=alice.id, application_id=app.id, outcome=outcome)
    assert outcome.status == OutcomeStatus.OFFER
    assert moved == StatusChanged(
        user_id=alice.id,
        application_id=app.id,
        old_status=ApplicationStatus.APPLIED,
        new_status=ApplicationStatus.OFFER,
        automatic=True,
    )


async def test_writing_and_editing_a_reflection_each_announce_it_as_stored(
    services: Services, clock: FakeClock, publisher: RecordingPublisher, alice: User
) -> None:
    app = (await services.applications.create(alice.id, ACME)).application
    start = len(publisher.published)
    written = await services.reflections.create(alice.id, app.id, NewReflection(what_worked="prep"))
    # The first reflection also wins a milestone, announced after it.
    assert publisher.published[start] == ReflectionSaved(
        user_id=alice.id, application_id=app.id, reflection=written
    )
    clock.advance(seconds=5)
    edited = await services.reflections.update(alice.id, app.id, written.id, {"what_failed": "nerves"})
    assert publisher.published[-1] == ReflectionSaved(
        user_id=alice.id, application_id=app.id, reflection=edited
    )
    assert (edited.what_worked, edited.what_failed, edited.updated_at) == ("prep", "nerves", clock.now())


async def test_stage_reminder_and_milestone_events_carry_what_was_stored(
    services: Services, publisher: RecordingPublisher, alice: User
) -> None:
    app = (await services.applications.create(alice.id, ACME)).application
    milestones = [e for e in publisher.published if isinstance(e, MilestoneReached)]
    first = milestones[-1]
    assert (first.name, first.milestone is not None, first.award is not None) == (
        "First Application",
        True,
        True,
    )
    assert first.milestone is not None
    assert first.award is not None
    assert (first.milestone.id, first.award.milestone_id, first.award.user_id) == (
        first.milestone_id,
        first.milestone_id,
        alice.id,
    )
    stage = await services.stages.add(alice.id, app.id, NewStage(stage_name="Onsite"))
    added = [e for e in publisher.published if isinstance(e, StageAdded)][-1]
    assert added.stage == stage
    reminder = await services.reminders.create(
        alice.id, NewReminder(title="Follow up", remind_at=datetime(2026, 4, 1, tzinfo=UTC))
    )
    done = await services.reminders.complete(alice.id, reminder.id)
    completed = [e for e in publisher.published if isinstance(e, ReminderCompleted)][-1]
    assert (completed.reminder, completed.reminder_id) == (done, reminder.id)
    assert done.is_completed is True

"""Streak and milestone bookkeeping of tracked actions, and when events are published (§6)."""

from __future__ import annotations

import logging
from datetime import date
from uuid import UUID

import pytest

from offertracker_core.entities import User
from offertracker_core.enums import ApplicationStatus, OutcomeStatus
from offertracker_core.events import ApplicationCreated, MilestoneReached
from offertracker_core.inputs import Credentials, NewApplication, NewOutcome, NewReflection, NewStage
from offertracker_core.milestones import milestone_id
from offertracker_core.services import Services

from ..fakes import FakeClock, FakeStorage, RecordingPublisher


def reached(publisher: RecordingPublisher) -> list[str]:
    return [e.name for e in publisher.published if isinstance(e, MilestoneReached)]


async def apply_to(services: Services, user: User, n: int = 1) -> None:
    for i in range(n):
        await services.applications.create(user.id, NewApplication(company_name=f"Co{i}", role_title="Dev"))


async def test_the_first_application_is_a_milestone_and_only_once(
    services: Services, storage: FakeStorage, publisher: RecordingPublisher, alice: User
) -> None:
    await apply_to(services, alice)
    assert storage.milestones_of(alice.id) == ["Getting Started", "First Application"]
    assert reached(publisher) == ["Getting Started", "First Application"]
    [award] = [
        um
        for um in storage.tables.user_milestones.values()
        if um.milestone_id == milestone_id("First Application")
    ]
    assert award.reached_at == storage.tables.users[alice.id].updated_at
    await apply_to(services, alice)
    assert reached(publisher) == ["Getting Started", "First Application"]


async def test_ten_applications_build_momentum(
    services: Services, storage: FakeStorage, publisher: RecordingPublisher, alice: User
) -> None:
    await apply_to(services, alice, 9)
    assert "Building Momentum" not in storage.milestones_of(alice.id)
    await apply_to(services, alice)
    assert storage.milestones_of(alice.id) == ["Getting Started", "First Application", "Building Momentum"]
    assert reached(publisher).count("Building Momentum") == 1


async def test_a_tracked_action_starts_the_streak(
    services: Services, storage: FakeStorage, alice: User
) -> None:
    await apply_to(services, alice)
    user = storage.tables.users[alice.id]
    assert (user.streak_days, user.last_active_date) == (1, date(2026, 3, 1))


async def test_seven_active_days_make_one_week_strong(
    services: Services, storage: FakeStorage, clock: FakeClock, publisher: RecordingPublisher, alice: User
) -> None:
    app = (
        await services.applications.create(alice.id, NewApplication(company_name="A", role_title="r"))
    ).application
    for day in range(2, 8):
        clock.advance(days=1)
        await services.stages.add(alice.id, app.id, NewStage(stage_name=f"Round {day}"))
        assert storage.tables.users[alice.id].streak_days == day
        assert ("One Week Strong" in storage.milestones_of(alice.id)) is (day == 7)
    assert reached(publisher)[-1] == "One Week Strong"


async def test_login_rechecks_milestones_too(
    services: Services, storage: FakeStorage, clock: FakeClock, alice: User
) -> None:
    for _ in range(6):
        await services.auth.login(Credentials(email="alice@example.com", password="secret1"))
        clock.advance(days=1)
    assert "One Week Strong" not in storage.milestones_of(alice.id)
    session = await services.auth.login(Credentials(email="alice@example.com", password="secret1"))
    assert session.user.streak_days == 7
    assert "One Week Strong" in storage.milestones_of(alice.id)


async def test_reflections_and_offers_have_their_milestones(
    services: Services, storage: FakeStorage, alice: User
) -> None:
    rejected = (
        await services.applications.create(alice.id, NewApplication(company_name="A", role_title="r"))
    ).application
    await services.outcomes.create(alice.id, rejected.id, NewOutcome(status=OutcomeStatus.REJECTED))
    assert "Offer Received" not in storage.milestones_of(alice.id)
    await services.reflections.create(alice.id, rejected.id, NewReflection(what_failed="nerves"))
    assert "Self-Reflective" in storage.milestones_of(alice.id)
    offered = (
        await services.applications.create(alice.id, NewApplication(company_name="B", role_title="r"))
    ).application
    await services.outcomes.create(alice.id, offered.id, NewOutcome())
    assert "Offer Received" in storage.milestones_of(alice.id)


async def test_social_totals_are_rechecked_on_any_tracked_action(
    services: Services, storage: FakeStorage, alice: User, bob: User
) -> None:
    for n in range(5):
        storage.follow(alice.id, UUID(int=1000 + n))
    storage.join_group(UUID(int=77), alice.id)
    storage.add_posts(alice.id)
    await apply_to(services, alice)
    assert storage.milestones_of(alice.id) == [
        "Getting Started",
        "First Application",
        "Connected",
        "Part of a Circle",
        "Sharing Insights",
    ]


async def test_failing_bookkeeping_is_logged_and_the_action_still_commits(
    services: Services,
    storage: FakeStorage,
    publisher: RecordingPublisher,
    alice: User,
    caplog: pytest.LogCaptureFixture,
) -> None:
    storage.broken_progress = True
    with caplog.at_level(logging.ERROR):
        detail = await services.applications.create(
            alice.id, NewApplication(company_name="A", role_title="r")
        )
    assert await services.applications.get(alice.id, detail.application.id) == detail
    # The savepoint rolled the streak update back with the failed milestone check.
    assert storage.tables.users[alice.id].streak_days == 0
    assert storage.milestones_of(alice.id) == ["Getting Started"]
    assert publisher.published[-1] == ApplicationCreated(
        user_id=alice.id, application_id=detail.application.id, status=ApplicationStatus.SAVED
    )
    assert any("progress bookkeeping failed" in r.getMessage() for r in caplog.records)


async def test_nothing_is_published_when_the_commit_fails(
    services: Services, storage: FakeStorage, publisher: RecordingPublisher, alice: User
) -> None:
    published = list(publisher.published)
    storage.fail_next_commit = True
    with pytest.raises(RuntimeError, match="commit failed"):
        await services.applications.create(alice.id, NewApplication(company_name="A", role_title="r"))
    assert publisher.published == published
    assert storage.tables.applications == {}
    assert storage.milestones_of(alice.id) == ["Getting Started"]


async def test_events_are_published_only_after_their_commit(
    services: Services, storage: FakeStorage, publisher: RecordingPublisher, alice: User
) -> None:
    await apply_to(services, alice, 2)
    # One publish per action, each seeing that action's commit already counted.
    assert publisher.commits_seen == [1, 2, 3]
    assert storage.commits == 3

"""Application status rules (behaviour.md §5) as data plus pure functions.

Every function takes the application as it is and the current time, and
returns a :class:`Transition`: the application as it should be stored and the
:class:`~offertracker_core.events.StatusChanged` event when the status moved
(``None`` otherwise). Nothing here does I/O; services decide what to persist,
log and publish. The tables below are the whole policy, so changing a rule
means changing data, not control flow.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, date, datetime
from types import MappingProxyType

import attrs

from .entities import Application
from .enums import ApplicationStatus, OutcomeStatus
from .events import StatusChanged
from .inputs import ApplicationChanges

__all__ = [
    "AUTO_APPLIED_DATE_ON_CREATE",
    "AUTO_APPLIED_DATE_ON_UPDATE",
    "OUTCOME_MOVES_TO",
    "OUTCOME_NEVER_OVERRIDES",
    "STAGE_ADDED_MOVES",
    "Transition",
    "on_create",
    "on_outcome_recorded",
    "on_stage_added",
    "on_update",
]

#: Creating an application in one of these statuses without an ``applied_date`` dates it today.
AUTO_APPLIED_DATE_ON_CREATE: frozenset[ApplicationStatus] = frozenset({ApplicationStatus.APPLIED})

#: Updates moving (old, new) that date the application today when the changes carry no ``applied_date``.
AUTO_APPLIED_DATE_ON_UPDATE: frozenset[tuple[ApplicationStatus, ApplicationStatus]] = frozenset(
    {(ApplicationStatus.SAVED, ApplicationStatus.APPLIED)}
)

#: Adding a stage moves an application from the key status to the value status, automatically.
STAGE_ADDED_MOVES: Mapping[ApplicationStatus, ApplicationStatus] = MappingProxyType(
    {ApplicationStatus.APPLIED: ApplicationStatus.INTERVIEWING}
)

#: Recording an outcome moves the application to the matching status ...
OUTCOME_MOVES_TO: Mapping[OutcomeStatus, ApplicationStatus] = MappingProxyType(
    {
        OutcomeStatus.OFFER: ApplicationStatus.OFFER,
        OutcomeStatus.REJECTED: ApplicationStatus.REJECTED,
        OutcomeStatus.WITHDRAWN: ApplicationStatus.WITHDRAWN,
    }
)

#: ... except for these (application status, outcome status) pairs: an accepted offer stays Accepted.
OUTCOME_NEVER_OVERRIDES: frozenset[tuple[ApplicationStatus, OutcomeStatus]] = frozenset(
    {(ApplicationStatus.ACCEPTED, OutcomeStatus.OFFER)}
)


@attrs.frozen
class Transition:
    """The result of a status rule: the application to store and the status event, if any."""

    application: Application
    event: StatusChanged | None = None

    @property
    def changed(self) -> bool:
        """Whether the status moved."""
        return self.event is not None

    @property
    def events(self) -> tuple[StatusChanged, ...]:
        """The status event as a sequence to publish: one event, or none."""
        return () if self.event is None else (self.event,)


def _today(now: datetime) -> date:
    # Auto-dates are UTC calendar days whatever zone the clock reports in.
    return now.astimezone(UTC).date() if now.tzinfo is not None else now.date()


def _status_changed(application: Application, new: ApplicationStatus, *, automatic: bool) -> StatusChanged:
    return StatusChanged(
        user_id=application.user_id,
        application_id=application.id,
        old_status=application.status,
        new_status=new,
        automatic=automatic,
    )


def _move(application: Application, new: ApplicationStatus, now: datetime, *, automatic: bool) -> Transition:
    if new == application.status:
        return Transition(application)
    event = _status_changed(application, new, automatic=automatic)
    return Transition(attrs.evolve(application, status=new, updated_at=now), event)


def on_create(application: Application, now: datetime) -> Transition:
    """Complete a brand-new application: an Applied one without ``applied_date`` is dated today.

    The status itself is what the caller chose (``NewApplication`` defaults to
    Saved); creation is not a status *change*, so the event is always ``None``.
    """
    if application.status in AUTO_APPLIED_DATE_ON_CREATE and application.applied_date is None:
        application = attrs.evolve(application, applied_date=_today(now))
    return Transition(application)


def on_update(application: Application, changes: ApplicationChanges, now: datetime) -> Transition:
    """Apply the partial ``changes`` (exactly the keys present) and stamp ``updated_at``.

    Any status change is allowed (the reference's flow is advice, not a
    prison) and yields a manual ``StatusChanged``. Saved → Applied without an
    ``applied_date`` key in ``changes`` sets ``applied_date`` to today, as the
    rule says, even when the application carried an older date.
    """
    old = application.status
    updated = attrs.evolve(application, **changes, updated_at=now)
    new = updated.status
    if (old, new) in AUTO_APPLIED_DATE_ON_UPDATE and "applied_date" not in changes:
        updated = attrs.evolve(updated, applied_date=_today(now))
    if new == old:
        return Transition(updated)
    return Transition(updated, _status_changed(application, new, automatic=False))


def on_stage_added(application: Application, now: datetime) -> Transition:
    """A stage was added: an Applied application moves to Interviewing (automatic); others stay."""
    target = STAGE_ADDED_MOVES.get(application.status)
    if target is None:
        return Transition(application)
    return _move(application, target, now, automatic=True)


def on_outcome_recorded(application: Application, outcome: OutcomeStatus, now: datetime) -> Transition:
    """An outcome with status ``outcome`` was recorded: move to the matching status (automatic).

    Offer, Rejected and Withdrawn map to the application status of the same
    name, except that an Accepted application keeps its status for an Offer.
    An application already in the target status does not move.
    """
    if (application.status, outcome) in OUTCOME_NEVER_OVERRIDES:
        return Transition(application)
    return _move(application, OUTCOME_MOVES_TO[outcome], now, automatic=True)

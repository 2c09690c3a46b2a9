"""The outcome (offer, rejection or withdrawal) of an application; one per application."""

from __future__ import annotations

from uuid import UUID

import attrs

from .. import activity, status
from ..entities import Outcome
from ..enums import OutcomeStatus
from ..errors import Conflict, Duplicate
from ..events import OutcomeSaved
from ..inputs import NewOutcome, OutcomeChanges
from ..ports import ProgressTotals, UnitOfWork
from ..validation import validate_changes
from .base import APPLICATION, ServiceContext, child_of, owned, store_automatic_move
from .progress import track_activity

__all__ = ["OutcomeService"]

_SECOND_OUTCOME = "This application already has offer details. Use PUT to update."
_OFFER = ProgressTotals(offers=1)
_NO_OFFER = ProgressTotals(offers=-1)


def _offers(outcome: Outcome) -> int:
    """How many offers ``outcome`` counts for in the milestone totals: 1 for an Offer, else 0."""
    return int(outcome.status == OutcomeStatus.OFFER)


@attrs.frozen
class OutcomeService:
    """Records, edits and removes the outcome of the caller's applications."""

    ctx: ServiceContext

    async def create(self, user_id: UUID, application_id: UUID, new: NewOutcome) -> Outcome:
        """Record the outcome (a tracked action); status ``None`` means Offer.

        A second outcome is ``Conflict`` — also when a concurrent request won
        the race and the database reports the duplicate. The application moves
        to the outcome's status (unless it is Accepted and the outcome is an
        Offer); that automatic change is logged before "Offer Added".
        """
        now = self.ctx.clock.now()

        async def work(uow: UnitOfWork) -> Outcome:
            application = await owned(uow, APPLICATION, user_id, application_id, for_update=True)
            if await uow.outcomes.get_for_application(application.id) is not None:
                raise Conflict(_SECOND_OUTCOME)
            values = attrs.asdict(new, recurse=False)
            values["status"] = new.status or OutcomeStatus.OFFER
            outcome = Outcome(
                id=self.ctx.ids(), application_id=application.id, **values, created_at=now, updated_at=now
            )
            try:
                await uow.outcomes.add(outcome)
            except Duplicate as exc:
                raise Conflict(_SECOND_OUTCOME) from exc
            if outcome.status == OutcomeStatus.OFFER:
                await uow.progress.count(user_id, _OFFER)
            uow.record(OutcomeSaved(user_id=user_id, application_id=application.id, outcome=outcome))
            transition = status.on_outcome_recorded(application, outcome.status, now)
            cause = activity.StatusCause.OUTCOME_RECORDED
            moves = await store_automatic_move(self.ctx, uow, transition, now, cause)
            uow.log(activity.offer_added(self.ctx.ids(), user_id, application.id, activity.after(now, moves)))
            await track_activity(self.ctx, uow, user_id, now)
            return outcome

        return await self.ctx.write(work)

    async def update(
        self, user_id: UUID, application_id: UUID, outcome_id: UUID, changes: OutcomeChanges
    ) -> Outcome:
        """Apply partial ``changes`` to the outcome.

        Decision (the spec is silent): changing the outcome's *status* applies
        the outcome rule again, so an Offer turned into a Rejection moves the
        application to Rejected (logged "(outcome recorded)", ``StatusChanged``
        published). Other edits leave the application alone. A status change
        into or out of Offer changes the offers total at once; as an update is
        not a tracked action, a milestone that makes due is awarded at the
        user's next tracked action.
        """
        changes = validate_changes(OutcomeChanges, changes)
        now = self.ctx.clock.now()

        async def work(uow: UnitOfWork) -> Outcome:
            application = await owned(uow, APPLICATION, user_id, application_id, for_update=True)
            outcome = child_of(application.id, await uow.outcomes.get(outcome_id), "Outcome not found")
            updated = attrs.evolve(outcome, **changes, updated_at=now)
            await uow.outcomes.update(updated)
            uow.record(OutcomeSaved(user_id=user_id, application_id=application.id, outcome=updated))
            offers = _offers(updated) - _offers(outcome)
            if offers:
                await uow.progress.count(user_id, ProgressTotals(offers=offers))
            if updated.status != outcome.status:
                transition = status.on_outcome_recorded(application, updated.status, now)
                await store_automatic_move(
                    self.ctx, uow, transition, now, activity.StatusCause.OUTCOME_RECORDED
                )
            return updated

        return await self.ctx.write(work)

    async def delete(self, user_id: UUID, application_id: UUID, outcome_id: UUID) -> None:
        """Delete the outcome; the application keeps its current status (what it was before is unknown).

        An Offer no longer counts towards the offers total (a milestone already reached is kept).
        """

        async def work(uow: UnitOfWork) -> None:
            application = await owned(uow, APPLICATION, user_id, application_id, for_update=True)
            outcome = child_of(application.id, await uow.outcomes.get(outcome_id), "Outcome not found")
            await uow.outcomes.delete(outcome_id)
            if outcome.status == OutcomeStatus.OFFER:
                await uow.progress.count(user_id, _NO_OFFER)

        await self.ctx.write(work)

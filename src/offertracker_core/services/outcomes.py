"""The outcome (offer, rejection or withdrawal) of an application; one per application."""

from __future__ import annotations

from uuid import UUID

import attrs

from .. import activity, status
from ..entities import Outcome
from ..enums import OutcomeStatus
from ..errors import Conflict, Duplicate
from ..inputs import NewOutcome, OutcomeChanges
from .base import ServiceContext, child_of, owned_application, store_automatic_move
from .progress import track_activity

__all__ = ["OutcomeService"]

_SECOND_OUTCOME = "This application already has offer details. Use PUT to update."


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
        async with self.ctx.storage.write() as uow:
            application = await owned_application(uow, user_id, application_id)
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
            transition = status.on_outcome_recorded(application, outcome.status, now)
            entries = await store_automatic_move(
                self.ctx, uow, transition, now, activity.StatusCause.OUTCOME_RECORDED
            )
            at = activity.after(now, len(entries))
            entries.append(activity.offer_added(self.ctx.ids(), user_id, application.id, at))
            await uow.activity.add_many(entries)
            progress = await track_activity(self.ctx, uow, user_id, now)
            await uow.commit()
        await self.ctx.publish([*transition.events, *progress.events])
        return outcome

    async def update(
        self, user_id: UUID, application_id: UUID, outcome_id: UUID, changes: OutcomeChanges
    ) -> Outcome:
        """Apply partial ``changes`` to the outcome.

        Decision (the spec is silent): changing the outcome's *status* applies
        the outcome rule again, so an Offer turned into a Rejection moves the
        application to Rejected (logged "(outcome recorded)", ``StatusChanged``
        published). Other edits leave the application alone.
        """
        now = self.ctx.clock.now()
        async with self.ctx.storage.write() as uow:
            application = await owned_application(uow, user_id, application_id)
            outcome = child_of(application.id, await uow.outcomes.get(outcome_id), "Outcome not found")
            updated = attrs.evolve(outcome, **changes, updated_at=now)
            await uow.outcomes.update(updated)
            transition = status.Transition(application)
            if updated.status != outcome.status:
                transition = status.on_outcome_recorded(application, updated.status, now)
            entries = await store_automatic_move(
                self.ctx, uow, transition, now, activity.StatusCause.OUTCOME_RECORDED
            )
            if entries:
                await uow.activity.add_many(entries)
            await uow.commit()
        await self.ctx.publish(transition.events)
        return updated

    async def delete(self, user_id: UUID, application_id: UUID, outcome_id: UUID) -> None:
        """Delete the outcome; the application keeps its current status (what it was before is unknown)."""
        async with self.ctx.storage.write() as uow:
            application = await owned_application(uow, user_id, application_id)
            child_of(application.id, await uow.outcomes.get(outcome_id), "Outcome not found")
            await uow.outcomes.delete(outcome_id)
            await uow.commit()

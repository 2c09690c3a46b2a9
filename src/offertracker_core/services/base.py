"""What every service needs, and the ownership checks they share."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Protocol, TypeVar
from uuid import UUID

import attrs

from .. import activity
from ..entities import ActivityEntry, Application, ApplicationDetail
from ..errors import Forbidden, NotFound
from ..events import Event
from ..ports import Clock, EventPublisher, IdFactory, Storage, UnitOfWork
from ..status import Transition

__all__ = [
    "ServiceContext",
    "child_of",
    "owned_application",
    "owned_application_detail",
    "store_automatic_move",
]


class _Child(Protocol):
    @property
    def application_id(self) -> UUID: ...


ChildT = TypeVar("ChildT", bound=_Child)


@attrs.frozen
class ServiceContext:
    """The ports a use case runs against: storage, time, ids and the event publisher."""

    storage: Storage
    clock: Clock
    ids: IdFactory
    events: EventPublisher

    async def publish(self, events: Sequence[Event]) -> None:
        """Publish committed ``events`` (call only after ``uow.commit()`` succeeded)."""
        if events:
            await self.events.publish(list(events))


def _check_application(application: Application | None, user_id: UUID) -> Application:
    if application is None:
        raise NotFound("Application not found")
    if application.user_id != user_id:
        raise Forbidden("Not your application")
    return application


async def owned_application(uow: UnitOfWork, user_id: UUID, application_id: UUID) -> Application:
    """The application, or ``NotFound("Application not found")`` / ``Forbidden("Not your application")``."""
    return _check_application(await uow.applications.get(application_id), user_id)


async def owned_application_detail(uow: UnitOfWork, user_id: UUID, application_id: UUID) -> ApplicationDetail:
    """Like :func:`owned_application`, with the children loaded in the same round trip."""
    detail = await uow.applications.get_detail(application_id)
    if detail is None:
        raise NotFound("Application not found")
    _check_application(detail.application, user_id)
    return detail


def child_of(application_id: UUID, child: ChildT | None, not_found: str) -> ChildT:
    """``child`` if it hangs off ``application_id``; otherwise ``NotFound(not_found)``.

    A stage, outcome or reflection under the wrong application is reported as
    missing (behaviour.md §3), exactly like one that does not exist.
    """
    if child is None or child.application_id != application_id:
        raise NotFound(not_found)
    return child


async def store_automatic_move(
    ctx: ServiceContext, uow: UnitOfWork, transition: Transition, now: datetime, cause: activity.StatusCause
) -> list[ActivityEntry]:
    """Store the application a rule moved (stage added, outcome recorded) and return its log entry.

    Returns ``[]`` when the rule left the status alone; otherwise the one
    "Status Changed" entry, stamped ``now``, for the caller to write together
    with the entry of the action itself.
    """
    if transition.event is None:
        return []
    await uow.applications.update(transition.application)
    return [activity.status_changed(ctx.ids(), transition.event, now, cause)]

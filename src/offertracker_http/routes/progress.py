"""``/progress``: the milestone catalogue, the caller's milestones and stats, the community list."""

from __future__ import annotations

import attrs
from aiohttp import web

from offertracker_core.entities import Milestone
from offertracker_core.ports import CommunityMember, EarnedMilestone
from offertracker_core.services.progress import UserStats

from ..schemas import Limit
from ._common import Routes, caller, services

routes = Routes("progress")


@attrs.frozen
class CommunityQuery:
    """``GET /progress/community`` query: the reference's one parameter, bounded like every list."""

    limit: Limit = 20


@routes.get("/progress/milestones")
async def list_milestones(request: web.Request) -> list[Milestone]:
    return await services(request).progress.milestones()


@routes.get("/progress/milestones/mine")
async def list_my_milestones(request: web.Request) -> list[EarnedMilestone]:
    return await services(request).progress.mine(caller(request))


@routes.get("/progress/community")
async def list_community(request: web.Request, query: CommunityQuery) -> list[CommunityMember]:
    return await services(request).progress.community(query.limit)


@routes.get("/progress/stats")
async def get_stats(request: web.Request) -> UserStats:
    return await services(request).progress.stats(caller(request))

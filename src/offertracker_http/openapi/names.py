"""The API reference's names of its response models, for the types that render them.

Only names: every shape is read from the type itself (:mod:`.schemas`). A client
generated from this document then has the same type names as one generated from
the reference's own (``TagResponse``, not ``Tag``); a type the reference does not
name keeps its class name.
"""

from __future__ import annotations

from typing import Any

from offertracker_core import analytics, entities, ports
from offertracker_core.services.progress import UserStats

from ..schemas import PublicProfile

__all__ = ["REFERENCE_NAMES"]

REFERENCE_NAMES: dict[Any, str] = {
    entities.User: "UserResponse",
    PublicProfile: "UserPublicProfile",
    entities.ResumeVersion: "ResumeVersionResponse",
    entities.ApplicationDetail: "ApplicationResponse",
    entities.Stage: "ApplicationStageResponse",
    entities.Outcome: "OutcomeResponse",
    entities.Reflection: "ReflectionResponse",
    entities.Contact: "ContactResponse",
    entities.Document: "DocumentResponse",
    entities.Reminder: "ReminderResponse",
    entities.Tag: "TagResponse",
    entities.AssignedTag: "ApplicationTagResponse",
    entities.SavedJob: "SavedJobResponse",
    entities.Follow: "FollowResponse",
    ports.FollowCounts: "FollowStats",
    ports.GroupView: "GroupResponse",
    entities.GroupMember: "GroupMemberResponse",
    entities.PostView: "PostResponse",
    entities.Reaction: "ReactionResponse",
    entities.Milestone: "MilestoneResponse",
    ports.EarnedMilestone: "UserMilestoneResponse",
    ports.CommunityMember: "CommunityMemberEntry",
    UserStats: "UserStatsResponse",
    analytics.Dashboard: "AnalyticsDashboardResponse",
    entities.ActivityEntry: "ActivityLogResponse",
}

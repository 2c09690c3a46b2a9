"""The enums of the API reference as ``StrEnum``s.

Each member's value is the exact wire string, so JSON and the database need no
mapping: ``ApplicationStatus.APPLIED == "Applied"``.
"""

from enum import StrEnum

__all__ = [
    "ActivityAction",
    "ApplicationStatus",
    "ContactType",
    "DocumentType",
    "GroupRole",
    "JobType",
    "OutcomeStatus",
    "PostType",
    "Priority",
    "ProfileVisibility",
    "ReactionType",
    "ReminderType",
    "SavedJobStatus",
    "Source",
    "StageResult",
    "StageType",
    "WorkMode",
]


class ApplicationStatus(StrEnum):
    SAVED = "Saved"
    APPLIED = "Applied"
    INTERVIEWING = "Interviewing"
    OFFER = "Offer"
    ACCEPTED = "Accepted"
    REJECTED = "Rejected"
    WITHDRAWN = "Withdrawn"


class StageType(StrEnum):
    RECRUITER_CALL = "Recruiter Call"
    PHONE_SCREEN = "Phone Screen"
    TECHNICAL = "Technical"
    CODING_CHALLENGE = "Coding Challenge"
    TAKE_HOME = "Take-Home"
    SYSTEM_DESIGN = "System Design"
    BEHAVIORAL = "Behavioral"
    PANEL = "Panel"
    ONSITE = "Onsite"
    FINAL_ROUND = "Final Round"
    OTHER = "Other"


class StageResult(StrEnum):
    PENDING = "Pending"
    PASSED = "Passed"
    FAILED = "Failed"
    CANCELLED = "Cancelled"


class JobType(StrEnum):
    FULL_TIME = "Full-time"
    PART_TIME = "Part-time"
    CONTRACT = "Contract"
    INTERNSHIP = "Internship"
    FREELANCE = "Freelance"


class WorkMode(StrEnum):
    REMOTE = "Remote"
    HYBRID = "Hybrid"
    ON_SITE = "On-site"


class Priority(StrEnum):
    HIGH = "High"
    MEDIUM = "Medium"
    LOW = "Low"


class Source(StrEnum):
    LINKEDIN = "LinkedIn"
    INDEED = "Indeed"
    GLASSDOOR = "Glassdoor"
    COMPANY_WEBSITE = "Company Website"
    REFERRAL = "Referral"
    JOB_BOARD = "Job Board"
    RECRUITER = "Recruiter"
    NETWORKING = "Networking"
    CAREER_FAIR = "Career Fair"
    OTHER = "Other"


class ContactType(StrEnum):
    RECRUITER = "Recruiter"
    HIRING_MANAGER = "Hiring Manager"
    REFERRAL = "Referral"
    HR = "HR"
    PEER = "Peer"
    OTHER = "Other"


class DocumentType(StrEnum):
    RESUME = "Resume"
    COVER_LETTER = "Cover Letter"
    PORTFOLIO = "Portfolio"
    REFERENCE = "Reference"
    OTHER = "Other"


class ReminderType(StrEnum):
    FOLLOW_UP = "Follow-up"
    DEADLINE = "Deadline"
    INTERVIEW = "Interview"
    GENERAL = "General"


class PostType(StrEnum):
    UPDATE = "Update"
    TIP = "Tip"
    MILESTONE = "Milestone"
    QUESTION = "Question"
    RESOURCE = "Resource"
    CELEBRATION = "Celebration"


class ReactionType(StrEnum):
    LIKE = "Like"
    CELEBRATE = "Celebrate"
    SUPPORT = "Support"
    INSIGHTFUL = "Insightful"


class GroupRole(StrEnum):
    ADMIN = "admin"
    MEMBER = "member"


class ProfileVisibility(StrEnum):
    PRIVATE = "private"
    FOLLOWERS = "followers"
    GROUPS = "groups"
    PUBLIC = "public"


# Not among the reference's enum table, but the reference names their values.


class OutcomeStatus(StrEnum):
    """The statuses an outcome may carry (a subset of ``ApplicationStatus``)."""

    OFFER = "Offer"
    REJECTED = "Rejected"
    WITHDRAWN = "Withdrawn"


class SavedJobStatus(StrEnum):
    ACTIVE = "Active"
    ARCHIVED = "Archived"
    CONVERTED = "Converted"


class ActivityAction(StrEnum):
    """The activity-log action names of behaviour.md §7."""

    APPLICATION_CREATED = "Application Created"
    APPLICATION_UPDATED = "Application Updated"
    STATUS_CHANGED = "Status Changed"
    STAGE_ADDED = "Stage Added"
    STAGE_UPDATED = "Stage Updated"
    OFFER_ADDED = "Offer Added"
    REFLECTION_ADDED = "Reflection Added"
    CONTACT_ADDED = "Contact Added"
    DOCUMENT_ADDED = "Document Added"
    REMINDER_CREATED = "Reminder Created"
    REMINDER_COMPLETED = "Reminder Completed"
    TAG_ASSIGNED = "Tag Assigned"

"""Shapes that exist only at the HTTP edge: query parameters and response-only views.

Request bodies are the core's input classes (:mod:`offertracker_core.inputs`)
and responses are mostly the entities themselves; what is left lives here.
Pagination bounds are ours (behaviour.md §1): ``skip`` ≥ 0, 1 ≤ ``limit`` ≤ 1000;
``skip`` also stops at the largest BIGINT, since a bigger OFFSET is an overflow in
SQLite and a type error in PostgreSQL, not an empty page.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Annotated, Any
from uuid import UUID

import attrs

from offertracker_core.constraints import Ge, Le, MaxLen, MinLen
from offertracker_core.entities import User
from offertracker_core.enums import ApplicationStatus, Priority, ProfileVisibility
from offertracker_core.inputs import MAX_BIGINT

# The query and view types (a route that takes a query class has its hook made when it is declared).
__all__ = [
    "ApplicationListQuery",
    "ExportDocument",
    "ExportFormat",
    "ExportQuery",
    "ImportRequest",
    "ImportSourceView",
    "Limit",
    "Message",
    "Page",
    "PublicProfile",
    "Skip",
    "SocialPage",
    "UserSearchQuery",
]

MAX_LIMIT = 1000
"""The largest ``limit`` a list endpoint takes (a page may still end earlier: offertracker_core.pages)."""
Skip = Annotated[int, Ge(0), Le(MAX_BIGINT)]
Limit = Annotated[int, Ge(1), Le(MAX_LIMIT)]


@attrs.frozen
class Page:
    """The query of a list that takes only ``skip`` and ``limit`` (default 100): resumes, one
    application's documents, a group's members."""

    skip: Skip = 0
    limit: Limit = 100


@attrs.frozen
class SocialPage:
    """The same with the social lists' default of 50 (behaviour.md §1): followers, following,
    groups (public and mine), one's own posts."""

    skip: Skip = 0
    limit: Limit = 50


@attrs.frozen
class ApplicationListQuery:
    """``GET /applications/`` query; ``status``/``priority`` filter when given and must be valid values."""

    skip: Skip = 0
    limit: Limit = 100
    status: ApplicationStatus | None = None
    priority: Priority | None = None


@attrs.frozen
class UserSearchQuery:
    """``GET /users/search`` query; a blank ``q`` finds nobody."""

    q: str = ""
    skip: Skip = 0
    limit: Limit = 20


@attrs.frozen
class ExportDocument:
    """``GET /account/export``'s JSON (documented here; written page by page, never built whole).

    Each section lists items with the fields of their API response bodies, without
    ``user_id``; an application also carries its ``documents`` and tag assignments
    (``tags``), a resume the zip entry of its uploaded ``file``. ``POST /account/import``
    reads the same document (``AccountDocument``). See README, "Your data".
    """

    format: str
    version: int
    exported_at: datetime
    profile: dict[str, Any]
    resumes: list[dict[str, Any]]
    tags: list[dict[str, Any]]
    applications: list[dict[str, Any]]
    contacts: list[dict[str, Any]]
    reminders: list[dict[str, Any]]
    saved_jobs: list[dict[str, Any]]
    activity: list[dict[str, Any]]
    milestones: list[dict[str, Any]]


class ExportFormat(StrEnum):
    """What ``GET /account/export`` sends: the JSON document, or a zip of it with the uploaded files."""

    JSON = "json"
    ZIP = "zip"


@attrs.frozen
class ExportQuery:
    """The query of ``GET /account/export``."""

    format: ExportFormat = ExportFormat.JSON


@attrs.frozen
class ImportRequest:
    """``POST /imports`` as JSON: a ``url`` to import, or a search ``query`` for the importer named
    ``source`` (which may also name the importer for a URL). Exactly one of ``url`` and ``query``."""

    url: Annotated[str, MinLen(1), MaxLen(2000)] | None = None
    query: Annotated[str, MinLen(1), MaxLen(200)] | None = None
    source: Annotated[str, MinLen(1), MaxLen(40)] | None = None


@attrs.frozen
class ImportSourceView:
    """One installed importer, as ``GET /imports/sources`` lists it."""

    name: str
    title: str
    inputs: list[str]
    """What it takes: ``url``, ``file``, ``query``."""
    query: str | None
    """What its search query is ("Greenhouse board token"), when it takes one."""
    file_types: list[str]
    plugin: str
    """The plugin that registered it."""


@attrs.frozen
class Message:
    """A plain answer with nothing but words: ``{"detail": "Tag deleted"}``."""

    detail: str


@attrs.frozen
class PublicProfile:
    """``UserPublicProfile``: what anyone allowed to see a profile gets (no email, no flags)."""

    id: UUID
    username: str
    display_name: str | None
    bio: str | None
    profile_visibility: ProfileVisibility
    streak_days: int
    created_at: datetime

    @classmethod
    def from_user(cls, user: User) -> PublicProfile:
        """The public view of ``user``."""
        return cls(
            id=user.id,
            username=user.username,
            display_name=user.display_name,
            bio=user.bio,
            profile_visibility=user.profile_visibility,
            streak_days=user.streak_days,
            created_at=user.created_at,
        )

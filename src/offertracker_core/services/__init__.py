"""Async use cases: the only way the edges change or read OfferTracker's data.

Build them all at once with :meth:`Services.create`; each service raises only
domain errors and publishes events after its unit of work committed.
"""

from __future__ import annotations

import attrs

from ..clock import SystemClock, new_id
from ..import_registry import ImportSetup
from ..plugins import NullPublisher
from ..ports import (
    Clock,
    EventPublisher,
    FileStore,
    IdentityProvider,
    IdFactory,
    PasswordHasher,
    Storage,
    TokenIssuer,
    TokenVerifier,
)
from ..uploads import NoFileStore
from .account_data import AccountDataService, ExportFile, ExportSection
from .analytics import AnalyticsService
from .applications import ApplicationService
from .auth import AuthService, AuthSession
from .base import ServiceContext
from .calendar import CalendarService
from .contacts import ContactService
from .delegated_auth import DelegatedAuthService
from .documents import DocumentService
from .follows import FollowService
from .groups import GroupService
from .imports import ImportProgress, ImportReport, ImportService
from .outcomes import OutcomeService
from .posts import PostService
from .progress import ProgressService
from .reflections import ReflectionService
from .reminders import ReminderService
from .resumes import ResumeService
from .saved_jobs import SavedJobService
from .stages import StageService
from .tags import TagService
from .uploads import UploadService
from .users import UserService

__all__ = [
    "AccountDataService",
    "AnalyticsService",
    "ApplicationService",
    "AuthService",
    "AuthSession",
    "CalendarService",
    "ContactService",
    "DelegatedAuthService",
    "DocumentService",
    "ExportFile",
    "ExportSection",
    "FollowService",
    "GroupService",
    "ImportProgress",
    "ImportReport",
    "ImportService",
    "OutcomeService",
    "PostService",
    "ProgressService",
    "ReflectionService",
    "ReminderService",
    "ResumeService",
    "SavedJobService",
    "ServiceContext",
    "Services",
    "StageService",
    "TagService",
    "UploadService",
    "UserService",
]


@attrs.frozen
class Services:
    """Every use-case service, wired to one set of ports.

    A field is the whole registration of a service: every field after ``auth``
    is built as ``ServiceType(context)`` by :meth:`create`.
    """

    context: ServiceContext
    auth: AuthService | DelegatedAuthService
    users: UserService
    resumes: ResumeService
    applications: ApplicationService
    stages: StageService
    outcomes: OutcomeService
    reflections: ReflectionService
    saved_jobs: SavedJobService
    contacts: ContactService
    documents: DocumentService
    uploads: UploadService
    reminders: ReminderService
    tags: TagService
    progress: ProgressService
    analytics: AnalyticsService
    groups: GroupService
    follows: FollowService
    posts: PostService
    imports: ImportService
    calendar: CalendarService
    account: AccountDataService

    @classmethod
    def create(
        cls,
        storage: Storage,
        *,
        passwords: PasswordHasher | None = None,
        tokens: TokenIssuer | None = None,
        verifier: TokenVerifier | None = None,
        identity: IdentityProvider | None = None,
        clock: Clock | None = None,
        ids: IdFactory | None = None,
        events: EventPublisher | None = None,
        files: FileStore | None = None,
        imports: ImportSetup | None = None,
    ) -> Services:
        """Wire the services over ``storage``.

        Accounts are local (``passwords`` hashes them, ``tokens`` issues tokens
        and, unless a separate ``verifier`` is given, verifies them too) or kept
        by an ``identity`` provider, whose tokens ``verifier`` checks. ``clock``
        defaults to the system UTC clock, ``ids`` to UUID4, ``events`` to a
        publisher that drops everything and ``files`` to a store that keeps
        none (uploads answer 503); ``imports`` to no importers and no fetcher.
        """
        if verifier is None:
            if not isinstance(tokens, TokenVerifier):
                raise TypeError("tokens cannot verify; pass verifier=")
            verifier = tokens
        ctx = ServiceContext(
            storage=storage,
            clock=clock or SystemClock(),
            ids=ids or new_id,
            events=events or NullPublisher(),
            files=files or NoFileStore(),
            imports=imports or ImportSetup(),
        )
        plain = {
            field.name: field.type(ctx)
            for field in attrs.fields(attrs.resolve_types(cls))
            if field.name not in ("context", "auth")
        }
        auth: AuthService | DelegatedAuthService
        if identity is not None:
            auth = DelegatedAuthService(ctx, identity, verifier)
        elif passwords is not None and tokens is not None:
            auth = AuthService(ctx, passwords, tokens, verifier)
        else:
            raise TypeError("local accounts need passwords= and tokens=; or pass identity=")
        return cls(context=ctx, auth=auth, **plain)

"""Ports: what the core needs from the outside world, as small Protocols.

Adapters live in ``offertracker_storage`` (SQL, password hashing, tokens,
files) and tests provide in-memory fakes. Repository methods are coroutines;
each should cost one round trip (or one worker-thread hop) however many
statements it runs, so services stay cheap on every backend. Unit-of-work
repositories are read-only properties so an adapter may narrow their types
(a Protocol attribute would be invariant).
"""

from __future__ import annotations

from collections.abc import AsyncIterable, AsyncIterator, Callable, Coroutine, Mapping, Sequence
from contextlib import AbstractAsyncContextManager
from datetime import UTC, date, datetime
from types import TracebackType
from typing import Any, Protocol, Self, TypeVar, runtime_checkable
from uuid import UUID

import attrs

from .analytics import DashboardFigures, StageQuestions
from .entities import (
    ActivityEntry,
    Application,
    ApplicationDetail,
    ApplicationTag,
    AssignedTag,
    Document,
    Follow,
    Group,
    GroupMember,
    Milestone,
    Outcome,
    Post,
    PostView,
    Reaction,
    Reflection,
    Reminder,
    ResumeVersion,
    Stage,
    Tag,
    User,
    UserMilestone,
)
from .enums import ApplicationStatus, Priority, ReminderType
from .events import Event

__all__ = [
    "NEVER_REVOKED",
    "AccountFigures",
    "ActivityRepository",
    "AnalyticsRepository",
    "ApplicationRepository",
    "Clock",
    "CommunityMember",
    "CredentialRepository",
    "DocumentRepository",
    "EarnedMilestone",
    "EventPublisher",
    "FileStore",
    "IdFactory",
    "OnePerApplication",
    "OutcomeRepository",
    "OwnedRepository",
    "PasswordHasher",
    "ProgressRepository",
    "ProgressStanding",
    "ProgressTotals",
    "ReflectionRepository",
    "Repositories",
    "Repository",
    "ResumeRepository",
    "StageRepository",
    "Storage",
    "TokenClaims",
    "TokenIssuer",
    "TokenVerifier",
    "UnitOfWork",
    "UserRepository",
    "ViewerRelation",
    "repository_names",
    "today_of",
]


# --- small services ------------------------------------------------------------


class Clock(Protocol):
    """The current time; tests inject a fixed or steppable one."""

    def now(self) -> datetime:
        """Return the current time as an aware UTC datetime."""
        ...


class IdFactory(Protocol):
    """Makes new entity ids."""

    def __call__(self) -> UUID:
        """Return a fresh, never-used UUID."""
        ...


class PasswordHasher(Protocol):
    """Hashes and checks passwords; implementations keep the CPU work off the event loop."""

    async def hash(self, password: str) -> str:
        """Return an encoded hash (algorithm and parameters included) of ``password``."""
        ...

    async def verify(self, password_hash: str, password: str) -> bool:
        """Return whether ``password`` matches ``password_hash``; never raise for a mismatch."""
        ...


NEVER_REVOKED = datetime(1970, 1, 1, tzinfo=UTC)
"""The ``tokens_valid_after`` of a user who never logged out, changed their password or was revoked."""


@attrs.frozen
class TokenClaims:
    """What a verified bearer token says about its holder."""

    user_id: UUID
    email: str | None = None
    metadata: dict[str, Any] = attrs.field(factory=dict)
    issued_at: datetime | None = None
    """When the token was issued, as precisely as it says (``None``: it does not say).

    ``AuthService.authenticate`` refuses a token issued before its user's
    ``tokens_valid_after``; a token that does not say is refused once its user
    revoked anything.
    """


class TokenIssuer(Protocol):
    """Issues access tokens for signed-in users."""

    def issue(self, user: User) -> str:
        """Return a signed access token for ``user``."""
        ...


@runtime_checkable
class TokenVerifier(Protocol):
    """Checks bearer tokens."""

    async def verify(self, token: str) -> TokenClaims:
        """Return the token's claims, or raise ``InvalidToken`` with a short reason."""
        ...


class FileStore(Protocol):
    """Keeps uploaded files (resume documents) under keys like ``{user_id}/{resume_id}/{name}``.

    Saving streams: an adapter must stop reading past ``max_bytes`` and keep
    nothing then, and must replace an existing file under the same key only
    once the new one is complete.
    """

    async def save(self, key: str, chunks: AsyncIterable[bytes], *, content_type: str, max_bytes: int) -> str:
        """Store the streamed bytes under ``key`` and return the URL to reach them.

        Raise ``errors.FileTooLarge`` once more than ``max_bytes`` arrive.
        """
        ...

    def open(self, key: str) -> AsyncIterator[bytes]:
        """Stream the bytes stored under ``key``; raise ``NotFound`` when there are none.

        The file is held open until the iterator is exhausted or closed (``aclose()``).
        """
        ...

    async def delete(self, key: str) -> None:
        """Remove the file under ``key`` if there is one."""
        ...

    async def delete_tree(self, prefix: str) -> None:
        """Remove every file whose key lies under ``prefix`` (whole segments: a resume version's
        ``{user_id}/{resume_id}``, a user's ``{user_id}``), if there are any."""
        ...

    def key_of(self, url: str) -> str | None:
        """The key behind ``url`` if it is one :meth:`save` of this store returns, else ``None``
        (a link a client gave, another store's URL, a malformed one)."""
        ...


class EventPublisher(Protocol):
    """Delivers committed domain events to listeners (plugins)."""

    async def publish(self, events: Sequence[Event]) -> None:
        """Deliver ``events`` in order; a failing listener is logged, never raised."""
        ...


# --- repositories ----------------------------------------------------------------
#
# Lock order (PostgreSQL; SQLite serialises writers): a write unit of work locks
# rows with ``get_for_update`` parent before child, the application before its
# owner's user row; a child (stage, outcome, reflection) is guarded by its locked
# application and read with plain ``get``. A row that is only referenced (the
# resume an application points to) is checked with ``get``, never locked. A
# deadlock the database breaks anyway surfaces as ``errors.Contention`` and the
# whole unit of work is retried (see ``ServiceContext.write``).

E = TypeVar("E")
T = TypeVar("T")


class Repository(Protocol[E]):
    """What every entity stored by ``id`` offers, parametrised by the entity class."""

    async def add(self, entity: E) -> None:
        """Insert; a broken uniqueness rule raises ``Duplicate`` naming the constraint."""
        ...

    async def get(self, entity_id: UUID) -> E | None:
        """The entity, or ``None``; never locks."""
        ...

    async def get_for_update(self, entity_id: UUID) -> E | None:
        """Like :meth:`get`, and lock the row until the unit of work ends (see the lock order above)."""
        ...

    async def update(self, entity: E) -> None:
        """Replace the stored entity with ``entity`` (same ``id``)."""
        ...

    async def delete(self, entity_id: UUID) -> None:
        """Delete the row and, by the schema's rules, what hangs off it."""
        ...


class OwnedRepository(Repository[E], Protocol[E]):
    """An entity that belongs to one user (it has ``user_id``)."""

    async def list_for_user(
        self, user_id: UUID, skip: int, limit: int, *, where: Mapping[str, object] | None = None
    ) -> list[E]:
        """``user_id``'s entities, newest first (``created_at``, then ``id``, descending), at most
        ``limit`` of them and ending early at the byte budget of :mod:`offertracker_core.pages`
        (after the entity that takes the page's content past ``PAGE_BYTES``; never empty while
        rows remain).

        ``where`` narrows the list to entities whose named fields equal the given
        values (``{"contact_type": ContactType.RECRUITER}``); a ``None`` value means
        "no filter on that field", as an absent query parameter does.
        """
        ...


class OnePerApplication(Repository[E], Protocol[E]):
    """A child of which an application has at most one (outcome, reflection)."""

    async def get_for_application(self, application_id: UUID) -> E | None:
        """The application's one child, or ``None``."""
        ...


ResumeRepository = OwnedRepository[ResumeVersion]


class StageRepository(Repository[Stage], Protocol):
    """An application's interview stages."""

    async def count_for_application(self, application_id: UUID) -> int:
        """How many stages the application has (a handful; at most ``MAX_STAGES_PER_APPLICATION``)."""
        ...


OutcomeRepository = OnePerApplication[Outcome]
"""``add`` raises ``Duplicate("outcomes.application_id")`` when the application has one."""
ReflectionRepository = OnePerApplication[Reflection]
"""``add`` raises ``Duplicate("reflections.application_id")`` when the application has one."""


class DocumentRepository(Repository[Document], Protocol):
    """Documents: rows of an application, owned through it (they carry no ``user_id``).

    A document's writers lock the document row itself (``get_owned(..., for_update=True)``),
    not its application: they change nothing else, so holding that one row cannot take part
    in a lock cycle, and deleting the application still waits for them (it deletes the row).
    """

    async def get_owned(self, document_id: UUID, *, for_update: bool = False) -> tuple[UUID, Document] | None:
        """The ``user_id`` of the document's application and the document, in one round trip;
        ``None`` for an unknown id. ``for_update`` locks the document row."""
        ...

    async def list_for_application(self, application_id: UUID, skip: int, limit: int) -> list[Document]:
        """The application's documents, newest first (``created_at``, then ``id``, descending), at
        most ``limit`` of them and ending early at the byte budget of :mod:`offertracker_core.pages`,
        as :meth:`OwnedRepository.list_for_user` does."""
        ...


@attrs.frozen
class ViewerRelation:
    """How a viewer stands to a profile's owner."""

    follows: bool = False
    shares_group: bool = False


class UserRepository(Repository[User], Protocol):
    """Profiles; ``add`` raises ``Duplicate("users.username")`` or ``Duplicate("users.email")``."""

    async def get_by_email(self, email: str) -> User | None:
        """Find by the stored (lower-cased) email."""
        ...

    async def get_by_username(self, username: str) -> User | None:
        """Find by the exact username."""
        ...

    async def relation(self, viewer_id: UUID, owner_id: UUID) -> ViewerRelation:
        """How ``viewer_id`` stands to ``owner_id``, for the visibility rule of behaviour.md §3."""
        ...

    async def search_visible(self, viewer_id: UUID, query: str, skip: int, limit: int) -> list[User]:
        """Case-insensitive substring match on username or display name, keeping only
        profiles ``viewer_id`` may see (the rule of ``visibility.can_view_profile``,
        evaluated in the query), ordered by username, paginated after filtering."""
        ...

    async def tokens_valid_after(self, user_id: UUID) -> datetime | None:
        """The time before which ``user_id``'s tokens are refused (:data:`NEVER_REVOKED` if
        never set), or ``None`` when there is no such user: one primary-key lookup."""
        ...

    async def set_tokens_valid_after(self, user_id: UUID, valid_after: datetime) -> None:
        """Refuse every token of ``user_id`` issued before ``valid_after`` (no error for an unknown id)."""
        ...


class CredentialRepository(Protocol):
    """Password hashes, kept apart from the profile so no query can leak them."""

    async def set(self, user_id: UUID, password_hash: str) -> None:
        """Store or replace the hash of ``user_id``'s password."""
        ...

    async def get(self, user_id: UUID) -> str | None:
        """The stored hash, or ``None`` for a user without a local password."""
        ...


class ApplicationRepository(OwnedRepository[Application], Protocol):
    """Applications, also read whole: with stages, outcome and reflection."""

    async def get_detail(self, application_id: UUID, *, for_update: bool = False) -> ApplicationDetail | None:
        """The application with stages, outcome and reflection, in one round trip.

        ``for_update`` locks the application row (not its children) until the unit of work ends.
        """
        ...

    async def list_details(
        self,
        user_id: UUID,
        *,
        status: ApplicationStatus | None,
        priority: Priority | None,
        skip: int,
        limit: int,
    ) -> list[ApplicationDetail]:
        """Newest first, with children loaded by a constant number of queries; the page ends early
        at the byte budget of :mod:`offertracker_core.pages`, each application counted with its
        stages, outcome and reflection."""
        ...

    async def page_json(
        self,
        user_id: UUID,
        *,
        status: ApplicationStatus | None,
        priority: Priority | None,
        skip: int,
        limit: int,
    ) -> bytes:
        """The page of :meth:`list_details` (the same applications, budget included) as a UTF-8 JSON
        array of ApplicationResponse objects.

        A read model: the adapter may render it without building entities (the SQL
        adapter has the database do it). Wire format of behaviour.md §1: ids as UUID
        text, datetimes ``YYYY-MM-DDTHH:MM:SS.mmmZ`` in UTC, dates ``YYYY-MM-DD``.
        """
        ...

    async def detail_json(self, application_id: UUID) -> tuple[UUID, bytes] | None:
        """The owner's ``user_id`` and :meth:`get_detail` as one UTF-8 ApplicationResponse object,
        or ``None`` for an unknown id.

        The read model of one application, an element of :meth:`page_json`'s array
        (same wire format), in one round trip. The owner comes with it so the caller
        can apply the ownership rule without building the entity.
        """
        ...


# --- reminders and tags ----------------------------------------------------------

__all__ += ["ApplicationTagRepository", "ReminderRepository", "TagRepository"]


class ReminderRepository(OwnedRepository[Reminder], Protocol):
    """Reminders, listed by when they are due rather than newest first."""

    async def list_by_time(
        self,
        user_id: UUID,
        skip: int,
        limit: int,
        *,
        is_completed: bool | None = None,
        reminder_type: ReminderType | None = None,
    ) -> list[Reminder]:
        """``user_id``'s reminders by ``remind_at`` ascending (ties: ``created_at``, then ``id``,
        ascending), narrowed by the filters that are not ``None``; at most ``limit`` and ending
        early at the byte budget of :mod:`offertracker_core.pages`, as ``list_for_user`` does."""
        ...

    async def upcoming(self, user_id: UUID, skip: int, limit: int) -> list[Reminder]:
        """The incomplete reminders, overdue ones included, in the order of :meth:`list_by_time`."""
        ...


class TagRepository(OwnedRepository[Tag], Protocol):
    """Tags; ``add`` and ``update`` raise ``Duplicate("tags.user_id,name")`` for a name the user has."""

    async def list_by_name(self, user_id: UUID, skip: int, limit: int) -> list[Tag]:
        """``user_id``'s tags by name in code-point order (the same on every backend), paged and
        ending early at the byte budget of :mod:`offertracker_core.pages`."""
        ...


class ApplicationTagRepository(Repository[ApplicationTag], Protocol):
    """Tags assigned to applications; ``add`` raises ``Duplicate("application_tags.application_id,tag_id")``
    for a tag the application has. Deleting the tag or the application removes its assignments."""

    async def find(self, application_id: UUID, tag_id: UUID) -> ApplicationTag | None:
        """The assignment of ``tag_id`` to ``application_id``, or ``None``."""
        ...

    async def list_for_application(self, application_id: UUID, skip: int, limit: int) -> list[AssignedTag]:
        """The application's assignments with their tags (one statement), in the order of
        :meth:`TagRepository.list_by_name`, paged and ending early at the byte budget, each
        assignment counted with its tag."""
        ...


class ActivityRepository(Protocol):
    """The append-only activity log; units of work write what services ``log`` at commit."""

    async def add_many(self, entries: Sequence[ActivityEntry]) -> None:
        """Append ``entries``."""
        ...


@attrs.frozen
class ProgressTotals:
    """The figures milestones are checked against (behaviour.md §6 "Totals").

    Also the shape of a change to them: a delta passed to
    :meth:`ProgressRepository.count` may hold negative figures.
    """

    applications: int = 0
    reflections: int = 0
    offers: int = 0
    follows: int = 0
    groups_joined: int = 0
    posts: int = 0
    stages: int = 0
    """Not a milestone figure: kept for ``/progress/stats``, which would otherwise probe every
    application's stages (stages carry no ``user_id``)."""

    def __add__(self, other: ProgressTotals) -> ProgressTotals:
        """Figure by figure sum (a total plus a delta)."""
        return ProgressTotals(
            applications=self.applications + other.applications,
            reflections=self.reflections + other.reflections,
            offers=self.offers + other.offers,
            follows=self.follows + other.follows,
            groups_joined=self.groups_joined + other.groups_joined,
            posts=self.posts + other.posts,
            stages=self.stages + other.stages,
        )


@attrs.frozen
class ProgressStanding:
    """What the milestone check of a tracked action reads: the kept totals and the milestones held."""

    totals: ProgressTotals = ProgressTotals()
    held: frozenset[UUID] = frozenset()


# --- the /progress reads (behaviour.md §6) ------------------------------------------


@attrs.frozen
class EarnedMilestone:
    """A milestone a user holds, with the milestone itself: the ``UserMilestoneResponse`` shape."""

    id: UUID
    user_id: UUID
    milestone_id: UUID
    reached_at: datetime
    milestone: Milestone


@attrs.frozen
class CommunityMember:
    """A public profile on the community list: the ``CommunityMemberEntry`` shape (nothing private)."""

    user_id: UUID
    username: str
    display_name: str | None
    streak_days: int


@attrs.frozen
class AccountFigures:
    """What ``/progress/stats`` reads besides the kept totals, all from one aggregate statement."""

    streak_days: int
    milestones_reached: int
    rejections: int
    """Applications whose own status is Rejected (not outcomes: behaviour.md §6)."""
    contacts: int
    reminders_pending: int
    """Reminders not completed, overdue ones included."""


class ProgressRepository(Protocol):
    """Milestone bookkeeping: the kept totals, the catalogue and who holds what.

    The totals are running counters, kept by the services in the same unit of
    work as the change they count (pitfall 15 of the architecture: counting a
    user's rows on every tracked action made writes slow down as the account
    grew). ``recount`` derives them from the rows, for tests and repair only.
    Every service that adds or removes a counted row counts it (applications,
    stages, reflections, Offer outcomes, follows, memberships, posts), and so
    must any new one; ``tests/contract/test_progress_counters.py`` holds the
    counters equal to a recount through every such action.
    """

    async def totals(self, user_id: UUID) -> ProgressTotals:
        """The kept counters of ``user_id`` (one primary-key lookup); zeros when nothing was counted."""
        ...

    async def count(self, user_id: UUID, delta: ProgressTotals) -> None:
        """Add ``delta`` (figures may be negative) to ``user_id``'s counters, in this unit of work.

        One statement however large the account. Call it where the counted row
        is written, after locking the application it hangs off and before
        ``track_activity`` locks the user row: the counters row is locked
        between the two (see the lock order above).
        """
        ...

    async def recount(self, user_id: UUID) -> ProgressTotals:
        """The totals derived from ``user_id``'s rows, ignoring the counters.

        Scans the account: for tests (counters == recount) and repair, never a request path.
        """
        ...

    async def standing(self, user_id: UUID) -> ProgressStanding:
        """:meth:`totals` and :meth:`awarded_milestone_ids` together, in one statement."""
        ...

    async def milestones(self) -> list[Milestone]:
        """The catalogue, in its defined order."""
        ...

    async def awarded_milestone_ids(self, user_id: UUID) -> set[UUID]:
        """Ids of the milestones ``user_id`` holds."""
        ...

    async def award(self, user_milestone: UserMilestone) -> None:
        """Insert; raise ``Duplicate("user_milestones.user_id,milestone_id")`` when held already."""
        ...

    async def earned(self, user_id: UUID) -> list[EarnedMilestone]:
        """The milestones ``user_id`` holds, each with the milestone, newest first (``reached_at``
        descending; those won by one action, which share it, last-in-catalogue first), in one
        statement. At most the catalogue's twelve rows, so no page budget applies."""
        ...

    async def community(self, limit: int) -> list[CommunityMember]:
        """Users with public profiles (``is_profile_public``), most recently active first
        (``last_active_date`` descending, never-active last; then the longer streak, then the
        username in code-point order), at most ``limit``; one statement."""
        ...

    async def figures(self, user_id: UUID) -> AccountFigures | None:
        """The figures of :class:`AccountFigures` for ``user_id``, ``None`` for an unknown user: one
        aggregate statement, constant in count (its cost grows with the account's rows)."""
        ...


# --- analytics (the analytics router's reads) -------------------------------------


class AnalyticsRepository(Protocol):
    """The reads of ``/analytics``: narrow figures and bounded lists, never an account's rows
    loaded whole, so their cost does not follow the size of the account's texts.

    Each method is one repository call (one hop), running a few statements however many
    applications the account holds; a service calls one of them inside ``ctx.read``, so the
    statements see one snapshot.
    """

    async def dashboard(self, user_id: UUID, *, since: date, until: date) -> DashboardFigures:
        """The figures of behaviour.md §8 for ``user_id``'s applications (:class:`DashboardFigures`):
        grouped by status and source, applications per ``applied_date`` and stages per
        ``stage_date`` from ``since`` to ``until`` inclusive, expected and offered amounts above 0
        per currency, and the ``analytics.TOP_COMPANIES`` companies first in
        ``analytics.company_order``."""
        ...

    async def activity(
        self, user_id: UUID, *, application_id: UUID | None, skip: int, limit: int
    ) -> list[ActivityEntry]:
        """``user_id``'s activity-log entries, newest first (``created_at``, then ``id``,
        descending), only those of ``application_id`` when it is given; at most ``limit``, and
        ending early at the byte budget of :mod:`offertracker_core.pages`."""
        ...

    async def stage_questions(self, user_id: UUID, *, limit: int) -> list[StageQuestions]:
        """The stages of ``user_id``'s applications holding at least one question: newest
        application first (``created_at``, then ``id``), within one newest stage first (the same),
        at most ``limit`` of them and ending early at the byte budget of
        :mod:`offertracker_core.pages` (content: the questions, the stage's name and type, the
        company and role)."""
        ...


# --- social: groups (behaviour.md §10) ------------------------------------------------

__all__ += ["GroupRepository", "GroupView"]


@attrs.frozen
class GroupView:
    """A group with its real member count: the ``GroupResponse`` shape, fields in its order."""

    id: UUID
    name: str
    description: str | None
    created_by: UUID
    is_public: bool
    member_count: int
    created_at: datetime
    updated_at: datetime

    @classmethod
    def of(cls, group: Group, member_count: int) -> GroupView:
        """The view of ``group`` with ``member_count`` members."""
        return cls(
            id=group.id,
            name=group.name,
            description=group.description,
            created_by=group.created_by,
            is_public=group.is_public,
            member_count=member_count,
            created_at=group.created_at,
            updated_at=group.updated_at,
        )


class GroupRepository(Repository[Group], Protocol):
    """Groups and their memberships; ``add_member`` raises
    ``Duplicate("group_members.group_id,user_id")`` for a member already in.

    Every read of a group as the API shows it (:class:`GroupView`) counts its members in the
    same statement. Leaving locks the group row first (``get_for_update``); joining's insert
    holds the row's key share (its foreign key); :meth:`dissolve` locks the row against both,
    so a membership it counts away is never counted away again by a concurrent leave, and
    none joined meanwhile is missed.
    """

    async def view(self, group_id: UUID) -> GroupView | None:
        """The group with its member count, or ``None``: one statement."""
        ...

    async def membership(self, group_id: UUID, user_id: UUID) -> GroupMember | None:
        """``user_id``'s membership of ``group_id``, or ``None``."""
        ...

    async def add_member(self, member: GroupMember) -> None:
        """Insert a membership (a broken uniqueness rule raises ``Duplicate``)."""
        ...

    async def remove_member(self, member_id: UUID) -> None:
        """Delete a membership (no error for an unknown id)."""
        ...

    async def list_public(self, skip: int, limit: int) -> list[GroupView]:
        """Public groups, newest first (``created_at``, then ``id``, descending), at most ``limit``,
        ending early at the byte budget of :mod:`offertracker_core.pages`; one statement."""
        ...

    async def list_joined(self, user_id: UUID, skip: int, limit: int) -> list[GroupView]:
        """The groups ``user_id`` is a member of, most recently joined first (``joined_at``, then the
        membership's ``id``, descending), paged and budgeted like :meth:`list_public`."""
        ...

    async def members(self, group_id: UUID, skip: int, limit: int) -> list[GroupMember]:
        """The group's memberships, earliest joined first (``joined_at``, then ``id``, ascending),
        at most ``limit``. A membership holds no free text (a role of six characters at most), so
        a full page of 1,000 is a few hundred kilobytes: no byte budget applies."""
        ...

    async def dissolve(self, group_id: UUID) -> None:
        """Delete the group with its memberships and posts (the schema cascades), taking them off
        their users' kept counters (``groups_joined``, ``posts``) in the same unit of work: a few
        statements however many members and posts it has. Locks the group row against every
        writer first, inserts of members and posts included."""
        ...

    async def dissolve_created_by(self, user_id: UUID) -> None:
        """:meth:`dissolve` every group ``user_id`` created (their account is about to go, and
        the schema would cascade to these groups without uncounting them)."""
        ...


# --- follows (social) --------------------------------------------------------------

__all__ += ["FollowCounts", "FollowRepository"]


@attrs.frozen
class FollowCounts:
    """How many follow a user and how many they follow: the ``FollowStats`` shape."""

    followers_count: int
    following_count: int


class FollowRepository(Repository[Follow], Protocol):
    """Who follows whom; ``add`` raises ``Duplicate("follows.follower_id,following_id")`` for a
    follow that exists. A follow renders as ids and a time only, so a page of them (at most
    ``limit`` rows of ``OBJECT_BYTES`` content each, 1 MiB) never reaches the page byte budget."""

    async def remove(self, follower_id: UUID, following_id: UUID) -> bool:
        """Delete the follow of ``following_id`` by ``follower_id``; whether there was one."""
        ...

    async def followers(self, user_id: UUID, skip: int, limit: int) -> list[Follow]:
        """The follows of ``user_id`` by others, newest first (``created_at``, then ``id``, descending)."""
        ...

    async def following(self, user_id: UUID, skip: int, limit: int) -> list[Follow]:
        """The follows ``user_id`` made, newest first (``created_at``, then ``id``, descending)."""
        ...

    async def counts(self, user_id: UUID) -> FollowCounts | None:
        """``user_id``'s follower and following counts in one statement; ``None`` for an unknown user."""
        ...

    async def drop_followers(self, user_id: UUID) -> None:
        """Before ``user_id`` is deleted: remove the follows of ``user_id`` by others and take each
        back from its follower's ``follows`` counter (``ProgressRepository.count``), so the counters
        still equal a recount once the account is gone. Locks the user row first, so no follow of
        it can be added meanwhile; constant in statements however many followers there are."""
        ...


# --- posts and reactions (behaviour.md §10) ------------------------------------------

__all__ += ["GroupAccess", "PostRepository", "ReactionRepository"]


@attrs.frozen
class GroupAccess:
    """What the post rules need to know of a group and one user: whether the group is public and
    whether the user is a member."""

    is_public: bool
    is_member: bool


class PostRepository(OwnedRepository[Post], Protocol):
    """Posts, read with their reaction counts (:class:`PostView`, one statement a page).

    Every list is newest first (``created_at``, then ``id``, descending), at most ``limit`` posts,
    ending early at the byte budget of :mod:`offertracker_core.pages` as ``list_for_user`` does.
    """

    async def view(self, post_id: UUID) -> PostView | None:
        """The post with its reaction count, or ``None``."""
        ...

    async def public_feed(self, skip: int, limit: int) -> list[PostView]:
        """Public posts (``is_public``) outside private groups: a post in a private group is for
        its members only, whatever its own flag says."""
        ...

    async def group_feed(self, group_id: UUID, *, everything: bool, skip: int, limit: int) -> list[PostView]:
        """The posts of ``group_id``: all of them when ``everything`` (a member reads), else the
        public ones only."""
        ...

    async def by_author(self, user_id: UUID, skip: int, limit: int) -> list[PostView]:
        """``user_id``'s posts, public or not, in groups or not."""
        ...

    async def group_access(self, group_id: UUID, user_id: UUID) -> GroupAccess | None:
        """How ``user_id`` stands to ``group_id`` (one statement), or ``None`` for an unknown group."""
        ...


class ReactionRepository(Repository[Reaction], Protocol):
    """Reactions: at most one per user and post (``reactions.post_id,user_id``)."""

    async def put(self, reaction: Reaction) -> Reaction:
        """Store ``reaction`` as its user's one reaction to its post, replacing the one they had
        (which keeps its ``id`` and takes the new ``reaction`` and ``created_at``); return the stored
        reaction. One atomic statement: of two simultaneous calls, both succeed and one row remains."""
        ...

    async def find(self, post_id: UUID, user_id: UUID) -> Reaction | None:
        """``user_id``'s reaction to ``post_id``, or ``None``."""
        ...

    async def count_for_post(self, post_id: UUID) -> int:
        """How many reactions ``post_id`` has."""
        ...


class Repositories(Protocol):
    """The named repositories of a unit of work: the registry both adapters are built from
    (:func:`repository_names`). A plain owned resource needs no name of its own and is
    reached with :meth:`UnitOfWork.owned`."""

    @property
    def users(self) -> UserRepository: ...
    @property
    def credentials(self) -> CredentialRepository: ...
    @property
    def applications(self) -> ApplicationRepository: ...
    @property
    def stages(self) -> StageRepository: ...
    @property
    def outcomes(self) -> OutcomeRepository: ...
    @property
    def reflections(self) -> ReflectionRepository: ...
    @property
    def activity(self) -> ActivityRepository: ...
    @property
    def progress(self) -> ProgressRepository: ...
    @property
    def documents(self) -> DocumentRepository: ...
    @property
    def reminders(self) -> ReminderRepository: ...
    @property
    def tags(self) -> TagRepository: ...
    @property
    def application_tags(self) -> ApplicationTagRepository: ...
    @property
    def analytics(self) -> AnalyticsRepository: ...
    @property
    def groups(self) -> GroupRepository: ...
    @property
    def follows(self) -> FollowRepository: ...
    @property
    def posts(self) -> PostRepository: ...
    @property
    def reactions(self) -> ReactionRepository: ...


class UnitOfWork(Repositories, Protocol):
    """One transaction, with the repositories it runs against.

    Services ``record`` domain events and ``log`` activity entries on the unit
    of work: entries are written with the commit, events are published once it
    succeeded (``ServiceContext.write``). Leaving the block without
    ``commit()`` rolls back.
    """

    def owned(self, entity: type[E]) -> OwnedRepository[E]:
        """The repository of the owned entity class ``entity`` (``ResumeVersion``, ``Application``, …)."""
        ...

    def record(self, *events: Event) -> None:
        """Remember ``events`` to publish after a successful commit (dropped on rollback)."""
        ...

    def log(self, *entries: ActivityEntry) -> None:
        """Remember activity ``entries``, written to the log together with the commit."""
        ...

    @property
    def events(self) -> Sequence[Event]:
        """The events recorded so far (outside rolled-back savepoints), in order."""
        ...

    async def __aenter__(self) -> Self: ...

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None: ...

    async def commit(self) -> None:
        """Write the logged activity and make every change of this unit durable."""
        ...

    def savepoint(self) -> AbstractAsyncContextManager[None]:
        """A nested block whose failure rolls back only its own changes (and the events
        and entries recorded inside it), then re-raises."""
        ...


def repository_names() -> frozenset[str]:
    """The named repositories every unit of work offers (the properties of :class:`Repositories`)."""
    return frozenset(name for name, value in vars(Repositories).items() if isinstance(value, property))


class Storage(Protocol):
    """Opens units of work."""

    async def transact(
        self, work: Callable[[UnitOfWork], Coroutine[Any, Any, T]]
    ) -> tuple[T, Sequence[Event]]:
        """Run ``work`` in a write unit of work, commit, and return its result and recorded events.

        The cheap way to write: an adapter may run the whole of ``work`` where its
        connection lives (the SQL adapter: in one worker-thread hop on SQLite,
        one ``run_sync`` on PostgreSQL), so ``work`` must await nothing but the
        unit of work's own calls. Errors propagate and nothing is committed.
        """
        ...

    async def snapshot(self, work: Callable[[UnitOfWork], Coroutine[Any, Any, T]]) -> T:
        """Run ``work`` on one consistent read-only snapshot and return its result.

        The cheap way to read, as :meth:`transact` is to write: an adapter may run
        the whole of ``work`` where its connection lives (the SQL adapter: one hop
        to a reader thread on SQLite, one ``run_sync`` on PostgreSQL), so ``work``
        must await nothing but the unit of work's own calls, and must not write.
        """
        ...

    def write(self) -> UnitOfWork:
        """A read-write unit of work; writers are serialised where the backend needs it."""
        ...

    def read(self) -> UnitOfWork:
        """A read-only unit of work: one consistent snapshot; may run alongside others."""
        ...


def today_of(clock: Clock) -> date:
    """The current UTC calendar day of ``clock`` (streaks and auto-dates use UTC days)."""
    return clock.now().date()

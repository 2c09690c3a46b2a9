"""The small outside services the core uses: time, ids, password hashing, tokens, files, events."""

from __future__ import annotations

from collections.abc import AsyncIterable, AsyncIterator, Mapping, Sequence
from datetime import UTC, datetime
from typing import Any, Protocol, runtime_checkable
from uuid import UUID

import attrs

from ..entities import (
    User,
)
from ..events import Event

__all__ = [
    "NEVER_REVOKED",
    "Clock",
    "EventPublisher",
    "FileStore",
    "IdFactory",
    "IdentityProvider",
    "IdentitySession",
    "PasswordHasher",
    "TokenClaims",
    "TokenIssuer",
    "TokenVerifier",
]


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


@attrs.frozen
class IdentitySession:
    """An account an :class:`IdentityProvider` created or signed in."""

    user_id: UUID
    email: str
    access_token: str | None
    """The bearer token; ``None`` when the provider wants the email address confirmed first."""
    metadata: Mapping[str, Any] = attrs.field(factory=dict)
    """What the provider keeps about the user besides the email (``username``, ``display_name``)."""


class IdentityProvider(Protocol):
    """Accounts whose passwords and tokens an outside service keeps (Supabase Auth).

    With one, OfferTracker stores no password: the provider checks them and
    issues the tokens, and the core keeps the profile row (same id) in step.
    Every method raises ``Unavailable`` when the provider cannot be reached or
    does not answer in time, and nothing else for an outage.
    """

    async def sign_up(self, email: str, password: str, metadata: Mapping[str, Any]) -> IdentitySession:
        """Create an account; raise ``Duplicate("identity.email")`` when the email is registered.

        The session's ``access_token`` is ``None`` when the provider requires the
        address to be confirmed before the first sign-in.
        """
        ...

    async def sign_in(self, email: str, password: str) -> IdentitySession:
        """Check the password; raise ``InvalidCredentials`` for a wrong email or password and
        ``EmailNotConfirmed`` for an account whose address is not confirmed yet."""
        ...

    async def sign_out(self, access_token: str) -> None:
        """End every session of the token's user at the provider (its refresh tokens)."""
        ...

    async def set_password(self, user_id: UUID, password: str) -> None:
        """Replace the password of ``user_id``."""
        ...

    async def delete_user(self, user_id: UUID) -> None:
        """Delete the account ``user_id``; no error when there is none."""
        ...

    async def exists(self, user_id: UUID) -> bool:
        """Whether the account ``user_id`` is still there (the tokens of a deleted one keep
        verifying until they expire)."""
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

"""Domain errors: the only exceptions core services raise on purpose.

Each carries the exact human-readable ``detail`` of behaviour.md, so the edge
only maps the class to a status code (400/401/403/404/409) and never invents
wording. Adapters raise ``Duplicate`` when a uniqueness constraint rejects a
write; services turn it into the documented ``Conflict`` or
``BusinessRuleViolation``.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import attrs

__all__ = [
    "REDACTED",
    "BusinessRuleViolation",
    "Conflict",
    "Contention",
    "DomainError",
    "Duplicate",
    "EmailNotConfirmed",
    "FileTooLarge",
    "Forbidden",
    "InvalidCredentials",
    "InvalidInput",
    "InvalidToken",
    "NotFound",
    "Overloaded",
    "Unavailable",
    "Violation",
    "WrongPassword",
]


class DomainError(Exception):
    """Base class; ``detail`` is the message shown to the client."""

    def __init__(self, detail: str) -> None:
        super().__init__(detail)
        self.detail = detail


class NotFound(DomainError):
    """The thing does not exist (or must not be revealed): 404."""


class Forbidden(DomainError):
    """The thing exists but belongs to someone else: 403."""


class Conflict(DomainError):
    """A one-of-a-kind thing exists already: 409."""


class BusinessRuleViolation(DomainError):
    """The request is well-formed but breaks a rule: 400."""


class WrongPassword(BusinessRuleViolation):
    """A signed-in caller confirmed an action with the wrong password: 400.

    Its own class so an edge can count it as a guess (the HTTP server throttles it as it
    throttles failed logins).
    """


class EmailNotConfirmed(BusinessRuleViolation):
    """The identity provider wants the account's email address confirmed first: 400."""

    def __init__(
        self, detail: str = "Email not confirmed: open the link sent to your email address, then log in"
    ) -> None:
        super().__init__(detail)


class InvalidCredentials(DomainError):
    """Login failed; the message never says which half was wrong: 401."""


class InvalidToken(DomainError):
    """A bearer token is missing, malformed, forged or expired: 401."""


class Duplicate(Exception):
    """Raised by adapters when a write breaks a uniqueness constraint.

    ``constraint`` names what was duplicated (``"users.username"``,
    ``"outcomes.application_id"``, ...), so a service can pick the right message
    even when two concurrent requests raced past its own check.
    """

    def __init__(self, constraint: str) -> None:
        super().__init__(constraint)
        self.constraint = constraint


class FileTooLarge(BusinessRuleViolation):
    """Raised by a file store when a stream passes its ``max_bytes``; nothing is kept: 400."""

    def __init__(self, detail: str = "File too large (max 10 MB)") -> None:
        super().__init__(detail)


class Unavailable(DomainError):
    """The storage could not answer in time (a statement hit its time limit): 503.

    ``retry_after`` (seconds), when set, tells the client when trying again makes
    sense; the HTTP edge sends it as ``Retry-After``.
    """

    retry_after: int | None = None


class Overloaded(Unavailable):
    """Too much slow work (password hashing) is already running or waiting; this request was
    refused at once instead of queueing without bound: 503 with ``Retry-After``.

    Raised by adapters that bound their work (``Argon2Passwords``).
    """

    def __init__(self, detail: str = "The server is busy; please try again", retry_after: int = 1) -> None:
        super().__init__(detail)
        self.retry_after = retry_after


class Contention(Unavailable):
    """The database broke a tie between concurrent transactions (a deadlock, a serialization
    failure, a lock wait that ran out) by aborting this one.

    Raised by adapters. ``ServiceContext.write`` retries the whole unit of work a bounded
    number of times; one that still escapes answers 503 like any ``Unavailable``.
    """

    def __init__(self, detail: str = "The database is busy; please try again") -> None:
        super().__init__(detail)


class _Redacted:
    __slots__ = ()

    def __repr__(self) -> str:
        return "<redacted>"


REDACTED: Any = _Redacted()
"""The ``input`` of a :class:`Violation` of a secret field (a password): its value is never kept."""


@attrs.frozen
class Violation:
    """One input value that broke a declared rule, in pydantic's vocabulary.

    ``loc`` is the field's path inside the input (``("username",)``, or
    ``("questions_asked", 3)``); ``type``, ``msg`` and ``ctx`` are pydantic's
    (``"string_too_long"``, ``"String should have at most 50 characters"``,
    ``{"max_length": 50}``), so the HTTP edge renders them unchanged. ``input``
    is :data:`REDACTED` for a field declared ``Secret`` (a password).
    """

    loc: tuple[str | int, ...]
    type: str
    msg: str
    input: Any
    ctx: Mapping[str, Any] | None = None


class InvalidInput(DomainError):
    """Input broke a rule declared on its class (length, range, email syntax, enum value): 422.

    ``violations`` lists every broken rule; ``detail`` names the first, field
    included, for callers that only print the exception.
    """

    def __init__(self, violations: Sequence[Violation]) -> None:
        if not violations:
            raise ValueError("InvalidInput needs at least one violation")
        first = violations[0]
        where = ".".join(map(str, first.loc)) or "input"
        super().__init__(f"{where}: {first.msg}")
        self.violations = tuple(violations)

"""What every way of keeping accounts shares: making a profile, erasing one, and letting a
bearer token in only while its user exists and has not revoked it (behaviour.md §2)."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from datetime import datetime
from uuid import UUID

from .. import milestones
from ..entities import User
from ..enums import ProfileVisibility
from ..errors import BusinessRuleViolation, Contention, Duplicate, InvalidToken
from ..known_users import KnownUsers
from ..ports import NEVER_REVOKED, TokenClaims, TokenVerifier, UnitOfWork
from ..uploads import user_folder
from .base import ServiceContext
from .progress import award
from .uploads import remove_tree

__all__ = [
    "BAD_CURRENT_PASSWORD",
    "BAD_LOGIN",
    "BAD_PASSWORD",
    "EMAIL_TAKEN",
    "NO_USER",
    "USERNAME_TAKEN",
    "check_token",
    "delete_account",
    "erase_account",
    "insert_profile",
    "issued_in_time",
    "new_profile",
    "refuse_taken",
]

logger = logging.getLogger(__name__)

USERNAME_TAKEN = "Username already taken"
EMAIL_TAKEN = "Email already taken"
BAD_LOGIN = "Incorrect email or password"
BAD_CURRENT_PASSWORD = "Current password is incorrect"
BAD_PASSWORD = "Password is incorrect"
NO_USER = "User not found"
_DUPLICATE_MESSAGES = {"users.username": USERNAME_TAKEN, "users.email": EMAIL_TAKEN}


def issued_in_time(issued_at: datetime | None, tokens_valid_after: datetime) -> bool:
    """Whether a token issued at ``issued_at`` survives a revocation at ``tokens_valid_after``.

    Tokens issued before the revocation are refused; one issued at the very
    instant it took effect counts as issued after it, so the fresh token of a
    password change (issued after the new time was read from the same clock)
    passes. The instant is as precise as the token says: our tokens carry the
    microsecond (``iat_us``), one that carries only ``iat`` counts as issued at
    the start of its second (so in the second of a revocation it is refused),
    and one that says nothing passes only for a user who never revoked.
    """
    if issued_at is None:
        return tokens_valid_after <= NEVER_REVOKED
    return issued_at >= tokens_valid_after


async def refuse_taken(uow: UnitOfWork, username: str, email: str) -> None:
    """Raise "Username already taken", else "Email already taken", if either is in use."""
    if await uow.users.get_by_username(username) is not None:
        raise BusinessRuleViolation(USERNAME_TAKEN)
    if await uow.users.get_by_email(email) is not None:
        # Each statement reads the latest commits (PostgreSQL's READ COMMITTED): a twin with
        # the same username may have committed between the two look-ups, so ask again.
        if await uow.users.get_by_username(username) is not None:
            raise BusinessRuleViolation(USERNAME_TAKEN)
        raise BusinessRuleViolation(EMAIL_TAKEN)


def new_profile(user_id: UUID, email: str, username: str, display_name: str | None, now: datetime) -> User:
    """A new account's profile: private, a zero streak, ``display_name`` defaulting to the username."""
    return User(
        id=user_id,
        email=email,
        username=username,
        display_name=username if display_name is None else display_name,
        bio=None,
        is_profile_public=False,
        profile_visibility=ProfileVisibility.PRIVATE,
        streak_days=0,
        last_active_date=None,
        created_at=now,
        updated_at=now,
    )


async def insert_profile(ctx: ServiceContext, uow: UnitOfWork, user: User) -> None:
    """Add ``user``'s profile and award it "Getting Started".

    "Username already taken" is reported before "Email already taken" (both
    ``BusinessRuleViolation``), also when the database's unique constraints
    catch a concurrent twin. A ``Duplicate`` of the id itself passes through.
    """
    await refuse_taken(uow, user.username, user.email)
    try:
        # A savepoint, so that after a lost race the transaction can still read.
        async with uow.savepoint():
            await uow.users.add(user)
    except Duplicate as exc:
        if exc.constraint not in _DUPLICATE_MESSAGES:
            raise
        # A twin committed after our look-ups. Which unique index tripped first says
        # nothing about which field to report: look again, now that the winner is visible.
        await refuse_taken(uow, user.username, user.email)
        raise BusinessRuleViolation(_DUPLICATE_MESSAGES[exc.constraint]) from exc
    try:
        await award(ctx, uow, user.id, milestones.GETTING_STARTED, user.created_at)
    except Contention:
        raise  # retried whole by ServiceContext.write
    except Exception:  # bookkeeping never fails the request (behaviour.md §6)
        logger.exception("could not award Getting Started to %s", user.id)


async def erase_account(uow: UnitOfWork, user_id: UUID) -> None:
    """Delete ``user_id`` and, by the schema's ``ON DELETE CASCADE``, everything that hangs off it."""
    # The groups it created go too, with other users' memberships and posts in them: the
    # cascade would not take those off their kept counters, dissolving does.
    await uow.groups.dissolve_created_by(user_id)
    # Its followers' follows go by the cascade: their kept counters must lose them too.
    await uow.follows.drop_followers(user_id)
    await uow.users.delete(user_id)


async def delete_account(
    ctx: ServiceContext,
    known_users: KnownUsers,
    user_id: UUID,
    confirm: Callable[[UnitOfWork], Awaitable[object]],
) -> None:
    """Erase ``user_id`` in one transaction once ``confirm(uow)`` passed in it, then its files.

    The user is forgotten by ``known_users`` after the transaction (whether it
    committed or not), so its tokens fail at once in this process ("unknown
    user") and within ``KnownUsers.LIFETIME`` elsewhere; its uploaded files
    (everything under ``{user_id}/``) are removed after the commit.
    """

    async def work(uow: UnitOfWork) -> None:
        await confirm(uow)
        await erase_account(uow, user_id)

    try:
        await ctx.write(work)
    finally:
        known_users.forget(user_id)
    await remove_tree(ctx, user_folder(user_id))


async def check_token(
    ctx: ServiceContext,
    verifier: TokenVerifier,
    known_users: KnownUsers,
    token: str,
    *,
    on_unknown: Callable[[TokenClaims], Awaitable[datetime | None]] | None = None,
) -> TokenClaims:
    """The claims of a valid bearer token whose user exists; ``InvalidToken`` otherwise.

    A correctly signed token of a user that does not exist is refused like a
    forged one, with the reason "unknown user" -- unless ``on_unknown`` makes
    the profile and returns its ``tokens_valid_after``. A token issued before
    its user's ``tokens_valid_after`` (see :func:`issued_in_time`) is refused
    with the reason "token has been revoked". The check runs after ``verify``,
    so a verifier's cache of good signatures cannot let a revoked token
    through. What storage said is remembered in ``known_users`` for its
    lifetime (5 s), so only the first request after that costs a look-up.
    """
    claims = await verifier.verify(token)
    now = ctx.clock.now()
    valid_after = known_users.tokens_valid_after(claims.user_id, now)
    if valid_after is None:
        valid_after = await ctx.read(lambda uow: uow.users.tokens_valid_after(claims.user_id))
        if valid_after is None and on_unknown is not None:
            valid_after = await on_unknown(claims)
        if valid_after is None:
            raise InvalidToken("Invalid or expired token: unknown user")
        known_users.remember(claims.user_id, now, valid_after)
    if not issued_in_time(claims.issued_at, valid_after):
        raise InvalidToken("Invalid or expired token: token has been revoked")
    return claims

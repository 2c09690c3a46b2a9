"""Registration, login, token authentication and revocation (behaviour.md §2; logout,
password change and account deletion are ours)."""

from __future__ import annotations

import logging
from datetime import datetime
from uuid import UUID

import attrs

from .. import milestones
from ..entities import User
from ..enums import ProfileVisibility
from ..errors import (
    BusinessRuleViolation,
    Contention,
    Duplicate,
    InvalidCredentials,
    InvalidToken,
    NotFound,
    WrongPassword,
)
from ..inputs import AccountDeletion, Credentials, PasswordChange, Registration
from ..known_users import KnownUsers
from ..ports import NEVER_REVOKED, PasswordHasher, TokenClaims, TokenIssuer, TokenVerifier, UnitOfWork
from ..uploads import user_folder
from .base import ServiceContext
from .progress import award, track_activity
from .uploads import remove_tree

__all__ = ["AuthService", "AuthSession"]

logger = logging.getLogger(__name__)

_DUPLICATE_MESSAGES = {
    "users.username": "Username already taken",
    "users.email": "Email already taken",
}
_BAD_LOGIN = "Incorrect email or password"
_BAD_CURRENT_PASSWORD = "Current password is incorrect"
_BAD_PASSWORD = "Password is incorrect"
_NO_USER = "User not found"


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


async def _refuse_taken(uow: UnitOfWork, username: str, email: str) -> None:
    """Raise "Username already taken", else "Email already taken", if either is in use."""
    if await uow.users.get_by_username(username) is not None:
        raise BusinessRuleViolation(_DUPLICATE_MESSAGES["users.username"])
    if await uow.users.get_by_email(email) is not None:
        # Each statement reads the latest commits (PostgreSQL's READ COMMITTED): a twin with
        # the same username may have committed between the two look-ups, so ask again.
        if await uow.users.get_by_username(username) is not None:
            raise BusinessRuleViolation(_DUPLICATE_MESSAGES["users.username"])
        raise BusinessRuleViolation(_DUPLICATE_MESSAGES["users.email"])


@attrs.frozen
class AuthSession:
    """A signed-in user and their bearer token."""

    access_token: str
    user: User
    token_type: str = "bearer"


@attrs.frozen
class AuthService:
    """Creates accounts, signs users in and turns bearer tokens into claims."""

    ctx: ServiceContext
    passwords: PasswordHasher
    issuer: TokenIssuer
    verifier: TokenVerifier
    known_users: KnownUsers = attrs.field(factory=KnownUsers)
    """Ids recently confirmed to exist, so a warm ``authenticate`` asks storage nothing."""

    async def register(self, reg: Registration) -> AuthSession:
        """Create an account and sign it in.

        "Username already taken" is checked before "Email already taken" (both
        400), also when the database's unique constraints catch a concurrent
        twin. The email is stored lower-cased, ``display_name`` defaults to the
        username, the profile starts private with a zero streak, and the account
        receives the "Getting Started" milestone.
        """
        email = reg.email.lower()
        # Hash before taking the write lock: argon2 is the slow part of this request.
        password_hash = await self.passwords.hash(reg.password)
        now = self.ctx.clock.now()
        user = User(
            id=self.ctx.ids(),
            email=email,
            username=reg.username,
            display_name=reg.username if reg.display_name is None else reg.display_name,
            bio=None,
            is_profile_public=False,
            profile_visibility=ProfileVisibility.PRIVATE,
            streak_days=0,
            last_active_date=None,
            created_at=now,
            updated_at=now,
        )

        async def work(uow: UnitOfWork) -> None:
            await _refuse_taken(uow, user.username, email)
            try:
                # A savepoint, so that after a lost race the transaction can still read.
                async with uow.savepoint():
                    await uow.users.add(user)
            except Duplicate as exc:
                # A twin committed after our look-ups. Which unique index tripped first says
                # nothing about which field to report: look again, now that the winner is visible.
                await _refuse_taken(uow, user.username, email)
                raise BusinessRuleViolation(
                    _DUPLICATE_MESSAGES.get(exc.constraint, "Username already taken")
                ) from exc
            await uow.credentials.set(user.id, password_hash)
            try:
                await award(self.ctx, uow, user.id, milestones.GETTING_STARTED, now)
            except Contention:
                raise  # retried whole by ServiceContext.write
            except Exception:  # bookkeeping never fails the request (behaviour.md §6)
                logger.exception("could not award Getting Started to %s", user.id)

        await self.ctx.write(work)
        self.known_users.remember(user.id, now)
        return AuthSession(access_token=self.issuer.issue(user), user=user)

    async def login(self, creds: Credentials) -> AuthSession:
        """Sign in with email and password; counts as activity for the streak.

        An unknown email and a wrong password both raise
        ``InvalidCredentials("Incorrect email or password")``; for an unknown
        email the password is hashed anyway so timing does not tell them apart.
        """

        async def find(uow: UnitOfWork) -> tuple[User | None, str | None]:
            user = await uow.users.get_by_email(creds.email.lower())
            return user, await uow.credentials.get(user.id) if user is not None else None

        user, stored = await self.ctx.read(find)
        if user is None or stored is None:
            await self.passwords.hash(creds.password)
            raise InvalidCredentials(_BAD_LOGIN)
        if not await self.passwords.verify(stored, creds.password):
            raise InvalidCredentials(_BAD_LOGIN)
        now = self.ctx.clock.now()

        async def work(uow: UnitOfWork) -> User:
            return (await track_activity(self.ctx, uow, user.id, now)).user or user

        signed_in = await self.ctx.write(work)
        # Not remembered in known_users: that needs the user's tokens_valid_after, a statement
        # the first authenticated request makes anyway (a remembered user stays remembered).
        return AuthSession(access_token=self.issuer.issue(signed_in), user=signed_in)

    async def authenticate(self, token: str) -> TokenClaims:
        """The claims of a valid bearer token whose user exists; ``InvalidToken`` otherwise.

        A correctly signed token of a user that was deleted (or never existed)
        is refused like a forged one, with the reason "unknown user", instead of
        letting the request fail later with a 404 or a foreign-key error. A
        token issued before the user's ``tokens_valid_after`` (a logout, a
        password change; see :func:`issued_in_time`) is refused with the reason
        "token has been revoked". The check runs here, after ``verify``, so a
        verifier's cache of good signatures cannot let a revoked token through.
        The user's existence and ``tokens_valid_after`` are remembered in
        ``known_users`` for its lifetime (5 s), so only the first request after
        that costs a look-up, and a revocation made by another process is
        honoured here within those 5 seconds.
        """
        claims = await self.verifier.verify(token)
        now = self.ctx.clock.now()
        valid_after = self.known_users.tokens_valid_after(claims.user_id, now)
        if valid_after is None:
            valid_after = await self.ctx.read(lambda uow: uow.users.tokens_valid_after(claims.user_id))
            if valid_after is None:
                raise InvalidToken("Invalid or expired token: unknown user")
            self.known_users.remember(claims.user_id, now, valid_after)
        if not issued_in_time(claims.issued_at, valid_after):
            raise InvalidToken("Invalid or expired token: token has been revoked")
        return claims

    async def logout(self, user_id: UUID) -> None:
        """End every token of ``user_id`` issued until now (ours, not in the reference).

        Sets the user's ``tokens_valid_after`` to now: effective at once in
        this process, within ``KnownUsers.LIFETIME`` (5 s) in others. A token
        issued later (the next login) works.
        """
        now = self.ctx.clock.now()

        async def work(uow: UnitOfWork) -> None:
            await uow.users.set_tokens_valid_after(user_id, now)

        await self.ctx.write(work)
        self.known_users.remember(user_id, now, now)

    async def change_password(self, user_id: UUID, change: PasswordChange) -> AuthSession:
        """Replace ``user_id``'s password, end its older tokens and sign it in afresh (ours).

        A wrong ``current_password`` (or an account without a local password)
        is ``WrongPassword("Current password is incorrect")`` (400) and
        changes nothing. Otherwise the new hash is stored and
        ``tokens_valid_after`` set to now in one transaction, and the session
        returned carries a token issued after that instant, so it works while
        every token issued before fails (see :func:`issued_in_time`). Hashing
        and verifying run before the transaction, off the event loop; the
        transaction locks the user row and checks that the stored hash is still
        the one verified, so of two concurrent changes from the same password
        only one succeeds.
        """
        stored = await self._confirm(user_id, change.current_password, _BAD_CURRENT_PASSWORD)
        new_hash = await self.passwords.hash(change.new_password)
        now = self.ctx.clock.now()

        async def work(uow: UnitOfWork) -> User:
            user = await _still_confirmed(uow, user_id, stored, _BAD_CURRENT_PASSWORD)
            await uow.credentials.set(user_id, new_hash)
            await uow.users.set_tokens_valid_after(user_id, now)
            return user

        user = await self.ctx.write(work)
        self.known_users.remember(user_id, now, now)
        return AuthSession(access_token=self.issuer.issue(user), user=user)

    async def delete_account(self, user_id: UUID, deletion: AccountDeletion) -> None:
        """Delete ``user_id`` and everything that hangs off it, in one transaction (ours).

        A wrong ``password`` (or an account without a local password) is
        ``WrongPassword("Password is incorrect")`` (400) and deletes
        nothing. The rows go by the schema's ``ON DELETE CASCADE`` from
        ``users`` (every table referring to a user has one), so the storage
        deletes the user row only. The user is forgotten by ``known_users``
        after the commit, so its tokens fail at once in this process ("unknown
        user") and within ``KnownUsers.LIFETIME`` elsewhere. Its uploaded files
        (everything the file store keeps under ``{user_id}/``) are removed
        after the commit too.
        """
        stored = await self._confirm(user_id, deletion.password, _BAD_PASSWORD)

        async def work(uow: UnitOfWork) -> None:
            await _still_confirmed(uow, user_id, stored, _BAD_PASSWORD)
            # The groups it created go too, with other users' memberships and posts in them: the
            # cascade would not take those off their kept counters, dissolving does.
            await uow.groups.dissolve_created_by(user_id)
            # Its followers' follows go by the cascade: their kept counters must lose them too.
            await uow.follows.drop_followers(user_id)
            await uow.users.delete(user_id)

        try:
            await self.ctx.write(work)
        finally:
            self.known_users.forget(user_id)
        await remove_tree(self.ctx, user_folder(user_id))

    async def _confirm(self, user_id: UUID, password: str, wrong: str) -> str:
        """The stored hash of ``user_id`` once ``password`` matches it; ``WrongPassword(wrong)``
        otherwise (also for no such user, or an account without a local password)."""
        stored = await self.ctx.read(lambda uow: uow.credentials.get(user_id))
        if stored is None or not await self.passwords.verify(stored, password):
            raise WrongPassword(wrong)
        return stored


async def _still_confirmed(uow: UnitOfWork, user_id: UUID, stored: str, wrong: str) -> User:
    """Lock ``user_id``'s row and check its hash is still the ``stored`` one :meth:`AuthService._confirm`
    verified (a concurrent password change would have replaced it): ``WrongPassword(wrong)`` if not."""
    user = await uow.users.get_for_update(user_id)
    if user is None:
        raise NotFound(_NO_USER)
    if await uow.credentials.get(user_id) != stored:
        raise WrongPassword(wrong)
    return user

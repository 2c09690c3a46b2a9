"""Registration, login, token authentication and revocation (behaviour.md §2; logout,
password change and account deletion are ours)."""

from __future__ import annotations

from uuid import UUID

import attrs

from ..entities import User
from ..errors import InvalidCredentials, NotFound, WrongPassword
from ..inputs import AccountDeletion, Credentials, PasswordChange, Registration
from ..known_users import KnownUsers
from ..ports import PasswordHasher, TokenClaims, TokenIssuer, TokenVerifier, UnitOfWork
from .accounts import (
    BAD_CURRENT_PASSWORD,
    BAD_LOGIN,
    BAD_PASSWORD,
    NO_USER,
    check_token,
    delete_account,
    insert_profile,
    issued_in_time,
    new_profile,
)
from .base import ServiceContext
from .progress import track_activity

__all__ = ["AuthService", "AuthSession", "issued_in_time"]


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
        user = new_profile(self.ctx.ids(), email, reg.username, reg.display_name, now)

        async def work(uow: UnitOfWork) -> None:
            await insert_profile(self.ctx, uow, user)
            await uow.credentials.set(user.id, password_hash)

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
            raise InvalidCredentials(BAD_LOGIN)
        if not await self.passwords.verify(stored, creds.password):
            raise InvalidCredentials(BAD_LOGIN)
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
        return await check_token(self.ctx, self.verifier, self.known_users, token)

    async def logout(self, user_id: UUID, access_token: str | None = None) -> None:
        """End every token of ``user_id`` issued until now (ours, not in the reference).

        ``access_token`` (the caller's) is for an identity provider's sign-out
        (:class:`~.delegated_auth.DelegatedAuthService`); local tokens need no call.

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
        stored = await self._confirm(user_id, change.current_password, BAD_CURRENT_PASSWORD)
        new_hash = await self.passwords.hash(change.new_password)
        now = self.ctx.clock.now()

        async def work(uow: UnitOfWork) -> User:
            user = await _still_confirmed(uow, user_id, stored, BAD_CURRENT_PASSWORD)
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
        stored = await self._confirm(user_id, deletion.password, BAD_PASSWORD)

        await delete_account(
            self.ctx,
            self.known_users,
            user_id,
            lambda uow: _still_confirmed(uow, user_id, stored, BAD_PASSWORD),
        )

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
        raise NotFound(NO_USER)
    if await uow.credentials.get(user_id) != stored:
        raise WrongPassword(wrong)
    return user

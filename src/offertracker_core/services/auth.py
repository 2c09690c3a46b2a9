"""Registration, login and token authentication (behaviour.md §2)."""

from __future__ import annotations

import logging

import attrs

from .. import milestones
from ..entities import User
from ..enums import ProfileVisibility
from ..errors import BusinessRuleViolation, Contention, Duplicate, InvalidCredentials, InvalidToken
from ..inputs import Credentials, Registration
from ..known_users import KnownUsers
from ..ports import PasswordHasher, TokenClaims, TokenIssuer, TokenVerifier, UnitOfWork
from .base import ServiceContext
from .progress import award, track_activity

__all__ = ["AuthService", "AuthSession"]

logger = logging.getLogger(__name__)

_DUPLICATE_MESSAGES = {
    "users.username": "Username already taken",
    "users.email": "Email already taken",
}
_BAD_LOGIN = "Incorrect email or password"


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
        self.known_users.remember(user.id, now)
        return AuthSession(access_token=self.issuer.issue(signed_in), user=signed_in)

    async def authenticate(self, token: str) -> TokenClaims:
        """The claims of a valid bearer token whose user exists; ``InvalidToken`` otherwise.

        A correctly signed token of a user that was deleted (or never existed)
        is refused like a forged one, with the reason "unknown user", instead of
        letting the request fail later with a 404 or a foreign-key error. The
        user's existence is remembered in ``known_users`` for its lifetime, so
        only the first request after that costs a look-up.
        """
        claims = await self.verifier.verify(token)
        now = self.ctx.clock.now()
        if not self.known_users.known(claims.user_id, now):
            user = await self.ctx.read(lambda uow: uow.users.get(claims.user_id))
            if user is None:
                raise InvalidToken("Invalid or expired token: unknown user")
            self.known_users.remember(claims.user_id, now)
        return claims

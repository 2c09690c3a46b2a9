"""Accounts kept by an identity provider (Supabase Auth): the same use cases as
:class:`~.auth.AuthService`, with the passwords and tokens the provider's.

OfferTracker keeps the profile row (under the provider's user id) in step:

- register checks the username and email here first, creates the account at the
  provider, then inserts the profile; should that insert fail (a twin took the
  username meanwhile, the database is down) the provider's account is deleted
  again, so no account is left without its profile or the other way round. A
  sign-up whose answer was lost (the provider timed out after making the
  account) is finished by registering again with the same email and password;
- a verified token or a sign-in whose user has no profile yet (made in the
  provider's dashboard, by another front end) gets one from the ``email`` and
  ``user_metadata`` it carries (behaviour.md §2). A token is only taken for an
  account the provider still has: a deleted account's tokens keep verifying until
  they expire, and must not bring its profile back;
- logout, password change and account deletion go through the provider, and
  revoke the older tokens here as the local service does. The provider's tokens
  say their issue time in whole seconds only, so the revocation time is the
  start of the current second: a token issued earlier in that same second
  survives the revocation, while the fresh token of the next sign-in is never
  refused.
"""

from __future__ import annotations

import asyncio
import logging
from collections import OrderedDict
from collections.abc import Mapping
from datetime import datetime
from typing import Any
from uuid import UUID

import attrs

from ..entities import User
from ..errors import (
    BusinessRuleViolation,
    Duplicate,
    EmailNotConfirmed,
    InvalidCredentials,
    InvalidToken,
    NotFound,
    WrongPassword,
)
from ..inputs import AccountDeletion, Credentials, PasswordChange, Registration
from ..known_users import KnownUsers
from ..ports import IdentityProvider, IdentitySession, TokenClaims, TokenVerifier, UnitOfWork
from ..validation import has_control_character
from .accounts import (
    BAD_CURRENT_PASSWORD,
    BAD_PASSWORD,
    EMAIL_TAKEN,
    NO_USER,
    check_token,
    delete_account,
    insert_profile,
    new_profile,
    refuse_taken,
)
from .auth import AuthSession
from .base import ServiceContext
from .progress import track_activity

__all__ = ["DelegatedAuthService", "username_candidates"]

logger = logging.getLogger(__name__)

_CONFIRM_FIRST = "Account created: confirm your email address with the link sent to it, then log in"
_USERNAME_MIN, _USERNAME_MAX = 3, 50
_DISPLAY_NAME_MAX = 100
_GONE_SIZE = 4096


def username_candidates(user_id: UUID, email: str, metadata: Mapping[str, Any]) -> list[str]:
    """Usernames to try, in order, for a profile made from a provider's claims.

    The ``username`` the account was created with, when it is a valid one;
    else the email's local part. Each is also tried with the start of the user
    id appended (a name someone else took), and the last resort is unique by
    construction. Every candidate has the length registration allows (3–50).
    """
    wanted = metadata.get("username")
    base = wanted if isinstance(wanted, str) and _valid_username(wanted) else email.partition("@")[0]
    base = "".join(ch for ch in base if not has_control_character(ch))[:_USERNAME_MAX]
    suffix = f"-{user_id.hex[:8]}"
    candidates = [base, f"{base[: _USERNAME_MAX - len(suffix)]}{suffix}", f"user-{user_id.hex}"]
    return [name for name in candidates if _valid_username(name)]


def _valid_username(name: str) -> bool:
    return _USERNAME_MIN <= len(name) <= _USERNAME_MAX and not has_control_character(name)


def _display_name(metadata: Mapping[str, Any], username: str) -> str:
    wanted = metadata.get("display_name")
    if isinstance(wanted, str) and 0 < len(wanted) <= _DISPLAY_NAME_MAX and not has_control_character(wanted):
        return wanted
    return username


def _revocation_time(now: datetime) -> datetime:
    """The start of ``now``'s second: the provider's tokens say when they were issued in whole
    seconds, so a later instant would refuse the token the next sign-in hands out."""
    return now.replace(microsecond=0)


@attrs.frozen
class DelegatedAuthService:
    """Creates accounts, signs users in and checks tokens through an :class:`IdentityProvider`."""

    ctx: ServiceContext
    identity: IdentityProvider
    verifier: TokenVerifier
    known_users: KnownUsers = attrs.field(factory=KnownUsers)
    """Ids recently confirmed to exist, so a warm ``authenticate`` asks storage nothing."""
    gone: OrderedDict[UUID, None] = attrs.field(factory=OrderedDict)
    """Ids the provider said it no longer has (the last :data:`_GONE_SIZE`): a deleted
    account's token keeps verifying until it expires, and each of its requests would
    otherwise ask the provider again. Provider ids are never reused, so this never goes stale."""

    async def register(self, reg: Registration) -> AuthSession:
        """Create the account at the provider and its profile here; sign it in.

        The rules of :meth:`AuthService.register` hold ("Username already taken"
        before "Email already taken", lower-cased email, "Getting Started"). The
        username and display name go to the provider as user metadata. A
        provider that wants the address confirmed first gets the profile made
        and the caller ``EmailNotConfirmed`` (400) instead of an empty token.
        """
        email = reg.email.lower()
        await self.ctx.read(lambda uow: refuse_taken(uow, reg.username, email))
        display_name = reg.username if reg.display_name is None else reg.display_name
        metadata = {"username": reg.username, "display_name": display_name}
        try:
            session = await self.identity.sign_up(email, reg.password, metadata)
        except Duplicate:
            session = await self._unfinished_sign_up(email, reg.password)
        now = self.ctx.clock.now()
        user = new_profile(session.user_id, email, reg.username, display_name, now)
        try:
            await self.ctx.write(lambda uow: insert_profile(self.ctx, uow, user))
        except BaseException:
            # No account without its profile: a lost race, a database outage or a cancelled
            # request takes the provider's account back before the error goes on.
            await asyncio.shield(self._forget_identity(session.user_id))
            raise
        self.known_users.remember(user.id, now)
        return self._signed_in(session, user)

    async def login(self, creds: Credentials) -> AuthSession:
        """Sign in at the provider; counts as activity for the streak.

        A wrong email or password is ``InvalidCredentials("Incorrect email or
        password")`` as locally, an unconfirmed address ``EmailNotConfirmed``
        (400). A user without a profile yet gets one (see the module's notes).
        """
        session = await self.identity.sign_in(creds.email.lower(), creds.password)
        now = self.ctx.clock.now()

        async def work(uow: UnitOfWork) -> User:
            user = await uow.users.get(session.user_id) or await self._profile_from(
                uow, session.user_id, session.email, session.metadata, now
            )
            return (await track_activity(self.ctx, uow, user.id, now)).user or user

        user = await self.ctx.write(work)
        return self._signed_in(session, user)

    async def authenticate(self, token: str) -> TokenClaims:
        """The claims of a valid token whose user has a profile (made now from the claims if
        missing); ``InvalidToken`` otherwise. See :func:`.accounts.check_token`."""
        return await check_token(self.ctx, self.verifier, self.known_users, token, on_unknown=self._adopt)

    async def logout(self, user_id: UUID, access_token: str | None = None) -> None:
        """End ``user_id``'s sessions at the provider (with the caller's token) and refuse its
        tokens issued before this second here."""
        if access_token is not None:
            await self.identity.sign_out(access_token)
        await self._revoke(user_id)

    async def change_password(self, user_id: UUID, change: PasswordChange) -> AuthSession:
        """Replace the password at the provider, end the older tokens, sign in afresh.

        A wrong ``current_password`` is ``WrongPassword("Current password is
        incorrect")`` (400) and changes nothing. Unlike the local service, two
        concurrent changes are not serialised: the provider keeps the password.
        """
        user = await self._confirm(user_id, change.current_password, BAD_CURRENT_PASSWORD)
        await self.identity.set_password(user_id, change.new_password)
        await self._revoke(user_id)
        session = await self.identity.sign_in(user.email, change.new_password)
        return self._signed_in(session, user)

    async def delete_account(self, user_id: UUID, deletion: AccountDeletion) -> None:
        """Delete the profile, everything hanging off it and the provider's account (ours).

        A wrong ``password`` is ``WrongPassword("Password is incorrect")`` and
        deletes nothing. The rows go first, in one transaction (a unit of work
        cannot wait on the provider: it runs on the database's thread), then the
        provider's account. Should the provider fail then, the data is gone but
        the account is not, and the request answers 503: trying again with the
        same token works, because a verified token without a profile gets a
        fresh, empty one, which the retry deletes together with the account.
        """
        await self._confirm(user_id, deletion.password, BAD_PASSWORD)

        async def exists(uow: UnitOfWork) -> None:
            if await uow.users.get_for_update(user_id) is None:
                raise NotFound(NO_USER)

        await delete_account(self.ctx, self.known_users, user_id, exists)
        await self.identity.delete_user(user_id)

    # --- helpers -----------------------------------------------------------------------

    @staticmethod
    def _signed_in(session: IdentitySession, user: User) -> AuthSession:
        if session.access_token is None:
            raise EmailNotConfirmed(_CONFIRM_FIRST)
        return AuthSession(access_token=session.access_token, user=user)

    async def _unfinished_sign_up(self, email: str, password: str) -> IdentitySession:
        """The provider's account for ``email`` if it has no profile and ``password`` opens it,
        else "Email already taken".

        A sign-up whose answer never arrived (the provider timed out after making the
        account) left an account without a profile; registering again with the same
        email and password finishes it instead of being refused for good.
        """
        try:
            session = await self.identity.sign_in(email, password)
        except (InvalidCredentials, EmailNotConfirmed):
            raise BusinessRuleViolation(EMAIL_TAKEN) from None
        if await self.ctx.read(lambda uow: uow.users.get(session.user_id)) is not None:
            raise BusinessRuleViolation(EMAIL_TAKEN)
        return session

    async def _confirm(self, user_id: UUID, password: str, wrong: str) -> User:
        """``user_id``'s profile once the provider accepts ``password`` for its email;
        ``WrongPassword(wrong)`` otherwise."""
        user = await self.ctx.read(lambda uow: uow.users.get(user_id))
        if user is None:
            raise NotFound(NO_USER)
        try:
            await self.identity.sign_in(user.email, password)
        except InvalidCredentials:
            raise WrongPassword(wrong) from None
        return user

    async def _revoke(self, user_id: UUID) -> None:
        valid_after = _revocation_time(self.ctx.clock.now())

        async def work(uow: UnitOfWork) -> None:
            await uow.users.set_tokens_valid_after(user_id, valid_after)

        await self.ctx.write(work)
        self.known_users.remember(user_id, self.ctx.clock.now(), valid_after)

    async def _forget_identity(self, user_id: UUID) -> None:
        try:
            await self.identity.delete_user(user_id)
        except Exception:
            logger.exception("could not delete provider account %s after its profile failed", user_id)

    async def _adopt(self, claims: TokenClaims) -> datetime | None:
        """Make the profile of a verified token's user that has none; its ``tokens_valid_after``.

        ``None`` (an unknown user) for a token without an email, and for one whose account
        the provider no longer has: a deleted account's token must not bring it back.
        """
        if claims.email is None:
            logger.warning("token of %s carries no email; cannot make its profile", claims.user_id)
            return None
        if claims.user_id in self.gone:
            return None
        if not await self.identity.exists(claims.user_id):
            self.gone[claims.user_id] = None
            if len(self.gone) > _GONE_SIZE:
                self.gone.popitem(last=False)
            return None
        email = claims.email.lower()
        now = self.ctx.clock.now()

        async def work(uow: UnitOfWork) -> datetime | None:
            if await uow.users.get(claims.user_id) is None:
                try:
                    await self._profile_from(uow, claims.user_id, email, claims.metadata, now)
                except BusinessRuleViolation:
                    return None  # the email belongs to another profile: logged by _profile_from
            return await uow.users.tokens_valid_after(claims.user_id)

        return await self.ctx.write(work)

    async def _profile_from(
        self, uow: UnitOfWork, user_id: UUID, email: str, metadata: Mapping[str, Any], now: datetime
    ) -> User:
        """Insert the profile of a provider account that has none, from what the provider keeps.

        The first free name of :func:`username_candidates` is taken. An email that
        another profile already uses cannot get a second one: that is an account
        created at the provider outside OfferTracker for an address a local
        profile holds, refused as an unknown user (and logged) rather than merged.
        """
        email = email.lower()
        for username in username_candidates(user_id, email, metadata):
            user = new_profile(user_id, email, username, _display_name(metadata, username), now)
            try:
                await insert_profile(self.ctx, uow, user)
            except BusinessRuleViolation as exc:
                if exc.detail == EMAIL_TAKEN:
                    logger.warning("provider account %s has the email of another profile", user_id)
                    raise
                continue  # the username is taken: try the next one
            except Duplicate:
                # The same user's first two requests raced; the other one made the profile.
                existing = await uow.users.get(user_id)
                if existing is not None:
                    return existing
                raise
            return user
        raise InvalidToken("Invalid or expired token: no username available")

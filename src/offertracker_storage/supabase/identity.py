"""Accounts in Supabase Auth: the core's ``IdentityProvider`` port over the ``supabase`` client.

Sign-up and password sign-in use the project's anon key, as a browser would; password
changes, sign-outs and deletions use the admin API with the service-role key. Each
call gets a fresh, stateless ``AsyncGoTrueClient`` on one shared HTTP connection pool:
the client keeps "the current session" in memory, which in a server shared by many
users must never carry one user's token into another's request.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Mapping
from contextlib import asynccontextmanager
from typing import Any
from uuid import UUID

import httpx
from supabase_auth import AsyncGoTrueAdminAPI, AsyncGoTrueClient
from supabase_auth.errors import AuthApiError, AuthError, AuthRetryableError, AuthWeakPasswordError
from supabase_auth.types import AuthResponse

from offertracker_core.errors import (
    BusinessRuleViolation,
    Duplicate,
    EmailNotConfirmed,
    InvalidCredentials,
    Unavailable,
)
from offertracker_core.ports import IdentitySession

from .calls import AUTH, calling, log, unavailable
from .project import SupabaseProject

__all__ = ["SupabaseIdentity"]

_BAD_LOGIN = "Incorrect email or password"
_EMAIL_TAKEN = ("user_already_exists", "email_exists")
_SIGNED_OUT = (401, 403, 404)  # the session or user is already gone: the sign-out's effect holds


class SupabaseIdentity:
    """Supabase Auth as the core's identity provider (see the module's notes)."""

    def __init__(self, project: SupabaseProject, *, http: httpx.AsyncClient | None = None) -> None:
        self._project = project
        self._own_http = http is None
        self._http = http or httpx.AsyncClient(timeout=project.timeout)
        service = project.service_role_key
        self._admin = AsyncGoTrueAdminAPI(
            url=project.auth_url,
            headers={"apikey": service, "Authorization": f"Bearer {service}"},
            http_client=self._http,
        )

    async def aclose(self) -> None:
        """Close the connection pool if this adapter made it."""
        if self._own_http:
            await self._http.aclose()

    def _client(self) -> AsyncGoTrueClient:
        return AsyncGoTrueClient(
            url=self._project.auth_url,
            headers={"apikey": self._project.anon_key},
            http_client=self._http,
            persist_session=False,
            auto_refresh_token=False,
        )

    @asynccontextmanager
    async def _call(self, what: str) -> AsyncIterator[None]:
        """Run one call to Supabase Auth within the project's time limit, translating its errors:
        a refusal about the input is a 400 in Supabase's words, the rest a 503 (never a 500)."""
        try:
            async with calling(AUTH, self._project.timeout):
                yield
        except AuthWeakPasswordError as error:
            raise BusinessRuleViolation(f"Password rejected by Supabase Auth: {error.message}") from None
        except AuthApiError as error:
            if 400 <= error.status < 500 and error.status not in (401, 403, 429):
                raise BusinessRuleViolation(f"Supabase Auth refused the {what}: {error.message}") from None
            raise _failure(error) from None
        except (AuthError, ValueError) as error:  # pydantic's ValidationError is a ValueError
            raise _failure(error) from None

    async def sign_up(self, email: str, password: str, metadata: Mapping[str, Any]) -> IdentitySession:
        """Create the account with ``metadata`` as its user metadata (see the port)."""
        async with self._call("sign-up"):
            try:
                answer = await self._client().sign_up(
                    {"email": email, "password": password, "options": {"data": dict(metadata)}}
                )
            except AuthApiError as error:
                if error.code in _EMAIL_TAKEN:
                    raise Duplicate("identity.email") from None
                raise
            return _session(answer)

    async def sign_in(self, email: str, password: str) -> IdentitySession:
        """Check the password and open a session (see the port)."""
        async with self._call("sign-in"):
            try:
                answer = await self._client().sign_in_with_password({"email": email, "password": password})
            except AuthApiError as error:
                if error.code == "invalid_credentials" or (error.status == 400 and error.code is None):
                    raise InvalidCredentials(_BAD_LOGIN) from None
                if error.code == "email_not_confirmed":
                    raise EmailNotConfirmed() from None
                raise
            if answer.session is None:  # a project answering a sign-in without a session
                raise EmailNotConfirmed()
            return _session(answer)

    async def sign_out(self, access_token: str) -> None:
        """End all of the token's user's sessions (scope ``global``: every device's refresh token)."""
        async with self._call("sign-out"):
            try:
                await self._admin.sign_out(access_token, "global")
            except AuthApiError as error:
                if error.status not in _SIGNED_OUT:
                    raise

    async def set_password(self, user_id: UUID, password: str) -> None:
        """Replace the password through the admin API."""
        async with self._call("password change"):
            await self._admin.update_user_by_id(str(user_id), {"password": password})

    async def delete_user(self, user_id: UUID) -> None:
        """Delete the account through the admin API; one already gone is fine."""
        async with self._call("account deletion"):
            try:
                await self._admin.delete_user(str(user_id))
            except AuthApiError as error:
                if error.status != 404:
                    raise

    async def exists(self, user_id: UUID) -> bool:
        """Whether the account is still there, as the admin API says (404: it is not)."""
        async with self._call("account look-up"):
            try:
                await self._admin.get_user_by_id(str(user_id))
            except AuthApiError as error:
                if error.status == 404:
                    return False
                raise
            return True


def _session(answer: AuthResponse) -> IdentitySession:
    user = answer.user
    if user is None:
        raise unavailable(AUTH, "answer without a user")
    return IdentitySession(
        user_id=UUID(user.id),
        email=(user.email or "").lower(),
        access_token=answer.session.access_token if answer.session is not None else None,
        metadata=dict(user.user_metadata or {}),
    )


def _failure(error: Exception) -> Unavailable:
    """A 503 for an outage, an error status or an answer the client could not read."""
    log.warning("%s failed: %r", AUTH, error)
    if isinstance(error, AuthRetryableError):
        return unavailable(AUTH, "unreachable" if error.status == 0 else f"it answered {error.status}")
    if isinstance(error, AuthApiError):
        return unavailable(AUTH, f"it answered {error.status}")
    return unavailable(AUTH, "unreadable answer")

"""Where a Supabase project is and how OfferTracker talks to it (README "Deploy on Supabase")."""

from __future__ import annotations

import attrs

__all__ = ["DEFAULT_BUCKET", "DEFAULT_SIGNED_URL_TTL", "DEFAULT_TIMEOUT", "SupabaseProject"]

DEFAULT_BUCKET = "resumes"
DEFAULT_TIMEOUT = 10.0
"""Seconds one call to Supabase may take before the request answers 503."""
DEFAULT_SIGNED_URL_TTL = 7 * 24 * 3600
"""Seconds a signed file URL (private bucket) stays valid: a week, then a re-upload renews it."""


@attrs.frozen
class SupabaseProject:
    """One Supabase project: its URL, keys, storage bucket and how long calls may take.

    The keys and the legacy JWT secret never appear in a ``repr`` (a log line, a
    traceback). ``jwt_secret`` is set only for projects that still sign tokens
    with the legacy HS256 secret; otherwise tokens are checked against the
    project's JWKS.
    """

    url: str
    """The project URL without a trailing slash, e.g. ``https://abcd.supabase.co``."""
    anon_key: str = attrs.field(repr=False)
    service_role_key: str = attrs.field(repr=False)
    jwt_secret: str | None = attrs.field(default=None, repr=False)
    bucket: str = DEFAULT_BUCKET
    public_bucket: bool = True
    """Whether ``file_url`` is the object's public URL; ``False``: a signed URL (private bucket)."""
    signed_url_ttl: int = DEFAULT_SIGNED_URL_TTL
    timeout: float = DEFAULT_TIMEOUT

    @property
    def auth_url(self) -> str:
        """The base of the Supabase Auth (GoTrue) API."""
        return f"{self.url}/auth/v1"

    @property
    def storage_url(self) -> str:
        """The base of the Supabase Storage API."""
        return f"{self.url}/storage/v1"

    @property
    def issuer(self) -> str:
        """The ``iss`` claim of the project's access tokens."""
        return self.auth_url

    @property
    def jwks_url(self) -> str:
        """Where the project publishes the public keys its tokens are signed with."""
        return f"{self.auth_url}/.well-known/jwks.json"

"""Adapters for a Supabase project: Auth (accounts and tokens) and Storage (resume files).

Importing this package needs the ``offertracker[supabase]`` extra; nothing else in
``offertracker_storage`` imports it, so the embedded default runs without it. The
database of a Supabase deployment is its PostgreSQL, reached through the SQL adapter.
"""

from __future__ import annotations

from .project import DEFAULT_BUCKET, DEFAULT_SIGNED_URL_TTL, DEFAULT_TIMEOUT, SupabaseProject

__all__ = ["DEFAULT_BUCKET", "DEFAULT_SIGNED_URL_TTL", "DEFAULT_TIMEOUT", "SupabaseProject"]

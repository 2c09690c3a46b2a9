"""The Supabase half of the settings: ``OFFERTRACKER_AUTH``/``OFFERTRACKER_FILES`` and ``SUPABASE_*``.

Read by :meth:`offertracker_http.settings.Settings.from_env`. Every missing or
malformed value stops the server at start with a message naming the variable
(a key or secret is never echoed).
"""

from __future__ import annotations

import importlib.util
import re
from collections.abc import Mapping
from typing import Literal
from urllib.parse import urlsplit

from offertracker_storage.supabase.project import (
    DEFAULT_BUCKET,
    DEFAULT_SIGNED_URL_TTL,
    DEFAULT_TIMEOUT,
    SupabaseProject,
)

from .variables import flag, seconds, whole_number

__all__ = ["BACKENDS", "Backend", "backend", "supabase_project"]

Backend = Literal["local", "supabase"]
BACKENDS: tuple[Backend, ...] = ("local", "supabase")
_BUCKET = re.compile(r"^[a-z0-9][a-z0-9._-]{1,62}$")
_MAX_SIGNED_URL_TTL = 365 * 24 * 3600
_MAX_TIMEOUT = 300.0


def backend(name: str, env: Mapping[str, str]) -> Backend:
    """``local`` (the default) or ``supabase``, from variable ``name``."""
    value = env.get(name, "").strip().lower() or "local"
    if value not in BACKENDS:
        raise ValueError(f"{name} must be 'local' or 'supabase', not {value!r}")
    return value


def supabase_project(env: Mapping[str, str], *, auth: Backend, files: Backend) -> SupabaseProject | None:
    """The Supabase project the chosen backends need; ``None`` when both are local."""
    chosen = (("OFFERTRACKER_AUTH", auth), ("OFFERTRACKER_FILES", files))
    users = [name for name, kind in chosen if kind == "supabase"]
    if not users:
        return None
    because = " and ".join(f"{name}=supabase" for name in users)
    if importlib.util.find_spec("supabase_auth") is None or importlib.util.find_spec("storage3") is None:
        raise ValueError(f"{because} needs the Supabase client: pip install 'offertracker[supabase]'")
    secret = env.get("SUPABASE_JWT_SECRET", "").strip() or None
    if secret is not None and len(secret) < 32:
        raise ValueError(
            "SUPABASE_JWT_SECRET must be the project's whole legacy JWT secret (Project Settings > "
            f"API > JWT Settings; at least 32 characters), not {len(secret)} characters"
        )
    return SupabaseProject(
        url=_project_url(env.get("SUPABASE_URL", ""), because),
        anon_key=_required("SUPABASE_ANON_KEY", env, because),
        service_role_key=_required("SUPABASE_SERVICE_ROLE_KEY", env, because),
        jwt_secret=secret,
        bucket=_bucket(env.get("SUPABASE_STORAGE_BUCKET", "")),
        public_bucket=flag("SUPABASE_STORAGE_PUBLIC", env.get("SUPABASE_STORAGE_PUBLIC"), default=True),
        signed_url_ttl=whole_number(
            "SUPABASE_SIGNED_URL_TTL", env.get("SUPABASE_SIGNED_URL_TTL"), 60, _MAX_SIGNED_URL_TTL
        )
        or DEFAULT_SIGNED_URL_TTL,
        timeout=seconds(
            "SUPABASE_TIMEOUT", env.get("SUPABASE_TIMEOUT"), default=DEFAULT_TIMEOUT, most=_MAX_TIMEOUT
        ),
    )


def _required(name: str, env: Mapping[str, str], because: str) -> str:
    value = env.get(name, "").strip()
    if not value:
        raise ValueError(f"{because} needs {name} (Project Settings > API in the Supabase dashboard)")
    if any(c.isspace() or not c.isprintable() for c in value):
        raise ValueError(f"{name} must be the key as the dashboard shows it, with no spaces or line breaks")
    return value


def _project_url(text: str, because: str) -> str:
    url = text.strip().rstrip("/")
    if not url:
        raise ValueError(f"{because} needs SUPABASE_URL, e.g. https://abcdefgh.supabase.co")
    parts = urlsplit(url)
    extra = parts.path or parts.query or parts.fragment
    if parts.scheme not in ("http", "https") or not parts.hostname or extra:
        raise ValueError(
            f"SUPABASE_URL must be the project URL, like https://abcdefgh.supabase.co (scheme and host, "
            f"no path), not {text.strip()!r}"
        )
    return url


def _bucket(text: str) -> str:
    bucket = text.strip() or DEFAULT_BUCKET
    if not _BUCKET.match(bucket):
        raise ValueError(
            "SUPABASE_STORAGE_BUCKET must be a bucket name of 2-63 lower-case letters, digits, dots, "
            f"hyphens or underscores, not {bucket!r}"
        )
    return bucket

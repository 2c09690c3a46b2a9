"""Server settings, read once from ``OFFERTRACKER_*`` environment variables.

Every default works on a fresh machine: the data directory holds the embedded
SQLite database and a signing secret generated on first start (kept there so
tokens survive restarts).
"""

from __future__ import annotations

import contextlib
import math
import os
import secrets
import sys
import tempfile
from collections.abc import Mapping
from pathlib import Path

import attrs

__all__ = [
    "MAX_TOKEN_TTL_SECONDS",
    "MIN_SECRET_BYTES",
    "MIN_TOKEN_TTL_SECONDS",
    "Settings",
    "default_data_dir",
]

_SECRET_FILE = "jwt-secret"
MIN_SECRET_BYTES = 32
"""An HS256 key shorter than the 256-bit hash it feeds can be brute-forced offline from one token."""
MIN_TOKEN_TTL_SECONDS = 60
MAX_TOKEN_TTL_SECONDS = 30 * 24 * 3600
"""30 days: a stolen token cannot be revoked, so it must not stay valid for longer."""


def default_data_dir(environ: Mapping[str, str] | None = None) -> Path:
    """Where OfferTracker keeps its data when ``OFFERTRACKER_DATA_DIR`` is unset.

    The user's data location (``$XDG_DATA_HOME`` or ``~/.local/share`` on Linux,
    ``~/Library/Application Support`` on macOS, ``%LOCALAPPDATA%`` on Windows),
    falling back to ``./.offertracker`` when there is no usable home directory.
    """
    env = os.environ if environ is None else environ
    try:
        home = Path.home()
    except RuntimeError:
        return Path(".offertracker").resolve()
    if sys.platform == "win32":
        base = Path(env.get("LOCALAPPDATA") or home / "AppData" / "Local")
    elif sys.platform == "darwin":
        base = home / "Library" / "Application Support"
    else:
        base = Path(env.get("XDG_DATA_HOME") or home / ".local" / "share")
    if not (base.exists() or home.exists()):
        return Path(".offertracker").resolve()
    return base / "offertracker"


@attrs.frozen
class Settings:
    """Everything the composition root needs to build the server."""

    data_dir: Path
    database_url: str
    jwt_secret: str
    cors_origins: tuple[str, ...] = ()
    token_ttl_seconds: int = 3600
    statement_timeout: float = 30.0
    """Seconds a database statement may run before the request fails with a 503; 0: no limit."""

    @property
    def is_sqlite(self) -> bool:
        """Whether the database is the embedded SQLite kind (migrated automatically at start)."""
        return self.database_url.startswith("sqlite")

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> Settings:
        """Read the settings, creating the data directory and the signing secret if needed."""
        env = os.environ if environ is None else environ
        data_dir = Path(env.get("OFFERTRACKER_DATA_DIR") or default_data_dir(env)).expanduser()
        data_dir.mkdir(parents=True, exist_ok=True)
        database_url = env.get("OFFERTRACKER_DATABASE_URL") or f"sqlite:///{data_dir / 'offertracker.db'}"
        origins = tuple(o.strip() for o in env.get("OFFERTRACKER_CORS_ORIGINS", "").split(",") if o.strip())
        ttl = _token_ttl(env.get("OFFERTRACKER_TOKEN_TTL_SECONDS", "3600"))
        statement_timeout = _statement_timeout(env.get("OFFERTRACKER_STATEMENT_TIMEOUT", "30"))
        configured_secret = env.get("OFFERTRACKER_JWT_SECRET")
        if configured_secret:
            _check_secret(configured_secret)
        secret = configured_secret or _stored_secret(data_dir)
        return cls(
            data_dir=data_dir,
            database_url=database_url,
            jwt_secret=secret,
            cors_origins=origins,
            token_ttl_seconds=ttl,
            statement_timeout=statement_timeout,
        )


def _token_ttl(text: str) -> int:
    name = "OFFERTRACKER_TOKEN_TTL_SECONDS"
    try:
        ttl = int(text)
    except ValueError:
        raise ValueError(f"{name} must be a whole number, not {text!r}") from None
    if not MIN_TOKEN_TTL_SECONDS <= ttl <= MAX_TOKEN_TTL_SECONDS:
        raise ValueError(
            f"{name} must be between {MIN_TOKEN_TTL_SECONDS} (one minute) and "
            f"{MAX_TOKEN_TTL_SECONDS} (30 days) seconds, not {ttl}"
        )
    return ttl


def _check_secret(secret: str) -> None:
    """Refuse a configured signing secret too short to resist guessing; the message never shows it."""
    size = len(secret.encode("utf-8"))
    if size < MIN_SECRET_BYTES:
        raise ValueError(
            f"OFFERTRACKER_JWT_SECRET is {size} bytes long, but must be at least {MIN_SECRET_BYTES} "
            "bytes (UTF-8) so tokens cannot be forged by guessing it; set a long random value "
            '(e.g. the output of `python -c "import secrets; print(secrets.token_urlsafe(48))"`) '
            "or unset it to have one generated and kept in the data directory"
        )


def _statement_timeout(text: str) -> float:
    name = "OFFERTRACKER_STATEMENT_TIMEOUT"
    try:
        seconds = float(text)
    except ValueError:
        raise ValueError(f"{name} must be a number of seconds, not {text!r}") from None
    if not math.isfinite(seconds) or seconds < 0:  # float() also reads "nan" and "inf"
        raise ValueError(f"{name} must be 0 (no limit) or a positive number of seconds, not {text!r}")
    return seconds


def _stored_secret(data_dir: Path) -> str:
    """Read the generated signing secret, creating it (owner-readable only) on first use.

    The secret is written to a private temporary file and hard-linked into place,
    so another process starting at the same moment either finds no file or the
    whole secret, never an empty one; of two racing processes the first link
    wins and both use its secret. An empty file (left by a crash of an older
    version) counts as missing.
    """
    path = data_dir / _SECRET_FILE
    existing = _read_secret(path)
    if existing:
        return existing
    fd, temporary = tempfile.mkstemp(prefix=f".{_SECRET_FILE}.", dir=data_dir)  # mode 0600
    try:
        with os.fdopen(fd, "w") as handle:
            handle.write(secrets.token_urlsafe(48))
            handle.flush()
            os.fsync(handle.fileno())
        try:
            os.link(temporary, path)
        except FileExistsError:
            if not _read_secret(path):
                os.replace(temporary, path)  # an empty leftover: ours takes its place
    finally:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(temporary)
    secret = _read_secret(path)
    if not secret:
        raise RuntimeError(f"could not store a signing secret in {path}")
    return secret


def _read_secret(path: Path) -> str | None:
    try:
        return path.read_text().strip() or None
    except FileNotFoundError:
        return None

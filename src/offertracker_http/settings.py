"""Server settings, read once from ``OFFERTRACKER_*`` environment variables.

Every default works on a fresh machine: the data directory holds the embedded
SQLite database and a signing secret generated on first start (kept there so
tokens survive restarts).

Files on disk are private to the server's user: the data directory is created
0700, the generated secret and the SQLite database (with its ``-wal`` and
``-shm`` files) 0600 -- set explicitly, not through the umask. See
:func:`secure_sqlite_files` for which existing files are tightened.
"""

from __future__ import annotations

import contextlib
import ipaddress
import math
import os
import secrets
import stat
import sys
import tempfile
from collections.abc import Mapping
from pathlib import Path
from urllib.parse import urlsplit

import attrs
from limits import RateLimitItem, parse_many
from sqlalchemy.engine import make_url

from offertracker_storage.auth.passwords import default_hash_concurrency
from offertracker_storage.supabase.project import SupabaseProject

from .import_settings import ImportSettings, import_settings
from .ops_settings import OpsSettings, ops_settings
from .server_settings import ServerSettings, server_settings
from .supabase_settings import Backend, backend, supabase_project
from .variables import whole_number

__all__ = [
    "DEFAULT_LOGIN_LIMIT_ACCOUNT",
    "DEFAULT_LOGIN_LIMIT_ADDRESS",
    "DEFAULT_REGISTER_LIMIT_ADDRESS",
    "MAX_HASH_CONCURRENCY",
    "MAX_HASH_QUEUE",
    "MAX_TOKEN_TTL_SECONDS",
    "MIN_SECRET_BYTES",
    "MIN_TOKEN_TTL_SECONDS",
    "Settings",
    "default_data_dir",
    "secure_sqlite_files",
]

_SECRET_FILE = "jwt-secret"
MIN_SECRET_BYTES = 32
"""An HS256 key shorter than the 256-bit hash it feeds can be brute-forced offline from one token."""
MIN_TOKEN_TTL_SECONDS = 60
MAX_TOKEN_TTL_SECONDS = 30 * 24 * 3600
"""30 days: a stolen token cannot be revoked, so it must not stay valid for longer."""
MAX_HASH_CONCURRENCY = 1024
MAX_HASH_QUEUE = 100_000
"""Each running or waiting hash may hold a request's memory; far beyond this is a typo, not a plan."""


def _default_hash_queue(settings: Settings) -> int:
    return 4 * settings.hash_concurrency


_UPLOADS = "uploads"


def _default_uploads_dir(settings: Settings) -> Path:
    return settings.data_dir / _UPLOADS


DEFAULT_LOGIN_LIMIT_ACCOUNT = "10/15 minutes"
DEFAULT_LOGIN_LIMIT_ADDRESS = "100/hour"
DEFAULT_REGISTER_LIMIT_ADDRESS = "20/hour"
_REDIS_SCHEMES = ("redis://", "rediss://", "redis+unix://")

IPNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network


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
    database_url: str = attrs.field(repr=False)  # a PostgreSQL URL may carry a password
    jwt_secret: str = attrs.field(repr=False)  # never in a log line or a traceback
    cors_origins: tuple[str, ...] = ()
    token_ttl_seconds: int = 3600
    statement_timeout: float = 30.0
    """Seconds a database statement may run before the request fails with a 503; 0: no limit."""
    hash_concurrency: int = attrs.field(factory=default_hash_concurrency)
    """Password hashes (argon2, 64 MiB each) that may run at once in each worker; read from the
    environment, the default is the number of CPUs divided among the workers (at least 1)."""
    hash_queue: int = attrs.field(default=attrs.Factory(_default_hash_queue, takes_self=True))
    """Hashes that may wait for a place; one more is refused with 503 + ``Retry-After``."""
    login_limit_account: RateLimitItem = attrs.field(factory=lambda: _limit(DEFAULT_LOGIN_LIMIT_ACCOUNT))
    """Failed logins allowed per account (the lower-cased email) in a moving window."""
    login_limit_address: RateLimitItem = attrs.field(factory=lambda: _limit(DEFAULT_LOGIN_LIMIT_ADDRESS))
    """Failed logins allowed per client address in a moving window."""
    register_limit_address: RateLimitItem = attrs.field(
        factory=lambda: _limit(DEFAULT_REGISTER_LIMIT_ADDRESS)
    )
    """Registration attempts allowed per client address in a moving window."""
    redis_url: str | None = attrs.field(default=None, repr=False)  # may carry a password
    """Where the attempt counters live when several server processes share them; None: in memory."""
    trusted_proxies: tuple[IPNetwork, ...] = ()
    """Peers whose ``X-Forwarded-For`` is believed (see :mod:`offertracker_http.throttle`)."""
    uploads_dir: Path = attrs.field(default=attrs.Factory(_default_uploads_dir, takes_self=True))
    """Where uploaded files are kept (created 0700 on the first upload); default ``<data dir>/uploads``."""
    auth_backend: Backend = "local"
    """Who keeps accounts: ``local`` (argon2 hashes and our tokens) or ``supabase`` (Supabase Auth)."""
    files_backend: Backend = "local"
    """Where uploads go: ``local`` (``uploads_dir``) or ``supabase`` (Supabase Storage)."""
    supabase: SupabaseProject | None = None
    """The Supabase project, set when either backend is ``supabase``."""
    imports: ImportSettings = attrs.field(factory=ImportSettings)
    """Bounds of job imports and whether they may fetch private addresses."""
    server: ServerSettings = attrs.field(factory=ServerSettings)
    """Worker processes, shutdown grace, PostgreSQL pool size and the Redis key prefix."""
    ops: OpsSettings = attrs.field(factory=OpsSettings)
    """The metrics endpoint, its token and the log format (:mod:`offertracker_http.ops_settings`)."""
    public_url: str | None = None
    """Where clients reach the server (``https://tracker.example.com``, no trailing slash), for
    links handed out (calendar feed URLs); ``None``: from each request's own scheme and host."""

    def __attrs_post_init__(self) -> None:
        if self.supabase is None and "supabase" in (self.auth_backend, self.files_backend):
            raise ValueError("a supabase backend needs the supabase project settings")

    @property
    def is_sqlite(self) -> bool:
        """Whether the database is the embedded SQLite kind (migrated automatically at start)."""
        return self.database_url.startswith("sqlite")

    @property
    def sqlite_path(self) -> Path | None:
        """The SQLite database file, or None for PostgreSQL (and SQLite URIs, which are not plain paths)."""
        if not self.is_sqlite:
            return None
        database = make_url(self.database_url).database
        if not database or database == ":memory:" or database.startswith("file:"):
            return None
        return Path(database)

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> Settings:
        """Read the settings, creating the data directory and the signing secret if needed."""
        env = os.environ if environ is None else environ
        configured_dir = env.get("OFFERTRACKER_DATA_DIR")
        data_dir = Path(configured_dir or default_data_dir(env)).expanduser()
        _make_private_dir(data_dir, tighten=not configured_dir)
        database_url = env.get("OFFERTRACKER_DATABASE_URL") or f"sqlite:///{data_dir / 'offertracker.db'}"
        origins = tuple(o.strip() for o in env.get("OFFERTRACKER_CORS_ORIGINS", "").split(",") if o.strip())
        ttl = _token_ttl(env.get("OFFERTRACKER_TOKEN_TTL_SECONDS", "3600"))
        statement_timeout = _statement_timeout(env.get("OFFERTRACKER_STATEMENT_TIMEOUT", "30"))
        server = server_settings(env)
        hash_concurrency = whole_number(
            "OFFERTRACKER_HASH_CONCURRENCY", env.get("OFFERTRACKER_HASH_CONCURRENCY"), 1, MAX_HASH_CONCURRENCY
        )
        if hash_concurrency is None:
            # Shared out: N workers each running as many 64 MiB hashes as there are cores would
            # run N times too many at once, each slower and all of them in memory together.
            hash_concurrency = max(1, default_hash_concurrency() // server.workers)
        hash_queue = whole_number(
            "OFFERTRACKER_HASH_QUEUE", env.get("OFFERTRACKER_HASH_QUEUE"), 0, MAX_HASH_QUEUE
        )
        if hash_queue is None:
            hash_queue = 4 * hash_concurrency
        login_account = _rate_limit("OFFERTRACKER_LOGIN_LIMIT_ACCOUNT", env, DEFAULT_LOGIN_LIMIT_ACCOUNT)
        login_address = _rate_limit("OFFERTRACKER_LOGIN_LIMIT_ADDRESS", env, DEFAULT_LOGIN_LIMIT_ADDRESS)
        register_address = _rate_limit(
            "OFFERTRACKER_REGISTER_LIMIT_ADDRESS", env, DEFAULT_REGISTER_LIMIT_ADDRESS
        )
        redis_url = _redis_url(env.get("OFFERTRACKER_REDIS_URL", ""))
        trusted_proxies = _trusted_proxies(env.get("OFFERTRACKER_TRUSTED_PROXIES", ""))
        public_url = _public_url(env.get("OFFERTRACKER_PUBLIC_URL", ""))
        configured_uploads = env.get("OFFERTRACKER_UPLOADS_DIR", "").strip()
        # Absolute, so where files go never depends on the directory the server runs in later.
        uploads_dir = Path(configured_uploads).expanduser().absolute() if configured_uploads else None
        configured_secret = env.get("OFFERTRACKER_JWT_SECRET")
        if configured_secret:
            _check_secret(configured_secret)
        secret = configured_secret or _stored_secret(data_dir)
        auth_backend = backend("OFFERTRACKER_AUTH", env)
        files_backend = backend("OFFERTRACKER_FILES", env)
        project = supabase_project(env, auth=auth_backend, files=files_backend)
        return cls(
            data_dir=data_dir,
            database_url=database_url,
            jwt_secret=secret,
            cors_origins=origins,
            token_ttl_seconds=ttl,
            statement_timeout=statement_timeout,
            hash_concurrency=hash_concurrency,
            hash_queue=hash_queue,
            login_limit_account=login_account,
            login_limit_address=login_address,
            register_limit_address=register_address,
            redis_url=redis_url,
            trusted_proxies=trusted_proxies,
            uploads_dir=uploads_dir or data_dir / _UPLOADS,
            auth_backend=auth_backend,
            files_backend=files_backend,
            supabase=project,
            imports=import_settings(env),
            server=server,
            ops=ops_settings(env),
            public_url=public_url,
        )


_PRIVATE_DIR = 0o700
_PRIVATE_FILE = 0o600


def _make_private_dir(path: Path, *, tighten: bool) -> None:
    """Create ``path`` (and missing parents) with the data directory itself 0700.

    An existing directory is tightened to 0700 only when it is the default
    location (``tighten``), which is OfferTracker's own; a directory named in
    ``OFFERTRACKER_DATA_DIR`` that already exists keeps the mode its owner gave
    it (it may be a mounted volume shared on purpose), while the secret and
    database inside it are still 0600.
    """
    try:
        path.mkdir(parents=True, mode=_PRIVATE_DIR)
    except FileExistsError:
        if tighten and path.is_dir() and stat.S_IMODE(path.stat().st_mode) & 0o077:
            path.chmod(_PRIVATE_DIR)
        return
    path.chmod(_PRIVATE_DIR)  # mkdir's mode is filtered by the umask; say exactly what we mean


def secure_sqlite_files(settings: Settings) -> None:
    """Make the SQLite database file owner-only before SQLite opens it; no-op for PostgreSQL.

    A database file that does not exist yet is created empty with mode 0600
    (SQLite takes a zero-length file as a new database and gives the ``-wal``
    and ``-shm`` files it creates later the database file's mode). An existing
    database -- and existing ``-wal``/``-shm`` files -- are tightened to 0600
    only when they lie inside the data directory, i.e. are OfferTracker's own: a
    database named by ``OFFERTRACKER_DATABASE_URL`` elsewhere belongs to whoever
    put it there, and changing its mode could lock out their other tools.
    """
    path = settings.sqlite_path
    if path is None:
        return
    if not path.exists():
        if path.parent.is_dir():
            with contextlib.suppress(FileExistsError):  # another process created it first
                os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, _PRIVATE_FILE))
                os.chmod(path, _PRIVATE_FILE)  # os.open's mode is filtered by the umask
        return
    if not path.resolve().is_relative_to(settings.data_dir.resolve()):
        return
    for file in (path, path.with_name(path.name + "-wal"), path.with_name(path.name + "-shm")):
        with contextlib.suppress(FileNotFoundError):
            if stat.S_IMODE(file.stat().st_mode) != _PRIVATE_FILE:
                file.chmod(_PRIVATE_FILE)


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


def _limit(text: str) -> RateLimitItem:
    """One rate limit in ``limits``' notation ("10/15 minutes", "100 per hour"); ValueError otherwise."""
    try:
        items = parse_many(text)
    except ValueError:
        items = []
    if len(items) != 1 or items[0].amount < 1:
        raise ValueError(text)
    return items[0]


def _rate_limit(name: str, env: Mapping[str, str], default: str) -> RateLimitItem:
    text = env.get(name) or default
    try:
        return _limit(text)
    except ValueError:
        raise ValueError(
            f"{name} must be one limit like {default!r} (a count of at least 1, a slash and a period "
            f"such as 'second', '15 minutes', 'hour' or 'day'), not {text!r}"
        ) from None


def _redis_url(text: str) -> str | None:
    url = text.strip()
    if not url:
        return None
    if not url.startswith(_REDIS_SCHEMES):
        # Not echoed: a Redis URL may carry a password.
        raise ValueError(
            "OFFERTRACKER_REDIS_URL must start with redis://, rediss:// or redis+unix:// "
            "(e.g. redis://127.0.0.1:6379/0)"
        )
    return url


def _trusted_proxies(text: str) -> tuple[IPNetwork, ...]:
    networks = []
    for entry in (part.strip() for part in text.split(",")):
        if not entry:
            continue
        try:
            networks.append(ipaddress.ip_network(entry))
        except ValueError as exc:
            raise ValueError(
                "OFFERTRACKER_TRUSTED_PROXIES must be comma-separated IP addresses or networks "
                f"(e.g. 127.0.0.1, 10.0.0.0/8, ::1), not {entry!r}: {exc}"
            ) from None
    return tuple(networks)


def _public_url(text: str) -> str | None:
    """``OFFERTRACKER_PUBLIC_URL`` without its trailing slash; ``None`` when unset or blank.

    An absolute http(s) URL with a host, maybe a port and a path prefix (a proxy serving the API
    under ``/tracker``), and nothing a link built on it could not carry: no query, fragment or
    credentials.
    """
    url = text.strip()
    if not url:
        return None
    problem = "must be an absolute http:// or https:// URL such as https://tracker.example.com"
    try:
        parts = urlsplit(url)
        port_ok = parts.port is None or parts.port > 0
    except ValueError:
        parts, port_ok = None, False
    if parts is None or parts.scheme not in ("http", "https") or not parts.hostname or not port_ok:
        raise ValueError(f"OFFERTRACKER_PUBLIC_URL {problem}, not {url!r}")
    if parts.username is not None or parts.password is not None:
        # Not echoed: it carries a password.
        raise ValueError(f"OFFERTRACKER_PUBLIC_URL {problem}, without a user name or password")
    if parts.query or parts.fragment or "?" in url or "#" in url:
        raise ValueError(f"OFFERTRACKER_PUBLIC_URL {problem}, without a query or fragment, not {url!r}")
    if any(ch.isspace() for ch in url):
        raise ValueError(f"OFFERTRACKER_PUBLIC_URL {problem}, without spaces, not {url!r}")
    return url.rstrip("/")


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

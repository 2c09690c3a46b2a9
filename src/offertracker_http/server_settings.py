"""How the server runs as processes: workers, shutdown grace, database pool, Redis key prefix.

=================================  =================  ==============================================
variable                           default            meaning
=================================  =================  ==============================================
``OFFERTRACKER_WORKERS``           ``1``              server processes on the one port; ``auto``:
                                                      the cores this process may use (1-256)
``OFFERTRACKER_SHUTDOWN_GRACE``    ``30``             seconds in-flight requests may take to finish
                                                      after SIGTERM/SIGINT (over 0, at most 3600)
``OFFERTRACKER_DB_POOL_SIZE``      ``5``              PostgreSQL connections per worker (1-1000)
``OFFERTRACKER_REDIS_KEY_PREFIX``  ``offertracker:``  start of every Redis key the server writes
=================================  =================  ==============================================
"""

from __future__ import annotations

import re
from collections.abc import Mapping

import attrs

from offertracker_storage.auth.passwords import default_hash_concurrency

from .variables import seconds, whole_number

__all__ = [
    "DEFAULT_DB_POOL_SIZE",
    "DEFAULT_REDIS_KEY_PREFIX",
    "DEFAULT_SHUTDOWN_GRACE",
    "MAX_WORKERS",
    "ServerSettings",
    "parse_workers",
    "server_settings",
    "usable_cores",
]

WORKERS = "OFFERTRACKER_WORKERS"
SHUTDOWN_GRACE = "OFFERTRACKER_SHUTDOWN_GRACE"
DB_POOL_SIZE = "OFFERTRACKER_DB_POOL_SIZE"
REDIS_KEY_PREFIX = "OFFERTRACKER_REDIS_KEY_PREFIX"

MAX_WORKERS = 256
"""Far past any machine this runs on; more is a typo, and each worker holds its own pools."""
DEFAULT_SHUTDOWN_GRACE = 30.0
_MAX_SHUTDOWN_GRACE = 3600.0
DEFAULT_DB_POOL_SIZE = 5
_MAX_DB_POOL_SIZE = 1000
DEFAULT_REDIS_KEY_PREFIX = "offertracker:"
_MAX_PREFIX = 100
# Printable ASCII without spaces: the prefix is part of every key, and a key with a space or a
# control character is a pain to find again with redis-cli.
_PREFIX = re.compile(rf"[!-~]{{1,{_MAX_PREFIX}}}")


def usable_cores() -> int:
    """The cores this process may run on (its CPU affinity where the platform has one), at least 1.

    The same count the password-hashing pool defaults to, read by the one function that knows how.
    """
    return default_hash_concurrency()


def parse_workers(text: str | None, *, name: str = WORKERS) -> int | None:
    """``text`` as a worker count: ``auto`` (the usable cores) or 1 to 256; None if unset or blank.

    ``name`` is what a refusal names: the variable, or ``--workers`` on the command line.
    """
    if text is not None and text.strip().lower() == "auto":
        return min(usable_cores(), MAX_WORKERS)
    try:
        return whole_number(name, text, 1, MAX_WORKERS)
    except ValueError:
        raise ValueError(
            f"{name} must be a whole number from 1 to {MAX_WORKERS} or 'auto', not {(text or '').strip()!r}"
        ) from None


@attrs.frozen
class ServerSettings:
    """How the server runs as processes (see the module docstring)."""

    workers: int = 1
    """Server processes; 1 runs the server in this process, more under a fork supervisor."""
    shutdown_grace: float = DEFAULT_SHUTDOWN_GRACE
    """Seconds in-flight requests may take to finish once a stop signal arrived."""
    db_pool_size: int = DEFAULT_DB_POOL_SIZE
    """PostgreSQL connections each worker keeps for requests (SQLite ignores it)."""
    redis_key_prefix: str = DEFAULT_REDIS_KEY_PREFIX
    """Start of every Redis key; ``limits`` adds a ``:`` after it unless it ends with one."""

    @property
    def limits_key_prefix(self) -> str:
        """The prefix as ``limits`` takes it: it puts a ``:`` between prefix and key itself."""
        return self.redis_key_prefix.removesuffix(":") or self.redis_key_prefix


def server_settings(env: Mapping[str, str]) -> ServerSettings:
    """Read the server-process variables; a malformed one is a ``ValueError`` naming it."""
    workers = parse_workers(env.get(WORKERS))
    pool = whole_number(DB_POOL_SIZE, env.get(DB_POOL_SIZE), 1, _MAX_DB_POOL_SIZE)
    prefix = env.get(REDIS_KEY_PREFIX, "").strip()
    if prefix and not _PREFIX.fullmatch(prefix):
        raise ValueError(
            f"{REDIS_KEY_PREFIX} must be 1 to {_MAX_PREFIX} printable ASCII characters without spaces "
            f"(e.g. {DEFAULT_REDIS_KEY_PREFIX!r}), not {prefix[:_MAX_PREFIX]!r}"
        )
    return ServerSettings(
        workers=workers or 1,
        shutdown_grace=seconds(
            SHUTDOWN_GRACE, env.get(SHUTDOWN_GRACE), default=DEFAULT_SHUTDOWN_GRACE, most=_MAX_SHUTDOWN_GRACE
        ),
        db_pool_size=pool or DEFAULT_DB_POOL_SIZE,
        redis_key_prefix=prefix or DEFAULT_REDIS_KEY_PREFIX,
    )

"""OfferTracker's adapters behind the core's ports.

``SqlStorage`` (SQLAlchemy Core on SQLite or PostgreSQL) implements the
``Storage`` port; :mod:`offertracker_storage.migrate` applies the alembic
migrations shipped in this package; ``Argon2Passwords`` and ``JwtTokens`` are
the local password and token adapters. Storage may import the core, never the
HTTP edge.
"""

from . import migrate
from .auth import Argon2Passwords, JwtTokens
from .migrate import check, current_revision, head_revision, is_up_to_date, upgrade
from .sql import SqlStorage, sync_url

__all__ = [
    "Argon2Passwords",
    "JwtTokens",
    "SqlStorage",
    "check",
    "current_revision",
    "head_revision",
    "is_up_to_date",
    "migrate",
    "sync_url",
    "upgrade",
]

"""The SQL adapter: tables, row mapping, repositories, units of work and ``SqlStorage``."""

from .database import SqlStorage, sync_url

__all__ = ["SqlStorage", "sync_url"]

"""Saved jobs: a plain owned resource."""

from __future__ import annotations

from offertracker_core.entities import SavedJob

from ..rows import Mapper
from ..tables import saved_jobs
from .base import CrudRepository

__all__ = ["SqlSavedJobs"]


class SqlSavedJobs(CrudRepository[SavedJob]):
    """Reached as ``uow.owned(SavedJob)``; ``list_for_user`` filters by ``status`` and ``priority``."""

    mapper = Mapper(SavedJob, saved_jobs)

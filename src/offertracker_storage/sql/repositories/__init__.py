"""Sync repositories over a SQLAlchemy ``Connection``, one class per core repository port."""

from .applications import SqlApplications, SqlOutcomes, SqlReflections, SqlResumes, SqlStages
from .base import CrudRepository, SqlRepository
from .progress import SqlActivity, SqlProgress
from .users import SqlCredentials, SqlUsers

__all__ = [
    "CrudRepository",
    "SqlActivity",
    "SqlApplications",
    "SqlCredentials",
    "SqlOutcomes",
    "SqlProgress",
    "SqlReflections",
    "SqlRepository",
    "SqlResumes",
    "SqlStages",
    "SqlUsers",
]

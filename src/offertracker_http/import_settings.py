"""The import settings: how much one import may read, how long a fetch may take, and the address rule.

=========================================  =========  ===============================================
variable                                   default    meaning
=========================================  =========  ===============================================
``OFFERTRACKER_IMPORT_MAX_RECORDS``        500        items one import reads at most (1-10,000)
``OFFERTRACKER_IMPORT_MAX_BYTES``          5242880    largest fetched page or uploaded file, bytes
``OFFERTRACKER_IMPORT_TIMEOUT``            15         seconds one fetch may take, redirects included
``OFFERTRACKER_IMPORT_ALLOW_PRIVATE_URLS`` false      fetch loopback/private/link-local addresses too
``OFFERTRACKER_ACCOUNT_IMPORT_MAX_BYTES``  52428800   largest account import document, bytes
=========================================  =========  ===============================================
"""

from __future__ import annotations

from collections.abc import Mapping

import attrs

from offertracker_core.import_registry import (
    DEFAULT_MAX_ACCOUNT_BYTES,
    DEFAULT_MAX_BYTES,
    DEFAULT_MAX_RECORDS,
)

from .variables import flag, seconds, whole_number

__all__ = ["ImportSettings", "import_settings"]

_RECORDS = "OFFERTRACKER_IMPORT_MAX_RECORDS"
_BYTES = "OFFERTRACKER_IMPORT_MAX_BYTES"
_TIMEOUT = "OFFERTRACKER_IMPORT_TIMEOUT"
_PRIVATE = "OFFERTRACKER_IMPORT_ALLOW_PRIVATE_URLS"
_ACCOUNT_BYTES = "OFFERTRACKER_ACCOUNT_IMPORT_MAX_BYTES"
_MAX_ACCOUNT_BYTES = 1024 * 1024 * 1024
_MAX_RECORDS = 10_000
_MAX_BYTES = 100 * 1024 * 1024
_MAX_TIMEOUT = 300.0


@attrs.frozen
class ImportSettings:
    """Bounds and address rule of imports (see the module docstring)."""

    max_records: int = DEFAULT_MAX_RECORDS
    max_bytes: int = DEFAULT_MAX_BYTES
    timeout: float = 15.0
    allow_private_urls: bool = False
    account_max_bytes: int = DEFAULT_MAX_ACCOUNT_BYTES


def import_settings(env: Mapping[str, str]) -> ImportSettings:
    """Read the ``OFFERTRACKER_IMPORT_*`` variables; a malformed one is a ``ValueError`` naming it."""
    records = whole_number(_RECORDS, env.get(_RECORDS), 1, _MAX_RECORDS)
    size = whole_number(_BYTES, env.get(_BYTES), 1024, _MAX_BYTES)
    account_size = whole_number(_ACCOUNT_BYTES, env.get(_ACCOUNT_BYTES), 1024, _MAX_ACCOUNT_BYTES)
    return ImportSettings(
        max_records=records or DEFAULT_MAX_RECORDS,
        max_bytes=size or DEFAULT_MAX_BYTES,
        timeout=seconds(_TIMEOUT, env.get(_TIMEOUT), default=15.0, most=_MAX_TIMEOUT),
        allow_private_urls=flag(_PRIVATE, env.get(_PRIVATE), default=False),
        account_max_bytes=account_size or DEFAULT_MAX_ACCOUNT_BYTES,
    )

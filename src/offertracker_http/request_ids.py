"""Request ids: the one a client or proxy sent when it is well-formed, else a fresh one.

The id of the request being handled is kept in a context variable as well as on
the request, so that every log line written while handling it -- by any logger --
carries it (see :mod:`offertracker_http.log_format`).
"""

from __future__ import annotations

import re
import uuid
from contextvars import ContextVar

__all__ = ["HEADER", "current_request_id", "request_id_from"]

HEADER = "X-Request-ID"
"""The header a request id arrives in and every response carries."""

# Kept to characters that are safe in a log line, a URL and a metric-free label: no spaces,
# quotes or control characters a client could use to forge a log line.
_WELL_FORMED = re.compile(r"[A-Za-z0-9._:-]{1,128}")

current_request_id: ContextVar[str | None] = ContextVar("offertracker_request_id", default=None)
"""The id of the request whose handling is running in this context; ``None`` outside one."""


def request_id_from(header: str | None) -> str:
    """``header`` when it is 1 to 128 characters of ``[A-Za-z0-9._:-]``, else a fresh uuid4 hex."""
    if header is not None and _WELL_FORMED.fullmatch(header):
        return header
    return uuid.uuid4().hex

"""Logging of what happens before a request reaches the app.

aiohttp logs every request it cannot even parse (a NUL byte in a header, a broken
request line) as an ERROR with a full traceback, before any middleware runs. Such
a request is the client's mistake, not the server's, and one client sending many
of them would fill the log with tracebacks: :class:`MalformedRequests` turns each
into one INFO line.
"""

from __future__ import annotations

import logging

from aiohttp.http_exceptions import BadHttpMessage

__all__ = ["SERVER_LOGGER", "MalformedRequests", "quiet_malformed_requests"]

SERVER_LOGGER = "aiohttp.server"
"""The logger aiohttp's connection handler writes to."""


class MalformedRequests(logging.Filter):
    """Rewrite aiohttp's record of an unparsable request as one INFO line without a traceback."""

    def filter(self, record: logging.LogRecord) -> bool:
        """Keep every record; one about a :class:`BadHttpMessage` is made an INFO line naming it."""
        exc = record.exc_info[1] if record.exc_info else None
        if isinstance(exc, BadHttpMessage):
            first_line = str(exc.message).strip().splitlines()[0] if exc.message else type(exc).__name__
            record.msg = f"{record.getMessage()}: malformed request ({first_line})"
            record.args = None
            record.levelno, record.levelname = logging.INFO, logging.getLevelName(logging.INFO)
            record.exc_info, record.exc_text = None, None
        return True


def quiet_malformed_requests() -> None:
    """Install :class:`MalformedRequests` on aiohttp's server logger (once, however often called)."""
    logger = logging.getLogger(SERVER_LOGGER)
    if not any(isinstance(f, MalformedRequests) for f in logger.filters):
        logger.addFilter(MalformedRequests())

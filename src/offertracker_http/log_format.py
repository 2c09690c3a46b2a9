"""The server's log lines: today's readable text, or one JSON object per line.

:func:`configure_logging` replaces ``logging.basicConfig`` for the server. Both
formats stamp every record with the id of the request being handled (when there
is one), whichever logger wrote it. The JSON format writes ``time`` (UTC, ISO
8601 with milliseconds), ``level``, ``logger``, ``message``, ``request_id``, the
access fields of :mod:`offertracker_http.access` (``method``, ``route``,
``status``, ``duration_ms``, ``user_id``) when the record is an access line, and
``exception`` (the whole traceback, as one string) when it carries one -- so a
traceback never spreads over several lines a log collector would split.

Nothing here adds request data: what a line holds is what its logger put in the
message, and the access line is built from fixed fields only (never a header,
a token or a body).
"""

from __future__ import annotations

import logging
import sys
from datetime import UTC, datetime
from typing import IO, Any

import orjson

from .ops_settings import LOG_FORMATS, LogFormat
from .request_ids import current_request_id

__all__ = ["ACCESS_FIELDS", "TEXT_FORMAT", "JsonFormatter", "RequestIdFilter", "configure_logging"]

TEXT_FORMAT = "%(asctime)s %(levelname)s [%(process)d] %(name)s: %(message)s"
"""The text format; the process id tells the lines of several workers apart."""

ACCESS_FIELDS = "access"
"""The ``extra`` key under which an access line passes its fields (a dict) to the formatter."""


class RequestIdFilter(logging.Filter):
    """Stamp each record with ``request_id``: the request being handled in its context, or ``None``."""

    def filter(self, record: logging.LogRecord) -> bool:
        """Keep every record; set ``record.request_id`` unless the writer set it already."""
        if getattr(record, "request_id", None) is None:
            record.request_id = current_request_id.get()
        return True


class JsonFormatter(logging.Formatter):
    """One JSON object per record, on one line (see the module docstring for the keys)."""

    def format(self, record: logging.LogRecord) -> str:
        """The record as a JSON object; newlines in the message or traceback are escaped by JSON."""
        line: dict[str, Any] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "pid": record.process,
            "message": record.getMessage(),
            "request_id": getattr(record, "request_id", None),
        }
        access = getattr(record, ACCESS_FIELDS, None)
        if isinstance(access, dict):
            line.update(access)
        if record.exc_info:
            line["exception"] = self.formatException(record.exc_info)
        elif record.exc_text:
            line["exception"] = record.exc_text
        if record.stack_info:
            line["stack"] = self.formatStack(record.stack_info)
        # default=str: an odd value in a message argument must not lose the whole line.
        return orjson.dumps(line, default=str).decode()


def configure_logging(
    fmt: LogFormat, *, level: int = logging.INFO, stream: IO[str] | None = None
) -> logging.Handler:
    """Send every log record (root logger, ``level`` and up) to ``stream`` (stderr) in ``fmt``.

    Replaces the root logger's handlers, so calling it twice does not double the lines;
    returns the handler (tests read what it wrote). ``fmt`` is ``"text"`` (the server's
    usual readable lines) or ``"json"`` (one JSON object per line).
    """
    if fmt not in LOG_FORMATS:
        raise ValueError(f"log format must be one of {', '.join(LOG_FORMATS)}, not {fmt!r}")
    handler = logging.StreamHandler(stream if stream is not None else sys.stderr)
    handler.addFilter(RequestIdFilter())
    handler.setFormatter(JsonFormatter() if fmt == "json" else logging.Formatter(TEXT_FORMAT))
    root = logging.getLogger()
    for old in list(root.handlers):
        root.removeHandler(old)  # as basicConfig(force=True), but leaving their streams open
    root.addHandler(handler)
    root.setLevel(level)
    return handler

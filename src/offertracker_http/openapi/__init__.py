"""The server's OpenAPI 3.1 document, written from the route declarations (see :mod:`.document`)."""

from __future__ import annotations

import functools
from importlib.metadata import version

import orjson

from ..operations import Operation
from .document import SECURITY_SCHEME, build_document, error_statuses

__all__ = ["SECURITY_SCHEME", "TITLE", "build_document", "error_statuses", "rendered_document"]

TITLE = "OfferTracker API"


@functools.cache
def rendered_document(operations: tuple[Operation, ...]) -> bytes:
    """The document of ``operations`` as JSON bytes, written once per set of operations."""
    return orjson.dumps(build_document(operations, title=TITLE, version=version("offertracker")))

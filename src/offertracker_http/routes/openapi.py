"""``GET /openapi.json``: the server's OpenAPI 3.1 document, public like ``/``."""

from __future__ import annotations

from aiohttp import web

from ..keys import OPENAPI_DOCUMENT
from ..operations import MediaType
from ..rendering import json_bytes_response
from ._common import Routes

routes = Routes("docs", prefix="")


@routes.get(
    "/openapi.json",
    public=True,
    response=MediaType(("application/json",), "This document: every operation of the server (OpenAPI 3.1)"),
)
async def openapi_document(request: web.Request) -> web.Response:
    """The OpenAPI document, written from the route declarations when the app was built."""
    return json_bytes_response(request.app[OPENAPI_DOCUMENT])

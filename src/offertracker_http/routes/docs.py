"""``GET /docs`` (Swagger UI), ``GET /redoc`` (ReDoc) and the files they load, all from the package.

The two pages load nothing but ``/docs/assets/…`` and ``/openapi.json``, so the docs work with
no network at all. The assets are the files of ``offertracker_http/docs_assets`` (vendored by
``tools/vendor_docs_assets.sh``), read into memory once (about 3 MB), on a thread, at the first
request for one.
"""

from __future__ import annotations

import asyncio
import hashlib
from collections.abc import Mapping
from importlib import resources

import attrs
from aiohttp import web
from aiohttp.helpers import ETag

from ..operations import MediaType
from ._common import Routes

__all__ = ["ASSETS", "PAGE_CSP", "Asset", "routes"]

routes = Routes("docs", prefix="")

ASSETS = resources.files("offertracker_http") / "docs_assets"
"""The folder the assets are served from (shipped inside the package)."""

# What is served, by suffix, as (content type, charset); the folder's README is not.
_TYPES: Mapping[str, tuple[str, str | None]] = {
    ".js": ("text/javascript", "utf-8"),
    ".css": ("text/css", "utf-8"),
    ".png": ("image/png", None),
    ".txt": ("text/plain", "utf-8"),  # the licences
}

# The asset URLs carry no version, so `immutable` (or a year) would keep a browser on an old
# bundle after a re-vendor; a day bounds that, and the ETag makes each later check a bodiless 304.
_CACHE_CONTROL = "public, max-age=86400"

# Makes "nothing but this server" the browser's rule, not only our promise: ReDoc's menu footer
# loads its logo from cdn.redoc.ly, which img-src blocks (ReDoc then leaves the logo out).
# Both UIs inject inline styles, and ReDoc runs its search in a worker made from a blob: URL.
PAGE_CSP = (
    "default-src 'none'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; "
    "connect-src 'self'; worker-src blob:; base-uri 'none'; form-action 'none'; frame-ancestors 'none'"
)

_SWAGGER_PAGE = b"""<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>OfferTracker API - Swagger UI</title>
<link rel="stylesheet" href="/docs/assets/swagger-ui.css">
<link rel="icon" type="image/png" href="/docs/assets/favicon-32x32.png">
</head>
<body>
<div id="swagger-ui"></div>
<script src="/docs/assets/swagger-ui-bundle.js"></script>
<script src="/docs/assets/swagger-init.js"></script>
</body>
</html>
"""

_REDOC_PAGE = b"""<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>OfferTracker API - ReDoc</title>
<style>body { margin: 0; padding: 0; }</style>
</head>
<body>
<redoc spec-url="/openapi.json"></redoc>
<script src="/docs/assets/redoc.standalone.js"></script>
</body>
</html>
"""


@attrs.frozen
class Asset:
    """One servable file of :data:`ASSETS`, held in memory."""

    body: bytes
    content_type: str
    charset: str | None
    etag: str  # of the content, so it is the same on every install of the same files

    def response(self, if_none_match: tuple[ETag, ...] | None) -> web.Response:
        """The file, or a bodiless 304 when the client's ``If-None-Match`` names this version."""
        headers = {"Cache-Control": _CACHE_CONTROL}
        if if_none_match and any(tag.value in (self.etag, "*") for tag in if_none_match):
            response = web.Response(status=304, headers=headers)
        else:
            response = web.Response(
                body=self.body, content_type=self.content_type, charset=self.charset, headers=headers
            )
        response.etag = self.etag
        return response


def _read_assets() -> dict[str, Asset]:
    """Every servable file of :data:`ASSETS` by name. Blocking: run it on a thread."""
    found = {}
    for entry in ASSETS.iterdir():
        _, dot, suffix = entry.name.rpartition(".")
        kind = _TYPES.get(dot + suffix)
        if kind is not None and entry.is_file():
            body = entry.read_bytes()
            etag = hashlib.sha256(body).hexdigest()[:32]
            found[entry.name] = Asset(body=body, content_type=kind[0], charset=kind[1], etag=etag)
    return found


_loaded: dict[str, Asset] = {}


async def _served_assets() -> Mapping[str, Asset]:
    # Two first requests at once may both read the folder; they store the same thing.
    if not _loaded:
        _loaded.update(await asyncio.to_thread(_read_assets))
    return _loaded


def _page(html: bytes) -> web.Response:
    return web.Response(
        body=html, content_type="text/html", charset="utf-8", headers={"Content-Security-Policy": PAGE_CSP}
    )


_PAGE = MediaType(("text/html",), "An HTML page that loads only this server's files")


@routes.get("/docs", public=True, response=_PAGE)
async def swagger_ui(request: web.Request) -> web.Response:
    """Swagger UI on ``/openapi.json``; its Authorize button takes the token from ``/auth/login``."""
    return _page(_SWAGGER_PAGE)


@routes.get("/redoc", public=True, response=_PAGE)
async def redoc(request: web.Request) -> web.Response:
    """ReDoc on ``/openapi.json``."""
    return _page(_REDOC_PAGE)


@routes.get(
    "/docs/assets/{filename}",
    public=True,
    errors=(404,),
    response=MediaType(
        tuple(dict.fromkeys(kind for kind, _ in _TYPES.values())), "A file the docs pages load"
    ),
)
async def docs_asset(request: web.Request, filename: str) -> web.Response:
    """A file of :data:`ASSETS` by its exact name; any other name (``..``, a slash, unknown) is a 404."""
    asset = (await _served_assets()).get(filename)
    if asset is None:
        raise web.HTTPNotFound()
    return asset.response(request.if_none_match)

"""``/docs`` (Swagger UI) and ``/redoc`` (ReDoc) work offline: they load only files the package ships.

The pages and Swagger UI's start script name nothing but paths on this server, every file they
load is served from ``offertracker_http/docs_assets`` with its content type and its exact bytes,
and no other name (unknown, ``..``, an encoded slash) reaches the file system.
"""

from __future__ import annotations

import hashlib
import re
from html.parser import HTMLParser

import pytest
from yarl import URL

from offertracker_http.routes.docs import ASSETS, PAGE_CSP

PAGES = ("/docs", "/redoc")
INIT_SCRIPT = "/docs/assets/swagger-init.js"

# Attributes whose value a browser fetches or follows (``spec-url`` is ReDoc's).
URL_ATTRIBUTES = {"src", "href", "spec-url", "action", "data", "poster", "srcset", "formaction"}

CONTENT_TYPES = {
    "js": "text/javascript",
    "css": "text/css",
    "png": "image/png",
    "txt": "text/plain",
}

VENDORED = (
    "swagger-ui-bundle.js",
    "swagger-ui-bundle.js.LICENSE.txt",
    "swagger-ui.css",
    "favicon-32x32.png",
    "swagger-ui.LICENSE.txt",
    "swagger-ui.NOTICE.txt",
    "redoc.standalone.js",
    "redoc.standalone.js.LICENSE.txt",
    "redoc.LICENSE.txt",
)


class _UrlCollector(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.urls: list[tuple[str, str, str]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        for name, value in attrs:
            if name in URL_ATTRIBUTES and value is not None:
                self.urls.append((tag, name, value))


def urls_in(html: str) -> list[tuple[str, str, str]]:
    collector = _UrlCollector()
    collector.feed(html)
    collector.close()
    return collector.urls


def is_local_path(url: str) -> bool:
    """A path on this server: starts with one slash, names no scheme and no other host."""
    return url.startswith("/") and not url.startswith("//") and "\\" not in url and ":" not in url


def code_of(js: str) -> str:
    """The script without its comment lines (which may quote 'unsafe-inline' or name a host in words)."""
    return "\n".join(line for line in js.splitlines() if not line.lstrip().startswith("//"))


def string_literals(js: str) -> list[str]:
    return [double or single for double, single in re.findall(r'"([^"\\]*)"|\'([^\'\\]*)\'', code_of(js))]


async def public_page(client, path):
    """The HTML of ``path``, asserted served without a token as UTF-8 HTML under the pages' CSP."""
    resp = await client.get(path)

    assert resp.status == 200
    assert resp.content_type == "text/html"
    assert resp.charset == "utf-8"
    assert resp.headers["Content-Security-Policy"] == PAGE_CSP
    return await resp.text()


async def test_the_swagger_ui_page_is_html_served_without_a_token(client):
    html = await public_page(client, "/docs")

    assert '<div id="swagger-ui"></div>' in html
    assert urls_in(html) == [
        ("link", "href", "/docs/assets/swagger-ui.css"),
        ("link", "href", "/docs/assets/favicon-32x32.png"),
        ("script", "src", "/docs/assets/swagger-ui-bundle.js"),
        ("script", "src", INIT_SCRIPT),
    ]


async def test_the_redoc_page_is_html_served_without_a_token_and_reads_the_openapi_document(client):
    assert urls_in(await public_page(client, "/redoc")) == [
        ("redoc", "spec-url", "/openapi.json"),
        ("script", "src", "/docs/assets/redoc.standalone.js"),
    ]


@pytest.mark.parametrize("page", PAGES)
async def test_a_page_names_no_other_host_anywhere(client, page):
    html = await (await client.get(page)).text()

    urls = urls_in(html)
    assert urls
    assert [url for _, _, url in urls if not is_local_path(url)] == []
    for scheme in ("http:", "https:", "//"):
        assert scheme not in html
    assert "<script>" not in html  # every script is a file, so a CSP without 'unsafe-inline' runs it


async def test_swagger_ui_starts_on_the_openapi_document_with_no_validator_and_kept_authorization(client):
    resp = await client.get(INIT_SCRIPT)
    assert resp.status == 200
    js = await resp.text()

    assert string_literals(js) == ["/openapi.json", "#swagger-ui", "BaseLayout"]
    assert re.search(r"^\s*url: \"/openapi\.json\",$", js, re.M)
    assert re.search(r"^\s*validatorUrl: null,$", js, re.M)
    assert re.search(r"^\s*persistAuthorization: true,$", js, re.M)
    assert re.search(r"^\s*deepLinking: true,$", js, re.M)
    assert "http:" not in js
    assert "https:" not in js
    assert "//" not in code_of(js)  # no protocol-relative URL either


@pytest.mark.parametrize("page", PAGES)
async def test_every_file_a_page_loads_is_served_with_its_type_and_the_shipped_bytes(client, page):
    html = await (await client.get(page)).text()
    assets = [url for _, _, url in urls_in(html) if url.startswith("/docs/assets/")]
    assert len(assets) == {"/docs": 4, "/redoc": 1}[page]

    for url in assets:
        resp = await client.get(url)
        name = url.removeprefix("/docs/assets/")
        assert resp.status == 200, url
        assert resp.content_type == CONTENT_TYPES[name.rpartition(".")[2]]
        assert resp.charset == (None if name.endswith(".png") else "utf-8")
        assert await resp.read() == (ASSETS / name).read_bytes()
        assert resp.headers["Cache-Control"] == "public, max-age=86400"


async def test_the_licences_are_served_as_plain_text(client):
    for name in ("swagger-ui.LICENSE.txt", "swagger-ui.NOTICE.txt", "redoc.LICENSE.txt"):
        resp = await client.get(f"/docs/assets/{name}")

        assert resp.status == 200, name
        assert resp.content_type == "text/plain", name
        assert await resp.read() == (ASSETS / name).read_bytes(), name


async def test_a_browser_holding_the_current_file_gets_a_bodiless_304(client):
    first = await client.get("/docs/assets/swagger-ui.css")
    etag = first.headers["ETag"]
    shipped = (ASSETS / "swagger-ui.css").read_bytes()
    assert etag == f'"{hashlib.sha256(shipped).hexdigest()[:32]}"'

    again = await client.get("/docs/assets/swagger-ui.css", headers={"If-None-Match": etag})

    assert again.status == 304
    assert await again.read() == b""
    assert again.headers["ETag"] == etag
    assert again.headers["Cache-Control"] == "public, max-age=86400"
    stale = await client.get("/docs/assets/swagger-ui.css", headers={"If-None-Match": '"0123"'})
    assert stale.status == 200
    assert await stale.read() == shipped


OTHER_NAMES = (
    "/docs/assets/nothing.js",
    "/docs/assets/README.md",  # in the folder, but for maintainers, not browsers
    "/docs/assets/swagger-ui.css.map",
    "/docs/assets/..",
    "/docs/assets/%2E%2E",
    "/docs/assets/..%2Fapp.py",
    "/docs/assets/..%2F..%2Fsettings.py",
    "/docs/assets/%2E%2E%2F%2E%2E%2Fapp.py",
    "/docs/assets/..%5Croutes%5Cdocs.py",
    "/docs/assets/swagger-ui.css%2F",
    "/docs/assets/%2Fetc%2Fpasswd",
    "/docs/assets/",
    "/docs/assets/swagger-ui.css/x",
    "/docs/assets/../routes/docs.py",
)


async def test_any_other_asset_name_is_a_json_404(client):
    # One app for all the names: each case is a single request, an app per case would cost more.
    for raw_path in OTHER_NAMES:
        resp = await client.get(URL(raw_path, encoded=True))

        assert resp.status == 404, raw_path
        assert resp.content_type == "application/json", raw_path
        assert await resp.json() == {"detail": "Not Found"}, raw_path


def test_the_vendored_files_ship_inside_the_package_with_the_checksums_their_readme_records():
    readme = (ASSETS / "README.md").read_text(encoding="utf-8")
    recorded = {name: digest for digest, name in re.findall(r"^([0-9a-f]{64})  (\S+)$", readme, re.M)}

    assert sorted(recorded) == sorted(VENDORED)
    for name in VENDORED:
        assert hashlib.sha256((ASSETS / name).read_bytes()).hexdigest() == recorded[name], name
    assert re.search(r"^\| swagger-ui-dist \| 5\.\d+\.\d+ \|", readme, re.M)
    assert re.search(r"^\| redoc \| 2\.\d+\.\d+ \|", readme, re.M)
    assert (ASSETS / "swagger-init.js").is_file()

"""The ``FileStore`` port on a Supabase Storage bucket (README "Deploy on Supabase").

A key ``{user_id}/{resume_id}/{name}`` is the object of the same name in the project's
bucket, with one twist: Supabase Storage refuses object names outside a small ASCII set
(``Invalid key``, supabase/storage#133), while the core's safe names keep any printable
character (``Lebenslauf Müller.pdf``). So every character of a segment outside
``[A-Za-z0-9 _-.()!',&]`` is written as ``=XX`` per UTF-8 byte (``ü`` → ``=C3=BC``,
``=`` itself → ``=3D``): names made of plain characters — most of them — are stored as
they are, and every other name still maps to exactly one object and back.

A file is held in memory before it is sent (at most ``max_bytes``, the core's 10 MiB):
storage3 uploads a whole body, and collecting it first is also what lets an upload past
the limit, or one whose sender goes away, reach Supabase not at all. Supabase replaces
an object only once its new body has arrived whole (``x-upsert: true``), so a failed
upload leaves the previous file as it was. Reading downloads the object whole too
(storage3 returns a body) and hands it out in chunks.

Every call is bounded by :func:`.calls.calling` (the project's ``timeout``): an
unreachable, slow or failing Supabase answers 503 with a clear detail, never a 500.
"""

from __future__ import annotations

import string
from collections.abc import AsyncIterable, AsyncIterator, Iterator
from contextlib import asynccontextmanager
from typing import Any
from urllib.parse import unquote

import httpx
from storage3 import AsyncStorageClient
from storage3._async.file_api import AsyncBucketProxy
from storage3.exceptions import StorageApiError
from storage3.utils import StorageException
from yarl import URL

from offertracker_core.errors import FileTooLarge, NotFound
from offertracker_core.uploads import FILE_NOT_FOUND

from ..files import key_segments
from .calls import STORAGE, calling, log, unavailable
from .project import SupabaseProject

__all__ = ["SERVICE", "SupabaseFileStore"]

SERVICE = STORAGE

# Characters an object name keeps as they are: within what Supabase Storage accepts
# (its isValidKey), without "=" (the escape), "?" (a signed URL's path is spliced into a
# URL as is) and "+" (decoded as a space by some form-style parsers).
_LITERAL = frozenset(string.ascii_letters + string.digits + " _-.()!',&")
_ESCAPE = "="
_PUBLIC = "public"
_SIGNED = "sign"


class SupabaseFileStore:
    """Keeps files in the bucket ``project.bucket`` of a Supabase project, with its service role key.

    ``save`` answers the object's public URL when ``project.public_bucket``, else a URL
    signed for ``project.signed_url_ttl`` seconds; :meth:`key_of` knows both kinds of
    this bucket's URLs, whichever the project is set to now. ``client``, when given,
    must be made for ``project.storage_url`` with the service role key and is not
    closed by :meth:`aclose`; by default the store makes its own. ``list_page``,
    ``remove_batch`` and ``read_chunk`` size the pages :meth:`delete_tree` lists and
    removes and the chunks :meth:`open` hands out.
    """

    def __init__(
        self,
        project: SupabaseProject,
        *,
        client: AsyncStorageClient | None = None,
        list_page: int = 100,
        remove_batch: int = 1000,  # Supabase removes at most 1000 objects per request
        read_chunk: int = 256 * 1024,
    ) -> None:
        self.project = project
        self._owned: httpx.AsyncClient | None = None
        if client is None:
            key = project.service_role_key
            # storage3's own `timeout=` is deprecated and truncated to whole seconds (0.5
            # would become 0): the httpx client is made here with the project's timeout.
            self._owned = httpx.AsyncClient(timeout=project.timeout, follow_redirects=True)
            client = AsyncStorageClient(
                f"{project.storage_url}/",  # storage3 wants the trailing slash (and warns without it)
                {"apikey": key, "Authorization": f"Bearer {key}"},
                http_client=self._owned,
            )
        self.client = client
        self._base = URL(f"{project.storage_url}/")
        self._list_page = list_page
        self._remove_batch = remove_batch
        self._read_chunk = read_chunk

    async def aclose(self) -> None:
        """Close the HTTP client the store made (a client given to it is its owner's to close)."""
        if self._owned is not None:
            await self._owned.aclose()

    @property
    def _bucket(self) -> AsyncBucketProxy:
        return self.client.from_(self.project.bucket)

    # --- keys and URLs ------------------------------------------------------------

    def object_name(self, key: str) -> str:
        """The name of the object ``key`` is kept as (see the module's docstring)."""
        segments = key_segments(key)
        if segments is None:
            raise ValueError(f"not a file store key: {key!r}")
        return "/".join(_escape(segment) for segment in segments)

    def public_url(self, key: str) -> str:
        """The object's URL in a public bucket, spelled as storage3's ``get_public_url`` spells it."""
        return self._url(_PUBLIC, self.object_name(key))

    def key_of(self, url: str) -> str | None:
        """The key behind a public or signed URL of this project's bucket, else ``None``.

        A signed URL must carry its ``token`` and nothing else in its query, a public one
        no query; both must be spelled exactly as :meth:`save` spells them, so no other
        host, bucket or path, no ``..`` or hidden segment, no other spelling of a name.
        """
        try:
            parsed = URL(url)
        except (ValueError, TypeError):
            return None
        if str(parsed) != url or parsed.raw_fragment:  # yarl would have re-spelled it
            return None
        query = list(parsed.query.keys())
        form = _SIGNED if query == ["token"] and parsed.query["token"] else _PUBLIC if not query else None
        if form is None:
            return None
        bare = str(parsed.with_query(None))
        prefix = self._url(form, "")
        if not bare.startswith(prefix):
            return None
        key = _key_of_object(bare[len(prefix) :])
        if key is None or self._url(form, self.object_name(key)) != bare:
            return None
        return key

    def _url(self, form: str, name: str) -> str:
        parts = name.split("/") if name else [""]
        return str(self._base.joinpath("object", form, self.project.bucket, *parts))

    # --- the port -----------------------------------------------------------------

    async def save(self, key: str, chunks: AsyncIterable[bytes], *, content_type: str, max_bytes: int) -> str:
        """Collect ``chunks`` (at most ``max_bytes``, in memory), then upload them under ``key``.

        More than ``max_bytes`` raises ``FileTooLarge`` as soon as they arrive, having sent
        Supabase nothing; so does an error the chunks raise. The upload always carries
        ``content_type`` (storage3 would send ``text/plain`` otherwise) and overwrites an
        object of the same name. Answers the object's public URL, or a signed one for a
        private bucket. A bucket whose own size limit is lower than ``max_bytes`` refuses
        the file with ``FileTooLarge`` too.
        """
        name = self.object_name(key)
        body = bytearray()
        async for chunk in chunks:
            if len(body) + len(chunk) > max_bytes:
                raise FileTooLarge()
            body += chunk
        bucket = self._bucket
        async with self._call("store the file"):
            try:
                await bucket.upload(
                    name,
                    bytes(body),
                    # cache-control stays storage3's default (3600): Supabase takes it as max-age.
                    {"content-type": content_type, "upsert": "true"},
                )
            except StorageApiError as error:
                if str(error.status) == "413":  # the bucket's own file size limit
                    raise FileTooLarge() from None
                raise
            if self.project.public_bucket:
                return await bucket.get_public_url(name)
            signed = await bucket.create_signed_url(name, self.project.signed_url_ttl)
            url = signed["signedURL"]
            if not url:
                raise ValueError("no signed URL in the answer")
            return url

    async def open(self, key: str) -> AsyncIterator[bytes]:
        """The bytes under ``key`` in chunks; ``NotFound("File not found")`` if there is no such object.

        The object is downloaded whole before the first chunk is handed out, so a missing
        file or a failing Supabase is an error there, never halfway through.
        """
        try:
            name = self.object_name(key)
        except ValueError:
            raise NotFound(FILE_NOT_FOUND) from None
        bucket = self._bucket
        async with self._call("read the file"):
            try:
                body = await bucket.download(name)
            except StorageApiError as error:
                if _is_missing(error):
                    raise NotFound(FILE_NOT_FOUND) from None
                raise
        for start in range(0, len(body), self._read_chunk):
            yield body[start : start + self._read_chunk]

    async def delete(self, key: str) -> None:
        """Remove the object under ``key``; nothing happens if there is none."""
        try:
            name = self.object_name(key)
        except ValueError:
            return
        bucket = self._bucket
        async with self._call("remove the file"):
            await bucket.remove([name])  # an absent name is simply not in the answer

    async def delete_tree(self, prefix: str) -> None:
        """Remove every object under the folder ``prefix``; nothing happens if there are none.

        Supabase lists one folder level at a time (a folder comes back with ``id`` null),
        so the tree is walked first, then removed in batches, all within one time limit.
        """
        try:
            folder = self.object_name(prefix)
        except ValueError:
            return
        bucket = self._bucket
        async with self._call("remove the files"):
            names = [name async for name in self._walk(bucket, folder)]
            for batch in _batches(names, self._remove_batch):
                await bucket.remove(batch)

    async def _walk(self, bucket: AsyncBucketProxy, folder: str) -> AsyncIterator[str]:
        """The names of every object under ``folder``, depth first."""
        offset = 0
        while True:
            # Storage lists the folder named by the prefix; the trailing slash says so outright,
            # so that "u1" can never be read as the start of "u10".
            page = await bucket.list(f"{folder}/", {"limit": self._list_page, "offset": offset})
            for entry in page:
                name = _entry_name(entry)
                if entry.get("id") is None:
                    async for inner in self._walk(bucket, f"{folder}/{name}"):
                        yield inner
                else:
                    yield f"{folder}/{name}"
            if len(page) < self._list_page:
                return
            offset += len(page)

    @asynccontextmanager
    async def _call(self, doing: str) -> AsyncIterator[None]:
        """The body's calls to Supabase, bounded; every failure of theirs becomes a 503.

        Transport failures and running out of time are :func:`calling`'s; an error answer,
        or an answer that is not what Storage answers, is mapped here. Errors of the
        port's own (``NotFound``, ``FileTooLarge``) pass unchanged.
        """
        async with calling(SERVICE, self.project.timeout):
            try:
                yield
            except StorageApiError as error:
                log.warning(
                    "%s could not %s: %s %s %s", SERVICE, doing, error.status, error.code, error.message
                )
                raise unavailable(SERVICE, f"it answered {error.status}") from None
            except httpx.TransportError:
                raise  # calling's to report
            except (StorageException, httpx.HTTPError, ValueError, KeyError, TypeError) as error:
                log.warning("%s could not %s: unexpected answer %r", SERVICE, doing, error)
                raise unavailable(SERVICE, "unexpected answer") from None


def _escape(segment: str) -> str:
    return "".join(
        ch if ch in _LITERAL else "".join(f"{_ESCAPE}{byte:02X}" for byte in ch.encode("utf-8"))
        for ch in segment
    )


def _unescape(segment: str) -> str | None:
    """The segment an escaped object name segment stands for; ``None`` if it is not one."""
    out = bytearray()
    index = 0
    while index < len(segment):
        ch = segment[index]
        if ch == _ESCAPE:
            digits = segment[index + 1 : index + 3]
            if len(digits) != 2 or not all(d in string.hexdigits for d in digits):
                return None
            out.append(int(digits, 16))
            index += 3
        else:
            out += ch.encode("utf-8")
            index += 1
    try:
        return out.decode("utf-8")
    except UnicodeDecodeError:
        return None


def _key_of_object(path: str) -> str | None:
    """The key behind an object name as it appears (percent-encoded) in a URL path; ``None``
    if it is none (callers then check it is spelled canonically)."""
    try:
        name = unquote(path, errors="strict")
    except UnicodeDecodeError:
        return None
    segments = [_unescape(segment) for segment in name.split("/")]
    if any(segment is None for segment in segments):
        return None
    key = "/".join(segment for segment in segments if segment is not None)
    return key if key_segments(key) is not None else None


def _is_missing(error: StorageApiError) -> bool:
    """Whether Storage said the object does not exist (``NoSuchKey``: 404 ``not_found``); a
    missing bucket (404 "Bucket not found") is a broken deployment, not a missing file."""
    return str(error.status) == "404" and error.code == "not_found"


def _entry_name(entry: Any) -> str:
    """The name of a listed entry, refused (``ValueError``) unless it is one segment."""
    name = entry["name"]
    if not isinstance(name, str) or not name or "/" in name or name in {".", ".."}:
        raise ValueError(f"unexpected name in a listing: {name!r}")
    return name


def _batches(names: list[str], size: int) -> Iterator[list[str]]:
    for start in range(0, len(names), size):
        yield names[start : start + size]

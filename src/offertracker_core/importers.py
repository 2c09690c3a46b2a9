"""The importer API: what a job-source plugin registers and what it yields.

A plugin implements the ``offertracker_register_importers(register)`` hook and
calls ``register(Importer(...))`` once per importer. An importer says which
inputs it handles (URL patterns, file types, a search query) and turns one
:class:`ImportInput` into an async stream of :class:`JobRecord` (one job
posting, normalised) and :class:`ItemFailure` (one row or page it could not
read, with where it was). The host does everything else: it fetches URLs for
the importer through :attr:`ImportContext.fetch` (refusing private addresses,
capping size and time), bounds the number of items, deduplicates, maps records
onto saved jobs and reports per-item errors. An importer never writes to the
database and never opens sockets of its own.

Normalising helpers (:func:`job_type_from`, :func:`work_mode_from`,
:func:`pay_period_from`, :func:`date_from`, :func:`text_from_html`) are here so
every importer maps the same words the same way.
"""

from __future__ import annotations

import html
import re
from collections.abc import AsyncIterable, AsyncIterator, Callable, Mapping
from datetime import UTC, date, datetime
from enum import StrEnum
from html.parser import HTMLParser
from typing import Protocol

import attrs

from .enums import JobType, WorkMode

__all__ = [
    "Fetched",
    "Fetcher",
    "FileInput",
    "ImportContext",
    "ImportInput",
    "ImportRefused",
    "Importer",
    "ItemFailure",
    "JobRecord",
    "PayPeriod",
    "QueryInput",
    "ReadRecords",
    "Salary",
    "UrlInput",
    "date_from",
    "job_type_from",
    "pay_period_from",
    "text_from_html",
    "work_mode_from",
]


class PayPeriod(StrEnum):
    """The period a posted salary figure is paid per."""

    HOUR = "hour"
    DAY = "day"
    WEEK = "week"
    MONTH = "month"
    YEAR = "year"


@attrs.frozen(kw_only=True)
class Salary:
    """A posted salary range as the posting states it (not annualised)."""

    minimum: float | None = None
    maximum: float | None = None
    currency: str | None = None
    """ISO 4217 code as posted (``USD``); ``None`` when the posting does not say."""
    period: PayPeriod = PayPeriod.YEAR


@attrs.frozen(kw_only=True)
class JobRecord:
    """One job posting, normalised by an importer.

    ``company`` and ``role`` may be ``None`` when the source lacks them: the host
    then reports the record as a per-item failure instead of saving half a job.
    ``source`` is where the posting was found, as a person would say it
    ("Greenhouse", "LinkedIn"); with ``external_id`` (the source's own id) it is
    one of the two keys duplicates are recognised by, the canonical ``url`` the other.
    """

    company: str | None
    role: str | None
    source: str
    url: str | None = None
    external_id: str | None = None
    location: str | None = None
    job_type: JobType | None = None
    work_mode: WorkMode | None = None
    salary: Salary | None = None
    description: str | None = None
    """Plain text (see :func:`text_from_html`)."""
    posted: date | None = None
    item: str | None = None
    """Where the record came from, for messages: "row 7", a URL. Defaults to the input."""


@attrs.frozen
class ItemFailure:
    """One row, page or posting that could not be read; the import goes on with the rest."""

    item: str
    """Where: "row 7", the page's URL, "posting 12"."""
    message: str


@attrs.frozen
class UrlInput:
    """A web address: a job-board API endpoint or a page carrying a posting."""

    url: str


@attrs.frozen
class QueryInput:
    """A search query for a source that takes one (a board name, a company handle)."""

    query: str


@attrs.frozen
class FileInput:
    """An uploaded file, read as a stream of byte chunks (the host caps its size)."""

    filename: str
    chunks: AsyncIterable[bytes]


ImportInput = UrlInput | QueryInput | FileInput


class ImportRefused(Exception):
    """The host would not fetch a URL (private address, scheme, size, time, HTTP error).

    Raised by :attr:`ImportContext.fetch` and by the host's file reader when a file is
    too large; the message is fit for the person importing. An importer may let it
    propagate (the whole input becomes one failed item) or catch it for one item.
    """


@attrs.frozen
class Fetched:
    """A fetched response: its final URL (after redirects), content type and body."""

    url: str
    status: int
    content_type: str
    body: bytes
    charset: str | None = None
    """The charset the ``Content-Type`` header named, if any."""

    def text(self) -> str:
        """The body decoded by its declared charset, else UTF-8 (undecodable bytes replaced)."""
        try:
            return self.body.decode(self.charset or "utf-8", errors="replace")
        except LookupError:  # a charset Python does not know
            return self.body.decode("utf-8", errors="replace")


class Fetcher(Protocol):
    """Fetches a URL for an importer, bounded and guarded (the host's adapter).

    Raises :class:`ImportRefused` for a refused or failed fetch (including a
    non-2xx answer), never a transport exception.
    """

    async def fetch(self, url: str, *, accept: str = "*/*") -> Fetched:
        """GET ``url`` (following redirects, each checked) and return the whole response."""
        ...


@attrs.frozen
class ImportContext:
    """What the host lends an importer for one import."""

    fetcher: Fetcher

    async def fetch(self, url: str, *, accept: str = "*/*") -> Fetched:
        """GET ``url`` through the host's guarded fetcher (see :class:`Fetcher`)."""
        return await self.fetcher.fetch(url, accept=accept)


ReadRecords = Callable[[ImportInput, ImportContext], AsyncIterator[JobRecord | ItemFailure]]
"""An importer's reader: usually an ``async def`` generator taking the input and the context."""


@attrs.frozen(kw_only=True)
class Importer:
    """A job source: its name, the inputs it handles, and its reader.

    ``name`` is unique among installed importers (lower case, used in the API as
    ``source``). An input is matched to an importer by name when the caller gives
    one, otherwise a URL by ``url_patterns`` (regular expressions searched in the
    URL; importers with ``catch_all`` are tried after every other) and a file by
    ``file_types`` (extensions such as ``".csv"``). ``query`` describes the search
    query the importer accepts ("Greenhouse board token"), ``None`` if it takes none.
    """

    name: str = attrs.field(validator=attrs.validators.matches_re(r"[a-z][a-z0-9_-]{0,39}"))
    title: str
    read: ReadRecords
    url_patterns: tuple[str, ...] = ()
    file_types: tuple[str, ...] = ()
    query: str | None = None
    catch_all: bool = False

    def handles_url(self, url: str) -> bool:
        """Whether one of ``url_patterns`` is found in ``url``."""
        return any(re.search(pattern, url) for pattern in self.url_patterns)

    def handles_file(self, filename: str) -> bool:
        """Whether ``filename`` ends with one of ``file_types`` (case-insensitively)."""
        return filename.lower().endswith(tuple(kind.lower() for kind in self.file_types))

    @property
    def inputs(self) -> tuple[str, ...]:
        """The kinds of input it handles: ``"url"``, ``"file"``, ``"query"``."""
        kinds = []
        if self.url_patterns or self.catch_all:
            kinds.append("url")
        if self.file_types:
            kinds.append("file")
        if self.query is not None:
            kinds.append("query")
        return tuple(kinds)


# --- normalising helpers ------------------------------------------------------------


def _word(text: str) -> str:
    return re.sub(r"[^a-z]", "", text.lower())


_JOB_TYPES: Mapping[str, JobType] = {
    "fulltime": JobType.FULL_TIME,
    "permanent": JobType.FULL_TIME,
    "parttime": JobType.PART_TIME,
    "contract": JobType.CONTRACT,
    "contractor": JobType.CONTRACT,
    "temporary": JobType.CONTRACT,
    "temp": JobType.CONTRACT,
    "internship": JobType.INTERNSHIP,
    "intern": JobType.INTERNSHIP,
    "freelance": JobType.FREELANCE,
    "perdiem": JobType.FREELANCE,
}


_JOB_TYPE_PHRASES = ("fulltime", "parttime", "internship", "contract", "freelance", "temporary")


def job_type_from(text: str | None) -> JobType | None:
    """``FULL_TIME``, ``fulltime``, ``Full-time``, ``Full Time`` → ``JobType.FULL_TIME``; unknown → ``None``.

    The first recognised word of a list ("Full-time, Contract" or "FULL_TIME,PART_TIME") wins;
    failing that, one of the unambiguous words inside a phrase ("Regular Full Time (Salary)").
    """
    if not text:
        return None
    parts = [_word(part) for part in re.split(r"[,;/|]", text)]
    for part in parts:
        found = _JOB_TYPES.get(part)
        if found is not None:
            return found
    # Then inside a longer phrase ("Regular Full Time (Salary)"), with whole, unambiguous words only.
    for part in parts:
        for needle in _JOB_TYPE_PHRASES:
            if needle in part:
                return _JOB_TYPES[needle]
    return None


_WORK_MODES: Mapping[str, WorkMode] = {
    "remote": WorkMode.REMOTE,
    "telecommute": WorkMode.REMOTE,
    "fullyremote": WorkMode.REMOTE,
    "workfromhome": WorkMode.REMOTE,
    "hybrid": WorkMode.HYBRID,
    "onsite": WorkMode.ON_SITE,
    "inoffice": WorkMode.ON_SITE,
    "office": WorkMode.ON_SITE,
}


def work_mode_from(text: str | None = None, *, remote: bool | None = None) -> WorkMode | None:
    """A work mode from a word (``TELECOMMUTE``, ``remote``, ``Hybrid``, ``On-site``) or a remote flag.

    A true ``remote`` flag gives Remote whatever the word; a word is matched whole
    first, then as "remote"/"hybrid" inside a longer phrase ("Remote - US").
    """
    if remote:
        return WorkMode.REMOTE
    if not text:
        return None
    word = _word(text)
    if word in _WORK_MODES:
        return _WORK_MODES[word]
    for needle in ("hybrid", "remote", "telecommute"):
        if needle in word:
            return _WORK_MODES[needle]
    return None


_PERIODS: Mapping[str, PayPeriod] = {
    "hour": PayPeriod.HOUR,
    "hourly": PayPeriod.HOUR,
    "perhour": PayPeriod.HOUR,
    "hr": PayPeriod.HOUR,
    "day": PayPeriod.DAY,
    "daily": PayPeriod.DAY,
    "perday": PayPeriod.DAY,
    "week": PayPeriod.WEEK,
    "weekly": PayPeriod.WEEK,
    "perweek": PayPeriod.WEEK,
    "month": PayPeriod.MONTH,
    "monthly": PayPeriod.MONTH,
    "permonth": PayPeriod.MONTH,
    "year": PayPeriod.YEAR,
    "yearly": PayPeriod.YEAR,
    "annual": PayPeriod.YEAR,
    "annually": PayPeriod.YEAR,
    "peryear": PayPeriod.YEAR,
    "yr": PayPeriod.YEAR,
    "salary": PayPeriod.YEAR,
}


def pay_period_from(text: str | None) -> PayPeriod | None:
    """``HOUR``, ``hourly``, ``per-month``, ``annual`` … → a :class:`PayPeriod`; unknown → ``None``."""
    if not text:
        return None
    return _PERIODS.get(_word(text))


def date_from(value: object) -> date | None:
    """A date from ISO text (``2026-11-02``, ``2026-11-02T10:00:00Z``), epoch milliseconds (UTC) or a date.

    Anything unreadable is ``None``: a posting date is nice to have, never a reason to fail.
    """
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    if isinstance(value, int | float) and not isinstance(value, bool):
        try:
            return datetime.fromtimestamp(value / 1000, tz=UTC).date()
        except (OverflowError, OSError, ValueError):
            return None
    if isinstance(value, str) and value.strip():
        text = value.strip()
        try:
            return datetime.fromisoformat(text.replace("Z", "+00:00")).date()
        except ValueError:
            pass
        try:
            return date.fromisoformat(text[:10])
        except ValueError:
            return None
    return None


class _TextOnly(HTMLParser):
    _BREAKS = frozenset({"p", "br", "div", "li", "ul", "ol", "h1", "h2", "h3", "h4", "h5", "h6", "tr"})
    _SKIPPED = frozenset({"script", "style"})

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self._skipping = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in self._SKIPPED:
            self._skipping += 1
        elif tag in self._BREAKS:
            self.parts.append("\n")

    def handle_endtag(self, tag: str) -> None:
        if tag in self._SKIPPED:
            self._skipping = max(0, self._skipping - 1)
        elif tag in self._BREAKS:
            self.parts.append("\n")

    def handle_data(self, data: str) -> None:
        if not self._skipping:
            self.parts.append(data)


def text_from_html(markup: str | None) -> str | None:
    """Plain text from an HTML fragment: tags dropped, entities decoded, blank runs collapsed.

    Also right for text that is HTML-escaped once more (Greenhouse's ``content``):
    the escaped markup is decoded first, then stripped.
    """
    if not markup:
        return None
    if "&lt;" in markup and "<" not in markup:
        markup = html.unescape(markup)
    parser = _TextOnly()
    parser.feed(markup)
    parser.close()
    lines = (re.sub(r"[ \t\r\f\v\xa0]+", " ", line).strip() for line in "".join(parser.parts).split("\n"))
    text = re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).strip()
    return text or None

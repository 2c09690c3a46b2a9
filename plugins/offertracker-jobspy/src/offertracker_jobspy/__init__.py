"""OfferTracker importer: job postings from a CSV file written by python-jobspy.

`JobSpy <https://github.com/speedyapply/JobSpy>`_ scrapes LinkedIn, Indeed,
Glassdoor, ZipRecruiter, Google, Bayt and Naukri into a pandas DataFrame that
people save with ``jobs.to_csv(...)``. This importer reads such a file as a
stream — decoding and splitting it into records chunk by chunk, never holding
the whole file — and yields one :class:`~offertracker_core.importers.JobRecord`
per row. It does not depend on python-jobspy: it reads the columns by name.

Rows are numbered as a spreadsheet shows them: the header is row 1, the first
job row 2. The mapping is documented in the package README.
"""

from __future__ import annotations

import codecs
import csv
import math
import re
from collections.abc import AsyncGenerator, AsyncIterable, AsyncIterator, Callable, Iterator, Mapping
from contextlib import aclosing
from typing import NamedTuple

from offertracker_core.hookspecs import hookimpl
from offertracker_core.importers import (
    FileInput,
    ImportContext,
    Importer,
    ImportInput,
    ItemFailure,
    JobRecord,
    PayPeriod,
    Salary,
    UrlInput,
    date_from,
    job_type_from,
    pay_period_from,
    text_from_html,
    work_mode_from,
)

__all__ = [
    "ESCAPE_CHAR",
    "IMPORTER",
    "MAX_RECORD_CHARS",
    "REQUIRED_COLUMNS",
    "SITE_NAMES",
    "offertracker_register_importers",
    "read",
    "source_name",
]

REQUIRED_COLUMNS = ("title", "company")
"""A header without these is not a JobSpy CSV."""

SITE_NAMES: Mapping[str, str] = {
    "linkedin": "LinkedIn",
    "indeed": "Indeed",
    "glassdoor": "Glassdoor",
    "zip_recruiter": "ZipRecruiter",
    "google": "Google",
    "bayt": "Bayt",
    "naukri": "Naukri",
}
"""JobSpy's ``site`` values (its ``Site`` enum) as a person names the board."""

ESCAPE_CHAR = "\\"
"""JobSpy's README saves with ``escapechar="\\\\"``, doubling each backslash; reading with it undoes that."""

MAX_RECORD_CHARS = 1_000_000
"""A quoted field still open after this many characters is taken for a broken file, not a long description."""

_INTERVALS = "yearly, monthly, weekly, daily, hourly"
_MISSING_NUMBERS = frozenset({"nan", "none", "null"})
_HTML_TAG = re.compile(r"</?(?:p|div|br|li|ul|ol|span|h[1-6]|strong|em|b|i|a)\b[^>]*>", re.IGNORECASE)
_HREF = re.compile(r'href="([^"]+)"')
# A quote toggles "inside a quoted field"; an escaped character (backslash + any) never does.
_QUOTE_OR_ESCAPED = re.compile(r'\\.|"', re.DOTALL)


# --- cutting the stream into records ------------------------------------------------


class _RecordTooLong(Exception):
    """A record past :data:`MAX_RECORD_CHARS`; the message says why it did not end."""


class _Record(NamedTuple):
    lines: list[str]
    problem: str | None = None


class _RecordSplitter:
    """Cuts decoded text into CSV records: whole lines, joined while a quoted field is open.

    A record ends at a line break outside quotes (``""`` inside a quoted field
    toggles twice, so it keeps the parity). Only ``\\n`` ends a line: a lone
    ``\\r`` or a Unicode line separator is left to the csv module, like Python's
    ``newline=""`` file reading does.
    """

    def __init__(self) -> None:
        self._tail: list[str] = []  # text after the last line break seen, joined once a break comes
        self._tail_size = 0
        self._lines: list[str] = []  # the lines of the record being gathered
        self._size = 0
        self._quoted = False

    def feed(self, text: str) -> Iterator[list[str]]:
        """The records ``text`` completes (raises ``_RecordTooLong`` on a runaway quoted field)."""
        if "\n" in text:
            text = "".join([*self._tail, text])
            self._tail, self._tail_size = [], 0
            start = 0
            while (end := text.find("\n", start)) != -1:
                record = self._line(text[start : end + 1])
                start = end + 1
                if record is not None:
                    yield record
            text = text[start:]
        if text:
            self._tail.append(text)
            self._tail_size += len(text)
        if self._size + self._tail_size > MAX_RECORD_CHARS:
            raise _RecordTooLong("A quoted field runs" if self._quoted else "A row runs")

    def finish(self) -> _Record | None:
        """The last record, if the text did not end with a line break or ended inside quotes."""
        last = "".join(self._tail)
        self._tail, self._tail_size = [], 0
        record = self._line(last) if last else None
        if record is not None:
            return _Record(record)
        if self._lines:
            return _Record(self._lines, "A quoted field is not closed before the end of the file")
        return None

    def _line(self, line: str) -> list[str] | None:
        self._lines.append(line)
        self._size += len(line)
        for found in _QUOTE_OR_ESCAPED.finditer(line):
            if found.group() == '"':
                self._quoted = not self._quoted
        if self._quoted:
            if self._size > MAX_RECORD_CHARS:
                raise _RecordTooLong("A quoted field runs")
            return None
        record, self._lines, self._size = self._lines, [], 0
        return record


async def _records(chunks: AsyncIterable[bytes]) -> AsyncGenerator[_Record, None]:
    """The file's records, decoded as UTF-8 (a BOM dropped, bad bytes replaced) chunk by chunk."""
    decoder = codecs.getincrementaldecoder("utf-8-sig")(errors="replace")
    splitter = _RecordSplitter()
    try:
        async for chunk in chunks:
            for lines in splitter.feed(decoder.decode(chunk)):
                yield _Record(lines)
        for lines in splitter.feed(decoder.decode(b"", final=True)):
            yield _Record(lines)
    except _RecordTooLong as exc:
        limit = f"{MAX_RECORD_CHARS:,}"
        yield _Record([], f"{exc} past {limit} characters; the rest of the file was not read")
        return
    last = splitter.finish()
    if last is not None:
        yield last


def _fields(lines: list[str]) -> list[str]:
    """One record's fields (``[]`` for a blank line); raises ``csv.Error`` for a malformed one."""
    rows = list(csv.reader(lines, escapechar=ESCAPE_CHAR))
    return rows[0] if rows else []


# --- mapping one row -------------------------------------------------------------------


def source_name(site: str | None) -> str:
    """JobSpy's ``site`` as a person names the board: ``zip_recruiter`` → ``ZipRecruiter``.

    A site this version does not know is title-cased (``some_board`` → ``Some Board``);
    a file without a ``site`` says "JobSpy".
    """
    if not site or not site.strip():
        return "JobSpy"
    key = site.strip().lower()
    return SITE_NAMES.get(key) or key.replace("_", " ").title()


class _NotANumber(ValueError):
    pass


def _amount(column: str, raw: str | None) -> float | None:
    if raw is None or raw.lower() in _MISSING_NUMBERS:
        return None
    try:
        number = float(raw)
    except ValueError:
        raise _NotANumber(f'{column} is not a number: "{raw}"') from None
    if not math.isfinite(number):
        raise _NotANumber(f'{column} is not a number: "{raw}"')
    return number


def _salary(cell: Callable[[str], str | None]) -> Salary | None:
    """The posted range; raises ``_NotANumber`` for an amount or interval it cannot read."""
    minimum = _amount("min_amount", cell("min_amount"))
    maximum = _amount("max_amount", cell("max_amount"))
    if minimum is None and maximum is None:
        return None
    interval = cell("interval")
    period = pay_period_from(interval) if interval else PayPeriod.YEAR
    if period is None:
        raise _NotANumber(f'interval "{interval}" is not one of {_INTERVALS}')
    currency = cell("currency")
    code = currency.upper() if currency else None
    return Salary(minimum=minimum, maximum=maximum, currency=code, period=period)


def _is_true(value: str | None) -> bool:
    return value is not None and value.lower() in ("true", "1", "yes")


def _description(text: str | None) -> str | None:
    # JobSpy writes markdown by default (kept as it is); with description_format="html" it writes HTML.
    if text is None:
        return None
    if _HTML_TAG.search(text):
        return text_from_html(text)
    return text.replace("\r\n", "\n")


def _href(link: str | None) -> str | None:
    # With hyperlinks=True older releases wrote job_url_hyper, '<a href="https://…">…</a>', not job_url.
    found = _HREF.search(link) if link else None
    return found.group(1) if found else None


def _row(header: list[str], fields: list[str], number: int) -> JobRecord | ItemFailure:
    item = f"row {number}"
    if len(fields) > len(header):
        return ItemFailure(item, f"{len(fields)} fields where the header names {len(header)}")
    # A short row (a tool that trims trailing empty cells) reads its missing cells as empty.
    cells = dict(zip(header, fields, strict=False))

    def cell(column: str) -> str | None:
        return cells.get(column, "").strip() or None

    try:
        salary = _salary(cell)
    except _NotANumber as exc:
        return ItemFailure(item, str(exc))
    return JobRecord(
        company=cell("company"),
        role=cell("title"),
        source=source_name(cell("site")),
        # The employer's own page wins over the board's listing: it is where one applies,
        # it outlives the listing, and the same job scraped from two boards shares it.
        url=cell("job_url_direct") or cell("job_url") or _href(cell("job_url_hyper")),
        external_id=cell("id"),
        location=cell("location"),
        job_type=job_type_from(cell("job_type")),
        work_mode=work_mode_from(cell("work_from_home_type"), remote=_is_true(cell("is_remote"))),
        salary=salary,
        description=_description(cell("description")),
        posted=date_from(cell("date_posted")),
        item=item,
    )


# --- the reader ------------------------------------------------------------------------


def _input_name(source: ImportInput) -> str:
    if isinstance(source, FileInput):
        return source.filename
    return source.url if isinstance(source, UrlInput) else source.query


async def read(source: ImportInput, ctx: ImportContext) -> AsyncIterator[JobRecord | ItemFailure]:
    """Stream the rows of a JobSpy CSV upload as records, one failure per unreadable row.

    The header must name ``title`` and ``company`` (any order, any case), or the
    file is one failure (item ``"header"``) and nothing else is read. A row
    whose ``min_amount``/``max_amount`` is not a number, whose ``interval`` is
    unknown, or which has more fields than the header is one failure and the
    rest still come through. A quoted field left open stops the reading with a
    failure at the row it began in.
    """
    if not isinstance(source, FileInput):
        yield ItemFailure(_input_name(source), "This importer reads JobSpy CSV files: upload the file")
        return
    header: list[str] | None = None
    number = 0
    async with aclosing(_records(source.chunks)) as records:
        async for record in records:
            number += 1  # blank lines count too: a spreadsheet shows them as rows
            if record.problem is not None:
                yield ItemFailure("header" if header is None else f"row {number}", record.problem)
                return
            try:
                fields = _fields(record.lines)
            except csv.Error as exc:
                if header is None:
                    yield ItemFailure("header", f"Not a JobSpy CSV: {exc}")
                    return
                yield ItemFailure(f"row {number}", f"Not readable as CSV: {exc}")
                continue
            if header is None:
                if not fields:
                    continue  # blank lines above the header
                header = [name.strip().lower() for name in fields]
                missing = [column for column in REQUIRED_COLUMNS if column not in header]
                if missing:
                    yield ItemFailure("header", f"Not a JobSpy CSV: missing columns {', '.join(missing)}")
                    return
            elif fields:
                yield _row(header, fields, number)
    if header is None:
        yield ItemFailure("header", "Not a JobSpy CSV: the file is empty")


IMPORTER = Importer(
    name="jobspy",
    title="JobSpy CSV",
    read=read,
    file_types=(".csv",),
)


@hookimpl
def offertracker_register_importers(register: Callable[[Importer], None]) -> None:
    """Register the JobSpy CSV importer."""
    register(IMPORTER)

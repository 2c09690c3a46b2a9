"""OfferTracker importer: job postings from any web page carrying schema.org ``JobPosting`` JSON-LD.

Careers sites, applicant-tracking systems and job boards mark their posting
pages up for Google's job search with ``<script type="application/ld+json">``
blocks holding a schema.org ``JobPosting``. This importer fetches one page,
reads every such block and yields one :class:`~offertracker_core.importers.JobRecord`
per ``JobPosting`` it finds (at most :data:`MAX_POSTINGS` per page).

It is the catch-all URL importer: the host offers it any http(s) address no
more specific importer claimed. The mapping is documented in the package README.
"""

from __future__ import annotations

import html
import json
import math
import re
from collections.abc import AsyncIterator, Callable, Iterator, Mapping
from html.parser import HTMLParser
from urllib.parse import urljoin, urlsplit

from offertracker_core.enums import WorkMode
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
    "ACCEPT",
    "IMPORTER",
    "MAX_LOCATIONS",
    "MAX_POSTINGS",
    "job_postings",
    "json_ld_blocks",
    "offertracker_register_importers",
    "read",
    "record_from",
    "source_of",
]

MAX_POSTINGS = 50
"""At most this many postings are read from one page; a listing page with more says so once."""

MAX_LOCATIONS = 3
"""A posting offered in several places shows the first few, then how many more."""

ACCEPT = "text/html,application/xhtml+xml"

NOT_FOUND = "No schema.org JobPosting found on this page"

# Keys a non-posting node may hold postings under: a graph, a page's main entity,
# and a listing page's ItemList (itemListElement → ListItem → item).
_CONTAINERS = ("@graph", "mainEntity", "itemListElement", "item")

JsonObject = Mapping[str, object]


# --- finding the blocks and the postings in them ------------------------------------


class _JsonLdScripts(HTMLParser):
    """Collects the text of every ``<script type="application/ld+json">``, in document order."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.blocks: list[str] = []
        self._current: list[str] | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "script" and _is_json_ld(dict(attrs).get("type")):
            self._current = []

    def handle_endtag(self, tag: str) -> None:
        if tag == "script" and self._current is not None:
            self.blocks.append("".join(self._current))
            self._current = None

    def handle_data(self, data: str) -> None:
        # Script content is raw text to the parser (no entity decoding), as in a browser.
        if self._current is not None:
            self._current.append(data)

    def close(self) -> None:
        super().close()
        if self._current is not None:  # a page cut off inside the block: keep what there is
            self.blocks.append("".join(self._current))
            self._current = None


def _is_json_ld(script_type: str | None) -> bool:
    return script_type is not None and script_type.split(";")[0].strip().lower() == "application/ld+json"


def json_ld_blocks(markup: str) -> list[str]:
    """The text of every JSON-LD ``<script>`` block in an HTML page, in document order."""
    parser = _JsonLdScripts()
    parser.feed(markup)
    parser.close()
    return parser.blocks


def _unwrapped(block: str) -> str:
    # Older CMSs wrap the JSON in an HTML comment or a CDATA section; browsers and Google tolerate it.
    text = block.strip()
    for start, end in (("<!--", "-->"), ("<![CDATA[", "]]>")):
        if text.startswith(start) and text.endswith(end):
            text = text[len(start) : -len(end)].strip()
    return text


def _local_name(schema_type: str) -> str:
    # "JobPosting", "schema:JobPosting" and "https://schema.org/JobPosting" name the same type.
    return re.split(r"[/:#]", schema_type.strip())[-1]


def _is_job_posting(node: JsonObject) -> bool:
    kinds = node.get("@type")
    names = [kinds] if isinstance(kinds, str) else kinds if isinstance(kinds, list) else []
    return any(isinstance(name, str) and _local_name(name) == "JobPosting" for name in names)


def job_postings(document: object) -> Iterator[JsonObject]:
    """The ``JobPosting`` objects in one parsed JSON-LD document, in document order.

    A posting may be the document itself, an element of a top-level list, or sit
    in an ``@graph``, a ``mainEntity`` or an ``ItemList``'s elements. The walk uses
    its own stack, so a deeply nested document cannot exhaust Python's recursion.
    """
    stack: list[object] = [document]
    while stack:
        node = stack.pop()
        if isinstance(node, list):
            stack.extend(reversed(node))
        elif isinstance(node, dict):
            if _is_job_posting(node):
                yield node
            else:
                stack.extend(node[key] for key in reversed(_CONTAINERS) if key in node)


# --- mapping one posting -------------------------------------------------------------


def _first(value: object) -> object:
    """The first element of a list (schema.org allows a list wherever one value is expected)."""
    if isinstance(value, list):
        return value[0] if value else None
    return value


def _text(value: object) -> str | None:
    """A trimmed string, HTML entities decoded ("R&amp;D" is common in titles); ``None`` if empty."""
    value = _first(value)
    if not isinstance(value, str):
        return None
    return html.unescape(value).strip() or None


def _name(value: object) -> str | None:
    """A thing's name: the string itself, or the ``name`` of an object (Organization, Country)."""
    value = _first(value)
    if isinstance(value, dict):
        return _text(value.get("name"))
    return _text(value)


def _number(value: object) -> float | None:
    """A finite number from a JSON number or a numeric string ("85000", "85,000.50")."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int | float):
        number = float(value)
    elif isinstance(value, str):
        try:
            number = float(re.sub(r"[,\s]", "", value))
        except ValueError:
            return None
    else:
        return None
    return number if math.isfinite(number) else None


def _identifier(value: object) -> str | None:
    value = _first(value)
    if isinstance(value, dict):  # a PropertyValue {"name": "Acme", "value": "R-1042"}
        value = value.get("value")
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return _text(value)


def _distinct(parts: list[str | None]) -> list[str]:
    # "Berlin, Berlin, DE" says Berlin once: locality and region are often the same city-state.
    seen: list[str] = []
    for part in parts:
        if part and part.casefold() not in (known.casefold() for known in seen):
            seen.append(part)
    return seen


def _place(place: object) -> str | None:
    """One ``Place`` as "Locality, Region, Country"; a bare string is taken as written."""
    if isinstance(place, str):
        return _text(place)
    if not isinstance(place, dict):
        return None
    address = _first(place.get("address"))
    if isinstance(address, str):
        return _text(address)
    if isinstance(address, dict):
        parts = _distinct(
            [
                _text(address.get("addressLocality")),
                _text(address.get("addressRegion")),
                _name(address.get("addressCountry")),
            ]
        )
        if parts:
            return ", ".join(parts)
    return _text(place.get("name"))


def _joined_places(places: list[str]) -> str | None:
    if not places:
        return None
    shown = "; ".join(places[:MAX_LOCATIONS])
    more = len(places) - MAX_LOCATIONS
    return f"{shown} (+{more} more)" if more > 0 else shown


def _location(posting: JsonObject, remote: bool) -> str | None:
    found = posting.get("jobLocation")
    places = _distinct([_place(place) for place in (found if isinstance(found, list) else [found])])
    if places or not remote:
        return _joined_places(places)
    # A remote posting often has no jobLocation, only where applicants may live.
    areas = posting.get("applicantLocationRequirements")
    names = [_name(area) for area in (areas if isinstance(areas, list) else [areas])]
    return _joined_places(_distinct(names))


def _is_remote(posting: JsonObject) -> bool:
    kinds = posting.get("jobLocationType")
    words = kinds if isinstance(kinds, list) else [kinds]
    return any(isinstance(word, str) and work_mode_from(word) is WorkMode.REMOTE for word in words)


def _job_type(posting: JsonObject) -> str | None:
    kinds = posting.get("employmentType")
    words = kinds if isinstance(kinds, list) else [kinds]
    return ",".join(word for word in words if isinstance(word, str)) or None


def _salary(posting: JsonObject) -> Salary | None:
    """``baseSalary`` as posted: a MonetaryAmount whose value is a QuantitativeValue (or a number).

    A figure that is not a number is left out; a unit other than HOUR, DAY, WEEK,
    MONTH or YEAR leaves the whole salary out (better none than a misread one).
    """
    amount = _first(posting.get("baseSalary"))
    currency = _text(posting.get("salaryCurrency"))  # the older JobPosting-level property
    value: object = amount
    unit: str | None = None
    if isinstance(amount, dict):
        currency = _text(amount.get("currency")) or currency
        value = _first(amount.get("value"))
        unit = _text(amount.get("unitText"))
    if isinstance(value, dict):
        unit = _text(value.get("unitText")) or unit
        minimum, maximum = _number(value.get("minValue")), _number(value.get("maxValue"))
        if minimum is None and maximum is None:
            minimum = maximum = _number(value.get("value"))
    else:
        minimum = maximum = _number(value)
    if minimum is None and maximum is None:
        return None
    period = pay_period_from(unit) if unit else PayPeriod.YEAR
    if period is None:
        return None
    code = currency.upper() if currency else None
    return Salary(minimum=minimum, maximum=maximum, currency=code, period=period)


def _posting_url(posting: JsonObject, page_url: str) -> str | None:
    own = _text(posting.get("url"))
    if own is None:
        return None
    absolute = urljoin(page_url, own)
    return absolute if urlsplit(absolute).scheme in ("http", "https") else None


def record_from(
    posting: JsonObject, *, page_url: str, source: str, fallback_url: str | None, item: str | None = None
) -> JobRecord:
    """Map one ``JobPosting`` object onto a :class:`JobRecord` (see the README's table).

    ``fallback_url`` is the URL a posting without its own ``url`` gets (the page's,
    when the page carries this one posting only).
    """
    remote = _is_remote(posting)
    description = posting.get("description")
    url = _posting_url(posting, page_url) or fallback_url
    return JobRecord(
        company=_name(posting.get("hiringOrganization")),
        role=_text(posting.get("title")),
        source=source,
        url=url,
        external_id=_identifier(posting.get("identifier")),
        location=_location(posting, remote),
        job_type=job_type_from(_job_type(posting)),
        work_mode=WorkMode.REMOTE if remote else None,
        salary=_salary(posting),
        description=text_from_html(description) if isinstance(description, str) else None,
        posted=date_from(posting.get("datePosted")),
        item=item,
    )


def source_of(page_url: str) -> str:
    """Where a page was found, as a person would say it: its host without "www." ("careers.acme.com")."""
    host = (urlsplit(page_url).hostname or page_url).lower()
    return host.removeprefix("www.")


# --- the reader ------------------------------------------------------------------------


def _input_name(source: ImportInput) -> str:
    if isinstance(source, FileInput):
        return source.filename
    return source.url if isinstance(source, UrlInput) else source.query


async def read(source: ImportInput, ctx: ImportContext) -> AsyncIterator[JobRecord | ItemFailure]:
    """Fetch the page at ``source.url`` and yield a record per ``JobPosting`` in its JSON-LD.

    A block that is not JSON is one failure (the page URL, "block N" in the
    message) and the other blocks are still read. No posting on the page is one
    failure. A page with more than :data:`MAX_POSTINGS` postings yields the first
    ones and one failure saying how many were left. ``ImportRefused`` from the
    fetch propagates: the whole input failed.
    """
    if not isinstance(source, UrlInput):
        yield ItemFailure(_input_name(source), "This importer reads web pages: give it a URL")
        return
    page = await ctx.fetch(source.url, accept=ACCEPT)
    page_url = page.url
    postings: list[JsonObject] = []
    total = 0
    for number, block in enumerate(json_ld_blocks(page.text()), start=1):
        text = _unwrapped(block)
        if not text:
            continue  # an empty placeholder a script fills in later: nothing to read, nothing wrong
        try:
            document = json.loads(text, strict=False)  # raw newlines inside strings are common
        except json.JSONDecodeError as exc:
            where = f"line {exc.lineno}, column {exc.colno}"
            yield ItemFailure(page_url, f"JSON-LD block {number} is not valid JSON: {exc.msg} ({where})")
            continue
        except RecursionError:
            yield ItemFailure(page_url, f"JSON-LD block {number} is nested too deeply to read")
            continue
        for posting in job_postings(document):
            total += 1
            if len(postings) < MAX_POSTINGS:
                postings.append(posting)
    if not postings:
        yield ItemFailure(page_url, NOT_FOUND)
        return
    single = len(postings) == 1
    source_name = source_of(page_url)
    for number, posting in enumerate(postings, start=1):
        # Several postings without their own url must not all share the page's: the host
        # would take them for duplicates of the first.
        own = _posting_url(posting, page_url)
        yield record_from(
            posting,
            page_url=page_url,
            source=source_name,
            fallback_url=page_url if single else None,
            item=own or (page_url if single else f"posting {number}"),
        )
    if total > MAX_POSTINGS:
        yield ItemFailure(
            page_url, f"The page carries {total} JobPostings; only the first {MAX_POSTINGS} were read"
        )


IMPORTER = Importer(
    name="jsonld",
    title="Web page with schema.org JobPosting",
    read=read,
    url_patterns=(r"^https?://",),
    catch_all=True,
)


@hookimpl
def offertracker_register_importers(register: Callable[[Importer], None]) -> None:
    """Register the schema.org JobPosting importer (the catch-all for web pages)."""
    register(IMPORTER)

"""OfferTracker importer: the published postings of a Lever job site (the public Postings API).

Lever publishes every customer's job site as JSON at
``https://api.lever.co/v0/postings/{site}?mode=json`` (EU sites at
``api.eu.lever.co``; no key needed to read). This importer takes that address,
one posting's API address (``…/v0/postings/{site}/{posting id}``), a job-site
page (``https://jobs.lever.co/{site}``, one posting's page
``…/{site}/{posting id}``) or the site name alone, fetches the postings through
the host and yields one :class:`~offertracker_core.importers.JobRecord` per
posting. The mapping is documented in the package README.

Lever postings carry no company name, only the site name they are filed under,
so the company is that site name made readable: ``acme-robotics`` → "Acme Robotics".
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import AsyncIterator, Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from urllib.parse import parse_qsl, quote, urlencode, urlsplit

from offertracker_core.hookspecs import hookimpl
from offertracker_core.importers import (
    FileInput,
    ImportContext,
    Importer,
    ImportInput,
    ImportRefused,
    ItemFailure,
    JobRecord,
    PayPeriod,
    QueryInput,
    Salary,
    date_from,
    job_type_from,
    pay_period_from,
    text_from_html,
    work_mode_from,
)

__all__ = [
    "ACCEPT",
    "API_BASE",
    "EU_API_BASE",
    "IMPORTER",
    "NAME",
    "SOURCE",
    "URL_PATTERNS",
    "SiteTarget",
    "company_from_site",
    "description_from",
    "make_importer",
    "offertracker_register_importers",
    "record_from",
    "salary_from",
    "target_of",
]

NAME = "lever"
SOURCE = "Lever"
API_BASE = "https://api.lever.co"
EU_API_BASE = "https://api.eu.lever.co"
ACCEPT = "application/json"

_UUID = r"[0-9a-fA-F]{8}-(?:[0-9a-fA-F]{4}-){3}[0-9a-fA-F]{12}"
URL_PATTERNS = (
    rf"^https?://api(?:\.eu)?\.lever\.co/v0/postings/[^/?#]+(?:/{_UUID})?/?(?:[?#]|$)",
    rf"^https?://jobs(?:\.eu)?\.lever\.co/[^/?#]+(?:/{_UUID}(?:/apply)?)?/?(?:[?#]|$)",
)
"""The addresses this importer claims: the postings API (a site or one posting) and job-site pages."""

PAGE_HOSTS = {"jobs.lever.co": "global", "jobs.eu.lever.co": "eu"}
"""Hosts of Lever-hosted job sites, and which API instance answers for them."""

FILTERS = frozenset({"location", "commitment", "team", "department", "level"})
"""Query parameters a job-site page and the API share: a filtered page reads the same postings."""

_SITE = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]{0,99}")
_API_PATH = re.compile(rf"/v0/postings/([^/]+)(?:/({_UUID}))?/?")

JsonObject = Mapping[str, object]


# --- which address to read -----------------------------------------------------------


@dataclass(frozen=True)
class SiteTarget:
    """What one input asks for: a site's postings, or one posting on it."""

    site: str
    url: str
    """The API address fetched: the postings list (``mode=json``) or one posting."""
    single: bool


def target_of(source: ImportInput, api_base: str = API_BASE, eu_api_base: str = EU_API_BASE) -> SiteTarget:
    """The API address ``source`` stands for, or :class:`ImportRefused` saying what is wrong with it.

    An API address keeps its own host; a page on ``jobs.lever.co`` goes to
    ``api_base``, one on ``jobs.eu.lever.co`` to ``eu_api_base``, a bare site
    name to ``api_base``. A postings list is always asked for ``mode=json``
    (Lever would otherwise answer HTML for ``mode=html`` or ``mode=iframe``).
    """
    if isinstance(source, FileInput):
        raise ImportRefused("The Lever importer reads a job-site address or a site name, not a file")
    if isinstance(source, QueryInput):
        site = source.query.strip()
        if not _SITE.fullmatch(site):
            raise ImportRefused(f"{source.query!r} is not a Lever site name (the name after jobs.lever.co/)")
        return _target(api_base.rstrip("/"), site, None, [])
    url = source.url.strip()
    parts = urlsplit(url)
    if parts.scheme not in {"http", "https"} or not parts.netloc:
        raise ImportRefused(f"{url}: not a web address")
    query = parse_qsl(parts.query, keep_blank_values=True)
    api = _API_PATH.fullmatch(parts.path)
    if api is not None:
        return _target(f"{parts.scheme}://{parts.netloc}", api.group(1), api.group(2), query)
    instance = PAGE_HOSTS.get((parts.hostname or "").lower())
    if instance is not None:
        segments = [segment for segment in parts.path.split("/") if segment]
        if len(segments) == 3 and segments[2] == "apply":  # the posting's application form
            segments.pop()
        posting = segments[1] if len(segments) == 2 and re.fullmatch(_UUID, segments[1]) else None
        if segments and (len(segments) == 1 or posting) and _SITE.fullmatch(segments[0]):
            base = (eu_api_base if instance == "eu" else api_base).rstrip("/")
            filters = [(key, value) for key, value in query if key in FILTERS]
            return _target(base, segments[0], posting, [] if posting else filters)
    raise ImportRefused(
        f"{url}: not a Lever job-site address (expected https://jobs.lever.co/<site> "
        "or https://api.lever.co/v0/postings/<site>)"
    )


def _target(base: str, site: str, posting: str | None, query: list[tuple[str, str]]) -> SiteTarget:
    path = f"{base}/v0/postings/{quote(site, safe='')}"
    if posting:
        return SiteTarget(site=site, url=f"{path}/{posting}", single=True)
    query = [(key, value) for key, value in query if key != "mode"] + [("mode", "json")]
    return SiteTarget(site=site, url=f"{path}?{urlencode(query)}", single=False)


def company_from_site(site: str) -> str:
    """A readable company name from a Lever site name: ``acme-robotics`` → "Acme Robotics".

    Lever's answers name no company; the site name is the company's own choice
    (usually its name without spaces), so it is the best there is. Only the first
    letter of each word is raised: ``leverdemo`` → "Leverdemo", ``dbt_labs`` → "Dbt Labs".
    """
    words = [word for word in re.split(r"[-_\s]+", site) if word]
    return " ".join(word[:1].upper() + word[1:] for word in words)


# --- reading -------------------------------------------------------------------------


def make_importer(api_base: str = API_BASE, eu_api_base: str = EU_API_BASE) -> Importer:
    """The Lever importer, sending job-site pages and site names to ``api_base`` (EU ones to ``eu_api_base``).

    Tests point both at a local server; the installed plugin uses Lever's own.
    """

    async def read(source: ImportInput, ctx: ImportContext) -> AsyncIterator[JobRecord | ItemFailure]:
        """Fetch the site's postings (or one posting) and yield a record or a failure per posting."""
        target = target_of(source, api_base, eu_api_base)
        fetched = await ctx.fetch(target.url, accept=ACCEPT)
        try:
            data = json.loads(fetched.body)
        except (ValueError, RecursionError) as error:  # UnicodeDecodeError is a ValueError
            yield ItemFailure(fetched.url, f"Not JSON: {error}")
            return
        if isinstance(data, dict) and data.get("ok") is False:
            # Lever's error answer: {"ok": false, "error": "Document not found"}
            yield ItemFailure(fetched.url, f"Lever answered: {_text(data.get('error')) or 'an error'}")
            return
        if target.single:
            postings: Sequence[object] = [data]
        elif isinstance(data, list):
            postings = list(_ungrouped(data))
        else:
            yield ItemFailure(fetched.url, "Not a Lever postings list: expected a JSON list")
            return
        company = company_from_site(target.site)
        for number, posting in enumerate(postings, start=1):
            where = fetched.url if target.single else f"posting {number}"
            if not isinstance(posting, dict):
                yield ItemFailure(where, "Not a Lever posting: not a JSON object")
                continue
            yield record_from(posting, company=company, where=where)

    return Importer(
        name=NAME,
        title="Lever postings",
        read=read,
        url_patterns=URL_PATTERNS,
        query="Lever site name (the name after jobs.lever.co/)",
    )


def _ungrouped(entries: list[object]) -> Iterator[object]:
    """The postings of a list, where ``?group=team`` (etc.) nests them as ``[{title, postings}]``."""
    for entry in entries:
        if isinstance(entry, dict) and "id" not in entry and isinstance(entry.get("postings"), list):
            yield from entry["postings"]
        else:
            yield entry


# --- mapping one posting -------------------------------------------------------------


def record_from(posting: JsonObject, *, company: str | None, where: str) -> JobRecord:
    """One Lever posting as a :class:`JobRecord` (``where`` names it when it has no URL).

    Every field is read defensively: a missing or oddly typed field is ``None``,
    never an exception.
    """
    url = _text(posting.get("hostedUrl"))
    categories = posting.get("categories")
    categories = categories if isinstance(categories, dict) else {}
    location = _text(categories.get("location")) or _joined(categories.get("allLocations"))
    return JobRecord(
        company=company,
        role=_text(posting.get("text")),
        source=SOURCE,
        url=url,
        external_id=_text(posting.get("id")),
        location=location,
        job_type=job_type_from(_text(categories.get("commitment"))),
        work_mode=work_mode_from(_text(posting.get("workplaceType"))) or work_mode_from(location),
        salary=salary_from(posting.get("salaryRange")),
        description=description_from(posting),
        posted=date_from(posting.get("createdAt")),
        item=url or where,
    )


def description_from(posting: JsonObject) -> str | None:
    """The posting's text: its description, each list ("Requirements") as bullets, then its closing part.

    The plain-text variants Lever sends are preferred; the HTML ones are read
    when a plain one is missing.
    """
    parts = [
        _plain(posting.get("descriptionPlain")) or text_from_html(_text(posting.get("description"))),
        *_lists(posting.get("lists")),
        _plain(posting.get("additionalPlain")) or text_from_html(_text(posting.get("additional"))),
    ]
    text = "\n\n".join(part for part in parts if part)
    return text or None


def _lists(value: object) -> Iterator[str]:
    if not isinstance(value, list):
        return
    for entry in value:
        if not isinstance(entry, dict):
            continue
        heading = text_from_html(_text(entry.get("text")))
        items = text_from_html(_text(entry.get("content"))) or ""
        bullets = [f"- {line.strip()}" for line in items.split("\n") if line.strip()]
        block = "\n".join(([heading] if heading else []) + bullets)
        if block:
            yield block


def _plain(value: object) -> str | None:
    """Plain text tidied like :func:`text_from_html` output: lines trimmed, no runs of blank lines."""
    if not isinstance(value, str):
        return None
    lines = (re.sub(r"[ \t\r\f\v\xa0]+", " ", line).strip() for line in value.split("\n"))
    text = re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).strip()
    return text or None


_INTERVAL = re.compile(r"per[-_ ]?(hour|day|week|month|year)", re.I)


def salary_from(value: object) -> Salary | None:
    """``salaryRange`` (``{min, max, currency, interval}``) as posted.

    ``interval`` is Lever's ``per-year-salary``, ``per-month-salary``,
    ``per-hour-wage``…; none given is taken as yearly. An interval that is no
    period (``one-time``) gives no salary rather than a wrong one.
    """
    if not isinstance(value, dict):
        return None
    low, high = _amount(value.get("min")), _amount(value.get("max"))
    if low is None and high is None:
        return None
    interval = _text(value.get("interval"))
    period: PayPeriod | None = PayPeriod.YEAR
    if interval is not None:
        found = _INTERVAL.search(interval)
        period = pay_period_from(found.group(1)) if found else None
    if period is None:
        return None
    currency = _text(value.get("currency"))
    return Salary(minimum=low, maximum=high, currency=currency.upper() if currency else None, period=period)


def _amount(value: object) -> float | None:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    if not math.isfinite(value) or value < 0:
        return None
    return float(value)


def _joined(value: object) -> str | None:
    if not isinstance(value, list):
        return None
    return "; ".join(text for item in value if (text := _text(item))) or None


def _text(value: object) -> str | None:
    if isinstance(value, str) and value.strip():
        return value.strip()
    return None


IMPORTER = make_importer()
"""The installed importer, reading ``api.lever.co`` (and ``api.eu.lever.co`` for EU job sites)."""


@hookimpl
def offertracker_register_importers(register: Callable[[Importer], None]) -> None:
    """Register the Lever importer (name ``lever``)."""
    register(IMPORTER)

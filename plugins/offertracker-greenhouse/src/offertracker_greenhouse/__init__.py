"""OfferTracker importer: the open jobs of a Greenhouse job board (the public Job Board API).

Greenhouse publishes every customer's career site as JSON at
``https://boards-api.greenhouse.io/v1/boards/{board_token}/jobs`` (no key needed
to read). This importer takes that address, a board page's address
(``https://boards.greenhouse.io/{token}``, ``https://job-boards.greenhouse.io/{token}``,
one job's page ``…/{token}/jobs/{id}`` or the embedded board
``…/embed/job_board?for={token}``) or the board token alone, fetches the
board's jobs through the host and yields one
:class:`~offertracker_core.importers.JobRecord` per job. The mapping is
documented in the package README.

A job list carries no company name in Greenhouse's older answers, so when a
job has no ``company_name`` the board's own name (``GET /v1/boards/{token}``)
is read, once per import.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import AsyncIterator, Callable, Mapping, Sequence
from dataclasses import dataclass
from urllib.parse import parse_qsl, quote, urlencode, urlsplit

from offertracker_core.enums import JobType, WorkMode
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
    "IMPORTER",
    "NAME",
    "SOURCE",
    "URL_PATTERNS",
    "BoardTarget",
    "make_importer",
    "offertracker_register_importers",
    "record_from",
    "salary_from",
    "target_of",
]

NAME = "greenhouse"
SOURCE = "Greenhouse"
API_BASE = "https://boards-api.greenhouse.io"
ACCEPT = "application/json"

PAGE_HOSTS = frozenset({"boards.greenhouse.io", "job-boards.greenhouse.io"})
"""Hosts of Greenhouse-hosted board pages: a page address is turned into the API address."""

URL_PATTERNS = (
    r"^https?://boards-api\.greenhouse\.io/v1/boards/[^/?#]+/jobs(?:/\d+)?/?(?:[?#]|$)",
    r"^https?://(?:job-)?boards\.greenhouse\.io/(?!embed/)[^/?#]+/?(?:[?#]|$)",
    r"^https?://(?:job-)?boards\.greenhouse\.io/(?!embed/)[^/?#]+/jobs/\d+/?(?:[?#]|$)",
    r"^https?://(?:job-)?boards\.greenhouse\.io/embed/job_(?:board|app)/?\?(?:[^#]*&)?for=[^&#]+",
)
"""The addresses this importer claims: the jobs API (a list or one job) and board pages."""

_TOKEN = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]{0,99}")
_API_PATH = re.compile(r"/v1/boards/([^/]+)/jobs(?:/(\d+))?/?")

JsonObject = Mapping[str, object]


# --- which address to read -----------------------------------------------------------


@dataclass(frozen=True)
class BoardTarget:
    """What one input asks for: a board's job list, or one job on it."""

    token: str
    jobs_url: str
    """The API address fetched: the job list (with ``content=true``) or one job."""
    board_url: str
    """The board's own API address, where its company name is."""
    single: bool


def target_of(source: ImportInput, api_base: str = API_BASE) -> BoardTarget:
    """The API addresses ``source`` stands for, or :class:`ImportRefused` saying what is wrong with it.

    An API address keeps its own host (an EU or intranet mirror answers the same
    paths); a page address or a bare token goes to ``api_base``. A job list
    gets ``content=true`` when it does not say, so descriptions come with it;
    one job gets ``pay_transparency=true``, so its posted pay ranges do.
    """
    if isinstance(source, FileInput):
        raise ImportRefused("The Greenhouse importer reads a board address or a board token, not a file")
    if isinstance(source, QueryInput):
        token = source.query.strip()
        if not _TOKEN.fullmatch(token):
            raise ImportRefused(
                f"{source.query!r} is not a Greenhouse board token (the name after boards.greenhouse.io/)"
            )
        return _target(api_base.rstrip("/"), token, None, [])
    url = source.url.strip()
    parts = urlsplit(url)
    if parts.scheme not in {"http", "https"} or not parts.netloc:
        raise ImportRefused(f"{url}: not a web address")
    query = parse_qsl(parts.query, keep_blank_values=True)
    api = _API_PATH.fullmatch(parts.path)
    if api is not None:
        return _target(f"{parts.scheme}://{parts.netloc}", api.group(1), api.group(2), query)
    if (parts.hostname or "").lower() in PAGE_HOSTS:
        named, job_id = _page_target(parts.path, dict(query))
        if named is not None and _TOKEN.fullmatch(named):
            return _target(api_base.rstrip("/"), named, job_id, [])
    raise ImportRefused(
        f"{url}: not a Greenhouse job board address (expected https://boards.greenhouse.io/<board> "
        "or https://boards-api.greenhouse.io/v1/boards/<board>/jobs)"
    )


def _page_target(path: str, query: Mapping[str, str]) -> tuple[str | None, str | None]:
    segments = [segment for segment in path.split("/") if segment]
    if segments[:2] == ["embed", "job_board"]:
        return query.get("for"), None
    if segments[:2] == ["embed", "job_app"]:
        job_id = query.get("token")
        return query.get("for"), job_id if job_id and job_id.isdigit() else None
    if len(segments) == 1 or (len(segments) == 2 and segments[1] == "jobs"):
        return segments[0], None
    if len(segments) == 3 and segments[1] == "jobs" and segments[2].isdigit():
        return segments[0], segments[2]
    return None, None


def _target(base: str, token: str, job_id: str | None, query: list[tuple[str, str]]) -> BoardTarget:
    board_url = f"{base}/v1/boards/{quote(token, safe='')}"
    wanted = "pay_transparency" if job_id else "content"
    if not any(key == wanted for key, _ in query):
        query = [*query, (wanted, "true")]
    path = f"{board_url}/jobs/{job_id}" if job_id else f"{board_url}/jobs"
    return BoardTarget(
        token=token, jobs_url=f"{path}?{urlencode(query)}", board_url=board_url, single=bool(job_id)
    )


# --- reading -------------------------------------------------------------------------


def make_importer(api_base: str = API_BASE) -> Importer:
    """The Greenhouse importer, sending page addresses and board tokens to ``api_base``.

    Tests point ``api_base`` at a local server; the installed plugin uses :data:`API_BASE`.
    """

    async def read(source: ImportInput, ctx: ImportContext) -> AsyncIterator[JobRecord | ItemFailure]:
        """Fetch the board's jobs (or one job) and yield a record or a failure per job."""
        target = target_of(source, api_base)
        fetched = await ctx.fetch(target.jobs_url, accept=ACCEPT)
        try:
            data = _json(fetched.body)
        except _NotJson as error:
            yield ItemFailure(fetched.url, str(error))
            return
        if target.single:
            jobs: Sequence[object] = [data]
        elif isinstance(data, dict) and isinstance(data.get("jobs"), list):
            jobs = data["jobs"]
        else:
            yield ItemFailure(fetched.url, 'Not a Greenhouse job list: expected an object with a "jobs" list')
            return
        board_name: str | None = None
        asked = False
        for number, job in enumerate(jobs, start=1):
            where = fetched.url if target.single else f"posting {number}"
            if not isinstance(job, dict):
                yield ItemFailure(where, "Not a Greenhouse job: not a JSON object")
                continue
            company = _text(job.get("company_name"))
            if company is None:
                if not asked:  # the board's name is read once, for the first job that needs it
                    asked = True
                    board_name, failure = await _board_name(ctx, target.board_url)
                    if failure is not None:
                        yield failure
                company = board_name
            yield record_from(job, company=company, where=where)

    return Importer(
        name=NAME,
        title="Greenhouse job board",
        read=read,
        url_patterns=URL_PATTERNS,
        query="Greenhouse board token (the name after boards.greenhouse.io/)",
    )


async def _board_name(ctx: ImportContext, board_url: str) -> tuple[str | None, ItemFailure | None]:
    """The board's company name (``GET /v1/boards/{token}``), or ``None`` and a failure saying why not."""
    try:
        fetched = await ctx.fetch(board_url, accept=ACCEPT)
        data = _json(fetched.body)
    except (ImportRefused, _NotJson) as error:
        why = str(error)
    else:
        name = _text(data.get("name")) if isinstance(data, dict) else None
        if name is not None:
            return name, None
        why = "its answer has no name"
    return None, ItemFailure(
        board_url, f"The board's company name could not be read ({why}); its jobs have no company"
    )


class _NotJson(Exception):
    """A body that is not JSON; the message says where it went wrong."""


def _json(body: bytes) -> object:
    """The parsed body, or :class:`_NotJson`."""
    try:
        return json.loads(body)
    except (ValueError, RecursionError) as error:  # UnicodeDecodeError is a ValueError
        raise _NotJson(f"Not JSON: {error}") from None


# --- mapping one job -----------------------------------------------------------------

_JOB_TYPE_FIELD = re.compile(
    r"employment|job ?type|commitment|time ?type|contract ?type|position ?type", re.I
)
_WORK_MODE_FIELD = re.compile(
    r"remote|workplace|work ?(?:mode|type|model|location|arrangement|setting|style)|location ?type", re.I
)
_YES = frozenset({"yes", "true", "y", "1"})


def record_from(job: JsonObject, *, company: str | None, where: str) -> JobRecord:
    """One Greenhouse job object as a :class:`JobRecord` (``where`` names it when it has no URL).

    Every field is read defensively: a missing or oddly typed field is ``None``,
    never an exception.
    """
    url = _text(job.get("absolute_url"))
    location = _text(_get(job, "location", "name"))
    metadata = _metadata(job.get("metadata"))
    return JobRecord(
        company=company,
        role=_text(job.get("title")),
        source=SOURCE,
        url=url,
        external_id=_identifier(job.get("id")),
        location=location,
        job_type=_job_type(metadata),
        work_mode=_work_mode(metadata) or work_mode_from(location),
        salary=salary_from(job.get("pay_input_ranges")),
        description=text_from_html(_text(job.get("content"))),
        posted=date_from(job.get("first_published")) or date_from(job.get("updated_at")),
        item=url or where,
    )


def salary_from(ranges: object) -> Salary | None:
    """The first posted pay range with a figure, in currency units (Greenhouse counts cents).

    Greenhouse states no pay period; a range titled with one ("Hourly pay range")
    gets it, any other is taken as yearly. Several ranges (pay zones) → the first.
    """
    if not isinstance(ranges, list):
        return None
    for entry in ranges:
        if not isinstance(entry, dict):
            continue
        low, high = _cents(entry.get("min_cents")), _cents(entry.get("max_cents"))
        if low is None and high is None:
            continue
        currency = _text(entry.get("currency_type"))
        return Salary(
            minimum=low,
            maximum=high,
            currency=currency.upper() if currency else None,
            period=_period_in(_text(entry.get("title"))) or PayPeriod.YEAR,
        )
    return None


def _period_in(title: str | None) -> PayPeriod | None:
    # "salary" alone says yearly, which is the default anyway; a word naming a period wins.
    for word in re.findall(r"[A-Za-z]+", title or ""):
        if word.lower() != "salary" and (period := pay_period_from(word)) is not None:
            return period
    return None


def _cents(value: object) -> float | None:
    if isinstance(value, str):
        try:
            value = float(value.strip())
        except ValueError:
            return None
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    if not math.isfinite(value) or value < 0:
        return None
    return round(value / 100, 2)


def _metadata(value: object) -> list[tuple[str, object]]:
    """``metadata`` (custom fields: ``[{name, value, value_type}]``, or ``null``) as name/value pairs."""
    if not isinstance(value, list):
        return []
    return [
        (name, entry.get("value"))
        for entry in value
        if isinstance(entry, dict) and (name := _text(entry.get("name"))) is not None
    ]


def _values(value: object) -> list[str]:
    if isinstance(value, str):
        return [value]
    if isinstance(value, list):
        return [item for item in value if isinstance(item, str)]
    return []


def _job_type(metadata: list[tuple[str, object]]) -> JobType | None:
    for name, value in metadata:
        if _JOB_TYPE_FIELD.search(name):
            for text in _values(value):
                if (found := job_type_from(text)) is not None:
                    return found
    return None


def _work_mode(metadata: list[tuple[str, object]]) -> WorkMode | None:
    for name, value in metadata:
        if not _WORK_MODE_FIELD.search(name):
            continue
        # A yes/no field named "Remote" says remote when it says yes.
        if "remote" in name.lower() and (
            value is True or (isinstance(value, str) and value.strip().lower() in _YES)
        ):
            return WorkMode.REMOTE
        for text in _values(value):
            if (found := work_mode_from(text)) is not None:
                return found
    return None


def _get(mapping: JsonObject, *keys: str) -> object:
    value: object = mapping
    for key in keys:
        if not isinstance(value, dict):
            return None
        value = value.get(key)
    return value


def _text(value: object) -> str | None:
    if isinstance(value, str) and value.strip():
        return value.strip()
    return None


def _identifier(value: object) -> str | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return str(value)
    return _text(value)


IMPORTER = make_importer()
"""The installed importer, reading ``boards-api.greenhouse.io``."""


@hookimpl
def offertracker_register_importers(register: Callable[[Importer], None]) -> None:
    """Register the Greenhouse importer (name ``greenhouse``)."""
    register(IMPORTER)

"""How an imported :class:`~offertracker_core.importers.JobRecord` becomes a saved job.

- A saved job has no pay period, so salaries are annualised: hourly x 2080,
  daily x 260, weekly x 52, monthly x 12 (rounded to whole units). The figure
  and period as posted go into the notes, with the posting date and the
  description (cut to fit the notes' 20,000 characters). A salary without a
  currency is taken as USD (the saved job's default); one whose currency is not
  a three-letter code is kept in the notes only.
- Company and role title are required: a record without either is a per-item
  failure, never a half-filled row. Free text longer than a saved job holds is
  cut with "…" (location, source); a URL longer than 500 characters is dropped
  from the ``url`` field and kept in the notes.
- Duplicates are recognised by two keys: the canonical URL (lower-case scheme
  and host, no default port, no fragment, no tracking parameters, sorted query,
  no trailing slash) and the pair source + external id. Keys are stored hashed
  (fixed length, index-friendly).
"""

from __future__ import annotations

import hashlib
import re
from datetime import datetime
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit
from uuid import UUID

import attrs

from .entities import SavedJob
from .enums import Priority, SavedJobStatus
from .errors import InvalidInput
from .importers import ItemFailure, JobRecord, PayPeriod, Salary
from .inputs import NewSavedJob

__all__ = [
    "ANNUAL_FACTOR",
    "Mapped",
    "annual_range",
    "canonical_url",
    "duplicate_keys",
    "saved_job_from",
]

ANNUAL_FACTOR: dict[PayPeriod, int] = {
    PayPeriod.HOUR: 2080,  # 40 hours x 52 weeks
    PayPeriod.DAY: 260,  # 5 days x 52 weeks
    PayPeriod.WEEK: 52,
    PayPeriod.MONTH: 12,
    PayPeriod.YEAR: 1,
}
_NOTES_MAX = 20_000
_TEXT_MAX = 255
_URL_MAX = 500
# Query parameters that say how the visitor arrived, not which posting it is (prefixes).
_TRACKING = ("utm_", "gh_src", "lever-", "fbclid", "gclid", "mc_cid", "mc_eid", "trk")


def canonical_url(url: str) -> str:
    """``url`` in the one spelling duplicates are compared in (see the module docstring)."""
    parts = urlsplit(url.strip())
    scheme = parts.scheme.lower()
    host = (parts.hostname or "").lower()
    port = parts.port if parts.port not in {None, 80 if scheme == "http" else 443} else None
    netloc = host if port is None else f"{host}:{port}"
    query = sorted(
        (key, value)
        for key, value in parse_qsl(parts.query, keep_blank_values=True)
        if not key.lower().startswith(_TRACKING)
    )
    path = parts.path.rstrip("/") or ""
    return urlunsplit((scheme, netloc, path, urlencode(query), ""))


def duplicate_keys(record: JobRecord) -> tuple[str, ...]:
    """The hashed keys a duplicate of ``record`` would share with it (canonical URL; source + id)."""
    keys = []
    if record.url:
        keys.append(_hash("url", canonical_url(record.url)))
    if record.external_id:
        keys.append(_hash("id", record.source.strip().lower(), record.external_id.strip()))
    return tuple(keys)


def _hash(*parts: str) -> str:
    return hashlib.sha256("\0".join(parts).encode()).hexdigest()


def annual_range(salary: Salary) -> tuple[int | None, int | None]:
    """The posted range as yearly whole figures (``None`` for a missing end; negatives dropped)."""
    factor = ANNUAL_FACTOR[salary.period]

    def annual(figure: float | None) -> int | None:
        if figure is None or figure < 0 or figure != figure:  # NaN != NaN
            return None
        return round(figure * factor)

    low, high = annual(salary.minimum), annual(salary.maximum)
    if low is not None and high is not None and low > high:
        low, high = high, low
    return low, high


@attrs.frozen
class Mapped:
    """A record ready to save: the saved job and its duplicate keys."""

    saved_job: SavedJob
    keys: tuple[str, ...]
    url: str | None
    """The URL as stored (for matching jobs saved by hand)."""


def saved_job_from(
    record: JobRecord, *, user_id: UUID, job_id: UUID, now: datetime, where: str
) -> Mapped | ItemFailure:
    """The saved job ``record`` becomes, or why it cannot become one (``where`` names the item)."""
    item = record.item or where
    company = (record.company or "").strip()
    role = (record.role or "").strip()
    if not company or not role:
        wanted = (("company", company), ("job title", role))
        missing = " and ".join(name for name, value in wanted if not value)
        return ItemFailure(item, f"Missing {missing}: not imported")
    notes: list[str] = []
    url = (record.url or "").strip() or None
    if url is not None and len(url) > _URL_MAX:
        notes.append(f"Posting: {url}")
        url = None
    low = high = None
    currency = "USD"
    if record.salary is not None:
        posted_currency = (record.salary.currency or "USD").strip().upper()
        if re.fullmatch(r"[A-Z]{3}", posted_currency):
            # Figures in a currency we cannot name (no ISO code) stay in the notes only.
            low, high = annual_range(record.salary)
            currency = posted_currency
        notes.append(f"Salary as posted: {_posted_salary(record.salary)}")
    if record.posted is not None:
        notes.append(f"Posted: {record.posted.isoformat()}")
    header = "\n".join(notes)
    body = (record.description or "").strip()
    room = _NOTES_MAX - len(header) - 2
    if len(body) > room:
        body = body[: max(0, room - 1)] + "…"
    text = "\n\n".join(part for part in (header, body) if part) or None
    try:
        new = NewSavedJob(
            company_name=_cut(company) or company,
            role_title=_cut(role),
            url=url,
            location=_cut(record.location),
            job_type=record.job_type,
            work_mode=record.work_mode,
            salary_range_min=low,
            salary_range_max=high,
            salary_currency=currency,
            priority=Priority.MEDIUM,
            source=_cut(record.source),
            notes=text,
        )
    except InvalidInput as exc:
        return ItemFailure(item, f"Not imported: {exc.detail}")
    saved = SavedJob(
        id=job_id,
        user_id=user_id,
        **attrs.asdict(new, recurse=False),
        status=SavedJobStatus.ACTIVE,
        converted_to_application_id=None,
        created_at=now,
        updated_at=now,
    )
    return Mapped(saved, duplicate_keys(record), url)


def _cut(text: str | None) -> str | None:
    if text is None or not text.strip():
        return None
    text = " ".join(text.split())
    return text if len(text) <= _TEXT_MAX else text[: _TEXT_MAX - 1] + "…"


def _posted_salary(salary: Salary) -> str:
    def figure(value: float | None) -> str:
        return "?" if value is None else f"{value:,.2f}".removesuffix(".00")

    if salary.minimum is not None and salary.maximum is not None and salary.minimum != salary.maximum:
        amount = f"{figure(salary.minimum)}–{figure(salary.maximum)}"
    else:
        amount = figure(salary.minimum if salary.minimum is not None else salary.maximum)
    currency = f" {salary.currency.upper()}" if salary.currency else ""
    return f"{amount}{currency} per {salary.period.value}"

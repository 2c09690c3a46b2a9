"""The expected state of one account, kept in plain Python by ``test_stateful_api.py``.

Each class mirrors what the API should answer for one kind of row, reduced to the
fields the state machine sets; ``view`` methods give the same reduction of a model
object and ``*_view`` functions of an API body, so the two compare with ``==``. The
rules of behaviour.md §5, §7, §8 and §9 that the machine checks live here as the
model's transitions, written from the spec (the services are only consulted where
the spec leaves a choice open, as the module docstrings of the core say).
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import date, timedelta
from itertools import count
from typing import Any

from offertracker_core.enums import ApplicationStatus, Source

__all__ = [
    "AppModel",
    "Entry",
    "SavedJobModel",
    "StageModel",
    "TagModel",
    "UserModel",
    "app_view",
    "expected_dashboard",
    "saved_job_view",
    "stage_view",
]

SAVED, APPLIED, INTERVIEWING = "Saved", "Applied", "Interviewing"
OFFER, ACCEPTED = "Offer", "Accepted"
_OUTCOME_MOVES_TO = {"Offer": "Offer", "Rejected": "Rejected", "Withdrawn": "Withdrawn"}
_RESPONDED = {"Interviewing", "Offer", "Accepted", "Rejected"}
_INTERVIEWED = {"Interviewing", "Offer", "Accepted"}
_OFFERED = {"Offer", "Accepted"}
_STATUS_RANK = {status.value: rank for rank, status in enumerate(ApplicationStatus)}
_SOURCE_RANK: dict[str | None, int] = {source.value: rank for rank, source in enumerate(Source)}
_SOURCE_RANK[None] = len(_SOURCE_RANK)
SOURCES = frozenset(source.value for source in Source)

_creation = count()  # a global creation order: stages tie on date and sort by it


@dataclass
class Entry:
    """One activity-log row as ``GET /analytics/activity`` shows it (minus ids and time)."""

    application_id: str
    action: str
    description: str
    metadata: dict[str, Any] = field(default_factory=dict)

    def view(self) -> tuple[str, str, str, dict[str, Any]]:
        return (self.application_id, self.action, self.description, self.metadata)


@dataclass
class StageModel:
    id: str
    stage_name: str
    stage_date: date | None
    result: str = "Pending"
    seq: int = field(default_factory=lambda: next(_creation))

    def view(self) -> dict[str, Any]:
        day = None if self.stage_date is None else self.stage_date.isoformat()
        return {"id": self.id, "stage_name": self.stage_name, "stage_date": day, "result": self.result}


@dataclass
class AppModel:
    """An application with the children the machine gives it."""

    id: str
    user_id: str
    company_name: str
    role_title: str
    status: str
    applied_date: date | None
    applied_source: str | None = None
    priority: str | None = None
    salary_min: int | None = None
    salary_max: int | None = None
    salary_currency: str = "USD"
    notes: str | None = None
    stages: list[StageModel] = field(default_factory=list)
    outcome: dict[str, Any] | None = None  # {"id", "status", "salary", "salary_currency"}
    reflection: dict[str, Any] | None = None  # {"id", "what_worked"}
    tags: set[str] = field(default_factory=set)

    FIELDS = (
        "company_name",
        "role_title",
        "status",
        "applied_source",
        "priority",
        "salary_min",
        "salary_max",
        "salary_currency",
        "notes",
    )

    def ordered_stages(self) -> list[StageModel]:
        """behaviour.md §5: by ``stage_date``, undated last, then by creation."""
        return sorted(self.stages, key=lambda s: (s.stage_date is None, s.stage_date or date.min, s.seq))

    def view(self) -> dict[str, Any]:
        body = {name: getattr(self, name) for name in self.FIELDS}
        body |= {
            "id": self.id,
            "user_id": self.user_id,
            "applied_date": None if self.applied_date is None else self.applied_date.isoformat(),
            "stages": [stage.view() for stage in self.ordered_stages()],
            "outcome": self.outcome,
            "reflection": self.reflection,
        }
        return body


def app_view(body: dict[str, Any]) -> dict[str, Any]:
    """The part of an ApplicationResponse that :meth:`AppModel.view` models."""
    view = {name: body[name] for name in (*AppModel.FIELDS, "id", "user_id", "applied_date")}
    view["stages"] = [stage_view(stage) for stage in body["stages"]]
    outcome = body["outcome"]
    view["outcome"] = (
        None if outcome is None else {k: outcome[k] for k in ("id", "status", "salary", "salary_currency")}
    )
    reflection = body["reflection"]
    view["reflection"] = None if reflection is None else {k: reflection[k] for k in ("id", "what_worked")}
    return view


def stage_view(body: dict[str, Any]) -> dict[str, Any]:
    return {k: body[k] for k in ("id", "stage_name", "stage_date", "result")}


@dataclass
class TagModel:
    id: str
    user_id: str
    name: str
    color: str

    def view(self) -> dict[str, Any]:
        return {"id": self.id, "user_id": self.user_id, "name": self.name, "color": self.color}


@dataclass
class SavedJobModel:
    id: str
    user_id: str
    company_name: str
    role_title: str | None
    source: str | None
    priority: str
    salary_range_min: int | None
    salary_range_max: int | None
    salary_currency: str
    notes: str | None
    status: str = "Active"
    converted_to_application_id: str | None = None

    def view(self) -> dict[str, Any]:
        return {name: getattr(self, name) for name in _SAVED_JOB_FIELDS}


_SAVED_JOB_FIELDS = tuple(SavedJobModel.__dataclass_fields__)


def saved_job_view(body: dict[str, Any]) -> dict[str, Any]:
    return {name: body[name] for name in _SAVED_JOB_FIELDS}


@dataclass
class UserModel:
    """One account: its rows in creation order and its activity log, oldest first."""

    id: str
    headers: dict[str, str]
    apps: dict[str, AppModel] = field(default_factory=dict)
    tags: dict[str, TagModel] = field(default_factory=dict)
    saved_jobs: dict[str, SavedJobModel] = field(default_factory=dict)
    log: list[Entry] = field(default_factory=list)

    # --- the transitions of behaviour.md §5 and the entries of §7 ---

    def status_changed(self, app: AppModel, new: str, suffix: str = "") -> None:
        """Move ``app`` to ``new`` and log it; an automatic move (``suffix``) says so in the metadata."""
        metadata: dict[str, Any] = {"old_status": app.status, "new_status": new}
        if suffix:
            metadata["auto"] = True
        self.log.append(Entry(app.id, "Status Changed", f"Status: {app.status} → {new}{suffix}", metadata))
        app.status = new

    def created(self, app: AppModel, today: date) -> None:
        """§5: an Applied application without ``applied_date`` is dated today."""
        if app.status == APPLIED and app.applied_date is None:
            app.applied_date = today
        self.apps[app.id] = app
        self.log.append(
            Entry(app.id, "Application Created", f"Created: {app.company_name} — {app.role_title}")
        )

    def updated(self, app: AppModel, changes: dict[str, Any], today: date) -> None:
        """§5: any status change is allowed; Saved → Applied without a date dates it today."""
        old = app.status
        for name, value in changes.items():
            setattr(app, name, value)
        new, app.status = app.status, old
        if (old, new) == (SAVED, APPLIED) and "applied_date" not in changes:
            app.applied_date = today
        if new != old:
            self.status_changed(app, new)
        else:
            self.log.append(Entry(app.id, "Application Updated", f"Updated {app.company_name}"))

    def stage_added(self, app: AppModel, stage: StageModel) -> None:
        """§5: a stage moves an Applied application to Interviewing, logged first."""
        if app.status == APPLIED:
            self.status_changed(app, INTERVIEWING, " (auto)")
        app.stages.append(stage)
        self.log.append(Entry(app.id, "Stage Added", f"Added stage: {stage.stage_name}"))

    def stage_updated(self, app: AppModel, stage: StageModel) -> None:
        self.log.append(Entry(app.id, "Stage Updated", f"Updated stage: {stage.stage_name}"))

    def outcome_moves(self, app: AppModel, outcome_status: str) -> None:
        """§5: the application moves to the outcome's status, except Accepted for an Offer."""
        if (app.status, outcome_status) == (ACCEPTED, OFFER):
            return
        target = _OUTCOME_MOVES_TO[outcome_status]
        if target != app.status:
            self.status_changed(app, target, " (outcome recorded)")

    def outcome_created(self, app: AppModel, outcome: dict[str, Any]) -> None:
        self.outcome_moves(app, outcome["status"])
        app.outcome = outcome
        self.log.append(Entry(app.id, "Offer Added", "Recorded offer details"))

    def reflection_created(self, app: AppModel, reflection: dict[str, Any]) -> None:
        app.reflection = reflection
        self.log.append(Entry(app.id, "Reflection Added", "Added a post-interview reflection"))

    def tag_assigned(self, app: AppModel, tag: TagModel) -> None:
        app.tags.add(tag.id)
        self.log.append(Entry(app.id, "Tag Assigned", f"Tagged application with '{tag.name}'"))

    def converted(self, saved: SavedJobModel, app: AppModel) -> None:
        """§9: the saved job becomes Converted and points at its new, Saved application."""
        saved.status, saved.converted_to_application_id = "Converted", app.id
        self.apps[app.id] = app
        description = f"Converted saved job to application: {app.company_name} — {app.role_title}"
        metadata = {"source": "saved_job", "saved_job_id": saved.id}
        self.log.append(Entry(app.id, "Application Created", description, metadata))

    def application_deleted(self, app_id: str) -> None:
        """§5: the application goes with its log entries; a saved job it came from is unlinked."""
        del self.apps[app_id]
        self.log = [entry for entry in self.log if entry.application_id != app_id]
        for saved in self.saved_jobs.values():
            if saved.converted_to_application_id == app_id:
                saved.converted_to_application_id = None

    def tag_deleted(self, tag_id: str) -> None:
        del self.tags[tag_id]
        for app in self.apps.values():
            app.tags.discard(tag_id)

    # --- what the lists should answer ---

    def apps_newest_first(self) -> list[AppModel]:
        return list(reversed(self.apps.values()))

    def activity_newest_first(self) -> list[tuple[str, str, str, dict[str, Any]]]:
        return [entry.view() for entry in reversed(self.log)]

    def tags_by_name(self) -> list[dict[str, Any]]:
        return [tag.view() for tag in sorted(self.tags.values(), key=lambda t: t.name)]

    def saved_jobs_newest_first(self) -> list[dict[str, Any]]:
        return [saved.view() for saved in reversed(self.saved_jobs.values())]


# --- the dashboard of behaviour.md §8 ---------------------------------------------------------


def _rate(part: int, whole: int) -> float:
    return round(part / whole, 4) if whole else 0.0


def _average(amounts: list[int]) -> float | None:
    return round(sum(amounts) / len(amounts), 2) if amounts else None


def _iso_week(day: date) -> str:
    year, week, _ = day.isocalendar()
    return f"{year}-W{week:02d}"


def expected_dashboard(apps: list[AppModel], today: date) -> dict[str, Any]:
    """``GET /analytics/dashboard`` for ``apps``, computed from scratch.

    Orders and choices the spec leaves open follow ``offertracker_core.analytics``:
    ties in the pipeline in status order, in the sources in Source order with
    Unknown last, in the companies by code point; an amount counts only above 0;
    the currency is the one with the most amounts, ties in code point order.
    """
    statuses = Counter(app.status for app in apps)
    sent = sum(n for status, n in statuses.items() if status != SAVED)

    sources: dict[str | None, list[int]] = {}
    for app in apps:
        figures = sources.setdefault(app.applied_source, [0, 0, 0])
        figures[0] += 1
        figures[1] += bool(app.stages)
        figures[2] += app.outcome is not None and app.outcome["status"] == OFFER

    monday = today - timedelta(days=today.weekday())
    first, last = monday - timedelta(weeks=11), monday + timedelta(days=6)
    weeks: dict[str, list[int]] = {}
    days = [(app.applied_date, 0) for app in apps] + [
        (stage.stage_date, 1) for app in apps for stage in app.stages
    ]
    for day, column in days:
        if day is not None and first <= day <= last:
            weeks.setdefault(_iso_week(day), [0, 0])[column] += 1

    with_salary = [app for app in apps if (app.salary_min or 0) > 0 or (app.salary_max or 0) > 0]
    offers = [
        (app.outcome["salary"], app.outcome["salary_currency"])
        for app in apps
        if app.outcome is not None and app.outcome["status"] == OFFER and (app.outcome["salary"] or 0) > 0
    ]
    used = Counter(app.salary_currency for app in with_salary) + Counter(currency for _, currency in offers)
    currency = min((-n, c) for c, n in used.items())[1] if used else "USD"
    mine = [app for app in with_salary if app.salary_currency == currency]
    offered = [salary for salary, c in offers if c == currency]

    companies = Counter(app.company_name for app in apps)
    return {
        "pipeline": [
            {"status": status, "count": n}
            for status, n in sorted(statuses.items(), key=lambda item: (-item[1], _STATUS_RANK[item[0]]))
        ],
        "response_rate": _rate(sum(statuses[s] for s in _RESPONDED), sent),
        "interview_rate": _rate(sum(statuses[s] for s in _INTERVIEWED), sent),
        "offer_rate": _rate(sum(statuses[s] for s in _OFFERED), sent),
        "source_breakdown": [
            {"source": source or "Unknown", "applied": a, "interviews": i, "offers": o}
            for source, (a, i, o) in sorted(
                sources.items(), key=lambda item: (-item[1][0], _SOURCE_RANK[item[0]])
            )
        ],
        "weekly_trend": [
            {"week": week, "applications": a, "stages": s} for week, (a, s) in sorted(weeks.items())
        ],
        "salary_insights": {
            "applications_with_salary": len(with_salary),
            "average_expected_min": _average([a.salary_min for a in mine if (a.salary_min or 0) > 0]),
            "average_expected_max": _average([a.salary_max for a in mine if (a.salary_max or 0) > 0]),
            "offers_with_salary": len(offers),
            "average_offered": _average(offered),
            "highest_offer": max(offered) if offered else None,
            "currency": currency,
        },
        "top_companies": [
            {"company": company, "count": n}
            for company, n in sorted(companies.items(), key=lambda item: (-item[1], item[0]))[:10]
        ],
    }

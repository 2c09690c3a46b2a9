"""What the stateful API test (``test_stateful_api.py``) sends: Hypothesis strategies for its
request bodies and for which row a rule acts on.

Dates are drawn as day offsets and become ISO dates relative to the clock's "today" when
the rule runs (:func:`dated`), so they stay in and around the dashboard's twelve weeks
however many days the examples have let pass.
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from hypothesis import strategies as st

from offertracker_core.enums import ApplicationStatus, Source

__all__ = [
    "APP_CHANGES",
    "DAY",
    "FOCUS",
    "NEW_APP",
    "NEW_OUTCOME",
    "NEW_SAVED_JOB",
    "OUTCOME_CHANGES",
    "PICK",
    "STAGE_CHANGES",
    "STATUSES",
    "TAG_NAMES",
    "TEXT",
    "WHOSE",
    "as_date",
    "dated",
]

STATUSES = [status.value for status in ApplicationStatus]
# Weighted towards the statuses the rules of behaviour.md §5 turn on: Saved → Applied dates an
# application, a stage moves an Applied one, an Offer outcome leaves an Accepted one alone.
STATUS = st.sampled_from([*STATUSES, "Saved", "Applied", "Applied", "Accepted"])
# Few companies and mixed case, so top_companies has ties to order ("Acme" < "Zoë" < "acme").
COMPANIES = st.sampled_from(["Acme", "acme", "Globex", "Zoë Labs", "Initech"])
ROLES = st.sampled_from(["Engineer", "Staff Engineer", "Ünicode — role"])
SOURCE = st.none() | st.sampled_from([source.value for source in Source])
PRIORITY = st.sampled_from(["High", "Medium", "Low"])
CURRENCY = st.sampled_from(["USD", "EUR"])
# 0 is a salary that counts as none (analytics); two odd amounts make averages with decimals.
SALARY = st.none() | st.sampled_from([0, 50_000, 90_001, 120_000])
# Control characters are refused with a 422 (tests/http/test_hostile_input.py); not what this explores.
TEXT = st.text(st.characters(blacklist_categories=["Cs", "Cc"]), max_size=12)
# Days relative to the clock's today when the rule runs: in and around the dashboard's 12 weeks.
DAY = st.none() | st.integers(-100, 14)
TAG_NAMES = st.sampled_from(["Remote", "remote", "Dream job", "Équipe", "zz"])
# Which row a rule acts on: mostly the actor's own, sometimes the other user's, or one that is gone.
WHOSE = st.sampled_from(["own"] * 6 + ["other"] * 2 + ["gone"])
PICK = st.integers(0, 1_000)
# Whether a rule takes a row where a rule of behaviour.md §5 fires (e.g. a stage for an Applied
# application): left to chance, those meetings are too rare for a bounded run to count on.
FOCUS = st.booleans()

APP_FIELDS = {
    "status": STATUS,
    "applied_date": DAY,
    "applied_source": SOURCE,
    "priority": st.none() | PRIORITY,
    "salary_min": SALARY,
    "salary_max": SALARY,
    "salary_currency": CURRENCY,
    "notes": st.none() | TEXT,
}
NEW_APP = st.one_of(
    st.fixed_dictionaries(
        {"company_name": COMPANIES, "role_title": ROLES, "status": STATUS},
        optional={k: v for k, v in APP_FIELDS.items() if k != "status"},
    ),
    st.fixed_dictionaries({"company_name": COMPANIES, "role_title": ROLES}, optional=APP_FIELDS),
)
APP_CHANGES = st.one_of(
    # Applied alone (the auto-date case) or with a date; any status, with or without; or anything.
    st.just({"status": "Applied"}),
    st.fixed_dictionaries({"status": st.just("Applied"), "applied_date": DAY}),
    st.fixed_dictionaries({"status": STATUS}, optional={"applied_date": DAY}),
    st.fixed_dictionaries({}, optional={**APP_FIELDS, "company_name": COMPANIES, "role_title": ROLES}),
)
STAGE_CHANGES = st.fixed_dictionaries(
    {},
    optional={
        "stage_name": st.sampled_from(["Phone", "Onsite", "Panel"]),
        "stage_date": DAY,
        "result": st.sampled_from(["Pending", "Passed", "Failed", "Cancelled"]),
    },
)
OUTCOME_STATUS = st.sampled_from(["Offer", "Rejected", "Withdrawn"])
NEW_OUTCOME = st.fixed_dictionaries(
    {},
    optional={"status": st.none() | OUTCOME_STATUS, "salary": SALARY, "salary_currency": CURRENCY},
)
OUTCOME_CHANGES = st.one_of(
    st.fixed_dictionaries({"status": OUTCOME_STATUS}),  # a changed status moves the application again
    st.fixed_dictionaries(
        {}, optional={"status": OUTCOME_STATUS, "salary": SALARY, "salary_currency": CURRENCY}
    ),
)
NEW_SAVED_JOB = st.fixed_dictionaries(
    {"company_name": COMPANIES},
    optional={
        "role_title": st.none() | st.just("") | ROLES,
        # A Source value becomes applied_source on convert; other text does not.
        "source": st.none() | st.sampled_from(["LinkedIn", "Referral", "a friend", "linkedin"]),
        "priority": PRIORITY,
        "salary_range_min": SALARY,
        "salary_range_max": SALARY,
        "salary_currency": CURRENCY,
        "notes": st.none() | TEXT,
    },
)


def dated(fields: dict[str, Any], today: date, *names: str) -> dict[str, Any]:
    """``fields`` with the day offsets under ``names`` turned into ISO dates relative to ``today``."""
    out = dict(fields)
    for name in names:
        if out.get(name) is not None:
            out[name] = (today + timedelta(days=out[name])).isoformat()
    return out


def as_date(text: str | None) -> date | None:
    return None if text is None else date.fromisoformat(text)

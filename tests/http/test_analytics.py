"""``/analytics``: the dashboard (behaviour.md §8), the activity log (§7) and the question bank.

The suite's clock is set to Wednesday 2021-01-06, so the weekly trend's twelve ISO weeks
(2020-W43 to 2021-W01) straddle an ISO year that has 53 weeks and a New Year inside one
week. Bob's rows sit beside Alice's everywhere and must never count.
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Any

import pytest

from offertracker_core import analytics
from offertracker_core.inputs import MAX_QUESTIONS, MAX_STAGES_PER_APPLICATION

from .httpkit import (
    API,
    DATETIME,
    PASSWORD,
    UUID_STR,
    FakeClock,
    add_stage,
    auth,
    call,
    count,
    counting,
    create_application,
    create_outcome,
    create_reflection,
    insert,
    not_a_uuid,
    register,
    tables,
)

EMPTY_DASHBOARD = {
    "pipeline": [],
    "response_rate": 0.0,
    "interview_rate": 0.0,
    "offer_rate": 0.0,
    "source_breakdown": [],
    "weekly_trend": [],
    "salary_insights": {
        "applications_with_salary": 0,
        "average_expected_min": None,
        "average_expected_max": None,
        "offers_with_salary": 0,
        "average_offered": None,
        "highest_offer": None,
        "currency": "USD",
    },
    "top_companies": [],
}


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock(datetime(2021, 1, 6, 12, 0, tzinfo=UTC))


async def hand_built_account(client: Any, alice: dict[str, str], bob: dict[str, str]) -> None:
    """Seven applications of Alice's, one per status, with stages and outcomes; one of Bob's."""
    await create_application(client, alice, company_name="Acme", status="Saved", salary_min=0)
    await create_application(
        client,
        alice,
        company_name="Acme",
        status="Applied",
        applied_source="LinkedIn",
        salary_min=100_000,
        salary_max=120_000,
        applied_date="2021-01-04",
    )
    interviewing = await create_application(
        client,
        alice,
        company_name="Zeta",
        status="Interviewing",
        applied_source="LinkedIn",
        salary_min=90_000,
        applied_date="2020-12-31",
    )
    await add_stage(client, alice, interviewing["id"], stage_date="2021-01-03")  # ISO week 2020-W53
    await add_stage(client, alice, interviewing["id"], stage_date="2021-01-05")
    offer = await create_application(
        client,
        alice,
        company_name="acme",
        status="Offer",
        applied_source="Referral",
        salary_max=80_000,
        salary_currency="EUR",
        applied_date="2020-10-19",  # the first day of the twelve weeks
    )
    await add_stage(client, alice, offer["id"])  # no date: an interview, not a week
    await create_outcome(client, alice, offer["id"], status="Offer", salary=85_000, salary_currency="EUR")
    accepted = await create_application(
        client,
        alice,
        company_name="Beta",
        status="Accepted",
        applied_source="Referral",
        salary_min=110_000,
        salary_max=0,
        applied_date="2020-10-18",  # the day before the twelve weeks
    )
    await add_stage(client, alice, accepted["id"], stage_date="2021-01-11")  # next week
    await create_outcome(client, alice, accepted["id"], status="Offer", salary=130_000, salary_currency="USD")
    rejected = await create_application(
        client, alice, company_name="Zeta", status="Rejected", applied_date="2021-01-10"
    )
    await add_stage(client, alice, rejected["id"], stage_date="2021-01-10")  # this week's Sunday
    await create_outcome(
        client, alice, rejected["id"], status="Rejected", salary=99_999, salary_currency="USD"
    )
    await create_application(
        client,
        alice,
        company_name="Gamma",
        status="Withdrawn",
        applied_source="Indeed",
        salary_min=50_000,
        salary_currency="GBP",
        applied_date="2021-01-11",
    )
    bobs = await create_application(
        client,
        bob,
        company_name="Acme",
        status="Applied",
        applied_source="LinkedIn",
        salary_min=1,
        applied_date="2021-01-05",
    )
    await add_stage(client, bob, bobs["id"], stage_date="2021-01-05")
    await create_outcome(client, bob, bobs["id"], status="Offer", salary=1_000_000)


async def test_every_dashboard_figure_of_a_hand_built_account_is_the_known_one(client):
    _, alice = await register(client, "alice")
    _, bob = await register(client, "bob")
    await hand_built_account(client, alice, bob)

    body = await call(client, "GET", "/analytics/dashboard", alice, expect=200)

    assert body == {
        # One application per status: ties in status order.
        "pipeline": [
            {"status": status, "count": 1}
            for status in ("Saved", "Applied", "Interviewing", "Offer", "Accepted", "Rejected", "Withdrawn")
        ],
        # Six applications are not Saved: 4 responded, 3 interviewed, 2 offered.
        "response_rate": 0.6667,
        "interview_rate": 0.5,
        "offer_rate": 0.3333,
        # Ties in source order, Unknown last among them.
        "source_breakdown": [
            {"source": "LinkedIn", "applied": 2, "interviews": 1, "offers": 0},
            {"source": "Referral", "applied": 2, "interviews": 2, "offers": 2},
            {"source": "Unknown", "applied": 2, "interviews": 1, "offers": 0},
            {"source": "Indeed", "applied": 1, "interviews": 0, "offers": 0},
        ],
        # 2020-12-31 and 2021-01-03 share ISO week 2020-W53; 2020-10-18 and 2021-01-11 fall outside.
        "weekly_trend": [
            {"week": "2020-W43", "applications": 1, "stages": 0},
            {"week": "2020-W53", "applications": 1, "stages": 1},
            {"week": "2021-W01", "applications": 2, "stages": 2},
        ],
        # USD has four amounts (three applications, one offer), EUR two, GBP one: averages in
        # USD only, counts over every currency; the Rejected outcome's salary is no offer.
        "salary_insights": {
            "applications_with_salary": 5,
            "average_expected_min": 100_000.0,
            "average_expected_max": 120_000.0,
            "offers_with_salary": 2,
            "average_offered": 130_000.0,
            "highest_offer": 130_000,
            "currency": "USD",
        },
        # Ties by name in code point order: upper case before lower case.
        "top_companies": [
            {"company": "Acme", "count": 2},
            {"company": "Zeta", "count": 2},
            {"company": "Beta", "count": 1},
            {"company": "Gamma", "count": 1},
            {"company": "acme", "count": 1},
        ],
    }


async def test_the_salary_currency_is_the_most_used_one_and_averages_leave_the_others_out(client):
    _, alice = await register(client, "alice")
    for low, high in ((50_000, 60_000), (55_000, 0)):
        await create_application(client, alice, salary_min=low, salary_max=high, salary_currency="EUR")
    await create_application(client, alice, salary_min=500_000, salary_max=600_000, salary_currency="USD")
    offered = await create_application(client, alice, status="Interviewing", salary_currency="EUR")
    await create_outcome(client, alice, offered["id"], salary=58_333, salary_currency="EUR")
    other = await create_application(client, alice, status="Interviewing")
    await create_outcome(client, alice, other["id"], salary=900_000, salary_currency="USD")

    body = await call(client, "GET", "/analytics/dashboard", alice, expect=200)

    assert body["salary_insights"] == {
        "applications_with_salary": 3,
        "average_expected_min": 52_500.0,
        "average_expected_max": 60_000.0,
        "offers_with_salary": 2,
        "average_offered": 58_333.0,
        "highest_offer": 58_333,
        "currency": "EUR",
    }


async def test_an_empty_account_gets_the_empty_shapes(client):
    _, alice = await register(client, "alice")
    _, bob = await register(client, "bob")
    await hand_built_account(client, bob, bob)  # a full account beside the empty one
    assert await call(client, "GET", "/analytics/dashboard", alice, expect=200) == EMPTY_DASHBOARD


async def test_the_weekly_trend_moves_with_the_injected_clock(client, clock):
    _, alice = await register(client, "alice")
    await create_application(client, alice, status="Applied", applied_date="2021-01-04")

    async def trend() -> list[dict[str, Any]]:
        # A fresh token each time: the clock jumps further than a token lives.
        login = {"email": "alice@example.com", "password": PASSWORD}
        session = await call(client, "POST", "/auth/login", json=login, expect=200)
        body = await call(client, "GET", "/analytics/dashboard", auth(session["access_token"]), expect=200)
        return body["weekly_trend"]

    assert await trend() == [{"week": "2021-W01", "applications": 1, "stages": 0}]
    clock.advance(weeks=11)  # 2021-W01 is now the oldest week shown
    assert await trend() == [{"week": "2021-W01", "applications": 1, "stages": 0}]
    clock.advance(weeks=1)
    assert await trend() == []


async def test_a_dashboard_runs_the_same_few_statements_for_a_small_and_a_large_account(client):
    _, alice = await register(client, "alice")

    async def statements() -> int:
        with counting(client.app) as seen:
            await call(client, "GET", "/analytics/dashboard", alice, expect=200)
        return len(seen)

    await create_application(client, alice, status="Applied", applied_date="2021-01-04")
    small = await statements()
    for n in range(40):
        application = await create_application(
            client, alice, company_name=f"C{n}", status="Applied", salary_min=n + 1, applied_date="2021-01-05"
        )
        await add_stage(client, alice, application["id"], stage_date="2021-01-05")
        if n % 4 == 0:
            await create_outcome(client, alice, application["id"], salary=n + 1)

    assert await statements() == small == 5


# --- the activity log (behaviour.md §7) --------------------------------------------------------


def _entry(user_id: str, application_id: str | None, action: str, description: str, metadata: Any) -> dict:
    return {
        "id": UUID_STR,
        "user_id": user_id,
        "application_id": application_id,
        "action": action,
        "description": description,
        "metadata": metadata,
        "created_at": DATETIME,
    }


async def test_every_row_of_the_activity_table_comes_back_newest_first(client, db, clock):
    user, alice = await register(client, "alice")
    me = user["id"]
    application = await create_application(client, alice, company_name="Acme", role_title="Engineer")
    app_id = application["id"]
    path = f"/applications/{app_id}"
    await call(client, "PUT", path, alice, json={"status": "Applied"}, expect=200)
    await call(client, "PUT", path, alice, json={"notes": "Met the team."}, expect=200)
    stage = await add_stage(client, alice, app_id, stage_name="Phone")
    await call(
        client, "PUT", f"{path}/stages/{stage['id']}", alice, json={"stage_name": "Phone 2"}, expect=200
    )
    await create_outcome(client, alice, app_id, status="Offer")
    await create_reflection(client, alice, app_id, what_worked="Stories")
    # Rows whose endpoints ship with other resources, written as behaviour.md §7 words them.
    saved_job_id = str(uuid.uuid4())
    later = [
        (app_id, "Contact Added", "Added contact: Grace Hopper", {}),
        (app_id, "Document Added", "Added Cover Letter: Acme letter", {}),
        (None, "Reminder Created", "Reminder: Follow up", {}),
        (None, "Reminder Completed", "Completed: Follow up", {}),
        (app_id, "Tag Assigned", "Tagged application with 'dream job'", {}),
        (
            app_id,
            "Application Created",
            "Converted saved job to application: Zeta — Lead",
            {"source": "saved_job", "saved_job_id": saved_job_id},
        ),
    ]
    for application_id, action, description, metadata in later:
        insert(
            db,
            tables.activity_log,
            id=uuid.uuid4(),
            user_id=uuid.UUID(me),
            application_id=None if application_id is None else uuid.UUID(application_id),
            action=action,
            description=description,
            metadata=metadata,
            created_at=clock.now(),
        )

    body = await call(client, "GET", "/analytics/activity", alice, expect=200)

    expected = [
        _entry(me, app_id, "Application Created", "Created: Acme — Engineer", {}),
        _entry(
            me,
            app_id,
            "Status Changed",
            "Status: Saved → Applied",
            {"old_status": "Saved", "new_status": "Applied"},
        ),
        _entry(me, app_id, "Application Updated", "Updated Acme", {}),
        _entry(
            me,
            app_id,
            "Status Changed",
            "Status: Applied → Interviewing (auto)",
            {"old_status": "Applied", "new_status": "Interviewing", "auto": True},
        ),
        _entry(me, app_id, "Stage Added", "Added stage: Phone", {}),
        _entry(me, app_id, "Stage Updated", "Updated stage: Phone 2", {}),
        _entry(
            me,
            app_id,
            "Status Changed",
            "Status: Interviewing → Offer (outcome recorded)",
            {"old_status": "Interviewing", "new_status": "Offer", "auto": True},
        ),
        _entry(me, app_id, "Offer Added", "Recorded offer details", {}),
        _entry(me, app_id, "Reflection Added", "Added a post-interview reflection", {}),
        *(_entry(me, *row) for row in later),
    ]
    assert body == list(reversed(expected))
    stamps = [entry["created_at"] for entry in body]
    assert stamps == sorted(stamps, reverse=True)
    assert len({entry["id"] for entry in body}) == len(body)


async def test_the_activity_log_pages_by_fifty_by_default(client, db, clock):
    user, alice = await register(client, "alice")
    for n in range(60):
        insert(
            db,
            tables.activity_log,
            id=uuid.uuid4(),
            user_id=uuid.UUID(user["id"]),
            application_id=None,
            action="Reminder Created",
            description=f"Reminder: {n}",
            metadata={},
            created_at=clock.now(),
        )

    async def descriptions(**params: Any) -> list[str]:
        resp = await client.get(f"{API}/analytics/activity", params=params, headers=alice)
        assert resp.status == 200, await resp.text()
        return [entry["description"] for entry in await resp.json()]

    assert await descriptions() == [f"Reminder: {n}" for n in range(59, 9, -1)]
    assert await descriptions(skip="50") == [f"Reminder: {n}" for n in range(9, -1, -1)]
    assert await descriptions(skip="5", limit="2") == ["Reminder: 54", "Reminder: 53"]
    for bad in ({"limit": "0"}, {"limit": "1001"}, {"skip": "-1"}):
        resp = await client.get(f"{API}/analytics/activity", params=bad, headers=alice)
        assert resp.status == 422
        [error] = (await resp.json())["detail"]
        assert error["loc"] == ["query", next(iter(bad))]


async def test_the_application_filter_gives_one_applications_timeline(client, db):
    user, alice = await register(client, "alice")
    _, bob = await register(client, "bob")
    first = await create_application(client, alice, company_name="First")
    second = await create_application(client, alice, company_name="Second")
    await add_stage(client, alice, first["id"], stage_name="Chat")
    await create_application(client, bob, company_name="Bob's")

    body = await call(client, "GET", f"/analytics/activity?application_id={first['id']}", alice, expect=200)

    assert body == [
        _entry(user["id"], first["id"], "Stage Added", "Added stage: Chat", {}),
        _entry(user["id"], first["id"], "Application Created", "Created: First — Engineer", {}),
    ]
    only_second = await call(client, "GET", f"/analytics/activity?application_id={second['id']}", alice)
    assert [entry["description"] for entry in only_second] == ["Created: Second — Engineer"]
    everything = await call(client, "GET", "/analytics/activity", alice, expect=200)
    assert [entry["description"] for entry in everything] == [
        "Added stage: Chat",
        "Created: Second — Engineer",
        "Created: First — Engineer",
    ]


async def test_filtering_on_someone_elses_or_an_unknown_application_is_refused_and_changes_nothing(
    client, db
):
    _, alice = await register(client, "alice")
    _, bob = await register(client, "bob")
    alices = await create_application(client, alice)
    entries = count(db, tables.activity_log)

    for who, application_id, status, detail in (
        (bob, alices["id"], 403, "Not your application"),
        (alice, str(uuid.uuid4()), 404, "Application not found"),
    ):
        resp = await client.get(f"{API}/analytics/activity?application_id={application_id}", headers=who)
        assert (resp.status, await resp.json()) == (status, {"detail": detail})

    resp = await client.get(f"{API}/analytics/activity?application_id=not-a-uuid", headers=alice)
    assert resp.status == 422
    assert await resp.json() == {"detail": [not_a_uuid("query", "application_id", "not-a-uuid")]}
    assert count(db, tables.activity_log) == entries


async def test_deleting_an_application_takes_its_entries_out_of_the_log(client):
    _, alice = await register(client, "alice")
    kept = await create_application(client, alice, company_name="Kept")
    gone = await create_application(client, alice, company_name="Gone")
    await add_stage(client, alice, gone["id"])
    await call(client, "DELETE", f"/applications/{gone['id']}", alice, expect=200)

    body = await call(client, "GET", "/analytics/activity", alice, expect=200)

    assert [(entry["application_id"], entry["description"]) for entry in body] == [
        (kept["id"], "Created: Kept — Engineer")
    ]


# --- the question bank -----------------------------------------------------------------------


async def test_the_question_bank_lists_every_question_with_the_stage_type_or_name(client):
    _, alice = await register(client, "alice")
    _, bob = await register(client, "bob")
    assert await call(client, "GET", "/analytics/questions", alice, expect=200) == {
        "questions": [],
        "total": 0,
    }
    older = await create_application(client, alice, company_name="Acme", role_title="Engineer")
    await add_stage(
        client,
        alice,
        older["id"],
        stage_name="Round 1",
        stage_type="Behavioral",
        questions_asked=["Tell me about a conflict.", "Why Acme?"],
    )
    await add_stage(client, alice, older["id"], stage_name="Coffee chat", questions_asked=["What do you do?"])
    await add_stage(client, alice, older["id"], stage_name="No questions")
    await add_stage(client, alice, older["id"], stage_name="Empty list", questions_asked=[])
    newer = await create_application(client, alice, company_name="Zeta", role_title="Lead")
    await add_stage(
        client,
        alice,
        newer["id"],
        stage_name="Tech",
        stage_type="Technical",
        questions_asked=["Reverse a list"],
    )
    bobs = await create_application(client, bob)
    await add_stage(client, bob, bobs["id"], questions_asked=["Bob's question"])

    body = await call(client, "GET", "/analytics/questions", alice, expect=200)

    assert body == {
        "questions": [
            {"question": "Reverse a list", "stage_type": "Technical", "company": "Zeta", "role": "Lead"},
            {
                "question": "What do you do?",
                "stage_type": "Coffee chat",
                "company": "Acme",
                "role": "Engineer",
            },
            {
                "question": "Tell me about a conflict.",
                "stage_type": "Behavioral",
                "company": "Acme",
                "role": "Engineer",
            },
            {"question": "Why Acme?", "stage_type": "Behavioral", "company": "Acme", "role": "Engineer"},
        ],
        "total": 4,
    }


async def test_the_question_bank_stops_at_five_thousand_questions_keeping_the_newest(client):
    _, alice = await register(client, "alice")
    assert analytics.QUESTION_BANK_LIMIT == 5_000 == 2 * MAX_STAGES_PER_APPLICATION * MAX_QUESTIONS
    for company in ("Older", "Newer"):
        application = await create_application(client, alice, company_name=company)
        for n in range(MAX_STAGES_PER_APPLICATION):
            questions = [f"{company} {n}.{q}" for q in range(MAX_QUESTIONS)]
            await add_stage(client, alice, application["id"], stage_name=f"s{n}", questions_asked=questions)
    newest = await create_application(client, alice, company_name="Newest")
    await add_stage(client, alice, newest["id"], stage_name="last", questions_asked=["The newest question"])

    body = await call(client, "GET", "/analytics/questions", alice, expect=200)

    assert body["total"] == len(body["questions"]) == 5_000
    listed = [entry["question"] for entry in body["questions"]]
    assert listed[:3] == ["The newest question", "Newer 49.0", "Newer 49.1"]
    # The one left out is the last question of the oldest stage of the oldest application.
    assert listed[-2:] == ["Older 0.47", "Older 0.48"]
    assert "Older 0.49" not in listed


# --- the router as a whole ---------------------------------------------------------------------


@pytest.mark.parametrize("path", ["/analytics/dashboard", "/analytics/activity", "/analytics/questions"])
async def test_every_analytics_endpoint_needs_a_token(client, path):
    resp = await client.get(API + path)
    assert resp.status == 401
    assert await resp.json() == {"detail": "Not authenticated"}


async def test_a_put_on_the_dashboard_is_a_405(client):
    _, alice = await register(client, "alice")
    resp = await client.put(f"{API}/analytics/dashboard", headers=alice, json={})
    assert resp.status == 405
    assert await resp.json() == {"detail": "Method Not Allowed"}
    assert set(resp.headers["Allow"].split(",")) == {"GET", "HEAD"}

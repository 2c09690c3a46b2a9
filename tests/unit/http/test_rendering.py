"""Rendering entities to the wire: exact JSON text, field order, datetime format."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, timedelta, timezone
from uuid import UUID

import attrs

from offertracker_core.entities import Application, ApplicationDetail, Outcome, Reflection, Stage, User
from offertracker_core.enums import (
    ApplicationStatus,
    JobType,
    OutcomeStatus,
    Priority,
    ProfileVisibility,
    Source,
    StageResult,
    StageType,
    WorkMode,
)
from offertracker_http.converter import format_datetime
from offertracker_http.rendering import json_response, to_json
from offertracker_http.schemas import PublicProfile

USER_ID = UUID("11111111-1111-4111-8111-111111111111")
APP_ID = UUID("22222222-2222-4222-8222-222222222222")
STAGE_ID = UUID("33333333-3333-4333-8333-333333333333")
OUTCOME_ID = UUID("44444444-4444-4444-8444-444444444444")
REFLECTION_ID = UUID("55555555-5555-4555-8555-555555555555")
CREATED = datetime(2026, 3, 1, 9, 30, tzinfo=UTC)
UPDATED = datetime(2026, 3, 2, 18, 5, 7, 123456, tzinfo=UTC)

USER = User(
    id=USER_ID,
    email="ada@example.com",
    username="ada",
    display_name=None,
    bio="Engineer",
    is_profile_public=False,
    profile_visibility=ProfileVisibility.PRIVATE,
    streak_days=3,
    last_active_date=date(2026, 3, 2),
    created_at=CREATED,
    updated_at=UPDATED,
)

APPLICATION = Application(
    id=APP_ID,
    user_id=USER_ID,
    company_name="Acme",
    role_title="Engineer",
    url=None,
    description=None,
    location="Berlin",
    job_type=JobType.FULL_TIME,
    work_mode=WorkMode.ON_SITE,
    salary_min=50000,
    salary_max=None,
    salary_currency="EUR",
    applied_source=Source.COMPANY_WEBSITE,
    applied_date=date(2026, 3, 1),
    follow_up_date=None,
    priority=Priority.HIGH,
    notes=None,
    status=ApplicationStatus.INTERVIEWING,
    resume_version_id=None,
    created_at=CREATED,
    updated_at=UPDATED,
)

STAGE = Stage(
    id=STAGE_ID,
    application_id=APP_ID,
    stage_name="Phone screen",
    stage_type=StageType.PHONE_SCREEN,
    stage_date=None,
    result=StageResult.PENDING,
    duration_minutes=30,
    interviewer_names=None,
    prep_notes=None,
    questions_asked=("Why us?", "Salary?"),
    notes=None,
    created_at=CREATED,
    updated_at=CREATED,
)

OUTCOME = Outcome(
    id=OUTCOME_ID,
    application_id=APP_ID,
    status=OutcomeStatus.OFFER,
    salary=60000,
    salary_currency="EUR",
    bonus=None,
    equity=None,
    benefits=None,
    start_date=date(2026, 5, 1),
    deadline=None,
    negotiation_notes=None,
    notes=None,
    created_at=CREATED,
    updated_at=CREATED,
)

REFLECTION = Reflection(
    id=REFLECTION_ID,
    application_id=APP_ID,
    what_worked="Prep",
    what_failed=None,
    skill_gaps={"sql": 2, "topics": ["joins"]},
    improvement_plan=None,
    created_at=CREATED,
    updated_at=CREATED,
)


def test_a_datetime_renders_in_utc_with_three_fraction_digits_and_z():
    assert format_datetime(CREATED) == "2026-03-01T09:30:00.000Z"


def test_microseconds_are_truncated_to_milliseconds_not_rounded():
    assert format_datetime(datetime(2026, 3, 1, 9, 30, 0, 999999, tzinfo=UTC)) == "2026-03-01T09:30:00.999Z"


def test_an_aware_datetime_elsewhere_is_converted_and_a_naive_one_taken_as_utc():
    plus_two = timezone(timedelta(hours=2))
    assert (
        format_datetime(datetime(2026, 3, 1, 0, 30, 0, 1000, tzinfo=plus_two)) == "2026-02-28T22:30:00.001Z"
    )
    assert format_datetime(datetime(2026, 3, 1, 9, 30)) == "2026-03-01T09:30:00.000Z"


def test_a_user_renders_as_the_user_response():
    assert to_json(USER) == (
        b'{"id":"11111111-1111-4111-8111-111111111111","email":"ada@example.com","username":"ada",'
        b'"display_name":null,"bio":"Engineer","is_profile_public":false,"profile_visibility":"private",'
        b'"streak_days":3,"last_active_date":"2026-03-02","created_at":"2026-03-01T09:30:00.000Z",'
        b'"updated_at":"2026-03-02T18:05:07.123Z"}'
    )


def test_a_stage_renders_its_questions_as_a_list_and_enums_as_their_values():
    assert to_json(STAGE) == (
        b'{"id":"33333333-3333-4333-8333-333333333333","application_id":"22222222-2222-4222-8222-222222222222",'
        b'"stage_name":"Phone screen","stage_type":"Phone Screen","stage_date":null,"result":"Pending",'
        b'"duration_minutes":30,"interviewer_names":null,"prep_notes":null,'
        b'"questions_asked":["Why us?","Salary?"],"notes":null,"created_at":"2026-03-01T09:30:00.000Z",'
        b'"updated_at":"2026-03-01T09:30:00.000Z"}'
    )


def test_an_application_detail_is_the_application_fields_then_stages_outcome_reflection():
    rendered = json.loads(to_json(ApplicationDetail(APPLICATION, (STAGE,), OUTCOME, REFLECTION)))
    assert list(rendered) == [*(a.name for a in attrs.fields(Application)), "stages", "outcome", "reflection"]
    assert rendered["id"] == "22222222-2222-4222-8222-222222222222"
    assert rendered["job_type"] == "Full-time"
    assert rendered["work_mode"] == "On-site"
    assert rendered["applied_source"] == "Company Website"
    assert rendered["applied_date"] == "2026-03-01"
    assert rendered["status"] == "Interviewing"
    assert rendered["updated_at"] == "2026-03-02T18:05:07.123Z"
    assert rendered["stages"] == [json.loads(to_json(STAGE))]
    assert rendered["outcome"] == {
        "id": "44444444-4444-4444-8444-444444444444",
        "application_id": "22222222-2222-4222-8222-222222222222",
        "status": "Offer",
        "salary": 60000,
        "salary_currency": "EUR",
        "bonus": None,
        "equity": None,
        "benefits": None,
        "start_date": "2026-05-01",
        "deadline": None,
        "negotiation_notes": None,
        "notes": None,
        "created_at": "2026-03-01T09:30:00.000Z",
        "updated_at": "2026-03-01T09:30:00.000Z",
    }
    assert rendered["reflection"] == {
        "id": "55555555-5555-4555-8555-555555555555",
        "application_id": "22222222-2222-4222-8222-222222222222",
        "what_worked": "Prep",
        "what_failed": None,
        "skill_gaps": {"sql": 2, "topics": ["joins"]},
        "improvement_plan": None,
        "created_at": "2026-03-01T09:30:00.000Z",
        "updated_at": "2026-03-01T09:30:00.000Z",
    }


def test_an_application_detail_without_children_has_empty_stages_and_null_outcome_and_reflection():
    rendered = json.loads(to_json(ApplicationDetail(APPLICATION)))
    assert (rendered["stages"], rendered["outcome"], rendered["reflection"]) == ([], None, None)


def test_the_public_profile_has_only_the_public_fields():
    profile = PublicProfile.from_user(USER)
    assert list(json.loads(to_json(profile))) == [
        "id",
        "username",
        "display_name",
        "bio",
        "profile_visibility",
        "streak_days",
        "created_at",
    ]
    assert to_json(profile) == (
        b'{"id":"11111111-1111-4111-8111-111111111111","username":"ada","display_name":null,"bio":"Engineer",'
        b'"profile_visibility":"private","streak_days":3,"created_at":"2026-03-01T09:30:00.000Z"}'
    )


@attrs.frozen
class AuthSession:
    access_token: str
    token_type: str
    user: User


def test_an_auth_session_renders_with_the_user_nested():
    rendered = json.loads(to_json(AuthSession("tok", "bearer", USER)))
    assert list(rendered) == ["access_token", "token_type", "user"]
    assert rendered["user"] == json.loads(to_json(USER))


def test_plain_dicts_and_lists_of_entities_and_datetimes_render_the_same_way():
    rendered = json.loads(to_json({"items": [USER], "at": UPDATED, "on": date(2026, 1, 2), "n": 1}))
    assert rendered == {
        "items": [json.loads(to_json(USER))],
        "at": "2026-03-02T18:05:07.123Z",
        "on": "2026-01-02",
        "n": 1,
    }


def test_json_response_is_utf8_json_with_the_given_status_and_headers():
    response = json_response({"detail": "Größe"}, status=401, headers={"WWW-Authenticate": "Bearer"})
    assert response.status == 401
    assert response.headers["WWW-Authenticate"] == "Bearer"
    assert response.headers["Content-Type"] == "application/json; charset=utf-8"
    assert response.body == '{"detail":"Größe"}'.encode()

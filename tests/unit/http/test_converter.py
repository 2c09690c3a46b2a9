"""The strict converter and the request helpers: FastAPI's 422 entries, exactly."""

from __future__ import annotations

from datetime import UTC, date, datetime
from enum import StrEnum
from typing import Annotated, Any
from uuid import UUID

import attrs
import pytest
from aiohttp.test_utils import make_mocked_request

from offertracker_core.constraints import HexColor, MinLen
from offertracker_core.enums import ApplicationStatus, Priority, StageResult
from offertracker_core.inputs import (
    ApplicationChanges,
    NewApplication,
    NewReflection,
    NewStage,
    Registration,
    StageChanges,
)
from offertracker_http.parsing import (
    decode_json,
    parse_body,
    parse_path_id,
    parse_query,
    structure_body,
    structure_query,
)
from offertracker_http.schemas import ApplicationListQuery, Page, UserSearchQuery
from offertracker_http.validation import RequestValidationError

UUID_TEXT = "3f2b8c1e-4d5a-4b6c-8d7e-9f0a1b2c3d4e"
PRIORITIES = "'High', 'Medium' or 'Low'"
STATUSES = "'Saved', 'Applied', 'Interviewing', 'Offer', 'Accepted', 'Rejected' or 'Withdrawn'"


@attrs.frozen
class Scalars:
    """Test-only input exercising the leaf types the core inputs do not all use."""

    ratio: float = 0.0
    flag: bool = False
    when: datetime | None = None
    ref: UUID | None = None
    initial: Annotated[str, MinLen(1)] = "x"
    color: Annotated[str, HexColor()] = "#fff"


def body_errors(value: Any, cls: type) -> list[dict[str, Any]]:
    with pytest.raises(RequestValidationError) as caught:
        structure_body(value, cls)
    return caught.value.errors


def query_errors(params: dict[str, str], cls: type) -> list[dict[str, Any]]:
    with pytest.raises(RequestValidationError) as caught:
        structure_query(params, cls)
    return caught.value.errors


def app_body(**fields: Any) -> dict[str, Any]:
    return {"company_name": "Acme", "role_title": "Engineer", **fields}


# --- required fields, types ------------------------------------------------------


def test_a_missing_required_field_reports_the_whole_body_as_input():
    body = {"role_title": "Engineer"}
    assert body_errors(body, NewApplication) == [
        {"type": "missing", "loc": ["body", "company_name"], "msg": "Field required", "input": body}
    ]


def test_a_number_is_not_accepted_for_a_string_field():
    assert body_errors(app_body(company_name=5), NewApplication) == [
        {
            "type": "string_type",
            "loc": ["body", "company_name"],
            "msg": "Input should be a valid string",
            "input": 5,
        }
    ]


def test_an_integral_float_is_accepted_as_an_integer():
    assert structure_body(app_body(salary_min=5.0), NewApplication).salary_min == 5


def test_a_fractional_float_is_not_an_integer():
    assert body_errors(app_body(salary_min=5.9), NewApplication) == [
        {
            "type": "int_from_float",
            "loc": ["body", "salary_min"],
            "msg": "Input should be a valid integer, got a number with a fractional part",
            "input": 5.9,
        }
    ]


@pytest.mark.parametrize("value", ["5", True, [5]])
def test_strings_booleans_and_lists_are_not_integers(value):
    assert body_errors(app_body(salary_min=value), NewApplication) == [
        {
            "type": "int_type",
            "loc": ["body", "salary_min"],
            "msg": "Input should be a valid integer",
            "input": value,
        }
    ]


def test_a_float_field_takes_ints_and_floats_but_not_booleans():
    assert structure_body({"ratio": 2}, Scalars).ratio == 2.0
    assert body_errors({"ratio": True}, Scalars) == [
        {
            "type": "float_type",
            "loc": ["body", "ratio"],
            "msg": "Input should be a valid number",
            "input": True,
        }
    ]


@pytest.mark.parametrize("value", [1, "true", None])
def test_a_boolean_field_takes_only_true_and_false(value):
    assert structure_body({"flag": True}, Scalars).flag is True
    assert body_errors({"flag": value}, Scalars) == [
        {
            "type": "bool_type",
            "loc": ["body", "flag"],
            "msg": "Input should be a valid boolean",
            "input": value,
        }
    ]


def test_a_uuid_field_parses_strings_and_rejects_other_text():
    parsed = structure_body(app_body(resume_version_id=UUID_TEXT), NewApplication)
    assert parsed.resume_version_id == UUID(UUID_TEXT)
    assert body_errors(app_body(resume_version_id="nope"), NewApplication) == [
        {
            "type": "uuid_parsing",
            "loc": ["body", "resume_version_id"],
            "msg": "Input should be a valid UUID",
            "input": "nope",
        }
    ]


def test_a_uuid_field_given_a_number_says_what_a_uuid_may_be():
    assert body_errors(app_body(resume_version_id=5), NewApplication) == [
        {
            "type": "uuid_type",
            "loc": ["body", "resume_version_id"],
            "msg": "UUID input should be a string, bytes or UUID object",
            "input": 5,
        }
    ]


def test_a_date_field_takes_yyyy_mm_dd_only():
    assert structure_body(app_body(applied_date="2026-03-01"), NewApplication).applied_date == date(
        2026, 3, 1
    )
    assert body_errors(app_body(applied_date="01/03/2026", follow_up_date="2026-02-30"), NewApplication) == [
        {
            "type": "date_parsing",
            "loc": ["body", "applied_date"],
            "msg": "Input should be a valid date in the format YYYY-MM-DD",
            "input": "01/03/2026",
        },
        {
            "type": "date_parsing",
            "loc": ["body", "follow_up_date"],
            "msg": "Input should be a valid date in the format YYYY-MM-DD",
            "input": "2026-02-30",
        },
    ]


def test_a_date_field_given_a_number_is_a_date_type_error():
    assert body_errors(app_body(applied_date=20260301), NewApplication) == [
        {
            "type": "date_type",
            "loc": ["body", "applied_date"],
            "msg": "Input should be a valid date",
            "input": 20260301,
        }
    ]


def test_a_datetime_is_read_as_utc_whether_naive_zulu_or_offset():
    naive = structure_body({"when": "2026-03-01T09:30:00"}, Scalars).when
    zulu = structure_body({"when": "2026-03-01T09:30:00.250Z"}, Scalars).when
    offset = structure_body({"when": "2026-03-01T11:30:00+02:00"}, Scalars).when
    assert naive == offset == datetime(2026, 3, 1, 9, 30, tzinfo=UTC)
    assert zulu == datetime(2026, 3, 1, 9, 30, 0, 250000, tzinfo=UTC)
    assert naive.tzinfo is UTC
    assert offset.tzinfo is UTC


def test_a_malformed_datetime_is_a_datetime_parsing_error():
    assert body_errors({"when": "yesterday"}, Scalars) == [
        {
            "type": "datetime_parsing",
            "loc": ["body", "when"],
            "msg": "Input should be a valid datetime",
            "input": "yesterday",
        }
    ]


@pytest.mark.parametrize("value", ["0001-01-01T00:00:00+05:00", "9999-12-31T23:59:59-05:00"])
def test_a_datetime_no_utc_datetime_can_hold_is_a_datetime_parsing_error(value):
    # Valid ISO text, but moved to UTC it falls before year 1 or after 9999: a 422, not an OverflowError.
    assert body_errors({"when": value}, Scalars) == [
        {
            "type": "datetime_parsing",
            "loc": ["body", "when"],
            "msg": "Input should be a valid datetime",
            "input": value,
        }
    ]


# --- enums ---------------------------------------------------------------------------


def test_an_enum_value_becomes_the_member():
    parsed = structure_body(app_body(priority="High", status="Applied"), NewApplication)
    assert parsed.priority is Priority.HIGH
    assert parsed.status is ApplicationStatus.APPLIED


@pytest.mark.parametrize("value", ["Bogus", "high", 1, ["High"]])
def test_an_unknown_enum_value_lists_the_allowed_values(value):
    assert body_errors(app_body(priority=value), NewApplication) == [
        {
            "type": "enum",
            "loc": ["body", "priority"],
            "msg": f"Input should be {PRIORITIES}",
            "input": value,
            "ctx": {"expected": PRIORITIES},
        }
    ]


class Flavour(StrEnum):
    """An enum the converter was never told about, as a plugin's would be."""

    SWEET = "sweet"
    SOUR = "sour"


@attrs.frozen
class Order:
    flavours: list[Flavour]


def test_an_enum_nobody_registered_is_checked_like_the_cores_own():
    assert structure_body({"flavours": ["sour"]}, Order) == Order([Flavour.SOUR])
    assert body_errors({"flavours": ["bitter"]}, Order) == [
        {
            "type": "enum",
            "loc": ["body", "flavours", 0],
            "msg": "Input should be 'sweet' or 'sour'",
            "input": "bitter",
            "ctx": {"expected": "'sweet' or 'sour'"},
        }
    ]


# --- lists and dicts -----------------------------------------------------------------


def test_a_string_is_not_taken_for_a_list():
    assert body_errors({"stage_name": "Call", "questions_asked": "why?"}, NewStage) == [
        {
            "type": "list_type",
            "loc": ["body", "questions_asked"],
            "msg": "Input should be a valid list",
            "input": "why?",
        }
    ]


def test_each_bad_list_element_is_reported_at_its_index():
    body = {"stage_name": "Call", "questions_asked": ["why?", "how?", 3, None]}
    assert body_errors(body, NewStage) == [
        {
            "type": "string_type",
            "loc": ["body", "questions_asked", 2],
            "msg": "Input should be a valid string",
            "input": 3,
        },
        {
            "type": "string_type",
            "loc": ["body", "questions_asked", 3],
            "msg": "Input should be a valid string",
            "input": None,
        },
    ]


def test_a_list_of_strings_is_kept_in_order():
    parsed = structure_body({"stage_name": "Call", "questions_asked": ["b", "a"]}, NewStage)
    assert parsed.questions_asked == ["b", "a"]


def test_a_dict_field_takes_any_json_values_but_only_an_object():
    gaps = {"sql": 3, "system design": ["caching", None], "nested": {"a": True}}
    assert structure_body({"skill_gaps": gaps}, NewReflection).skill_gaps == gaps
    assert body_errors({"skill_gaps": ["sql"]}, NewReflection) == [
        {
            "type": "dict_type",
            "loc": ["body", "skill_gaps"],
            "msg": "Input should be a valid dictionary",
            "input": ["sql"],
        }
    ]


# --- constraints ----------------------------------------------------------------------


def test_a_too_long_string_names_the_limit():
    long = "x" * 256
    assert body_errors(app_body(company_name=long), NewApplication) == [
        {
            "type": "string_too_long",
            "loc": ["body", "company_name"],
            "msg": "String should have at most 255 characters",
            "input": long,
            "ctx": {"max_length": 255},
        }
    ]


def test_a_constraint_inside_an_optional_applies_to_non_null_values():
    assert body_errors(app_body(location="y" * 256), NewApplication)[0]["type"] == "string_too_long"
    assert structure_body(app_body(location=None), NewApplication).location is None


def test_a_too_short_string_names_the_minimum_in_the_singular_for_one():
    assert body_errors({"initial": ""}, Scalars) == [
        {
            "type": "string_too_short",
            "loc": ["body", "initial"],
            "msg": "String should have at least 1 character",
            "input": "",
            "ctx": {"min_length": 1},
        }
    ]


def test_a_negative_salary_is_below_the_minimum():
    assert body_errors(app_body(salary_max=-1), NewApplication) == [
        {
            "type": "greater_than_equal",
            "loc": ["body", "salary_max"],
            "msg": "Input should be greater than or equal to 0",
            "input": -1,
            "ctx": {"ge": 0},
        }
    ]


def test_a_zero_duration_is_not_greater_than_zero():
    assert body_errors({"stage_name": "Call", "duration_minutes": 0}, NewStage) == [
        {
            "type": "greater_than",
            "loc": ["body", "duration_minutes"],
            "msg": "Input should be greater than 0",
            "input": 0,
            "ctx": {"gt": 0},
        }
    ]


def test_a_colour_must_be_a_hex_triplet_or_sextet():
    assert structure_body({"color": "#A0b1C2"}, Scalars).color == "#A0b1C2"
    pattern = "^#([0-9a-fA-F]{3}|[0-9a-fA-F]{6})$"
    assert body_errors({"color": "red"}, Scalars) == [
        {
            "type": "string_pattern_mismatch",
            "loc": ["body", "color"],
            "msg": f"String should match pattern '{pattern}'",
            "input": "red",
            "ctx": {"pattern": pattern},
        }
    ]


# --- registration (email) ------------------------------------------------------------


def registration(**fields: Any) -> dict[str, Any]:
    return {"email": "ada@example.com", "username": "ada", "password": "secret", **fields}


def test_a_valid_registration_structures_with_display_name_defaulting_to_none():
    assert structure_body(registration(), Registration) == Registration(
        "ada@example.com", "ada", "secret", None
    )


@pytest.mark.parametrize(
    ("email", "reason"),
    [
        ("ada.example.com", "An email address must have an @-sign."),
        ("ada@example", "The part after the @-sign is not valid. It should have a period."),
        ("@example.com", "There must be something before the @-sign."),
        ("ada@", "There must be something after the @-sign."),
        ("a@b@example.com", "The email address is not valid. It must have exactly one @-sign."),
        (
            "ada lovelace@example.com",
            "The email address contains invalid characters before the @-sign: SPACE.",
        ),
        ("ada..l@example.com", "An email address cannot have two periods in a row."),
        ("ada@.example.com", "An email address cannot have a period immediately after the @-sign."),
        ("ada@example.com.", "An email address cannot end with a period."),
    ],
)
def test_an_email_that_does_not_look_like_one_says_why(email, reason):
    assert body_errors(registration(email=email), Registration) == [
        {
            "type": "value_error",
            "loc": ["body", "email"],
            "msg": f"value is not a valid email address: {reason}",
            "input": email,
            "ctx": {"reason": reason},
        }
    ]


def test_every_invalid_registration_field_is_reported_in_field_order():
    body = {"password": "12345", "username": "ab", "email": 7, "display_name": "d" * 101}
    assert [(e["loc"], e["type"]) for e in body_errors(body, Registration)] == [
        (["body", "email"], "string_type"),
        (["body", "username"], "string_too_short"),
        (["body", "password"], "string_too_short"),
        (["body", "display_name"], "string_too_long"),
    ]


# --- applications --------------------------------------------------------------------


def test_a_new_application_gets_the_reference_defaults_and_ignores_unknown_keys():
    parsed = structure_body(app_body(favourite_colour="blue"), NewApplication)
    assert parsed == NewApplication(company_name="Acme", role_title="Engineer")
    assert parsed.salary_currency == "USD"
    assert parsed.status is ApplicationStatus.SAVED
    assert parsed.url is None


def test_several_invalid_fields_are_reported_together_in_field_order():
    body = {"role_title": 1, "salary_min": "x", "priority": "Top", "work_mode": None, "status": None}
    assert body_errors(body, NewApplication) == [
        {"type": "missing", "loc": ["body", "company_name"], "msg": "Field required", "input": body},
        {
            "type": "string_type",
            "loc": ["body", "role_title"],
            "msg": "Input should be a valid string",
            "input": 1,
        },
        {
            "type": "int_type",
            "loc": ["body", "salary_min"],
            "msg": "Input should be a valid integer",
            "input": "x",
        },
        {
            "type": "enum",
            "loc": ["body", "priority"],
            "msg": f"Input should be {PRIORITIES}",
            "input": "Top",
            "ctx": {"expected": PRIORITIES},
        },
        {
            "type": "enum",
            "loc": ["body", "status"],
            "msg": f"Input should be {STATUSES}",
            "input": None,
            "ctx": {"expected": STATUSES},
        },
    ]


def test_application_changes_keep_absent_keys_absent_and_explicit_nulls_as_none():
    changes = structure_body({"notes": None, "priority": "Low", "ignored": 1}, ApplicationChanges)
    assert changes == {"notes": None, "priority": Priority.LOW}
    assert structure_body({}, ApplicationChanges) == {}


def test_null_on_a_non_nullable_change_is_the_type_error_of_the_field():
    assert body_errors({"company_name": None, "url": None}, ApplicationChanges) == [
        {
            "type": "string_type",
            "loc": ["body", "company_name"],
            "msg": "Input should be a valid string",
            "input": None,
        }
    ]


def test_stage_changes_validate_constraints_and_enums_of_present_keys():
    assert structure_body({"result": "Passed", "questions_asked": None}, StageChanges) == {
        "result": StageResult.PASSED,
        "questions_asked": None,
    }
    assert [e["loc"] for e in body_errors({"duration_minutes": -5, "result": "Won"}, StageChanges)] == [
        ["body", "result"],
        ["body", "duration_minutes"],
    ]


# --- bodies ---------------------------------------------------------------------------


def test_a_body_that_is_not_an_object_cannot_give_fields():
    assert body_errors([1, 2], NewApplication) == [
        {
            "type": "model_attributes_type",
            "loc": ["body"],
            "msg": "Input should be a valid dictionary or object to extract fields from",
            "input": [1, 2],
        }
    ]


def test_malformed_json_reports_the_position_and_the_reason():
    with pytest.raises(RequestValidationError) as caught:
        decode_json(b'{"company_name": }')
    assert caught.value.errors == [
        {
            "type": "json_invalid",
            "loc": ["body", 17],
            "msg": "JSON decode error",
            "input": {},
            "ctx": {"error": "Expecting value"},
        }
    ]


def test_an_empty_body_is_a_missing_body():
    with pytest.raises(RequestValidationError) as caught:
        decode_json(b"")
    assert caught.value.errors == [
        {"type": "missing", "loc": ["body"], "msg": "Field required", "input": None}
    ]


def test_nan_is_not_json_even_though_the_standard_library_reads_it():
    with pytest.raises(RequestValidationError) as caught:
        decode_json(b'{"salary_min": NaN}')
    assert caught.value.errors == [
        {
            "type": "json_invalid",
            "loc": ["body", 15],
            "msg": "JSON decode error",
            "input": {},
            "ctx": {"error": "unexpected character, expected a JSON value"},
        }
    ]


def test_a_body_that_is_not_utf8_is_invalid_json():
    with pytest.raises(RequestValidationError) as caught:
        decode_json(b'{"notes": "\xff"}')
    assert caught.value.errors[0]["type"] == "json_invalid"
    assert caught.value.errors[0]["loc"] == ["body", 11]


class FakeRequest:
    """Just what parse_body reads from an aiohttp request."""

    def __init__(self, raw: bytes) -> None:
        self._raw = raw

    async def read(self) -> bytes:
        return self._raw


async def test_parse_body_reads_decodes_and_structures():
    parsed = await parse_body(FakeRequest(b'{"company_name": "Acme", "role_title": "Eng"}'), NewApplication)
    assert parsed == NewApplication(company_name="Acme", role_title="Eng")


async def test_parse_body_rejects_a_json_scalar():
    with pytest.raises(RequestValidationError) as caught:
        await parse_body(FakeRequest(b'"Acme"'), NewApplication)
    assert caught.value.errors[0]["type"] == "model_attributes_type"
    assert caught.value.errors[0]["input"] == "Acme"


# --- query strings and paths -------------------------------------------------------------


def test_query_defaults_apply_when_nothing_is_given():
    assert structure_query({}, Page) == Page(skip=0, limit=100)
    assert structure_query({}, UserSearchQuery) == UserSearchQuery(q="", skip=0, limit=20)


def test_query_numbers_and_enums_are_parsed_from_strings():
    parsed = structure_query(
        {"skip": "5", "limit": "1000", "status": "Offer", "priority": "High"}, ApplicationListQuery
    )
    assert parsed == ApplicationListQuery(
        skip=5, limit=1000, status=ApplicationStatus.OFFER, priority=Priority.HIGH
    )


def test_a_zero_limit_is_below_the_minimum_and_reports_the_string_sent():
    assert query_errors({"limit": "0"}, ApplicationListQuery) == [
        {
            "type": "greater_than_equal",
            "loc": ["query", "limit"],
            "msg": "Input should be greater than or equal to 1",
            "input": "0",
            "ctx": {"ge": 1},
        }
    ]


def test_a_limit_above_a_thousand_is_rejected():
    assert query_errors({"limit": "1001"}, Page) == [
        {
            "type": "less_than_equal",
            "loc": ["query", "limit"],
            "msg": "Input should be less than or equal to 1000",
            "input": "1001",
            "ctx": {"le": 1000},
        }
    ]


def test_a_limit_that_is_not_a_number_cannot_be_parsed():
    assert query_errors({"limit": "abc", "skip": "1.5"}, Page) == [
        {
            "type": "int_parsing",
            "loc": ["query", "skip"],
            "msg": "Input should be a valid integer, unable to parse string as an integer",
            "input": "1.5",
        },
        {
            "type": "int_parsing",
            "loc": ["query", "limit"],
            "msg": "Input should be a valid integer, unable to parse string as an integer",
            "input": "abc",
        },
    ]


def test_an_unknown_status_filter_lists_the_allowed_statuses():
    assert query_errors({"status": "Bogus"}, ApplicationListQuery) == [
        {
            "type": "enum",
            "loc": ["query", "status"],
            "msg": f"Input should be {STATUSES}",
            "input": "Bogus",
            "ctx": {"expected": STATUSES},
        }
    ]


@pytest.mark.parametrize(("text", "value"), [("true", True), ("0", False), ("YES", True), ("off", False)])
def test_query_booleans_are_read_from_their_usual_words(text, value):
    assert structure_query({"flag": text}, Scalars).flag is value


def test_a_query_boolean_that_is_no_word_cannot_be_interpreted():
    assert query_errors({"flag": "maybe"}, Scalars) == [
        {
            "type": "bool_parsing",
            "loc": ["query", "flag"],
            "msg": "Input should be a valid boolean, unable to interpret input",
            "input": "maybe",
        }
    ]


def test_parse_query_takes_the_last_of_repeated_keys_and_ignores_unknown_ones():
    request = make_mocked_request("GET", "/api/v1/applications/?limit=5&limit=7&status=Saved&page=3")
    assert parse_query(request, ApplicationListQuery) == ApplicationListQuery(
        limit=7, status=ApplicationStatus.SAVED
    )


def test_parse_path_id_returns_the_uuid():
    request = make_mocked_request(
        "GET", f"/api/v1/applications/{UUID_TEXT}", match_info={"app_id": UUID_TEXT}
    )
    assert parse_path_id(request, "app_id") == UUID(UUID_TEXT)


def test_a_path_id_that_is_not_a_uuid_is_a_422_at_its_path_position():
    request = make_mocked_request("GET", "/api/v1/applications/42", match_info={"app_id": "42"})
    with pytest.raises(RequestValidationError) as caught:
        parse_path_id(request, "app_id")
    assert caught.value.errors == [
        {
            "type": "uuid_parsing",
            "loc": ["path", "app_id"],
            "msg": "Input should be a valid UUID",
            "input": "42",
        }
    ]


# --- hostile input: what would otherwise be a 500 ----------------------------------------------

CONTROL_MSG = "Value error, control characters other than tab, line feed and carriage return are not allowed"
INT_PARSING = "Input should be a valid integer, unable to parse string as an integer"


def nested_list(levels: int) -> list[Any]:
    value: list[Any] = []
    for _ in range(levels - 1):
        value = [value]
    return value


def test_skip_stops_at_the_largest_bigint():
    assert structure_query({"skip": str(2**63 - 1)}, Page).skip == 2**63 - 1
    assert query_errors({"skip": str(2**63)}, ApplicationListQuery) == [
        {
            "type": "less_than_equal",
            "loc": ["query", "skip"],
            "msg": "Input should be less than or equal to 9223372036854775807",
            "input": "9223372036854775808",
            "ctx": {"le": 9223372036854775807},
        }
    ]


def test_a_query_integer_with_more_digits_than_python_converts_cannot_be_parsed():
    digits = "9" * 5000
    assert query_errors({"skip": digits}, UserSearchQuery) == [
        {"type": "int_parsing", "loc": ["query", "skip"], "msg": INT_PARSING, "input": digits}
    ]


def test_a_json_integer_with_more_digits_than_python_converts_is_invalid_json():
    with pytest.raises(RequestValidationError) as caught:
        decode_json(b'{"salary_min": ' + b"9" * 5000 + b"}")
    assert caught.value.errors == [
        {
            "type": "json_invalid",
            "loc": ["body", 15],
            "msg": "JSON decode error",
            "input": {},
            "ctx": {"error": "number is infinity when parsed as double"},
        }
    ]


def test_json_nested_past_every_parser_limit_is_invalid_json():
    with pytest.raises(RequestValidationError) as caught:
        decode_json(b"[" * 100_000)
    assert caught.value.errors == [
        {
            "type": "json_invalid",
            "loc": ["body", 1025],
            "msg": "JSON decode error",
            "input": {},
            "ctx": {"error": "depth limit exceeded"},
        }
    ]


def test_a_nul_character_in_a_string_field_is_a_value_error():
    value = {"company_name": "a\x00b", "role_title": "Engineer"}
    assert body_errors(value, NewApplication) == [
        {"type": "value_error", "loc": ["body", "company_name"], "msg": CONTROL_MSG, "input": "a\x00b"}
    ]


def test_a_nul_character_is_reported_before_the_length_of_the_string():
    value = {"stage_name": "\x00" * 200}
    assert body_errors(value, StageChanges) == [
        {"type": "value_error", "loc": ["body", "stage_name"], "msg": CONTROL_MSG, "input": "\x00" * 200}
    ]


def test_a_nul_character_in_a_list_of_strings_names_its_index():
    value = {"stage_name": "Onsite", "questions_asked": ["fine", "\x00"]}
    assert body_errors(value, NewStage) == [
        {"type": "value_error", "loc": ["body", "questions_asked", 1], "msg": CONTROL_MSG, "input": "\x00"}
    ]


def test_a_nul_character_anywhere_in_free_form_json_names_its_position():
    value = {"skill_gaps": {"Go": "fine", "Rust": [1, {"level": "lo\x00w"}]}}
    assert body_errors(value, NewReflection) == [
        {
            "type": "value_error",
            "loc": ["body", "skill_gaps", "Rust", 1, "level"],
            "msg": CONTROL_MSG,
            "input": "lo\x00w",
        }
    ]


def test_a_nul_character_in_a_free_form_key_is_reported_as_a_key():
    value = {"skill_gaps": {"Go": {"a\x00": 1}}}
    assert body_errors(value, NewReflection) == [
        {"type": "value_error", "loc": ["body", "skill_gaps", "Go", "a\x00", "[key]"], "msg": CONTROL_MSG,
         "input": "a\x00"}
    ]  # fmt: skip


@attrs.frozen
class Tally:
    """Test-only input with a typed (not free-form) dictionary, whose keys the converter checks itself."""

    counts: dict[str, int]


@pytest.mark.parametrize("code", range(0x20), ids=lambda c: f"U+{c:04X}")
def test_every_c0_control_character_but_tab_line_feed_and_carriage_return_is_a_value_error(code):
    text = f"Acme{chr(code)}Corp"
    if chr(code) in "\t\n\r":
        assert structure_body(app_body(company_name=text), NewApplication).company_name == text
    else:
        assert body_errors(app_body(company_name=text), NewApplication) == [
            {"type": "value_error", "loc": ["body", "company_name"], "msg": CONTROL_MSG, "input": text}
        ]


def test_a_control_character_in_a_typed_dictionary_key_is_reported_as_a_key():
    assert body_errors({"counts": {"ok": 1, "a\x1b[0m": 2}}, Tally) == [
        {"type": "value_error", "loc": ["body", "counts", "a\x1b[0m", "[key]"], "msg": CONTROL_MSG,
         "input": "a\x1b[0m"}
    ]  # fmt: skip
    assert structure_body({"counts": {"a\tb\r\n": 1}}, Tally).counts == {"a\tb\r\n": 1}


def test_a_control_character_in_free_form_json_is_reported_and_whitespace_is_kept():
    value = {"skill_gaps": {"Go": ["fine", "bell\x07"]}}
    assert body_errors(value, NewReflection) == [
        {
            "type": "value_error",
            "loc": ["body", "skill_gaps", "Go", 1],
            "msg": CONTROL_MSG,
            "input": "bell\x07",
        }
    ]
    kept = {"skill_gaps": {"Go\t": ["a\r\nb\n"]}}
    assert structure_body(kept, NewReflection).skill_gaps == kept["skill_gaps"]


def test_free_form_json_may_nest_sixty_four_levels_and_no_deeper():
    assert structure_body({"skill_gaps": {"a": nested_list(63)}}, NewReflection).skill_gaps == {
        "a": nested_list(63)
    }
    errors = body_errors({"skill_gaps": {"a": nested_list(64)}}, NewReflection)
    assert [(e["type"], e["loc"], e["msg"], e["input"]) for e in errors] == [
        (
            "value_error",
            ["body", "skill_gaps", "a", *[0] * 63],
            "Value error, JSON nested deeper than 64 levels is not allowed",
            [],
        )
    ]


def test_a_nul_character_in_a_query_string_is_a_value_error():
    assert query_errors({"q": "a\x00b"}, UserSearchQuery) == [
        {"type": "value_error", "loc": ["query", "q"], "msg": CONTROL_MSG, "input": "a\x00b"}
    ]

"""The rules declared on the input classes hold for library callers too (offertracker_core.validation)."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

import attrs
import pytest

from offertracker_core import inputs
from offertracker_core.constraints import Email, Ge, Gt, HexColor, Le, MaxLen, MinLen, NoControlChars, Problem
from offertracker_core.enums import ApplicationStatus, StageResult
from offertracker_core.errors import REDACTED, InvalidInput, Violation
from offertracker_core.inputs import (
    ApplicationChanges,
    NewApplication,
    NewReflection,
    NewStage,
    ProfileChanges,
    Registration,
    StageChanges,
)
from offertracker_core.validation import (
    CheckedInput,
    has_control_character,
    mark_valid,
    secret_fields,
    unchecked,
    validate_changes,
)

STATUSES = "'Saved', 'Applied', 'Interviewing', 'Offer', 'Accepted', 'Rejected' or 'Withdrawn'"
CONTROL_MSG = "Value error, control characters other than tab, line feed and carriage return are not allowed"


def violations(build: Any, *args: Any, **kwargs: Any) -> list[tuple[Any, ...]]:
    """What ``build(...)`` was refused for, as (loc, type, msg, input, ctx) tuples."""
    with pytest.raises(InvalidInput) as caught:
        build(*args, **kwargs)
    return [(v.loc, v.type, v.msg, v.input, v.ctx) for v in caught.value.violations]


# --- each marker words its own problem --------------------------------------------------


@pytest.mark.parametrize(
    ("marker", "good", "bad", "problem"),
    [
        (
            MinLen(3),
            "abc",
            "ab",
            Problem("string_too_short", "String should have at least 3 characters", {"min_length": 3}),
        ),
        (
            MinLen(1),
            "a",
            "",
            Problem("string_too_short", "String should have at least 1 character", {"min_length": 1}),
        ),
        (
            MaxLen(50),
            "x" * 50,
            "x" * 51,
            Problem("string_too_long", "String should have at most 50 characters", {"max_length": 50}),
        ),
        (
            MaxLen(1),
            "x",
            "xy",
            Problem("string_too_long", "String should have at most 1 character", {"max_length": 1}),
        ),
        (
            Ge(0),
            0,
            -1,
            Problem("greater_than_equal", "Input should be greater than or equal to 0", {"ge": 0}),
        ),
        (Gt(0), 1, 0, Problem("greater_than", "Input should be greater than 0", {"gt": 0})),
        (
            Le(1000),
            1000,
            1001,
            Problem("less_than_equal", "Input should be less than or equal to 1000", {"le": 1000}),
        ),
        (
            Email(),
            "ada@example.com",
            "ada.example.com",
            Problem(
                "value_error",
                "value is not a valid email address: An email address must have an @-sign.",
                {"reason": "An email address must have an @-sign."},
            ),
        ),
        (
            HexColor(),
            "#a1B",
            "red",
            Problem(
                "string_pattern_mismatch",
                "String should match pattern '^#([0-9a-fA-F]{3}|[0-9a-fA-F]{6})$'",
                {"pattern": "^#([0-9a-fA-F]{3}|[0-9a-fA-F]{6})$"},
            ),
        ),
    ],
)
def test_each_marker_words_its_problem_as_pydantic_does(
    marker: Any, good: Any, bad: Any, problem: Problem
) -> None:
    assert marker.problem(good) is None
    assert marker.problem(bad) == problem


def test_a_colour_with_a_trailing_newline_is_no_colour() -> None:
    assert HexColor().problem("#abc\n") is not None
    assert HexColor().problem("#abcdef\n") is not None


def test_an_email_with_a_bad_character_names_it() -> None:
    reason = "The email address contains invalid characters before the @-sign: SPACE."
    assert Email().problem("a b@example.com") == Problem(
        "value_error", f"value is not a valid email address: {reason}", {"reason": reason}
    )


# --- input classes ----------------------------------------------------------------------


def test_a_ten_thousand_character_username_is_refused_with_the_field_named() -> None:
    long_name = "x" * 10_000
    assert violations(Registration, email="ada@example.com", username=long_name, password="s3cret!") == [
        (
            ("username",),
            "string_too_long",
            "String should have at most 50 characters",
            long_name,
            {"max_length": 50},
        )
    ]


def test_the_error_detail_names_the_first_broken_field() -> None:
    with pytest.raises(InvalidInput) as caught:
        Registration(email="ada@example.com", username="ab", password="s3cret!")
    assert caught.value.detail == "username: String should have at least 3 characters"


def test_every_broken_field_is_reported_in_declared_order() -> None:
    assert violations(Registration, email="nobody", username="ab", password=12345678) == [
        (
            ("email",),
            "value_error",
            "value is not a valid email address: An email address must have an @-sign.",
            "nobody",
            {"reason": "An email address must have an @-sign."},
        ),
        (
            ("username",),
            "string_too_short",
            "String should have at least 3 characters",
            "ab",
            {"min_length": 3},
        ),
        (("password",), "string_type", "Input should be a valid string", REDACTED, None),
    ]


def test_an_unknown_enum_value_lists_the_allowed_ones() -> None:
    assert violations(NewApplication, company_name="Acme", role_title="Engineer", status="Ghosted") == [
        (("status",), "enum", f"Input should be {STATUSES}", "Ghosted", {"expected": STATUSES})
    ]


def test_an_enum_value_as_a_plain_string_asks_for_the_member() -> None:
    assert violations(NewStage, stage_name="Screen", result="Passed") == [
        (
            ("result",),
            "is_instance_of",
            "Input should be an instance of StageResult",
            "Passed",
            {"class": "StageResult"},
        )
    ]


def test_a_nul_character_is_refused_in_strings_list_items_and_free_form_keys() -> None:
    assert violations(NewStage, stage_name="Screen\x00", questions_asked=["Why?", "How\x00"]) == [
        (("stage_name",), "value_error", CONTROL_MSG, "Screen\x00", None),
        (("questions_asked", 1), "value_error", CONTROL_MSG, "How\x00", None),
    ]
    assert violations(NewReflection, skill_gaps={"sql": {"jo\x00ins": 1}}) == [
        (("skill_gaps", "sql", "jo\x00ins", "[key]"), "value_error", CONTROL_MSG, "jo\x00ins", None)
    ]


# Every C0 control character but tab, line feed and carriage return.
REFUSED_CONTROLS = [chr(c) for c in range(0x20) if chr(c) not in "\t\n\r"]
WHITESPACE = "\tindented\nnext line\r\nwindows line\rold mac line\t"


def test_exactly_the_c0_controls_but_tab_line_feed_and_carriage_return_are_control_characters() -> None:
    found = [c for c in range(0x110000) if has_control_character(chr(c))]
    assert found == [*range(0x09), 0x0B, 0x0C, *range(0x0E, 0x20)]


@pytest.mark.parametrize(
    "text", ["\x1b[2J", "Zoë\x01", "李雷\n\x1f", "x" * 10_000 + "\x0c", "\ud800\x08", "a\x00b"]
)
def test_a_control_character_is_found_wherever_it_sits_among_other_text(text: str) -> None:
    assert has_control_character(text)


@pytest.mark.parametrize("text", ["", "Acme", "Zoë 李雷 😀", WHITESPACE, "\x7f\x85\u200b\u2028", "\ud800"])
def test_printable_text_whitespace_and_other_unprintables_hold_no_control_character(text: str) -> None:
    assert not has_control_character(text)


@pytest.mark.parametrize("control", REFUSED_CONTROLS, ids=lambda c: f"U+{ord(c):04X}")
def test_a_new_application_with_a_control_character_in_a_field_raises_invalid_input_naming_it(
    control: str,
) -> None:
    assert violations(NewApplication, company_name=f"a{control}b", role_title="x") == [
        (("company_name",), "value_error", CONTROL_MSG, f"a{control}b", None)
    ]


def test_a_control_character_is_refused_in_list_items_changes_and_free_form_strings_and_keys() -> None:
    assert violations(NewStage, stage_name="Screen", questions_asked=["Why?", "How\x1b[0m"]) == [
        (("questions_asked", 1), "value_error", CONTROL_MSG, "How\x1b[0m", None)
    ]
    assert violations(validate_changes, ApplicationChanges, {"notes": "a\x0cb"}) == [
        (("notes",), "value_error", CONTROL_MSG, "a\x0cb", None)
    ]
    assert violations(NewReflection, skill_gaps={"sql": ["joins", "in\x01dexes"]}) == [
        (("skill_gaps", "sql", 1), "value_error", CONTROL_MSG, "in\x01dexes", None)
    ]
    assert violations(NewReflection, skill_gaps={"sql": {"jo\x1fins": 1}}) == [
        (("skill_gaps", "sql", "jo\x1fins", "[key]"), "value_error", CONTROL_MSG, "jo\x1fins", None)
    ]


TOO_SHORT_6 = "String should have at least 6 characters"


def test_a_password_is_exempt_from_the_control_character_rule() -> None:
    password = "esc\x1b\x00bell\x07"
    assert inputs.Credentials(email="a@example.com", password=password).password == password
    # Its other rules still hold, redacted as ever.
    assert violations(inputs.Credentials, email="a@example.com", password="\x1b") == [
        (("password",), "string_too_short", TOO_SHORT_6, REDACTED, {"min_length": 6})
    ]


def test_tabs_line_feeds_and_carriage_returns_are_kept_as_given() -> None:
    application = NewApplication(company_name=f"a{WHITESPACE}b", role_title="x", notes=WHITESPACE)
    assert (application.company_name, application.notes) == (f"a{WHITESPACE}b", WHITESPACE)
    stage = NewStage(stage_name="Screen", questions_asked=[WHITESPACE])
    assert stage.questions_asked == [WHITESPACE]
    assert validate_changes(ApplicationChanges, {"notes": WHITESPACE}) == {"notes": WHITESPACE}
    skill_gaps = {WHITESPACE: {"notes": WHITESPACE, f"k{WHITESPACE}": [WHITESPACE]}}
    assert NewReflection(skill_gaps=skill_gaps).skill_gaps == skill_gaps


def test_none_on_a_field_that_is_not_optional_is_refused() -> None:
    assert violations(NewApplication, company_name=None, role_title="Engineer", status=None) == [
        (("company_name",), "string_type", "Input should be a valid string", None, None),
        (("status",), "enum", f"Input should be {STATUSES}", None, {"expected": STATUSES}),
    ]


def test_wrong_types_get_pydantics_strict_wording() -> None:
    now = datetime(2026, 3, 1, 9, 30)
    assert violations(
        NewApplication,
        company_name="Acme",
        role_title="Engineer",
        salary_min=1.5,
        salary_max=True,
        applied_date=now,
        resume_version_id="not-a-uuid",
    ) == [
        (("salary_min",), "int_type", "Input should be a valid integer", 1.5, None),
        (("salary_max",), "int_type", "Input should be a valid integer", True, None),
        (("applied_date",), "date_type", "Input should be a valid date", now, None),
        (
            ("resume_version_id",),
            "is_instance_of",
            "Input should be an instance of UUID",
            "not-a-uuid",
            {"class": "UUID"},
        ),
    ]


def test_a_string_is_not_a_list_of_questions() -> None:
    assert violations(NewStage, stage_name="Screen", questions_asked="Why?") == [
        (("questions_asked",), "list_type", "Input should be a valid list", "Why?", None)
    ]


def test_free_form_json_must_be_json() -> None:
    assert violations(NewReflection, skill_gaps={"when": date(2026, 3, 1)}) == [
        (
            ("skill_gaps", "when"),
            "value_error",
            "Value error, only JSON values (str, int, float, bool, None, list, dict) are allowed",
            date(2026, 3, 1),
            None,
        )
    ]


def test_valid_input_constructs_and_evolving_it_checks_again() -> None:
    stage = NewStage(
        stage_name="Screen", result=StageResult.PASSED, duration_minutes=30, questions_asked=["Why?"]
    )
    assert stage.duration_minutes == 30
    assert violations(attrs.evolve, stage, duration_minutes=0) == [
        (("duration_minutes",), "greater_than", "Input should be greater than 0", 0, {"gt": 0})
    ]


def test_an_unchecked_build_skips_the_checks_and_only_while_it_runs() -> None:
    stage = unchecked(lambda: NewStage(stage_name="x" * 101))
    assert stage.stage_name == "x" * 101
    assert violations(NewStage, stage_name="x" * 101)[0][:2] == (("stage_name",), "string_too_long")


def test_every_new_input_class_checks_itself() -> None:
    classes = [getattr(inputs, name) for name in inputs.__all__ if attrs.has(getattr(inputs, name))]
    assert {c.__name__ for c in classes if not issubclass(c, CheckedInput)} == set()


# --- partial changes ---------------------------------------------------------------------


def test_valid_changes_come_back_unchanged() -> None:
    changes: ApplicationChanges = {"status": ApplicationStatus.APPLIED, "notes": None}
    assert validate_changes(ApplicationChanges, changes) is changes


def test_an_unknown_key_in_changes_is_forbidden() -> None:
    assert violations(validate_changes, ApplicationChanges, {"notes": "hi", "colour": "red"}) == [
        (("colour",), "extra_forbidden", "Extra inputs are not permitted", "red", None)
    ]


def test_none_on_a_key_that_is_not_optional_is_refused() -> None:
    assert violations(validate_changes, ApplicationChanges, {"company_name": None, "url": None}) == [
        (("company_name",), "string_type", "Input should be a valid string", None, None)
    ]


def test_a_too_long_value_in_changes_is_refused_with_its_key() -> None:
    assert violations(validate_changes, StageChanges, {"stage_name": "x" * 101, "duration_minutes": -5}) == [
        (
            ("stage_name",),
            "string_too_long",
            "String should have at most 100 characters",
            "x" * 101,
            {"max_length": 100},
        ),
        (("duration_minutes",), "greater_than", "Input should be greater than 0", -5, {"gt": 0}),
    ]


def test_changes_marked_valid_by_the_edge_are_not_checked_again() -> None:
    marked = mark_valid(StageChanges, {"stage_name": "x" * 101})
    assert validate_changes(StageChanges, marked) is marked
    # ... but only for the type they were checked as.
    assert violations(validate_changes, ApplicationChanges, marked)[0][:2] == (
        ("stage_name",),
        "extra_forbidden",
    )


def test_an_invalid_input_always_has_a_violation() -> None:
    with pytest.raises(ValueError, match="at least one violation"):
        InvalidInput([])
    assert InvalidInput([Violation((), "dict_type", "Input should be a valid dictionary", 3)]).detail == (
        "input: Input should be a valid dictionary"
    )


# --- secrets and names ---------------------------------------------------------------------

HIDDEN = Problem("value_error", "Value error, control and invisible formatting characters are not allowed")


@pytest.mark.parametrize(
    "text",
    ["ada\u202e", "\u200bada", "a\u200db", "\ufeffada", "a\u00adb", "a\tb", "a\nb", "a\x1bb", "a\x85b"],
)
def test_no_control_chars_refuses_control_and_format_characters(text: str) -> None:
    assert NoControlChars().problem(text) == HIDDEN


@pytest.mark.parametrize(
    "text", ["Zoë", "李雷", "O'Brien-Smith", "Ada Lovelace", "Ωmega\u00a0Team", "ユーザー"]
)
def test_no_control_chars_accepts_ordinary_names_in_any_script(text: str) -> None:
    assert NoControlChars().problem(text) is None


def test_a_control_character_no_text_may_hold_gets_the_general_message_in_a_name_too() -> None:
    # The general rule runs before the name's own; tab and newline are left to NoControlChars.
    assert violations(Registration, email="ada@example.com", username="ada\x1b", password="s3cret!") == [
        (("username",), "value_error", CONTROL_MSG, "ada\x1b", None)
    ]
    assert violations(Registration, email="ada@example.com", username="ada\t", password="s3cret!") == [
        (("username",), HIDDEN.type, HIDDEN.msg, "ada\t", None)
    ]


def test_a_registration_with_a_bidi_override_in_the_username_is_refused() -> None:
    assert violations(Registration, email="ada@example.com", username="ali\u202ece", password="s3cret!") == [
        (("username",), HIDDEN.type, HIDDEN.msg, "ali\u202ece", None)
    ]
    assert violations(
        Registration, email="ada@example.com", username="ada", password="s3cret!", display_name="A\u200dda"
    ) == [(("display_name",), HIDDEN.type, HIDDEN.msg, "A\u200dda", None)]
    assert (
        Registration(
            email="zoe@example.com", username="zoë", password="s3cret!", display_name="李雷"
        ).username
        == "zoë"
    )


def test_a_profile_change_with_a_zero_width_joiner_is_refused() -> None:
    with pytest.raises(InvalidInput) as caught:
        validate_changes(ProfileChanges, {"display_name": "Ada\u200dLovelace"})
    assert [(v.loc, v.type, v.msg) for v in caught.value.violations] == [
        (("display_name",), HIDDEN.type, HIDDEN.msg)
    ]
    assert validate_changes(ProfileChanges, {"display_name": "Zoë"}) == {"display_name": "Zoë"}


def test_a_refused_password_is_never_kept_in_the_violation() -> None:
    with pytest.raises(InvalidInput) as caught:
        inputs.Credentials(email="ada@example.com", password="Zq9!x")
    [violation] = caught.value.violations
    assert violation.input is REDACTED
    assert "Zq9!x" not in repr(caught.value.violations) + str(caught.value)
    assert (violation.loc, violation.type) == (("password",), "string_too_short")


def test_password_is_a_declared_secret() -> None:
    assert "password" in secret_fields()
    assert "username" not in secret_fields()

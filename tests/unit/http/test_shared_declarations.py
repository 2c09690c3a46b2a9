"""The HTTP converter and the core enforce the same declarations in the same words, and only once."""

from __future__ import annotations

from typing import Any

import pytest

from offertracker_core import validation
from offertracker_core.enums import StageResult
from offertracker_core.errors import InvalidInput
from offertracker_core.inputs import NewStage, Registration, StageChanges
from offertracker_core.validation import validate_changes
from offertracker_http.parsing import structure_body
from offertracker_http.validation import RequestValidationError, violation_dict


def edge_errors(body: dict[str, Any], cls: type) -> list[dict[str, Any]]:
    with pytest.raises(RequestValidationError) as caught:
        structure_body(body, cls)
    return caught.value.errors


def core_errors(build: Any, *args: Any, **kwargs: Any) -> list[dict[str, Any]]:
    with pytest.raises(InvalidInput) as caught:
        build(*args, **kwargs)
    return [violation_dict(v, "body") for v in caught.value.violations]


def test_a_bad_registration_reads_the_same_from_json_and_from_python() -> None:
    body = {"email": "ada@@example.com", "username": "x" * 51, "password": "12345"}
    assert edge_errors(body, Registration) == core_errors(Registration, **body)


def test_bad_stage_fields_read_the_same_from_json_and_from_python() -> None:
    body = {"stage_name": "a\x00", "duration_minutes": 0, "questions_asked": ["ok", 3], "result": "Nope"}
    assert edge_errors(body, NewStage) == core_errors(NewStage, **body)


def test_bad_changes_read_the_same_from_json_and_from_python() -> None:
    body = {"stage_name": "x" * 101, "duration_minutes": -1, "result": None}
    assert edge_errors(body, StageChanges) == core_errors(validate_changes, StageChanges, body)


def test_what_the_converter_built_is_not_checked_again(monkeypatch: pytest.MonkeyPatch) -> None:
    def no_second_check(cls: type) -> Any:
        raise AssertionError(f"{cls.__name__} checked twice")

    monkeypatch.setattr(validation, "_validator", no_second_check)
    monkeypatch.setattr(validation, "_VALIDATORS", {})
    monkeypatch.setattr(validation, "_checks", no_second_check)
    stage = structure_body({"stage_name": "Screen", "result": "Passed"}, NewStage)
    assert stage.result is StageResult.PASSED
    changes = structure_body({"stage_name": "Onsite", "unknown": 1}, StageChanges)
    assert validate_changes(StageChanges, changes) == {"stage_name": "Onsite"}

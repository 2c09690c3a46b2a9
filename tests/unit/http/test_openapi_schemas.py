"""The document's schemas and operations, read from declarations: what they say, and what they refuse."""

from __future__ import annotations

from typing import Annotated, Any, TypedDict
from uuid import UUID

import attrs
import pytest
from aiohttp import web

from offertracker_core.constraints import MaxLen, Secret
from offertracker_http.openapi.schemas import NO_CONTROL_CHARACTERS, Schemas
from offertracker_http.operations import declare


@attrs.frozen
class Note:
    """A note a caller sends."""

    text: Annotated[str, MaxLen(10)]
    pin: Annotated[str, Secret()] | None = None


class NoteChanges(TypedDict, total=False):
    text: str


def test_an_attrs_input_is_a_named_component_with_its_bounds_defaults_and_required_fields() -> None:
    schemas = Schemas()

    assert schemas.of(Note, request=True) == {"$ref": "#/components/schemas/Note"}
    assert schemas.components["Note"] == {
        "title": "Note",
        "description": "A note a caller sends.",
        "type": "object",
        "properties": {
            "text": {"type": "string", "pattern": NO_CONTROL_CHARACTERS, "maxLength": 10},
            # A secret is exempt from the control-character rule, as in the converter.
            "pin": {"anyOf": [{"type": "string", "format": "password"}, {"type": "null"}], "default": None},
        },
        "required": ["text"],
    }


def test_a_partial_update_requires_nothing_and_an_answer_requires_every_field() -> None:
    schemas = Schemas()
    schemas.of(NoteChanges, request=True)
    assert schemas.components["NoteChanges"]["required"] == []

    answers = Schemas()
    answers.of(Note, request=False)
    assert answers.components["Note"]["required"] == ["text", "pin"]
    assert answers.components["Note"]["properties"]["text"] == {"type": "string", "maxLength": 10}


def test_a_constraint_without_a_json_schema_is_refused_rather_than_left_out() -> None:
    class Unknown:
        pass

    with pytest.raises(TypeError, match="no JSON Schema for the constraint"):
        Schemas().of(Annotated[str, Unknown()], request=True)


def test_two_types_of_one_name_are_refused() -> None:
    first = attrs.make_class("Twin", {"a": attrs.field(type=int)})
    second = attrs.make_class("Twin", {"b": attrs.field(type=int)})
    schemas = Schemas()
    schemas.of(first, request=False)

    with pytest.raises(TypeError, match="two schemas named Twin"):
        schemas.of(second, request=False)


def test_a_model_both_sent_and_answered_is_refused_rather_than_documented_one_way() -> None:
    schemas = Schemas()
    schemas.of(Note, request=True)

    with pytest.raises(TypeError, match="Note is both sent and answered"):
        schemas.of(Note, request=False)


async def _untyped(req: web.Request) -> Note:
    raise NotImplementedError


async def _missing_path_parameter(request: web.Request) -> Note:
    raise NotImplementedError


async def _bytes_answer(request: web.Request, note_id: UUID) -> bytes:
    raise NotImplementedError


async def _two_bodies(request: web.Request, first: Note, second: NoteChanges) -> Note:
    raise NotImplementedError


@pytest.mark.parametrize(
    ("handler", "path", "problem"),
    [
        (_untyped, "/notes/", "the first parameter must be the request"),
        (_missing_path_parameter, "/notes/{note_id}", r"no parameter for path placeholders \['note_id'\]"),
        (_bytes_answer, "/notes/{note_id}", "name the model of a bytes answer in response="),
        (_two_bodies, "/notes/", r"two JSON bodies \(first, second\)"),
    ],
)
def test_a_handler_that_declares_its_contract_wrongly_fails_at_import(
    handler: Any, path: str, problem: str
) -> None:
    with pytest.raises(TypeError, match=problem):
        declare(handler, "GET", path, tag="notes")


async def update_note(request: web.Request, note_id: UUID, changes: NoteChanges) -> Note:
    raise NotImplementedError


def test_a_signature_gives_path_parameters_body_and_answer() -> None:
    operation = declare(update_note, "PUT", "/notes/{note_id}", tag="notes", status=200)

    assert operation.path_params == (("note_id", UUID),)
    assert operation.body is not None
    assert (operation.body.name, operation.body.cls, operation.body.optional) == (
        "changes",
        NoteChanges,
        False,
    )
    assert operation.query is None
    assert operation.response is Note
    assert operation.takes_input
    assert (operation.operation_id, operation.summary) == ("update_note", "Update note")

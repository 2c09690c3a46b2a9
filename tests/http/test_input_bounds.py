"""Every free-text field, list and JSON document has a bound, declared once in the core, and an
application holds at most 50 stages (the issue "Hold up under abuse"; README, "Input bounds")."""

from __future__ import annotations

import typing
from typing import Any

import pytest
import sqlalchemy as sa

from offertracker_core import inputs
from offertracker_core.constraints import MaxLen
from offertracker_core.errors import InvalidInput
from offertracker_core.inputs import MAX_STAGES_PER_APPLICATION, NewApplication, NewReflection, NewStage
from offertracker_storage.sql import tables as t

from .httpkit import add_stage, call, count, create_application, register, tables, too_long


async def test_a_note_past_twenty_thousand_characters_is_a_422_and_nothing_is_stored(client, db):
    _, headers = await register(client, "alice")
    note = "n" * 20_001
    body = {"company_name": "Acme", "role_title": "Engineer", "notes": note}

    answer = await call(client, "POST", "/applications/", headers, json=body, expect=422)

    assert answer == {"detail": [too_long(["body", "notes"], note, 20_000)]}
    assert count(db, tables.applications) == 0
    # Exactly at the bound is fine.
    await create_application(client, headers, notes="n" * 20_000, description="d" * 20_000)


async def test_a_bio_past_two_thousand_characters_is_refused_on_the_profile(client):
    _, headers = await register(client, "alice")
    bio = "b" * 2_001

    answer = await call(client, "PUT", "/users/me", headers, json={"bio": bio}, expect=422)

    assert answer == {"detail": [too_long(["body", "bio"], bio, 2_000)]}


async def test_interview_questions_are_capped_in_number_and_in_length(client, db):
    _, headers = await register(client, "alice")
    app = await create_application(client, headers)
    path = f"/applications/{app['id']}/stages"
    questions = [f"q{i}" for i in range(51)]

    answer = await call(
        client, "POST", path, headers, json={"stage_name": "Onsite", "questions_asked": questions}, expect=422
    )

    [error] = answer["detail"]
    assert (error["type"], error["loc"]) == ("too_long", ["body", "questions_asked"])
    assert error["msg"] == "List should have at most 50 items after validation, not 51"
    assert error["ctx"] == {"field_type": "List", "max_length": 50, "actual_length": 51}

    long_question = "q" * 501
    answer = await call(
        client,
        "POST",
        path,
        headers,
        json={"stage_name": "Onsite", "questions_asked": ["ok", long_question]},
        expect=422,
    )
    assert answer == {"detail": [too_long(["body", "questions_asked", 1], long_question, 500)]}
    assert count(db, tables.application_stages) == 0


async def test_a_stage_holds_ten_thousand_characters_of_notes_and_of_preparation(client, db):
    _, headers = await register(client, "alice")
    app = await create_application(client, headers)
    path = f"/applications/{app['id']}/stages"
    long = "p" * 10_001

    body = {"stage_name": "Onsite", "prep_notes": long, "notes": long}
    answer = await call(client, "POST", path, headers, json=body, expect=422)

    assert answer == {
        "detail": [
            too_long(["body", "prep_notes"], long, 10_000),
            too_long(["body", "notes"], long, 10_000),
        ]
    }
    assert count(db, tables.application_stages) == 0
    stage = await add_stage(client, headers, app["id"], prep_notes=long[1:], notes=long[1:])
    assert (len(stage["prep_notes"]), len(stage["notes"])) == (10_000, 10_000)


async def test_skill_gaps_past_64_kib_encoded_are_refused(client, db):
    _, headers = await register(client, "alice")
    app = await create_application(client, headers)
    gaps = {"notes": "x" * (64 * 1024)}

    answer = await call(
        client,
        "POST",
        f"/applications/{app['id']}/reflection",
        headers,
        json={"skill_gaps": gaps},
        expect=422,
    )

    [error] = answer["detail"]
    assert (error["type"], error["loc"]) == ("value_error", ["body", "skill_gaps"])
    assert error["msg"] == "Value error, JSON value should be at most 65536 bytes encoded"
    assert count(db, tables.reflections) == 0


async def test_the_fifty_first_stage_of_an_application_is_refused(client, db):
    _, headers = await register(client, "alice")
    app = await create_application(client, headers)
    for n in range(MAX_STAGES_PER_APPLICATION):
        await add_stage(client, headers, app["id"], stage_name=f"Round {n}")

    answer = await call(
        client,
        "POST",
        f"/applications/{app['id']}/stages",
        headers,
        json={"stage_name": "One more"},
        expect=400,
    )

    assert answer == {"detail": "An application can have at most 50 stages"}
    assert count(db, tables.application_stages) == MAX_STAGES_PER_APPLICATION
    # Another application still takes stages.
    other = await create_application(client, headers)
    await add_stage(client, headers, other["id"])


def test_library_callers_meet_the_same_bounds() -> None:
    with pytest.raises(InvalidInput) as refused:
        NewApplication(company_name="Acme", role_title="Engineer", description="d" * 20_001)
    [violation] = refused.value.violations
    assert (violation.loc, violation.type) == (("description",), "string_too_long")
    with pytest.raises(InvalidInput):
        NewStage(stage_name="Onsite", questions_asked=["q"] * 51)
    with pytest.raises(InvalidInput):
        NewReflection(skill_gaps={"x": "y" * 70_000})


# --- the declared bounds against the columns -------------------------------------------------

# Which table stores each input class's fields (a field without a column of its own name is skipped).
_STORED_IN: dict[type, sa.Table] = {
    inputs.Registration: t.users,
    inputs.ProfileChanges: t.users,
    inputs.NewResume: t.resume_versions,
    inputs.ResumeChanges: t.resume_versions,
    inputs.NewApplication: t.applications,
    inputs.ApplicationChanges: t.applications,
    inputs.NewStage: t.application_stages,
    inputs.StageChanges: t.application_stages,
    inputs.NewOutcome: t.outcomes,
    inputs.OutcomeChanges: t.outcomes,
    inputs.NewReflection: t.reflections,
    inputs.ReflectionChanges: t.reflections,
    inputs.NewSavedJob: t.saved_jobs,
    inputs.SavedJobChanges: t.saved_jobs,
    inputs.NewContact: t.contacts,
    inputs.ContactChanges: t.contacts,
    inputs.NewDocument: t.documents,
    inputs.DocumentChanges: t.documents,
    inputs.NewReminder: t.reminders,
    inputs.ReminderChanges: t.reminders,
    inputs.NewTag: t.tags,
    inputs.TagChanges: t.tags,
    inputs.NewGroup: t.social_groups,
    inputs.GroupChanges: t.social_groups,
    inputs.NewPost: t.posts,
    inputs.PostChanges: t.posts,
}


def _max_len(hint: Any) -> int | None:
    """The ``MaxLen`` of a field's declaration (``X | None`` unwrapped), or None."""
    for arg in (hint, *typing.get_args(hint)):
        if typing.get_origin(arg) is typing.Annotated:
            for marker in arg.__metadata__:
                if isinstance(marker, MaxLen):
                    return marker.value
    return None


def _is_text(hint: Any) -> bool:
    for arg in (hint, *typing.get_args(hint)):
        base = arg.__origin__ if typing.get_origin(arg) is typing.Annotated else arg
        if base is str:
            return True
    return False


@pytest.mark.parametrize("cls", list(_STORED_IN), ids=lambda cls: cls.__name__)
def test_every_text_field_has_a_bound_its_column_can_hold(cls: type) -> None:
    table = _STORED_IN[cls]
    hints = typing.get_type_hints(cls, include_extras=True)
    for name, hint in hints.items():
        if not _is_text(hint) or name not in table.c:
            continue
        bound = _max_len(hint)
        assert bound is not None, f"{cls.__name__}.{name} has no MaxLen"
        length = getattr(table.c[name].type, "length", None)
        assert length is None or length >= bound, (
            f"{table.name}.{name} holds {length}, the input allows {bound}"
        )

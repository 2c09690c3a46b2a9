"""The largest response any list endpoint can produce stays under 32 MiB (the issue "Hold up under
abuse"; README, "Input bounds").

First computed: rows at every declared bound, written in the characters that cost JSON the most,
rendered by the API's own renderer; then a page of them at the largest ``limit``, ended by the
page budget of :mod:`offertracker_core.pages` where it applies. Then observed, on SQLite and
PostgreSQL, with the real 8 MiB budget: pages that cross it end there, and paging on by the rows
received still reaches every row.
"""

from __future__ import annotations

import json
import types
import typing
from datetime import UTC, date, datetime
from enum import Enum
from typing import Any
from uuid import uuid4

import attrs
import pytest

from offertracker_core import inputs, pages
from offertracker_core.analytics import QUESTION_BANK_LIMIT, QuestionBank, QuestionEntry
from offertracker_core.constraints import MaxItems, MaxJsonBytes, MaxLen
from offertracker_core.entities import (
    Application,
    ApplicationDetail,
    ApplicationTag,
    AssignedTag,
    Contact,
    Document,
    GroupMember,
    Outcome,
    Reflection,
    Reminder,
    ResumeVersion,
    Stage,
    Tag,
    User,
)
from offertracker_core.ports import GroupView
from offertracker_http.rendering import to_json
from offertracker_http.schemas import MAX_LIMIT, PublicProfile

from .httpkit import add_stage, call, create_application, create_resume, register

LARGEST_RESPONSE = 32 * 1024 * 1024
"""The stated bound on any list response, in bytes."""

# Where each entity's texts are bounded: the input classes that write its fields.
_DECLARED_BY: dict[type, tuple[type, ...]] = {
    Application: (inputs.NewApplication,),
    Stage: (inputs.NewStage,),
    Outcome: (inputs.NewOutcome,),
    Reflection: (inputs.NewReflection,),
    ResumeVersion: (inputs.NewResume,),
    User: (inputs.Registration, inputs.ProfileChanges),
    Contact: (inputs.NewContact,),
    Document: (inputs.NewDocument,),
    Reminder: (inputs.NewReminder, inputs.ReminderChanges),
    Tag: (inputs.NewTag, inputs.TagChanges),
    ApplicationTag: (),
    GroupView: (inputs.NewGroup, inputs.GroupChanges),
    GroupMember: (),
}

# The characters JSON spends most on: four bytes written as four, a quote and a line feed
# written as two bytes for one; plain ASCII for comparison; "" for rows with no text at all.
_COSTLIEST = ["\U0001f600", '"', "\n", "a", ""]


def _markers(hint: Any) -> list[Any]:
    """The constraint markers of a declaration, through ``| None``, ``Annotated`` and ``list[...]``."""
    if typing.get_origin(hint) is typing.Annotated:
        return [*hint.__metadata__, *_markers(typing.get_args(hint)[0])]
    if typing.get_origin(hint) in (list, types.UnionType, typing.Union):
        return [marker for arg in typing.get_args(hint) for marker in _markers(arg)]
    return []


def _declared(entity: type, field: str) -> list[Any]:
    for cls in _DECLARED_BY[entity]:
        hints = typing.get_type_hints(cls, include_extras=True)
        if field in hints:
            return _markers(hints[field])
    return []


def _bound(markers: list[Any], kind: type) -> int:
    [value] = [marker.value for marker in markers if isinstance(marker, kind)]
    return int(value)


def _maximal_value(entity: type, field: attrs.Attribute, hint: Any, char: str) -> Any:  # type: ignore[type-arg]
    base = next((arg for arg in typing.get_args(hint) if arg is not type(None)), hint)
    markers = _declared(entity, field.name)
    if isinstance(base, type) and issubclass(base, Enum):
        return max(base, key=lambda member: len(member.value))
    if base is str:
        return char * _bound(markers, MaxLen)
    if base is int:
        return inputs.MAX_BIGINT
    if base is bool:
        return False
    if base is datetime:
        return datetime(9999, 12, 31, 23, 59, 59, 999000, tzinfo=UTC)
    if base is date:
        return date(9999, 12, 31)
    if typing.get_origin(base) is tuple:  # questions: the most items, each as long as allowed
        [item_length] = [marker.value for marker in markers if isinstance(marker, MaxLen)]
        return (char * item_length,) * _bound(markers, MaxItems)
    if typing.get_origin(base) is dict:  # free-form JSON: one string filling the encoded bound
        limit = _bound(markers, MaxJsonBytes)
        per_char = len(json.dumps(char, ensure_ascii=False).encode()) - 2 if char else 1
        return {"x": char * ((limit - len('{"x":""}')) // per_char)}
    return uuid4()  # ids


def _maximal(entity: type, char: str, **fixed: Any) -> Any:
    hints = typing.get_type_hints(entity)
    values = {
        field.name: fixed.get(field.name) or _maximal_value(entity, field, hints[field.name], char)
        for field in attrs.fields(entity)
    }
    return entity(**values)


def _largest_application(char: str) -> ApplicationDetail:
    application = _maximal(Application, char)
    child = {"application_id": application.id}
    return ApplicationDetail(
        application=application,
        stages=tuple(_maximal(Stage, char, **child) for _ in range(inputs.MAX_STAGES_PER_APPLICATION)),
        outcome=_maximal(Outcome, char, **child),
        reflection=_maximal(Reflection, char, **child),
    )


def _largest_assigned_tag(char: str) -> AssignedTag:
    return AssignedTag.of(_maximal(ApplicationTag, char), _maximal(Tag, char))


@pytest.mark.parametrize("char", _COSTLIEST, ids=["emoji", "quote", "newline", "ascii", "empty"])
def test_a_row_renders_in_at_most_twice_its_counted_content(char: str) -> None:
    # The page budget counts content (pages.content_bytes); a page's JSON is bounded only if no row
    # renders in more than twice what it counts for, structure included.
    rows = [
        _largest_application(char),
        _maximal(ResumeVersion, char),
        _maximal(Contact, char),
        _maximal(Document, char),
        _maximal(Reminder, char),
        _maximal(Tag, char),
        _largest_assigned_tag(char),
        _maximal(GroupView, char),
        _maximal(GroupMember, char),
    ]
    for row in rows:
        assert len(to_json(row)) <= 2 * pages.content_bytes(row), type(row).__name__


def test_the_largest_page_of_any_list_endpoint_stays_under_32_mib() -> None:
    def largest(render: Any, build: Any) -> int:
        return max(len(render(build(char))) for char in _COSTLIEST)

    application = largest(to_json, _largest_application)
    resume = largest(to_json, lambda char: _maximal(ResumeVersion, char))
    contact = largest(to_json, lambda char: _maximal(Contact, char))
    document = largest(to_json, lambda char: _maximal(Document, char))
    profile = largest(lambda user: to_json(PublicProfile.from_user(user)), lambda char: _maximal(User, char))
    reminder = largest(to_json, lambda char: _maximal(Reminder, char))
    tag = largest(to_json, lambda char: _maximal(Tag, char))
    assigned_tag = largest(to_json, _largest_assigned_tag)
    group = largest(to_json, lambda char: _maximal(GroupView, char))
    member = largest(to_json, lambda char: _maximal(GroupMember, char))
    punctuation = MAX_LIMIT + 1  # brackets and commas
    # Budgeted lists: the rows before the last count under PAGE_BYTES and render in at most twice
    # that; the last may be the largest row there is.
    budgeted = 2 * pages.PAGE_BYTES + punctuation
    largest_page = {
        "GET /applications/": budgeted + application,
        "GET /resumes/": budgeted + resume,
        "GET /contacts/": budgeted + contact,
        "GET /documents/{application_id}": budgeted + document,
        "GET /reminders/": budgeted + reminder,
        "GET /reminders/upcoming": budgeted + reminder,
        "GET /tags/": budgeted + tag,
        "GET /tags/application/{id}": budgeted + assigned_tag,
        "GET /social/groups": budgeted + group,
        "GET /social/groups/mine": budgeted + group,
        # Memberships hold no free text: a full page of the largest needs no budget.
        "GET /social/groups/{group_id}/members": MAX_LIMIT * member + punctuation,
        # Profiles are small enough for a full page of the largest: no budget needed.
        "GET /users/search": MAX_LIMIT * profile + punctuation,
    }

    assert application < 11 * 1024 * 1024, application  # one application: GET /applications/{id}
    for endpoint, size in largest_page.items():
        assert size < LARGEST_RESPONSE, f"{endpoint}: {size:,} bytes"


def test_the_largest_question_bank_stays_under_32_mib() -> None:
    # /analytics/questions has no pages: it stops at QUESTION_BANK_LIMIT entries, each at most a
    # question, a stage name (standing in for its type), a company and a role at their bounds.
    def length(entity: type, field: str) -> int:
        return _bound(_declared(entity, field), MaxLen)

    def bank(char: str) -> QuestionBank:
        entry = QuestionEntry(
            char * length(Stage, "questions_asked"),
            char * length(Stage, "stage_name"),
            char * length(Application, "company_name"),
            char * length(Application, "role_title"),
        )
        return QuestionBank((entry,) * QUESTION_BANK_LIMIT, QUESTION_BANK_LIMIT)

    size = max(len(to_json(bank(char))) for char in _COSTLIEST)
    assert size < LARGEST_RESPONSE, f"GET /analytics/questions: {size:,} bytes"


# --- observed through the API, with the real budget ---------------------------------------------

EMOJI = "\U0001f600"


async def _pages_of(client: Any, headers: dict[str, str], path: str) -> list[tuple[int, list[Any]]]:
    """Every page of ``path`` at the largest limit, paging on by the rows received: (bytes, rows)."""
    found: list[tuple[int, list[Any]]] = []
    while True:
        skip = sum(len(rows) for _, rows in found)
        response = await client.get(f"/api/v1{path}?limit={MAX_LIMIT}&skip={skip}", headers=headers)
        assert response.status == 200
        body = await response.read()
        rows = json.loads(body)
        if not rows:
            return found
        found.append((len(body), rows))


async def test_a_page_of_resumes_ends_past_eight_mib_and_paging_on_reaches_every_resume(client):
    _, headers = await register(client, "alice")
    notes = EMOJI * 20_000  # 80,000 bytes
    created = [await create_resume(client, headers, version_name=f"v{n:03}", notes=notes) for n in range(110)]
    each = pages.OBJECT_BYTES + len("v000") + len(notes.encode())
    fits = -(-pages.PAGE_BYTES // each)  # rows until the content ahead of the next reaches the budget

    found = await _pages_of(client, headers, "/resumes/")

    assert [len(rows) for _, rows in found] == [fits, len(created) - fits]
    assert fits == 104
    first_page_bytes = found[0][0]
    assert fits * len(notes.encode()) < first_page_bytes <= 2 * pages.PAGE_BYTES + len(to_json(created[0]))
    listed = [row["id"] for _, rows in found for row in rows]
    assert listed == [resume["id"] for resume in reversed(created)]


async def test_an_application_past_the_budget_with_its_stages_comes_back_alone(client):
    _, headers = await register(client, "alice")
    older = [await create_application(client, headers, company_name=f"older {n}") for n in range(2)]
    big = await create_application(client, headers, company_name="big")
    stage_text = EMOJI * 10_000
    for n in range(inputs.MAX_STAGES_PER_APPLICATION):
        await add_stage(
            client,
            headers,
            big["id"],
            stage_name=f"round {n}",
            interviewer_names=EMOJI * 2_000,
            prep_notes=stage_text,
            notes=stage_text,
            questions_asked=[EMOJI * 500] * inputs.MAX_QUESTIONS,
        )

    found = await _pages_of(client, headers, "/applications/")

    assert [[row["company_name"] for row in rows] for _, rows in found] == [
        ["big"],
        [older[1]["company_name"], older[0]["company_name"]],
    ]
    detail = await call(client, "GET", f"/applications/{big['id']}", headers, expect=200)
    assert len(detail["stages"]) == inputs.MAX_STAGES_PER_APPLICATION
    # The page holding it is the application and two brackets: about 9.5 MB, far under the bound.
    assert pages.PAGE_BYTES < found[0][0] < 11 * 1024 * 1024

"""The ownership matrix (behaviour.md §3): Bob gets 403 on every id-taking endpoint of Alice's data.

Alice's data is read back as Alice, byte for byte, before and after Bob's
attempts, and the database row counts do not move.
"""

from __future__ import annotations

import pytest

from .httpkit import (
    API,
    add_stage,
    call,
    create_application,
    create_outcome,
    create_reflection,
    create_resume,
    register,
    rows,
    tables,
)

ALL_TABLES = (
    tables.resume_versions,
    tables.applications,
    tables.application_stages,
    tables.outcomes,
    tables.reflections,
    tables.activity_log,
)


@pytest.fixture
async def alices_world(client):
    """Alice with a resume and an application carrying a stage, an outcome and a reflection."""
    _, alice = await register(client, "alice")
    _, bob = await register(client, "bob")
    resume = await create_resume(client, alice, notes="mine")
    application = await create_application(client, alice, status="Applied", resume_version_id=resume["id"])
    stage = await add_stage(client, alice, application["id"])
    outcome = await create_outcome(client, alice, application["id"], salary=10)
    reflection = await create_reflection(client, alice, application["id"], what_worked="x")
    ids = {
        "resume": resume["id"],
        "app": application["id"],
        "stage": stage["id"],
        "outcome": outcome["id"],
        "reflection": reflection["id"],
    }
    return alice, bob, ids


async def snapshot(client, alice, ids, db) -> tuple:
    resume = await client.get(f"{API}/resumes/{ids['resume']}", headers=alice)
    application = await client.get(f"{API}/applications/{ids['app']}", headers=alice)
    assert (resume.status, application.status) == (200, 200)
    counts = tuple(len(rows(db, table)) for table in ALL_TABLES)
    return await resume.read(), await application.read(), counts


# (method, path template, body, expected status, expected detail)
MATRIX = [
    ("GET", "/resumes/{resume}", None, 403, "Not your resume"),
    ("PUT", "/resumes/{resume}", {"notes": "bob was here"}, 403, "Not your resume"),
    ("DELETE", "/resumes/{resume}", None, 403, "Not your resume"),
    ("GET", "/applications/{app}", None, 403, "Not your application"),
    ("PUT", "/applications/{app}", {"notes": "bob was here"}, 403, "Not your application"),
    ("DELETE", "/applications/{app}", None, 403, "Not your application"),
    ("POST", "/applications/{app}/stages", {"stage_name": "bob"}, 403, "Not your application"),
    ("PUT", "/applications/{app}/stages/{stage}", {"notes": "bob"}, 403, "Not your application"),
    ("DELETE", "/applications/{app}/stages/{stage}", None, 403, "Not your application"),
    ("POST", "/applications/{app}/outcome", {"salary": 1}, 403, "Not your application"),
    ("PUT", "/applications/{app}/outcome/{outcome}", {"salary": 1}, 403, "Not your application"),
    ("DELETE", "/applications/{app}/outcome/{outcome}", None, 403, "Not your application"),
    ("POST", "/applications/{app}/reflection", {"what_worked": "bob"}, 403, "Not your application"),
    (
        "PUT",
        "/applications/{app}/reflection/{reflection}",
        {"what_worked": "bob"},
        403,
        "Not your application",
    ),
    ("DELETE", "/applications/{app}/reflection/{reflection}", None, 403, "Not your application"),
]


@pytest.mark.parametrize(("method", "template", "body", "status", "detail"), MATRIX)
async def test_another_user_cannot_touch_alices_data(
    client, db, alices_world, method, template, body, status, detail
):
    alice, bob, ids = alices_world
    before = await snapshot(client, alice, ids, db)
    answer = await call(client, method, template.format(**ids), bob, json=body, expect=status)
    assert answer == {"detail": detail}
    assert await snapshot(client, alice, ids, db) == before


async def test_bobs_own_children_under_alices_application_are_still_forbidden(client, db, alices_world):
    """Bob's stage id under Alice's application: the application check answers first."""
    alice, bob, ids = alices_world
    bobs_app = await create_application(client, bob)
    bobs_stage = await add_stage(client, bob, bobs_app["id"])
    before = await snapshot(client, alice, ids, db)
    answer = await call(
        client, "PUT", f"/applications/{ids['app']}/stages/{bobs_stage['id']}", bob, json={}, expect=403
    )
    assert answer == {"detail": "Not your application"}
    answer = await call(
        client, "DELETE", f"/applications/{bobs_app['id']}/stages/{ids['stage']}", bob, expect=404
    )
    assert answer == {"detail": "Stage not found"}
    assert await snapshot(client, alice, ids, db) == before


async def test_alices_children_under_bobs_application_are_not_found(client, db, alices_world):
    alice, bob, ids = alices_world
    bobs_app = await create_application(client, bob)
    before = await snapshot(client, alice, ids, db)
    for kind, key, message in (
        ("outcome", "outcome", "Outcome not found"),
        ("reflection", "reflection", "Reflection not found"),
        ("stages", "stage", "Stage not found"),
    ):
        path = f"/applications/{bobs_app['id']}/{kind}/{ids[key]}"
        assert await call(client, "PUT", path, bob, json={}, expect=404) == {"detail": message}
        assert await call(client, "DELETE", path, bob, expect=404) == {"detail": message}
    assert await snapshot(client, alice, ids, db) == before


async def test_lists_never_show_another_users_data(client, alices_world):
    _, bob, _ = alices_world
    assert await call(client, "GET", "/resumes/", bob, expect=200) == []
    assert await call(client, "GET", "/applications/", bob, expect=200) == []

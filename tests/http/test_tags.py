"""``/tags``: the caller's tag library and the tags of their applications (behaviour.md §9)."""

from __future__ import annotations

import uuid

import pytest

from .httpkit import (
    API,
    DATETIME,
    UUID_STR,
    call,
    count,
    create_application,
    create_reminder,
    create_tag,
    register,
    rows,
    tables,
)

HEX = "^#([0-9a-fA-F]{3}|[0-9a-fA-F]{6})$"


def names(tags: list[dict]) -> list[str]:
    return [tag["name"] for tag in tags]


def assignments(db) -> list[tuple[str, str]]:
    return sorted((str(r["application_id"]), str(r["tag_id"])) for r in rows(db, tables.application_tags))


async def assign(client, headers, application_id: str, tag_id: str, *, expect: int = 201):
    return await call(
        client, "POST", f"/tags/application/{application_id}/assign/{tag_id}", headers, expect=expect
    )


# --- the library ----------------------------------------------------------------------------------


async def test_creating_a_tag_answers_every_field(client, db):
    user, headers = await register(client, "alice")
    tag = await call(client, "POST", "/tags/", headers, json={"name": "Remote", "color": "#0f0"}, expect=201)
    assert tag == {
        "id": UUID_STR,
        "user_id": user["id"],
        "name": "Remote",
        "color": "#0f0",
        "created_at": DATETIME,
    }
    [row] = rows(db, tables.tags)
    assert (str(row["id"]), row["name"], row["color"]) == (tag["id"], "Remote", "#0f0")


async def test_the_colour_defaults_to_the_reference_indigo(client):
    _, headers = await register(client, "alice")
    assert (await call(client, "POST", "/tags", headers, json={"name": "x"}, expect=201))[
        "color"
    ] == "#6366f1"


@pytest.mark.parametrize("color", ["#abc", "#ABC", "#a1B2c3", "#000000"])
async def test_three_and_six_digit_hex_colours_are_accepted(client, color):
    _, headers = await register(client, "alice")
    assert (await create_tag(client, headers, color=color))["color"] == color


@pytest.mark.parametrize(
    ("color", "kind"),
    [
        ("red", "string_pattern_mismatch"),
        ("#12345", "string_pattern_mismatch"),
        ("#abcd", "string_pattern_mismatch"),
        ("#ggg", "string_pattern_mismatch"),
        ("123456", "string_pattern_mismatch"),
        ("#abc\n", "string_pattern_mismatch"),
        ("#1234567", "string_too_long"),
        (None, "string_type"),
        (123, "string_type"),
    ],
)
async def test_any_other_colour_is_422_on_create_and_update(client, db, color, kind):
    _, headers = await register(client, "alice")
    answer = await call(client, "POST", "/tags/", headers, json={"name": "x", "color": color}, expect=422)
    [error] = answer["detail"]
    assert (error["loc"], error["type"]) == (["body", "color"], kind)
    if kind == "string_pattern_mismatch":
        assert error["msg"] == f"String should match pattern '{HEX}'"
    assert count(db, tables.tags) == 0
    tag = await create_tag(client, headers)
    answer = await call(client, "PUT", f"/tags/{tag['id']}", headers, json={"color": color}, expect=422)
    assert [(e["loc"], e["type"]) for e in answer["detail"]] == [(["body", "color"], kind)]
    assert rows(db, tables.tags)[0]["color"] == "#6366f1"


@pytest.mark.parametrize(
    ("body", "errors"),
    [
        ({}, [("missing", ["body", "name"])]),
        ({"name": "n" * 51}, [("string_too_long", ["body", "name"])]),
        ({"name": None}, [("string_type", ["body", "name"])]),
        ({"name": 7}, [("string_type", ["body", "name"])]),
    ],
)
async def test_a_bad_name_is_422(client, db, body, errors):
    _, headers = await register(client, "alice")
    answer = await call(client, "POST", "/tags/", headers, json=body, expect=422)
    assert [(e["type"], e["loc"]) for e in answer["detail"]] == errors
    assert count(db, tables.tags) == 0
    await create_tag(client, headers, name="n" * 50)  # exactly at the bound is fine


async def test_a_name_the_caller_has_already_is_400_but_another_user_may_have_it(client, db, alice, bob):
    _, headers = alice
    await create_tag(client, headers, name="Remote")
    answer = await call(
        client, "POST", "/tags/", headers, json={"name": "Remote", "color": "#fff"}, expect=400
    )
    assert answer == {"detail": "Tag with this name already exists"}
    assert count(db, tables.tags) == 1
    await create_tag(client, headers, name="remote")  # names are case-sensitive, as the constraint is
    await create_tag(client, bob[1], name="Remote")
    assert count(db, tables.tags, name="Remote") == 2


async def test_the_list_is_by_name_in_code_point_order_and_holds_only_the_callers_tags(client, alice, bob):
    _, headers = alice
    for name in ("beta", "Zulu", "alpha", "Ärger", "Alpha"):
        await create_tag(client, headers, name=name)
    await create_tag(client, bob[1], name="bob's")

    listed = await call(client, "GET", "/tags/", headers, expect=200)

    # Code points, the same on SQLite and on any PostgreSQL locale: capitals before small letters.
    assert names(listed) == ["Alpha", "Zulu", "alpha", "beta", "Ärger"]
    assert await call(client, "GET", "/tags", headers, expect=200) == listed
    assert names(await call(client, "GET", "/tags/", bob[1], expect=200)) == ["bob's"]
    assert names(
        await call(client, "GET", "/tags/", headers, params={"skip": 1, "limit": 2}, expect=200)
    ) == [
        "Zulu",
        "alpha",
    ]
    await call(client, "GET", "/tags/", headers, params={"limit": 1001}, expect=422)


async def test_updating_renames_and_recolours_partially(client, db):
    _, headers = await register(client, "alice")
    tag = await create_tag(client, headers, name="Remote", color="#123")
    path = f"/tags/{tag['id']}"

    recoloured = await call(client, "PUT", path, headers, json={"color": "#abcdef"}, expect=200)
    assert recoloured == tag | {"color": "#abcdef"}
    renamed = await call(client, "PUT", path, headers, json={"name": "Hybrid"}, expect=200)
    assert renamed == tag | {"color": "#abcdef", "name": "Hybrid"}
    assert await call(client, "PUT", path, headers, json={"name": "Hybrid"}, expect=200) == renamed
    assert await call(client, "PUT", path, headers, json={}, expect=200) == renamed
    [row] = rows(db, tables.tags)
    assert (row["name"], row["color"]) == ("Hybrid", "#abcdef")


async def test_renaming_to_another_of_the_callers_tag_names_is_400(client, db):
    _, headers = await register(client, "alice")
    await create_tag(client, headers, name="Remote")
    other = await create_tag(client, headers, name="Onsite")
    answer = await call(client, "PUT", f"/tags/{other['id']}", headers, json={"name": "Remote"}, expect=400)
    assert answer == {"detail": "Tag with this name already exists"}
    assert sorted(r["name"] for r in rows(db, tables.tags)) == ["Onsite", "Remote"]


async def test_null_name_is_422_on_update(client):
    _, headers = await register(client, "alice")
    tag = await create_tag(client, headers)
    answer = await call(client, "PUT", f"/tags/{tag['id']}", headers, json={"name": None}, expect=422)
    assert [(e["loc"], e["type"]) for e in answer["detail"]] == [(["body", "name"], "string_type")]


async def test_creating_a_tag_is_a_tracked_action(client, db, clock):
    user, headers = await register(client, "alice")
    await create_tag(client, headers)
    [row] = rows(db, tables.users, id=uuid.UUID(user["id"]))
    assert (row["streak_days"], row["last_active_date"]) == (1, clock.today())


async def test_deleting_a_tag_takes_it_off_every_application(client, db):
    _, headers = await register(client, "alice")
    first, second = await create_application(client, headers), await create_application(client, headers)
    doomed, kept = (
        await create_tag(client, headers, name="doomed"),
        await create_tag(client, headers, name="kept"),
    )
    for application in (first, second):
        await assign(client, headers, application["id"], doomed["id"])
    await assign(client, headers, first["id"], kept["id"])

    assert await call(client, "DELETE", f"/tags/{doomed['id']}", headers, expect=200) == {
        "detail": "Tag deleted"
    }

    assert [r["name"] for r in rows(db, tables.tags)] == ["kept"]
    assert assignments(db) == [(first["id"], kept["id"])]
    listed = await call(client, "GET", f"/tags/application/{first['id']}", headers, expect=200)
    assert [a["tag"]["name"] for a in listed] == ["kept"]
    assert await call(client, "GET", f"/tags/application/{second['id']}", headers, expect=200) == []


# --- tags on applications ---------------------------------------------------------------------------


async def test_assigning_answers_the_assignment_with_its_tag_and_logs_it(client, db):
    user, headers = await register(client, "alice")
    application = await create_application(client, headers)
    tag = await create_tag(client, headers, name="Dream job", color="#f0f")

    assigned = await assign(client, headers, application["id"], tag["id"])

    assert assigned == {
        "id": UUID_STR,
        "application_id": application["id"],
        "tag_id": tag["id"],
        "created_at": DATETIME,
        "tag": tag,
    }
    [row] = rows(db, tables.application_tags)
    assert (str(row["id"]), str(row["application_id"]), str(row["tag_id"])) == (
        assigned["id"],
        application["id"],
        tag["id"],
    )
    [entry] = rows(db, tables.activity_log, action="Tag Assigned")
    assert (entry["description"], entry["metadata"], str(entry["application_id"]), str(entry["user_id"])) == (
        "Tagged application with 'Dream job'",
        {},
        application["id"],
        user["id"],
    )


async def test_an_application_lists_its_tags_by_name_each_with_its_tag(client):
    _, headers = await register(client, "alice")
    application = await create_application(client, headers)
    other = await create_application(client, headers)
    tags = {name: await create_tag(client, headers, name=name) for name in ("remote", "Big", "mid")}
    made = {
        name: await assign(client, headers, application["id"], tags[name]["id"]) for name in ("remote", "Big")
    }
    await assign(client, headers, other["id"], tags["mid"]["id"])

    listed = await call(client, "GET", f"/tags/application/{application['id']}", headers, expect=200)

    assert listed == [made["Big"], made["remote"]]
    assert [a["tag"] for a in listed] == [tags["Big"], tags["remote"]]
    page = await call(
        client, "GET", f"/tags/application/{application['id']}", headers, params={"skip": 1}, expect=200
    )
    assert page == [made["remote"]]


async def test_assigning_a_tag_twice_is_400_and_keeps_one_row(client, db):
    _, headers = await register(client, "alice")
    application = await create_application(client, headers)
    tag = await create_tag(client, headers)
    await assign(client, headers, application["id"], tag["id"])
    answer = await assign(client, headers, application["id"], tag["id"], expect=400)
    assert answer == {"detail": "Tag already assigned to this application"}
    assert count(db, tables.application_tags) == 1
    assert count(db, tables.activity_log, action="Tag Assigned") == 1


async def test_a_missing_tag_or_someone_elses_is_not_found(client, db, alice, bob):
    _, headers = alice
    application = await create_application(client, headers)
    bobs_tag = await create_tag(client, bob[1], name="bob's")
    for tag_id in (str(uuid.uuid4()), bobs_tag["id"]):
        assert await assign(client, headers, application["id"], tag_id, expect=404) == {
            "detail": "Tag not found"
        }
    assert count(db, tables.application_tags) == 0
    assert count(db, tables.activity_log, action="Tag Assigned") == 0


async def test_tag_endpoints_of_an_unknown_application_are_404(client, db):
    _, headers = await register(client, "alice")
    tag = await create_tag(client, headers)
    missing = uuid.uuid4()
    for method, path in (
        ("GET", f"/tags/application/{missing}"),
        ("POST", f"/tags/application/{missing}/assign/{tag['id']}"),
        ("DELETE", f"/tags/application/{missing}/remove/{tag['id']}"),
    ):
        answer = await call(client, method, path, headers, expect=404)
        assert answer == {"detail": "Application not found"}, (method, path)
    assert count(db, tables.application_tags) == 0


async def test_removing_a_tag_from_an_application_leaves_the_tag(client, db):
    _, headers = await register(client, "alice")
    application = await create_application(client, headers)
    tag = await create_tag(client, headers)
    other = await create_tag(client, headers, name="other")
    await assign(client, headers, application["id"], tag["id"])
    await assign(client, headers, application["id"], other["id"])
    path = f"/tags/application/{application['id']}/remove/{tag['id']}"

    assert await call(client, "DELETE", path, headers, expect=200) == {
        "detail": "Tag removed from application"
    }

    assert assignments(db) == [(application["id"], other["id"])]
    assert count(db, tables.tags) == 2
    assert await call(client, "DELETE", path, headers, expect=404) == {
        "detail": "Tag not assigned to this application"
    }


async def test_removing_a_tag_that_was_never_assigned_is_404_whoever_it_belongs_to(client, db, alice, bob):
    _, headers = alice
    application = await create_application(client, headers)
    tag = await create_tag(client, headers)
    bobs_tag = await create_tag(client, bob[1])
    for tag_id in (tag["id"], bobs_tag["id"], str(uuid.uuid4())):
        answer = await call(
            client, "DELETE", f"/tags/application/{application['id']}/remove/{tag_id}", headers, expect=404
        )
        assert answer == {"detail": "Tag not assigned to this application"}


async def test_deleting_an_application_takes_its_tags_off_and_its_reminders_with_it(client, db):
    _, headers = await register(client, "alice")
    doomed, kept = await create_application(client, headers), await create_application(client, headers)
    tag = await create_tag(client, headers)
    for application in (doomed, kept):
        await assign(client, headers, application["id"], tag["id"])
        await create_reminder(client, headers, title=application["id"], application_id=application["id"])

    await call(client, "DELETE", f"/applications/{doomed['id']}", headers, expect=200)

    assert assignments(db) == [(kept["id"], tag["id"])]
    assert [r["title"] for r in rows(db, tables.reminders)] == [kept["id"]]
    assert count(db, tables.tags) == 1  # the tag itself stays in the library
    assert count(db, tables.activity_log, application_id=uuid.UUID(doomed["id"])) == 0


# --- ids: malformed, someone else's -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("method", "template", "body", "loc"),
    [
        ("PUT", "/tags/{bad}", {"name": "x"}, "tag_id"),
        ("DELETE", "/tags/{bad}", None, "tag_id"),
        ("GET", "/tags/application/{bad}", None, "application_id"),
        ("POST", "/tags/application/{bad}/assign/{tag}", None, "application_id"),
        ("POST", "/tags/application/{app}/assign/{bad}", None, "tag_id"),
        ("DELETE", "/tags/application/{bad}/remove/{tag}", None, "application_id"),
        ("DELETE", "/tags/application/{app}/remove/{bad}", None, "tag_id"),
    ],
)
async def test_an_id_that_is_no_uuid_is_422(client, method, template, body, loc):
    _, headers = await register(client, "alice")
    application = await create_application(client, headers)
    tag = await create_tag(client, headers)
    path = template.format(bad="nope", app=application["id"], tag=tag["id"])
    answer = await call(client, method, path, headers, json=body, expect=422)
    assert [(e["loc"], e["type"]) for e in answer["detail"]] == [(["path", loc], "uuid_parsing")]


@pytest.mark.parametrize(("method", "body"), [("PUT", {"name": "x"}), ("DELETE", None)])
async def test_an_unknown_tag_is_404(client, method, body):
    _, headers = await register(client, "alice")
    answer = await call(client, method, f"/tags/{uuid.uuid4()}", headers, json=body, expect=404)
    assert answer == {"detail": "Tag not found"}


@pytest.fixture
async def alices_tags(client, alice, bob):
    """Alice's application carrying her tag, a second tag of hers, and Bob with his own of each."""
    _, headers = alice
    application = await create_application(client, headers)
    tag = await create_tag(client, headers, name="mine")
    spare = await create_tag(client, headers, name="spare")
    await assign(client, headers, application["id"], tag["id"])
    bobs_application = await create_application(client, bob[1])
    bobs_tag = await create_tag(client, bob[1], name="bob's")
    ids = {
        "app": application["id"],
        "tag": tag["id"],
        "spare": spare["id"],
        "bobs_app": bobs_application["id"],
        "bobs_tag": bobs_tag["id"],
    }
    return headers, bob[1], ids


# (method, path template, body, status, detail): Bob acting on Alice's tags and application.
MATRIX = [
    ("PUT", "/tags/{tag}", {"name": "bob was here"}, 403, "Not your tag"),
    ("PUT", "/tags/{tag}", {"color": "#000"}, 403, "Not your tag"),
    ("DELETE", "/tags/{tag}", None, 403, "Not your tag"),
    ("GET", "/tags/application/{app}", None, 403, "Not your application"),
    ("POST", "/tags/application/{app}/assign/{spare}", None, 403, "Not your application"),
    ("POST", "/tags/application/{app}/assign/{bobs_tag}", None, 403, "Not your application"),
    ("DELETE", "/tags/application/{app}/remove/{tag}", None, 403, "Not your application"),
    ("POST", "/tags/application/{bobs_app}/assign/{spare}", None, 404, "Tag not found"),
    (
        "DELETE",
        "/tags/application/{bobs_app}/remove/{tag}",
        None,
        404,
        "Tag not assigned to this application",
    ),
]


@pytest.mark.parametrize(("method", "template", "body", "status", "detail"), MATRIX)
async def test_another_user_cannot_touch_alices_tags(
    client, db, alices_tags, method, template, body, status, detail
):
    alice_headers, bob_headers, ids = alices_tags

    async def snapshot() -> tuple:
        tags = await client.get(f"{API}/tags/", headers=alice_headers)
        assigned = await client.get(f"{API}/tags/application/{ids['app']}", headers=alice_headers)
        assert (tags.status, assigned.status) == (200, 200)
        tables_now = tuple(
            rows(db, table)
            for table in (tables.tags, tables.application_tags, tables.activity_log, tables.users)
        )
        return await tags.read(), await assigned.read(), tables_now

    before = await snapshot()
    answer = await call(client, method, template.format(**ids), bob_headers, json=body, expect=status)
    assert answer == {"detail": detail}
    assert await snapshot() == before
    assert names(await call(client, "GET", "/tags/", bob_headers, expect=200)) == ["bob's"]

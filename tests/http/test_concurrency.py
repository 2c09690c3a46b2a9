"""Races the database, not the service, must settle: one-of-a-kind rows under simultaneous requests."""

from __future__ import annotations

import asyncio
import logging
import uuid

from offertracker_core.milestones import milestone_id

from .httpkit import (
    API,
    PASSWORD,
    call,
    count,
    create_application,
    create_reminder,
    create_resume,
    create_tag,
    register,
    rows,
    tables,
)


async def test_eight_simultaneous_outcomes_make_exactly_one(client, db):
    _, headers = await register(client, "alice")
    application = await create_application(client, headers, status="Interviewing")
    path = f"{API}/applications/{application['id']}/outcome"

    async def post(salary: int):
        resp = await client.post(path, json={"salary": salary}, headers=headers)
        return resp.status, await resp.json()

    answers = await asyncio.gather(*(post(salary) for salary in range(8)))

    statuses = sorted(status for status, _ in answers)
    assert statuses == [201] + [409] * 7
    conflicts = [body for status, body in answers if status == 409]
    assert conflicts == [{"detail": "This application already has offer details. Use PUT to update."}] * 7
    [winner] = [body for status, body in answers if status == 201]
    [row] = rows(db, tables.outcomes)
    assert (str(row["id"]), row["salary"]) == (winner["id"], winner["salary"])
    app_id = uuid.UUID(application["id"])
    offer_entries = [
        r for r in rows(db, tables.activity_log, application_id=app_id) if r["action"] == "Offer Added"
    ]
    assert len(offer_entries) == 1


async def test_eight_simultaneous_reflections_make_exactly_one(client, db):
    _, headers = await register(client, "alice")
    application = await create_application(client, headers)
    path = f"{API}/applications/{application['id']}/reflection"

    async def post(index: int) -> int:
        resp = await client.post(path, json={"what_worked": str(index)}, headers=headers)
        await resp.read()
        return resp.status

    statuses = sorted(await asyncio.gather(*(post(i) for i in range(8))))
    assert statuses == [201] + [409] * 7
    assert count(db, tables.reflections) == 1


async def test_eight_simultaneous_registrations_of_one_username_make_one_account(client, db):
    async def attempt(index: int):
        body = {"email": f"racer{index}@example.com", "username": "racer", "password": PASSWORD}
        resp = await client.post(f"{API}/auth/register", json=body)
        return resp.status, await resp.json()

    answers = await asyncio.gather(*(attempt(i) for i in range(8)))

    assert sorted(status for status, _ in answers) == [201] + [400] * 7
    assert [body for status, body in answers if status == 400] == [{"detail": "Username already taken"}] * 7
    assert count(db, tables.users, username="racer") == 1
    assert count(db, tables.credentials) == 1


async def test_simultaneous_creates_by_one_user_all_land(client, db):
    _, headers = await register(client, "alice")

    async def create(index: int) -> int:
        resp = await client.post(
            f"{API}/applications/", json={"company_name": f"C{index}", "role_title": "R"}, headers=headers
        )
        await resp.read()
        return resp.status

    assert await asyncio.gather(*(create(i) for i in range(12))) == [201] * 12
    assert count(db, tables.applications) == 12
    assert count(db, tables.activity_log) == 12


async def test_a_resume_deleted_while_an_application_using_it_is_updated_loses_no_change(client, db):
    """50 rounds of a resume delete racing an update of an application that uses it (or is being
    pointed at it): never a 500, every acknowledged update is stored, and the application ends
    unlinked from the deleted resume. Half the rounds set ``resume_version_id`` in the update,
    so its foreign-key check races the delete too."""
    _, headers = await register(client, "alice")
    for round_ in range(50):
        points_at_it_in_the_update = round_ % 2 == 1
        resume = await create_resume(client, headers, version_name=f"v{round_}")
        linked = None if points_at_it_in_the_update else resume["id"]
        application = await create_application(client, headers, resume_version_id=linked)
        body: dict[str, object] = {"notes": f"round {round_}"}
        if points_at_it_in_the_update:
            body["resume_version_id"] = resume["id"]

        update, delete = await asyncio.gather(
            client.put(f"{API}/applications/{application['id']}", json=body, headers=headers),
            client.delete(f"{API}/resumes/{resume['id']}", headers=headers),
        )

        assert delete.status == 200, await delete.text()
        assert await delete.json() == {"detail": "Resume version deleted"}
        [stored] = rows(db, tables.applications, id=uuid.UUID(application["id"]))
        if update.status == 200:
            assert stored["notes"] == f"round {round_}"  # the acknowledged change is kept
        else:  # only possible when the update named the resume the delete had already removed
            assert points_at_it_in_the_update
            assert (update.status, await update.json()) == (404, {"detail": "Resume version not found"})
            assert stored["notes"] is None
        assert stored["resume_version_id"] is None
        assert count(db, tables.resume_versions, id=uuid.UUID(resume["id"])) == 0


async def race_registrations(client, bodies: list[dict[str, str]]) -> list[tuple[int, dict]]:
    """Post every registration body at once; return each (status, JSON body)."""

    async def attempt(body: dict[str, str]) -> tuple[int, dict]:
        resp = await client.post(f"{API}/auth/register", json=body)
        return resp.status, await resp.json()

    return await asyncio.gather(*(attempt(body) for body in bodies))


async def test_racers_sharing_username_and_email_all_lose_on_the_username(client, db):
    # Ten rounds, because which unique index trips first (and whether the winner commits
    # between a loser's two look-ups) varies from round to round.
    for round_ in range(10):
        username, email = f"twin{round_}", f"twin{round_}@example.com"
        body = {"email": email, "username": username, "password": PASSWORD}

        answers = await race_registrations(client, [body] * 8)

        assert sorted(status for status, _ in answers) == [201] + [400] * 7, (round_, answers)
        losers = [body for status, body in answers if status == 400]
        assert losers == [{"detail": "Username already taken"}] * 7, (round_, losers)
        assert count(db, tables.users, username=username) == 1
        assert count(db, tables.users, email=email) == 1
    assert count(db, tables.users) == 10
    assert count(db, tables.credentials) == 10


async def test_racers_sharing_only_the_email_lose_on_the_email(client, db):
    for round_ in range(10):
        email = f"shared{round_}@example.com"
        bodies = [
            {"email": email, "username": f"racer{round_}x{index}", "password": PASSWORD} for index in range(8)
        ]

        answers = await race_registrations(client, bodies)

        assert sorted(status for status, _ in answers) == [201] + [400] * 7, (round_, answers)
        losers = [body for status, body in answers if status == 400]
        assert losers == [{"detail": "Email already taken"}] * 7, (round_, losers)
        assert count(db, tables.users, email=email) == 1
    assert count(db, tables.users) == 10
    assert count(db, tables.credentials) == 10


async def test_simultaneous_creates_by_one_user_never_deadlock(client, db, caplog):
    """Each create inserts an application (a foreign-key lock on its user) and then locks the user
    for the streak: with FOR UPDATE two such requests deadlocked on PostgreSQL, and the deadlock,
    raised inside the bookkeeping's savepoint, was logged as a bookkeeping failure."""
    _, headers = await register(client, "alice")
    with caplog.at_level(logging.INFO, logger="offertracker_core.services.base"):
        answers = await asyncio.gather(
            *(
                client.post(
                    f"{API}/applications/", json={"company_name": f"C{n}", "role_title": "R"}, headers=headers
                )
                for n in range(16)
            )
        )
    assert [answer.status for answer in answers] == [201] * 16
    assert count(db, tables.applications) == 16
    assert [r.getMessage() for r in caplog.records if r.name.startswith("offertracker_core")] == []
    [progress] = rows(db, tables.users)
    assert progress["streak_days"] == 1  # the bookkeeping of every create committed with it
    first = [
        r for r in rows(db, tables.user_milestones) if r["milestone_id"] == milestone_id("First Application")
    ]
    assert len(first) == 1


async def test_eight_simultaneous_converts_of_one_saved_job_make_exactly_one_application(client, db):
    """The saved job's row lock settles it: one convert creates the application, the others find
    it Converted. Ten rounds, since which request wins (and when) varies."""
    user, headers = await register(client, "alice")
    for round_ in range(10):
        saved = await client.post(f"{API}/saved-jobs/", json={"company_name": f"C{round_}"}, headers=headers)
        assert saved.status == 201
        saved_id = (await saved.json())["id"]

        async def convert(saved_id: str = saved_id) -> tuple[int, dict]:
            resp = await client.post(f"{API}/saved-jobs/{saved_id}/convert", headers=headers)
            return resp.status, await resp.json()

        answers = await asyncio.gather(*(convert() for _ in range(8)))

        assert sorted(status for status, _ in answers) == [201] + [400] * 7, (round_, answers)
        losers = [body for status, body in answers if status == 400]
        assert losers == [{"detail": "This saved job has already been converted to an application."}] * 7
        [winner] = [body for status, body in answers if status == 201]
        [application] = rows(db, tables.applications, company_name=f"C{round_}")
        assert str(application["id"]) == winner["id"]
        [stored] = rows(db, tables.saved_jobs, id=uuid.UUID(saved_id))
        assert (stored["status"], stored["converted_to_application_id"]) == ("Converted", application["id"])
        created = rows(db, tables.activity_log, application_id=application["id"])
        assert [entry["action"] for entry in created] == ["Application Created"]
    assert count(db, tables.applications) == 10
    [progress] = rows(db, tables.user_progress, user_id=uuid.UUID(user["id"]))
    assert progress["applications"] == 10


# --- reminders and tags ----------------------------------------------------------


async def test_eight_simultaneous_creates_of_one_tag_name_make_one_tag(client, db):
    _, headers = await register(client, "alice")
    _, bob = await register(client, "bob")

    async def create(index: int, as_user: dict[str, str]) -> tuple[int, dict]:
        resp = await client.post(
            f"{API}/tags/", json={"name": "Remote", "color": f"#{index:03}"}, headers=as_user
        )
        return resp.status, await resp.json()

    answers = await asyncio.gather(*(create(i, headers) for i in range(8)), create(8, bob))

    alices, bobs = answers[:8], answers[8]
    assert sorted(status for status, _ in alices) == [201] + [400] * 7
    assert [body for status, body in alices if status == 400] == [
        {"detail": "Tag with this name already exists"}
    ] * 7
    [winner] = [body for status, body in alices if status == 201]
    assert bobs[0] == 201  # the name is unique per user only
    [row] = rows(db, tables.tags, user_id=uuid.UUID(winner["user_id"]))
    assert (str(row["id"]), row["color"]) == (winner["id"], winner["color"])


async def test_eight_simultaneous_assignments_of_one_tag_make_one_row(client, db):
    _, headers = await register(client, "alice")
    application = await create_application(client, headers)
    tag = await create_tag(client, headers)
    path = f"{API}/tags/application/{application['id']}/assign/{tag['id']}"

    async def assign() -> tuple[int, dict]:
        resp = await client.post(path, headers=headers)
        return resp.status, await resp.json()

    answers = await asyncio.gather(*(assign() for _ in range(8)))

    assert sorted(status for status, _ in answers) == [201] + [400] * 7
    losers = [body for status, body in answers if status == 400]
    assert losers == [{"detail": "Tag already assigned to this application"}] * 7
    [winner] = [body for status, body in answers if status == 201]
    [row] = rows(db, tables.application_tags)
    assert str(row["id"]) == winner["id"]
    assert count(db, tables.activity_log, action="Tag Assigned") == 1


async def test_eight_simultaneous_completions_of_one_reminder_complete_it_once(client, db):
    _, headers = await register(client, "alice")
    reminder = await create_reminder(client, headers)
    path = f"{API}/reminders/{reminder['id']}/complete"

    async def complete() -> tuple[int, dict]:
        resp = await client.post(path, headers=headers)
        return resp.status, await resp.json()

    answers = await asyncio.gather(*(complete() for _ in range(8)))

    assert sorted(status for status, _ in answers) == [200] + [400] * 7
    assert [body for status, body in answers if status == 400] == [
        {"detail": "Reminder already completed"}
    ] * 7
    [winner] = [body for status, body in answers if status == 200]
    [row] = rows(db, tables.reminders)
    assert (row["is_completed"], row["completed_at"] is not None) == (True, True)
    assert winner["completed_at"] is not None
    assert count(db, tables.activity_log, action="Reminder Completed") == 1


async def test_a_tag_deleted_while_it_is_being_assigned_leaves_no_assignment_behind(client, db):
    """20 rounds of an assignment racing the deletion of its tag: never a 500; the assignment is
    either refused as the tag's absence (404) or made and then taken away with the tag."""
    _, headers = await register(client, "alice")
    application = await create_application(client, headers)
    for round_ in range(20):
        tag = await create_tag(client, headers, name=f"t{round_}")
        assign, delete = await asyncio.gather(
            client.post(f"{API}/tags/application/{application['id']}/assign/{tag['id']}", headers=headers),
            client.delete(f"{API}/tags/{tag['id']}", headers=headers),
        )
        assert (delete.status, await delete.json()) == (200, {"detail": "Tag deleted"})
        body = await assign.json()
        assert assign.status in (201, 404), body
        if assign.status == 404:
            assert body == {"detail": "Tag not found"}
        assert count(db, tables.application_tags) == 0
        assert count(db, tables.tags) == 0


# --- posts and reactions ----------------------------------------------------------


async def test_eight_simultaneous_reactions_of_one_user_leave_one_reaction_and_all_succeed(client, db):
    _, alice = await register(client, "alice")
    _, bob = await register(client, "bob")
    post = await call(client, "POST", "/social/posts", alice, json={"content": "hi"}, expect=201)
    kinds = ["Like", "Celebrate", "Support", "Insightful"] * 2

    async def react(kind: str) -> tuple[int, dict]:
        resp = await client.post(
            f"{API}/social/posts/{post['id']}/react", json={"reaction": kind}, headers=bob
        )
        return resp.status, await resp.json()

    answers = await asyncio.gather(*(react(kind) for kind in kinds))

    # Replace semantics, not an error: every request answers 201 with the one stored reaction's id.
    assert [status for status, _ in answers] == [201] * 8
    [row] = rows(db, tables.reactions)
    assert {body["id"] for _, body in answers} == {str(row["id"])}
    assert row["reaction"] in kinds


async def test_a_post_deleted_while_it_is_reacted_to_leaves_no_reaction_behind(client, db):
    """20 rounds of a reaction racing the deletion of its post: never a 500; the reaction is either
    refused as the post's absence (404) or made and then taken away with the post."""
    _, alice = await register(client, "alice")
    _, bob = await register(client, "bob")
    for round_ in range(20):
        post = await call(client, "POST", "/social/posts", alice, json={"content": f"r{round_}"}, expect=201)
        react, delete = await asyncio.gather(
            client.post(f"{API}/social/posts/{post['id']}/react", headers=bob),
            client.delete(f"{API}/social/posts/{post['id']}", headers=alice),
        )
        assert (delete.status, await delete.json()) == (200, {"detail": "Post deleted"})
        body = await react.json()
        assert react.status in (201, 404), body
        if react.status == 404:
            assert body == {"detail": "Post not found"}
        assert count(db, tables.reactions) == 0
        assert count(db, tables.posts) == 0

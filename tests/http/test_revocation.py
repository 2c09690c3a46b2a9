"""Logout, password change and account deletion (ours): revoked tokens are a 401 at once.

The app's clock moves a millisecond on every reading, so a token used before a
revocation was issued before it and one issued after it (a login, the token a
password change returns) is later; tokens carry their issue time to the
microsecond (``iat_us``), so no whole-second rounding lets either side slip.

Every test runs with Supabase Auth too (``supabase_too``), where logout, password
change and deletion go through Supabase. Its tokens say their issue time in whole
seconds, so a revocation there refuses the tokens issued before the start of its
own second (``delegated_auth``'s notes): a test that revokes a token of the same
second first moves the clock to the next one in that mode (:func:`next_second`).
Where the local run looks at the credential rows, the Supabase run looks at the
fake project's accounts (:func:`accounts`).
"""

from __future__ import annotations

from datetime import UTC, datetime
from uuid import UUID, uuid4

import pytest
import sqlalchemy as sa

from ..supabase.fake import FakeSupabase
from .httpkit import (
    API,
    PASSWORD,
    FakeClock,
    auth,
    call,
    count,
    create_application,
    create_contact,
    create_document,
    create_reflection,
    create_reminder,
    create_tag,
    register,
    rows,
    save_job,
    tables,
)

REVOKED = {"detail": "Invalid or expired token: token has been revoked"}
UNKNOWN_USER = {"detail": "Invalid or expired token: unknown user"}
NEW_PASSWORD = "battery staple"

pytestmark = pytest.mark.supabase_too


def next_second(clock: FakeClock, supabase: FakeSupabase | None) -> None:
    """In Supabase mode, move the app's clock into the next second before a revocation.

    Supabase's ``iat`` has no fraction: a token issued in the revocation's own second
    would survive it (a later instant would refuse the fresh token of the next sign-in
    instead). The local run keeps the clock as it is, so there a token issued a
    millisecond before the revocation still has to be refused.
    """
    if supabase is not None:
        clock.advance(seconds=1)


@pytest.fixture
def accounts(db, supabase: FakeSupabase | None):
    """What keeps the passwords, by user id, as it stands when called: the credential
    rows locally, the fake project's accounts (email, password) in Supabase mode."""

    def now() -> dict[str, object]:
        if supabase is None:
            return {str(row["user_id"]): row for row in rows(db, tables.credentials)}
        assert rows(db, tables.credentials) == []  # Supabase Auth keeps the passwords, not us
        return {user_id: (user.email, user.password) for user_id, user in supabase.users.items()}

    return now


async def refused(client, headers, expected=REVOKED) -> None:
    resp = await client.get(f"{API}/users/me", headers=headers)
    assert resp.status == 401
    assert await resp.json() == expected
    assert resp.headers["WWW-Authenticate"] == "Bearer"


async def login(client, password: str = PASSWORD, *, expect: int = 200, username: str = "alice"):
    body = {"email": f"{username}@example.com", "password": password}
    return await call(client, "POST", "/auth/login", json=body, expect=expect)


# --- logout ----------------------------------------------------------------------


async def test_logout_ends_the_token_even_one_used_just_before(client, clock, supabase):
    _, headers = await register(client, "alice")
    session = await login(client)
    await call(client, "GET", "/users/me", headers, expect=200)  # now remembered by the process
    other = auth(session["access_token"])
    await call(client, "GET", "/users/me", other, expect=200)

    next_second(clock, supabase)
    assert await call(client, "POST", "/auth/logout", headers, expect=200) == {"detail": "Logged out"}

    await refused(client, headers)
    await refused(client, other)  # every token of the caller, not only the one that logged out
    resp = await client.post(f"{API}/auth/logout", headers=headers)
    assert resp.status == 401


async def test_a_token_issued_after_logout_works(client, clock, supabase):
    _, headers = await register(client, "alice")
    next_second(clock, supabase)
    await call(client, "POST", "/auth/logout", headers, expect=200)
    fresh = auth((await login(client))["access_token"])
    me = await call(client, "GET", "/users/me", fresh, expect=200)
    assert me["username"] == "alice"
    await refused(client, headers)


async def test_logout_leaves_other_users_signed_in(client):
    _, alice = await register(client, "alice")
    _, bob = await register(client, "bob")
    await call(client, "POST", "/auth/logout", alice, expect=200)
    await call(client, "GET", "/users/me", bob, expect=200)


async def test_logout_needs_a_token(client):
    resp = await client.post(f"{API}/auth/logout")
    assert resp.status == 401
    assert await resp.json() == {"detail": "Not authenticated"}


async def test_a_logout_in_another_process_is_honoured_within_five_seconds(client, db, clock):
    _, headers = await register(client, "alice")
    await call(client, "GET", "/users/me", headers, expect=200)
    # Another process logs Alice out: only the database knows.
    with db.begin() as conn:
        conn.execute(sa.update(tables.users).values(tokens_valid_after=clock.now()))
    await call(client, "GET", "/users/me", headers, expect=200)  # still remembered here
    clock.advance(seconds=5)
    await refused(client, headers)


# --- password change ---------------------------------------------------------------


async def test_a_wrong_current_password_is_a_400_and_changes_nothing(client, db, accounts):
    user, headers = await register(client, "alice")
    before = accounts()
    assert list(before) == [user["id"]]
    body = await call(
        client,
        "PUT",
        "/auth/password",
        headers,
        json={"current_password": "not my password", "new_password": NEW_PASSWORD},
        expect=400,
    )
    assert body == {"detail": "Current password is incorrect"}
    assert accounts() == before
    assert [u["tokens_valid_after"] for u in rows(db, tables.users)] == [None]
    await call(client, "GET", "/users/me", headers, expect=200)
    await login(client)
    await login(client, NEW_PASSWORD, expect=401)


async def test_a_password_change_ends_older_tokens_and_answers_a_fresh_session(
    client, clock, supabase, accounts
):
    user, headers = await register(client, "alice")
    await call(client, "GET", "/users/me", headers, expect=200)
    before = accounts()
    next_second(clock, supabase)
    body = await call(
        client,
        "PUT",
        "/auth/password",
        headers,
        json={"current_password": PASSWORD, "new_password": NEW_PASSWORD},
        expect=200,
    )
    assert body == {"access_token": body["access_token"], "token_type": "bearer", "user": user}
    assert list(accounts()) == [user["id"]]
    assert accounts() != before  # a new hash here, a new password at Supabase

    await refused(client, headers)
    assert await call(client, "GET", "/users/me", auth(body["access_token"]), expect=200) == user
    await login(client, NEW_PASSWORD)
    assert await login(client, PASSWORD, expect=401) == {"detail": "Incorrect email or password"}


async def test_the_new_password_has_the_bounds_of_registration(client, db):
    _, headers = await register(client, "alice")
    for new_password, error in (("12345", "string_too_short"), ("p" * 129, "string_too_long")):
        body = await call(
            client,
            "PUT",
            "/auth/password",
            headers,
            json={"current_password": PASSWORD, "new_password": new_password},
            expect=422,
        )
        assert [(e["loc"], e["type"]) for e in body["detail"]] == [(["body", "new_password"], error)]
    body = await call(client, "PUT", "/auth/password", headers, json={}, expect=422)
    assert [e["loc"] for e in body["detail"]] == [["body", "current_password"], ["body", "new_password"]]
    await call(client, "GET", "/users/me", headers, expect=200)


# --- account deletion --------------------------------------------------------------


def _referencing(db, user_id: UUID) -> dict[str, int]:
    """Rows of every table with a column referring to ``users.id`` that name ``user_id``."""
    found = {}
    with db.connect() as conn:
        for table in tables.metadata.tables.values():
            for column in table.columns:
                if any(fk.column is tables.users.c.id for fk in column.foreign_keys) or (
                    table is tables.users and column.name == "id"
                ):
                    n = conn.execute(
                        sa.select(sa.func.count()).select_from(table).where(column == user_id)
                    ).scalar_one()
                    if n:
                        found[f"{table.name}.{column.name}"] = n
    return found


async def _fill(client, db, headers, user_id: UUID, other_id: UUID, other_headers) -> UUID:
    """Rows in as many tables as the API and a few inserts can reach; the application's id.

    Its documents reach the user only through it (they have no ``user_id``), so the
    callers look for them by the application's id.
    """
    application = await create_application(client, headers)
    await call(
        client,
        "POST",
        f"/applications/{application['id']}/stages",
        headers,
        json={"stage_name": "C"},
        expect=201,
    )
    await create_reflection(client, headers, application["id"])
    await call(client, "POST", "/resumes/", headers, json={"version_name": "v1"}, expect=201)
    await save_job(client, headers, company_name="Kept")
    converted = await save_job(client, headers, company_name="Taken")
    await call(client, "POST", f"/saved-jobs/{converted['id']}/convert", headers, expect=201)
    await create_contact(client, headers, application_id=application["id"])
    await create_contact(client, headers, name="Unlinked")
    await create_document(client, headers, application["id"])
    # A reminder on the application, a tag, and the tag's assignment (whose rows name no user).
    await create_reminder(client, headers, application_id=application["id"])
    tag = await create_tag(client, headers)
    await call(
        client, "POST", f"/tags/application/{application['id']}/assign/{tag['id']}", headers, expect=201
    )
    # A group of each, each joined by the other.
    for owner, joiner in ((headers, other_headers), (other_headers, headers)):
        group = await call(client, "POST", "/social/groups", owner, json={"name": "g"}, expect=201)
        await call(client, "POST", f"/social/groups/{group['id']}/join", joiner, expect=201)
    # Follows both ways, counted in each follower's kept totals.
    await call(client, "POST", f"/social/follow/{other_id}", headers, expect=201)
    await call(client, "POST", f"/social/follow/{user_id}", other_headers, expect=201)
    now = datetime.now(UTC)
    # A post with the user's own reaction, and the user's reaction to the other user's post.
    post = await call(client, "POST", "/social/posts", headers, json={"content": "mine"}, expect=201)
    await call(client, "POST", f"/social/posts/{post['id']}/react", headers, expect=201)
    others_post = uuid4()
    with db.begin() as conn:
        conn.execute(
            sa.insert(tables.posts),
            {
                "id": others_post,
                "user_id": other_id,
                "group_id": None,
                "post_type": "Update",
                "title": None,
                "content": "theirs",
                "is_public": True,
                "created_at": now,
                "updated_at": now,
            },
        )
    await call(client, "POST", f"/social/posts/{others_post}/react", headers, expect=201)
    return UUID(application["id"])


async def test_a_wrong_password_deletes_nothing(client, db, supabase, accounts):
    user, headers = await register(client, "alice")
    _, bob = await register(client, "bob")
    bob_id = UUID((await call(client, "GET", "/users/me", bob, expect=200))["id"])
    application_id = await _fill(client, db, headers, UUID(user["id"]), bob_id, bob)
    before = _referencing(db, UUID(user["id"]))
    accounts_before = accounts()
    assert set(accounts_before) == {user["id"], str(bob_id)}
    body = await call(
        client, "DELETE", "/users/me", headers, json={"password": "not my password"}, expect=400
    )
    assert body == {"detail": "Password is incorrect"}
    assert _referencing(db, UUID(user["id"])) == before
    assert accounts() == accounts_before
    assert set(before) == {
        "users.id",
        *(["credentials.user_id"] if supabase is None else []),  # Supabase Auth keeps the password
        "resume_versions.user_id",
        "applications.user_id",
        "contacts.user_id",
        "activity_log.user_id",
        "saved_jobs.user_id",
        "follows.follower_id",
        "follows.following_id",
        "user_milestones.user_id",
        "user_progress.user_id",
        "reminders.user_id",
        "tags.user_id",
        "social_groups.created_by",
        "group_members.user_id",
        "posts.user_id",
        "reactions.user_id",
    }
    assert (before["posts.user_id"], before["reactions.user_id"]) == (1, 2)
    assert before["contacts.user_id"] == 2
    assert count(db, tables.documents, application_id=application_id) == 1
    assert len(rows(db, tables.application_tags)) == 1
    await call(client, "GET", "/users/me", headers, expect=200)


async def test_deleting_the_account_removes_every_row_of_it_and_ends_its_tokens(client, db, accounts):
    user, headers = await register(client, "alice")
    _, bob = await register(client, "bob")
    bobs_document = await create_document(client, bob, (await create_application(client, bob))["id"])
    bob_user = await call(client, "GET", "/users/me", bob, expect=200)
    user_id, bob_id = UUID(user["id"]), UUID(bob_user["id"])
    application_id = await _fill(client, db, headers, user_id, bob_id, bob)
    bobs_before = _referencing(db, bob_id)
    assert count(db, tables.documents, application_id=application_id) == 1
    await call(client, "GET", "/users/me", headers, expect=200)  # remembered by the process

    body = await call(client, "DELETE", "/users/me", headers, json={"password": PASSWORD}, expect=200)

    assert body == {"detail": "Account deleted"}
    assert _referencing(db, user_id) == {}
    assert list(accounts()) == [str(bob_id)]  # the credential row, or the Supabase account, went too
    assert count(db, tables.documents, application_id=application_id) == 0
    assert [str(row["id"]) for row in rows(db, tables.documents)] == [bobs_document["id"]]
    assert rows(db, tables.application_tags) == []  # went with the application and the tag
    await refused(client, headers, UNKNOWN_USER)
    await login(client, expect=401)
    # Bob keeps his account; only the follows between the two, and his membership of Alice's
    # group, went with Alice. His group stays, its member count real, his counter too.
    assert await call(client, "GET", "/users/me", bob, expect=200) == bob_user
    assert bobs_before["follows.follower_id"] == bobs_before["follows.following_id"] == 1
    assert bobs_before["group_members.user_id"] == 2
    assert _referencing(db, bob_id) == {
        **{key: n for key, n in bobs_before.items() if not key.startswith("follows.")},
        "group_members.user_id": 1,
    }
    [bobs_group] = await call(client, "GET", "/social/groups/mine", bob, expect=200)
    assert bobs_group["member_count"] == 1
    [progress] = rows(db, tables.user_progress, user_id=bob_id)
    assert progress["groups_joined"] == 1
    # Bob's follow of Alice went with her, and so did its count in his kept totals.
    assert [row["follows"] for row in rows(db, tables.user_progress, user_id=bob_id)] == [0]
    assert await call(client, "GET", f"/social/follow-stats/{bob_id}", bob, expect=200) == {
        "followers_count": 0,
        "following_count": 0,
    }
    # Bob's post stays, without Alice's reaction.
    assert [r["content"] for r in rows(db, tables.posts)] == ["theirs"]
    assert rows(db, tables.reactions) == []


async def test_deleting_the_account_needs_the_password(client):
    _, headers = await register(client, "alice")
    body = await call(client, "DELETE", "/users/me", headers, json={}, expect=422)
    assert [e["loc"] for e in body["detail"]] == [["body", "password"]]
    await call(client, "GET", "/users/me", headers, expect=200)

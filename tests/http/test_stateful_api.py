"""A Hypothesis state machine over applications, stages, outcomes, reflections, tags and saved jobs.

Two users act at random on the real app (a real SQLite or PostgreSQL database
behind it), sometimes on each other's rows or on rows that are gone. A model in
plain Python (``stateful_model.py``) says what each account should hold; after
every step, what it may have changed in either account is read back through the
API and compared with it: the application list with its stages, outcome and
reflection, the tags, the saved jobs, the activity log (behaviour.md §7) and the
dashboard (§8). Every answer is checked too: the documented 403/404 for someone
else's or a missing row (and the read-back then shows nothing moved), never a 5xx.
The inputs are drawn by ``stateful_inputs.py``.

The app runs on an event loop this module owns, in the test's own thread: each
request is one ``run_until_complete``, which is all a synchronous
``RuleBasedStateMachine`` needs and leaves no thread to clean up.
"""

from __future__ import annotations

import asyncio
import os
import uuid
from collections.abc import Callable
from datetime import UTC, date, datetime
from itertools import count
from typing import Any

import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient, TestServer
from hypothesis import HealthCheck, Phase, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    RuleBasedStateMachine,
    initialize,
    invariant,
    precondition,
    rule,
    run_state_machine_as_test,
)

from .httpkit import API, PASSWORD, FakeClock
from .stateful_inputs import (
    APP_CHANGES,
    DAY,
    FOCUS,
    NEW_APP,
    NEW_OUTCOME,
    NEW_SAVED_JOB,
    OUTCOME_CHANGES,
    PICK,
    STAGE_CHANGES,
    TAG_NAMES,
    TEXT,
    WHOSE,
    as_date,
    dated,
)
from .stateful_model import (
    SOURCES,
    AppModel,
    SavedJobModel,
    StageModel,
    TagModel,
    UserModel,
    app_view,
    expected_dashboard,
    saved_job_view,
    stage_view,
)

# --- tuning ---------------------------------------------------------------------------------
# A step costs its request plus the read-back of what it touched (up to three GETs per account),
# a few milliseconds each. 60 examples of up to 50 steps (long enough for chains such as convert,
# reactivate by hand, convert again) take about 15 s on SQLite and 35 s on PostgreSQL on two
# cores. derandomize: CI replays the same sequences every run, so a failure found once is found
# again. No shrinking in CI: against a real database it takes minutes, and the failing sequence
# is printed as it is. For a longer hunt with fresh random sequences, shrunk when one fails, set
# OFFERTRACKER_STATEFUL_EXAMPLES (e.g. 2000).
HUNT = os.environ.get("OFFERTRACKER_STATEFUL_EXAMPLES")
MAX_EXAMPLES = int(HUNT) if HUNT else 60
STEPS_PER_EXAMPLE = 50
SETTINGS = settings(
    max_examples=MAX_EXAMPLES,
    stateful_step_count=STEPS_PER_EXAMPLE,
    deadline=None,  # a request's time depends on the machine and the database, not on the input
    derandomize=not HUNT,
    phases=[Phase.explicit, Phase.generate, *([Phase.shrink] if HUNT else [])],
    suppress_health_check=[HealthCheck.too_slow],  # every example talks to a real database
)
# Tokens must outlive the days an example lets pass (the longest lifetime Settings allows).
TOKEN_TTL_SECONDS = 30 * 86400
MAX_DAYS_PER_EXAMPLE = 20

# Which of an account's lists a kind of row lives in, for the read-back after a step.
AREA = {"app": "apps", "tag": "tags", "saved": "saved"}
TAG_FIELDS = ("id", "user_id", "name", "color")
_usernames = count()


# --- the app ----------------------------------------------------------------------------------


class Driver:
    """Synchronous requests to the real app, which runs on ``loop`` while a request is in flight."""

    def __init__(self, loop: asyncio.AbstractEventLoop, client: TestClient) -> None:
        self.loop = loop
        self.client = client

    def __call__(
        self, method: str, path: str, headers: dict[str, str] | None = None, **kwargs: Any
    ) -> tuple[int, Any]:
        """Send one request under ``/api/v1``; its status and JSON body. A 5xx fails at once."""

        async def send() -> tuple[int, Any]:
            resp = await self.client.request(method, API + path, headers=headers, **kwargs)
            return resp.status, await resp.json()

        status, body = self.loop.run_until_complete(send())
        assert status < 500, f"{method} {path} {kwargs}: {status} {body}"
        return status, body


# --- the machine ------------------------------------------------------------------------------


# Preconditions: a rule that acts on a row runs once someone has one, so steps are not spent
# on 404s alone (the rules still pick the other user's rows and gone ones some of the time).
def has_apps(machine: ApiMachine) -> bool:
    return any(user.apps for user in machine.users)


def has_stages(machine: ApiMachine) -> bool:
    return any(app.stages for user in machine.users for app in user.apps.values())


def has_outcomes(machine: ApiMachine) -> bool:
    return any(app.outcome for user in machine.users for app in user.apps.values())


def has_reflections(machine: ApiMachine) -> bool:
    return any(app.reflection for user in machine.users for app in user.apps.values())


def has_tags(machine: ApiMachine) -> bool:
    return any(user.tags for user in machine.users)


def has_saved_jobs(machine: ApiMachine) -> bool:
    return any(user.saved_jobs for user in machine.users)


class ApiMachine(RuleBasedStateMachine):
    """Two users and what they own; each rule is one request and its effect on the model."""

    api: Driver  # set on the subclass the test builds around the running app
    clock: FakeClock

    def __init__(self) -> None:
        super().__init__()
        self.users: list[UserModel] = []
        self.gone: dict[str, list[str]] = {"app": [], "tag": [], "saved": []}
        # (user, area) pairs the current step may have changed; the invariant reads them back.
        self.touched: set[tuple[int, str]] = set()
        self.days = 0  # days this example let pass

    # --- helpers ---

    def today(self) -> date:
        return self.clock.today()

    def touch(self, user: int | None, *kinds: str) -> None:
        """Have the invariant read back ``user``'s rows of ``kinds`` (app, tag, saved) after this step;
        an application's area includes its activity log and the dashboard."""
        if user is not None:
            self.touched.update((user, AREA[kind]) for kind in kinds)

    def call(self, actor: int, method: str, path: str, expect: int, **kwargs: Any) -> Any:
        status, body = self.api(method, path, self.users[actor].headers, **kwargs)
        assert status == expect, f"{method} {path} {kwargs}: {status} {body}, expected {expect}"
        return body

    def pick(
        self,
        actor: int,
        kind: str,
        whose: str,
        index: int,
        *,
        prefer: Callable[[Any], int] | None = None,
        switch: bool = True,
    ) -> tuple[int, int | None, str]:
        """A row of ``kind`` (app, tag, saved) to act on: ``(actor, owner, id)``.

        ``whose`` is "own", "other" or "gone"; owner is ``None`` for a gone or never-existing id
        (the fallback when the chosen user has no such row). Among the owner's rows, those that
        ``prefer`` scores highest (a bool or an int) are the candidates. When the other user has
        better candidates than the actor for an "own" pick, the other user acts instead (unless
        ``switch`` is false), so the steps are not spent on what cannot happen.
        """
        table = {"app": "apps", "tag": "tags", "saved": "saved_jobs"}[kind]

        def best(user: int) -> tuple[int, list[str]]:
            rows: dict[str, Any] = getattr(self.users[user], table)
            if not rows:
                return -1, []
            scores = {key: int(prefer(row)) if prefer is not None else 0 for key, row in rows.items()}
            top = max(scores.values())
            return top, [key for key, score in scores.items() if score == top]

        if switch and whose == "own" and best(1 - actor)[0] > best(actor)[0]:
            actor = 1 - actor
        owner = actor if whose == "own" else 1 - actor
        candidates = best(owner)[1] if whose != "gone" else []
        self.touch(actor, kind)
        if candidates:
            self.touch(owner, kind)
            return actor, owner, candidates[index % len(candidates)]
        gone = self.gone[kind]
        return actor, None, gone[index % len(gone)] if gone else str(uuid.uuid4())

    def denied(
        self,
        actor: int,
        owner: int | None,
        method: str,
        path: str,
        missing: str,
        foreign: str,
        **kwargs: Any,
    ) -> bool:
        """Send a request that must fail when the row is not the actor's: 404 ``missing`` for a gone
        id, 403 ``foreign`` for the other user's (behaviour.md §3). True if it was sent and failed."""
        if owner == actor:
            return False
        status, detail = (404, missing) if owner is None else (403, foreign)
        assert self.call(actor, method, path, status, **kwargs) == {"detail": detail}
        return True

    def app_denied(self, actor: int, owner: int | None, method: str, path: str, **kwargs: Any) -> bool:
        return self.denied(
            actor, owner, method, path, "Application not found", "Not your application", **kwargs
        )

    def post_single(
        self, actor: int, owner: int | None, app_id: str, kind: str, fields: dict[str, Any], taken: str
    ) -> tuple[AppModel, dict[str, Any]] | None:
        """``POST /applications/{app_id}/{kind}`` of an application's one outcome or reflection:
        a refusal (someone else's or unknown application; 409 ``taken`` when it has one already)
        is checked here and gives ``None``, else the application and the 201 answer."""
        path = f"/applications/{app_id}/{kind}"
        if self.app_denied(actor, owner, "POST", path, json=fields):
            return None
        app = self.users[actor].apps[app_id]
        if getattr(app, kind) is not None:
            assert self.call(actor, "POST", path, 409, json=fields) == {"detail": taken}
            return None
        return app, self.call(actor, "POST", path, 201, json=fields)

    def put_single(
        self, actor: int, owner: int | None, app_id: str, kind: str, changes: dict[str, Any], missing: str
    ) -> tuple[AppModel, dict[str, Any]] | None:
        """``PUT /applications/{app_id}/{kind}/{id}`` of its outcome or reflection (a random id
        when it has none): a refusal (someone else's or unknown application; 404 ``missing``) is
        checked here and gives ``None``, else the application and the 200 answer."""
        app = None if owner is None else self.users[owner].apps[app_id]
        single = None if app is None else getattr(app, kind)
        path = f"/applications/{app_id}/{kind}/{single['id'] if single else uuid.uuid4()}"
        if self.app_denied(actor, owner, "PUT", path, json=changes):
            return None
        assert app is not None
        if single is None:
            assert self.call(actor, "PUT", path, 404, json=changes) == {"detail": missing}
            return None
        return app, self.call(actor, "PUT", path, 200, json=changes)

    # --- setup ---

    @initialize(
        apps=st.lists(st.tuples(st.integers(0, 1), NEW_APP), max_size=4),
        tags=st.lists(st.tuples(st.integers(0, 1), TAG_NAMES), max_size=3),
        saved_jobs=st.lists(st.tuples(st.integers(0, 1), NEW_SAVED_JOB), max_size=2),
        stages=st.lists(st.tuples(st.integers(0, 1), PICK, DAY), max_size=3),
        assignments=st.lists(st.tuples(st.integers(0, 1), PICK, PICK), max_size=2),
        outcomes=st.lists(st.tuples(st.integers(0, 1), PICK, NEW_OUTCOME), max_size=2),
    )
    def two_fresh_users_with_a_few_rows(
        self,
        apps: list[tuple[int, dict[str, Any]]],
        tags: list[tuple[int, str]],
        saved_jobs: list[tuple[int, dict[str, Any]]],
        stages: list[tuple[int, int, int | None]],
        assignments: list[tuple[int, int, int]],
        outcomes: list[tuple[int, int, dict[str, Any]]],
    ) -> None:
        """Register two users no earlier example knew (so the checks need no truncation) and give
        them a few rows to start from, through the same rules the steps use."""
        for _ in range(2):
            name = f"u{next(_usernames)}_{uuid.uuid4().hex[:8]}"
            body = {"email": f"{name}@example.com", "username": name, "password": PASSWORD}
            status, data = self.api("POST", "/auth/register", json=body)
            assert status == 201, data
            headers = {"Authorization": f"Bearer {data['access_token']}"}
            self.users.append(UserModel(id=data["user"]["id"], headers=headers))
        for actor, fields in apps:
            self.create_application(actor, fields)
        for actor, name in tags:
            self.create_tag(actor, name, None)
        for actor, fields in saved_jobs:
            self.save_job(actor, fields)
        if any(user.apps for user in self.users):
            for actor, index, day in stages:
                self.add_stage(actor, "own", index, "Recruiter Call", day, focus=False)
            for actor, app_index, tag_index in assignments:
                self.assign_tag(actor, "own", app_index, "own", tag_index)
            for actor, index, fields in outcomes:
                self.create_outcome(actor, "own", index, fields, focus=False)

    # --- applications ---

    @rule(actor=st.integers(0, 1), fields=NEW_APP)
    def create_application(self, actor: int, fields: dict[str, Any]) -> None:
        today = self.today()
        body = dated(fields, today, "applied_date")
        self.touch(actor, "app")
        created = self.call(actor, "POST", "/applications/", 201, json=body)
        user = self.users[actor]
        sent = {name: body[name] for name in AppModel.FIELDS if name in body}
        app = AppModel(
            id=created["id"],
            user_id=user.id,
            applied_date=as_date(body.get("applied_date")),
            **{"status": "Saved", **sent},
        )
        user.created(app, today)
        assert app_view(created) == app.view()

    @precondition(has_apps)
    @rule(actor=st.integers(0, 1), whose=WHOSE, index=PICK, changes=APP_CHANGES, focus=FOCUS)
    def update_application(
        self, actor: int, whose: str, index: int, changes: dict[str, Any], focus: bool
    ) -> None:
        """Partial update; ``focus`` takes a Saved application, where Saved → Applied dates it."""
        today = self.today()
        saved = lambda app: focus and app.status == "Saved"  # noqa: E731
        actor, owner, app_id = self.pick(actor, "app", whose, index, prefer=saved)
        body = dated(changes, today, "applied_date")
        path = f"/applications/{app_id}"
        if self.app_denied(actor, owner, "PUT", path, json=body):
            return
        updated = self.call(actor, "PUT", path, 200, json=body)
        user = self.users[actor]
        app = user.apps[app_id]
        model_changes = {k: as_date(v) if k == "applied_date" else v for k, v in body.items()}
        user.updated(app, model_changes, today)
        assert app_view(updated) == app.view()

    @precondition(has_apps)
    @rule(actor=st.integers(0, 1), whose=WHOSE, index=PICK)
    def delete_application(self, actor: int, whose: str, index: int) -> None:
        actor, owner, app_id = self.pick(actor, "app", whose, index)
        path = f"/applications/{app_id}"
        if self.app_denied(actor, owner, "DELETE", path):
            return
        assert self.call(actor, "DELETE", path, 200) == {"detail": "Application deleted"}
        self.users[actor].application_deleted(app_id)
        self.touch(actor, "saved")  # a saved job converted into it is unlinked
        self.gone["app"].append(app_id)

    # --- stages ---

    @precondition(has_apps)
    @rule(
        actor=st.integers(0, 1),
        whose=WHOSE,
        index=PICK,
        name=st.sampled_from(["Recruiter Call", "Tech screen", "Onsite"]),
        day=DAY,
        focus=FOCUS,
    )
    def add_stage(self, actor: int, whose: str, index: int, name: str, day: int | None, focus: bool) -> None:
        """Add a stage; ``focus`` takes an Applied application, which the stage moves on."""
        applied = lambda app: focus and app.status == "Applied"  # noqa: E731
        actor, owner, app_id = self.pick(actor, "app", whose, index, prefer=applied)
        body = dated({"stage_name": name, "stage_date": day}, self.today(), "stage_date")
        path = f"/applications/{app_id}/stages"
        if self.app_denied(actor, owner, "POST", path, json=body):
            return
        created = self.call(actor, "POST", path, 201, json=body)
        stage = StageModel(created["id"], name, as_date(body["stage_date"]))
        self.users[actor].stage_added(self.users[actor].apps[app_id], stage)
        assert stage_view(created) == stage.view()

    @precondition(has_stages)
    @rule(
        actor=st.integers(0, 1),
        whose=WHOSE,
        index=PICK,
        stage_index=PICK,
        elsewhere=st.sampled_from([False] * 4 + [True]),
        changes=STAGE_CHANGES,
    )
    def update_stage(
        self, actor: int, whose: str, index: int, stage_index: int, elsewhere: bool, changes: dict[str, Any]
    ) -> None:
        """Update a stage of an application; ``elsewhere`` takes the stage from another of the
        owner's applications, which must be 404 "Stage not found" (behaviour.md §3)."""
        with_stages = None if elsewhere else (lambda app: bool(app.stages))
        actor, owner, app_id = self.pick(actor, "app", whose, index, prefer=with_stages)
        candidates: list[StageModel] = []
        if owner is not None:
            apps = self.users[owner].apps
            candidates = (
                [s for other in apps.values() if other.id != app_id for s in other.stages]
                if elsewhere
                else apps[app_id].stages
            )
        stage_id = candidates[stage_index % len(candidates)].id if candidates else str(uuid.uuid4())
        body = dated(changes, self.today(), "stage_date")
        path = f"/applications/{app_id}/stages/{stage_id}"
        if self.app_denied(actor, owner, "PUT", path, json=body):
            return
        if elsewhere or not candidates:
            assert self.call(actor, "PUT", path, 404, json=body) == {"detail": "Stage not found"}
            return
        updated = self.call(actor, "PUT", path, 200, json=body)
        stage = next(s for s in candidates if s.id == stage_id)
        for name, value in body.items():
            setattr(stage, name, as_date(value) if name == "stage_date" else value)
        self.users[actor].stage_updated(self.users[actor].apps[app_id], stage)
        assert stage_view(updated) == stage.view()

    # --- outcome and reflection ---

    @precondition(has_apps)
    @rule(actor=st.integers(0, 1), whose=WHOSE, index=PICK, fields=NEW_OUTCOME, focus=FOCUS)
    def create_outcome(self, actor: int, whose: str, index: int, fields: dict[str, Any], focus: bool) -> None:
        """Record an outcome, on an application without one when there is any; ``focus`` takes an
        Accepted one first, which an Offer must leave Accepted."""

        def score(app: AppModel) -> int:
            return 0 if app.outcome else 1 + (focus and app.status == "Accepted")

        actor, owner, app_id = self.pick(actor, "app", whose, index, prefer=score)
        taken = "This application already has offer details. Use PUT to update."
        posted = self.post_single(actor, owner, app_id, "outcome", fields, taken)
        if posted is None:
            return
        app, created = posted
        outcome = {
            "id": created["id"],
            "status": fields.get("status") or "Offer",
            "salary": fields.get("salary"),
            "salary_currency": fields.get("salary_currency", "USD"),
        }
        assert {k: created[k] for k in outcome} == outcome
        self.users[actor].outcome_created(app, outcome)

    @precondition(has_outcomes)
    @rule(actor=st.integers(0, 1), whose=WHOSE, index=PICK, changes=OUTCOME_CHANGES)
    def update_outcome(self, actor: int, whose: str, index: int, changes: dict[str, Any]) -> None:
        """A changed outcome status applies the outcome rule again (OutcomeService.update's
        documented decision; behaviour.md is silent), logged as "(outcome recorded)"."""
        actor, owner, app_id = self.pick(actor, "app", whose, index, prefer=lambda app: bool(app.outcome))
        put = self.put_single(actor, owner, app_id, "outcome", changes, "Outcome not found")
        if put is None:
            return
        app, updated = put
        assert app.outcome is not None
        old_status = app.outcome["status"]
        app.outcome = app.outcome | changes
        assert {k: updated[k] for k in app.outcome} == app.outcome
        if app.outcome["status"] != old_status:
            self.users[actor].outcome_moves(app, app.outcome["status"])

    @precondition(has_apps)
    @rule(actor=st.integers(0, 1), whose=WHOSE, index=PICK, what_worked=st.none() | TEXT)
    def create_reflection(self, actor: int, whose: str, index: int, what_worked: str | None) -> None:
        actor, owner, app_id = self.pick(actor, "app", whose, index, prefer=lambda app: not app.reflection)
        fields = {"what_worked": what_worked, "skill_gaps": {"SQL": "basic"}}
        taken = "This application already has a reflection. Use PUT to update."
        posted = self.post_single(actor, owner, app_id, "reflection", fields, taken)
        if posted is None:
            return
        app, created = posted
        assert (created["what_worked"], created["skill_gaps"]) == (what_worked, {"SQL": "basic"})
        self.users[actor].reflection_created(app, {"id": created["id"], "what_worked": what_worked})

    @precondition(has_reflections)
    @rule(actor=st.integers(0, 1), whose=WHOSE, index=PICK, what_worked=st.none() | TEXT)
    def update_reflection(self, actor: int, whose: str, index: int, what_worked: str | None) -> None:
        prefer = lambda app: bool(app.reflection)  # noqa: E731
        actor, owner, app_id = self.pick(actor, "app", whose, index, prefer=prefer)
        changes = {"what_worked": what_worked}
        put = self.put_single(actor, owner, app_id, "reflection", changes, "Reflection not found")
        if put is None:
            return
        app, updated = put
        assert updated["what_worked"] == what_worked
        assert app.reflection is not None
        app.reflection["what_worked"] = what_worked

    # --- tags ---

    @rule(actor=st.integers(0, 1), name=TAG_NAMES, color=st.none() | st.sampled_from(["#0f0", "#A1B2C3"]))
    def create_tag(self, actor: int, name: str, color: str | None) -> None:
        self.touch(actor, "tag")
        user = self.users[actor]
        body = {"name": name} if color is None else {"name": name, "color": color}
        if any(tag.name == name for tag in user.tags.values()):
            answer = self.call(actor, "POST", "/tags/", 400, json=body)
            assert answer == {"detail": "Tag with this name already exists"}
            return
        created = self.call(actor, "POST", "/tags/", 201, json=body)
        tag = TagModel(created["id"], user.id, name, color or "#6366f1")
        assert {k: created[k] for k in TAG_FIELDS} == tag.view()
        user.tags[tag.id] = tag

    @precondition(has_tags)
    @rule(actor=st.integers(0, 1), whose=WHOSE, index=PICK, name=TAG_NAMES)
    def rename_tag(self, actor: int, whose: str, index: int, name: str) -> None:
        actor, owner, tag_id = self.pick(actor, "tag", whose, index)
        path = f"/tags/{tag_id}"
        if self.denied(actor, owner, "PUT", path, "Tag not found", "Not your tag", json={"name": name}):
            return
        tags = self.users[actor].tags
        if any(tag.name == name and tag.id != tag_id for tag in tags.values()):
            answer = self.call(actor, "PUT", path, 400, json={"name": name})
            assert answer == {"detail": "Tag with this name already exists"}
            return
        renamed = self.call(actor, "PUT", path, 200, json={"name": name})
        tags[tag_id].name = name
        assert {k: renamed[k] for k in TAG_FIELDS} == tags[tag_id].view()

    @precondition(has_tags)
    @rule(actor=st.integers(0, 1), whose=WHOSE, index=PICK)
    def delete_tag(self, actor: int, whose: str, index: int) -> None:
        actor, owner, tag_id = self.pick(actor, "tag", whose, index)
        path = f"/tags/{tag_id}"
        if self.denied(actor, owner, "DELETE", path, "Tag not found", "Not your tag"):
            return
        assert self.call(actor, "DELETE", path, 200) == {"detail": "Tag deleted"}
        self.users[actor].tag_deleted(tag_id)
        self.gone["tag"].append(tag_id)

    @precondition(lambda machine: has_apps(machine) and has_tags(machine))
    @rule(
        actor=st.integers(0, 1),
        app_whose=WHOSE,
        app_index=PICK,
        tag_whose=WHOSE,
        tag_index=PICK,
    )
    def assign_tag(self, actor: int, app_whose: str, app_index: int, tag_whose: str, tag_index: int) -> None:
        """The application answers first (403/404 as everywhere), then the tag: someone else's
        and a missing one are both 404 "Tag not found" (behaviour.md §9)."""
        users = self.users
        if not (users[actor].apps and users[actor].tags) and users[1 - actor].apps and users[1 - actor].tags:
            actor = 1 - actor  # the user who has both acts, so "own" and "own" can succeed
        _, app_owner, app_id = self.pick(actor, "app", app_whose, app_index, switch=False)
        _, tag_owner, tag_id = self.pick(actor, "tag", tag_whose, tag_index, switch=False)
        path = f"/tags/application/{app_id}/assign/{tag_id}"
        if self.app_denied(actor, app_owner, "POST", path):
            return
        if tag_owner != actor:
            assert self.call(actor, "POST", path, 404) == {"detail": "Tag not found"}
            return
        user = self.users[actor]
        app, tag = user.apps[app_id], user.tags[tag_id]
        if tag_id in app.tags:
            assert self.call(actor, "POST", path, 400) == {
                "detail": "Tag already assigned to this application"
            }
            return
        assigned = self.call(actor, "POST", path, 201)
        assert (assigned["application_id"], assigned["tag_id"], assigned["tag"]["name"]) == (
            app_id,
            tag_id,
            tag.name,
        )
        user.tag_assigned(app, tag)

    @precondition(has_tags)
    @rule(
        actor=st.integers(0, 1),
        app_whose=WHOSE,
        app_index=PICK,
        tag_whose=WHOSE,
        tag_index=PICK,
    )
    def remove_tag(self, actor: int, app_whose: str, app_index: int, tag_whose: str, tag_index: int) -> None:
        carries = lambda app: bool(app.tags)  # noqa: E731
        actor, app_owner, app_id = self.pick(actor, "app", app_whose, app_index, prefer=carries)
        # Prefer a tag the application carries, so removals succeed often enough to matter.
        carried = sorted(self.users[actor].apps[app_id].tags) if app_owner == actor else []
        if carried and tag_whose == "own":
            tag_id = carried[tag_index % len(carried)]
        else:
            tag_id = self.pick(actor, "tag", tag_whose, tag_index, switch=False)[2]
        path = f"/tags/application/{app_id}/remove/{tag_id}"
        if self.app_denied(actor, app_owner, "DELETE", path):
            return
        app = self.users[actor].apps[app_id]
        if tag_id not in app.tags:
            answer = self.call(actor, "DELETE", path, 404)
            assert answer == {"detail": "Tag not assigned to this application"}
            return
        assert self.call(actor, "DELETE", path, 200) == {"detail": "Tag removed from application"}
        app.tags.discard(tag_id)

    # --- saved jobs ---

    @rule(actor=st.integers(0, 1), fields=NEW_SAVED_JOB)
    def save_job(self, actor: int, fields: dict[str, Any]) -> None:
        self.touch(actor, "saved")
        created = self.call(actor, "POST", "/saved-jobs/", 201, json=fields)
        user = self.users[actor]
        saved = SavedJobModel(
            id=created["id"],
            user_id=user.id,
            company_name=fields["company_name"],
            role_title=fields.get("role_title"),
            source=fields.get("source"),
            priority=fields.get("priority", "Medium"),
            salary_range_min=fields.get("salary_range_min"),
            salary_range_max=fields.get("salary_range_max"),
            salary_currency=fields.get("salary_currency", "USD"),
            notes=fields.get("notes"),
        )
        assert saved_job_view(created) == saved.view()
        user.saved_jobs[saved.id] = saved

    @precondition(has_saved_jobs)
    @rule(actor=st.integers(0, 1), whose=WHOSE, index=PICK, status=st.sampled_from(["Active", "Archived"]))
    def set_saved_job_status(self, actor: int, whose: str, index: int, status: str) -> None:
        """Archive or reactivate a saved job, a converted one first (still linked to its application
        before all): made Active by hand it must still refuse a second conversion."""

        def converted(saved: SavedJobModel) -> int:
            return (saved.status == "Converted") + (saved.converted_to_application_id is not None)

        actor, owner, saved_id = self.pick(actor, "saved", whose, index, prefer=converted)
        path = f"/saved-jobs/{saved_id}"
        body = {"status": status}
        if self.denied(actor, owner, "PUT", path, "Saved job not found", "Not your saved job", json=body):
            return
        updated = self.call(actor, "PUT", path, 200, json=body)
        saved = self.users[actor].saved_jobs[saved_id]
        saved.status = status
        assert saved_job_view(updated) == saved.view()

    @precondition(has_saved_jobs)
    @rule(actor=st.integers(0, 1), whose=WHOSE, index=PICK, focus=FOCUS)
    def convert_saved_job(self, actor: int, whose: str, index: int, focus: bool) -> None:
        """behaviour.md §9; "already converted" is the status Converted or a link to the application
        it became (SavedJobService.convert: a job set back to Active by hand stays converted).
        A job not marked Converted is taken first; ``focus`` prefers one that is still linked."""

        def score(saved: SavedJobModel) -> int:
            linked = saved.converted_to_application_id is not None
            return 0 if saved.status == "Converted" else 1 + (focus and linked)

        actor, owner, saved_id = self.pick(actor, "saved", whose, index, prefer=score)
        path = f"/saved-jobs/{saved_id}/convert"
        if self.denied(actor, owner, "POST", path, "Saved job not found", "Not your saved job"):
            return
        user = self.users[actor]
        saved = user.saved_jobs[saved_id]
        if saved.status == "Converted" or saved.converted_to_application_id is not None:
            answer = self.call(actor, "POST", path, 400)
            assert answer == {"detail": "This saved job has already been converted to an application."}
            return
        created = self.call(actor, "POST", path, 201)
        self.touch(actor, "app")
        app = AppModel(
            id=created["id"],
            user_id=user.id,
            company_name=saved.company_name,
            role_title=saved.role_title or "Untitled role",
            status="Saved",
            applied_date=None,
            applied_source=saved.source if saved.source in SOURCES else None,
            priority=saved.priority,
            salary_min=saved.salary_range_min,
            salary_max=saved.salary_range_max,
            salary_currency=saved.salary_currency,
            notes=saved.notes,
        )
        user.converted(saved, app)
        assert app_view(created) == app.view()

    @precondition(has_saved_jobs)
    @rule(actor=st.integers(0, 1), whose=WHOSE, index=PICK)
    def delete_saved_job(self, actor: int, whose: str, index: int) -> None:
        actor, owner, saved_id = self.pick(actor, "saved", whose, index)
        path = f"/saved-jobs/{saved_id}"
        if self.denied(actor, owner, "DELETE", path, "Saved job not found", "Not your saved job"):
            return
        assert self.call(actor, "DELETE", path, 200) == {"detail": "Saved job deleted"}
        del self.users[actor].saved_jobs[saved_id]
        self.gone["saved"].append(saved_id)

    # --- time and reads ---

    @precondition(lambda machine: machine.days < MAX_DAYS_PER_EXAMPLE)
    @rule()
    def a_day_passes(self) -> None:
        """Move to the next UTC day: "today" in the auto-dates and the dashboard's weeks moves too."""
        self.clock.advance(days=1)
        self.days += 1
        self.touch(0, "app")
        self.touch(1, "app")

    @precondition(has_apps)
    @rule(actor=st.integers(0, 1), whose=WHOSE, index=PICK)
    def read_one_application(self, actor: int, whose: str, index: int) -> None:
        """One application, its own timeline, its tags and the list filtered by its status: only
        the owner may read the first three (403/404 otherwise)."""
        actor, owner, app_id = self.pick(actor, "app", whose, index)
        path = f"/applications/{app_id}"
        timeline = {"application_id": app_id, "limit": 1000}
        tags_path = f"/tags/application/{app_id}"
        if self.app_denied(actor, owner, "GET", path):
            assert self.app_denied(actor, owner, "GET", "/analytics/activity", params=timeline)
            assert self.app_denied(actor, owner, "GET", tags_path)
            return
        user = self.users[actor]
        app = user.apps[app_id]
        assert app_view(self.call(actor, "GET", path, 200)) == app.view()
        entries = self.call(actor, "GET", "/analytics/activity", 200, params=timeline)
        expected = [entry for entry in user.activity_newest_first() if entry[0] == app_id]
        assert [activity_view(entry) for entry in entries] == expected
        carried = self.call(actor, "GET", tags_path, 200)
        expected_tags = sorted((user.tags[t] for t in app.tags), key=lambda t: t.name)
        assert [(a["tag_id"], a["tag"]["name"]) for a in carried] == [(t.id, t.name) for t in expected_tags]
        listed = self.call(actor, "GET", "/applications/", 200, params={"status": app.status})
        assert [a["id"] for a in listed] == [a.id for a in user.apps_newest_first() if a.status == app.status]

    @precondition(has_saved_jobs)
    @rule(actor=st.integers(0, 1), whose=WHOSE, index=PICK)
    def read_saved_job(self, actor: int, whose: str, index: int) -> None:
        actor, owner, saved_id = self.pick(actor, "saved", whose, index)
        path = f"/saved-jobs/{saved_id}"
        if self.denied(actor, owner, "GET", path, "Saved job not found", "Not your saved job"):
            return
        assert (
            saved_job_view(self.call(actor, "GET", path, 200))
            == self.users[actor].saved_jobs[saved_id].view()
        )

    # --- what both users see after every step ---

    @invariant()
    def every_account_a_step_touched_reads_back_as_its_model(self) -> None:
        """Read back what the last step may have changed, for both its actor and the owner of
        the row it aimed at: an answer that refused the request must also have left that owner's
        account exactly as the model has it."""
        for actor, area in sorted(self.touched):
            if area == "apps":
                self.check_applications(actor)
                self.check_activity(actor)
                self.check_dashboard(actor)
            elif area == "tags":
                self.check_tags(actor)
            else:
                self.check_saved_jobs(actor)
        self.touched.clear()

    def check_applications(self, actor: int) -> None:
        listed = self.call(actor, "GET", "/applications/", 200, params={"limit": 1000})
        assert [app_view(a) for a in listed] == [a.view() for a in self.users[actor].apps_newest_first()]

    def check_activity(self, actor: int) -> None:
        user = self.users[actor]
        entries = self.call(actor, "GET", "/analytics/activity", 200, params={"limit": 1000})
        assert {e["user_id"] for e in entries} <= {user.id}
        assert [activity_view(e) for e in entries] == user.activity_newest_first()

    def check_dashboard(self, actor: int) -> None:
        dashboard = self.call(actor, "GET", "/analytics/dashboard", 200)
        assert dashboard == expected_dashboard(list(self.users[actor].apps.values()), self.today())

    def check_tags(self, actor: int) -> None:
        tags = self.call(actor, "GET", "/tags/", 200)
        assert [{k: t[k] for k in TAG_FIELDS} for t in tags] == self.users[actor].tags_by_name()

    def check_saved_jobs(self, actor: int) -> None:
        saved = self.call(actor, "GET", "/saved-jobs/", 200, params={"limit": 1000})
        assert [saved_job_view(s) for s in saved] == self.users[actor].saved_jobs_newest_first()


def activity_view(entry: dict[str, Any]) -> tuple[str, str, str, dict[str, Any]]:
    return (entry["application_id"], entry["action"], entry["description"], entry["metadata"])


# --- the test ----------------------------------------------------------------------------------


@pytest.fixture
def clock() -> FakeClock:
    # Noon, so the one millisecond every reading adds never crosses midnight by itself.
    return FakeClock(datetime(2026, 3, 4, 12, 0, tzinfo=UTC))


async def _serve(app: web.Application) -> TestClient:
    client = TestClient(TestServer(app, host="127.0.0.1", port=0))
    await client.start_server()
    return client


def test_random_sequences_of_actions_by_two_users_keep_the_api_and_the_model_in_step(
    make_app: Callable[..., web.Application], clock: FakeClock
) -> None:
    loop = asyncio.new_event_loop()
    try:
        client = loop.run_until_complete(_serve(make_app(token_ttl_seconds=TOKEN_TTL_SECONDS)))
        try:
            machine = type("Machine", (ApiMachine,), {"api": Driver(loop, client), "clock": clock})
            run_state_machine_as_test(machine, settings=SETTINGS)
        finally:
            loop.run_until_complete(client.close())
    finally:
        loop.close()

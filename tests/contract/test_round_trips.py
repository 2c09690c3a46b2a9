"""Every entity comes back exactly as it went in; updates replace, deletes remove, unknown ids are None."""

from __future__ import annotations

from datetime import date
from uuid import uuid4

import attrs

from offertracker_core.entities import Application, ResumeVersion
from offertracker_core.enums import ApplicationStatus, OutcomeStatus, ProfileVisibility, StageResult
from offertracker_core.milestones import MILESTONES
from offertracker_core.ports import Storage

from ..storage import factories as f


async def test_a_user_round_trips_and_is_found_by_id_email_and_username(storage: Storage) -> None:
    ada = f.user("ada")
    async with storage.write() as uow:
        await uow.users.add(ada)
        await uow.commit()
    async with storage.read() as uow:
        assert await uow.users.get(ada.id) == ada
        assert await uow.users.get_by_email("ada@example.com") == ada
        assert await uow.users.get_by_username("ada") == ada
        assert await uow.users.get(uuid4()) is None
        assert await uow.users.get_by_email("nobody@example.com") is None
        assert await uow.users.get_by_username("nobody") is None


async def test_get_for_update_returns_what_get_returns(storage: Storage) -> None:
    ada = f.user("ada")
    app = f.application(ada.id)
    async with storage.write() as uow:
        await uow.users.add(ada)
        await uow.applications.add(app)
        await uow.commit()
    async with storage.write() as uow:
        assert await uow.users.get_for_update(ada.id) == await uow.users.get(ada.id) == ada
        assert await uow.applications.get_for_update(app.id) == app
        assert await uow.users.get_for_update(uuid4()) is None
        locked = await uow.applications.get_detail(app.id, for_update=True)
        assert locked == await uow.applications.get_detail(app.id)
        assert locked is not None
        assert locked.application == app


async def test_a_user_update_replaces_every_field_and_a_delete_removes_the_user(storage: Storage) -> None:
    ada = f.user("ada")
    changed = attrs.evolve(
        ada,
        display_name=None,
        bio=None,
        is_profile_public=True,
        profile_visibility=ProfileVisibility.PUBLIC,
        streak_days=0,
        last_active_date=None,
        updated_at=f.at(60),
    )
    async with storage.write() as uow:
        await uow.users.add(ada)
        await uow.users.update(changed)
        await uow.commit()
    async with storage.read() as uow:
        assert await uow.users.get(ada.id) == changed
    async with storage.write() as uow:
        await uow.users.delete(ada.id)
        await uow.commit()
    async with storage.read() as uow:
        assert await uow.users.get(ada.id) is None
        assert await uow.users.get_by_username("ada") is None


async def test_credentials_are_stored_and_replaced(storage: Storage) -> None:
    ada = f.user("ada")
    async with storage.write() as uow:
        await uow.users.add(ada)
        await uow.credentials.set(ada.id, "$argon2id$first")
        await uow.credentials.set(ada.id, "$argon2id$second")
        await uow.commit()
    async with storage.read() as uow:
        assert await uow.credentials.get(ada.id) == "$argon2id$second"
        assert await uow.credentials.get(uuid4()) is None


async def test_a_resume_round_trips_through_the_owned_repository(storage: Storage) -> None:
    ada = f.user("ada")
    cv = f.resume(ada.id)
    bare = f.resume(ada.id, version_name="bare", notes=None, file_url=None)
    async with storage.write() as uow:
        await uow.users.add(ada)
        await uow.owned(ResumeVersion).add(cv)
        await uow.owned(ResumeVersion).add(bare)
        await uow.owned(ResumeVersion).update(attrs.evolve(cv, notes="updated", updated_at=f.at(9)))
        await uow.commit()
    async with storage.read() as uow:
        assert await uow.owned(ResumeVersion).get(bare.id) == bare
        assert await uow.owned(ResumeVersion).get(cv.id) == attrs.evolve(
            cv, notes="updated", updated_at=f.at(9)
        )
        assert await uow.owned(ResumeVersion).get(uuid4()) is None
    async with storage.write() as uow:
        assert await uow.owned(ResumeVersion).get_for_update(bare.id) == bare
        await uow.owned(ResumeVersion).delete(cv.id)
        await uow.commit()
    async with storage.read() as uow:
        assert await uow.owned(ResumeVersion).get(cv.id) is None
        assert await uow.owned(ResumeVersion).get(bare.id) == bare


async def test_an_application_with_every_child_round_trips(storage: Storage) -> None:
    ada = f.user("ada")
    cv = f.resume(ada.id)
    app = f.application(ada.id, resume_version_id=cv.id)
    bare = f.application(
        ada.id,
        **dict.fromkeys(
            [
                "url",
                "description",
                "location",
                "job_type",
                "work_mode",
                "salary_min",
                "salary_max",
                "applied_source",
                "applied_date",
                "follow_up_date",
                "priority",
                "notes",
            ],
            None,
        ),
        status=ApplicationStatus.SAVED,
        created_at=f.at(1),
    )
    step = f.stage(app.id)
    undated = f.stage(app.id, stage_name="Onsite", stage_date=None, questions_asked=None, created_at=f.at(1))
    offer = f.outcome(app.id)
    notes = f.reflection(app.id)
    async with storage.write() as uow:
        await uow.users.add(ada)
        await uow.owned(ResumeVersion).add(cv)
        await uow.applications.add(app)
        await uow.applications.add(bare)
        await uow.stages.add(step)
        await uow.stages.add(undated)
        await uow.outcomes.add(offer)
        await uow.reflections.add(notes)
        await uow.commit()
    async with storage.read() as uow:
        assert await uow.applications.get(app.id) == app
        assert await uow.owned(Application).get(bare.id) == bare
        assert await uow.stages.get(step.id) == step
        assert await uow.stages.get(undated.id) == undated
        assert await uow.outcomes.get(offer.id) == offer
        assert await uow.outcomes.get_for_application(app.id) == offer
        assert await uow.outcomes.get_for_application(bare.id) is None
        assert await uow.reflections.get(notes.id) == notes
        assert await uow.reflections.get_for_application(app.id) == notes
        assert await uow.reflections.get_for_application(bare.id) is None
        detail = await uow.applications.get_detail(app.id)
        assert detail is not None
        assert (detail.application, detail.stages, detail.outcome, detail.reflection) == (
            app,
            (step, undated),
            offer,
            notes,
        )
        assert detail.reflection is not None
        assert detail.reflection.skill_gaps == {"skills": ["Kafka", "SQL"], "severity": 2}
        empty = await uow.applications.get_detail(bare.id)
        assert empty is not None
        assert (empty.application, empty.stages, empty.outcome, empty.reflection) == (bare, (), None, None)
        assert await uow.applications.get_detail(uuid4()) is None
        for repository in (uow.applications, uow.stages, uow.outcomes, uow.reflections):
            assert await repository.get(uuid4()) is None


async def test_children_are_updated_and_deleted(storage: Storage) -> None:
    ada = f.user("ada")
    app = f.application(ada.id)
    step, offer, notes = f.stage(app.id), f.outcome(app.id), f.reflection(app.id)
    async with storage.write() as uow:
        await uow.users.add(ada)
        await uow.applications.add(app)
        await uow.stages.add(step)
        await uow.outcomes.add(offer)
        await uow.reflections.add(notes)
        await uow.commit()
    changed_app = attrs.evolve(app, status=ApplicationStatus.OFFER, notes=None, updated_at=f.at(5))
    changed_step = attrs.evolve(
        step, questions_asked=("Only one?",), result=StageResult.FAILED, stage_date=None
    )
    changed_offer = attrs.evolve(offer, salary=None, status=OutcomeStatus.REJECTED)
    changed_notes = attrs.evolve(notes, skill_gaps=None, what_worked=None)
    async with storage.write() as uow:
        await uow.applications.update(changed_app)
        await uow.stages.update(changed_step)
        await uow.outcomes.update(changed_offer)
        await uow.reflections.update(changed_notes)
        await uow.commit()
    async with storage.read() as uow:
        detail = await uow.applications.get_detail(app.id)
    assert detail is not None
    assert (detail.application, detail.stages, detail.outcome, detail.reflection) == (
        changed_app,
        (changed_step,),
        changed_offer,
        changed_notes,
    )
    async with storage.write() as uow:
        await uow.stages.delete(step.id)
        await uow.outcomes.delete(offer.id)
        await uow.reflections.delete(notes.id)
        await uow.commit()
    async with storage.read() as uow:
        detail = await uow.applications.get_detail(app.id)
        assert await uow.stages.get(step.id) is None
        assert await uow.outcomes.get_for_application(app.id) is None
        assert await uow.reflections.get_for_application(app.id) is None
    assert detail is not None
    assert (detail.application, detail.stages, detail.outcome, detail.reflection) == (
        changed_app,
        (),
        None,
        None,
    )


async def test_deleting_an_unknown_id_changes_nothing(storage: Storage) -> None:
    ada = f.user("ada")
    async with storage.write() as uow:
        await uow.users.add(ada)
        await uow.users.delete(uuid4())
        await uow.applications.delete(uuid4())
        await uow.owned(ResumeVersion).delete(uuid4())
        await uow.commit()
    async with storage.read() as uow:
        assert await uow.users.get(ada.id) == ada


async def test_updating_an_entity_that_is_not_stored_does_not_add_it(storage: Storage) -> None:
    ada = f.user("ada")
    ghost = f.user("ghost")
    async with storage.write() as uow:
        await uow.users.add(ada)
        await uow.users.update(ghost)
        await uow.commit()
    async with storage.read() as uow:
        assert await uow.users.get(ghost.id) is None
        assert await uow.users.get_by_username("ghost") is None


async def test_the_milestone_catalogue_is_the_cores_in_its_defined_order(storage: Storage) -> None:
    async with storage.read() as uow:
        catalogue = await uow.progress.milestones()
    assert catalogue == list(MILESTONES)
    assert (len(catalogue), catalogue[0].name, catalogue[1].name) == (
        12,
        "Getting Started",
        "First Application",
    )


async def test_application_dates_keep_their_calendar_day(storage: Storage) -> None:
    ada = f.user("ada")
    app = f.application(ada.id, applied_date=date(2026, 12, 31), follow_up_date=date(2027, 1, 1))
    async with storage.write() as uow:
        await uow.users.add(ada)
        await uow.applications.add(app)
        await uow.commit()
    async with storage.read() as uow:
        stored = await uow.applications.get(app.id)
    assert stored is not None
    assert (stored.applied_date, stored.follow_up_date) == (date(2026, 12, 31), date(2027, 1, 1))

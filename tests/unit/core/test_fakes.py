"""The fakes keep up with the ports they stand in for: the same repositories and methods.

How they behave (orders, rollbacks, savepoints) is checked against the SQL adapter in tests/contract.
"""

from __future__ import annotations

import inspect
import typing
from uuid import UUID

import pytest

from offertracker_core import ports
from offertracker_core.entities import ResumeVersion

from ..fakes import FAKE_PORTS, FakeStorage

USER = UUID(int=1)


def port_of(name: str) -> type:
    """The repository Protocol a unit-of-work property is declared to return."""
    prop = vars(ports.Repositories)[name]
    hint = typing.get_type_hints(prop.fget)["return"]
    return typing.get_origin(hint) or hint


def public_methods(cls: type) -> set[str]:
    return {name for name, _ in inspect.getmembers(cls, inspect.isfunction) if not name.startswith("_")}


@pytest.mark.parametrize("name", sorted(ports.repository_names()))
def test_every_fake_repository_has_the_methods_of_its_port(name: str) -> None:
    fake = getattr(FakeStorage().write(), name)
    assert public_methods(port_of(name)) <= public_methods(type(fake))


def test_the_fake_registry_serves_exactly_the_named_repositories_of_the_port() -> None:
    assert (
        set(FAKE_PORTS)
        == ports.repository_names()
        == {
            "users",
            "credentials",
            "applications",
            "stages",
            "outcomes",
            "reflections",
            "activity",
            "progress",
            "documents",
            "reminders",
            "tags",
            "application_tags",
            "analytics",
            "groups",
            "follows",
            "posts",
            "reactions",
            "imports",
            "calendar",
            "account",
        }
    )


def test_any_owned_entity_gets_the_generic_repository_with_every_method_of_the_port() -> None:
    repository = FakeStorage().write().owned(ResumeVersion)
    assert public_methods(ports.OwnedRepository) <= public_methods(type(repository))

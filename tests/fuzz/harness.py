"""One bounded, reproducible schemathesis run against a live server, summed up for a test.

:func:`fuzz` loads an OpenAPI document (a dict, or the path the server serves it
at), runs every operation through schemathesis's engine -- the same one its CLI
drives: coverage, fuzzing and stateful phases -- with exactly :data:`CHECKS`,
and returns a :class:`FuzzReport`. Two registered users are the run's
identities and each other's peers, so ``object_level_authorization`` replays
what one of them reads as the other.

The run is fixed by :data:`MAX_EXAMPLES`, :data:`SEED` and derandomized
generation, and nothing is read from or written to disk between runs (no
schemathesis cache, no Hypothesis example database), so CI sees the same
requests every time.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import schemathesis
from schemathesis.core.result import Ok
from schemathesis.engine import events, from_schema
from schemathesis.engine.recorder import CheckFailureInfo
from schemathesis.wfc.escalation import escalating_provider

__all__ = [
    "CHECKS",
    "MAX_EXAMPLES",
    "PHASES",
    "SEED",
    "SHARED_READS",
    "Finding",
    "FuzzReport",
    "Identity",
    "fuzz",
]

CHECKS = (
    "not_a_server_error",
    "status_code_conformance",
    "response_schema_conformance",
    "content_type_conformance",
    "negative_data_rejection",
    "ignored_auth",
    "object_level_authorization",
)
"""Every check the issue names; all others are off."""

MAX_EXAMPLES = 25
"""Generated cases per operation in the fuzzing phase (the coverage phase adds its own, one per
boundary and per kind of bad input); stateful scenarios are bounded by the same number.
This is the run's only bound. schemathesis's ``max-time`` is not one: given a time budget, it
repeats the fuzzing and stateful phases until the budget is spent.

Measured on two cores, one database: the coverage phase sends about 5,900 requests in 10 s;
the fuzzing phase sent about 3,800 more in 30 s at 40 and sends about 2,450 in 20 s at 25
(43 s and 32 s per database in all). Every operation, every check and every peer replay the
test asserts is still reached at 10; 25 keeps a margin over that at two thirds of the cost."""

SEED = 16_2026
"""Any fixed number: with derandomized generation the requests depend only on it and the document."""

PHASES = ("coverage", "fuzzing", "stateful")
"""The phases that run. ``examples`` would replay the document's own examples (none are declared);
``coverage`` sends every boundary and every kind of bad input once; ``fuzzing`` generates
:data:`MAX_EXAMPLES` cases; ``stateful`` chains creates into reads and updates as one identity.
Object-level authorization needs no declared links: both ``fuzzing`` (ids an identity's earlier
responses returned) and ``stateful`` (inferred links) hand it ids to replay as the peer."""

_PHASE_NAMES = ("examples", "coverage", "fuzzing", "stateful")

SHARED_READS: Mapping[str, str] = {
    "list_followers": "who follows a user is every signed-in user's to see (behaviour.md §10)",
    "list_following": "whom a user follows is every signed-in user's to see (behaviour.md §10)",
    "list_group_members": "a public group's members are everyone's to see; a private group's are "
    "its members' only (behaviour.md §10), which tests/http/test_social_groups.py holds",
}
"""Reads that show one user's objects to every signed-in user by design, by operation id, with the
rule that says so: ``object_level_authorization`` is off for these (every other check stays on).
Its replay cannot tell "bob may see alice's follows" from a leak; the rule's own tests can."""


@dataclass(frozen=True)
class Identity:
    """A registered user schemathesis logs in as: its WFC name, email and password."""

    name: str
    email: str
    password: str


@dataclass(frozen=True)
class Finding:
    """One failed check: where, which, and how to replay it."""

    phase: str
    operation: str
    check: str
    title: str
    message: str
    replay: str
    """The curl command(s) that reproduce it, oldest first, each naming the identity it ran as."""

    def __str__(self) -> str:
        return f"[{self.phase}] {self.operation} -- {self.check}\n{self.title}\n{self.message}\n{self.replay}"


@dataclass
class FuzzReport:
    """What one run did and found."""

    operations: list[str] = field(default_factory=list)
    """Every operation of the document, as ``METHOD /path`` labels."""
    failures: list[Finding] = field(default_factory=list)
    """Every failed check, in the order the run met them."""
    errors: list[str] = field(default_factory=list)
    """Runs that could not test at all (bad schema, unreachable server, crashed hook...)."""
    cases: Counter[str] = field(default_factory=Counter)
    """Requests recorded per operation label, summed over all phases."""
    checked: Counter[str] = field(default_factory=Counter)
    """Check results recorded per check name, passed or failed."""
    peer_probes: list[tuple[str, str, str]] = field(default_factory=list)
    """``(operation, resource, peer)`` for each owner's read replayed as another peer."""
    identities: dict[str, str] = field(default_factory=dict)
    """The identity each operation settled on (an operation refused to one moves to the next)."""
    stop_reason: str = ""


def _wfc_document(identities: Sequence[Identity], login_path: str) -> dict[str, Any]:
    """A Web Fuzzing Commons auth document: each identity logs in through ``login_path``.

    Logging in (rather than a fixed token) lets a run survive an operation that
    revokes the caller's tokens: on a 401 schemathesis logs in again and replays.
    """
    return {
        "auth": [
            {
                "name": identity.name,
                "loginEndpointAuth": {
                    "endpoint": login_path,
                    "verb": "POST",
                    "contentType": "application/json",
                    "payloadUserPwd": {
                        "username": identity.email,
                        "password": identity.password,
                        "usernameField": "email",
                        "passwordField": "password",
                    },
                    "token": {
                        "extractFrom": "body",
                        "extractSelector": "/access_token",
                        "sendIn": "header",
                        "sendName": "Authorization",
                        "sendTemplate": "Bearer {token}",
                    },
                },
            }
            for identity in identities
        ]
    }


def _config(base_url: str, wfc_path: Path, peers: Sequence[str], max_examples: int) -> schemathesis.Config:
    return schemathesis.Config.from_dict(
        {
            "seed": SEED,
            # The same requests on every run: nothing remembered from the last one.
            "cache": {"enabled": False},
            "base-url": base_url,
            "auth": {
                "wfc": {"path": str(wfc_path), "peers": list(peers)},
                # The identities are supplied; no signing up of schemathesis's own.
                "auto-signup": False,
            },
            "checks": {"enabled": False, **{name: {"enabled": True} for name in CHECKS}},
            "generation": {"max-examples": max_examples, "deterministic": True, "database": "none"},
            "phases": {name: {"enabled": name in PHASES} for name in _PHASE_NAMES},
            "operations": [
                {
                    "include-operation-id": operation_id,
                    "checks": {"object_level_authorization": {"enabled": False}},
                }
                for operation_id in SHARED_READS
            ],
        }
    )


def fuzz(
    document: Mapping[str, Any] | str,
    *,
    base_url: str,
    identities: Sequence[Identity],
    login_path: str,
    workdir: Path,
    max_examples: int = MAX_EXAMPLES,
) -> FuzzReport:
    """Run every operation of ``document`` against ``base_url``: a dict, or the path the server serves it at.

    ``identities`` are registered users, all of them peers; the first is the
    one each operation starts with. ``workdir`` holds the WFC auth document.
    """
    wfc_path = workdir / "wfc-auth.json"
    wfc_path.write_text(json.dumps(_wfc_document(identities, login_path)))
    config = _config(base_url, wfc_path, [identity.name for identity in identities], max_examples)
    if isinstance(document, str):
        schema = schemathesis.openapi.from_url(base_url + document, config=config)
    else:
        # A deep copy: schemathesis annotates the document it is given.
        schema = schemathesis.openapi.from_dict(json.loads(json.dumps(document)), config=config)

    report = FuzzReport()
    for result in schema.get_all_operations():
        if isinstance(result, Ok):
            report.operations.append(result.ok().label)
        else:
            report.errors.append(f"invalid operation: {result.err()}")
    for event in from_schema(schema).execute():
        if isinstance(event, events.ScenarioFinished):
            _record(report, event)
        elif isinstance(event, events.NonFatalError):
            report.errors.append(f"{event.label}: {event.info.format()}")
        elif isinstance(event, events.FatalError):
            report.errors.append(f"fatal: {event.exception!r}")
        elif isinstance(event, events.EngineFinished):
            report.stop_reason = str(event.stop_reason)
            report.errors.extend(f"after the run: {failure}" for failure in event.failures)

    provider = escalating_provider(schema)
    if provider is not None:
        # Private, hence the minor-version pin: what the check replayed, as (kind, operation, resource, peer).
        probed = provider._probed
        report.peer_probes = sorted((op, thing, peer) for kind, op, thing, peer in probed if kind == "read")
        report.identities = provider.snapshot()
    return report


def _record(report: FuzzReport, event: events.ScenarioFinished) -> None:
    recorder = event.recorder
    for node in recorder.cases.values():
        report.cases[node.value.operation.label] += 1
    for nodes in recorder.checks.values():
        for node in nodes:
            report.checked[node.name] += 1
            if node.failure_info is not None:
                report.failures.append(_describe(event, node.name, node.failure_info))


def _describe(event: events.ScenarioFinished, check: str, info: CheckFailureInfo) -> Finding:
    failure = info.failure
    return Finding(
        phase=event.phase.value,
        operation=failure.operation or event.recorder.label,
        check=check,
        title=failure.title,
        message=failure.message,
        replay="\n".join(step.curl for step in info.steps) or info.code_sample,
    )

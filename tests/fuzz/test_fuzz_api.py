"""The fuzzing harness proven on an API with known holes: it must find exactly those."""

from __future__ import annotations

from pathlib import Path

from .harness import Identity, fuzz
from .leaky_app import LEAKY_DOCUMENT, leaky_app
from .server import serve_in_thread


def test_the_harness_reports_a_peer_reading_anothers_object_and_an_unchecked_token(tmp_path: Path) -> None:
    peers = [Identity("alice", "alice@example.com", "secret a"), Identity("bob", "bob@example.com", "secret")]
    with serve_in_thread(leaky_app({peer.email: peer.password for peer in peers})) as base_url:
        report = fuzz(
            LEAKY_DOCUMENT, base_url=base_url, identities=peers, login_path="/auth/login", workdir=tmp_path
        )

    assert report.errors == []
    found = {(finding.operation, finding.check, finding.title) for finding in report.failures}
    assert found == {
        ("GET /notes/{note_id}", "object_level_authorization", "Object-level authorization bypass"),
        ("GET /stats", "ignored_auth", "API accepts requests without authentication"),
        # The same hole seen from the other side: a request without its required header is accepted.
        ("GET /stats", "negative_data_rejection", "Schema-violating request accepted"),
    }, "\n\n".join(map(str, report.failures))

"""schemathesis against the running app: every operation, every check, two peers, zero failures.

One test per database runs the whole document in one schemathesis run rather
than one pytest test per operation: object-level authorization replays what one
peer's *earlier* requests created as the other peer, and the stateful phase
chains operations, so both need one run across all operations. Each failure is
still reported on its own, with its operation, check, message and a curl
command that replays it.
"""

from __future__ import annotations

from pathlib import Path

from offertracker_core.plugins import create_plugin_manager
from offertracker_http.app import plugin_route_tables
from offertracker_http.routes import ALL_OPERATIONS

from ..http.httpkit import API
from .harness import CHECKS, Identity, fuzz
from .leaky_app import LEAKY_DOCUMENT, leaky_app
from .server import serve_in_thread

DOCUMENT = "/openapi.json"
"""The app's own document, loaded from the running server."""
LOGIN_PATH = f"{API}/auth/login"


def test_every_operation_passes_every_check_for_two_peers(
    live_server: str, peers: list[Identity], tmp_path: Path
) -> None:
    report = fuzz(DOCUMENT, base_url=live_server, identities=peers, login_path=LOGIN_PATH, workdir=tmp_path)

    assert report.errors == []
    assert report.failures == [], "\n\n".join(map(str, report.failures))
    assert report.stop_reason == "completed"
    # Everything was reached: each operation, each check, the peer replay; and no operation refused
    # alice, so none quietly ran as someone else (a revoked token is logged in again, not given up on).
    assert sorted(report.cases) == sorted(report.operations)
    assert sorted(report.checked) == sorted(CHECKS)
    # Login answers a wrong password with 401, so schemathesis also tries it without a token.
    others = {label: who for label, who in report.identities.items() if who != "alice"}
    assert others == {f"POST {LOGIN_PATH}": "<anonymous>"}
    # Each owned resource read by id was replayed as bob (and refused him).
    probed = {(operation, resource) for operation, resource, peer in report.peer_probes if peer == "bob"}
    assert probed == {
        (f"GET {API}/applications/{{application_id}}", "ApplicationResponse"),
        (f"GET {API}/contacts/{{contact_id}}", "ContactResponse"),
        (f"GET {API}/reminders/{{reminder_id}}", "ReminderResponse"),
        (f"GET {API}/resumes/{{resume_id}}", "ResumeVersionResponse"),
        (f"GET {API}/saved-jobs/{{saved_job_id}}", "SavedJobResponse"),
        (f"GET {API}/social/groups/{{group_id}}", "GroupResponse"),
        (f"GET {API}/users/{{user_id}}", "UserResponse"),
    }
    # schemathesis leaves out the operation it loaded the document from. The installed plugins'
    # routes (the webhooks package's) are served and fuzzed like the server's own.
    plugin_operations = [
        op for table in plugin_route_tables(create_plugin_manager()) for op in table.operations
    ]
    assert {op.path for op in plugin_operations} >= {f"{API}/webhooks/", f"{API}/webhooks/{{webhook_id}}"}
    served = {f"{op.method} {op.path}" for op in (*ALL_OPERATIONS, *plugin_operations)} - {f"GET {DOCUMENT}"}
    assert set(report.operations) == served


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

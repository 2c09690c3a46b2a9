"""Fixtures for the fuzzing suite: the real app on a real port, and two registered peers.

``live_server`` runs once per database of ``database_url`` (``tests/conftest.py``),
built like the HTTP suite's app (``tests/http/conftest.py``): a :class:`FakeClock`
and cheap argon2 parameters. It is served from a thread of its own
(:mod:`.server`) because schemathesis's requests are synchronous.
"""

from __future__ import annotations

import json
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest
from limits import parse

from offertracker_http.bootstrap import build_app
from offertracker_http.import_settings import ImportSettings

from ..http.httpkit import API, PASSWORD, FakeClock, cheap_passwords, suite_settings
from .harness import Identity
from .server import serve_in_thread

# A fuzzer sends thousands of requests from 127.0.0.1, many of them failed logins, some of them
# with a peer's email (read back from an earlier response). The default limits would lock the
# peers out mid-run; the limits themselves are tested in tests/http/test_throttle.py.
_UNTHROTTLED = parse("1000000/hour")


@pytest.fixture
def live_server(tmp_path: Path, database_url: str) -> Iterator[str]:
    """The base URL of the real app on ``database_url``, listening on 127.0.0.1."""
    data_dir = tmp_path / "data"
    data_dir.mkdir()
    settings = suite_settings(
        data_dir,
        database_url,
        register_limit_address=_UNTHROTTLED,
        login_limit_address=_UNTHROTTLED,
        login_limit_account=_UNTHROTTLED,
        # The fuzzer's URLs lead nowhere (no network here); a short cap keeps a hanging lookup short.
        imports=ImportSettings(timeout=1.0),
    )
    with serve_in_thread(build_app(settings, clock=FakeClock(), passwords=cheap_passwords())) as base_url:
        yield base_url


@pytest.fixture
def peers(live_server: str) -> list[Identity]:
    """Two registered users, alice and bob: each must never see what the other owns."""
    identities = []
    for name in ("alice", "bob"):
        identity = Identity(name=name, email=f"{name}@example.com", password=PASSWORD)
        body = {"email": identity.email, "username": name, "password": identity.password}
        request = urllib.request.Request(
            f"{live_server}{API}/auth/register",
            data=json.dumps(body).encode(),
            headers={"Content-Type": "application/json"},
        )
        with urllib.request.urlopen(request, timeout=30) as response:  # raises on anything but 2xx
            assert response.status == 201
        identities.append(identity)
    return identities

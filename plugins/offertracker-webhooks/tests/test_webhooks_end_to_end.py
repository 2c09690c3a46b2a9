"""Webhooks from the outside: a real server (in-process, then as ``offertracker serve`` processes)
delivering to a local receiver that checks what arrives.

The receiver is on 127.0.0.1, so the servers run with
``OFFERTRACKER_IMPORT_ALLOW_PRIVATE_URLS=1``.
"""

from __future__ import annotations

import asyncio
import json
import os
import signal
import socket
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any
from uuid import UUID

import aiohttp
import pytest
from app_support import add_webhook
from sqlalchemy import Engine, select
from tests.http.httpkit import call, create_application, register
from webhook_support import Receiver

from offertracker_webhooks.signing import verify
from offertracker_webhooks.tables import webhook_deliveries

ROOT = Path(__file__).resolve().parents[3]
PYTHONPATH = os.pathsep.join([str(ROOT / "src"), str(ROOT / "plugins" / "offertracker-webhooks" / "src")])
API = "/api/v1"


async def eventually(condition: Callable[[], Awaitable[bool]], *, within: float) -> None:
    """Return once ``condition()`` holds, asking every 50 ms; fail after ``within`` seconds."""
    for _ in range(int(within / 0.05)):
        if await condition():
            return
        await asyncio.sleep(0.05)
    raise AssertionError(f"not true within {within} s")


def check_signature(secret: str, request: Any) -> None:
    """The receiver's side: the signature header verifies against the raw body with the secret."""
    header = request.headers["X-OfferTracker-Signature"]
    stamp = int(header.split(",")[0].removeprefix("t="))
    assert abs(stamp - time.time()) < 60
    assert verify(secret, header, request.body, now=int(time.time()))
    assert not verify(secret + "x", header, request.body, now=int(time.time()))


async def test_a_change_reaches_the_receiver_signed_and_shows_in_the_delivery_log(webhook_app, receiver):
    client, _ = await webhook_app(in_server=True, allow_private=True, poll=0.2)
    _, headers = await register(client, "alice")
    hook = await add_webhook(client, headers, receiver.url(), events=["application.created"])
    application = await create_application(client, headers)

    await receiver.wait_for(1)
    [arrived] = receiver.requests
    body = json.loads(arrived.body)
    assert (body["type"], body["data"]["id"]) == ("application.created", application["id"])
    assert arrived.headers["X-OfferTracker-Event"] == "application.created"
    assert arrived.headers["X-OfferTracker-Delivery"] == body["id"]
    assert arrived.headers["Content-Type"] == "application/json"
    check_signature(hook["secret"], arrived)

    async def logged() -> list[dict[str, Any]]:
        found: list[dict[str, Any]] = await call(
            client, "GET", f"/webhooks/{hook['id']}/deliveries", headers, expect=200
        )
        return found

    await eventually(lambda: _nonempty(logged()), within=5)
    [attempt] = await logged()
    assert {key: attempt[key] for key in ("event_id", "event_type", "attempt", "status_code", "error")} == {
        "event_id": body["id"],
        "event_type": "application.created",
        "attempt": 1,
        "status_code": 200,
        "error": None,
    }
    assert 0 <= attempt["duration_ms"] < 5000


# --- real processes ----------------------------------------------------------------------


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class Served:
    """An ``offertracker serve`` process: its base URL, its log."""

    def __init__(self, proc: subprocess.Popen[bytes], base: str, log: Path) -> None:
        self.proc, self.base, self.log = proc, base, log

    def stop(self, sig: int = signal.SIGTERM) -> None:
        if self.proc.poll() is None:
            os.killpg(self.proc.pid, sig)
        self.proc.wait(timeout=30)


def _environ(tmp_path: Path, database_url: str, **env: str) -> dict[str, str]:
    """The environment of a subprocess: none of this one's settings, the test's database and
    data directory, private addresses allowed (the receiver is on 127.0.0.1), a quick poll."""
    environ = {k: v for k, v in os.environ.items() if not k.startswith("OFFERTRACKER_")}
    environ.update(
        PYTHONPATH=PYTHONPATH,
        OFFERTRACKER_DATA_DIR=str(tmp_path / "data"),
        OFFERTRACKER_DATABASE_URL=database_url,
        OFFERTRACKER_IMPORT_ALLOW_PRIVATE_URLS="1",
        OFFERTRACKER_WEBHOOK_POLL_SECONDS="0.2",
        **env,
    )
    return environ


@pytest.fixture
def serve(tmp_path: Path, webhooks_url: str) -> Any:
    """Start ``offertracker serve`` on the test's database; every process is killed afterwards."""
    started: list[Served] = []

    async def start(workers: int = 1, **env: str) -> Served:
        port = _free_port()
        log = tmp_path / f"serve-{len(started)}.log"
        environ = _environ(tmp_path, webhooks_url, **env)
        with log.open("wb") as out:
            proc = subprocess.Popen(  # noqa: ASYNC220 - started once; the test then polls it
                [
                    sys.executable,
                    "-m",
                    "offertracker_http.cli",
                    "serve",
                    "--port",
                    str(port),
                    "--workers",
                    str(workers),
                ],
                env=environ,
                stdout=out,
                stderr=subprocess.STDOUT,
                start_new_session=True,  # its own process group: kill -9 reaches the workers too
            )
        served = Served(proc, f"http://127.0.0.1:{port}", log)
        started.append(served)
        async with aiohttp.ClientSession() as http, asyncio.timeout(30):
            while True:
                assert proc.poll() is None, log.read_text(errors="replace")[-3000:]
                try:
                    async with http.get(f"{served.base}/readyz") as resp:
                        if resp.status == 200:
                            break
                except aiohttp.ClientError:
                    pass
                await asyncio.sleep(0.1)
        return served

    yield start
    for served in started:
        if served.proc.poll() is None:
            os.killpg(served.proc.pid, signal.SIGKILL)
            served.proc.wait()


async def _sign_up(http: aiohttp.ClientSession, base: str, name: str) -> dict[str, str]:
    body = {"email": f"{name}@example.com", "username": name, "password": "correct horse battery"}
    async with http.post(f"{base}{API}/auth/register", json=body) as resp:
        assert resp.status == 201, await resp.text()
        return {"Authorization": f"Bearer {(await resp.json())['access_token']}"}


async def _post(http: aiohttp.ClientSession, url: str, headers: dict[str, str], body: Any) -> dict[str, Any]:
    async with http.post(url, headers=headers, json=body) as resp:
        assert resp.status == 201, await resp.text()
        answer: dict[str, Any] = await resp.json()
        return answer


async def _nonempty(found: Awaitable[list[Any]]) -> bool:
    return bool(await found)


async def _now(value: bool) -> bool:
    return value


def _states(db: Engine) -> Counter[str]:
    with db.connect() as conn:
        return Counter(conn.execute(select(webhook_deliveries.c.state)).scalars())


async def test_a_change_committed_right_before_a_kill_9_is_delivered_after_the_restart(
    serve, receiver: Receiver, db
):
    # The first server never runs a deliverer, so the kill certainly comes before any delivery:
    # all that is left of the change is what its transaction committed.
    first = await serve(OFFERTRACKER_WEBHOOK_IN_SERVER="0")
    async with aiohttp.ClientSession() as http:
        headers = await _sign_up(http, first.base, "alice")
        hook = await _post(
            http,
            f"{first.base}{API}/webhooks/",
            headers,
            {"url": receiver.url(), "events": ["application.created"]},
        )
        application = await _post(
            http, f"{first.base}{API}/applications/", headers, {"company_name": "Acme", "role_title": "Dev"}
        )
    first.stop(signal.SIGKILL)
    assert first.proc.returncode == -signal.SIGKILL
    assert (receiver.requests, _states(db)) == ([], Counter({"pending": 1}))

    await serve()  # the deliverer on, as by default
    await receiver.wait_for(1, within=20)
    [arrived] = receiver.requests
    body = json.loads(arrived.body)
    assert (body["type"], body["data"]["id"]) == ("application.created", application["id"])
    check_signature(hook["secret"], arrived)
    await eventually(lambda: _now(_states(db) == Counter({"delivered": 1})), within=10)


async def test_two_workers_deliver_every_event_exactly_once(serve, receiver: Receiver, db):
    served = await serve(workers=2)
    changes = 12
    async with aiohttp.ClientSession(connector=aiohttp.TCPConnector(force_close=True)) as http:
        headers = await _sign_up(http, served.base, "alice")
        await _post(
            http,
            f"{served.base}{API}/webhooks/",
            headers,
            {"url": receiver.url(), "events": ["application.created"]},
        )
        for index in range(changes):
            await _post(
                http,
                f"{served.base}{API}/applications/",
                headers,
                {"company_name": f"Acme {index}", "role_title": "Dev"},
            )
    await receiver.wait_for(changes, within=30)
    await eventually(lambda: _now(_states(db) == Counter({"delivered": changes})), within=10)
    await asyncio.sleep(1)  # time for a duplicate to show, if there were one
    deliveries = Counter(request.headers["X-OfferTracker-Delivery"] for request in receiver.requests)
    assert len(deliveries) == changes
    assert set(deliveries.values()) == {1}
    with db.connect() as conn:
        queued = {str(event_id) for event_id in conn.execute(select(webhook_deliveries.c.event_id)).scalars()}
    assert set(deliveries) == queued
    assert all(UUID(key) for key in deliveries)


async def test_the_webhooks_run_command_delivers_what_the_servers_queued_and_stops_on_sigterm(
    serve, receiver: Receiver, db, database_url: str, tmp_path: Path
):
    server = await serve(OFFERTRACKER_WEBHOOK_IN_SERVER="0")
    async with aiohttp.ClientSession() as http:
        headers = await _sign_up(http, server.base, "alice")
        await _post(http, f"{server.base}{API}/webhooks/", headers, {"url": receiver.url()})
        await _post(
            http, f"{server.base}{API}/applications/", headers, {"company_name": "A", "role_title": "D"}
        )
    await asyncio.sleep(0.5)
    assert receiver.requests == []  # the server queues, it does not deliver

    environ = _environ(tmp_path, database_url)
    log = tmp_path / "webhooks-run.log"
    with log.open("wb") as out:
        worker = subprocess.Popen(  # noqa: ASYNC220 - started once; the test then polls it
            [sys.executable, "-m", "offertracker_http.cli", "webhooks", "run"],
            env=environ,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    try:
        await receiver.wait_for(2, within=20)  # application.created and the first-application milestone
        assert sorted(json.loads(r.body)["type"] for r in receiver.requests) == [
            "application.created",
            "milestone.reached",
        ]
        await eventually(lambda: _now(_states(db) == Counter({"delivered": 2})), within=10)
        worker.send_signal(signal.SIGTERM)
        assert await asyncio.to_thread(worker.wait, 15) == 0
    finally:
        if worker.poll() is None:
            worker.kill()
    assert "Delivering webhooks" in log.read_text()

"""With ``OFFERTRACKER_LOG_FORMAT=json`` a real server writes one JSON object per line.

The server runs in a process of its own, set up as ``serve`` sets it up
(:mod:`tests.http.ops_server`), and its whole stderr is read afterwards: every
line must parse, the access lines must carry each response's request id, and no
token, password or request body may appear anywhere. Runs on SQLite: what is
logged does not depend on the database.
"""

from __future__ import annotations

import json
import logging
import os
import sys
from pathlib import Path
from typing import Any

import aiohttp
import pytest

from offertracker_http.log_format import JsonFormatter, RequestIdFilter, configure_logging
from offertracker_http.request_ids import current_request_id

from .httpkit import API, JWT_SECRET
from .opskit import data_dir_from, free_port, server_process

SECRET_BODY = "body-text-that-must-never-be-logged-7f3a"
PASSWORD = "pass-word-never-logged-91c2"


async def _exercise(base: str) -> list[tuple[str, int, str]]:
    """Register, log in, call with the token, send a bad body; (what, status, request id) each."""
    seen: list[tuple[str, int, str]] = []
    async with aiohttp.ClientSession(base) as http:
        user = {"email": "gina@example.com", "username": "gina", "password": PASSWORD}
        async with http.post(f"{API}/auth/register", json=user) as resp:
            seen.append(("register", resp.status, resp.headers["X-Request-ID"]))
        login = {"email": "gina@example.com", "password": PASSWORD}
        async with http.post(f"{API}/auth/login", json=login, headers={"X-Request-ID": "login-1"}) as resp:
            token = (await resp.json())["access_token"]
            seen.append(("login", resp.status, resp.headers["X-Request-ID"]))
        bearer = {"Authorization": f"Bearer {token}"}
        async with http.get(f"{API}/users/me", headers=bearer) as resp:
            seen.append(("me", resp.status, resp.headers["X-Request-ID"]))
            me = await resp.json()
        bad = {"company": 5, "position": SECRET_BODY, "notes": SECRET_BODY}
        async with http.post(f"{API}/applications/", json=bad, headers=bearer) as resp:
            seen.append(("invalid", resp.status, resp.headers["X-Request-ID"]))
        seen.append(("token", 0, token))
        seen.append(("user", 0, me["id"]))
    return seen


async def test_every_line_is_json_with_the_request_id_and_no_secret(
    tmp_path: Path, sqlite_template: Path
) -> None:
    data_dir = data_dir_from(sqlite_template, tmp_path)
    env = {
        "OFFERTRACKER_DATA_DIR": str(data_dir),
        "OFFERTRACKER_JWT_SECRET": JWT_SECRET,
        "OFFERTRACKER_LOG_FORMAT": "json",
    }
    port = free_port()
    log_file = tmp_path / "stderr.log"
    with log_file.open("w") as stderr, server_process(port, env, stderr=stderr):
        seen = await _exercise(f"http://127.0.0.1:{port}")
    output = log_file.read_text()

    steps = {what: (status, rid) for what, status, rid in seen}
    assert [steps[w][0] for w in ("register", "login", "me", "invalid")] == [201, 200, 200, 422]
    assert steps["login"][1] == "login-1"
    lines = [json.loads(line) for line in output.splitlines() if line.strip()]  # each one parses
    access = {line["request_id"]: line for line in lines if line["logger"] == "offertracker.access"}
    expected = {
        "register": ("POST", f"{API}/auth/register", 201, None),
        "login": ("POST", f"{API}/auth/login", 200, None),
        "me": ("GET", f"{API}/users/me", 200, steps["user"][1]),
        "invalid": ("POST", f"{API}/applications/", 422, steps["user"][1]),
    }
    for what, (method, route, status, user_id) in expected.items():
        line = access[steps[what][1]]
        assert (line["method"], line["route"], line["status"], line["user_id"]) == (
            method,
            route,
            status,
            user_id,
        )
        assert line["level"] == "INFO"
        assert isinstance(line["duration_ms"], float)
        assert line["time"].endswith("+00:00")
    token = steps["token"][1]
    for secret in (token, token.split(".")[2], PASSWORD, SECRET_BODY, "Bearer"):
        assert secret not in output


def test_an_exception_is_one_json_line_with_its_traceback_and_request_id() -> None:
    formatter, stamp = JsonFormatter(), RequestIdFilter()
    context = current_request_id.set("req-7")
    try:
        try:
            raise ValueError("broken\non two lines")
        except ValueError:
            record = logging.getLogger("offertracker.http").makeRecord(
                "offertracker.http", logging.ERROR, __file__, 1, "failed %s", ("here",), sys.exc_info()
            )
        stamp.filter(record)  # as the handler does, in the context the record was made in
    finally:
        current_request_id.reset(context)
    line = formatter.format(record)

    assert "\n" not in line
    parsed: dict[str, Any] = json.loads(line)
    assert parsed["message"] == "failed here"
    assert parsed["level"] == "ERROR"
    assert parsed["request_id"] == "req-7"
    assert parsed["exception"].startswith("Traceback (most recent call last):")
    assert parsed["exception"].endswith("ValueError: broken\non two lines")


def test_outside_a_request_the_request_id_is_null(capsys: pytest.CaptureFixture[str]) -> None:
    root = logging.getLogger()
    saved = root.handlers[:], root.level
    try:
        configure_logging("json", stream=sys.stdout)
        logging.getLogger("offertracker.test").warning("started")
    finally:
        root.handlers[:] = saved[0]
        root.setLevel(saved[1])
    [line] = capsys.readouterr().out.splitlines()
    parsed = json.loads(line)
    assert {k: parsed[k] for k in ("level", "logger", "message", "request_id")} == {
        "level": "WARNING",
        "logger": "offertracker.test",
        "message": "started",
        "request_id": None,
    }


def test_the_text_format_is_one_readable_line_naming_the_process(capsys: pytest.CaptureFixture[str]) -> None:
    root = logging.getLogger()
    saved = root.handlers[:], root.level
    try:
        configure_logging("text", stream=sys.stdout)
        logging.getLogger("offertracker.test").info("hello %s", "there")
    finally:
        root.handlers[:] = saved[0]
        root.setLevel(saved[1])
    out = capsys.readouterr().out
    assert out.endswith(f" INFO [{os.getpid()}] offertracker.test: hello there\n")


def test_an_unknown_log_format_is_refused() -> None:
    with pytest.raises(ValueError, match="log format must be one of text, json, not 'yaml'"):
        configure_logging("yaml")  # type: ignore[arg-type]

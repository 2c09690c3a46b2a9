"""The README's examples run as written (so the README stays true)."""

from __future__ import annotations

import re
import runpy
import sys
import time
from datetime import UTC, datetime
from pathlib import Path
from uuid import uuid4

import pytest

from offertracker_core.enums import ApplicationStatus
from offertracker_core.events import StatusChanged
from offertracker_core.plugins import PluginEventPublisher, create_plugin_manager

README = Path(__file__).resolve().parents[1] / "README.md"


def _python_block_after(heading: str) -> str:
    text = README.read_text(encoding="utf-8")
    match = re.search(rf"## {re.escape(heading)}.*?```python\n(.*?)```", text, re.S)
    assert match, f"no python block under {heading!r}"
    return match.group(1)


def test_the_library_example_creates_a_user_and_an_application_on_sqlite(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    script = tmp_path / "example.py"
    script.write_text(_python_block_after("Use it as a library"), encoding="utf-8")
    monkeypatch.chdir(tmp_path)

    runpy.run_path(str(script), run_name="__main__")

    today = datetime.now(UTC).date().isoformat()
    assert capsys.readouterr().out.strip() == f"Applied {today}"
    assert (tmp_path / "jobs.db").exists()


async def test_the_plugin_example_hears_status_changes(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "my_plugin.py").write_text(_python_block_after("Write a plugin"), encoding="utf-8")
    monkeypatch.syspath_prepend(str(tmp_path))
    monkeypatch.delitem(sys.modules, "my_plugin", raising=False)
    import my_plugin  # type: ignore[import-not-found]

    plugins = create_plugin_manager(load_entry_points=False)
    plugins.register(my_plugin)
    application_id = uuid4()
    event = StatusChanged(
        user_id=uuid4(),
        application_id=application_id,
        old_status=ApplicationStatus.APPLIED,
        new_status=ApplicationStatus.INTERVIEWING,
        automatic=True,
    )

    await PluginEventPublisher(plugins).publish([event])

    assert capsys.readouterr().out.strip() == f"{application_id}: Applied -> Interviewing"


def test_every_setting_the_server_reads_is_documented() -> None:
    """Each ``OFFERTRACKER_*``/``SUPABASE_*`` variable the settings read appears in the README."""
    sources = Path(__file__).resolve().parents[1] / "src" / "offertracker_http"
    text = "".join(
        (sources / name).read_text()
        for name in (
            "settings.py",
            "supabase_settings.py",
            "import_settings.py",
            "server_settings.py",
            "ops_settings.py",
            "installed.py",
        )
    )
    read = set(re.findall(r'"((?:OFFERTRACKER|SUPABASE)_[A-Z_]+)"', text))
    assert {"OFFERTRACKER_AUTH", "SUPABASE_URL", "OFFERTRACKER_IMPORT_ALLOW_PRIVATE_URLS"} <= read
    documented = set(re.findall(r"`((?:OFFERTRACKER|SUPABASE)_[A-Z_]+)`", README.read_text(encoding="utf-8")))
    assert read - documented == set()


def test_the_webhook_receiver_check_accepts_a_delivery_and_refuses_a_forgery_or_a_replay() -> None:
    from offertracker_webhooks.signing import signature_header

    namespace: dict[str, object] = {}
    exec(_python_block_after("Webhooks"), namespace)
    verified = namespace["verified"]
    assert callable(verified)
    body, secret = b'{"id": "1", "type": "application.created"}', "whsec_example"
    now = int(time.time())
    signed = {"X-OfferTracker-Signature": signature_header(secret, body, now)}
    assert verified(secret, signed, body) is True
    assert verified("whsec_other", signed, body) is False
    assert verified(secret, signed, body + b" ") is False
    stale = {"X-OfferTracker-Signature": signature_header(secret, body, now - 301)}
    assert verified(secret, stale, body) is False
    for garbled in ({}, {"X-OfferTracker-Signature": "nonsense"}, {"X-OfferTracker-Signature": "t=,v1="}):
        assert verified(secret, garbled, body) is False


def test_every_webhook_setting_is_documented() -> None:
    plugin = Path(__file__).resolve().parents[1] / "plugins" / "offertracker-webhooks" / "src"
    text = (plugin / "offertracker_webhooks" / "settings.py").read_text()
    read = set(re.findall(r'"(OFFERTRACKER_[A-Z_]+)"', text))
    assert "OFFERTRACKER_WEBHOOK_IN_SERVER" in read
    documented = set(re.findall(r"`(OFFERTRACKER_[A-Z_]+)`", README.read_text(encoding="utf-8")))
    assert read - documented == set()

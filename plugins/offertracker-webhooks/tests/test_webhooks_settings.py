"""The deliverer's settings from the environment."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest

from offertracker_webhooks.settings import WebhookSettings


def test_an_empty_environment_gives_the_documented_defaults() -> None:
    settings = WebhookSettings.from_env({})

    assert settings == WebhookSettings(
        timeout=10.0,
        concurrency=4,
        retry_window=timedelta(hours=24),
        poll=2.0,
        retention=timedelta(days=7),
        in_server=True,
        allow_private=False,
    )


def test_every_variable_is_read() -> None:
    settings = WebhookSettings.from_env(
        {
            "OFFERTRACKER_WEBHOOK_TIMEOUT": "2.5",
            "OFFERTRACKER_WEBHOOK_CONCURRENCY": "16",
            "OFFERTRACKER_WEBHOOK_RETRY_HOURS": "48",
            "OFFERTRACKER_WEBHOOK_POLL_SECONDS": "0.5",
            "OFFERTRACKER_WEBHOOK_RETENTION_DAYS": "30",
            "OFFERTRACKER_WEBHOOK_IN_SERVER": "0",
            "OFFERTRACKER_IMPORT_ALLOW_PRIVATE_URLS": "1",
        }
    )

    assert settings == WebhookSettings(
        timeout=2.5,
        concurrency=16,
        retry_window=timedelta(hours=48),
        poll=0.5,
        retention=timedelta(days=30),
        in_server=False,
        allow_private=True,
    )


@pytest.mark.parametrize(
    ("name", "value", "message"),
    [
        (
            "OFFERTRACKER_WEBHOOK_TIMEOUT",
            "soon",
            "OFFERTRACKER_WEBHOOK_TIMEOUT must be a number of seconds, not 'soon'",
        ),
        (
            "OFFERTRACKER_WEBHOOK_TIMEOUT",
            "0",
            "OFFERTRACKER_WEBHOOK_TIMEOUT must be over 0 and at most 120 seconds, not '0'",
        ),
        (
            "OFFERTRACKER_WEBHOOK_CONCURRENCY",
            "0",
            "OFFERTRACKER_WEBHOOK_CONCURRENCY must be between 1 and 100, not 0",
        ),
        (
            "OFFERTRACKER_WEBHOOK_CONCURRENCY",
            "four",
            "OFFERTRACKER_WEBHOOK_CONCURRENCY must be a whole number, not 'four'",
        ),
        (
            "OFFERTRACKER_WEBHOOK_RETRY_HOURS",
            "1000",
            "OFFERTRACKER_WEBHOOK_RETRY_HOURS must be between 1 and 720, not 1000",
        ),
        (
            "OFFERTRACKER_WEBHOOK_POLL_SECONDS",
            "-1",
            "OFFERTRACKER_WEBHOOK_POLL_SECONDS must be over 0 and at most 300 seconds, not '-1'",
        ),
        (
            "OFFERTRACKER_WEBHOOK_RETENTION_DAYS",
            "0",
            "OFFERTRACKER_WEBHOOK_RETENTION_DAYS must be between 1 and 365, not 0",
        ),
        (
            "OFFERTRACKER_WEBHOOK_IN_SERVER",
            "maybe",
            "OFFERTRACKER_WEBHOOK_IN_SERVER must be true or false, not 'maybe'",
        ),
        (
            "OFFERTRACKER_IMPORT_ALLOW_PRIVATE_URLS",
            "2",
            "OFFERTRACKER_IMPORT_ALLOW_PRIVATE_URLS must be true or false, not '2'",
        ),
    ],
)
def test_a_bad_value_is_refused_naming_its_variable(name: str, value: str, message: str) -> None:
    with pytest.raises(ValueError, match=f"^{re.escape(message)}$"):
        WebhookSettings.from_env({name: value})

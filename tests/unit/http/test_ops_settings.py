"""The operator's settings: metrics off by default, a token long enough, text or json logs."""

from __future__ import annotations

from pathlib import Path

import pytest

from offertracker_http.ops_settings import OpsSettings
from offertracker_http.settings import Settings

TOKEN = "a-metrics-token-of-32-characters"


def test_by_default_metrics_are_off_without_a_token_and_logs_are_text(tmp_path: Path) -> None:
    settings = Settings.from_env({"OFFERTRACKER_DATA_DIR": str(tmp_path)})
    assert settings.ops == OpsSettings(metrics=False, metrics_token=None, log_format="text")


def test_the_three_variables_are_read(tmp_path: Path) -> None:
    env = {
        "OFFERTRACKER_DATA_DIR": str(tmp_path),
        "OFFERTRACKER_METRICS": "1",
        "OFFERTRACKER_METRICS_TOKEN": f"  {TOKEN} ",
        "OFFERTRACKER_LOG_FORMAT": "JSON",
    }
    assert Settings.from_env(env).ops == OpsSettings(metrics=True, metrics_token=TOKEN, log_format="json")


@pytest.mark.parametrize(
    ("name", "value", "message"),
    [
        ("OFFERTRACKER_LOG_FORMAT", "yaml", "OFFERTRACKER_LOG_FORMAT must be one of text, json, not 'yaml'"),
        ("OFFERTRACKER_METRICS", "maybe", "OFFERTRACKER_METRICS must be true or false, not 'maybe'"),
        (
            "OFFERTRACKER_METRICS_TOKEN",
            "short-secret",
            "OFFERTRACKER_METRICS_TOKEN must be at least 16 characters long (it is 12), so it cannot be "
            "found by trying; unset it to serve /metrics without a token",
        ),
    ],
)
def test_a_bad_value_is_refused_with_a_message_naming_the_variable(
    tmp_path: Path, name: str, value: str, message: str
) -> None:
    with pytest.raises(ValueError, match=name) as refused:
        Settings.from_env({"OFFERTRACKER_DATA_DIR": str(tmp_path), name: value})
    assert str(refused.value) == message


def test_the_metrics_token_never_shows_in_the_settings_repr() -> None:
    assert TOKEN not in repr(OpsSettings(metrics=True, metrics_token=TOKEN))

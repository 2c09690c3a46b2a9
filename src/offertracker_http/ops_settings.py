"""The operator's settings: the metrics endpoint, its token, and the log format.

==================================  ========  =====================================================
variable                            default   meaning
==================================  ========  =====================================================
``OFFERTRACKER_METRICS``            false     serve ``GET /metrics`` (Prometheus text format)
``OFFERTRACKER_METRICS_TOKEN``      empty     a bearer token ``/metrics`` then requires (16+ chars)
``OFFERTRACKER_LOG_FORMAT``         text      ``text`` (one readable line) or ``json`` (one object)
==================================  ========  =====================================================
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Literal, get_args

import attrs

from .variables import flag

__all__ = ["LOG_FORMATS", "MIN_METRICS_TOKEN_CHARS", "LogFormat", "OpsSettings", "ops_settings"]

LogFormat = Literal["text", "json"]
LOG_FORMATS: tuple[LogFormat, ...] = get_args(LogFormat)
MIN_METRICS_TOKEN_CHARS = 16
"""/metrics has no attempt limit, so its token must be too long to guess by trying."""

_METRICS = "OFFERTRACKER_METRICS"
_TOKEN = "OFFERTRACKER_METRICS_TOKEN"
_LOG_FORMAT = "OFFERTRACKER_LOG_FORMAT"


@attrs.frozen
class OpsSettings:
    """What an operator sees: whether ``/metrics`` is served and behind which token, how logs look."""

    metrics: bool = False
    metrics_token: str | None = attrs.field(default=None, repr=False)  # a secret: never in a log line
    log_format: LogFormat = "text"


def ops_settings(env: Mapping[str, str]) -> OpsSettings:
    """Read the operator's variables; a malformed one is a ``ValueError`` naming it (never the token)."""
    metrics = flag(_METRICS, env.get(_METRICS), default=False)
    token = (env.get(_TOKEN) or "").strip() or None
    if token is not None and len(token) < MIN_METRICS_TOKEN_CHARS:
        raise ValueError(
            f"{_TOKEN} must be at least {MIN_METRICS_TOKEN_CHARS} characters long (it is {len(token)}), "
            "so it cannot be found by trying; unset it to serve /metrics without a token"
        )
    log_format = (env.get(_LOG_FORMAT) or "text").strip().lower()
    if log_format not in LOG_FORMATS:
        raise ValueError(
            f"{_LOG_FORMAT} must be one of {', '.join(LOG_FORMATS)}, not {env.get(_LOG_FORMAT, '')!r}"
        )
    return OpsSettings(metrics=metrics, metrics_token=token, log_format=log_format)

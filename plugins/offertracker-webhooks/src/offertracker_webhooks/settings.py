"""The deliverer's settings, from the environment.

============================================  =======  ==================================================
variable                                      default  meaning
============================================  =======  ==================================================
``OFFERTRACKER_WEBHOOK_TIMEOUT``              10       seconds one delivery (one POST) may take, at most 120
``OFFERTRACKER_WEBHOOK_CONCURRENCY``          4        deliveries in flight at once per process (1-100)
``OFFERTRACKER_WEBHOOK_RETRY_HOURS``          24       failing deliveries retried this long (1-720)
``OFFERTRACKER_WEBHOOK_POLL_SECONDS``         2        how often the outbox is looked at, at most 300
``OFFERTRACKER_WEBHOOK_RETENTION_DAYS``       7        finished deliveries and attempts kept (1-365)
``OFFERTRACKER_WEBHOOK_IN_SERVER``            true     the server process delivers; false when a separate
                                                       ``offertracker webhooks run`` worker does
``OFFERTRACKER_IMPORT_ALLOW_PRIVATE_URLS``    false    POST to loopback/private/link-local addresses too
                                                       (the importers' rule, shared)
============================================  =======  ==================================================

A malformed value is a ``ValueError`` naming the variable.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import timedelta

import attrs

from offertracker_http.variables import flag, seconds, whole_number

__all__ = ["WebhookSettings"]

_TIMEOUT = "OFFERTRACKER_WEBHOOK_TIMEOUT"
_CONCURRENCY = "OFFERTRACKER_WEBHOOK_CONCURRENCY"
_RETRY_HOURS = "OFFERTRACKER_WEBHOOK_RETRY_HOURS"
_POLL = "OFFERTRACKER_WEBHOOK_POLL_SECONDS"
_RETENTION = "OFFERTRACKER_WEBHOOK_RETENTION_DAYS"
_IN_SERVER = "OFFERTRACKER_WEBHOOK_IN_SERVER"
_PRIVATE = "OFFERTRACKER_IMPORT_ALLOW_PRIVATE_URLS"


@attrs.frozen
class WebhookSettings:
    """How the deliverer sends and retries (see the module docstring for the variables)."""

    timeout: float = 10.0
    """Seconds one POST may take, connecting and reading the answer included."""
    concurrency: int = 4
    """Deliveries in flight at once in one process."""
    retry_window: timedelta = timedelta(hours=24)
    """A delivery that keeps failing is retried until it is at least this old."""
    poll: float = 2.0
    """Seconds between looks at the outbox when nothing wakes the deliverer."""
    retention: timedelta = timedelta(days=7)
    """Finished deliveries and attempts older than this are deleted."""
    in_server: bool = True
    """Whether the server process runs the deliverer."""
    allow_private: bool = False
    """Whether loopback, private and link-local addresses may be posted to."""

    @classmethod
    def from_env(cls, env: Mapping[str, str]) -> WebhookSettings:
        """Read the variables from ``env``; unset or blank ones take their defaults."""
        concurrency = whole_number(_CONCURRENCY, env.get(_CONCURRENCY), 1, 100)
        retry_hours = whole_number(_RETRY_HOURS, env.get(_RETRY_HOURS), 1, 720)
        retention_days = whole_number(_RETENTION, env.get(_RETENTION), 1, 365)
        return cls(
            timeout=seconds(_TIMEOUT, env.get(_TIMEOUT), default=10.0, most=120.0),
            concurrency=concurrency or 4,
            retry_window=timedelta(hours=retry_hours or 24),
            poll=seconds(_POLL, env.get(_POLL), default=2.0, most=300.0),
            retention=timedelta(days=retention_days or 7),
            in_server=flag(_IN_SERVER, env.get(_IN_SERVER), default=True),
            allow_private=flag(_PRIVATE, env.get(_PRIVATE), default=False),
        )

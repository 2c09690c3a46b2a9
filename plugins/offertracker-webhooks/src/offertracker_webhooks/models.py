"""What the webhooks API takes and returns.

Inputs follow the core's conventions (``CheckedInput`` bodies, ``TypedDict``
partial updates with ``Annotated`` rules), so a bad body is a 422 in FastAPI's
shape with pydantic's wording, like every other endpoint.
"""

from __future__ import annotations

import re
from datetime import datetime
from typing import Annotated, TypedDict
from urllib.parse import urlsplit
from uuid import UUID

import attrs

from offertracker_core.constraints import MaxItems, Problem
from offertracker_core.validation import CheckedInput

from .outbox import ALL_EVENT_TYPES, WebhookEvent

__all__ = [
    "MAX_URL_LENGTH",
    "DeliveryAttempt",
    "NewWebhook",
    "SecretView",
    "WebhookChanges",
    "WebhookEvent",
    "WebhookUrl",
    "WebhookView",
    "WebhookWithSecret",
]

MAX_URL_LENGTH = 2083
"""pydantic's ``HttpUrl`` limit."""

URL_PATTERN = "^[Hh][Tt][Tt][Pp][Ss]?://[^\\s/?#\\u0000-\\u001f]+([/?#][^\\s\\u0000-\\u001f]*)?$"
"""What a webhook URL looks like, for the OpenAPI document and for the check itself (one
pattern, so nothing the document calls invalid is ever taken): http(s), a host part, no
whitespace or control character anywhere. Python's ``re`` and ECMA-262 read it alike."""

_URL = re.compile(URL_PATTERN)


@attrs.frozen
class _HttpUrl:
    """An absolute http(s) URL with a host, at most :data:`MAX_URL_LENGTH` characters (pydantic's words)."""

    def problem(self, value: str) -> Problem | None:
        """What is wrong with ``value`` as a webhook URL, or ``None``."""
        if len(value) > MAX_URL_LENGTH:
            return Problem(
                "url_too_long",
                f"URL should have at most {MAX_URL_LENGTH} characters",
                {"max_length": MAX_URL_LENGTH},
            )
        scheme, separator, _ = value.partition(":")
        if not separator or not scheme:
            return Problem("url_parsing", "Input should be a valid URL, relative URL without a base")
        if scheme.lower() not in ("http", "https"):
            return Problem(
                "url_scheme",
                "URL scheme should be 'http' or 'https'",
                {"expected_schemes": "'http' or 'https'"},
            )
        if _URL.fullmatch(value) is None:
            return Problem("url_parsing", "Input should be a valid URL, empty host or invalid character")
        try:
            parts = urlsplit(value)
            parts.port  # noqa: B018 - raises ValueError for a port out of range
        except ValueError:
            return Problem("url_parsing", "Input should be a valid URL, invalid host or port")
        if not parts.hostname:
            return Problem("url_parsing", "Input should be a valid URL, empty host")
        return None

    def json_schema(self) -> dict[str, object]:
        """The OpenAPI keywords of this rule."""
        return {"pattern": URL_PATTERN, "maxLength": MAX_URL_LENGTH}


WebhookUrl = Annotated[str, _HttpUrl()]
EventList = Annotated[list[WebhookEvent], MaxItems(len(ALL_EVENT_TYPES))]


@attrs.frozen
class NewWebhook(CheckedInput):
    """The body of ``POST /webhooks``: where to send, which events (``None``: all), whether on."""

    url: WebhookUrl
    events: EventList | None = None
    active: bool = True


class WebhookChanges(TypedDict, total=False):
    """The body of ``PUT /webhooks/{id}``: any of the fields; ``events: null`` means all."""

    url: WebhookUrl
    events: EventList | None
    active: bool


@attrs.frozen
class WebhookView:
    """A webhook as the API shows it; never with its secret."""

    id: UUID
    url: str
    events: list[str] | None
    active: bool
    disabled_reason: str | None
    created_at: datetime
    updated_at: datetime


@attrs.frozen
class WebhookWithSecret(WebhookView):
    """The answer to creating a webhook or rotating its secret: the only times the secret is shown."""

    secret: str


@attrs.frozen
class SecretView:
    """The new secret of a rotated webhook."""

    secret: str


@attrs.frozen
class DeliveryAttempt:
    """One attempt to deliver one event: when, which event, what the endpoint answered, how long it took."""

    id: int
    event_id: UUID
    event_type: str
    attempt: int
    attempted_at: datetime
    status_code: int | None
    duration_ms: int
    error: str | None

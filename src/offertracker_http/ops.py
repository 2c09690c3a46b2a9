"""The operator's endpoints on an application: the probes always, ``GET /metrics`` when asked.

None of them belongs to the API reference, so none is in the OpenAPI document
(:data:`OPS_PATHS` lists them); all are public to the API's bearer tokens
(``/metrics`` may require a token of its own).
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

from aiohttp import web

from offertracker_core import errors

from .keys import METRICS, SERVICES
from .metrics import HttpMetrics, authorized, exposition_response
from .middlewares import public
from .ops_settings import OpsSettings
from .probes import HEALTH_PATH, READY_PATH, add_probes
from .throttle import LIMITS

__all__ = ["METRICS_PATH", "OPS_PATHS", "add_ops_routes"]

METRICS_PATH = "/metrics"
OPS_PATHS = (HEALTH_PATH, READY_PATH, METRICS_PATH)
"""The operator's paths: served beside the API, not part of its reference or OpenAPI document."""


def add_ops_routes(app: web.Application, ops: OpsSettings) -> None:
    """Serve the probes, and ``/metrics`` when ``ops.metrics`` is on (404 otherwise).

    Must be called after the context that opens the services is added: the
    readiness check and the connections gauge need their storage.
    """
    add_probes(app)
    if not ops.metrics:
        return
    metrics = app[METRICS] = HttpMetrics(limits=LIMITS)
    token = ops.metrics_token

    @public  # not the API's bearer token: /metrics checks its own, below
    async def serve_metrics(request: web.Request) -> web.Response:
        if not authorized(request, token):
            raise errors.InvalidToken("Not authenticated")  # 401 with WWW-Authenticate: Bearer
        metrics.sample(request.app[SERVICES].context.storage)
        accept = request.headers.get("Accept", "")
        if metrics.multiprocess_dir is None:
            body, content_type = metrics.exposition(accept)
        else:
            # Reads one file per process and metric kind: file I/O, so off the event loop.
            body, content_type = await asyncio.to_thread(metrics.exposition, accept)
        return exposition_response(body, content_type)

    async def sampling_context(app: web.Application) -> AsyncIterator[None]:
        async for _ in metrics.sampling(app[SERVICES].context.storage):
            yield

    app.cleanup_ctx.append(sampling_context)
    app.router.add_get(METRICS_PATH, serve_metrics)

"""The route-declaring API for plugins: what the server's own route modules use.

A plugin that serves HTTP (``offertracker_route_tables``) declares its
operations with :class:`Routes` exactly like ``offertracker_http.routes.*``:
inputs in the handler's signature (parsed and validated, 422 in FastAPI's
shape), one call into its own code, the result rendered as JSON. ``caller``
is the authenticated user's id, ``services`` the wired core services, and
``Message``/``deleted`` the reference's ``{"detail": ...}`` answer.
"""

from __future__ import annotations

from .routes._common import API_PREFIX, Routes, caller, deleted, services
from .schemas import Message

__all__ = ["API_PREFIX", "Message", "Routes", "caller", "deleted", "services"]

"""One route table per router of the API reference."""

from __future__ import annotations

from . import application_children, applications, auth, resumes, root, users

__all__ = ["ALL_ROUTES"]

ALL_ROUTES = (
    root.routes,
    auth.routes,
    users.routes,
    resumes.routes,
    applications.routes,
    application_children.routes,
)

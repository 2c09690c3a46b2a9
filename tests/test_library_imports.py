"""Imports from the library, as the README's "Use it as a library" shows: no server involved."""

from __future__ import annotations

import asyncio
import secrets
from pathlib import Path
from typing import Any

from aiohttp import web

from offertracker_core.entities import SavedJob
from offertracker_core.import_registry import ImporterRegistry, ImportSetup
from offertracker_core.importers import FileInput, UrlInput
from offertracker_core.inputs import Registration
from offertracker_core.plugins import create_plugin_manager
from offertracker_core.services import Services
from offertracker_http.fetching import GuardedFetcher
from offertracker_storage import Argon2Passwords, JwtTokens, SqlStorage, migrate

PLUGINS = Path(__file__).resolve().parents[1] / "plugins"
POSTING_PAGE = PLUGINS / "offertracker-jsonld" / "tests" / "fixtures" / "posting.html"
JOBSPY_CSV = PLUGINS / "offertracker-jobspy" / "tests" / "fixtures" / "jobs.csv"


async def chunks(data: bytes) -> Any:
    yield data


async def test_a_library_caller_imports_a_page_and_a_file_with_the_installed_importers(
    tmp_path: Path, aiohttp_server: Any
) -> None:
    async def page(request: web.Request) -> web.Response:
        return web.Response(body=POSTING_PAGE.read_bytes(), content_type="text/html")

    app = web.Application()
    app.router.add_get("/careers/posting", page)
    server = await aiohttp_server(app)
    url = f"sqlite:///{tmp_path / 'jobs.db'}"
    migrate.upgrade(url)
    storage = await SqlStorage.open(url)
    try:
        async with GuardedFetcher(allow_private=True) as fetcher:
            imports = ImportSetup(
                importers=ImporterRegistry.from_plugins(create_plugin_manager()), fetcher=fetcher
            )
            services = Services.create(
                storage,
                passwords=Argon2Passwords(time_cost=1, memory_cost=1024, parallelism=1),
                tokens=JwtTokens(secrets.token_urlsafe(32)),
                imports=imports,
            )
            session = await services.auth.register(
                Registration(email="ada@example.com", username="ada", password="s3cret!")
            )
            page_report = await services.imports.run(
                session.user.id, UrlInput(f"http://127.0.0.1:{server.port}/careers/posting")
            )
            csv = await asyncio.to_thread(JOBSPY_CSV.read_bytes)
            file_report = await services.imports.run(session.user.id, FileInput("jobs.csv", chunks(csv)))
        assert (page_report.source, page_report.created) == ("jsonld", 1)
        assert (file_report.source, file_report.created, file_report.failed) == ("jobspy", 4, 2)
        saved = await services.saved_jobs.list(session.user.id)
        assert {job.id for job in saved} == {*page_report.saved_job_ids, *file_report.saved_job_ids}
        assert all(isinstance(job, SavedJob) for job in saved)
    finally:
        await storage.close()

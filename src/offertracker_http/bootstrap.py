"""The composition root: the one place that picks adapters from settings and wires them.

The server, the CLI and the tests all come through here; tests pass other
settings, a controllable clock or cheaper password hashing.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Sequence
from contextlib import AsyncExitStack, asynccontextmanager

import attrs
import pluggy
from aiohttp import web
from sqlalchemy import Connection

from offertracker_core.events import Event
from offertracker_core.import_registry import ImporterRegistry, ImportSetup
from offertracker_core.plugins import PluginEventPublisher
from offertracker_core.ports import (
    Clock,
    FileStore,
    IdentityProvider,
    PasswordHasher,
    TokenIssuer,
    TokenVerifier,
)
from offertracker_core.services import Services
from offertracker_storage import Argon2Passwords, JwtTokens, SqlStorage, migrate
from offertracker_storage.files import LocalFileStore

from .app import create_app
from .fetching import GuardedFetcher
from .import_settings import ImportSettings
from .installed import installed_plugins
from .routes.uploads import DOWNLOAD_PREFIX
from .settings import Settings, secure_sqlite_files
from .throttle import open_throttle

__all__ = ["SchemaBehind", "build_app", "open_services", "prepare_database", "upgrade_database"]


class SchemaBehind(RuntimeError):
    """The PostgreSQL schema is older than this version of OfferTracker expects."""


def prepare_database(settings: Settings, plugins: pluggy.PluginManager | None = None) -> None:
    """Bring the embedded SQLite database to the current schema; refuse an old PostgreSQL one.

    SQLite is this process's own file, so upgrading it silently is what a user
    expects. A shared PostgreSQL database is upgraded on purpose, by
    ``offertracker db upgrade``, never as a side effect of starting a server.
    The SQLite file is made owner-only first (:func:`secure_sqlite_files`).
    Plugins' own tables (``plugins``, default: the installed ones) are treated
    the same way, after the core's.
    """
    pm = plugins or installed_plugins()
    if settings.is_sqlite:
        secure_sqlite_files(settings)
        upgrade_database(settings.database_url, pm)
        return
    current, head = migrate.current_revision(settings.database_url), migrate.head_revision()
    if current != head:
        raise SchemaBehind(
            f"The database schema is at revision {current or 'none (empty database)'}, "
            f"but this OfferTracker needs {head}. Run `offertracker db upgrade` first."
        )
    for reason in pm.hook.offertracker_database_behind(url=settings.database_url):
        if reason:
            raise SchemaBehind(reason)


def upgrade_database(url: str, plugins: pluggy.PluginManager) -> None:
    """Apply the core's pending migrations to the database at ``url``, then each plugin's."""
    migrate.upgrade(url)
    plugins.hook.offertracker_upgrade_database(url=url)


@asynccontextmanager
async def open_services(
    settings: Settings,
    *,
    clock: Clock | None = None,
    passwords: PasswordHasher | None = None,
    plugins: pluggy.PluginManager | None = None,
    prepare: bool = True,
) -> AsyncIterator[Services]:
    """Open storage and the adapters the settings choose, yield the wired services, close them after.

    With ``prepare`` (the default) the database is first brought up to date
    (see :func:`prepare_database`); the CLI does that itself before binding.
    ``plugins`` (default: the installed ones) hear the events, and their
    ``offertracker_unit_committing`` runs inside every write that recorded some.
    """
    pm = plugins or installed_plugins()
    if prepare:
        await asyncio.to_thread(prepare_database, settings, pm)
    async with AsyncExitStack() as stack:
        storage = await SqlStorage.open(
            settings.database_url,
            statement_timeout=settings.statement_timeout,
            # PostgreSQL connections of this process; SQLite keeps its own default readers.
            **({} if settings.is_sqlite else {"pool_size": settings.server.db_pool_size}),
        )
        stack.push_async_callback(storage.close)
        _add_commit_hooks(storage, pm)
        accounts = _accounts(settings, stack, clock=clock, passwords=passwords)
        imports = await _imports(settings.imports, pm, stack)
        yield Services.create(
            storage,
            passwords=accounts.passwords,
            tokens=accounts.tokens,
            verifier=accounts.verifier,
            identity=accounts.identity,
            clock=clock,
            events=PluginEventPublisher(pm),
            files=_files(settings, stack),
            imports=imports,
        )


def _add_commit_hooks(storage: SqlStorage, pm: pluggy.PluginManager) -> None:
    """Have the storage run the plugins' ``offertracker_unit_committing`` in every write with events."""
    committing = pm.hook.offertracker_unit_committing
    if not committing.get_hookimpls():
        return  # no plugin writes in transactions: not even a call per write

    def hook(connection: Connection, events: Sequence[Event]) -> None:
        committing(events=events, connection=connection)

    storage.add_commit_hook(hook)


@attrs.frozen
class _Accounts:
    """The account ports of one backend, as ``Services.create`` takes them."""

    passwords: PasswordHasher | None = None
    tokens: TokenIssuer | None = None
    verifier: TokenVerifier | None = None
    identity: IdentityProvider | None = None


def _accounts(
    settings: Settings, stack: AsyncExitStack, *, clock: Clock | None, passwords: PasswordHasher | None
) -> _Accounts:
    """The account ports of the chosen backend; their cleanup goes on ``stack``."""
    if settings.auth_backend == "supabase":
        assert settings.supabase is not None  # Settings refuses a supabase backend without it
        # Imported here: the supabase extra is needed only when Supabase is chosen.
        from offertracker_storage.supabase.identity import SupabaseIdentity
        from offertracker_storage.supabase.tokens import SupabaseTokens

        identity = SupabaseIdentity(settings.supabase)
        stack.push_async_callback(identity.aclose)
        verifier = SupabaseTokens(settings.supabase, clock=clock)
        stack.push_async_callback(verifier.aclose)
        return _Accounts(identity=identity, verifier=verifier)
    if passwords is None:
        # Hashing runs on its own bounded pool, ours to close when the caller passed no hasher.
        own = Argon2Passwords(concurrency=settings.hash_concurrency, queue=settings.hash_queue)
        stack.callback(own.close)
        passwords = own
    tokens = JwtTokens(settings.jwt_secret, ttl_seconds=settings.token_ttl_seconds, clock=clock)
    return _Accounts(passwords=passwords, tokens=tokens)


def _files(settings: Settings, stack: AsyncExitStack) -> FileStore:
    """The file store for the chosen backend; cleanup goes on ``stack``."""
    if settings.files_backend == "supabase":
        assert settings.supabase is not None  # Settings refuses a supabase backend without it
        from offertracker_storage.supabase.files import SupabaseFileStore

        store = SupabaseFileStore(settings.supabase)
        stack.push_async_callback(store.aclose)
        return store
    # Uploads live on local disk, served back by the route under DOWNLOAD_PREFIX.
    return LocalFileStore(settings.uploads_dir, url_prefix=DOWNLOAD_PREFIX)


async def _imports(settings: ImportSettings, pm: pluggy.PluginManager, stack: AsyncExitStack) -> ImportSetup:
    """The installed importers with a guarded fetcher (closed on ``stack``) and the configured bounds."""
    fetcher = GuardedFetcher(
        max_bytes=settings.max_bytes, timeout=settings.timeout, allow_private=settings.allow_private_urls
    )
    await stack.enter_async_context(fetcher)
    return ImportSetup(
        importers=ImporterRegistry.from_plugins(pm),
        fetcher=fetcher,
        max_records=settings.max_records,
        max_file_bytes=settings.max_bytes,
        max_account_bytes=settings.account_max_bytes,
    )


def build_app(
    settings: Settings,
    *,
    clock: Clock | None = None,
    passwords: PasswordHasher | None = None,
    plugins: pluggy.PluginManager | None = None,
    prepare: bool = True,
) -> web.Application:
    """The server application for ``settings``; storage opens when the app starts.

    ``plugins`` defaults to the installed ones (entry points), loaded once here.
    """
    pm = plugins or installed_plugins()
    return create_app(
        lambda: open_services(settings, clock=clock, passwords=passwords, plugins=pm, prepare=prepare),
        cors_origins=settings.cors_origins,
        open_throttle=lambda: open_throttle(settings),
        ops=settings.ops,
        public_url=settings.public_url,
        plugins=pm,
    )

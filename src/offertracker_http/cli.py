"""The ``offertracker`` command: ``serve``, ``db upgrade``, ``import``, ``export``, ``import-account``,
``plugins``, and the commands plugins add (``offertracker_cli``)."""

from __future__ import annotations

import contextlib
import logging
import os
import sys
import tempfile
from pathlib import Path
from typing import TYPE_CHECKING

import click

if TYPE_CHECKING:
    from collections.abc import Callable, Coroutine, Iterator, Mapping
    from typing import Any

    from .serving import SupervisorHooks
    from .settings import Settings

__all__ = ["main"]


class _WithPluginCommands(click.Group):
    """The built-in commands, and those installed plugins add through ``offertracker_cli``.

    Plugins are loaded only when a name is not a built-in command or the list is
    asked for (``--help``), so ``offertracker serve`` does not load them twice.
    """

    _plugins_loaded = False

    def _load_plugins(self) -> None:
        if not self._plugins_loaded:
            self._plugins_loaded = True
            from .installed import installed_plugins

            installed_plugins().hook.offertracker_cli(group=self)

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        """The built-in command of that name, else a plugin's."""
        command = super().get_command(ctx, cmd_name)
        if command is None:
            self._load_plugins()
            command = super().get_command(ctx, cmd_name)
        return command

    def list_commands(self, ctx: click.Context) -> list[str]:
        """Every command name, plugins' included."""
        self._load_plugins()
        return super().list_commands(ctx)


@click.group(cls=_WithPluginCommands)
@click.version_option(package_name="offertracker")
def main() -> None:
    """OfferTracker: a job-search tracker you can embed, serve and extend."""


class _Workers(click.ParamType[str]):
    """``--workers``: a whole number from 1 to 256, or ``auto`` (the usable cores)."""

    name = "N|auto"

    def convert(self, value: object, param: click.Parameter | None, ctx: click.Context | None) -> str:
        from .server_settings import parse_workers

        try:
            parse_workers(str(value), name="--workers")
        except ValueError as exc:
            self.fail(str(exc), param, ctx)
        return str(value)


@main.command()
@click.option("--host", default="127.0.0.1", show_default=True, help="Interface to listen on.")
@click.option("--port", default=8000, show_default=True, type=click.IntRange(1, 65535), help="TCP port.")
@click.option(
    "--workers",
    type=_Workers(),
    default=None,
    help="Server processes on the port: a number or 'auto' (the usable cores). "
    "Default: OFFERTRACKER_WORKERS, else 1.",
)
def serve(host: str, port: int, workers: str | None) -> None:
    """Run the API server (configuration: OFFERTRACKER_* environment variables)."""
    from .bootstrap import SchemaBehind, build_app, prepare_database
    from .installed import installed_plugins
    from .log_format import configure_logging
    from .serving import serve

    # --workers stands for OFFERTRACKER_WORKERS, so the defaults that depend on the worker
    # count (hash concurrency) follow it too. Settings are read once, here, before any fork:
    # a generated signing secret is written once and every worker inherits it.
    settings = _settings({**os.environ, "OFFERTRACKER_WORKERS": workers} if workers else None)
    configure_logging(settings.ops.log_format)
    plugins = installed_plugins()  # loaded once, before any fork; every worker's app shares them
    try:
        # Checked before binding the port, so a schema problem is one clear line, not a traceback.
        # With several workers it runs here once, in the parent, not once per worker.
        prepare_database(settings, plugins)
    except SchemaBehind as exc:
        raise click.ClickException(str(exc)) from None
    count = settings.server.workers
    plural = f"{count} workers" if count > 1 else "1 process"
    click.echo(
        f"OfferTracker on http://{host}:{port} (database: {_safe_url(settings.database_url)}; {plural})"
    )
    if count == 1:
        serve(build_app(settings, prepare=False, plugins=plugins), settings, host=host, port=port)
        return
    if not hasattr(os, "fork"):
        raise click.ClickException(
            "--workers above 1 needs fork(), which this platform lacks; use one process"
        )
    from .supervisor import Supervisor

    if settings.redis_url is None:
        logging.getLogger("offertracker.supervisor").warning(
            "%d workers without OFFERTRACKER_REDIS_URL: login and registration limits are counted "
            "per process, so a client gets up to %d times the configured attempts",
            count,
            count,
        )
    with _metrics_hooks(settings) as hooks:
        supervisor = Supervisor(
            lambda sock: serve(build_app(settings, prepare=False, plugins=plugins), settings, sock=sock),
            host=host,
            port=port,
            workers=count,
            grace=settings.server.shutdown_grace,
            hooks=hooks,
        )
        try:
            status = supervisor.run()
        except OSError as exc:  # the port is taken, the host does not resolve
            raise click.ClickException(f"cannot listen on {host}:{port}: {exc}") from None
    sys.exit(status)


@contextlib.contextmanager
def _metrics_hooks(settings: Settings) -> Iterator[SupervisorHooks]:
    """The supervisor's hooks: with metrics on, the workers count in one shared directory.

    The directory is ``PROMETHEUS_MULTIPROC_DIR`` when set (prometheus-client's own
    variable), else a private temporary one, removed when the supervisor ends. It is
    emptied before the first fork, and a dead worker's live gauges are dropped from it.
    """
    from .serving import SupervisorHooks

    if not settings.ops.metrics:
        yield SupervisorHooks()
        return
    from . import metrics

    chosen = os.environ.get(metrics.MULTIPROC_ENV)
    with contextlib.ExitStack() as stack:
        directory = chosen or stack.enter_context(tempfile.TemporaryDirectory(prefix="offertracker-metrics-"))

        def before_fork() -> None:
            metrics.prepare_multiprocess(directory)

        def worker_exited(pid: int) -> None:
            metrics.worker_exited(pid, directory)

        yield SupervisorHooks(before_fork=before_fork, worker_exited=worker_exited)


@main.group()
def db() -> None:
    """Database schema commands."""


@db.command()
def upgrade() -> None:
    """Apply every pending migration to the configured database (the core's, then each plugin's)."""
    from offertracker_storage import migrate

    from .bootstrap import upgrade_database
    from .installed import installed_plugins
    from .settings import secure_sqlite_files

    settings = _settings()
    secure_sqlite_files(settings)
    upgrade_database(settings.database_url, installed_plugins())
    click.echo(f"Database at revision {migrate.current_revision(settings.database_url)}")


@main.command("import")
@click.argument("location")
@click.option("--user", "email", required=True, help="Email address of the account the jobs are saved for.")
@click.option("--source", default=None, help="Importer to use (default: the one that handles LOCATION).")
def import_jobs(location: str, email: str, source: str | None) -> None:
    """Import job postings from LOCATION (a URL or a file) as saved jobs of a user.

    A progress bar runs on a terminal (plain lines otherwise); a summary line and one
    line per item that was not imported follow. Per-item failures do not change the
    exit status; a request no importer can take, or an unknown user, exits 1.
    """
    from .import_command import run_import

    _run(lambda settings: run_import(settings, location, email=email, importer=source))


@main.command("export")
@click.option("--user", "email", required=True, help="Email address of the account to export.")
@click.option(
    "-o",
    "--output",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="File to write ('-': standard output); default offertracker-export-YYYY-MM-DD.json (or .zip).",
)
@click.option(
    "--zip", "zipped", is_flag=True, help="Write a zip with the document and the uploaded resume files."
)
def export_account(email: str, output: Path | None, zipped: bool) -> None:
    """Export a user's whole account as one JSON document (see README, "Your data").

    A progress bar runs on a terminal (a line every 1,000 applications otherwise).
    """
    from .account_command import run_account_export

    _run(lambda settings: run_account_export(settings, email=email, output=output, zipped=zipped))


@main.command("import-account")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--user", "email", required=True, help="Email address of the account to import into.")
def import_account(file: Path, email: str) -> None:
    """Import an export document (from `offertracker export` or the API) into a user's account.

    All or nothing; items the account holds already are skipped, so running it twice
    changes nothing the second time. A refused document exits 1 listing every problem.
    """
    from .account_command import run_account_import

    _run(lambda settings: run_account_import(settings, file, email=email))


@main.command()
def plugins() -> None:
    """List the installed plugins: name, version and the hooks each implements."""
    from .installed import installed_plugins

    pm = installed_plugins()
    versions = {id(plugin): (dist.project_name, dist.version) for plugin, dist in pm.list_plugin_distinfo()}
    for name, plugin in sorted(pm.list_name_plugin(), key=lambda pair: pair[0]):
        if plugin is None:
            continue
        project, version = versions.get(id(plugin), ("offertracker (built in)", _own_version()))
        hooks = sorted(caller.name for caller in pm.get_hookcallers(plugin) or [])
        click.echo(f"{name} ({project} {version}): {', '.join(hooks) or 'no hooks'}")


def _own_version() -> str:
    from importlib.metadata import version

    return version("offertracker")


def _run(command: Callable[[Settings], Coroutine[Any, Any, object]]) -> None:
    """Run one async command with the configured settings until it ends.

    What the user can mend (an unknown user, an input no importer takes, a schema that
    is behind) ends it with one line and exit status 1, not a traceback.
    """
    import asyncio

    from offertracker_core.errors import DomainError

    from .bootstrap import SchemaBehind

    settings = _settings()
    try:
        asyncio.run(command(settings))
    except DomainError as exc:
        raise click.ClickException(exc.detail) from None
    except SchemaBehind as exc:
        raise click.ClickException(str(exc)) from None


def _settings(environ: Mapping[str, str] | None = None) -> Settings:
    # Imported here, like the server modules above, so `offertracker --help` stays fast.
    from .settings import Settings

    try:
        return Settings.from_env(environ)
    except ValueError as exc:
        raise click.ClickException(str(exc)) from None


def _safe_url(url: str) -> str:
    """The URL with any password masked, for the start-up line."""
    from sqlalchemy.engine import make_url

    try:
        return make_url(url).render_as_string(hide_password=True)
    except Exception:
        return url.split("@")[-1]


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())

"""``offertracker webhooks run``: the deliverer as a process of its own.

For deployments that keep the API processes free of outbound traffic: set
``OFFERTRACKER_WEBHOOK_IN_SERVER=0`` on the servers and run this next to them
(one or more: deliverers share the work through leases in the database).
SIGTERM or SIGINT stops it once in-flight deliveries are done.
"""

from __future__ import annotations

import asyncio
import logging
import os
import signal

import click

__all__ = ["webhooks"]

logger = logging.getLogger("offertracker.webhooks")


@click.group()
def webhooks() -> None:
    """Webhook deliveries (offertracker-webhooks)."""


@webhooks.command("run")
def run() -> None:
    """Deliver queued webhook events until stopped (SIGTERM or SIGINT)."""
    from offertracker_http.log_format import configure_logging
    from offertracker_http.settings import Settings

    try:
        settings = Settings.from_env()
    except ValueError as exc:
        raise click.ClickException(str(exc)) from None
    configure_logging(settings.ops.log_format)
    from . import schema

    if not schema.is_current(settings.database_url):
        raise click.ClickException(
            "The webhooks tables are not at their newest revision. Run `offertracker db upgrade` first."
        )
    asyncio.run(_deliver_until_stopped(settings.database_url))


async def _deliver_until_stopped(database_url: str) -> None:
    from offertracker_storage import SqlStorage

    from .plugin import plugin

    storage = await SqlStorage.open(database_url)
    try:
        loop = asyncio.get_running_loop()
        stopped = asyncio.Event()
        for stop_signal in (signal.SIGTERM, signal.SIGINT):
            loop.add_signal_handler(stop_signal, stopped.set)
        settings = plugin.settings()
        click.echo(f"Delivering webhooks (pid {os.getpid()}, {settings.concurrency} at a time)")
        async with plugin.delivering(storage, settings):
            await stopped.wait()
            logger.info("stopping: letting deliveries in flight finish")
    finally:
        await storage.close()

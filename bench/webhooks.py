"""What the webhooks plugin costs a write: creates without it, with it, and with a webhook to feed.

`python bench/webhooks.py [--database-url URL] [--duration 3] [--rounds 4] [--concurrency 32]`

Starts three servers on the servers' core: the bare aiohttp handler (the reference), one
``offertracker serve`` with the plugin switched off (``OFFERTRACKER_DISABLE_PLUGINS=webhooks``)
and one with it loaded (its deliverer off, ``OFFERTRACKER_WEBHOOK_IN_SERVER=0``, so what is
measured is the write and its outbox, not outbound HTTP). Each has its own SQLite file (or
both share ``--database-url``). Then, from the load core, in rounds whose order rotates:

- ``bare aiohttp GET /``
- ``POST /applications/ (no plugin)``: a fresh user on the server without the plugin;
- ``POST /applications/ (no webhook)``: a fresh user, no webhook, on the server with it: the
  outbox writer's one ``SELECT`` per write;
- ``POST /applications/ (1 webhook)``: a user with one webhook for every event type: each
  create also queues its ``application.created`` delivery (the body read in the transaction).

Prints req/s, p50/p99 and each scenario's share of the bare handler's req/s and of the
no-plugin create rate. A measurement, not a test: exit status 0 once it measured.
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import sys
from pathlib import Path
from typing import Any

import aiohttp

import run
from run import API, Processes

RESULTS_FILE = run.BENCH_DIR / "results" / "webhooks.json"
BODY = {"company_name": "Bench Co", "role_title": "Engineer", "priority": "Medium"}
NAMES = {
    "bare": "bare aiohttp GET /",
    "no_plugin": "POST /applications/ (no plugin)",
    "no_webhook": "POST /applications/ (no webhook)",
    "one_webhook": "POST /applications/ (1 webhook)",
}


async def _add_webhook(base: str, token: str) -> None:
    headers = {"Authorization": f"Bearer {token}"}
    async with aiohttp.ClientSession(headers=headers) as session:
        await run._post(session, f"{base}{API}/webhooks/", {"url": "https://hooks.example.com/bench"})


def _spec(key: str, url: str, token: str | None, args: argparse.Namespace) -> dict[str, Any]:
    spec: dict[str, Any] = {
        "key": key,
        "name": NAMES[key],
        "method": "GET" if token is None else "POST",
        "urls": [url],
        "headers": {} if token is None else {"Authorization": f"Bearer {token}"},
        "duration": args.duration,
        "warmup": args.warmup,
        "concurrency": args.concurrency,
    }
    if token is not None:
        spec["body"] = BODY
    return spec


def measure(args: argparse.Namespace, procs: Processes, workdir: Path) -> dict[str, Any]:
    """Start the servers, seed the users, run the rounds; the result record."""
    server_cpu, load_cpu = run.pin_cores(args.pin)
    generator = run.choose_generator(args.load_generator)
    (workdir / "without").mkdir()
    (workdir / "with").mkdir()
    without = run.start_server(
        procs,
        workdir / "without",
        args.database_url,
        server_cpu,
        inherit_settings=False,
        settings={"OFFERTRACKER_DISABLE_PLUGINS": "webhooks"},
    )
    with_plugin = run.start_server(
        procs,
        workdir / "with",
        args.database_url,
        server_cpu,
        inherit_settings=False,
        settings={"OFFERTRACKER_WEBHOOK_IN_SERVER": "0"},
    )
    bare = run.start_bare(procs, workdir, server_cpu)
    plain = asyncio.run(run.register(without.base, "plain"))["access_token"]
    quiet = asyncio.run(run.register(with_plugin.base, "quiet"))["access_token"]
    hooked = asyncio.run(run.register(with_plugin.base, "hooked"))["access_token"]
    asyncio.run(_add_webhook(with_plugin.base, hooked))

    specs = [
        _spec("bare", f"{bare.base}/", None, args),
        _spec("no_plugin", f"{without.base}{API}/applications/", plain, args),
        _spec("no_webhook", f"{with_plugin.base}{API}/applications/", quiet, args),
        _spec("one_webhook", f"{with_plugin.base}{API}/applications/", hooked, args),
    ]
    runs: dict[str, list[dict[str, Any]]] = {}
    for round_number in range(args.rounds):
        # The order rotates, so a slow spell of this shared machine, or the WAL a previous
        # scenario grew, lands on each scenario in turn.
        shift = round_number % len(specs)
        for spec in specs[shift:] + specs[:shift]:
            print(f"round {round_number + 1}/{args.rounds}: {spec['name']} ...", flush=True)
            runs.setdefault(spec["key"], []).append(run.run_load(procs, spec, load_cpu, generator, workdir))
            run.check_alive(without, with_plugin, bare)
    results = {key: run.combine(rounds) for key, rounds in runs.items()}
    bare_rps, plain_rps = results["bare"]["rps"], results["no_plugin"]["rps"]
    lines = [f"{'scenario':<36} {'req/s':>8} {'p50 ms':>8} {'p99 ms':>8} {'vs bare':>8} {'vs no plugin':>13}"]
    for key, row in results.items():
        lines.append(
            f"{row['scenario']:<36} {row['rps']:>8.0f} {row['p50_ms']:>8.2f} {row['p99_ms']:>8.2f} "
            f"{run._ratio(row['rps'], bare_rps):>8.1%} "
            f"{'' if key == 'bare' else format(run._ratio(row['rps'], plain_rps), '.1%'):>13}"
            f"{'  non-2xx ' + str(row['non_2xx']) if row['non_2xx'] else ''}"
        )
    print()
    print("\n".join(lines))
    return {
        "generated_at": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "machine": run.machine(),
        "config": run.load_config(args, generator, server_cpu, load_cpu),
        "database": run.describe_database(args.database_url),
        "scenarios": list(results.values()),
    }


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    """The command line (see the module docstring)."""
    parser = argparse.ArgumentParser(description="What the webhooks plugin costs a write.")
    parser.add_argument("--database-url", default=None, help="a database of its own (default: SQLite)")
    parser.add_argument("--duration", type=float, default=3.0, help="measured seconds per scenario and round")
    parser.add_argument("--rounds", type=int, default=4, help="rounds; the order rotates")
    parser.add_argument("--concurrency", type=int, default=32, help="concurrent keep-alive connections")
    parser.add_argument("--warmup", type=float, default=1.0, help="unmeasured seconds before each scenario")
    parser.add_argument("--load-generator", choices=("auto", "wrk", "python"), default="auto")
    parser.add_argument("--pin", dest="pin", action="store_true", default=None)
    parser.add_argument("--no-pin", dest="pin", action="store_false")
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    """Run it; 0 once it measured, 1 if it broke, 130 on Ctrl-C."""
    return run.run_and_record(measure, parse_args(argv), "offertracker-webhooks-bench-", RESULTS_FILE)


if __name__ == "__main__":
    sys.exit(main())

"""How much memory the server takes while it receives uploads: four 10 MiB resumes at once.

`python bench/upload_memory.py [--uploads 4] [--size-mib 10] [--database-url URL] [--interval 0.005]`

1. starts ``offertracker serve`` on a free 127.0.0.1 port with a throw-away data directory (and
   the given database URL, else the embedded SQLite default inside that directory), as
   ``bench/run.py`` does;
2. registers a user and creates a resume version per upload, then sends one small upload as a
   warm-up (imports, the worker threads and the first buffers are then in place, as on a server
   that has been running for a while);
3. reads the server's resident memory (``VmRSS``, and the high-water mark ``VmHWM``, from
   ``/proc/<pid>/status``) as the baseline;
4. sends ``--uploads`` uploads of ``--size-mib`` MiB (a valid PDF signature, then filler) at the
   same time, each streamed by the client in 64 KiB pieces with chunked transfer encoding, while
   sampling ``VmRSS`` every ``--interval`` seconds; checks every answer is 200 and every file on
   disk is whole;
5. does the same with uploads one byte over 10 MiB, which must all be refused with 400 and leave
   nothing on disk;
6. prints the baseline, the peak of each phase and its growth over the baseline, and the target
   (growth of at most 30 MB, 30,000,000 bytes), and writes them to
   ``bench/results/upload_memory.json`` (git-ignored).

Linux only (``/proc``). Like ``run.py`` it is a measurement, not a test: the exit status is 0
once it measured (target met or not) and 1 when something broke.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import datetime as dt
import sys
import time
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import aiohttp

from run import (
    API,
    BenchError,
    Processes,
    describe_database,
    log_tail,
    machine,
    register,
    run_and_record,
    start_server,
)

BENCH_DIR = Path(__file__).resolve().parent
RESULTS_FILE = BENCH_DIR / "results" / "upload_memory.json"
MiB = 1024 * 1024
TARGET_GROWTH_BYTES = 30_000_000
LIMIT_BYTES = 10 * MiB
PIECE = 64 * 1024
BOUNDARY = "offertracker-bench-boundary"


def memory_of(pid: int) -> dict[str, int]:
    """``VmRSS`` and ``VmHWM`` of ``pid`` in bytes (``/proc`` reports KiB)."""
    found: dict[str, int] = {}
    with open(f"/proc/{pid}/status", encoding="ascii") as status:
        for line in status:
            name, _, value = line.partition(":")
            if name in ("VmRSS", "VmHWM"):
                found[name] = int(value.split()[0]) * 1024
    return found


async def body(size: int, filename: str) -> AsyncIterator[bytes]:
    """A multipart body with one PDF ``file`` part of ``size`` bytes, produced 64 KiB at a time."""
    yield (
        f"--{BOUNDARY}\r\n"
        f'Content-Disposition: form-data; name="file"; filename="{filename}"\r\n'
        "Content-Type: application/pdf\r\n\r\n"
    ).encode()
    piece = b"%PDF-" + b"0" * (PIECE - 5)
    filler = b"0" * PIECE
    sent = 0
    while sent < size:
        chunk = (piece if sent == 0 else filler)[: size - sent]
        yield chunk
        sent += len(chunk)
    yield f"\r\n--{BOUNDARY}--\r\n".encode()


async def upload(session: aiohttp.ClientSession, base: str, resume_id: str, size: int, name: str) -> int:
    """Stream one upload; its status."""
    async with session.post(
        f"{base}{API}/upload/resumes/{resume_id}",
        data=body(size, name),
        headers={"Content-Type": f"multipart/form-data; boundary={BOUNDARY}"},
    ) as response:
        await response.read()
        return response.status


async def sample(pid: int, interval: float, stop: asyncio.Event, peak: dict[str, int]) -> None:
    """Keep the highest ``VmRSS`` seen in ``peak["rss"]`` until ``stop`` is set."""
    while not stop.is_set():
        peak["rss"] = max(peak["rss"], memory_of(pid)["VmRSS"])
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(stop.wait(), interval)
    peak["rss"] = max(peak["rss"], memory_of(pid)["VmRSS"])


async def phase(
    session: aiohttp.ClientSession, base: str, pid: int, resume_ids: list[str], size: int, interval: float
) -> dict[str, Any]:
    """Send one upload of ``size`` bytes per resume at once, sampling the server's memory meanwhile."""
    peak = {"rss": 0}
    stop = asyncio.Event()
    sampler = asyncio.create_task(sample(pid, interval, stop, peak))
    started = time.perf_counter()
    try:
        statuses = await asyncio.gather(
            *(upload(session, base, rid, size, f"bench-{size}.pdf") for rid in resume_ids)
        )
    finally:
        stop.set()
        await sampler
    return {"statuses": list(statuses), "seconds": time.perf_counter() - started, "peak_rss": peak["rss"]}


async def measure(base: str, pid: int, args: argparse.Namespace) -> dict[str, Any]:
    """Register, create the resumes, warm up, then run both phases; the figures."""
    user = await register(base, "uploads")
    headers = {"Authorization": f"Bearer {user['access_token']}"}
    timeout = aiohttp.ClientTimeout(total=600)
    async with aiohttp.ClientSession(headers=headers, timeout=timeout) as session:
        resume_ids = []
        for n in range(args.uploads + 1):
            async with session.post(f"{base}{API}/resumes/", json={"version_name": f"bench {n}"}) as response:
                if response.status != 201:
                    raise BenchError(f"creating a resume answered {response.status}: {await response.text()}")
                resume_ids.append((await response.json())["id"])
        warm_up, measured = resume_ids[0], resume_ids[1:]
        if (status := await upload(session, base, warm_up, 256 * 1024, "warm-up.pdf")) != 200:
            raise BenchError(f"the warm-up upload answered {status}")
        await asyncio.sleep(0.5)
        before = memory_of(pid)
        accepted = await phase(session, base, pid, measured, args.size_mib * MiB, args.interval)
        if any(status != 200 for status in accepted["statuses"]):
            raise BenchError(f"uploads of {args.size_mib} MiB answered {accepted['statuses']}")
        refused = await phase(session, base, pid, measured, LIMIT_BYTES + 1, args.interval)
        if any(status != 400 for status in refused["statuses"]):
            raise BenchError(f"uploads one byte over 10 MiB answered {refused['statuses']}")
        after = memory_of(pid)
    return {
        "user_id": user["user"]["id"],
        "resume_ids": measured,
        "before": before,
        "after": after,
        "accepted": accepted,
        "refused": refused,
    }


def check_disk(uploads_dir: Path, user_id: str, resume_ids: list[str], size: int) -> None:
    """Every measured resume holds exactly its one whole file, and no temporary file is left."""
    for resume_id in resume_ids:
        folder = uploads_dir / user_id / resume_id
        files = {p.name: p.stat().st_size for p in folder.iterdir()}
        if files != {f"bench-{size}.pdf": size}:
            raise BenchError(f"{folder} holds {files}, expected one file of {size} bytes")


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--uploads", type=int, default=4, help="concurrent uploads (default: 4)")
    parser.add_argument("--size-mib", type=int, default=10, help="size of each accepted upload (default: 10)")
    parser.add_argument("--database-url", default=None, help="SQLAlchemy URL (default: temp SQLite file)")
    parser.add_argument("--interval", type=float, default=0.005, help="seconds between samples")
    args = parser.parse_args(argv)
    if not 1 <= args.size_mib <= 10:
        parser.error("--size-mib must be 1 to 10 (more is refused by the server)")
    return args


def run(args: argparse.Namespace, procs: Processes, workdir: Path) -> dict[str, Any]:
    """Start the server, measure, check the disk; the result record."""
    if not Path("/proc/self/status").exists():
        raise BenchError("this benchmark reads /proc/<pid>/status: Linux only")
    # None of this shell's OFFERTRACKER_* settings: an upload limit set there would change the figures.
    server = start_server(procs, workdir, args.database_url, inherit_settings=False)
    base = server.base
    print(
        f"{args.uploads} concurrent uploads of {args.size_mib} MiB, then of 10 MiB + 1 byte ...", flush=True
    )
    try:
        figures = asyncio.run(measure(base, server.proc.pid, args))
    except BenchError as exc:
        raise BenchError(f"{exc}\nserver log:\n{log_tail(server.log)}") from None
    check_disk(workdir / "data" / "uploads", figures["user_id"], figures["resume_ids"], args.size_mib * MiB)

    baseline = figures["before"]["VmRSS"]
    record: dict[str, Any] = {
        "generated_at": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "machine": machine(),
        "config": {
            "database": describe_database(args.database_url),
            "uploads": args.uploads,
            "size_mib": args.size_mib,
            "interval_s": args.interval,
        },
        "baseline_rss": baseline,
        "hwm_before": figures["before"]["VmHWM"],
        "hwm_after": figures["after"]["VmHWM"],
        "rss_after": figures["after"]["VmRSS"],
        "phases": {},
    }
    for key, label in (("accepted", f"{args.size_mib} MiB, stored"), ("refused", "10 MiB + 1 byte, refused")):
        found = figures[key]
        record["phases"][key] = {
            "label": label,
            "statuses": found["statuses"],
            "seconds": round(found["seconds"], 3),
            "peak_rss": found["peak_rss"],
            "growth": found["peak_rss"] - baseline,
        }
    growth = max(phase["growth"] for phase in record["phases"].values())
    record["target"] = {
        "max_growth": TARGET_GROWTH_BYTES,
        "growth": growth,
        "pass": growth <= TARGET_GROWTH_BYTES,
    }
    print()
    print(render(record))
    return record


def render(record: dict[str, Any]) -> str:
    """The human-readable summary."""

    def mib(n: int) -> str:
        return f"{n / MiB:7.1f} MiB"

    uploads = record["config"]["uploads"]
    lines = [
        f"server RSS before (after a warm-up upload): {mib(record['baseline_rss'])}",
        f"{'phase':<36} {'seconds':>8} {'peak RSS':>12} {'growth':>12}",
    ]
    for found in record["phases"].values():
        lines.append(
            f"{uploads} x {found['label']:<32} {found['seconds']:8.2f} {mib(found['peak_rss'])}"
            f" {mib(found['growth'])}"
        )
    lines.append(f"VmHWM before / after: {mib(record['hwm_before'])} / {mib(record['hwm_after'])}")
    target = record["target"]
    verdict = "PASS" if target["pass"] else "FAIL"
    growth, limit = target["growth"] / 1e6, target["max_growth"] / 1e6
    lines.append(f"target: {verdict}  peak growth {growth:.1f} MB <= {limit:.0f} MB")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    """Run the measurement; 0 once it measured (target met or not), 1 if it broke, 130 on Ctrl-C."""
    return run_and_record(run, parse_args(argv), "offertracker-upload-bench-", RESULTS_FILE)


if __name__ == "__main__":
    sys.exit(main())

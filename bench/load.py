"""The load generator: N keep-alive workers hammering one scenario for a fixed time.

Runs in a process of its own so it never shares an event loop (or the GIL) with a server under
test. `python bench/load.py` reads one scenario as JSON on stdin::

    {"name": "...", "method": "GET", "urls": ["http://127.0.0.1:8000/...", ...],
     "headers": {...}, "body": {...} or null, "duration": 10, "warmup": 1, "concurrency": 32}

and writes one JSON result on stdout: requests completed inside the measured window, req/s,
latency percentiles in milliseconds, the status histogram, the count of non-2xx responses and of
transport errors. Each worker owns one keep-alive connection (``TCPConnector(limit=concurrency)``)
and sends its next request as soon as the previous body is read, so req/s is the server's
closed-loop throughput at that concurrency. URLs are taken in turn from the list, cycling.
"""

from __future__ import annotations

import asyncio
import itertools
import json
import math
import sys
import time
from collections import Counter
from typing import Any

import aiohttp
from yarl import URL

__all__ = ["percentile", "run_scenario", "summarise"]


def percentile(sorted_values: list[float], fraction: float) -> float:
    """The nearest-rank percentile of already sorted values (0.0 when there are none)."""
    if not sorted_values:
        return 0.0
    rank = max(1, math.ceil(fraction * len(sorted_values)))
    return sorted_values[rank - 1]


def summarise(
    name: str, latencies: list[float], statuses: Counter[int], errors: Counter[str], window: float
) -> dict[str, Any]:
    """The result record of one scenario; latencies in seconds, the record in milliseconds."""
    latencies.sort()
    requests = len(latencies)
    non_2xx = sum(count for status, count in statuses.items() if not 200 <= status < 300)
    return {
        "scenario": name,
        "requests": requests,
        "window_s": round(window, 3),
        "rps": round(requests / window, 1) if window > 0 else 0.0,
        "p50_ms": round(percentile(latencies, 0.50) * 1000, 3),
        "p90_ms": round(percentile(latencies, 0.90) * 1000, 3),
        "p99_ms": round(percentile(latencies, 0.99) * 1000, 3),
        "max_ms": round((latencies[-1] if latencies else 0.0) * 1000, 3),
        "statuses": {str(status): count for status, count in sorted(statuses.items())},
        "non_2xx": non_2xx,
        "errors": dict(errors),
    }


async def run_scenario(spec: dict[str, Any]) -> dict[str, Any]:
    """Drive one scenario as described by ``spec`` and return its summary (see the module doc)."""
    concurrency = int(spec["concurrency"])
    duration = float(spec["duration"])
    warmup = float(spec.get("warmup", 0.0))
    method = spec["method"]
    headers = dict(spec.get("headers") or {})
    body: bytes | None = None
    if spec.get("body") is not None:
        # Encoded once: the generator should spend its CPU on sending, not on json.dumps.
        body = json.dumps(spec["body"]).encode()
        headers["Content-Type"] = "application/json"
    urls = itertools.cycle([URL(url, encoded=True) for url in spec["urls"]])

    latencies: list[float] = []
    statuses: Counter[int] = Counter()
    errors: Counter[str] = Counter()
    loop_time = time.perf_counter
    start = loop_time()
    measure_from = start + warmup
    measure_until = measure_from + duration

    async def worker(session: aiohttp.ClientSession) -> None:
        while True:
            sent = loop_time()
            if sent >= measure_until:
                return
            try:
                async with session.request(method, next(urls), data=body, headers=headers) as response:
                    await response.read()
                    status = response.status
            except (TimeoutError, aiohttp.ClientError) as exc:
                done = loop_time()
                if measure_from <= sent and done <= measure_until:
                    errors[type(exc).__name__] += 1
                continue
            done = loop_time()
            # Only requests that start and finish inside the window count; warm-up and the
            # requests still in flight at the deadline are dropped, so rps = count / duration.
            if measure_from <= sent and done <= measure_until:
                latencies.append(done - sent)
                statuses[status] += 1

    connector = aiohttp.TCPConnector(limit=concurrency, force_close=False)
    timeout = aiohttp.ClientTimeout(total=30)
    async with aiohttp.ClientSession(connector=connector, timeout=timeout) as session:
        await asyncio.gather(*(worker(session) for _ in range(concurrency)))
    return summarise(spec["name"], latencies, statuses, errors, duration)


def main() -> None:
    """Read a scenario from stdin, run it, print its result as one line of JSON."""
    spec = json.load(sys.stdin)
    try:
        result = asyncio.run(run_scenario(spec))
    except KeyboardInterrupt:
        sys.exit(130)
    json.dump(result, sys.stdout)
    sys.stdout.write("\n")


if __name__ == "__main__":
    main()

"""The scenario runner on ``wrk``: the same scenario spec as ``load.py``, the same result shape.

``wrk`` (C, one event loop per thread) drives a closed loop far cheaper than the Python
generator, so the bare handler's rate is bounded by the server rather than by the client. It is
used when it is installed (``--load-generator auto``) or asked for (``wrk``).

A scenario becomes one Lua script: a single URL is set up once through ``wrk.method``,
``wrk.headers`` and ``wrk.body`` (wrk then reuses one prebuilt request), several URLs (the ids of
``GET /applications/{id}``) are cycled by a ``request()`` function. The script's ``done()`` hook
prints the summary as one JSON line — requests, elapsed microseconds, the latency percentiles
and the error counters straight from wrk's own histogram — so nothing is read back from wrk's
human-formatted text (``1.23ms``, ``456.00us``). wrk's ``errors.status`` is what it prints as
"Non-2xx or 3xx responses" (it counts status >= 400); the socket errors (connect, read, write,
timeout) are the transport errors.

wrk has no warm-up phase: a separate, unrecorded wrk run of ``warmup`` seconds comes first.
Its ``-d`` takes whole seconds, so durations are rounded (at least 1 s); the measured window
is wrk's own elapsed time.
"""

from __future__ import annotations

import json
import subprocess
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

__all__ = ["lua_script", "parse_output", "run_wrk"]

_MARKER = "WRK_SUMMARY "


def _lua_string(value: str) -> str:
    """``value`` as a Lua string literal (JSON's escapes are a subset Lua reads the same way)."""
    return json.dumps(value, ensure_ascii=True)


def _target(url: str) -> tuple[str, str]:
    """``http://host:port/path?q`` split into the origin wrk connects to and the request target."""
    parts = urlsplit(url)
    target = parts.path or "/"
    if parts.query:
        target += "?" + parts.query
    return f"{parts.scheme}://{parts.netloc}", target


def lua_script(spec: dict[str, Any]) -> tuple[str, str]:
    """The origin to hand wrk and the Lua script that makes it run ``spec``."""
    origins, targets = set(), []
    for url in spec["urls"]:
        origin, target = _target(url)
        origins.add(origin)
        targets.append(target)
    if len(origins) != 1:
        raise ValueError(f"wrk drives one host per run, {spec['name']!r} has {sorted(origins)}")
    headers = dict(spec.get("headers") or {})
    body = None
    if spec.get("body") is not None:
        body = json.dumps(spec["body"])
        headers["Content-Type"] = "application/json"

    lines = [f"wrk.method = {_lua_string(spec['method'])}"]
    lines += [f"wrk.headers[{_lua_string(k)}] = {_lua_string(v)}" for k, v in headers.items()]
    if body is not None:
        lines.append(f"wrk.body = {_lua_string(body)}")
    if len(targets) == 1:
        lines.append(f"wrk.path = {_lua_string(targets[0])}")
    else:
        lines.append("local paths = {")
        lines += [f"  {_lua_string(t)}," for t in targets]
        lines += [
            "}",
            "local i = 0",
            "function request()",
            "  i = i % #paths + 1",
            "  return wrk.format(nil, paths[i])",
            "end",
        ]
    lines += [
        "function done(summary, latency, requests)",
        "  local e = summary.errors",
        "  io.write(string.format(",
        f'    "{_MARKER}{{\\"requests\\":%d,\\"duration_us\\":%d,\\"p50_us\\":%d,\\"p90_us\\":%d,'
        '\\"p99_us\\":%d,\\"max_us\\":%d,\\"connect\\":%d,\\"read\\":%d,\\"write\\":%d,'
        '\\"timeout\\":%d,\\"status\\":%d}\\n",',
        "    summary.requests, summary.duration, latency:percentile(50), latency:percentile(90),",
        "    latency:percentile(99), latency.max, e.connect, e.read, e.write, e.timeout, e.status))",
        "end",
    ]
    return next(iter(origins)), "\n".join(lines) + "\n"


def parse_output(name: str, output: str) -> dict[str, Any]:
    """The result record (``load.summarise``'s shape) from wrk's output with the ``done()`` line."""
    for line in output.splitlines():
        if line.startswith(_MARKER):
            raw = json.loads(line[len(_MARKER) :])
            break
    else:
        raise ValueError(f"wrk printed no summary for {name!r}:\n{output[-2000:]}")
    window = raw["duration_us"] / 1e6
    requests = int(raw["requests"])
    non_2xx = int(raw["status"])
    errors = {kind: int(raw[kind]) for kind in ("connect", "read", "write", "timeout") if raw[kind]}
    return {
        "scenario": name,
        "requests": requests,
        "window_s": round(window, 3),
        "rps": round(requests / window, 1) if window > 0 else 0.0,
        "p50_ms": round(raw["p50_us"] / 1000, 3),
        "p90_ms": round(raw["p90_us"] / 1000, 3),
        "p99_ms": round(raw["p99_us"] / 1000, 3),
        "max_ms": round(raw["max_us"] / 1000, 3),
        # wrk does not keep a histogram of statuses, only the count of those >= 400.
        "statuses": {"ok (< 400)": requests - non_2xx, ">= 400": non_2xx},
        "non_2xx": non_2xx,
        "errors": errors,
    }


def _seconds(value: float) -> str:
    return f"{max(1, round(value))}s"


def run_wrk(spec: dict[str, Any], workdir: Path, prefix: list[str]) -> dict[str, Any]:
    """Warm up, then measure ``spec`` with ``wrk -t 1 -c <concurrency> --latency``.

    ``prefix`` goes in front of the command (the ``taskset -c`` pinning).
    """
    origin, script = lua_script(spec)
    script_path = workdir / f"wrk-{spec['key']}.lua"
    script_path.write_text(script)

    def command(duration: float) -> list[str]:
        return [
            *prefix,
            "wrk",
            "-t",
            "1",
            "-c",
            str(spec["concurrency"]),
            "-d",
            _seconds(duration),
            "--timeout",
            "30s",
            "--latency",
            "-s",
            str(script_path),
            origin,
        ]

    budget = float(spec["duration"]) + float(spec["warmup"]) + 120
    options: dict[str, Any] = {"capture_output": True, "text": True, "check": True, "timeout": budget}
    if float(spec.get("warmup", 0)) > 0:
        subprocess.run(command(spec["warmup"]), **options)
    done = subprocess.run(command(spec["duration"]), **options)
    result = parse_output(spec["name"], done.stdout)
    result["wrk_text"] = [line for line in done.stdout.splitlines() if not line.startswith(_MARKER)]
    return result

"""The reference point: the smallest aiohttp JSON endpoint, served by a process of its own.

`python bench/bare_server.py --port N` serves ``GET /`` returning a small JSON object through
``web.json_response`` and nothing else — no middlewares, no database, no access log (the access
log is a cost of the product's configuration, not of aiohttp). Whatever rate this reaches on the
same machine, with the same load generator, in the same run, is the ceiling the OfferTracker
scenarios are compared against.
"""

from __future__ import annotations

import argparse

from aiohttp import web

__all__ = ["create_app", "main"]

_BODY = {"status": "ok", "service": "bare", "version": 1}


async def _hello(request: web.Request) -> web.Response:
    return web.json_response(_BODY)


def create_app() -> web.Application:
    """An application with one GET route answering a constant small JSON object."""
    app = web.Application()
    app.router.add_get("/", _hello)
    return app


def main() -> None:
    """Serve the bare application on 127.0.0.1 until terminated."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, required=True)
    args = parser.parse_args()
    web.run_app(create_app(), host="127.0.0.1", port=args.port, access_log=None, print=None)


if __name__ == "__main__":
    main()

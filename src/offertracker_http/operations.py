"""Operations: what a route declares, read once from its handler, used to serve and to document it.

A handler states its inputs in its signature and its answer in its return
annotation::

    @routes.put("/tags/{tag_id}", errors=(NotFound, Conflict))
    async def update_tag(request: web.Request, tag_id: UUID, changes: TagChanges) -> Tag: ...

- a parameter named like a ``{placeholder}`` of the path is that path parameter
  (``UUID``: parsed, a 422 otherwise; ``str``: as matched);
- a parameter named ``query`` is the query string, structured as its class;
- any other parameter is the JSON body, structured as its class (with a default,
  an empty body means ``{}``);
- the return annotation is the response model, rendered as JSON with the
  declared ``status``; a handler that returns a ``web.StreamResponse`` answers
  with it as it is, and one that returns ``bytes`` (a page a read model rendered
  already) has it sent as JSON. Those two name their model in ``response=``.

:func:`declare` turns that into an :class:`Operation`; :func:`endpoint` is the
aiohttp handler that parses, calls and renders; :mod:`offertracker_http.openapi`
writes the document from the same operations, so what is served and what is
documented cannot drift apart.
"""

from __future__ import annotations

import inspect
import re
import typing
from collections.abc import Awaitable, Callable
from typing import Any
from uuid import UUID

import attrs
from aiohttp import web

from offertracker_core.errors import DomainError

from .converter import json_converter, query_converter
from .parsing import decode_json, parse_body, parse_path_id, parse_query, structure_body
from .rendering import json_bytes_response, json_response

__all__ = ["Body", "FileUpload", "Handler", "MediaType", "Operation", "declare", "endpoint"]

Handler = Callable[..., Awaitable[Any]]
"""A typed route handler: ``request`` first, then its declared inputs (see the module docstring)."""

_PLACEHOLDER = re.compile(r"\{(\w+)\}")


@attrs.frozen
class MediaType:
    """A response that is not JSON: its media types (the first is the usual one) and a description."""

    types: tuple[str, ...]
    description: str
    model: Any = None
    """The model of its ``application/json`` form, if it has one (documented as that schema)."""


@attrs.frozen
class FileUpload:
    """A ``multipart/form-data`` request body carrying one file in the part named ``part``."""

    part: str
    media_types: tuple[str, ...]
    max_bytes: int


@attrs.frozen
class JsonOrUpload:
    """A request body that is either JSON (``json``, an attrs class) or a file upload (``upload``)
    with text ``fields`` sent before the file: the handler reads it by its content type."""

    json: Any
    upload: FileUpload
    fields: tuple[str, ...] = ()


@attrs.frozen
class Body:
    """The JSON body a handler takes: the parameter it is passed as, its class, whether it may be left out."""

    name: str
    cls: Any
    optional: bool


@attrs.frozen
class Operation:
    """One method on one path, as declared by its handler and its route decorator."""

    method: str
    path: str
    """The full path, as the reference spells it (``/api/v1/tags/``)."""
    handler: Handler
    tag: str
    """The group it is listed under in the document (the route module's subject)."""
    status: int
    """The status of a successful answer."""
    public: bool
    """Reachable without a bearer token."""
    throttled: bool
    """Counted against an attempt limit (answers 429 once it is spent)."""
    errors: tuple[type[DomainError] | int, ...]
    """The domain errors (or bare statuses) it can answer with besides those its inputs imply."""
    path_params: tuple[tuple[str, Any], ...]
    query: Any | None
    body: Body | None
    response: Any
    """The response model: a type, ``None`` for an empty answer, or a :class:`MediaType`."""
    request_body: FileUpload | JsonOrUpload | None = None
    """A request body the handler reads itself (an upload's form); ``None`` when JSON or none."""

    @property
    def operation_id(self) -> str:
        """The handler's name: unique across the app (checked when the document is built)."""
        return self.handler.__name__

    @property
    def summary(self) -> str:
        """The first line of the handler's docstring, else its name as words (``list_tags`` → "List tags")."""
        doc = inspect.getdoc(self.handler)
        if doc:
            return doc.splitlines()[0].rstrip(".")
        return self.operation_id.replace("_", " ").capitalize()

    @property
    def description(self) -> str | None:
        """The rest of the handler's docstring, if any."""
        doc = inspect.getdoc(self.handler)
        if not doc or "\n" not in doc:
            return None
        return doc.split("\n", 1)[1].strip() or None

    @property
    def takes_input(self) -> bool:
        """Whether anything it is sent is validated (and so a 422 can come back)."""
        parsed_path = any(kind is UUID for _, kind in self.path_params)
        return parsed_path or self.query is not None or self.body is not None or self.request_body is not None


def declare(
    handler: Handler,
    method: str,
    path: str,
    *,
    tag: str,
    status: int = 200,
    public: bool = False,
    throttled: bool = False,
    errors: tuple[type[DomainError] | int, ...] = (),
    response: Any = inspect.Parameter.empty,
    request_body: FileUpload | JsonOrUpload | None = None,
) -> Operation:
    """The :class:`Operation` ``handler`` declares for ``method`` on ``path``; a mistake raises at import."""
    hints = typing.get_type_hints(handler, include_extras=True)
    placeholders = _PLACEHOLDER.findall(path)
    parameters = list(inspect.signature(handler).parameters.values())
    if not parameters or parameters[0].name != "request":
        raise TypeError(f"{handler.__name__}: the first parameter must be the request")
    path_params: list[tuple[str, Any]] = []
    query = None
    body = None
    for parameter in parameters[1:]:
        kind = hints[parameter.name]
        if parameter.name in placeholders:
            if kind not in (UUID, str):
                raise TypeError(f"{handler.__name__}: path parameter {parameter.name} must be UUID or str")
            path_params.append((parameter.name, kind))
        elif parameter.name == "query":
            query = kind
        elif body is None:
            body = Body(parameter.name, kind, optional=parameter.default is not inspect.Parameter.empty)
        else:
            raise TypeError(f"{handler.__name__}: two JSON bodies ({body.name}, {parameter.name})")
    missing = set(placeholders) - {name for name, _ in path_params}
    if missing:
        raise TypeError(f"{handler.__name__}: no parameter for path placeholders {sorted(missing)}")
    # Generate the structure functions now: no first-request cost, and a class cattrs cannot
    # structure fails at import rather than on the first request.
    if query is not None:
        query_converter.get_structure_hook(query)
    if body is not None:
        json_converter.get_structure_hook(body.cls)
    if isinstance(request_body, JsonOrUpload):
        json_converter.get_structure_hook(request_body.json)
    if response is inspect.Parameter.empty:
        response = hints.get("return")
        if response in (bytes, web.Response, web.StreamResponse):
            raise TypeError(
                f"{handler.__name__}: name the model of a {response.__name__} answer in response="
            )
    return Operation(
        method=method,
        path=path,
        handler=handler,
        tag=tag,
        status=status,
        public=public,
        throttled=throttled,
        errors=errors,
        path_params=tuple(path_params),
        query=query,
        body=body,
        response=response,
        request_body=request_body,
    )


def endpoint(operation: Operation) -> Callable[[web.Request], Awaitable[web.StreamResponse]]:
    """The aiohttp handler serving ``operation``: parse its inputs, call its handler, render the result."""
    handler = operation.handler
    path_params = operation.path_params
    query_cls = operation.query
    body = operation.body
    status = operation.status

    async def serve(request: web.Request) -> web.StreamResponse:
        kwargs: dict[str, Any] = {}
        for name, kind in path_params:
            kwargs[name] = parse_path_id(request, name) if kind is UUID else request.match_info[name]
        if query_cls is not None:
            kwargs["query"] = parse_query(request, query_cls)
        if body is not None:
            kwargs[body.name] = await _body(request, body)
        result = await handler(request, **kwargs)
        if isinstance(result, web.StreamResponse):
            return result
        if isinstance(result, bytes):
            return json_bytes_response(result, status=status)
        return json_response(result, status=status)

    serve.__name__ = serve.__qualname__ = handler.__name__
    serve.__doc__ = handler.__doc__
    return serve


async def _body(request: web.Request, body: Body) -> Any:
    if not body.optional:
        return await parse_body(request, body.cls)
    raw = await request.read()
    return structure_body(decode_json(raw) if raw else {}, body.cls)

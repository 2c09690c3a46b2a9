"""``GET /openapi.json``: a valid OpenAPI 3.1 document of exactly the routes the app serves."""

from __future__ import annotations

from typing import Any

import pytest
from aiohttp import hdrs
from aiohttp.test_utils import TestClient
from openapi_spec_validator import validate

from offertracker_core.inputs import NewTag
from offertracker_http.openapi import SECURITY_SCHEME
from offertracker_http.ops import OPS_PATHS
from offertracker_http.ops_settings import OpsSettings

from .httpkit import API

pytestmark = pytest.mark.usefixtures("database_url")


async def _document(client: TestClient) -> dict[str, Any]:
    resp = await client.get("/openapi.json")
    assert resp.status == 200
    assert resp.content_type == "application/json"
    document: dict[str, Any] = await resp.json()
    return document


async def test_the_document_is_public_and_valid_openapi_3_1(client: TestClient) -> None:
    document = await _document(client)
    validate(document)
    assert document["openapi"] == "3.1.0"
    assert document["info"]["title"] == "OfferTracker API"


async def test_every_served_route_is_documented_and_every_documented_one_served(client: TestClient) -> None:
    document = await _document(client)
    documented = {(method.upper(), path) for path, item in document["paths"].items() for method in item}
    served = set()
    for route in client.app.router.routes():
        # HEAD is the GET without a body (aiohttp adds it to every GET); OpenAPI documents the GET.
        if route.method == hdrs.METH_HEAD:
            continue
        path = route.resource.canonical if route.resource is not None else ""
        if path in OPS_PATHS:
            continue  # the operator's probes and metrics are not part of the API reference
        # The form without the trailing slash is an alias of the reference's path (behaviour.md §1).
        if (route.method, path + "/") in documented:
            path += "/"
        served.add((route.method, path))
    assert served == documented
    assert len(documented) >= 88


async def test_the_probes_and_metrics_are_served_but_not_in_the_document(make_app, aiohttp_client) -> None:
    client = await aiohttp_client(make_app(ops=OpsSettings(metrics=True)))
    document = await _document(client)
    assert not set(OPS_PATHS) & set(document["paths"])
    served = {route.resource.canonical for route in client.app.router.routes() if route.resource is not None}
    assert set(OPS_PATHS) <= served


async def test_bounds_defaults_and_enums_come_from_the_core_declarations(client: TestClient) -> None:
    document = await _document(client)
    schemas = document["components"]["schemas"]
    new_tag = schemas["NewTag"]
    assert new_tag["required"] == ["name"]
    assert new_tag["properties"]["name"]["maxLength"] == 50
    assert new_tag["properties"]["color"]["default"] == NewTag(name="x").color
    assert new_tag["properties"]["color"]["pattern"] == "^#([0-9a-fA-F]{3}|[0-9a-fA-F]{6})$"
    assert schemas["ApplicationStatus"]["enum"][:2] == ["Saved", "Applied"]
    listing = document["paths"][f"{API}/applications/"]["get"]
    limit = next(p for p in listing["parameters"] if p["name"] == "limit")
    assert limit == {
        "name": "limit",
        "in": "query",
        "required": False,
        "schema": {"type": "integer", "minimum": 1, "maximum": 1000, "default": 100},
    }
    status = next(p for p in listing["parameters"] if p["name"] == "status")
    assert status["schema"] == {"$ref": "#/components/schemas/ApplicationStatus"}
    password = schemas["Registration"]["properties"]["password"]
    assert password == {"type": "string", "format": "password", "minLength": 6, "maxLength": 128}


async def test_every_response_model_is_a_named_component(client: TestClient) -> None:
    document = await _document(client)
    for path, item in document["paths"].items():
        for method, operation in item.items():
            for status, response in operation["responses"].items():
                schema = response.get("content", {}).get("application/json", {}).get("schema")
                if schema is None or schema == {"type": "object"}:  # /openapi.json itself
                    continue
                if schema.get("type") == "array":
                    schema = schema["items"]
                assert "$ref" in schema, (method, path, status, schema)


async def test_every_operation_but_the_public_ones_needs_the_bearer_token(client: TestClient) -> None:
    document = await _document(client)
    assert document["components"]["securitySchemes"] == {
        SECURITY_SCHEME: {"type": "http", "scheme": "bearer", "bearerFormat": "JWT"}
    }
    assert document["security"] == [{SECURITY_SCHEME: []}]
    public = {
        (method.upper(), path)
        for path, item in document["paths"].items()
        for method, operation in item.items()
        if operation.get("security") == []
    }
    assert {("POST", f"{API}/auth/register"), ("POST", f"{API}/auth/login"), ("GET", "/")} <= public
    for method, path in public:
        operation = document["paths"][path][method.lower()]
        assert "401" not in operation["responses"] or path == f"{API}/auth/login"


async def test_response_models_carry_the_api_reference_names(client: TestClient) -> None:
    document = await _document(client)

    def answer(method: str, path: str, status: str = "200") -> Any:
        return document["paths"][path][method]["responses"][status]["content"]["application/json"]["schema"]

    assert answer("get", f"{API}/tags/") == {
        "type": "array",
        "items": {"$ref": "#/components/schemas/TagResponse"},
    }
    assert answer("get", f"{API}/applications/{{application_id}}") == {
        "$ref": "#/components/schemas/ApplicationResponse"
    }
    assert answer("post", f"{API}/saved-jobs/{{saved_job_id}}/convert", "201") == {
        "$ref": "#/components/schemas/ApplicationResponse"
    }
    assert answer("get", f"{API}/users/{{user_id}}") == {"$ref": "#/components/schemas/UserPublicProfile"}
    assert answer("get", f"{API}/social/follow-stats/{{user_id}}") == {
        "$ref": "#/components/schemas/FollowStats"
    }
    detail = document["components"]["schemas"]["ApplicationResponse"]
    assert {"stages", "outcome", "reflection", "company_name", "status"} <= set(detail["required"])
    assert detail["properties"]["stages"] == {
        "type": "array",
        "items": {"$ref": "#/components/schemas/ApplicationStageResponse"},
    }

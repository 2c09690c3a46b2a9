"""Every domain error answers exactly one HTTP status, found along its class hierarchy."""

from __future__ import annotations

import pytest
from aiohttp import web

from offertracker_core import errors
from offertracker_http.middlewares import STATUS, auth_middleware, error_middleware, public, status_of

EXPECTED = {
    errors.NotFound: 404,
    errors.Forbidden: 403,
    errors.Conflict: 409,
    errors.BusinessRuleViolation: 400,
    errors.FileTooLarge: 400,
    errors.WrongPassword: 400,
    errors.EmailNotConfirmed: 400,
    errors.InvalidCredentials: 401,
    errors.InvalidToken: 401,
    errors.InvalidInput: 422,
    errors.Unavailable: 503,
    errors.Contention: 503,
    errors.Overloaded: 503,
}


def subclasses(cls: type) -> set[type]:
    """Every class below ``cls``, however deep."""
    found: set[type] = set()
    for sub in cls.__subclasses__():
        found |= {sub} | subclasses(sub)
    return found


def test_every_domain_error_of_the_core_has_an_expected_status() -> None:
    # A new error in offertracker_core.errors fails here until its status is decided.
    defined = {cls for cls in subclasses(errors.DomainError) if cls.__module__ == errors.__name__}
    assert defined == set(EXPECTED)


@pytest.mark.parametrize(
    "error", sorted(EXPECTED, key=lambda cls: cls.__name__), ids=lambda cls: cls.__name__
)
def test_each_domain_error_answers_its_one_status(error: type[errors.DomainError]) -> None:
    assert status_of(error) == EXPECTED[error]
    # Exactly one: every listed ancestor along the MRO agrees, so the order of lookup cannot matter.
    assert {STATUS[cls] for cls in error.__mro__ if cls in STATUS} == {EXPECTED[error]}


def test_file_too_large_says_the_limit() -> None:
    assert errors.FileTooLarge().detail == "File too large (max 10 MB)"


def test_a_new_kind_of_not_found_answers_404() -> None:
    class ResumeFileMissing(errors.NotFound):
        pass

    assert status_of(ResumeFileMissing) == 404


def test_a_domain_error_outside_the_table_has_no_status() -> None:
    class Stray(errors.DomainError):
        pass

    with pytest.raises(LookupError, match="Stray has no HTTP status"):
        status_of(Stray)
    with pytest.raises(LookupError, match="DomainError has no HTTP status"):
        status_of(errors.DomainError)


# --- rendered by the real middlewares -------------------------------------------


class ThrowawayService:
    """Stands in for a core service: it raises what it is told to."""

    def __init__(self) -> None:
        self.error: errors.DomainError | None = None

    async def run(self) -> None:
        if self.error is not None:
            raise self.error


@pytest.fixture
async def raise_through_http(aiohttp_client):
    service = ThrowawayService()

    @public
    async def handler(request: web.Request) -> web.Response:
        await service.run()
        return web.json_response({})

    app = web.Application(middlewares=[error_middleware, auth_middleware])
    app.router.add_post("/throwaway", handler)
    client = await aiohttp_client(app)

    async def send(error: errors.DomainError):
        service.error = error
        resp = await client.post("/throwaway", json={})
        return resp.status, await resp.json(), resp.headers

    return send


async def test_invalid_input_from_a_service_renders_fastapis_422(raise_through_http) -> None:
    violations = [
        errors.Violation(
            loc=("username",),
            type="string_too_short",
            msg="String should have at least 3 characters",
            input="ab",
            ctx={"min_length": 3},
        ),
        errors.Violation(
            loc=("questions_asked", 2), type="string_type", msg="Input should be a valid string", input=5
        ),
    ]

    status, body, _ = await raise_through_http(errors.InvalidInput(violations))

    assert status == 422
    assert body == {
        "detail": [
            {
                "type": "string_too_short",
                "loc": ["body", "username"],
                "msg": "String should have at least 3 characters",
                "input": "ab",
                "ctx": {"min_length": 3},
            },
            {
                "type": "string_type",
                "loc": ["body", "questions_asked", 2],
                "msg": "Input should be a valid string",
                "input": 5,
            },
        ]
    }


@pytest.mark.parametrize(
    ("error", "status"),
    [
        (errors.NotFound("Application not found"), 404),
        (errors.Forbidden("Not your application"), 403),
        (errors.Conflict("This application already has a reflection. Use PUT to update."), 409),
        (errors.BusinessRuleViolation("Username already taken"), 400),
        (errors.FileTooLarge(), 400),
        (errors.Unavailable("The database took too long to answer"), 503),
    ],
    ids=lambda value: type(value).__name__ if isinstance(value, Exception) else str(value),
)
async def test_a_business_error_renders_its_status_and_its_own_detail(
    raise_through_http, error, status
) -> None:
    answered, body, headers = await raise_through_http(error)
    assert (answered, body) == (status, {"detail": error.detail})
    assert "WWW-Authenticate" not in headers
    assert "Retry-After" not in headers


async def test_an_overloaded_server_says_when_to_retry(raise_through_http) -> None:
    answered, body, headers = await raise_through_http(errors.Overloaded())
    assert (answered, body) == (503, {"detail": "The server is busy; please try again"})
    assert headers["Retry-After"] == "1"
    answered, _, headers = await raise_through_http(errors.Overloaded(retry_after=5))
    assert (answered, headers["Retry-After"]) == (503, "5")


@pytest.mark.parametrize(
    "error",
    [
        errors.InvalidCredentials("Incorrect email or password"),
        errors.InvalidToken("Invalid or expired token"),
    ],
    ids=lambda error: type(error).__name__,
)
async def test_a_401_asks_for_a_bearer_token(raise_through_http, error) -> None:
    answered, body, headers = await raise_through_http(error)
    assert (answered, body, headers["WWW-Authenticate"]) == (401, {"detail": error.detail}, "Bearer")

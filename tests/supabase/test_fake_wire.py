"""The fake Supabase speaks what the real client packages send and parse.

Every test drives ``tests/supabase/fake.py`` with the real async clients
(``supabase_auth.AsyncGoTrueClient`` and its admin API, ``storage3.AsyncStorageClient``)
or with plain HTTP, and checks tokens with pyjwt against the JWKS the fake
publishes, so the adapters tested against the fake are tested against the
protocol, not against the fake's own idea of it.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator
from typing import Any, NamedTuple

import httpx
import jwt
import pytest
from storage3 import AsyncStorageClient
from storage3.exceptions import StorageApiError
from supabase_auth import AsyncGoTrueAdminAPI, AsyncGoTrueClient
from supabase_auth.errors import AuthApiError, AuthRetryableError, AuthWeakPasswordError
from supabase_auth.types import AuthResponse, Session, User

from .fake import FakeSupabase, StoredObject, running_fake

ANON = FakeSupabase.ANON_KEY
SERVICE = FakeSupabase.SERVICE_ROLE_KEY
SERVICE_HEADERS = {"apikey": SERVICE, "Authorization": f"Bearer {SERVICE}"}
PASSWORD = "correct horse"
PDF = b"%PDF-1.7\n resume bytes"


def gotrue(fake: FakeSupabase, headers: dict[str, str], **kwargs: Any) -> AsyncGoTrueClient:
    """A real Auth client on the fake, without the session storage and refresh timer a server never wants."""
    return AsyncGoTrueClient(
        url=fake.issuer, headers=headers, persist_session=False, auto_refresh_token=False, **kwargs
    )


@pytest.fixture
async def fake() -> AsyncIterator[FakeSupabase]:
    """A running fake with the default project: ES256 keys, no confirmation, public "resumes"."""
    async with running_fake() as started:
        yield started


@pytest.fixture
async def auth(fake: FakeSupabase) -> AsyncIterator[AsyncGoTrueClient]:
    """The Auth client as a browser-facing app holds it: the anon key only."""
    client = gotrue(fake, {"apikey": ANON})
    yield client
    await client.close()


@pytest.fixture
async def admin(fake: FakeSupabase) -> AsyncIterator[AsyncGoTrueAdminAPI]:
    """The admin API with the service-role key, as the adapters use it."""
    client = gotrue(fake, SERVICE_HEADERS)
    yield client.admin
    await client.close()


@pytest.fixture
async def storage(fake: FakeSupabase) -> AsyncIterator[AsyncStorageClient]:
    """The Storage client with the service-role key (the URL ends in "/", as storage3 wants)."""
    async with AsyncStorageClient(f"{fake.url}/storage/v1/", SERVICE_HEADERS) as client:
        yield client


@pytest.fixture
async def http() -> AsyncIterator[httpx.AsyncClient]:
    """A plain HTTP client with no Supabase headers (a browser following a file URL)."""
    async with httpx.AsyncClient() as client:
        yield client


async def verified(http: httpx.AsyncClient, fake: FakeSupabase, token: str) -> dict[str, Any]:
    """The token's claims, verified the way a resource server would: key from the fetched JWKS by kid."""
    document = (await http.get(fake.jwks_url)).json()
    header = jwt.get_unverified_header(token)
    key = jwt.PyJWKSet.from_dict(document)[header["kid"]]
    claims: dict[str, Any] = jwt.decode(
        token, key, algorithms=[header["alg"]], audience="authenticated", issuer=fake.issuer
    )
    return claims


class SignedIn(NamedTuple):
    """An answer's user and session, both present."""

    user: User
    session: Session


def signed_in(answer: AuthResponse) -> SignedIn:
    """The user and session of an answer that must carry both."""
    assert answer.user is not None
    assert answer.session is not None
    return SignedIn(answer.user, answer.session)


async def sign_up(auth: AsyncGoTrueClient, email: str = "ann@example.com", **data: Any) -> SignedIn:
    """Sign up with PASSWORD and ``data`` as user metadata (no confirmation needed)."""
    return signed_in(await auth.sign_up({"email": email, "password": PASSWORD, "options": {"data": data}}))


async def sign_in(auth: AsyncGoTrueClient, password: str = PASSWORD) -> Session:
    """A new session of ann@example.com."""
    answer = await auth.sign_in_with_password({"email": "ann@example.com", "password": password})
    return signed_in(answer).session


# --- sign-up, sign-in and tokens -----------------------------------------------------------------


async def test_sign_up_returns_a_session_whose_es256_token_verifies_against_the_fetched_jwks(
    fake: FakeSupabase, auth: AsyncGoTrueClient, http: httpx.AsyncClient
) -> None:
    answer = await sign_up(auth, "Ann@Example.com", display_name="Ann")

    token = answer.session.access_token
    assert jwt.get_unverified_header(token) == {"alg": "ES256", "kid": fake.current_kid, "typ": "JWT"}
    claims = await verified(http, fake, token)
    assert claims["aud"] == "authenticated"
    assert claims["iss"] == f"{fake.url}/auth/v1"
    assert claims["sub"] == answer.user.id
    assert claims["email"] == "ann@example.com"  # GoTrue lower-cases addresses
    assert claims["user_metadata"] == {"display_name": "Ann"}
    assert claims["role"] == "authenticated"
    assert claims["exp"] - claims["iat"] == 3600
    assert answer.session.token_type == "bearer"
    assert answer.session.expires_in == 3600
    assert answer.session.expires_at == claims["exp"]
    assert answer.user.user_metadata == {"display_name": "Ann"}
    assert answer.user.email_confirmed_at is not None
    assert fake.users[answer.user.id].user_metadata == {"display_name": "Ann"}
    assert fake.users[answer.user.id].sessions == {claims["session_id"]}


async def test_the_users_own_token_reads_the_user_back(auth: AsyncGoTrueClient) -> None:
    answer = await sign_up(auth, display_name="Ann")

    read = await auth.get_user(answer.session.access_token)

    assert read is not None
    assert (read.user.id, read.user.email, read.user.user_metadata) == (
        answer.user.id,
        "ann@example.com",
        {"display_name": "Ann"},
    )
    assert read.user.app_metadata == {"provider": "email", "providers": ["email"]}
    assert read.user.identities is not None
    assert read.user.identities[0].provider == "email"


async def test_with_email_confirmation_sign_up_returns_no_session_and_sign_in_waits_for_it() -> None:
    async with running_fake(confirm_email=True) as fake, gotrue(fake, {"apikey": ANON}) as auth:
        answer = await auth.sign_up(
            {"email": "ann@example.com", "password": PASSWORD, "options": {"data": {"display_name": "Ann"}}}
        )

        assert answer.session is None
        assert answer.user is not None
        assert answer.user.email_confirmed_at is None
        assert answer.user.confirmation_sent_at is not None
        with pytest.raises(AuthApiError) as refused:
            await auth.sign_in_with_password({"email": "ann@example.com", "password": PASSWORD})
        assert (refused.value.code, refused.value.status, refused.value.message) == (
            "email_not_confirmed",
            400,
            "Email not confirmed",
        )

        fake.confirm("ann@example.com")
        session = await sign_in(auth)
        assert session.user.email_confirmed_at is not None
        assert fake.users[session.user.id].confirmed is True


@pytest.mark.parametrize(
    ("email", "password"),
    [("ann@example.com", "wrong password"), ("nobody@example.com", PASSWORD)],
    ids=["wrong-password", "unknown-email"],
)
async def test_a_wrong_password_or_unknown_address_is_refused_as_invalid_credentials(
    auth: AsyncGoTrueClient, email: str, password: str
) -> None:
    await sign_up(auth)

    with pytest.raises(AuthApiError) as refused:
        await auth.sign_in_with_password({"email": email, "password": password})

    assert (refused.value.code, refused.value.status, refused.value.message) == (
        "invalid_credentials",
        400,
        "Invalid login credentials",
    )


async def test_signing_up_twice_with_one_address_is_refused_as_user_already_exists(
    fake: FakeSupabase, auth: AsyncGoTrueClient
) -> None:
    await sign_up(auth)

    with pytest.raises(AuthApiError) as refused:
        await sign_up(auth, "ANN@example.com")

    assert (refused.value.code, refused.value.status, refused.value.message) == (
        "user_already_exists",
        422,
        "User already registered",
    )
    assert len(fake.users) == 1


async def test_a_password_shorter_than_six_characters_is_refused_as_weak(
    fake: FakeSupabase, auth: AsyncGoTrueClient
) -> None:
    with pytest.raises(AuthWeakPasswordError) as refused:
        await auth.sign_up({"email": "ann@example.com", "password": "12345"})

    assert (refused.value.code, refused.value.status, refused.value.reasons) == (
        "weak_password",
        422,
        ["length"],
    )
    assert fake.users == {}


async def test_a_refresh_token_gives_a_new_access_token_for_the_same_session(
    auth: AsyncGoTrueClient, http: httpx.AsyncClient, fake: FakeSupabase
) -> None:
    first = (await sign_up(auth)).session

    refreshed = await auth.refresh_session(first.refresh_token)

    assert refreshed.session is not None
    assert refreshed.session.refresh_token != first.refresh_token
    old, new = (
        await verified(http, fake, first.access_token),
        await verified(http, fake, refreshed.session.access_token),
    )
    assert new["session_id"] == old["session_id"]
    with pytest.raises(AuthApiError) as reused:
        await auth.refresh_session(first.refresh_token)
    assert str(reused.value.code) == "refresh_token_not_found"  # missing from the client's Literal


# --- admin API and sessions ----------------------------------------------------------------------


async def test_an_admin_password_change_lets_the_user_sign_in_with_the_new_password_only(
    auth: AsyncGoTrueClient, admin: AsyncGoTrueAdminAPI, fake: FakeSupabase
) -> None:
    user = (await sign_up(auth, display_name="Ann")).user

    updated = await admin.update_user_by_id(
        user.id, {"password": "new password", "user_metadata": {"plan": "pro"}}
    )

    assert updated.user.user_metadata == {"display_name": "Ann", "plan": "pro"}  # merged, as GoTrue does
    assert fake.users[user.id].password == "new password"
    assert (await sign_in(auth, "new password")).user.id == user.id
    with pytest.raises(AuthApiError) as refused:
        await auth.sign_in_with_password({"email": "ann@example.com", "password": PASSWORD})
    assert refused.value.code == "invalid_credentials"


async def test_an_admin_reads_a_user_by_id_and_an_unknown_id_is_user_not_found(
    auth: AsyncGoTrueClient, admin: AsyncGoTrueAdminAPI
) -> None:
    user = (await sign_up(auth)).user

    read = await admin.get_user_by_id(user.id)

    assert (read.user.id, read.user.email) == (user.id, "ann@example.com")
    with pytest.raises(AuthApiError) as missing:
        await admin.get_user_by_id("00000000-0000-4000-8000-000000000000")
    assert (missing.value.code, missing.value.status) == ("user_not_found", 404)


async def test_the_admin_api_refuses_the_anon_key_as_not_admin(
    auth: AsyncGoTrueClient, fake: FakeSupabase
) -> None:
    user = (await sign_up(auth)).user

    async with gotrue(fake, {"apikey": ANON, "Authorization": f"Bearer {ANON}"}) as anon:
        with pytest.raises(AuthApiError) as refused:
            await anon.admin.delete_user(user.id)

    assert (refused.value.code, refused.value.status) == ("not_admin", 403)
    assert user.id in fake.users


async def test_a_deleted_user_can_no_longer_sign_in_nor_use_their_token(
    auth: AsyncGoTrueClient, admin: AsyncGoTrueAdminAPI, fake: FakeSupabase
) -> None:
    answer = await sign_up(auth)

    await admin.delete_user(answer.user.id)

    assert fake.users == {}
    with pytest.raises(AuthApiError) as refused:
        await auth.sign_in_with_password({"email": "ann@example.com", "password": PASSWORD})
    assert refused.value.code == "invalid_credentials"
    with pytest.raises(AuthApiError) as gone:
        await auth.get_user(answer.session.access_token)
    assert (gone.value.code, gone.value.status) == ("user_not_found", 403)


async def test_a_global_logout_ends_every_session_of_the_user(
    auth: AsyncGoTrueClient, fake: FakeSupabase
) -> None:
    user = (await sign_up(auth)).user
    other_device = await sign_in(auth)
    assert len(fake.users[user.id].sessions) == 2

    await auth.sign_out()  # the client's current session is the last sign-in; scope "global"

    assert fake.users[user.id].sessions == set()
    assert fake.count("POST", "/auth/v1/logout") == 1
    assert ("POST", "/auth/v1/logout?scope=global") in fake.requests
    with pytest.raises(AuthApiError) as refused:
        await auth.get_user(other_device.access_token)
    assert (refused.value.code, refused.value.status) == ("session_not_found", 403)


async def test_a_local_logout_ends_only_that_session(
    auth: AsyncGoTrueClient, admin: AsyncGoTrueAdminAPI, fake: FakeSupabase
) -> None:
    first = (await sign_up(auth)).session
    second = await sign_in(auth)

    await admin.sign_out(first.access_token, "local")

    still = await auth.get_user(second.access_token)
    assert still is not None
    assert still.user.id == first.user.id
    with pytest.raises(AuthApiError) as refused:
        await auth.get_user(first.access_token)
    assert refused.value.code == "session_not_found"


# --- keys: rotation, foreign keys, minted tokens, HS256 ------------------------------------------


async def test_rotate_key_publishes_a_second_kid_and_new_tokens_use_it(
    auth: AsyncGoTrueClient, http: httpx.AsyncClient, fake: FakeSupabase
) -> None:
    first_kid = fake.current_kid
    before = (await sign_up(auth)).session.access_token

    second_kid = fake.rotate_key()
    after = await sign_in(auth)

    document = (await http.get(fake.jwks_url)).json()
    assert [key["kid"] for key in document["keys"]] == [first_kid, second_kid]
    assert all(
        (key["kty"], key["crv"], key["alg"], key["use"], key["key_ops"])
        == ("EC", "P-256", "ES256", "sig", ["verify"])
        for key in document["keys"]
    )
    assert fake.current_kid == second_kid != first_kid
    assert jwt.get_unverified_header(after.access_token)["kid"] == second_kid
    old_claims, new_claims = (
        await verified(http, fake, before),
        await verified(http, fake, after.access_token),
    )
    assert old_claims["sub"] == new_claims["sub"]


async def test_rotating_to_rs256_and_retiring_the_old_key_leaves_one_rsa_key_and_refuses_old_tokens(
    auth: AsyncGoTrueClient, http: httpx.AsyncClient, fake: FakeSupabase
) -> None:
    old = (await sign_up(auth)).session.access_token

    kid = fake.rotate_key(algorithm="RS256", retire_old=True)
    new = await sign_in(auth)

    document = (await http.get(fake.jwks_url)).json()
    assert [(key["kid"], key["kty"], key["alg"]) for key in document["keys"]] == [(kid, "RSA", "RS256")]
    assert jwt.get_unverified_header(new.access_token)["alg"] == "RS256"
    assert (await verified(http, fake, new.access_token))["email"] == "ann@example.com"
    with pytest.raises(AuthApiError) as refused:
        await auth.get_user(old)
    assert (refused.value.code, refused.value.status) == ("bad_jwt", 403)


async def test_a_foreign_token_carries_the_current_kid_but_does_not_verify_against_the_jwks(
    auth: AsyncGoTrueClient, http: httpx.AsyncClient, fake: FakeSupabase
) -> None:
    user = (await sign_up(auth)).user

    forged = fake.mint(user.id, foreign=True)

    assert jwt.get_unverified_header(forged)["kid"] == fake.current_kid
    with pytest.raises(jwt.InvalidSignatureError):
        await verified(http, fake, forged)
    with pytest.raises(AuthApiError) as refused:
        await auth.get_user(forged)
    assert (refused.value.code, refused.value.status) == ("bad_jwt", 403)


async def test_a_minted_token_has_the_sign_in_claims_with_overrides_merged_last(
    auth: AsyncGoTrueClient, http: httpx.AsyncClient, fake: FakeSupabase
) -> None:
    user, session = await sign_up(auth)
    from_sign_up, user_id = session.access_token, user.id

    minted = fake.mint(user_id, user_metadata={"display_name": "Ann"}, iat=1_700_000_000, ttl=60)
    overridden = fake.mint(user_id, overrides={"aud": "other", "phone": None})

    minted_claims = jwt.decode(minted, options={"verify_signature": False})
    assert set(minted_claims) == set(await verified(http, fake, from_sign_up))
    assert (minted_claims["iat"], minted_claims["exp"]) == (1_700_000_000, 1_700_000_060)
    assert minted_claims["user_metadata"] == {"display_name": "Ann"}
    assert minted_claims["email"] == "someone@example.com"
    with pytest.raises(jwt.ExpiredSignatureError):
        await verified(http, fake, minted)
    overridden_claims = jwt.decode(overridden, options={"verify_signature": False})
    assert overridden_claims["aud"] == "other"
    assert "phone" not in overridden_claims
    with pytest.raises(jwt.InvalidAudienceError):
        await verified(http, fake, overridden)
    # A minted token for a known user is a live session of that user at the fake.
    read = await auth.get_user(fake.mint(user_id))
    assert read is not None
    assert read.user.id == user_id


async def test_a_legacy_hs256_project_signs_with_the_secret_and_publishes_no_keys(
    http: httpx.AsyncClient,
) -> None:
    secret = "legacy-project-jwt-secret-at-least-32-bytes-long"
    async with running_fake(hs256_secret=secret) as fake, gotrue(fake, {"apikey": ANON}) as auth:
        answer = await sign_up(auth, display_name="Ann")
        token = answer.session.access_token

        assert (await http.get(fake.jwks_url)).json() == {"keys": []}
        assert fake.current_kid == ""
        assert jwt.get_unverified_header(token) == {"alg": "HS256", "typ": "JWT"}
        claims = jwt.decode(token, secret, algorithms=["HS256"], audience="authenticated", issuer=fake.issuer)
        assert (claims["sub"], claims["user_metadata"]) == (answer.user.id, {"display_name": "Ann"})
        with pytest.raises(jwt.InvalidSignatureError):
            jwt.decode(
                fake.mint(answer.user.id, foreign=True),
                secret,
                algorithms=["HS256"],
                audience="authenticated",
            )
        read = await auth.get_user(token)
        assert read is not None
        assert read.user.id == answer.user.id


# --- the HTTP edge -------------------------------------------------------------------------------


async def test_a_request_without_a_known_apikey_is_refused_with_401_but_the_jwks_is_open(
    fake: FakeSupabase, http: httpx.AsyncClient
) -> None:
    missing = await http.post(
        f"{fake.url}/auth/v1/signup", json={"email": "a@example.com", "password": PASSWORD}
    )
    wrong = await http.get(f"{fake.url}/auth/v1/user", headers={"apikey": "someone-else"})
    jwks = await http.get(f"{fake.jwks_url}?cache=bust")
    await http.get(fake.jwks_url)

    assert (missing.status_code, missing.json()["message"]) == (401, "No API key found in request")
    assert (wrong.status_code, wrong.json()["message"]) == (401, "Invalid API key")
    assert jwks.status_code == 200
    assert len(jwks.json()["keys"]) == 1
    assert fake.count("GET", "/auth/v1/.well-known/jwks.json") == 2
    assert fake.requests == [
        ("POST", "/auth/v1/signup"),
        ("GET", "/auth/v1/user"),
        ("GET", "/auth/v1/.well-known/jwks.json?cache=bust"),
        ("GET", "/auth/v1/.well-known/jwks.json"),
    ]
    assert fake.users == {}


async def test_a_delay_makes_clients_with_a_short_time_limit_give_up_and_close_stays_quick(
    fake: FakeSupabase,
) -> None:
    fake.delay = 31
    impatient = gotrue(fake, {"apikey": ANON}, http_client=httpx.AsyncClient(timeout=0.2))
    started = time.monotonic()

    with pytest.raises(AuthRetryableError):
        await impatient.sign_up({"email": "ann@example.com", "password": PASSWORD})
    async with AsyncStorageClient(f"{fake.url}/storage/v1/", SERVICE_HEADERS) as storage:
        with pytest.raises(TimeoutError):
            async with asyncio.timeout(0.2):
                await storage.from_("resumes").download("ann/cv.pdf")
    await impatient.close()
    await fake.close()

    assert time.monotonic() - started < 2
    assert fake.count("POST", "/auth/v1/signup") == 1
    assert fake.users == {}


async def test_a_failure_status_makes_every_auth_and_storage_call_raise_until_cleared(
    fake: FakeSupabase, auth: AsyncGoTrueClient, storage: AsyncStorageClient
) -> None:
    fake.failure = 503

    with pytest.raises(AuthRetryableError) as auth_failed:
        await sign_up(auth)
    with pytest.raises(StorageApiError) as storage_failed:
        await storage.from_("resumes").upload("ann/cv.pdf", PDF, {"content-type": "application/pdf"})
    fake.failure = 500
    with pytest.raises(AuthApiError) as server_error:
        await auth.sign_in_with_password({"email": "ann@example.com", "password": PASSWORD})

    assert auth_failed.value.status == 503
    assert (storage_failed.value.status, storage_failed.value.code) == ("503", "unexpected_failure")
    assert (server_error.value.status, server_error.value.code) == (500, "unexpected_failure")
    assert fake.users == {}
    assert fake.objects == {}
    fake.failure = None
    assert (await sign_up(auth)).session is not None


async def test_a_closed_fake_is_unreachable_and_a_restart_serves_the_same_url(
    fake: FakeSupabase, auth: AsyncGoTrueClient, http: httpx.AsyncClient
) -> None:
    url = fake.url
    await fake.close()

    with pytest.raises(AuthRetryableError):
        await sign_up(auth)
    with pytest.raises(httpx.ConnectError):
        await http.get(fake.jwks_url)

    assert await fake.start() == url
    assert (await http.get(fake.jwks_url)).status_code == 200


# --- Storage ---------------------------------------------------------------------------------------


async def test_an_upload_stores_the_bytes_with_exactly_the_content_type_the_client_sent(
    fake: FakeSupabase, storage: AsyncStorageClient
) -> None:
    bucket = storage.from_("resumes")

    uploaded = await bucket.upload("u1/r1/cv.pdf", PDF, {"content-type": "application/pdf"})
    await bucket.upload("u1/r1/notes.txt", b"no type given")

    assert (uploaded.path, uploaded.full_path) == ("u1/r1/cv.pdf", "resumes/u1/r1/cv.pdf")
    assert fake.objects[("resumes", "u1/r1/cv.pdf")].data == PDF
    assert fake.objects[("resumes", "u1/r1/cv.pdf")].content_type == "application/pdf"
    # storage3's default, stored as sent: why adapters must always pass the type.
    assert fake.objects[("resumes", "u1/r1/notes.txt")].content_type == "text/plain;charset=UTF-8"
    assert await bucket.download("u1/r1/cv.pdf") == PDF


async def test_a_raw_upload_stores_the_request_content_type_header(
    fake: FakeSupabase, http: httpx.AsyncClient
) -> None:
    url = f"{fake.url}/storage/v1/object/resumes/u1/r1/cv.pdf"

    answer = await http.post(url, content=PDF, headers={**SERVICE_HEADERS, "Content-Type": "application/pdf"})

    assert (answer.status_code, answer.json()["Key"]) == (200, "resumes/u1/r1/cv.pdf")
    assert fake.objects[("resumes", "u1/r1/cv.pdf")].data == PDF
    assert fake.objects[("resumes", "u1/r1/cv.pdf")].content_type == "application/pdf"


async def test_a_second_upload_to_a_path_is_a_duplicate_unless_it_upserts(
    fake: FakeSupabase, storage: AsyncStorageClient
) -> None:
    bucket = storage.from_("resumes")
    await bucket.upload("u1/r1/cv.pdf", PDF, {"content-type": "application/pdf"})

    with pytest.raises(StorageApiError) as duplicate:
        await bucket.upload("u1/r1/cv.pdf", b"second", {"content-type": "application/pdf"})
    await bucket.upload(
        "u1/r1/cv.pdf", b"%PDF third", {"content-type": "application/x-pdf", "upsert": "true"}
    )

    assert (duplicate.value.status, duplicate.value.code, duplicate.value.message) == (
        "409",
        "Duplicate",
        "The resource already exists",
    )
    stored = fake.objects[("resumes", "u1/r1/cv.pdf")]
    assert (stored.data, stored.content_type) == (b"%PDF third", "application/x-pdf")
    assert await bucket.download("u1/r1/cv.pdf") == b"%PDF third"


async def test_a_public_bucket_serves_a_file_at_its_public_url_without_credentials(
    storage: AsyncStorageClient, http: httpx.AsyncClient, fake: FakeSupabase
) -> None:
    bucket = storage.from_("resumes")
    await bucket.upload("u1/r1/cv.pdf", PDF, {"content-type": "application/pdf"})

    url = await bucket.get_public_url("u1/r1/cv.pdf")
    answer = await http.get(url)

    assert url == f"{fake.url}/storage/v1/object/public/resumes/u1/r1/cv.pdf"
    assert (answer.status_code, answer.content, answer.headers["content-type"]) == (
        200,
        PDF,
        "application/pdf",
    )


async def test_a_private_bucket_has_no_public_url_but_its_signed_url_works_until_it_expires(
    http: httpx.AsyncClient,
) -> None:
    async with (
        running_fake(buckets={"resumes": False}) as fake,
        AsyncStorageClient(f"{fake.url}/storage/v1/", SERVICE_HEADERS) as storage,
    ):
        bucket = storage.from_("resumes")
        await bucket.upload("u1/r1/cv.pdf", PDF, {"content-type": "application/pdf"})

        public = await http.get(await bucket.get_public_url("u1/r1/cv.pdf"))
        signed = (await bucket.create_signed_url("u1/r1/cv.pdf", 60))["signedURL"]
        assert signed is not None
        fresh = await http.get(signed)
        other_path = await http.get(signed.replace("cv.pdf", "other.pdf"))
        fake.advance(61)
        expired = await http.get(signed)

    assert (public.status_code, public.json()) == (
        400,
        {"statusCode": "404", "error": "Bucket not found", "message": "Bucket not found"},
    )
    assert signed.startswith(f"{fake.url}/storage/v1/object/sign/resumes/u1/r1/cv.pdf?token=")
    assert (fresh.status_code, fresh.content, fresh.headers["content-type"]) == (200, PDF, "application/pdf")
    assert (other_path.status_code, other_path.json()["error"]) == (400, "InvalidSignature")
    assert (expired.status_code, expired.json()["error"]) == (400, "InvalidJWT")


async def test_listing_shows_one_folder_level_with_an_id_less_entry_per_sub_folder(
    storage: AsyncStorageClient,
) -> None:
    bucket = storage.from_("resumes")
    for path in ("u1/r1/cv.pdf", "u1/r1/cover.pdf", "u1/r2/cv.pdf", "u2/r3/cv.pdf"):
        await bucket.upload(path, PDF, {"content-type": "application/pdf"})

    folders = await bucket.list("u1/")
    files = await bucket.list("u1/r1")

    assert [(entry["name"], entry["id"], entry["metadata"]) for entry in folders] == [
        ("r1", None, None),
        ("r2", None, None),
    ]
    assert [entry["name"] for entry in files] == ["cover.pdf", "cv.pdf"]
    assert all(entry["id"] is not None for entry in files)
    assert (files[1]["metadata"]["mimetype"], files[1]["metadata"]["size"]) == ("application/pdf", len(PDF))
    assert await bucket.list("u3/") == []


async def test_remove_deletes_the_listed_paths_and_skips_missing_ones(
    fake: FakeSupabase, storage: AsyncStorageClient
) -> None:
    bucket = storage.from_("resumes")
    await bucket.upload("u1/r1/cv.pdf", PDF, {"content-type": "application/pdf"})
    await bucket.upload("u1/r2/cv.pdf", PDF, {"content-type": "application/pdf"})

    removed = await bucket.remove(["u1/r1/cv.pdf", "u1/r9/missing.pdf"])

    assert [entry["name"] for entry in removed] == ["u1/r1/cv.pdf"]
    assert list(fake.objects) == [("resumes", "u1/r2/cv.pdf")]
    with pytest.raises(StorageApiError) as missing:
        await bucket.download("u1/r1/cv.pdf")
    assert (missing.value.status, missing.value.code, missing.value.message) == (
        "404",
        "not_found",
        "Object not found",
    )
    assert await bucket.exists("u1/r2/cv.pdf") is True
    assert await bucket.exists("u1/r1/cv.pdf") is False


async def test_storage_refuses_callers_without_the_service_role_key_and_unknown_buckets(
    fake: FakeSupabase, storage: AsyncStorageClient
) -> None:
    async with AsyncStorageClient(
        f"{fake.url}/storage/v1/", {"apikey": ANON, "Authorization": f"Bearer {ANON}"}
    ) as anon:
        with pytest.raises(StorageApiError) as refused:
            await anon.from_("resumes").upload("u1/cv.pdf", PDF, {"content-type": "application/pdf"})
    with pytest.raises(StorageApiError) as unknown:
        await storage.from_("avatars").upload("u1/cv.pdf", PDF, {"content-type": "application/pdf"})

    assert (refused.value.status, refused.value.code) == ("403", "Unauthorized")
    assert (unknown.value.status, unknown.value.code) == ("404", "Bucket not found")
    assert fake.objects == {}


def test_a_stored_object_is_built_from_bytes_and_a_content_type() -> None:
    stored = StoredObject(b"abc", "text/plain")

    assert (stored.data, stored.content_type) == (b"abc", "text/plain")
    assert stored.etag == '"900150983cd24fb0d6963f7d28e17f72"'


@pytest.mark.filterwarnings("ignore:The '(timeout|verify)' parameter is deprecated:DeprecationWarning")
async def test_the_umbrella_supabase_client_signs_up_and_stores_a_file_against_the_fake(
    fake: FakeSupabase,
) -> None:
    # The package users install (`supabase`), not only its parts, speaks to the fake unchanged.
    from supabase import acreate_client

    browser = await acreate_client(fake.url, fake.ANON_KEY)
    signed_up = await browser.auth.sign_up(
        {"email": "Ada@example.com", "password": "secret-1", "options": {"data": {"username": "ada"}}}
    )
    assert signed_up.user is not None
    assert signed_up.session is not None
    assert fake.users[signed_up.user.id].user_metadata == {"username": "ada"}
    server = await acreate_client(fake.url, fake.SERVICE_ROLE_KEY)
    await server.storage.from_("resumes").upload(
        f"{signed_up.user.id}/cv.pdf", b"%PDF-1.7", {"content-type": "application/pdf"}
    )
    stored = fake.objects["resumes", f"{signed_up.user.id}/cv.pdf"]
    assert (stored.data, stored.content_type) == (b"%PDF-1.7", "application/pdf")

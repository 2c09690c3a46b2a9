"""An in-process fake of a Supabase project (Auth and Storage) that speaks the real wire protocol.

Supabase cannot run in the test environment, so the Supabase adapters are tested
against this aiohttp server instead. It answers the subset of the GoTrue (Auth)
and Storage HTTP APIs that the real ``supabase_auth`` and ``storage3`` packages
(2.34, async clients) call for OfferTracker, with the JSON shapes, status codes and
error bodies those packages parse, so the clients raise their real typed errors
(``AuthApiError`` with ``.code``, ``AuthWeakPasswordError``, ``AuthRetryableError``,
``StorageApiError``). Tokens are real JWTs shaped like Supabase's and signed with
real keys (ES256 by default, RS256 after ``rotate_key(algorithm="RS256")``, or the
legacy HS256 secret), published at the JWKS URL.

The interface is the one in ``/work/prompts/supabase_fake_api.md``::

    async with running_fake(confirm_email=True) as fake:
        client = AsyncGoTrueClient(url=fake.issuer, headers={"apikey": fake.ANON_KEY}, ...)

Failure switches apply to every endpoint: ``delay`` (seconds waited before each
answer) and ``failure`` (a status every request is answered with); ``close()``
stops listening, which is how a test makes Supabase unreachable (``start()``
again rebinds the same port).

Beyond the contract, for set-up and for calls a client may make on its own:
``add_user``, ``user_by_email``, ``jwks()``, ``user_json``, ``advance`` (Storage's
clock, for signed-URL expiry), the refresh-token grant, ``POST``/``GET
/admin/users``, ``GET /storage/v1/bucket[/{id}]``, ``/object/info/…`` (what
``exists()`` calls) and batch signing (``POST /object/sign/{bucket}``). The
JWKS, public object URLs and signed object URLs need no apikey (a browser or a
JWT verifier reaches them with no Supabase headers); everything else does.

Where Supabase is quirky the fake copies the quirk, because adapters must cope with
it: Storage answers most errors with HTTP 400 and the real status as a *string* in
the body (``{"statusCode": "404", "error": "not_found", ...}``), and a multipart
upload stores the content type of the file part, which ``storage3`` sets to
``text/plain;charset=UTF-8`` unless the caller passes one.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import secrets
import time
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable, Mapping
from contextlib import asynccontextmanager, suppress
from datetime import UTC, datetime
from typing import Any, ClassVar
from urllib.parse import quote

import attrs
import jwt
from aiohttp import BodyPartReader, web
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from jwt.algorithms import ECAlgorithm, RSAAlgorithm

__all__ = ["FakeSupabase", "FakeUser", "StoredObject", "running_fake"]

AUDIENCE = "authenticated"
MIN_PASSWORD_LENGTH = 6
API_VERSION_HEADER = "X-Supabase-Api-Version"
API_VERSION = "2024-01-01"

_Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


def _iso(timestamp: float | None) -> str | None:
    """GoTrue's timestamp spelling (RFC 3339, microseconds, ``Z``), or None."""
    if timestamp is None:
        return None
    return datetime.fromtimestamp(timestamp, UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def _http_date(timestamp: float) -> str:
    """An HTTP ``Last-Modified`` date."""
    return datetime.fromtimestamp(timestamp, UTC).strftime("%a, %d %b %Y %H:%M:%S GMT")


@attrs.define
class FakeUser:
    """An account in the fake Auth service (what GoTrue keeps in ``auth.users``)."""

    id: str
    email: str
    password: str
    user_metadata: dict[str, Any]
    confirmed: bool
    sessions: set[str] = attrs.field(factory=set)
    """Ids of the user's live sessions; a token whose ``session_id`` is not here is refused."""
    created_at: float = attrs.field(factory=time.time)
    updated_at: float = attrs.field(factory=time.time)
    confirmed_at: float | None = None
    last_sign_in_at: float | None = None
    identity_id: str = attrs.field(factory=lambda: str(uuid.uuid4()))


@attrs.define
class StoredObject:
    """A file in the fake Storage: its bytes and the content type it was stored with."""

    data: bytes
    content_type: str
    cache_control: str = "max-age=3600"
    id: str = attrs.field(factory=lambda: str(uuid.uuid4()))
    created_at: float = attrs.field(factory=time.time)
    updated_at: float = attrs.field(factory=time.time)

    @property
    def etag(self) -> str:
        """The quoted MD5 of the bytes, as Storage (S3) reports it."""
        return '"' + hashlib.md5(self.data, usedforsecurity=False).hexdigest() + '"'


@attrs.define
class _SigningKey:
    """One asymmetric signing key of the fake project."""

    kid: str
    algorithm: str
    private_key: ec.EllipticCurvePrivateKey | rsa.RSAPrivateKey
    published: bool = True

    @classmethod
    def generate(cls, algorithm: str, *, kid: str | None = None, published: bool = True) -> _SigningKey:
        """A fresh ES256 (P-256) or RS256 (2048-bit) key."""
        private_key: ec.EllipticCurvePrivateKey | rsa.RSAPrivateKey
        if algorithm == "ES256":
            private_key = ec.generate_private_key(ec.SECP256R1())
        elif algorithm == "RS256":
            private_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        else:
            raise ValueError(f"unsupported signing algorithm {algorithm!r} (ES256 or RS256)")
        return cls(
            kid=kid or str(uuid.uuid4()), algorithm=algorithm, private_key=private_key, published=published
        )

    def public_jwk(self) -> dict[str, Any]:
        """The public half as Supabase publishes it (``kid``, ``alg``, ``use``, ``key_ops``, ``ext``)."""
        public = self.private_key.public_key()
        if isinstance(public, ec.EllipticCurvePublicKey):
            jwk = ECAlgorithm.to_jwk(public, as_dict=True)
        else:
            jwk = RSAAlgorithm.to_jwk(public, as_dict=True)
        jwk.update(kid=self.kid, alg=self.algorithm, use="sig", key_ops=["verify"], ext=True)
        return jwk


class _Refusal(Exception):
    """A handler's way of answering with an error response from deep inside."""

    def __init__(self, response: web.Response) -> None:
        super().__init__(response.status)
        self.response = response


def _auth_error(status: int, error_code: str, msg: str, **extra: Any) -> _Refusal:
    """GoTrue's legacy error body: numeric ``code``, string ``error_code``, ``msg``.

    ``supabase_auth`` reads ``error_code`` (``code`` only when it is a string), so
    ``AuthApiError.code`` comes out as ``error_code``.
    """
    body = {"code": status, "error_code": error_code, "msg": msg, **extra}
    return _Refusal(web.json_response(body, status=status, headers={API_VERSION_HEADER: API_VERSION}))


def _storage_error(status: str, error: str, message: str, *, http_status: int = 400) -> _Refusal:
    """Storage's error body; like the real service, most errors travel as HTTP 400."""
    body = {"statusCode": status, "error": error, "message": message}
    return _Refusal(web.json_response(body, status=http_status))


def _object_not_found() -> _Refusal:
    return _storage_error("404", "not_found", "Object not found")


def _bucket_not_found() -> _Refusal:
    return _storage_error("404", "Bucket not found", "Bucket not found")


async def _json_body(request: web.Request, *, storage: bool = False) -> dict[str, Any]:
    """The request's JSON object (empty counts as ``{}``); garbage is refused in the service's shape."""
    raw = await request.read()
    if not raw.strip():
        return {}
    try:
        body = json.loads(raw)
    except ValueError:
        body = None
    if not isinstance(body, dict):
        if storage:
            raise _storage_error("400", "InvalidRequest", "Body is not valid JSON")
        raise _auth_error(400, "bad_json", "Could not parse request body as JSON")
    return body


def _bearer(request: web.Request) -> str | None:
    header = request.headers.get("Authorization", "")
    scheme, _, token = header.partition(" ")
    return token.strip() if scheme.lower() == "bearer" and token.strip() else None


class FakeSupabase:
    """A fake Supabase project on 127.0.0.1: Auth under ``/auth/v1``, Storage under ``/storage/v1``.

    Build it, ``await start()`` (or use :func:`running_fake`), point the clients at
    :attr:`url`, and look at :attr:`users`, :attr:`objects` and :attr:`requests`.
    """

    ANON_KEY: ClassVar[str] = "fake-anon-key"
    SERVICE_ROLE_KEY: ClassVar[str] = "fake-service-role-key"

    def __init__(
        self,
        *,
        confirm_email: bool = False,
        hs256_secret: str | None = None,
        token_ttl: int = 3600,
        buckets: Mapping[str, bool] | None = None,
    ) -> None:
        """Configure the project.

        ``confirm_email``: sign-up returns the bare user and no session, and password
        sign-in answers ``email_not_confirmed`` until :meth:`confirm`.
        ``hs256_secret``: a legacy project signing tokens HS256 with this secret
        (no ``kid``; the JWKS is ``{"keys": []}``) until :meth:`rotate_key`.
        ``token_ttl``: seconds an access token lives. ``buckets``: name -> public?
        (default ``{"resumes": True}``).
        """
        self.confirm_email = confirm_email
        self.hs256_secret = hs256_secret
        self.token_ttl = token_ttl
        self.buckets: dict[str, bool] = dict(buckets if buckets is not None else {"resumes": True})

        self.delay: float = 0.0
        """Seconds to wait before answering each request (every endpoint)."""
        self.failure: int | None = None
        """When set, every request is answered with this status and an error body."""

        self.users: dict[str, FakeUser] = {}
        self.objects: dict[tuple[str, str], StoredObject] = {}
        self.requests: list[tuple[str, str]] = []
        """``(method, path_qs)`` of every request received, in order (refused ones too)."""

        self.url = ""
        self._port: int | None = None
        self._runner: web.AppRunner | None = None
        self._closing: asyncio.Event | None = None
        self._paths: list[tuple[str, str]] = []  # (method, decoded path) for count()
        self._clock_offset = 0.0
        self._created_at = time.time()  # the buckets' creation date
        self._keys: dict[str, _SigningKey] = {}
        self._active: _SigningKey | None = None
        self._accept_hs256 = hs256_secret is not None
        self._refresh_tokens: dict[str, tuple[str, str]] = {}  # token -> (user id, session id)
        # Signed Storage URLs carry a JWT signed with a secret only Storage knows, like the real service.
        self._storage_secret = secrets.token_urlsafe(32)
        if hs256_secret is None:
            self.rotate_key()

    # --- lifecycle -------------------------------------------------------------------------------

    @property
    def issuer(self) -> str:
        """The ``iss`` of every token: ``{url}/auth/v1``."""
        return f"{self.url}/auth/v1"

    @property
    def jwks_url(self) -> str:
        """Where the public keys are published."""
        return f"{self.url}/auth/v1/.well-known/jwks.json"

    async def start(self) -> str:
        """Listen on 127.0.0.1 and return the base URL.

        The first start picks a free port; starting again after :meth:`close` binds
        the same port, so clients built with the old URL reach the fake again.
        """
        if self._runner is not None:
            return self.url
        self._closing = asyncio.Event()
        app = web.Application(middlewares=[self._edge], client_max_size=64 * 1024 * 1024)
        self._routes(app)
        # A client that gives up (a timeout test) cancels its handler, and a short shutdown
        # keeps close() quick even when a test left a 31-second delay pending.
        runner = web.AppRunner(app, handler_cancellation=True, shutdown_timeout=0.5, access_log=None)
        await runner.setup()
        site = web.TCPSite(runner, "127.0.0.1", self._port or 0)
        await site.start()
        self._runner = runner
        host, port = runner.addresses[0][:2]
        self._port = port
        self.url = f"http://{host}:{port}"
        return self.url

    async def close(self) -> None:
        """Stop listening and drop open connections (Supabase is down until :meth:`start`)."""
        if self._runner is None:
            return
        runner, self._runner = self._runner, None
        if self._closing is not None:
            self._closing.set()  # wakes handlers sleeping out a delay
        await runner.cleanup()

    # --- clock -----------------------------------------------------------------------------------

    def storage_now(self) -> float:
        """Storage's clock: wall time plus whatever :meth:`advance` added.

        It dates signed URLs and judges their expiry. Auth stays on the wall clock,
        because the tokens it issues are judged by verifiers on the wall clock (an
        expired token is made with ``mint(iat=..., ttl=...)``).
        """
        return time.time() + self._clock_offset

    def advance(self, seconds: float) -> None:
        """Move Storage's clock forward, e.g. past a signed URL's ``expiresIn``."""
        self._clock_offset += seconds

    # --- keys and tokens -------------------------------------------------------------------------

    @property
    def current_kid(self) -> str:
        """The ``kid`` new tokens are signed with; ``""`` while a legacy project signs HS256."""
        return self._active.kid if self._active is not None else ""

    def rotate_key(self, *, algorithm: str = "ES256", retire_old: bool = False) -> str:
        """Make a new key (ES256 or RS256) with a fresh kid, publish it and sign new tokens with it.

        With ``retire_old`` the previous keys leave the JWKS (and the legacy HS256
        secret stops being accepted), so tokens signed with them are refused.
        Returns the new kid.
        """
        key = _SigningKey.generate(algorithm)
        if retire_old:
            for old in self._keys.values():
                old.published = False
            self._accept_hs256 = False
        self._keys[key.kid] = key
        self._active = key
        return key.kid

    def jwks(self) -> dict[str, list[dict[str, Any]]]:
        """The JWKS document the fake serves."""
        return {"keys": [key.public_jwk() for key in self._keys.values() if key.published]}

    def mint(
        self,
        user_id: uuid.UUID | str,
        *,
        email: str = "someone@example.com",
        user_metadata: Mapping[str, Any] | None = None,
        ttl: int | None = None,
        iat: int | None = None,
        overrides: Mapping[str, Any] | None = None,
        kid: str | None = None,
        foreign: bool = False,
    ) -> str:
        """A token exactly like the ones handed out at sign-in, with ``overrides`` merged in last.

        A ``None`` value in ``overrides`` removes that claim. ``kid`` signs with that
        key (any the fake made, retired ones included); ``foreign=True`` signs with a
        brand-new key that is not in the JWKS but keeps the current kid in the header
        (in HS256 mode: another secret). When ``user_id`` is a known user the token's
        session is registered, so the fake's own ``/user`` accepts the token until a
        logout.
        """
        issued = int(time.time()) if iat is None else iat
        session_id = str(uuid.uuid4())
        claims = self._claims(
            str(user_id),
            email,
            dict(user_metadata or {}),
            session_id,
            issued,
            self.token_ttl if ttl is None else ttl,
        )
        for name, value in (overrides or {}).items():
            if value is None:
                claims.pop(name, None)
            else:
                claims[name] = value
        user = self.users.get(str(user_id))
        if user is not None and not foreign and claims.get("session_id") == session_id:
            user.sessions.add(session_id)
        return self._sign(claims, kid=kid, foreign=foreign)

    def _claims(
        self, user_id: str, email: str, user_metadata: dict[str, Any], session_id: str, iat: int, ttl: int
    ) -> dict[str, Any]:
        """The claims of a Supabase access token for a password sign-in."""
        return {
            "iss": self.issuer,
            "sub": user_id,
            "aud": AUDIENCE,
            "exp": iat + ttl,
            "iat": iat,
            "email": email,
            "phone": "",
            "app_metadata": {"provider": "email", "providers": ["email"]},
            "user_metadata": user_metadata,
            "role": "authenticated",
            "aal": "aal1",
            "amr": [{"method": "password", "timestamp": iat}],
            "session_id": session_id,
            "is_anonymous": False,
        }

    def _sign(self, claims: Mapping[str, Any], *, kid: str | None = None, foreign: bool = False) -> str:
        if foreign:
            if self._active is None:
                return jwt.encode(dict(claims), secrets.token_urlsafe(32), algorithm="HS256")
            stranger = _SigningKey.generate(self._active.algorithm, kid=self._active.kid, published=False)
            return self._sign_with(stranger, claims)
        if kid is not None:
            if kid not in self._keys:
                raise KeyError(f"the fake has no key with kid {kid!r}")
            return self._sign_with(self._keys[kid], claims)
        if self._active is None:
            assert self.hs256_secret is not None
            return jwt.encode(dict(claims), self.hs256_secret, algorithm="HS256")
        return self._sign_with(self._active, claims)

    @staticmethod
    def _sign_with(key: _SigningKey, claims: Mapping[str, Any]) -> str:
        return jwt.encode(dict(claims), key.private_key, algorithm=key.algorithm, headers={"kid": key.kid})

    def _verify(self, token: str) -> dict[str, Any]:
        """The claims of a token the fake would accept, or the 401/403 GoTrue answers."""
        try:
            header = jwt.get_unverified_header(token)
            algorithm = header.get("alg")
            key: Any
            if algorithm == "HS256":
                if not self._accept_hs256 or self.hs256_secret is None:
                    raise jwt.InvalidSignatureError("signature is invalid")
                key = self.hs256_secret
            else:
                signing = self._keys.get(str(header.get("kid")))
                if signing is None or not signing.published or signing.algorithm != algorithm:
                    raise jwt.InvalidSignatureError("no matching key")
                key = signing.private_key.public_key()
            claims: dict[str, Any] = jwt.decode(
                token,
                key,
                algorithms=[str(algorithm)],
                audience=AUDIENCE,
                options={"verify_exp": False, "verify_iat": False},
            )
        except jwt.PyJWTError as error:
            raise _auth_error(
                403, "bad_jwt", f"invalid JWT: unable to parse or verify signature, {error}"
            ) from None
        if float(claims.get("exp", 0)) <= time.time():
            raise _auth_error(
                403,
                "bad_jwt",
                "invalid JWT: unable to parse or verify signature, "
                "token has invalid claims: token is expired",
            )
        return claims

    def _session_user(self, request: web.Request) -> tuple[FakeUser, str]:
        """The user and session of the request's Bearer token, checked like GoTrue does."""
        token = _bearer(request)
        if token is None or token in (self.ANON_KEY, self.SERVICE_ROLE_KEY):
            raise _auth_error(401, "no_authorization", "This endpoint requires a valid Bearer token")
        claims = self._verify(token)
        user = self.users.get(str(claims.get("sub")))
        if user is None:
            raise _auth_error(403, "user_not_found", "User from sub claim in JWT does not exist")
        session_id = str(claims.get("session_id"))
        if session_id not in user.sessions:
            raise _auth_error(403, "session_not_found", "Session from session_id claim in JWT does not exist")
        return user, session_id

    # --- accounts --------------------------------------------------------------------------------

    def add_user(
        self,
        email: str,
        password: str,
        *,
        user_metadata: Mapping[str, Any] | None = None,
        confirmed: bool = True,
    ) -> FakeUser:
        """Create an account directly (test set-up without a sign-up request)."""
        now = time.time()
        user = FakeUser(
            id=str(uuid.uuid4()),
            email=email.strip().lower(),
            password=password,
            user_metadata=dict(user_metadata or {}),
            confirmed=confirmed,
            created_at=now,
            updated_at=now,
            confirmed_at=now if confirmed else None,
        )
        self.users[user.id] = user
        return user

    def user_by_email(self, email: str) -> FakeUser | None:
        """The account with that address (GoTrue compares addresses lower-cased)."""
        wanted = email.strip().lower()
        return next((user for user in self.users.values() if user.email == wanted), None)

    def confirm(self, email: str) -> FakeUser:
        """Confirm the address, as following the confirmation link would."""
        user = self.user_by_email(email)
        if user is None:
            raise KeyError(f"no user with email {email!r}")
        user.confirmed = True
        user.confirmed_at = user.updated_at = time.time()
        return user

    def user_json(self, user: FakeUser) -> dict[str, Any]:
        """The user as GoTrue serialises it (what ``supabase_auth``'s ``User`` model parses)."""
        confirmed_at = _iso(user.confirmed_at) if user.confirmed else None
        return {
            "id": user.id,
            "aud": AUDIENCE,
            "role": "authenticated",
            "email": user.email,
            "email_confirmed_at": confirmed_at,
            "phone": "",
            "confirmation_sent_at": None if user.confirmed else _iso(user.created_at),
            "confirmed_at": confirmed_at,
            "last_sign_in_at": _iso(user.last_sign_in_at),
            "app_metadata": {"provider": "email", "providers": ["email"]},
            "user_metadata": dict(user.user_metadata),
            "identities": [
                {
                    "identity_id": user.identity_id,
                    "id": user.id,
                    "user_id": user.id,
                    "identity_data": {
                        "email": user.email,
                        "email_verified": user.confirmed,
                        "phone_verified": False,
                        "sub": user.id,
                    },
                    "provider": "email",
                    "last_sign_in_at": _iso(user.last_sign_in_at or user.created_at),
                    "created_at": _iso(user.created_at),
                    "updated_at": _iso(user.updated_at),
                    "email": user.email,
                }
            ],
            "created_at": _iso(user.created_at),
            "updated_at": _iso(user.updated_at),
            "is_anonymous": False,
        }

    def _session_json(self, user: FakeUser, session_id: str | None = None) -> dict[str, Any]:
        """A new access token (and refresh token) for ``user``, in GoTrue's token response."""
        now = int(time.time())
        if session_id is None:
            session_id = str(uuid.uuid4())
            user.sessions.add(session_id)
            user.last_sign_in_at = user.updated_at = now
        refresh_token = secrets.token_urlsafe(9)
        self._refresh_tokens[refresh_token] = (user.id, session_id)
        claims = self._claims(user.id, user.email, dict(user.user_metadata), session_id, now, self.token_ttl)
        return {
            "access_token": self._sign(claims),
            "token_type": "bearer",
            "expires_in": self.token_ttl,
            "expires_at": now + self.token_ttl,
            "refresh_token": refresh_token,
            "user": self.user_json(user),
        }

    def _drop_sessions(self, user: FakeUser, keep: set[str]) -> None:
        user.sessions &= keep
        for token, (user_id, session_id) in list(self._refresh_tokens.items()):
            if user_id == user.id and session_id not in keep:
                del self._refresh_tokens[token]

    # --- what tests look at ----------------------------------------------------------------------

    def count(self, method: str, path: str) -> int:
        """How many requests with ``method`` hit ``path`` (the query ignored), e.g. JWKS fetches."""
        method = method.upper()
        return sum(1 for seen_method, seen_path in self._paths if seen_method == method and seen_path == path)

    # --- the HTTP edge ---------------------------------------------------------------------------

    def _routes(self, app: web.Application) -> None:
        auth = "/auth/v1"
        storage = "/storage/v1"
        app.router.add_get(f"{auth}/.well-known/jwks.json", self._jwks)
        app.router.add_post(f"{auth}/signup", self._signup)
        app.router.add_post(f"{auth}/token", self._token)
        app.router.add_get(f"{auth}/user", self._get_user)
        app.router.add_post(f"{auth}/logout", self._logout)
        app.router.add_get(f"{auth}/admin/users", self._admin_list_users)
        app.router.add_post(f"{auth}/admin/users", self._admin_create_user)
        app.router.add_get(f"{auth}/admin/users/{{id}}", self._admin_get_user)
        app.router.add_put(f"{auth}/admin/users/{{id}}", self._admin_update_user)
        app.router.add_delete(f"{auth}/admin/users/{{id}}", self._admin_delete_user)
        # Specific Storage routes first: "sign", "public", "list" … would otherwise be taken for buckets.
        app.router.add_get(f"{storage}/bucket", self._list_buckets)
        app.router.add_get(f"{storage}/bucket/{{bucket}}", self._get_bucket)
        app.router.add_post(f"{storage}/object/sign/{{bucket}}", self._sign_many)
        app.router.add_post(f"{storage}/object/sign/{{bucket}}/{{path:.+}}", self._sign_one)
        app.router.add_get(f"{storage}/object/sign/{{bucket}}/{{path:.+}}", self._signed_download)
        app.router.add_get(f"{storage}/object/public/{{bucket}}/{{path:.+}}", self._public_download)
        app.router.add_get(f"{storage}/object/authenticated/{{bucket}}/{{path:.+}}", self._download)
        app.router.add_get(f"{storage}/object/info/{{bucket}}/{{path:.+}}", self._info)
        app.router.add_post(f"{storage}/object/list/{{bucket}}", self._list)
        app.router.add_post(f"{storage}/object/{{bucket}}/{{path:.+}}", self._upload)
        app.router.add_put(f"{storage}/object/{{bucket}}/{{path:.+}}", self._update)
        app.router.add_get(f"{storage}/object/{{bucket}}/{{path:.+}}", self._download)
        app.router.add_delete(f"{storage}/object/{{bucket}}", self._remove)

    # Reachable without an apikey, as on a hosted project: a browser follows file URLs and
    # JWT verifiers fetch the JWKS with no Supabase headers.
    _OPEN_PREFIXES = (
        "/auth/v1/.well-known/jwks.json",
        "/storage/v1/object/public/",
        "/storage/v1/object/sign/",
    )

    @web.middleware
    async def _edge(self, request: web.Request, handler: _Handler) -> web.StreamResponse:
        """Log, wait, fail on demand, check the apikey, and turn refusals into responses."""
        self.requests.append((request.method, request.path_qs))
        self._paths.append((request.method, request.path))
        if self.delay > 0 and self._closing is not None:
            # Interruptible so close() need not wait out a long delay.
            with suppress(TimeoutError):
                await asyncio.wait_for(self._closing.wait(), timeout=self.delay)
        if self.failure is not None:
            return self._failure_response(self.failure)
        if request.match_info.http_exception is not None:
            return web.json_response({"message": "no Route matched with those values"}, status=404)
        is_open = request.method == "GET" and request.path.startswith(self._OPEN_PREFIXES)
        if not is_open:
            apikey = request.headers.get("apikey")
            if apikey is None:
                return web.json_response(
                    {
                        "message": "No API key found in request",
                        "hint": "No `apikey` request header or url param was found.",
                    },
                    status=401,
                )
            if apikey not in (self.ANON_KEY, self.SERVICE_ROLE_KEY):
                return web.json_response(
                    {
                        "message": "Invalid API key",
                        "hint": "Double check your Supabase `anon` or `service_role` API key.",
                    },
                    status=401,
                )
        try:
            return await handler(request)
        except _Refusal as refusal:
            return refusal.response

    @staticmethod
    def _failure_response(status: int) -> web.Response:
        """An error every client can parse: GoTrue's fields plus Storage's.

        ``supabase_auth`` reads ``msg``/``error_code`` (and makes 502/503/504 an
        ``AuthRetryableError``); ``storage3`` reads ``statusCode``/``error``/``message``.
        """
        reason = f"The fake Supabase was told to fail ({status})"
        body = {
            "code": status,
            "error_code": "unexpected_failure",
            "msg": reason,
            "statusCode": str(status),
            "error": "unexpected_failure",
            "message": reason,
        }
        return web.json_response(body, status=status)

    def _require_service_role(self, request: web.Request) -> None:
        if _bearer(request) != self.SERVICE_ROLE_KEY:
            raise _auth_error(403, "not_admin", "User not allowed")

    # --- Auth endpoints --------------------------------------------------------------------------

    async def _jwks(self, request: web.Request) -> web.Response:
        return web.json_response(self.jwks(), headers={"Cache-Control": "public, max-age=600"})

    async def _signup(self, request: web.Request) -> web.Response:
        body = await _json_body(request)
        email = str(body.get("email") or "").strip().lower()
        password = str(body.get("password") or "")
        if "@" not in email:
            raise _auth_error(400, "validation_failed", "Unable to validate email address: invalid format")
        self._check_password(password)
        if self.user_by_email(email) is not None:
            raise _auth_error(422, "user_already_exists", "User already registered")
        data = body.get("data") or {}
        user = self.add_user(
            email,
            password,
            user_metadata=data if isinstance(data, dict) else {},
            confirmed=not self.confirm_email,
        )
        if self.confirm_email:
            return web.json_response(self.user_json(user))
        return web.json_response(self._session_json(user))

    @staticmethod
    def _check_password(password: str) -> None:
        if len(password) < MIN_PASSWORD_LENGTH:
            raise _auth_error(
                422,
                "weak_password",
                f"Password should be at least {MIN_PASSWORD_LENGTH} characters.",
                weak_password={"reasons": ["length"]},
            )

    async def _token(self, request: web.Request) -> web.Response:
        grant_type = request.query.get("grant_type")
        body = await _json_body(request)
        if grant_type == "password":
            return self._password_grant(body)
        if grant_type == "refresh_token":
            return self._refresh_grant(body)
        raise _Refusal(
            web.json_response(
                {"error": "unsupported_grant_type", "error_description": "unsupported_grant_type"}, status=400
            )
        )

    def _password_grant(self, body: Mapping[str, Any]) -> web.Response:
        user = self.user_by_email(str(body.get("email") or ""))
        if user is None or not secrets.compare_digest(user.password, str(body.get("password") or "")):
            raise _Refusal(
                web.json_response(
                    {
                        "error": "invalid_grant",
                        "error_code": "invalid_credentials",
                        "error_description": "Invalid login credentials",
                    },
                    status=400,
                )
            )
        if not user.confirmed:
            raise _Refusal(
                web.json_response(
                    {
                        "code": "email_not_confirmed",
                        "error_code": "email_not_confirmed",
                        "msg": "Email not confirmed",
                    },
                    status=400,
                    headers={API_VERSION_HEADER: API_VERSION},
                )
            )
        return web.json_response(self._session_json(user))

    def _refresh_grant(self, body: Mapping[str, Any]) -> web.Response:
        token = str(body.get("refresh_token") or "")
        owner = self._refresh_tokens.pop(token, None)
        user = self.users.get(owner[0]) if owner else None
        if owner is None or user is None or owner[1] not in user.sessions:
            raise _auth_error(
                400, "refresh_token_not_found", "Invalid Refresh Token: Refresh Token Not Found"
            )
        return web.json_response(self._session_json(user, session_id=owner[1]))

    async def _get_user(self, request: web.Request) -> web.Response:
        user, _ = self._session_user(request)
        return web.json_response(self.user_json(user))

    async def _logout(self, request: web.Request) -> web.Response:
        user, session_id = self._session_user(request)
        scope = request.query.get("scope", "global")
        if scope == "local":
            self._drop_sessions(user, keep=user.sessions - {session_id})
        elif scope == "others":
            self._drop_sessions(user, keep={session_id})
        else:
            self._drop_sessions(user, keep=set())
        return web.Response(status=204)

    def _admin_target(self, request: web.Request) -> FakeUser:
        self._require_service_role(request)
        user = self.users.get(request.match_info["id"])
        if user is None:
            raise _auth_error(404, "user_not_found", "User not found")
        return user

    async def _admin_list_users(self, request: web.Request) -> web.Response:
        self._require_service_role(request)
        return web.json_response({"users": [self.user_json(u) for u in self.users.values()], "aud": AUDIENCE})

    async def _admin_create_user(self, request: web.Request) -> web.Response:
        self._require_service_role(request)
        body = await _json_body(request)
        email = str(body.get("email") or "").strip().lower()
        if "@" not in email:
            raise _auth_error(400, "validation_failed", "Unable to validate email address: invalid format")
        if self.user_by_email(email) is not None:
            raise _auth_error(
                422, "email_exists", "A user with this email address has already been registered"
            )
        password = body.get("password")
        if password is not None:
            self._check_password(str(password))
        metadata = body.get("user_metadata") or body.get("data") or {}
        user = self.add_user(
            email,
            str(password or secrets.token_urlsafe(16)),
            user_metadata=metadata if isinstance(metadata, dict) else {},
            confirmed=bool(body.get("email_confirm")),
        )
        return web.json_response(self.user_json(user))

    async def _admin_get_user(self, request: web.Request) -> web.Response:
        return web.json_response(self.user_json(self._admin_target(request)))

    async def _admin_update_user(self, request: web.Request) -> web.Response:
        user = self._admin_target(request)
        body = await _json_body(request)
        if body.get("password") is not None:
            self._check_password(str(body["password"]))
        if body.get("email") is not None:
            email = str(body["email"]).strip().lower()
            other = self.user_by_email(email)
            if other is not None and other.id != user.id:
                raise _auth_error(
                    422, "email_exists", "A user with this email address has already been registered"
                )
            user.email = email
        if body.get("password") is not None:
            user.password = str(body["password"])
        metadata = body.get("user_metadata")
        if isinstance(metadata, dict):
            # GoTrue merges: new keys are set, a null value deletes the key.
            for name, value in metadata.items():
                if value is None:
                    user.user_metadata.pop(name, None)
                else:
                    user.user_metadata[name] = value
        if body.get("email_confirm") and not user.confirmed:
            user.confirmed = True
            user.confirmed_at = time.time()
        user.updated_at = time.time()
        return web.json_response(self.user_json(user))

    async def _admin_delete_user(self, request: web.Request) -> web.Response:
        user = self._admin_target(request)
        self._drop_sessions(user, keep=set())
        del self.users[user.id]
        return web.json_response({})

    # --- Storage endpoints -----------------------------------------------------------------------

    def _storage_access(self, request: web.Request, bucket: str) -> None:
        """The service role may do anything; anything else is refused as RLS would."""
        if _bearer(request) != self.SERVICE_ROLE_KEY:
            raise _storage_error("403", "Unauthorized", "new row violates row-level security policy")
        if bucket not in self.buckets:
            raise _bucket_not_found()

    def _bucket_json(self, name: str) -> dict[str, Any]:
        return {
            "id": name,
            "name": name,
            "owner": "",
            "public": self.buckets[name],
            "file_size_limit": None,
            "allowed_mime_types": None,
            "created_at": _iso(self._created_at),
            "updated_at": _iso(self._created_at),
        }

    async def _list_buckets(self, request: web.Request) -> web.Response:
        if _bearer(request) != self.SERVICE_ROLE_KEY:
            return web.json_response([])
        return web.json_response([self._bucket_json(name) for name in self.buckets])

    async def _get_bucket(self, request: web.Request) -> web.Response:
        bucket = request.match_info["bucket"]
        self._storage_access(request, bucket)
        return web.json_response(self._bucket_json(bucket))

    async def _read_upload(self, request: web.Request) -> tuple[bytes, str, str]:
        """Bytes, content type and cache control of an upload, multipart or raw, as Storage reads them."""
        if request.content_type == "multipart/form-data":
            data: bytes | None = None
            content_type = "text/plain"
            cache_control = "no-cache"
            reader = await request.multipart()
            while (part := await reader.next()) is not None:
                if not isinstance(part, BodyPartReader):
                    continue  # a nested multipart: nothing a Storage client sends
                if part.name == "file":
                    data = bytes(await part.read(decode=False))
                    content_type = part.headers.get("Content-Type", content_type)
                elif part.name == "cacheControl":
                    seconds = (await part.text()).strip()
                    cache_control = f"max-age={seconds}" if seconds else cache_control
            if data is None:
                raise _storage_error("400", "InvalidRequest", "No file part in the multipart body")
            return data, content_type, cache_control
        content_type = request.headers.get("Content-Type", "application/octet-stream")
        return await request.read(), content_type, request.headers.get("Cache-Control", "no-cache")

    async def _store(self, request: web.Request, *, overwrite: bool) -> web.Response:
        bucket, path = request.match_info["bucket"], request.match_info["path"]
        self._storage_access(request, bucket)
        data, content_type, cache_control = await self._read_upload(request)
        existing = self.objects.get((bucket, path))
        if existing is not None and not overwrite:
            raise _storage_error("409", "Duplicate", "The resource already exists")
        now = time.time()
        stored = StoredObject(data=data, content_type=content_type, cache_control=cache_control)
        stored.created_at = existing.created_at if existing else now
        stored.updated_at = now
        if existing is not None:
            stored.id = existing.id
        self.objects[(bucket, path)] = stored
        return web.json_response({"Id": stored.id, "Key": f"{bucket}/{path}"})

    async def _upload(self, request: web.Request) -> web.Response:
        upsert = request.headers.get("x-upsert", "false").strip().lower() == "true"
        return await self._store(request, overwrite=upsert)

    async def _update(self, request: web.Request) -> web.Response:
        # Storage's update goes through the same upsert as an upload with x-upsert: true.
        return await self._store(request, overwrite=True)

    def _file_response(self, request: web.Request, stored: StoredObject, path: str) -> web.Response:
        headers = {
            "Content-Type": stored.content_type,
            "Cache-Control": stored.cache_control,
            "ETag": stored.etag,
            "Last-Modified": _http_date(stored.updated_at),
        }
        if "download" in request.query:
            filename = request.query["download"] or path.rsplit("/", 1)[-1]
            headers["Content-Disposition"] = f"attachment; filename={quote(filename)}"
        return web.Response(body=stored.data, headers=headers)

    async def _download(self, request: web.Request) -> web.Response:
        bucket, path = request.match_info["bucket"], request.match_info["path"]
        self._storage_access(request, bucket)
        stored = self.objects.get((bucket, path))
        if stored is None:
            raise _object_not_found()
        return self._file_response(request, stored, path)

    async def _public_download(self, request: web.Request) -> web.Response:
        bucket, path = request.match_info["bucket"], request.match_info["path"]
        # A private bucket answers exactly like a missing one: its files have no public URL.
        if not self.buckets.get(bucket, False):
            raise _bucket_not_found()
        stored = self.objects.get((bucket, path))
        if stored is None:
            raise _object_not_found()
        return self._file_response(request, stored, path)

    async def _info(self, request: web.Request) -> web.Response:
        bucket, path = request.match_info["bucket"], request.match_info["path"]
        self._storage_access(request, bucket)
        stored = self.objects.get((bucket, path))
        if stored is None:
            raise _storage_error("404", "not_found", "Object not found", http_status=404)
        return web.json_response(
            {
                "id": stored.id,
                "name": path,
                "bucket_id": bucket,
                "version": stored.id,
                "size": len(stored.data),
                "content_type": stored.content_type,
                "cache_control": stored.cache_control,
                "etag": stored.etag,
                "metadata": {},
                "last_modified": _iso(stored.updated_at),
                "created_at": _iso(stored.created_at),
            }
        )

    def _signed_url(self, bucket: str, path: str, expires_in: int) -> str:
        now = int(self.storage_now())
        token = jwt.encode(
            {"url": f"{bucket}/{path}", "iat": now, "exp": now + expires_in},
            self._storage_secret,
            algorithm="HS256",
        )
        return f"/object/sign/{quote(bucket)}/{quote(path)}?token={token}"

    @staticmethod
    def _expires_in(body: Mapping[str, Any]) -> int:
        try:
            expires_in = int(body.get("expiresIn"))  # type: ignore[arg-type]  # the client sends a string
        except (TypeError, ValueError):
            raise _storage_error("400", "InvalidRequest", "body/expiresIn must be integer") from None
        if expires_in < 1:
            raise _storage_error("400", "InvalidRequest", "body/expiresIn must be >= 1")
        return expires_in

    async def _sign_one(self, request: web.Request) -> web.Response:
        bucket, path = request.match_info["bucket"], request.match_info["path"]
        self._storage_access(request, bucket)
        expires_in = self._expires_in(await _json_body(request, storage=True))
        if (bucket, path) not in self.objects:
            raise _object_not_found()
        return web.json_response({"signedURL": self._signed_url(bucket, path, expires_in)})

    async def _sign_many(self, request: web.Request) -> web.Response:
        bucket = request.match_info["bucket"]
        self._storage_access(request, bucket)
        body = await _json_body(request, storage=True)
        expires_in = self._expires_in(body)
        answer = []
        for path in body.get("paths") or []:
            if (bucket, path) in self.objects:
                answer.append(
                    {"error": None, "path": path, "signedURL": self._signed_url(bucket, path, expires_in)}
                )
            else:
                answer.append(
                    {
                        "error": "Either the object does not exist or you do not have access to it",
                        "path": path,
                        "signedURL": None,
                    }
                )
        return web.json_response(answer)

    async def _signed_download(self, request: web.Request) -> web.Response:
        bucket, path = request.match_info["bucket"], request.match_info["path"]
        token = request.query.get("token")
        if not token:
            raise _storage_error("400", "InvalidRequest", "querystring must have required property 'token'")
        try:
            claims = jwt.decode(
                token, self._storage_secret, algorithms=["HS256"], options={"verify_exp": False}
            )
        except jwt.PyJWTError:
            raise _storage_error("400", "InvalidJWT", "invalid signature") from None
        if claims.get("url") != f"{bucket}/{path}":
            raise _storage_error("400", "InvalidSignature", "The url do not match the signature")
        if float(claims.get("exp", 0)) <= self.storage_now():
            raise _storage_error("400", "InvalidJWT", '"exp" claim timestamp check failed')
        stored = self.objects.get((bucket, path))
        if stored is None:
            raise _object_not_found()
        return self._file_response(request, stored, path)

    def _entry(self, path: str, stored: StoredObject) -> dict[str, Any]:
        """An object row as ``list`` and ``remove`` return it (``name`` is set by the caller)."""
        return {
            "name": path,
            "id": stored.id,
            "updated_at": _iso(stored.updated_at),
            "created_at": _iso(stored.created_at),
            "last_accessed_at": _iso(stored.updated_at),
            "metadata": {
                "eTag": stored.etag,
                "size": len(stored.data),
                "mimetype": stored.content_type,
                "cacheControl": stored.cache_control,
                "lastModified": _iso(stored.updated_at),
                "contentLength": len(stored.data),
                "httpStatusCode": 200,
            },
        }

    async def _list(self, request: web.Request) -> web.Response:
        """One folder level, like ``storage.search``: files of the folder and one entry per sub-folder."""
        bucket = request.match_info["bucket"]
        self._storage_access(request, bucket)
        body = await _json_body(request, storage=True)
        prefix = str(body.get("prefix") or "")
        folder = prefix if prefix == "" or prefix.endswith("/") else prefix + "/"
        search = str(body.get("search") or "").lower()
        files: dict[str, dict[str, Any]] = {}
        folders: set[str] = set()
        for (in_bucket, path), stored in self.objects.items():
            if in_bucket != bucket or not path.startswith(folder):
                continue
            head, slash, _ = path[len(folder) :].partition("/")
            if not head.lower().startswith(search):
                continue
            if slash:
                folders.add(head)
            else:
                files[head] = self._entry(head, stored)
        entries = [
            {
                "name": name,
                "id": None,
                "updated_at": None,
                "created_at": None,
                "last_accessed_at": None,
                "metadata": None,
            }
            for name in folders - files.keys()
        ] + list(files.values())
        sort_by = body.get("sortBy") or {}
        column = str(sort_by.get("column") or "name")
        descending = str(sort_by.get("order") or "asc").lower() == "desc"
        entries.sort(key=lambda entry: (entry.get(column) or "", entry["name"]), reverse=descending)
        offset = int(body.get("offset") or 0)
        limit = int(body.get("limit") or 100)
        return web.json_response(entries[offset : offset + limit])

    async def _remove(self, request: web.Request) -> web.Response:
        bucket = request.match_info["bucket"]
        self._storage_access(request, bucket)
        body = await _json_body(request, storage=True)
        prefixes = body.get("prefixes")
        if not isinstance(prefixes, list) or not prefixes:
            raise _storage_error("400", "InvalidRequest", "body/prefixes must NOT have fewer than 1 items")
        removed = []
        for path in prefixes:
            stored = self.objects.pop((bucket, str(path)), None)
            if stored is not None:
                removed.append({**self._entry(str(path), stored), "bucket_id": bucket, "owner": ""})
        return web.json_response(removed)


@asynccontextmanager
async def running_fake(**kwargs: Any) -> AsyncIterator[FakeSupabase]:
    """A started :class:`FakeSupabase` (keyword arguments go to its constructor), closed afterwards."""
    fake = FakeSupabase(**kwargs)
    await fake.start()
    try:
        yield fake
    finally:
        await fake.close()

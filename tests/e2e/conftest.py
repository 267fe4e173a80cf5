"""Shared fixtures and helpers for the end-to-end tests.

The tests talk HTTP over a real socket to a running local stack, exactly as a client would. `local/test`
starts the stack on a free port and exports E2E_BASE_URL; without it the run fails at once (it never
skips). Every test makes its own users with unique names, so tests do not depend on each other or on
what earlier runs left in the database (login throttling, for one, lasts as long as the stack).

Besides the fixtures, every response goes through `_check_response`, which fails the test on any 5xx
and on any 4xx that is not JSON: the contract allows neither, whatever the test was looking at.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import os
import re
import sys
import threading
import uuid
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Callable, Iterator
from urllib.parse import urlsplit

import httpx
import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # tests/: stack_files
from stack_files import get_past_emulator_faults, read_env_file  # noqa: E402

sys.dont_write_bytecode = True

BASE_URL_VAR = "E2E_BASE_URL"

# Generous: the first request after a rebuild may wait for `cargo lambda watch` to restart a
# function, and Argon2 hashing is deliberately slow. Connecting, though, must be quick.
TIMEOUT = httpx.Timeout(60.0, connect=5.0)

ULID = re.compile(r"^[0-9A-HJKMNP-TV-Z]{26}$")
TIMESTAMP_MS_Z = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$")
TIMESTAMP_Z = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?Z$")

ACCESS_LIFETIME = 900  # seconds; the contract's default, used by the local stack
REFRESH_LIFETIME = 86_400
LOGIN_MAX_FAILURES = 5  # LOGIN_MAX_FAILURES in local/dev.env


# ---------------------------------------------------------------------------------------------------
# The base URL: required, never guessed


def _base_url_or_die() -> str:
    url = os.environ.get(BASE_URL_VAR, "").strip()
    if not url:
        raise pytest.UsageError(
            f"{BASE_URL_VAR} is not set. The end-to-end tests need a running local stack: run them with "
            f"`local/test`, which starts one on a free port and sets {BASE_URL_VAR}. By hand: start "
            f"`local/start` and run  {BASE_URL_VAR}=http://127.0.0.1:9000 pytest tests/e2e"
        )
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise pytest.UsageError(f"{BASE_URL_VAR}={url!r} is not an http(s) URL such as http://127.0.0.1:9000")
    return url.rstrip("/")


def pytest_configure(config: pytest.Config) -> None:
    # Fail the whole run before collecting anything, with one clear message.
    _base_url_or_die()


@pytest.fixture(scope="session")
def base_url() -> str:
    return _base_url_or_die()


# ---------------------------------------------------------------------------------------------------
# HTTP clients


def _check_response(response: httpx.Response) -> None:
    request = response.request
    where = f"{request.method} {request.url.path}"
    if response.status_code >= 500:
        response.read()
        pytest.fail(f"{where} answered {response.status_code} (a 5xx is always a bug): {response.text[:2000]}")
    if response.status_code >= 400 and request.method != "OPTIONS":
        content_type = response.headers.get("content-type", "")
        if not content_type.startswith("application/json"):
            response.read()
            pytest.fail(
                f"{where} answered {response.status_code} with content type {content_type!r}, not JSON: "
                f"{response.text[:2000]}"
            )


# ---------------------------------------------------------------------------------------------------
# The record of every exchange, for the log checks that run after this suite (tests/logs): each
# answer's request id, and every secret the tests sent or received (passwords, tokens). Written to
# $E2E_RECORD at the end of the session when that is set (local/test sets it).

RECORD_VAR = "E2E_RECORD"
SECRET_FIELDS = ("password", "access", "refresh", "token")
_exchanges: list[dict[str, Any]] = []
_secrets: set[str] = set()


def _collect_secrets(body: Any) -> None:
    if isinstance(body, dict):
        for name, value in body.items():
            if name in SECRET_FIELDS and isinstance(value, str):
                _secrets.add(value)
            else:
                _collect_secrets(value)
    elif isinstance(body, list):
        for value in body:
            _collect_secrets(value)


def _json_or_none(content: bytes) -> Any:
    try:
        return json.loads(content)
    except ValueError:
        return None


def _record_exchange(response: httpx.Response) -> None:
    request = response.request
    authorization = request.headers.get("authorization", "")
    if authorization:
        _secrets.add(authorization.split(" ", 1)[-1])
    _collect_secrets(_json_or_none(request.content))
    response.read()
    if 200 <= response.status_code < 300:
        _collect_secrets(_json_or_none(response.content))
    _exchanges.append({
        "method": request.method,
        "path": request.url.raw_path.split(b"?", 1)[0].decode("ascii"),  # as sent: percent-encoded
        "status": response.status_code,
        "request_id": response.headers.get("x-request-id"),
    })


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    target = os.environ.get(RECORD_VAR, "").strip()
    if target:
        Path(target).write_text(json.dumps({"exchanges": _exchanges, "secrets": sorted(_secrets)}))


def make_client(base_url: str) -> httpx.Client:
    # trust_env=False: requests go straight to the stack, never through a proxy from the environment.
    return httpx.Client(
        base_url=base_url,
        timeout=TIMEOUT,
        trust_env=False,
        event_hooks={"response": [_record_exchange, _check_response]},
    )


def released_together(base_url: str, count: int, send: Callable[[httpx.Client, int], httpx.Response]) -> list[httpx.Response]:
    """send(client, i) for i in 0..count, each from its own thread and connection, opened first
    (a cheap POST /auth/verify) so that the requests leave at the same moment."""
    start = threading.Barrier(count)

    def run(index: int) -> httpx.Response:
        with make_client(base_url) as client:
            client.post("/auth/verify", json={"token": "warm-up"})
            start.wait(timeout=60)
            return send(client, index)

    with ThreadPoolExecutor(max_workers=count) as pool:
        return list(pool.map(run, range(count), timeout=120))


def get_large(base_url: str, path: str) -> httpx.Response:
    """GET a large answer (/openapi.json) past the emulator's lost answers (stack_files).

    Its own client, without the suite's hooks: an attempt lost to the emulator is no exchange of the
    API's. The answer it returns goes through the same checks as every other one.
    """
    with httpx.Client(base_url=base_url, timeout=TIMEOUT, trust_env=False) as plain:
        response = get_past_emulator_faults(plain, path)
    _record_exchange(response)
    _check_response(response)
    return response


@pytest.fixture
def client(base_url: str) -> Iterator[httpx.Client]:
    with make_client(base_url) as c:
        yield c


# ---------------------------------------------------------------------------------------------------
# Unique names, emails and passwords


def unique_username(prefix: str = "user") -> str:
    """A fresh valid username (letters, digits and `_`, well inside 3..150 characters)."""
    return f"{prefix}_{uuid.uuid4().hex[:16]}"


def unique_email(prefix: str = "mail") -> str:
    return f"{prefix}.{uuid.uuid4().hex[:12]}@example.com"


def strong_password() -> str:
    """A password that passes every rule and is different each time."""
    return f"Tr0ub4dor-{uuid.uuid4().hex[:10]}"


# ---------------------------------------------------------------------------------------------------
# Assertions on the contract's shapes


def json_body(response: httpx.Response) -> Any:
    assert response.headers.get("content-type", "").startswith("application/json"), (
        f"expected JSON, got {response.headers.get('content-type')!r}: {response.text[:500]}"
    )
    return response.json()


def assert_error(response: httpx.Response, status: int, code: str) -> dict:
    """The response is the contract's error: this status, `{"detail": "...", "code": code}`, JSON."""
    assert response.status_code == status, (
        f"{response.request.method} {response.request.url.path}: expected {status} {code}, got "
        f"{response.status_code}: {response.text[:1000]}"
    )
    body = json_body(response)
    assert isinstance(body, dict), body
    assert body.get("code") == code, body
    assert isinstance(body.get("detail"), str) and body["detail"].strip(), body
    if code in ("invalid", "conflict"):
        errors = body.get("errors")
        assert isinstance(errors, dict) and errors, body
        for field, messages in errors.items():
            assert isinstance(messages, list) and messages, body
            assert all(isinstance(m, str) and m.strip() for m in messages), body
    if status == 401:
        challenge = response.headers.get("www-authenticate", "")
        assert challenge.startswith("Bearer"), f"401 without a Bearer WWW-Authenticate: {response.headers}"
    if status == 405:
        assert response.headers.get("allow"), f"405 without Allow: {response.headers}"
    if status == 429:
        retry_after = response.headers.get("retry-after", "")
        assert retry_after.isdigit() and 1 <= int(retry_after) <= 900, f"Retry-After: {retry_after!r}"
    return body


def assert_invalid(response: httpx.Response, *fields: str) -> dict:
    """400 `invalid` whose `errors` names each of `fields`."""
    body = assert_error(response, 400, "invalid")
    for field in fields:
        assert field in body["errors"], f"errors does not name {field!r}: {body}"
    return body


def assert_token_pair(body: Any) -> None:
    assert isinstance(body, dict), body
    assert set(body) == {"access", "refresh", "token_type", "expires_in", "refresh_expires_in"}, body
    assert body["token_type"] == "Bearer"
    assert body["expires_in"] == ACCESS_LIFETIME
    assert body["refresh_expires_in"] == REFRESH_LIFETIME
    for name in ("access", "refresh"):
        assert isinstance(body[name], str) and body[name].count(".") == 2, f"{name} is not a JWT: {body[name]!r}"
    assert body["access"] != body["refresh"]


def parse_timestamp(text: str) -> datetime:
    assert TIMESTAMP_Z.match(text), f"not an RFC 3339 UTC timestamp with Z: {text!r}"
    return datetime.fromisoformat(text.replace("Z", "+00:00"))


def now() -> datetime:
    return datetime.now(timezone.utc)


def cookie_mode_preflight(client: httpx.Client, origin: str) -> httpx.Response:
    """The CORS preflight a browser app on `origin` sends before a cookie-mode POST /auth/refresh."""
    return client.options("/auth/refresh", headers={
        "Origin": origin,
        "Access-Control-Request-Method": "POST",
        "Access-Control-Request-Headers": "content-type,x-token-transport",
    })


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def jwt_parts(token: str) -> tuple[dict, dict, str]:
    """Header and claims of a JWT (not verified) and its signature segment."""
    header, claims, signature = token.split(".")
    return b64_decode_json(header), b64_decode_json(claims), signature


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def b64_json(value: Any) -> str:
    """Compact JSON in unpadded base64url, as JWT segments and cursors are."""
    return b64url(json.dumps(value, separators=(",", ":")).encode())


def b64_decode_json(text: str) -> Any:
    return json.loads(base64.urlsafe_b64decode(text + "=" * (-len(text) % 4)))


# ---------------------------------------------------------------------------------------------------
# Users


@dataclass
class User:
    username: str
    password: str
    email: str | None
    profile: dict  # the body /auth/register answered

    @property
    def id(self) -> str:
        return self.profile["id"]


class Api:
    """Thin helpers over the auth endpoints; each returns the raw response unless it says otherwise."""

    def __init__(self, client: httpx.Client) -> None:
        self.client = client

    def register(self, **body: Any) -> httpx.Response:
        return self.client.post("/auth/register", json=body)

    def login(self, username: str, password: str) -> httpx.Response:
        return self.client.post("/auth/login", json={"username": username, "password": password})

    def refresh(self, refresh: str) -> httpx.Response:
        return self.client.post("/auth/refresh", json={"refresh": refresh})

    def verify(self, token: str) -> httpx.Response:
        return self.client.post("/auth/verify", json={"token": token})

    def logout(self, refresh: str) -> httpx.Response:
        return self.client.post("/auth/logout", json={"refresh": refresh})

    def logout_all(self, access: str) -> httpx.Response:
        return self.client.post("/auth/logout-all", headers=bearer(access))

    def me(self, access: str) -> httpx.Response:
        return self.client.get("/auth/me", headers=bearer(access))

    # -- helpers that expect success --------------------------------------------------------------

    def new_user(self, *, email: bool = True, prefix: str = "user") -> User:
        """Registers a fresh user (with a unique email unless email=False) and returns it."""
        username = unique_username(prefix)
        password = strong_password()
        address = unique_email(prefix) if email else None
        body: dict[str, Any] = {"username": username, "password": password}
        if address is not None:
            body["email"] = address
        response = self.register(**body)
        assert response.status_code == 201, f"registration failed: {response.status_code} {response.text}"
        return User(username=username, password=password, email=address, profile=response.json())

    def tokens(self, user: User, *, login_name: str | None = None) -> dict:
        """Logs `user` in (by username unless login_name is given) and returns the token pair."""
        response = self.login(login_name or user.username, user.password)
        assert response.status_code == 200, f"login failed: {response.status_code} {response.text}"
        body = response.json()
        assert_token_pair(body)
        return body


@pytest.fixture
def api(client: httpx.Client) -> Api:
    return Api(client)


@pytest.fixture
def user(api: Api) -> User:
    """A freshly registered user with an email."""
    return api.new_user()


# ---------------------------------------------------------------------------------------------------
# The local stack's JWT settings (public development defaults), to forge otherwise-valid tokens


def dev_env() -> dict[str, str]:
    """The settings the stack's functions run with: its generated functions.env (E2E_STATE_DIR, which
    `local/test` sets: local/dev.env plus what the run chose, such as FRONTEND_URL, the web app's
    origin on its port), or else local/dev.env itself."""
    state_dir = os.environ.get("E2E_STATE_DIR", "").strip()
    generated = Path(state_dir) / "functions.env" if state_dir else None
    if generated is not None and generated.is_file():
        return read_env_file(generated)
    return read_env_file(Path(__file__).resolve().parents[2] / "local" / "dev.env")


def dev_secret() -> bytes:
    return dev_env()["JWT_SECRET"].encode()


def hmac_sign(header: dict, claims: dict, secret: bytes, digest=hashlib.sha256) -> str:
    signing_input = f"{b64_json(header)}.{b64_json(claims)}"
    signature = hmac.new(secret, signing_input.encode(), digest).digest()
    return f"{signing_input}.{b64url(signature)}"


def resign(token: str, *, header: dict | None = None, digest=hashlib.sha256, secret: bytes | None = None,
           **changes: Any) -> str:
    """`token`'s claims with `changes` (a value of None drops the claim), signed with `secret` (default:
    the dev secret, so that only the changed claims can make it invalid)."""
    original_header, claims, _ = jwt_parts(token)
    claims.update(changes)
    claims = {k: v for k, v in claims.items() if v is not None}
    return hmac_sign(header or original_header, claims, secret if secret is not None else dev_secret(), digest)


def keep_signature(token: str, *, header: dict | None = None, **changes: Any) -> str:
    """`token` with its header and/or claims changed but its original signature kept."""
    original_header, claims, signature = jwt_parts(token)
    claims.update(changes)
    return f"{b64_json(header or original_header)}.{b64_json(claims)}.{signature}"


def alg_none(token: str, *, signature: str = "", alg: str = "none") -> str:
    _, claims, _ = jwt_parts(token)
    return f"{b64_json({'alg': alg, 'typ': 'JWT'})}.{b64_json(claims)}.{signature}"


# Access tokens that must be refused with token_not_valid, made from a fresh pair of the caller's.
INVALID_ACCESS_TOKENS: dict[str, Callable[[dict], str]] = {
    "garbage": lambda pair: "garbage",
    "three-garbage-segments": lambda pair: "abc.def.ghi",
    "refresh-token": lambda pair: pair["refresh"],
    "tampered-signature": lambda pair: pair["access"][:-2] + ("AA" if not pair["access"].endswith("AA") else "BB"),
    "expired": lambda pair: resign(pair["access"], exp=jwt_parts(pair["access"])[1]["iat"] - 60),
    "wrong-audience": lambda pair: resign(pair["access"], aud="someone-else"),
}


# ---------------------------------------------------------------------------------------------------
# Tasks (added for test_tasks.py and test_tasks_errors.py)

TASK_KEYS = {
    "id", "title", "description", "status", "completed", "due_date", "priority", "created_at", "updated_at", "version",
}
TASK_READ_ONLY = ("id", "created_at", "updated_at", "version")
DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")


def assert_task(body: Any, **expected: Any) -> dict:
    """`body` is a task in the contract's shape (and has the `expected` values); returns it."""
    assert isinstance(body, dict), body
    assert set(body) == TASK_KEYS, f"task keys differ: {sorted(set(body) ^ TASK_KEYS)} in {body}"
    assert isinstance(body["id"], str) and ULID.match(body["id"]), body
    assert isinstance(body["title"], str) and body["title"] == body["title"].strip() and body["title"], body
    assert isinstance(body["description"], str), body
    assert body["status"] in ("pending", "in_progress", "completed"), body
    assert body["completed"] is (body["status"] == "completed"), f"completed disagrees with status: {body}"
    assert body["due_date"] is None or (isinstance(body["due_date"], str) and DATE.match(body["due_date"])), body
    assert body["priority"] in ("low", "medium", "high"), body
    assert TIMESTAMP_MS_Z.match(body["created_at"]) and TIMESTAMP_MS_Z.match(body["updated_at"]), body
    assert parse_timestamp(body["created_at"]) <= parse_timestamp(body["updated_at"]), body
    assert type(body["version"]) is int and body["version"] >= 1, body
    for key, value in expected.items():
        assert body[key] == value, f"{key}: expected {value!r}, got {body[key]!r} in {body}"
    return body


def etag(version: int) -> str:
    return f'"{version}"'


class Collection:
    """One owned collection (/tasks, /expenses, /budgets) as one user; raw calls return the response."""

    path = ""
    kind = ""
    assert_item: Callable[..., dict]

    def __init__(self, client: httpx.Client, access: str, user: User | None = None) -> None:
        self.client = client
        self.access = access
        self.user = user

    def _headers(self, if_match: str | None = None) -> dict[str, str]:
        headers = bearer(self.access)
        if if_match is not None:
            headers["If-Match"] = if_match
        return headers

    def check(self, body: Any, **expected: Any) -> dict:
        return type(self).assert_item(body, **expected)

    def create(self, body: Any, idempotency_key: str | None = None) -> httpx.Response:
        headers = self._headers()
        if idempotency_key is not None:
            headers["Idempotency-Key"] = idempotency_key
        return self.client.post(self.path, json=body, headers=headers)

    def get(self, item_id: str) -> httpx.Response:
        return self.client.get(f"{self.path}/{item_id}", headers=self._headers())

    def put(self, item_id: str, body: Any, if_match: str | None = None) -> httpx.Response:
        return self.client.put(f"{self.path}/{item_id}", json=body, headers=self._headers(if_match))

    def patch(self, item_id: str, body: Any, if_match: str | None = None) -> httpx.Response:
        return self.client.patch(f"{self.path}/{item_id}", json=body, headers=self._headers(if_match))

    def delete(self, item_id: str, if_match: str | None = None) -> httpx.Response:
        return self.client.delete(f"{self.path}/{item_id}", headers=self._headers(if_match))

    def list(self, params: Any = None) -> httpx.Response:
        return self.client.get(self.path, params=params, headers=self._headers())

    def raw(self, method: str, path: str, text: str | bytes, content_type: str | None = "application/json",
            if_match: str | None = None) -> httpx.Response:
        """A request whose body is exactly `text` (to send JSON Python would spell otherwise: `1e3`, `-0`)."""
        headers = self._headers(if_match)
        if content_type is not None:
            headers["Content-Type"] = content_type
        content = text.encode() if isinstance(text, str) else text
        return self.client.request(method, path, content=content, headers=headers)

    # -- helpers that expect success --------------------------------------------------------------

    def created(self, response: httpx.Response, **expected: Any) -> dict:
        assert response.status_code == 201, f"POST {self.path}: {response.status_code} {response.text}"
        item = self.check(response.json(), version=1, **expected)
        assert response.headers.get("location") == f"{self.path}/{item['id']}", response.headers
        assert response.headers.get("etag") == etag(1), response.headers
        assert item["created_at"] == item["updated_at"], item
        return item

    def new(self, **body: Any) -> dict:
        return self.created(self.create(body))

    def read(self, item_id: str) -> dict:
        response = self.get(item_id)
        assert response.status_code == 200, f"GET {self.path}/{item_id}: {response.status_code} {response.text}"
        item = self.check(response.json(), id=item_id)
        assert response.headers.get("etag") == etag(item["version"]), response.headers
        return item

    def ok(self, response: httpx.Response, **expected: Any) -> dict:
        """A 200 answer to PUT or PATCH: the item, with an ETag of its version."""
        request = response.request
        assert response.status_code == 200, f"{request.method} {request.url.path}: {response.status_code} {response.text}"
        item = self.check(response.json(), **expected)
        assert response.headers.get("etag") == etag(item["version"]), response.headers
        return item

    def page(self, params: Any = None) -> dict:
        response = self.list(params)
        assert response.status_code == 200, f"GET {self.path} {params}: {response.status_code} {response.text}"
        body = response.json()
        assert isinstance(body, dict) and set(body) == {"results", "next_cursor"}, body
        assert isinstance(body["results"], list), body
        assert body["next_cursor"] is None or (isinstance(body["next_cursor"], str) and body["next_cursor"]), body
        for item in body["results"]:
            self.check(item)
        return body

    def pages(self, params: dict | None = None, *, max_pages: int = 100) -> list[list[dict]]:
        """Every page of the list, following next_cursor (at most max_pages pages)."""
        params = dict(params or {})
        pages: list[list[dict]] = []
        for _ in range(max_pages):
            body = self.page(params)
            pages.append(body["results"])
            if body["next_cursor"] is None:
                return pages
            params["cursor"] = body["next_cursor"]
        pytest.fail(f"GET {self.path} {params} still had a next_cursor after {max_pages} pages")

    def everything(self, params: dict | None = None) -> list[dict]:
        return [item for page in self.pages(params) for item in page]


class Tasks(Collection):
    path = "/tasks"
    kind = "task"
    assert_item = staticmethod(assert_task)

    def new(self, **body: Any) -> dict:
        """Creates a task (title defaults to a unique one) and returns it, checking the 201."""
        body.setdefault("title", f"task {uuid.uuid4().hex[:8]}")
        return super().new(**body)


def tasks_of(api: Api, user: User) -> Tasks:
    """Logs `user` in and returns their /tasks helper (sharing api's client)."""
    return Tasks(api.client, api.tokens(user)["access"], user)


@pytest.fixture
def tasks(api: Api, user: User) -> Tasks:
    """/tasks as a freshly registered, logged-in user."""
    return tasks_of(api, user)


@pytest.fixture
def other_tasks(api: Api) -> Tasks:
    """/tasks as a second fresh user."""
    return tasks_of(api, api.new_user(prefix="other"))

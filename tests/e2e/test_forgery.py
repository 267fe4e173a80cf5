"""Forged, malformed and misused credentials against every authenticated endpoint.

Every endpoint that needs `Authorization: Bearer <access token>` is called with every kind of bad
credential; each must be 401 with the contract's code (`not_authenticated` when there are no Bearer
credentials, `token_not_valid` otherwise), `WWW-Authenticate: Bearer...` and the error shape, and must
write nothing: after each rejected write the victim's items are read back with a genuine token
(same fields, same version, no new item in any list) and the victim's refresh token still verifies
(a rejected logout-all revoked nothing).

The forged tokens are built by hand; those that are signed with the right key use the local stack's
public development secret from local/dev.env, so the claim under test is the only thing wrong.

A correctly signed token of a user that does not exist (never registered, or deleted) is refused
everywhere: every function looks the token's user up (one read of the user's key) before it acts.

Not covered here, on purpose: an Authorization value with bytes that are not UTF-8 (e.g. Latin-1
`Bearer \\xe9`). Over the local stack `cargo lambda watch` answers it with its own 500 problem+json
before any function runs, so such a test would judge the emulator, not the functions.
"""

from __future__ import annotations

import hashlib
import json
import random
import uuid
from dataclasses import dataclass
from typing import Any, Callable, Iterator

import httpx
import pytest

from adversarial_helpers import RawResponse, assert_raw_error, now_s, raw_request
from conftest import Api, User, alg_none, assert_error, bearer, jwt_parts, keep_signature, make_client, resign
from finance_helpers import Budgets, Expenses, unique_month
from mail_helpers import MailTable

CROCKFORD = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"


def random_ulid() -> str:
    """A well-formed ULID (first character 0..7) that no user has: a user that never existed or was deleted."""
    return "0" + "".join(random.choice(CROCKFORD) for _ in range(25))


# ---------------------------------------------------------------------------------------------------
# The victim: one user with one item of each kind, and an attacker with an account of their own


@dataclass
class World:
    base_url: str
    client: httpx.Client
    api: Api
    victim: User
    pair: dict  # the victim's genuine token pair
    attacker: User
    attacker_pair: dict
    task: dict
    expense: dict
    budget: dict
    month: str

    @property
    def access(self) -> str:
        return self.pair["access"]

    def path(self, template: str) -> str:
        return template.format(task=self.task["id"], expense=self.expense["id"], budget=self.budget["id"],
                               month=self.month, session=jwt_parts(self.access)[1]["sid"],
                               password=self.victim.password)


@pytest.fixture(scope="module")
def world(base_url: str) -> Iterator[World]:
    with make_client(base_url) as client:
        api = Api(client)
        victim = api.new_user(prefix="victim")
        pair = api.tokens(victim)
        attacker = api.new_user(prefix="attacker")
        attacker_pair = api.tokens(attacker)
        headers = bearer(pair["access"])
        response = client.post("/tasks", json={"title": "victim's task", "description": "keep",
                                               "status": "in_progress", "due_date": "2030-01-02",
                                               "priority": "high"}, headers=headers)
        assert response.status_code == 201, response.text
        task = response.json()
        month = unique_month()
        expense = Expenses(client, pair["access"]).new(amount="12.34", category="TRANSPORT",
                                                       date=f"{month}-05", description="keep")
        budget = Budgets(client, pair["access"]).new(amount="50.00", category="TRANSPORT", month=month,
                                                     description="keep")
        yield World(base_url, client, api, victim, pair, attacker, attacker_pair, task, expense, budget, month)


def _read(world: World, path: str) -> dict:
    response = world.client.get(path, headers=bearer(world.access))
    assert response.status_code == 200, f"GET {path} with the victim's genuine token: {response.status_code} {response.text}"
    return response.json()


def assert_tasks_unchanged(world: World) -> None:
    assert _read(world, f"/tasks/{world.task['id']}") == world.task, "a rejected request changed the victim's task"
    assert _read(world, "/tasks?limit=100") == {"results": [world.task], "next_cursor": None}, \
        "a rejected request changed the victim's task list"


def assert_expenses_unchanged(world: World) -> None:
    assert _read(world, f"/expenses/{world.expense['id']}") == world.expense, "a rejected request changed the expense"
    assert _read(world, "/expenses?limit=100") == {"results": [world.expense], "next_cursor": None}, \
        "a rejected request changed the victim's expense list"


def assert_budgets_unchanged(world: World) -> None:
    assert _read(world, f"/budgets/{world.budget['id']}") == world.budget, "a rejected request changed the budget"
    assert _read(world, "/budgets?limit=100") == {"results": [world.budget], "next_cursor": None}, \
        "a rejected request changed the victim's budget list"
    summary = _read(world, f"/budgets/summary?month={world.month}")
    assert summary["categories"] == [
        {"category": "TRANSPORT", "budget": "50.00", "spent": "12.34", "remaining": "37.66", "over": False}
    ], summary


def assert_sessions_unchanged(world: World) -> None:
    """The victim's refresh token still verifies (no logout-all happened) and the access token works."""
    response = world.api.verify(world.pair["refresh"])
    assert response.status_code == 200, f"the victim's refresh token was revoked: {response.text}"
    assert response.json()["token_type"] == "refresh", response.text
    me = world.api.me(world.access)
    assert me.status_code == 200 and me.json() == world.victim.profile, me.text


_mail_table: list[MailTable] = []


def assert_no_mail_requested(world: World) -> None:
    """The victim's outbox holds only its registration's verification mail; the session is intact."""
    if not _mail_table:
        _mail_table.append(MailTable())
    outbox = _mail_table[0].outbox(world.victim.id)
    assert len(outbox) == 1, f"a rejected request asked for a mail: {outbox}"
    assert_sessions_unchanged(world)


def assert_everything_unchanged(world: World) -> None:
    assert_tasks_unchanged(world)
    assert_expenses_unchanged(world)
    assert_budgets_unchanged(world)
    assert_sessions_unchanged(world)


# ---------------------------------------------------------------------------------------------------
# The endpoints: (method, path template, body, read-back after a rejected call or None for reads)

Check = Callable[[World], None]

ENDPOINTS: list[tuple[str, str, Any, Check | None]] = [
    ("GET", "/auth/me", None, None),
    ("POST", "/auth/logout-all", None, assert_sessions_unchanged),
    ("GET", "/auth/sessions", None, None),
    ("DELETE", "/auth/sessions/{session}", None, assert_sessions_unchanged),
    # With the victim's real password: only the token stands between a forger and these.
    ("POST", "/auth/password", {"current_password": "{password}", "new_password": "forged-password-123"},
     assert_sessions_unchanged),
    ("PATCH", "/auth/me", {"username": "forged_name", "current_password": "{password}"}, assert_sessions_unchanged),
    ("DELETE", "/auth/me", {"password": "{password}"}, assert_everything_unchanged),
    ("POST", "/auth/email/verification", None, assert_no_mail_requested),
    ("GET", "/tasks", None, None),
    ("GET", "/tasks?limit=100&status=in_progress", None, None),
    ("POST", "/tasks", {"title": "forged", "priority": "low"}, assert_tasks_unchanged),
    ("GET", "/tasks/{task}", None, None),
    ("PUT", "/tasks/{task}", {"title": "forged", "status": "completed"}, assert_tasks_unchanged),
    ("PATCH", "/tasks/{task}", {"title": "forged"}, assert_tasks_unchanged),
    ("DELETE", "/tasks/{task}", None, assert_tasks_unchanged),
    ("GET", "/expenses", None, None),
    ("GET", "/expenses?limit=100&category=TRANSPORT", None, None),
    ("POST", "/expenses", {"amount": "6.66", "category": "TRANSPORT", "date": "{month}-06"}, assert_expenses_unchanged),
    ("GET", "/expenses/{expense}", None, None),
    ("PUT", "/expenses/{expense}", {"amount": "6.66", "category": "FOOD"}, assert_expenses_unchanged),
    ("PATCH", "/expenses/{expense}", {"amount": "6.66"}, assert_expenses_unchanged),
    ("DELETE", "/expenses/{expense}", None, assert_expenses_unchanged),
    ("GET", "/budgets", None, None),
    ("GET", "/budgets?month={month}", None, None),
    ("POST", "/budgets", {"amount": "6.66", "category": "FOOD", "month": "{month}"}, assert_budgets_unchanged),
    ("GET", "/budgets/{budget}", None, None),
    ("PUT", "/budgets/{budget}", {"amount": "6.66", "category": "DATA", "month": "{month}"}, assert_budgets_unchanged),
    ("PATCH", "/budgets/{budget}", {"amount": "6.66"}, assert_budgets_unchanged),
    ("DELETE", "/budgets/{budget}", None, assert_budgets_unchanged),
    ("GET", "/budgets/summary", None, None),
    ("GET", "/budgets/summary?month={month}", None, None),
]
ENDPOINT_IDS = [f"{m} {p}" for m, p, _, _ in ENDPOINTS]


def _body(world: World, body: Any) -> Any:
    if isinstance(body, dict):
        return {k: world.path(v) if isinstance(v, str) else v for k, v in body.items()}
    return body


# ---------------------------------------------------------------------------------------------------
# The credentials: each makes the Authorization header (None: no header at all) and names the code

NOT_AUTHENTICATED = "not_authenticated"
TOKEN_NOT_VALID = "token_not_valid"


def _b(token: str) -> bytes:
    return b"Bearer " + token.encode()


def _future() -> int:
    return now_s() + 3600


CREDENTIALS: dict[str, tuple[Callable[[World], bytes | None], str]] = {
    # No credentials at all, or credentials of another scheme
    "no-header": (lambda w: None, NOT_AUTHENTICATED),
    "basic": (lambda w: b"Basic dXNlcjpwYXNz", NOT_AUTHENTICATED),
    "token-scheme-with-a-valid-token": (lambda w: b"Token " + w.access.encode(), NOT_AUTHENTICATED),
    "jwt-scheme-with-a-valid-token": (lambda w: b"JWT " + w.access.encode(), NOT_AUTHENTICATED),
    "valid-token-without-scheme": (lambda w: w.access.encode(), NOT_AUTHENTICATED),
    # Bearer, but not exactly one well-formed token
    "bearer-alone": (lambda w: b"Bearer", TOKEN_NOT_VALID),
    "bearer-and-trailing-spaces": (lambda w: b"Bearer    ", TOKEN_NOT_VALID),
    "bearer-a-b": (lambda w: b"Bearer a b", TOKEN_NOT_VALID),
    "bearer-two-valid-tokens": (lambda w: _b(f"{w.access} {w.access}"), TOKEN_NOT_VALID),
    "bearer-garbage": (lambda w: b"Bearer garbage", TOKEN_NOT_VALID),
    "bearer-empty-segments": (lambda w: b"Bearer ..", TOKEN_NOT_VALID),
    "bearer-5-kib": (lambda w: _b(w.access + "A" * 5 * 1024), TOKEN_NOT_VALID),
    "bearer-5-kib-of-garbage": (lambda w: _b("x" * 5 * 1024), TOKEN_NOT_VALID),
    "bearer-non-ascii": (lambda w: "Bearer ünïcødé-😀".encode(), TOKEN_NOT_VALID),
    "valid-token-plus-non-ascii": (lambda w: _b(w.access) + "é".encode(), TOKEN_NOT_VALID),
    "valid-token-with-a-dot-more": (lambda w: _b(w.access + ".x"), TOKEN_NOT_VALID),
    # alg: none
    "alg-none-empty-signature": (lambda w: _b(alg_none(w.access)), TOKEN_NOT_VALID),
    "alg-none-no-signature-segment": (lambda w: _b(alg_none(w.access).rstrip(".")), TOKEN_NOT_VALID),
    "alg-none-with-the-old-signature": (lambda w: _b(alg_none(w.access, signature=w.access.split(".")[2])), TOKEN_NOT_VALID),
    "alg-NONE-upper-case": (lambda w: _b(alg_none(w.access, alg="NONE")), TOKEN_NOT_VALID),
    # Wrong key or algorithm
    "hs256-another-key": (lambda w: _b(resign(w.access, secret=b"not-the-servers-secret-0123456789abcdef")), TOKEN_NOT_VALID),
    "hs256-empty-key": (lambda w: _b(resign(w.access, secret=b"")), TOKEN_NOT_VALID),
    "hs512-header-hs512-signature": (
        lambda w: _b(resign(w.access, header={"alg": "HS512", "typ": "JWT"}, digest=hashlib.sha512)), TOKEN_NOT_VALID),
    "hs512-header-hs256-signature": (lambda w: _b(resign(w.access, header={"alg": "HS512", "typ": "JWT"})), TOKEN_NOT_VALID),
    "rs256-header-hmac-signature": (lambda w: _b(resign(w.access, header={"alg": "RS256", "typ": "JWT"})), TOKEN_NOT_VALID),
    "hs384-header-hs384-signature": (
        lambda w: _b(resign(w.access, header={"alg": "HS384", "typ": "JWT"}, digest=hashlib.sha384)), TOKEN_NOT_VALID),
    # Claims changed, the old signature kept
    "attackers-token-with-sub-of-the-victim": (
        lambda w: _b(keep_signature(w.attacker_pair["access"], sub=w.victim.id)), TOKEN_NOT_VALID),
    "exp-extended-old-signature": (
        lambda w: _b(keep_signature(w.access, exp=jwt_parts(w.access)[1]["exp"] + 86_400)), TOKEN_NOT_VALID),
    "refresh-relabelled-access-old-signature": (
        lambda w: _b(keep_signature(w.pair["refresh"], token_type="access")), TOKEN_NOT_VALID),
    "signature-of-another-token": (
        lambda w: _b(w.access.rsplit(".", 1)[0] + "." + w.attacker_pair["access"].rsplit(".", 1)[1]), TOKEN_NOT_VALID),
    # Right key, wrong claims
    "wrong-iss": (lambda w: _b(resign(w.access, iss="someone-else")), TOKEN_NOT_VALID),
    "wrong-aud": (lambda w: _b(resign(w.access, aud="someone-else")), TOKEN_NOT_VALID),
    "no-iss": (lambda w: _b(resign(w.access, iss=None)), TOKEN_NOT_VALID),
    "no-aud": (lambda w: _b(resign(w.access, aud=None)), TOKEN_NOT_VALID),
    "expired": (lambda w: _b(resign(w.access, iat=now_s() - 7200, nbf=now_s() - 7200, exp=now_s() - 120)), TOKEN_NOT_VALID),
    "nbf-in-the-future": (lambda w: _b(resign(w.access, nbf=_future(), exp=_future() + 900)), TOKEN_NOT_VALID),
    "iat-in-the-future": (lambda w: _b(resign(w.access, iat=_future(), exp=_future() + 900)), TOKEN_NOT_VALID),
    "sub-not-a-user-id": (lambda w: _b(resign(w.access, sub="admin")), TOKEN_NOT_VALID),
    "sub-a-number": (lambda w: _b(resign(w.access, sub=1)), TOKEN_NOT_VALID),
    "token-type-refresh-signed": (lambda w: _b(resign(w.access, token_type="refresh")), TOKEN_NOT_VALID),
    # A real token of the wrong type
    "refresh-token-as-access": (lambda w: _b(w.pair["refresh"]), TOKEN_NOT_VALID),
}


def _send(world: World, method: str, path: str, body: Any, authorization: bytes | None) -> httpx.Response | RawResponse:
    """Through httpx when it can send the header as is; otherwise byte for byte on a socket."""
    sendable = authorization is None or (authorization.isascii() and authorization == authorization.strip())
    if sendable:
        headers = {} if authorization is None else {"Authorization": authorization.decode()}
        return world.client.request(method, path, json=body, headers=headers)
    raw_headers = [(b"Authorization", authorization)]
    content = b""
    if body is not None:
        raw_headers.append((b"Content-Type", b"application/json"))
        content = json.dumps(body).encode()
    return raw_request(world.base_url, method, path, raw_headers, content)


def _assert_401(response: httpx.Response | RawResponse, code: str) -> None:
    if isinstance(response, RawResponse):
        assert_raw_error(response, 401, code)
    else:
        assert_error(response, 401, code)
    assert set(response.json()) == {"detail", "code"}, response.text


# ---------------------------------------------------------------------------------------------------
# The controls: the forging machinery and the accepted header spellings work


def test_a_faithful_re_signed_copy_of_the_access_token_is_accepted(world: World) -> None:
    # Without this, the 401s below could be about the forging, not about the claim under test.
    token = resign(world.access)
    for path in ("/auth/me", "/tasks", "/expenses", "/budgets", "/budgets/summary"):
        response = world.client.get(path, headers=bearer(token))
        assert response.status_code == 200, f"GET {path} with a faithful copy: {response.status_code} {response.text}"


@pytest.mark.parametrize(
    "header",
    [lambda t: f"bearer {t}", lambda t: f"BEARER {t}", lambda t: f"Bearer  {t}"],
    ids=["lower-case-scheme", "upper-case-scheme", "two-spaces"],
)
def test_scheme_case_and_extra_spaces_are_accepted(world: World, header: Callable[[str], str]) -> None:
    # RFC 7235: the scheme is case-insensitive and 1*SP separates it from the credentials.
    response = world.client.get(f"/tasks/{world.task['id']}", headers={"Authorization": header(world.access)})
    assert response.status_code == 200, response.text
    assert response.json() == world.task


# ---------------------------------------------------------------------------------------------------
# Every endpoint x every bad credential


@pytest.mark.parametrize("credential", list(CREDENTIALS))
@pytest.mark.parametrize("method, path, body, check", ENDPOINTS, ids=ENDPOINT_IDS)
def test_a_bad_credential_is_401_and_changes_nothing(
    world: World, method: str, path: str, body: Any, check: Check | None, credential: str
) -> None:
    make, code = CREDENTIALS[credential]
    response = _send(world, method, world.path(path), _body(world, body), make(world))
    _assert_401(response, code)
    if check is not None:
        check(world)


# ---------------------------------------------------------------------------------------------------
# A correctly signed token of a user that does not exist (never registered or deleted)


def _unknown_user_cases() -> list:
    return [pytest.param(method, path, body, id=f"{method} {path}") for method, path, body, _check in ENDPOINTS]


@pytest.mark.parametrize("method, path, body", _unknown_user_cases())
def test_a_token_of_an_unknown_user_is_refused(world: World, method: str, path: str, body: Any) -> None:
    # A fresh ULID each time: were it accepted, what it wrote would land in a partition nobody reads.
    token = resign(world.access, sub=random_ulid(), jti=str(uuid.uuid4()))
    response = world.client.request(method, world.path(path), json=_body(world, body), headers=bearer(token))
    _assert_401(response, TOKEN_NOT_VALID)


def test_the_unknown_user_tokens_reached_nothing_of_the_victim(world: World) -> None:
    # And the refused tokens did not touch an existing user's data.
    assert_everything_unchanged(world)


# ---------------------------------------------------------------------------------------------------
# Token bodies: an access token or a forged refresh token given where a refresh token is expected

BAD_REFRESH: dict[str, Callable[[World], str]] = {
    "access-token": lambda w: w.access,
    "access-relabelled-refresh-old-signature": lambda w: keep_signature(w.access, token_type="refresh", family="f"),
    "alg-none": lambda w: alg_none(w.pair["refresh"]),
    "another-key": lambda w: resign(w.pair["refresh"], secret=b"not-the-servers-secret-0123456789abcdef"),
    "hs512": lambda w: resign(w.pair["refresh"], header={"alg": "HS512", "typ": "JWT"}, digest=hashlib.sha512),
    "sub-changed-old-signature": lambda w: keep_signature(w.attacker_pair["refresh"], sub=w.victim.id),
    "exp-extended-old-signature": lambda w: keep_signature(
        w.pair["refresh"], exp=jwt_parts(w.pair["refresh"])[1]["exp"] + 86_400),
    "wrong-iss": lambda w: resign(w.pair["refresh"], iss="someone-else"),
    "wrong-aud": lambda w: resign(w.pair["refresh"], aud="someone-else"),
    "expired": lambda w: resign(w.pair["refresh"], iat=now_s() - 7200, nbf=now_s() - 7200, exp=now_s() - 60),
    "nbf-in-the-future": lambda w: resign(w.pair["refresh"], nbf=_future(), exp=_future() + 900),
    "no-family": lambda w: resign(w.pair["refresh"], family=None),
    "unknown-user": lambda w: resign(w.pair["refresh"], sub=random_ulid(), jti=random_ulid()),
    "too-long": lambda w: w.pair["refresh"] + "A" * 5000,
}


@pytest.mark.parametrize("path", ["/auth/refresh", "/auth/logout"])
@pytest.mark.parametrize("make", list(BAD_REFRESH.values()), ids=list(BAD_REFRESH))
def test_a_bad_refresh_token_is_401_and_revokes_nothing(world: World, path: str, make: Callable[[World], str]) -> None:
    response = world.client.post(path, json={"refresh": make(world)})
    assert_error(response, 401, TOKEN_NOT_VALID)
    assert "access" not in response.text
    assert_sessions_unchanged(world)


def test_a_refresh_token_given_to_verify_is_fine(world: World) -> None:
    response = world.api.verify(world.pair["refresh"])
    assert response.status_code == 200, response.text
    assert response.json()["token_type"] == "refresh"


# ---------------------------------------------------------------------------------------------------
# Last: nothing of the victim changed over the whole module


def test_after_everything_the_victims_data_is_unchanged(world: World) -> None:
    assert_everything_unchanged(world)

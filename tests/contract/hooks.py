"""schemathesis hooks for tests/contract/run.py (loaded through SCHEMATHESIS_HOOKS).

Each hook is narrow and has its reason in tests/contract/README.md:

- Request bodies that are not UTF-8 while the content type is JSON are not sent. `cargo lambda watch`
  (the local emulator of API Gateway) answers them 500 itself, before any function runs; the same bytes
  delivered to the function as API Gateway does (base64, `isBase64Encoded`) are 400 `parse_error`.
  For the same reason, header values with characters beyond ASCII (sent as Latin-1 bytes, which are not
  UTF-8) are not sent; the functions answer them 400 (handler tests and tests/e2e/test_idempotency.py).
- Positive (schema-valid) cases are made to also satisfy the contract's rules that JSON Schema cannot
  state, so that `positive_data_acceptance` can stay on everywhere: a list's `cursor` is opaque (only a
  `next_cursor` the server issued is valid), a task's `completed` must agree with its `status`, and a
  password must not be all digits, the username or a common password, and the current password of
  `PATCH /auth/me` and `POST /auth/password` is the right one (`PATCH /auth/me` also names something
  to change). Negative cases are left alone.
  This is done when a case is generated and again just before it is sent (`before_call`), because the
  stateful phase's links fill in values from earlier responses after generation.
- A positive case's `Idempotency-Key` is made unique. A generated key repeats (its documented example,
  say) across different cases: with another body that is a documented 409, but with the same body
  it is a replay of an item an earlier case may have deleted since, whose Location then is 404, and
  `ensure_resource_availability` would take that for a lost resource.
- The operations that end sessions (`POST /auth/logout-all`, `DELETE /auth/sessions/{id}`,
  `POST /auth/password`) are sent
  with an access token of another user (`CONTRACT_ENDER`, logged in afresh each time) instead of the
  run's token. A session that ends ends at once, access tokens included: with the run's token,
  logout-all (or the deletion of the token's own session, whose id the stateful phase can learn from
  `GET /auth/sessions`) would make every later protected operation 401. Their answers are still
  checked; only the token is another. Both tokens are given by auth providers (not `--header`), so a
  case that tests a missing `Authorization` still goes without one.
- `DELETE /auth/me` is sent with a token of a user registered for that one case (with the run's
  password, which a positive case's body carries): a positive case deletes the account it names, and
  with the run's token it would end the run's user. `POST /auth/email/verification` is sent with a
  token of a user registered for that case with an email (the run's user may have none, or a
  verified one, by then: 400 and 409 are documented, but a positive case must be acceptable).
- The token of a positive `POST /auth/email/verify` or `POST /auth/password/reset` is one the server
  would accept: a mail's token (tests/stack_files.py `issue_mail_token`, written to the stack's
  mail table as the mailer writes it) for a user registered for that case with an email; a reset's
  `new_password` follows the password rules. Waiting for real mails would take seconds a case.
"""

from __future__ import annotations

import os
import uuid
from typing import Any

import sys
from pathlib import Path

import httpx
import schemathesis

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # tests/: stack_files
from stack_files import issue_mail_token, read_env_file  # noqa: E402

SESSION_ENDING = {("POST", "/auth/logout-all"), ("DELETE", "/auth/sessions/{id}"), ("POST", "/auth/password")}
# The second user's password, which a positive POST /auth/password changes (after_call keeps it).
_ender = {"password": ""}


def _is_json(media_type: str | None) -> bool:
    if not media_type:
        return False
    essence = media_type.split(";", 1)[0].strip().lower()
    return essence == "application/json" or essence.endswith("+json")


def _is_positive(case: Any) -> bool:
    meta = getattr(case, "meta", None)
    return meta is not None and meta.generation.mode.is_positive


@schemathesis.hook
def filter_case(context: Any, case: Any) -> bool:
    body = case.body
    if isinstance(body, (bytes, bytearray)) and _is_json(case.media_type):
        try:
            bytes(body).decode("utf-8")
        except UnicodeDecodeError:
            return False
    for value in (case.headers or {}).values():
        if isinstance(value, str) and not value.isascii():
            return False
    return True


@schemathesis.hook
def map_case(context: Any, case: Any) -> Any:
    if _is_positive(case):
        _follow_unstated_rules(case)
    return case


@schemathesis.hook
def before_call(context: Any, case: Any, kwargs: dict[str, Any]) -> None:
    """Again just before sending: in the stateful phase, links fill in values from earlier responses
    (a task's `status`, a list's `next_cursor`) after `map_case` ran."""
    if _is_positive(case):
        _follow_unstated_rules(case)


@schemathesis.hook
def after_call(context: Any, case: Any, response: Any) -> None:
    changed = case.method.upper() == "POST" and case.operation.path == "/auth/password"
    if changed and response.status_code == 200 and isinstance(case.body, dict):
        _ender["password"] = case.body["new_password"]


def _ender_password() -> str:
    return _ender["password"] or os.environ["CONTRACT_ENDER_PASSWORD"]


def _ends_sessions(ctx: Any) -> bool:
    return (ctx.operation.method.upper(), ctx.operation.path) in SESSION_ENDING


def _deletes_the_account(ctx: Any) -> bool:
    return (ctx.operation.method.upper(), ctx.operation.path) == ("DELETE", "/auth/me")


def _resends_the_verification(ctx: Any) -> bool:
    return (ctx.operation.method.upper(), ctx.operation.path) == ("POST", "/auth/email/verification")


# The kind of token each operation redeems.
MAIL_TOKEN_KINDS = {"/auth/email/verify": "email_verification", "/auth/password/reset": "password_reset"}
# Tokens already put into a case (before_call must not replace them again).
_issued: set[str] = set()


def _bearer(case: Any, token: str) -> None:
    case.headers = {**(case.headers or {}), "Authorization": f"Bearer {token}"}


# Auth providers: the first whose filter matches gives the token (schemathesis removes it again
# where a case tests a missing one).
@schemathesis.auth(refresh_interval=None).apply_to(_deletes_the_account)
class ThrowawayUsersToken:
    def get(self, case: Any, ctx: Any) -> str:
        return _token_of_a_new_user()

    def set(self, case: Any, data: str, ctx: Any) -> None:
        _bearer(case, data)


@schemathesis.auth(refresh_interval=None).apply_to(_resends_the_verification)
class NewUserWithAnEmail:
    def get(self, case: Any, ctx: Any) -> str:
        return _token_of_a_new_user(with_email=True)

    def set(self, case: Any, data: str, ctx: Any) -> None:
        _bearer(case, data)


@schemathesis.auth(refresh_interval=None).apply_to(_ends_sessions)
class SecondUsersFreshToken:
    def get(self, case: Any, ctx: Any) -> str:
        return _fresh_token_of_the_ender()

    def set(self, case: Any, data: str, ctx: Any) -> None:
        _bearer(case, data)


@schemathesis.auth(refresh_interval=None)
class RunsToken:
    def get(self, case: Any, ctx: Any) -> str:
        return os.environ["CONTRACT_MAIN_TOKEN"]

    def set(self, case: Any, data: str, ctx: Any) -> None:
        _bearer(case, data)


def _new_user(with_email: bool) -> tuple[dict[str, str], dict[str, Any]]:
    """Registers a user for one case: its credentials and the registered user."""
    base = os.environ["CONTRACT_BASE_URL"]
    name = f"contract_gone_{uuid.uuid4().hex[:12]}"
    credentials = {"username": name, "password": os.environ["CONTRACT_MAIN_PASSWORD"]}
    body = {**credentials, "email": f"{name}@example.com"} if with_email else credentials
    registered = httpx.post(f"{base}/auth/register", json=body, timeout=60.0, trust_env=False)
    registered.raise_for_status()
    return credentials, registered.json()


def _token_of_a_new_user(with_email: bool = False) -> str:
    credentials, _ = _new_user(with_email)
    response = httpx.post(f"{os.environ['CONTRACT_BASE_URL']}/auth/login", json=credentials, timeout=60.0,
                          trust_env=False)
    response.raise_for_status()
    return response.json()["access"]


def _mail_token(kind: str) -> str:
    """A token the server accepts for `kind`, of a user registered for it."""
    _, user = _new_user(with_email=True)
    tables = read_env_file(Path(os.environ["CONTRACT_TABLES_ENV"]))
    token = issue_mail_token(tables["MAIL_TABLE"], user["id"], kind, user["email"])
    _issued.add(token)
    return token


def _fresh_token_of_the_ender() -> str:
    response = httpx.post(
        f"{os.environ['CONTRACT_BASE_URL']}/auth/login",
        json={"username": os.environ["CONTRACT_ENDER"], "password": _ender_password()},
        timeout=60.0,
        trust_env=False,
    )
    response.raise_for_status()
    return response.json()["access"]


def _follow_unstated_rules(case: Any) -> None:
    headers = case.headers
    if headers and any(name.lower() == "if-match" for name in headers):
        case.headers = {**{k: v for k, v in headers.items() if k.lower() != "if-match"}, "If-Match": "*"}
    headers = case.headers
    if headers and any(name.lower() == "idempotency-key" for name in headers):
        unique = str(uuid.uuid4())
        case.headers = {**{k: v for k, v in headers.items() if k.lower() != "idempotency-key"}, "Idempotency-Key": unique}
    query = case.query
    if isinstance(query, dict) and "cursor" in query:
        query = {key: value for key, value in query.items() if key != "cursor"}
        case.query = query
    if (
        isinstance(query, dict)
        and case.operation.path == "/expenses"
        and isinstance(query.get("from"), str)
        and isinstance(query.get("to"), str)
        and query["to"] < query["from"]  # YYYY-MM-DD compares as text
    ):
        case.query = {**query, "from": query["to"], "to": query["from"]}
    body = case.body
    if isinstance(body, dict):
        path = case.operation.path
        if path.startswith("/tasks") and isinstance(body.get("status"), str) and isinstance(body.get("completed"), bool):
            case.body = {**body, "completed": body["status"] == "completed"}
        elif path == "/auth/register" and isinstance(body.get("password"), str):
            case.body = {**body, "password": f"contract {uuid.uuid4().hex[:12]} staple"}
        elif path == "/auth/password":
            # Sent as the second user (see _use_a_token_of_its_own): its password, and a new one
            # that follows the unstated rules.
            case.body = {**body, "current_password": _ender_password(),
                         "new_password": f"contract {uuid.uuid4().hex[:12]} staple"}
        elif path in MAIL_TOKEN_KINDS and case.method.upper() == "POST":
            if body.get("token") not in _issued:
                body = {**body, "token": _mail_token(MAIL_TOKEN_KINDS[path])}
            if path == "/auth/password/reset":
                body = {**body, "new_password": f"contract {uuid.uuid4().hex[:12]} staple"}
            case.body = body
        elif path == "/auth/me" and case.method.upper() == "DELETE":
            # Sent as a user made for this case (ThrowawayUsersToken), whose password is the run's.
            case.body = {**body, "password": os.environ["CONTRACT_MAIN_PASSWORD"]}
        elif path == "/auth/me" and case.method.upper() == "PATCH":
            # The run's own password, and something to change (a body must name a username or an email).
            body = {**body, "current_password": os.environ["CONTRACT_MAIN_PASSWORD"]}
            if "username" not in body and "email" not in body:
                body["username"] = f"contract_{uuid.uuid4().hex[:16]}"
            case.body = body

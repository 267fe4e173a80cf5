"""Every way a client can get the auth endpoints wrong, and the status and `code` it gets back.

Each case checks the whole error shape (see `assert_error`): JSON, a non-empty `detail`, the `code`,
`errors` for `invalid`/`conflict`, `WWW-Authenticate: Bearer...` on every 401, `Allow` on 405.
"""

from __future__ import annotations

import json
import time
from typing import Callable

import httpx
import pytest

from conftest import (
    Api,
    User,
    alg_none,
    assert_error,
    assert_invalid,
    jwt_parts,
    keep_signature,
    resign,
    strong_password,
    unique_email,
    unique_username,
)

# The POST endpoints that take a JSON body, each with a well-formed body for it.
BODY_ROUTES: dict[str, Callable[[], dict]] = {
    "/auth/register": lambda: {"username": unique_username("conv"), "password": strong_password()},
    "/auth/login": lambda: {"username": unique_username("conv"), "password": strong_password()},
    "/auth/refresh": lambda: {"refresh": "not-a-token"},
    "/auth/verify": lambda: {"token": "not-a-token"},
    "/auth/logout": lambda: {"refresh": "not-a-token"},
}

ALLOWED_ORIGIN = "http://localhost:3000"  # CORS_ALLOWED_ORIGINS in local/dev.env
OTHER_ORIGIN = "http://evil.example"


# ---------------------------------------------------------------------------------------------------
# Registration: validation (400 invalid, naming the field)


def _name() -> str:
    return unique_username("v")


REGISTER_INVALID = [
    # username
    ("username-too-short", lambda: {"username": "ab", "password": strong_password()}, "username"),
    ("username-too-long", lambda: {"username": "u" * 151, "password": strong_password()}, "username"),
    ("username-with-at", lambda: {"username": _name() + "@x", "password": strong_password()}, "username"),
    ("username-with-space", lambda: {"username": _name() + " x", "password": strong_password()}, "username"),
    ("username-with-slash", lambda: {"username": _name() + "/x", "password": strong_password()}, "username"),
    ("username-non-ascii", lambda: {"username": _name() + "é", "password": strong_password()}, "username"),
    ("username-empty", lambda: {"username": "", "password": strong_password()}, "username"),
    ("username-missing", lambda: {"password": strong_password()}, "username"),
    ("username-null", lambda: {"username": None, "password": strong_password()}, "username"),
    ("username-number", lambda: {"username": 12345, "password": strong_password()}, "username"),
    ("username-list", lambda: {"username": [_name()], "password": strong_password()}, "username"),
    # email
    ("email-empty", lambda: {"username": _name(), "email": "", "password": strong_password()}, "email"),
    ("email-no-at", lambda: {"username": _name(), "email": "nobody.example.com", "password": strong_password()}, "email"),
    ("email-no-domain", lambda: {"username": _name(), "email": "nobody@", "password": strong_password()}, "email"),
    ("email-spaces", lambda: {"username": _name(), "email": "no body@example.com", "password": strong_password()}, "email"),
    ("email-number", lambda: {"username": _name(), "email": 42, "password": strong_password()}, "email"),
    ("email-object", lambda: {"username": _name(), "email": {"a": 1}, "password": strong_password()}, "email"),
    # password
    ("password-too-short", lambda: {"username": _name(), "password": "Ab3-efg"}, "password"),
    ("password-too-long", lambda: {"username": _name(), "password": "Ab3-" + "x" * 125}, "password"),
    ("password-all-digits", lambda: {"username": _name(), "password": "1234509876"}, "password"),
    ("password-common-password123", lambda: {"username": _name(), "password": "password123"}, "password"),
    ("password-common-qwertyuiop", lambda: {"username": _name(), "password": "qwertyuiop"}, "password"),
    ("password-common-iloveyou1", lambda: {"username": _name(), "password": "iloveyou1"}, "password"),
    ("password-missing", lambda: {"username": _name()}, "password"),
    ("password-null", lambda: {"username": _name(), "password": None}, "password"),
    ("password-number", lambda: {"username": _name(), "password": 1234567890123}, "password"),
    ("password-bool", lambda: {"username": _name(), "password": True}, "password"),
]


@pytest.mark.parametrize("make_body, field", [c[1:] for c in REGISTER_INVALID], ids=[c[0] for c in REGISTER_INVALID])
def test_register_rejects_invalid_input(api: Api, make_body: Callable[[], dict], field: str) -> None:
    assert_invalid(api.register(**make_body()), field)


@pytest.mark.parametrize("transform", [str, str.upper, str.swapcase], ids=["same", "upper", "swapped-case"])
def test_register_rejects_a_password_equal_to_the_username(api: Api, transform: Callable[[str], str]) -> None:
    username = unique_username("Same")
    assert_invalid(api.register(username=username, password=transform(username)), "password")


def test_register_reports_every_bad_field_at_once(api: Api) -> None:
    body = assert_invalid(api.register(username="a b", email="nope", password="123"), "username", "email", "password")
    assert set(body["errors"]) == {"username", "email", "password"}, body


def test_register_rejects_an_empty_object(api: Api) -> None:
    assert_invalid(api.register(), "username", "password")


@pytest.mark.parametrize("field", ["is_admin", "Username", "password2"])
def test_register_rejects_unknown_fields(api: Api, field: str) -> None:
    body = {"username": unique_username("unk"), "password": strong_password(), field: "x"}
    response = api.register(**body)
    result = assert_invalid(response, field)
    assert result["errors"][field] == ["Unknown field."], result


# ---------------------------------------------------------------------------------------------------
# Registration: duplicates (409 conflict)


@pytest.mark.parametrize("transform", [str, str.upper, str.swapcase], ids=["same", "upper", "swapped-case"])
def test_register_rejects_a_taken_username_in_any_case(api: Api, user: User, transform: Callable[[str], str]) -> None:
    response = api.register(username=transform(user.username), email=unique_email(), password=strong_password())
    body = assert_error(response, 409, "conflict")
    assert "username" in body["errors"], body


@pytest.mark.parametrize("transform", [str, str.upper, str.title], ids=["same", "upper", "title-case"])
def test_register_rejects_a_taken_email_in_any_case(api: Api, user: User, transform: Callable[[str], str]) -> None:
    assert user.email is not None
    response = api.register(username=unique_username(), email=transform(user.email), password=strong_password())
    body = assert_error(response, 409, "conflict")
    assert "email" in body["errors"], body


# ---------------------------------------------------------------------------------------------------
# Login


def test_login_with_a_wrong_password_is_invalid_credentials(api: Api, user: User) -> None:
    body = assert_error(api.login(user.username, user.password + "x"), 401, "invalid_credentials")
    assert "access" not in body


def test_login_of_an_unknown_user_is_invalid_credentials(api: Api) -> None:
    assert_error(api.login(unique_username("ghost"), strong_password()), 401, "invalid_credentials")


def test_login_by_an_unknown_email_is_invalid_credentials(api: Api) -> None:
    assert_error(api.login(unique_email("ghost"), strong_password()), 401, "invalid_credentials")


def test_login_with_another_users_password_is_invalid_credentials(api: Api, user: User) -> None:
    other = api.new_user()
    assert_error(api.login(user.username, other.password), 401, "invalid_credentials")


LOGIN_INVALID = [
    ("username-missing", lambda: {"password": strong_password()}, "username"),
    ("password-missing", lambda: {"username": _name()}, "password"),
    ("username-null", lambda: {"username": None, "password": strong_password()}, "username"),
    ("password-null", lambda: {"username": _name(), "password": None}, "password"),
    ("username-number", lambda: {"username": 7, "password": strong_password()}, "username"),
    ("password-list", lambda: {"username": _name(), "password": ["x"]}, "password"),
    ("unknown-field", lambda: {"username": _name(), "password": strong_password(), "remember": True}, "remember"),
]


@pytest.mark.parametrize("make_body, field", [c[1:] for c in LOGIN_INVALID], ids=[c[0] for c in LOGIN_INVALID])
def test_login_rejects_malformed_input(client: httpx.Client, make_body: Callable[[], dict], field: str) -> None:
    body = assert_invalid(client.post("/auth/login", json=make_body()), field)
    if field == "remember":
        assert body["errors"]["remember"] == ["Unknown field."], body


# ---------------------------------------------------------------------------------------------------
# Forged and wrong tokens

ANOTHER_SECRET = b"not-the-servers-secret"

def _tamper_signature(token: str) -> str:
    head, body, signature = token.split(".")
    flipped = ("A" if signature[0] != "A" else "B") + signature[1:]
    return f"{head}.{body}.{flipped}"


def _as_access(token: str) -> str:
    """A refresh token relabelled as an access token, keeping the (now wrong) signature."""
    return keep_signature(token, token_type="access")


BAD_ACCESS_TOKENS: dict[str, Callable[[dict, User], str]] = {
    "garbage": lambda pair, user: "garbage",
    "three-garbage-segments": lambda pair, user: "abc.def.ghi",
    "refresh-token-as-access": lambda pair, user: pair["refresh"],
    "tampered-signature": lambda pair, user: _tamper_signature(pair["access"]),
    "alg-none": lambda pair, user: alg_none(pair["access"]),
    "signed-with-another-secret": lambda pair, user: resign(pair["access"], secret=ANOTHER_SECRET),
    "claims-changed-to-another-user": lambda pair, user: keep_signature(pair["access"], sub="01ARZ3NDEKTSV4RRFFQ69G5FAV"),
    "expiry-extended": lambda pair, user: keep_signature(pair["access"], exp=jwt_parts(pair["access"])[1]["exp"] + 3600),
    "refresh-relabelled-as-access": lambda pair, user: _as_access(pair["refresh"]),
}


@pytest.fixture
def pair(api: Api, user: User) -> dict:
    return api.tokens(user)


def test_me_without_authorization_is_not_authenticated(client: httpx.Client) -> None:
    assert_error(client.get("/auth/me"), 401, "not_authenticated")


def test_logout_all_without_authorization_is_not_authenticated(client: httpx.Client) -> None:
    assert_error(client.post("/auth/logout-all"), 401, "not_authenticated")


@pytest.mark.parametrize("make_token", list(BAD_ACCESS_TOKENS.values()), ids=list(BAD_ACCESS_TOKENS))
def test_me_rejects_a_bad_access_token(api: Api, user: User, pair: dict, make_token: Callable) -> None:
    assert_error(api.me(make_token(pair, user)), 401, "token_not_valid")
    # The genuine token still works: the failure was about the token, not the account.
    assert api.me(pair["access"]).status_code == 200


@pytest.mark.parametrize("make_token", list(BAD_ACCESS_TOKENS.values()), ids=list(BAD_ACCESS_TOKENS))
def test_logout_all_rejects_a_bad_access_token_and_revokes_nothing(
    api: Api, user: User, pair: dict, make_token: Callable
) -> None:
    assert_error(api.logout_all(make_token(pair, user)), 401, "token_not_valid")
    response = api.refresh(pair["refresh"])
    assert response.status_code == 200, response.text


BAD_REFRESH_TOKENS: dict[str, Callable[[dict], str]] = {
    "garbage": lambda pair: "garbage",
    "empty": lambda pair: "",
    "access-token": lambda pair: pair["access"],
    "tampered-signature": lambda pair: _tamper_signature(pair["refresh"]),
    "alg-none": lambda pair: alg_none(pair["refresh"]),
    "signed-with-another-secret": lambda pair: resign(pair["refresh"], secret=ANOTHER_SECRET),
    "access-relabelled-as-refresh": lambda pair: keep_signature(pair["access"], token_type="refresh"),
}


@pytest.mark.parametrize("make_token", list(BAD_REFRESH_TOKENS.values()), ids=list(BAD_REFRESH_TOKENS))
def test_refresh_rejects_a_bad_refresh_token(api: Api, pair: dict, make_token: Callable) -> None:
    assert_error(api.refresh(make_token(pair)), 401, "token_not_valid")
    # The genuine refresh token was not burnt by the failed attempt.
    response = api.refresh(pair["refresh"])
    assert response.status_code == 200, response.text


@pytest.mark.parametrize("make_token", list(BAD_REFRESH_TOKENS.values()), ids=list(BAD_REFRESH_TOKENS))
def test_logout_rejects_a_bad_refresh_token(api: Api, pair: dict, make_token: Callable) -> None:
    assert_error(api.logout(make_token(pair)), 401, "token_not_valid")
    response = api.refresh(pair["refresh"])
    assert response.status_code == 200, response.text


@pytest.mark.parametrize(
    "make_token",
    [v for k, v in BAD_ACCESS_TOKENS.items() if k not in ("refresh-token-as-access", "refresh-relabelled-as-access")],
    ids=[k for k in BAD_ACCESS_TOKENS if k not in ("refresh-token-as-access", "refresh-relabelled-as-access")],
)
def test_verify_rejects_a_bad_token(api: Api, user: User, pair: dict, make_token: Callable) -> None:
    assert_error(api.verify(make_token(pair, user)), 401, "token_not_valid")


def test_verify_rejects_a_rotated_refresh_token(api: Api, pair: dict) -> None:
    assert api.refresh(pair["refresh"]).status_code == 200
    assert_error(api.verify(pair["refresh"]), 401, "token_not_valid")


def test_a_logged_out_refresh_token_cannot_log_out_again_or_refresh(api: Api, pair: dict) -> None:
    assert api.logout(pair["refresh"]).status_code == 204
    assert_error(api.logout(pair["refresh"]), 401, "token_not_valid")
    assert_error(api.refresh(pair["refresh"]), 401, "token_not_valid")


def test_logout_all_with_a_refresh_token_is_refused(api: Api, pair: dict) -> None:
    assert_error(api.logout_all(pair["refresh"]), 401, "token_not_valid")


@pytest.mark.parametrize(
    "header",
    ["Bearer", "Bearer a b", "Token abc.def.ghi", "Basic dXNlcjpwYXNz"],
    ids=["scheme-only", "two-tokens", "other-scheme", "basic"],
)
def test_me_rejects_a_malformed_authorization_header(client: httpx.Client, header: str) -> None:
    response = client.get("/auth/me", headers={"Authorization": header})
    assert response.status_code == 401, response.text
    body = response.json()
    assert body["code"] in ("not_authenticated", "token_not_valid"), body
    assert_error(response, 401, body["code"])


# ---------------------------------------------------------------------------------------------------
# Tokens signed with the right key but wrong claims (the key is local/dev.env's public dev default)


def test_a_token_re_signed_with_the_dev_secret_is_accepted(api: Api, user: User, pair: dict) -> None:
    # The control for the cases below: the forging itself is right, so their 401s are about the claims.
    response = api.me(resign(pair["access"]))
    assert response.status_code == 200, (
        "a faithful copy of the access token, signed with JWT_SECRET from local/dev.env, was refused: "
        f"is the stack running with local/dev.env? {response.text}"
    )
    assert response.json() == user.profile


def _past() -> int:
    return int(time.time()) - 120


WRONG_CLAIMS: dict[str, dict] = {
    "expired": {"exp": "PAST"},
    "wrong-issuer": {"iss": "someone-else"},
    "wrong-audience": {"aud": "someone-else"},
    "no-expiry": {"exp": None},
    "no-subject": {"sub": None},
    "unknown-token-type": {"token_type": "id"},
    "no-token-type": {"token_type": None},
}


def _claims(changes: dict) -> dict:
    return {k: (_past() if v == "PAST" else v) for k, v in changes.items()}


@pytest.mark.parametrize("changes", list(WRONG_CLAIMS.values()), ids=list(WRONG_CLAIMS))
def test_an_access_token_with_wrong_claims_is_refused(api: Api, pair: dict, changes: dict) -> None:
    token = resign(pair["access"], **_claims(changes))
    assert_error(api.me(token), 401, "token_not_valid")
    assert_error(api.verify(token), 401, "token_not_valid")
    assert_error(api.logout_all(token), 401, "token_not_valid")


@pytest.mark.parametrize("changes", list(WRONG_CLAIMS.values()), ids=list(WRONG_CLAIMS))
def test_a_refresh_token_with_wrong_claims_is_refused(api: Api, pair: dict, changes: dict) -> None:
    token = resign(pair["refresh"], **_claims(changes))
    assert_error(api.refresh(token), 401, "token_not_valid")
    assert_error(api.verify(token), 401, "token_not_valid")
    assert_error(api.logout(token), 401, "token_not_valid")


def test_an_access_token_of_a_user_that_does_not_exist_is_refused(api: Api, pair: dict) -> None:
    token = resign(pair["access"], sub="01ARZ3NDEKTSV4RRFFQ69G5FAV")
    assert_error(api.me(token), 401, "token_not_valid")


# ---------------------------------------------------------------------------------------------------
# Token bodies: missing, null, wrong type, unknown fields


TOKEN_BODY_INVALID = [
    ("/auth/refresh", {}, "refresh"),
    ("/auth/refresh", {"refresh": None}, "refresh"),
    ("/auth/refresh", {"refresh": 123}, "refresh"),
    ("/auth/refresh", {"refresh": "x", "access": "y"}, "access"),
    ("/auth/verify", {}, "token"),
    ("/auth/verify", {"token": None}, "token"),
    ("/auth/verify", {"token": ["x"]}, "token"),
    ("/auth/verify", {"token": "x", "type": "access"}, "type"),
    ("/auth/logout", {}, "refresh"),
    ("/auth/logout", {"refresh": None}, "refresh"),
    ("/auth/logout", {"refresh": {"x": 1}}, "refresh"),
    ("/auth/logout", {"refresh": "x", "everywhere": True}, "everywhere"),
]


@pytest.mark.parametrize(
    "path, body, field",
    TOKEN_BODY_INVALID,
    ids=[f"{p.rsplit('/', 1)[1]}-{json.dumps(b)}" for p, b, _ in TOKEN_BODY_INVALID],
)
def test_token_endpoints_reject_malformed_bodies(client: httpx.Client, path: str, body: dict, field: str) -> None:
    result = assert_invalid(client.post(path, json=body), field)
    if field in ("access", "type", "everywhere"):
        assert result["errors"][field] == ["Unknown field."], result


# ---------------------------------------------------------------------------------------------------
# Conventions: content type, size, JSON syntax


@pytest.mark.parametrize("path", BODY_ROUTES)
@pytest.mark.parametrize(
    "content_type",
    ["text/plain", "application/x-www-form-urlencoded", None, "application/jsonx", "application/xml"],
    ids=["text-plain", "form", "none", "jsonx", "xml"],
)
def test_a_body_that_is_not_declared_json_is_415(client: httpx.Client, path: str, content_type: str | None) -> None:
    headers = {"Content-Type": content_type} if content_type else {}
    response = client.post(path, content=json.dumps(BODY_ROUTES[path]()).encode(), headers=headers)
    assert_error(response, 415, "unsupported_media_type")


def test_a_415_registration_created_nobody(api: Api, client: httpx.Client) -> None:
    username = unique_username("ct")
    password = strong_password()
    body = json.dumps({"username": username, "password": password})
    assert_error(
        client.post("/auth/register", content=body, headers={"Content-Type": "text/plain"}),
        415,
        "unsupported_media_type",
    )
    assert_error(api.login(username, password), 401, "invalid_credentials")


@pytest.mark.parametrize("path", BODY_ROUTES)
def test_a_body_over_64_kib_is_413(client: httpx.Client, path: str) -> None:
    body = BODY_ROUTES[path]()
    body["padding"] = "x" * (65 * 1024)
    response = client.post(path, content=json.dumps(body).encode(), headers={"Content-Type": "application/json"})
    assert_error(response, 413, "payload_too_large")


def test_an_oversized_registration_created_nobody(api: Api, client: httpx.Client) -> None:
    username = unique_username("big")
    password = strong_password()
    body = json.dumps({"username": username, "password": password, "email": "x" * (70 * 1024) + "@example.com"})
    assert_error(
        client.post("/auth/register", content=body, headers={"Content-Type": "application/json"}),
        413,
        "payload_too_large",
    )
    response = api.register(username=username, password=password)
    assert response.status_code == 201, response.text


@pytest.mark.parametrize("size", [65_535, 65_536])
def test_a_body_of_up_to_64_kib_is_read(client: httpx.Client, size: int) -> None:
    # Read and judged on its content (an unknown field), not refused for its size.
    head = b'{"username": "' + unique_username("size").encode() + b'", "password": "x", "padding": "'
    body = head + b"x" * (size - len(head) - 2) + b'"}'
    assert len(body) == size
    response = client.post("/auth/login", content=body, headers={"Content-Type": "application/json"})
    result = assert_invalid(response, "padding")
    assert result["errors"]["padding"] == ["Unknown field."], result


def test_a_body_of_64_kib_and_one_byte_is_413(client: httpx.Client) -> None:
    head = b'{"username": "' + unique_username("size").encode() + b'", "password": "x", "padding": "'
    body = head + b"x" * (65_537 - len(head) - 2) + b'"}'
    response = client.post("/auth/login", content=body, headers={"Content-Type": "application/json"})
    assert_error(response, 413, "payload_too_large")


@pytest.mark.parametrize(
    "content_type",
    ["application/json", "application/json; charset=utf-8", "application/json;charset=UTF-8", "Application/JSON"],
)
def test_json_content_types_with_charset_or_any_case_are_accepted(api: Api, user: User, content_type: str) -> None:
    body = json.dumps({"username": user.username, "password": user.password}).encode()
    response = api.client.post("/auth/login", content=body, headers={"Content-Type": content_type})
    assert response.status_code == 200, response.text


# A body that is not UTF-8 is tested at the handler level (functions/auth/tests/handlers.rs,
# `a_body_that_is_not_utf8_is_a_parse_error`): `cargo lambda watch` refuses such a text body with
# its own 500 before invoking any function, so over the local stack it would test the emulator.


MALFORMED_JSON = ['{"username": ', "{username: 'x'}", "", "   ", "{}}", '{"a": 1,}', "nul", "\x00"]


@pytest.mark.parametrize("path", BODY_ROUTES)
@pytest.mark.parametrize("text", MALFORMED_JSON, ids=[repr(t) for t in MALFORMED_JSON])
def test_malformed_json_is_parse_error(client: httpx.Client, path: str, text: str) -> None:
    response = client.post(path, content=text.encode(), headers={"Content-Type": "application/json"})
    assert_error(response, 400, "parse_error")


NOT_OBJECTS = ["[]", '[{"username": "x"}]', '"text"', "42", "null", "true"]


@pytest.mark.parametrize("path", BODY_ROUTES)
@pytest.mark.parametrize("text", NOT_OBJECTS)
def test_json_that_is_not_an_object_is_parse_error(client: httpx.Client, path: str, text: str) -> None:
    response = client.post(path, content=text.encode(), headers={"Content-Type": "application/json"})
    assert_error(response, 400, "parse_error")


# ---------------------------------------------------------------------------------------------------
# Conventions: unknown routes and wrong methods


@pytest.mark.parametrize(
    "method, path",
    [
        ("GET", "/auth/nope"),
        ("POST", "/auth/nope"),
        ("POST", "/auth/registerx"),
        ("GET", "/auth/me/extra"),
        ("GET", "/auth"),
        ("GET", "/no-such-thing"),
        ("DELETE", "/no/such/thing"),
    ],
)
def test_unknown_routes_are_json_404(client: httpx.Client, method: str, path: str) -> None:
    response = client.request(method, path, json={} if method == "POST" else None)
    assert_error(response, 404, "not_found")


@pytest.mark.parametrize(
    "method, path, allowed",
    [
        ("GET", "/auth/login", "POST"),
        ("GET", "/auth/register", "POST"),
        ("GET", "/auth/refresh", "POST"),
        ("GET", "/auth/verify", "POST"),
        ("GET", "/auth/logout", "POST"),
        ("GET", "/auth/logout-all", "POST"),
        ("PUT", "/auth/register", "POST"),
        ("PATCH", "/auth/login", "POST"),
        ("DELETE", "/auth/login", "POST"),
        ("POST", "/auth/me", "GET"),
        ("PUT", "/auth/me", "GET"),
        ("GET", "/auth/email/verification", "POST"),
        ("GET", "/auth/email/verify", "POST"),
        ("GET", "/auth/password/forgot", "POST"),
        ("GET", "/auth/password/reset", "POST"),
        ("DELETE", "/auth/password/reset", "POST"),
    ],
)
def test_a_wrong_method_on_a_known_route_is_405_with_allow(
    client: httpx.Client, method: str, path: str, allowed: str
) -> None:
    response = client.request(method, path)
    assert_error(response, 405, "method_not_allowed")
    allow = {m.strip().upper() for m in response.headers["allow"].split(",")}
    assert allowed in allow, response.headers["allow"]
    assert method not in allow, response.headers["allow"]


# ---------------------------------------------------------------------------------------------------
# CORS


def _preflight(client: httpx.Client, origin: str) -> httpx.Response:
    return client.options(
        "/auth/login",
        headers={
            "Origin": origin,
            "Access-Control-Request-Method": "POST",
            "Access-Control-Request-Headers": "content-type",
        },
    )


def test_a_preflight_from_an_allowed_origin_succeeds(client: httpx.Client) -> None:
    response = _preflight(client, ALLOWED_ORIGIN)
    assert 200 <= response.status_code < 300, response.text
    assert response.headers.get("access-control-allow-origin") == ALLOWED_ORIGIN
    methods = response.headers.get("access-control-allow-methods", "").upper()
    assert "POST" in methods, response.headers
    assert "content-type" in response.headers.get("access-control-allow-headers", "").lower(), response.headers


def test_a_preflight_from_another_origin_gets_no_cors_grant(client: httpx.Client) -> None:
    response = _preflight(client, OTHER_ORIGIN)
    assert response.status_code < 500
    assert "access-control-allow-origin" not in response.headers, response.headers


def test_an_actual_request_from_an_allowed_origin_is_granted_and_others_are_not(api: Api, user: User) -> None:
    body = {"username": user.username, "password": user.password}
    granted = api.client.post("/auth/login", json=body, headers={"Origin": ALLOWED_ORIGIN})
    assert granted.status_code == 200, granted.text
    assert granted.headers.get("access-control-allow-origin") == ALLOWED_ORIGIN
    # A browser on another origin is not allowed to read the answer.
    other = api.client.post("/auth/login", json=body, headers={"Origin": OTHER_ORIGIN})
    assert "access-control-allow-origin" not in other.headers, other.headers

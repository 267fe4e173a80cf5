"""Browser clients (API.md "Browser clients: the refresh token in a cookie"), over HTTP: the refresh
token in an HttpOnly cookie with `X-Token-Transport: cookie`, read only with that header, rotated
by refresh, cleared by logout; CORS with credentials for the configured origins only.

Each request here carries its cookie explicitly (the client's own cookie jar is emptied first), so
what is sent is exactly what a test says. The local stack is plain HTTP, so its cookie is not
`Secure` (REFRESH_COOKIE_SECURE=false in local/dev.env; the handler tests check the `Secure` default).
"""

from __future__ import annotations

import httpx

from conftest import Api, User, assert_error, bearer, cookie_mode_preflight

COOKIE_MODE = {"X-Token-Transport": "cookie"}
ALLOWED_ORIGIN = "http://127.0.0.1:3000"  # local/dev.env CORS_ALLOWED_ORIGINS, where the web app runs
OTHER_ORIGIN = "https://evil.example"


def send(client: httpx.Client, path: str, body: dict, *, cookie: str | None = None, header: bool = True,
         access: str | None = None) -> httpx.Response:
    client.cookies.clear()
    headers = dict(COOKIE_MODE) if header else {}
    if cookie is not None:
        headers["Cookie"] = f"refresh_token={cookie}"
    if access is not None:
        headers.update(bearer(access))
    return client.post(path, json=body, headers=headers)


def set_cookie(response: httpx.Response) -> tuple[str, list[str]]:
    """The refresh_token value a response sets, and the cookie's attributes."""
    lines = response.headers.get_list("set-cookie")
    assert len(lines) == 1, (response.status_code, lines)
    first, *attributes = [part.strip() for part in lines[0].split(";")]
    name, _, value = first.partition("=")
    assert name == "refresh_token", lines
    return value, attributes


def cookie_login(client: httpx.Client, user: User) -> tuple[dict, str]:
    response = send(client, "/auth/login", {"username": user.username, "password": user.password})
    assert response.status_code == 200, response.text
    value, _ = set_cookie(response)
    return response.json(), value


def test_login_sets_an_httponly_strict_cookie_and_leaves_the_token_out_of_the_body(
    client: httpx.Client, user: User
) -> None:
    response = send(client, "/auth/login", {"username": user.username, "password": user.password})
    assert response.status_code == 200, response.text
    body = response.json()
    assert set(body) == {"access", "token_type", "expires_in", "refresh_expires_in"}, body
    value, attributes = set_cookie(response)
    assert value.count(".") == 2, "a JWT"
    assert attributes == ["HttpOnly", "SameSite=Strict", "Path=/auth", "Max-Age=86400"], attributes
    assert client.get("/auth/me", headers=bearer(body["access"])).status_code == 200


def test_refresh_reads_the_cookie_and_rotates_it(client: httpx.Client, user: User) -> None:
    _, first = cookie_login(client, user)
    rotated = send(client, "/auth/refresh", {}, cookie=first)
    assert rotated.status_code == 200, rotated.text
    assert "refresh" not in rotated.json()
    second, _ = set_cookie(rotated)
    assert second != first
    # The cookie it replaced, replayed, ends the whole login (reuse detection), the new one included.
    assert_error(send(client, "/auth/refresh", {}, cookie=first), 401, "token_not_valid")
    assert_error(send(client, "/auth/refresh", {}, cookie=second), 401, "token_not_valid")


def test_the_cookie_is_read_only_with_the_header(client: httpx.Client, user: User) -> None:
    _, token = cookie_login(client, user)
    ignored = send(client, "/auth/refresh", {}, cookie=token, header=False)
    assert_error(ignored, 400, "invalid")
    assert "refresh" in ignored.json()["errors"]
    assert_error(send(client, "/auth/logout", {}, cookie=token, header=False), 400, "invalid")
    assert_error(send(client, "/auth/refresh", {}), 401, "not_authenticated")
    client.cookies.clear()
    odd = client.post("/auth/refresh", json={}, headers={"X-Token-Transport": "body", "Cookie": f"refresh_token={token}"})
    assert_error(odd, 400, "invalid")
    # None of that used the token up.
    assert send(client, "/auth/refresh", {}, cookie=token).status_code == 200


def test_logout_clears_the_cookie_and_ends_its_session(client: httpx.Client, api: Api, user: User) -> None:
    body, token = cookie_login(client, user)
    response = send(client, "/auth/logout", {}, cookie=token)
    assert response.status_code == 204, response.text
    value, attributes = set_cookie(response)
    assert value == "" and "Max-Age=0" in attributes, attributes
    assert_error(send(client, "/auth/refresh", {}, cookie=token), 401, "token_not_valid")
    assert_error(api.me(body["access"]), 401, "token_not_valid")


def test_a_password_change_sets_the_new_sessions_cookie_and_logout_all_clears_it(
    client: httpx.Client, user: User
) -> None:
    body, old = cookie_login(client, user)
    changed = send(client, "/auth/password", {"current_password": user.password,
                                              "new_password": "a fresh cookie passphrase"}, access=body["access"])
    assert changed.status_code == 200, changed.text
    new, _ = set_cookie(changed)
    assert new and new != old and "refresh" not in changed.json()
    assert_error(send(client, "/auth/refresh", {}, cookie=old), 401, "token_not_valid")
    ended = send(client, "/auth/logout-all", {}, access=changed.json()["access"])
    assert ended.status_code == 204
    assert set_cookie(ended) == ("", ["HttpOnly", "SameSite=Strict", "Path=/auth", "Max-Age=0"])
    assert_error(send(client, "/auth/refresh", {}, cookie=new), 401, "token_not_valid")


def test_credentials_are_allowed_for_the_configured_origin_only(client: httpx.Client, user: User) -> None:
    allowed = cookie_mode_preflight(client, ALLOWED_ORIGIN)
    assert allowed.headers.get("access-control-allow-origin") == ALLOWED_ORIGIN, allowed.headers
    assert allowed.headers.get("access-control-allow-credentials") == "true"
    assert "x-token-transport" in allowed.headers.get("access-control-allow-headers", "").lower()
    assert "access-control-allow-origin" not in cookie_mode_preflight(client, OTHER_ORIGIN).headers

    client.cookies.clear()
    login = client.post("/auth/login", json={"username": user.username, "password": user.password},
                        headers={**COOKIE_MODE, "Origin": ALLOWED_ORIGIN})
    assert login.headers.get("access-control-allow-origin") == ALLOWED_ORIGIN
    assert login.headers.get("access-control-allow-credentials") == "true"
    assert "access-control-allow-origin" not in client.post(
        "/auth/login", json={"username": user.username, "password": user.password},
        headers={**COOKIE_MODE, "Origin": OTHER_ORIGIN}).headers

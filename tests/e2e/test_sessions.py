"""Sessions (API.md "Sessions and accounts"): each login is a session the user can see and end, and a
session that ends ends at once, for its access tokens too, in every function."""

from __future__ import annotations

from datetime import timedelta

import httpx

from conftest import (
    REFRESH_LIFETIME,
    TIMESTAMP_MS_Z,
    ULID,
    Api,
    User,
    assert_error,
    bearer,
    jwt_parts,
    now,
    parse_timestamp,
)

# One protected read in each function that takes tokens over HTTP.
PROTECTED_READS = ["/auth/me", "/auth/sessions", "/tasks", "/expenses", "/budgets"]


def login(client: httpx.Client, user: User, user_agent: str | None = None) -> dict:
    headers = {"User-Agent": user_agent} if user_agent is not None else {}
    response = client.post("/auth/login", json={"username": user.username, "password": user.password}, headers=headers)
    assert response.status_code == 200, response.text
    return response.json()


def sessions(client: httpx.Client, access: str) -> list[dict]:
    response = client.get("/auth/sessions", headers=bearer(access))
    assert response.status_code == 200, response.text
    body = response.json()
    assert set(body) == {"results"}, body
    return body["results"]


def assert_accepted_everywhere(client: httpx.Client, access: str) -> None:
    for path in PROTECTED_READS:
        response = client.get(path, headers=bearer(access))
        assert response.status_code == 200, f"{path}: {response.status_code} {response.text}"


def assert_refused_everywhere(client: httpx.Client, access: str) -> None:
    for path in PROTECTED_READS:
        assert_error(client.get(path, headers=bearer(access)), 401, "token_not_valid")


def test_each_login_is_a_session_listed_newest_first_with_the_callers_marked(
    client: httpx.Client, api: Api, user: User
) -> None:
    before = now()
    phone = login(client, user, "Phone/1.0 (e2e)")
    laptop = login(client, user, "L" * 300)
    bare = client.post("/auth/login", json={"username": user.username, "password": user.password},
                       headers={"User-Agent": ""})
    assert bare.status_code == 200, bare.text

    listed = sessions(client, phone["access"])
    assert len(listed) == 3, listed
    for session in listed:
        assert set(session) == {"id", "created_at", "last_used_at", "expires_at", "user_agent", "current"}, session
        assert ULID.match(session["id"]), session
        for field in ("created_at", "last_used_at", "expires_at"):
            assert TIMESTAMP_MS_Z.match(session[field]), session
        created = parse_timestamp(session["created_at"])
        assert before - timedelta(seconds=5) <= created <= now() + timedelta(seconds=5)
        assert session["last_used_at"] == session["created_at"]
        lifetime = parse_timestamp(session["expires_at"]) - created
        assert abs(lifetime.total_seconds() - REFRESH_LIFETIME) <= 1, session
    assert [s["id"] for s in listed] == sorted((s["id"] for s in listed), reverse=True), "newest first"
    newest, middle, oldest = listed
    assert oldest["user_agent"] == "Phone/1.0 (e2e)" and oldest["current"] is True
    assert middle["user_agent"] == "L" * 200 and middle["current"] is False
    assert newest["user_agent"] is None and newest["current"] is False

    # The access token names its session (claim `sid`), and each token sees its own as current.
    assert jwt_parts(laptop["access"])[1]["sid"] == middle["id"]
    assert [s["current"] for s in sessions(client, laptop["access"])] == [False, True, False]

    # A refresh keeps the session and moves its last use on; another user sees none of these.
    rotated = api.refresh(phone["refresh"])
    assert rotated.status_code == 200, rotated.text
    after = next(s for s in sessions(client, rotated.json()["access"]) if s["id"] == oldest["id"])
    assert after["current"] is True and after["created_at"] == oldest["created_at"]
    assert parse_timestamp(after["last_used_at"]) >= parse_timestamp(oldest["last_used_at"])
    stranger = api.tokens(api.new_user())
    assert [s["current"] for s in sessions(client, stranger["access"])] == [True]


def test_ending_a_session_refuses_its_tokens_at_once_in_every_function(
    client: httpx.Client, api: Api, user: User
) -> None:
    kept = login(client, user, "kept")
    ended = login(client, user, "ended")
    assert_accepted_everywhere(client, ended["access"])
    ended_id = jwt_parts(ended["access"])[1]["sid"]

    response = client.delete(f"/auth/sessions/{ended_id}", headers=bearer(kept["access"]))
    assert response.status_code == 204, response.text
    assert response.content == b""

    assert_refused_everywhere(client, ended["access"])
    assert_error(api.refresh(ended["refresh"]), 401, "token_not_valid")
    assert_error(api.verify(ended["access"]), 401, "token_not_valid")
    assert_accepted_everywhere(client, kept["access"])
    assert [s["id"] for s in sessions(client, kept["access"])] == [jwt_parts(kept["access"])[1]["sid"]]

    # Gone, malformed, or somebody else's: 404 alike, and nothing ends.
    assert_error(client.delete(f"/auth/sessions/{ended_id}", headers=bearer(kept["access"])), 404, "not_found")
    assert_error(client.delete("/auth/sessions/not-a-session", headers=bearer(kept["access"])), 404, "not_found")
    stranger = api.tokens(api.new_user())
    kept_id = jwt_parts(kept["access"])[1]["sid"]
    assert_error(client.delete(f"/auth/sessions/{kept_id}", headers=bearer(stranger["access"])), 404, "not_found")
    assert_accepted_everywhere(client, kept["access"])
    assert_error(client.delete(f"/auth/sessions/{kept_id}"), 401, "not_authenticated")


def test_logout_ends_its_session_for_the_access_token_too(client: httpx.Client, api: Api, user: User) -> None:
    leaving = login(client, user)
    staying = login(client, user)
    assert api.logout(leaving["refresh"]).status_code == 204
    assert_refused_everywhere(client, leaving["access"])
    assert_accepted_everywhere(client, staying["access"])


def test_logout_all_refuses_every_access_token_at_once(client: httpx.Client, api: Api, user: User) -> None:
    pairs = [login(client, user) for _ in range(3)]
    bystander = api.tokens(api.new_user())
    assert api.logout_all(pairs[1]["access"]).status_code == 204
    for pair in pairs:
        assert_refused_everywhere(client, pair["access"])
    assert_accepted_everywhere(client, bystander["access"])
    fresh = login(client, user)
    assert [s["id"] for s in sessions(client, fresh["access"])] == [jwt_parts(fresh["access"])[1]["sid"]]


def test_an_ended_session_is_refused_on_every_item_route_and_changes_nothing(
    client: httpx.Client, api: Api, user: User
) -> None:
    """A GET, PUT, PATCH or DELETE of one item reads the session together with the item (one
    DynamoDB call): the session's half still refuses the token, for an item that exists, one that
    does not and a malformed id alike, and leaves the item as it was."""
    leaving, staying = login(client, user), login(client, user)
    expense = {"amount": "4.20", "category": "FOOD", "date": "2026-11-30"}
    budget = {"amount": "100.00", "category": "FOOD", "month": "2026-11"}
    # collection: (created with, replaced with, patched with)
    cases = {
        "/tasks": ({"title": "kept"}, {"title": "replaced"}, {"title": "patched"}),
        "/expenses": (expense, {**expense, "amount": "5.00"}, {"amount": "6.00"}),
        "/budgets": (budget, {**budget, "amount": "200.00"}, {"amount": "300.00"}),
    }
    created = {}
    for collection, (body, _, _) in cases.items():
        response = client.post(collection, json=body, headers=bearer(staying["access"]))
        assert response.status_code == 201, response.text
        created[collection] = response.json()
    assert api.logout(leaving["refresh"]).status_code == 204
    for collection, (_, replacement, change) in cases.items():
        item = created[collection]
        for path in [f"{collection}/{item['id']}", f"{collection}/01ARZ3NDEKTSV4RRFFQ69G5FAV", f"{collection}/x"]:
            for method, body in [("GET", None), ("PUT", replacement), ("PATCH", change), ("DELETE", None)]:
                response = client.request(method, path, json=body, headers=bearer(leaving["access"]))
                assert_error(response, 401, "token_not_valid")
        unchanged = client.get(f"{collection}/{item['id']}", headers=bearer(staying["access"]))
        assert unchanged.status_code == 200, unchanged.text
        assert unchanged.json() == item, unchanged.json()

"""Changing a password, a username or an email (API.md "Sessions and accounts"), over HTTP."""

from __future__ import annotations

import httpx

from conftest import (
    LOGIN_MAX_FAILURES,
    Api,
    User,
    assert_error,
    assert_invalid,
    assert_token_pair,
    bearer,
    released_together,
    strong_password,
    unique_email,
    unique_username,
)
from test_sessions import assert_accepted_everywhere, assert_refused_everywhere, sessions


def change_password(client: httpx.Client, access: str, current: str, new: str) -> httpx.Response:
    return client.post("/auth/password", json={"current_password": current, "new_password": new}, headers=bearer(access))


def patch_me(client: httpx.Client, access: str, body: dict) -> httpx.Response:
    return client.patch("/auth/me", json=body, headers=bearer(access))


def test_a_password_change_ends_every_earlier_session_and_answers_a_new_one(
    client: httpx.Client, api: Api, user: User
) -> None:
    earlier = [api.tokens(user) for _ in range(2)]
    new_password = strong_password()

    response = change_password(client, earlier[0]["access"], user.password, new_password)
    assert response.status_code == 200, response.text
    fresh = response.json()
    assert_token_pair(fresh)

    for pair in earlier:
        assert_refused_everywhere(client, pair["access"])
        assert_error(api.refresh(pair["refresh"]), 401, "token_not_valid")
    assert_accepted_everywhere(client, fresh["access"])
    assert len(sessions(client, fresh["access"])) == 1
    assert_error(api.login(user.username, user.password), 401, "invalid_credentials")
    assert api.login(user.username, new_password).status_code == 200


def test_a_refused_password_change_changes_nothing(client: httpx.Client, api: Api, user: User) -> None:
    pair = api.tokens(user)
    wrong = change_password(client, pair["access"], "not-the-password-9", strong_password())
    assert assert_invalid(wrong, "current_password")["errors"]["current_password"] == ["The password is not correct."]
    assert_invalid(change_password(client, pair["access"], user.password, "12345678"), "new_password")
    assert_invalid(change_password(client, pair["access"], user.password, user.username), "new_password")
    assert_invalid(change_password(client, pair["access"], user.password, user.password), "new_password")
    assert_invalid(client.post("/auth/password", json={}, headers=bearer(pair["access"])),
                   "current_password", "new_password")
    assert_error(client.post("/auth/password", json={"current_password": "x", "new_password": "y"}), 401,
                 "not_authenticated")
    assert_accepted_everywhere(client, pair["access"])
    assert api.login(user.username, user.password).status_code == 200


def test_a_new_username_and_email_free_the_old_ones_at_once(client: httpx.Client, api: Api, user: User) -> None:
    pair = api.tokens(user)
    new_name, new_email = unique_username("renamed"), unique_email("renamed")

    response = patch_me(client, pair["access"], {"username": new_name, "email": new_email.upper(),
                                                  "current_password": user.password})
    assert response.status_code == 200, response.text
    changed = response.json()
    assert changed == {**user.profile, "username": new_name, "email": new_email}
    assert api.me(pair["access"]).json() == changed, "the session goes on"

    assert api.login(new_name.upper(), user.password).status_code == 200
    assert api.login(new_email, user.password).status_code == 200
    assert_error(api.login(user.username, user.password), 401, "invalid_credentials")
    # The old names are free again, for anyone.
    taken_back = api.register(username=user.username, email=user.email, password=strong_password())
    assert taken_back.status_code == 201, taken_back.text

    # email: null removes the email; the address is free at once.
    response = patch_me(client, pair["access"], {"email": None, "current_password": user.password})
    assert response.status_code == 200 and response.json()["email"] is None, response.text
    assert api.register(username=unique_username(), email=new_email, password=strong_password()).status_code == 201


def test_names_of_others_are_409_and_bad_bodies_are_400(client: httpx.Client, api: Api, user: User) -> None:
    other = api.new_user()
    pair = api.tokens(user)
    taken = patch_me(client, pair["access"], {"username": other.username.upper(), "current_password": user.password})
    assert "username" in assert_error(taken, 409, "conflict")["errors"]
    taken = patch_me(client, pair["access"], {"email": other.email, "current_password": user.password})
    assert "email" in assert_error(taken, 409, "conflict")["errors"]
    assert_invalid(patch_me(client, pair["access"], {"username": "no spaces allowed", "current_password": user.password}),
                   "username")
    assert_invalid(patch_me(client, pair["access"], {"email": "not-an-email", "current_password": user.password}),
                   "email")
    assert_invalid(patch_me(client, pair["access"], {"username": unique_username()}), "current_password")
    assert_invalid(patch_me(client, pair["access"], {"current_password": user.password}), "non_field_errors")
    wrong = patch_me(client, pair["access"], {"username": unique_username(), "current_password": "wrong-password-1"})
    assert_invalid(wrong, "current_password")
    assert api.me(pair["access"]).json() == user.profile, "nothing changed"


def test_racing_renames_to_one_name_have_one_winner(base_url: str, api: Api) -> None:
    racers = [api.new_user() for _ in range(8)]
    tokens = [api.tokens(racer)["access"] for racer in racers]
    prize = unique_username("prize")

    def rename(client: httpx.Client, i: int) -> httpx.Response:
        return patch_me(client, tokens[i], {"username": prize, "current_password": racers[i].password})

    statuses = sorted(r.status_code for r in released_together(base_url, len(racers), rename))
    assert statuses == [200] + [409] * (len(racers) - 1), statuses
    winner = next(i for i, token in enumerate(tokens) if api.me(token).json()["username"] == prize)
    assert api.login(prize, racers[winner].password).status_code == 200
    # The losers keep their names.
    for i, racer in enumerate(racers):
        if i != winner:
            assert api.me(tokens[i]).json()["username"] == racer.username


def test_wrong_current_passwords_count_as_failed_logins(client: httpx.Client, api: Api, user: User) -> None:
    pair = api.tokens(user)
    for attempt in range(LOGIN_MAX_FAILURES):
        assert_invalid(change_password(client, pair["access"], f"wrong-password-{attempt}", strong_password()),
                       "current_password")
    assert_error(change_password(client, pair["access"], user.password, strong_password()), 429, "throttled")
    assert_error(patch_me(client, pair["access"], {"username": unique_username(), "current_password": user.password}),
                 429, "throttled")
    assert_error(api.login(user.username, user.password), 429, "throttled")

"""Whole journeys through the auth endpoints, as a client lives them."""

from __future__ import annotations

import random
import string
import uuid
from datetime import timedelta

import httpx
import pytest

from conftest import (
    ACCESS_LIFETIME,
    LOGIN_MAX_FAILURES,
    REFRESH_LIFETIME,
    TIMESTAMP_MS_Z,
    ULID,
    Api,
    User,
    assert_error,
    assert_invalid,
    assert_token_pair,
    jwt_parts,
    released_together,
    now,
    parse_timestamp,
    strong_password,
    unique_email,
    unique_username,
)

# ---------------------------------------------------------------------------------------------------
# Registering and finding out who I am


def test_a_new_user_registers_logs_in_and_sees_their_profile(api: Api) -> None:
    username = unique_username("alice")
    email = unique_email("Alice").replace("example.com", "Example.COM")
    password = strong_password()
    before = now()

    response = api.register(username=username, email=email, password=password)

    assert response.status_code == 201, response.text
    assert response.headers.get("location") == "/auth/me"
    profile = response.json()
    assert set(profile) == {"id", "username", "email", "email_verified", "created_at"}, profile
    assert "password" not in response.text
    assert ULID.match(profile["id"]), profile["id"]
    assert profile["username"] == username
    assert profile["email"] == email.lower(), "the email is stored lower-case"
    assert TIMESTAMP_MS_Z.match(profile["created_at"]), profile["created_at"]
    created = parse_timestamp(profile["created_at"])
    assert before - timedelta(seconds=60) <= created <= now() + timedelta(seconds=60)

    pair = api.tokens(User(username, password, email, profile))

    me = api.me(pair["access"])
    assert me.status_code == 200, me.text
    assert me.json() == profile


def test_registering_without_an_email_or_with_a_null_email(api: Api) -> None:
    for body_extra in ({}, {"email": None}):
        username = unique_username("noemail")
        password = strong_password()
        response = api.register(username=username, password=password, **body_extra)
        assert response.status_code == 201, response.text
        profile = response.json()
        assert profile["email"] is None
        pair = api.tokens(User(username, password, None, profile))
        assert api.me(pair["access"]).json() == profile


def test_two_users_get_different_time_ordered_ids(api: Api) -> None:
    first = api.new_user()
    second = api.new_user()
    assert first.id != second.id
    # ULIDs sort by creation time (first 10 characters are the millisecond timestamp).
    assert first.id[:10] <= second.id[:10]


def _free_three_letter_username(api: Api, password: str) -> httpx.Response:
    """Registers some 3-character username; short names run out, so a taken one (409) is retried."""
    alphabet = string.ascii_letters + string.digits + "._+-"
    for _ in range(50):
        username = "".join(random.choice(alphabet) for _ in range(3))
        response = api.register(username=username, password=password)
        if response.status_code != 409:
            return response
        assert_error(response, 409, "conflict")
    pytest.fail("50 random 3-character usernames were all taken")


def test_usernames_and_passwords_at_the_edges_of_their_lengths_are_accepted(api: Api) -> None:
    password = "Pa5s-" + uuid.uuid4().hex[:3]  # 8 characters
    response = _free_three_letter_username(api, password)
    assert response.status_code == 201, response.text
    assert len(response.json()["username"]) == 3
    api.tokens(User(response.json()["username"], password, None, response.json()))

    stem = unique_username("e")
    cases = [
        ((stem * 10)[:150], "x" * 127 + "1"),  # username 150 chars, password 128 chars
        ("A.b+c-d_" + stem[-8:], "correct horse battery staple " + stem[-6:]),  # every allowed symbol
    ]
    for username, password in cases:
        response = api.register(username=username, password=password)
        assert response.status_code == 201, f"{username!r}/{len(password)}: {response.text}"
        assert response.json()["username"] == username
        api.tokens(User(username, password, None, response.json()))


def test_read_only_fields_sent_at_registration_are_ignored(api: Api) -> None:
    username = unique_username("ro")
    response = api.register(
        username=username,
        password=strong_password(),
        id="01ARZ3NDEKTSV4RRFFQ69G5FAV",
        created_at="2000-01-01T00:00:00.000Z",
    )
    assert response.status_code == 201, response.text
    profile = response.json()
    assert profile["id"] != "01ARZ3NDEKTSV4RRFFQ69G5FAV"
    assert not profile["created_at"].startswith("2000-")


def test_registration_accepts_a_json_content_type_with_charset(client: httpx.Client) -> None:
    body = f'{{"username": "{unique_username("cs")}", "password": "{strong_password()}"}}'
    response = client.post(
        "/auth/register", content=body.encode(), headers={"Content-Type": "application/json; charset=utf-8"}
    )
    assert response.status_code == 201, response.text


# ---------------------------------------------------------------------------------------------------
# Logging in


def test_a_user_logs_in_by_username_or_by_email(api: Api, user: User) -> None:
    by_name = api.tokens(user)
    by_email = api.tokens(user, login_name=user.email)
    by_upper_email = api.tokens(user, login_name=user.email.upper())

    for pair in (by_name, by_email, by_upper_email):
        me = api.me(pair["access"])
        assert me.status_code == 200, me.text
        assert me.json() == user.profile
    assert len({by_name["refresh"], by_email["refresh"], by_upper_email["refresh"]}) == 3


def test_the_tokens_carry_the_user_and_their_type(api: Api, user: User) -> None:
    pair = api.tokens(user)
    access_header, access_claims, _ = jwt_parts(pair["access"])
    refresh_header, refresh_claims, _ = jwt_parts(pair["refresh"])
    assert access_header["alg"] == refresh_header["alg"] == "HS256"
    for claims in (access_claims, refresh_claims):
        assert claims["sub"] == user.id
        assert {"jti", "iat", "exp", "iss", "aud", "token_type"} <= set(claims), claims
    assert access_claims["token_type"] == "access"
    assert refresh_claims["token_type"] == "refresh"
    assert access_claims["exp"] - access_claims["iat"] == ACCESS_LIFETIME
    assert refresh_claims["exp"] - refresh_claims["iat"] == REFRESH_LIFETIME
    assert access_claims["jti"] != refresh_claims["jti"]


def test_verify_tells_the_type_and_expiry_of_both_tokens(api: Api, user: User) -> None:
    pair = api.tokens(user)
    for token, token_type, lifetime in (
        (pair["access"], "access", ACCESS_LIFETIME),
        (pair["refresh"], "refresh", REFRESH_LIFETIME),
    ):
        response = api.verify(token)
        assert response.status_code == 200, response.text
        body = response.json()
        assert body["token_type"] == token_type
        expires = parse_timestamp(body["expires_at"])
        expected = now() + timedelta(seconds=lifetime)
        assert abs((expires - expected).total_seconds()) < 120, (body, expected)


# ---------------------------------------------------------------------------------------------------
# Refreshing, and what happens when a refresh token is stolen


def test_refresh_gives_a_new_pair_and_retires_the_old_refresh_token(api: Api, user: User) -> None:
    first = api.tokens(user)

    response = api.refresh(first["refresh"])
    assert response.status_code == 200, response.text
    second = response.json()
    assert_token_pair(second)
    assert second["refresh"] != first["refresh"]
    assert second["access"] != first["access"]
    assert api.me(second["access"]).json() == user.profile

    # The new refresh token works in turn.
    response = api.refresh(second["refresh"])
    assert response.status_code == 200, response.text
    third = response.json()
    assert_token_pair(third)
    assert api.me(third["access"]).status_code == 200


def test_reusing_a_rotated_refresh_token_revokes_the_whole_login_but_not_other_logins(
    api: Api, user: User
) -> None:
    phone = api.tokens(user)  # the login whose refresh token gets stolen
    laptop = api.tokens(user)  # another login of the same user

    rotated = api.refresh(phone["refresh"])
    assert rotated.status_code == 200, rotated.text
    newest = rotated.json()["refresh"]

    # The old token comes back (a thief replays it): refused ...
    reuse = api.refresh(phone["refresh"])
    assert_error(reuse, 401, "token_not_valid")
    # ... and the legitimate newest token of that login is now dead too.
    assert_error(api.refresh(newest), 401, "token_not_valid")
    assert_error(api.verify(newest), 401, "token_not_valid")

    # The other login carries on.
    response = api.refresh(laptop["refresh"])
    assert response.status_code == 200, response.text
    assert_token_pair(response.json())
    # And the user can simply log in again.
    api.tokens(user)


def test_reuse_detection_reaches_every_descendant_of_the_login(api: Api, user: User) -> None:
    pair = api.tokens(user)
    chain = [pair["refresh"]]
    for _ in range(3):
        response = api.refresh(chain[-1])
        assert response.status_code == 200, response.text
        chain.append(response.json()["refresh"])

    assert_error(api.refresh(chain[1]), 401, "token_not_valid")  # a token from the middle comes back

    for token in chain:
        assert_error(api.refresh(token), 401, "token_not_valid")


# ---------------------------------------------------------------------------------------------------
# Logging out


def test_logout_revokes_that_refresh_token_only(api: Api, user: User) -> None:
    kept = api.tokens(user)
    leaving = api.tokens(user)

    response = api.logout(leaving["refresh"])
    assert response.status_code == 204, response.text
    assert response.content == b""

    assert_error(api.refresh(leaving["refresh"]), 401, "token_not_valid")
    assert_error(api.verify(leaving["refresh"]), 401, "token_not_valid")
    assert_error(api.logout(leaving["refresh"]), 401, "token_not_valid")  # already logged out

    response = api.refresh(kept["refresh"])
    assert response.status_code == 200, response.text


def test_logout_all_ends_every_session_and_a_new_login_still_works(api: Api, user: User) -> None:
    sessions = [api.tokens(user) for _ in range(3)]
    rotated = api.refresh(sessions[2]["refresh"])
    assert rotated.status_code == 200, rotated.text
    sessions[2] = rotated.json()
    other_user = api.new_user()
    other = api.tokens(other_user)

    response = api.logout_all(sessions[0]["access"])
    assert response.status_code == 204, response.text
    assert response.content == b""

    for session in sessions:
        assert_error(api.refresh(session["refresh"]), 401, "token_not_valid")

    # Somebody else's sessions are untouched.
    response = api.refresh(other["refresh"])
    assert response.status_code == 200, response.text

    # The user logs in again, and the new session lives normally.
    fresh = api.tokens(user)
    assert api.me(fresh["access"]).json() == user.profile
    response = api.refresh(fresh["refresh"])
    assert response.status_code == 200, response.text
    assert api.me(response.json()["access"]).status_code == 200


# ---------------------------------------------------------------------------------------------------
# Racing registrations


RACERS = 20


def test_twenty_simultaneous_registrations_of_one_username_make_exactly_one_user(
    base_url: str, api: Api
) -> None:
    username = unique_username("race")
    racers = [
        {
            # Half of them in another case: uniqueness is case-insensitive.
            "username": username if i % 2 == 0 else username.upper(),
            "email": unique_email(f"racer{i}"),
            "password": strong_password(),
        }
        for i in range(RACERS)
    ]
    responses = released_together(base_url, RACERS, lambda client, i: client.post("/auth/register", json=racers[i]))

    statuses = sorted(r.status_code for r in responses)
    assert statuses == [201] + [409] * (RACERS - 1), statuses
    winner_index = next(i for i, r in enumerate(responses) if r.status_code == 201)
    winner = racers[winner_index]
    for i, response in enumerate(responses):
        if i != winner_index:
            body = assert_error(response, 409, "conflict")
            assert "username" in body["errors"], body

    profile = responses[winner_index].json()
    assert profile["username"] == winner["username"]
    assert profile["email"] == winner["email"]

    # Only the winner's password opens the account, by name or by email.
    api.tokens(User(winner["username"], winner["password"], winner["email"], profile))
    api.tokens(User(username, winner["password"], winner["email"], profile), login_name=winner["email"])
    losers = [r for i, r in enumerate(racers) if i != winner_index]
    # Fewer than LOGIN_MAX_FAILURES wrong attempts on the shared username, so none is throttled.
    for loser in losers[: LOGIN_MAX_FAILURES - 1]:
        assert_error(api.login(username, loser["password"]), 401, "invalid_credentials")
    # No loser's email got an account ...
    for loser in losers:
        assert_error(api.login(loser["email"], loser["password"]), 401, "invalid_credentials")
    # ... nor was it left reserved: it can be used for a new account.
    response = api.register(username=unique_username("late"), email=losers[0]["email"], password=strong_password())
    assert response.status_code == 201, response.text


# ---------------------------------------------------------------------------------------------------
# Throttling repeated failed logins


def test_repeated_wrong_passwords_lock_the_username_even_for_the_right_password(api: Api, user: User) -> None:
    bystander = api.new_user()

    for attempt in range(LOGIN_MAX_FAILURES):
        response = api.login(user.username, f"wrong-password-{attempt}")
        assert_error(response, 401, "invalid_credentials")

    locked = api.login(user.username, user.password)
    body = assert_error(locked, 429, "throttled")
    assert "access" not in body
    retry_after = int(locked.headers["retry-after"])
    assert 1 <= retry_after <= 900

    # Still locked on the next try (by name), whatever the password.
    assert_error(api.login(user.username, "wrong-again-123"), 429, "throttled")

    # Another user is not affected.
    api.tokens(bystander)


def test_unknown_usernames_are_throttled_the_same_way(api: Api) -> None:
    ghost = unique_username("ghost")
    for attempt in range(LOGIN_MAX_FAILURES):
        assert_error(api.login(ghost, f"guess-number-{attempt}"), 401, "invalid_credentials")
    assert_error(api.login(ghost, "one-more-guess"), 429, "throttled")

    # An unrelated user can still log in.
    bystander = api.new_user()
    api.tokens(bystander)


def test_a_burst_of_wrong_passwords_gets_no_more_checks_than_the_limit(
    base_url: str, api: Api, user: User
) -> None:
    """Forty wrong passwords for one name at once, served by several instances of the auth
    function: each attempt is counted before its password is checked, so a 401 is a password
    checked and a 429 one refused unchecked; a burst gets what sequential attempts get."""
    burst = 40

    def attempt(client: httpx.Client, i: int) -> httpx.Response:
        return client.post("/auth/login", json={"username": user.username, "password": f"wrong-password-{i}"})

    responses = released_together(base_url, burst, attempt)

    statuses = sorted(r.status_code for r in responses)
    assert statuses == [401] * LOGIN_MAX_FAILURES + [429] * (burst - LOGIN_MAX_FAILURES), statuses
    for response in responses:
        assert_error(response, response.status_code, "invalid_credentials" if response.status_code == 401 else "throttled")
    # Locked afterwards, for the right password too.
    assert_error(api.login(user.username, user.password), 429, "throttled")


def test_wrong_password_and_unknown_user_look_the_same(api: Api, user: User) -> None:
    wrong_password = api.login(user.username, "not-the-password-1")
    unknown_user = api.login(unique_username("nobody"), "not-the-password-1")
    first = assert_error(wrong_password, 401, "invalid_credentials")
    second = assert_error(unknown_user, 401, "invalid_credentials")
    assert first == second
    assert wrong_password.headers.get("www-authenticate") == unknown_user.headers.get("www-authenticate")


# ---------------------------------------------------------------------------------------------------
# A rejected registration changes nothing


@pytest.mark.parametrize(
    "bad_part, field",
    [
        ({"email": "not-an-email"}, "email"),
        ({"email": ""}, "email"),
        ({"password": "short1"}, "password"),
        ({"password": "password123"}, "password"),
        ({"password": "12345678901"}, "password"),
        ({"is_staff": True}, "is_staff"),
    ],
    ids=["bad-email", "empty-email", "short-password", "common-password", "digit-password", "unknown-field"],
)
def test_a_rejected_registration_leaves_the_username_and_email_free(api: Api, bad_part: dict, field: str) -> None:
    username = unique_username("retry")
    email = unique_email("retry")
    body = {"username": username, "email": email, "password": strong_password(), **bad_part}

    assert_invalid(api.register(**body), field)

    # Nothing was half-written: the name cannot log in, and both name and email are free.
    assert_error(api.login(username, body["password"]), 401, "invalid_credentials")
    password = strong_password()
    response = api.register(username=username, email=email, password=password)
    assert response.status_code == 201, response.text
    api.tokens(User(username, password, email, response.json()))


def test_a_registration_rejected_for_a_taken_email_leaves_its_username_free(api: Api, user: User) -> None:
    username = unique_username("second")
    response = api.register(username=username, email=user.email, password=strong_password())
    body = assert_error(response, 409, "conflict")
    assert "email" in body["errors"], body

    response = api.register(username=username, email=unique_email(), password=strong_password())
    assert response.status_code == 201, response.text


def test_a_registration_rejected_for_a_taken_username_leaves_its_email_free(api: Api, user: User) -> None:
    email = unique_email("spare")
    response = api.register(username=user.username.upper(), email=email, password=strong_password())
    body = assert_error(response, 409, "conflict")
    assert "username" in body["errors"], body

    response = api.register(username=unique_username(), email=email, password=strong_password())
    assert response.status_code == 201, response.text
    # The original account is unchanged.
    assert api.me(api.tokens(user)["access"]).json() == user.profile

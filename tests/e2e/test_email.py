"""Email verification and password reset (API.md "Email: verification and password reset"), over HTTP
against the local stack, reading what was sent in the gateway's mailbox (its SES v2 stand-in) and what
the mailer recorded in the mail table (see mail_helpers.py for how a mail happens).

Every test makes its own users and addresses, so each address's hourly limit of mails is its own.
"""

from __future__ import annotations

import json
import os
import time
import uuid
from typing import Iterator

import httpx
import pytest

from adversarial_helpers import UNKNOWN_USER_ID
from conftest import (
    LOGIN_MAX_FAILURES,
    Api,
    User,
    assert_error,
    assert_invalid,
    bearer,
    released_together,
    strong_password,
    unique_email,
)
from mail_helpers import (
    EXPIRED,
    FAILURE_DEADLINE,
    HOURLY_LIMIT,
    MAX_ATTEMPTS,
    NO_LONGER,
    NOT_VALID,
    PRODUCT,
    RESET,
    RESET_LIFETIME,
    RESET_PAGE,
    SENDER,
    USED,
    VERIFICATION,
    VERIFICATION_LIFETIME,
    VERIFY_PAGE,
    Emails,
    Mailbox,
    MailTable,
    address_owner,
    assert_accepted,
    assert_dropped,
    assert_sent,
    assert_token_error,
    b64url,
    make_token,
    register,
    remember_secret,
    token_bytes,
    token_from,
    token_hash,
    ulid_bytes,
    verification_token,
    verified_user,
)
from test_sessions import assert_accepted_everywhere, assert_refused_everywhere

HOURLY_LIMIT_REASON = "hourly limit"


@pytest.fixture(scope="module")
def mailbox() -> Iterator[Mailbox]:
    box = Mailbox()
    yield box
    box.close()


@pytest.fixture(scope="module")
def table() -> MailTable:
    return MailTable()


@pytest.fixture
def emails(api: Api) -> Emails:
    return Emails(api)


def me(api: Api, access: str) -> dict:
    response = api.me(access)
    assert response.status_code == 200, response.text
    return response.json()


def patch_me(client: httpx.Client, access: str, body: dict) -> httpx.Response:
    return client.patch("/auth/me", json=body, headers=bearer(access))


def reset_token(emails: Emails, mailbox: Mailbox, user: User, count: int) -> str:
    """Asks for a reset mail to `user` and returns its token, once `count` mails have reached the address."""
    assert_accepted(emails.forgot(user.email))
    return token_from(mailbox.newest(user.email, count), RESET_PAGE)


def assert_password_is(api: Api, user: User, password: str, *wrong: str) -> None:
    """`password` logs `user` in; none of `wrong` does."""
    for other in wrong:
        assert_error(api.login(user.username, other), 401, "invalid_credentials")
    response = api.login(user.username, password)
    assert response.status_code == 200, f"login with the expected password: {response.status_code} {response.text}"


def assert_untouched_then_reset(api: Api, emails: Emails, table: MailTable, user: User, token: str,
                                pair: dict) -> None:
    """After refused reset requests: the token is unused, the session alive (its access token
    accepted, its refresh token refreshing), the password the same; then the token resets it."""
    assert "used_at" not in table.token(user.id, token)
    assert_accepted_everywhere(api.client, pair["access"])
    assert api.refresh(pair["refresh"]).status_code == 200
    assert_password_is(api, user, user.password)
    new_password = strong_password()
    assert emails.reset(token, new_password).status_code == 204
    assert_password_is(api, user, new_password, user.password)


def assert_unverified(api: Api, access: str, email: str | None) -> None:
    profile = me(api, access)
    assert profile["email"] == email and profile["email_verified"] is False, profile


# ---------------------------------------------------------------------------------------------------
# Verification


def test_registration_mails_a_verification_link_that_verifies_the_address_once(
    api: Api, emails: Emails, mailbox: Mailbox, table: MailTable
) -> None:
    address = unique_email("welcome")
    before = time.time()
    user = register(api, email=address.upper(), prefix="welcome")
    assert user.profile["email"] == address and user.profile["email_verified"] is False, user.profile
    access = api.tokens(user)["access"]
    assert_unverified(api, access, address)

    [mail] = mailbox.wait_for(address, 1)
    after = time.time()
    assert mail["from"] == SENDER, mail
    assert mail["to"] == [address], mail
    assert PRODUCT in mail["subject"] and "email" in mail["subject"].lower(), mail["subject"]
    assert user.username in mail["text"], mail["text"]
    token = token_from(mail, VERIFY_PAGE)
    assert token_bytes(token)[:16] == ulid_bytes(user.id), "the token starts with its user's id"

    # The outbox item says it was sent, as this very message; the token is stored only as its hash.
    [item] = table.wait_settled(user.id, 1)
    assert item["kind"] == VERIFICATION and item["email"] == address, item
    assert_sent(item, mail)
    record = table.token(user.id, token)
    assert record is not None, "no TOKEN#<sha256> item for the mail's token"
    assert record["kind"] == VERIFICATION and record["email"] == address and "used_at" not in record, record
    expires_at = int(record["expires_at"])
    assert before + VERIFICATION_LIFETIME - 5 <= expires_at <= after + VERIFICATION_LIFETIME + 5, record
    for stored in table.items(user.id):
        assert token not in json.dumps(stored, default=str), f"the raw token is stored: {stored}"

    response = emails.verify(token)
    assert response.status_code == 200, response.text
    assert response.json() == {**user.profile, "email_verified": True}, response.text
    assert me(api, access) == response.json()
    assert table.token(user.id, token).get("used_at"), "the used token is not marked used"

    assert_token_error(emails.verify(token), USED)
    assert me(api, access)["email_verified"] is True
    assert len(mailbox.mails(address)) == 1, "verifying sent no other mail"


def test_registration_without_an_email_mails_nothing_and_an_added_email_gets_a_mail(
    client: httpx.Client, api: Api, emails: Emails, mailbox: Mailbox, table: MailTable
) -> None:
    user = api.new_user(email=False, prefix="noemail")
    assert user.profile["email"] is None and user.profile["email_verified"] is False, user.profile
    access = api.tokens(user)["access"]
    # The outbox item would be written with the account, in one transaction: nothing is there.
    assert table.items(user.id) == []

    body = assert_invalid(emails.resend(access), "email")
    assert set(body["errors"]) == {"email"}, body
    assert table.items(user.id) == [], "a refused resend asked for a mail"

    address = unique_email("added")
    response = patch_me(client, access, {"email": address, "current_password": user.password})
    assert response.status_code == 200, response.text
    assert response.json()["email"] == address and response.json()["email_verified"] is False, response.text
    token = token_from(mailbox.newest(address), VERIFY_PAGE)
    response = emails.verify(token)
    assert response.status_code == 200 and response.json()["email_verified"] is True, response.text
    assert me(api, access)["email"] == address


def test_the_verification_mail_is_sent_again_until_the_address_is_verified(
    client: httpx.Client, api: Api, emails: Emails, mailbox: Mailbox, table: MailTable
) -> None:
    user = register(api, prefix="resend")
    access = api.tokens(user)["access"]
    first = verification_token(mailbox, user)

    assert_error(client.post("/auth/email/verification"), 401, "not_authenticated")
    assert_error(emails.resend("garbage"), 401, "token_not_valid")
    assert_accepted(emails.resend(access))
    mails = mailbox.wait_for(user.email, 2)
    second = token_from(mails[0], VERIFY_PAGE)
    assert second != first, "each mail carries a token of its own"
    outbox = table.wait_settled(user.id, 2)
    assert [item["status"] for item in outbox] == ["sent", "sent"], outbox
    assert outbox[1]["message_id"] == mails[0]["id"], outbox

    # The newest link works once.
    response = emails.verify(second)
    assert response.status_code == 200 and response.json()["email_verified"] is True, response.text
    assert_token_error(emails.verify(second), USED)

    # Once verified: 409, and no mail is asked for.
    body = assert_error(emails.resend(access), 409, "conflict")
    assert "email" in body["errors"], body
    assert len(table.outbox(user.id)) == 2, "a refused resend asked for a mail"

    # The earlier mail's token was not withdrawn by the later one (auth/src/email.rs: each token is
    # single-use on its own): it still confirms the same address, which changes nothing, and is then used.
    response = emails.verify(first)
    assert response.status_code == 200 and response.json() == me(api, access), response.text
    assert me(api, access)["email_verified"] is True
    assert_token_error(emails.verify(first), USED)
    assert len(mailbox.mails(user.email)) == 2


def test_a_changed_email_is_unverified_again_and_links_to_the_old_address_stop_working(
    client: httpx.Client, api: Api, emails: Emails, mailbox: Mailbox, table: MailTable
) -> None:
    user = register(api, prefix="mover")
    old = user.email
    access = api.tokens(user)["access"]
    unused = verification_token(mailbox, user)  # mail 1 to the old address, never used
    assert_accepted(emails.resend(access))
    response = emails.verify(verification_token(mailbox, user, 2))  # mail 2
    assert response.status_code == 200 and response.json()["email_verified"] is True, response.text
    reset = reset_token(emails, mailbox, user, 3)  # mail 3: a reset link to the old address
    assert len(table.wait_settled(user.id, 2)) == 2

    # Neither a new username nor the same address spelled otherwise changes the verification.
    new_name = f"{user.username}_2"
    response = patch_me(client, access, {"username": new_name, "current_password": user.password})
    assert response.status_code == 200 and response.json()["email_verified"] is True, response.text
    user.username = new_name
    response = patch_me(client, access, {"email": old.upper(), "current_password": user.password})
    assert response.status_code == 200, response.text
    assert response.json()["email"] == old and response.json()["email_verified"] is True, response.text
    assert len(table.outbox(user.id)) == 2, "an unchanged address got a verification mail"

    # A new address: unverified, and it gets a verification mail.
    new = unique_email("moved")
    response = patch_me(client, access, {"email": new, "current_password": user.password})
    assert response.status_code == 200, response.text
    assert response.json()["email"] == new and response.json()["email_verified"] is False, response.text
    assert_unverified(api, access, new)
    new_token = token_from(mailbox.newest(new), VERIFY_PAGE)
    items = table.wait_settled(user.id, 3)
    assert items[-1]["email"] == new and items[-1]["status"] == "sent", items

    # The links sent to the old address no longer work, and change nothing.
    assert_token_error(emails.verify(unused), NO_LONGER)
    assert_unverified(api, access, new)
    assert_token_error(emails.reset(reset, strong_password()), NO_LONGER)
    assert_password_is(api, user, user.password)

    response = emails.verify(new_token)
    assert response.status_code == 200, response.text
    assert response.json()["email"] == new and response.json()["email_verified"] is True, response.text

    # Removing the email: unverified, no mail, nothing to resend.
    response = patch_me(client, access, {"email": None, "current_password": user.password})
    assert response.status_code == 200, response.text
    assert response.json()["email"] is None and response.json()["email_verified"] is False, response.text
    assert_unverified(api, access, None)
    assert len(table.outbox(user.id)) == 3, "removing the email asked for a mail"
    assert_invalid(emails.resend(access), "email")
    assert_token_error(emails.verify(new_token), USED)
    assert len(mailbox.mails(old)) == 3 and len(mailbox.mails(new)) == 1


def test_a_token_of_a_deleted_account_is_not_valid(
    client: httpx.Client, api: Api, emails: Emails, mailbox: Mailbox
) -> None:
    unverified = register(api, prefix="gone")
    verify = verification_token(mailbox, unverified)
    verified = verified_user(api, mailbox, prefix="gone")
    reset = reset_token(emails, mailbox, verified, 2)
    for user in (unverified, verified):
        access = api.tokens(user)["access"]
        response = client.request("DELETE", "/auth/me", json={"password": user.password}, headers=bearer(access))
        assert response.status_code == 204, response.text
    assert_token_error(emails.verify(verify), NOT_VALID)
    assert_token_error(emails.reset(reset, strong_password()), NOT_VALID)


# ---------------------------------------------------------------------------------------------------
# Password reset


def test_forgot_answers_alike_for_every_address_and_mails_only_a_verified_one(
    api: Api, emails: Emails, mailbox: Mailbox, table: MailTable
) -> None:
    unknown = unique_email("nobody")
    unverified = register(api, prefix="unverified")
    verified = verified_user(api, mailbox, prefix="verified")

    before = time.time()
    answers = [emails.forgot(address) for address in (unknown, unverified.email, verified.email)]
    bodies = [assert_accepted(answer) for answer in answers]
    assert bodies[0] == bodies[1] == bodies[2], bodies
    assert len({answer.headers.get("content-length") for answer in answers}) == 1

    assert_dropped(table.wait_settled(address_owner(unknown), 1)[0], "no account has this address")
    assert_dropped(table.wait_settled(address_owner(unverified.email), 1)[0], "not verified")
    [item] = table.wait_settled(address_owner(verified.email), 1)
    assert item["kind"] == RESET and item["email"] == verified.email, item

    mail = mailbox.newest(verified.email, 2)
    assert_sent(item, mail)
    assert mail["from"] == SENDER and mail["to"] == [verified.email], mail
    assert PRODUCT in mail["subject"] and "password" in mail["subject"].lower(), mail["subject"]
    token = token_from(mail, RESET_PAGE)
    record = table.token(verified.id, token)
    assert record is not None and record["kind"] == RESET and record["email"] == verified.email, record
    assert before - 5 + RESET_LIFETIME <= int(record["expires_at"]) <= time.time() + RESET_LIFETIME + 5, record

    # Only the verification mails went to the others.
    assert mailbox.mails(unknown) == []
    assert len(mailbox.mails(unverified.email)) == 1
    assert len(mailbox.mails(verified.email)) == 2

    # The address is matched whatever its case.
    assert_accepted(emails.forgot(verified.email.upper()))
    assert token_from(mailbox.newest(verified.email, 3), RESET_PAGE) != token
    assert [i["status"] for i in table.wait_settled(address_owner(verified.email), 2)] == ["sent", "sent"]


def test_a_reset_sets_the_new_password_and_ends_every_session(
    client: httpx.Client, api: Api, emails: Emails, mailbox: Mailbox, table: MailTable
) -> None:
    user = verified_user(api, mailbox, prefix="resetter")
    pairs = [api.tokens(user) for _ in range(2)]
    token = reset_token(emails, mailbox, user, 2)
    new_password = strong_password()

    response = emails.reset(token, new_password)
    assert response.status_code == 204, response.text
    assert response.content == b""

    for pair in pairs:
        assert_refused_everywhere(client, pair["access"])
        assert_error(api.refresh(pair["refresh"]), 401, "token_not_valid")
    assert_password_is(api, user, new_password, user.password)
    assert table.token(user.id, token).get("used_at"), "the used token is not marked used"

    # The token worked once.
    assert_token_error(emails.reset(token, strong_password()), USED)
    assert_password_is(api, user, new_password)
    fresh = api.tokens(User(user.username, new_password, user.email, user.profile))
    assert me(api, fresh["access"]) == user.profile, "the reset changed nothing else of the account"


def test_a_refused_reset_changes_nothing_and_leaves_the_token_usable(
    api: Api, emails: Emails, mailbox: Mailbox, table: MailTable
) -> None:
    user = verified_user(api, mailbox, prefix="picky")
    pair = api.tokens(user)
    token = reset_token(emails, mailbox, user, 2)

    for weak in ("12345678", "1234567890", user.username, "short1", "password", "p" * 129):
        body = assert_invalid(emails.reset(token, weak), "new_password")
        assert set(body["errors"]) == {"new_password"}, f"{weak!r}: {body}"
    for wrong in (None, 12345678, True, [], {}):
        body = assert_invalid(emails.reset(token, wrong), "new_password")
        assert set(body["errors"]) == {"new_password"}, f"{wrong!r}: {body}"
    body = assert_invalid(api.client.post("/auth/password/reset", json={"token": token}), "new_password")
    assert body["errors"] == {"new_password": ["This field is required."]}, body

    assert_untouched_then_reset(api, emails, table, user, token, pair)


def test_racing_resets_with_one_token_have_one_winner(
    base_url: str, api: Api, emails: Emails, mailbox: Mailbox
) -> None:
    user = verified_user(api, mailbox, prefix="racer")
    token = reset_token(emails, mailbox, user, 2)
    passwords = [strong_password() for _ in range(4)]

    def reset(client: httpx.Client, i: int) -> httpx.Response:
        return client.post("/auth/password/reset", json={"token": token, "new_password": passwords[i]})

    answers = released_together(base_url, len(passwords), reset)
    assert sorted(a.status_code for a in answers) == [204, 400, 400, 400], [(a.status_code, a.text) for a in answers]
    winner = next(i for i, a in enumerate(answers) if a.status_code == 204)
    for answer in answers:
        if answer.status_code == 400:
            assert_token_error(answer, USED)
    assert_password_is(api, user, passwords[winner], user.password,
                       *(p for i, p in enumerate(passwords) if i != winner))


def test_a_reset_clears_the_login_throttle(api: Api, emails: Emails, mailbox: Mailbox) -> None:
    user = verified_user(api, mailbox, prefix="lockedout")
    for attempt in range(LOGIN_MAX_FAILURES):
        assert_error(api.login(user.username, f"wrong-password-{attempt}"), 401, "invalid_credentials")
    assert_error(api.login(user.username, user.password), 429, "throttled")

    new_password = strong_password()
    assert emails.reset(reset_token(emails, mailbox, user, 2), new_password).status_code == 204
    response = api.login(user.username, new_password)
    assert response.status_code == 200, f"still throttled after the reset: {response.status_code} {response.text}"


def test_a_reset_clears_the_login_throttle_of_the_email_too(api: Api, emails: Emails, mailbox: Mailbox) -> None:
    # The login name may be the email (API.md "Auth"); failures are counted per login name, so a user
    # locked out by logging in with the address must get in with it after resetting through it.
    user = verified_user(api, mailbox, prefix="lockedmail")
    for attempt in range(LOGIN_MAX_FAILURES):
        assert_error(api.login(user.email, f"wrong-password-{attempt}"), 401, "invalid_credentials")
    assert_error(api.login(user.email, user.password), 429, "throttled")

    new_password = strong_password()
    assert emails.reset(reset_token(emails, mailbox, user, 2), new_password).status_code == 204
    assert api.login(user.username, new_password).status_code == 200
    response = api.login(user.email, new_password)
    assert response.status_code == 200, (
        f"login with the email is still throttled after a reset: {response.status_code} {response.text}"
    )


# ---------------------------------------------------------------------------------------------------
# Tokens that do not work


def test_a_token_of_one_kind_does_not_work_for_the_other(
    api: Api, emails: Emails, mailbox: Mailbox, table: MailTable
) -> None:
    unverified = register(api, prefix="kinds")
    access = api.tokens(unverified)["access"]
    verify = verification_token(mailbox, unverified)
    verified = verified_user(api, mailbox, prefix="kinds")
    reset = reset_token(emails, mailbox, verified, 2)

    assert_token_error(emails.reset(verify, strong_password()), NOT_VALID)
    assert_password_is(api, unverified, unverified.password)
    assert_unverified(api, access, unverified.email)
    assert_token_error(emails.verify(reset), NOT_VALID)
    assert "used_at" not in table.token(unverified.id, verify) and "used_at" not in table.token(verified.id, reset)

    # Both still work where they belong.
    assert emails.verify(verify).status_code == 200
    new_password = strong_password()
    assert emails.reset(reset, new_password).status_code == 204
    assert_password_is(api, verified, new_password, verified.password)


def _bad_tokens(victim: User, other: User, genuine: str) -> dict[str, str]:
    """Strings that are no usable token, built around `genuine` (a real token of `victim`)."""
    random_part = token_bytes(genuine)[16:]
    standard = genuine.replace("-", "+").replace("_", "/")
    cases = {
        "empty": "",
        "short": "abc",
        "random-64": b64url(os.urandom(48)),
        "unknown-user": make_token(UNKNOWN_USER_ID),
        "right-user-unknown-secret": make_token(victim.id),
        "genuine-secret-of-another-user": make_token(other.id, random_part),
        "truncated": genuine[:-1],
        "extended": genuine + "A",
        "padded": genuine + "=",
        "upper-cased": genuine.upper(),
        "jwt-shaped": "abc.def.ghi",
        "hash-instead-of-token": token_hash(genuine),
        "spaces-inside": genuine[:32] + " " + genuine[32:],
    }
    if standard != genuine:
        cases["standard-base64-alphabet"] = standard
    for value in cases.values():
        remember_secret(value)
    return {name: value for name, value in cases.items() if value != genuine}


WRONG_TYPES = [1, 0, True, False, [], ["x"], {}, {"token": "x"}]


def test_bad_verification_tokens_are_invalid_and_change_nothing(
    api: Api, emails: Emails, mailbox: Mailbox, table: MailTable
) -> None:
    user = register(api, prefix="badverify")
    other = register(api, prefix="badverify")
    access = api.tokens(user)["access"]
    genuine = verification_token(mailbox, user)

    for name, value in _bad_tokens(user, other, genuine).items():
        response = emails.verify(value)
        assert response.status_code == 400, f"{name}: {response.status_code} {response.text}"
        assert_token_error(response, NOT_VALID)
    assert assert_token_error(api.client.post("/auth/email/verify", json={}), None)["errors"]["token"] == [
        "This field is required."
    ]
    assert assert_token_error(emails.verify(None), None)["errors"]["token"] == ["This field may not be null."]
    for wrong in WRONG_TYPES:
        assert_token_error(emails.verify(wrong), None)
    unknown = api.client.post("/auth/email/verify", json={"token": genuine, "user_id": user.id})
    assert assert_invalid(unknown, "user_id")["errors"]["user_id"] == ["Unknown field."]

    assert_unverified(api, access, user.email)
    assert "used_at" not in table.token(user.id, genuine)
    response = emails.verify(genuine)
    assert response.status_code == 200 and response.json()["email_verified"] is True, response.text


def test_bad_reset_tokens_are_invalid_and_change_nothing(
    api: Api, emails: Emails, mailbox: Mailbox, table: MailTable
) -> None:
    user = verified_user(api, mailbox, prefix="badreset")
    other = verified_user(api, mailbox, prefix="badreset")
    pair = api.tokens(user)
    genuine = reset_token(emails, mailbox, user, 2)

    for name, value in _bad_tokens(user, other, genuine).items():
        response = emails.reset(value, strong_password())
        assert response.status_code == 400, f"{name}: {response.status_code} {response.text}"
        assert_token_error(response, NOT_VALID)
    body = assert_invalid(api.client.post("/auth/password/reset", json={"new_password": strong_password()}), "token")
    assert body["errors"] == {"token": ["This field is required."]}, body
    body = assert_invalid(api.client.post("/auth/password/reset", json={}), "token", "new_password")
    assert set(body["errors"]) == {"token", "new_password"}, body
    assert_token_error(emails.reset(None, strong_password()), "This field may not be null.")
    for wrong in WRONG_TYPES:
        assert_token_error(emails.reset(wrong, strong_password()), None)
    # A bad token and a bad password: both reported at once.
    body = assert_invalid(emails.reset("abc", "12345678"), "token", "new_password")
    assert set(body["errors"]) == {"token", "new_password"}, body
    unknown = api.client.post("/auth/password/reset",
                              json={"token": genuine, "new_password": strong_password(), "username": "x"})
    assert assert_invalid(unknown, "username")["errors"]["username"] == ["Unknown field."]

    assert_untouched_then_reset(api, emails, table, user, genuine, pair)


def test_expired_and_foreign_tokens_are_refused_and_a_well_made_one_works(
    api: Api, emails: Emails, mailbox: Mailbox, table: MailTable
) -> None:
    # Token items written straight into the mail table, as the mailer writes them: the control at the
    # end (an unexpired one made the same way works) shows that only the expiry made the others fail.
    user = register(api, prefix="expiry")
    access = api.tokens(user)["access"]
    now = int(time.time())

    expired = make_token(user.id)
    table.put_token(user.id, expired, VERIFICATION, user.email, now - 60)
    assert_token_error(emails.verify(expired), EXPIRED)
    used_and_expired = make_token(user.id)
    table.put_token(user.id, used_and_expired, VERIFICATION, user.email, now - 60, used_at="2020-01-01T00:00:00.000Z")
    assert_token_error(emails.verify(used_and_expired), USED)
    elsewhere = make_token(user.id)
    table.put_token(user.id, elsewhere, VERIFICATION, f"elsewhere.{uuid.uuid4().hex[:8]}@example.com", now + 3600)
    assert_token_error(emails.verify(elsewhere), NO_LONGER)
    assert_unverified(api, access, user.email)
    assert "used_at" not in table.token(user.id, expired)

    made = make_token(user.id)
    table.put_token(user.id, made, VERIFICATION, user.email, now + 3600)
    response = emails.verify(made)
    assert response.status_code == 200 and response.json()["email_verified"] is True, response.text

    # The same for a reset (its account's address is verified now).
    pair = api.tokens(user)
    expired = make_token(user.id)
    table.put_token(user.id, expired, RESET, user.email, now - 60)
    assert_token_error(emails.reset(expired, strong_password()), EXPIRED)
    elsewhere = make_token(user.id)
    table.put_token(user.id, elsewhere, RESET, f"elsewhere.{uuid.uuid4().hex[:8]}@example.com", now + 600)
    assert_token_error(emails.reset(elsewhere, strong_password()), NO_LONGER)
    wrong_kind = make_token(user.id)
    table.put_token(user.id, wrong_kind, VERIFICATION, user.email, now + 600)
    assert_token_error(emails.reset(wrong_kind, strong_password()), NOT_VALID)
    assert_accepted_everywhere(api.client, pair["access"])
    assert_password_is(api, user, user.password)

    made = make_token(user.id)
    table.put_token(user.id, made, RESET, user.email, now + 600)
    new_password = strong_password()
    assert emails.reset(made, new_password).status_code == 204
    assert_password_is(api, user, new_password, user.password)


# ---------------------------------------------------------------------------------------------------
# The hourly limit of mails to one address


def test_at_most_the_hourly_limit_of_mails_goes_to_one_address(
    api: Api, emails: Emails, mailbox: Mailbox, table: MailTable
) -> None:
    user = verified_user(api, mailbox, prefix="limited")  # its verification mail counts
    answers = [emails.forgot(user.email) for _ in range(HOURLY_LIMIT)]
    bodies = [assert_accepted(answer) for answer in answers]
    assert all(body == bodies[0] for body in bodies), bodies

    items = table.wait_settled(address_owner(user.email), HOURLY_LIMIT)
    assert len(items) == HOURLY_LIMIT, items
    for item in items[:-1]:
        assert item["status"] == "sent", items
    assert_dropped(items[-1], HOURLY_LIMIT_REASON)
    assert items[-1].get("counted") is not True, items[-1]

    # Every item is settled: this is all that will ever reach the address.
    mails = mailbox.mails(user.email)
    assert len(mails) == HOURLY_LIMIT, [m["subject"] for m in mails]
    reset_tokens = {token_from(mail, RESET_PAGE) for mail in mails[:-1]}
    assert len(reset_tokens) == HOURLY_LIMIT - 1
    assert [item["message_id"] for item in items[:-1]] == [mail["id"] for mail in reversed(mails[:-1])]


def test_resending_beyond_the_hourly_limit_is_accepted_and_sends_nothing(
    api: Api, emails: Emails, mailbox: Mailbox, table: MailTable
) -> None:
    user = register(api, prefix="resender")  # the registration's mail counts
    access = api.tokens(user)["access"]
    for _ in range(HOURLY_LIMIT):
        assert_accepted(emails.resend(access))

    items = table.wait_settled(user.id, HOURLY_LIMIT + 1)
    assert [item["status"] for item in items] == ["sent"] * HOURLY_LIMIT + ["dropped"], items
    assert_dropped(items[-1], HOURLY_LIMIT_REASON)
    mails = mailbox.mails(user.email)
    assert len(mails) == HOURLY_LIMIT, [m["subject"] for m in mails]
    response = emails.verify(token_from(mails[0], VERIFY_PAGE))
    assert response.status_code == 200 and response.json()["email_verified"] is True, response.text


# ---------------------------------------------------------------------------------------------------
# Failures of the mail service are recorded


def test_a_rejected_mail_is_recorded_failed_after_one_attempt(
    api: Api, mailbox: Mailbox, table: MailTable
) -> None:
    address = f"bounce.{uuid.uuid4().hex[:12]}@reject.invalid"
    user = register(api, email=address, prefix="bounce")  # the answer does not wait on the mail
    assert user.profile["email_verified"] is False

    [item] = table.wait_settled(user.id, 1)
    assert item["status"] == "failed" and int(item["attempts"]) == 1, item
    assert "MessageRejected" in item.get("reason", ""), item
    assert "message_id" not in item, item
    assert mailbox.read(address) == {"results": [], "rejected_attempts": {address: 1}}


def test_an_unavailable_mail_service_is_tried_again_then_recorded_failed(
    api: Api, mailbox: Mailbox, table: MailTable
) -> None:
    address = f"later.{uuid.uuid4().hex[:12]}@unavailable.invalid"
    user = register(api, email=address, prefix="later")

    [item] = table.wait_settled(user.id, 1, deadline=FAILURE_DEADLINE)
    assert item["status"] == "failed" and int(item["attempts"]) == MAX_ATTEMPTS, item
    assert item.get("reason"), item
    assert "message_id" not in item, item
    seen = mailbox.read(address)
    assert seen["results"] == [], seen
    assert seen["rejected_attempts"].get(address, 0) >= MAX_ATTEMPTS, seen

    # The mailer went on: the next mail goes out.
    after = register(api, prefix="after")
    assert token_from(mailbox.newest(after.email), VERIFY_PAGE)


# ---------------------------------------------------------------------------------------------------
# Bad input to /auth/password/forgot: 400 naming email, and nothing written


def test_bad_forgot_requests_are_refused_and_write_nothing(api: Api, emails: Emails, table: MailTable) -> None:
    client = api.client
    address = unique_email("refused")

    body = assert_invalid(client.post("/auth/password/forgot", json={}), "email")
    assert body["errors"] == {"email": ["This field is required."]}, body
    assert assert_invalid(emails.forgot(None), "email")["errors"] == {"email": ["This field may not be null."]}
    for bad in ("", " ", "not-an-email", "a@", "@example.com", "two@@example.com", "a b@example.com",
                "x" * 300 + "@example.com", 123, 0, True, [], [address], {}, {"email": address}):
        body = assert_invalid(emails.forgot(bad), "email")
        assert set(body["errors"]) == {"email"}, f"{bad!r}: {body}"
    body = assert_invalid(client.post("/auth/password/forgot", json={"email": address, "username": "x"}), "username")
    assert body["errors"]["username"] == ["Unknown field."], body

    good = json.dumps({"email": address})

    def send(content: str, content_type: str = "application/json") -> httpx.Response:
        return client.post("/auth/password/forgot", content=content.encode(), headers={"Content-Type": content_type})

    for text in ("[]", '"x"', "null", "42"):
        assert_error(send(text), 400, "parse_error")
    for text in ("{", good[:-1], "{'email': 1}", ""):
        assert_error(send(text), 400, "parse_error")
    for content_type in ("text/plain", "application/x-www-form-urlencoded", "application/json; charset=latin1"):
        assert_error(send(good, content_type), 415, "unsupported_media_type")
    padded = good[:-1] + " " * (64 * 1024 + 1 - len(good)) + "}"
    assert_error(send(padded), 413, "payload_too_large")

    assert table.outbox(address_owner(address)) == [], "a refused request asked for a mail"
    assert_accepted(send(good[:-1] + " " * (64 * 1024 - len(good)) + "}"))  # exactly 64 KiB is read
    assert len(table.outbox(address_owner(address))) == 1

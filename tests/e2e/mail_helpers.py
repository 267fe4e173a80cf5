"""Helpers for the tests of mail (API.md "Email: verification and password reset"): the mailbox the
local gateway keeps (its stand-in for SES v2), the mail table read and written straight in DynamoDB
Local, the tokens of the mails' links, and the four email routes.

How a mail happens: the auth function writes a request into the outbox (a `MAIL#<ulid>` item of the
mail table, under the user's id, or under `ADDRESS#<email>` for a password reset); the mailer function,
driven by that table's stream through the gateway, decides, issues a token (stored only as
`TOKEN#<sha256>` under the user), sends through SES v2, and records on the outbox item what became of
it: `status` sent | dropped | failed, `reason`, `attempts`, `counted`, `message_id`. So a test that
wants to prove that *no* mail went out waits for the outbox item to be settled (to have a status)
and then looks at the mailbox: nothing can arrive for a settled item any more.

Every wait is bounded and polls. A mail normally arrives within a couple of seconds; the deadline is
generous because the stream is one queue for the whole suite, and earlier tests register many users
with an email (each one a verification mail the mailer sends before ours).

Tokens read from mails are added to the suite's record of secrets (conftest), like every token the
tests send, so that the logs check (tests/logs/check_logs.py) fails if one shows up in a log.
"""

from __future__ import annotations

import base64
import os
import re
import time
from pathlib import Path
from typing import Any, Callable, TypeVar

import boto3
import httpx
import pytest
from boto3.dynamodb.conditions import Key
from botocore.config import Config

import conftest
from conftest import Api, User, assert_invalid, bearer, dev_env, strong_password, unique_email, unique_username
from realtime_helpers import table_names
from stack_files import b64url, read_env_file, token_hash, ulid_bytes
from test_mailbox import gateway_url

T = TypeVar("T")

_DEV = dev_env()
FRONTEND_URL = _DEV["FRONTEND_URL"].rstrip("/")
SENDER = _DEV["MAIL_FROM_ADDRESS"]
HOURLY_LIMIT = int(_DEV["MAIL_HOURLY_LIMIT"])
MAX_ATTEMPTS = int(_DEV["MAIL_MAX_ATTEMPTS"])
PRODUCT = "taskmoney"  # the mailer's PRODUCT_NAME default, which the local stack keeps

VERIFY_PAGE = "/verify-email"
RESET_PAGE = "/reset-password"
VERIFICATION = "email_verification"
RESET = "password_reset"

VERIFICATION_LIFETIME = 24 * 3600
RESET_LIFETIME = 30 * 60

# errors.token messages
NOT_VALID = "This link is not valid."
USED = "This link has been used already."
EXPIRED = "This link has expired; ask for a new one."
NO_LONGER = "This link was sent to an address the account no longer has."

# Bounded waits: how long a mail (or an outbox item's outcome) may take, and the poll interval.
MAIL_DEADLINE = 60.0
# A mail to the unavailable address is tried MAX_ATTEMPTS times, each up to 3 SDK tries with back-off,
# with the gateway's back-off (up to 5 s) between the attempts.
FAILURE_DEADLINE = 120.0
POLL = 0.2

TOKEN_SHAPE = re.compile(r"^[A-Za-z0-9_-]{64}$")


def eventually(probe: Callable[[], T | None], deadline: float, what: Callable[[], str]) -> T:
    """probe() until it returns something other than None, polling, for at most `deadline` seconds."""
    ends = time.monotonic() + deadline
    while True:
        found = probe()
        if found is not None:
            return found
        if time.monotonic() > ends:
            pytest.fail(f"after {deadline:.0f} s: {what()}")
        time.sleep(POLL)


# ---------------------------------------------------------------------------------------------------
# Tokens


def remember_secret(token: str) -> None:
    """Adds a mail's token to the suite's record of secrets, which the logs check looks for."""
    conftest._secrets.add(token)


def token_bytes(token: str) -> bytes:
    return base64.urlsafe_b64decode(token + "=" * (-len(token) % 4))


def make_token(user_id: str, random_part: bytes | None = None) -> str:
    """A token in the mails' shape: the user's ULID as 16 bytes, then 32 random bytes, in unpadded
    URL-safe base64 (64 characters). Remembered as a secret."""
    token = b64url(ulid_bytes(user_id) + (random_part if random_part is not None else os.urandom(32)))
    remember_secret(token)
    return token


def token_from(mail: dict, page: str) -> str:
    """The token of `mail`'s one link, which must be FRONTEND_URL + page + ?token=..., in both bodies."""
    prefix = f"{FRONTEND_URL}{page}?token="
    assert len(mail["links"]) == 1, f"a mail with one link expected: {mail['links']}"
    link = mail["links"][0]
    assert link.startswith(prefix), f"the link does not open {prefix}...: {link}"
    token = link[len(prefix):]
    remember_secret(token)
    assert TOKEN_SHAPE.match(token), f"not 64 URL-safe base64 characters: {token!r}"
    assert link in mail["text"], f"the text body lacks the link: {mail['text']!r}"
    assert mail["html"] and f'href="{link}"' in mail["html"], f"the HTML body lacks the link: {mail['html']!r}"
    return token


# ---------------------------------------------------------------------------------------------------
# The gateway's mailbox (GET /mail), not through the suite's recording client: no exchange of the API's


class Mailbox:
    def __init__(self) -> None:
        self.client = httpx.Client(base_url=gateway_url(), timeout=httpx.Timeout(10.0, connect=5.0), trust_env=False)

    def close(self) -> None:
        self.client.close()

    def read(self, to: str) -> dict:
        response = self.client.get("/mail", params={"to": to})
        assert response.status_code == 200, response.text
        body = response.json()
        assert set(body) == {"results", "rejected_attempts"}, body
        return body

    def mails(self, to: str) -> list[dict]:
        """Every mail captured to `to`, newest first."""
        return self.read(to)["results"]

    def wait_for(self, to: str, count: int) -> list[dict]:
        """The mails to `to` once there are at least `count` (newest first); fails after MAIL_DEADLINE."""
        return eventually(
            lambda: (lambda found: found if len(found) >= count else None)(self.mails(to)),
            MAIL_DEADLINE,
            lambda: f"{len(self.mails(to))} mail(s) to {to}, {count} expected",
        )

    def newest(self, to: str, count: int = 1) -> dict:
        """The newest mail to `to`, once `count` mails have arrived there."""
        return self.wait_for(to, count)[0]


# ---------------------------------------------------------------------------------------------------
# The mail table, straight from DynamoDB Local


def _dynamodb_endpoint() -> str:
    endpoint = os.environ.get("AWS_ENDPOINT_URL_DYNAMODB", "").strip()
    state_dir = os.environ.get("E2E_STATE_DIR", "").strip()
    if not endpoint and state_dir and (Path(state_dir) / "stack.env").is_file():
        endpoint = read_env_file(Path(state_dir) / "stack.env").get("AWS_ENDPOINT_URL_DYNAMODB", "")
    if not endpoint:
        pytest.fail("neither AWS_ENDPOINT_URL_DYNAMODB nor E2E_STATE_DIR/stack.env names DynamoDB Local "
                    "(local/test sets both)")
    return endpoint


def address_owner(email: str) -> str:
    """The owner of a password-reset request's outbox item."""
    return f"ADDRESS#{email.lower()}"


class MailTable:
    """The mail table: outbox items (`MAIL#...`) and tokens (`TOKEN#<sha256>`), key (owner, id)."""

    def __init__(self) -> None:
        name = table_names().get("MAIL_TABLE")
        assert name, "tables.env names no MAIL_TABLE"
        resource = boto3.resource(
            "dynamodb", endpoint_url=_dynamodb_endpoint(), region_name="us-east-1",
            aws_access_key_id="local", aws_secret_access_key="local",
            config=Config(connect_timeout=2, read_timeout=10, retries={"max_attempts": 2}),
        )
        self.table = resource.Table(name)

    def items(self, owner: str, prefix: str = "") -> list[dict]:
        """Every item under `owner` whose id starts with `prefix`, oldest id first (strongly consistent)."""
        condition = Key("owner").eq(owner)
        if prefix:
            condition = condition & Key("id").begins_with(prefix)
        found: list[dict] = []
        options: dict[str, Any] = {"KeyConditionExpression": condition, "ConsistentRead": True}
        while True:
            page = self.table.query(**options)
            found += page["Items"]
            if "LastEvaluatedKey" not in page:
                return found
            options["ExclusiveStartKey"] = page["LastEvaluatedKey"]

    def outbox(self, owner: str) -> list[dict]:
        """The outbox items under `owner` (a user id, or address_owner(email)), oldest first."""
        return self.items(owner, "MAIL#")

    def tokens(self, owner: str) -> list[dict]:
        return self.items(owner, "TOKEN#")

    def token(self, user_id: str, token: str) -> dict | None:
        item = self.table.get_item(Key={"owner": user_id, "id": f"TOKEN#{token_hash(token)}"}, ConsistentRead=True)
        return item.get("Item")

    def put_token(self, user_id: str, token: str, kind: str, email: str, expires_at: int,
                  used_at: str | None = None) -> None:
        """Stores a token's record as the mailer does (only its hash), e.g. one that expired already."""
        item: dict[str, Any] = {"owner": user_id, "id": f"TOKEN#{token_hash(token)}", "kind": kind, "email": email,
                                "expires_at": expires_at}
        if used_at is not None:
            item["used_at"] = used_at
        self.table.put_item(Item=item)

    def wait_settled(self, owner: str, count: int, deadline: float = MAIL_DEADLINE) -> list[dict]:
        """The outbox items under `owner` once there are at least `count` and every one has a status
        (sent, dropped or failed); oldest first."""
        def settled() -> list[dict] | None:
            items = self.outbox(owner)
            return items if len(items) >= count and all(item.get("status") for item in items) else None

        return eventually(settled, deadline,
                          lambda: f"the outbox of {owner} is not settled ({count} expected): {self.outbox(owner)}")


def assert_sent(item: dict, mail: dict | None = None) -> None:
    assert item["status"] == "sent", item
    assert item.get("counted") is True, item
    assert int(item["attempts"]) == 0, item
    assert "reason" not in item, item
    if mail is not None:
        assert item["message_id"] == mail["id"], (item, mail["id"])


def assert_dropped(item: dict, reason_contains: str) -> None:
    assert item["status"] == "dropped", item
    assert reason_contains in item.get("reason", ""), item
    assert "message_id" not in item, item


# ---------------------------------------------------------------------------------------------------
# The routes


class Emails:
    """The four email routes over the suite's recording client; each returns the raw response."""

    def __init__(self, api: Api) -> None:
        self.api = api
        self.client = api.client

    def resend(self, access: str) -> httpx.Response:
        return self.client.post("/auth/email/verification", headers=bearer(access))

    def verify(self, token: Any) -> httpx.Response:
        return self.client.post("/auth/email/verify", json={"token": token})

    def forgot(self, email: Any) -> httpx.Response:
        return self.client.post("/auth/password/forgot", json={"email": email})

    def reset(self, token: Any, new_password: Any) -> httpx.Response:
        return self.client.post("/auth/password/reset", json={"token": token, "new_password": new_password})


def assert_accepted(response: httpx.Response) -> dict:
    """202 {"detail": "..."}."""
    request = response.request
    assert response.status_code == 202, f"{request.method} {request.url.path}: {response.status_code} {response.text}"
    assert response.headers.get("content-type", "").startswith("application/json"), response.headers
    body = response.json()
    assert isinstance(body, dict) and set(body) == {"detail"}, body
    assert isinstance(body["detail"], str) and body["detail"].strip(), body
    return body


def assert_token_error(response: httpx.Response, message: str | None = NOT_VALID) -> dict:
    """400 `invalid` naming `token` only (with exactly this message unless message is None)."""
    body = assert_invalid(response, "token")
    assert set(body["errors"]) == {"token"}, body
    if message is not None:
        assert body["errors"]["token"] == [message], body
    return body


def register(api: Api, email: str | None = None, prefix: str = "mail") -> User:
    """A fresh user with `email` (a fresh one when None)."""
    username = unique_username(prefix)
    password = strong_password()
    address = email if email is not None else unique_email(prefix)
    response = api.register(username=username, email=address, password=password)
    assert response.status_code == 201, f"registration failed: {response.status_code} {response.text}"
    return User(username=username, password=password, email=response.json()["email"], profile=response.json())


def verification_token(mailbox: Mailbox, user: User, count: int = 1) -> str:
    """The token of the newest verification mail to `user`, once `count` mails have arrived there."""
    assert user.email
    return token_from(mailbox.newest(user.email, count), VERIFY_PAGE)


def verified_user(api: Api, mailbox: Mailbox, prefix: str = "verified") -> User:
    """A fresh user whose email is verified (through its registration's mail); profile updated."""
    user = register(api, prefix=prefix)
    response = Emails(api).verify(verification_token(mailbox, user))
    assert response.status_code == 200, response.text
    assert response.json()["email_verified"] is True, response.text
    user.profile = response.json()
    return user

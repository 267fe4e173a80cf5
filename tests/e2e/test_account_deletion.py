"""Deleting an account (API.md "Sessions and accounts", `DELETE /auth/me`), over HTTP against the
local stack: the account ends at once (every token refused, both names free, WebSocket connections
closed) and the purge function, fed by the users table's stream, leaves nothing of it in any table.
"""

from __future__ import annotations

import os
import time
import uuid

import boto3
import httpx
import pytest
from botocore.config import Config
from websockets.exceptions import ConnectionClosed

from conftest import LOGIN_MAX_FAILURES, Api, Tasks, User, assert_error, assert_invalid, bearer
from finance_helpers import Finance
from realtime_helpers import Socket, table_names
from test_sessions import assert_refused_everywhere

# The contract: an account of up to 10,000 items is gone from every table within a minute.
PURGE_DEADLINE = 60.0
# The purge closes connections as its first step: well within this.
CLOSE_DEADLINE = 20.0


def delete_account(client: httpx.Client, access: str, password: object) -> httpx.Response:
    return client.request("DELETE", "/auth/me", json={"password": password}, headers=bearer(access))


class Tables:
    """Every table of the stack (tables.env), read straight from DynamoDB Local."""

    def __init__(self) -> None:
        endpoint = os.environ.get("AWS_ENDPOINT_URL_DYNAMODB", "").strip()
        if not endpoint:
            pytest.fail("AWS_ENDPOINT_URL_DYNAMODB is not set (local/test exports DynamoDB Local's address)")
        self.names = table_names()
        self.client = boto3.client(
            "dynamodb", endpoint_url=endpoint,
            config=Config(connect_timeout=2, read_timeout=10, retries={"max_attempts": 2}),
        )

    def traces_of(self, user_id: str) -> list[tuple[str, dict]]:
        """Every item of every table with a string attribute that contains `user_id`."""
        found = []
        for variable, table in sorted(self.names.items()):
            for page in self.client.get_paginator("scan").paginate(TableName=table, ConsistentRead=True):
                for item in page["Items"]:
                    if any(user_id in value.get("S", "") for value in item.values()):
                        found.append((variable, item))
        return found

    def wait_until_gone(self, user_id: str, deadline: float) -> None:
        while True:
            traces = self.traces_of(user_id)
            if not traces:
                return
            if time.monotonic() > deadline:
                tables = sorted({variable for variable, _ in traces})
                pytest.fail(f"{len(traces)} item(s) of the deleted user left in {tables}: {traces[:5]}")
            time.sleep(0.5)


def use_everything(client: httpx.Client, access: str) -> None:
    """An account's things of every kind: tasks (one made with an Idempotency-Key), expenses, and a
    budget (with its guard item)."""
    tasks = Tasks(client, access)
    for _ in range(3):
        tasks.new()
    keyed = client.post("/tasks", json={"title": "keyed"},
                        headers={**bearer(access), "Idempotency-Key": str(uuid.uuid4())})
    assert keyed.status_code == 201, keyed.text
    finance = Finance(client, access)
    finance.expenses.new(amount="12.50", category="FOOD")
    finance.expenses.new(amount="3.20", category="TRANSPORT")
    finance.budgets.new(amount="200.00", category="FOOD")


def test_a_deleted_account_ends_at_once_and_leaves_nothing_in_any_table(client: httpx.Client, api: Api) -> None:
    user = api.new_user(prefix="leaver")
    bystander = api.new_user(prefix="stayer")
    first, second = api.tokens(user), api.tokens(user)
    use_everything(client, first["access"])
    kept = Tasks(client, api.tokens(bystander)["access"]).new(title="stays")
    socket = Socket(first["access"], "the leaver's socket")
    tables = Tables()
    assert {variable for variable, _ in tables.traces_of(user.id)} >= {
        "USERS_TABLE", "SESSIONS_TABLE", "CONNECTIONS_TABLE", "TASKS_TABLE", "EXPENSES_TABLE", "BUDGETS_TABLE"
    }, "the account has things in every table before it is deleted"

    try:
        response = delete_account(client, second["access"], user.password)
        assert response.status_code == 204, response.text
        assert response.content == b""
        deleted_at = time.monotonic()

        # At once: every token of every session refused, the name and email free again.
        for pair in (first, second):
            assert_refused_everywhere(client, pair["access"])
            assert_error(api.refresh(pair["refresh"]), 401, "token_not_valid")
        assert_error(api.login(user.username, user.password), 401, "invalid_credentials")
        again = api.register(username=user.username.upper(), email=user.email, password=user.password)
        assert again.status_code == 201, again.text
        assert again.json()["id"] != user.id

        # The open WebSocket connection is closed by the purge.
        with pytest.raises(ConnectionClosed):
            while True:
                socket.ws.recv(timeout=max(0.01, deleted_at + CLOSE_DEADLINE - time.monotonic()))
    finally:
        socket.close()

    tables.wait_until_gone(user.id, deleted_at + PURGE_DEADLINE)
    bystander_tasks = Tasks(client, api.tokens(bystander)["access"])
    assert bystander_tasks.read(kept["id"])["title"] == "stays"


def test_a_refused_deletion_changes_nothing(client: httpx.Client, api: Api, user: User) -> None:
    pair = api.tokens(user)
    tasks = Tasks(client, pair["access"])
    task = tasks.new()

    wrong = delete_account(client, pair["access"], "not-the-password-9")
    assert assert_invalid(wrong, "password")["errors"]["password"] == ["The password is not correct."]
    assert_invalid(client.request("DELETE", "/auth/me", json={}, headers=bearer(pair["access"])), "password")
    assert_invalid(delete_account(client, pair["access"], 12345678), "password")
    assert_error(client.request("DELETE", "/auth/me", json={"password": user.password}), 401, "not_authenticated")
    assert_error(delete_account(client, pair["access"] + "x", user.password), 401, "token_not_valid")

    assert api.me(pair["access"]).status_code == 200
    assert tasks.read(task["id"])["id"] == task["id"]
    assert api.refresh(pair["refresh"]).status_code == 200


def test_wrong_passwords_of_a_deletion_count_as_failed_logins(client: httpx.Client, api: Api, user: User) -> None:
    access = api.tokens(user)["access"]
    for _ in range(LOGIN_MAX_FAILURES):
        assert_invalid(delete_account(client, access, "not-the-password-9"), "password")
    assert_error(delete_account(client, access, user.password), 429, "throttled")
    assert_error(api.login(user.username, user.password), 429, "throttled")
    assert api.me(access).status_code == 200, "the throttled deletion did not happen"

"""The operator's command line (`taskmoney-admin --local`) against the running stack, with what it does
checked over HTTP: a disabled user's live access token is refused on its next request and their login
answers as a wrong password does; a deleted user leaves nothing in any table. `E2E_ADMIN` is the binary
(`local/test` builds it); without it the suite fails, it never skips.
"""

from __future__ import annotations

import json
import os
import subprocess
import time

import httpx
import pytest

from conftest import Api, assert_error, bearer
from realtime_helpers import STATE_DIR_VAR, Socket
from test_account_deletion import PURGE_DEADLINE, Tables, use_everything
from websockets.exceptions import ConnectionClosed


def admin(*args: str, stdin: str = "") -> subprocess.CompletedProcess:
    binary = os.environ.get("E2E_ADMIN", "").strip()
    if not binary:
        pytest.fail("E2E_ADMIN is not set: the path of the taskmoney-admin binary (local/test builds it)")
    state_dir = os.environ.get(STATE_DIR_VAR, "").strip()
    if not state_dir:
        pytest.fail(f"{STATE_DIR_VAR} is not set (the stack's state folder)")
    return subprocess.run([binary, "--local", "--state-dir", state_dir, *args], input=stdin, capture_output=True,
                          text=True, timeout=60, check=False)


def audit_lines(run: subprocess.CompletedProcess) -> list[dict]:
    lines = []
    for line in run.stderr.splitlines():
        try:
            value = json.loads(line)
        except json.JSONDecodeError:
            continue
        if isinstance(value, dict) and "audit" in value:
            lines.append(value)
    return lines


def test_a_disabled_users_live_token_is_refused_at_once(client: httpx.Client, api: Api) -> None:
    user = api.new_user(prefix="disabled")
    pair = api.tokens(user)
    socket = Socket(pair["access"], "the disabled user's socket")
    try:
        assert client.get("/tasks", headers=bearer(pair["access"])).status_code == 200

        run = admin("users", "disable", user.username, "--yes")
        assert run.returncode == 0, run.stderr
        [audit] = audit_lines(run)
        assert (audit["actor"], audit["action"], audit["subject"]["id"]) == ("local", "users.disable", user.id)
        assert audit["changes"]["connections_closed"] == 1

        assert_error(client.get("/tasks", headers=bearer(pair["access"])), 401, "token_not_valid")
        assert_error(api.refresh(pair["refresh"]), 401, "token_not_valid")
        refused, wrong = api.login(user.username, user.password), api.login(user.username, "not-the-password-9")
        assert (refused.status_code, refused.json()) == (wrong.status_code, wrong.json())
        with pytest.raises(ConnectionClosed):
            while True:
                socket.ws.recv(timeout=5)
    finally:
        socket.close()

    assert admin("users", "enable", user.username, "--yes").returncode == 0
    assert api.login(user.username, user.password).status_code == 200


def test_users_delete_leaves_nothing_of_the_user_in_any_table(client: httpx.Client, api: Api) -> None:
    user = api.new_user(prefix="removed")
    access = api.tokens(user)["access"]
    use_everything(client, access)
    shown = admin("--json", "users", "show", user.email)
    assert shown.returncode == 0, shown.stderr
    assert json.loads(shown.stdout)["owns"] == {"tasks": 4, "expenses": 2, "budgets": 1}

    run = admin("users", "delete", user.id, "--yes")
    assert run.returncode == 0, run.stderr
    deleted_at = time.monotonic()
    assert [line["action"] for line in audit_lines(run)] == ["users.delete"]
    assert_error(client.get("/tasks", headers=bearer(access)), 401, "token_not_valid")
    Tables().wait_until_gone(user.id, deleted_at + PURGE_DEADLINE)


def test_created_users_log_in_and_stats_count_them(api: Api) -> None:
    before = json.loads(admin("--json", "stats").stdout)
    username, password = f"made_{os.urandom(4).hex()}", "an operator-made password"
    made = admin("--json", "users", "create", username, stdin=password + "\n")
    assert made.returncode == 0, made.stderr
    assert api.login(username, password).status_code == 200
    after = json.loads(admin("--json", "stats").stdout)
    assert after["users"] >= before["users"] + 1
    assert after["active_sessions"] >= 1
    assert "tasks" in after["tables"]

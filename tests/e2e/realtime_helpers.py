"""Helpers for the live-updates suite (test_realtime.py): WebSocket clients of the local stack's
gateway and a look into the connections table.

The WebSocket client is the `websockets` library's synchronous one (independent of the gateway's
aiohttp), always with explicit timeouts. `E2E_WS_URL` is required: without it the suite fails, it
never skips. `E2E_STATE_DIR` is the stack's state folder, whose tables.env names every table.
"""

from __future__ import annotations

import json
import os
import time
from pathlib import Path
from typing import Any, Callable
from urllib.parse import quote, urlsplit

import boto3
import pytest
from botocore.config import Config
from websockets.exceptions import ConnectionClosed, InvalidStatus
from websockets.sync.client import ClientConnection, connect

from stack_files import read_env_file

WS_URL_VAR = "E2E_WS_URL"
STATE_DIR_VAR = "E2E_STATE_DIR"

# The contract: a change reaches the owner's connections within about a second.
LATENCY = 1.0
# How long a connection that must receive nothing is watched.
QUIET_PERIOD = 1.5
OPEN_TIMEOUT = 10.0  # the handshake includes the function's $connect (it reads DynamoDB)
CLOSE_TIMEOUT = 3.0


def ws_url() -> str:
    url = os.environ.get(WS_URL_VAR, "").strip()
    if not url:
        pytest.fail(
            f"{WS_URL_VAR} is not set: the live-updates tests need the local stack's WebSocket gateway. "
            f"`local/test` sets it; by hand, take WS_URL from <state dir>/stack.env of `local/start`."
        )
    parts = urlsplit(url)
    if parts.scheme not in ("ws", "wss") or not parts.netloc:
        pytest.fail(f"{WS_URL_VAR}={url!r} is not a ws:// URL such as ws://127.0.0.1:9001")
    return url.rstrip("/")


def url_with_token(token: str | None) -> str:
    return f"{ws_url()}/" + (f"?token={quote(token, safe='')}" if token is not None else "")


# ---------------------------------------------------------------------------------------------------
# WebSocket clients


class Socket:
    """One open connection to the gateway; received messages are JSON change events."""

    def __init__(self, token: str, name: str) -> None:
        self.name = name
        # proxy=None: straight to the stack, never through a proxy from the environment.
        self.ws: ClientConnection = connect(
            url_with_token(token), open_timeout=OPEN_TIMEOUT, close_timeout=CLOSE_TIMEOUT, proxy=None
        )

    def next_event(self, deadline: float) -> dict:
        """The next message (a JSON object), received before `deadline` (time.monotonic())."""
        try:
            text = self.ws.recv(timeout=max(0.0, deadline - time.monotonic()))
        except TimeoutError:
            pytest.fail(f"{self.name}: no event arrived in time")
        except ConnectionClosed as err:
            pytest.fail(f"{self.name}: the connection closed while waiting for an event: {err}")
        assert isinstance(text, str), f"{self.name}: expected a text frame, got {text!r}"
        event = json.loads(text)
        assert isinstance(event, dict), f"{self.name}: not a JSON object: {text}"
        return event

    def expect(self, expected: dict, answered_at: float) -> None:
        """The next event is `expected`, and it arrived within LATENCY of the HTTP answer."""
        event = self.next_event(answered_at + LATENCY)
        assert event == expected, f"{self.name}: unexpected event\n got      {event}\n expected {expected}"

    def unexpected_message(self, deadline: float) -> str | None:
        """A message that arrives before `deadline`, or None when none does."""
        try:
            message = self.ws.recv(timeout=max(0.01, deadline - time.monotonic()))
        except TimeoutError:
            return None
        return message if isinstance(message, str) else repr(message)

    def close(self) -> None:
        self.ws.close()


def expect_on_all(sockets: list[Socket], expected: dict, answered_at: float) -> None:
    for socket in sockets:
        socket.expect(expected, answered_at)


def assert_quiet(sockets: list[Socket], seconds: float = QUIET_PERIOD) -> None:
    """None of `sockets` receives anything during the next `seconds` (watched at the same time)."""
    deadline = time.monotonic() + seconds
    for socket in sockets:
        message = socket.unexpected_message(deadline)
        assert message is None, f"{socket.name} received a message it must not get: {message}"


def refused_status(token: str | None) -> tuple[int, bytes]:
    """Opens a connection that must be refused at the handshake; returns the HTTP status and body."""
    try:
        ws = connect(url_with_token(token), open_timeout=OPEN_TIMEOUT, close_timeout=CLOSE_TIMEOUT, proxy=None)
    except InvalidStatus as err:
        return err.response.status_code, err.response.body or b""
    ws.close()
    pytest.fail(f"a connection with token {token!r} was accepted")


def timed(call: Callable[[], Any]) -> tuple[Any, float]:
    """Runs an HTTP call; returns its response and when it answered (time.monotonic())."""
    response = call()
    return response, time.monotonic()


# ---------------------------------------------------------------------------------------------------
# The connections table (read straight from DynamoDB Local)


def table_names() -> dict[str, str]:
    state_dir = os.environ.get(STATE_DIR_VAR, "").strip()
    if not state_dir:
        pytest.fail(f"{STATE_DIR_VAR} is not set (the stack's state folder, which holds tables.env)")
    return read_env_file(Path(state_dir) / "tables.env")


class ConnectionsTable:
    """The realtime function's connections table: the records of one user, by its partition key."""

    def __init__(self) -> None:
        endpoint = os.environ.get("AWS_ENDPOINT_URL_DYNAMODB", "").strip()
        if not endpoint:
            pytest.fail("AWS_ENDPOINT_URL_DYNAMODB is not set (local/test exports DynamoDB Local's address)")
        name = table_names().get("CONNECTIONS_TABLE")
        assert name, "tables.env names no CONNECTIONS_TABLE"
        self.name = name
        self.client = boto3.client(
            "dynamodb", endpoint_url=endpoint,
            config=Config(connect_timeout=2, read_timeout=5, retries={"max_attempts": 2}),
        )
        keys = self.client.describe_table(TableName=name)["Table"]["KeySchema"]
        self.partition_key = next(k["AttributeName"] for k in keys if k["KeyType"] == "HASH")  # the owner
        self.sort_key = next((k["AttributeName"] for k in keys if k["KeyType"] == "RANGE"), None)  # the id

    def records_of(self, user_id: str) -> list[dict]:
        """Every connection record of `user_id` (a strongly consistent Query of its partition)."""
        page = self.client.query(
            TableName=self.name, ConsistentRead=True,
            KeyConditionExpression="#owner = :owner",
            ExpressionAttributeNames={"#owner": self.partition_key},
            ExpressionAttributeValues={":owner": {"S": user_id}},
        )
        return page["Items"]

    def add_stale_copy(self, record: dict, connection_id: str) -> None:
        """Writes a copy of `record` for a connection the gateway does not know (one whose
        $disconnect never arrived, as can happen in the cloud)."""
        assert self.sort_key, f"{self.name} has no sort key: cannot tell a user's connections apart"
        self.client.put_item(TableName=self.name, Item={**record, self.sort_key: {"S": connection_id}})

    def wait_for_count(self, user_id: str, count: int, timeout: float = 5.0) -> list[dict]:
        """Polls until `user_id` has exactly `count` records (bounded); returns them."""
        deadline = time.monotonic() + timeout
        while True:
            records = self.records_of(user_id)
            if len(records) == count:
                return records
            if time.monotonic() > deadline:
                pytest.fail(f"user {user_id} has {len(records)} connection record(s), expected {count}: {records}")
            time.sleep(0.1)

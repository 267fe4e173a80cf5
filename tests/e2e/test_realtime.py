"""Live updates end to end: real WebSocket connections to the local stack's gateway, changes made
over HTTP, events pushed by the realtime function from the tables' DynamoDB streams.

The contract (API.md, "Live updates"): a client connects with `?token=<access token>` and is refused
at connect without a valid one; every open connection of the owner, and nobody else, receives
`{"type": "<kind>.created|updated|deleted", "<kind>": {...}}` within about a second of the change (a
deletion carries just the id); connections that went away are cleaned up and never break a write.
"""

from __future__ import annotations

import uuid
from typing import Callable, Iterator

import pytest

from adversarial_helpers import now_s
from conftest import Api, Tasks, User, assert_task, etag, resign
from finance_helpers import Budgets, Expenses, unique_month
from realtime_helpers import (
    ConnectionsTable,
    Socket,
    assert_quiet,
    expect_on_all,
    refused_status,
    timed,
    ws_url,
)

OpenSocket = Callable[[str, str], Socket]


@pytest.fixture
def open_socket() -> Iterator[OpenSocket]:
    """Opens connections (token, name) and closes every one of them when the test ends."""
    ws_url()  # fails at once, never skips, when the stack has no WebSocket gateway
    sockets: list[Socket] = []

    def opener(token: str, name: str) -> Socket:
        socket = Socket(token, name)
        sockets.append(socket)
        return socket

    yield opener
    for socket in sockets:
        socket.close()


def logged_in(api: Api, prefix: str) -> tuple[User, str]:
    user = api.new_user(prefix=prefix)
    return user, api.tokens(user)["access"]


def test_every_connection_of_the_owner_gets_each_change_and_nobody_else_does(api: Api, open_socket: OpenSocket) -> None:
    ann, ann_access = logged_in(api, "ann")
    _, bob_access = logged_in(api, "bob")
    ann_sockets = [open_socket(ann_access, "ann's first connection"), open_socket(ann_access, "ann's second connection")]
    bob_socket = open_socket(bob_access, "bob's connection")
    tasks = Tasks(api.client, ann_access, ann)

    response, answered = timed(lambda: tasks.create({"title": "watch me", "priority": "high"}))
    assert response.status_code == 201, response.text
    task = assert_task(response.json(), version=1)
    expect_on_all(ann_sockets, {"type": "task.created", "task": task}, answered)

    response, answered = timed(lambda: tasks.patch(task["id"], {"status": "in_progress"}, if_match=etag(1)))
    assert response.status_code == 200, response.text
    updated = assert_task(response.json(), id=task["id"], version=2, status="in_progress")
    expect_on_all(ann_sockets, {"type": "task.updated", "task": updated}, answered)

    response, answered = timed(lambda: tasks.delete(task["id"]))
    assert response.status_code == 204, response.text
    expect_on_all(ann_sockets, {"type": "task.deleted", "task": {"id": task["id"]}}, answered)

    expenses = Expenses(api.client, ann_access, ann)
    response, answered = timed(lambda: expenses.create({"amount": "12.50", "category": "FOOD", "description": "lunch"}))
    expense = expenses.created(response, amount="12.50")
    expect_on_all(ann_sockets, {"type": "expense.created", "expense": expense}, answered)

    assert_quiet([bob_socket, *ann_sockets])


def test_changes_in_quick_succession_arrive_in_order(api: Api, open_socket: OpenSocket) -> None:
    ann, ann_access = logged_in(api, "ann")
    sockets = [open_socket(ann_access, "ann's first connection"), open_socket(ann_access, "ann's second connection")]
    tasks = Tasks(api.client, ann_access, ann)

    # Each change is made as soon as the previous one is answered, without waiting for its event.
    answers = [timed(lambda: tasks.create({"title": "version 1"}))]
    task_id = answers[0][0].json()["id"]
    for version in (2, 3, 4):
        answers.append(timed(lambda: tasks.patch(task_id, {"title": f"version {version}"})))
    answers.append(timed(lambda: tasks.delete(task_id)))

    for socket in sockets:
        for index, (response, answered) in enumerate(answers):
            if index == 0:
                expected = {"type": "task.created", "task": assert_task(response.json(), version=1)}
            elif index < len(answers) - 1:
                assert response.status_code == 200, response.text
                expected = {"type": "task.updated", "task": assert_task(response.json(), version=index + 1)}
            else:
                assert response.status_code == 204, response.text
                expected = {"type": "task.deleted", "task": {"id": task_id}}
            socket.expect(expected, answered)
    assert_quiet(sockets)


def test_budget_changes_are_pushed(api: Api, open_socket: OpenSocket) -> None:
    ann, ann_access = logged_in(api, "ann")
    _, bob_access = logged_in(api, "bob")
    ann_socket = open_socket(ann_access, "ann's connection")
    bob_socket = open_socket(bob_access, "bob's connection")
    budgets = Budgets(api.client, ann_access, ann)

    response, answered = timed(lambda: budgets.create({"amount": "100.00", "category": "DATA", "month": unique_month()}))
    budget = budgets.created(response, amount="100.00", category="DATA")
    ann_socket.expect({"type": "budget.created", "budget": budget}, answered)

    response, answered = timed(lambda: budgets.patch(budget["id"], {"amount": "150.25"}, if_match=etag(1)))
    updated = budgets.ok(response, id=budget["id"], amount="150.25", version=2)
    ann_socket.expect({"type": "budget.updated", "budget": updated}, answered)

    response, answered = timed(lambda: budgets.delete(budget["id"]))
    assert response.status_code == 204, response.text
    ann_socket.expect({"type": "budget.deleted", "budget": {"id": budget["id"]}}, answered)

    assert_quiet([bob_socket, ann_socket])


def _token_variants(access: str) -> dict[str, tuple[str | None, str]]:
    """Tokens that must be refused, each with the contract's error code for it."""
    return {
        "no token": (None, "not_authenticated"),
        "empty token": ("", "not_authenticated"),
        "malformed token": ("not.a-token", "token_not_valid"),
        "badly signed token": (resign(access, secret=b"not-the-secret-of-this-stack-0123456789"), "token_not_valid"),
        "expired token": (resign(access, iat=now_s() - 3600, nbf=None, exp=now_s() - 60), "token_not_valid"),
    }


@pytest.mark.parametrize("variant", ["no token", "empty token", "malformed token", "badly signed token", "expired token"])
def test_a_connection_without_a_valid_access_token_is_refused(api: Api, user: User, variant: str) -> None:
    ws_url()
    tokens = api.tokens(user)
    token, code = _token_variants(tokens["access"])[variant]
    status, body = refused_status(token)
    assert status == 401, f"{variant}: the handshake answered {status}: {body[:500]!r}"
    assert code.encode() in body, f"{variant}: expected the error code {code} in {body[:500]!r}"


def test_a_refresh_token_does_not_open_a_connection(api: Api, user: User) -> None:
    ws_url()
    status, body = refused_status(api.tokens(user)["refresh"])
    assert status == 401, f"the handshake answered {status}: {body[:500]!r}"


def test_a_closed_connection_is_forgotten_and_never_breaks_a_write(api: Api, open_socket: OpenSocket) -> None:
    ann, ann_access = logged_in(api, "ann")
    table = ConnectionsTable()
    leaving = open_socket(ann_access, "ann's leaving connection")
    staying = open_socket(ann_access, "ann's remaining connection")
    records = table.wait_for_count(ann.id, 2)

    leaving.close()  # $disconnect forgets it
    table.wait_for_count(ann.id, 1)
    tasks = Tasks(api.client, ann_access, ann)
    response, answered = timed(lambda: tasks.create({"title": "after a disconnect"}))
    assert response.status_code == 201, response.text
    staying.expect({"type": "task.created", "task": assert_task(response.json())}, answered)

    # A record whose connection is long gone (its $disconnect never arrived): the next change still
    # succeeds and reaches the live connection, and the function forgets the dead one on its 410.
    table.add_stale_copy(records[0], f"stale{uuid.uuid4().hex[:10]}=")
    table.wait_for_count(ann.id, 2)
    response, answered = timed(lambda: tasks.create({"title": "with a stale connection record"}))
    assert response.status_code == 201, response.text
    staying.expect({"type": "task.created", "task": assert_task(response.json())}, answered)
    table.wait_for_count(ann.id, 1)
    assert_quiet([staying])

"""Idempotency-Key on creates, end to end: a POST repeated with its key (after a timeout, a lost
answer or a 503) gets the first answer again and creates nothing; another request with the key is
409; keys are per user; a replay pushes no second live update.

A key sent twice is 400 in the cloud, where API Gateway joins repeated headers with a comma (which a
key may not hold); `cargo lambda watch` passes only one of them, so the handler tests cover that case.
"""

from __future__ import annotations

import threading
import uuid
from typing import Any, Callable

import httpx
import pytest

from conftest import Api, Collection, Tasks, assert_error, assert_invalid, bearer, make_client
from finance_helpers import Budgets, Expenses, unique_month
from realtime_helpers import Socket, assert_quiet, timed

ALLOWED_ORIGIN = "http://localhost:3000"  # CORS_ALLOWED_ORIGINS in local/dev.env

# (collection class, a valid body, the same request spelt differently, another request)
CASES: dict[str, tuple[type[Collection], Callable[[], tuple[dict, dict, dict]]]] = {
    "tasks": (Tasks, lambda: (
        {"title": "pay rent", "priority": "high", "due_date": "2026-12-01"},
        {"due_date": "2026-12-01", "title": "pay rent", "priority": "high", "version": 7},
        {"title": "pay rent", "priority": "low", "due_date": "2026-12-01"},
    )),
    "expenses": (Expenses, lambda: (
        {"amount": "12.50", "category": "FOOD", "date": "2026-11-20", "description": "lunch"},
        {"description": "lunch", "date": "2026-11-20", "category": "FOOD", "amount": "12.50", "id": "x"},
        {"amount": "12.51", "category": "FOOD", "date": "2026-11-20", "description": "lunch"},
    )),
    "budgets": (Budgets, lambda: (lambda month: (
        {"amount": "300", "category": "DATA", "month": month},
        {"month": month, "category": "DATA", "amount": "300", "created_at": "2020-01-01T00:00:00Z"},
        {"amount": "301", "category": "DATA", "month": month},
    ))(unique_month())),
}


def key() -> str:
    return str(uuid.uuid4())


def collection(api: Api, name: str) -> Collection:
    user = api.new_user(prefix="idem")
    return CASES[name][0](api.client, api.tokens(user)["access"], user)


def ids(items: Collection) -> list[str]:
    return [item["id"] for item in items.page({"limit": 100})["results"]]


@pytest.mark.parametrize("name", CASES)
def test_the_same_request_again_gets_the_first_answer_and_creates_nothing(api: Api, name: str) -> None:
    items = collection(api, name)
    body, same, _ = CASES[name][1]()
    the_key = key()
    first = items.create(body, idempotency_key=the_key)
    item = items.created(first)
    assert "idempotent-replayed" not in first.headers

    for repeat in (body, same):
        again = items.create(repeat, idempotency_key=the_key)
        assert again.status_code == 201, again.text
        assert again.headers.get("idempotent-replayed") == "true", again.headers
        assert again.json() == first.json()
        assert again.headers["location"] == first.headers["location"]
        assert again.headers["etag"] == '"1"'
    assert ids(items) == [item["id"]]

    # Without a key the same body is a new request (budgets: the slot is taken, 409).
    fresh = items.create(body)
    assert fresh.status_code == (409 if name == "budgets" else 201), fresh.text


@pytest.mark.parametrize("name", CASES)
def test_another_request_with_a_used_key_is_409_and_changes_nothing(api: Api, name: str) -> None:
    items = collection(api, name)
    body, _, other = CASES[name][1]()
    the_key = key()
    item = items.created(items.create(body, idempotency_key=the_key))
    refused = items.create(other, idempotency_key=the_key)
    error = assert_error(refused, 409, "conflict")
    assert list(error["errors"]) == ["Idempotency-Key"], error
    assert ids(items) == [item["id"]]
    assert items.read(item["id"]) == item


def test_the_first_answer_is_replayed_after_the_item_changed_or_went(api: Api) -> None:
    tasks = collection(api, "tasks")
    the_key = key()
    first = tasks.create({"title": "one"}, idempotency_key=the_key)
    task = tasks.created(first)
    tasks.ok(tasks.patch(task["id"], {"title": "changed"}), version=2)
    assert tasks.create({"title": "one"}, idempotency_key=the_key).json() == first.json()
    assert tasks.delete(task["id"]).status_code == 204
    replay = tasks.create({"title": "one"}, idempotency_key=the_key)
    assert (replay.status_code, replay.json()) == (201, first.json())
    assert ids(tasks) == []


def test_keys_belong_to_their_user(api: Api) -> None:
    ann, bob = collection(api, "tasks"), collection(api, "tasks")
    the_key = key()
    anns = ann.created(ann.create({"title": "same"}, idempotency_key=the_key))
    response = bob.create({"title": "same"}, idempotency_key=the_key)
    bobs = bob.created(response)
    assert "idempotent-replayed" not in response.headers
    assert anns["id"] != bobs["id"]
    assert (ids(ann), ids(bob)) == ([anns["id"]], [bobs["id"]])


@pytest.mark.parametrize("bad_key", [b"", b"a b", b"a,b", b"k" * 256, "café".encode()])
def test_a_malformed_key_is_400_naming_the_header_and_creates_nothing(api: Api, bad_key: bytes) -> None:
    tasks = collection(api, "tasks")
    headers = {**bearer(tasks.access), "Idempotency-Key": bad_key}
    assert_invalid(tasks.client.post("/tasks", json={"title": "t"}, headers=headers), "Idempotency-Key")
    assert ids(tasks) == []


def test_a_refused_request_leaves_its_key_unused(api: Api) -> None:
    tasks = collection(api, "tasks")
    the_key = key()
    assert_invalid(tasks.create({"title": ""}, idempotency_key=the_key), "title")
    response = tasks.create({"title": "now valid"}, idempotency_key=the_key)
    tasks.created(response, title="now valid")
    assert "idempotent-replayed" not in response.headers


def test_concurrent_repeats_of_one_create_make_one_item(base_url: str, api: Api) -> None:
    tasks = collection(api, "tasks")
    for round_number in range(3):
        the_key, answers = key(), []
        barrier = threading.Barrier(4)

        def send() -> None:
            with make_client(base_url) as client:
                barrier.wait()
                answers.append(client.post("/tasks", json={"title": f"race {round_number}"},
                                           headers={**bearer(tasks.access), "Idempotency-Key": the_key}))

        threads = [threading.Thread(target=send) for _ in range(4)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=30)
        assert [answer.status_code for answer in answers] == [201] * 4, [a.text for a in answers]
        assert len({answer.json()["id"] for answer in answers}) == 1, [a.json() for a in answers]
        firsts = [answer for answer in answers if "idempotent-replayed" not in answer.headers]
        assert len(firsts) == 1, [dict(a.headers) for a in answers]
    assert len(ids(tasks)) == 3


def test_a_replay_pushes_no_second_live_update(api: Api) -> None:
    tasks = collection(api, "tasks")
    socket = Socket(tasks.access, "the owner's connection")
    try:
        the_key = key()
        first, answered = timed(lambda: tasks.create({"title": "announce once"}, idempotency_key=the_key))
        task = tasks.created(first)
        socket.expect({"type": "task.created", "task": task}, answered)
        assert tasks.create({"title": "announce once"}, idempotency_key=the_key).status_code == 201
        assert_quiet([socket])
    finally:
        socket.close()


def test_browsers_may_send_the_key_and_read_the_replay_header(client: httpx.Client) -> None:
    response = client.options("/tasks", headers={
        "Origin": ALLOWED_ORIGIN,
        "Access-Control-Request-Method": "POST",
        "Access-Control-Request-Headers": "authorization, content-type, idempotency-key",
    })
    assert 200 <= response.status_code < 300, response.text
    assert "idempotency-key" in response.headers.get("access-control-allow-headers", "").lower(), response.headers


def test_an_actual_cross_origin_create_exposes_the_replay_header(api: Api) -> None:
    tasks = collection(api, "tasks")
    headers: dict[str, Any] = {**bearer(tasks.access), "Origin": ALLOWED_ORIGIN, "Idempotency-Key": key()}
    response = tasks.client.post("/tasks", json={"title": "from a browser"}, headers=headers)
    assert response.status_code == 201, response.text
    exposed = response.headers.get("access-control-expose-headers", "").lower()
    assert "idempotent-replayed" in exposed and "etag" in exposed, response.headers

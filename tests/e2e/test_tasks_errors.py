"""Every way a client can get /tasks wrong, the status and `code` it gets back, and that nothing changed.

Each case checks the whole error shape (see `assert_error`): JSON, a non-empty `detail`, the `code`,
`errors` naming the field for `invalid`, `WWW-Authenticate: Bearer...` on every 401, `Allow` on 405.
Every rejected write is followed by a read showing that it wrote nothing.
"""

from __future__ import annotations

import json
from typing import Any, Callable

import httpx
import pytest

from conftest import INVALID_ACCESS_TOKENS, Api, Tasks, User, assert_error, assert_invalid, bearer

UNKNOWN_ID = "01ARZ3NDEKTSV4RRFFQ69G5FAV"


@pytest.fixture
def task(tasks: Tasks) -> dict:
    """A task with a value in every field, so that any change to it shows."""
    return tasks.new(
        title="Keep me", description="as I am", status="in_progress", due_date="2026-12-01", priority="high"
    )


def _unchanged(tasks: Tasks, task: dict) -> None:
    assert tasks.read(task["id"]) == task, "a rejected write changed the task"
    assert tasks.everything() == [task], "a rejected write changed the list"


def _nothing_created(tasks: Tasks) -> None:
    assert tasks.everything() == [], "a rejected create created a task"


# ---------------------------------------------------------------------------------------------------
# Body validation: 400 invalid naming the field, on POST, PUT and PATCH

# (id, body, field): invalid wherever the body is sent (POST, PUT and PATCH), `title` given when needed.
FIELD_INVALID: list[tuple[str, dict, str]] = [
    # title
    ("title-empty", {"title": ""}, "title"),
    ("title-blank", {"title": "   "}, "title"),
    ("title-whitespace-only", {"title": "\t\n "}, "title"),
    ("title-201", {"title": "x" * 201}, "title"),
    ("title-201-unicode", {"title": "é" * 201}, "title"),
    ("title-null", {"title": None}, "title"),
    ("title-number", {"title": 5}, "title"),
    ("title-list", {"title": ["x"]}, "title"),
    ("title-object", {"title": {"text": "x"}}, "title"),
    ("title-bool", {"title": True}, "title"),
    # description
    ("description-5001", {"description": "d" * 5001}, "description"),
    ("description-null", {"description": None}, "description"),
    ("description-number", {"description": 1}, "description"),
    ("description-list", {"description": []}, "description"),
    # status
    ("status-unknown", {"status": "done"}, "status"),
    ("status-upper-case", {"status": "COMPLETED"}, "status"),
    ("status-space", {"status": "in progress"}, "status"),
    ("status-empty", {"status": ""}, "status"),
    ("status-null", {"status": None}, "status"),
    ("status-number", {"status": 1}, "status"),
    ("status-bool", {"status": True}, "status"),
    # completed
    ("completed-null", {"completed": None}, "completed"),
    ("completed-string", {"completed": "true"}, "completed"),
    ("completed-number", {"completed": 1}, "completed"),
    ("completed-list", {"completed": [True]}, "completed"),
    # completed and status disagreeing
    ("completed-true-status-pending", {"status": "pending", "completed": True}, "completed"),
    ("completed-true-status-in_progress", {"status": "in_progress", "completed": True}, "completed"),
    ("completed-false-status-completed", {"status": "completed", "completed": False}, "completed"),
    # due_date
    ("due-date-feb-30", {"due_date": "2026-02-30"}, "due_date"),
    ("due-date-feb-29-not-leap", {"due_date": "2027-02-29"}, "due_date"),
    ("due-date-month-13", {"due_date": "2026-13-01"}, "due_date"),
    ("due-date-day-0", {"due_date": "2026-01-00"}, "due_date"),
    ("due-date-short-month", {"due_date": "2026-1-01"}, "due_date"),
    ("due-date-two-digit-year", {"due_date": "26-01-01"}, "due_date"),
    ("due-date-slashes", {"due_date": "2026/01/01"}, "due_date"),
    ("due-date-timestamp", {"due_date": "2026-01-01T00:00:00Z"}, "due_date"),
    ("due-date-words", {"due_date": "tomorrow"}, "due_date"),
    ("due-date-empty", {"due_date": ""}, "due_date"),
    ("due-date-number", {"due_date": 20260101}, "due_date"),
    ("due-date-object", {"due_date": {"year": 2026}}, "due_date"),
    # priority
    ("priority-unknown", {"priority": "urgent"}, "priority"),
    ("priority-upper-case", {"priority": "HIGH"}, "priority"),
    ("priority-empty", {"priority": ""}, "priority"),
    ("priority-null", {"priority": None}, "priority"),
    ("priority-number", {"priority": 3}, "priority"),
    # unknown fields
    ("unknown-owner", {"owner": "01ARZ3NDEKTSV4RRFFQ69G5FAV"}, "owner"),
    ("unknown-done", {"done": True}, "done"),
    ("unknown-Title-case", {"Title": "x"}, "Title"),
    ("unknown-user", {"user": 1}, "user"),
    ("unknown-tags", {"tags": ["a"]}, "tags"),
]
UNKNOWN_FIELDS = {"owner", "done", "Title", "user", "tags"}


def _with_title(body: dict) -> dict:
    return body if "title" in body else {"title": "valid title", **body}


def _check(response: httpx.Response, field: str) -> None:
    result = assert_invalid(response, field)
    if field in UNKNOWN_FIELDS:
        assert result["errors"][field] == ["Unknown field."], result


@pytest.mark.parametrize("body, field", [c[1:] for c in FIELD_INVALID], ids=[c[0] for c in FIELD_INVALID])
def test_create_rejects_invalid_fields_and_creates_nothing(tasks: Tasks, body: dict, field: str) -> None:
    _check(tasks.create(_with_title(body)), field)
    _nothing_created(tasks)


@pytest.mark.parametrize("body, field", [c[1:] for c in FIELD_INVALID], ids=[c[0] for c in FIELD_INVALID])
def test_put_rejects_invalid_fields_and_changes_nothing(tasks: Tasks, task: dict, body: dict, field: str) -> None:
    _check(tasks.put(task["id"], _with_title(body)), field)
    _check(tasks.put(task["id"], _with_title(body), if_match='"1"'), field)
    _unchanged(tasks, task)


@pytest.mark.parametrize("body, field", [c[1:] for c in FIELD_INVALID], ids=[c[0] for c in FIELD_INVALID])
def test_patch_rejects_invalid_fields_and_changes_nothing(tasks: Tasks, task: dict, body: dict, field: str) -> None:
    _check(tasks.patch(task["id"], body), field)
    # Next to a valid change, the valid change is not written either.
    _check(tasks.patch(task["id"], {"priority": "low", **body} if field != "priority" else body), field)
    _unchanged(tasks, task)


def test_patch_with_completed_true_disagreeing_with_the_stored_status_is_fine_but_with_the_sent_one_is_not(
    tasks: Tasks, task: dict
) -> None:
    # Disagreement is between the two fields *sent*; the stored status is simply replaced.
    _check(tasks.patch(task["id"], {"completed": True, "status": "in_progress"}), "completed")
    _unchanged(tasks, task)


TITLE_REQUIRED = [
    ("missing", {}),
    ("missing-with-other-fields", {"description": "x", "priority": "low"}),
    ("only-read-only-fields", {"id": UNKNOWN_ID, "version": 1, "created_at": "2026-01-01T00:00:00.000Z"}),
]


@pytest.mark.parametrize("body", [b for _, b in TITLE_REQUIRED], ids=[i for i, _ in TITLE_REQUIRED])
def test_create_and_put_require_a_title(tasks: Tasks, body: dict) -> None:
    assert_invalid(tasks.create(body), "title")
    _nothing_created(tasks)
    task = tasks.new(title="has one")
    assert_invalid(tasks.put(task["id"], body), "title")
    _unchanged(tasks, task)


@pytest.mark.parametrize(
    "body",
    [
        {},
        {"id": UNKNOWN_ID},
        {"version": 7},
        {"created_at": "2026-01-01T00:00:00.000Z", "updated_at": "2026-01-01T00:00:00.000Z"},
        {"id": UNKNOWN_ID, "created_at": "x", "updated_at": "y", "version": 2},
    ],
    ids=["empty", "id", "version", "timestamps", "all-read-only"],
)
def test_a_patch_with_nothing_to_change_is_invalid(tasks: Tasks, task: dict, body: dict) -> None:
    assert_error(tasks.patch(task["id"], body), 400, "invalid")
    assert_error(tasks.patch(task["id"], body, if_match='"1"'), 400, "invalid")
    _unchanged(tasks, task)


def test_every_bad_value_is_reported_at_once(tasks: Tasks) -> None:
    body = {"title": " ", "description": None, "due_date": "2026-02-30", "completed": True, "status": "pending"}
    result = assert_invalid(tasks.create(body), "title", "description", "due_date", "completed")
    assert set(result["errors"]) == {"title", "description", "due_date", "completed"}, result
    _nothing_created(tasks)


def test_every_wrongly_typed_or_unknown_field_is_reported_at_once(tasks: Tasks) -> None:
    # Wrong types, unknown enum values, unknown fields and value rules (the blank title): every
    # problem of the body in one answer.
    body = {"title": "", "status": "done", "priority": "urgent", "completed": "x", "colour": "red"}
    response = tasks.create(body)
    result = assert_error(response, 400, "invalid")
    assert set(result["errors"]) == {"title", "status", "priority", "completed", "colour"}, result
    assert result["errors"]["title"] == ["This field may not be blank."], result
    assert result["errors"]["priority"] == ["Enter one of: low, medium, high."], result
    assert result["errors"]["colour"] == ["Unknown field."], result
    _nothing_created(tasks)


# ---------------------------------------------------------------------------------------------------
# Body conventions: content type, size, JSON syntax


def _raw(tasks: Tasks, method: str, path: str, content: bytes, content_type: str | None) -> httpx.Response:
    headers = bearer(tasks.access)
    if content_type is not None:
        headers["Content-Type"] = content_type
    return tasks.client.request(method, path, content=content, headers=headers)


def _write_targets(task: dict) -> list[tuple[str, str]]:
    return [("POST", "/tasks"), ("PUT", f"/tasks/{task['id']}"), ("PATCH", f"/tasks/{task['id']}")]


@pytest.mark.parametrize(
    "content_type",
    ["text/plain", "application/x-www-form-urlencoded", None, "application/jsonx", "application/xml"],
    ids=["text-plain", "form", "none", "jsonx", "xml"],
)
def test_a_body_that_is_not_declared_json_is_415(tasks: Tasks, task: dict, content_type: str | None) -> None:
    body = json.dumps({"title": "via the wrong content type"}).encode()
    for method, path in _write_targets(task):
        assert_error(_raw(tasks, method, path, body, content_type), 415, "unsupported_media_type")
    _unchanged(tasks, task)


def test_a_body_over_64_kib_is_413(tasks: Tasks, task: dict) -> None:
    body = json.dumps({"title": "big", "description": "x" * (65 * 1024)}).encode()
    for method, path in _write_targets(task):
        assert_error(_raw(tasks, method, path, body, "application/json"), 413, "payload_too_large")
    _unchanged(tasks, task)


MALFORMED_JSON = ['{"title": ', "{title: 'x'}", "", "   ", "{}}", '{"title": "x",}', "nul", "\x00"]


@pytest.mark.parametrize("text", MALFORMED_JSON, ids=[repr(t) for t in MALFORMED_JSON])
def test_malformed_json_is_parse_error(tasks: Tasks, task: dict, text: str) -> None:
    for method, path in _write_targets(task):
        assert_error(_raw(tasks, method, path, text.encode(), "application/json"), 400, "parse_error")
    _unchanged(tasks, task)


NOT_OBJECTS = ["[]", '[{"title": "x"}]', '"text"', "42", "null", "true"]


@pytest.mark.parametrize("text", NOT_OBJECTS)
def test_json_that_is_not_an_object_is_parse_error(tasks: Tasks, task: dict, text: str) -> None:
    for method, path in _write_targets(task):
        assert_error(_raw(tasks, method, path, text.encode(), "application/json"), 400, "parse_error")
    _unchanged(tasks, task)


# ---------------------------------------------------------------------------------------------------
# Authentication


def _every_call(task_id: str) -> list[tuple[str, str, Any]]:
    return [
        ("GET", "/tasks", None),
        ("POST", "/tasks", {"title": "x"}),
        ("GET", f"/tasks/{task_id}", None),
        ("PUT", f"/tasks/{task_id}", {"title": "x"}),
        ("PATCH", f"/tasks/{task_id}", {"title": "x"}),
        ("DELETE", f"/tasks/{task_id}", None),
    ]


def test_every_call_without_authorization_is_not_authenticated_and_changes_nothing(
    client: httpx.Client, tasks: Tasks, task: dict
) -> None:
    for method, path, body in _every_call(task["id"]):
        assert_error(client.request(method, path, json=body), 401, "not_authenticated")
    _unchanged(tasks, task)


@pytest.mark.parametrize("make_token", list(INVALID_ACCESS_TOKENS.values()), ids=list(INVALID_ACCESS_TOKENS))
def test_every_call_with_a_bad_token_is_token_not_valid_and_changes_nothing(
    api: Api, user: User, make_token: Callable[[dict], str]
) -> None:
    pair = api.tokens(user)
    tasks = Tasks(api.client, pair["access"], user)
    task = tasks.new(title="guarded")
    token = make_token(pair)
    for method, path, body in _every_call(task["id"]):
        response = api.client.request(method, path, json=body, headers=bearer(token))
        assert_error(response, 401, "token_not_valid")
    _unchanged(tasks, task)


def test_a_malformed_authorization_header_is_401(
    client: httpx.Client, tasks: Tasks, task: dict
) -> None:
    for header in ("Bearer", "Bearer a b", "Token " + tasks.access, "Basic dXNlcjpwYXNz", "bearer"):
        response = client.get(f"/tasks/{task['id']}", headers={"Authorization": header})
        assert response.status_code == 401, (header, response.text)
        assert_error(response, 401, response.json()["code"])
        assert response.json()["code"] in ("not_authenticated", "token_not_valid")


# ---------------------------------------------------------------------------------------------------
# Ids that are malformed, unknown or someone else's: 404 on every method

BAD_IDS = [
    UNKNOWN_ID,
    "7ZZZZZZZZZZZZZZZZZZZZZZZZZ",  # the largest ULID
    "00000000000000000000000000",
    "nope",
    "01ARZ3NDEKTSV4RRFFQ69G5FA",  # 25 characters
    "01ARZ3NDEKTSV4RRFFQ69G5FAVX",  # 27 characters
    "01ARZ3NDEKTSV4RRFFQ69G5FAU",  # U is not Crockford base32
    "8ZZZZZZZZZZZZZZZZZZZZZZZZZ",  # overflows 128 bits
    "1",
    "%20",
    "x" * 300,
]


def _id_calls(tasks: Tasks, task_id: str) -> list[Callable[[], httpx.Response]]:
    return [
        lambda: tasks.get(task_id),
        lambda: tasks.put(task_id, {"title": "x"}),
        lambda: tasks.put(task_id, {"title": "x"}, if_match="*"),
        lambda: tasks.patch(task_id, {"title": "x"}),
        lambda: tasks.patch(task_id, {"title": "x"}, if_match='"1"'),
        lambda: tasks.delete(task_id),
        lambda: tasks.delete(task_id, if_match="*"),
    ]


@pytest.mark.parametrize("task_id", BAD_IDS, ids=[i[:30] for i in BAD_IDS])
def test_a_malformed_or_unknown_id_is_404_on_every_method(tasks: Tasks, task: dict, task_id: str) -> None:
    for call in _id_calls(tasks, task_id):
        assert_error(call(), 404, "not_found")
    _unchanged(tasks, task)


def test_another_users_id_is_404_on_every_method_and_changes_nothing(
    tasks: Tasks, task: dict, other_tasks: Tasks
) -> None:
    for call in _id_calls(other_tasks, task["id"]):
        assert_error(call(), 404, "not_found")
    _unchanged(tasks, task)
    assert other_tasks.everything() == []


def test_a_deleted_task_is_404_on_every_method(tasks: Tasks, task: dict) -> None:
    assert tasks.delete(task["id"]).status_code == 204
    for call in _id_calls(tasks, task["id"]):
        assert_error(call(), 404, "not_found")
    assert tasks.everything() == []


# ---------------------------------------------------------------------------------------------------
# If-Match


@pytest.mark.parametrize(
    "if_match",
    ['"2"', '"0"', "1", '""', '"x"', "W/1", '"1', '"99999999999999999999999"', '"2", "3"', "", "**"],
    ids=["next", "zero", "unquoted", "empty-tag", "not-a-number", "weak-unquoted", "unterminated", "huge",
         "list-without-current", "empty", "double-star"],
)
def test_a_stale_or_malformed_if_match_is_412_and_writes_nothing(tasks: Tasks, task: dict, if_match: str) -> None:
    assert_error(tasks.put(task["id"], {"title": "put"}, if_match=if_match), 412, "precondition_failed")
    assert_error(tasks.patch(task["id"], {"title": "patch"}, if_match=if_match), 412, "precondition_failed")
    assert_error(tasks.delete(task["id"], if_match=if_match), 412, "precondition_failed")
    _unchanged(tasks, task)


# ---------------------------------------------------------------------------------------------------
# Wrong methods: 405 with Allow


@pytest.mark.parametrize(
    "method, path, allowed",
    [
        ("POST", "/tasks/{id}", {"GET", "PUT", "PATCH", "DELETE"}),
        ("DELETE", "/tasks", {"GET", "POST"}),
        ("PUT", "/tasks", {"GET", "POST"}),
        ("PATCH", "/tasks", {"GET", "POST"}),
    ],
)
def test_a_wrong_method_is_405_with_allow_and_changes_nothing(
    tasks: Tasks, task: dict, method: str, path: str, allowed: set[str]
) -> None:
    response = tasks.client.request(
        method, path.format(id=task["id"]), json={"title": "x"}, headers=bearer(tasks.access)
    )
    assert_error(response, 405, "method_not_allowed")
    allow = {m.strip().upper() for m in response.headers["allow"].split(",")}
    assert allowed <= allow, response.headers["allow"]
    assert method not in allow, response.headers["allow"]
    _unchanged(tasks, task)


@pytest.mark.parametrize("path", ["/tasks/{id}/extra", "/taskss", "/tasks/{id}/", "/task"])
def test_paths_next_to_tasks_are_json_404(tasks: Tasks, task: dict, path: str) -> None:
    response = tasks.client.get(path.format(id=task["id"]), headers=bearer(tasks.access))
    assert_error(response, 404, "not_found")


# ---------------------------------------------------------------------------------------------------
# List parameters: 400 invalid naming the parameter

LIST_INVALID: list[tuple[str, str, str]] = [
    ("limit-0", "limit=0", "limit"),
    ("limit-101", "limit=101", "limit"),
    ("limit-x", "limit=x", "limit"),
    ("limit-negative", "limit=-1", "limit"),
    ("limit-fraction", "limit=1.5", "limit"),
    ("limit-empty", "limit=", "limit"),
    ("limit-huge", "limit=99999999999999999999", "limit"),
    ("limit-twice", "limit=5&limit=6", "limit"),
    ("cursor-garbage", "cursor=garbage", "cursor"),
    ("cursor-empty", "cursor=", "cursor"),
    ("cursor-not-base64", "cursor=!!!", "cursor"),
    ("cursor-empty-object", "cursor=e30", "cursor"),  # base64url of {}
    ("cursor-huge", "cursor=" + "A" * 5000, "cursor"),
    ("status-unknown", "status=done", "status"),
    ("status-upper-case", "status=PENDING", "status"),
    ("status-empty", "status=", "status"),
    ("completed-yes", "completed=yes", "completed"),
    ("completed-1", "completed=1", "completed"),
    ("completed-True", "completed=True", "completed"),
    ("completed-empty", "completed=", "completed"),
    ("priority-unknown", "priority=urgent", "priority"),
    ("priority-upper-case", "priority=HIGH", "priority"),
    ("due-before-feb-30", "due_before=2026-02-30", "due_before"),
    ("due-before-words", "due_before=tomorrow", "due_before"),
    ("due-before-timestamp", "due_before=2026-01-01T00:00:00Z", "due_before"),
    ("due-before-empty", "due_before=", "due_before"),
    ("due-after-month-13", "due_after=2026-13-01", "due_after"),
    ("due-after-short", "due_after=2026-1-1", "due_after"),
    ("unknown-sort", "sort=title", "sort"),
    ("unknown-page", "page=2", "page"),
    ("unknown-owner", "owner=01ARZ3NDEKTSV4RRFFQ69G5FAV", "owner"),
    ("unknown-offset", "offset=10", "offset"),
    ("unknown-Status", "Status=pending", "Status"),
]


@pytest.mark.parametrize("query, field", [c[1:] for c in LIST_INVALID], ids=[c[0] for c in LIST_INVALID])
def test_a_bad_list_parameter_is_invalid_naming_it(tasks: Tasks, task: dict, query: str, field: str) -> None:
    response = tasks.client.get(f"/tasks?{query}", headers=bearer(tasks.access))
    body = assert_invalid(response, field)
    assert task["id"] not in response.text, body


def test_every_bad_list_parameter_is_reported_at_once(tasks: Tasks) -> None:
    response = tasks.client.get(
        "/tasks?limit=0&status=done&completed=maybe&priority=urgent&due_before=x&due_after=y&sort=z",
        headers=bearer(tasks.access),
    )
    body = assert_invalid(response, "limit", "status", "completed", "priority", "due_before", "due_after", "sort")
    assert set(body["errors"]) == {"limit", "status", "completed", "priority", "due_before", "due_after", "sort"}


def test_a_cursor_of_another_user_is_invalid_and_shows_nothing_of_theirs(tasks: Tasks, other_tasks: Tasks) -> None:
    mine = [tasks.new(title=f"mine {i}") for i in range(3)]
    cursor = tasks.page({"limit": "1"})["next_cursor"]
    assert cursor
    for params in ({"cursor": cursor}, {"cursor": cursor, "limit": "100"}, {"cursor": cursor, "status": "pending"}):
        response = other_tasks.list(params)
        assert_invalid(response, "cursor")
        assert not any(t["id"] in response.text for t in mine)


def test_a_tampered_cursor_is_invalid(tasks: Tasks) -> None:
    mine = {tasks.new(title=f"t{i}")["id"] for i in range(3)}
    cursor = tasks.page({"limit": "1"})["next_cursor"]
    assert cursor
    flipped = cursor[:-3] + ("AAA" if not cursor.endswith("AAA") else "BBB")
    for bad in (flipped, cursor + "x", cursor[1:], cursor[:-1] + "=", cursor + cursor):
        response = tasks.list({"cursor": bad})
        if response.status_code == 200:
            # A changed cursor may by chance still decode to a position inside my own data; it must
            # then only ever show my own tasks. Anything else is 400 invalid.
            assert {t["id"] for t in response.json()["results"]} <= mine, response.text
            continue
        assert_invalid(response, "cursor")

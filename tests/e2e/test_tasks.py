"""Whole journeys through /tasks, as a client lives them: CRUD, filters, pages, other users, If-Match."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta
from typing import Any

import httpx
import pytest

from conftest import (
    TASK_READ_ONLY,
    Tasks,
    assert_error,
    assert_invalid,
    assert_task,
    bearer,
    etag,
    make_client,
    now,
    parse_timestamp,
)


def _ids(tasks: list[dict]) -> list[str]:
    return [t["id"] for t in tasks]


# ---------------------------------------------------------------------------------------------------
# The whole journey


def test_a_user_creates_lists_filters_reads_replaces_patches_and_deletes_tasks(tasks: Tasks) -> None:
    before = now()

    # Create: defaults for what is not sent.
    response = tasks.create({"title": "Buy milk"})
    assert response.status_code == 201, response.text
    milk = assert_task(
        response.json(),
        title="Buy milk",
        description="",
        status="pending",
        completed=False,
        due_date=None,
        priority="medium",
        version=1,
    )
    assert response.headers.get("location") == f"/tasks/{milk['id']}"
    assert response.headers.get("etag") == '"1"'
    assert milk["created_at"] == milk["updated_at"]
    assert before - timedelta(seconds=60) <= parse_timestamp(milk["created_at"]) <= now() + timedelta(seconds=60)

    # A few more, one of each kind, so that every filter has something to keep and to leave out.
    report = tasks.new(
        title="Write report", description="Q3 numbers", status="in_progress", due_date="2026-12-10", priority="high"
    )
    taxes = tasks.new(title="Pay taxes", completed=True, due_date="2026-04-15", priority="high")
    assert_task(taxes, status="completed", completed=True)
    plants = tasks.new(title="Water plants", status="pending", due_date="2026-12-24", priority="low")
    everything = [plants, taxes, report, milk]  # newest first

    # List: all of them, newest first, one page.
    page = tasks.page()
    assert page["results"] == everything
    assert page["next_cursor"] is None

    # Filters, each on its own and a few combined.
    def listed(**params: Any) -> list[str]:
        return _ids(tasks.everything(params))

    assert listed(status="pending") == _ids([plants, milk])
    assert listed(status="in_progress") == _ids([report])
    assert listed(status="completed") == _ids([taxes])
    assert listed(completed="true") == _ids([taxes])
    assert listed(completed="false") == _ids([plants, report, milk])
    assert listed(priority="high") == _ids([taxes, report])
    assert listed(priority="medium") == _ids([milk])
    assert listed(priority="low") == _ids([plants])
    # Due filters are strict and leave out tasks without a due date (milk).
    assert listed(due_before="2026-12-10") == _ids([taxes])
    assert listed(due_before="2026-12-11") == _ids([taxes, report])
    assert listed(due_after="2026-12-10") == _ids([plants])
    assert listed(due_after="2026-04-14") == _ids([plants, taxes, report])
    assert listed(due_after="2026-01-01", due_before="2026-12-31") == _ids([plants, taxes, report])
    assert listed(due_after="2026-04-15", due_before="2026-12-24") == _ids([report])
    assert listed(priority="high", completed="false") == _ids([report])
    assert listed(status="pending", priority="high") == []
    assert listed(limit="1", status="pending") == _ids([plants, milk]), "filters and small pages together"

    # Get: the same task and its ETag.
    response = tasks.get(report["id"])
    assert response.status_code == 200, response.text
    assert response.json() == report
    assert response.headers.get("etag") == '"1"'

    # PUT: full replacement; omitted fields go back to their defaults.
    response = tasks.put(report["id"], {"title": "Write the report", "due_date": "2026-12-11"})
    assert response.status_code == 200, response.text
    replaced = assert_task(
        response.json(),
        id=report["id"],
        title="Write the report",
        description="",
        status="pending",
        completed=False,
        due_date="2026-12-11",
        priority="medium",
        version=2,
        created_at=report["created_at"],
    )
    assert response.headers.get("etag") == '"2"'
    assert parse_timestamp(replaced["updated_at"]) >= parse_timestamp(report["updated_at"])
    assert tasks.read(report["id"]) == replaced

    # PATCH: only what is sent changes.
    response = tasks.patch(report["id"], {"priority": "low", "description": "by Friday"}, if_match='"2"')
    assert response.status_code == 200, response.text
    patched = assert_task(response.json(), version=3)
    expected = {**replaced, "priority": "low", "description": "by Friday", "version": 3}
    assert {k: v for k, v in patched.items() if k != "updated_at"} == {
        k: v for k, v in expected.items() if k != "updated_at"
    }
    assert response.headers.get("etag") == '"3"'
    assert tasks.read(report["id"]) == patched

    # PATCH clears a due date with null; the task then leaves the due filters.
    cleared = tasks.patch(report["id"], {"due_date": None})
    assert cleared.status_code == 200, cleared.text
    assert_task(cleared.json(), due_date=None, version=4, priority="low")
    assert report["id"] not in listed(due_after="2000-01-01")

    # DELETE, then the task is gone for every method and from the list.
    response = tasks.delete(report["id"], if_match='"4"')
    assert response.status_code == 204, response.text
    assert response.content == b""
    assert_error(tasks.get(report["id"]), 404, "not_found")
    assert_error(tasks.put(report["id"], {"title": "again"}), 404, "not_found")
    assert_error(tasks.patch(report["id"], {"title": "again"}), 404, "not_found")
    assert_error(tasks.delete(report["id"]), 404, "not_found")
    assert_error(tasks.delete(report["id"], if_match="*"), 404, "not_found")
    assert tasks.everything() == [plants, taxes, milk]


def test_every_field_can_be_set_at_creation_and_read_back(tasks: Tasks) -> None:
    body = {
        "title": "Plan trip",
        "description": "Flights, hotel\nand a car. ✈️",
        "status": "in_progress",
        "completed": False,
        "due_date": "2028-02-29",
        "priority": "low",
    }
    task = tasks.new(**body)
    assert_task(task, **body)
    assert tasks.read(task["id"]) == task


def test_values_at_the_edges_of_their_lengths_are_accepted(tasks: Tasks) -> None:
    title = "é" * 200  # characters, not bytes
    description = "d" * 5000
    task = tasks.new(title=title, description=description)
    assert_task(task, title=title, description=description)
    patched = tasks.patch(task["id"], {"title": "x", "description": ""})
    assert patched.status_code == 200, patched.text
    assert_task(patched.json(), title="x", description="", version=2)


# ---------------------------------------------------------------------------------------------------
# Pages


def test_45_tasks_in_pages_of_10_come_back_each_once_newest_first(tasks: Tasks) -> None:
    created = [tasks.new(title=f"task {i:02d}")["id"] for i in range(45)]

    seen: list[str] = []
    sizes: list[int] = []
    params: dict[str, str] = {"limit": "10"}
    for _ in range(10):  # bounded: 5 pages expected
        page = tasks.page(params)
        sizes.append(len(page["results"]))
        seen.extend(_ids(page["results"]))
        if page["next_cursor"] is None:
            break
        params["cursor"] = page["next_cursor"]
    assert sizes == [10, 10, 10, 10, 5], sizes
    assert len(seen) == len(set(seen)) == 45, "every task exactly once"
    assert seen == list(reversed(created)), "newest first, by creation"
    assert seen == sorted(seen, reverse=True), "ids are time-ordered"


def test_the_default_page_is_20_and_a_page_that_fills_exactly_has_no_next_cursor(tasks: Tasks) -> None:
    created = [tasks.new(title=f"t{i}")["id"] for i in range(21)]
    first = tasks.page()
    assert _ids(first["results"]) == list(reversed(created))[:20]
    assert first["next_cursor"] is not None
    rest = tasks.page({"cursor": first["next_cursor"]})
    assert _ids(rest["results"]) == [created[0]] and rest["next_cursor"] is None

    # 21 tasks in pages of 7: the third page is full and is the last one.
    params: dict[str, str] = {"limit": "7"}
    pages = []
    for _ in range(5):
        page = tasks.page(params)
        pages.append(_ids(page["results"]))
        if page["next_cursor"] is None:
            break
        params["cursor"] = page["next_cursor"]
    assert [len(p) for p in pages] == [7, 7, 7], pages
    assert [i for p in pages for i in p] == list(reversed(created))


def test_an_empty_list_and_limits_at_the_edges(tasks: Tasks) -> None:
    assert tasks.page() == {"results": [], "next_cursor": None}
    first, second = tasks.new(title="first"), tasks.new(title="second")
    page = tasks.page({"limit": "1"})
    assert page["results"] == [second] and page["next_cursor"]
    page = tasks.page({"limit": "1", "cursor": page["next_cursor"]})
    assert page["results"] == [first]
    assert page["next_cursor"] is None, "the last page has no next cursor"
    assert tasks.page({"limit": "100"})["results"] == [second, first]


def test_a_filter_that_keeps_few_tasks_still_finds_them_all_through_the_cursor(tasks: Tasks) -> None:
    wanted = []
    for i in range(24):
        if i % 6 == 0:
            wanted.append(tasks.new(title=f"high {i}", priority="high")["id"])
        else:
            tasks.new(title=f"low {i}", priority="low")
    found: list[str] = []
    params = {"limit": "3", "priority": "high"}
    for _ in range(30):
        page = tasks.page(params)
        assert len(page["results"]) <= 3
        assert all(t["priority"] == "high" for t in page["results"])
        found.extend(_ids(page["results"]))
        if page["next_cursor"] is None:
            break
        params["cursor"] = page["next_cursor"]
    else:
        pytest.fail("the cursor never ran out")
    assert found == list(reversed(wanted))


# ---------------------------------------------------------------------------------------------------
# Another user


def test_another_user_can_neither_see_nor_touch_my_tasks(tasks: Tasks, other_tasks: Tasks) -> None:
    mine = [tasks.new(title=f"mine {i}", due_date="2026-06-01", priority="high") for i in range(3)]
    theirs = other_tasks.new(title="theirs", priority="high", due_date="2026-06-01")
    first_page = tasks.page({"limit": "2"})
    assert first_page["next_cursor"], first_page

    for task in mine:
        task_id = task["id"]
        assert_error(other_tasks.get(task_id), 404, "not_found")
        assert_error(other_tasks.put(task_id, {"title": "stolen"}), 404, "not_found")
        assert_error(other_tasks.put(task_id, {"title": "stolen"}, if_match="*"), 404, "not_found")
        assert_error(other_tasks.patch(task_id, {"title": "stolen"}), 404, "not_found")
        assert_error(other_tasks.patch(task_id, {"completed": True}, if_match='"1"'), 404, "not_found")
        assert_error(other_tasks.delete(task_id), 404, "not_found")
        assert_error(other_tasks.delete(task_id, if_match="*"), 404, "not_found")

    # The other user's lists only ever hold their own task, whatever the filter.
    for params in ({}, {"priority": "high"}, {"due_after": "2026-01-01"}, {"completed": "false"}, {"limit": "100"}):
        assert other_tasks.everything(params) == [theirs], params

    # A cursor taken from my list is no position in theirs: 400, and nothing of mine leaks.
    response = other_tasks.list({"cursor": first_page["next_cursor"]})
    body = assert_invalid(response, "cursor")
    assert not any(t["id"] in response.text for t in mine), body
    response = other_tasks.list({"cursor": first_page["next_cursor"], "limit": "2", "priority": "high"})
    assert_invalid(response, "cursor")
    assert not any(t["id"] in response.text for t in mine)

    # My tasks are exactly as they were, and my cursor still works for me.
    assert tasks.everything() == list(reversed(mine))
    for task in mine:
        assert tasks.read(task["id"]) == task
    assert tasks.page({"limit": "2", "cursor": first_page["next_cursor"]})["results"] == [mine[0]]


# ---------------------------------------------------------------------------------------------------
# If-Match


def _patch_at_once(base_url: str, access: str, task_id: str, bodies: list[dict], if_match: str) -> list[httpx.Response]:
    """Sends one PATCH per body, all released together from their own threads and connections."""
    barrier = threading.Barrier(len(bodies), timeout=30)

    def send(body: dict) -> httpx.Response:
        with make_client(base_url) as client:
            tasks = Tasks(client, access)
            # Connect first (a read), so that the writes leave as close together as possible.
            assert tasks.get(task_id).status_code == 200
            barrier.wait()
            return tasks.patch(task_id, body, if_match=if_match)

    with ThreadPoolExecutor(max_workers=len(bodies)) as pool:
        return list(pool.map(send, bodies, timeout=120))


def test_two_concurrent_patches_with_the_same_if_match_one_wins_one_gets_412(base_url: str, tasks: Tasks) -> None:
    for attempt in range(5):
        task = tasks.new(title=f"race {attempt}")
        bodies = [{"title": f"left {attempt}"}, {"title": f"right {attempt}"}]
        responses = _patch_at_once(base_url, tasks.access, task["id"], bodies, etag(1))
        statuses = sorted(r.status_code for r in responses)
        assert statuses == [200, 412], f"attempt {attempt}: {[(r.status_code, r.text) for r in responses]}"
        winner = next(r for r in responses if r.status_code == 200)
        loser = next(r for r in responses if r.status_code == 412)
        assert_error(loser, 412, "precondition_failed")
        won = assert_task(winner.json(), version=2)
        assert winner.headers.get("etag") == '"2"'
        # Exactly one change was written: the winner's.
        assert tasks.read(task["id"]) == won
        assert won["title"] in (f"left {attempt}", f"right {attempt}")


def test_racing_patches_without_if_match_all_win_and_every_one_makes_a_version(base_url: str, tasks: Tasks) -> None:
    """No If-Match is no precondition: a PATCH that loses a race to another writer is applied
    again to the newer task, so it never answers 412 (only an exhausted retry budget may answer,
    as 503 with Retry-After, and none should be exhausted here)."""
    writers, rounds = 8, 25
    task = tasks.new(title="contended")
    barrier = threading.Barrier(writers, timeout=30)

    def write(writer: int) -> list[httpx.Response]:
        with make_client(base_url) as client:
            own = Tasks(client, tasks.access)
            assert own.get(task["id"]).status_code == 200
            barrier.wait()
            return [own.patch(task["id"], {"description": f"writer {writer} round {r}"}) for r in range(rounds)]

    with ThreadPoolExecutor(max_workers=writers) as pool:
        responses = [r for batch in pool.map(write, range(writers), timeout=300) for r in batch]
    lost = [(r.status_code, r.text) for r in responses if r.status_code != 200]
    assert not lost, f"{len(lost)} of {len(responses)} PATCHes without If-Match did not win: {lost[:5]}"
    final = tasks.read(task["id"])
    assert final["version"] == 1 + writers * rounds
    assert final["description"] in {r.json()["description"] for r in responses}


def test_stale_if_match_on_put_patch_and_delete_changes_nothing(tasks: Tasks) -> None:
    task = tasks.new(title="original", priority="low")
    updated = tasks.patch(task["id"], {"title": "second"}, if_match='"1"')
    assert updated.status_code == 200, updated.text
    current = tasks.read(task["id"])
    assert current["version"] == 2

    for stale in ('"1"', '"3"', 'W/"1"', '"1", "3"'):
        assert_error(tasks.put(task["id"], {"title": "put"}, if_match=stale), 412, "precondition_failed")
        assert_error(tasks.patch(task["id"], {"title": "patch"}, if_match=stale), 412, "precondition_failed")
        assert_error(tasks.delete(task["id"], if_match=stale), 412, "precondition_failed")
        assert tasks.read(task["id"]) == current, f"If-Match {stale} changed the task"

    # The right tag, a list holding it, a weak form of it and `*` all match.
    response = tasks.put(task["id"], {"title": "put"}, if_match='"2"')
    assert response.status_code == 200, response.text
    assert_task(response.json(), title="put", priority="medium", version=3)
    response = tasks.patch(task["id"], {"priority": "high"}, if_match='"1", "3"')
    assert response.status_code == 200, response.text
    response = tasks.patch(task["id"], {"description": "weak"}, if_match='W/"4"')
    assert response.status_code == 200, response.text
    response = tasks.patch(task["id"], {"title": "any"}, if_match="*")
    assert response.status_code == 200, response.text
    assert_task(response.json(), title="any", priority="high", description="weak", version=6)
    assert response.headers.get("etag") == '"6"'
    response = tasks.delete(task["id"], if_match="*")
    assert response.status_code == 204, response.text
    assert_error(tasks.get(task["id"]), 404, "not_found")


def test_delete_with_the_current_if_match_deletes(tasks: Tasks) -> None:
    task = tasks.new()
    response = tasks.delete(task["id"], if_match=etag(task["version"]))
    assert response.status_code == 204, response.text
    assert_error(tasks.get(task["id"]), 404, "not_found")


def test_if_match_on_an_unknown_task_is_404(tasks: Tasks) -> None:
    unknown = "01ARZ3NDEKTSV4RRFFQ69G5FAV"
    assert_error(tasks.put(unknown, {"title": "x"}, if_match='"1"'), 404, "not_found")
    assert_error(tasks.patch(unknown, {"title": "x"}, if_match='"1"'), 404, "not_found")
    assert_error(tasks.delete(unknown, if_match='"1"'), 404, "not_found")


# ---------------------------------------------------------------------------------------------------
# completed and status


CREATE_COUPLING = [
    ({}, "pending"),
    ({"completed": True}, "completed"),
    ({"completed": False}, "pending"),
    ({"status": "completed"}, "completed"),
    ({"status": "in_progress"}, "in_progress"),
    ({"status": "completed", "completed": True}, "completed"),
    ({"status": "in_progress", "completed": False}, "in_progress"),
    ({"status": "pending", "completed": False}, "pending"),
]


@pytest.mark.parametrize("body, status", CREATE_COUPLING, ids=[str(b) for b, _ in CREATE_COUPLING])
def test_completed_and_status_at_creation(tasks: Tasks, body: dict, status: str) -> None:
    task = tasks.new(**body)
    assert_task(task, status=status, completed=status == "completed")
    # PUT takes the same rules (a full replacement from defaults).
    response = tasks.put(task["id"], {"title": "again", **body})
    assert response.status_code == 200, response.text
    assert_task(response.json(), status=status, completed=status == "completed", version=2)


PATCH_COUPLING = [
    ("pending", {"completed": True}, "completed"),
    ("in_progress", {"completed": True}, "completed"),
    ("completed", {"completed": True}, "completed"),
    ("completed", {"completed": False}, "pending"),
    ("in_progress", {"completed": False}, "in_progress"),
    ("pending", {"completed": False}, "pending"),
    ("completed", {"status": "in_progress"}, "in_progress"),
    ("completed", {"status": "pending"}, "pending"),
    ("pending", {"status": "completed"}, "completed"),
    ("completed", {"status": "in_progress", "completed": False}, "in_progress"),
    ("in_progress", {"status": "completed", "completed": True}, "completed"),
    ("completed", {"title": "only the title"}, "completed"),
]


@pytest.mark.parametrize(
    "start, body, status", PATCH_COUPLING, ids=[f"{s}-{b}" for s, b, _ in PATCH_COUPLING]
)
def test_completed_and_status_on_patch(tasks: Tasks, start: str, body: dict, status: str) -> None:
    task = tasks.new(status=start)
    response = tasks.patch(task["id"], body)
    assert response.status_code == 200, response.text
    patched = assert_task(response.json(), status=status, completed=status == "completed", version=2)
    assert tasks.read(task["id"]) == patched


def test_completed_is_a_filter_that_follows_status_changes(tasks: Tasks) -> None:
    task = tasks.new(title="flip")
    assert _ids(tasks.everything({"completed": "true"})) == []
    tasks.patch(task["id"], {"completed": True})
    assert _ids(tasks.everything({"completed": "true"})) == [task["id"]]
    assert _ids(tasks.everything({"status": "completed"})) == [task["id"]]
    tasks.patch(task["id"], {"completed": False})
    assert _ids(tasks.everything({"completed": "false"})) == [task["id"]]
    assert _ids(tasks.everything({"status": "pending"})) == [task["id"]]


# ---------------------------------------------------------------------------------------------------
# Titles are trimmed


@pytest.mark.parametrize(
    "raw, stored",
    [
        ("  Buy milk  ", "Buy milk"),
        ("\tTabs and newlines\n", "Tabs and newlines"),
        (" inner  spaces stay ", "inner  spaces stay"),
        ("  " + "x" * 200 + "  ", "x" * 200),  # the limit counts the trimmed title
    ],
    ids=["spaces", "tabs-newlines", "inner-spaces", "200-after-trimming"],
)
def test_titles_are_stored_trimmed_on_create_put_and_patch(tasks: Tasks, raw: str, stored: str) -> None:
    task = tasks.new(title=raw)
    assert task["title"] == stored
    response = tasks.put(task["id"], {"title": raw})
    assert response.status_code == 200, response.text
    assert response.json()["title"] == stored
    response = tasks.patch(task["id"], {"title": "  changed  "})
    assert response.status_code == 200, response.text
    assert response.json()["title"] == "changed"
    response = tasks.patch(task["id"], {"title": raw})
    assert response.status_code == 200, response.text
    assert response.json()["title"] == stored
    assert tasks.read(task["id"])["title"] == stored
    assert [t["title"] for t in tasks.everything()] == [stored]


# ---------------------------------------------------------------------------------------------------
# Read-only fields


def test_a_task_just_read_can_be_put_back_with_changes_and_read_only_fields_are_ignored(tasks: Tasks) -> None:
    task = tasks.new(title="round trip", description="d", status="in_progress", due_date="2026-07-01", priority="high")
    read = tasks.read(task["id"])

    # Unchanged: PUT of exactly what was read is accepted and only bumps the version.
    response = tasks.put(task["id"], read, if_match=etag(read["version"]))
    assert response.status_code == 200, response.text
    same = response.json()
    assert {k: v for k, v in same.items() if k not in ("version", "updated_at")} == {
        k: v for k, v in read.items() if k not in ("version", "updated_at")
    }
    assert same["version"] == 2

    # Changed, with lies in every read-only field: the lies are ignored.
    body = {
        **same,
        "title": "round trip, edited",
        "id": "01ARZ3NDEKTSV4RRFFQ69G5FAV",
        "created_at": "2000-01-01T00:00:00.000Z",
        "updated_at": "2000-01-01T00:00:00.000Z",
        "version": 99,
    }
    response = tasks.put(task["id"], body, if_match=etag(same["version"]))
    assert response.status_code == 200, response.text
    edited = assert_task(
        response.json(),
        id=task["id"],
        title="round trip, edited",
        description="d",
        status="in_progress",
        due_date="2026-07-01",
        priority="high",
        created_at=task["created_at"],
        version=3,
    )
    assert edited["updated_at"] != "2000-01-01T00:00:00.000Z"
    assert tasks.read(task["id"]) == edited
    assert_error(tasks.get("01ARZ3NDEKTSV4RRFFQ69G5FAV"), 404, "not_found")

    # The same for PATCH next to a real change, and for POST.
    response = tasks.patch(task["id"], {"priority": "low", "version": 1, "id": "x", "created_at": "y"})
    assert response.status_code == 200, response.text
    assert_task(response.json(), id=task["id"], priority="low", version=4, created_at=task["created_at"])
    created = tasks.new(**{k: read[k] for k in TASK_READ_ONLY}, title="posted with read-only fields")
    assert created["id"] != read["id"] and created["version"] == 1
    assert created["created_at"] != read["created_at"]


def test_put_of_a_read_completed_task_keeps_it_completed(tasks: Tasks) -> None:
    # A read task carries both status and completed; they agree, so PUT takes them back.
    task = tasks.new(title="done", completed=True)
    read = tasks.read(task["id"])
    response = tasks.put(task["id"], {**read, "title": "done, renamed"})
    assert response.status_code == 200, response.text
    assert_task(response.json(), status="completed", completed=True, title="done, renamed", version=2)


@pytest.mark.parametrize(
    "read_only",
    [
        {"version": "abc"},
        {"id": 5, "created_at": None, "updated_at": [1], "version": None},
        {"id": "01ARZ3NDEKTSV4RRFFQ69G5FAV", "version": 42, "created_at": "2000-01-01T00:00:00.000Z"},
    ],
    ids=["wrong-type-version", "wrong-types-and-nulls", "plausible-lies"],
)
def test_read_only_fields_of_any_value_are_ignored_on_create_and_put(tasks: Tasks, read_only: dict) -> None:
    task = tasks.new(title="ro", **read_only)
    assert task["id"] != read_only.get("id") and task["version"] == 1
    assert task["created_at"] != read_only.get("created_at")
    response = tasks.put(task["id"], {"title": "ro 2", **read_only})
    assert response.status_code == 200, response.text
    assert_task(response.json(), id=task["id"], title="ro 2", version=2, created_at=task["created_at"])


def test_a_null_due_date_is_no_due_date(tasks: Tasks) -> None:
    task = tasks.new(title="no date", due_date=None)
    assert task["due_date"] is None
    response = tasks.put(task["id"], {"title": "no date", "due_date": "2026-03-01"})
    assert response.status_code == 200, response.text
    response = tasks.put(task["id"], {"title": "no date", "due_date": None})
    assert response.status_code == 200, response.text
    assert_task(response.json(), due_date=None, version=3)


# ---------------------------------------------------------------------------------------------------
# Browsers


def test_a_browser_on_an_allowed_origin_may_send_if_match_and_read_etag_and_location(tasks: Tasks) -> None:
    origin = "http://localhost:3000"  # CORS_ALLOWED_ORIGINS in local/dev.env
    task = tasks.new()
    preflight = tasks.client.options(
        f"/tasks/{task['id']}",
        headers={
            "Origin": origin,
            "Access-Control-Request-Method": "PATCH",
            "Access-Control-Request-Headers": "authorization,content-type,if-match",
        },
    )
    assert 200 <= preflight.status_code < 300, preflight.text
    assert preflight.headers.get("access-control-allow-origin") == origin
    assert "PATCH" in preflight.headers.get("access-control-allow-methods", "").upper()
    allowed = preflight.headers.get("access-control-allow-headers", "").lower()
    assert all(h in allowed for h in ("authorization", "content-type", "if-match")), preflight.headers

    response = tasks.client.post(
        "/tasks", json={"title": "from a browser"}, headers={"Origin": origin, **bearer(tasks.access)}
    )
    assert response.status_code == 201, response.text
    assert response.headers.get("access-control-allow-origin") == origin
    exposed = {h.strip().lower() for h in response.headers.get("access-control-expose-headers", "").split(",")}
    assert {"etag", "location"} <= exposed, response.headers

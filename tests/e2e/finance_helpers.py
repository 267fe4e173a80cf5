"""Helpers for the /expenses, /budgets and /budgets/summary suites (test_finance*.py).

Modelled on the `Tasks` helper of conftest.py: one class per collection, bound to one user's access
token, whose plain methods return the raw response and whose `new`/`read`/`page`/`everything`
expect success and check the contract's shapes on the way.
"""

from __future__ import annotations

import re
import threading
import uuid
from concurrent.futures import ThreadPoolExecutor
from datetime import date, datetime, timezone
from typing import Any, Callable

import httpx

from conftest import (
    TIMESTAMP_MS_Z,
    ULID,
    Api,
    Collection,
    User,
    make_client,
    parse_timestamp,
)

UNKNOWN_ID = "01ARZ3NDEKTSV4RRFFQ69G5FAV"

EXPENSE_CATEGORIES = ("FOOD", "DATA", "TRANSPORT", "MISCELLANEOUS")
BUDGET_CATEGORIES = ("FOOD", "DATA", "SAVINGS", "TRANSPORT", "MISCELLANEOUS")  # the summary's order
EXPENSE_CATEGORY_MESSAGE = "Enter one of: FOOD, DATA, TRANSPORT, MISCELLANEOUS."
BUDGET_CATEGORY_MESSAGE = "Enter one of: FOOD, DATA, SAVINGS, TRANSPORT, MISCELLANEOUS."
DATE_MESSAGE = "Enter a valid date in the form YYYY-MM-DD."
MONTH_MESSAGE = "Enter a valid month in the form YYYY-MM."

READ_ONLY = ("id", "created_at", "updated_at", "version")
EXPENSE_KEYS = {"id", "amount", "description", "category", "date", "created_at", "updated_at", "version"}
BUDGET_KEYS = {"id", "amount", "description", "category", "month", "created_at", "updated_at", "version"}
SUMMARY_KEYS = {"month", "categories", "total_budget", "total_spent"}
SUMMARY_CATEGORY_KEYS = {"category", "budget", "spent", "remaining", "over"}

AMOUNT = re.compile(r"^\d+\.\d{2}$")  # what an expense or budget holds: positive, two decimals
MONEY = re.compile(r"^-?\d+\.\d{2}$")  # sums and differences (remaining may be negative)
DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
MONTH = re.compile(r"^\d{4}-\d{2}$")


# ---------------------------------------------------------------------------------------------------
# The calendar as the server sees it (UTC)


def today_utc() -> str:
    return datetime.now(timezone.utc).date().isoformat()


def this_month_utc() -> str:
    return today_utc()[:7]


def shift_month(month: str, by: int) -> str:
    year, number = map(int, month.split("-"))
    index = year * 12 + (number - 1) + by
    return f"{index // 12:04d}-{index % 12 + 1:02d}"


def unique_month() -> str:
    """A month (years 3000..9999) that no other test of the same user is likely to pick."""
    value = uuid.uuid4().int
    return f"{3000 + value % 7000:04d}-{(value >> 20) % 12 + 1:02d}"


# ---------------------------------------------------------------------------------------------------
# Shapes


def _assert_common(body: Any, keys: set[str], kind: str) -> dict:
    assert isinstance(body, dict), body
    assert set(body) == keys, f"{kind} keys differ: {sorted(set(body) ^ keys)} in {body}"
    assert isinstance(body["id"], str) and ULID.match(body["id"]), body
    assert isinstance(body["amount"], str) and AMOUNT.match(body["amount"]), f"amount not a 2-decimal string: {body}"
    assert isinstance(body["description"], str) and len(body["description"]) <= 500, body
    assert TIMESTAMP_MS_Z.match(body["created_at"]) and TIMESTAMP_MS_Z.match(body["updated_at"]), body
    assert parse_timestamp(body["created_at"]) <= parse_timestamp(body["updated_at"]), body
    assert type(body["version"]) is int and body["version"] >= 1, body
    return body


def _assert_expected(body: dict, expected: dict) -> dict:
    for key, value in expected.items():
        assert body[key] == value, f"{key}: expected {value!r}, got {body[key]!r} in {body}"
    return body


def assert_expense(body: Any, **expected: Any) -> dict:
    _assert_common(body, EXPENSE_KEYS, "expense")
    assert body["category"] in EXPENSE_CATEGORIES, body
    assert isinstance(body["date"], str) and DATE.match(body["date"]), body
    date.fromisoformat(body["date"])
    return _assert_expected(body, expected)


def assert_budget(body: Any, **expected: Any) -> dict:
    _assert_common(body, BUDGET_KEYS, "budget")
    assert body["category"] in BUDGET_CATEGORIES, body
    assert isinstance(body["month"], str) and MONTH.match(body["month"]), body
    return _assert_expected(body, expected)


def assert_summary(body: Any) -> dict:
    assert isinstance(body, dict) and set(body) == SUMMARY_KEYS, body
    assert MONTH.match(body["month"]), body
    assert isinstance(body["categories"], list), body
    order = [c["category"] for c in body["categories"]]
    assert order == [c for c in BUDGET_CATEGORIES if c in order], f"categories out of order or repeated: {body}"
    for line in body["categories"]:
        assert set(line) == SUMMARY_CATEGORY_KEYS, line
        assert MONEY.match(line["spent"]), line
        assert type(line["over"]) is bool, line
        if line["budget"] is None:
            assert line["remaining"] is None and line["over"] is False, line
        else:
            assert MONEY.match(line["budget"]) and MONEY.match(line["remaining"]), line
    assert MONEY.match(body["total_budget"]) and MONEY.match(body["total_spent"]), body
    return body


def without(body: dict, *keys: str) -> dict:
    return {k: v for k, v in body.items() if k not in keys}


def ids(items: list[dict]) -> list[str]:
    return [item["id"] for item in items]


# ---------------------------------------------------------------------------------------------------
# The collections


class Expenses(Collection):
    path = "/expenses"
    kind = "expense"
    assert_item = staticmethod(assert_expense)

    def new(self, **body: Any) -> dict:
        body.setdefault("amount", "1.00")
        body.setdefault("category", "FOOD")
        return super().new(**body)


class Budgets(Collection):
    path = "/budgets"
    kind = "budget"
    assert_item = staticmethod(assert_budget)

    def new(self, **body: Any) -> dict:
        body.setdefault("amount", "100.00")
        body.setdefault("category", "FOOD")
        body.setdefault("month", unique_month())
        return super().new(**body)

    def summary_response(self, params: Any = None) -> httpx.Response:
        return self.client.get("/budgets/summary", params=params, headers=self._headers())

    def summary(self, month: str | None = None) -> dict:
        response = self.summary_response({"month": month} if month is not None else None)
        assert response.status_code == 200, f"GET /budgets/summary {month}: {response.status_code} {response.text}"
        return assert_summary(response.json())


class Finance:
    """Both collections of one logged-in user."""

    def __init__(self, client: httpx.Client, access: str, user: User | None = None) -> None:
        self.client = client
        self.access = access
        self.user = user
        self.expenses = Expenses(client, access, user)
        self.budgets = Budgets(client, access, user)


def finance_of(api: Api, user: User) -> Finance:
    return Finance(api.client, api.tokens(user)["access"], user)


def new_finance(api: Api, prefix: str = "fin") -> Finance:
    """A freshly registered, logged-in user's /expenses and /budgets."""
    return finance_of(api, api.new_user(prefix=prefix))


# ---------------------------------------------------------------------------------------------------
# Requests released together


def at_once(base_url: str, count: int, send: Callable[[Finance, int], httpx.Response], access: str) -> list[httpx.Response]:
    """Runs send(finance, i) for i in 0..count from their own threads and connections, released together."""
    barrier = threading.Barrier(count, timeout=30)

    def run(index: int) -> httpx.Response:
        with make_client(base_url) as client:
            finance = Finance(client, access)
            # Connect first (a cheap read), so that the writes leave as close together as possible.
            assert finance.budgets.list({"limit": "1"}).status_code == 200
            barrier.wait()
            return send(finance, index)

    with ThreadPoolExecutor(max_workers=count) as pool:
        return list(pool.map(run, range(count), timeout=120))

"""Whole journeys through /expenses, /budgets and /budgets/summary, as a client lives them: CRUD,
filters, pages, exact amounts, the monthly summary, one budget per category and month (also under
concurrent requests), If-Match, and another user who must see none of it."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import pytest

from conftest import Api, assert_error, assert_invalid, etag, now, parse_timestamp
from finance_helpers import (
    BUDGET_CATEGORIES,
    EXPENSE_CATEGORIES,
    UNKNOWN_ID,
    Finance,
    at_once,
    finance_of,
    ids,
    new_finance,
    shift_month,
    this_month_utc,
    today_utc,
    without,
)


@pytest.fixture
def fin(api: Api) -> Finance:
    """/expenses and /budgets as a freshly registered, logged-in user."""
    return new_finance(api)


@pytest.fixture
def other(api: Api) -> Finance:
    """/expenses and /budgets as a second fresh user."""
    return new_finance(api, prefix="other")


def _line(category: str, budget: str | None, spent: str, remaining: str | None, over: bool) -> dict:
    return {"category": category, "budget": budget, "spent": spent, "remaining": remaining, "over": over}


# ---------------------------------------------------------------------------------------------------
# The whole journey


def test_a_user_registers_logs_in_and_keeps_expenses_budgets_and_a_summary(api: Api) -> None:
    user = api.new_user(prefix="journey")
    fin = finance_of(api, user)
    expenses, budgets = fin.expenses, fin.budgets
    before = now()

    # Expenses in several categories and on several days (2025, well before today).
    response = expenses.create({"amount": 12.5, "category": "FOOD", "date": "2025-03-14", "description": "Lunch"})
    lunch = expenses.created(response, amount="12.50", category="FOOD", date="2025-03-14", description="Lunch")
    assert before - timedelta(seconds=60) <= parse_timestamp(lunch["created_at"]) <= now() + timedelta(seconds=60)
    phone = expenses.new(amount="20", category="DATA", date="2025-03-01")
    bus = expenses.new(amount="2.40", category="TRANSPORT", date="2025-03-31", description="Bus 42")
    gift = expenses.new(amount=45.99, category="MISCELLANEOUS", date="2025-02-28")
    dinner = expenses.new(amount="30.00", category="FOOD", date="2025-04-01")
    day = today_utc()
    snack = expenses.new(amount="3", category="FOOD")
    assert snack["date"] in (day, today_utc()) and snack["amount"] == "3.00" and snack["description"] == ""

    # The list: newest date first, all on one page.
    everything = [snack, dinner, bus, lunch, phone, gift]
    page = expenses.page()
    assert page == {"results": everything, "next_cursor": None}

    # Filters, alone and together; from and to are both inclusive.
    def listed(**params: Any) -> list[str]:
        return ids(expenses.everything(params))

    assert listed(category="FOOD") == ids([snack, dinner, lunch])
    assert listed(category="DATA") == ids([phone])
    assert listed(category="TRANSPORT") == ids([bus])
    assert listed(category="MISCELLANEOUS") == ids([gift])
    assert listed(**{"from": "2025-03-01", "to": "2025-03-31"}) == ids([bus, lunch, phone])
    assert listed(**{"from": "2025-03-02", "to": "2025-03-30"}) == ids([lunch])
    assert listed(**{"from": "2025-03-31"}) == ids([snack, dinner, bus])
    assert listed(to="2025-03-01") == ids([phone, gift])
    assert listed(**{"from": "2025-03-14", "to": "2025-03-14"}) == ids([lunch])
    assert listed(**{"from": "2025-01-01", "to": "2025-02-27"}) == []
    assert listed(category="FOOD", **{"from": "2025-03-01", "to": "2025-03-31"}) == ids([lunch])
    assert listed(category="FOOD", to="2025-04-01") == ids([dinner, lunch])
    assert listed(limit="2", **{"from": "2025-02-01", "to": "2025-04-30"}) == ids([dinner, bus, lunch, phone, gift])
    pages = expenses.pages({"limit": "2"})
    assert [ids(p) for p in pages] == [ids(everything[0:2]), ids(everything[2:4]), ids(everything[4:6])]

    # Get: the same expense and its ETag.
    response = expenses.get(lunch["id"])
    assert response.status_code == 200, response.text
    assert response.json() == lunch
    assert response.headers.get("etag") == '"1"'

    # PUT: full replacement; the omitted description goes back to "".
    response = expenses.put(lunch["id"], {"amount": "13", "category": "FOOD", "date": "2025-03-15"})
    replaced = expenses.ok(
        response, id=lunch["id"], amount="13.00", category="FOOD", date="2025-03-15", description="",
        version=2, created_at=lunch["created_at"],
    )
    assert parse_timestamp(replaced["updated_at"]) >= parse_timestamp(lunch["updated_at"])
    assert expenses.read(lunch["id"]) == replaced

    # PATCH: only what is sent changes.
    response = expenses.patch(lunch["id"], {"description": "Lunch with Ann"}, if_match='"2"')
    patched = expenses.ok(response, version=3)
    assert without(patched, "updated_at") == without({**replaced, "description": "Lunch with Ann", "version": 3}, "updated_at")
    assert response.headers.get("etag") == '"3"'

    # If-Match: a stale tag is 412 and writes nothing.
    assert_error(expenses.patch(lunch["id"], {"amount": "1"}, if_match='"2"'), 412, "precondition_failed")
    assert_error(expenses.put(lunch["id"], {"amount": "1", "category": "DATA"}, if_match='"1"'), 412, "precondition_failed")
    assert_error(expenses.delete(lunch["id"], if_match='"2"'), 412, "precondition_failed")
    assert expenses.read(lunch["id"]) == patched

    # DELETE with the current tag; then it is gone for every method and from the list.
    response = expenses.delete(lunch["id"], if_match='"3"')
    assert response.status_code == 204, response.text
    assert response.content == b""
    assert_error(expenses.get(lunch["id"]), 404, "not_found")
    assert_error(expenses.put(lunch["id"], {"amount": "1", "category": "FOOD"}), 404, "not_found")
    assert_error(expenses.patch(lunch["id"], {"amount": "1"}), 404, "not_found")
    assert_error(expenses.delete(lunch["id"]), 404, "not_found")
    assert expenses.everything() == [snack, dinner, bus, phone, gift]

    # Budgets.
    food = budgets.created(
        budgets.create({"amount": "200", "category": "FOOD", "month": "2025-03"}),
        amount="200.00", category="FOOD", month="2025-03", description="",
    )
    data = budgets.new(amount=15, category="DATA", month="2025-03", description="Phone plan")
    savings = budgets.new(amount="500.00", category="SAVINGS", month="2025-03")
    april = budgets.new(amount="250", category="FOOD", month="2025-04")

    # Newest month first, then newest created first.
    assert budgets.page() == {"results": [april, savings, data, food], "next_cursor": None}
    assert ids(budgets.everything({"month": "2025-03"})) == ids([savings, data, food])
    assert ids(budgets.everything({"month": "2025-04"})) == ids([april])
    assert ids(budgets.everything({"month": "2025-05"})) == []
    assert ids(budgets.everything({"category": "FOOD"})) == ids([april, food])
    assert ids(budgets.everything({"category": "FOOD", "month": "2025-03"})) == ids([food])
    assert ids(budgets.everything({"category": "TRANSPORT"})) == []
    assert [ids(p) for p in budgets.pages({"limit": "3"})] == [ids([april, savings, data]), ids([food])]

    response = budgets.get(data["id"])
    assert response.status_code == 200 and response.json() == data
    assert response.headers.get("etag") == '"1"'

    # PUT keeps its own slot (no conflict with itself), and resets the description.
    response = budgets.put(data["id"], {"amount": "18", "category": "DATA", "month": "2025-03"})
    data = budgets.ok(response, id=data["id"], amount="18.00", description="", version=2, created_at=data["created_at"])
    response = budgets.put(food["id"], {"amount": "220", "category": "FOOD", "month": "2025-03", "description": "Groceries"})
    food = budgets.ok(response, amount="220.00", description="Groceries", version=2)
    response = budgets.patch(food["id"], {"amount": "210.50"}, if_match='"2"')
    food = budgets.ok(response, amount="210.50", description="Groceries", category="FOOD", month="2025-03", version=3)
    assert_error(budgets.patch(food["id"], {"amount": "1"}, if_match='"2"'), 412, "precondition_failed")
    assert budgets.read(food["id"]) == food

    # A second FOOD budget for March is a conflict.
    body = assert_error(budgets.create({"amount": "1", "category": "FOOD", "month": "2025-03"}), 409, "conflict")
    assert "non_field_errors" in body["errors"], body

    response = budgets.delete(april["id"])
    assert response.status_code == 204, response.text
    assert_error(budgets.get(april["id"]), 404, "not_found")
    assert_error(budgets.delete(april["id"]), 404, "not_found")
    assert budgets.everything() == [savings, data, food]

    # The summary of March: lunch is deleted; TRANSPORT is spent without a budget; DATA is over.
    assert budgets.summary("2025-03") == {
        "month": "2025-03",
        "categories": [
            _line("FOOD", "210.50", "0.00", "210.50", False),
            _line("DATA", "18.00", "20.00", "-2.00", True),
            _line("SAVINGS", "500.00", "0.00", "500.00", False),
            _line("TRANSPORT", None, "2.40", None, False),
        ],
        "total_budget": "728.50",
        "total_spent": "22.40",
    }
    assert budgets.summary("2025-04") == {
        "month": "2025-04",
        "categories": [_line("FOOD", None, "30.00", None, False)],
        "total_budget": "0.00",
        "total_spent": "30.00",
    }


# ---------------------------------------------------------------------------------------------------
# Defaults, PUT and PATCH


def test_expense_defaults_and_put_back_to_defaults(fin: Finance) -> None:
    expenses = fin.expenses
    first_day = today_utc()
    expense = expenses.new(amount="5", category="DATA")
    assert expense["date"] in (first_day, today_utc())
    assert expense["description"] == ""
    moved = expenses.ok(
        expenses.put(expense["id"], {"amount": "6", "category": "MISCELLANEOUS", "date": "2024-02-29", "description": "x"}),
        date="2024-02-29", description="x", category="MISCELLANEOUS", amount="6.00", version=2,
    )
    # PUT without date or description: today and "" again.
    first_day = today_utc()
    back = expenses.ok(expenses.put(expense["id"], {"amount": "6", "category": "MISCELLANEOUS"}), version=3)
    assert back["date"] in (first_day, today_utc()) and back["description"] == ""
    assert back["created_at"] == moved["created_at"] == expense["created_at"]
    # PATCH of each field alone changes just that field.
    current = back
    for change in ({"amount": "7.77"}, {"category": "TRANSPORT"}, {"date": "2023-12-31"}, {"description": "just this"},
                   {"description": ""}):
        patched = expenses.ok(expenses.patch(expense["id"], change), version=current["version"] + 1)
        assert without(patched, "updated_at", "version") == without({**current, **change}, "updated_at", "version")
        current = patched
    assert expenses.read(expense["id"]) == current


def test_budget_defaults_and_put_back_to_defaults(fin: Finance) -> None:
    budgets = fin.budgets
    month = this_month_utc()
    budget = budgets.created(budgets.create({"amount": "50", "category": "SAVINGS"}))
    assert budget["month"] in (month, this_month_utc()) and budget["description"] == ""
    budgets.ok(
        budgets.put(budget["id"], {"amount": "60", "category": "SAVINGS", "month": "2024-02", "description": "x"}),
        month="2024-02", description="x", version=2,
    )
    month = this_month_utc()
    back = budgets.ok(budgets.put(budget["id"], {"amount": "60", "category": "SAVINGS"}), version=3, description="")
    assert back["month"] in (month, this_month_utc())
    current = back
    for change in ({"amount": "1.01"}, {"category": "TRANSPORT"}, {"month": "2023-12"}, {"description": "only"}):
        patched = budgets.ok(budgets.patch(budget["id"], change), version=current["version"] + 1)
        assert without(patched, "updated_at", "version") == without({**current, **change}, "updated_at", "version")
        current = patched
    assert budgets.read(budget["id"]) == current


def test_every_category_500_character_descriptions_and_far_dates_are_accepted(fin: Finance) -> None:
    for category in EXPENSE_CATEGORIES:
        expense = fin.expenses.new(category=category, description="é" * 500, date="2025-01-01")
        assert expense["category"] == category and expense["description"] == "é" * 500
    for category in BUDGET_CATEGORIES:
        budget = fin.budgets.new(category=category, month="2025-01", description="Ψ" * 500)
        assert budget["category"] == category and budget["description"] == "Ψ" * 500
    odd_days = ["0001-01-01", "9999-12-31", "2024-02-29", "2000-02-29"]
    for day in odd_days:
        assert fin.expenses.new(date=day)["date"] == day
    for month in ("0001-01", "9999-12"):
        assert fin.budgets.new(month=month)["month"] == month


def test_an_object_just_read_can_be_put_back_and_read_only_fields_are_ignored(fin: Finance) -> None:
    lies = {"id": UNKNOWN_ID, "created_at": "2000-01-01T00:00:00.000Z", "updated_at": "2000-01-01T00:00:00.000Z",
            "version": 99}
    for collection, body in (
        (fin.expenses, {"amount": "9.99", "category": "FOOD", "date": "2025-05-05", "description": "d"}),
        (fin.budgets, {"amount": "9.99", "category": "FOOD", "month": "2025-05", "description": "d"}),
    ):
        item = collection.created(collection.create({**body, **lies}), **body)
        assert item["id"] != UNKNOWN_ID and item["created_at"] != lies["created_at"]
        read = collection.read(item["id"])
        same = collection.ok(collection.put(item["id"], read, if_match=etag(1)), version=2)
        assert without(same, "updated_at", "version") == without(read, "updated_at", "version")
        edited = collection.ok(
            collection.put(item["id"], {**same, **lies, "description": "edited"}), id=item["id"], version=3,
            description="edited", created_at=item["created_at"],
        )
        assert edited["updated_at"] != lies["updated_at"]
        patched = collection.ok(collection.patch(item["id"], {**lies, "amount": "1"}), id=item["id"], version=4,
                                amount="1.00")
        assert collection.read(item["id"]) == patched
        assert_error(collection.get(UNKNOWN_ID), 404, "not_found")


# ---------------------------------------------------------------------------------------------------
# Amounts: accepted forms and exactness


ACCEPTED_AMOUNTS = [
    ("12.5", "12.50"),
    ("12.50", "12.50"),
    ('"12.50"', "12.50"),
    ('"12.500"', "12.50"),
    ("12.500", "12.50"),
    ("12", "12.00"),
    ('"7"', "7.00"),
    ("1e3", "1000.00"),
    ('"1.5E2"', "150.00"),
    ("1000000000", "1000000000.00"),
    ('"1000000000.00"', "1000000000.00"),
    ("0.01", "0.01"),
    ('"0.01"', "0.01"),
    ("999999999.99", "999999999.99"),
    ('"999999999.99"', "999999999.99"),
    ("0.1", "0.10"),
]


@pytest.mark.parametrize("raw, shown", ACCEPTED_AMOUNTS, ids=[a for a, _ in ACCEPTED_AMOUNTS])
def test_amounts_are_accepted_as_numbers_or_numeric_strings_and_shown_with_two_decimals(
    fin: Finance, raw: str, shown: str
) -> None:
    expenses, budgets = fin.expenses, fin.budgets
    expense = expenses.created(
        expenses.raw("POST", "/expenses", f'{{"amount": {raw}, "category": "FOOD", "date": "2025-06-01"}}'),
        amount=shown,
    )
    assert expenses.read(expense["id"])["amount"] == shown
    budget = budgets.created(
        budgets.raw("POST", "/budgets", f'{{"amount": {raw}, "category": "FOOD", "month": "2025-06"}}'), amount=shown
    )
    assert budgets.read(budget["id"])["amount"] == shown
    # The same through PUT and PATCH.
    for collection, item, rest in (
        (expenses, expense, '"category": "DATA", "date": "2025-06-01"'),
        (budgets, budget, '"category": "DATA", "month": "2025-06"'),
    ):
        path = f"{collection.path}/{item['id']}"
        collection.ok(collection.raw("PATCH", path, '{"amount": "3.33"}'), amount="3.33", version=2)
        collection.ok(collection.raw("PATCH", path, f'{{"amount": {raw}}}'), amount=shown, version=3)
        collection.ok(collection.raw("PUT", path, f'{{"amount": {raw}, {rest}}}'), amount=shown, version=4, category="DATA")
        assert collection.read(item["id"])["amount"] == shown
    # Both now sit in DATA for June 2025, the same amount: spent equals the budget.
    assert budgets.summary("2025-06")["categories"] == [_line("DATA", shown, shown, "0.00", False)]


def test_sums_are_exact_decimals_never_floating_point(fin: Finance) -> None:
    month = "2025-07"
    fin.expenses.new(amount=0.1, category="FOOD", date=f"{month}-01")
    fin.expenses.new(amount=0.2, category="FOOD", date=f"{month}-02")
    for day in range(1, 11):
        fin.expenses.new(amount="0.07", category="DATA", date=f"{month}-{day:02d}")
    for category in ("TRANSPORT", "MISCELLANEOUS"):
        fin.expenses.new(amount=1000000000, category=category, date=f"{month}-15")
    fin.expenses.new(amount="999999999.99", category="TRANSPORT", date=f"{month}-16")
    fin.budgets.new(amount="0.3", category="FOOD", month=month)
    fin.budgets.new(amount="0.69", category="DATA", month=month)
    fin.budgets.new(amount=999999999.99, category="SAVINGS", month=month)
    fin.budgets.new(amount="1000000000", category="TRANSPORT", month=month)
    assert fin.budgets.summary(month) == {
        "month": month,
        "categories": [
            _line("FOOD", "0.30", "0.30", "0.00", False),
            _line("DATA", "0.69", "0.70", "-0.01", True),
            _line("SAVINGS", "999999999.99", "0.00", "999999999.99", False),
            _line("TRANSPORT", "1000000000.00", "1999999999.99", "-999999999.99", True),
            _line("MISCELLANEOUS", None, "1000000000.00", None, False),
        ],
        "total_budget": "2000000000.98",
        "total_spent": "3000000000.99",
    }


def test_the_largest_amount_with_cents_round_trips_exactly(fin: Finance) -> None:
    expense = fin.expenses.created(
        fin.expenses.raw("POST", "/expenses", '{"amount": 999999999.99, "category": "DATA", "date": "2025-08-08"}'),
        amount="999999999.99",
    )
    assert fin.expenses.read(expense["id"])["amount"] == "999999999.99"
    assert fin.expenses.everything()[0]["amount"] == "999999999.99"
    assert fin.budgets.summary("2025-08")["total_spent"] == "999999999.99"


# ---------------------------------------------------------------------------------------------------
# The summary


def test_the_summary_of_a_month_counts_exactly_that_months_budgets_and_spending(fin: Finance) -> None:
    expenses, budgets = fin.expenses, fin.budgets
    # June 2025, on its first and last day, and the days just outside it.
    expenses.new(amount="10.10", category="FOOD", date="2025-06-01")
    expenses.new(amount="5.25", category="FOOD", date="2025-06-30")
    may_food = expenses.new(amount="1000", category="FOOD", date="2025-05-31")
    expenses.new(amount="999", category="FOOD", date="2025-07-01")
    expenses.new(amount="19.99", category="DATA", date="2025-06-15")
    expenses.new(amount="0.01", category="DATA", date="2025-06-16")
    expenses.new(amount="7.50", category="TRANSPORT", date="2025-06-10")
    expenses.new(amount="3", category="TRANSPORT", date="2025-06-11")
    expenses.new(amount="30.5", category="MISCELLANEOUS", date="2025-06-20")
    budgets.new(amount="100", category="FOOD", month="2025-06")
    budgets.new(amount="20", category="DATA", month="2025-06")  # spent exactly: not over
    budgets.new(amount="400", category="SAVINGS", month="2025-06")  # nothing spent
    misc = budgets.new(amount="25", category="MISCELLANEOUS", month="2025-06")  # over
    budgets.new(amount="50", category="FOOD", month="2025-05")
    budgets.new(amount="10", category="DATA", month="2025-07")

    assert budgets.summary("2025-06") == {
        "month": "2025-06",
        "categories": [
            _line("FOOD", "100.00", "15.35", "84.65", False),
            _line("DATA", "20.00", "20.00", "0.00", False),
            _line("SAVINGS", "400.00", "0.00", "400.00", False),
            _line("TRANSPORT", None, "10.50", None, False),
            _line("MISCELLANEOUS", "25.00", "30.50", "-5.50", True),
        ],
        "total_budget": "545.00",
        "total_spent": "76.35",
    }
    assert budgets.summary("2025-05") == {
        "month": "2025-05",
        "categories": [_line("FOOD", "50.00", "1000.00", "-950.00", True)],
        "total_budget": "50.00",
        "total_spent": "1000.00",
    }
    assert budgets.summary("2025-07") == {
        "month": "2025-07",
        "categories": [_line("FOOD", None, "999.00", None, False), _line("DATA", "10.00", "0.00", "10.00", False)],
        "total_budget": "10.00",
        "total_spent": "999.00",
    }

    # Changes show at once: an expense moved into June, a budget deleted.
    expenses.ok(expenses.patch(may_food["id"], {"date": "2025-06-15"}))
    assert budgets.delete(misc["id"]).status_code == 204
    june = budgets.summary("2025-06")
    assert june["categories"][0] == _line("FOOD", "100.00", "1015.35", "-915.35", True)
    assert june["categories"][-1] == _line("MISCELLANEOUS", None, "30.50", None, False)
    assert (june["total_budget"], june["total_spent"]) == ("520.00", "1076.35")
    assert budgets.summary("2025-05") == {
        "month": "2025-05",
        "categories": [_line("FOOD", "50.00", "0.00", "50.00", False)],
        "total_budget": "50.00",
        "total_spent": "0.00",
    }


def test_a_month_with_nothing_has_an_empty_summary(fin: Finance) -> None:
    empty = {"categories": [], "total_budget": "0.00", "total_spent": "0.00"}
    assert fin.budgets.summary("2025-09") == {"month": "2025-09", **empty}
    fin.expenses.new(date="2025-08-31")
    fin.expenses.new(date="2025-10-01")
    fin.budgets.new(month="2025-08")
    fin.budgets.new(month="2025-10")
    assert fin.budgets.summary("2025-09") == {"month": "2025-09", **empty}
    assert fin.budgets.summary("0001-01") == {"month": "0001-01", **empty}
    assert fin.budgets.summary("9999-12") == {"month": "9999-12", **empty}


def test_the_summary_defaults_to_the_current_month(fin: Finance) -> None:
    month = this_month_utc()
    summary = fin.budgets.summary()
    assert summary["month"] in (month, this_month_utc())
    assert summary == {"month": summary["month"], "categories": [], "total_budget": "0.00", "total_spent": "0.00"}

    # An expense without a date and a budget without a month land in the current month.
    fin.expenses.new(amount="4.20", category="TRANSPORT")
    fin.budgets.created(fin.budgets.create({"amount": "10", "category": "TRANSPORT"}))
    month = this_month_utc()
    summary = fin.budgets.summary()
    assert summary["month"] in (month, this_month_utc())
    assert summary["categories"] == [_line("TRANSPORT", "10.00", "4.20", "5.80", False)], summary
    assert fin.budgets.summary(summary["month"]) == summary
    # The month before is still empty.
    assert fin.budgets.summary(shift_month(summary["month"], -1))["categories"] == []


# ---------------------------------------------------------------------------------------------------
# Pages


def test_25_expenses_in_pages_of_10_come_back_each_once_newest_date_first(fin: Finance) -> None:
    start = date(2025, 1, 1)
    created = []
    for i in range(25):
        day = (start + timedelta(days=(i * 7) % 13)).isoformat()  # shuffled, and most days twice
        created.append((day, i, fin.expenses.new(amount=f"{i + 1}.00", date=day)["id"]))
    expected = [item_id for _, _, item_id in sorted(created, key=lambda c: (c[0], c[1]), reverse=True)]

    pages = fin.expenses.pages({"limit": "10"}, max_pages=10)
    assert [len(p) for p in pages] == [10, 10, 5]
    seen = [e["id"] for p in pages for e in p]
    assert len(seen) == len(set(seen)) == 25, "every expense exactly once"
    assert seen == expected, "newest date first, then newest created first"
    dates = [e["date"] for p in pages for e in p]
    assert dates == sorted(dates, reverse=True)

    # The default page is 20; pages that fill exactly end without a next cursor.
    first = fin.expenses.page()
    assert ids(first["results"]) == expected[:20] and first["next_cursor"]
    rest = fin.expenses.page({"cursor": first["next_cursor"]})
    assert ids(rest["results"]) == expected[20:] and rest["next_cursor"] is None
    pages = fin.expenses.pages({"limit": "5"})
    assert [len(p) for p in pages] == [5, 5, 5, 5, 5]
    assert [e["id"] for p in pages for e in p] == expected
    assert ids(fin.expenses.page({"limit": "100"})["results"]) == expected

    # A date range through pages.
    in_range = [item_id for day, _, item_id in sorted(created, reverse=True) if "2025-01-04" <= day <= "2025-01-09"]
    pages = fin.expenses.pages({"limit": "3", "from": "2025-01-04", "to": "2025-01-09"})
    assert [e["id"] for p in pages for e in p] == in_range
    assert all(len(p) == 3 for p in pages[:-1]) and 1 <= len(pages[-1]) <= 3


def test_an_empty_list_and_limits_at_the_edges(fin: Finance) -> None:
    for collection in (fin.expenses, fin.budgets):
        assert collection.page() == {"results": [], "next_cursor": None}
        assert collection.page({"limit": "1"}) == {"results": [], "next_cursor": None}
    older = fin.expenses.new(date="2025-01-01")
    newer = fin.expenses.new(date="2025-01-02")
    page = fin.expenses.page({"limit": "1"})
    assert page["results"] == [newer] and page["next_cursor"]
    page = fin.expenses.page({"limit": "1", "cursor": page["next_cursor"]})
    assert page == {"results": [older], "next_cursor": None}


def test_budgets_in_pages_newest_month_first_then_newest_created(fin: Finance) -> None:
    created = []
    for i, month in enumerate(["2025-03", "2025-01", "2025-03", "2025-02", "2025-01", "2025-03", "2025-02"]):
        category = BUDGET_CATEGORIES[sum(1 for m, _, _ in created if m == month)]
        created.append((month, i, fin.budgets.new(month=month, category=category)["id"]))
    expected = [item_id for _, _, item_id in sorted(created, reverse=True)]
    pages = fin.budgets.pages({"limit": "2"})
    assert [len(p) for p in pages] == [2, 2, 2, 1]
    assert [b["id"] for p in pages for b in p] == expected
    march = [item_id for month, _, item_id in sorted(created, reverse=True) if month == "2025-03"]
    assert [b["id"] for p in fin.budgets.pages({"limit": "2", "month": "2025-03"}) for b in p] == march


def test_filtered_expense_pages_are_never_empty_and_the_last_one_has_no_cursor(fin: Finance) -> None:
    # Two old FOOD expenses under many newer ones of another category: a filtered page must not come
    # back empty (with a cursor to follow) just because the newest items were filtered away.
    food = [fin.expenses.new(category="FOOD", date=f"2025-01-0{d}") for d in (1, 2)]
    for d in range(1, 9):
        fin.expenses.new(category="TRANSPORT", date=f"2025-02-0{d}")
    pages = fin.expenses.pages({"category": "FOOD", "limit": "2"})
    assert [ids(p) for p in pages] == [ids(list(reversed(food)))], f"pages: {[ids(p) for p in pages]}"


def test_filtered_budget_pages_are_never_empty_and_the_last_one_has_no_cursor(fin: Finance) -> None:
    savings = fin.budgets.new(category="SAVINGS", month="2025-01")
    for category in ("FOOD", "DATA", "TRANSPORT", "MISCELLANEOUS"):
        for month in ("2025-02", "2025-03"):
            fin.budgets.new(category=category, month=month)
    pages = fin.budgets.pages({"category": "SAVINGS", "limit": "1"})
    assert [ids(p) for p in pages] == [[savings["id"]]], f"pages: {[ids(p) for p in pages]}"


def test_a_category_filter_through_small_pages_finds_every_match(fin: Finance) -> None:
    wanted = []
    for i in range(18):
        day = f"2025-03-{i + 1:02d}"
        if i % 5 == 0:
            wanted.append(fin.expenses.new(category="DATA", date=day)["id"])
        else:
            fin.expenses.new(category="FOOD", date=day)
    found = []
    for page in fin.expenses.pages({"category": "DATA", "limit": "2"}, max_pages=30):
        assert len(page) <= 2 and all(e["category"] == "DATA" for e in page)
        found.extend(ids(page))
    assert found == list(reversed(wanted))


# ---------------------------------------------------------------------------------------------------
# One budget per category and month


def test_a_second_budget_for_the_same_category_and_month_is_a_conflict(fin: Finance) -> None:
    first = fin.budgets.new(category="FOOD", month="2025-03", amount="100")
    for body in (
        {"amount": "100", "category": "FOOD", "month": "2025-03"},
        {"amount": "5", "category": "FOOD", "month": "2025-03", "description": "another"},
    ):
        result = assert_error(fin.budgets.create(body), 409, "conflict")
        assert "non_field_errors" in result["errors"], result
    # Other categories of the month and other months of the category are free.
    fin.budgets.new(category="DATA", month="2025-03")
    fin.budgets.new(category="FOOD", month="2025-04")
    fin.budgets.new(category="FOOD", month="2024-03")
    assert ids(fin.budgets.everything({"month": "2025-03", "category": "FOOD"})) == [first["id"]]
    assert fin.budgets.read(first["id"]) == first
    assert len(fin.budgets.everything()) == 4


def test_moving_a_budget_onto_a_taken_slot_is_a_conflict_and_onto_a_free_one_frees_the_old(fin: Finance) -> None:
    budgets = fin.budgets
    food = budgets.new(category="FOOD", month="2025-03")
    data = budgets.new(category="DATA", month="2025-03")
    april = budgets.new(category="FOOD", month="2025-04")

    # Onto a taken slot, by PATCH (category, month, both) or PUT, with or without If-Match: 409.
    for call in (
        lambda: budgets.patch(data["id"], {"category": "FOOD"}),
        lambda: budgets.patch(data["id"], {"category": "FOOD"}, if_match='"1"'),
        lambda: budgets.patch(april["id"], {"month": "2025-03"}),
        lambda: budgets.patch(data["id"], {"category": "FOOD", "month": "2025-04", "amount": "1"}),
        lambda: budgets.put(data["id"], {"amount": "1", "category": "FOOD", "month": "2025-03"}),
        lambda: budgets.put(data["id"], {"amount": "1", "category": "FOOD", "month": "2025-04"}, if_match="*"),
    ):
        result = assert_error(call(), 409, "conflict")
        assert "non_field_errors" in result["errors"], result
    for budget in (food, data, april):
        assert budgets.read(budget["id"]) == budget, "a conflicting move changed a budget"

    # Onto a free slot: it moves, and its old slot is free for a new budget.
    moved = budgets.ok(budgets.patch(food["id"], {"month": "2025-05"}), month="2025-05", category="FOOD", version=2)
    refill = budgets.new(category="FOOD", month="2025-03")
    assert_error(budgets.patch(refill["id"], {"month": "2025-05"}), 409, "conflict")
    budgets.ok(budgets.put(data["id"], {"amount": "2", "category": "SAVINGS", "month": "2025-03"}), category="SAVINGS")
    budgets.new(category="DATA", month="2025-03")
    budgets.ok(budgets.patch(april["id"], {"category": "TRANSPORT", "month": "2025-06"}), category="TRANSPORT")
    budgets.new(category="FOOD", month="2025-04")

    # Deleting frees a slot.
    assert budgets.delete(moved["id"]).status_code == 204
    again = budgets.new(category="FOOD", month="2025-05")
    assert ids(budgets.everything({"month": "2025-05"})) == [again["id"]]

    # A move refused by If-Match does not take the slot it aimed at.
    assert_error(budgets.patch(refill["id"], {"month": "2025-07"}, if_match='"9"'), 412, "precondition_failed")
    budgets.new(category="FOOD", month="2025-07")

    by_slot = sorted((b["month"], b["category"]) for b in budgets.everything())
    assert len(by_slot) == len(set(by_slot)), f"two budgets share a slot: {by_slot}"


def test_two_users_may_each_have_the_same_category_and_month(fin: Finance, other: Finance) -> None:
    mine = fin.budgets.new(category="FOOD", month="2025-03", amount="10")
    theirs = other.budgets.new(category="FOOD", month="2025-03", amount="20")
    assert fin.budgets.everything() == [mine]
    assert other.budgets.everything() == [theirs]
    # Deleting one user's budget does not free or touch the other's.
    assert other.budgets.delete(theirs["id"]).status_code == 204
    assert_error(fin.budgets.create({"amount": "1", "category": "FOOD", "month": "2025-03"}), 409, "conflict")
    assert fin.budgets.read(mine["id"]) == mine


def test_concurrent_creates_of_one_slot_make_exactly_one_budget(base_url: str, fin: Finance) -> None:
    for attempt, category in enumerate(("FOOD", "SAVINGS", "MISCELLANEOUS")):
        month = f"2025-{attempt + 1:02d}"

        def send(finance: Finance, index: int) -> Any:
            return finance.budgets.create({"amount": f"{index + 1}", "category": category, "month": month})

        responses = at_once(base_url, 8, send, fin.access)
        statuses = sorted(r.status_code for r in responses)
        assert statuses == [201] + [409] * 7, f"{month} {category}: {[(r.status_code, r.text) for r in responses]}"
        for loser in (r for r in responses if r.status_code == 409):
            assert "non_field_errors" in assert_error(loser, 409, "conflict")["errors"]
        winner = fin.budgets.created(next(r for r in responses if r.status_code == 201), category=category, month=month)
        listed = fin.budgets.everything({"month": month})
        assert listed == [winner], f"{month}: {listed}"
        assert fin.budgets.read(winner["id"]) == winner
    assert len(fin.budgets.everything()) == 3


def test_concurrent_moves_onto_one_free_slot_let_exactly_one_through(base_url: str, fin: Finance) -> None:
    month = "2025-11"
    sources = [fin.budgets.new(category=c, month=month) for c in ("FOOD", "DATA", "SAVINGS", "TRANSPORT")]

    def send(finance: Finance, index: int) -> Any:
        return finance.budgets.patch(sources[index]["id"], {"category": "MISCELLANEOUS"})

    responses = at_once(base_url, len(sources), send, fin.access)
    assert sorted(r.status_code for r in responses) == [200, 409, 409, 409], [(r.status_code, r.text) for r in responses]
    listed = fin.budgets.everything({"month": month})
    assert sorted(b["category"] for b in listed) == sorted(
        ["MISCELLANEOUS"] + [s["category"] for s, r in zip(sources, responses) if r.status_code == 409]
    )
    for source, response in zip(sources, responses):
        if response.status_code == 409:
            assert fin.budgets.read(source["id"]) == source


# ---------------------------------------------------------------------------------------------------
# If-Match


@pytest.mark.parametrize("kind", ["expenses", "budgets"])
def test_if_match_stale_is_412_and_star_or_current_matches(fin: Finance, kind: str) -> None:
    collection = getattr(fin, kind)
    item = collection.new()
    full = {"amount": "2", "category": "DATA"}
    current = collection.ok(collection.patch(item["id"], {"amount": "5"}, if_match='"1"'), version=2, amount="5.00")
    for stale in ('"1"', '"3"', '"0"', "1", '"x"'):
        assert_error(collection.put(item["id"], full, if_match=stale), 412, "precondition_failed")
        assert_error(collection.patch(item["id"], {"amount": "6"}, if_match=stale), 412, "precondition_failed")
        assert_error(collection.delete(item["id"], if_match=stale), 412, "precondition_failed")
        assert collection.read(item["id"]) == current, f"If-Match {stale} changed the {kind}"
    assert collection.everything() == [current]

    current = collection.ok(collection.put(item["id"], full, if_match='"2"'), version=3, amount="2.00", category="DATA")
    current = collection.ok(collection.patch(item["id"], {"description": "star"}, if_match="*"), version=4)
    assert current["description"] == "star" and current["amount"] == "2.00"
    current = collection.ok(collection.put(item["id"], full, if_match="*"), version=5, description="")
    response = collection.delete(item["id"], if_match="*")
    assert response.status_code == 204, response.text
    assert_error(collection.get(item["id"]), 404, "not_found")
    assert_error(collection.delete(item["id"]), 404, "not_found")
    assert_error(collection.delete(item["id"], if_match="*"), 404, "not_found")


@pytest.mark.parametrize("kind", ["expenses", "budgets"])
def test_if_match_on_an_unknown_id_is_404(fin: Finance, kind: str) -> None:
    collection = getattr(fin, kind)
    for if_match in ('"1"', "*"):
        assert_error(collection.put(UNKNOWN_ID, {"amount": "1", "category": "FOOD"}, if_match=if_match), 404, "not_found")
        assert_error(collection.patch(UNKNOWN_ID, {"amount": "1"}, if_match=if_match), 404, "not_found")
        assert_error(collection.delete(UNKNOWN_ID, if_match=if_match), 404, "not_found")
    assert collection.everything() == []


def test_the_version_grows_by_one_per_change_and_etag_follows_it(fin: Finance) -> None:
    for collection, change in ((fin.expenses, {"amount": "1.5"}), (fin.budgets, {"description": "v"})):
        item = collection.new()
        for version in range(2, 6):
            response = collection.patch(item["id"], change, if_match=etag(version - 1))
            collection.ok(response, version=version)
            assert response.headers["etag"] == etag(version)
            response = collection.get(item["id"])
            assert response.headers["etag"] == etag(version)


# ---------------------------------------------------------------------------------------------------
# Another user


def test_another_user_can_neither_see_nor_touch_my_expenses_and_budgets(fin: Finance, other: Finance) -> None:
    month = "2025-10"
    my_expenses = [fin.expenses.new(category="FOOD", date=f"{month}-0{d}", amount=f"{d}.00") for d in (1, 2, 3)]
    my_budgets = [fin.budgets.new(category=c, month=month) for c in ("FOOD", "DATA", "SAVINGS")]
    my_summary = fin.budgets.summary(month)
    assert len(my_summary["categories"]) == 3
    expense_cursor = fin.expenses.page({"limit": "1"})["next_cursor"]
    ranged_cursor = fin.expenses.page({"limit": "1", "from": f"{month}-01", "to": f"{month}-31"})["next_cursor"]
    budget_cursor = fin.budgets.page({"limit": "1"})["next_cursor"]
    month_cursor = fin.budgets.page({"limit": "1", "month": month})["next_cursor"]
    assert expense_cursor and ranged_cursor and budget_cursor and month_cursor

    for collection, items, full in (
        (other.expenses, my_expenses, {"amount": "666", "category": "DATA", "date": f"{month}-05"}),
        (other.budgets, my_budgets, {"amount": "666", "category": "TRANSPORT", "month": month}),
    ):
        for item in items:
            item_id = item["id"]
            assert_error(collection.get(item_id), 404, "not_found")
            assert_error(collection.put(item_id, full), 404, "not_found")
            assert_error(collection.put(item_id, full, if_match="*"), 404, "not_found")
            assert_error(collection.patch(item_id, {"amount": "666"}), 404, "not_found")
            assert_error(collection.patch(item_id, {"description": "mine now"}, if_match='"1"'), 404, "not_found")
            assert_error(collection.delete(item_id), 404, "not_found")
            assert_error(collection.delete(item_id, if_match="*"), 404, "not_found")

    # Their lists hold only their own things, whatever the filter; their summary of the month is empty.
    theirs = other.expenses.new(category="FOOD", date=f"{month}-02")
    for params in ({}, {"category": "FOOD"}, {"from": f"{month}-01", "to": f"{month}-31"}, {"limit": "100"},
                   {"from": f"{month}-01"}, {"to": f"{month}-31", "category": "FOOD", "limit": "1"}):
        assert other.expenses.everything(params) == [theirs], params
    for params in ({}, {"month": month}, {"category": "FOOD"}, {"month": month, "category": "DATA"}, {"limit": "1"}):
        assert other.budgets.everything(params) == [], params
    other.expenses.delete(theirs["id"])
    assert other.budgets.summary(month) == {"month": month, "categories": [], "total_budget": "0.00",
                                            "total_spent": "0.00"}

    # My cursors are no position in their lists: 400, and nothing of mine leaks.
    mine_ids = ids(my_expenses) + ids(my_budgets)
    for collection, params in (
        (other.expenses, {"cursor": expense_cursor}),
        (other.expenses, {"cursor": expense_cursor, "limit": "100"}),
        (other.expenses, {"cursor": ranged_cursor, "from": f"{month}-01", "to": f"{month}-31"}),
        (other.budgets, {"cursor": budget_cursor}),
        (other.budgets, {"cursor": month_cursor, "month": month}),
    ):
        response = collection.list(params)
        assert_invalid(response, "cursor")
        assert not any(item_id in response.text for item_id in mine_ids), response.text

    # Everything of mine is exactly as it was, and my cursors still work for me.
    assert fin.expenses.everything() == list(reversed(my_expenses))
    assert fin.budgets.everything() == list(reversed(my_budgets))
    for item in my_expenses:
        assert fin.expenses.read(item["id"]) == item
    for item in my_budgets:
        assert fin.budgets.read(item["id"]) == item
    assert fin.budgets.summary(month) == my_summary
    assert fin.expenses.page({"cursor": expense_cursor})["results"] == list(reversed(my_expenses))[1:]
    assert fin.budgets.page({"cursor": month_cursor, "month": month})["results"] == list(reversed(my_budgets))[1:]

"""Every way a client can get /expenses, /budgets and /budgets/summary wrong, the status and `code` it
gets back, and that nothing changed.

Each case checks the whole error shape (see `assert_error` in conftest.py): JSON, a non-empty
`detail`, the `code`, `errors` naming the field for `invalid`, `WWW-Authenticate: Bearer...` on every
401, `Allow` on 405. Every rejected write is followed by reads showing that it wrote nothing.
"""

from __future__ import annotations

import json
from typing import Any, Callable

import httpx
import pytest

from conftest import INVALID_ACCESS_TOKENS, Api, Collection, User, assert_error, assert_invalid, bearer
from finance_helpers import (
    BUDGET_CATEGORY_MESSAGE,
    DATE_MESSAGE,
    EXPENSE_CATEGORY_MESSAGE,
    MONTH_MESSAGE,
    UNKNOWN_ID,
    Finance,
    new_finance,
)

KINDS = ["expenses", "budgets"]

GREATER = "Ensure this value is greater than 0."
AT_MOST = "Ensure this value is less than or equal to 1000000000."
PLACES = "Ensure that there are no more than 2 decimal places."
NUMBER = "A valid number is required."
NOT_NULL = "This field may not be null."
REQUIRED = "This field is required."
UNKNOWN = "Unknown field."

# A complete, valid body for each kind: what POST and PUT send besides the field under test.
VALID = {
    "expenses": {"amount": "1.00", "category": "FOOD", "date": "2025-06-06", "description": "valid"},
    "budgets": {"amount": "1.00", "category": "FOOD", "month": "2025-06", "description": "valid"},
}


@pytest.fixture
def fin(api: Api) -> Finance:
    return new_finance(api)


@pytest.fixture
def other(api: Api) -> Finance:
    return new_finance(api, prefix="other")


def _stored(fin: Finance) -> dict[str, dict]:
    """One expense and one budget with a value in every field, so that any change to them shows."""
    return {
        "expenses": fin.expenses.new(amount="12.34", category="TRANSPORT", date="2025-05-05", description="keep me"),
        "budgets": fin.budgets.new(amount="12.34", category="TRANSPORT", month="2025-05", description="keep me"),
    }


def _unchanged(fin: Finance, stored: dict[str, dict]) -> None:
    for kind, item in stored.items():
        collection: Collection = getattr(fin, kind)
        assert collection.read(item["id"]) == item, f"a rejected write changed the {kind[:-1]}"
        assert collection.everything() == [item], f"a rejected write changed the list of {kind}"


def _nothing_created(collection: Collection) -> None:
    assert collection.everything() == [], f"a rejected create created something in {collection.path}"


def _json_text(fields: dict[str, Any], raw: dict[str, str]) -> str:
    """A JSON object of `fields` (Python values) and `raw` (JSON text kept exactly as written: `1e3`, `-0`)."""
    members = {name: json.dumps(value) for name, value in fields.items()}
    members.update(raw)
    return "{" + ", ".join(f"{json.dumps(name)}: {text}" for name, text in members.items()) + "}"


def _check(response: httpx.Response, field: str, message: str | None) -> dict:
    body = assert_invalid(response, field)
    if message is not None:
        assert body["errors"][field] == [message], body
    return body


# ---------------------------------------------------------------------------------------------------
# Amounts

AMOUNT_INVALID: list[tuple[str, str]] = [
    ("0", GREATER),
    ("0.00", GREATER),
    ('"0.00"', GREATER),
    ('"0"', GREATER),
    ("-0", GREATER),
    ("-5", GREATER),
    ('"-5"', GREATER),
    ("-0.01", GREATER),
    ("1000000000.01", AT_MOST),
    ('"1000000000.01"', AT_MOST),
    ("1e10", AT_MOST),
    ('"1E10"', AT_MOST),
    ("12.345", PLACES),
    ('"12.345"', PLACES),
    ("0.001", PLACES),
    ('"12.3450"', PLACES),
    ('"abc"', NUMBER),
    ('""', NUMBER),
    ('" 12"', NUMBER),
    ('"12 "', NUMBER),
    ('"+12"', NUMBER),
    ('"12."', NUMBER),
    ('".5"', NUMBER),
    ('"1_000"', NUMBER),
    ('"1,5"', NUMBER),
    ('"NaN"', NUMBER),
    ('"Infinity"', NUMBER),
    ('"-Infinity"', NUMBER),
    ('"0x10"', NUMBER),
    ("true", NUMBER),
    ("false", NUMBER),
    ("[]", NUMBER),
    ("[12]", NUMBER),
    ("{}", NUMBER),
    ("null", NOT_NULL),
]


# Grouped by the message they earn (one user per group keeps the suite fast); each value names itself.
AMOUNT_GROUPS: dict[str, list[str]] = {}
for _raw, _message in AMOUNT_INVALID:
    AMOUNT_GROUPS.setdefault(_message, []).append(_raw)


def _check_amount(response: httpx.Response, message: str, raw: str) -> None:
    request = response.request
    assert response.status_code == 400, (
        f"{request.method} {request.url.path} with amount {raw}: {response.status_code} {response.text[:500]}"
    )
    body = _check(response, "amount", None)
    assert body["errors"]["amount"] == [message], f"amount {raw}: {body}"


AMOUNT_GROUP_IDS = {GREATER: "not-positive", AT_MOST: "too-large", PLACES: "too-many-places", NUMBER: "not-a-number",
                    NOT_NULL: "null"}


@pytest.mark.parametrize("message", list(AMOUNT_GROUPS), ids=[AMOUNT_GROUP_IDS[m] for m in AMOUNT_GROUPS])
def test_a_bad_amount_is_rejected_on_post_put_and_patch_and_changes_nothing(fin: Finance, message: str) -> None:
    for kind in KINDS:
        collection: Collection = getattr(fin, kind)
        for raw in AMOUNT_GROUPS[message]:
            text = _json_text(VALID[kind], {"amount": raw})
            _check_amount(collection.raw("POST", collection.path, text), message, raw)
        _nothing_created(collection)

    stored = _stored(fin)
    for kind in KINDS:
        collection = getattr(fin, kind)
        path = f"{collection.path}/{stored[kind]['id']}"
        for raw in AMOUNT_GROUPS[message]:
            full = _json_text(VALID[kind], {"amount": raw})
            _check_amount(collection.raw("PUT", path, full), message, raw)
            _check_amount(collection.raw("PUT", path, full, if_match='"1"'), message, raw)
            _check_amount(collection.raw("PATCH", path, _json_text({}, {"amount": raw})), message, raw)
            partial = _json_text({"description": "changed"}, {"amount": raw})
            _check_amount(collection.raw("PATCH", path, partial, if_match='"1"'), message, raw)
    _unchanged(fin, stored)


# ---------------------------------------------------------------------------------------------------
# The other fields

# (id, fields, field, message or None when only the field's name is asserted), for both kinds.
COMMON_INVALID: list[tuple[str, dict, str, str | None]] = [
    ("description-501", {"description": "d" * 501}, "description", None),
    ("description-501-unicode", {"description": "é" * 501}, "description", None),
    ("description-null", {"description": None}, "description", NOT_NULL),
    ("description-number", {"description": 5}, "description", None),
    ("description-list", {"description": ["x"]}, "description", None),
    ("description-bool", {"description": False}, "description", None),
    ("category-null", {"category": None}, "category", NOT_NULL),
    ("category-number", {"category": 1}, "category", None),
    ("category-list", {"category": ["FOOD"]}, "category", None),
    ("category-object", {"category": {"name": "FOOD"}}, "category", None),
    ("unknown-owner", {"owner": UNKNOWN_ID}, "owner", UNKNOWN),
    ("unknown-user", {"user": 1}, "user", UNKNOWN),
    ("unknown-currency", {"currency": "EUR"}, "currency", UNKNOWN),
    ("unknown-Amount-case", {"Amount": "1"}, "Amount", UNKNOWN),
    ("unknown-null", {"notes": None}, "notes", UNKNOWN),
]
CATEGORY_STRINGS = ["RENT", "food", "Food", "", " FOOD", "FOOD ", "SAVING"]

BAD_DATES = [
    "2026-02-30", "2027-02-29", "2026-13-01", "2026-01-00", "2026-04-31", "2026-1-01", "2026-01-1", "26-01-01",
    "2026/01/01", "2026-01-01T00:00:00Z", "2026-01-01 ", "today", "", "2026-01", "0000-01-01", "+2026-01-01",
    "12026-01-01",
]
BAD_MONTHS = [
    "2026-13", "2026-00", "2026-1", "26-01", "2026/01", "2026-01-01", "", "January", "0000-01", "202601", "2026-01 ",
    "+2026-01", "12026-01",
]

# A case's fields may be a list of variants of one rule, checked one after the other in one test.
EXPENSE_INVALID = COMMON_INVALID + [
    ("category-strings", [{"category": c} for c in CATEGORY_STRINGS], "category", EXPENSE_CATEGORY_MESSAGE),
    ("category-SAVINGS", {"category": "SAVINGS"}, "category", EXPENSE_CATEGORY_MESSAGE),
    ("date-strings", [{"date": d} for d in BAD_DATES], "date", DATE_MESSAGE),
    ("date-null", {"date": None}, "date", NOT_NULL),
    ("date-number", {"date": 20260101}, "date", None),
    ("date-object", {"date": {"year": 2026}}, "date", None),
    ("month-is-no-expense-field", {"month": "2025-06"}, "month", UNKNOWN),
]

BUDGET_INVALID = COMMON_INVALID + [
    ("category-strings", [{"category": c} for c in CATEGORY_STRINGS], "category", BUDGET_CATEGORY_MESSAGE),
    ("month-strings", [{"month": m} for m in BAD_MONTHS], "month", MONTH_MESSAGE),
    ("month-null", {"month": None}, "month", NOT_NULL),
    ("month-number", {"month": 202601}, "month", None),
    ("date-is-no-budget-field", {"date": "2025-06-01"}, "date", UNKNOWN),
]

FIELD_CASES = [("expenses", *case) for case in EXPENSE_INVALID] + [("budgets", *case) for case in BUDGET_INVALID]
FIELD_IDS = [f"{kind}-{case_id}" for kind, case_id, *_ in FIELD_CASES]


def _check_variant(response: httpx.Response, field: str, message: str | None, variant: dict) -> None:
    request = response.request
    assert response.status_code == 400, (
        f"{request.method} {request.url.path} with {variant}: {response.status_code} {response.text[:500]}"
    )
    _check(response, field, message)


@pytest.mark.parametrize("kind, case_id, fields, field, message", FIELD_CASES, ids=FIELD_IDS)
def test_a_bad_field_is_rejected_on_post_put_and_patch_and_changes_nothing(
    fin: Finance, kind: str, case_id: str, fields: dict | list[dict], field: str, message: str | None
) -> None:
    collection: Collection = getattr(fin, kind)
    variants = fields if isinstance(fields, list) else [fields]
    for variant in variants:
        _check_variant(collection.create({**VALID[kind], **variant}), field, message, variant)
    _nothing_created(collection)

    stored = _stored(fin)
    item_id = stored[kind]["id"]
    for variant in variants:
        _check_variant(collection.put(item_id, {**VALID[kind], **variant}), field, message, variant)
        _check_variant(collection.put(item_id, {**VALID[kind], **variant}, if_match='"1"'), field, message, variant)
        _check_variant(collection.patch(item_id, variant), field, message, variant)
        # Next to a valid change, the valid change is not written either.
        _check_variant(collection.patch(item_id, {"amount": "99.99", **variant}, if_match='"1"'), field, message, variant)
    _unchanged(fin, stored)


REQUIRED_CASES = [
    ("empty", {}, {"amount", "category"}),
    ("no-amount", {"category": "FOOD"}, {"amount"}),
    ("no-category", {"amount": "5"}, {"category"}),
    ("only-description", {"description": "x"}, {"amount", "category"}),
    ("only-read-only", {"id": UNKNOWN_ID, "version": 1, "created_at": "2026-01-01T00:00:00.000Z",
                        "updated_at": "2026-01-01T00:00:00.000Z"}, {"amount", "category"}),
]


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("body, missing", [c[1:] for c in REQUIRED_CASES], ids=[c[0] for c in REQUIRED_CASES])
def test_post_and_put_require_amount_and_category(fin: Finance, kind: str, body: dict, missing: set[str]) -> None:
    collection: Collection = getattr(fin, kind)
    result = assert_invalid(collection.create(body), *missing)
    assert set(result["errors"]) == missing, result
    assert all(result["errors"][name] == [REQUIRED] for name in missing), result
    _nothing_created(collection)
    stored = _stored(fin)
    result = assert_invalid(collection.put(stored[kind]["id"], body), *missing)
    assert set(result["errors"]) == missing, result
    _unchanged(fin, stored)


NOTHING_TO_CHANGE = [
    ("empty", {}),
    ("id", {"id": UNKNOWN_ID}),
    ("version", {"version": 7}),
    ("timestamps", {"created_at": "2026-01-01T00:00:00.000Z", "updated_at": "2026-01-01T00:00:00.000Z"}),
    ("all-read-only", {"id": UNKNOWN_ID, "created_at": "x", "updated_at": "y", "version": 2}),
]


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("body", [b for _, b in NOTHING_TO_CHANGE], ids=[i for i, _ in NOTHING_TO_CHANGE])
def test_a_patch_with_nothing_to_change_is_invalid(fin: Finance, kind: str, body: dict) -> None:
    collection: Collection = getattr(fin, kind)
    stored = _stored(fin)
    for if_match in (None, '"1"'):
        result = assert_error(collection.patch(stored[kind]["id"], body, if_match=if_match), 400, "invalid")
        assert "non_field_errors" in result["errors"], result
    _unchanged(fin, stored)


@pytest.mark.parametrize("kind", KINDS)
def test_every_wrongly_typed_or_unknown_field_is_reported_at_once(fin: Finance, kind: str) -> None:
    collection: Collection = getattr(fin, kind)
    when = {"expenses": "date", "budgets": "month"}[kind]
    text = _json_text({"category": "RENT", when: "2026-02-30x", "colour": "red"}, {"amount": '"abc"'})
    result = assert_invalid(collection.raw("POST", collection.path, text), "amount", "category", when, "colour")
    assert set(result["errors"]) == {"amount", "category", when, "colour"}, result
    assert result["errors"]["amount"] == [NUMBER] and result["errors"]["colour"] == [UNKNOWN], result
    _nothing_created(collection)


@pytest.mark.parametrize("kind", KINDS)
def test_every_bad_field_is_reported_at_once_also_nulls_lengths_and_missing_ones(fin: Finance, kind: str) -> None:
    # A bad amount next to a null or too long description and a missing category: all in one answer.
    collection: Collection = getattr(fin, kind)
    for fields, expected in (
        ({"amount": "abc", "description": None}, {"amount", "category", "description"}),
        ({"amount": 5, "category": "FOOD", "description": "d" * 501, {"expenses": "date", "budgets": "month"}[kind]: "x"},
         {"description", {"expenses": "date", "budgets": "month"}[kind]}),
        ({"amount": "12.345", "category": None}, {"amount", "category"}),
    ):
        result = assert_invalid(collection.create(fields), *expected)
        assert set(result["errors"]) == expected, f"{fields}: {result}"
    _nothing_created(collection)
    stored = _stored(fin)
    result = assert_invalid(collection.patch(stored[kind]["id"], {"amount": "abc", "description": None}),
                            "amount", "description")
    assert set(result["errors"]) == {"amount", "description"}, result
    _unchanged(fin, stored)


# ---------------------------------------------------------------------------------------------------
# Body conventions: content type, size, JSON syntax


def _write_targets(stored: dict[str, dict]) -> list[tuple[str, str]]:
    targets = []
    for kind in KINDS:
        targets += [("POST", f"/{kind}"), ("PUT", f"/{kind}/{stored[kind]['id']}"),
                    ("PATCH", f"/{kind}/{stored[kind]['id']}")]
    return targets


@pytest.mark.parametrize(
    "content_type",
    ["text/plain", "application/x-www-form-urlencoded", None, "application/jsonx", "application/xml", "text/json"],
    ids=["text-plain", "form", "none", "jsonx", "xml", "text-json"],
)
def test_a_body_that_is_not_declared_json_is_415(fin: Finance, content_type: str | None) -> None:
    stored = _stored(fin)
    for method, path in _write_targets(stored):
        kind = path.split("/")[1]
        text = json.dumps({**VALID[kind], "amount": "5"})
        assert_error(fin.expenses.raw(method, path, text, content_type), 415, "unsupported_media_type")
    _unchanged(fin, stored)


def test_json_with_a_charset_is_fine(fin: Finance) -> None:
    for kind in KINDS:
        collection: Collection = getattr(fin, kind)
        response = collection.raw("POST", collection.path, json.dumps(VALID[kind]), "application/json; charset=utf-8")
        collection.created(response, amount="1.00")


def test_a_body_over_64_kib_is_413(fin: Finance) -> None:
    stored = _stored(fin)
    for method, path in _write_targets(stored):
        kind = path.split("/")[1]
        text = json.dumps({**VALID[kind], "description": "x" * (65 * 1024)})
        assert_error(fin.expenses.raw(method, path, text), 413, "payload_too_large")
    _unchanged(fin, stored)


MALFORMED_JSON = ['{"amount": ', "{amount: 5}", "", "   ", "{}}", '{"amount": 5,}', "nul", "\x00", '{"amount": 01}',
                  '{"amount": NaN}', '{"amount": .5}']


@pytest.mark.parametrize("text", MALFORMED_JSON, ids=[repr(t) for t in MALFORMED_JSON])
def test_malformed_json_is_parse_error(fin: Finance, text: str) -> None:
    stored = _stored(fin)
    for method, path in _write_targets(stored):
        assert_error(fin.expenses.raw(method, path, text), 400, "parse_error")
    _unchanged(fin, stored)


NOT_OBJECTS = ["[]", '[{"amount": "5", "category": "FOOD"}]', '"text"', "42", "null", "true"]


@pytest.mark.parametrize("text", NOT_OBJECTS)
def test_json_that_is_not_an_object_is_parse_error(fin: Finance, text: str) -> None:
    stored = _stored(fin)
    for method, path in _write_targets(stored):
        assert_error(fin.expenses.raw(method, path, text), 400, "parse_error")
    _unchanged(fin, stored)


# ---------------------------------------------------------------------------------------------------
# Authentication


def _every_call(stored: dict[str, dict]) -> list[tuple[str, str, Any]]:
    calls: list[tuple[str, str, Any]] = [("GET", "/budgets/summary", None)]
    for kind in KINDS:
        item_id = stored[kind]["id"]
        calls += [
            ("GET", f"/{kind}", None),
            ("POST", f"/{kind}", VALID[kind]),
            ("GET", f"/{kind}/{item_id}", None),
            ("PUT", f"/{kind}/{item_id}", VALID[kind]),
            ("PATCH", f"/{kind}/{item_id}", {"amount": "7"}),
            ("DELETE", f"/{kind}/{item_id}", None),
        ]
    return calls


def test_every_call_without_authorization_is_not_authenticated_and_changes_nothing(
    client: httpx.Client, fin: Finance
) -> None:
    stored = _stored(fin)
    for method, path, body in _every_call(stored):
        assert_error(client.request(method, path, json=body), 401, "not_authenticated")
    assert_error(client.get("/budgets/summary", params={"month": "2025-05"}), 401, "not_authenticated")
    _unchanged(fin, stored)


@pytest.mark.parametrize("make_token", list(INVALID_ACCESS_TOKENS.values()), ids=list(INVALID_ACCESS_TOKENS))
def test_every_call_with_a_bad_token_is_token_not_valid_and_changes_nothing(
    api: Api, user: User, make_token: Callable[[dict], str]
) -> None:
    pair = api.tokens(user)
    fin = Finance(api.client, pair["access"], user)
    stored = _stored(fin)
    token = make_token(pair)
    for method, path, body in _every_call(stored):
        assert_error(api.client.request(method, path, json=body, headers=bearer(token)), 401, "token_not_valid")
    _unchanged(fin, stored)


# ---------------------------------------------------------------------------------------------------
# Ids that are malformed, unknown or someone else's: 404 on every method

BAD_IDS = [
    UNKNOWN_ID,
    "7ZZZZZZZZZZZZZZZZZZZZZZZZZ",
    "00000000000000000000000000",
    "nope",
    "01ARZ3NDEKTSV4RRFFQ69G5FA",  # 25 characters
    "01ARZ3NDEKTSV4RRFFQ69G5FAVX",  # 27 characters
    "01ARZ3NDEKTSV4RRFFQ69G5FAU",  # U is not Crockford base32
    "8ZZZZZZZZZZZZZZZZZZZZZZZZZ",  # overflows 128 bits
    "01arz3ndektsv4rrffq69g5fav",  # lower case
    "1",
    "%20",
    "x" * 300,
]


def _id_calls(collection: Collection, item_id: str) -> list[Callable[[], httpx.Response]]:
    full = {"amount": "1", "category": "FOOD"}
    return [
        lambda: collection.get(item_id),
        lambda: collection.put(item_id, full),
        lambda: collection.put(item_id, full, if_match="*"),
        lambda: collection.patch(item_id, {"amount": "1"}),
        lambda: collection.patch(item_id, {"amount": "1"}, if_match='"1"'),
        lambda: collection.delete(item_id),
        lambda: collection.delete(item_id, if_match="*"),
    ]


@pytest.mark.parametrize("item_id", BAD_IDS, ids=[i[:30] for i in BAD_IDS])
def test_a_malformed_or_unknown_id_is_404_on_every_method(fin: Finance, item_id: str) -> None:
    stored = _stored(fin)
    for kind in KINDS:
        for call in _id_calls(getattr(fin, kind), item_id):
            assert_error(call(), 404, "not_found")
    _unchanged(fin, stored)


def test_an_expense_id_is_no_budget_id_and_a_task_id_is_neither(fin: Finance) -> None:
    stored = _stored(fin)
    response = fin.client.post("/tasks", json={"title": "a task"}, headers=bearer(fin.access))
    assert response.status_code == 201, response.text
    task_id = response.json()["id"]
    calls = _id_calls(fin.budgets, stored["expenses"]["id"]) + _id_calls(fin.expenses, stored["budgets"]["id"])
    calls += _id_calls(fin.expenses, task_id) + _id_calls(fin.budgets, task_id)
    for call in calls:
        assert_error(call(), 404, "not_found")
    _unchanged(fin, stored)
    assert fin.client.get(f"/tasks/{task_id}", headers=bearer(fin.access)).status_code == 200


def test_another_users_id_is_404_on_every_method_and_changes_nothing(fin: Finance, other: Finance) -> None:
    stored = _stored(fin)
    for kind in KINDS:
        for call in _id_calls(getattr(other, kind), stored[kind]["id"]):
            assert_error(call(), 404, "not_found")
        assert getattr(other, kind).everything() == []
    _unchanged(fin, stored)


def test_a_deleted_item_is_404_on_every_method(fin: Finance) -> None:
    stored = _stored(fin)
    for kind in KINDS:
        collection: Collection = getattr(fin, kind)
        assert collection.delete(stored[kind]["id"]).status_code == 204
        for call in _id_calls(collection, stored[kind]["id"]):
            assert_error(call(), 404, "not_found")
        assert collection.everything() == []


# ---------------------------------------------------------------------------------------------------
# If-Match


@pytest.mark.parametrize(
    "if_match",
    ['"2"', '"0"', "1", '""', '"x"', "W/1", '"1', '"99999999999999999999999"', '"2", "3"', "", "**"],
    ids=["next", "zero", "unquoted", "empty-tag", "not-a-number", "weak-unquoted", "unterminated", "huge",
         "list-without-current", "empty", "double-star"],
)
def test_a_stale_or_malformed_if_match_is_412_and_writes_nothing(fin: Finance, if_match: str) -> None:
    stored = _stored(fin)
    for kind in KINDS:
        collection: Collection = getattr(fin, kind)
        item_id = stored[kind]["id"]
        assert_error(collection.put(item_id, VALID[kind], if_match=if_match), 412, "precondition_failed")
        assert_error(collection.patch(item_id, {"amount": "2"}, if_match=if_match), 412, "precondition_failed")
        assert_error(collection.delete(item_id, if_match=if_match), 412, "precondition_failed")
    _unchanged(fin, stored)


# ---------------------------------------------------------------------------------------------------
# Wrong methods: 405 with Allow; paths next to the real ones: 404


@pytest.mark.parametrize(
    "method, path, allowed",
    [
        ("POST", "/expenses/{expenses}", {"GET", "PUT", "PATCH", "DELETE"}),
        ("DELETE", "/expenses", {"GET", "POST"}),
        ("PUT", "/expenses", {"GET", "POST"}),
        ("PATCH", "/expenses", {"GET", "POST"}),
        ("POST", "/budgets/{budgets}", {"GET", "PUT", "PATCH", "DELETE"}),
        ("DELETE", "/budgets", {"GET", "POST"}),
        ("PUT", "/budgets", {"GET", "POST"}),
        ("PATCH", "/budgets", {"GET", "POST"}),
        ("POST", "/budgets/summary", {"GET"}),
        ("PUT", "/budgets/summary", {"GET"}),
        ("PATCH", "/budgets/summary", {"GET"}),
        ("DELETE", "/budgets/summary", {"GET"}),
    ],
)
def test_a_wrong_method_is_405_with_allow_and_changes_nothing(
    fin: Finance, method: str, path: str, allowed: set[str]
) -> None:
    stored = _stored(fin)
    url = path.format(expenses=stored["expenses"]["id"], budgets=stored["budgets"]["id"])
    kind = path.split("/")[1]
    response = fin.client.request(method, url, json=VALID[kind], headers=bearer(fin.access))
    assert_error(response, 405, "method_not_allowed")
    allow = {m.strip().upper() for m in response.headers["allow"].split(",")}
    assert allowed <= allow, response.headers["allow"]
    assert method not in allow, response.headers["allow"]
    _unchanged(fin, stored)


@pytest.mark.parametrize(
    "path",
    ["/expenses/{expenses}/extra", "/expensess", "/expense", "/expenses/{expenses}/", "/budgets/{budgets}/extra",
     "/budget", "/budgets/summary/extra", "/budgets/summary/2025-05", "/expenses/summary"],
)
def test_paths_next_to_the_finance_ones_are_json_404(fin: Finance, path: str) -> None:
    stored = _stored(fin)
    url = path.format(expenses=stored["expenses"]["id"], budgets=stored["budgets"]["id"])
    assert_error(fin.client.get(url, headers=bearer(fin.access)), 404, "not_found")


# ---------------------------------------------------------------------------------------------------
# List and summary parameters: 400 invalid naming the parameter

PAGE_INVALID: list[tuple[str, str, str, str | None]] = [
    ("limit-0", "limit=0", "limit", None),
    ("limit-101", "limit=101", "limit", None),
    ("limit-x", "limit=x", "limit", None),
    ("limit-negative", "limit=-1", "limit", None),
    ("limit-fraction", "limit=1.5", "limit", None),
    ("limit-empty", "limit=", "limit", None),
    ("limit-huge", "limit=99999999999999999999", "limit", None),
    ("limit-twice", "limit=5&limit=6", "limit", None),
    ("cursor-garbage", "cursor=garbage", "cursor", None),
    ("cursor-empty", "cursor=", "cursor", None),
    ("cursor-not-base64", "cursor=!!!", "cursor", None),
    ("cursor-empty-object", "cursor=e30", "cursor", None),
    ("cursor-huge", "cursor=" + "A" * 5000, "cursor", None),
    ("cursor-twice", "cursor=abc&cursor=abc", "cursor", None),
    ("unknown-sort", "sort=amount", "sort", None),
    ("unknown-page", "page=2", "page", None),
    ("unknown-owner", f"owner={UNKNOWN_ID}", "owner", None),
    ("unknown-offset", "offset=10", "offset", None),
]
EXPENSE_LIST_INVALID = PAGE_INVALID + [
    *[(f"category-{c!r}", f"category={c}", "category", EXPENSE_CATEGORY_MESSAGE)
      for c in ("SAVINGS", "food", "RENT", "")],
    ("category-twice", "category=FOOD&category=DATA", "category", None),
    *[(f"from-{d!r}", f"from={d}", "from", DATE_MESSAGE)
      for d in ("2026-02-30", "tomorrow", "2026-01-01T00:00:00Z", "", "2026-1-1", "2026-01")],
    *[(f"to-{d!r}", f"to={d}", "to", DATE_MESSAGE) for d in ("2026-13-01", "x", "", "2026-11")],
    ("from-after-to", "from=2026-12-01&to=2026-11-30", "to", None),
    ("from-twice", "from=2026-01-01&from=2026-01-02", "from", None),
    ("to-twice", "to=2026-01-01&to=2026-01-01", "to", None),
    ("unknown-month", "month=2026-11", "month", None),
    ("unknown-date", "date=2026-11-01", "date", None),
    ("unknown-Category", "Category=FOOD", "Category", None),
]
BUDGET_LIST_INVALID = PAGE_INVALID + [
    *[(f"category-{c!r}", f"category={c}", "category", BUDGET_CATEGORY_MESSAGE) for c in ("savings", "RENT", "")],
    ("category-twice", "category=FOOD&category=FOOD", "category", None),
    *[(f"month-{m!r}", f"month={m}", "month", MONTH_MESSAGE)
      for m in ("2026-13", "2026-1", "2026-11-01", "", "November", "0000-01")],
    ("month-twice", "month=2026-11&month=2026-12", "month", None),
    ("unknown-from", "from=2026-11-01", "from", None),
    ("unknown-to", "to=2026-11-30", "to", None),
]
SUMMARY_INVALID = [
    *[(f"month-{m!r}", f"month={m}", "month", MONTH_MESSAGE)
      for m in ("2026-13", "2026-00", "2026-1", "2026-11-01", "", "November", "0000-01", "202611")],
    ("month-twice", "month=2026-11&month=2026-12", "month", None),
    ("month-twice-same", "month=2026-11&month=2026-11", "month", None),
    *[(f"unknown-{p}", f"{p}=x", p, None) for p in ("from", "to", "category", "limit", "cursor", "Month")],
]
LIST_CASES = (
    [("/expenses", *case) for case in EXPENSE_LIST_INVALID]
    + [("/budgets", *case) for case in BUDGET_LIST_INVALID]
    + [("/budgets/summary", *case) for case in SUMMARY_INVALID]
)


# Grouped by endpoint and parameter (one user per group keeps the suite fast); each case names itself.
LIST_GROUPS: dict[tuple[str, str], list[tuple[str, str, str | None]]] = {}
for _path, _case_id, _query, _field, _message in LIST_CASES:
    LIST_GROUPS.setdefault((_path, _field), []).append((_case_id, _query, _message))


@pytest.mark.parametrize("path, field", list(LIST_GROUPS), ids=[f"{p}-{f}" for p, f in LIST_GROUPS])
def test_a_bad_list_or_summary_parameter_is_invalid_naming_it(fin: Finance, path: str, field: str) -> None:
    stored = _stored(fin)
    for case_id, query, message in LIST_GROUPS[(path, field)]:
        response = fin.client.get(f"{path}?{query}", headers=bearer(fin.access))
        assert response.status_code == 400, f"{case_id}: GET {path}?{query[:80]} answered {response.status_code} {response.text}"
        body = _check(response, field, message)
        assert stored["expenses"]["id"] not in response.text and stored["budgets"]["id"] not in response.text, body
    # The same user's valid lists still answer (nothing above broke anything).
    assert fin.expenses.everything() == [stored["expenses"]]
    assert fin.budgets.everything() == [stored["budgets"]]


def test_every_bad_list_parameter_is_reported_at_once(fin: Finance) -> None:
    response = fin.client.get(
        "/expenses?limit=0&category=SAVINGS&from=x&to=y&sort=z&limit=3", headers=bearer(fin.access)
    )
    body = assert_invalid(response, "limit", "category", "from", "to", "sort")
    assert set(body["errors"]) == {"limit", "category", "from", "to", "sort"}, body
    response = fin.client.get("/budgets?limit=101&category=food&month=13&page=1", headers=bearer(fin.access))
    body = assert_invalid(response, "limit", "category", "month", "page")
    assert set(body["errors"]) == {"limit", "category", "month", "page"}, body


# ---------------------------------------------------------------------------------------------------
# Cursors that are no position in this list


def test_a_cursor_from_another_date_range_or_month_is_invalid(fin: Finance) -> None:
    for day in ("2025-11-10", "2025-11-20", "2025-12-10", "2025-12-20"):
        fin.expenses.new(date=day)
    for month in ("2025-11", "2025-12"):
        for category in ("FOOD", "DATA"):
            fin.budgets.new(month=month, category=category)
    november = {"from": "2025-11-01", "to": "2025-11-30"}
    december = {"from": "2025-12-01", "to": "2025-12-31"}
    cursor = fin.expenses.page({**november, "limit": "1"})["next_cursor"]
    assert cursor
    for params in (december, {"from": "2025-12-01"}, {"to": "2025-10-31"}, {**december, "category": "FOOD"},
                   {"from": "2025-11-21", "to": "2025-11-30"}):
        assert_invalid(fin.expenses.list({**params, "cursor": cursor}), "cursor")
    # The cursor is still good where it came from.
    assert [e["date"] for e in fin.expenses.page({**november, "cursor": cursor})["results"]] == ["2025-11-10"]

    cursor = fin.budgets.page({"month": "2025-11", "limit": "1"})["next_cursor"]
    assert cursor
    assert_invalid(fin.budgets.list({"month": "2025-12", "cursor": cursor}), "cursor")
    assert_invalid(fin.budgets.list({"month": "2025-10", "cursor": cursor, "category": "FOOD"}), "cursor")
    assert len(fin.budgets.page({"month": "2025-11", "cursor": cursor})["results"]) == 1


def test_a_cursor_of_one_list_is_invalid_in_the_other(fin: Finance) -> None:
    for i in range(3):
        fin.expenses.new(date=f"2025-01-0{i + 1}")
        fin.budgets.new(month=f"2025-0{i + 1}")
    expense_cursor = fin.expenses.page({"limit": "1"})["next_cursor"]
    budget_cursor = fin.budgets.page({"limit": "1"})["next_cursor"]
    assert expense_cursor and budget_cursor
    assert_invalid(fin.budgets.list({"cursor": expense_cursor}), "cursor")
    assert_invalid(fin.expenses.list({"cursor": budget_cursor}), "cursor")


def test_a_cursor_of_another_user_is_invalid_and_shows_nothing_of_theirs(fin: Finance, other: Finance) -> None:
    mine = [fin.expenses.new(date=f"2025-01-0{i + 1}") for i in range(3)]
    mine += [fin.budgets.new(month=f"2025-0{i + 1}") for i in range(3)]
    for collection_name in KINDS:
        cursor = getattr(fin, collection_name).page({"limit": "1"})["next_cursor"]
        assert cursor
        for params in ({"cursor": cursor}, {"cursor": cursor, "limit": "100"}, {"cursor": cursor, "category": "FOOD"}):
            response = getattr(other, collection_name).list(params)
            assert_invalid(response, "cursor")
            assert not any(item["id"] in response.text for item in mine), response.text


def test_a_tampered_cursor_is_invalid_or_stays_inside_my_own_data(fin: Finance) -> None:
    mine = {fin.expenses.new(date=f"2025-01-0{i + 1}")["id"] for i in range(3)}
    cursor = fin.expenses.page({"limit": "1"})["next_cursor"]
    assert cursor
    flipped = cursor[:-3] + ("AAA" if not cursor.endswith("AAA") else "BBB")
    for bad in (flipped, cursor + "x", cursor[1:], cursor[:-1] + "=", cursor + cursor):
        response = fin.expenses.list({"cursor": bad})
        if response.status_code == 200:
            assert {e["id"] for e in response.json()["results"]} <= mine, response.text
            continue
        assert_invalid(response, "cursor")


# ---------------------------------------------------------------------------------------------------
# Conflicts leave everything as it was


def test_a_refused_budget_writes_nothing(fin: Finance) -> None:
    food = fin.budgets.new(category="FOOD", month="2025-05", amount="10")
    data = fin.budgets.new(category="DATA", month="2025-05", amount="20")
    before = fin.budgets.everything()
    assert_error(fin.budgets.create({"amount": "1", "category": "FOOD", "month": "2025-05"}), 409, "conflict")
    assert_error(fin.budgets.put(data["id"], {"amount": "1", "category": "FOOD", "month": "2025-05"}), 409, "conflict")
    assert_error(fin.budgets.patch(data["id"], {"category": "FOOD", "amount": "3"}, if_match='"1"'), 409, "conflict")
    # A refused write (bad value, stale If-Match) does not take the slot it named.
    assert_invalid(fin.budgets.patch(food["id"], {"month": "2025-06", "amount": "0"}), "amount")
    assert_error(fin.budgets.patch(food["id"], {"month": "2025-06"}, if_match='"7"'), 412, "precondition_failed")
    assert fin.budgets.everything() == before
    fin.budgets.new(category="FOOD", month="2025-06")
    assert fin.budgets.read(food["id"]) == food and fin.budgets.read(data["id"]) == data

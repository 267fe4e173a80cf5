"""Hostile input on every endpoint that takes a body or query parameters, and proof that each rejected
request changed nothing.

Bodies are mostly sent as raw bytes (`content=`), so that the JSON is exactly as written: lone
surrogates (`\\ud800`), control characters (`\\u0000`), `1e400`, `-0.0`, 100-digit numbers. Every case
asserts the exact status and `code` where the contract names them (and, for 400 `invalid`, the field
in `errors`); where the contract is silent (control characters, zero-width characters, lone
surrogates) it asserts a 4xx in the error shape with nothing written, or an exact round trip if the
value is accepted. conftest's `_check_response` fails any 5xx and any non-JSON 4xx.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Any

import httpx
import pytest

from adversarial_helpers import UNKNOWN_USER_ID
from conftest import (
    Api,
    Tasks,
    User,
    assert_error,
    assert_invalid,
    b64_decode_json,
    b64_json,
    bearer,
    get_large,
    jwt_parts,
    strong_password,
    unique_username,
)
from finance_helpers import Budgets, Expenses, unique_month

GREATER = "Ensure this value is greater than 0."
AT_MOST = "Ensure this value is less than or equal to 1000000000."
PLACES = "Ensure that there are no more than 2 decimal places."

# ---------------------------------------------------------------------------------------------------
# An account with one item of each kind, and the proof that nothing of it changed


@dataclass
class Account:
    api: Api
    user: User
    pair: dict
    tasks: Tasks
    expenses: Expenses
    budgets: Budgets
    task: dict
    expense: dict
    budget: dict

    @property
    def client(self) -> httpx.Client:
        return self.api.client

    @property
    def access(self) -> str:
        return self.pair["access"]

    def send(self, method: str, path: str, content: bytes | str, content_type: str | None = "application/json",
             auth: bool = True) -> httpx.Response:
        headers = bearer(self.access) if auth else {}
        if content_type is not None:
            headers["Content-Type"] = content_type
        data = content.encode() if isinstance(content, str) else content
        return self.client.request(method, path, content=data, headers=headers)

    def unchanged(self) -> None:
        """Every item reads back as it was, no list holds anything else, the session is intact."""
        assert self.tasks.read(self.task["id"]) == self.task, "a rejected request changed the task"
        assert self.tasks.everything() == [self.task], "a rejected request changed the task list"
        assert self.expenses.read(self.expense["id"]) == self.expense, "a rejected request changed the expense"
        assert self.expenses.everything() == [self.expense], "a rejected request changed the expense list"
        assert self.budgets.read(self.budget["id"]) == self.budget, "a rejected request changed the budget"
        assert self.budgets.everything() == [self.budget], "a rejected request changed the budget list"
        verify = self.api.verify(self.pair["refresh"])
        assert verify.status_code == 200 and verify.json()["token_type"] == "refresh", verify.text
        assert self.api.me(self.access).json() == self.user.profile


def make_account(api: Api) -> Account:
    user = api.new_user(prefix="bad")
    pair = api.tokens(user)
    tasks = Tasks(api.client, pair["access"], user)
    expenses = Expenses(api.client, pair["access"], user)
    budgets = Budgets(api.client, pair["access"], user)
    task = tasks.new(title="keep me", description="as I am", status="in_progress", due_date="2030-01-02",
                     priority="high")
    expense = expenses.new(amount="12.34", category="TRANSPORT", date="2025-05-05", description="keep me")
    budget = budgets.new(amount="56.78", category="TRANSPORT", month="2025-05", description="keep me")
    return Account(api, user, pair, tasks, expenses, budgets, task, expense, budget)


@pytest.fixture
def acct(api: Api) -> Account:
    return make_account(api)


@pytest.fixture
def other(api: Api) -> Account:
    return make_account(api)


def _targets(a: Account) -> dict[str, tuple[str, str]]:
    """Every write that takes a body, by name: (method, path)."""
    return {
        "POST /tasks": ("POST", "/tasks"),
        "PUT /tasks/{id}": ("PUT", f"/tasks/{a.task['id']}"),
        "PATCH /tasks/{id}": ("PATCH", f"/tasks/{a.task['id']}"),
        "POST /expenses": ("POST", "/expenses"),
        "PUT /expenses/{id}": ("PUT", f"/expenses/{a.expense['id']}"),
        "PATCH /expenses/{id}": ("PATCH", f"/expenses/{a.expense['id']}"),
        "POST /budgets": ("POST", "/budgets"),
        "PUT /budgets/{id}": ("PUT", f"/budgets/{a.budget['id']}"),
        "PATCH /budgets/{id}": ("PATCH", f"/budgets/{a.budget['id']}"),
    }


AUTH_BODY_PATHS = ["/auth/register", "/auth/login", "/auth/refresh", "/auth/verify", "/auth/logout", "/auth/email/verify",
                   "/auth/password/forgot", "/auth/password/reset"]
RESOURCE_TARGETS = ["POST /tasks", "PUT /tasks/{id}", "PATCH /tasks/{id}", "POST /expenses", "PUT /expenses/{id}",
                    "PATCH /expenses/{id}", "POST /budgets", "PUT /budgets/{id}", "PATCH /budgets/{id}"]

# A complete valid body for each resource (what POST and PUT send besides the field under test).
VALID = {
    "tasks": {"title": "valid title"},
    "expenses": {"amount": "1.00", "category": "FOOD", "date": "2025-06-06"},
    "budgets": {"amount": "1.00", "category": "FOOD", "month": "2025-06"},
}


def _kind(target: str) -> str:
    return target.split()[1].split("/")[1]


def _json_text(fields: dict[str, Any], raw: dict[str, str] | None = None) -> str:
    """A JSON object of `fields` (Python values) and `raw` (member texts kept exactly as written)."""
    members = {name: json.dumps(value) for name, value in fields.items()}
    members.update(raw or {})
    return "{" + ", ".join(f"{json.dumps(name)}: {text}" for name, text in members.items()) + "}"


# ---------------------------------------------------------------------------------------------------
# Bodies that are not a JSON object: 400 parse_error everywhere

NOT_OBJECTS = ["[]", "[1, 2]", '"a string"', '""', "42", "-0", "1e400", "null", "true", "false", '[{"title": "x"}]']


@pytest.mark.parametrize("path", AUTH_BODY_PATHS)
def test_auth_bodies_that_are_not_objects_are_parse_error(acct: Account, path: str) -> None:
    for text in NOT_OBJECTS:
        response = acct.send("POST", path, text, auth=False)
        assert response.status_code == 400, f"{path} {text}: {response.status_code} {response.text}"
        assert_error(response, 400, "parse_error")
    acct.unchanged()


@pytest.mark.parametrize("target", RESOURCE_TARGETS)
def test_resource_bodies_that_are_not_objects_are_parse_error_and_change_nothing(acct: Account, target: str) -> None:
    method, path = _targets(acct)[target]
    for text in NOT_OBJECTS:
        response = acct.send(method, path, text)
        assert response.status_code == 400, f"{target} {text}: {response.status_code} {response.text}"
        assert_error(response, 400, "parse_error")
    acct.unchanged()


# ---------------------------------------------------------------------------------------------------
# Wrong types, nulls and wrong values, field by field: 400 invalid naming the field

WRONG_TYPES_FOR_STRING = ["1", "0", "-0.0", "1e400", "true", "false", "[]", '["x"]', "{}", '{"x": 1}']
WRONG_TYPES_FOR_BOOL = ['"true"', '"false"', "1", "0", "[]", "{}", '"x"']
WRONG_TYPES_FOR_AMOUNT = ["true", "false", "[]", "[1]", "{}", '{"amount": 1}', '"abc"', '""']

# (target kind, field, raw JSON values that are each invalid for it)
FIELD_VALUES: list[tuple[str, str, list[str]]] = [
    ("tasks", "title", WRONG_TYPES_FOR_STRING + ["null", '""', '"   "', json.dumps("x" * 10_000), json.dumps("\u00e9" * 201)]),
    ("tasks", "description", WRONG_TYPES_FOR_STRING + ["null", json.dumps("d" * 10_000), json.dumps("d" * 60_000)]),
    ("tasks", "status", WRONG_TYPES_FOR_STRING + ["null", '"PENDING"', '"done"', '"pending\\u0000"']),
    ("tasks", "completed", WRONG_TYPES_FOR_BOOL + ["null"]),
    ("tasks", "due_date", WRONG_TYPES_FOR_STRING + ['"2026-02-30"', '"2026-13-01"', '"0000-01-01"', '"2026-01-01T00:00:00Z"',
                                                    '"\\u0032026-01-01x"', '"２０２６-01-01"']),
    ("tasks", "priority", WRONG_TYPES_FOR_STRING + ["null", '"HIGH"', '"urgent"', '"high "']),
    ("expenses", "amount", WRONG_TYPES_FOR_AMOUNT + ["null", "1e400", "1e10", "1e-3", "-0", "-0.0", "-0e0", '"-0.00"',
                                                     "1" + "0" * 100, "0.001", '"NaN"', '"１"']),
    ("expenses", "category", WRONG_TYPES_FOR_STRING + ["null", '"food"', '"SAVINGS"', '"FOOD\\u0000"']),
    ("expenses", "date", WRONG_TYPES_FOR_STRING + ["null", '"2026-02-30"', '"2026-13-01"', '"0000-01-01"', '"2026-1-1"']),
    ("expenses", "description", WRONG_TYPES_FOR_STRING + ["null", json.dumps("d" * 10_000)]),
    ("budgets", "amount", WRONG_TYPES_FOR_AMOUNT + ["null", "1e400", "1e10", "1e-3", "-0", "-0.0", '"-0"', "1" + "0" * 100]),
    ("budgets", "category", WRONG_TYPES_FOR_STRING + ["null", '"savings"', '"RENT"']),
    ("budgets", "month", WRONG_TYPES_FOR_STRING + ["null", '"2026-13"', '"0000-01"', '"2026-02-30"', '"2026-1"']),
    ("budgets", "description", WRONG_TYPES_FOR_STRING + ["null", json.dumps("d" * 10_000)]),
]


def _field_cases() -> list:
    cases = []
    for kind, field, values in FIELD_VALUES:
        cases.append(pytest.param(kind, field, values, id=f"{kind}-{field}"))
    return cases


@pytest.mark.parametrize("kind, field, values", _field_cases())
def test_a_wrong_value_is_invalid_naming_the_field_on_post_put_and_patch(
    acct: Account, kind: str, field: str, values: list[str]
) -> None:
    targets = _targets(acct)
    for value in values:
        for verb in ("POST", "PUT", "PATCH"):
            target = f"{verb} /{kind}" if verb == "POST" else f"{verb} /{kind}/{{id}}"
            method, path = targets[target]
            base = {} if verb == "PATCH" else {k: v for k, v in VALID[kind].items() if k != field}
            response = acct.send(method, path, _json_text(base, {field: value}))
            assert response.status_code == 400, f"{target} {field}={value[:60]}: {response.status_code} {response.text[:300]}"
            body = assert_invalid(response, field)
            assert set(body["errors"]) == {field}, f"{target} {field}={value[:60]}: {body}"
    acct.unchanged()


AUTH_FIELD_VALUES: list[tuple[str, str, list[str], dict]] = [
    ("/auth/register", "username", WRONG_TYPES_FOR_STRING + ["null", '""', json.dumps("u" * 10_000),
                                                            '"caf\\u00e9_user"', '"user\\u0000name"', '"\\u0661\\u0662\\u0663"',
                                                            '"emoji_\\ud83d\\ude00"', '"zero\\u200bwidth"'],
     {"password": "Tr0ub4dor-%s"}),
    ("/auth/register", "password", WRONG_TYPES_FOR_STRING + ["null", '""', json.dumps("p" * 10_000), '"1234567890"'],
     {"username": "%s"}),
    ("/auth/register", "email", WRONG_TYPES_FOR_STRING + ['""', '"no-at-sign"', json.dumps("e" * 10_000 + "@example.com"),
                                                         '"a\\u0000@example.com"'],
     {"username": "%s", "password": "Tr0ub4dor-%s"}),
    ("/auth/login", "username", WRONG_TYPES_FOR_STRING + ["null"], {"password": "whatever-123"}),
    ("/auth/login", "password", WRONG_TYPES_FOR_STRING + ["null"], {"username": "%s"}),
    ("/auth/refresh", "refresh", WRONG_TYPES_FOR_STRING + ["null"], {}),
    ("/auth/verify", "token", WRONG_TYPES_FOR_STRING + ["null"], {}),
    ("/auth/logout", "refresh", WRONG_TYPES_FOR_STRING + ["null"], {}),
    ("/auth/email/verify", "token", WRONG_TYPES_FOR_STRING + ["null", '""', '"abc"', json.dumps("t" * 10_000)], {}),
    ("/auth/password/forgot", "email", WRONG_TYPES_FOR_STRING + ["null", '""', '"no-at-sign"',
                                                                json.dumps("e" * 10_000 + "@example.com"),
                                                                '"a\\u0000@example.com"'], {}),
    # (new_password alone cannot be wrong here: without a genuine token, errors.token comes with it;
    # test_email.py covers it with a real reset token)
    ("/auth/password/reset", "token", WRONG_TYPES_FOR_STRING + ["null", '""', '"abc"'], {"new_password": "Tr0ub4dor-%s"}),
]


@pytest.mark.parametrize("path, field, values, others", AUTH_FIELD_VALUES,
                         ids=[f"{p}-{f}" for p, f, _, _ in AUTH_FIELD_VALUES])
def test_a_wrong_auth_value_is_invalid_naming_the_field_and_creates_nobody(
    acct: Account, path: str, field: str, values: list[str], others: dict
) -> None:
    for value in values:
        name = unique_username("wt")
        fields = {k: (v % name if "%s" in v else v) for k, v in others.items()}
        response = acct.send("POST", path, _json_text(fields, {field: value}), auth=False)
        assert response.status_code == 400, f"{path} {field}={value[:60]}: {response.status_code} {response.text[:300]}"
        body = assert_invalid(response, field)
        assert set(body["errors"]) == {field}, f"{path} {field}={value[:60]}: {body}"
        if path == "/auth/register":
            assert_error(acct.api.login(name, fields.get("password", "x")), 401, "invalid_credentials")
    acct.unchanged()


@pytest.mark.parametrize("path", AUTH_BODY_PATHS)
@pytest.mark.parametrize("extra", ["owner", "is_admin", "__proto__", "", "USERNAME", "token_type"])
def test_an_unknown_auth_field_is_invalid(acct: Account, path: str, extra: str) -> None:
    good = {
        "/auth/register": {"username": unique_username("xf"), "password": strong_password()},
        "/auth/login": {"username": acct.user.username, "password": acct.user.password},
        "/auth/refresh": {"refresh": acct.pair["refresh"]},
        "/auth/verify": {"token": acct.pair["refresh"]},
        "/auth/logout": {"refresh": acct.pair["refresh"]},
        "/auth/email/verify": {"token": acct.pair["refresh"]},
        "/auth/password/forgot": {"email": acct.user.email},
        "/auth/password/reset": {"token": acct.pair["refresh"], "new_password": strong_password()},
    }[path]
    response = acct.client.post(path, json={**good, extra: True})
    body = assert_invalid(response, extra)
    assert body["errors"][extra] == ["Unknown field."], body
    if path == "/auth/register":
        assert_error(acct.api.login(good["username"], good["password"]), 401, "invalid_credentials")
    acct.unchanged()  # in particular: the refresh token was neither rotated nor logged out


@pytest.mark.parametrize("target", RESOURCE_TARGETS)
def test_unknown_fields_are_invalid_on_every_resource_write(acct: Account, target: str) -> None:
    method, path = _targets(acct)[target]
    base = {} if method == "PATCH" else VALID[_kind(target)]
    for extra in ("owner", "user_id", "__proto__", "", "Title", "amount_cents"):
        body = {**base, extra: UNKNOWN_USER_ID} if method != "PATCH" else {"description": "new", extra: 1}
        response = acct.send(method, path, json.dumps(body))
        result = assert_invalid(response, extra)
        assert result["errors"][extra] == ["Unknown field."], result
    acct.unchanged()


def test_a_rejected_registration_of_a_taken_name_leaves_the_old_password_working(acct: Account) -> None:
    user = acct.user
    attempts = [
        _json_text({"username": user.username, "password": strong_password()}),  # 409
        _json_text({"username": user.username.upper(), "password": strong_password()}),  # 409
        _json_text({"username": user.username}, {"password": "12345"}),
        _json_text({"username": user.username, "password": strong_password()}, {"email": "[]"}),
        _json_text({"username": user.username, "password": strong_password(), "is_admin": True}),
        _json_text({"username": user.username}, {"password": '"a\\ud800bcdefgh"'}),
    ]
    for text in attempts:
        response = acct.send("POST", "/auth/register", text, auth=False)
        assert 400 <= response.status_code < 500 and response.status_code != 413, response.text
        assert response.json()["code"] in ("conflict", "invalid", "parse_error"), response.text
    assert acct.api.tokens(user)["access"]
    assert_error(acct.api.login(user.username, strong_password()), 401, "invalid_credentials")
    acct.unchanged()


# ---------------------------------------------------------------------------------------------------
# Missing fields and empty objects

@pytest.mark.parametrize(
    "path, body, fields",
    [
        ("/auth/register", {}, {"username", "password"}),
        ("/auth/register", {"email": "a@example.com"}, {"username", "password"}),
        ("/auth/login", {}, {"username", "password"}),
        ("/auth/refresh", {}, {"refresh"}),
        ("/auth/verify", {}, {"token"}),
        ("/auth/logout", {}, {"refresh"}),
        ("/auth/email/verify", {}, {"token"}),
        ("/auth/password/forgot", {}, {"email"}),
        ("/auth/password/reset", {}, {"token", "new_password"}),
        ("/auth/password/reset", {"new_password": "Tr0ub4dor-missing"}, {"token"}),
    ],
)
def test_missing_auth_fields_are_named(acct: Account, path: str, body: dict, fields: set[str]) -> None:
    result = assert_invalid(acct.client.post(path, json=body), *fields)
    assert set(result["errors"]) == fields, result
    acct.unchanged()


# ---------------------------------------------------------------------------------------------------
# Unicode in strings

# Raw JSON string texts (escapes kept as written). Each is a legal JSON string of valid Unicode.
UNICODE_STRINGS = {
    "emoji": '"\\ud83d\\ude00 party \U0001F389 flags \U0001F1FA\U0001F1E6"',
    "emoji-zwj-family": '"\U0001F468\u200d\U0001F469\u200d\U0001F467"',
    "rtl-arabic-hebrew": '"\u0645\u0631\u062d\u0628\u0627 \u05e9\u05dc\u05d5\u05dd"',
    "rtl-override": '"abc\\u202edcba\\u202c"',
    "combining-marks": '"Z' + "\u0351\u0308\u0301" * 30 + 'algo"',
    "zero-width-inside": '"a\\u200bb\\u200cc\\u200dd\\ufeffe"',
    "nul": '"a\\u0000b"',
    "control-1f": '"a\\u001fb"',
    "control-mix": '"\\u0001\\u0007\\b\\f\\u000b\\u007f x"',
    "line-separators": '"a\\u2028b\\u2029c"',
    "noncharacters": '"a\\uffffb\\ufdd0c"',
    "astral-escaped-pair": '"\\ud834\\udd1e"',
    "bom-start": '"\\ufeffbom"',
}
# Not valid Unicode: JSON escapes of unpaired surrogates.
LONE_SURROGATES = {
    "lone-high": '"a\\ud800b"',
    "lone-low": '"a\\udc00b"',
    "high-at-end": '"ab\\ud800"',
    "low-then-high": '"\\udc00\\ud800"',
    "two-highs": '"\\ud800\\ud800"',
    "high-then-letter-escape": '"\\ud800\\u0041"',
}

TEXT_FIELDS = [("tasks", "title"), ("tasks", "description"), ("expenses", "description"), ("budgets", "description")]


@pytest.mark.parametrize("kind, field", TEXT_FIELDS, ids=[f"{k}-{f}" for k, f in TEXT_FIELDS])
def test_unicode_text_round_trips_or_is_refused_cleanly(acct: Account, kind: str, field: str) -> None:
    collection = {"tasks": acct.tasks, "expenses": acct.expenses, "budgets": acct.budgets}[kind]
    base = dict(VALID[kind])
    created: list[str] = []
    for name, raw in UNICODE_STRINGS.items():
        expected = json.loads(raw)
        if kind == "budgets":
            base["month"] = unique_month()
        response = acct.send("POST", f"/{kind}", _json_text({k: v for k, v in base.items() if k != field}, {field: raw}))
        if response.status_code == 201:
            item = response.json()
            stored = expected.strip() if field == "title" else expected
            assert item[field] == stored, f"{name}: sent {expected!r}, answered {item[field]!r}"
            assert collection.read(item["id"])[field] == stored, f"{name}: stored differently"
            created.append(item["id"])
        else:
            # The contract does not name these characters: a refusal must be a clean 400 naming the field.
            assert_invalid(response, field)
    assert sorted(i["id"] for i in collection.everything()) == sorted(created + [getattr(acct, kind[:-1])["id"]])
    for item_id in created:
        assert collection.delete(item_id).status_code == 204
    acct.unchanged()


@pytest.mark.parametrize("target", RESOURCE_TARGETS)
def test_lone_surrogates_are_refused_and_change_nothing(acct: Account, target: str) -> None:
    method, path = _targets(acct)[target]
    kind = _kind(target)
    field = "title" if kind == "tasks" else "description"
    base = {} if method == "PATCH" else {k: v for k, v in VALID[kind].items() if k != field}
    for name, raw in LONE_SURROGATES.items():
        response = acct.send(method, path, _json_text(base, {field: raw}))
        assert response.status_code == 400, f"{target} {name}: {response.status_code} {response.text}"
        body = assert_error(response, 400, response.json().get("code"))
        assert body["code"] in ("parse_error", "invalid"), body
        if body["code"] == "invalid":
            assert field in body["errors"], body
    acct.unchanged()


@pytest.mark.parametrize("path", AUTH_BODY_PATHS)
def test_lone_surrogates_in_auth_bodies_are_refused(acct: Account, path: str) -> None:
    for name, raw in LONE_SURROGATES.items():
        username = unique_username("ls")
        fields, member = {
            "/auth/register": ({"username": username}, "password"),
            "/auth/login": ({"username": acct.user.username}, "password"),
            "/auth/refresh": ({}, "refresh"),
            "/auth/verify": ({}, "token"),
            "/auth/logout": ({}, "refresh"),
            "/auth/email/verify": ({}, "token"),
            "/auth/password/forgot": ({}, "email"),
            "/auth/password/reset": ({"new_password": strong_password()}, "token"),
        }[path]
        response = acct.send("POST", path, _json_text(fields, {member: raw}), auth=False)
        assert response.status_code in (400, 401), f"{path} {name}: {response.status_code} {response.text}"
        code = response.json()["code"]
        allowed = {"parse_error", "invalid"} | ({"invalid_credentials"} if path == "/auth/login" else set()) \
            | ({"token_not_valid"} if path in ("/auth/refresh", "/auth/verify", "/auth/logout") else set())
        assert code in allowed, response.text
        assert_error(response, response.status_code, code)
    acct.unchanged()


def test_unicode_passwords_work_and_non_ascii_usernames_are_refused(api: Api) -> None:
    for raw in ('"' + "\\ud83d\\ude00" * 8 + '"', '"p\\u0000ss\\u001fword-42"',
                '"\\u0645\\u0631\\u062d\\u0628\\u0627-1234"', '"e\\u0301e\\u0301e\\u0301e\\u0301-9"'):
        username = unique_username("up")
        response = api.client.post("/auth/register", content=_json_text({"username": username}, {"password": raw}),
                                   headers={"Content-Type": "application/json"})
        assert response.status_code == 201, f"password {raw}: {response.text}"
        password = json.loads(raw)
        assert api.login(username, password).status_code == 200, raw
        assert_error(api.login(username, password + "x"), 401, "invalid_credentials")
    # 128 characters of four bytes each is still 128 characters; 129 is too many.
    assert api.register(username=unique_username("up"), password="\U0001F600" * 128).status_code == 201
    assert_invalid(api.register(username=unique_username("up"), password="\U0001F600" * 129), "password")


# ---------------------------------------------------------------------------------------------------
# Numbers: exponents, negative zero, huge values, in amounts

AMOUNT_ACCEPTED = [("1e2", "100.00"), ("1E2", "100.00"), ("1e-2", "0.01"), ("1E+9", "1000000000.00"),
                   ("1.5e1", "15.00"), ("100e-2", "1.00"), ("0.5E0", "0.50"), ("1000000000", "1000000000.00"),
                   ("0.01", "0.01"), ("12.500", "12.50"), ("1e+0", "1.00")]
AMOUNT_REFUSED = [("1e-3", PLACES), ("1e10", AT_MOST), ("1E+10", AT_MOST), ("1e400", AT_MOST), ("1e999999999999", AT_MOST),
                  ("1" + "0" * 100, AT_MOST), ("9" * 30000, AT_MOST), ("-0", GREATER), ("-0.0", GREATER),
                  ("-0e0", GREATER), ("0e5", GREATER), ('"-0.00"', GREATER), ("-1e2", GREATER), ("1e-400", PLACES),
                  ("1000000000.001", PLACES)]


@pytest.mark.parametrize("kind", ["expenses", "budgets"])
def test_amount_exponents_are_exact(acct: Account, kind: str) -> None:
    collection = {"expenses": acct.expenses, "budgets": acct.budgets}[kind]
    kept = getattr(acct, kind[:-1])
    for raw, expected in AMOUNT_ACCEPTED:
        fields = {k: v for k, v in VALID[kind].items() if k != "amount"}
        if kind == "budgets":
            fields["month"] = unique_month()
        response = acct.send("POST", f"/{kind}", _json_text(fields, {"amount": raw}))
        item = collection.created(response, amount=expected)
        assert collection.read(item["id"])["amount"] == expected, raw
        # PUT and PATCH read it the same way.
        collection.ok(acct.send("PUT", f"/{kind}/{item['id']}", _json_text(fields, {"amount": raw})), amount=expected)
        collection.ok(acct.send("PATCH", f"/{kind}/{item['id']}", _json_text({}, {"amount": raw})), amount=expected)
        assert collection.delete(item["id"]).status_code == 204
    assert collection.everything() == [kept]


@pytest.mark.parametrize("kind", ["expenses", "budgets"])
def test_bad_amounts_are_invalid_with_the_right_message_and_change_nothing(acct: Account, kind: str) -> None:
    targets = _targets(acct)
    for raw, message in AMOUNT_REFUSED:
        for verb in ("POST", "PUT", "PATCH"):
            method, path = targets[f"{verb} /{kind}" if verb == "POST" else f"{verb} /{kind}/{{id}}"]
            base = {} if verb == "PATCH" else {k: v for k, v in VALID[kind].items() if k != "amount"}
            response = acct.send(method, path, _json_text(base, {"amount": raw}))
            assert response.status_code == 400, f"{verb} {kind} amount={raw[:40]}: {response.status_code} {response.text[:300]}"
            body = assert_invalid(response, "amount")
            assert body["errors"]["amount"] == [message], f"amount={raw[:40]}: {body}"
    acct.unchanged()


def test_huge_numbers_in_non_numeric_fields_are_invalid(acct: Account) -> None:
    for raw in ("1e400", "-1e400", "1" + "0" * 100, "-0", "-0.0", "1E+9"):
        assert_invalid(acct.send("POST", "/tasks", _json_text({"title": "x"}, {"completed": raw})), "completed")
        assert_invalid(acct.send("POST", "/tasks", _json_text({}, {"title": raw})), "title")
        assert_invalid(acct.send("POST", "/expenses", _json_text({"amount": "1"}, {"category": raw})), "category")
        assert_invalid(acct.send("POST", "/budgets", _json_text({"amount": "1", "category": "FOOD"}, {"month": raw})), "month")
    acct.unchanged()


# ---------------------------------------------------------------------------------------------------
# Query parameters: limit, cursor and filters

LISTS = ["/tasks", "/expenses", "/budgets"]
BAD_LIMITS = ["0", "-1", "101", "1e2", "", "99999999999999999999", "-0", "1.0", "+5", " 5", "5 ", "0x10", "１",
              "5%00", "NaN", "true", "[5]", "%FF"]


@pytest.mark.parametrize("path", LISTS)
def test_limit_abuse_is_invalid_naming_limit(acct: Account, path: str) -> None:
    for value in BAD_LIMITS:
        response = acct.client.get(f"{path}?limit={value.replace(' ', '%20')}", headers=bearer(acct.access))
        assert response.status_code == 400, f"{path}?limit={value!r}: {response.status_code} {response.text[:300]}"
        assert_invalid(response, "limit")
    for query in ("limit=5&limit=5", "limit=5&limit=6", "limit=1&limit=", "limit[]=5", "Limit=5"):
        response = acct.client.get(f"{path}?{query}", headers=bearer(acct.access))
        assert response.status_code == 400, f"{path}?{query}: {response.status_code} {response.text[:300]}"
        assert_error(response, 400, "invalid")
        assert set(response.json()["errors"]) & {"limit", "limit[]", "Limit"}, response.text
    for good in ("1", "100", "05"):
        response = acct.client.get(f"{path}?limit={good}", headers=bearer(acct.access))
        assert response.status_code == 200, f"{path}?limit={good}: {response.text}"
    acct.unchanged()


def test_summary_rejects_limit_and_cursor_and_bad_months(acct: Account) -> None:
    for query, field in [("limit=5", "limit"), ("cursor=abc", "cursor"), ("month=2026-13", "month"),
                         ("month=0000-01", "month"), ("month=2026-02-30", "month"), ("month=", "month"),
                         ("month=2026-01&month=2026-01", "month"), ("month=%00", "month"), ("month=２０２６-01", "month")]:
        response = acct.client.get(f"/budgets/summary?{query}", headers=bearer(acct.access))
        assert response.status_code == 400, f"summary?{query}: {response.status_code} {response.text}"
        assert_invalid(response, field)
    acct.unchanged()


@pytest.mark.parametrize(
    "path, query, field",
    [
        ("/tasks", "due_before=2026-02-30", "due_before"), ("/tasks", "due_after=2026-13-01", "due_after"),
        ("/tasks", "due_before=0000-01-01", "due_before"), ("/tasks", "completed=1", "completed"),
        ("/tasks", "status=%00", "status"), ("/tasks", "priority=" + "x" * 10_000, "priority"),
        ("/expenses", "from=2026-02-30", "from"), ("/expenses", "to=2026-13-01", "to"), ("/expenses", "from=0000-01-01", "from"),
        ("/expenses", "category=%F0%9F%98%80", "category"), ("/budgets", "month=2026-13", "month"),
        ("/budgets", "month=0000-01", "month"), ("/budgets", "category=FOOD%00", "category"),
    ],
)
def test_bad_filters_are_invalid_naming_them(acct: Account, path: str, query: str, field: str) -> None:
    response = acct.client.get(f"{path}?{query}", headers=bearer(acct.access))
    assert_invalid(response, field)
    assert acct.task["id"] not in response.text and acct.expense["id"] not in response.text


def _own_cursor(a: Account, path: str) -> str:
    """A real cursor of `a` on `path` (makes a second item so that the first page has a next_cursor)."""
    if path == "/tasks":
        a.tasks.new(title="second")
    elif path == "/expenses":
        a.expenses.new(amount="1", category="FOOD", date="2025-04-04")
    else:
        a.budgets.new(amount="1", category="FOOD", month="2025-04")
    response = a.client.get(f"{path}?limit=1", headers=bearer(a.access))
    cursor = response.json()["next_cursor"]
    assert cursor, response.text
    return cursor


@pytest.mark.parametrize("path", LISTS)
def test_cursor_abuse_is_invalid_and_never_shows_another_users_data(acct: Account, other: Account, path: str) -> None:
    theirs = _own_cursor(other, path)
    their_key = b64_decode_json(theirs)
    assert their_key["owner"] == other.user.id, their_key
    mine_as_theirs = b64_json({**their_key, "owner": other.user.id})
    bad = {
        "garbage": "garbage",
        "their-real-cursor": theirs,
        "their-key-re-encoded": mine_as_theirs,
        "their-key-padded": theirs + "==",
        "their-key-standard-base64": theirs.replace("-", "+").replace("_", "/"),
        "very-long": "A" * 3000,
        "url-encoded-nonsense": "%00%ff%2F%2E%2E%3B",
        "base64-of-a-list": b64_json([their_key]),
        "base64-of-a-string": b64_json("cursor"),
        "base64-of-a-number": b64_json(1),
        "base64-of-null": b64_json(None),
        "key-with-extra-field": b64_json({**their_key, "owner": acct.user.id, "extra": "x"}),
        "key-without-owner": b64_json({k: v for k, v in their_key.items() if k != "owner"}),
        "key-with-numbers": b64_json({k: 1 for k in their_key}),
        "key-with-empty-values": b64_json({k: "" for k in their_key}),
        "key-with-owner-list": b64_json({**their_key, "owner": [acct.user.id, other.user.id]}),
        "owner-case-changed": b64_json({**their_key, "owner": other.user.id.lower()}),
    }
    other_ids = {i["id"] for i in other.client.get(f"{path}?limit=100", headers=bearer(other.access)).json()["results"]}
    for name, cursor in bad.items():
        response = acct.client.get(path, params={"cursor": cursor}, headers=bearer(acct.access))
        assert response.status_code == 400, f"{path} cursor {name}: {response.status_code} {response.text[:300]}"
        assert_invalid(response, "cursor")
        assert not any(i in response.text for i in other_ids), f"{name} showed another user's data"
    # A key forged onto my own partition is only a position in my own data: 200 with only mine, or refused.
    own = b64_json({**their_key, "owner": acct.user.id})
    response = acct.client.get(path, params={"cursor": own, "limit": "100"}, headers=bearer(acct.access))
    if response.status_code == 200:
        assert not any(i in response.text for i in other_ids), response.text
    else:
        assert_invalid(response, "cursor")
    acct.unchanged()


# ---------------------------------------------------------------------------------------------------
# Body size: exactly 64 KiB is read, one byte more is 413

SIZE = 64 * 1024


def _padded(text: str, size: int) -> bytes:
    """`text` (a JSON object) padded with insignificant whitespace before its closing brace to `size` bytes."""
    data = text.encode()
    assert data.endswith(b"}") and len(data) < size
    return data[:-1] + b" " * (size - len(data)) + b"}"


@pytest.mark.parametrize("kind", ["tasks", "expenses", "budgets"])
def test_a_valid_body_of_exactly_64_kib_is_accepted_on_every_write(acct: Account, kind: str) -> None:
    collection = {"tasks": acct.tasks, "expenses": acct.expenses, "budgets": acct.budgets}[kind]
    fields = dict(VALID[kind])
    if kind == "budgets":
        fields["month"] = unique_month()
    response = acct.send("POST", f"/{kind}", _padded(json.dumps(fields), SIZE))
    assert response.status_code == 201, f"POST /{kind} of {SIZE} bytes: {response.status_code} {response.text[:300]}"
    item_id = response.json()["id"]
    response = acct.send("PUT", f"/{kind}/{item_id}", _padded(json.dumps({**fields, "description": "put"}), SIZE))
    assert response.status_code == 200, f"PUT of {SIZE} bytes: {response.status_code} {response.text[:300]}"
    response = acct.send("PATCH", f"/{kind}/{item_id}", _padded(json.dumps({"description": "patched"}), SIZE))
    assert response.status_code == 200, f"PATCH of {SIZE} bytes: {response.status_code} {response.text[:300]}"
    assert collection.read(item_id)["description"] == "patched"
    assert collection.delete(item_id).status_code == 204
    acct.unchanged()


@pytest.mark.parametrize("target", RESOURCE_TARGETS)
def test_a_body_of_64_kib_and_one_byte_is_413_and_changes_nothing(acct: Account, target: str) -> None:
    method, path = _targets(acct)[target]
    kind = _kind(target)
    body = {"description": "too big"} if method == "PATCH" else {**VALID[kind], "description": "too big"}
    assert_error(acct.send(method, path, _padded(json.dumps(body), SIZE + 1)), 413, "payload_too_large")
    # A 100k-character string cannot fit in 64 KiB either.
    assert_error(acct.send(method, path, json.dumps({**body, "description": "d" * 100_000})), 413, "payload_too_large")
    acct.unchanged()


def test_auth_bodies_of_exactly_64_kib_are_read_and_one_byte_more_is_413(acct: Account) -> None:
    user = acct.user
    # Login and register at exactly 64 KiB work.
    response = acct.send("POST", "/auth/login", _padded(json.dumps({"username": user.username, "password": user.password}), SIZE),
                         auth=False)
    assert response.status_code == 200, response.text
    name, password = unique_username("big"), strong_password()
    response = acct.send("POST", "/auth/register", _padded(json.dumps({"username": name, "password": password}), SIZE + 1),
                         auth=False)
    assert_error(response, 413, "payload_too_large")
    assert_error(acct.api.login(name, password), 401, "invalid_credentials")
    response = acct.send("POST", "/auth/register", _padded(json.dumps({"username": name, "password": password}), SIZE),
                         auth=False)
    assert response.status_code == 201, response.text
    # The token endpoints: 413 before anything is looked at, so the refresh token is not used up.
    for path, body in (("/auth/refresh", {"refresh": acct.pair["refresh"]}), ("/auth/logout", {"refresh": acct.pair["refresh"]}),
                       ("/auth/verify", {"token": acct.pair["refresh"]}), ("/auth/email/verify", {"token": "abc"}),
                       ("/auth/password/forgot", {"email": user.email}),
                       ("/auth/password/reset", {"token": "abc", "new_password": strong_password()})):
        assert_error(acct.send("POST", path, _padded(json.dumps(body), SIZE + 1), auth=False), 413, "payload_too_large")
    assert acct.send("POST", "/auth/verify", _padded(json.dumps({"token": acct.pair["refresh"]}), SIZE),
                     auth=False).status_code == 200
    # The mail routes read 64 KiB too: the answer is about the token, or taken.
    assert_invalid(acct.send("POST", "/auth/email/verify", _padded(json.dumps({"token": "abc"}), SIZE), auth=False),
                   "token")
    assert acct.send("POST", "/auth/password/forgot", _padded(json.dumps({"email": user.email}), SIZE),
                     auth=False).status_code == 202
    acct.unchanged()


# ---------------------------------------------------------------------------------------------------
# Content types: anything but application/json (charset utf-8 allowed) is 415

BAD_CONTENT_TYPES = [
    "text/plain", "application/x-www-form-urlencoded", "multipart/form-data; boundary=xyz", None,
    "application/json; charset=latin1", "application/json; charset=iso-8859-1", "application/json; charset=utf-16",
    "application/vnd.api+json", "application/json-patch+json", "text/json", "*/*", "application/*", "",
]
CT_IDS = ["text-plain", "form", "multipart", "missing", "charset-latin1", "charset-iso-8859-1", "charset-utf-16",
          "vnd-api-json", "json-patch", "text-json", "star-star", "application-star", "empty"]


@pytest.mark.parametrize("content_type", BAD_CONTENT_TYPES, ids=CT_IDS)
def test_a_wrong_content_type_is_415_everywhere_and_changes_nothing(acct: Account, content_type: str | None) -> None:
    registered = unique_username("ct")
    password = strong_password()
    auth_bodies = {
        "/auth/register": {"username": registered, "password": password},
        "/auth/login": {"username": acct.user.username, "password": acct.user.password},
        "/auth/refresh": {"refresh": acct.pair["refresh"]},
        "/auth/verify": {"token": acct.pair["refresh"]},
        "/auth/logout": {"refresh": acct.pair["refresh"]},
        "/auth/email/verify": {"token": acct.pair["refresh"]},
        "/auth/password/forgot": {"email": acct.user.email},
        "/auth/password/reset": {"token": acct.pair["refresh"], "new_password": strong_password()},
    }
    for path, body in auth_bodies.items():
        response = acct.send("POST", path, json.dumps(body), content_type, auth=False)
        assert response.status_code == 415, f"{path} with {content_type!r}: {response.status_code} {response.text}"
        assert_error(response, 415, "unsupported_media_type")
    for target, (method, path) in _targets(acct).items():
        kind = _kind(target)
        body = {"description": "changed"} if method == "PATCH" else {**VALID[kind], "month": unique_month()} \
            if kind == "budgets" else VALID[kind]
        response = acct.send(method, path, json.dumps(body), content_type)
        assert response.status_code == 415, f"{target} with {content_type!r}: {response.status_code} {response.text}"
        assert_error(response, 415, "unsupported_media_type")
    assert_error(acct.api.login(registered, password), 401, "invalid_credentials")
    acct.unchanged()


@pytest.mark.parametrize("content_type", ["application/json; charset=utf-8", "application/json;charset=UTF-8",
                                          'application/json; charset="utf-8"', "APPLICATION/JSON"])
def test_json_content_types_that_are_allowed(acct: Account, content_type: str) -> None:
    response = acct.send("POST", "/tasks", json.dumps({"title": "ok"}), content_type)
    assert response.status_code == 201, response.text
    assert acct.tasks.delete(response.json()["id"]).status_code == 204


# ---------------------------------------------------------------------------------------------------
# Unsupported methods on every path: 405 method_not_allowed with the right Allow

PATHS: dict[str, set[str]] = {
    "/health": {"GET"},
    "/openapi.json": {"GET"},
    "/docs": {"GET"},
    "/auth/register": {"POST"},
    "/auth/login": {"POST"},
    "/auth/refresh": {"POST"},
    "/auth/verify": {"POST"},
    "/auth/logout": {"POST"},
    "/auth/logout-all": {"POST"},
    "/auth/me": {"GET", "PATCH", "DELETE"},
    "/auth/password": {"POST"},
    "/auth/email/verification": {"POST"},
    "/auth/email/verify": {"POST"},
    "/auth/password/forgot": {"POST"},
    "/auth/password/reset": {"POST"},
    "/auth/sessions": {"GET"},
    "/auth/sessions/{session}": {"DELETE"},
    "/tasks": {"GET", "POST"},
    "/tasks/{task}": {"GET", "PUT", "PATCH", "DELETE"},
    "/expenses": {"GET", "POST"},
    "/expenses/{expense}": {"GET", "PUT", "PATCH", "DELETE"},
    "/budgets": {"GET", "POST"},
    "/budgets/{budget}": {"GET", "PUT", "PATCH", "DELETE"},
    "/budgets/summary": {"GET"},
}
METHODS = ["GET", "POST", "PUT", "PATCH", "DELETE"]


def test_the_openapi_document_lists_exactly_these_paths_and_methods(base_url: str) -> None:
    document = get_large(base_url, "/openapi.json").json()
    listed = {path: {m.upper() for m in ops if m in ("get", "post", "put", "patch", "delete")}
              for path, ops in document["paths"].items()}
    expected = {re.sub(r"\{(task|expense|budget|session)\}", "{id}", p): m
                for p, m in PATHS.items() if p not in ("/openapi.json", "/docs")}
    assert listed == expected, listed


@pytest.mark.parametrize("path", list(PATHS))
def test_an_unsupported_method_is_405_with_the_right_allow_and_changes_nothing(acct: Account, path: str) -> None:
    session = jwt_parts(acct.pair["access"])[1]["sid"]
    url = path.format(task=acct.task["id"], expense=acct.expense["id"], budget=acct.budget["id"], session=session)
    allowed = PATHS[path]
    for method in [m for m in METHODS if m not in allowed] + ["TRACE", "FOO"]:
        body = json.dumps({"title": "x", "amount": "1", "category": "FOOD", "refresh": acct.pair["refresh"]})
        response = acct.send(method, url, body)
        assert response.status_code == 405, f"{method} {url}: {response.status_code} {response.text[:300]}"
        assert_error(response, 405, "method_not_allowed")
        allow = {m.strip().upper() for m in response.headers["allow"].split(",") if m.strip()}
        assert allow - {"HEAD", "OPTIONS"} == allowed, f"{method} {url}: Allow: {response.headers['allow']}"
    acct.unchanged()

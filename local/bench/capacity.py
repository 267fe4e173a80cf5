"""What each kind of request costs in DynamoDB: read and write request units, counted.

Each scenario starts a release binary against perrequest.py's stand-in for the Lambda Runtime API,
with AWS_ENDPOINT_URL_DYNAMODB pointing at a counting proxy in front of DynamoDB Local. The proxy
adds "ReturnConsumedCapacity": "INDEXES" to every call, forwards it, records what DynamoDB Local
reports the call consumed, and passes the answer back untouched (its length and x-amz-crc32 are
DynamoDB Local's own; only the request changed, and DynamoDB Local does not check signatures).
Every request's calls are those the proxy saw between handing the function the event and its answer.

DynamoDB Local reports consumed capacity for every call that succeeds (transactions doubled, local
index writes included) but not in three cases, where the figure is computed from DynamoDB's published
rules ("DynamoDB read and write operations", Amazon DynamoDB Developer Guide) and marked †:
  - a transaction writing several items of one table: DynamoDB Local reports too few units (2 for
    three Puts to one table); every TransactWriteItems is computed by the rules (2 units per KB of
    each item, the larger of its stored and written sizes, and as much again per local index entry)
    and the rule's figure is taken where the two differ;
  - a write refused by its condition (ConditionalCheckFailedException): no capacity in the answer;
    DynamoDB charges it as a write of the stored item (1 unit per KB, at least 1);
  - a Query that finds nothing: DynamoDB Local reports 0; DynamoDB charges the minimum read of the
    partition searched: 1 unit strongly consistent, 0.5 eventually consistent.

It also reads the tasks, expenses and budgets tables' streams (DynamoDB Local's, directly) and counts
the records each request left: the realtime function reads the owner's connections once for each
record of a resource (guard items and idempotency records are skipped without a read). That read is
issued through the proxy as the function builds it (functions/realtime/src/connections.rs, of_owner),
for an owner with no connection, and its cost is the live-update column's.

Usage: capacity.py BIN_DIR [--requests N] [--only NAME ...] [--out FILE]
The environment names the tables, the JWT settings and DynamoDB Local's endpoint (local/bench/run
sets them). Prints a Markdown table; exits 1 if any request answered another status than expected.
"""

from __future__ import annotations

import argparse
import base64
import http.client
import json
import math
import os
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
import uuid
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Iterator

from coldstart import QuietHandler, QuietServer, signed_access_token
from perrequest import (PASSWORD, RuntimeApi, Scenario, answer_json, created_task, event, logins, refreshes,
                        registered_user, summaries, task_creates, task_gets, task_lists, task_patches)

READS = {"GetItem", "BatchGetItem", "Query", "Scan", "TransactGetItems"}
WRITES = {"PutItem", "UpdateItem", "DeleteItem", "BatchWriteItem", "TransactWriteItems"}
STREAMED = ("TASKS_TABLE", "EXPENSES_TABLE", "BUDGETS_TABLE")
GUARD_PREFIX = "UNIQUE#"


@dataclass(frozen=True)
class Call:
    operation: str
    tables: str
    read_units: float
    write_units: float
    computed: str = ""  # why the units are computed rather than reported; "" when DynamoDB Local reported them

    def label(self) -> str:
        return f"{self.operation} {self.tables}{' †' if self.computed else ''}"


def short(table: str) -> str:
    return table.removeprefix("bench-").removesuffix("Table")


def value_size(value: dict) -> int:
    """An attribute value's size as DynamoDB counts it."""
    (kind, inner), = value.items()
    if kind == "S":
        return len(inner.encode())
    if kind == "N":
        return len(inner.lstrip("-").replace(".", "").strip("0")) // 2 + 1
    if kind == "B":
        return len(base64.b64decode(inner))
    if kind in ("SS", "NS", "BS"):
        return sum(value_size({kind[0]: element}) for element in inner)
    if kind == "L":
        return 3 + sum(value_size(element) + 1 for element in inner)
    if kind == "M":
        return 3 + item_size(inner) + len(inner)
    return 1  # BOOL, NULL


def item_size(item: dict) -> int:
    return sum(len(name.encode()) + value_size(value) for name, value in item.items())


def write_units(size: int) -> int:
    return max(1, math.ceil(size / 1024))


class Tables:
    """Each table's key attributes and local indexes' sort keys (DescribeTable, once), and stored
    items, read from DynamoDB Local directly: these reads are the proxy's, not the function's."""

    def __init__(self, endpoint: str) -> None:
        self.endpoint = endpoint
        self.known: dict[str, tuple[list[str], list[str]]] = {}

    def schema(self, table: str) -> tuple[list[str], list[str]]:
        if table not in self.known:
            found = dynamodb(self.endpoint, "DynamoDB_20120810.DescribeTable", {"TableName": table})["Table"]
            keys = [key["AttributeName"] for key in found["KeySchema"]]
            sorts = [key["AttributeName"] for index in found.get("LocalSecondaryIndexes", [])
                     for key in index["KeySchema"] if key["KeyType"] == "RANGE"]
            self.known[table] = (keys, sorts)
        return self.known[table]

    def stored(self, actions: list[dict]) -> list[dict]:
        """The item each action of a transaction names, as stored now ({} if none)."""
        items = []
        for action in actions:
            (_, target), = action.items()
            key = target.get("Key") or {name: target["Item"][name] for name in self.schema(target["TableName"])[0]}
            answer = dynamodb(self.endpoint, "DynamoDB_20120810.GetItem",
                              {"TableName": target["TableName"], "Key": key, "ConsistentRead": True})
            items.append(answer.get("Item") or {})
        return items

    def transaction_units(self, actions: list[dict], before: list[dict], after: list[dict]) -> int:
        """TransactWriteItems by the rules: 2 units per KB of each item (the larger of its stored
        and written sizes; a ConditionCheck too), and as much again for each local index entry
        the item has or had (ALL projection: the item's size), two if its index key changed."""
        total = 0
        for action, old, new in zip(actions, before, after):
            (kind, target), = action.items()
            index_entries = 0 if kind == "ConditionCheck" else sum(
                len({json.dumps(item[sort_key]) for item in (old, new) if sort_key in item})
                for sort_key in self.schema(target["TableName"])[1])
            total += 2 * write_units(max(item_size(old), item_size(new))) * (1 + index_entries)
        return total


def measured(operation: str, request: dict, status: int, answer: dict, rule_units: int | None = None) -> Call:
    """The call's units: as DynamoDB Local reports them, or computed where it reports none or too
    few (rule_units: a transaction's units by the rules, which DynamoDB Local does not always report)."""
    reported = answer.get("ConsumedCapacity")
    entries = reported if isinstance(reported, list) else [reported] if reported else []
    tables = "+".join(sorted({short(e["TableName"]) for e in entries})
                      or {short(request.get("TableName", "?"))})
    units = sum(e.get("CapacityUnits", 0.0) for e in entries)
    computed = ""
    if status != 200 and answer.get("__type", "").endswith("ConditionalCheckFailedException"):
        stored = item_size(answer.get("Item") or {})
        units = max(1, math.ceil(max(stored, item_size(request.get("Item") or {})) / 1024))
        computed = f"{operation} on {tables} refused by its condition: {units:g} write unit(s) (stored item {stored} bytes)"
    elif status != 200:
        computed = f"{operation} on {tables} failed with {answer.get('__type')}: not priced"
    elif rule_units is not None and rule_units != units:
        computed = (f"TransactWriteItems on {tables}, {len(request['TransactItems'])} items: {rule_units} write units "
                    f"by the rules, DynamoDB Local reported {units:g}")
        units = rule_units
    elif operation == "Query" and units == 0:
        units = 1.0 if request.get("ConsistentRead") else 0.5
        computed = f"Query on {tables} found nothing: {units:g} read unit (the minimum)"
    if operation in READS:
        return Call(operation, tables, units, 0.0, computed)
    return Call(operation, tables, 0.0, units, computed)


class CountingProxy:
    """Between the function and DynamoDB Local: asks every call for its consumed capacity, records it."""

    def __init__(self, upstream: str) -> None:
        self.calls: list[Call] = []
        self.lock = threading.Lock()
        self.tables = Tables(upstream)
        target = urllib.parse.urlsplit(upstream)
        outer = self

        class Handler(QuietHandler):
            def do_POST(self):
                if not hasattr(self, "upstream"):
                    self.upstream = http.client.HTTPConnection(target.hostname, target.port, timeout=30)
                request = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
                operation = self.headers.get("X-Amz-Target", "").rpartition(".")[2]
                if operation in READS | WRITES:
                    request["ReturnConsumedCapacity"] = "INDEXES"
                actions = request.get("TransactItems", []) if operation == "TransactWriteItems" else []
                before = outer.tables.stored(actions)
                body = json.dumps(request).encode()
                skip = {"host", "content-length", "connection"}
                headers = {name: value for name, value in self.headers.items() if name.lower() not in skip}
                self.upstream.request("POST", self.path, body=body, headers=headers)
                response = self.upstream.getresponse()
                answer = response.read()
                if operation in READS | WRITES:
                    rule_units = None
                    if actions and response.status == 200:
                        rule_units = outer.tables.transaction_units(actions, before, outer.tables.stored(actions))
                    call = measured(operation, request, response.status, json.loads(answer), rule_units)
                    with outer.lock:
                        outer.calls.append(call)
                self.send_response_only(response.status)
                for name, value in response.getheaders():
                    if name.lower() not in ("content-length", "connection", "transfer-encoding"):
                        self.send_header(name, value)
                self.send_header("Content-Length", str(len(answer)))
                self.end_headers()
                self.wfile.write(answer)

        self.server = QuietServer.serving(Handler)

    @property
    def endpoint(self) -> str:
        return f"http://127.0.0.1:{self.server.port}"

    def since(self, mark: int) -> list[Call]:
        with self.lock:
            return self.calls[mark:]

    def mark(self) -> int:
        with self.lock:
            return len(self.calls)

    def close(self) -> None:
        self.server.stop()


def dynamodb(endpoint: str, target: str, body: dict) -> dict:
    """One raw call (DynamoDB Local ignores the signature; the credential names the account)."""
    request = urllib.request.Request(endpoint, data=json.dumps(body).encode(), method="POST", headers={
        "Content-Type": "application/x-amz-json-1.0", "X-Amz-Target": target,
        "Authorization": "AWS4-HMAC-SHA256 Credential=local/20260101/us-east-1/dynamodb/aws4_request, "
                         "SignedHeaders=host, Signature=0"})
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return json.loads(response.read())
    except urllib.error.HTTPError as err:
        raise DynamoDBError(target, json.loads(err.read()).get("__type", "").rpartition("#")[2]) from None


class DynamoDBError(Exception):
    def __init__(self, target: str, kind: str) -> None:
        super().__init__(f"{target}: {kind}")
        self.kind = kind


class StreamTail:
    """The records added to the resource tables' streams since the last look."""

    def __init__(self, endpoint: str, tables: list[str]) -> None:
        self.endpoint = endpoint
        self.streams = {table: dynamodb(endpoint, "DynamoDB_20120810.DescribeTable", {"TableName": table})
                        ["Table"]["LatestStreamArn"] for table in tables}
        self.iterators: dict[str, str | None] = {}
        # A new stream's shard is unreadable until its first record (DynamoDB Local answers
        # TrimmedDataAccessException), and that first record showed up late: write and delete an
        # item of this script's in each table, and wait for those records, before counting any.
        for table in tables:
            key = {"owner": {"S": "CAPACITY-PRIME"}, "id": {"S": "CAPACITY-PRIME"}}
            dynamodb(endpoint, "DynamoDB_20120810.PutItem", {"TableName": table, "Item": key})
            dynamodb(endpoint, "DynamoDB_20120810.DeleteItem", {"TableName": table, "Key": key})
        deadline, seen = time.monotonic() + 10, 0
        while seen < 2 * len(tables) and time.monotonic() < deadline:
            seen += len(self.drain())
            time.sleep(0.05)

    def call(self, operation: str, body: dict) -> dict:
        return dynamodb(self.endpoint, f"DynamoDBStreams_20120810.{operation}", body)

    def drain(self) -> list[tuple[str, bool]]:
        """(table, whether it is a resource's record) for each new record."""
        records = []
        for table, arn in self.streams.items():
            for shard in self.call("DescribeStream", {"StreamArn": arn})["StreamDescription"]["Shards"]:
                shard_id = shard["ShardId"]
                if shard_id not in self.iterators:
                    self.iterators[shard_id] = self.call("GetShardIterator", {
                        "StreamArn": arn, "ShardId": shard_id, "ShardIteratorType": "TRIM_HORIZON"})["ShardIterator"]
                while self.iterators[shard_id]:
                    try:
                        page = self.call("GetRecords", {"ShardIterator": self.iterators[shard_id]})
                    except DynamoDBError as err:
                        if err.kind != "TrimmedDataAccessException":
                            raise
                        del self.iterators[shard_id]  # DynamoDB Local's answer for a shard with no record yet
                        break
                    self.iterators[shard_id] = page.get("NextShardIterator")
                    for record in page["Records"]:
                        owner = record["dynamodb"]["Keys"]["owner"]["S"]
                        records.append((short(table), not owner.startswith(GUARD_PREFIX)))
                    if not page["Records"]:
                        break
        return records


def registrations(with_email: bool) -> Callable[[RuntimeApi], Iterator[bytes]]:
    def requests(api: RuntimeApi) -> Iterator[bytes]:
        while True:
            name = f"cap_{uuid.uuid4().hex[:12]}"
            body = {"username": name, "password": PASSWORD}
            if with_email:
                body["email"] = f"{name}@example.com"
            yield event("POST", "/auth/register", body=body)
    return requests


def login_pair(api: RuntimeApi, username: str) -> dict:
    answer = api.call(event("POST", "/auth/login", body={"username": username, "password": PASSWORD}))
    assert answer.get("statusCode") == 200, answer
    return answer_json(answer)


def wrong_passwords(api: RuntimeApi) -> Iterator[bytes]:
    username = registered_user(api)
    while True:
        yield event("POST", "/auth/login", body={"username": username, "password": "not the password 42"})


def logouts(api: RuntimeApi) -> Iterator[bytes]:
    username = registered_user(api)
    while True:
        yield event("POST", "/auth/logout", body={"refresh": login_pair(api, username)["refresh"]})


def me_reads(api: RuntimeApi) -> Iterator[bytes]:
    access = login_pair(api, registered_user(api))["access"]
    while True:
        yield event("GET", "/auth/me", token=access)


def task_deletes(api: RuntimeApi) -> Iterator[bytes]:
    token = signed_access_token()
    while True:
        yield event("DELETE", f"/tasks/{created_task(api, token)}", token=token)


def expense_creates(api: RuntimeApi) -> Iterator[bytes]:
    token = signed_access_token()
    while True:
        yield event("POST", "/expenses", token=token, body={"category": "FOOD", "amount": "12.34", "date": "2026-11-15"})


def expense_months(api: RuntimeApi) -> Iterator[bytes]:
    token = signed_access_token()
    for month, days in (("2026-10", 5), ("2026-11", 20), ("2026-12", 5)):
        for day in range(1, days + 1):
            answer = api.call(event("POST", "/expenses", token=token,
                                    body={"category": "FOOD", "amount": "12.34", "date": f"{month}-{day:02d}"}))
            assert answer.get("statusCode") == 201, answer
    while True:
        yield event("GET", "/expenses", token=token, query="from=2026-11-01&to=2026-11-30")


def budget_creates(api: RuntimeApi) -> Iterator[bytes]:
    token = signed_access_token()
    n = 0
    while True:
        month = f"{2030 + n // 12}-{n % 12 + 1:02d}"  # one budget per category and month
        n += 1
        yield event("POST", "/budgets", token=token, body={"category": "FOOD", "amount": "300.00", "month": month})


SCENARIOS = [
    Scenario("POST /auth/register", "auth", 201, registrations(with_email=False)),
    Scenario("POST /auth/register (with email)", "auth", 201, registrations(with_email=True)),
    Scenario("POST /auth/login", "auth", 200, logins),
    Scenario("POST /auth/login (wrong password)", "auth", 401, wrong_passwords),
    Scenario("POST /auth/refresh", "auth", 200, refreshes),
    Scenario("POST /auth/logout", "auth", 204, logouts),
    Scenario("GET /auth/me", "auth", 200, me_reads),
    Scenario("GET /tasks/{id}", "tasks", 200, task_gets),
    Scenario("GET /tasks (20 of 25)", "tasks", 200, task_lists),
    Scenario("POST /tasks", "tasks", 201, task_creates),
    Scenario("PATCH /tasks/{id}", "tasks", 200, task_patches),
    Scenario("DELETE /tasks/{id}", "tasks", 204, task_deletes),
    Scenario("POST /expenses", "finance", 201, expense_creates),
    Scenario("GET /expenses (a month: 20 of 30)", "finance", 200, expense_months),
    Scenario("POST /budgets", "finance", 201, budget_creates),
    Scenario("GET /budgets/summary (2 budgets, 20 expenses)", "finance", 200, summaries),
]


@dataclass
class Result:
    name: str
    binary: str
    requests: int
    init: list[Call]
    # Each distinct request (its calls and resource stream records) and how many were like it.
    shapes: Counter = field(default_factory=Counter)
    unexpected: Counter = field(default_factory=Counter)


def run(scenario: Scenario, bin_dir: Path, requests: int, proxy: CountingProxy, streams: StreamTail) -> Result:
    api = RuntimeApi()
    env = dict(os.environ)
    env.update({
        "AWS_ENDPOINT_URL_DYNAMODB": proxy.endpoint,
        "AWS_LAMBDA_RUNTIME_API": api.address,
        "AWS_LAMBDA_FUNCTION_NAME": scenario.binary,
        "AWS_LAMBDA_FUNCTION_MEMORY_SIZE": "1024",
        "AWS_LAMBDA_FUNCTION_VERSION": "$LATEST",
        "AWS_LAMBDA_LOG_STREAM_NAME": "bench",
        "AWS_LAMBDA_LOG_GROUP_NAME": "bench",
    })
    start = proxy.mark()
    process = subprocess.Popen([str(bin_dir / scenario.binary)], env=env, stdout=subprocess.DEVNULL,
                               stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 10
        while proxy.mark() == start and time.monotonic() < deadline:  # the init's warm-up read
            time.sleep(0.01)
        result = Result(scenario.name, scenario.binary, requests, proxy.since(start))
        source = scenario.requests(api)
        answer = None
        for _ in range(requests):
            body = next(source) if answer is None else source.send(answer)
            streams.drain()  # what the scenario's own setup wrote
            mark = proxy.mark()
            answer = api.call(body)
            calls = tuple(sorted(proxy.since(mark), key=Call.label))
            records = tuple(sorted(Counter(streams.drain()).items()))
            result.shapes[(calls, records)] += 1
            if answer.get("statusCode") != scenario.status:
                result.unexpected[str(answer.get("statusCode"))] += 1
    finally:
        process.kill()
        process.wait(timeout=10)
        api.close()
    return result


def fanout_read(proxy: CountingProxy) -> Call:
    """The realtime function's read of an owner's connections (dynamo::partition), nobody connected."""
    start = proxy.mark()
    dynamodb(proxy.endpoint, "DynamoDB_20120810.Query", {
        "TableName": os.environ["CONNECTIONS_TABLE"], "KeyConditionExpression": "#key = :value",
        "ExpressionAttributeNames": {"#key": "owner"},
        "ExpressionAttributeValues": {":value": {"S": uuid.uuid4().hex.upper()[:26]}},
        "ScanIndexForward": True, "ConsistentRead": True})
    return proxy.since(start)[0]


def units(value: float) -> str:
    return f"{value:g}"


def describe(calls: tuple[Call, ...]) -> str:
    counts = Counter(call.label() for call in calls)
    return ", ".join(f"{n}× {label}" if n > 1 else label for label, n in counts.items()) or "none"


def live_update(records: tuple, fanout: Call) -> str:
    resources = sum(n for (_, resource), n in records if resource)
    guards = sum(n for (_, resource), n in records if not resource)
    if not records:
        return "no record"
    text = f"{resources} × Query Connections = {units(resources * fanout.read_units)} RCU{' †' if fanout.computed else ''}"
    return text + (f" ({guards} guard record(s) skipped)" if guards else "")


def table(results: list[Result], fanout: Call) -> str:
    lines = ["| request | DynamoDB calls per request († computed) | RCU | WCU | live update: realtime per request, nobody connected |",
             "|---|---|---:|---:|---|"]
    notes: set[str] = set()
    for result in results:
        for (calls, records), n in result.shapes.most_common():
            notes.update(call.computed for call in calls if call.computed)
            share = "" if len(result.shapes) == 1 else f" ({n} of {result.requests})"
            flag = f" (unexpected status: {dict(result.unexpected)})" if result.unexpected else ""
            lines.append(f"| {result.name}{share}{flag} | {describe(calls)} | "
                         f"{units(sum(c.read_units for c in calls))} | {units(sum(c.write_units for c in calls))} | "
                         f"{live_update(records, fanout)} |")
    requests = {result.requests for result in results}
    lines += ["", f"Each row: {'/'.join(map(str, sorted(requests)))} requests of the kind; a kind whose requests differed has a row per variant."]
    lines += ["", "Computed (†), where DynamoDB Local reports no or too little capacity:"]
    lines += [f"- {note}" for note in sorted(notes | {fanout.computed} - {""})]
    lines += ["", "Cold start (each function's init, once per instance):"]
    for binary, init in sorted({r.binary: r.init for r in results}.items()):
        lines.append(f"- {binary}: {describe(tuple(init))}, {units(sum(c.read_units for c in init))} RCU")
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("bin_dir", type=Path)
    parser.add_argument("--requests", type=int, default=20)
    parser.add_argument("--only", nargs="*", default=None, help="scenario names that start with these")
    parser.add_argument("--out", type=Path, default=None, help="also write the table here")
    args = parser.parse_args()
    chosen = [s for s in SCENARIOS if not args.only or any(s.name.startswith(o) for o in args.only)]
    local = os.environ["AWS_ENDPOINT_URL_DYNAMODB"]
    proxy = CountingProxy(local)
    try:
        streams = StreamTail(local, [os.environ[name] for name in STREAMED])
        results = [run(scenario, args.bin_dir, args.requests, proxy, streams) for scenario in chosen]
        text = table(results, fanout_read(proxy))
    finally:
        proxy.close()
    print(text)
    if args.out:
        args.out.write_text(text + "\n")
    sys.exit(1 if any(result.unexpected for result in results) else 0)


if __name__ == "__main__":
    main()

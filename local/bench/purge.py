"""An account of 100,000 items deleted over HTTP, and its purge timed until nothing of it is left.

Against a running local stack (local/bench/purge starts one): registers a user, gives it sessions
and a WebSocket-free set of items of every kind written straight into DynamoDB Local
(BatchWriteItem: tasks with idempotency records, expenses, budgets with their guard items), sends
`DELETE /auth/me`, then counts the user's partitions in every table (strongly consistent Query,
Select=COUNT) every second until all are empty. Prints and writes a Markdown summary; exit 1 when
the purge did not finish within --time-limit.
"""

from __future__ import annotations

import argparse
import json
import secrets
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import boto3
import httpx
from botocore.config import Config


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--base-url", required=True)
    parser.add_argument("--dynamodb-endpoint", required=True)
    parser.add_argument("--tables-env", required=True, help="the stack's tables.env")
    parser.add_argument("--watch-log", help="the stack's watch.log, to count the purge's invocations")
    parser.add_argument("--items", type=int, default=100_000)
    parser.add_argument("--time-limit", type=float, default=900.0, help="seconds the purge may take")
    parser.add_argument("--out-dir", default="artifacts/bench")
    parser.add_argument("--stack-info", default="")
    return parser.parse_args()


def read_env(path: str) -> dict[str, str]:
    pairs = (line.split("=", 1) for line in Path(path).read_text().splitlines() if "=" in line and not line.startswith("#"))
    return {key.strip(): value.strip() for key, value in pairs}


def seed(dynamodb, tables: dict[str, str], owner: str, total: int) -> dict[str, int]:
    """Writes `total` items of the owner: 70 % tasks (1 in 10 with an idempotency record), 25 %
    expenses, 5 % budgets (each with its guard item)."""
    unique = f"UNIQUE#{owner}"
    items: dict[str, list[dict]] = {tables["TASKS_TABLE"]: [], tables["EXPENSES_TABLE"]: [], tables["BUDGETS_TABLE"]: []}
    counts = {"tasks": 0, "expenses": 0, "budgets": 0, "guards and records": 0}
    n = 0
    while sum(counts.values()) < total:
        n += 1
        item_id = f"01BENCH{n:019d}"
        kind = n % 20
        if kind < 14:
            items[tables["TASKS_TABLE"]].append({"owner": {"S": owner}, "id": {"S": item_id}, "title": {"S": f"task {n}"},
                                                 "version": {"N": "1"}})
            counts["tasks"] += 1
            if n % 10 == 0:
                items[tables["TASKS_TABLE"]].append({"owner": {"S": unique}, "id": {"S": f"IDEMPOTENCY#{n}"},
                                                     "item_id": {"S": item_id}})
                counts["guards and records"] += 1
        elif kind < 19:
            day = 1 + n % 28
            items[tables["EXPENSES_TABLE"]].append({"owner": {"S": owner}, "id": {"S": item_id},
                                                    "date_id": {"S": f"2026-11-{day:02d}#{item_id}"},
                                                    "amount": {"N": "1.50"}})
            counts["expenses"] += 1
        else:
            month = f"{2000 + n // 240:04d}-{1 + (n // 20) % 12:02d}"
            items[tables["BUDGETS_TABLE"]].append({"owner": {"S": owner}, "id": {"S": item_id},
                                                   "month_id": {"S": f"{month}#{item_id}"}, "amount": {"N": "100"}})
            items[tables["BUDGETS_TABLE"]].append({"owner": {"S": unique}, "id": {"S": f"{month}#FOOD{n}"},
                                                   "item_id": {"S": item_id}})
            counts["budgets"] += 1
            counts["guards and records"] += 1

    def write(table: str, batch: list[dict]) -> None:
        requests = {table: [{"PutRequest": {"Item": item}} for item in batch]}
        while requests:
            requests = dynamodb.batch_write_item(RequestItems=requests).get("UnprocessedItems") or {}

    with ThreadPoolExecutor(max_workers=8) as pool:
        futures = [pool.submit(write, table, rows[i:i + 25]) for table, rows in items.items() for i in range(0, len(rows), 25)]
        for future in futures:
            future.result()
    return counts


def left(dynamodb, tables: dict[str, str], owner: str) -> int:
    total = 0
    for variable, table in tables.items():
        if variable == "USERS_TABLE" or not variable.endswith("_TABLE"):
            continue
        description = dynamodb.describe_table(TableName=table)["Table"]
        partition_key = next(k["AttributeName"] for k in description["KeySchema"] if k["KeyType"] == "HASH")
        if partition_key != "owner":
            continue
        for value in (owner, f"UNIQUE#{owner}"):
            kwargs = {"TableName": table, "ConsistentRead": True, "Select": "COUNT",
                      "KeyConditionExpression": "#o = :o", "ExpressionAttributeNames": {"#o": "owner"},
                      "ExpressionAttributeValues": {":o": {"S": value}}}
            while True:
                page = dynamodb.query(**kwargs)
                total += page["Count"]
                if "LastEvaluatedKey" not in page:
                    break
                kwargs["ExclusiveStartKey"] = page["LastEvaluatedKey"]
    return total


def main() -> int:
    args = parse_args()
    tables = read_env(args.tables_env)
    dynamodb = boto3.client("dynamodb", endpoint_url=args.dynamodb_endpoint,
                            config=Config(connect_timeout=2, read_timeout=30, retries={"max_attempts": 5}))
    http = httpx.Client(base_url=args.base_url, timeout=30, trust_env=False)
    username, password = f"purge_{secrets.token_hex(4)}", secrets.token_urlsafe(16)
    registered = http.post("/auth/register", json={"username": username, "password": password})
    registered.raise_for_status()
    owner = registered.json()["id"]
    pairs = [http.post("/auth/login", json={"username": username, "password": password}).json() for _ in range(3)]

    started = time.monotonic()
    counts = seed(dynamodb, tables, owner, args.items)
    seeded = left(dynamodb, tables, owner)
    print(f"seeded {seeded:,} items of user {owner} in {time.monotonic() - started:.1f} s: {counts}", flush=True)

    invocations_before = count_invocations(args.watch_log)
    deleted = http.request("DELETE", "/auth/me", json={"password": password},
                           headers={"Authorization": f"Bearer {pairs[0]['access']}"})
    answered = time.monotonic()
    assert deleted.status_code == 204, deleted.text
    refused = http.get("/tasks", headers={"Authorization": f"Bearer {pairs[1]['access']}"})
    assert refused.status_code == 401, refused.text
    print(f"DELETE /auth/me answered 204 in {deleted.elapsed.total_seconds() * 1000:.0f} ms; "
          f"tokens refused at once (GET /tasks: {refused.status_code})", flush=True)

    samples = []
    remaining = seeded
    while remaining:
        if time.monotonic() - answered > args.time_limit:
            print(f"FAILED: {remaining:,} items left after {args.time_limit:.0f} s", file=sys.stderr)
            return 1
        time.sleep(1.0)
        remaining = left(dynamodb, tables, owner)
        samples.append((round(time.monotonic() - answered, 1), remaining))
        print(f"  {samples[-1][0]:7.1f} s: {remaining:,} left", flush=True)
    took = time.monotonic() - answered
    invocations = count_invocations(args.watch_log) - invocations_before

    summary = "\n".join([
        f"| account | purged in | rate | purge invocations |",
        f"|---|---:|---:|---:|",
        f"| {seeded:,} items ({counts['tasks']:,} tasks, {counts['expenses']:,} expenses, {counts['budgets']:,} budgets, "
        f"{counts['guards and records']:,} guard items and idempotency records) | {took:.1f} s | {seeded / took:,.0f} items/s "
        f"| {invocations if invocations >= 0 else 'n/a'} |",
        "",
        args.stack_info,
    ])
    print("\n" + summary)
    out = Path(args.out_dir)
    out.mkdir(parents=True, exist_ok=True)
    (out / "purge.md").write_text(summary + "\n")
    (out / "purge.json").write_text(json.dumps({"items": seeded, "seconds": took, "samples": samples,
                                                "invocations": invocations}, indent=1))
    return 0


def count_invocations(watch_log: str | None) -> int:
    """Invocations of the purge function so far (each logs one 'swept' line per sweep or a
    'time budget spent' line); -1 without a log."""
    if not watch_log or not Path(watch_log).exists():
        return -1
    text = Path(watch_log).read_text(errors="replace")
    return text.count('"message":"time budget spent') + text.count('"message":"account purged"')


if __name__ == "__main__":
    sys.exit(main())

"""Load test of the tasks endpoints against a running local stack (started by local/load/run).

What it does, every step bounded in count and time (--time-limit for the whole run):
  1. registers and logs in (over HTTP) a "small" user, a "big" user and --other-users users;
  2. gives the small user --small-tasks tasks over HTTP (POST /tasks), and checks that the item
     DynamoDB then holds has exactly the attributes and types this script writes;
  3. seeds the big user's --big-tasks tasks and --other-tasks tasks spread over the other users
     straight into DynamoDB Local with BatchWriteItem (time-ordered ULIDs made here), with the
     table's stream off meanwhile (see without_stream), and checks through the API that seeded
     tasks read back as written and list newest first;
  4. measures, for each user, --requests requests (after a short warm-up) at --concurrency of
     GET /tasks/{id}, GET /tasks (first page of 20), PATCH /tasks/{id} and POST /tasks;
  5. prints a Markdown table (and writes it to --out-dir) and compares GET /tasks between the
     two users: the contract says listing cost depends on the page size only.

Exit status: 0 when every request got its expected status and the list figures are flat, else 1.
Only the standard library, httpx and boto3 (both in the project venv).
"""

from __future__ import annotations

import argparse
import itertools
import json
import os
import random
import secrets
import statistics
import sys
import threading
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Callable

import boto3
import httpx
from botocore.config import Config

sys.dont_write_bytecode = True

CROCKFORD = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
STATUSES = ("pending", "in_progress", "completed")
PRIORITIES = ("low", "medium", "high")


class Deadline:
    def __init__(self, seconds: float) -> None:
        self.end = time.monotonic() + seconds

    def left(self) -> float:
        return self.end - time.monotonic()

    def check(self, what: str) -> None:
        if self.left() <= 0:
            raise SystemExit(f"load: out of time (--time-limit) during: {what}")


def log(message: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] load: {message}", file=sys.stderr, flush=True)


# ---------------------------------------------------------------------------------------------------
# Items exactly as the tasks function stores them (functions/tasks/src/domain.rs `Task`, serde_dynamo)


def ulid(ms: int, rng: random.Random) -> str:
    """A ULID string: 48-bit millisecond timestamp, then 80 random bits, Crockford base32."""
    value = (ms << 80) | rng.getrandbits(80)
    return "".join(CROCKFORD[(value >> (5 * i)) & 31] for i in reversed(range(26)))


def timestamp(ms: int) -> str:
    at = datetime.fromtimestamp(ms / 1000, timezone.utc)
    return at.strftime("%Y-%m-%dT%H:%M:%S.") + f"{ms % 1000:03d}Z"


def make_item(owner: str, ms: int, n: int, rng: random.Random) -> dict:
    """A task item in DynamoDB's typed form; `due_date` is absent on every third item (as stored)."""
    created = timestamp(ms)
    item = {
        "owner": {"S": owner},
        "id": {"S": ulid(ms, rng)},
        "title": {"S": f"seeded task {n}"},
        "description": {"S": "" if n % 2 else f"description of seeded task {n}"},
        "status": {"S": STATUSES[n % 3]},
        "priority": {"S": PRIORITIES[(n // 3) % 3]},
        "created_at": {"S": created},
        "updated_at": {"S": created},
        "version": {"N": "1"},
    }
    if n % 3:
        item["due_date"] = {"S": f"2027-{1 + n % 12:02d}-{1 + n % 28:02d}"}
    return item


def view_of(item: dict) -> dict:
    """The API's JSON for a stored item."""
    status = item["status"]["S"]
    return {
        "id": item["id"]["S"],
        "title": item["title"]["S"],
        "description": item["description"]["S"],
        "status": status,
        "completed": status == "completed",
        "due_date": item["due_date"]["S"] if "due_date" in item else None,
        "priority": item["priority"]["S"],
        "created_at": item["created_at"]["S"],
        "updated_at": item["updated_at"]["S"],
        "version": int(item["version"]["N"]),
    }


def shape(item: dict) -> dict[str, str]:
    return {name: next(iter(value)) for name, value in item.items()}


# ---------------------------------------------------------------------------------------------------
# HTTP


def client(base_url: str) -> httpx.Client:
    return httpx.Client(base_url=base_url, timeout=httpx.Timeout(30.0, connect=5.0), trust_env=False)


@dataclass
class User:
    label: str
    username: str
    password: str
    id: str
    access: str
    task_ids: list[str] = field(default_factory=list)

    @property
    def headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.access}"}


def register_and_login(http: httpx.Client, label: str) -> User:
    username = f"load_{label}_{uuid.uuid4().hex[:12]}"
    password = f"Load-{secrets.token_hex(8)}"
    response = http.post("/auth/register", json={"username": username, "password": password})
    if response.status_code != 201:
        raise SystemExit(f"load: registering {username} failed: {response.status_code} {response.text[:300]}")
    user = User(label, username, password, response.json()["id"], "")
    log_in(http, user)
    return user


def log_in(http: httpx.Client, user: User) -> None:
    """A fresh access token: seeding many tasks can outlast the first one (15 minutes)."""
    response = http.post("/auth/login", json={"username": user.username, "password": user.password})
    if response.status_code != 200:
        raise SystemExit(f"load: logging in {user.username} failed: {response.status_code} {response.text[:300]}")
    user.access = response.json()["access"]


# ---------------------------------------------------------------------------------------------------
# Seeding DynamoDB Local


def dynamodb(endpoint: str):
    return boto3.client(
        "dynamodb",
        endpoint_url=endpoint,
        region_name=os.environ.get("AWS_REGION", "us-east-1"),
        aws_access_key_id=os.environ.get("AWS_ACCESS_KEY_ID", "local"),
        aws_secret_access_key=os.environ.get("AWS_SECRET_ACCESS_KEY", "local"),
        config=Config(retries={"max_attempts": 3, "mode": "standard"}, max_pool_connections=16,
                      connect_timeout=5, read_timeout=60),
    )


def batch_write(ddb, table: str, items: list[dict], deadline: Deadline) -> None:
    """Writes up to 25 items, retrying what DynamoDB leaves unprocessed (at most 20 rounds)."""
    requests = {table: [{"PutRequest": {"Item": item}} for item in items]}
    for attempt in range(20):
        deadline.check("seeding")
        output = ddb.batch_write_item(RequestItems=requests)
        requests = output.get("UnprocessedItems") or {}
        if not requests:
            return
        time.sleep(min(0.05 * 2**attempt, 1.0))
    raise SystemExit("load: BatchWriteItem still left items unprocessed after 20 rounds")


@contextmanager
def without_stream(ddb, table: str):
    """The table's stream turned off while the block runs, and a new one on afterwards.

    Seeded items are a state the table starts from, not changes to deliver: a bulk import into
    DynamoDB (from S3) writes no stream records either. And in DynamoDB Local they would slow
    every later call on every table with a stream: it describes a table's stream on each call,
    looking through the stream records written since that stream's last one (measured: a GetItem
    on a table whose stream was empty took 7 ms beside 20,000 records of another table's stream
    and 42 ms beside 100,000; on a table without a stream, 1.1 ms). The local gateway drops the
    old stream and follows the new one from its start.
    """
    spec = ddb.describe_table(TableName=table)["Table"].get("StreamSpecification") or {}
    if not spec.get("StreamEnabled"):
        yield
        return
    ddb.update_table(TableName=table, StreamSpecification={"StreamEnabled": False})
    try:
        yield
    finally:
        ddb.update_table(TableName=table, StreamSpecification={"StreamEnabled": True,
                                                               "StreamViewType": spec["StreamViewType"]})


def seed(ddb, table: str, owners: list[str], per_owner: int, deadline: Deadline, workers: int,
         rng: random.Random) -> dict[str, list[dict]]:
    """per_owner items for each owner, 1 ms apart and in the past, so ids are time-ordered."""
    start_ms = int(time.time() * 1000) - 2 * 86_400_000
    by_owner = {owner: [make_item(owner, start_ms + n, n, rng) for n in range(per_owner)] for owner in owners}
    batches = [items[i:i + 25] for items in by_owner.values() for i in range(0, len(items), 25)]
    done = itertools.count(1)
    total = len(batches)
    items_total = sum(map(len, by_owner.values()))
    began = time.monotonic()

    def write(batch: list[dict]) -> None:
        batch_write(ddb, table, batch, deadline)
        n = next(done)
        if n % 400 == 0 or n == total:
            log(f"  {min(n * 25, items_total)}/{items_total} items written ({time.monotonic() - began:.0f} s)")

    with ThreadPoolExecutor(max_workers=workers) as pool:
        for _ in pool.map(write, batches, timeout=max(1.0, deadline.left())):
            pass
    return by_owner


# ---------------------------------------------------------------------------------------------------
# Measuring


FUNCTIONS = frozenset({"auth", "tasks", "finance", "docs", "realtime", "mailer", "purge"})
CLOCK_TICKS = os.sysconf("SC_CLK_TCK")


def processes() -> dict[int, tuple[int, str, float]]:
    """Every process: pid -> (parent pid, command name, CPU ms it has used, user + system)."""
    table = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            raw = (entry / "stat").read_text()
        except OSError:
            continue  # gone meanwhile
        name, rest = raw[raw.index("(") + 1:raw.rindex(")")], raw[raw.rindex(")") + 2:].split()
        table[int(entry.name)] = (int(rest[1]), name, (int(rest[11]) + int(rest[12])) * 1000 / CLOCK_TICKS)
    return table


@dataclass
class CpuShares:
    """CPU used so far by the stack's parts: the functions' processes, the rest of `cargo lambda
    watch`'s process tree (the emulator: its router and runtime API), and DynamoDB Local's."""
    watch_pid: int
    dynamodb_pid: int

    PARTS = ("functions", "cargo lambda watch", "DynamoDB Local")

    def sample(self) -> dict[str, float]:
        table = processes()
        children: dict[int, list[int]] = {}
        for pid, (parent, _, _) in table.items():
            children.setdefault(parent, []).append(pid)

        def tree(root: int) -> list[int]:
            found, todo = [], [root]
            while todo:
                pid = todo.pop()
                if pid in table:
                    found.append(pid)
                    todo.extend(children.get(pid, []))
            return found

        shares = dict.fromkeys(self.PARTS, 0.0)
        for pid in tree(self.watch_pid):
            _, name, cpu = table[pid]
            shares["functions" if name in FUNCTIONS else "cargo lambda watch"] += cpu
        shares["DynamoDB Local"] = sum(table[pid][2] for pid in tree(self.dynamodb_pid))
        return shares


@dataclass
class Result:
    endpoint: str
    user: str
    requests: int
    seconds: float
    latencies_ms: list[float]
    failures: list[str]
    # CPU ms per request of each part of the stack (CpuShares.PARTS), when the stack's pids are known.
    cpu_ms: dict[str, float] = field(default_factory=dict)

    @property
    def rate(self) -> float:
        return self.requests / self.seconds if self.seconds else 0.0

    def percentile(self, p: float) -> float:
        data = sorted(self.latencies_ms)
        if not data:
            return float("nan")
        index = min(len(data) - 1, max(0, round(p / 100 * len(data) + 0.5) - 1))  # nearest rank
        return data[index]


Request = Callable[[int, int], tuple[str, str, Any]]  # (i, worker) -> (method, path, json body)


def run_phase(base_url: str, user: User, endpoint: str, make: Request, expect: int, count: int, concurrency: int,
              deadline: Deadline, record: bool = True) -> Result:
    """`count` requests from `concurrency` threads (each its own connection); stops at the deadline."""
    counter = itertools.count()
    lock = threading.Lock()
    latencies: list[float] = []
    failures: list[str] = []

    def worker(w: int) -> None:
        with client(base_url) as http:
            while deadline.left() > 0:
                with lock:
                    i = next(counter)
                if i >= count:
                    return
                method, path, body = make(i, w)
                began = time.perf_counter()
                try:
                    response = http.request(method, path, json=body, headers=user.headers)
                    status, text = response.status_code, response.text
                except httpx.HTTPError as err:
                    status, text = 0, repr(err)
                elapsed = (time.perf_counter() - began) * 1000
                with lock:
                    latencies.append(elapsed)
                    if status != expect:
                        failures.append(f"{method} {path} -> {status} {text[:200]}")

    began = time.perf_counter()
    threads = [threading.Thread(target=worker, args=(w,), daemon=True) for w in range(concurrency)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=max(1.0, deadline.left() + 35))
    seconds = time.perf_counter() - began
    return Result(endpoint, user.label, len(latencies), seconds, latencies, failures)


def requests_for(user: User, concurrency: int) -> dict[str, tuple[Request, int]]:
    ids = list(user.task_ids)
    # PATCH: each worker its own tasks, so concurrent PATCHes never hit the same one.
    shares = [ids[w::concurrency] or ids for w in range(concurrency)]
    return {
        "GET /tasks/{id}": (lambda i, w: ("GET", f"/tasks/{ids[(i * 7919) % len(ids)]}", None), 200),
        "GET /tasks (first page of 20)": (lambda i, w: ("GET", "/tasks?limit=20", None), 200),
        "PATCH /tasks/{id}": (
            lambda i, w: ("PATCH", f"/tasks/{shares[w][i % len(shares[w])]}", {"priority": PRIORITIES[i % 3]}),
            200,
        ),
        "POST /tasks": (lambda i, w: ("POST", "/tasks", {"title": f"load {i}", "due_date": "2027-06-01"}), 201),
    }


# ---------------------------------------------------------------------------------------------------


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--base-url", required=True)
    parser.add_argument("--dynamodb-endpoint", required=True)
    parser.add_argument("--tasks-table", required=True)
    parser.add_argument("--out-dir", default="artifacts/load")
    parser.add_argument("--requests", type=int, default=300, help="measured requests per endpoint and user")
    parser.add_argument("--warmup", type=int, default=24, help="unmeasured requests first, per endpoint and user")
    parser.add_argument("--concurrency", type=int, default=8)
    parser.add_argument("--small-tasks", type=int, default=10)
    parser.add_argument("--big-tasks", type=int, default=5000)
    parser.add_argument("--other-tasks", type=int, default=100_000)
    parser.add_argument("--other-users", type=int, default=20)
    parser.add_argument("--seed-workers", type=int, default=4)
    parser.add_argument("--flat-ratio", type=float, default=1.5,
                        help="GET /tasks p50 of the big user over the small one's above which the list is not flat")
    parser.add_argument("--time-limit", type=float, default=480, help="seconds for the whole run")
    parser.add_argument("--stack-info", default="", help="a line about the stack, printed with the table")
    parser.add_argument("--watch-pid", type=int, help="cargo lambda watch's pid: CPU per request of its processes")
    parser.add_argument("--dynamodb-pid", type=int, help="DynamoDB Local's pid: CPU per request of its processes")
    args = parser.parse_args()
    if args.other_tasks % args.other_users:
        parser.error("--other-tasks must be a multiple of --other-users")

    deadline = Deadline(args.time_limit)
    rng = random.Random(20261123)
    ddb = dynamodb(args.dynamodb_endpoint)
    table = args.tasks_table

    # 1. Users, over HTTP.
    with client(args.base_url) as http:
        log(f"registering the small, the big and {args.other_users} other users")
        small = register_and_login(http, "small")
        big = register_and_login(http, "big")
        others = [register_and_login(http, f"other{n}") for n in range(args.other_users)]
        deadline.check("registering users")

        # 2. The small user's tasks over HTTP; the stored item is the model for the seeded ones.
        log(f"creating the small user's {args.small_tasks} tasks over HTTP")
        for n in range(args.small_tasks):
            body = {"title": f"small task {n}", "priority": PRIORITIES[n % 3], "due_date": "2027-01-15"}
            if n % 2:
                body["description"] = f"description {n}"
            response = http.post("/tasks", json=body, headers=small.headers)
            if response.status_code != 201:
                raise SystemExit(f"load: POST /tasks failed: {response.status_code} {response.text[:300]}")
            small.task_ids.append(response.json()["id"])
        stored = ddb.get_item(TableName=table, Key={"owner": {"S": small.id}, "id": {"S": small.task_ids[-1]}},
                              ConsistentRead=True).get("Item")
        if not stored:
            raise SystemExit(f"load: the task made over HTTP is not in {table} under owner {small.id}")
        model = make_item(small.id, 0, 1, rng)  # n=1: has a due date, like the stored one
        if shape(stored) != shape(model):
            raise SystemExit(f"load: seeded items would not have the stored shape:\n  stored {shape(stored)}\n"
                             f"  seeded {shape(model)}")
        response = http.get(f"/tasks/{small.task_ids[-1]}", headers=small.headers)
        if response.json() != view_of(stored):
            raise SystemExit(f"load: the API shows a stored item differently than expected: {response.text}")
        log(f"stored item shape matches: {shape(stored)}")

    # 3. The big user's and the other users' tasks, straight into DynamoDB Local.
    total = args.big_tasks + args.other_tasks
    log(f"seeding {total} tasks into {table} with BatchWriteItem ({args.seed_workers} threads)")
    began = time.monotonic()
    with without_stream(ddb, table):
        big_items = seed(ddb, table, [big.id], args.big_tasks, deadline, args.seed_workers, rng)[big.id]
        seed(ddb, table, [o.id for o in others], args.other_tasks // args.other_users, deadline, args.seed_workers, rng)
    seed_seconds = time.monotonic() - began
    log(f"seeded {total} items in {seed_seconds:.0f} s ({total / seed_seconds:.0f} items/s)")
    big.task_ids = [item["id"]["S"] for item in big_items]

    with client(args.base_url) as http:
        for user in (small, big):
            log_in(http, user)
        probe = big_items[len(big_items) // 2]
        response = http.get(f"/tasks/{probe['id']['S']}", headers=big.headers)
        if response.status_code != 200 or response.json() != view_of(probe):
            raise SystemExit(f"load: a seeded task does not read back as written: {response.status_code} "
                             f"{response.text[:300]}")
        page = http.get("/tasks?limit=20", headers=big.headers).json()
        newest = [view_of(item) for item in reversed(big_items[-20:])]
        if page.get("results") != newest or not page.get("next_cursor"):
            raise SystemExit("load: the big user's first page is not their 20 newest seeded tasks")
        response = http.get(f"/tasks/{probe['id']['S']}", headers=small.headers)
        if response.status_code != 404:
            raise SystemExit(f"load: another user's seeded task answered {response.status_code}, not 404")
    log("seeded tasks read back as written; the big user's first page is their 20 newest")

    # 4. Measure: endpoint by endpoint, the two users back to back (so that their figures share conditions).
    results: list[Result] = []
    shares = CpuShares(args.watch_pid, args.dynamodb_pid) if args.watch_pid and args.dynamodb_pid else None
    plans = {user.label: requests_for(user, args.concurrency) for user in (small, big)}
    for endpoint in plans["small"]:
        for user in (small, big):
            make, expect = plans[user.label][endpoint]
            deadline.check(f"measuring {endpoint}")
            warm = run_phase(args.base_url, user, endpoint, make, expect, args.warmup, args.concurrency, deadline)
            before = shares.sample() if shares else {}
            result = run_phase(args.base_url, user, endpoint, make, expect, args.requests, args.concurrency, deadline)
            if shares and result.requests:
                after = shares.sample()
                result.cpu_ms = {part: (after[part] - before[part]) / result.requests for part in CpuShares.PARTS}
            result.failures = warm.failures + result.failures
            results.append(result)
            log(f"{endpoint:<30} {user.label:<5} {result.requests} req, {result.rate:6.1f} req/s, "
                f"p50 {result.percentile(50):6.1f} ms, p99 {result.percentile(99):6.1f} ms"
                + (f", {len(result.failures)} FAILED" if result.failures else ""))

    # 5. Report.
    names = {"small": f"{args.small_tasks:,} tasks", "big": f"{args.big_tasks:,} tasks"}
    lines = [
        f"# Load: tasks endpoints on the local stack ({datetime.now(timezone.utc):%Y-%m-%d %H:%M} UTC)",
        "",
        f"Table holds {args.other_tasks:,} tasks of {args.other_users} other users, plus the two users' own "
        f"(the small user's made over HTTP, the big user's seeded). {args.requests} measured requests per row "
        f"after {args.warmup} warm-up ones, {args.concurrency} concurrent connections; "
        "latency is client-side, per request. POST and PATCH rows add/change tasks of that user.",
    ]
    if args.stack_info:
        lines += ["", args.stack_info]
    cpu_header = "".join(f" {part} CPU/req |" for part in CpuShares.PARTS) if shares else ""
    lines += [
        "",
        f"| endpoint | user | requests | req/s | p50 ms | p99 ms | failed |{cpu_header}",
        "|---|---|---:|---:|---:|---:|---:|" + ("---:|" * len(CpuShares.PARTS) if shares else ""),
    ]
    for r in results:
        cpu = "".join(f" {r.cpu_ms[part]:.2f} ms |" for part in CpuShares.PARTS) if r.cpu_ms else ""
        lines.append(f"| {r.endpoint} | {names[r.user]} | {r.requests} | {r.rate:.1f} | {r.percentile(50):.1f} | "
                     f"{r.percentile(99):.1f} | {len(r.failures)} |{cpu}")
    if shares:
        lines += ["", "CPU/req: CPU time (user + system, from /proc) each part of the stack used over a row's "
                  "measured requests, divided by their number; the load generator's own is in none of them."]

    def find(endpoint: str, label: str) -> Result:
        return next(r for r in results if r.endpoint == endpoint and r.user == label)

    ok = True
    lines += ["", "## Is listing flat in the user's size?", ""]
    for endpoint in ("GET /tasks (first page of 20)", "GET /tasks/{id}"):
        a, b = find(endpoint, "small"), find(endpoint, "big")
        ratio = b.percentile(50) / a.percentile(50) if a.percentile(50) else float("inf")
        flat = ratio <= args.flat_ratio or abs(b.percentile(50) - a.percentile(50)) <= 2.0
        lines.append(
            f"- {endpoint}: p50 {a.percentile(50):.1f} ms with {names['small']} vs {b.percentile(50):.1f} ms with "
            f"{names['big']} (x{ratio:.2f}); p99 {a.percentile(99):.1f} vs {b.percentile(99):.1f} ms; "
            f"{a.rate:.1f} vs {b.rate:.1f} req/s: **{'flat' if flat else 'NOT flat'}** "
            f"(threshold x{args.flat_ratio} or 2 ms)"
        )
        if endpoint.startswith("GET /tasks (") and not flat:
            ok = False
    failures = [f for r in results for f in r.failures]
    if failures:
        ok = False
        lines += ["", f"## {len(failures)} requests got an unexpected status", ""]
        lines += [f"- {f}" for f in failures[:20]]
    lines += ["", f"Seeding {total:,} items with BatchWriteItem took {seed_seconds:.0f} s.", ""]
    report = "\n".join(lines)
    print(report)

    out = Path(args.out_dir)
    out.mkdir(parents=True, exist_ok=True)
    stamp = datetime.now(timezone.utc).strftime("%Y%m%dT%H%M%SZ")
    (out / f"load-{stamp}.md").write_text(report)
    (out / "latest.md").write_text(report)
    (out / f"load-{stamp}.json").write_text(json.dumps(
        [{"endpoint": r.endpoint, "user": names[r.user], "requests": r.requests, "seconds": r.seconds,
          "req_per_s": r.rate, "p50_ms": r.percentile(50), "p99_ms": r.percentile(99),
          "mean_ms": statistics.fmean(r.latencies_ms) if r.latencies_ms else None, "failed": len(r.failures),
          "cpu_ms_per_request": r.cpu_ms}
         for r in results], indent=2))
    log(f"written to {out / f'load-{stamp}.md'} (and latest.md, load-{stamp}.json)")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())

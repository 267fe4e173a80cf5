"""What one request costs a function's own process: CPU time and resident memory.

Each scenario starts a release binary against a stand-in for the Lambda Runtime API (as
coldstart.py does) and DynamoDB Local, serves it WARMUP requests, then REQUESTS more of one kind,
one at a time as Lambda does, and reads the process's own accounting from /proc: CPU (user +
system, every thread) over the measured requests, and VmHWM / VmRSS after them. What DynamoDB
Local and this script spend is not in the figures; the runtime API's HTTP exchange is, as on Lambda.

The mailer's scenario sends through a stand-in for SES v2 (here, answering every SendEmail), its
user registered through the auth binary; the purge's scenario writes each account's items straight
into DynamoDB Local (as purge.py does) before the stream record that reports its deletion.

Usage: perrequest.py BIN_DIR [--requests N] [--warmup N] [--only NAME ...] [--against OTHER_BIN_DIR ...]
With --against, each scenario runs every build's process side by side, the requests taking turns
(one to each build, then again), so that a before and an after meet the same moments of a noisy
machine: compare them within one table, not across runs.
The environment names the tables, the JWT settings and the DynamoDB endpoint (local/bench/run sets
them). Prints a Markdown table; exits 1 if any request answered another status than expected.
"""

from __future__ import annotations

import argparse
import contextlib
import functools
import json
import os
import queue
import re
import subprocess
import sys
import time
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Iterator

import boto3
from botocore.config import Config

from coldstart import QuietHandler, QuietServer, signed_access_token
from purge import left, seed

API = "/2018-06-01/runtime"
TEMPLATE = json.loads((Path(__file__).resolve().parent.parent / "events" / "auth-me-no-token.json").read_text())
CLOCK_TICKS = os.sysconf("SC_CLK_TCK")
PASSWORD = "correct horse battery staple 42"


def event(method: str, path: str, *, body: dict | None = None, token: str | None = None, query: str = "",
          headers: dict | None = None) -> bytes:
    """An API Gateway HTTP API (payload 2.0) event."""
    value = json.loads(json.dumps(TEMPLATE))
    value["rawPath"] = value["requestContext"]["http"]["path"] = path
    value["requestContext"]["http"]["method"] = method
    value["requestContext"]["requestId"] = str(uuid.uuid4())
    value["rawQueryString"] = query
    value["headers"] = {"user-agent": "perrequest", **(headers or {})}
    if token:
        value["headers"]["authorization"] = f"Bearer {token}"
    if body is not None:
        value["headers"]["content-type"] = "application/json"
        value["body"] = json.dumps(body)
    return json.dumps(value).encode()


class RuntimeApi:
    """Hands the function one event at a time and takes its answer back."""

    def __init__(self) -> None:
        self.events: queue.Queue[bytes] = queue.Queue()
        self.answers: queue.Queue[dict] = queue.Queue()
        outer = self

        class Handler(QuietHandler):
            no_delay = True

            def do_GET(self):
                if self.path != f"{API}/invocation/next":
                    self.reply(404)
                    return
                self.hand_over(outer.events.get(), str(uuid.uuid4()))

            def do_POST(self):
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length) if length else b""
                try:
                    answer = json.loads(body) if self.path.endswith("/response") else {"statusCode": f"error {body[:200]!r}"}
                except ValueError:
                    answer = {"statusCode": "unparsable"}
                self.reply(202)
                outer.answers.put(answer)

        self.server = QuietServer.serving(Handler)

    @property
    def address(self) -> str:
        return f"127.0.0.1:{self.server.port}"

    def call(self, body: bytes) -> dict:
        self.events.put(body)
        try:
            return self.answers.get(timeout=60)
        except queue.Empty:
            sys.exit("the function did not answer within 60 s")

    def close(self) -> None:
        self.server.stop()


def lambda_env(api: RuntimeApi, binary: str) -> dict[str, str]:
    env = dict(os.environ)
    env.update({
        "AWS_LAMBDA_RUNTIME_API": api.address,
        "AWS_LAMBDA_FUNCTION_NAME": binary,
        "AWS_LAMBDA_FUNCTION_MEMORY_SIZE": "1024",
        "AWS_LAMBDA_FUNCTION_VERSION": "$LATEST",
        "AWS_LAMBDA_LOG_STREAM_NAME": "bench",
        "AWS_LAMBDA_LOG_GROUP_NAME": "bench",
    })
    # The realtime and purge functions need one; no owner here has a connection to post to.
    env.setdefault("WEBSOCKET_MANAGEMENT_ENDPOINT", "http://127.0.0.1:9")
    return env


class Function:
    """A release binary started against its own runtime API, stopped on leaving the block."""

    def __init__(self, bin_dir: Path, binary: str, env: dict[str, str] | None = None) -> None:
        self.api = RuntimeApi()
        self.process = subprocess.Popen([str(bin_dir / binary)], env={**lambda_env(self.api, binary), **(env or {})},
                                        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)

    def __enter__(self) -> "Function":
        return self

    def __exit__(self, *_) -> None:
        self.process.kill()
        self.process.wait(timeout=10)
        self.api.close()


@dataclass
class Bench:
    """What a scenario's requests have at hand: the measured function, and the release binaries
    (another function may set things up) and DynamoDB Local (the driver may write items itself)."""
    function: Function
    bin_dir: Path

    def call(self, body: bytes) -> dict:
        return self.function.api.call(body)

    @property
    def dynamodb(self):
        return local_dynamodb()


@functools.cache
def local_dynamodb():
    return boto3.client("dynamodb", endpoint_url=os.environ["AWS_ENDPOINT_URL_DYNAMODB"],
                        config=Config(connect_timeout=2, read_timeout=30, retries={"max_attempts": 5}))


def answer_json(answer: dict) -> dict:
    body = answer.get("body") or "{}"
    return json.loads(body)


@dataclass
class Scenario:
    name: str
    binary: str
    # The expected answer: an HTTP status, or None for a stream batch (no record failed).
    status: int | None
    # Given the bench, does what the measured requests need (through the same process: part of the
    # warm-up), then yields one request event after another; each answer is sent back in.
    requests: Callable[[Bench], Iterator[bytes]]
    # Settings of this scenario's process on top of the environment's (made when it runs).
    env: Callable[[], dict[str, str]] = dict


def registered_user(bench: Bench) -> str:
    username = f"bench_{uuid.uuid4().hex[:12]}"
    answer = bench.call(event("POST", "/auth/register", body={"username": username, "password": PASSWORD}))
    assert answer.get("statusCode") == 201, answer
    return username


def logins(bench: Bench) -> Iterator[bytes]:
    username = registered_user(bench)
    while True:
        yield event("POST", "/auth/login", body={"username": username, "password": PASSWORD})


def refreshes(bench: Bench) -> Iterator[bytes]:
    username = registered_user(bench)
    pair = answer_json(bench.call(event("POST", "/auth/login", body={"username": username, "password": PASSWORD})))
    while True:
        # Each answer's refresh token is the next request's (rotation): the driver sends answers back.
        answer = yield event("POST", "/auth/refresh", body={"refresh": pair["refresh"]})
        pair = answer_json(answer)


def created_task(bench: Bench, token: str) -> str:
    answer = bench.call(event("POST", "/tasks", token=token, body={"title": "bench"}))
    assert answer.get("statusCode") == 201, answer
    return answer_json(answer)["id"]


def unauthenticated_lists(bench: Bench) -> Iterator[bytes]:
    """A request that makes no DynamoDB call: what the Runtime API exchange, the event's parsing,
    routing, the answer and its log line cost on their own."""
    while True:
        yield event("GET", "/tasks")


def task_gets(bench: Bench) -> Iterator[bytes]:
    token = signed_access_token()
    task = created_task(bench, token)
    while True:
        yield event("GET", f"/tasks/{task}", token=token)


def task_creates(bench: Bench) -> Iterator[bytes]:
    token = signed_access_token()
    while True:
        yield event("POST", "/tasks", token=token, body={"title": "bench", "priority": "high"})


def task_patches(bench: Bench) -> Iterator[bytes]:
    token = signed_access_token()
    task = created_task(bench, token)
    n = 0
    while True:
        n += 1
        yield event("PATCH", f"/tasks/{task}", token=token, body={"title": f"bench {n}"})


def task_lists(bench: Bench) -> Iterator[bytes]:
    token = signed_access_token()
    for _ in range(25):
        created_task(bench, token)
    while True:
        yield event("GET", "/tasks", token=token, query="limit=20")


def summaries(bench: Bench) -> Iterator[bytes]:
    token = signed_access_token()
    for category, amount in (("FOOD", "300.00"), ("TRANSPORT", "80.00")):
        answer = bench.call(event("POST", "/budgets", token=token, body={"category": category, "amount": amount, "month": "2026-11"}))
        assert answer.get("statusCode") == 201, answer
    for day in range(1, 21):
        answer = bench.call(event("POST", "/expenses", token=token,
                                body={"category": "FOOD", "amount": "12.34", "date": f"2026-11-{day:02d}"}))
        assert answer.get("statusCode") == 201, answer
    while True:
        yield event("GET", "/budgets/summary", token=token, query="month=2026-11")


CROCKFORD = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"


def new_ulid() -> str:
    value = (int(time.time() * 1000) << 80) | int.from_bytes(os.urandom(10), "big")
    return "".join(CROCKFORD[(value >> shift) & 31] for shift in range(125, -1, -5))


def stream_removals(bench: Bench) -> Iterator[bytes]:
    """Stream batches of one REMOVE of a task whose owner has no connection: one Query each."""
    sequence = 0
    while True:
        sequence += 1
        keys = {"owner": {"S": new_ulid()}, "id": {"S": new_ulid()}}
        record = stream_record("TASKS_TABLE", sequence, "REMOVE", keys, OldImage=keys, StreamViewType="NEW_AND_OLD_IMAGES")
        yield json.dumps({"Records": [record]}).encode()


def stream_record(table_variable: str, sequence: int, event_name: str, keys: dict, **change) -> dict:
    arn = f"arn:aws:dynamodb:us-east-1:000000000000:table/{os.environ[table_variable]}/stream/2026-01-01T00:00:00.000"
    return {"eventID": f"event-{sequence}", "eventName": event_name, "eventVersion": "1.1", "eventSource": "aws:dynamodb",
            "awsRegion": "us-east-1", "eventSourceARN": arn,
            "dynamodb": {"Keys": keys, "SequenceNumber": str(sequence), "SizeBytes": 60,
                         "ApproximateCreationDateTime": int(time.time()), **change}}


@functools.cache
def ses_stand_in() -> "SesStandIn":
    return SesStandIn()


class SesStandIn:
    """Answers every SES v2 SendEmail with a new message id, and counts them per recipient."""

    def __init__(self) -> None:
        self.sent: dict[str, int] = {}
        outer = self

        class Handler(QuietHandler):
            no_delay = True

            def do_POST(self):
                request = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                found = self.path == "/v2/email/outbound-emails"
                body = json.dumps({"MessageId": str(uuid.uuid4())}).encode() if found else b"{}"
                if found:
                    for address in json.loads(request).get("Destination", {}).get("ToAddresses", []):
                        outer.sent[address] = outer.sent.get(address, 0) + 1
                self.reply(200 if found else 404, body, {"Content-Type": "application/json"})

        self.server = QuietServer.serving(Handler)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.port}"


def mails_sent(bench: Bench) -> Iterator[bytes]:
    """Stream batches of one outbox entry each (a verification mail to an unverified address):
    the mailer reads it and the user, counts it, stores the token's hash, sends it through SES and
    records the outcome."""
    email = f"bench_{uuid.uuid4().hex[:12]}@example.com"
    with Function(bench.bin_dir, "auth") as auth:
        answer = auth.api.call(event("POST", "/auth/register", body={"username": email.split("@")[0], "email": email,
                                                                       "password": PASSWORD}))
    assert answer.get("statusCode") == 201, answer
    owner = answer_json(answer)["id"]
    dynamodb, table, ses = bench.dynamodb, os.environ["MAIL_TABLE"], ses_stand_in()
    sequence = 0
    while True:
        sequence += 1
        keys = {"owner": {"S": owner}, "id": {"S": f"MAIL#{new_ulid()}"}}
        dynamodb.put_item(TableName=table, Item={
            **keys, "kind": {"S": "email_verification"}, "email": {"S": email},
            "requested_at": {"S": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())},
            "expires_at": {"N": str(int(time.time()) + 86_400)}, "attempts": {"N": "0"}, "counted": {"BOOL": False}})
        yield json.dumps({"Records": [stream_record("MAIL_TABLE", sequence, "INSERT", keys, NewImage=keys)]}).encode()
        # Not dropped: every entry went out through SES.
        assert ses.sent.get(email) == sequence, f"{sequence} mails requested, {ses.sent.get(email)} sent"


def purges(bench: Bench) -> Iterator[bytes]:
    """Stream batches of one deleted account each, with a session and 20 items of every kind
    (tasks, expenses, a budget and its guard item): both sweeps (no grace period here), every
    table's partitions queried and the items deleted."""
    dynamodb = bench.dynamodb
    tables = {name: value for name, value in os.environ.items() if name.endswith("_TABLE")}
    sequence = 0
    while True:
        sequence += 1
        owner = new_ulid()
        seed(dynamodb, tables, owner, 20)
        dynamodb.put_item(TableName=tables["SESSIONS_TABLE"], Item={
            "owner": {"S": owner}, "id": {"S": new_ulid()}, "expires_at": {"N": str(int(time.time()) + 86_400)}})
        keys = {"pk": {"S": f"USER#{owner}"}}
        yield json.dumps({"Records": [stream_record("USERS_TABLE", sequence, "REMOVE", keys, OldImage=keys)]}).encode()
        if sequence % 100 == 1:  # now and then, that nothing of the account is left
            assert left(dynamodb, tables, owner) == 0, f"account {owner} not purged"


def openapi_documents(bench: Bench) -> Iterator[bytes]:
    while True:
        yield event("GET", "/openapi.json", headers={"accept-encoding": "gzip"})


def swagger_bundles(bench: Bench) -> Iterator[bytes]:
    # The bundle's path as the page links it (in a folder named by Swagger UI's version).
    page = bench.call(event("GET", "/docs/"))
    assert page.get("statusCode") == 200, page
    bundle = re.search(r'"\./(swagger-ui-[0-9.]+/swagger-ui-bundle\.js)"', page.get("body", ""))
    assert bundle, page
    while True:
        yield event("GET", f"/docs/{bundle[1]}", headers={"accept-encoding": "gzip"})


SCENARIOS = [
    Scenario("POST /auth/login", "auth", 200, logins),
    Scenario("POST /auth/refresh", "auth", 200, refreshes),
    Scenario("GET /tasks without a token (401, no DynamoDB call)", "tasks", 401, unauthenticated_lists),
    Scenario("GET /tasks/{id}", "tasks", 200, task_gets),
    Scenario("POST /tasks", "tasks", 201, task_creates),
    Scenario("PATCH /tasks/{id}", "tasks", 200, task_patches),
    Scenario("GET /tasks (20 of 25)", "tasks", 200, task_lists),
    Scenario("GET /budgets/summary (2 budgets, 20 expenses)", "finance", 200, summaries),
    Scenario("stream batch: a task removed, owner not connected", "realtime", None, stream_removals),
    Scenario("stream batch: a verification mail sent", "mailer", None, mails_sent,
             env=lambda: {"AWS_ENDPOINT_URL_SESV2": ses_stand_in().url, "MAIL_HOURLY_LIMIT": "1000000000"}),
    Scenario("stream batch: a deleted account purged (22 items)", "purge", None, purges,
             env=lambda: {"LATE_WRITE_GRACE_SECONDS": "0"}),
    Scenario("GET /openapi.json (gzip)", "docs", 200, openapi_documents),
    Scenario("GET /docs/swagger-ui-bundle.js (gzip)", "docs", 200, swagger_bundles),
]


def cpu_ms(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) * 1000 / CLOCK_TICKS  # utime, stime


def memory_kib(pid: int) -> dict[str, int]:
    values = {}
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        name, _, rest = line.partition(":")
        if name in ("VmHWM", "VmRSS"):
            values[name] = int(rest.split()[0])
    return values


def run(scenario: Scenario, bin_dirs: list[Path], warmup: int, requests: int) -> list[dict]:
    with contextlib.ExitStack() as stack:
        benches = [Bench(stack.enter_context(Function(bin_dir, scenario.binary, scenario.env())), bin_dir)
                   for bin_dir in bin_dirs]
        return measured(scenario, benches, warmup, requests)


class Driver:
    """One build's process under a scenario: its requests, their answers, and what they cost."""

    def __init__(self, scenario: Scenario, bench: Bench) -> None:
        self.scenario, self.bench = scenario, bench
        self.source = scenario.requests(bench)
        self.answer: dict | None = None
        self.unexpected: dict[str, int] = {}
        self.start_cpu = self.wall = 0.0

    def start_measuring(self) -> None:
        self.start_cpu, self.wall = cpu_ms(self.bench.function.process.pid), 0.0

    def step(self) -> None:
        began = time.perf_counter()
        body = next(self.source) if self.answer is None else self.source.send(self.answer)
        self.answer = answer = self.bench.call(body)
        self.wall += time.perf_counter() - began
        if self.scenario.status is None and answer != {"batchItemFailures": []}:
            self.unexpected["failed records"] = self.unexpected.get("failed records", 0) + 1
        elif self.scenario.status is not None and answer.get("statusCode") != self.scenario.status:
            key = str(answer.get("statusCode"))
            self.unexpected[key] = self.unexpected.get(key, 0) + 1

    def result(self, requests: int) -> dict:
        pid = self.bench.function.process.pid
        memory = memory_kib(pid)
        return {"name": self.scenario.name, "binary": self.scenario.binary, "bin_dir": self.bench.bin_dir,
                "requests": requests, "cpu_ms": (cpu_ms(pid) - self.start_cpu) / requests,
                "wall_ms": self.wall * 1000 / requests, "hwm_mb": memory["VmHWM"] / 1024,
                "rss_mb": memory["VmRSS"] / 1024, "unexpected": self.unexpected}


def measured(scenario: Scenario, benches: list[Bench], warmup: int, requests: int) -> list[dict]:
    """Each build's process serves warmup + requests events; with several builds they take turns,
    one request each, so that whatever else this machine does falls on all of them alike."""
    drivers = [Driver(scenario, bench) for bench in benches]
    for index in range(warmup + requests):
        for driver in drivers:
            if index == warmup:
                driver.start_measuring()
            driver.step()
    return [driver.result(requests) for driver in drivers]


def turn_streams_off() -> None:
    """No scenario reads a stream (the stream batches are made here), and in DynamoDB Local every
    call on a table with a stream costs more the more records other tables' streams took since its
    own last one (see local/load/load.py, without_stream): thousands of purges would crawl."""
    dynamodb = local_dynamodb()
    for name, table in os.environ.items():
        if name.endswith("_TABLE"):
            spec = dynamodb.describe_table(TableName=table)["Table"].get("StreamSpecification") or {}
            if spec.get("StreamEnabled"):
                dynamodb.update_table(TableName=table, StreamSpecification={"StreamEnabled": False})


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("bin_dir", type=Path)
    parser.add_argument("--requests", type=int, default=10_000)
    parser.add_argument("--warmup", type=int, default=200)
    parser.add_argument("--only", nargs="*", default=None, help="scenario names that start with these")
    parser.add_argument("--against", type=Path, action="append", default=[], metavar="BIN_DIR",
                        help="other builds' binaries, run side by side with BIN_DIR's, taking turns request by request")
    args = parser.parse_args()
    chosen = [s for s in SCENARIOS if not args.only or any(s.name.startswith(o) for o in args.only)]
    bin_dirs = [args.bin_dir, *args.against]
    turn_streams_off()
    build = " | build" if args.against else ""
    ratio = " | CPU against the first" if args.against else ""
    print(f"| request ({args.requests} after {args.warmup} warm-up){build} | function | CPU per request | wall per request | VmHWM | VmRSS after{ratio} |")
    print(f"|---{'|---' if build else ''}|---|---:|---:|---:|---:{'|---:' if ratio else ''}|")
    failed = False
    for scenario in chosen:
        results = run(scenario, bin_dirs, args.warmup, args.requests)
        for result in results:
            note = f" (unexpected: {result['unexpected']})" if result["unexpected"] else ""
            failed |= bool(result["unexpected"])
            which = f" | {result['bin_dir']}" if build else ""
            against = f" | {result['cpu_ms'] / results[0]['cpu_ms']:.2f}" if ratio else ""
            print(f"| {result['name']}{note}{which} | {result['binary']} | {result['cpu_ms']:.3f} ms | {result['wall_ms']:.2f} ms | "
                  f"{result['hwm_mb']:.1f} MB | {result['rss_mb']:.1f} MB{against} |", flush=True)
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()

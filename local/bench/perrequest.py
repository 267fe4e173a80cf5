"""What one request costs a function's own process: CPU time and resident memory.

Each scenario starts a release binary against a stand-in for the Lambda Runtime API (as
coldstart.py does) and DynamoDB Local, serves it WARMUP requests, then REQUESTS more of one kind,
one at a time as Lambda does, and reads the process's own accounting from /proc: CPU (user +
system, every thread) over the measured requests, and VmHWM / VmRSS after them. What DynamoDB
Local and this script spend is not in the figures; the runtime API's HTTP exchange is, as on Lambda.

Usage: perrequest.py BIN_DIR [--requests N] [--warmup N] [--only NAME ...]
The environment names the tables, the JWT settings and the DynamoDB endpoint (local/bench/run sets
them). Prints a Markdown table; exits 1 if any request answered another status than expected.
"""

from __future__ import annotations

import argparse
import json
import os
import queue
import re
import socket
import subprocess
import sys
import time
import uuid
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Callable, Iterator

from coldstart import QuietServer, signed_access_token

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

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def setup(self):
                super().setup()
                # Headers and body go out in two writes: without this, Nagle's algorithm and the
                # function's delayed ACK add 40 ms to every exchange (wall time only, not CPU).
                self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

            def log_message(self, *args):
                pass

            def do_GET(self):
                if self.path != f"{API}/invocation/next":
                    self.send_response(404)
                    self.send_header("Content-Length", "0")
                    self.end_headers()
                    return
                body = outer.events.get()
                self.send_response(200)
                self.send_header("Lambda-Runtime-Aws-Request-Id", str(uuid.uuid4()))
                self.send_header("Lambda-Runtime-Deadline-Ms", str(int(time.time() * 1000) + 30_000))
                self.send_header("Lambda-Runtime-Invoked-Function-Arn", "arn:aws:lambda:us-east-1:123456789012:function:bench")
                self.send_header("Lambda-Runtime-Trace-Id", "Root=1-00000000-000000000000000000000000")
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def do_POST(self):
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length) if length else b""
                try:
                    answer = json.loads(body) if self.path.endswith("/response") else {"statusCode": f"error {body[:200]!r}"}
                except ValueError:
                    answer = {"statusCode": "unparsable"}
                self.send_response(202)
                self.send_header("Content-Length", "0")
                self.end_headers()
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


def answer_json(answer: dict) -> dict:
    body = answer.get("body") or "{}"
    return json.loads(body)


@dataclass
class Scenario:
    name: str
    binary: str
    # The expected answer: an HTTP status, or None for a stream batch (no record failed).
    status: int | None
    # Given the runtime API, does what the measured requests need (through the same process: part
    # of the warm-up), then yields one request event after another; each answer is sent back in.
    requests: Callable[[RuntimeApi], Iterator[bytes]]


def registered_user(api: RuntimeApi) -> str:
    username = f"bench_{uuid.uuid4().hex[:12]}"
    answer = api.call(event("POST", "/auth/register", body={"username": username, "password": PASSWORD}))
    assert answer.get("statusCode") == 201, answer
    return username


def logins(api: RuntimeApi) -> Iterator[bytes]:
    username = registered_user(api)
    while True:
        yield event("POST", "/auth/login", body={"username": username, "password": PASSWORD})


def refreshes(api: RuntimeApi) -> Iterator[bytes]:
    username = registered_user(api)
    pair = answer_json(api.call(event("POST", "/auth/login", body={"username": username, "password": PASSWORD})))
    while True:
        # Each answer's refresh token is the next request's (rotation): the driver sends answers back.
        answer = yield event("POST", "/auth/refresh", body={"refresh": pair["refresh"]})
        pair = answer_json(answer)


def created_task(api: RuntimeApi, token: str) -> str:
    answer = api.call(event("POST", "/tasks", token=token, body={"title": "bench"}))
    assert answer.get("statusCode") == 201, answer
    return answer_json(answer)["id"]


def task_gets(api: RuntimeApi) -> Iterator[bytes]:
    token = signed_access_token()
    task = created_task(api, token)
    while True:
        yield event("GET", f"/tasks/{task}", token=token)


def task_creates(api: RuntimeApi) -> Iterator[bytes]:
    token = signed_access_token()
    while True:
        yield event("POST", "/tasks", token=token, body={"title": "bench", "priority": "high"})


def task_patches(api: RuntimeApi) -> Iterator[bytes]:
    token = signed_access_token()
    task = created_task(api, token)
    n = 0
    while True:
        n += 1
        yield event("PATCH", f"/tasks/{task}", token=token, body={"title": f"bench {n}"})


def task_lists(api: RuntimeApi) -> Iterator[bytes]:
    token = signed_access_token()
    for _ in range(25):
        created_task(api, token)
    while True:
        yield event("GET", "/tasks", token=token, query="limit=20")


def summaries(api: RuntimeApi) -> Iterator[bytes]:
    token = signed_access_token()
    for category, amount in (("FOOD", "300.00"), ("TRANSPORT", "80.00")):
        answer = api.call(event("POST", "/budgets", token=token, body={"category": category, "amount": amount, "month": "2026-11"}))
        assert answer.get("statusCode") == 201, answer
    for day in range(1, 21):
        answer = api.call(event("POST", "/expenses", token=token,
                                body={"category": "FOOD", "amount": "12.34", "date": f"2026-11-{day:02d}"}))
        assert answer.get("statusCode") == 201, answer
    while True:
        yield event("GET", "/budgets/summary", token=token, query="month=2026-11")


CROCKFORD = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"


def new_ulid() -> str:
    value = (int(time.time() * 1000) << 80) | int.from_bytes(os.urandom(10), "big")
    return "".join(CROCKFORD[(value >> shift) & 31] for shift in range(125, -1, -5))


def stream_removals(api: RuntimeApi) -> Iterator[bytes]:
    """Stream batches of one REMOVE of a task whose owner has no connection: one Query each."""
    arn = f"arn:aws:dynamodb:us-east-1:000000000000:table/{os.environ['TASKS_TABLE']}/stream/2026-01-01T00:00:00.000"
    sequence = 0
    while True:
        sequence += 1
        keys = {"owner": {"S": new_ulid()}, "id": {"S": new_ulid()}}
        record = {"eventID": f"event-{sequence}", "eventName": "REMOVE", "eventVersion": "1.1",
                  "eventSource": "aws:dynamodb", "awsRegion": "us-east-1", "eventSourceARN": arn,
                  "dynamodb": {"Keys": keys, "OldImage": keys, "SequenceNumber": str(sequence), "SizeBytes": 60,
                               "StreamViewType": "NEW_AND_OLD_IMAGES"}}
        yield json.dumps({"Records": [record]}).encode()


def openapi_documents(api: RuntimeApi) -> Iterator[bytes]:
    while True:
        yield event("GET", "/openapi.json", headers={"accept-encoding": "gzip"})


def swagger_bundles(api: RuntimeApi) -> Iterator[bytes]:
    # The bundle's path as the page links it (in a folder named by Swagger UI's version).
    page = api.call(event("GET", "/docs/"))
    assert page.get("statusCode") == 200, page
    bundle = re.search(r'"\./(swagger-ui-[0-9.]+/swagger-ui-bundle\.js)"', page.get("body", ""))
    assert bundle, page
    while True:
        yield event("GET", f"/docs/{bundle[1]}", headers={"accept-encoding": "gzip"})


SCENARIOS = [
    Scenario("POST /auth/login", "auth", 200, logins),
    Scenario("POST /auth/refresh", "auth", 200, refreshes),
    Scenario("GET /tasks/{id}", "tasks", 200, task_gets),
    Scenario("POST /tasks", "tasks", 201, task_creates),
    Scenario("PATCH /tasks/{id}", "tasks", 200, task_patches),
    Scenario("GET /tasks (20 of 25)", "tasks", 200, task_lists),
    Scenario("GET /budgets/summary (2 budgets, 20 expenses)", "finance", 200, summaries),
    Scenario("stream batch: a task removed, owner not connected", "realtime", None, stream_removals),
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


def run(scenario: Scenario, bin_dir: Path, warmup: int, requests: int) -> dict:
    api = RuntimeApi()
    env = dict(os.environ)
    env.update({
        "AWS_LAMBDA_RUNTIME_API": api.address,
        "AWS_LAMBDA_FUNCTION_NAME": scenario.binary,
        "AWS_LAMBDA_FUNCTION_MEMORY_SIZE": "1024",
        "AWS_LAMBDA_FUNCTION_VERSION": "$LATEST",
        "AWS_LAMBDA_LOG_STREAM_NAME": "bench",
        "AWS_LAMBDA_LOG_GROUP_NAME": "bench",
    })
    # The realtime function needs one; the stream scenario's owners have no connection to post to.
    env.setdefault("WEBSOCKET_MANAGEMENT_ENDPOINT", "http://127.0.0.1:9")
    process = subprocess.Popen([str(bin_dir / scenario.binary)], env=env, stdout=subprocess.DEVNULL,
                               stderr=subprocess.DEVNULL)
    try:
        source = scenario.requests(api)
        unexpected: dict[str, int] = {}
        answer = None
        start_cpu = start_wall = 0.0
        for index in range(warmup + requests):
            if index == warmup:
                start_cpu, start_wall = cpu_ms(process.pid), time.perf_counter()
            body = next(source) if answer is None else source.send(answer)
            answer = api.call(body)
            if scenario.status is None and answer != {"batchItemFailures": []}:
                unexpected["failed records"] = unexpected.get("failed records", 0) + 1
            elif scenario.status is not None and answer.get("statusCode") != scenario.status:
                key = str(answer.get("statusCode"))
                unexpected[key] = unexpected.get(key, 0) + 1
        cpu = cpu_ms(process.pid) - start_cpu
        wall = (time.perf_counter() - start_wall) * 1000
        memory = memory_kib(process.pid)
    finally:
        process.kill()
        process.wait(timeout=10)
        api.close()
    return {"name": scenario.name, "binary": scenario.binary, "requests": requests, "cpu_ms": cpu / requests,
            "wall_ms": wall / requests, "hwm_mb": memory["VmHWM"] / 1024, "rss_mb": memory["VmRSS"] / 1024,
            "unexpected": unexpected}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("bin_dir", type=Path)
    parser.add_argument("--requests", type=int, default=10_000)
    parser.add_argument("--warmup", type=int, default=200)
    parser.add_argument("--only", nargs="*", default=None, help="scenario names that start with these")
    args = parser.parse_args()
    chosen = [s for s in SCENARIOS if not args.only or any(s.name.startswith(o) for o in args.only)]
    print(f"| request ({args.requests} after {args.warmup} warm-up) | function | CPU per request | wall per request | VmHWM | VmRSS after |")
    print("|---|---|---:|---:|---:|---:|")
    failed = False
    for scenario in chosen:
        result = run(scenario, args.bin_dir, args.warmup, args.requests)
        note = f" (unexpected: {result['unexpected']})" if result["unexpected"] else ""
        failed |= bool(result["unexpected"])
        print(f"| {result['name']}{note} | {result['binary']} | {result['cpu_ms']:.3f} ms | {result['wall_ms']:.2f} ms | "
              f"{result['hwm_mb']:.1f} MB | {result['rss_mb']:.1f} MB |", flush=True)
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()

"""Measures a function binary's cold start against a stand-in for the Lambda Runtime API.

For each run it starts the binary afresh and records, from the moment of exec:
  init   - until the binary first asks the runtime API for an event (`GET .../invocation/next`),
           i.e. config read, SDK client built, DynamoDB connection warmed;
  first  - until it posts its answer to that first event.
The event is an API Gateway HTTP API (payload 2.0) request. Prints a Markdown table row per event.

Usage: coldstart.py BINARY RUNS EVENT_NAME=EVENT_JSON_FILE [...]
The binary's environment (tables, JWT settings, DynamoDB endpoint, dummy AWS credentials) is inherited.
COLDSTART_MEMORY_MB (default 1024) is the memory size the function is told it has. With
COLDSTART_CPU_CGROUP (a cgroup v1 cpu folder, e.g. /sys/fs/cgroup/cpu/x, with its quota set), the
binary is moved into that cgroup: from exec, or only once it first asks for an event when
COLDSTART_QUOTA_AFTER_INIT=1 (Lambda's init phase is not held to the memory size's CPU share).
"""

import json
import os
import socket
import statistics
import subprocess
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

API = "/2018-06-01/runtime"


class Run:
    def __init__(self, event: bytes):
        self.event = event
        self.started = time.perf_counter()
        self.first_poll = None
        self.answered = None
        self.status = None
        self.done = threading.Event()
        self.served = False
        self.on_first_poll = lambda: None


class QuietHandler(BaseHTTPRequestHandler):
    """A stand-in's handler: keep-alive with explicit lengths, as the Runtime API and AWS speak,
    and no access log."""
    protocol_version = "HTTP/1.1"
    # TCP_NODELAY on each connection: with it, an answer's headers and body, written in two sends,
    # do not wait on Nagle's algorithm and the peer's delayed ACK (40 ms of wall time, not CPU).
    no_delay = False

    def setup(self):
        super().setup()
        if self.no_delay:
            self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

    def log_message(self, *args):
        pass

    def reply(self, status: int, body: bytes = b"", headers: dict[str, str] | None = None) -> None:
        self.send_response(status)
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def hand_over(self, event: bytes, request_id: str) -> None:
        """Answers the runtime's `GET .../invocation/next` with `event`, as the Runtime API does."""
        self.reply(200, event, {
            "Lambda-Runtime-Aws-Request-Id": request_id,
            "Lambda-Runtime-Deadline-Ms": str(int(time.time() * 1000) + 30_000),
            "Lambda-Runtime-Invoked-Function-Arn": "arn:aws:lambda:us-east-1:123456789012:function:bench",
            "Lambda-Runtime-Trace-Id": "Root=1-00000000-000000000000000000000000",
            "Content-Type": "application/json",
        })


def make_handler(current):
    class Handler(QuietHandler):
        def do_GET(self):
            run = current["run"]
            if self.path != f"{API}/invocation/next":
                self.reply(404)
                return
            if run.first_poll is None:
                run.first_poll = time.perf_counter()
                run.on_first_poll()
            if run.served:
                # Park the runtime's second poll until the process is killed.
                run.done.wait(30)
                return
            run.served = True
            self.hand_over(run.event, "coldstart-request")

        def do_POST(self):
            run = current["run"]
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(length) if length else b""
            if self.path.endswith("/response"):
                run.answered = time.perf_counter()
                try:
                    run.status = json.loads(body).get("statusCode")
                except ValueError:
                    run.status = "unparsable"
            else:
                run.answered = time.perf_counter()
                run.status = f"error: {body[:200]!r}"
            self.reply(202)
            run.done.set()

    return Handler


class QuietServer(ThreadingHTTPServer):
    daemon_threads = True

    @classmethod
    def serving(cls, handler) -> "QuietServer":
        """A server on a free loopback port, already serving from a background thread."""
        server = cls(("127.0.0.1", 0), handler)
        threading.Thread(target=server.serve_forever, daemon=True).start()
        return server

    @property
    def port(self) -> int:
        return self.server_address[1]

    def stop(self) -> None:
        self.shutdown()
        self.server_close()

    def handle_error(self, request, client_address):
        pass  # a killed process drops its parked poll; that is expected


def measure(binary, event):
    # A fresh server per run: the previous process polls again right after answering, and that
    # late poll must not reach this run's state.
    run = Run(event)
    server = QuietServer.serving(make_handler({"run": run}))
    env = dict(os.environ)
    env.update({
        "AWS_LAMBDA_RUNTIME_API": f"127.0.0.1:{server.port}",
        "AWS_LAMBDA_FUNCTION_NAME": "bench",
        "AWS_LAMBDA_FUNCTION_MEMORY_SIZE": os.environ.get("COLDSTART_MEMORY_MB", "1024"),
        "AWS_LAMBDA_FUNCTION_VERSION": "$LATEST",
        "AWS_LAMBDA_LOG_STREAM_NAME": "bench",
        "AWS_LAMBDA_LOG_GROUP_NAME": "bench",
        "RUST_LOG": "warn",
    })
    cgroup = os.environ.get("COLDSTART_CPU_CGROUP")
    after_init = os.environ.get("COLDSTART_QUOTA_AFTER_INIT") == "1"
    join = lambda pid: Path(cgroup, "cgroup.procs").write_text(str(pid))
    run.started = time.perf_counter()
    process = subprocess.Popen([binary], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                               preexec_fn=(lambda: join(os.getpid())) if cgroup and not after_init else None)
    if cgroup and after_init:
        run.on_first_poll = lambda: join(process.pid)
    finished = run.done.wait(60)
    process.kill()
    _, stderr = process.communicate(timeout=10)
    run.done.set()
    server.stop()
    if not finished or run.first_poll is None:
        sys.exit(f"the binary did not answer within 60 s; stderr:\n{stderr.decode(errors='replace')}")
    return (run.first_poll - run.started) * 1000, (run.answered - run.started) * 1000, run.status


def signed_access_token():
    """An access token signed as the auth function signs them (local/dev.env's secret), for a new
    user id, with the open session the functions look for (written to SESSIONS_TABLE)."""
    import base64, hashlib, hmac, uuid
    secret = os.environ["JWT_SECRET"].encode()
    b64 = lambda raw: base64.urlsafe_b64encode(raw).rstrip(b"=").decode()
    now = int(time.time())
    # A ULID-shaped subject: 26 Crockford base32 characters.
    alphabet = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
    value = (int(time.time() * 1000) << 80) | uuid.uuid4().int >> 48
    sub = "".join(alphabet[(value >> (5 * i)) & 31] for i in reversed(range(26)))
    claims = {"sub": sub, "jti": sub, "iat": now, "nbf": now, "exp": now + 3600,
              "iss": os.environ["JWT_ISSUER"], "aud": os.environ["JWT_AUDIENCE"], "token_type": "access",
              "sid": sub}
    signing_input = f"{b64(json.dumps({'alg': 'HS256', 'typ': 'JWT'}).encode())}.{b64(json.dumps(claims).encode())}"
    signature = b64(hmac.new(secret, signing_input.encode(), hashlib.sha256).digest())
    import boto3
    boto3.client("dynamodb").put_item(TableName=os.environ["SESSIONS_TABLE"], Item={"owner": {"S": sub}, "id": {"S": sub}})
    return f"{signing_input}.{signature}"


def make_authenticated_get(path, url_path, query=""):
    """GET url_path?query with an access token signed like the auth function would, with local/dev.env."""
    with open(os.path.join(os.path.dirname(__file__), "..", "events", "auth-me-no-token.json")) as f:
        event = json.load(f)
    event["rawPath"] = event["requestContext"]["http"]["path"] = url_path
    event["rawQueryString"] = query
    event["headers"] = {"authorization": f"Bearer {signed_access_token()}"}
    with open(path, "w") as f:
        json.dump(event, f)


def main():
    if sys.argv[1] == "--make-authenticated-get":
        make_authenticated_get(*sys.argv[2:])
        return
    binary, runs, events = sys.argv[1], int(sys.argv[2]), sys.argv[3:]
    print("| first event | status | init: exec → first poll (median / min / max ms) | first answer: exec → response (median / min / max ms) |")
    print("|---|---|---|---|")
    for spec in events:
        name, path = spec.split("=", 1)
        with open(path, "rb") as f:
            event = f.read()
        inits, answers, statuses = [], [], set()
        for _ in range(runs):
            init_ms, answer_ms, status = measure(binary, event)
            inits.append(init_ms)
            answers.append(answer_ms)
            statuses.add(str(status))
        fmt = lambda xs: f"{statistics.median(xs):.1f} / {min(xs):.1f} / {max(xs):.1f}"
        print(f"| {name} | {', '.join(sorted(statuses))} | {fmt(inits)} | {fmt(answers)} |")


if __name__ == "__main__":
    main()

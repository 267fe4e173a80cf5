"""Checks the functions' logs of an end-to-end run: no secret in them, and a request id on each line.

The e2e suite (tests/e2e/conftest.py) records every exchange it made (method, path, status and the
`x-request-id` the function answered) and every secret it sent or received (passwords, access and
refresh tokens, including forged ones) into a JSON file. This script then reads the stack's logs
(`cargo lambda watch` output, where the functions write one JSON object per line, as Lambda does in
the cloud) and fails when:

  1. a password, a token (or its signature alone), or a password hash (or its salt or digest alone,
     read from the users table) appears anywhere in the logs;
  2. a function's log line was written outside an invocation, so without a request id (the few
     lines a function writes while it starts are listed in INIT_MESSAGES);
  3. an exchange has no `x-request-id`, or its request id does not have exactly one access-log line
     with the same method, path and status.

    ~/.cache/taskapi/venv/bin/python tests/logs/check_logs.py --record STATE/e2e-record.json \\
        --log STATE/watch.log --tables-env STATE/tables.env

Needs the dummy AWS environment and AWS_ENDPOINT_URL_DYNAMODB of the stack (local/test sets them).
"""

from __future__ import annotations

import argparse
import json
import sys
from collections import defaultdict
from pathlib import Path
from typing import Any, Iterable

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # tests/: stack_files
from stack_files import read_env_file, scan  # noqa: E402

# A secret shorter than this could match ordinary log text by chance ("password", a short id).
MIN_SECRET_LENGTH = 12
# What a function may log while it starts, before any invocation (so without a request id): its
# DynamoDB warm-up, and lambda_runtime's note about the AWS_LAMBDA_MAX_CONCURRENCY=1 that `cargo
# lambda watch` sets.
INIT_MESSAGES = ("DynamoDB warm-up failed", "DynamoDB connection warmed", "AWS_LAMBDA_MAX_CONCURRENCY is set")
ACCESS_LOG_MESSAGE = "request"
# The e2e suite makes thousands of requests; a record much smaller than that means it was not written
# by a whole run.
MIN_EXCHANGES = 500


def fail(problems: list[str], what: str, items: Iterable[str], limit: int = 10) -> None:
    items = list(items)
    if items:
        shown = "\n    ".join(items[:limit])
        more = f"\n    ... and {len(items) - limit} more" if len(items) > limit else ""
        problems.append(f"{what} ({len(items)}):\n    {shown}{more}")


def password_hashes(users_table: str) -> list[str]:
    return [item["password_hash"] for item in scan(users_table, ProjectionExpression="password_hash")
            if "password_hash" in item]


def secret_fragments(secrets: Iterable[str], hashes: Iterable[str]) -> set[str]:
    """Every secret, and the parts of it that are secret on their own."""
    fragments = set()
    for secret in secrets:
        fragments.add(secret)
        parts = secret.split(".")
        if len(parts) == 3:  # a JWT: its signature alone is enough to replay nothing, but is still secret
            fragments.add(parts[2])
    for phc in hashes:  # $argon2id$v=19$m=12288,t=3,p=1$<salt>$<digest>
        fragments.add(phc)
        fragments.update(phc.split("$")[-2:])
    return {fragment for fragment in fragments if len(fragment) >= MIN_SECRET_LENGTH}


def function_lines(log_paths: list[Path]) -> tuple[list[dict[str, Any]], list[str]]:
    """The functions' JSON log lines, and every raw line (secrets must not be in either)."""
    records, raw = [], []
    for path in log_paths:
        for line in path.read_text(errors="replace").splitlines():
            raw.append(line)
            text = line.strip()
            if text.startswith("{"):
                try:
                    record = json.loads(text)
                except ValueError:
                    continue
                if isinstance(record, dict) and "level" in record:
                    records.append(record)
    return records, raw


def request_id_of(record: dict[str, Any]) -> str | None:
    span = record.get("span") or {}
    if span.get("requestId"):
        return span["requestId"]
    for outer in record.get("spans") or []:
        if outer.get("requestId"):
            return outer["requestId"]
    return None


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--record", type=Path, required=True, help="the e2e suite's record (E2E_RECORD)")
    parser.add_argument("--log", type=Path, action="append", required=True, help="a log file (repeatable)")
    parser.add_argument("--tables-env", type=Path, required=True, help="the stack's tables.env (USERS_TABLE)")
    args = parser.parse_args()

    if not args.record.is_file():
        print(f"logs: FAIL: no record at {args.record}: the e2e step did not write one", file=sys.stderr)
        return 1
    record = json.loads(args.record.read_text())
    exchanges: list[dict[str, Any]] = record["exchanges"]
    tables = read_env_file(args.tables_env)
    hashes = password_hashes(tables["USERS_TABLE"])
    fragments = secret_fragments(record["secrets"], hashes)
    lines, raw = function_lines(args.log)

    problems: list[str] = []
    if len(exchanges) < MIN_EXCHANGES:
        problems.append(f"the record holds only {len(exchanges)} exchanges (at least {MIN_EXCHANGES} expected)")
    if not hashes:
        problems.append("the users table holds no password hash: nothing to look for")
    if not lines:
        problems.append(f"no JSON log line from a function in {', '.join(map(str, args.log))}")

    # 1. No secret anywhere, in any line of any log (also the emulator's and the gateway's).
    leaks = []
    for number, line in enumerate(raw, 1):
        for fragment in fragments:
            if fragment in line:
                leaks.append(f"line {number}: {line.replace(fragment, '<SECRET>')[:200]}")
                break
    fail(problems, "log lines that contain a password, token or password hash", leaks)

    # 2. Every line written during an invocation carries its request id.
    orphans = [
        json.dumps(line)[:200]
        for line in lines
        if request_id_of(line) is None
        and not str((line.get("fields") or {}).get("message", "")).startswith(INIT_MESSAGES)
    ]
    fail(problems, "function log lines without a request id", orphans)

    # 3. Each exchange: a request id, and exactly one access-log line under it that matches.
    access: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for line in lines:
        fields = line.get("fields") or {}
        request_id = request_id_of(line)
        if fields.get("message") == ACCESS_LOG_MESSAGE and request_id:
            access[request_id].append(fields)
    missing_id, unmatched = [], []
    for exchange in exchanges:
        where = f"{exchange['method']} {exchange['path']} -> {exchange['status']}"
        request_id = exchange.get("request_id")
        if not request_id:
            missing_id.append(where)
            continue
        logged = access.get(request_id, [])
        matches = [
            fields for fields in logged
            if fields.get("method") == exchange["method"]
            and fields.get("path") == exchange["path"]
            and fields.get("status") == exchange["status"]
        ]
        if len(logged) != 1 or len(matches) != 1:
            unmatched.append(f"{where} (request id {request_id}): {len(logged)} access lines {logged[:2]}")
    fail(problems, "exchanges answered without x-request-id", missing_id)
    fail(problems, "exchanges without exactly one matching access-log line", unmatched)

    checked = f"{len(exchanges)} exchanges, {len(fragments)} secrets, {len(lines)} function log lines"
    if problems:
        print(f"logs: FAIL ({checked}):", file=sys.stderr)
        for problem in problems:
            print(f"  - {problem}", file=sys.stderr)
        return 1
    print(f"logs: OK: {checked}; no secret in {len(raw)} log lines; every line of an invocation carries "
          f"its request id; every exchange has exactly one access-log line under its own request id")
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""What the test scripts read from the local stack besides HTTP (its env files and its tables), and
how they get a large answer past the local emulator's own lost answers.

Shared by the e2e suite (tests/e2e), the logs check (tests/logs), the fault test (tests/fault) and
the contract tests (tests/contract), which put this folder on sys.path. DynamoDB access needs the stack's dummy AWS environment and
AWS_ENDPOINT_URL_DYNAMODB (local/test exports them).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import boto3
import httpx

# `cargo lambda watch` now and then loses a large answer of a function and sends its own 500 in this
# shape, never the API's (tests/contract/README.md, "The emulator's own 500").
EMULATOR_500 = '"type":"https://httpstatuses.com/500"'


def read_env_file(path: Path) -> dict[str, str]:
    """KEY=VALUE lines (local/dev.env, the stack's tables.env); blank lines and # comments skipped."""
    values: dict[str, str] = {}
    for line in path.read_text().splitlines():
        line = line.strip()
        if line and not line.startswith("#") and "=" in line:
            key, value = line.split("=", 1)
            values[key.strip()] = value.strip()
    return values


def scan(table_name: str, **options: Any) -> list[dict[str, Any]]:
    """Every item of a table (following LastEvaluatedKey); `options` go to each Scan call."""
    table = boto3.resource("dynamodb").Table(table_name)
    items: list[dict[str, Any]] = []
    start = None
    while True:
        page = table.scan(**options, **({"ExclusiveStartKey": start} if start else {}))
        items += page["Items"]
        start = page.get("LastEvaluatedKey")
        if not start:
            return items


def get_past_emulator_faults(client: httpx.Client, path: str, attempts: int = 4, **options: Any) -> httpx.Response:
    """GET `path` (`options` go to `client.get`), fetched again (at most `attempts` times in all,
    saying so) only while the answer is the emulator's own 500; any other answer, or the last one,
    is returned as it is."""
    response = client.get(path, **options)
    for attempt in range(1, attempts):
        if not (response.status_code == 500 and EMULATOR_500 in response.text):
            break
        print(f"GET {path}, attempt {attempt}: the emulator's own 500; fetching it again", flush=True)
        response = client.get(path, **options)
    return response

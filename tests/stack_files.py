"""What the test scripts read from the local stack besides HTTP: its env files and its tables.

Shared by the e2e suite (tests/e2e), the logs check (tests/logs) and the fault test (tests/fault),
which put this folder on sys.path. DynamoDB access needs the stack's dummy AWS environment and
AWS_ENDPOINT_URL_DYNAMODB (local/test exports them).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import boto3


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

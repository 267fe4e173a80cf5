"""What the test scripts read from the local stack besides HTTP (its env files and its tables), and
how they get a large answer past the local emulator's own lost answers.

Shared by the e2e suite (tests/e2e), the logs check (tests/logs), the fault test (tests/fault) and
the contract tests (tests/contract), which put this folder on sys.path. DynamoDB access needs the stack's dummy AWS environment and
AWS_ENDPOINT_URL_DYNAMODB (local/test exports them).
"""

from __future__ import annotations

import base64
import hashlib
import secrets
import time
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



# Mail tokens as the mailer makes them (functions/auth/src/domain/mail.rs): the user's ULID as 16
# bytes, then 32 random bytes, in unpadded URL-safe base64; only the SHA-256 of the 48 bytes is stored.
_CROCKFORD = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"


def ulid_bytes(ulid: str) -> bytes:
    value = 0
    for char in ulid.upper():
        value = value * 32 + _CROCKFORD.index(char)
    return value.to_bytes(16, "big")


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def token_hash(token: str) -> str:
    """What the mail table stores a token under: the SHA-256 (hex) of its raw bytes."""
    return hashlib.sha256(base64.urlsafe_b64decode(token + "=" * (-len(token) % 4))).hexdigest()


def issue_mail_token(mail_table: str, user_id: str, kind: str, email: str, expires_in: int = 3600) -> str:
    """A token as the mailer issues one, stored under the user in the mail table with its kind
    (`email_verification` or `password_reset`), the address it was "sent" to and its expiry: for tests
    that need a token without waiting for a mail."""
    token = b64url(ulid_bytes(user_id) + secrets.token_bytes(32))
    boto3.resource("dynamodb").Table(mail_table).put_item(Item={
        "owner": user_id,
        "id": f"TOKEN#{token_hash(token)}",
        "kind": kind,
        "email": email,
        "expires_at": int(time.time()) + expires_in,
    })
    return token

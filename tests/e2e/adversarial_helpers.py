"""Helpers shared by the adversarial suites (test_forgery.py, test_bad_input.py). Forged JWTs
(`resign`, `keep_signature`, `alg_none`) are built with conftest's helpers.

- `raw_request`: one HTTP/1.1 request written byte for byte on a socket, for what httpx (h11) refuses
  to send: header values with trailing whitespace or bytes outside ASCII. It fails the test on a 5xx
  and on a 4xx that is not JSON, like conftest's `_check_response` does for httpx.
"""

from __future__ import annotations

import json
import socket
import time
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

import pytest

UNKNOWN_USER_ID = "01ARZ3NDEKTSV4RRFFQ69G5FAV"  # a well-formed ULID no user of the stack has


def now_s() -> int:
    return int(time.time())


# ---------------------------------------------------------------------------------------------------
# Raw HTTP


@dataclass
class RawResponse:
    status_code: int
    headers: dict[str, str]  # lower-case names; repeated headers joined with ", "
    content: bytes
    method: str = ""
    path: str = ""
    extra: dict = field(default_factory=dict)

    @property
    def text(self) -> str:
        return self.content.decode("utf-8", "replace")

    def json(self) -> Any:
        return json.loads(self.content)


def _dechunk(data: bytes) -> bytes:
    out = b""
    while data:
        size_line, _, data = data.partition(b"\r\n")
        size = int(size_line.split(b";")[0].strip() or b"0", 16)
        if size == 0:
            break
        out += data[:size]
        data = data[size + 2:]
    return out


def raw_request(base_url: str, method: str, path: str, headers: list[tuple[bytes, bytes]],
                body: bytes = b"") -> RawResponse:
    """Sends exactly these header lines (plus Host, Connection: close and Content-Length for a body)."""
    parts = urlsplit(base_url)
    host, port = parts.hostname or "127.0.0.1", parts.port or 80
    lines = [f"{method} {path} HTTP/1.1".encode(), f"Host: {host}:{port}".encode(), b"Connection: close"]
    lines += [name + b": " + value for name, value in headers]
    if body or method in ("POST", "PUT", "PATCH"):
        lines.append(f"Content-Length: {len(body)}".encode())
    request = b"\r\n".join(lines) + b"\r\n\r\n" + body
    with socket.create_connection((host, port), timeout=60) as sock:
        sock.sendall(request)
        chunks = []
        while True:
            chunk = sock.recv(65536)
            if not chunk:
                break
            chunks.append(chunk)
    data = b"".join(chunks)
    head, _, content = data.partition(b"\r\n\r\n")
    status_line, *header_lines = head.decode("latin-1").split("\r\n")
    status = int(status_line.split()[1])
    parsed: dict[str, str] = {}
    for line in header_lines:
        name, _, value = line.partition(":")
        name = name.strip().lower()
        parsed[name] = f"{parsed[name]}, {value.strip()}" if name in parsed else value.strip()
    if parsed.get("transfer-encoding", "").lower() == "chunked":
        content = _dechunk(content)
    response = RawResponse(status, parsed, content, method, path)
    if status >= 500:
        pytest.fail(f"{method} {path} answered {status} (a 5xx is always a bug): {response.text[:2000]}")
    if status >= 400 and not parsed.get("content-type", "").startswith("application/json"):
        pytest.fail(f"{method} {path} answered {status} with content type {parsed.get('content-type')!r}, not JSON")
    return response


def assert_raw_error(response: RawResponse, status: int, code: str) -> dict:
    """`assert_error` for a RawResponse."""
    where = f"{response.method} {response.path}"
    assert response.status_code == status, f"{where}: expected {status} {code}, got {response.status_code}: {response.text[:1000]}"
    body = response.json()
    assert isinstance(body, dict) and body.get("code") == code, f"{where}: {body}"
    assert isinstance(body.get("detail"), str) and body["detail"].strip(), body
    if status == 401:
        assert response.headers.get("www-authenticate", "").startswith("Bearer"), response.headers
    return body


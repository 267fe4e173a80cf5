"""Helpers shared by the adversarial suites (test_forgery.py, test_bad_input.py).

- `forge_*`: JWTs built by hand (alg none, other keys and algorithms, changed claims with the old
  signature, claims signed with the local stack's public development secret).
- `raw_request`: one HTTP/1.1 request written byte for byte on a socket, for what httpx (h11) refuses
  to send: header values with trailing whitespace or bytes outside ASCII. It fails the test on a 5xx
  and on a 4xx that is not JSON, like conftest's `_check_response` does for httpx.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import socket
import time
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

import pytest

from conftest import b64url, dev_env, jwt_parts

UNKNOWN_USER_ID = "01ARZ3NDEKTSV4RRFFQ69G5FAV"  # a well-formed ULID no user of the stack has


# ---------------------------------------------------------------------------------------------------
# JWTs


def _segment(value: dict) -> str:
    return b64url(json.dumps(value, separators=(",", ":")).encode())


def hmac_sign(header: dict, claims: dict, secret: bytes, digest=hashlib.sha256) -> str:
    signing_input = f"{_segment(header)}.{_segment(claims)}"
    signature = hmac.new(secret, signing_input.encode(), digest).digest()
    return f"{signing_input}.{b64url(signature)}"


def dev_secret() -> bytes:
    return dev_env()["JWT_SECRET"].encode()


def resign(token: str, *, header: dict | None = None, digest=hashlib.sha256, secret: bytes | None = None,
           **changes: Any) -> str:
    """`token`'s claims with `changes` (a value of None drops the claim), signed with `secret` (default:
    the dev secret, so that only the changed claims can make it invalid)."""
    original_header, claims, _ = jwt_parts(token)
    claims.update(changes)
    claims = {k: v for k, v in claims.items() if v is not None}
    return hmac_sign(header or original_header, claims, secret if secret is not None else dev_secret(), digest)


def keep_signature(token: str, *, header: dict | None = None, **changes: Any) -> str:
    """`token` with its header and/or claims changed but its original signature kept."""
    original_header, claims, signature = jwt_parts(token)
    claims.update(changes)
    return f"{_segment(header or original_header)}.{_segment(claims)}.{signature}"


def alg_none(token: str, *, signature: str = "", alg: str = "none") -> str:
    _, claims, _ = jwt_parts(token)
    return f"{_segment({'alg': alg, 'typ': 'JWT'})}.{_segment(claims)}.{signature}"


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


def b64_json(value: Any) -> str:
    return base64.urlsafe_b64encode(json.dumps(value, separators=(",", ":")).encode()).rstrip(b"=").decode()


def b64_decode_json(text: str) -> Any:
    return json.loads(base64.urlsafe_b64decode(text + "=" * (-len(text) % 4)))

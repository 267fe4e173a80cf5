"""The open WebSocket connections, by connection id."""

from __future__ import annotations

import asyncio
import base64
import secrets
import time
from dataclasses import dataclass, field
from datetime import datetime, timezone

from aiohttp import web

# How long a post may wait for a connection whose $connect was accepted but whose upgrade is still
# being written (a few milliseconds in practice).
OPEN_WAIT_SECONDS = 5.0


def new_connection_id() -> str:
    """A fresh id in API Gateway's shape: 16 characters of base64 ending in `=` (11 random bytes).

    The URL-safe alphabet keeps `/` and `+` out; the trailing `=` still has to be percent-encoded in
    a path (`%3D`), as with API Gateway's own ids, so clients that forget to encode it are caught here.
    """
    return base64.urlsafe_b64encode(secrets.token_bytes(11)).decode("ascii")


def iso_ms(epoch_ms: int) -> str:
    """Epoch milliseconds as the management API writes timestamps: 2024-05-01T12:00:00.123Z."""
    moment = datetime.fromtimestamp(epoch_ms / 1000, timezone.utc)
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{epoch_ms % 1000:03d}Z"


def now_ms() -> int:
    return int(time.time() * 1000)


class Gone(Exception):
    """The connection is closed or was never known (the management API's 410 GoneException)."""


@dataclass
class Connection:
    id: str
    ws: web.WebSocketResponse
    connected_at_ms: int
    source_ip: str
    user_agent: str | None
    last_active_ms: int = 0
    opened: asyncio.Event = field(default_factory=asyncio.Event)
    closing_reason: str | None = None  # set when the gateway itself closes it
    _send_lock: asyncio.Lock = field(default_factory=asyncio.Lock)

    def __post_init__(self) -> None:
        self.last_active_ms = self.connected_at_ms

    def touch(self) -> None:
        self.last_active_ms = now_ms()

    async def _wait_open(self) -> None:
        if not self.opened.is_set():
            try:
                await asyncio.wait_for(self.opened.wait(), OPEN_WAIT_SECONDS)
            except TimeoutError as err:
                raise Gone from err
        if self.ws.closed:
            raise Gone

    async def send(self, data: bytes) -> None:
        """Sends `data` as one frame: text when it is UTF-8 (what API Gateway does), else binary."""
        await self._wait_open()
        async with self._send_lock:  # one frame at a time, in the order the posts arrived
            try:
                try:
                    await self.ws.send_str(data.decode("utf-8"))
                except UnicodeDecodeError:
                    await self.ws.send_bytes(data)
            except (ConnectionError, RuntimeError) as err:  # closing underneath us
                raise Gone from err

    async def close(self, code: int, reason: str) -> None:
        self.closing_reason = reason
        await self.ws.close(code=code, message=reason.encode())


class Registry:
    def __init__(self) -> None:
        self._connections: dict[str, Connection] = {}

    def add(self, connection: Connection) -> None:
        self._connections[connection.id] = connection

    def remove(self, connection_id: str) -> None:
        self._connections.pop(connection_id, None)

    def get(self, connection_id: str) -> Connection:
        connection = self._connections.get(connection_id)
        if connection is None or connection.ws.closed:
            raise Gone
        return connection

    def all(self) -> list[Connection]:
        return list(self._connections.values())

"""WebSocket clients at `/`, as API Gateway's WebSocket API treats them.

$connect: the function decides. Its `{"statusCode": 200}` (any 2xx) accepts and the upgrade goes
ahead; any other status refuses: the upgrade request is answered with that status and the
function's body, and no WebSocket is opened. Each message the client sends goes to $default (one at a
time per connection, text as is, binary as base64); when the connection ends, however it ends,
$disconnect follows (best effort, as in the cloud).
"""

from __future__ import annotations

import asyncio
import base64
import logging
from typing import Any

from aiohttp import WSMsgType, web

from connections import Connection, Registry, new_connection_id, now_ms
from events import ApiContext, connect_event, disconnect_event, message_event
from invoke import InvokeError, Invoker

log = logging.getLogger("gateway.websocket")

# API Gateway's limit for one incoming message.
MAX_MESSAGE_BYTES = 128 * 1024


def _json_error(status: int, message: str) -> web.Response:
    return web.json_response({"message": message}, status=status)


class WebSocketRoutes:
    def __init__(self, registry: Registry, invoker: Invoker, api_id: str, stage: str) -> None:
        self.registry = registry
        self.invoker = invoker
        self.api_id = api_id
        self.stage = stage

    def _api(self, request: web.Request) -> ApiContext:
        return ApiContext(api_id=self.api_id, stage=self.stage, domain_name=request.host)

    async def handle(self, request: web.Request) -> web.StreamResponse:
        ws = web.WebSocketResponse(max_msg_size=MAX_MESSAGE_BYTES)
        if not ws.can_prepare(request).ok:
            return _json_error(426, "Expected a WebSocket upgrade request")

        api = self._api(request)
        source_ip = request.remote or "127.0.0.1"
        user_agent = request.headers.get("User-Agent")
        connection_id = new_connection_id()
        connected_at = now_ms()
        event = connect_event(
            api, connection_id=connection_id, connected_at_ms=connected_at, source_ip=source_ip,
            headers=[(k.decode("latin-1"), v.decode("latin-1")) for k, v in request.raw_headers],
            query=list(request.query.items()),
        )
        try:
            result = await self.invoker.invoke(event)
        except InvokeError as err:
            log.error("$connect %s: %s", connection_id, err)
            return _json_error(500, "Internal server error")

        refusal = self._refusal(result)
        if refusal is not None:
            log.info("$connect %s refused with %s", connection_id, refusal.status)
            return refusal

        connection = Connection(connection_id, ws, connected_at, source_ip, user_agent)
        # Registered before the upgrade is written, so a post that races it waits for it instead of
        # finding no connection.
        self.registry.add(connection)
        try:
            await ws.prepare(request)
        except (ConnectionError, RuntimeError) as err:
            log.warning("upgrade of %s failed: %r", connection_id, err)
            self.registry.remove(connection_id)
            await self._disconnect(api, connection, 1006)
            return ws
        connection.opened.set()
        log.info("connected %s (%d open)", connection_id, len(self.registry.all()))

        try:
            async for message in ws:
                if message.type == WSMsgType.TEXT:
                    body, is_base64 = message.data, False
                elif message.type == WSMsgType.BINARY:
                    body, is_base64 = base64.b64encode(message.data).decode("ascii"), True
                else:  # ERROR (e.g. a message over the size limit): the connection ends
                    log.warning("connection %s: %s", connection_id, ws.exception())
                    break
                connection.touch()
                await self._message(api, connection, body, is_base64)
        finally:
            self.registry.remove(connection_id)
            code = ws.close_code or 1006
            # Shielded: $disconnect still runs when the server is shutting this handler down.
            await asyncio.shield(self._disconnect(api, connection, code))
            log.info("disconnected %s (code %s; %d open)", connection_id, code, len(self.registry.all()))
        return ws

    @staticmethod
    def _refusal(result: Any) -> web.Response | None:
        """None when the $connect result accepts; else the HTTP answer that refuses the upgrade."""
        if not isinstance(result, dict):
            log.error("$connect answered %r, not an object with statusCode", result)
            return _json_error(500, "Internal server error")
        status = result.get("statusCode")
        if type(status) is not int or not 100 <= status <= 599:
            log.error("$connect answered a statusCode that is not an HTTP status: %r", status)
            return _json_error(500, "Internal server error")
        if 200 <= status < 300:
            return None
        body = result.get("body") or ""
        if result.get("isBase64Encoded"):
            payload = base64.b64decode(body)
        else:
            payload = body.encode() if isinstance(body, str) else b""
        response = web.Response(status=status, body=payload)
        headers = result.get("headers")
        if isinstance(headers, dict):
            for name, value in headers.items():
                if name.lower() not in ("content-length", "transfer-encoding", "connection"):
                    response.headers[name] = str(value)
        return response

    async def _message(self, api: ApiContext, connection: Connection, body: str, is_base64: bool) -> None:
        event = message_event(
            api, connection_id=connection.id, connected_at_ms=connection.connected_at_ms,
            source_ip=connection.source_ip, user_agent=connection.user_agent, body=body, is_base64=is_base64,
        )
        try:
            result = await self.invoker.invoke(event)
        except InvokeError as err:
            log.error("$default %s: %s", connection.id, err)
            return
        status = result.get("statusCode") if isinstance(result, dict) else None
        if status != 200:
            log.warning("$default %s answered %r", connection.id, result)

    async def _disconnect(self, api: ApiContext, connection: Connection, code: int) -> None:
        event = disconnect_event(
            api, connection_id=connection.id, connected_at_ms=connection.connected_at_ms,
            source_ip=connection.source_ip, user_agent=connection.user_agent,
            status_code=code, reason=connection.closing_reason,
        )
        try:
            await self.invoker.invoke(event)
        except InvokeError as err:
            log.error("$disconnect %s: %s", connection.id, err)

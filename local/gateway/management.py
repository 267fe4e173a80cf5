"""API Gateway's management API for WebSocket connections (what `apigatewaymanagementapi` calls).

    POST   /@connections/{id}   the body goes to the client as one frame          200
    GET    /@connections/{id}   {"connectedAt", "identity": {"sourceIp"}, "lastActiveAt"}   200
    DELETE /@connections/{id}   closes the connection ($disconnect follows)      204

An unknown or closed connection is 410 with `x-amzn-ErrorType: GoneException`, which the AWS SDKs
turn into their GoneException. Requests are SigV4-signed by the SDK; the signature is not checked.
"""

from __future__ import annotations

import logging

from aiohttp import web

from connections import Gone, Registry, iso_ms

log = logging.getLogger("gateway.management")

# API Gateway's limit for one posted message.
MAX_POST_BYTES = 128 * 1024


def _aws_error(status: int, error_type: str, message: str) -> web.Response:
    return web.json_response({"message": message}, status=status, headers={"x-amzn-ErrorType": error_type})


def _gone() -> web.Response:
    return _aws_error(410, "GoneException", "Gone")


class ManagementRoutes:
    def __init__(self, registry: Registry) -> None:
        self.registry = registry

    def add_to(self, app: web.Application) -> None:
        app.router.add_post("/@connections/{connection_id}", self.post)
        app.router.add_get("/@connections/{connection_id}", self.get)
        app.router.add_delete("/@connections/{connection_id}", self.delete)

    async def post(self, request: web.Request) -> web.Response:
        connection_id = request.match_info["connection_id"]  # percent-decoded (`%3D` -> `=`)
        data = await request.read()
        if len(data) > MAX_POST_BYTES:
            return _aws_error(413, "PayloadTooLargeException", "Message too long")
        try:
            connection = self.registry.get(connection_id)
            await connection.send(data)
        except Gone:
            log.info("post to %s: gone", connection_id)
            return _gone()
        return web.Response(status=200)

    async def get(self, request: web.Request) -> web.Response:
        try:
            connection = self.registry.get(request.match_info["connection_id"])
        except Gone:
            return _gone()
        identity = {"sourceIp": connection.source_ip}
        if connection.user_agent:
            identity["userAgent"] = connection.user_agent
        return web.json_response({
            "connectedAt": iso_ms(connection.connected_at_ms),
            "identity": identity,
            "lastActiveAt": iso_ms(connection.last_active_ms),
        })

    async def delete(self, request: web.Request) -> web.Response:
        connection_id = request.match_info["connection_id"]
        try:
            connection = self.registry.get(connection_id)
        except Gone:
            return _gone()
        log.info("closing %s on request of the management API", connection_id)
        await connection.close(1000, "Connection deleted through the management API")
        return web.Response(status=204)

"""The local stack's stand-in for API Gateway's WebSocket API, the DynamoDB Streams trigger and SES.

One process, one port on 127.0.0.1:
  * `ws://127.0.0.1:<port>/?token=...`      WebSocket clients ($connect, $default, $disconnect)
  * `http://127.0.0.1:<port>/@connections/{id}`  the management API the function posts through
  * a poller that feeds each followed table's DynamoDB stream to its function
  * `http://127.0.0.1:<port>/v2/email/outbound-emails`  SES v2 SendEmail (the functions'
    AWS_ENDPOINT_URL_SESV2): every mail is captured, none leaves the machine; read them at
    `/mail` (JSON) and `/mail/view` (a page for the browser); see mail.py
Every event goes to a function through cargo lambda watch's Lambda Invoke API.

    python local/gateway/main.py --port 9100 --invoke-url http://127.0.0.1:9000 \\
        --dynamodb-endpoint http://127.0.0.1:8000 --stream local-TasksTable=realtime

(`--help` lists every setting.) Logs go to stderr; SIGTERM or SIGINT stops it cleanly: open
connections are closed with 1001 (their $disconnect still runs) and the pollers stop.
"""

from __future__ import annotations

import asyncio
import logging
import signal
import sys

from aiohttp import web

from connections import Registry
from invoke import Invoker
from mail import MailRoutes
from management import ManagementRoutes
from settings import HOST, Settings, parse_settings
from streams import Aws, StreamPoller
from websocket import WebSocketRoutes

log = logging.getLogger("gateway")

# Longest wait for open connections' $disconnect invocations at shutdown.
SHUTDOWN_GRACE_SECONDS = 5.0


def build_app(settings: Settings, registry: Registry, invoker: Invoker) -> web.Application:
    app = web.Application()
    ManagementRoutes(registry).add_to(app)
    MailRoutes().add_to(app)
    app.router.add_get("/", WebSocketRoutes(registry, invoker, api_id="local", stage=settings.stage).handle)
    return app


async def serve(settings: Settings) -> None:
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)

    functions = {settings.function, *settings.streams.values()}
    invokers = {name: Invoker(settings.invoke_url, name, settings.invoke_timeout) for name in functions}
    for each in invokers.values():
        await each.start()
    invoker = invokers[settings.function]
    registry = Registry()
    aws = Aws(settings)
    runner = web.AppRunner(build_app(settings, registry, invoker), handle_signals=False,
                           shutdown_timeout=SHUTDOWN_GRACE_SECONDS)
    await runner.setup()
    poller_task: asyncio.Task | None = None
    try:
        await web.TCPSite(runner, HOST, settings.port).start()
        poller_task = asyncio.create_task(StreamPoller(settings, invokers, aws).run(), name="streams")
        log.info("listening on ws://%s:%d/ (management API at /@connections, SES v2 SendEmail at "
                 "/v2/email/outbound-emails, captured mail at /mail and /mail/view); function %s via %s",
                 HOST, settings.port, settings.function, settings.invoke_url)
        stopped = asyncio.create_task(stop.wait())
        await asyncio.wait({stopped, poller_task}, return_when=asyncio.FIRST_COMPLETED)
        if poller_task.done():  # it only ends by failing
            poller_task.result()
        log.info("stopping")
    finally:
        if poller_task is not None and not poller_task.done():
            poller_task.cancel()
            await asyncio.gather(poller_task, return_exceptions=True)
        connections = registry.all()
        if connections:
            log.info("closing %d open connection(s)", len(connections))
            closing = [asyncio.create_task(c.close(1001, "Going away")) for c in connections]
            await asyncio.wait(closing, timeout=SHUTDOWN_GRACE_SECONDS)
        await runner.cleanup()
        for each in invokers.values():
            await each.close()
        aws.close()
        log.info("stopped")


def main(argv: list[str] | None = None) -> int:
    settings = parse_settings(argv)
    logging.basicConfig(
        level=logging.INFO, stream=sys.stderr,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )
    # botocore logs every retry and credential lookup at INFO; the gateway reports its own errors.
    logging.getLogger("botocore").setLevel(logging.WARNING)
    logging.getLogger("aiohttp.access").setLevel(logging.WARNING)
    try:
        asyncio.run(serve(settings))
    except OSError as err:  # e.g. the port is taken
        log.error("%s", err)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())

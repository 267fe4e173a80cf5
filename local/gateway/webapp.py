"""The local stack's host for the web app: what CloudFront and its S3 bucket do in the cloud.

Serves a production build of web/ (vite build) on 127.0.0.1, another origin of the same site as
the API, so the app talks to the API across origins as the contract's cookie mode expects:

  * `/config.json`: where the API and the WebSocket are (the app reads it once at start)
  * `/assets/...`: the build's fingerprinted files, cached for a year
  * any other file of the build as it is; any other path without a file extension: index.html,
    so that the app's own paths (/tasks, /verify-email?token=... from a mail) open directly

Every answer carries the security headers the cloud's response-headers policy sets (template.yaml):
a content security policy that allows scripts from this origin only and requests to the API and
the WebSocket, no framing, no referrer (a reset link's token must not leak), no MIME sniffing.

    python local/gateway/webapp.py --port 3000 --root /path/to/dist \\
        --api-url http://127.0.0.1:9000 --ws-url ws://127.0.0.1:9001
"""

from __future__ import annotations

import argparse
import asyncio
import json
import logging
import signal
from pathlib import Path
from urllib.parse import urlsplit

from aiohttp import web

from settings import HOST

log = logging.getLogger("webapp")

IMMUTABLE = "public, max-age=31536000, immutable"
REVALIDATE = "no-cache"


def origin(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}"


def security_headers(api_url: str, ws_url: str) -> dict[str, str]:
    connect = " ".join(["'self'", *(origin(url) for url in (api_url, ws_url) if url)])
    policy = "; ".join([
        "default-src 'self'",
        f"connect-src {connect}",
        "img-src 'self' data:",
        "style-src 'self'",
        "script-src 'self'",
        "object-src 'none'",
        "base-uri 'self'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    ])
    return {
        "Content-Security-Policy": policy,
        "X-Content-Type-Options": "nosniff",
        "Referrer-Policy": "no-referrer",
        "X-Frame-Options": "DENY",
    }


def build_app(root: Path, api_url: str, ws_url: str) -> web.Application:
    root = root.resolve()
    index = root / "index.html"
    if not index.is_file():
        raise SystemExit(f"webapp: {index} does not exist (build the app first)")
    config = json.dumps({"apiBaseUrl": api_url, "wsUrl": ws_url}).encode()
    headers = security_headers(api_url, ws_url)

    async def serve(request: web.Request) -> web.StreamResponse:
        if request.method not in ("GET", "HEAD"):
            raise web.HTTPMethodNotAllowed(request.method, ["GET", "HEAD"], headers=headers)
        path = request.path
        if path == "/config.json":
            return web.Response(body=config, content_type="application/json",
                                headers={**headers, "Cache-Control": "no-store"})
        wanted = (root / path.lstrip("/")).resolve()
        if wanted != root and root not in wanted.parents:
            raise web.HTTPNotFound(headers=headers)
        if wanted.is_file():
            cache = IMMUTABLE if path.startswith("/assets/") else REVALIDATE
            return web.FileResponse(wanted, headers={**headers, "Cache-Control": cache})
        if "." in path.rsplit("/", 1)[-1]:
            raise web.HTTPNotFound(headers=headers)  # a missing file, not an app path
        return web.FileResponse(index, headers={**headers, "Cache-Control": REVALIDATE})

    app = web.Application()
    app.router.add_route("*", "/{tail:.*}", serve)
    return app


async def run(port: int, app: web.Application) -> None:
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    runner = web.AppRunner(app, handle_signals=False, access_log=None)
    await runner.setup()
    try:
        await web.TCPSite(runner, HOST, port).start()
        log.info("serving the web app on http://%s:%d/", HOST, port)
        await stop.wait()
    finally:
        await runner.cleanup()


def main() -> None:
    parser = argparse.ArgumentParser(prog="webapp", description="Serves the built web app on 127.0.0.1.")
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--root", type=Path, required=True, help="the build (vite build's output folder)")
    parser.add_argument("--api-url", required=True, help="the API's base URL, e.g. http://127.0.0.1:9000")
    parser.add_argument("--ws-url", default="", help="the WebSocket's URL, e.g. ws://127.0.0.1:9001")
    args = parser.parse_args()
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(levelname)s %(message)s")
    asyncio.run(run(args.port, build_app(args.root, args.api_url.rstrip("/"), args.ws_url.rstrip("/"))))


if __name__ == "__main__":
    main()

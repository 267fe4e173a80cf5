"""The gateway's settings: command-line flags, each with an environment variable as its default."""

from __future__ import annotations

import argparse
import os
from dataclasses import dataclass

# The gateway serves this machine only: it never binds another address.
HOST = "127.0.0.1"


@dataclass(frozen=True)
class Settings:
    port: int  # WebSocket upgrades at / and the management API at /@connections/{id}
    invoke_url: str  # cargo lambda watch's base URL (it serves the Lambda Invoke API)
    function: str  # the function that gets the WebSocket events
    dynamodb_endpoint: str
    region: str
    streams: dict[str, str]  # table name -> the function its stream's records go to
    stage: str  # requestContext.stage of the WebSocket events
    poll_interval: float  # seconds between two GetRecords on a shard that had nothing new
    discover_interval: float  # seconds between two looks for new tables, streams and shards
    batch_size: int  # records per invocation (Lambda's event source mapping allows 1..10000)
    invoke_timeout: float  # seconds one invocation may take
    max_retry_delay: float  # cap of the back-off between retries of a failed batch


def _env(name: str, default: str | None = None) -> str | None:
    value = os.environ.get(name, "").strip()
    return value or default


def parse_settings(argv: list[str] | None = None) -> Settings:
    parser = argparse.ArgumentParser(
        prog="gateway",
        description=(
            "Local stand-in for API Gateway's WebSocket API and DynamoDB Streams' Lambda trigger: "
            "serves WebSocket clients and the @connections management API on 127.0.0.1, and feeds "
            "the function every change of the followed tables' streams."
        ),
    )
    parser.add_argument("--port", type=int, default=_env("GATEWAY_PORT"), help="port on 127.0.0.1 (env GATEWAY_PORT)")
    parser.add_argument(
        "--invoke-url",
        default=_env("GATEWAY_INVOKE_URL"),
        help="base URL of cargo lambda watch, e.g. http://127.0.0.1:9000 (env GATEWAY_INVOKE_URL)",
    )
    parser.add_argument(
        "--function", default=_env("GATEWAY_FUNCTION", "realtime"), help="function name (env GATEWAY_FUNCTION)"
    )
    parser.add_argument(
        "--dynamodb-endpoint",
        default=_env("AWS_ENDPOINT_URL_DYNAMODB"),
        help="DynamoDB (and Streams) endpoint (env AWS_ENDPOINT_URL_DYNAMODB)",
    )
    parser.add_argument("--region", default=_env("AWS_REGION", "us-east-1"), help="AWS region (env AWS_REGION)")
    parser.add_argument(
        "--stream",
        action="append",
        default=[t for t in (_env("GATEWAY_STREAMS") or "").split(",") if t.strip()],
        metavar="TABLE=FUNCTION",
        help="send the records of TABLE's stream to FUNCTION, as the template's DynamoDB event says "
             "(repeatable; env GATEWAY_STREAMS, comma-separated)",
    )
    parser.add_argument("--stage", default=_env("GATEWAY_STAGE", "local"), help="stage name in the events")
    parser.add_argument("--poll-interval", type=float, default=0.15, help="seconds between polls of an idle shard")
    parser.add_argument("--discover-interval", type=float, default=1.0, help="seconds between looks for new shards")
    parser.add_argument("--batch-size", type=int, default=100, help="stream records per invocation (1..10000)")
    parser.add_argument("--invoke-timeout", type=float, default=60.0, help="seconds one invocation may take")
    parser.add_argument("--max-retry-delay", type=float, default=5.0, help="cap of the retry back-off, seconds")
    args = parser.parse_args(argv)

    missing = [flag for flag, value in (("--port", args.port), ("--invoke-url", args.invoke_url),
                                        ("--dynamodb-endpoint", args.dynamodb_endpoint)) if not value]
    if missing:
        parser.error(f"missing {', '.join(missing)} (or their environment variables)")
    streams: dict[str, str] = {}
    for pair in args.stream:
        table, _, function = pair.strip().partition("=")
        if not table or not function:
            parser.error(f"--stream takes TABLE=FUNCTION, got {pair!r}")
        streams[table] = function
    if not 1 <= args.batch_size <= 10_000:
        parser.error("--batch-size must be within 1..10000")
    if args.poll_interval <= 0 or args.discover_interval <= 0:
        parser.error("--poll-interval and --discover-interval must be positive")

    return Settings(
        port=int(args.port),
        invoke_url=args.invoke_url.rstrip("/"),
        function=args.function,
        dynamodb_endpoint=args.dynamodb_endpoint,
        region=args.region,
        streams=streams,
        stage=args.stage,
        poll_interval=args.poll_interval,
        discover_interval=args.discover_interval,
        batch_size=args.batch_size,
        invoke_timeout=args.invoke_timeout,
        max_retry_delay=args.max_retry_delay,
    )

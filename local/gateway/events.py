"""The events the function receives, in the shapes AWS sends them.

* WebSocket: API Gateway's WebSocket proxy integration ($connect, $default, $disconnect).
* DynamoDB Streams: the event of Lambda's event source mapping, `{"Records": [...]}`, with attribute
  values in DynamoDB JSON (`{"S": "x"}`, `{"N": "1"}`, binary as base64 text).
"""

from __future__ import annotations

import base64
import time
import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any

# ---------------------------------------------------------------------------------------------------
# WebSocket


@dataclass(frozen=True)
class ApiContext:
    """What every WebSocket event says about the API itself."""

    api_id: str
    stage: str
    domain_name: str  # the Host the client connected to


# Reasons API Gateway gives for the common close codes; others get a generic one.
_CLOSE_REASONS = {
    1000: "Normal closure",
    1001: "Going away",
    1005: "Client-side close frame status not set",
    1006: "Connection closed abnormally",
}


def _request_context(api: ApiContext, *, route_key: str, event_type: str, connection_id: str,
                     connected_at_ms: int, source_ip: str, user_agent: str | None) -> dict[str, Any]:
    now = time.time()
    identity: dict[str, Any] = {"sourceIp": source_ip}
    if user_agent:
        identity["userAgent"] = user_agent
    return {
        "routeKey": route_key,
        "eventType": event_type,
        "extendedRequestId": uuid.uuid4().hex[:16],
        "requestTime": datetime.fromtimestamp(now, timezone.utc).strftime("%d/%b/%Y:%H:%M:%S +0000"),
        "messageDirection": "IN",
        "stage": api.stage,
        "connectedAt": connected_at_ms,
        "requestTimeEpoch": int(now * 1000),
        "identity": identity,
        "requestId": str(uuid.uuid4()),
        "domainName": api.domain_name,
        "connectionId": connection_id,
        "apiId": api.api_id,
    }


def _header_maps(headers: list[tuple[str, str]]) -> tuple[dict[str, str], dict[str, list[str]]]:
    single: dict[str, str] = {}
    multi: dict[str, list[str]] = {}
    for name, value in headers:
        multi.setdefault(name, []).append(value)
        single[name] = value  # API Gateway keeps the last value
    return single, multi


def connect_event(api: ApiContext, *, connection_id: str, connected_at_ms: int, source_ip: str,
                  headers: list[tuple[str, str]], query: list[tuple[str, str]]) -> dict[str, Any]:
    single_headers, multi_headers = _header_maps(headers)
    user_agent = next((v for k, v in headers if k.lower() == "user-agent"), None)
    event: dict[str, Any] = {
        "headers": single_headers,
        "multiValueHeaders": multi_headers,
        "requestContext": _request_context(
            api, route_key="$connect", event_type="CONNECT", connection_id=connection_id,
            connected_at_ms=connected_at_ms, source_ip=source_ip, user_agent=user_agent,
        ),
        "isBase64Encoded": False,
    }
    if query:  # API Gateway leaves both maps out when there is no query string
        single_query, multi_query = _header_maps(query)
        event["queryStringParameters"] = single_query
        event["multiValueQueryStringParameters"] = multi_query
    return event


def message_event(api: ApiContext, *, connection_id: str, connected_at_ms: int, source_ip: str,
                  user_agent: str | None, body: str, is_base64: bool) -> dict[str, Any]:
    context = _request_context(
        api, route_key="$default", event_type="MESSAGE", connection_id=connection_id,
        connected_at_ms=connected_at_ms, source_ip=source_ip, user_agent=user_agent,
    )
    context["messageId"] = uuid.uuid4().hex[:16]
    return {"requestContext": context, "body": body, "isBase64Encoded": is_base64}


def disconnect_event(api: ApiContext, *, connection_id: str, connected_at_ms: int, source_ip: str,
                     user_agent: str | None, status_code: int, reason: str | None = None) -> dict[str, Any]:
    context = _request_context(
        api, route_key="$disconnect", event_type="DISCONNECT", connection_id=connection_id,
        connected_at_ms=connected_at_ms, source_ip=source_ip, user_agent=user_agent,
    )
    context["disconnectStatusCode"] = status_code
    context["disconnectReason"] = reason or _CLOSE_REASONS.get(status_code, f"Closed with code {status_code}")
    headers = [("Host", api.domain_name), ("x-api-key", ""), ("X-Forwarded-For", ""), ("x-restapi", "")]
    single_headers, multi_headers = _header_maps(headers)
    return {
        "headers": single_headers,
        "multiValueHeaders": multi_headers,
        "requestContext": context,
        "isBase64Encoded": False,
    }


# ---------------------------------------------------------------------------------------------------
# DynamoDB Streams


def _to_lambda_json(value: Any) -> Any:
    """boto3's view of a record (bytes for binary values, datetimes) -> the JSON Lambda sends."""
    if isinstance(value, (bytes, bytearray)):
        return base64.b64encode(value).decode("ascii")
    if isinstance(value, datetime):
        return int(value.timestamp())  # epoch seconds, as the event source mapping sends them
    if isinstance(value, Mapping):
        return {key: _to_lambda_json(item) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return [_to_lambda_json(item) for item in value]
    return value


def stream_record(record: Mapping[str, Any], *, stream_arn: str, region: str) -> dict[str, Any]:
    """One record of GetRecords (as boto3 returns it) as Lambda's event source mapping sends it."""
    converted = _to_lambda_json(record)
    event: dict[str, Any] = {
        "eventID": converted["eventID"],
        "eventName": converted["eventName"],
        "eventVersion": converted.get("eventVersion", "1.1"),
        "eventSource": "aws:dynamodb",
        "awsRegion": region,  # DynamoDB Local says "ddblocal"; the function sees the stack's region
        "dynamodb": converted["dynamodb"],
        "eventSourceARN": stream_arn,
    }
    if "userIdentity" in converted:  # present on deletions made by TTL
        event["userIdentity"] = converted["userIdentity"]
    return event

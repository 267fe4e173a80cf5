"""The local stack's mailbox: the gateway's stand-in for SES v2 SendEmail and what it captured.

The functions send mail through the AWS SDK's SES v2 client, pointed at the gateway
(AWS_ENDPOINT_URL_SESV2); these tests call that stand-in with boto3's "sesv2" client the same way,
then read the mailbox at GET /mail (JSON) and GET /mail/view (HTML). See local/gateway/mail.py.

The gateway's URL comes from E2E_WS_URL (ws://host:port, which `local/test` sets), or else from the
WS_PORT of E2E_STATE_DIR/stack.env. Without either the tests fail; they never skip. Requests to the
gateway do not go through the suite's recording client: they are no exchange of the API's (they
have no request id for the logs check to find).
"""

from __future__ import annotations

import html
import os
import time
import uuid
from pathlib import Path
from typing import Any, Iterator
from urllib.parse import urlsplit

import boto3
import httpx
import pytest
from botocore.config import Config
from botocore.exceptions import ClientError

from conftest import TIMESTAMP_MS_Z, now, parse_timestamp
from stack_files import read_env_file

WS_URL_VAR = "E2E_WS_URL"
STATE_DIR_VAR = "E2E_STATE_DIR"
SENDER = "no-reply@taskmoney.local"


def gateway_url() -> str:
    ws = os.environ.get(WS_URL_VAR, "").strip()
    if ws:
        parts = urlsplit(ws)
        if parts.scheme not in ("ws", "wss") or not parts.netloc:
            pytest.fail(f"{WS_URL_VAR}={ws!r} is not a ws:// URL such as ws://127.0.0.1:9001")
        return f"{'https' if parts.scheme == 'wss' else 'http'}://{parts.netloc}"
    state_dir = os.environ.get(STATE_DIR_VAR, "").strip()
    if state_dir and (Path(state_dir) / "stack.env").is_file():
        port = read_env_file(Path(state_dir) / "stack.env").get("WS_PORT", "")
        if port:
            return f"http://127.0.0.1:{port}"
    pytest.fail(
        f"neither {WS_URL_VAR} nor {STATE_DIR_VAR}/stack.env's WS_PORT is set: the mailbox tests need the "
        f"local stack's gateway. `local/test` sets both; by hand, take WS_URL from <state dir>/stack.env."
    )


@pytest.fixture(scope="module")
def gateway() -> str:
    return gateway_url()


@pytest.fixture(scope="module")
def mailbox(gateway: str) -> Iterator[httpx.Client]:
    # trust_env=False: straight to the gateway, never through a proxy from the environment.
    with httpx.Client(base_url=gateway, timeout=httpx.Timeout(10.0, connect=5.0), trust_env=False) as client:
        yield client


def sesv2(gateway: str, attempts: int = 1) -> Any:
    """boto3's SES v2 client on the gateway, as the functions' SDK is (dummy credentials)."""
    return boto3.client(
        "sesv2",
        region_name="us-east-1",
        endpoint_url=gateway,
        aws_access_key_id="local",
        aws_secret_access_key="local",
        config=Config(connect_timeout=2, read_timeout=10, retries={"mode": "standard", "total_max_attempts": attempts}),
    )


def address(prefix: str, domain: str = "example.com") -> str:
    return f"{prefix}.{uuid.uuid4().hex[:12]}@{domain}"


def simple(subject: str, text: str | None = None, html_body: str | None = None) -> dict:
    body: dict[str, Any] = {}
    if text is not None:
        body["Text"] = {"Data": text, "Charset": "UTF-8"}
    if html_body is not None:
        body["Html"] = {"Data": html_body, "Charset": "UTF-8"}
    return {"Simple": {"Subject": {"Data": subject, "Charset": "UTF-8"}, "Body": body}}


def mail_to(mailbox: httpx.Client, recipient: str, **params: Any) -> dict:
    response = mailbox.get("/mail", params={"to": recipient, **params})
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("application/json"), response.headers
    body = response.json()
    assert set(body) == {"results", "rejected_attempts"}, body
    assert isinstance(body["results"], list) and isinstance(body["rejected_attempts"], dict), body
    return body


def error_of(err: pytest.ExceptionInfo[ClientError]) -> tuple[str, int]:
    return err.value.response["Error"]["Code"], err.value.response["ResponseMetadata"]["HTTPStatusCode"]


def test_sent_mail_is_captured_newest_first_with_its_links(gateway: str, mailbox: httpx.Client) -> None:
    ses = sesv2(gateway)
    recipient = address("ann")
    token = uuid.uuid4().hex
    link = f"http://127.0.0.1:9000/auth/verify-email?token={token}&lang=en"
    help_link = "https://example.com/help"
    before = now()

    first = ses.send_email(
        FromEmailAddress=SENDER,
        Destination={"ToAddresses": [recipient]},
        Content=simple("First <mail>", text="Hello"),
    )
    second = ses.send_email(
        FromEmailAddress=SENDER,
        Destination={"ToAddresses": [recipient.upper()], "CcAddresses": [address("cc")]},
        ReplyToAddresses=[SENDER],
        ConfigurationSetName="local",
        EmailTags=[{"Name": "kind", "Value": "verify"}],
        Content=simple(
            "Verify your address",
            text=f"Open {link}.\nHelp: ({help_link})",
            html_body=(f'<p><a href="{html.escape(link)}">Verify</a> or <a href="{help_link}">get help</a>;'
                       f' again: <a href="{html.escape(link)}">here</a></p>'),
        ),
    )
    ids = [first["MessageId"], second["MessageId"]]
    assert all(isinstance(i, str) and i for i in ids) and ids[0] != ids[1], ids

    body = mail_to(mailbox, recipient)  # case-insensitive: the second went to the upper-case spelling
    assert [m["id"] for m in body["results"]] == ids[::-1], body
    assert body["rejected_attempts"] == {}, body
    newest = body["results"][0]
    assert {"id", "from", "to", "subject", "text", "html", "links", "sent_at"} <= set(newest), newest
    assert newest["from"] == SENDER
    assert newest["to"] == [recipient.upper()]
    assert newest["subject"] == "Verify your address"
    assert newest["text"] == f"Open {link}.\nHelp: ({help_link})"
    assert newest["html"].startswith("<p><a href=")
    # Text first, then the HTML hrefs (character references resolved), each once.
    assert newest["links"] == [link, help_link], newest["links"]
    oldest = body["results"][1]
    assert oldest["subject"] == "First <mail>" and oldest["text"] == "Hello" and oldest["html"] is None
    assert oldest["links"] == []
    for mail in body["results"]:
        assert TIMESTAMP_MS_Z.match(mail["sent_at"]), mail
        assert before.replace(microsecond=before.microsecond // 1000 * 1000) <= parse_timestamp(mail["sent_at"])
    assert parse_timestamp(oldest["sent_at"]) <= parse_timestamp(newest["sent_at"])

    # limit=1: the newest only. Without ?to=, these are among the newest of everyone's.
    assert [m["id"] for m in mail_to(mailbox, recipient, limit=1)["results"]] == [ids[1]]
    everyone = mailbox.get("/mail", params={"limit": 50}).json()["results"]
    assert ids[1] in [m["id"] for m in everyone]
    for bad in ("0", "2001", "x"):
        assert mailbox.get("/mail", params={"limit": bad}).status_code == 400


def test_the_view_shows_mail_escaped(gateway: str, mailbox: httpx.Client) -> None:
    recipient = address("view")
    subject = f"<b>Tom & Jerry</b> \"{uuid.uuid4().hex[:6]}\""
    sesv2(gateway).send_email(
        FromEmailAddress=SENDER,
        Destination={"ToAddresses": [recipient]},
        Content=simple(subject, text="see https://example.com/a?b=1&c=2", html_body="<script>x()</script><p>hi</p>"),
    )
    response = mailbox.get("/mail/view", params={"to": recipient})
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/html"), response.headers
    page = response.text
    assert html.escape(subject, quote=True) in page
    assert subject not in page
    assert '<a href="https://example.com/a?b=1&amp;c=2"' in page
    assert "<script" not in page.lower()  # the mail's own HTML is only in the sandboxed frame's srcdoc
    assert 'sandbox=""' in page and 'srcdoc="&lt;script&gt;x()&lt;/script&gt;&lt;p&gt;hi&lt;/p&gt;"' in page

    empty = mailbox.get("/mail/view", params={"to": address("nobody")})
    assert empty.status_code == 200 and "sent" in empty.text.lower() and "<article" not in empty.text


def test_rejected_and_unavailable_addresses_fail_uncaptured_and_are_counted(
    gateway: str, mailbox: httpx.Client
) -> None:
    rejected = address("bounce", "reject.invalid")
    with pytest.raises(ClientError) as err:
        sesv2(gateway, attempts=3).send_email(
            FromEmailAddress=SENDER, Destination={"ToAddresses": [rejected]}, Content=simple("Hi", text="Hi")
        )
    assert error_of(err) == ("MessageRejected", 400)  # permanent: the SDK does not try again
    body = mail_to(mailbox, rejected)
    assert body == {"results": [], "rejected_attempts": {rejected: 1}}, body

    unavailable = address("later", "unavailable.invalid")
    started = time.monotonic()
    with pytest.raises(ClientError) as err:
        sesv2(gateway, attempts=2).send_email(
            FromEmailAddress=SENDER, Destination={"ToAddresses": [unavailable]}, Content=simple("Hi", text="Hi")
        )
    assert error_of(err) == ("ServiceUnavailable", 503)
    assert time.monotonic() - started < 10
    body = mail_to(mailbox, unavailable)
    assert body == {"results": [], "rejected_attempts": {unavailable: 2}}, body  # the SDK's retry counts
    everyone = mailbox.get("/mail").json()["rejected_attempts"]
    assert everyone[rejected] == 1 and everyone[unavailable] == 2, everyone


def test_bad_requests_are_bad_request_exceptions(gateway: str, mailbox: httpx.Client) -> None:
    ses = sesv2(gateway)
    recipient = address("bad")
    with pytest.raises(ClientError) as err:
        ses.send_email(FromEmailAddress=SENDER, Destination={"ToAddresses": []}, Content=simple("Hi", text="Hi"))
    assert error_of(err) == ("BadRequestException", 400)
    assert err.value.response["Error"]["Message"], err.value.response

    cases = [
        {"Destination": {"ToAddresses": [recipient]}, "Content": simple("Hi", text="Hi")},  # no sender
        {"FromEmailAddress": SENDER, "Destination": {"ToAddresses": [recipient]}, "Content": simple("", text="Hi")},
        {"FromEmailAddress": SENDER, "Destination": {"ToAddresses": [recipient]}, "Content": simple("Hi")},
        {"FromEmailAddress": SENDER, "Destination": {"ToAddresses": [recipient]},
         "Content": {"Raw": {"Data": "U3ViamVjdDogaGkNCg0KaGk="}}},
    ]
    for case in cases:
        with pytest.raises(ClientError) as err:
            ses.send_email(**case)
        assert error_of(err) == ("BadRequestException", 400), case

    raw = mailbox.post("/v2/email/outbound-emails", content=b"not json", headers={"content-type": "application/json"})
    assert raw.status_code == 400 and raw.headers["x-amzn-errortype"] == "BadRequestException"
    assert isinstance(raw.json()["message"], str)
    assert mail_to(mailbox, recipient) == {"results": [], "rejected_attempts": {}}

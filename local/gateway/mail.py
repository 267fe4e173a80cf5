"""Amazon SES v2's SendEmail, as the AWS SDKs call it, and a mailbox that keeps what was sent.

The functions' SES v2 client is pointed here (AWS_ENDPOINT_URL_SESV2=http://127.0.0.1:<port>, in the
functions' env file), so no mail leaves the machine: every mail is kept in memory instead (the newest
2,000; a restart empties the mailbox), for tests and for the developer to read.

    POST /v2/email/outbound-emails   SendEmail (REST-JSON, SigV4-signed; the signature is not checked)
                                     200 {"MessageId": "<id>"}
    GET  /mail                       200 {"results": [mail, ...], "rejected_attempts": {address: n}}
                                     newest first; ?to=<address> keeps the mails with that recipient
                                     (To, Cc or Bcc; case-insensitive, exact), ?limit=N (1..2000)
    GET  /mail/view                  the same mails as an HTML page for a browser (same ?to= and
                                     ?limit=, default limit 100); no script, no external asset

SendEmail takes {"FromEmailAddress", "Destination": {"ToAddresses", "CcAddresses", "BccAddresses"},
"Content": {"Simple": {"Subject": {"Data"}, "Body": {"Text": {"Data"}, "Html": {"Data"}}}}}; every
other field (ReplyToAddresses, ConfigurationSetName, EmailTags, Charset, ...) is accepted and ignored.
A bad request (not a JSON object, no FromEmailAddress, no recipient, no Simple content, no subject,
neither a text nor an HTML body) is 400 with `x-amzn-ErrorType: BadRequestException` and
{"message": "..."}, which the AWS SDKs turn into their BadRequestException; Raw and Template content
are refused the same way ("only Simple content is supported locally").

A captured mail, as GET /mail gives it:

    {"id": "<the MessageId>", "from": "...", "to": [...], "cc": [...], "bcc": [...], "subject": "...",
     "text": "..." or null, "html": "..." or null, "links": [...], "sent_at": "2026-01-02T03:04:05.678Z"}

"links" is every http(s) URL of the text body, then every href attribute of the HTML body (with its
character references resolved, as a browser reads it), without repeats, in order of appearance.

Local-only failure addresses, so that tests can prove how a sender handles failures (nothing is
captured; each attempt is counted in "rejected_attempts" under the address, in lower case):

    <anything>@reject.invalid       400 `x-amzn-ErrorType: MessageRejected`: a permanent rejection,
                                    as SES answers for a message it refuses (not to be retried)
    <anything>@unavailable.invalid  503 `x-amzn-ErrorType: ServiceUnavailable`: a transient failure
                                    (the SDKs retry it)

Mails hold single-use tokens (the logs check forbids them in any log), so the log gets one line per
mail with its id and number of recipients, never an address, a subject, a body or a link.
"""

from __future__ import annotations

import html
import json
import logging
import re
import time
import uuid
from collections import deque
from email.utils import parseaddr
from html.parser import HTMLParser
from typing import Any

from aiohttp import web

from connections import iso_ms, now_ms

log = logging.getLogger("gateway.mail")

# How many mails the mailbox keeps (the oldest go first), and the most GET /mail gives at once.
MAX_MAILS = 2000
# Mails shown by GET /mail/view without ?limit= (each one's HTML body is a frame of its own).
VIEW_DEFAULT_LIMIT = 100
# Addresses whose attempts are counted at once; the oldest is forgotten beyond this.
MAX_COUNTED_ADDRESSES = 10_000
# The failure domains: address domain -> (status, x-amzn-ErrorType, message).
FAILURE_DOMAINS = {
    "reject.invalid": (400, "MessageRejected", "Message rejected (local failure address)."),
    "unavailable.invalid": (503, "ServiceUnavailable", "Service unavailable (local failure address)."),
}

# An http(s) URL in plain text: up to whitespace, quotes or angle brackets.
_TEXT_URL = re.compile(r"""https?://[^\s<>"'`]+""", re.IGNORECASE)
# Sentence punctuation right after a URL in prose is not part of it.
_TRAILING_PUNCTUATION = ".,;:!?"
_CLOSERS = {")": "(", "]": "[", "}": "{"}


def _aws_error(status: int, error_type: str, message: str) -> web.Response:
    return web.json_response({"message": message}, status=status, headers={"x-amzn-ErrorType": error_type})


def _bad_request(message: str) -> web.Response:
    return _aws_error(400, "BadRequestException", message)


class _BadRequest(Exception):
    pass


def _trim_url(url: str) -> str:
    """`url` without the punctuation prose puts after it: `.` or `,`, or a `)` that closes nothing."""
    while url:
        last = url[-1]
        if last in _TRAILING_PUNCTUATION:
            url = url[:-1]
        elif last in _CLOSERS and url.count(last) > url.count(_CLOSERS[last]):
            url = url[:-1]
        else:
            break
    return url


def _text_links(text: str) -> list[str]:
    links = []
    for match in _TEXT_URL.finditer(text):
        url = _trim_url(match.group(0))
        if url.split("://", 1)[1]:  # more than the scheme
            links.append(url)
    return links


class _HrefCollector(HTMLParser):
    """Every href attribute, in document order; HTMLParser resolves character references in them."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.hrefs: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        for name, value in attrs:
            if name == "href" and value and value.strip():
                self.hrefs.append(value.strip())

    handle_startendtag = handle_starttag


def _html_links(document: str) -> list[str]:
    collector = _HrefCollector()
    try:
        collector.feed(document)
        collector.close()
    except Exception:  # noqa: BLE001 - HTMLParser is lenient; whatever it read so far still counts
        pass
    return collector.hrefs


def extract_links(text: str | None, html_body: str | None) -> list[str]:
    """Every http(s) URL of `text`, then every href of `html_body`, first occurrence only."""
    seen: dict[str, None] = {}
    for link in (_text_links(text) if text else []) + (_html_links(html_body) if html_body else []):
        seen.setdefault(link, None)
    return list(seen)


def _address(value: str) -> str:
    """The addr-spec of `value` ("Ann <ann@example.com>" -> "ann@example.com"), in lower case."""
    return (parseaddr(value)[1] or value).strip().lower()


def _domain(value: str) -> str:
    return _address(value).rpartition("@")[2]


def _content_data(container: Any, key: str) -> str | None:
    """container[key]["Data"] when it is a string, else None."""
    part = container.get(key) if isinstance(container, dict) else None
    data = part.get("Data") if isinstance(part, dict) else None
    return data if isinstance(data, str) else None


def _address_list(destination: dict, key: str) -> list[str]:
    value = destination.get(key)
    if value is None:
        return []
    if not isinstance(value, list) or not all(isinstance(a, str) and a.strip() for a in value):
        raise _BadRequest(f"Destination.{key} must be a list of email addresses")
    return [a.strip() for a in value]


def parse_send_email(body: bytes) -> dict[str, Any]:
    """The mail a SendEmail request body describes (without id and sent_at); _BadRequest if invalid."""
    try:
        request = json.loads(body)
    except (ValueError, UnicodeDecodeError):
        raise _BadRequest("the request body is not JSON") from None
    if not isinstance(request, dict):
        raise _BadRequest("the request body is not a JSON object")

    sender = request.get("FromEmailAddress")
    if not isinstance(sender, str) or not sender.strip():
        raise _BadRequest("FromEmailAddress is required")

    destination = request.get("Destination")
    if destination is None:
        destination = {}
    if not isinstance(destination, dict):
        raise _BadRequest("Destination must be an object")
    to, cc, bcc = (_address_list(destination, key) for key in ("ToAddresses", "CcAddresses", "BccAddresses"))
    if not (to or cc or bcc):
        raise _BadRequest("Destination has no recipient (ToAddresses, CcAddresses or BccAddresses)")

    content = request.get("Content")
    if not isinstance(content, dict):
        raise _BadRequest("Content is required")
    if content.get("Raw") is not None or content.get("Template") is not None:
        raise _BadRequest("only Simple content is supported locally")
    simple = content.get("Simple")
    if not isinstance(simple, dict):
        raise _BadRequest("Content.Simple is required")
    subject = _content_data(simple, "Subject")
    if subject is None or not subject.strip():
        raise _BadRequest("Content.Simple.Subject.Data is required")
    body_part = simple.get("Body")
    text = _content_data(body_part, "Text")
    html_body = _content_data(body_part, "Html")
    if not text and not html_body:
        raise _BadRequest("Content.Simple.Body needs Text or Html with Data")

    return {
        "from": sender.strip(),
        "to": to,
        "cc": cc,
        "bcc": bcc,
        "subject": subject,
        "text": text,
        "html": html_body,
        "links": extract_links(text, html_body),
    }


def new_message_id() -> str:
    """Unique, and shaped like SES's own ids (hex time, a UUID, a sequence part)."""
    return f"{time.time_ns() // 1_000_000:016x}-{uuid.uuid4()}-000000"


class Mailbox:
    """The captured mails (newest last) and the attempts at the failure addresses."""

    def __init__(self, capacity: int = MAX_MAILS) -> None:
        self.mails: deque[dict[str, Any]] = deque(maxlen=capacity)
        self.rejected: dict[str, int] = {}

    def add(self, mail: dict[str, Any]) -> None:
        self.mails.append(mail)

    def count_attempt(self, address: str) -> None:
        self.rejected[address] = self.rejected.pop(address, 0) + 1  # re-inserted: newest last
        while len(self.rejected) > MAX_COUNTED_ADDRESSES:
            del self.rejected[next(iter(self.rejected))]

    def newest_first(self, to: str | None, limit: int) -> list[dict[str, Any]]:
        found = []
        for mail in reversed(self.mails):
            if to is None or any(to in (r.lower(), _address(r)) for r in mail["to"] + mail["cc"] + mail["bcc"]):
                found.append(mail)
                if len(found) >= limit:
                    break
        return found

    def attempts(self, to: str | None) -> dict[str, int]:
        if to is None:
            return dict(self.rejected)
        key = _address(to)
        return {key: self.rejected[key]} if key in self.rejected else {}


def _query(request: web.Request, default_limit: int) -> tuple[str | None, int]:
    """?to= (lower case, None when absent) and ?limit= (default_limit when absent); _BadRequest."""
    to = request.query.get("to")
    to = to.strip().lower() if to is not None and to.strip() else None
    raw = request.query.get("limit")
    if raw is None:
        return to, default_limit
    if not re.fullmatch(r"[0-9]{1,6}", raw) or not 1 <= int(raw) <= MAX_MAILS:
        raise _BadRequest(f"limit must be an integer within 1..{MAX_MAILS}")
    return to, int(raw)


class MailRoutes:
    def __init__(self, mailbox: Mailbox | None = None) -> None:
        self.mailbox = mailbox if mailbox is not None else Mailbox()

    def add_to(self, app: web.Application) -> None:
        app.router.add_post("/v2/email/outbound-emails", self.send_email)
        app.router.add_get("/mail", self.list_mail)
        app.router.add_get("/mail/view", self.view)

    async def send_email(self, request: web.Request) -> web.Response:
        try:
            body = await request.read()
        except web.HTTPRequestEntityTooLarge:
            return _bad_request("the request body is too large")
        try:
            mail = parse_send_email(body)
        except _BadRequest as err:
            log.info("SendEmail refused (BadRequestException): %s", err)  # the reason names fields only
            return _bad_request(str(err))

        recipients = mail["to"] + mail["cc"] + mail["bcc"]
        domains = {_domain(r) for r in recipients}
        for domain, (status, error_type, message) in FAILURE_DOMAINS.items():
            if domain in domains:
                for recipient in recipients:
                    if _domain(recipient) in FAILURE_DOMAINS:
                        self.mailbox.count_attempt(_address(recipient))
                log.info("SendEmail to %d recipient(s) failed on purpose: %d %s (local failure address)",
                         len(recipients), status, error_type)
                return _aws_error(status, error_type, message)

        message_id = new_message_id()
        self.mailbox.add({"id": message_id, **mail, "sent_at": iso_ms(now_ms())})
        log.info("captured mail %s to %d recipient(s)", message_id, len(recipients))
        return web.json_response({"MessageId": message_id}, headers={"x-amzn-RequestId": str(uuid.uuid4())})

    async def list_mail(self, request: web.Request) -> web.Response:
        try:
            to, limit = _query(request, MAX_MAILS)
        except _BadRequest as err:
            return web.json_response({"message": str(err)}, status=400)
        return web.json_response(
            {"results": self.mailbox.newest_first(to, limit), "rejected_attempts": self.mailbox.attempts(to)},
            headers={"Cache-Control": "no-store"},
        )

    async def view(self, request: web.Request) -> web.Response:
        try:
            to, limit = _query(request, VIEW_DEFAULT_LIMIT)
        except _BadRequest as err:
            return web.Response(status=400, text=str(err), headers={"Cache-Control": "no-store"})
        mails = self.mailbox.newest_first(to, limit)
        matching = len(self.mailbox.newest_first(to, MAX_MAILS))
        return web.Response(
            text=render_view(mails, matching, to, self.mailbox.attempts(to)),
            content_type="text/html",
            charset="utf-8",
            headers=VIEW_HEADERS,
        )


# The page loads nothing: inline styles only, no script anywhere (the mails' own HTML included: each
# is in a sandbox="" frame, which also inherits this policy, so a mail's remote images stay unloaded).
VIEW_HEADERS = {
    "Content-Security-Policy": (
        "default-src 'none'; style-src 'unsafe-inline'; img-src data:; base-uri 'none'; form-action 'none'"
    ),
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "Cache-Control": "no-store",
}

_STYLE = """
body { font: 15px/1.45 system-ui, -apple-system, "Segoe UI", sans-serif; margin: 0 auto; max-width: 64rem;
       padding: 1.5rem; color: #1d1d1f; background: #f5f5f7; }
h1 { font-size: 1.4rem; margin: 0 0 .25rem; }
.note { color: #555; margin: 0 0 1.25rem; }
.empty { padding: 2rem; text-align: center; background: #fff; border-radius: 8px; color: #555; }
article { background: #fff; border: 1px solid #ddd; border-radius: 8px; padding: 1rem 1.25rem; margin: 0 0 1rem; }
article h2 { font-size: 1.1rem; margin: 0 0 .5rem; overflow-wrap: anywhere; }
dl { display: grid; grid-template-columns: max-content 1fr; gap: .15rem .75rem; margin: 0 0 .75rem; }
dt { color: #666; } dd { margin: 0; overflow-wrap: anywhere; }
ul.links { margin: .25rem 0 .75rem; padding-left: 1.25rem; } ul.links li { overflow-wrap: anywhere; }
h3 { font-size: .85rem; text-transform: uppercase; letter-spacing: .04em; color: #666; margin: .75rem 0 .25rem; }
pre { white-space: pre-wrap; overflow-wrap: anywhere; background: #f8f8f8; border: 1px solid #eee;
      border-radius: 4px; padding: .75rem; margin: 0; font: 13px/1.4 ui-monospace, Menlo, Consolas, monospace; }
iframe { width: 100%; height: 22rem; border: 1px solid #eee; border-radius: 4px; background: #fff;
         resize: vertical; }
code { font: 13px ui-monospace, Menlo, Consolas, monospace; }
"""


def _e(value: Any) -> str:
    return html.escape(str(value), quote=True)


def _link_item(link: str) -> str:
    if re.match(r"https?://", link, re.IGNORECASE):
        return f'<li><a href="{_e(link)}" target="_blank" rel="noopener noreferrer">{_e(link)}</a></li>'
    return f"<li><code>{_e(link)}</code> (not an http(s) link)</li>"  # javascript:, mailto:, relative


def _render_mail(mail: dict[str, Any]) -> str:
    rows = [("From", mail["from"]), ("To", ", ".join(mail["to"]) or "(none)")]
    if mail["cc"]:
        rows.append(("Cc", ", ".join(mail["cc"])))
    if mail["bcc"]:
        rows.append(("Bcc", ", ".join(mail["bcc"])))
    rows += [("Sent", mail["sent_at"]), ("Id", mail["id"])]
    parts = [
        "<article>",
        f"<h2>{_e(mail['subject'])}</h2>",
        "<dl>" + "".join(f"<dt>{_e(k)}</dt><dd>{_e(v)}</dd>" for k, v in rows) + "</dl>",
    ]
    if mail["links"]:
        items = "".join(_link_item(link) for link in mail["links"])
        parts.append(f'<h3>Links</h3><ul class="links">{items}</ul>')
    if mail["text"] is not None:
        parts.append(f"<h3>Text</h3><pre>{_e(mail['text'])}</pre>")
    if mail["html"] is not None:
        parts.append(f'<h3>HTML</h3><iframe sandbox="" referrerpolicy="no-referrer" title="HTML body of '
                     f'{_e(mail["subject"])}" srcdoc="{_e(mail["html"])}"></iframe>')
    parts.append("</article>")
    return "\n".join(parts)


def render_view(mails: list[dict[str, Any]], matching: int, to: str | None, attempts: dict[str, int]) -> str:
    scope = f" to {to}" if to else ""
    if mails:
        shown = f"newest first; showing {len(mails)} of {matching}" if len(mails) < matching else "newest first"
        summary = f"{matching} mail(s){scope} captured, {shown}."
        content = "\n".join(_render_mail(m) for m in mails)
    else:
        summary = "Nothing was sent to that address yet." if to else "No mail has been sent yet."
        content = f'<p class="empty">{_e(summary)}</p>'
        summary = ""
    if attempts:
        counted = ", ".join(f"{address}: {count}" for address, count in attempts.items())
        summary += f" Attempts at local failure addresses: {counted}."
    return (
        "<!doctype html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
        "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
        f"<title>Captured mail{_e(scope)}</title>\n<style>{_STYLE}</style>\n</head>\n<body>\n"
        f"<h1>Captured mail{_e(scope)}</h1>\n"
        "<p class=\"note\">Every mail the local functions sent through SES (nothing left this machine). "
        "JSON: <code>/mail</code>. Reload for new mail.</p>\n"
        + (f"<p class=\"note\">{_e(summary.strip())}</p>\n" if summary.strip() else "")
        + content
        + "\n</body>\n</html>\n"
    )

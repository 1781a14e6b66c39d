"""Notices as webhooks: a signed JSON POST per notice (design §8 "Channels").

The body has Statuspage's webhook shape, so receivers written for Statuspage work unchanged:

    {"meta": {"unsubscribe": …, "documentation": …},
     "page": {"id": …, "status_indicator": "major", "status_description": "Partial System Outage"},
     "incident": {… as in api/v2/incidents.json, with the updates so far …}}

and, for each component an update changes, a second kind of body with `component_update`
(`old_status`, `new_status`, `component_id`) and `component` in place of `incident`.

Every request is signed: `X-Statuspage-Signature: t=<unix time>,v1=<hex>` where `<hex>` is
HMAC-SHA256 of `<unix time>.<body>` with the webhook's own secret (`whsec_…`, printed by
`statuspage subscribers add --webhook` and `subscribers secret`). Receivers check it and the
time, as docs/notices.md shows.

When the URL is a Slack, Microsoft Teams or Discord incoming webhook (or the subscriber's
`format` says so), the body is that service's message format instead, which those services
need; they get no signature header (they check the secret in the URL).

Written on the standard library's http.client rather than on apprise: apprise answers each
notification with True or False, and delivery needs the status code itself (410 Gone means
unsubscribe, 5xx and timeouts are retried later, a timeout after the request went out is
"in doubt") and the signature header Statuspage receivers expect.
"""

from __future__ import annotations

import hashlib
import hmac
import http.client
import json
import select
import socket
import ssl
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from urllib.parse import urlsplit

from statuspage.inputs.model import Site
from statuspage.notify.notices import Notice, Recipient, Renderer
from statuspage.outputs.api import WebhookParts

JSON = dict[str, Any]
TIMEOUT = 10.0
SIGNATURE_HEADER = "X-Statuspage-Signature"
USER_AGENT = "statuspage-webhooks"
_SLACK = ("hooks.slack.com",)
_DISCORD = ("discord.com", "discordapp.com", "ptb.discord.com", "canary.discord.com")


def webhook_format(url: str, chosen: str | None = None) -> str:
    """statuspage, slack, teams or discord: the subscriber's choice, else by the URL's host."""
    if chosen:
        return chosen
    parts = urlsplit(url)
    host = (parts.hostname or "").lower()
    if host in _SLACK:
        return "slack"
    if host in _DISCORD and parts.path.startswith("/api/webhooks/"):
        return "discord"
    if host.endswith((".webhook.office.com", ".logic.azure.com")) or (
        host == "outlook.office.com" and parts.path.startswith("/webhook")
    ):
        return "teams"
    return "statuspage"


def sign(secret: str, timestamp: int, body: bytes) -> str:
    """The signature header's value for one request."""
    mac = hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256)
    return f"t={timestamp},v1={mac.hexdigest()}"


def verify(secret: str, header: str, body: bytes, *, now: int, tolerance: int = 300) -> bool:
    """What a receiver does (docs/notices.md has the same in a few lines)."""
    fields = dict(part.split("=", 1) for part in header.split(",") if "=" in part)
    try:
        timestamp = int(fields["t"])
    except (KeyError, ValueError):
        return False
    if abs(now - timestamp) > tolerance:
        return False
    return hmac.compare_digest(sign(secret, timestamp, body), header)


# -- bodies --------------------------------------------------------------------------------


class Bodies:
    """The JSON bodies of one run, sharing what every receiver gets."""

    def __init__(self, site: Site, renderer: Renderer) -> None:
        self.site = site
        self.parts = WebhookParts(site)
        self.renderer = renderer
        self._page: JSON | None = None
        self._incidents: dict[str, JSON] = {}

    def page(self) -> JSON:
        if self._page is None:
            self._page = self.parts.page()
        return self._page

    def meta(self, unsubscribe: str | None) -> JSON:
        return {"unsubscribe": unsubscribe, "documentation": f"{self.site.config.base_url}/"}

    def statuspage(self, notice: Notice, unsubscribe: str | None, component: str | None) -> JSON:
        if component is not None:
            return self._component(notice, unsubscribe, component)
        incident = self._incidents.get(notice.key)
        if incident is None:
            incident = self.parts.incident(notice.incident, notice.update.index)
            self._incidents[notice.key] = incident
        return {"meta": self.meta(unsubscribe), "page": self.page(), "incident": incident}

    def _component(self, notice: Notice, unsubscribe: str | None, component: str) -> JSON:
        changes = self.parts.component_changes(notice.incident, notice.update.index)
        code, old, new = next(c for c in changes if c[0] == component)
        at = self.parts.time(notice.update.at)
        return {
            "meta": self.meta(unsubscribe),
            "page": self.page(),
            "component_update": {
                "id": f"{notice.incident.id}.{notice.update.index}.{code}",
                "component_id": code,
                "created_at": at,
                "old_status": old.value,
                "new_status": new.value,
            },
            "component": self.parts.component(code),
        }

    def changed_components(self, notice: Notice) -> list[str]:
        if notice.kind.value != "update":
            return []
        changes = self.parts.component_changes(notice.incident, notice.update.index)
        known = self.site.config.component_ids
        return [code for code, old, new in changes if old is not new and code in known]

    def chat(self, kind: str, notice: Notice, recipient: Recipient) -> JSON:
        values = self.renderer.context(notice, recipient)
        title = f"{values['status']}: {values['title']}"
        text = str(values["update"]["text"]).strip() if values["show_update"] else ""
        url = str(values["incident_url"])
        states = [f"{c['name']}: {c['state_word']}" for c in values["components"]]
        site = str(values["site"]["title"])
        if kind == "slack":
            # No unsubscribe link in chat: its token names the webhook's secret URL, and
            # anyone in the channel could read it or unsubscribe the channel.
            return _slack(site, title, text, url, states)
        if kind == "discord":
            return _discord(site, title, text, url, states)
        return _teams(site, title, text, url, states)


def _slack_escape(text: str) -> str:
    """Slack's mrkdwn: `<`, `>` and `&` escaped, so text cannot make links or @channel."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _slack(site: str, title: str, text: str, url: str, states: list[str]) -> JSON:
    blocks: list[JSON] = [
        {
            "type": "section",
            "text": {
                "type": "mrkdwn",
                "text": f"*<{url}|{_slack_escape(title)}>*\n{_slack_escape(text)}",
            },
        }
    ]
    context = [_slack_escape(s) for s in states]
    if context:
        blocks.append(
            {"type": "context", "elements": [{"type": "mrkdwn", "text": " · ".join(context)}]}
        )
    return {"text": _slack_escape(f"[{site}] {title}"), "blocks": blocks}


def _discord(site: str, title: str, text: str, url: str, states: list[str]) -> JSON:
    return {
        "username": site[:80],
        "content": None,
        "embeds": [
            {
                "title": title[:256],
                "url": url,
                "description": text[:4000],
                "fields": [{"name": "Components", "value": "\n".join(states)[:1024]}]
                if states
                else [],
            }
        ],
        "allowed_mentions": {"parse": []},  # text from incidents never pings anyone
    }


def _teams(site: str, title: str, text: str, url: str, states: list[str]) -> JSON:
    body: list[JSON] = [
        {"type": "TextBlock", "text": site, "isSubtle": True, "wrap": True},
        {"type": "TextBlock", "text": title, "weight": "Bolder", "size": "Medium", "wrap": True},
        {"type": "TextBlock", "text": text, "wrap": True},
    ]
    if states:
        body.append({"type": "TextBlock", "text": "\n\n".join(states), "wrap": True})
    card = {
        "$schema": "http://adaptivecards.io/schemas/adaptive-card.json",
        "type": "AdaptiveCard",
        "version": "1.4",
        "body": body,
        "actions": [{"type": "Action.OpenUrl", "title": "Open", "url": url}],
    }
    return {
        "type": "message",
        "attachments": [
            {"contentType": "application/vnd.microsoft.card.adaptive", "content": card}
        ],
    }


def encode(body: JSON) -> bytes:
    return json.dumps(body, ensure_ascii=False, sort_keys=True, separators=(",", ":")).encode()


# -- sending -------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Answer:
    """What a receiver said: a status, or None when the request went out unanswered."""

    status: int | None
    sent: bool  # the whole request went out (a missing answer is then "in doubt")
    reason: str = ""


class Poster:
    """POSTs over kept-alive connections, one per host; never follows redirects."""

    def __init__(self, *, timeout: float = TIMEOUT, context: ssl.SSLContext | None = None) -> None:
        self.timeout = timeout
        self.context = context or ssl.create_default_context()
        self._connections: dict[tuple[str, str, int], http.client.HTTPConnection] = {}

    def close(self) -> None:
        for connection in self._connections.values():
            connection.close()
        self._connections.clear()

    def _connection(self, scheme: str, host: str, port: int) -> http.client.HTTPConnection:
        key = (scheme, host, port)
        found = self._connections.get(key)
        if found is not None and found.sock is not None and _closed(found.sock):
            self._forget(key)  # the server closed it while idle: never reuse that one
            found = None
        if found is None:
            if scheme == "https":
                found = http.client.HTTPSConnection(
                    host, port, timeout=self.timeout, context=self.context
                )
            else:
                found = http.client.HTTPConnection(host, port, timeout=self.timeout)
            self._connections[key] = found
        return found

    def post(self, url: str, body: bytes, headers: dict[str, str]) -> Answer:
        parts = urlsplit(url)
        scheme, host = parts.scheme, parts.hostname or ""
        port = parts.port or (443 if scheme == "https" else 80)
        target = parts.path or "/"
        if parts.query:
            target += "?" + parts.query
        all_headers = {
            "Content-Type": "application/json",
            "User-Agent": USER_AGENT,
            **headers,
        }
        key = (scheme, host, port)
        for _ in range(2):
            reused = key in self._connections
            connection = self._connection(scheme, host, port)
            sent = False
            try:
                connection.request("POST", target, body=body, headers=all_headers)
                sent = True
                response = connection.getresponse()
                response.read(65536)
                if response.will_close:
                    self._forget(key)
                return Answer(response.status, True, response.reason)
            except (http.client.RemoteDisconnected, ConnectionResetError, BrokenPipeError) as exc:
                self._forget(key)
                if sent:
                    # The whole request went out and met silence: the receiver may have
                    # acted on it, so it is in doubt and never POSTed again at once.
                    return Answer(None, True, str(exc) or type(exc).__name__)
                if reused:
                    # A kept-alive connection the server had closed while idle, found
                    # while writing the request: nothing was taken.
                    continue
                # Refused outright (a full listen queue resets new connections): not taken.
                return Answer(None, False, str(exc) or type(exc).__name__)
            except (OSError, http.client.HTTPException) as exc:
                self._forget(key)
                if isinstance(exc, TimeoutError | socket.timeout):
                    return Answer(None, sent, "timed out")
                reason = getattr(exc, "strerror", None) or str(exc) or type(exc).__name__
                return Answer(None, sent, reason)
        return Answer(None, False, "the connection keeps closing")

    def _forget(self, key: tuple[str, str, int]) -> None:
        connection = self._connections.pop(key, None)
        if connection is not None:
            connection.close()


def _closed(sock: socket.socket) -> bool:
    """An idle kept-alive connection the server has closed (readable: EOF or a reset)."""
    try:
        readable, _, _ = select.select([sock], [], [], 0)
    except (OSError, ValueError):
        return True
    return bool(readable)


def headers(secret: str, body: bytes, moment: datetime, kind: str) -> dict[str, str]:
    if kind != "statuspage":
        return {}
    return {SIGNATURE_HEADER: sign(secret, int(moment.timestamp()), body)}

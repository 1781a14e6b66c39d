"""Nothing from a file or the config can add a header (design §9).

`validate` refuses line breaks and control characters in every value that can reach an
e-mail header or a CI annotation, with its place; and the message builder writes each header
as one line whatever a value holds, so a site made in code (or a check missed) cannot split
one either. Messages go to a real SMTP server (aiosmtpd on 127.0.0.1) and are read back.
"""

from __future__ import annotations

import re
from dataclasses import replace
from datetime import timedelta
from email import message_from_bytes, policy
from pathlib import Path

import pytest
from click.testing import CliRunner

from statuspage.cli import cli
from statuspage.inputs.diagnostics import StatuspageError
from statuspage.inputs.load import load_site_or_raise
from statuspage.inputs.model import Site, Text
from statuspage.notify.ledger import KEY_ENV
from statuspage.notify.send import notify
from statuspage.notify.store import DATABASE_ENV, Store
from statuspage.notify.subscribers import Subscriber, SubscriberStore
from tests.mailserver import Recorder, smtp_server
from tests.notify_sites import (
    API_KEYS,
    CHECKOUT_KEYS,
    NOTIFY_CONFIG,
    NOW,
    NOW_TEXT,
    SECRET,
    UPGRADE_KEYS,
    notify_site,
)
from tests.sites import write_site

INJECTED = "\r\nBcc: evil@evil.example\r\nX-Injected: 1\r\n\r\nreplaced body"
# Every header a notice has; a split header would add one (or start the body early).
HEADERS = {
    "Subject",
    "From",
    "Reply-To",
    "Date",
    "Message-ID",
    "In-Reply-To",
    "References",
    "List-Id",
    "List-Archive",
    "Auto-Submitted",
    "X-Auto-Response-Suppress",
    "X-Statuspage-Notice",
    "To",
    "List-Unsubscribe",
    "List-Unsubscribe-Post",
    "Content-Language",
    "MIME-Version",
    "Content-Type",
}
SUBSCRIBER = "jane@example.com"


@pytest.fixture(autouse=True)
def ledger_key(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(KEY_ENV, SECRET)


def validate(root: Path) -> tuple[int, list[str]]:
    result = CliRunner().invoke(
        cli, ["validate", "--no-git", "--root", str(root), "--now", NOW_TEXT]
    )
    return result.exit_code, result.stdout.splitlines()


# -- validate ------------------------------------------------------------------------------

HOSTILE_CONFIG = """\
title: "Test Shop\\r\\nBcc: evil@evil.example"
base_url: https://status.test.example
timezone: Europe/Paris
contact:
  email: support@acme.example>,<https://evil.example/unsub
  url: "https://test.example/help\\nX-Injected: 1"
components:
  - id: web
    name: "Website\\u2028X-Injected: 1"
    group: "Orders\\tX"
notify:
  from: "Status\\nX-Injected: yes <status@test.example>"
  reply_to: "a@test.example, b@test.example"
  unsubscribe_mailto: "unsub@test.example\\r\\n"
  unsubscribe_url: https://test.example/unsub?a=1>,<https://evil.example/
subscriptions:
  url: https://test.example/s>,<https://evil.example/
"""


def test_validate_refuses_what_would_split_a_header(tmp_path: Path) -> None:
    root = write_site(tmp_path, config=HOSTILE_CONFIG)
    code, lines = validate(root)
    assert code == 1
    assert lines == [
        "statuspage.yaml:1:8: error: title: contains a line break (U+000D); it must be one "
        "line, as it can reach e-mail headers",
        "statuspage.yaml:5:10: error: contact.email: 'support@acme.example>,"
        "<https://evil.example/unsub' is not one e-mail address like status@example.com",
        "statuspage.yaml:6:8: error: contact.url: contains a line break (U+000A); it must be "
        "one line, as it can reach e-mail headers",
        "statuspage.yaml:9:11: error: components[0].name: contains a line break (U+2028); it "
        "must be one line, as it can reach e-mail headers",
        "statuspage.yaml:10:12: error: components[0].group: contains a tab (U+0009), which an "
        "e-mail header cannot carry; use a space",
        "statuspage.yaml:12:9: error: notify.from: contains a line break (U+000A); it must be "
        "one line, as it can reach e-mail headers",
        "statuspage.yaml:13:13: error: notify.reply_to: 'a@test.example, b@test.example' is "
        "not one e-mail address like status@example.com or Example Status "
        "<status@example.com>",
        "statuspage.yaml:14:23: error: notify.unsubscribe_mailto: contains a line break "
        "(U+000D); it must be one line, as it can reach e-mail headers",
        "statuspage.yaml:15:20: error: notify.unsubscribe_url: "
        "'https://test.example/unsub?a=1>,<https://evil.example/' is not an absolute "
        "https:// URL",
        "statuspage.yaml:17:8: error: subscriptions.url: 'https://test.example/s>,"
        "<https://evil.example/' is not an absolute https:// URL without a query (http:// "
        "only for localhost, to try it out)",
    ]


@pytest.mark.parametrize(
    ("email", "ok"),
    [
        ("help@test.example", True),
        ("first.last+status@sub.test.example", True),
        ("hilfe@bücher.example", True),  # sent as xn--bcher-kva.example
        ("support@acme.example>,<https://evil.example/unsub", False),
        ("Support <help@test.example>", False),  # a name belongs in notify.from
        ("a@test.example,b@test.example", False),
        ("help@test.example?subject=x", False),
        ("help@localhost", False),
        ('"quoted"@test.example', False),
    ],
)
def test_contact_email_is_exactly_one_address(tmp_path: Path, email: str, ok: bool) -> None:
    config = NOTIFY_CONFIG.replace("email: help@test.example", f"email: '{email}'")
    code, lines = validate(notify_site(tmp_path, config=config))
    if ok:
        assert (code, lines) == (0, [])
    else:
        assert code == 1
        assert lines == [
            f"statuspage.yaml:6:10: error: contact.email: {email!r} is not one e-mail "
            "address like status@example.com"
        ]


def test_incident_titles_are_one_line(tmp_path: Path) -> None:
    incident = """\
        title:
          en: "Checkout errors\\nX-Injected: 1"
          fr: Erreurs au paiement
        impact: minor
        updates:
          - at: 2026-11-20T14:02:00+01:00
            status: investigating
            message: |
              A message is Markdown:
              it may have lines.
        """
    root = write_site(tmp_path, {"2026-11-20-a": incident})
    code, lines = validate(root)
    assert code == 1
    assert lines == [
        "incidents/2026-11-20-a.yaml:2:7: error: title.en: contains a line break (U+000A); "
        "it must be one line, as it can reach e-mail headers"
    ]


# -- the messages --------------------------------------------------------------------------


def hostile_site(root: Path) -> Site:
    """The test site as if validation had been skipped: line breaks everywhere in what
    reaches a header."""
    notify_site(root)
    SubscriberStore(root / ".statuspage" / "subscribers.json").add([Subscriber(email=SUBSCRIBER)])
    site = load_site_or_raise(root, now=NOW, check_git=False)
    config = site.config
    config = replace(
        config,
        title="Test Shop" + INJECTED,
        notify=replace(
            config.notify,
            sender='"Status\r\nX-Injected: from" <status@test.example>',
            reply_to='"Help\nX-Injected: reply" <help@test.example>',
            unsubscribe_url="https://test.example/unsub?a=1>,<https://evil.example/"
            "\r\nX-Injected: 1",
        ),
    )
    incidents = tuple(
        replace(i, title=Text("Checkout errors" + INJECTED, (("en", "Checkout" + INJECTED),)))
        if i.id == "2026-11-20-checkout-errors"
        else i
        for i in site.incidents
    )
    return replace(site, config=config, incidents=incidents)


def header_names(raw: bytes) -> set[str]:
    head, _, _ = raw.partition(b"\r\n\r\n")
    return {m.decode() for m in re.findall(rb"^([^ \t:\r\n]+):", head, re.MULTILINE)}


def test_no_value_splits_a_header_of_a_sent_message(tmp_path: Path) -> None:
    site = hostile_site(tmp_path / "site")
    with smtp_server() as (handler, port):
        report = notify(site, smtp_url=f"smtp://127.0.0.1:{port}", reconnect_backoff=0)
    # Every notice arrived, the ones after the hostile incident's included.
    assert report.ok and report.sent == 5
    assert sorted(handler.pairs()) == sorted(
        (key, SUBSCRIBER) for key in [*CHECKOUT_KEYS, *UPGRADE_KEYS, *API_KEYS]
    )
    strict = policy.SMTP.clone(raise_on_defect=True)
    for received in handler.received:
        assert received.recipient == SUBSCRIBER  # the envelope: nobody was added
        names = header_names(received.data)
        assert names <= HEADERS, names - HEADERS
        assert "Bcc" not in names and "X-Injected" not in names
        message = message_from_bytes(received.data, policy=strict)
        assert message["Bcc"] is None and message["X-Injected"] is None
        # The body is the notice's: its parts, nothing put in front of them.
        parts = [part.get_content_type() for part in message.walk()]
        assert parts in (
            ["multipart/alternative", "text/plain", "text/html"],
            [
                "multipart/mixed",
                "multipart/alternative",
                "text/plain",
                "text/html",
                "text/calendar",
            ],
        )
        for part in message.walk():
            assert not part.defects, part.defects
    messages = {r.notice: r.message for r in handler.received}
    checkout = messages[CHECKOUT_KEYS[0]]
    # The subject is the title on one line; the body is the update, intact.
    assert checkout["Subject"] == (
        "[Test Shop Bcc: evil@evil.example X-Injected: 1 replaced body] Investigating: "
        "Checkout Bcc: evil@evil.example X-Injected: 1 replaced body"
    )
    assert checkout["From"] == '"Status X-Injected: from" <status@test.example>'
    assert checkout["Reply-To"] == '"Help X-Injected: reply" <help@test.example>'
    assert checkout["List-Unsubscribe"].endswith(
        "<https://test.example/unsub?a=1%3E%2C%3Chttps://evil.example/%0D%0AX-Injected:%201"
        f"&token={checkout['List-Unsubscribe'].rpartition('token=')[2]}"
    )
    text = checkout.get_body(("plain",))
    assert text is not None
    assert "Payments **fail**. We are investigating." in text.get_content()


def test_a_sender_that_is_not_one_address_stops_before_anything_is_sent(
    tmp_path: Path,
) -> None:
    site = hostile_site(tmp_path / "site")
    config = replace(
        site.config,
        notify=replace(site.config.notify, sender="status@test.example>\r\nBcc: evil@evil.example"),
    )
    with (
        smtp_server(Recorder()) as (handler, port),
        pytest.raises(StatuspageError, match="is not one e-mail address"),
    ):
        notify(replace(site, config=config), smtp_url=f"smtp://127.0.0.1:{port}")
    assert handler.received == []


@pytest.mark.parametrize("store", ["file", "database"])
def test_a_header_that_cannot_be_one_line_is_reported_and_later_notices_go(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, store: str
) -> None:
    monkeypatch.delenv(DATABASE_ENV, raising=False)
    site = hostile_site(tmp_path / "site")
    database = None
    if store == "database":  # the subscription database's send loop, on SQLite
        database = f"sqlite:///{tmp_path / 'subscriptions.db'}"
        with Store.open(database) as opened:
            opened.add_confirmed(
                [Subscriber(email=SUBSCRIBER, added=NOW - timedelta(days=30))],
                consent="test",
                now=NOW - timedelta(days=30),
            )
    # An id is a file name; one with a line break would split Message-ID: that message is
    # reported and not sent, and the others still are.
    incidents = tuple(
        replace(i, id=i.id + "\r\nX-Injected: 1") if i.id == "2026-11-22-api-slow" else i
        for i in site.incidents
    )
    with smtp_server() as (handler, port):
        report = notify(
            replace(site, incidents=incidents),
            smtp_url=f"smtp://127.0.0.1:{port}",
            reconnect_backoff=0,
            database=database,
        )
    assert sorted(handler.pairs()) == sorted(
        (key, SUBSCRIBER) for key in [*CHECKOUT_KEYS, *UPGRADE_KEYS]
    )
    # (What looks like an address in a reason may be masked in the report.)
    [failure] = report.failures
    assert failure.recipient == "ja…@example.com"
    assert failure.reason.startswith(
        "the Message-ID header of a notice would be '<2026-11-22-api-slow\\r\\nX-Injected: "
    )
    assert failure.reason.endswith("': not one line of ASCII, so it is not sent")
    for received in handler.received:
        assert "X-Injected" not in header_names(received.data)


# -- CI annotations ------------------------------------------------------------------------


def test_github_annotations_cannot_be_split_by_a_file_name(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    root = write_site(tmp_path)
    (root / "incidents" / "x\n::error file=statuspage.yaml,line=1::pwned%0A\r.txt").write_text("")
    monkeypatch.chdir(root)
    result = CliRunner().invoke(cli, ["validate", "--format", "github", "--no-git"])
    assert result.stdout == (
        "::warning file=incidents/x%0A%3A%3Aerror file=statuspage.yaml%2Cline=1%3A%3Apwned"
        "%250A%0D.txt,line=1,col=1::not read: incident files are incidents/<id>.yaml\n"
    )

"""E-mail notices as messages: which notices exist, and what each message holds.

Messages are rendered by the library and parsed back with Python's `email` package, the HTML
with `html.parser` and the calendar part with `icalendar`: no SMTP server needed here.
"""

from __future__ import annotations

import textwrap
from datetime import UTC, datetime, timedelta
from email import message_from_bytes, policy
from email.message import EmailMessage
from html.parser import HTMLParser
from pathlib import Path

import icalendar
import pytest
from click.testing import CliRunner

from statuspage.cli import cli
from statuspage.inputs.load import load_site_or_raise
from statuspage.inputs.model import Site
from statuspage.notify.notices import (
    Notice,
    NoticeKind,
    Recipient,
    Renderer,
    sender_of,
    site_notices,
)
from statuspage.notify.subscribers import unsubscribe_token, verify_unsubscribe_token
from tests.notify_sites import (
    CHECKOUT_KEYS,
    NOTIFY_CONFIG,
    NOW,
    NOW_TEXT,
    UPGRADE_KEYS,
    notify_site,
)
from tests.sites import write_site

HOST = "status.test.example"
DATE = datetime(2026, 11, 23, 8, 0, tzinfo=UTC)


@pytest.fixture
def site(tmp_path: Path) -> Site:
    return load_site_or_raise(notify_site(tmp_path), now=NOW, check_git=False)


def notice(site: Site, key: str) -> Notice:
    return next(n for n in site_notices(site) if n.key == key)


def render(site: Site, key: str, recipient: Recipient | None = None) -> EmailMessage:
    """Render, serialise and parse back, as a mail client would see it."""
    recipient = recipient or Recipient(
        address="jane@example.com",
        language="en",
        unsubscribe_url="https://test.example/unsubscribe?token=TOKEN",
    )
    raw = Renderer(site, sender_of(site.config), date=DATE).message(notice(site, key), recipient)
    parsed = message_from_bytes(raw.as_bytes(), policy=policy.default)
    assert isinstance(parsed, EmailMessage)
    return parsed


def body(message: EmailMessage, subtype: str) -> str:
    part = message.get_body(preferencelist=(subtype,))
    assert part is not None, f"no text/{subtype} part"
    content = part.get_content()
    assert isinstance(content, str)
    return content.replace("\r\n", "\n")  # SMTP's line ends, as a mail client shows them


class Tags(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.tags: list[tuple[str, dict[str, str | None]]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, dict(attrs)))


def tags(html: str) -> list[tuple[str, dict[str, str | None]]]:
    parser = Tags()
    parser.feed(html)
    return parser.tags


# -- which notices -------------------------------------------------------------------------


def test_every_update_is_a_notice_except_those_kept_off_email(site: Site) -> None:
    keys = [n.key for n in site_notices(site)]
    assert keys == [
        "2026-10-01-old/0",
        "2026-10-01-old/1",
        *CHECKOUT_KEYS[:2],
        CHECKOUT_KEYS[2],
        *UPGRADE_KEYS,
        "2026-11-22-api-slow/0",
    ]
    assert "2026-11-20-checkout-errors/2" not in keys  # deliver_notifications: false


def test_a_notice_concerns_the_components_touched_so_far(site: Site) -> None:
    assert notice(site, CHECKOUT_KEYS[0]).components == ("checkout",)
    assert notice(site, CHECKOUT_KEYS[1]).components == ("checkout", "payments")


def test_retracted_incidents_are_never_mailed(tmp_path: Path) -> None:
    root = notify_site(tmp_path)
    path = root / "incidents" / "2026-11-22-api-slow.yaml"
    path.write_text(path.read_text() + "retracted: Posted by mistake.\n")
    site = load_site_or_raise(root, now=NOW, check_git=False)
    assert not [n for n in site_notices(site) if n.incident.id == "2026-11-22-api-slow"]


def test_a_postmortem_published_later_is_a_notice(tmp_path: Path) -> None:
    root = notify_site(tmp_path)
    path = root / "incidents" / "2026-11-20-checkout-errors.yaml"
    path.write_text(path.read_text() + "postmortem: |\n  ## What happened\n  A bad cert.\n")
    site = load_site_or_raise(root, now=NOW, check_git=False)
    found = notice(site, "2026-11-20-checkout-errors/postmortem")
    assert found.kind is NoticeKind.POSTMORTEM and found.at is None
    message = render(site, found.key)
    assert message["Subject"] == "[Test Shop Status] Postmortem: Checkout errors"
    assert message["Message-ID"] == f"<2026-11-20-checkout-errors.postmortem@{HOST}>"
    assert message["In-Reply-To"] == f"<2026-11-20-checkout-errors.update-0@{HOST}>"
    text = body(message, "plain")
    assert "What happened" in text and "A bad cert." in text
    assert "All payments work again." in text  # the whole timeline below it
    assert "<h2>What happened</h2>" in body(message, "html")


def test_a_postmortem_announced_by_an_update_is_not_mailed_twice(tmp_path: Path) -> None:
    root = notify_site(tmp_path)
    path = root / "incidents" / "2026-11-20-checkout-errors.yaml"
    path.write_text(
        path.read_text()
        + textwrap.indent(
            "- at: 2026-11-22T10:00:00+01:00\n  status: postmortem\n  message: Read it.\n",
            "  ",
        )
        + "postmortem: The root cause was an expired certificate.\n"
    )
    site = load_site_or_raise(root, now=NOW, check_git=False)
    keys = [n.key for n in site_notices(site) if n.incident.id == "2026-11-20-checkout-errors"]
    assert keys == [*CHECKOUT_KEYS, "2026-11-20-checkout-errors/4"]
    text = body(render(site, "2026-11-20-checkout-errors/4"), "plain")
    assert "Read it." in text and "The root cause was an expired certificate." in text


@pytest.mark.parametrize(
    ("clock", "expected"),
    [
        ("2026-12-03T21:59:00+01:00", False),  # more than 60 minutes before the start
        ("2026-12-03T22:00:00+01:00", True),
        ("2026-12-03T22:59:00+01:00", True),
        ("2026-12-03T23:00:00+01:00", False),  # started: too late to remind
    ],
)
def test_reminder_before_a_maintenance(tmp_path: Path, clock: str, expected: bool) -> None:
    root = notify_site(tmp_path)
    from statuspage.inputs.clock import parse_now

    site = load_site_or_raise(root, now=parse_now(clock), check_git=False)
    reminders = [n for n in site_notices(site, reminder=timedelta(minutes=60))]
    reminders = [n for n in reminders if n.kind is NoticeKind.REMINDER]
    assert bool(reminders) is expected
    assert not [n for n in site_notices(site) if n.kind is NoticeKind.REMINDER]
    if expected:
        (reminder,) = reminders
        assert reminder.key == "2026-12-03-db-upgrade/reminder/20261203T2200Z"
        message = Renderer(site, sender_of(site.config), date=DATE).message(
            reminder, Recipient(address="jane@example.com", language="en")
        )
        assert message["Subject"] == "[Test Shop Status] Starting soon: Database upgrade"
        assert "This maintenance starts in" in body(message, "plain")


# -- the message ---------------------------------------------------------------------------


def test_headers(site: Site) -> None:
    message = render(site, CHECKOUT_KEYS[1])
    assert message["Subject"] == "[Test Shop Status] Identified: Checkout errors"
    assert message["From"] == "Test Shop Status <status@test.example>"
    assert message["To"] == "jane@example.com"
    assert message["Reply-To"] == "help@test.example"  # the contact, by default
    assert message["Date"] == "Mon, 23 Nov 2026 08:00:00 +0000"
    assert message["Content-Language"] == "en"
    assert message["Auto-Submitted"] == "auto-generated"
    assert message["List-Id"] == f"Test Shop Status <notices.{HOST}>"
    # RFC 8058: a mailto and an https URL, and the one-click POST marker.
    assert message["List-Unsubscribe"] == (
        "<mailto:unsubscribe@test.example?subject=unsubscribe>, "
        "<https://test.example/unsubscribe?token=TOKEN>"
    )
    assert message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"


def test_threading(site: Site) -> None:
    first = render(site, CHECKOUT_KEYS[0])
    assert first["Message-ID"] == f"<2026-11-20-checkout-errors.update-0@{HOST}>"
    assert first["In-Reply-To"] is None and first["References"] is None
    for key in CHECKOUT_KEYS[1:]:
        later = render(site, key)
        index = key.rpartition("/")[2]
        assert later["Message-ID"] == f"<2026-11-20-checkout-errors.update-{index}@{HOST}>"
        assert later["In-Reply-To"] == first["Message-ID"]
        assert later["References"] == first["Message-ID"]
    # Stable: the same notice rendered again, for someone else, has the same id.
    other = Recipient(address="bob@example.org", language="fr")
    assert render(site, CHECKOUT_KEYS[0], other)["Message-ID"] == first["Message-ID"]


@pytest.mark.parametrize("key", [CHECKOUT_KEYS[0], UPGRADE_KEYS[0]])
def test_wire_format(site: Site, key: str) -> None:
    """What goes over SMTP: 7-bit, CRLF only, short lines, and no MIME defects."""
    recipient = Recipient(
        address="jane@example.com",
        language="fr",
        unsubscribe_url="https://test.example/unsubscribe?token=" + "T" * 300,
    )
    raw = Renderer(site, sender_of(site.config), date=DATE).message_bytes(
        notice(site, key), recipient
    )
    assert raw.isascii()
    assert b"\n" not in raw.replace(b"\r\n", b"")
    head, _, rest = raw.partition(b"\r\n\r\n")
    assert all(len(line) <= 998 for line in head.split(b"\r\n"))
    assert all(len(line) <= 78 for line in rest.split(b"\r\n"))
    parsed = message_from_bytes(raw, policy=policy.default)
    for part in parsed.walk():
        assert not part.defects, (part.get_content_type(), part.defects)
    assert parsed["To"] == "jane@example.com"


def test_non_ascii_headers(tmp_path: Path) -> None:
    config = NOTIFY_CONFIG.replace("title: Test Shop Status", "title: Статус магазина").replace(
        "from: Test Shop Status <status@test.example>", "from: Статус магазина <s@test.example>"
    )
    root = notify_site(tmp_path, config=config)
    site = load_site_or_raise(root, now=NOW, check_git=False)
    message = render(site, CHECKOUT_KEYS[0])
    assert message["Subject"] == "[Статус магазина] Investigating: Checkout errors"
    assert message["From"] == "Статус магазина <s@test.example>"
    assert message["List-Id"] == "Статус магазина <notices.status.test.example>"


def test_structure_is_text_and_html_alternatives(site: Site) -> None:
    message = render(site, CHECKOUT_KEYS[0])
    assert message.get_content_type() == "multipart/alternative"
    parts = [part.get_content_type() for part in message.iter_parts()]
    assert parts == ["text/plain", "text/html"]
    for part in message.iter_parts():
        assert part.get_content_charset() == "utf-8"


def test_text_part(site: Site) -> None:
    text = body(render(site, CHECKOUT_KEYS[1]), "plain")
    assert text.startswith("Checkout errors\nIdentified · Nov 20, 2026, 2:30\u202fPM CET\n")
    assert "A faulty certificate; rolling back." in text
    assert "- Checkout: Partial outage\n- Payments: Degraded performance\n" in text
    assert "https://status.test.example/incidents/2026-11-20-checkout-errors/" in text
    # The earlier update, newest first, below.
    earlier = text.index("Earlier updates")
    assert text.index("Payments **fail**. We are investigating.") > earlier
    assert "Questions? Write to help@test.example or see https://test.example/help." in text
    assert "We answer within 8 hours." in text
    assert (
        "You receive this because jane@example.com is subscribed to notices from "
        "Test Shop Status." in text
    )
    assert "Unsubscribe with one click: https://test.example/unsubscribe?token=TOKEN" in text
    assert 'Or write to unsubscribe@test.example with the subject "unsubscribe".' in text


def test_next_update_promise_and_resolution(site: Site) -> None:
    first = body(render(site, CHECKOUT_KEYS[0]), "plain")
    assert "Next update by Nov 20, 2026, 2:32\u202fPM CET." in first
    resolved = body(render(site, CHECKOUT_KEYS[2]), "plain")
    assert "Next update" not in resolved
    assert "- Checkout: Operational\n- Payments: Operational\n" in resolved


def test_why_names_the_components_followed(site: Site) -> None:
    recipient = Recipient(address="jane@example.com", language="en", components=("checkout",))
    text = body(render(site, CHECKOUT_KEYS[0], recipient), "plain")
    assert "is subscribed to notices from Test Shop Status about: Checkout." in text


def test_html_part(site: Site) -> None:
    html = body(render(site, CHECKOUT_KEYS[0]), "html")
    found = tags(html)
    names = [name for name, _ in found]
    assert "img" not in names and "script" not in names and "link" not in names
    assert ("meta", {"name": "color-scheme", "content": "light dark"}) in found
    hrefs = {attrs.get("href") for name, attrs in found if name == "a"}
    assert "https://status.test.example/incidents/2026-11-20-checkout-errors/" in hrefs
    assert "https://test.example/unsubscribe?token=TOKEN" in hrefs
    assert "mailto:help@test.example" in hrefs
    assert "<strong>fail</strong>" in html  # Markdown rendered
    assert "@media (prefers-color-scheme: dark)" in html
    # Styles are inline, since many mail clients drop <style>.
    assert all(attrs.get("style") for name, attrs in found if name in ("body", "table", "h1"))
    assert '<time datetime="2026-11-20T14:02:00+01:00">' in html


def test_markdown_in_notices_is_made_safe(tmp_path: Path) -> None:
    evil = (
        "title: Evil\nimpact: major\ncomponents: {web: major_outage}\nupdates:\n"
        "  - at: 2026-11-22T10:00:00+01:00\n    status: investigating\n"
        "    message: '<script>alert(1)</script> [x](javascript:alert(2)) <img src=x onerror=y>'\n"
    )
    root = notify_site(tmp_path, **{"2026-11-22-evil": evil})
    site = load_site_or_raise(root, now=NOW, check_git=False)
    html = body(render(site, "2026-11-22-evil/0"), "html")
    found = tags(html)
    assert not [name for name, _ in found if name in ("script", "img")]
    assert not [a for _, a in found if any("javascript" in (v or "") for v in a.values())]
    assert not [a for _, a in found if "onerror" in a]
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html  # shown as text, harmless


def test_maintenance_carries_the_calendar_event(site: Site) -> None:
    message = render(site, UPGRADE_KEYS[0])
    assert message.get_content_type() == "multipart/mixed"
    alternative, calendar = list(message.iter_parts())
    assert alternative.get_content_type() == "multipart/alternative"
    assert calendar.get_content_type() == "text/calendar"
    assert calendar.get_param("method") == "PUBLISH"
    assert calendar.get_filename() == "2026-12-03-db-upgrade.ics"
    data = calendar.get_content()
    parsed = icalendar.Calendar.from_ical(data)
    (event,) = parsed.walk("VEVENT")
    assert str(event["UID"]) == f"2026-12-03-db-upgrade@{HOST}"
    assert event.decoded("DTSTART") == datetime(2026, 12, 3, 22, 0, tzinfo=UTC)
    assert event.decoded("DTEND") == datetime(2026, 12, 4, 0, 30, tzinfo=UTC)
    assert str(event["STATUS"]) == "CONFIRMED"
    text = body(message, "plain")
    window = "Dec 3, 2026, 11:00\u202fPM CET – Dec 4, 2026, 1:30\u202fAM CET (2 hr 30 min)"
    assert f"Maintenance window: {window}" in text
    # Incidents carry no calendar.
    assert render(site, CHECKOUT_KEYS[0]).get_content_type() == "multipart/alternative"


def test_language_of_the_subscriber(site: Site) -> None:
    recipient = Recipient(address="marie@example.fr", language="fr")
    message = render(site, CHECKOUT_KEYS[0], recipient)
    assert message["Content-Language"] == "fr"
    assert message["Subject"].startswith("[Test Shop Status] ")
    assert message["Subject"].endswith(": Erreurs au paiement")
    text = body(message, "plain")
    assert text.startswith("Erreurs au paiement\n")
    assert "Les paiements échouent. Nous cherchons." in text
    assert "20 nov. 2026, 14:02 CET" in text  # French date, 24-hour clock
    html = body(message, "html")
    assert '<html lang="fr">' in html
    # English readers get the English text of the same update.
    english = body(render(site, CHECKOUT_KEYS[0]), "plain")
    assert "Payments **fail**. We are investigating." in english
    assert "Nov 20, 2026, 2:02\u202fPM CET" in english


def test_without_one_click_endpoint_only_mailto(tmp_path: Path) -> None:
    config = (
        "title: Plain\nbase_url: https://status.plain.example\ntimezone: UTC\n"
        "contact: {email: help@plain.example}\ncomponents: [{id: web, name: Web}]\n"
    )
    incident = (
        "title: Down\nimpact: major\ncomponents: {web: major_outage}\nupdates:\n"
        "  - at: 2026-11-22T10:00:00Z\n    status: investigating\n    message: Down.\n"
    )
    root = write_site(tmp_path, {"2026-11-22-down": incident}, config=config)
    site = load_site_or_raise(root, now=NOW, check_git=False)
    recipient = Recipient(address="jane@example.com", language="en")
    message = render(site, "2026-11-22-down/0", recipient)
    assert message["From"] == "Plain <help@plain.example>"
    assert message["List-Unsubscribe"] == "<mailto:help@plain.example?subject=unsubscribe>"
    assert message["List-Unsubscribe-Post"] is None
    text = body(message, "plain")
    assert 'To unsubscribe, write to help@plain.example with the subject "unsubscribe".' in text


def test_site_theme_overrides_the_templates(tmp_path: Path) -> None:
    root = notify_site(tmp_path)
    folder = root / "themes" / "default" / "email"
    folder.mkdir(parents=True)
    (folder / "notice.txt").write_text("Custom: {{ title }} / {{ status }}\n")
    site = load_site_or_raise(root, now=NOW, check_git=False)
    message = render(site, CHECKOUT_KEYS[0])
    assert body(message, "plain") == "Custom: Checkout errors / Investigating\n"
    assert "Payments" in body(message, "html")  # the built-in HTML template still applies
    # A site's template can extend the built-in one and replace a block.
    (folder / "notice.html").write_text(
        '{% extends "default:notice.html" %}{% block footer %}<p>Our own footer</p>{% endblock %}'
    )
    site = load_site_or_raise(root, now=NOW, check_git=False)
    html = body(render(site, CHECKOUT_KEYS[0]), "html")
    assert "<p>Our own footer</p>" in html and "<strong>fail</strong>" in html
    assert "You receive this because" not in html


def test_unsubscribe_tokens_are_signed() -> None:
    key = b"k" * 32
    token = unsubscribe_token(key, "jane@example.com")
    assert verify_unsubscribe_token(key, token) == "jane@example.com"
    assert verify_unsubscribe_token(b"other" * 8, token) is None
    forged = unsubscribe_token(b"other" * 8, "bob@example.org")
    assert verify_unsubscribe_token(key, forged) is None
    version, address, mac = token.split(".")
    assert verify_unsubscribe_token(key, f"{version}.{address}.{mac[:-2]}AA") is None
    assert verify_unsubscribe_token(key, "nonsense") is None


# -- preview -------------------------------------------------------------------------------


def test_preview_prints_the_latest_notice(tmp_path: Path) -> None:
    root = notify_site(tmp_path)
    runner = CliRunner()
    result = runner.invoke(
        cli,
        ["notify", "--root", str(root), "--no-git", "--now", NOW_TEXT,
         "--preview", "2026-11-20-checkout-errors"],
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    assert result.stdout.startswith(
        "Subject: [Test Shop Status] Resolved: Checkout errors\n\nCheckout errors\nResolved · "
    )
    assert "All payments work again." in result.stdout
    html_file = tmp_path / "notice.html"
    result = runner.invoke(
        cli,
        ["notify", "--root", str(root), "--no-git", "--now", NOW_TEXT,
         "--preview", "2026-11-22-api-slow", "--language", "fr", "--html", str(html_file)],
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    html = html_file.read_text()
    assert html.startswith("<!DOCTYPE html>") and '<html lang="fr">' in html
    assert "The API is slow." in html
    result = runner.invoke(
        cli, ["notify", "--root", str(root), "--no-git", "--now", NOW_TEXT, "--preview", "nope"]
    )
    assert result.exit_code == 1
    assert result.stderr == "Error: no incident 'nope' in incidents/\n"


def test_the_documented_token_check_accepts_our_tokens() -> None:
    """docs/notices.md shows endpoint authors how to verify a token: that code must work."""
    from statuspage.notify.ledger import Keys
    from tests.sites import REPO_ROOT

    doc = (REPO_ROOT / "docs" / "notices.md").read_text(encoding="utf-8")
    section = doc[doc.index("## One-click unsubscribe") :]
    code = section[section.index("```python\n") + len("```python\n") :]
    code = code[: code.index("```")]
    namespace: dict[str, object] = {}
    exec(code, namespace)
    address_of = namespace["address_of"]
    assert callable(address_of)
    secret = "the-secret-in-STATUSPAGE_LEDGER_KEY"
    token = unsubscribe_token(Keys.from_secret(secret.encode()).unsubscribe, "jane@example.com")
    assert address_of(token, secret) == "jane@example.com"
    assert address_of(token, "another-secret-of-some-length") is None

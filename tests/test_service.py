"""The subscription service (statuspage.subscriptions.app) through Flask's test client, on a
real database (SQLite and PostgreSQL) and a real SMTP sink (aiosmtpd): the endpoints of §8,
abuse and privacy, and bad input."""

from __future__ import annotations

import logging
import re
import shutil
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient

from statuspage.notify.ledger import KEY_ENV
from statuspage.notify.store import DATABASE_ENV, Store
from statuspage.subscriptions.app import create_app
from tests.mailserver import Recorder, smtp_server
from tests.notify_sites import SECRET
from tests.sites import BASE_CONFIG, write_site

CONFIG = (
    BASE_CONFIG.replace("language: en\n", "languages: [en, fr]\n")
    + "subscriptions:\n  url: https://status.test.example/subscriptions\n"
)
START = datetime(2026, 11, 30, 12, 0, tzinfo=UTC)


@dataclass
class Clock:
    now: datetime = START

    def __call__(self) -> datetime:
        return self.now


@dataclass
class Service:
    app: Flask
    client: FlaskClient
    mail: Recorder
    database: str
    clock: Clock
    root: Path

    def post(self, path: str, **form: Any) -> Any:
        return self.client.post(path, data=form)

    def links(self, index: int = -1) -> str:
        body = self.mail.messages()[index].get_content()
        (link,) = re.findall(r"https://status\.test\.example/subscriptions/(\S+)", body)
        return str(link)

    def store(self) -> Store:
        return Store.open(self.database)


@pytest.fixture
def service(database: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Service]:
    monkeypatch.setenv(KEY_ENV, SECRET)
    monkeypatch.delenv(DATABASE_ENV, raising=False)
    root = write_site(tmp_path / "site", {}, config=CONFIG)
    clock = Clock()
    with smtp_server() as (mail, port):
        app = create_app(
            root,
            database=database,
            smtp_url=f"smtp://127.0.0.1:{port}",
            clock=clock,
            limit="10 per minute",
        )
        yield Service(app, app.test_client(), mail, database, clock, root)
        app.extensions["statuspage"].store.close()


def text(response: Any) -> str:
    return str(response.get_data(as_text=True))


def test_the_whole_loop(service: Service) -> None:
    page = service.client.get("/subscribe")
    assert page.status_code == 200
    assert 'name="components" value="checkout"' in text(page)
    assert page.headers["Referrer-Policy"] == "no-referrer"
    answer = service.post("/subscribe", email=" Jane.Doe@Example.COM ", components="checkout")
    assert answer.status_code == 200 and "Check your inbox" in text(answer)
    (message,) = service.mail.messages()
    assert service.mail.received[0].recipient == "jane.doe@example.com"
    assert message["Subject"] == "[Test Shop Status] Confirm your subscription to Test Shop Status"
    assert message["Auto-Submitted"] == "auto-generated"
    link = service.links()
    assert link.startswith("confirm?token=")
    # The link shows a button; following it (as a mail scanner does) confirms nothing.
    shown = service.client.get("/" + link)
    assert shown.status_code == 200 and '<form method="post" action="confirm">' in text(shown)
    with service.store() as store:
        assert store.confirmed() == ()
    token = link.partition("=")[2]
    done = service.post("/confirm", token=token)
    assert done.status_code == 200 and "You are subscribed" in text(done)
    with service.store() as store:
        (subscription,) = store.confirmed()
        assert subscription.components == ("checkout",)
        assert subscription.consent == "en:1"
        assert subscription.confirmed == START
    # A replayed confirmation changes nothing.
    assert service.post("/confirm", token=token).status_code == 200
    manage = re.search(r'href="(manage\?token=[^"]+)"', text(done))
    assert manage is not None
    form = service.client.get("/" + manage.group(1))
    assert form.status_code == 200 and "checked" in text(form)
    manage_token = manage.group(1).partition("=")[2]
    saved = service.post("/manage", token=manage_token, components=["api", "web"], language="fr")
    assert saved.status_code == 200
    with service.store() as store:
        (subscription,) = store.confirmed()
        assert (subscription.components, subscription.language) == (("api", "web"), "fr")
    # The saved page is in their new language.
    assert saved.headers["Content-Language"] == "fr"
    unsubscribe = re.search(
        r'name="token" value="([^"]+)"', text(saved).split('action="unsubscribe"')[1]
    )
    assert unsubscribe is not None
    page = service.client.get(f"/unsubscribe?token={unsubscribe.group(1)}")
    assert page.status_code == 200
    with service.store() as store:
        assert len(store.confirmed()) == 1
    gone = service.client.post(
        f"/unsubscribe?token={unsubscribe.group(1)}", data={"List-Unsubscribe": "One-Click"}
    )
    assert gone.status_code == 200 and text(gone) == "unsubscribed\n"
    with service.store() as store:
        assert store.find("jane.doe@example.com") == ()
    # Replayed: the same answer, nothing to do.
    again = service.client.post(f"/unsubscribe?token={unsubscribe.group(1)}")
    assert again.status_code == 200 and "You are unsubscribed" in text(again)
    assert service.post("/confirm", token=token).status_code == 410


def test_known_and_unknown_addresses_get_the_same_answer(service: Service) -> None:
    first = service.post("/subscribe", email="known@example.com")
    service.post("/confirm", token=service.links().partition("=")[2])
    service.clock.now += timedelta(hours=1)
    known = service.post("/subscribe", email="known@example.com")
    unknown = service.post("/subscribe", email="unknown@example.com")
    assert text(first) == text(known) == text(unknown)
    assert first.status_code == known.status_code == unknown.status_code == 200
    # The known one is reminded how to manage their subscription, not asked to confirm.
    reminder = service.mail.messages()[1]
    assert reminder["Subject"] == "[Test Shop Status] Your subscription to Test Shop Status"
    assert service.links(1).startswith("manage?token=")


def test_one_message_per_address_per_ten_minutes(service: Service) -> None:
    for minute in range(0, 10, 3):
        service.clock.now = START + timedelta(minutes=minute)
        assert service.post("/subscribe", email="jane@example.com").status_code == 200
    assert len(service.mail.received) == 1
    service.clock.now = START + timedelta(minutes=10)
    service.post("/subscribe", email="JANE@example.com")
    assert len(service.mail.received) == 2
    with service.store() as store:
        assert len(store.find("jane@example.com")) == 1


def test_a_form_posted_a_thousand_times(service: Service) -> None:
    codes = [service.post("/subscribe", email="flood@example.com").status_code for _ in range(1000)]
    assert codes[:10] == [200] * 10
    assert set(codes[10:]) == {429}
    assert len(service.mail.received) == 1
    slow = service.post("/subscribe", email="other@example.com")
    assert slow.status_code == 429 and "Too many requests" in text(slow)


def test_the_honeypot(service: Service) -> None:
    answer = service.post("/subscribe", email="bot@example.com", website="http://spam.example")
    assert answer.status_code == 200 and "Check your inbox" in text(answer)
    assert service.mail.received == []
    with service.store() as store:
        assert store.find("bot@example.com") == ()


@pytest.mark.parametrize(
    "address",
    [
        "jane@example.com\r\nBcc: victim@example.org",
        "jane@example.com\nSubject: hi",
        "x" * 10_000 + "@example.com",
        "jane@" + "a" * 10_000 + ".com",
        "Jane <jane@example.com>",
        "jöhn@example.com",
        "jane@example",
        "",
        "@example.com",
        "jane@exa mple.com",
    ],
)
def test_addresses_we_cannot_send_to(service: Service, address: str) -> None:
    answer = service.post("/subscribe", email=address)
    assert answer.status_code == 400
    assert "This is not an e-mail address we can send to" in text(answer)
    assert service.mail.received == []
    with service.store() as store:
        assert store.count() == (0, 0)


def test_an_internationalised_domain(service: Service) -> None:
    assert service.post("/subscribe", email="jane@bücher.example").status_code == 200
    assert service.mail.received[0].recipient == "jane@xn--bcher-kva.example"


def test_a_component_that_does_not_exist(service: Service) -> None:
    answer = service.post("/subscribe", email="jane@example.com", components=["checkout", "nope"])
    assert answer.status_code == 400
    assert "Please choose among the components listed" in text(answer)
    assert service.mail.received == []


def test_tokens_tampered_expired_and_for_another_action(service: Service) -> None:
    service.post("/subscribe", email="jane@example.com")
    token = service.links().partition("=")[2]
    tampered = token[:-2] + ("AA" if not token.endswith("AA") else "BB")
    assert service.client.get(f"/confirm?token={tampered}").status_code == 400
    assert service.post("/confirm", token=tampered).status_code == 400
    assert service.post("/confirm", token="").status_code == 400
    assert service.post("/confirm", token="x" * 5000).status_code == 400
    # A confirmation token does not unsubscribe, nor manage.
    assert service.post("/unsubscribe", token=token).status_code == 400
    assert service.client.get(f"/manage?token={token}").status_code == 400
    with service.store() as store:
        assert store.count() == (0, 1)
    # Seven days later the confirmation link has expired.
    expired_app = create_app(
        service.root,
        database=service.database,
        smtp_url="smtp://127.0.0.1:1",
        clock=service.clock,
    )
    expired_app.extensions["statuspage"].tokens.clock = lambda: (
        START + timedelta(days=7, seconds=5)
    ).timestamp()
    expired = expired_app.test_client().post("/confirm", data={"token": token})
    assert expired.status_code == 410 and "This link has expired" in text(expired)
    expired_app.extensions["statuspage"].store.close()


def test_pages_in_the_site_languages(service: Service) -> None:
    page = service.client.get("/subscribe?lang=fr")
    assert page.headers["Content-Language"] == "fr"
    assert '<html lang="fr"' in text(page)
    assert service.client.get("/subscribe?lang=xx").headers["Content-Language"] == "en"
    assert service.client.get("/static/style.css").status_code == 200
    icon = service.client.get("/static/favicon.svg")
    assert icon.status_code == 200 and icon.mimetype == "image/svg+xml"
    assert service.client.get("/static/../statuspage.yaml").status_code == 404
    assert service.client.get("/static/nope.css").status_code == 404


def test_no_address_in_the_logs(service: Service, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    service.post("/subscribe", email="secret.person@example.com")
    token = service.links().partition("=")[2]
    service.post("/confirm", token=token)
    service.post("/subscribe", email="secret.person@example.com", website="x")
    assert caplog.records
    ours = [r for r in caplog.records if not r.name.startswith("mail.log")]  # not the sink's
    assert ours
    assert not [r for r in ours if "secret.person" in r.getMessage()]


def test_a_database_that_is_down(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(KEY_ENV, SECRET)
    root = write_site(tmp_path / "site", {}, config=CONFIG)
    folder = tmp_path / "db"
    app = create_app(root, database=f"sqlite:///{folder / 's.db'}", smtp_url="smtp://127.0.0.1:1")
    client = app.test_client()
    assert client.get("/healthz").status_code == 200
    shutil.rmtree(folder)
    app.extensions["statuspage"].store.engine.dispose()
    down = client.post("/subscribe", data={"email": "jane@example.com"})
    assert down.status_code == 503 and "Temporarily unavailable" in text(down)
    assert client.get("/healthz").status_code == 503


def test_a_webhook_subscription(service: Service) -> None:
    answer = service.post(
        "/subscribe", email="ops@example.com", webhook_url="https://ops.example/hooks/status"
    )
    assert answer.status_code == 200
    (message,) = service.mail.messages()
    assert "https://ops.example/hooks/status" in message.get_content()
    service.post("/confirm", token=service.links().partition("=")[2])
    with service.store() as store:
        (hook,) = store.confirmed("webhook")
        assert (hook.email, hook.webhook_url) == (
            "ops@example.com",
            "https://ops.example/hooks/status",
        )
        assert store.confirmed("email") == ()
    for bad in ("http://ops.example/hook", "https://user:pw@ops.example/", "https://x/\r\nX: y"):
        refused = service.post("/subscribe", email="ops@example.com", webhook_url=bad)
        assert refused.status_code == 400
        assert "The webhook address must be an https:// URL." in text(refused)


def test_a_body_too_large(service: Service) -> None:
    answer = service.post("/subscribe", email="jane@example.com", filler="x" * 100_000)
    assert answer.status_code == 413 and "Too much data" in text(answer)
    assert service.mail.received == []


def test_two_instances_share_one_database(service: Service) -> None:
    """Behind a load balancer: a link made by one instance works on another, and the
    one-message-per-10-minutes rule holds across them."""
    other = create_app(
        service.root,
        database=service.database,
        smtp_url=service.app.extensions["statuspage"].smtp_url,
        clock=service.clock,
        limit="10 per minute",
    )
    try:
        service.post("/subscribe", email="jane@example.com")
        second = other.test_client().post("/subscribe", data={"email": "jane@example.com"})
        assert second.status_code == 200
        assert len(service.mail.received) == 1
        token = service.links().partition("=")[2]
        confirmed = other.test_client().post("/confirm", data={"token": token})
        assert confirmed.status_code == 200 and "You are subscribed" in text(confirmed)
        with service.store() as store:
            assert [s.email for s in store.confirmed()] == ["jane@example.com"]
    finally:
        other.extensions["statuspage"].store.close()

"""The commands around the subscription database: `subscriptions migrate` and `serve`,
`subscribers import --from`, `export` and `forget`."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
import urllib.request
from datetime import UTC, datetime
from pathlib import Path

import pytest
from click.testing import CliRunner

from statuspage.cli import cli
from statuspage.notify.ledger import KEY_ENV, Keys, Ledger
from statuspage.notify.store import DATABASE_ENV, Store, upgrade_to
from statuspage.notify.subscribers import Subscriber, SubscriberStore
from tests.mailserver import free_port
from tests.notify_sites import NOTIFY_CONFIG, SECRET, notify_site
from tests.sites import REPO_ROOT

NOW = datetime(2026, 11, 30, tzinfo=UTC)


@pytest.fixture
def site(tmp_path: Path, database: str, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv(KEY_ENV, SECRET)
    monkeypatch.setenv(DATABASE_ENV, database)
    return notify_site(tmp_path / "site", config=NOTIFY_CONFIG)


def invoke(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(cli, list(args))
    return result.exit_code, result.stdout, result.stderr


def test_migrate(site: Path, database: str) -> None:
    upgrade_to(database, "0001")
    code, _, err = invoke("subscriptions", "migrate", "--root", str(site))
    assert code == 0, err
    assert err.endswith(": schema 0001 -> 0004.\n")
    code, _, err = invoke("subscriptions", "migrate", "--root", str(site))
    assert err.endswith(": the schema is up to date (0004).\n")


def test_import_a_file_store_with_its_ledger(site: Path, database: str) -> None:
    store = SubscriberStore(site / ".statuspage" / "subscribers.json")
    store.save(
        [
            Subscriber(email="a@example.com", components=("api",), language="fr", added=NOW),
            Subscriber(email="b@example.com", added=NOW),
            Subscriber(email="ops@example.com", webhook="https://ops.example/hook", added=NOW),
        ]
    )
    keys = Keys.from_secret(SECRET.encode())
    with Ledger.open(site / "notices.ledger", keys) as ledger:
        ledger.record_start(NOW)
        ledger.record_baseline(["old/0"], NOW)
        ledger.record_open(["new/0"], NOW)
        ledger.record_sent("new/0", keys.recipient("a@example.com"), NOW)
    code, _, err = invoke("subscribers", "import", "--from", str(store.path), "--root", str(site))
    assert code == 0, err
    assert err.startswith(
        "Moved 3 subscribers and the ledger notices.ledger into the database: 3 new, 3 in all."
    )
    with Store.open(database) as db:
        email, webhook = store.load()[:2], store.load()[2]
        assert [s.subscriber for s in db.confirmed()] == list(email)
        (hook,) = db.confirmed("webhook")
        assert hook.subscriber == webhook and hook.webhook_url == "https://ops.example/hook"
        state = db.state()
        assert state.baseline == {"old/0"}
        assert state.sent == {("new/0", keys.recipient("a@example.com"))}
        assert state.check == keys.check
    # Again: nothing new, nothing doubled.
    code, _, err = invoke("subscribers", "import", "--from", str(store.path), "--root", str(site))
    assert code == 0 and ": 0 new, 3 in all." in err


def test_import_needs_one_source(site: Path) -> None:
    code, _, err = invoke("subscribers", "import", "--root", str(site))
    assert code == 2 and "give either a CSV FILE or --from FILE_STORE" in err


def test_export_and_forget(site: Path, database: str) -> None:
    with Store.open(database) as db:
        db.add_confirmed(
            [Subscriber(email="jane@example.com", components=("api",))], consent="c", now=NOW
        )
    SubscriberStore(site / ".statuspage" / "subscribers.json").save(
        [Subscriber(email="jane@example.com")]
    )
    code, out, err = invoke("subscribers", "export", "JANE@example.com", "--root", str(site))
    assert code == 0, err
    document = json.loads(out)
    assert document["email"] == "jane@example.com"
    stores = [s["store"] for s in document["subscriptions"]]
    assert stores == [".statuspage/subscribers.json", "database"]
    assert document["subscriptions"][1]["consent"] == "c"
    assert document["subscriptions"][1]["components"] == ["api"]
    code, _, err = invoke("subscribers", "forget", "jane@example.com", "--root", str(site))
    assert code == 0 and err == "Forgot jane@example.com: 2 subscriptions deleted.\n"
    code, out, err = invoke("subscribers", "export", "jane@example.com", "--root", str(site))
    assert json.loads(out)["subscriptions"] == []
    code, _, err = invoke("subscribers", "forget", "jane@example.com", "--root", str(site))
    assert err == "Nothing stored about jane@example.com.\n"


def test_serve(site: Path, database: str) -> None:
    port = free_port()
    env = {**os.environ, "PYTHONPATH": str(REPO_ROOT)}
    command = [
        sys.executable, "-c", "from statuspage.cli import main; main()",
        "subscriptions", "serve", "--port", str(port), "--root", str(site),
    ]  # fmt: skip
    process = subprocess.Popen(command, env=env, stderr=subprocess.PIPE, text=True)
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=5) as r:
                    assert r.status == 200 and r.read() == b"ok\n"
                    break
            except OSError:
                assert process.poll() is None, process.stderr.read() if process.stderr else ""
                assert time.monotonic() < deadline
                time.sleep(0.1)
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/subscribe", timeout=5) as r:
            assert b"Get notified" in r.read()
    finally:
        process.terminate()
        process.wait(timeout=30)


def test_a_forged_host_does_not_steer_the_links_in_mails(site: Path) -> None:
    """Without subscriptions.url, confirmation links name the address `serve` listens
    on, never the Host header of the request that asked for them."""
    import http.client

    from tests.mailserver import smtp_server

    port = free_port()
    with smtp_server() as (mail, smtp_port):
        env = {
            **os.environ,
            "PYTHONPATH": str(REPO_ROOT),
            "STATUSPAGE_SMTP_URL": f"smtp://127.0.0.1:{smtp_port}",
        }
        command = [
            sys.executable, "-c", "from statuspage.cli import main; main()",
            "subscriptions", "serve", "--port", str(port), "--root", str(site),
        ]  # fmt: skip
        process = subprocess.Popen(command, env=env, stderr=subprocess.PIPE, text=True)
        try:
            deadline = time.monotonic() + 30
            while True:
                try:
                    with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=5):
                        break
                except OSError:
                    assert process.poll() is None, process.stderr.read() if process.stderr else ""
                    assert time.monotonic() < deadline
                    time.sleep(0.1)
            connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
            connection.request(
                "POST",
                "/subscribe",
                body="email=jane%40example.com",
                headers={
                    "Host": "evil.example",
                    "Content-Type": "application/x-www-form-urlencoded",
                },
            )
            assert connection.getresponse().status == 200
            connection.close()
        finally:
            process.terminate()
            process.wait(timeout=30)
    (message,) = mail.messages()
    body = message.get_content()
    assert "evil.example" not in message.as_string()
    assert f"http://127.0.0.1:{port}/confirm?token=" in body


def test_serve_without_a_database(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(DATABASE_ENV, raising=False)
    root = notify_site(tmp_path / "site", config=NOTIFY_CONFIG)
    code, _, err = invoke("subscriptions", "serve", "--root", str(root))
    assert code == 1
    assert err == (
        "Error: no database: set $STATUSPAGE_DATABASE_URL or subscriptions.database "
        "(sqlite:///.statuspage/subscriptions.db for one machine)\n"
    )


def test_add_list_and_remove_use_the_database(site: Path, database: str) -> None:
    code, _, err = invoke(
        "subscribers", "add", "Jane@Example.com", "-c", "api", "--root", str(site)
    )
    assert code == 0 and err == "Subscribed: jane@example.com\tapi\t-\n", err
    code, _, err = invoke(
        "subscribers", "add", "jane@example.com", "--language", "fr", "--root", str(site)
    )
    assert err == "Updated: jane@example.com\tall\tfr\n", err
    with Store.open(database) as db:
        db.request(
            kind="email", email="new@example.com", components=(), language=None,
            consent="en:1", now=NOW,
        )  # fmt: skip
    code, out, err = invoke("subscribers", "list", "--root", str(site))
    assert out == "jane@example.com\tall\tfr\n"
    assert err == "1 subscriber, 1 waiting for confirmation\n"
    assert not (site / ".statuspage" / "subscribers.json").exists()
    code, _, err = invoke("subscribers", "remove", "jane@example.com", "--root", str(site))
    assert code == 0 and err == "Unsubscribed jane@example.com\n"
    code, _, err = invoke("subscribers", "remove", "jane@example.com", "--root", str(site))
    assert code == 1 and err == "Error: jane@example.com is not subscribed\n"


def test_bounces_and_unsuppress_reach_the_database(
    site: Path, database: str, tmp_path: Path
) -> None:
    keys = Keys.from_secret(SECRET.encode())
    notifications = tmp_path / "bounces.json"
    notifications.write_text(
        json.dumps({"type": "bounce", "email": "Gone@example.com", "permanent": True})
    )
    code, _, err = invoke("subscribers", "bounces", str(notifications), "--root", str(site))
    assert code == 0, err
    with Store.open(database) as db:
        assert set(db.suppressed()) == {keys.recipient("gone@example.com")}
        # `notify` suppressed this one, in the database only.
        db.suppress(keys.recipient("full@example.com"), "failures: 5 in a row", NOW)
    for address in ("gone@example.com", "full@example.com"):
        code, _, err = invoke("subscribers", "unsuppress", address, "--root", str(site))
        assert (code, err) == (0, f"No longer suppressed: {address}\n")
    with Store.open(database) as db:
        assert db.suppressed() == {}

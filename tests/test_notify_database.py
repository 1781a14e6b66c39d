"""`notify` with the subscription database (design §8): the same exactly-once guarantees as
the file ledger, on SQLite and on a real PostgreSQL server, also with two runs at once."""

from __future__ import annotations

import asyncio
import collections
import os
import signal
import sqlite3
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from http.server import ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
import sqlalchemy as sa
from aiosmtpd.smtp import SMTP as SMTPServer
from aiosmtpd.smtp import Envelope, Session

from statuspage.inputs.config import parse_config
from statuspage.inputs.diagnostics import Problems
from statuspage.inputs.load import load_site_or_raise
from statuspage.notify.ledger import KEY_ENV, Keys, Outcome
from statuspage.notify.send import Options, Report, notify
from statuspage.notify.store import DATABASE_ENV, Store, upgrade_to
from statuspage.notify.subscribers import Subscriber
from statuspage.notify.tokens import Tokens
from tests.mailserver import Received, Recorder, free_port, smtp_server
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
from tests.sites import BASE_CONFIG, REPO_ROOT
from tests.test_delivery import Silent

EVERY_KEY = [*CHECKOUT_KEYS, *UPGRADE_KEYS, *API_KEYS]
SERVICE = "https://status.test.example/subscriptions"
CONFIG = NOTIFY_CONFIG + f"subscriptions:\n  url: {SERVICE}\n"
EARLIER = datetime(2026, 11, 1, tzinfo=UTC)
CONNECTIONS = 4  # for the kill test


@pytest.fixture(autouse=True)
def ledger_key(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(KEY_ENV, SECRET)
    monkeypatch.delenv(DATABASE_ENV, raising=False)


def people(database: str, *addresses: str, **options: Any) -> None:
    with Store.open(database) as store:
        store.add_confirmed(
            [Subscriber(email=a, added=EARLIER, **options) for a in addresses],
            consent="test",
            now=EARLIER,
        )


def run(root: Path, port: int, database: str, **options: Any) -> Report:
    site = load_site_or_raise(root, now=NOW, check_git=False)
    return notify(
        site,
        smtp_url=f"smtp://127.0.0.1:{port}",
        reconnect_backoff=0,
        database=database,
        **options,
    )


def test_confirmed_subscribers_get_each_notice_once(database: str, tmp_path: Path) -> None:
    root = notify_site(tmp_path / "site", config=CONFIG)
    people(database, "all@example.com")
    people(database, "api@example.com", components=("api",))
    with Store.open(database) as store:
        # Waiting for confirmation: gets nothing but its confirmation (sent by the service).
        store.request(
            kind="email",
            email="pending@example.com",
            components=(),
            language=None,
            consent="en:1",
            now=EARLIER,
        )
        # Suppressed (a permanent failure earlier): never sent to again.
        people(database, "gone@example.com")
        store.suppress(
            Keys.from_secret(SECRET.encode()).recipient("gone@example.com"), "550", EARLIER
        )
    expected = {(key, "all@example.com") for key in EVERY_KEY} | {
        (key, "api@example.com") for key in API_KEYS
    }
    with smtp_server() as (server, port):
        report = run(root, port, database)
        assert report.ok and report.sent == len(expected) == report.sent
        assert sorted(server.pairs()) == sorted(expected)
        again = run(root, port, database)
        assert again.sent == 0 and again.notices == 0
        assert len(server.received) == len(expected)
    # The unsubscribe link names the subscription at the service, signed for that action.
    message = server.received[0].message
    header = str(message["List-Unsubscribe"])
    link = header.split("<")[-1].rstrip(">")
    assert link.startswith(f"{SERVICE}/unsubscribe?token=")
    assert message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    uid = Tokens(Keys.from_secret(SECRET.encode()).service).read(
        "unsubscribe", parse_qs(urlsplit(link).query)["token"][0]
    )
    with Store.open(database) as store:
        subscription = store.get(uid)
        assert subscription is not None
        assert subscription.email == server.received[0].recipient
        # Nothing about an address is in the ledger tables.
        state = store.state()
        assert not any("@" in recipient for _, recipient in state.sent)


def test_first_run_without_a_cut_off_sends_nothing(database: str, tmp_path: Path) -> None:
    config = CONFIG.replace("  since: 2026-11-01T00:00:00+01:00\n", "")
    root = notify_site(tmp_path / "site", config=config)
    people(database, "all@example.com")
    with smtp_server() as (server, port):
        report = run(root, port, database)
        assert report.first_run and report.baselined >= len(EVERY_KEY)
        assert run(root, port, database).sent == 0
        assert server.received == []


def test_dry_run_changes_nothing(database: str, tmp_path: Path) -> None:
    root = notify_site(tmp_path / "site", config=CONFIG)
    people(database, "all@example.com")
    site = load_site_or_raise(root, now=NOW, check_git=False)
    outbox = tmp_path / "outbox"
    report = notify(site, dry_run=True, outbox=outbox, database=database)
    assert report.written == len(EVERY_KEY)
    assert len(list(outbox.glob("*.eml"))) == len(EVERY_KEY)
    with Store.open(database) as store:
        state = store.state()
        assert state.start is None and not state.sent and state.check is None


def _command(root: Path) -> list[str]:
    return [
        sys.executable, "-c", "from statuspage.cli import main; main()",
        "notify", "--root", str(root), "--no-git", "--now", NOW_TEXT,
    ]  # fmt: skip


def _env(database: str, port: int) -> dict[str, str]:
    return {
        **os.environ,
        KEY_ENV: SECRET,
        DATABASE_ENV: database,
        "STATUSPAGE_SMTP_URL": f"smtp://127.0.0.1:{port}",
        "PYTHONPATH": str(REPO_ROOT),
        "CI": "true",
    }


def test_a_killed_run_resumes_without_losing_or_repeating(database: str, tmp_path: Path) -> None:
    """The kill test of §6 against the database: SIGKILL at several points of runs sending
    over four connections, then rerun. Nothing arrives twice; only a message in flight at a
    kill may be in doubt (at most one per connection per kill)."""
    config = CONFIG.replace("notify:\n", f"notify:\n  connections: {CONNECTIONS}\n")
    root = notify_site(tmp_path / "site", config=config)
    addresses = [f"person{i:02d}@example.com" for i in range(12)]
    people(database, *addresses)
    expected = {(key, address) for key in EVERY_KEY for address in addresses}
    handler = Recorder(delay=0.05, rcpt_delay=0.02)
    kills = 0
    with smtp_server(handler) as (server, port):
        env = _env(database, port)

        def kill_when(reached: Callable[[], bool]) -> None:
            nonlocal kills
            process = subprocess.Popen(_command(root), env=env, stderr=subprocess.PIPE)
            deadline = time.monotonic() + 30
            while not reached() and process.poll() is None:
                assert time.monotonic() < deadline, "the run never got that far"
                time.sleep(0.001)
            process.kill()
            assert process.wait() == -signal.SIGKILL, "the run ended before the kill"
            kills += 1

        # While messages are in flight on every connection: DATA begun or RCPT pending.
        kill_when(lambda: handler.started >= 1)
        second = handler.started + 6
        kill_when(lambda: handler.started >= second)
        third = handler.rcpts + 3
        kill_when(lambda: handler.rcpts >= third)
        fourth = handler.answered + 5
        kill_when(lambda: handler.answered >= fourth)
        # A killed run's claims pass to the next run once its lock is free. PostgreSQL frees
        # a session's advisory lock when it notices the client is gone, a moment after the
        # kill: wait for that, so that the final run may take every claim over.
        _wait_for_other_sessions_to_end(database)
        final = subprocess.run(_command(root), env=env, capture_output=True, text=True, timeout=120)
        assert final.returncode == 0, final.stderr
        time.sleep(handler.delay * 2)  # let a DATA begun by a killed run finish
        rerun = subprocess.run(_command(root), env=env, capture_output=True, text=True, timeout=120)
        assert rerun.returncode == 0, rerun.stderr
        assert "Sent" not in rerun.stderr, rerun.stderr
    counts = collections.Counter(server.pairs())
    doubt = _in_doubt(database, expected)
    print(f"{kills} kills, {sum(counts.values())} messages, {len(doubt)} in doubt")
    assert len(doubt) <= CONNECTIONS * kills
    assert set(counts) <= expected
    assert all(count == 1 for count in counts.values()), "a message arrived twice"
    assert expected - set(counts) <= doubt  # only an in-doubt one may be missing
    with Store.open(database) as store:
        assert len(store.state().sent) == len(expected) - len(doubt)


def _wait_for_other_sessions_to_end(database: str) -> None:
    """Until the server has ended every other session on this database (PostgreSQL; a
    SQLite run's lock goes with its process)."""
    if not database.startswith("postgresql"):
        return
    engine = sa.create_engine(database.replace("postgresql://", "postgresql+psycopg://"))
    try:
        deadline = time.monotonic() + 30
        while True:
            with engine.connect() as connection:
                others = connection.execute(
                    sa.text(
                        "SELECT count(*) FROM pg_stat_activity WHERE datname = "
                        "current_database() AND pid <> pg_backend_pid()"
                    )
                ).scalar_one()
            if others == 0:
                return
            assert time.monotonic() < deadline, f"{others} sessions of killed runs stay open"
            time.sleep(0.05)
    finally:
        engine.dispose()


def _in_doubt(database: str, pairs: set[tuple[str, str]]) -> set[tuple[str, str]]:
    """Those of (notice, address) the database holds in doubt."""
    keys = Keys.from_secret(SECRET.encode())
    with Store.open(database) as store:
        state = store.state()
    return {
        (notice, address)
        for notice, address in pairs
        if (s := state.standing(notice, keys.recipient(address))) is not None
        and s.outcome is Outcome.DOUBT
    }


@dataclass
class Holding(Recorder):
    """Keeps every message as soon as its end arrives, and answers only once `release`
    is set: a client killed meanwhile never learns the server has it."""

    release: threading.Event = field(default_factory=threading.Event)

    async def handle_DATA(self, server: SMTPServer, session: Session, envelope: Envelope) -> str:
        content = envelope.original_content or b""
        with self.lock:
            self.started += 1
            for recipient in envelope.rcpt_tos:
                self.received.append(Received(str(envelope.mail_from), recipient, bytes(content)))
        while not self.release.is_set():
            await asyncio.sleep(0.01)
        with self.lock:
            self.answered += 1
        return "250 2.0.0 OK: queued"


def test_a_run_killed_after_the_end_went_out_leaves_it_in_doubt(
    database: str, tmp_path: Path
) -> None:
    """SIGKILL once the server has the whole message but has not answered: the next run
    does not send it again and says it is in doubt; --resend-in-doubt sends it once more."""
    root = notify_site(tmp_path / "site", config=CONFIG)
    people(database, "a@example.com")
    handler = Holding()
    with smtp_server(handler) as (server, port):
        env = _env(database, port)
        process = subprocess.Popen(_command(root), env=env, stderr=subprocess.PIPE)
        deadline = time.monotonic() + 60
        while handler.started < 1 and process.poll() is None:
            assert time.monotonic() < deadline, "the run never ended a message"
            time.sleep(0.001)
        process.kill()
        assert process.wait() == -signal.SIGKILL, "the run ended before the kill"
        first = server.pairs()[0]
        handler.release.set()
        rerun = subprocess.run(_command(root), env=env, capture_output=True, text=True, timeout=120)
        assert rerun.returncode == 0, rerun.stderr
        assert "1 message in doubt: the server may have them" in rerun.stderr, rerun.stderr
        assert f"{first[0]}: 0 sent" in rerun.stderr and "1 in doubt" in rerun.stderr
        counts = collections.Counter(server.pairs())
        assert set(counts) == {(key, "a@example.com") for key in EVERY_KEY}
        assert max(counts.values()) == 1, "a message arrived twice"
        assert _in_doubt(database, {first}) == {first}
        again = subprocess.run(_command(root), env=env, capture_output=True, text=True, timeout=120)
        assert "1 message in doubt" in again.stderr and len(server.received) == len(EVERY_KEY)
        resend = [*_command(root), "--resend-in-doubt"]
        asked = subprocess.run(resend, env=env, capture_output=True, text=True, timeout=120)
        assert asked.returncode == 0, asked.stderr
        assert asked.stderr.startswith("Sent 1 message for 1 notice"), asked.stderr
        counts = collections.Counter(server.pairs())
        assert counts[first] == 2 and sum(counts.values()) == len(EVERY_KEY) + 1
        last = subprocess.run(_command(root), env=env, capture_output=True, text=True, timeout=120)
        assert last.stderr.startswith("Nothing to send"), last.stderr
    assert _in_doubt(database, {first}) == set()


def test_a_webhook_read_but_unanswered_is_in_doubt(database: str, tmp_path: Path) -> None:
    """A webhook subscription of the service: a POST that went out whole and was never
    answered is in doubt in the database, POSTed again only with --resend-in-doubt."""
    handler = type("S", (Silent,), {"requests": [], "statuses": {}})
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        root = notify_site(tmp_path / "site", config=CONFIG)
        url = f"http://127.0.0.1:{server.server_address[1]}/hook"
        people(database, "ops@example.com", webhook=url, components=("api",))
        site = load_site_or_raise(root, now=NOW, check_git=False)
        report = notify(site, smtp_url="", database=database)
        owed = report.doubt  # each API notice, and its component: one POST each
        assert owed >= 2 and report.sent == 0
        assert len(handler.requests) == owed
        again = notify(site, smtp_url="", database=database)
        assert again.sent == 0 and again.doubt == owed
        assert len(handler.requests) == owed
        notify(site, smtp_url="", database=database, options=Options(resend_in_doubt=True))
        assert len(handler.requests) == 2 * owed
    finally:
        server.shutdown()
        server.server_close()


def test_no_transaction_is_open_while_a_message_is_sent(database: str, tmp_path: Path) -> None:
    """While the server holds a message's end unanswered, the database is free: another
    connection writes to SQLite at once (the subscription service shares its one writer),
    and PostgreSQL shows no session idle in a transaction."""
    root = notify_site(tmp_path / "site", config=CONFIG)
    people(database, "a@example.com")
    handler = Holding()
    reports: list[Report] = []
    with smtp_server(handler) as (_, port):
        sender = threading.Thread(target=lambda: reports.append(run(root, port, database)))
        sender.start()
        try:
            deadline = time.monotonic() + 60
            while handler.started < 1:
                assert sender.is_alive() and time.monotonic() < deadline, "nothing was sent"
                time.sleep(0.001)
            if database.startswith("sqlite:///"):
                other = sqlite3.connect(database[len("sqlite:///") :], timeout=0.5)
                with other:
                    other.execute("INSERT INTO ledger_meta (name, value) VALUES ('x', 'y')")
                other.close()
            else:
                engine = sa.create_engine(
                    database.replace("postgresql://", "postgresql+psycopg://")
                )
                with engine.connect() as connection:
                    idle = connection.execute(
                        sa.text(
                            "SELECT count(*) FROM pg_stat_activity WHERE datname = "
                            "current_database() AND state LIKE 'idle in transaction%'"
                        )
                    ).scalar_one()
                engine.dispose()
                assert idle == 0
        finally:
            handler.release.set()
            sender.join(120)
    assert reports and reports[0].ok and reports[0].sent == len(EVERY_KEY)


def test_two_runs_at_once_send_each_message_once(database: str, tmp_path: Path) -> None:
    """Two `notify` processes started together against one database: every message goes
    out exactly once (each delivery's row is held while it is sent)."""
    root = notify_site(tmp_path / "site", config=CONFIG)
    addresses = [f"person{i}@example.com" for i in range(6)]
    people(database, *addresses)
    expected = {(key, address) for key in EVERY_KEY for address in addresses}
    handler = Recorder(delay=0.01)
    with smtp_server(handler) as (server, port):
        env = _env(database, port)
        runs = [
            subprocess.Popen(_command(root), env=env, stderr=subprocess.PIPE, text=True)
            for _ in range(2)
        ]
        outputs = [process.communicate(timeout=120)[1] for process in runs]
        assert [process.returncode for process in runs] == [0, 0], outputs
    counts = collections.Counter(server.pairs())
    assert set(counts) == expected
    assert max(counts.values()) == 1, [pair for pair, n in counts.items() if n > 1]


def test_a_database_that_is_down_fails_clearly(tmp_path: Path) -> None:
    root = notify_site(tmp_path / "site", config=CONFIG)
    url = f"postgresql://statuspage:secret@127.0.0.1:{free_port()}/status"
    result = subprocess.run(
        _command(root), env=_env(url, free_port()), capture_output=True, text=True, timeout=120
    )
    assert result.returncode == 1
    assert result.stderr.startswith("Error: the database postgresql://statuspage:***@127.0.0.1:"), (
        result.stderr
    )
    assert "does not answer" in result.stderr
    assert "Traceback" not in result.stderr and "secret" not in result.stderr


def test_an_older_schema_is_refused_with_the_command(database: str, tmp_path: Path) -> None:
    root = notify_site(tmp_path / "site", config=CONFIG)
    upgrade_to(database, "0001")
    result = subprocess.run(
        _command(root), env=_env(database, free_port()), capture_output=True, text=True, timeout=120
    )
    assert result.returncode == 1
    assert "has an older schema (0001" in result.stderr
    assert "run `statuspage subscriptions migrate`" in result.stderr


def test_the_config_names_the_database(tmp_path: Path) -> None:
    config = CONFIG + "  database: sqlite:///.statuspage/subscriptions.db\n"
    root = notify_site(tmp_path / "site", config=config)
    url = f"sqlite:///{root / '.statuspage' / 'subscriptions.db'}"
    people(url, "all@example.com")
    with smtp_server() as (_, port):
        site = load_site_or_raise(root, now=NOW, check_git=False)
        report = notify(site, smtp_url=f"smtp://127.0.0.1:{port}", reconnect_backoff=0)
        assert report.sent == len(EVERY_KEY)
        assert report.store.endswith("subscriptions.db")
    assert not (root / ".statuspage" / "subscribers.json").exists()


def config_problems(section: str) -> list[str]:
    problems = Problems()
    parse_config("statuspage.yaml", (BASE_CONFIG + section).encode(), problems)
    return [str(d) for d in problems.sorted()]


def test_the_subscriptions_section() -> None:
    problems = Problems()
    text = (
        BASE_CONFIG + "subscriptions:\n  url: https://s.example/sub/\n  database: sqlite:///s.db\n"
    )
    config = parse_config("statuspage.yaml", text.encode(), problems)
    assert config is not None and not problems.errors
    assert config.subscriptions.url == "https://s.example/sub"
    assert config.subscriptions.database == "sqlite:///s.db"
    assert config_problems("subscriptions:\n  url: http://s.example\n") == [
        "statuspage.yaml:21:8: error: subscriptions.url: 'http://s.example' is not an absolute "
        "https:// URL without a query (http:// only for localhost, to try it out)"
    ]
    assert config_problems("subscriptions:\n  url: http://127.0.0.1:8001\n") == []
    assert config_problems("subscriptions:\n  database: postgresql://u:pw@db/x\n") == [
        "statuspage.yaml:21:13: error: subscriptions.database: the URL holds a password; keep "
        "it out of the repository and set $STATUSPAGE_DATABASE_URL instead"
    ]
    assert config_problems("subscriptions:\n  database: mysql://db/x\n") == [
        "statuspage.yaml:21:13: error: subscriptions.database: 'mysql://db/x' is not a URL like "
        "sqlite:///.statuspage/subscriptions.db or postgresql://user@host/dbname"
    ]
    assert config_problems("subscriptions:\n  urls: https://s.example\n")[0].startswith(
        "statuspage.yaml:21:3: error: subscriptions: unknown key 'urls'"
    )

"""Sending notices to a real SMTP server (aiosmtpd on 127.0.0.1), exactly once.

Each test runs its own server on a free port and reads back what it accepted with Python's
`email` package: who got which notice, how often, and with which headers.
"""

from __future__ import annotations

import collections
import os
import random
import signal
import ssl
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from statuspage.builder.pipeline import build_site
from statuspage.cli import cli
from statuspage.inputs.load import load_site_or_raise
from statuspage.notify.ledger import KEY_ENV, Ledger, LedgerError, load_keys, read
from statuspage.notify.send import Report, SmtpError, notify
from statuspage.notify.subscribers import Subscriber, SubscriberStore
from tests.mailserver import (
    Recorder,
    free_port,
    password_check,
    self_signed,
    server_tls,
    smtp_server,
)
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
from tests.sites import REPO_ROOT

ALL = "all@example.com"
CHECKOUT_FR = "marie@example.fr"
API_ONLY = "dev@example.org"
EVERY_KEY = [*CHECKOUT_KEYS, *UPGRADE_KEYS, *API_KEYS]
# Who is owed what: filters match the components each notice concerns.
EXPECTED = {
    *((key, ALL) for key in EVERY_KEY),
    *((key, CHECKOUT_FR) for key in [*CHECKOUT_KEYS, *UPGRADE_KEYS]),
    *((key, API_ONLY) for key in API_KEYS),
}


@pytest.fixture(autouse=True)
def ledger_key(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(KEY_ENV, SECRET)


def subscribe(root: Path, *subscribers: Subscriber) -> None:
    SubscriberStore(root / ".statuspage" / "subscribers.json").add(subscribers)


@pytest.fixture
def site_root(tmp_path: Path) -> Path:
    root = notify_site(tmp_path / "site-src")
    subscribe(
        root,
        Subscriber(email=ALL),
        Subscriber(email=CHECKOUT_FR, components=("checkout",), language="fr"),
        Subscriber(email=API_ONLY, components=("api",)),
    )
    return root


def run(root: Path, port: int, **options: Any) -> Report:
    site = load_site_or_raise(root, now=NOW, check_git=False)
    return notify(site, smtp_url=f"smtp://127.0.0.1:{port}", reconnect_backoff=0, **options)


def ledger_lines(root: Path, kind: str) -> list[list[str]]:
    """Records of one kind, from the ledger and its per-notice files, as [kind, time, notice,
    recipient, ...] for the latter."""
    text = (root / "notices.ledger").read_text()
    found = [line.split("\t") for line in text.splitlines() if line.startswith(kind + "\t")]
    folder = root / "notices.ledger.d"
    for path in sorted(folder.iterdir()) if folder.exists() else []:
        notice = path.name.replace(".", "/")
        for line in path.read_text().splitlines():
            if line.startswith(kind + "\t"):
                fields = line.split("\t")
                found.append([fields[0], fields[1], notice, *fields[2:]])
    return found


# -- delivery ------------------------------------------------------------------------------


def test_each_subscriber_gets_each_notice_once(site_root: Path) -> None:
    with smtp_server() as (server, port):
        report = run(site_root, port)
        assert sorted(server.pairs()) == sorted(EXPECTED)
        assert report.sent == len(EXPECTED) and report.ok
        again = run(site_root, port)
        assert again.sent == 0 and again.notices == 0
        assert len(server.pairs()) == len(EXPECTED)
    # Sent in order, each incident threaded on its first notice.
    messages = {(r.notice, r.recipient): r.message for r in server.received}
    first = messages[(CHECKOUT_KEYS[0], ALL)]["Message-ID"]
    for key in CHECKOUT_KEYS[1:]:
        assert messages[(key, ALL)]["References"] == first
    order = [r.notice for r in server.received if r.recipient == ALL]
    assert order == [*CHECKOUT_KEYS, *UPGRADE_KEYS, *API_KEYS]
    # The envelope sender is the From address; each message has exactly one recipient.
    assert {r.sender for r in server.received} == {"status@test.example"}
    assert all(r.message["To"] == r.recipient for r in server.received)
    # The French subscriber reads French.
    french = messages[(CHECKOUT_KEYS[0], CHECKOUT_FR)]
    assert french["Content-Language"] == "fr"
    assert french["Subject"].endswith(": Erreurs au paiement")


def test_unsubscribe_links_carry_a_token_for_that_subscriber(site_root: Path) -> None:
    from statuspage.notify.ledger import Keys
    from statuspage.notify.subscribers import verify_unsubscribe_token

    with smtp_server() as (server, port):
        run(site_root, port)
    keys = Keys.from_secret(SECRET.encode())
    for received in server.received:
        header = received.message["List-Unsubscribe"]
        url = header.split(", ")[1].strip("<>")
        assert url.startswith("https://test.example/unsubscribe?token=")
        token = url.partition("token=")[2]
        assert verify_unsubscribe_token(keys.unsubscribe, token) == received.recipient


def test_no_address_in_the_ledger_or_the_site(site_root: Path) -> None:
    with smtp_server() as (server, port):
        run(site_root, port)
    assert len(server.received) == len(EXPECTED)
    build_site(site_root, site_root / "site", now=NOW, check_git=False)
    published = [p for p in (site_root / "site").rglob("*") if p.is_file()]
    assert published
    ledger = (site_root / "notices.ledger").read_bytes()
    for address in (ALL, CHECKOUT_FR, API_ONLY):
        for needle in (address, address.split("@")[0]):
            assert needle.encode() not in ledger
        for path in published:
            assert address.encode() not in path.read_bytes(), path
    sent = ledger_lines(site_root, "sent")
    assert len(sent) == len(EXPECTED)
    assert all(len(fields[3]) == 32 and int(fields[3], 16) >= 0 for fields in sent)


def test_first_run_sends_nothing_from_the_past(tmp_path: Path) -> None:
    config = NOTIFY_CONFIG.replace("  since: 2026-11-01T00:00:00+01:00\n", "")
    root = notify_site(tmp_path, config=config)
    subscribe(root, Subscriber(email=ALL))
    with smtp_server() as (server, port):
        first = run(root, port)
        assert first.first_run and first.baselined == 7
        assert server.received == []
        # A new update after the cut-off is sent, and only it.
        path = root / "incidents" / "2026-11-22-api-slow.yaml"
        path.write_text(
            path.read_text()
            + "  - at: 2026-11-23T08:30:00+01:00\n    status: resolved\n    message: Fast again.\n"
        )
        second = run(root, port)
        assert second.sent == 1
        assert server.pairs() == [("2026-11-22-api-slow/1", ALL)]


def test_baseline_records_without_sending(site_root: Path) -> None:
    with smtp_server() as (server, port):
        report = run(site_root, port, baseline=True)
        assert report.baselined == 7
        assert run(site_root, port).sent == 0
    assert server.received == []


def test_new_subscribers_do_not_get_the_past(site_root: Path) -> None:
    with smtp_server() as (server, port):
        run(site_root, port)
        before = len(server.received)
        subscribe(site_root, Subscriber(email="late@example.com", added=_wall_clock()))
        assert run(site_root, port).sent == 0
        path = site_root / "incidents" / "2026-11-22-api-slow.yaml"
        path.write_text(
            path.read_text()
            + "  - at: 2026-11-23T08:30:00+01:00\n    status: resolved\n    message: Fast again.\n"
        )
        run(site_root, port)
    new = sorted(server.pairs()[before:])
    assert new == sorted(
        ("2026-11-22-api-slow/1", address) for address in (ALL, API_ONLY, "late@example.com")
    )


def _wall_clock() -> object:
    from statuspage.inputs.clock import utc_now

    time.sleep(1.1)  # the ledger counts whole seconds
    return utc_now()


def test_dry_run_writes_eml_files_and_records_nothing(site_root: Path, tmp_path: Path) -> None:
    outbox = tmp_path / "outbox"
    site = load_site_or_raise(site_root, now=NOW, check_git=False)
    report = notify(site, dry_run=True, outbox=outbox)
    assert report.written == len(EXPECTED)
    files = sorted(outbox.glob("*.eml"))
    assert len(files) == len(EXPECTED)
    assert files[0].name == "000001-2026-11-20-checkout-errors-0.eml"
    from email import message_from_bytes, policy

    recipients = {(message_from_bytes(f.read_bytes(), policy=policy.default)["To"]) for f in files}
    assert recipients == {ALL, CHECKOUT_FR, API_ONLY}
    assert not (site_root / "notices.ledger").exists()
    with pytest.raises(Exception, match="inside the published site folder"):
        notify(site, dry_run=True, outbox=site_root / "site" / "outbox")


# -- failures ------------------------------------------------------------------------------


def test_a_permanent_refusal_is_reported_once_and_suppressed(site_root: Path) -> None:
    handler = Recorder(refuse={CHECKOUT_FR})
    command = ["notify", "--root", str(site_root), "--no-git", "--now", NOW_TEXT]
    env = {"STATUSPAGE_SMTP_URL": ""}
    with smtp_server(handler) as (server, port):
        env["STATUSPAGE_SMTP_URL"] = f"smtp://127.0.0.1:{port}"
        result = CliRunner().invoke(cli, command, env=env)
        assert result.exit_code == 0, result.output  # one recipient never fails the run
        assert result.stderr.splitlines() == [
            "Sent 6 messages for 5 notices, 3 subscribers.",
            # Said once, with the server's reason but without the address it echoed.
            "refused for good, suppressed: 2026-11-20-checkout-errors/0: ma…@example.fr: "
            "550 5.1.1 <address>: Recipient address rejected: User unknown",
            "2026-11-20-checkout-errors/0: 1 sent, 1 skipped (components), 1 suppressed, "
            "0 failed for now",
            "2026-11-20-checkout-errors/1: 1 sent, 1 skipped (components), 1 suppressed, "
            "0 failed for now",
            "2026-11-20-checkout-errors/3: 1 sent, 1 skipped (components), 1 suppressed, "
            "0 failed for now",
            "2026-12-03-db-upgrade/0: 1 sent, 1 skipped (components), 1 suppressed, "
            "0 failed for now",
            "2026-11-22-api-slow/0: 2 sent, 1 skipped (components), 0 suppressed, 0 failed for now",
        ]
        assert CHECKOUT_FR not in result.output  # CI logs may be public
        assert handler.rcpts == 7  # after the refusal, nothing more was tried for them
        # Not retried on every run: the next one has nothing to do.
        handler.refuse.clear()
        again = CliRunner().invoke(cli, command, env=env)
        assert again.exit_code == 0
        assert again.stderr.startswith("Nothing to send"), again.stderr
    assert sorted(server.pairs()) == sorted(p for p in EXPECTED if p[1] != CHECKOUT_FR)
    listed = CliRunner().invoke(cli, ["subscribers", "suppressed", "--root", str(site_root)])
    assert listed.exit_code == 0
    assert listed.stdout.startswith(
        f"{CHECKOUT_FR}\tsmtp\t550 5.1.1 <address>: Recipient address rejected: User unknown\t"
    )


def test_server_down_marks_nothing_sent(site_root: Path) -> None:
    port = free_port()  # nothing listens here
    result = CliRunner().invoke(
        cli, ["notify", "--root", str(site_root), "--no-git", "--now", NOW_TEXT],
        env={"STATUSPAGE_SMTP_URL": f"smtp://127.0.0.1:{port}"},
    )  # fmt: skip
    assert result.exit_code == 1
    assert result.stderr == (
        f"Error: cannot connect to the SMTP server smtp://127.0.0.1:{port}: "
        "Connection refused; nothing was sent\n"
    )
    assert ledger_lines(site_root, "sent") == [] and ledger_lines(site_root, "open") == []
    with smtp_server() as (_, port):
        assert run(site_root, port).sent == len(EXPECTED)


def test_dropped_connections_are_reopened(site_root: Path) -> None:
    """A server that closes each connection (421) at its third message: all arrive, once.
    (Counted per connection: counted over all of them, parallel connections could make one
    connection meet three closings in a row, which the sender rightly gives up on.)"""

    class Flaky(Recorder):
        def __init__(self) -> None:
            super().__init__()
            self.counts: dict[int, int] = {}  # messages per connection (its session)

        async def handle_DATA(self, server, session, envelope):
            count = self.counts[id(session)] = self.counts.get(id(session), 0) + 1
            if count % 3 == 0:
                return "421 4.3.2 Closing connection, try again"
            return await super().handle_DATA(server, session, envelope)

    with smtp_server(Flaky()) as (server, port):
        report = run(site_root, port)
    assert report.ok
    assert sorted(server.pairs()) == sorted(EXPECTED)


def test_missing_smtp_url(site_root: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("STATUSPAGE_SMTP_URL", raising=False)
    result = CliRunner().invoke(
        cli, ["notify", "--root", str(site_root), "--no-git", "--now", NOW_TEXT]
    )
    assert result.exit_code == 1
    assert result.stderr == (
        "Error: set $STATUSPAGE_SMTP_URL (smtp://user:pass@host:587) to send notices\n"
    )


def test_two_runs_never_both_send(site_root: Path) -> None:
    keys = load_keys(site_root / ".statuspage", create=False)
    assert keys is not None
    with Ledger.open(site_root / "notices.ledger", keys), smtp_server() as (server, port):
        with pytest.raises(LedgerError, match="another `statuspage notify` is running"):
            run(site_root, port)
        assert server.received == []


def test_a_ledger_of_another_key_is_refused(
    site_root: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    with smtp_server() as (server, port):
        run(site_root, port)
        monkeypatch.setenv(KEY_ENV, "another-secret-0123456789")
        with pytest.raises(LedgerError, match="was written with another key"):
            run(site_root, port)
        monkeypatch.delenv(KEY_ENV)
        with pytest.raises(LedgerError, match="written with a secret that is not here"):
            run(site_root, port)
    assert len(server.received) == len(EXPECTED)


def test_a_torn_last_line_is_dropped(site_root: Path) -> None:
    with smtp_server() as (_, port):
        run(site_root, port)
        path = site_root / "notices.ledger"
        whole = path.read_bytes()
        path.write_bytes(whole + b"sent\t2026-11-23T08:00:00Z\t2026-11-20-chec")
        assert run(site_root, port).sent == 0
        assert path.read_bytes() == whole


def test_rate_limit(tmp_path: Path) -> None:
    config = NOTIFY_CONFIG.replace("notify:\n", "notify:\n  rate_limit: 20\n")
    root = notify_site(tmp_path, config=config)
    subscribe(root, Subscriber(email=ALL), Subscriber(email="b@example.com"))
    with smtp_server() as (server, port):
        start = time.monotonic()
        run(root, port)
        elapsed = time.monotonic() - start
    assert len(server.received) == 10
    assert elapsed >= 9 / 20  # ten messages, twenty a second: nine intervals at least


# -- TLS and login -------------------------------------------------------------------------


@pytest.fixture(scope="module")
def certificate(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    return self_signed(tmp_path_factory.mktemp("tls"))


def test_starttls_with_login(site_root: Path, certificate: tuple[Path, Path]) -> None:
    cert, key = certificate
    options = {
        "tls_context": server_tls(cert, key),
        "require_starttls": True,
        "authenticator": password_check("notices", "p@ss word"),
        "auth_required": True,
        "auth_require_tls": True,
    }
    client = ssl.create_default_context(cafile=str(cert))
    site = load_site_or_raise(site_root, now=NOW, check_git=False)
    with smtp_server(**options) as (server, port):
        url = f"smtp://notices:p%40ss%20word@127.0.0.1:{port}"
        with pytest.raises(SmtpError, match="refused the login: 535"):
            notify(site, smtp_url=url.replace("word@", "wrong@"), context=client)
        # Without trusting the certificate, TLS fails before the password is sent.
        with pytest.raises(SmtpError, match=r"STARTTLS with .* failed: CERTIFICATE_VERIFY_FAILED"):
            notify(site, smtp_url=url)
        report = notify(site, smtp_url=url, context=client)
    assert report.ok and report.sent == len(EXPECTED)
    assert sorted(server.pairs()) == sorted(EXPECTED)


def test_no_password_without_tls(site_root: Path) -> None:
    site = load_site_or_raise(site_root, now=NOW, check_git=False)
    refusal = "does not offer STARTTLS; refusing to send the password"
    with smtp_server() as (server, port), pytest.raises(SmtpError, match=refusal):
        notify(site, smtp_url=f"smtp://user:secret@127.0.0.1:{port}")
    assert server.received == []


def test_smtps(site_root: Path, certificate: tuple[Path, Path]) -> None:
    cert, key = certificate
    client = ssl.create_default_context(cafile=str(cert))
    site = load_site_or_raise(site_root, now=NOW, check_git=False)
    with smtp_server(ssl_context=server_tls(cert, key)) as (server, port):
        report = notify(site, smtp_url=f"smtps://127.0.0.1:{port}", context=client)
    assert report.ok and sorted(server.pairs()) == sorted(EXPECTED)


# -- killed midway ---------------------------------------------------------------------------


def test_killed_runs_with_several_connections_repeat_nothing(tmp_path: Path) -> None:
    """SIGKILL at random points of runs sending over four connections, then rerun to the end.

    Every subscriber ends with exactly one copy of every notice owed to them, except the
    messages in flight at a kill (at most one per connection per kill): those are "in
    doubt", recorded, reported, and never sent again unless asked.
    """
    connections = 4
    config = NOTIFY_CONFIG.replace("notify:\n", f"notify:\n  connections: {connections}\n")
    root = notify_site(tmp_path, config=config)
    people = [f"person{i:02d}@example.com" for i in range(12)]
    subscribe(root, *(Subscriber(email=address) for address in people))
    expected = {(key, address) for key in EVERY_KEY for address in people}  # 60 messages
    env = {
        **os.environ,
        KEY_ENV: SECRET,
        "PYTHONPATH": str(REPO_ROOT),
        "CI": "true",
    }
    command = [
        sys.executable, "-c", "from statuspage.cli import main; main()",
        "notify", "--root", str(root), "--no-git", "--now", NOW_TEXT,
    ]  # fmt: skip
    handler = Recorder(delay=0.05, rcpt_delay=0.01)
    rng = random.Random(20261130)
    kills = 0

    def kill_when(reached: Callable[[], bool]) -> None:
        nonlocal kills
        process = subprocess.Popen(command, env=env, stderr=subprocess.PIPE)
        deadline = time.monotonic() + 30
        while not reached() and process.poll() is None:
            assert time.monotonic() < deadline, "the run never got that far"
            time.sleep(0.001)
        process.kill()
        assert process.wait() == -signal.SIGKILL, "the run ended before the kill"
        kills += 1

    with smtp_server(handler) as (server, port):
        env["STATUSPAGE_SMTP_URL"] = f"smtp://127.0.0.1:{port}"
        for _ in range(4):
            # While messages are in flight on every connection: DATA begun or RCPT pending.
            started, rcpts = handler.started, handler.rcpts
            if rng.random() < 0.5:
                target = started + rng.randint(1, 8)
                kill_when(lambda target=target: handler.started >= target)  # type: ignore[misc]
            else:
                target = rcpts + rng.randint(1, 8)
                kill_when(lambda target=target: handler.rcpts >= target)  # type: ignore[misc]
        final = subprocess.run(command, env=env, capture_output=True, text=True, timeout=60)
        assert final.returncode == 0, final.stderr
        time.sleep(handler.delay * 2)  # let a DATA begun by a killed run finish
        counts = collections.Counter(server.pairs())
        keys = load_keys(root / ".statuspage", create=False)
        assert keys is not None
        state = read(root / "notices.ledger", EVERY_KEY)
        doubt = {
            (key, address)
            for key, address in expected
            if (s := state.standing(key, keys.recipient(address))) is not None
            and s.outcome.value == "doubt"
        }
        print(f"{kills} kills, {sum(counts.values())} messages, {len(doubt)} in doubt")
        assert len(doubt) <= connections * kills
        assert set(counts) <= expected
        assert all(count == 1 for count in counts.values()), "a message arrived twice"
        assert expected - set(counts) <= doubt  # only an in-doubt one may be missing
        # Reported, and never sent again on its own.
        if doubt:
            assert f"{len(doubt)} message{'s' * (len(doubt) != 1)} in doubt" in final.stderr
        rerun = subprocess.run(command, env=env, capture_output=True, text=True, timeout=60)
        assert rerun.returncode == 0
        assert server.pairs() == list(server.pairs())
        assert collections.Counter(server.pairs()) == counts
        # Asked to, the in-doubt ones go out again: now every pair has arrived.
        resend = subprocess.run(
            [*command, "--resend-in-doubt"], env=env, capture_output=True, text=True, timeout=60
        )
        assert resend.returncode == 0, resend.stderr
    assert set(server.pairs()) == expected
    again = collections.Counter(server.pairs())
    assert {pair for pair, count in again.items() if count > 1} <= doubt


def test_reminder_before_a_maintenance_is_sent_once(tmp_path: Path) -> None:
    from statuspage.inputs.clock import parse_now

    config = NOTIFY_CONFIG.replace("notify:\n", "notify:\n  reminder_minutes: 60\n")
    root = notify_site(tmp_path, config=config)
    subscribe(root, Subscriber(email=ALL))
    with smtp_server() as (server, port):
        for clock in ("2026-12-03T22:10:00+01:00", "2026-12-03T22:40:00+01:00"):
            site = load_site_or_raise(root, now=parse_now(clock), check_git=False)
            notify(site, smtp_url=f"smtp://127.0.0.1:{port}")
    reminders = [r for r in server.received if "/reminder/" in r.notice]
    assert len(reminders) == 1
    message = reminders[0].message
    assert message["Subject"] == "[Test Shop Status] Starting soon: Database upgrade"
    assert message["In-Reply-To"] == "<2026-12-03-db-upgrade.update-0@status.test.example>"
    assert [p.get_content_type() for p in message.iter_parts()] == [
        "multipart/alternative",
        "text/calendar",
    ]


def test_first_run_messages(tmp_path: Path) -> None:
    config = NOTIFY_CONFIG.replace("  since: 2026-11-01T00:00:00+01:00\n", "")
    root = notify_site(tmp_path, config=config)
    subscribe(root, Subscriber(email=ALL))
    args = ["notify", "--root", str(root), "--no-git", "--now", NOW_TEXT]
    with smtp_server() as (server, port):
        env = {"STATUSPAGE_SMTP_URL": f"smtp://127.0.0.1:{port}"}
        dry = CliRunner().invoke(cli, [*args, "--dry-run"], env=env)
        assert (dry.exit_code, dry.stderr) == (
            0,
            "Dry run: the first run will record the 7 notices already on the site as the "
            "cut-off and send nothing; later updates are sent.\n",
        )
        first = CliRunner().invoke(cli, args, env=env)
        assert (first.exit_code, first.stderr) == (
            0,
            "Recorded 7 notices already on the site in notices.ledger without sending them "
            "(the cut-off); later updates will be sent. Commit notices.ledger.\n",
        )
        second = CliRunner().invoke(cli, args, env=env)
        assert (second.exit_code, second.stderr) == (
            0,
            "Nothing to send: every notice has been delivered (notices.ledger).\n",
        )
    assert server.received == []


def test_no_subscribers_is_said(tmp_path: Path) -> None:
    root = notify_site(tmp_path)
    with smtp_server() as (server, port):
        result = CliRunner().invoke(
            cli, ["notify", "--root", str(root), "--no-git", "--now", NOW_TEXT],
            env={"STATUSPAGE_SMTP_URL": f"smtp://127.0.0.1:{port}"},
        )  # fmt: skip
    assert (result.exit_code, result.stderr) == (
        0,
        "Nothing to send: no subscribers in .statuspage/subscribers.json.\n",
    )
    assert server.received == []

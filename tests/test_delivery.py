"""Delivery at scale and under faults: parallel SMTP, stalls, refusals, drops, webhooks,
suppression, bounces and the ledger's per-notice files, against real servers on 127.0.0.1.
"""

from __future__ import annotations

import asyncio
import base64
import collections
import hashlib
import hmac
import json
import smtplib
import threading
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from statuspage.cli import cli
from statuspage.inputs.clock import utc_now
from statuspage.inputs.load import load_site_or_raise
from statuspage.notify.ledger import KEY_ENV, Keys, Ledger, read, segments_dir
from statuspage.notify.send import Options, Report, notify
from statuspage.notify.subscribers import Subscriber, SubscriberStore
from statuspage.notify.suppression import SuppressionList, read_bounces
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

EVERY_KEY = [*CHECKOUT_KEYS, *UPGRADE_KEYS, *API_KEYS]


@pytest.fixture(autouse=True)
def ledger_key(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(KEY_ENV, SECRET)


def subscribe(root: Path, *subscribers: Subscriber) -> None:
    SubscriberStore(root / ".statuspage" / "subscribers.json").add(subscribers)


def people(count: int) -> list[str]:
    return [f"person{i:03d}@example.com" for i in range(count)]


class Clock:
    """A wall clock the test moves."""

    def __init__(self) -> None:
        self.now = utc_now()

    def __call__(self) -> datetime:
        return self.now


def run(root: Path, port: int, clock: Clock | None = None, **options: Any) -> Report:
    site = load_site_or_raise(root, now=NOW, check_git=False)
    return notify(
        site,
        smtp_url=f"smtp://127.0.0.1:{port}",
        clock=clock or utc_now,
        options=Options(reconnect_backoff=0, **options),
    )


def keys() -> Keys:
    return Keys.from_secret(SECRET.encode())


# -- parallel SMTP -------------------------------------------------------------------------


def test_several_connections_share_the_work_each_message_once(tmp_path: Path) -> None:
    root = notify_site(tmp_path)
    addresses = people(24)
    subscribe(root, *(Subscriber(email=a) for a in addresses))
    handler = Recorder(delay=0.05)
    with smtp_server(handler) as (server, port):
        report = run(root, port, connections=6)
    assert report.ok and report.connections == 6
    assert handler.connections == 6
    counts = collections.Counter(server.pairs())
    assert set(counts) == {(k, a) for k in EVERY_KEY for a in addresses}
    assert set(counts.values()) == {1}
    # Each subscriber's notices still arrive oldest first (one connection each).
    for address in addresses:
        order = [r.notice for r in server.received if r.recipient == address]
        assert order == [*CHECKOUT_KEYS, *UPGRADE_KEYS, *API_KEYS]
    # The run's lines: each notice sent to everyone.
    assert {k: t.sent for k, t in report.tallies.items()} == {k: 24 for k in EVERY_KEY}
    assert len(read(root / "notices.ledger", EVERY_KEY, settled=True).delivered) == len(counts)


def test_progress_counts_every_message(tmp_path: Path) -> None:
    root = notify_site(tmp_path)
    subscribe(root, *(Subscriber(email=a) for a in people(6)))
    calls: list[tuple[str, int, int]] = []
    site = load_site_or_raise(root, now=NOW, check_git=False)
    with smtp_server() as (_, port):
        notify(
            site,
            smtp_url=f"smtp://127.0.0.1:{port}",
            progress=lambda what, done, total: calls.append((what, done, total)),
            options=Options(connections=3),
        )
    assert [done for _, done, _ in calls] == list(range(1, 31))
    assert {(what, total) for what, _, total in calls} == {("Sending notices", 30)}


def test_the_rate_limit_holds_over_all_connections(tmp_path: Path) -> None:
    config = NOTIFY_CONFIG.replace("notify:\n", "notify:\n  rate_limit: 40\n")
    root = notify_site(tmp_path, config=config)
    subscribe(root, *(Subscriber(email=a) for a in people(4)))
    with smtp_server() as (server, port):
        start = time.monotonic()
        run(root, port, connections=4)
        elapsed = time.monotonic() - start
    assert len(server.received) == 20
    assert elapsed >= 19 / 40  # twenty messages, forty a second: nineteen intervals at least


# -- faults --------------------------------------------------------------------------------


def test_a_slow_answer_to_the_end_of_a_message_is_waited_for(tmp_path: Path) -> None:
    """A server that checks a message for longer than the command timeout still gets it
    once: the end of a message has its own, long timeout (10 minutes by default)."""
    root = notify_site(tmp_path)
    subscribe(root, Subscriber(email="slow@example.com", components=("api",)))
    handler = Recorder(stall={"slow@example.com": 4.0})
    with smtp_server(handler) as (server, port):
        report = run(root, port, timeout=2.0)
        assert report.ok and report.sent == 1 and report.doubt == 0
        assert run(root, port, timeout=2.0).sent == 0
    assert server.pairs() == [(API_KEYS[0], "slow@example.com")]
    assert Options().data_timeout == 600


def test_an_unanswered_message_is_in_doubt_and_not_repeated(tmp_path: Path) -> None:
    root = notify_site(tmp_path)
    stalled, fine = "stalled@example.com", "fine@example.com"
    subscribe(root, *(Subscriber(email=a, components=("api",)) for a in (stalled, fine)))
    handler = Recorder(stall={stalled: 6.0})
    command = ["notify", "--root", str(root), "--no-git", "--now", NOW_TEXT]
    with smtp_server(handler) as (server, port):
        report = run(root, port, data_timeout=2.0)  # a loaded machine answers within it
        assert report.ok and report.sent == 1 and report.doubt == 1
        [failure] = report.failures
        assert (failure.result.value, failure.recipient, failure.reason) == (
            "doubt",
            "st…@example.com",
            "timed out",
        )
        time.sleep(4.5)  # the server has it by now
        # The next run says so again, and sends nothing.
        env = {"STATUSPAGE_SMTP_URL": f"smtp://127.0.0.1:{port}"}
        again = CliRunner().invoke(cli, command, env=env)
        assert again.exit_code == 0
        assert again.stderr.splitlines() == [
            "2026-11-22-api-slow/0: 0 sent, 0 skipped (components), 0 suppressed, "
            "0 failed for now, 1 in doubt",
            "1 message in doubt: the server may have them; `statuspage notify "
            "--resend-in-doubt` sends them again.",
        ]
        assert collections.Counter(server.pairs())[(API_KEYS[0], stalled)] == 1
        # Asked to, it is sent again (and then arrives twice, as the operator accepted).
        handler.stall.clear()
        resend = CliRunner().invoke(cli, [*command, "--resend-in-doubt"], env=env)
        assert resend.exit_code == 0, resend.output
        assert resend.stderr.startswith("Sent 1 message for 1 notice, 2 subscribers.")
    assert collections.Counter(server.pairs()) == {
        (API_KEYS[0], stalled): 2,
        (API_KEYS[0], fine): 1,
    }


def test_a_temporary_refusal_is_retried_after_a_pause(tmp_path: Path) -> None:
    root = notify_site(tmp_path)
    busy = "busy@example.com"
    subscribe(root, Subscriber(email=busy, components=("api",)))
    handler = Recorder(defer={busy})
    clock = Clock()
    with smtp_server(handler) as (server, port):
        first = run(root, port, clock)
        assert first.ok and first.sent == 0
        assert [f.reason for f in first.failures] == [
            "450 4.2.1 <address>: Mailbox busy, try again later"
        ]
        assert first.tallies[API_KEYS[0]].temporary == 1
        # Right away: still pausing, nothing tried, and said so.
        rcpts = handler.rcpts
        assert run(root, port, clock).sent == 0
        assert handler.rcpts == rcpts
        said = CliRunner().invoke(
            cli,
            ["notify", "--root", str(root), "--no-git", "--now", NOW_TEXT],
            env={"STATUSPAGE_SMTP_URL": f"smtp://127.0.0.1:{port}"},
        )
        assert said.exit_code == 0
        assert said.stderr == (
            "2026-11-22-api-slow/0: 0 sent, 0 skipped (components), 0 suppressed, "
            "1 failed for now\n"
        )
        assert handler.rcpts == rcpts
        # Five minutes later it is tried again, and the pauses double.
        clock.now += timedelta(minutes=5)
        assert run(root, port, clock).sent == 0
        assert handler.rcpts == rcpts + 1
        clock.now += timedelta(minutes=6)
        assert run(root, port, clock).sent == 0
        assert handler.rcpts == rcpts + 1
        handler.defer.clear()
        clock.now += timedelta(minutes=5)
        assert run(root, port, clock).sent == 1
    assert server.pairs() == [(API_KEYS[0], busy)]


def test_too_many_temporary_failures_suppress(tmp_path: Path) -> None:
    root = notify_site(tmp_path)
    busy = "busy@example.com"
    subscribe(root, Subscriber(email=busy, components=("api",)))
    clock = Clock()
    with smtp_server(Recorder(defer={busy})) as (server, port):
        for _ in range(5):
            report = run(root, port, clock, max_failures=3)
            clock.now += timedelta(hours=7)
    assert server.pairs() == []
    [entry] = SuppressionList.beside(root / ".statuspage" / "subscribers.json").load().values()
    assert (entry.address, entry.source) == (busy, "failures")
    assert entry.reason == (
        "3 failures in a row, the last: 450 4.2.1 <address>: Mailbox busy, try again later"
    )
    assert report.notices == 0  # settled: nothing more is tried
    assert API_KEYS[0] in read(root / "notices.ledger").done


def test_a_dropped_connection_is_reopened_and_nothing_repeats(tmp_path: Path) -> None:
    root = notify_site(tmp_path)
    addresses = people(6)
    subscribe(root, *(Subscriber(email=a) for a in addresses))
    # The connection breaks while the server checks these recipients: nothing delivered.
    handler = Recorder(drop={addresses[1], addresses[4]})
    with smtp_server(handler) as (server, port):
        report = run(root, port, connections=2)
    assert report.ok and report.doubt == 0
    counts = collections.Counter(server.pairs())
    assert set(counts) == {(k, a) for k in EVERY_KEY for a in addresses}
    assert set(counts.values()) == {1}
    assert handler.connections >= 4  # two reconnections


# -- the ledger ----------------------------------------------------------------------------


def test_a_run_reads_only_the_notices_still_open(tmp_path: Path) -> None:
    root = notify_site(tmp_path)
    subscribe(root, *(Subscriber(email=a) for a in people(3)))
    with smtp_server() as (_, port):
        run(root, port)
    state = read(root / "notices.ledger")
    assert set(state.done) == set(EVERY_KEY)  # everyone has everything: all settled
    folder = segments_dir(root / "notices.ledger")
    assert sorted(p.name for p in folder.iterdir()) == sorted(
        k.replace("/", ".") for k in EVERY_KEY
    )
    # A settled notice's file is never read again: even a damaged one does not matter.
    (folder / CHECKOUT_KEYS[0].replace("/", ".")).write_text("garbage\n")
    with smtp_server() as (server, port):
        assert run(root, port).sent == 0
    assert server.pairs() == []


def test_compaction_keeps_exactly_once(tmp_path: Path) -> None:
    root = notify_site(tmp_path)
    addresses = people(3)
    subscribe(root, *(Subscriber(email=a) for a in addresses))
    path = root / "notices.ledger"
    # A ledger written by an earlier version: `sent` lines in the one file.
    k = keys()
    lines = [
        f"key\t{k.check}",
        "start\t2026-11-23T07:00:00Z",
        *(f"open\t2026-11-23T07:00:00Z\t{key}" for key in EVERY_KEY),
        *(
            f"sent\t2026-11-23T07:00:01Z\t{CHECKOUT_KEYS[0]}\t{k.recipient(a)}"
            for a in addresses[:2]
        ),
    ]
    path.write_text("\n".join(lines) + "\n")
    with Ledger.open(path, k) as ledger:
        assert ledger.compact() == 0
    text = path.read_text()
    assert "\nsent\t" not in text  # moved to the notice's own file
    assert read(path, [CHECKOUT_KEYS[0]], settled=True).delivered == {
        (CHECKOUT_KEYS[0], k.recipient(a)) for a in addresses[:2]
    }
    with smtp_server() as (server, port):
        run(root, port)
        result = CliRunner().invoke(
            cli,
            ["notify", "--root", str(root), "--no-git", "--now", NOW_TEXT, "--compact"],
            env={"STATUSPAGE_SMTP_URL": f"smtp://127.0.0.1:{port}"},
        )
        assert result.exit_code == 0, result.output
        assert (
            "Compacted notices.ledger: 5 settled notice files reduced to who got them."
            in result.stderr
        )
        assert run(root, port).sent == 0
    expected = {(key, a) for key in EVERY_KEY for a in addresses}
    expected -= {(CHECKOUT_KEYS[0], a) for a in addresses[:2]}
    assert collections.Counter(server.pairs()) == dict.fromkeys(expected, 1)
    # What corrections need stays: one `sent` line per recipient, nothing else.
    files = sorted(segments_dir(path).iterdir())
    assert [f.name for f in files] == sorted(k.replace("/", ".") for k in EVERY_KEY)
    for file in files:
        lines = [line.split("\t") for line in file.read_text().splitlines()]
        assert {line[0] for line in lines} == {"sent"} and len(lines) == len(addresses)
    assert read(path, EVERY_KEY, settled=True).delivered == {
        (key, k.recipient(a)) for key in EVERY_KEY for a in addresses
    }


# -- suppression and bounces ---------------------------------------------------------------

SES_BOUNCE = {
    "notificationType": "Bounce",
    "bounce": {
        "bounceType": "Permanent",
        "bounceSubType": "General",
        "bouncedRecipients": [
            {
                "emailAddress": "Gone@Example.com",
                "action": "failed",
                "status": "5.1.1",
                "diagnosticCode": "smtp; 550 5.1.1 <gone@example.com>... User unknown",
            }
        ],
        "timestamp": "2026-11-23T08:00:00.000Z",
    },
    "mail": {"messageId": "0100018c-example", "destination": ["gone@example.com"]},
}
SES_COMPLAINT = {
    "notificationType": "Complaint",
    "complaint": {
        "complainedRecipients": [{"emailAddress": "angry@example.com"}],
        "complaintFeedbackType": "abuse",
        "timestamp": "2026-11-23T08:00:00.000Z",
    },
    "mail": {"messageId": "0100018c-example2"},
}
SES_SOFT = {
    "eventType": "Bounce",
    "bounce": {
        "bounceType": "Transient",
        "bounceSubType": "MailboxFull",
        "bouncedRecipients": [{"emailAddress": "full@example.com"}],
    },
}


def sns(message: dict[str, Any]) -> dict[str, Any]:
    return {
        "Type": "Notification",
        "MessageId": "22b80b92-fdea-4c2c-8f9d-bdfb0c7bf324",
        "TopicArn": "arn:aws:sns:eu-west-1:123456789012:ses-bounces",
        "Message": json.dumps(message),
        "Timestamp": "2026-11-23T08:00:01.000Z",
        "SignatureVersion": "1",
    }


def test_bounce_notifications_suppress(tmp_path: Path) -> None:
    root = notify_site(tmp_path)
    subscribe(
        root,
        *(
            Subscriber(email=a)
            for a in ("gone@example.com", "angry@example.com", "full@example.com", "ok@x.org")
        ),
    )
    notifications = tmp_path / "n.jsonl"
    notifications.write_text(
        "\n".join(
            json.dumps(n)
            for n in (
                sns(SES_BOUNCE),
                SES_COMPLAINT,
                SES_SOFT,
                {"type": "bounce", "email": "gone@example.com", "reason": "again"},
            )
        )
        + "\n"
    )
    command = ["subscribers", "bounces", str(notifications), "--root", str(root)]
    result = CliRunner().invoke(cli, command)
    assert result.exit_code == 0, result.output
    assert result.stderr == (
        "4 notifications: 2 newly suppressed, 1 already suppressed, 1 soft bounce "
        "(not suppressed)\n"
    )
    listed = CliRunner().invoke(cli, ["subscribers", "suppressed", "--root", str(root)])
    rows = [line.split("\t")[:3] for line in listed.stdout.splitlines()]
    assert rows == [
        ["angry@example.com", "complaint", "complaint (abuse)"],
        [
            "gone@example.com",
            "bounce",
            "bounce Permanent/General smtp; 550 5.1.1 <address>... User unknown",
        ],
    ]
    with smtp_server() as (server, port):
        run(root, port)
    assert {r for _, r in server.pairs()} == {"full@example.com", "ok@x.org"}
    # Lifted, the address is sent to again (new notices only: these are settled).
    lifted = CliRunner().invoke(
        cli, ["subscribers", "unsuppress", "Gone@example.com", "--root", str(root)]
    )
    assert lifted.exit_code == 0 and lifted.stderr == "No longer suppressed: gone@example.com\n"
    assert (
        "gone@example.com"
        not in CliRunner().invoke(cli, ["subscribers", "suppressed", "--root", str(root)]).stdout
    )


def test_suppression_survives_without_the_private_list(tmp_path: Path) -> None:
    """In CI the private folder is made afresh each run: the committed ledger remembers."""
    root = notify_site(tmp_path)
    refused = "refused@example.com"
    subscribe(root, Subscriber(email=refused), Subscriber(email="ok@example.com"))
    with smtp_server(Recorder(refuse={refused})) as (server, port):
        run(root, port)
        (root / ".statuspage" / "suppressed.json").unlink()
        (root / "incidents" / "2026-11-23-new.yaml").write_text(
            "title: New\nimpact: minor\ncomponents: {web: degraded_performance}\nupdates:\n"
            "  - at: 2026-11-23T08:00:00+01:00\n    status: investigating\n    message: New.\n"
        )
        rcpts = len(server.pairs())
        report = run(root, port)
    assert report.sent == 1 and len(server.pairs()) == rcpts + 1
    assert all(r != refused for _, r in server.pairs())
    listed = CliRunner().invoke(cli, ["subscribers", "suppressed", "--root", str(root)])
    assert listed.stdout.startswith(f"{refused}\tsmtp\trecorded in the ledger\t")


def test_bad_bounce_input_is_reported() -> None:
    with pytest.raises(Exception, match=r"n.json:2:2: error: not JSON"):
        read_bounces("n.json", b'{"type": "bounce", "email": "a@example.com"}\n{oops\n')
    with pytest.raises(Exception, match="SNS subscription confirmation"):
        read_bounces(
            "n.json", json.dumps({"Type": "SubscriptionConfirmation", "Message": "x"}).encode()
        )
    with pytest.raises(Exception, match="not an e-mail address"):
        read_bounces("n.json", b'{"type": "complaint", "email": "nobody"}')


# -- webhooks ------------------------------------------------------------------------------


class Receiver(BaseHTTPRequestHandler):
    """A webhook endpoint: keeps every request; answers `status` (or per path)."""

    requests: list[tuple[str, dict[str, str], bytes]]
    statuses: dict[str, int]
    delay: float = 0.0

    def do_POST(self) -> None:
        length = int(self.headers["Content-Length"])
        body = self.rfile.read(length)
        self.requests.append((self.path, dict(self.headers.items()), body))
        if self.delay:
            time.sleep(self.delay)
        status = self.statuses.get(self.path, 200)
        self.send_response(status)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, *args: Any) -> None:
        pass


@pytest.fixture
def receiver() -> Iterator[tuple[type[Receiver], str]]:
    handler = type("R", (Receiver,), {"requests": [], "statuses": {}})
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield handler, f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


def check_signature(secret: str, headers: dict[str, str], body: bytes) -> bool:
    """What docs/notices.md tells receivers to do, written independently here."""
    fields = dict(part.split("=", 1) for part in headers["X-Statuspage-Signature"].split(","))
    timestamp = int(fields["t"])
    if abs(time.time() - timestamp) > 300:
        return False
    expected = hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256)
    return hmac.compare_digest(expected.hexdigest(), fields["v1"])


def test_webhooks_in_statuspage_shape_signed(
    tmp_path: Path, receiver: tuple[type[Receiver], str]
) -> None:
    handler, base = receiver
    root = notify_site(tmp_path)
    url = f"{base}/hooks/status"
    result = CliRunner().invoke(
        cli,
        ["subscribers", "add", "ops@example.com", "--webhook", url, "-c", "checkout",
         "--root", str(root)],
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    secret = result.stderr.splitlines()[-1].rpartition(": ")[2]
    assert secret.startswith("whsec_")
    shown = CliRunner().invoke(cli, ["subscribers", "secret", url, "--root", str(root)])
    assert shown.stdout.strip() == secret
    # No SMTP needed when nobody is mailed.
    site = load_site_or_raise(root, now=NOW, check_git=False)
    report = notify(site, smtp_url="")
    assert report.ok
    bodies = [(json.loads(body), headers, body) for _, headers, body in handler.requests]
    assert all(check_signature(secret, h, raw) for _, h, raw in bodies)
    assert not check_signature("whsec_wrong", bodies[0][1], bodies[0][2])
    incidents = [b for b, _, _ in bodies if "incident" in b]
    components = [b for b, _, _ in bodies if "component_update" in b]
    assert [b["incident"]["incident_updates"][0]["id"] for b in incidents] == [
        "2026-11-20-checkout-errors.0",
        "2026-11-20-checkout-errors.1",
        "2026-11-20-checkout-errors.3",
        "2026-12-03-db-upgrade.0",
    ]
    # What a Statuspage webhook consumer reads (Statuspage's documented fields).
    first = incidents[0]
    assert set(first) == {"meta", "page", "incident"}
    assert set(first["meta"]) == {"unsubscribe", "documentation"}
    assert first["meta"]["unsubscribe"].startswith("https://test.example/unsubscribe?token=")
    assert set(first["page"]) == {"id", "status_indicator", "status_description"}
    assert first["page"]["status_indicator"] in ("none", "minor", "major", "critical")
    incident = first["incident"]
    for name in ("id", "name", "status", "impact", "created_at", "updated_at", "shortlink",
                 "incident_updates", "components", "resolved_at", "page_id"):  # fmt: skip
        assert name in incident
    assert incident["status"] == "investigating"
    assert [u["status"] for u in incident["incident_updates"]] == ["investigating"]
    assert incidents[2]["incident"]["status"] == "resolved"
    assert [u["status"] for u in incidents[2]["incident"]["incident_updates"]] == [
        "resolved",
        "identified",
        "identified",
        "investigating",
    ]
    # A component change has its own body.
    change = components[0]
    assert set(change) == {"meta", "page", "component_update", "component"}
    assert change["component_update"]["component_id"] == "checkout"
    assert change["component_update"]["old_status"] == "operational"
    assert change["component_update"]["new_status"] == "major_outage"
    assert change["component"]["id"] == "checkout"
    assert {h["X-Statuspage-Notice"] for _, h, _ in bodies} >= set(CHECKOUT_KEYS)
    # Exactly once: a second run posts nothing.
    count = len(handler.requests)
    assert notify(load_site_or_raise(root, now=NOW, check_git=False), smtp_url="").sent == 0
    assert len(handler.requests) == count


def test_a_gone_webhook_is_suppressed_and_a_failing_one_retried(
    tmp_path: Path, receiver: tuple[type[Receiver], str]
) -> None:
    handler, base = receiver
    handler.statuses = {"/gone": 410, "/broken": 503}
    root = notify_site(tmp_path)
    subscribe(
        root,
        *(
            Subscriber(email="ops@example.com", webhook=f"{base}/{name}", components=("api",))
            for name in ("gone", "broken", "fine")
        ),
    )
    clock = Clock()
    site = load_site_or_raise(root, now=NOW, check_git=False)
    report = notify(site, smtp_url="", clock=clock)
    # Each gets the incident and the component's change: two bodies.
    assert report.ok and report.sent == 2
    assert sorted((f.result.value, f.reason) for f in report.failures) == [
        ("permanent", "410 Gone"),  # then nothing more to it
        ("temporary", "503 Service Unavailable"),
        ("temporary", "503 Service Unavailable"),
    ]
    entries = SuppressionList.beside(root / ".statuspage" / "subscribers.json").load()
    assert list(entries) == [f"{base}/gone"]
    handler.statuses = {}
    clock.now += timedelta(minutes=5)
    again = notify(site, smtp_url="", clock=clock)
    assert again.sent == 2
    paths = collections.Counter(path for path, _, _ in handler.requests)
    assert paths == {"/gone": 1, "/broken": 4, "/fine": 2}


def test_slack_body(tmp_path: Path, receiver: tuple[type[Receiver], str]) -> None:
    handler, base = receiver
    root = notify_site(
        tmp_path,
        **{
            "2026-11-23-mention": "title: Login <!channel> & more\nimpact: minor\n"
            "components: {api: degraded_performance}\nupdates:\n"
            "  - at: 2026-11-23T08:00:00+01:00\n    status: investigating\n"
            "    message: Logins are *slow* <@U123>.\n"
        },
    )
    subscribe(
        root,
        Subscriber(
            email="ops@example.com", webhook=f"{base}/services/T1/B2/x", format="slack",
            components=("api",),
        ),
    )  # fmt: skip
    report = notify(load_site_or_raise(root, now=NOW, check_git=False), smtp_url="")
    assert report.ok and report.sent == 2
    path, headers, raw = handler.requests[-1]
    assert path == "/services/T1/B2/x"
    assert "X-Statuspage-Signature" not in headers  # Slack checks the secret in its URL
    body = json.loads(raw)
    assert body["text"] == "[Test Shop Status] Investigating: Login &lt;!channel&gt; &amp; more"
    section = body["blocks"][0]
    assert section["type"] == "section" and section["text"]["type"] == "mrkdwn"
    assert section["text"]["text"].startswith(
        "*<https://status.test.example/incidents/2026-11-23-mention/|"
        "Investigating: Login &lt;!channel&gt; &amp; more>*\n"
    )
    assert "&lt;@U123&gt;" in section["text"]["text"]
    assert body["blocks"][1]["elements"][0]["text"].startswith("Public API: ")
    # Everyone in the channel reads the message: nothing in it may reveal the webhook's
    # secret URL, plainly or in a token (base64 of it), nor unsubscribe the channel.
    url = f"{base}/services/T1/B2/x".encode()
    encodings = [base64.b64encode(url), base64.urlsafe_b64encode(url)]
    for secret in [url, url.split(b"://", 1)[1], *(e.rstrip(b"=") for e in encodings)]:
        assert secret not in raw
    assert b"nsubscribe" not in raw


class Silent(Receiver):
    """Reads each request whole, then closes the connection without a word."""

    def do_POST(self) -> None:
        length = int(self.headers["Content-Length"])
        self.requests.append((self.path, dict(self.headers.items()), self.rfile.read(length)))
        self.close_connection = True


def test_a_webhook_read_but_unanswered_is_in_doubt(tmp_path: Path) -> None:
    """The whole request went out and the receiver closed without answering: it may have
    acted on it, so it is in doubt, and POSTed again only with --resend-in-doubt."""
    handler = type("S", (Silent,), {"requests": [], "statuses": {}})
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        root = notify_site(tmp_path)
        url = f"http://127.0.0.1:{server.server_address[1]}/hook"
        subscribe(root, Subscriber(email="ops@example.com", webhook=url, components=("api",)))
        site = load_site_or_raise(root, now=NOW, check_git=False)
        report = notify(site, smtp_url="")
        owed = report.doubt  # the incident and its component, one POST each
        assert owed == 2 and report.sent == 0
        assert len(handler.requests) == owed  # not POSTed twice at once either
        assert notify(site, smtp_url="").sent == 0  # says they are in doubt, again
        assert len(handler.requests) == owed
        notify(site, smtp_url="", options=Options(resend_in_doubt=True))
        assert len(handler.requests) == 2 * owed
    finally:
        server.shutdown()
        server.server_close()


# -- long incidents ------------------------------------------------------------------------


def long_incident(count: int) -> str:
    start = datetime(2026, 11, 1, 8, 0)
    lines = [
        "title: A very long incident",
        "impact: minor",
        "components: {api: degraded_performance}",
        "updates:",
    ]
    for index in range(count):
        at = (start + timedelta(minutes=5 * index)).strftime("%Y-%m-%dT%H:%M:00+01:00")
        status = "investigating" if index == 0 else "identified"
        lines += [
            f"  - at: {at}",
            f"    status: {status}",
            f"    message: Update number {index} with some words in it. " + "More. " * 20,
        ]
    return "\n".join(lines) + "\n"


def test_a_long_incident_sends_small_notices_and_validate_says_so(tmp_path: Path) -> None:
    root = notify_site(tmp_path, **{"2026-11-01-long": long_incident(400)})
    subscribe(root, Subscriber(email="reader@example.com", components=("api",)))
    with smtp_server() as (server, port):
        run(root, port)
    messages = [r for r in server.received if r.notice.startswith("2026-11-01-long/")]
    assert len(messages) == 400
    biggest = max(len(r.data) for r in messages)
    assert biggest < 40_000, biggest  # every earlier update would make the last ~1 MB
    last = next(r for r in messages if r.notice == "2026-11-01-long/399").message
    text = last.get_body(("plain",)).get_content()
    shown = [n for n in range(400) if f"Update number {n} with" in text]
    assert shown == [394, 395, 396, 397, 398, 399]  # the update and the five before it
    assert "https://status.test.example/incidents/2026-11-01-long/" in text
    result = CliRunner().invoke(
        cli, ["validate", "--root", str(root), "--now", NOW_TEXT, "--no-git"]
    )
    line = 4 + 3 * 100 + 1
    assert (
        f"incidents/2026-11-01-long.yaml:{line}:5: warning: updates: 400 updates in one "
        "incident; notices show only the latest 5 earlier ones and link to the rest. Resolve "
        "it and open a new incident for what is still going on"
    ) in result.stdout


# -- the subscription database -------------------------------------------------------------


def test_webhooks_from_the_database(
    database: str, tmp_path: Path, receiver: tuple[type[Receiver], str]
) -> None:
    """A webhook subscription made through the service: signed posts, 410 suppresses."""
    from statuspage.notify.store import Store

    handler, base = receiver
    handler.statuses = {"/gone": 410}
    root = notify_site(tmp_path / "site")
    earlier = datetime(2026, 11, 1, tzinfo=UTC)
    with Store.open(database) as store:
        for name in ("hook", "gone"):
            request = store.request(
                kind="webhook",
                email="ops@example.com",
                components=("api",),
                language=None,
                consent="test",
                now=earlier,
                webhook_url=f"{base}/{name}",
            )
            assert store.confirm(request.subscription.uid, earlier) is not None
    site = load_site_or_raise(root, now=NOW, check_git=False)
    report = notify(site, smtp_url="", database=database)  # no SMTP needed: nobody is mailed
    assert report.ok
    # Incident and component change to /hook; /gone answered 410 to the first and got no more.
    paths = collections.Counter(path for path, _, _ in handler.requests)
    assert paths == {"/hook": 2, "/gone": 1}
    secret = keys().webhook_secret(f"{base}/hook")
    assert all(
        check_signature(secret, h, body) for path, h, body in handler.requests if path == "/hook"
    )
    with Store.open(database) as store:
        assert keys().recipient(f"{base}/gone") in store.suppressed()
    again = notify(site, smtp_url="", database=database)
    assert again.sent == 0 and len(handler.requests) == 3
    shown = CliRunner().invoke(
        cli,
        ["subscribers", "secret", f"{base}/hook", "--root", str(root)],
        env={"STATUSPAGE_DATABASE_URL": database},
    )
    assert shown.exit_code == 0, shown.output
    assert shown.stdout.strip() == secret


@pytest.mark.parametrize("pipelining", [False, True])
def test_a_sink_refusing_deferring_and_dropping_at_once(
    tmp_path: Path, pipelining: bool, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Several connections against a server that refuses some recipients for good, some
    for now, and drops the connection on others: every outcome once, the run succeeds;
    the same with the envelope pipelined."""
    if pipelining:  # one write for MAIL, RCPT and DATA: never the command at a time

        def one_at_a_time(*args: Any, **kwargs: Any) -> Any:
            raise AssertionError("MAIL sent alone to a server offering PIPELINING")

        monkeypatch.setattr(smtplib.SMTP, "mail", one_at_a_time)
    root = notify_site(tmp_path)
    addresses = people(9)
    refused, deferred, dropped = addresses[2], addresses[5], addresses[7]
    subscribe(root, *(Subscriber(email=a) for a in addresses))
    handler = Recorder(
        refuse={refused}, defer={deferred}, drop={dropped}, delay=0.01, pipelining=pipelining
    )
    clock = Clock()
    with smtp_server(handler) as (server, port):
        report = run(root, port, clock, connections=3)
        assert report.ok and report.doubt == 0
        outcomes = collections.Counter((f.result.value, f.recipient) for f in report.failures)
        assert outcomes == {
            ("permanent", "pe…@example.com"): 1,  # said once, then suppressed
            ("temporary", "pe…@example.com"): 5,  # each of the deferred one's notices
        }
        assert all(t.sent == 7 and t.suppressed == 1 for t in report.tallies.values())
        assert all(t.temporary == 1 for t in report.tallies.values())
        handler.defer.clear()
        clock.now += timedelta(minutes=5)
        assert run(root, port, clock, connections=3).sent == 5
    counts = collections.Counter(server.pairs())
    wanted = {(k, a) for k in EVERY_KEY for a in addresses if a != refused}
    assert counts == dict.fromkeys(wanted, 1)


def test_a_run_without_subscribers_closes_nothing(tmp_path: Path) -> None:
    """The subscriber list missing for one CI run: the notices stay owed to the list."""
    root = notify_site(tmp_path)
    earlier = datetime(2026, 11, 1, tzinfo=UTC)
    with smtp_server() as (server, port):
        report = run(root, port)  # no list at all
        assert report.subscribers == 0 and report.sent == 0
        assert read(root / "notices.ledger").done == {}
        subscribe(root, Subscriber(email="back@example.com", added=earlier))
        assert run(root, port).sent == len(EVERY_KEY)
    assert {n for n, _ in server.pairs()} == set(EVERY_KEY)


def test_a_refusal_at_the_end_of_a_message_is_not_in_doubt(tmp_path: Path) -> None:
    """421 after the end of a message: the server said it did not take it; sent again on
    a new connection at once, and the ledger says so (never "in doubt")."""

    class Closing(Recorder):
        count = 0

        async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
            self.count += 1
            if self.count % 2 == 0:
                return "421 4.3.2 Closing connection, try again"
            return await super().handle_DATA(server, session, envelope)

    root = notify_site(tmp_path)
    addresses = people(2)
    subscribe(root, *(Subscriber(email=a) for a in addresses))
    with smtp_server(Closing()) as (server, port):
        report = run(root, port, connections=1)
    assert report.ok and report.doubt == 0 and not report.failures
    assert collections.Counter(server.pairs()) == {(k, a): 1 for k in EVERY_KEY for a in addresses}
    state = read(root / "notices.ledger", EVERY_KEY, settled=True)
    standings = [s for k in EVERY_KEY for s in state.segments[k].standing.values()]
    assert {s.outcome.value for s in standings} == {"sent"}
    text = (segments_dir(root / "notices.ledger") / EVERY_KEY[0].replace("/", ".")).read_text()
    assert "\t421\ttemporary\n" in text


def test_the_database_closes_settled_notices(database: str, tmp_path: Path) -> None:
    """A run plans and reads only the notices still open, with the database too."""
    from statuspage.notify.store import Store

    root = notify_site(tmp_path / "site")
    earlier = datetime(2026, 11, 1, tzinfo=UTC)
    site = load_site_or_raise(root, now=NOW, check_git=False)
    with smtp_server() as (server, port):
        url = f"smtp://127.0.0.1:{port}"
        notify(site, smtp_url=url, database=database)  # nobody yet: nothing closed
        with Store.open(database) as store:
            assert store.done() == {}
            store.add_confirmed(
                [Subscriber(email=a, added=earlier) for a in people(3)], consent="t", now=earlier
            )
        assert notify(site, smtp_url=url, database=database).sent == 15
        with Store.open(database) as store:
            assert set(store.done()) == set(EVERY_KEY)
            assert store.state(EVERY_KEY).sent  # the records stay; they are just not read
        again = notify(site, smtp_url=url, database=database)
        assert again.sent == 0 and again.notices == 0
    assert len(server.pairs()) == 15


def test_teams_and_discord_bodies(tmp_path: Path, receiver: tuple[type[Receiver], str]) -> None:
    handler, base = receiver
    root = notify_site(tmp_path)
    subscribe(
        root,
        *(
            Subscriber(
                email="ops@example.com", webhook=f"{base}/{kind}", format=kind,
                components=("api",),
            )
            for kind in ("teams", "discord")
        ),
    )  # fmt: skip
    report = notify(load_site_or_raise(root, now=NOW, check_git=False), smtp_url="")
    assert report.ok and report.sent == 2  # one each: chat bodies carry no component change
    bodies = {path: json.loads(body) for path, _, body in handler.requests}
    teams = bodies["/teams"]
    assert teams["type"] == "message"
    [attachment] = teams["attachments"]
    assert attachment["contentType"] == "application/vnd.microsoft.card.adaptive"
    card = attachment["content"]
    assert card["type"] == "AdaptiveCard"
    assert card["body"][1]["text"] == "Investigating: Slow API"
    assert card["actions"][0]["url"] == "https://status.test.example/incidents/2026-11-22-api-slow/"
    discord = bodies["/discord"]
    assert discord["allowed_mentions"] == {"parse": []}
    [embed] = discord["embeds"]
    assert embed["title"] == "Investigating: Slow API"
    assert embed["description"] == "The API is slow."
    assert embed["fields"][0]["value"].startswith("Public API: ")


def test_the_format_follows_the_url() -> None:
    from statuspage.notify.webhooks import webhook_format

    assert webhook_format("https://hooks.slack.com/services/T0/B0/x") == "slack"
    assert webhook_format("https://discord.com/api/webhooks/1/abc") == "discord"
    assert webhook_format("https://acme.webhook.office.com/webhookb2/x") == "teams"
    assert webhook_format("https://prod-1.westeurope.logic.azure.com/workflows/x") == "teams"
    assert webhook_format("https://ops.example/hooks/status") == "statuspage"
    assert webhook_format("https://discord.com/other") == "statuspage"
    assert webhook_format("https://ops.example/x", "slack") == "slack"


@pytest.mark.parametrize("pipelining", [False, True])
def test_a_refused_sender_stops_the_run_and_suppresses_nobody(
    tmp_path: Path, pipelining: bool
) -> None:
    """550 to MAIL FROM is about the sender, not the recipients: the run stops with a
    clear message, nobody is suppressed, and a later run with a good server sends all."""

    class Refusing(Recorder):
        async def handle_MAIL(
            self, server: Any, session: Any, envelope: Any, address: str, options: Any
        ) -> str:
            return "550 5.7.1 <status@example.com>: Sender address rejected"

    root = notify_site(tmp_path)
    addresses = people(3)
    subscribe(root, *(Subscriber(email=a) for a in addresses))
    command = ["notify", "--root", str(root), "--no-git", "--now", NOW_TEXT]
    with smtp_server(Refusing(pipelining=pipelining)) as (server, port):
        env = {"STATUSPAGE_SMTP_URL": f"smtp://127.0.0.1:{port}"}
        refused = CliRunner().invoke(cli, command, env=env)
    assert refused.exit_code == 1 and not server.received
    assert "refuses the sender" in refused.stderr and "Sender address rejected" in refused.stderr
    assert "Traceback" not in refused.stderr
    assert SuppressionList(root / ".statuspage" / "suppressed.json").load() == {}
    assert read(root / "notices.ledger", EVERY_KEY, settled=True).delivered == set()
    with smtp_server() as (server, port):
        assert run(root, port).sent == len(EVERY_KEY) * len(addresses)
    assert collections.Counter(server.pairs()) == {(k, a): 1 for k in EVERY_KEY for a in addresses}


def test_the_database_path_keeps_the_options(database: str, tmp_path: Path) -> None:
    """The caller's options (here the data timeout) hold with the database too."""
    from statuspage.notify.store import Store

    root = notify_site(tmp_path / "site")
    stalled, fine = "stalled@example.com", "fine@example.com"
    earlier = datetime(2026, 11, 1, tzinfo=UTC)
    with Store.open(database) as store:
        store.add_confirmed(
            [Subscriber(email=a, components=("api",), added=earlier) for a in (stalled, fine)],
            consent="t",
            now=earlier,
        )
    site = load_site_or_raise(root, now=NOW, check_git=False)
    with smtp_server(Recorder(stall={stalled: 6.0})) as (_, port):
        report = notify(
            site,
            smtp_url=f"smtp://127.0.0.1:{port}",
            database=database,
            options=Options(data_timeout=2.0, reconnect_backoff=0),  # a loaded machine answers
        )
    assert report.sent == 1 and report.doubt == 1
    [failure] = report.failures
    assert (failure.result.value, failure.reason) == ("doubt", "timed out")


def test_a_run_stopped_by_a_failing_server_says_why(tmp_path: Path) -> None:
    """One connection finished its share normally, the other gave up: the run says why it
    stopped (it said "stopped with N not sent: None")."""

    class Dropping(Recorder):
        async def handle_RCPT(
            self, server: Any, session: Any, envelope: Any, address: str, options: Any
        ) -> str:
            if address == "broken@example.com":
                await asyncio.sleep(0.3)  # the other connection is done by then
                assert server.transport is not None
                server.transport.close()
                return "421 4.3.2 gone"
            return await super().handle_RCPT(server, session, envelope, address, options)

    root = notify_site(tmp_path)
    subscribe(
        root,
        Subscriber(email="broken@example.com", components=("api",)),
        Subscriber(email="fine@example.com", components=("api",)),
    )
    with smtp_server(Dropping()) as (server, port):
        report = run(root, port, connections=2)
    assert server.pairs() == [(k, "fine@example.com") for k in API_KEYS]
    assert not report.ok and report.unsent == len(API_KEYS)
    assert report.stopped is not None and "keeps dropping the connection" in report.stopped

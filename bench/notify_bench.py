"""Benchmark: one update sent to 10,000 subscribers through a local SMTP server.

    python bench/notify_bench.py [--subscribers 10000] [--runs 3] [--delay 0.05]
                                 [--connections 10]
    python bench/notify_bench.py --webhooks 1000
    python bench/notify_bench.py --database 100000
    python bench/notify_bench.py --store sqlite [--subscribers 2000] [--delay 0.05]
    python bench/notify_bench.py --store postgresql://user@host/server-db

Starts a sink in its own process on 127.0.0.1 (aiosmtpd accepting and discarding, after
`--delay` seconds per message, as a real relay takes; offering PIPELINING as Postfix and
Amazon SES do, unless `--no-pipelining`), then times `statuspage notify` as a
user runs it, from process start to exit: loading the site, rendering one personalised
message per subscriber, one SMTP transaction each over `--connections` connections, and
fsynced ledger lines. Each run starts from a fresh ledger. Prints every run and the median.
Targets: 10,000 in 60 s with a 50 ms sink, in 3 minutes with a 200 ms sink.

`--webhooks N` times N webhook subscribers against a local HTTP receiver (target 30 s for
1,000). `--database N` times the preparation (who gets what) for N subscribers in a SQLite
subscription database, and its peak memory (targets 10 s and 300 MB for 100,000).
`--store sqlite` (or a PostgreSQL server's URL: a fresh database is made on it for each run
and dropped) sends for real with the subscribers in a subscription database instead of the
file store: each message's delivery is claimed, marked and settled there.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import resource
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO_ROOT))

from statuspage.notify.subscribers import Subscriber, SubscriberStore  # noqa: E402

CONFIG = """\
title: Bench Shop Status
base_url: https://status.bench.example
language: en
timezone: Europe/Paris
contact:
  email: help@bench.example
  url: https://bench.example/help
  response_promise: We answer within 8 hours.
components:
  - {id: web, name: Website}
  - {id: checkout, name: Checkout}
  - {id: api, name: Public API}
notify:
  from: Bench Shop Status <status@bench.example>
  since: 2026-11-01T00:00:00+01:00
  unsubscribe_url: https://bench.example/unsubscribe
"""

INCIDENT = """\
title: Checkout errors
impact: major
components: {checkout: major_outage}
updates:
  - at: 2026-11-20T14:02:00+01:00
    status: investigating
    message: |
      Most payments at checkout fail with "We could not reach the payment service".
      Your basket is saved. We are investigating and will update here within 30 minutes.
    next_update: 30m
"""
NOW = "2026-11-20T15:00:00+01:00"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def wait_for(port: int, timeout: float = 10.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                return
        except OSError:
            time.sleep(0.05)
    raise RuntimeError("the SMTP server did not start")


def make_site(root: Path, subscribers: int, config: str = CONFIG, webhooks: int = 0) -> None:
    """`webhooks`: the receiver's port; every subscriber is then a webhook."""
    (root / "incidents").mkdir(parents=True)
    (root / "statuspage.yaml").write_text(config)
    (root / "incidents" / "2026-11-20-checkout-errors.yaml").write_text(INCIDENT)
    languages = ("en", "fr", "ru", "zh")
    SubscriberStore(root / ".statuspage" / "subscribers.json").save(
        Subscriber(
            email=f"customer{i:05d}@example.com",
            components=("checkout",) if i % 3 == 0 else (),
            language=languages[i % 4],
            webhook=f"http://127.0.0.1:{webhooks}/hooks/{i}" if webhooks else None,
        )
        for i in range(subscribers)
    )


def database_bench(count: int) -> None:
    """Preparation with N subscribers in SQLite: load them and plan who gets what."""
    from statuspage.inputs.clock import parse_now
    from statuspage.inputs.load import load_site_or_raise
    from statuspage.notify.ledger import Keys
    from statuspage.notify.notices import site_notices
    from statuspage.notify.send import plan
    from statuspage.notify.store import Store

    work = Path(tempfile.mkdtemp(prefix="notify-bench-db-"))
    try:
        root = work / "site-src"
        make_site(root, 0)
        url = f"sqlite:///{work / 'subscriptions.db'}"
        people = [
            Subscriber(
                email=f"customer{i:06d}@example.com",
                components=("checkout",) if i % 3 == 0 else (),
                language=("en", "fr", "ru", "zh")[i % 4],
            )
            for i in range(count)
        ]
        from statuspage.inputs.clock import utc_now

        with Store.open(url) as db:
            db.add_confirmed(people, consent="bench", now=utc_now())
        del people
        keys = Keys.from_secret(b"bench-secret-0123456789abcdef")
        start = time.perf_counter()
        site = load_site_or_raise(root, now=parse_now(NOW), check_git=False)
        notices = site_notices(site)
        with Store.open(url) as db:
            db.check_key(keys)
            suppressed = db.suppressed()
            subscribers = [
                s.subscriber for s in db.confirmed("email")
                if keys.recipient(s.email) not in suppressed
            ]  # fmt: skip
            state = db.state(n.key for n in notices)
        work_plan = plan(notices, subscribers, state, keys, since=None, now=utc_now())
        elapsed = time.perf_counter() - start
        peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        print(
            f"database preparation: {len(subscribers)} subscribers, {len(work_plan.owed)} "
            f"messages owed, in {elapsed:.1f} s; peak memory {peak:.0f} MB"
        )
    finally:
        shutil.rmtree(work, ignore_errors=True)


@contextlib.contextmanager
def fresh_store(store: str, work: Path, subscribers: int) -> Iterator[str]:
    """A new subscription database holding `subscribers` confirmed ones; its URL."""
    import sqlalchemy as sa

    from statuspage.notify.store import Store

    admin = None
    if store == "sqlite":
        path = work / "db" / "subscriptions.db"
        shutil.rmtree(path.parent, ignore_errors=True)
        url = f"sqlite:///{path}"
    else:
        server = sa.engine.make_url(store).set(drivername="postgresql+psycopg")
        name = f"bench_{os.getpid()}_{time.monotonic_ns()}"
        admin = sa.create_engine(server, isolation_level="AUTOCOMMIT")
        with admin.connect() as connection:
            connection.exec_driver_sql(f'CREATE DATABASE "{name}"')
        url = server.set(database=name).render_as_string(hide_password=False)
    try:
        with Store.open(url) as db:
            db.add_confirmed(
                (
                    Subscriber(
                        email=f"customer{i:05d}@example.com",
                        components=("checkout",) if i % 3 == 0 else (),
                        language=("en", "fr", "ru", "zh")[i % 4],
                        added=datetime(2026, 10, 1, tzinfo=UTC),
                    )
                    for i in range(subscribers)
                ),
                consent="bench",
                now=datetime(2026, 10, 1, tzinfo=UTC),
            )
        yield url
    finally:
        if admin is not None:
            with admin.connect() as connection:
                connection.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
            admin.dispose()


def database_sent(url: str) -> int:
    from statuspage.notify.store import Store

    with Store.open(url) as db:
        return len(db.state().sent)


SINK = """
import asyncio, sys, time
from aiosmtpd.controller import Controller

class Slow:
    async def handle_EHLO(self, server, session, envelope, hostname, responses):
        session.host_name = hostname
        if sys.argv[3] == "pipelining":  # as Postfix and Amazon SES offer
            responses.insert(-1, "250-PIPELINING")
        return responses

    async def handle_DATA(self, server, session, envelope):
        await asyncio.sleep(float(sys.argv[2]))
        return "250 2.0.0 OK: queued"

controller = Controller(Slow(), hostname="127.0.0.1", port=int(sys.argv[1]))
controller.start()
while True:
    time.sleep(3600)
"""

RECEIVER = """
import sys
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

class Receiver(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    def do_POST(self):
        self.rfile.read(int(self.headers["Content-Length"]))
        self.send_response(200)
        self.send_header("Content-Length", "0")
        self.end_headers()
    def log_message(self, *args):
        pass

ThreadingHTTPServer.daemon_threads = True
ThreadingHTTPServer.request_queue_size = 128  # as a real server's listen backlog
ThreadingHTTPServer(("127.0.0.1", int(sys.argv[1])), Receiver).serve_forever()
"""


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--subscribers", type=int, default=10_000)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--delay", type=float, default=0.0, help="seconds per message")
    parser.add_argument("--connections", type=int, default=None)
    parser.add_argument(
        "--no-pipelining", action="store_true", help="a sink that does not offer PIPELINING"
    )
    parser.add_argument("--webhooks", type=int, default=0)
    parser.add_argument("--database", type=int, default=0)
    parser.add_argument(
        "--store", default=None, help="sqlite, or a PostgreSQL server URL: send from a database"
    )
    args = parser.parse_args()
    if args.database:
        database_bench(args.database)
        return

    work = Path(tempfile.mkdtemp(prefix="notify-bench-"))
    port = free_port()
    if args.webhooks:
        server = subprocess.Popen([sys.executable, "-c", RECEIVER, str(port)])
    else:
        pipelining = "no" if args.no_pipelining else "pipelining"
        server = subprocess.Popen(
            [sys.executable, "-c", SINK, str(port), str(args.delay), pipelining]
        )
    try:
        wait_for(port)
        root = work / "site-src"
        config = CONFIG
        if args.connections:
            config += f"  connections: {args.connections}\n"
        make_site(root, args.webhooks or args.subscribers, config, port if args.webhooks else 0)
        env = {
            **os.environ,
            "PYTHONPATH": str(REPO_ROOT),
            "STATUSPAGE_SMTP_URL": f"smtp://127.0.0.1:{port}",
            "STATUSPAGE_LEDGER_KEY": "bench-secret-0123456789abcdef",
            "CI": "true",  # no progress bar
        }
        command = [
            sys.executable, "-c", "from statuspage.cli import main; main()",
            "notify", "--root", str(root), "--no-git", "--now", NOW,
        ]  # fmt: skip
        times = []
        for run in range(1, args.runs + 1):
            (root / "notices.ledger").unlink(missing_ok=True)
            shutil.rmtree(root / "notices.ledger.d", ignore_errors=True)
            with contextlib.ExitStack() as stack:
                if args.store:
                    url = stack.enter_context(fresh_store(args.store, work, args.subscribers))
                    env["STATUSPAGE_DATABASE_URL"] = url
                before = resource.getrusage(resource.RUSAGE_CHILDREN)
                start = time.perf_counter()
                result = subprocess.run(command, env=env, capture_output=True, text=True)
                elapsed = time.perf_counter() - start
                after = resource.getrusage(resource.RUSAGE_CHILDREN)
                cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
                if result.returncode != 0:
                    raise SystemExit(f"notify failed:\n{result.stderr}")
                if args.store:
                    sent = database_sent(url)
                else:
                    sent = sum(
                        1 for path in (root / "notices.ledger.d").iterdir()
                        for line in path.read_text().splitlines() if line.startswith("sent\t")
                    )  # fmt: skip
            expected = args.webhooks * 2 if args.webhooks else args.subscribers
            if sent != expected:
                raise SystemExit(
                    f"expected {expected} messages, the ledger has {sent}:\n{result.stderr}"
                )
            times.append(elapsed)
            print(
                f"run {run}: {sent} messages in {elapsed:.1f} s "
                f"({sent / elapsed:.0f} messages/s, {cpu:.1f} s of CPU)  "
                f"[{result.stderr.strip().splitlines()[0]}]"
            )
        median = statistics.median(times)
        who = f"{args.webhooks} webhooks" if args.webhooks else f"{args.subscribers} subscribers"
        print(f"median of {len(times)}: {median:.1f} s for {who}")
    finally:
        server.terminate()
        server.wait()
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()

"""Benchmark: the subscription service under gunicorn, and notify's preparation from the database.

    python bench/subscriptions_bench.py [--requests 1000] [--clients 8] [--workers 2]
                                        [--subscribers 10000] [--postgres URL]

1. `--requests` POST /subscribe requests, each for a new address, from `--clients` threads
   over keep-alive-less HTTP, to gunicorn with `--workers` sync workers on 127.0.0.1. Each
   request normalises the address, writes its pending subscription and sends its confirmation
   through a local SMTP sink (aiosmtpd, in this process). Reports requests per second.
2. `--subscribers` confirmed subscribers stored in the database, then `notify --dry-run`
   through the library: reading the subscribers, the ledger and the suppression list, and
   working out who is owed which notice. Reports the time of that preparation (median of 3).

Both run on SQLite, and on PostgreSQL too with `--postgres postgresql://…` (an empty
database it may fill; `bash .ci/postgres start DIR` makes one). Not a test: no thresholds.
"""

from __future__ import annotations

import argparse
import http.client
import os
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
from datetime import UTC, datetime
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO_ROOT))

from aiosmtpd.controller import Controller  # noqa: E402

from statuspage.inputs.load import load_site_or_raise  # noqa: E402
from statuspage.notify.send import notify  # noqa: E402
from statuspage.notify.store import Store  # noqa: E402
from statuspage.notify.subscribers import Subscriber  # noqa: E402

SECRET = "bench-secret-0123456789abcdef0123456789"
CONFIG = """\
title: Bench Shop Status
base_url: https://status.bench.example
timezone: Europe/Paris
contact:
  email: help@bench.example
components:
  - id: web
    name: Website
  - id: checkout
    name: Checkout
  - id: api
    name: Public API
notify:
  since: 2026-11-01T00:00:00+01:00
subscriptions:
  url: http://127.0.0.1:{port}
"""
INCIDENT = """\
title: Checkout errors
impact: major
components: {checkout: major_outage}
updates:
  - at: 2026-11-20T14:02:00+01:00
    status: investigating
    message: Payments fail. We are investigating.
"""


class Sink:
    async def handle_DATA(self, server: object, session: object, envelope: object) -> str:
        return "250 OK"


def free_port() -> int:
    import socket

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def site(folder: Path, port: int) -> Path:
    (folder / "incidents").mkdir(parents=True)
    (folder / "statuspage.yaml").write_text(CONFIG.format(port=port), encoding="utf-8")
    (folder / "incidents" / "2026-11-20-checkout.yaml").write_text(INCIDENT, encoding="utf-8")
    return folder


def subscribe_requests(database: str, requests: int, clients: int, workers: int) -> float:
    """Requests per second through gunicorn."""
    smtp_port = free_port()
    controller = Controller(Sink(), hostname="127.0.0.1", port=smtp_port)
    controller.start()
    port = free_port()
    with tempfile.TemporaryDirectory() as scratch:
        root = site(Path(scratch) / "site", port)
        env = {
            **os.environ,
            "PYTHONPATH": str(REPO_ROOT),
            "STATUSPAGE_SITE": str(root),
            "STATUSPAGE_DATABASE_URL": database,
            "STATUSPAGE_LEDGER_KEY": SECRET,
            "STATUSPAGE_SMTP_URL": f"smtp://127.0.0.1:{smtp_port}",
            "STATUSPAGE_SUBSCRIBE_LIMIT": "1000000 per minute",
        }
        server = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "gunicorn",
                "--bind",
                f"127.0.0.1:{port}",
                "--workers",
                str(workers),
                "--log-level",
                "warning",
                "statuspage.subscriptions.app:create_app()",
            ],
            env=env,
        )
        try:
            deadline = time.monotonic() + 60
            while True:
                try:
                    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
                    connection.request("GET", "/healthz")
                    if connection.getresponse().status == 200:
                        break
                except OSError:
                    pass
                if time.monotonic() > deadline:
                    raise SystemExit("gunicorn did not start")
                time.sleep(0.2)
            failures: list[int] = []
            counter = iter(range(requests))
            lock = threading.Lock()

            def client() -> None:
                while True:
                    with lock:
                        number = next(counter, None)
                    if number is None:
                        return
                    body = urllib.parse.urlencode(
                        {"email": f"person{number}@bench.example", "components": "checkout"}
                    )
                    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
                    connection.request(
                        "POST",
                        "/subscribe",
                        body,
                        {"Content-Type": "application/x-www-form-urlencoded"},
                    )
                    status = connection.getresponse().status
                    connection.close()
                    if status != 200:
                        with lock:
                            failures.append(status)

            threads = [threading.Thread(target=client) for _ in range(clients)]
            start = time.perf_counter()
            for thread in threads:
                thread.start()
            for thread in threads:
                thread.join()
            elapsed = time.perf_counter() - start
        finally:
            server.terminate()
            server.wait(timeout=30)
            controller.stop()
    if failures:
        raise SystemExit(f"{len(failures)} requests failed: {sorted(set(failures))}")
    with Store.open(database) as store:
        assert store.count()[1] >= requests
    return requests / elapsed


def preparation(database: str, subscribers: int) -> list[float]:
    """Seconds for notify --dry-run to work out what is owed to every subscriber."""
    added = datetime(2026, 10, 1, tzinfo=UTC)
    with Store.open(database) as store:
        store.add_confirmed(
            (
                Subscriber(
                    email=f"reader{i}@bench.example",
                    components=("checkout",) if i % 3 == 0 else (),
                    language=("en", "fr", "ru", "zh")[i % 4],
                    added=added,
                )
                for i in range(subscribers)
            ),
            consent="bench",
            now=added,
        )
        total = store.count()[0]
    times = []
    with tempfile.TemporaryDirectory() as scratch:
        root = site(Path(scratch) / "site", 1)
        os.environ["STATUSPAGE_LEDGER_KEY"] = SECRET
        the_site = load_site_or_raise(root, now=datetime.now(UTC), check_git=False)
        for _ in range(3):
            start = time.perf_counter()
            report = notify(the_site, dry_run=True, database=database)
            times.append(time.perf_counter() - start)
            assert report.subscribers == total and report.notices == 1
    return times


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=1000)
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--subscribers", type=int, default=10_000)
    parser.add_argument("--postgres", help="an empty PostgreSQL database to use as well")
    options = parser.parse_args()
    print(f"machine: {os.cpu_count()} cores; python {sys.version.split()[0]}")
    with tempfile.TemporaryDirectory() as scratch:
        databases = [("SQLite", f"sqlite:///{scratch}/bench.db")]
        if options.postgres:
            databases.append(("PostgreSQL", options.postgres))
        for name, url in databases:
            rate = subscribe_requests(url, options.requests, options.clients, options.workers)
            print(
                f"{name}: {options.requests} subscribe requests through gunicorn "
                f"({options.workers} workers, {options.clients} clients): {rate:.0f} requests/s"
            )
            times = preparation(url, options.subscribers)
            print(
                f"{name}: notify preparation for {options.subscribers} database subscribers: "
                f"median {statistics.median(times):.2f} s ({', '.join(f'{t:.2f}' for t in times)})"
            )


if __name__ == "__main__":
    main()

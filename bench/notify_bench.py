"""Benchmark: one update mailed to 10,000 subscribers through a local SMTP server.

    python bench/notify_bench.py [--subscribers 10000] [--runs 3]

Starts aiosmtpd (its Sink handler, which accepts and discards) in its own process on
127.0.0.1, then times `statuspage notify` as a user runs it, from process start to exit:
loading the site, rendering one personalised message per subscriber, one SMTP transaction
each over one connection, and an fsynced ledger line after each. Each run starts from a
fresh ledger. Prints every run and the median. The target is 60 s for 10,000.
"""

from __future__ import annotations

import argparse
import os
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
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


def make_site(root: Path, subscribers: int) -> None:
    (root / "incidents").mkdir(parents=True)
    (root / "statuspage.yaml").write_text(CONFIG)
    (root / "incidents" / "2026-11-20-checkout-errors.yaml").write_text(INCIDENT)
    languages = ("en", "fr", "ru", "zh")
    SubscriberStore(root / ".statuspage" / "subscribers.json").save(
        Subscriber(
            email=f"customer{i:05d}@example.com",
            components=("checkout",) if i % 3 == 0 else (),
            language=languages[i % 4],
        )
        for i in range(subscribers)
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--subscribers", type=int, default=10_000)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()

    work = Path(tempfile.mkdtemp(prefix="notify-bench-"))
    port = free_port()
    server = subprocess.Popen(
        [sys.executable, "-m", "aiosmtpd", "-n", "-l", f"127.0.0.1:{port}",
         "-c", "aiosmtpd.handlers.Sink"],
    )  # fmt: skip
    try:
        wait_for(port)
        root = work / "site-src"
        make_site(root, args.subscribers)
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
            start = time.perf_counter()
            result = subprocess.run(command, env=env, capture_output=True, text=True)
            elapsed = time.perf_counter() - start
            if result.returncode != 0:
                raise SystemExit(f"notify failed:\n{result.stderr}")
            sent = sum(
                1 for line in (root / "notices.ledger").read_text().splitlines()
                if line.startswith("sent\t")
            )  # fmt: skip
            if sent != args.subscribers:
                raise SystemExit(f"expected {args.subscribers} messages, the ledger has {sent}")
            times.append(elapsed)
            print(
                f"run {run}: {sent} messages in {elapsed:.1f} s "
                f"({sent / elapsed:.0f} messages/s)  [{result.stderr.strip()}]"
            )
        median = statistics.median(times)
        print(f"median of {len(times)}: {median:.1f} s for {args.subscribers} subscribers")
    finally:
        server.terminate()
        server.wait()
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()

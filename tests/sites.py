"""Small status sites written inline by tests, and the repository's demo site."""

from __future__ import annotations

import textwrap
from datetime import datetime
from pathlib import Path

from statuspage.inputs.clock import parse_now

REPO_ROOT = Path(__file__).resolve().parent.parent
# The clock the demo is built with in tests: the morning after its newest incident.
DEMO_NOW = parse_now("2026-11-23T09:00:00+01:00")

BASE_CONFIG = """\
title: Test Shop Status
base_url: https://status.test.example
language: en
timezone: Europe/Paris
contact:
  email: help@test.example
  url: https://test.example/help
  response_promise: We answer within 8 hours.
components:
  - id: web
    name: Website
  - id: checkout
    name: Checkout
    group: Orders
  - id: payments
    name: Payments
    group: Orders
  - id: api
    name: Public API
"""


def write_site(
    root: Path,
    incidents: dict[str, str] | None = None,
    *,
    config: str = BASE_CONFIG,
) -> Path:
    """Write statuspage.yaml and incidents/<name> files (text is dedented); returns root."""
    root.mkdir(parents=True, exist_ok=True)
    (root / "statuspage.yaml").write_text(textwrap.dedent(config), encoding="utf-8")
    folder = root / "incidents"
    folder.mkdir(exist_ok=True)
    for name, text in (incidents or {}).items():
        filename = name if name.endswith((".yaml", ".yml")) else f"{name}.yaml"
        (folder / filename).write_text(textwrap.dedent(text), encoding="utf-8")
    return root


def at(text: str) -> datetime:
    """A test clock from ISO 8601 (naive means UTC)."""
    return parse_now(text)


# An outage (issue 15): a critical checkout outage, a minor search slowdown filed later, a
# maintenance in three days with a long body, and last week's resolved incident. Built at
# OUTAGE_NOW, 16 minutes after the trouble started.
OUTAGE_NOW = "2026-11-30T10:04:00+01:00"
OUTAGE_CONFIG = """\
title: Acme Shop Status
base_url: https://status.acme.example
language: en
timezone: Europe/Paris
contact:
  email: support@acme.example
  response_promise: We answer every message within 8 hours.
components:
  - {id: storefront, name: Storefront, group: Storefront}
  - {id: search, name: Search, group: Storefront}
  - {id: checkout, name: Checkout, group: Storefront}
  - {id: payments, name: Payments, group: Orders}
  - {id: tracking, name: Order tracking, group: Orders}
  - {id: notifications, name: Delivery notifications, group: Orders}
  - {id: api, name: Public API, group: Platform}
  - {id: dashboard, name: Merchant dashboard, group: Platform}
"""
OUTAGE_INCIDENTS = {
    "2026-11-30-checkout-unavailable": """\
    title: Checkout unavailable
    impact: critical
    started: 2026-11-30T09:48:00+01:00
    components: {checkout: major_outage, payments: major_outage}
    updates:
      - at: 2026-11-30T09:55:00+01:00
        status: investigating
        message: Orders cannot be placed; card payments fail. You are not charged.
        next_update: 30m
    """,
    "2026-11-30-search-slow": """\
    title: Search results are slow
    impact: minor
    components: {search: degraded_performance}
    updates:
      - at: 2026-11-30T10:00:00+01:00
        status: identified
        message: Search takes up to ten seconds. A busy index node is being replaced.
        next_update: 1h
    """,
    "2026-12-03-database-upgrade": """\
    title: Database upgrade
    type: maintenance
    window: {start: 2026-12-03T22:00:00+01:00, end: 2026-12-04T01:00:00+01:00}
    components: {checkout: under_maintenance, dashboard: under_maintenance}
    updates:
      - at: 2026-11-25T12:00:00+01:00
        status: scheduled
        message: |
          We move our main database to new servers.

          ## What you will notice

          - Checkout pauses for up to 15 minutes.
          - The merchant dashboard is read-only.

          ## What you need to do

          Nothing. Orders placed before the window are not affected.
    """,
    "2026-11-24-emails-delayed": """\
    title: Delivery e-mails delayed
    impact: minor
    components: {notifications: partial_outage}
    updates:
      - at: 2026-11-24T14:10:00+01:00
        status: investigating
        message: Some delivery e-mails arrive late.
      - at: 2026-11-24T15:02:00+01:00
        status: resolved
        message: All delayed e-mails have been sent.
    """,
}

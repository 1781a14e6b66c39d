"""A small status site with notices to send, shared by the e-mail tests."""

from __future__ import annotations

from pathlib import Path

from statuspage.inputs.clock import parse_now
from tests.sites import BASE_CONFIG, write_site

NOW = parse_now("2026-11-23T09:00:00+01:00")
NOW_TEXT = "2026-11-23T09:00:00+01:00"
SECRET = "test-secret-0123456789abcdef"

NOTIFY_CONFIG = (
    BASE_CONFIG
    + """\
notify:
  from: Test Shop Status <status@test.example>
  since: 2026-11-01T00:00:00+01:00
  unsubscribe_mailto: unsubscribe@test.example
  unsubscribe_url: https://test.example/unsubscribe
"""
)

CHECKOUT = """\
title:
  en: Checkout errors
  fr: Erreurs au paiement
impact: major
components: {checkout: major_outage}
updates:
  - at: 2026-11-20T14:02:00+01:00
    status: investigating
    message:
      en: Payments **fail**. We are investigating.
      fr: Les paiements échouent. Nous cherchons.
    next_update: 30m
  - at: 2026-11-20T14:30:00+01:00
    status: identified
    message: A faulty certificate; rolling back.
    components: {checkout: partial_outage, payments: degraded_performance}
  - at: 2026-11-20T14:35:00+01:00
    status: identified
    message: Typo fixed in the previous update.
    deliver_notifications: false
  - at: 2026-11-20T15:10:00+01:00
    status: resolved
    message: All payments work again.
"""

API = """\
title: Slow API
impact: minor
components: {api: degraded_performance}
updates:
  - at: 2026-11-22T10:00:00+01:00
    status: investigating
    message: The API is slow.
"""

UPGRADE = """\
title: Database upgrade
type: maintenance
window:
  start: 2026-12-03T23:00:00+01:00
  end: 2026-12-04T01:30:00+01:00
components: {checkout: under_maintenance}
updates:
  - at: 2026-11-21T11:00:00+01:00
    status: scheduled
    message: Checkout pauses during the upgrade.
"""

OLD = """\
title: Before the cut-off
impact: minor
components: {web: degraded_performance}
updates:
  - at: 2026-10-01T10:00:00+02:00
    status: investigating
    message: Long ago.
  - at: 2026-10-01T11:00:00+02:00
    status: resolved
    message: Fixed long ago.
"""

INCIDENTS = {
    "2026-11-20-checkout-errors": CHECKOUT,
    "2026-11-22-api-slow": API,
    "2026-12-03-db-upgrade": UPGRADE,
    "2026-10-01-old": OLD,
}

# Every notice the site holds after the cut-off, by key.
CHECKOUT_KEYS = [
    "2026-11-20-checkout-errors/0",
    "2026-11-20-checkout-errors/1",
    "2026-11-20-checkout-errors/3",
]
UPGRADE_KEYS = ["2026-12-03-db-upgrade/0"]
API_KEYS = ["2026-11-22-api-slow/0"]


def notify_site(root: Path, *, config: str = NOTIFY_CONFIG, **extra: str) -> Path:
    return write_site(root, {**INCIDENTS, **extra}, config=config)

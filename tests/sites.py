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

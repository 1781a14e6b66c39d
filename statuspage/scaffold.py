"""`statuspage init`: the files of a new status site."""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path

from statuspage.clock import isoformat_local
from statuspage.config import CONFIG_NAME
from statuspage.diagnostics import StatuspageError
from statuspage.load import INCIDENTS_DIR

_CONFIG = """\
# The configuration of your status page. Reference: docs/configuration.md
title: Example Status
base_url: https://status.example.com     # where the site is published (absolute)
language: en                              # en, fr, ru or zh
timezone: {timezone}                      # times without an offset are read in this zone
contact:                                  # shown on every page and in every e-mail
  email: support@example.com
  url: https://example.com/help
  response_promise: We answer every message within one business day.
components:                               # ids are [a-z0-9-]+ and stable forever
  - id: website
    name: Website
    description: Pages, search and sign-in
  - id: api
    name: API
    group: Platform
  - id: webhooks
    name: Webhooks
    group: Platform
theme: default
postmortem_due_days: 7                    # major and critical incidents owe a postmortem
"""

_EXAMPLE = """\
# An example incident, to show the format (docs/incidents.md).
# Delete this file before your first commit: once published, incidents are never deleted,
# only retracted with `retracted: <reason>`.
title: Slow responses from the API
impact: minor
started: {started}                      # when trouble began, if before the first update
components:
  api: degraded_performance
updates:
  - at: {first}
    status: investigating
    message: Some API requests take several seconds. We are looking into it.
    next_update: 30m
  - at: {second}
    status: identified
    message: A database index was missing after last night's release; we are adding it back.
  - at: {third}
    status: resolved
    message: |
      Response times are back to normal since {resolved_local}.
      No requests were lost; slow requests completed.
"""

_GITIGNORE = """\
# Built site: made by `statuspage build`, never committed.
/site/
# Private state: subscribers (personal data) and caches.
/.statuspage/
"""


def init_site(directory: Path, *, now: datetime, timezone: str = "UTC") -> list[Path]:
    """Write a new site into `directory`; refuses to touch an existing one."""
    from zoneinfo import ZoneInfo

    config_path = directory / CONFIG_NAME
    if config_path.exists():
        raise StatuspageError(f"{config_path} already exists; not overwriting it")
    zone = ZoneInfo(timezone)
    start = (now - timedelta(days=1)).replace(second=0, microsecond=0)
    moments = [start, start + timedelta(minutes=12), start + timedelta(minutes=40)]
    resolved = start + timedelta(minutes=75)
    example_name = f"{start.astimezone(zone).date().isoformat()}-slow-api.yaml"
    files = {
        config_path: _CONFIG.format(timezone=timezone),
        directory / INCIDENTS_DIR / example_name: _EXAMPLE.format(
            started=isoformat_local(start - timedelta(minutes=8), zone),
            first=isoformat_local(moments[0], zone),
            second=isoformat_local(moments[1], zone),
            third=isoformat_local(resolved, zone),
            resolved_local=resolved.astimezone(zone).strftime("%H:%M"),
        ),
    }
    gitignore = directory / ".gitignore"
    if not gitignore.exists():
        files[gitignore] = _GITIGNORE
    for path, text in files.items():
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    return sorted(files)

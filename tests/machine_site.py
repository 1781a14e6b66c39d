"""A small site for the machine-facing outputs (feeds, calendar, API, badges).

At NOW it has an open incident, a maintenance in progress, an upcoming maintenance that was
rescheduled once, a cancelled one, a resolved incident whose text tries to smuggle HTML, and
a retracted incident.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from pathlib import Path

from statuspage.outputs.output import OutputFile
from tests.sites import at, write_site

NOW = at("2026-03-10T12:00:00+01:00")
BASE_URL = "https://status.test.example"

OPEN = "2026-03-10-api-errors"
IN_PROGRESS = "2026-03-10-database-maintenance"
UPCOMING = "2026-03-21-network-upgrade"
CANCELLED = "2026-03-15-payments-migration"
RESOLVED = "2026-02-10-web-slow"
RETRACTED = "2026-02-20-false-alarm"

INCIDENTS = {
    OPEN: """\
        title: API errors
        impact: major
        components:
          api: partial_outage
        updates:
          - at: 2026-03-10T11:00:00+01:00
            status: investigating
            message: Some API calls fail. We are investigating.
            next_update: 30m
          - at: 2026-03-10T11:30:00+01:00
            status: identified
            message: A bad deploy. We are rolling it back.
            components: {api: major_outage}
        """,
    IN_PROGRESS: """\
        title: Database maintenance
        type: maintenance
        window:
          start: 2026-03-10T11:00:00+01:00
          end: 2026-03-10T13:00:00+01:00
        components:
          checkout: under_maintenance
        updates:
          - at: 2026-03-03T10:00:00+01:00
            status: scheduled
            message: Checkout pauses for two hours.
          - at: 2026-03-10T11:00:00+01:00
            status: in_progress
            message: The maintenance has started.
        """,
    UPCOMING: """\
        title: Network upgrade
        type: maintenance
        window:
          start: 2026-03-20T02:00:00+01:00
          end: 2026-03-20T04:00:00+01:00
        components:
          web: under_maintenance
          api: under_maintenance
        updates:
          - at: 2026-03-05T10:00:00+01:00
            status: scheduled
            message: Short interruptions of the website and the API.
          - at: 2026-03-08T10:00:00+01:00
            status: scheduled
            message: Moved by one day, same hours.
            window:
              start: 2026-03-21T02:00:00+01:00
              end: 2026-03-21T04:00:00+01:00
        """,
    CANCELLED: """\
        title: Payments migration
        type: maintenance
        window:
          start: 2026-03-15T02:00:00+01:00
          end: 2026-03-15T03:00:00+01:00
        components:
          payments: under_maintenance
        updates:
          - at: 2026-03-01T10:00:00+01:00
            status: scheduled
            message: Payments pause for an hour.
          - at: 2026-03-06T10:00:00+01:00
            status: cancelled
            message: Cancelled; payments stay open.
        """,
    RESOLVED: """\
        title: Website slow <b>really</b>
        impact: minor
        components:
          web: degraded_performance
        updates:
          - at: 2026-02-10T09:00:00+01:00
            status: investigating
            message: |
              Pages load slowly. <script>alert(1)</script> [details](javascript:alert(2))
          - at: 2026-02-10T10:00:00+01:00
            status: resolved
            message: Fixed. See [our help](https://test.example/help).
        """,
    RETRACTED: """\
        title: Checkout failing
        impact: minor
        retracted: A monitoring probe misfired; checkout was fine.
        components:
          checkout: degraded_performance
        updates:
          - at: 2026-02-20T03:00:00+01:00
            status: investigating
            message: Checkout may fail.
          - at: 2026-02-20T03:20:00+01:00
            status: resolved
            message: False alarm.
        """,
}


def write_machine_site(root: Path) -> Path:
    return write_site(root, INCIDENTS)


# The generators under test: building only these keeps the tests fast (no HTML pages).
MACHINE_GENERATORS = (
    "statuspage.outputs.feeds:generate",
    "statuspage.outputs.ical:generate",
    "statuspage.outputs.api:generate",
    "statuspage.outputs.badges:generate",
)


def build_machine_site(tmp_path: Path, name: str = "site", *, now: datetime = NOW) -> Path:
    """Write the site under tmp_path/src (once), build its feeds, calendars, API and badges
    into tmp_path/<name> with the real loader and writer; returns the output folder."""
    import importlib

    from statuspage.inputs.load import load_site_or_raise

    src = tmp_path / "src"
    if not (src / "statuspage.yaml").exists():
        write_machine_site(src)
    site = load_site_or_raise(src, now=now, check_git=False)
    files = []
    for spec in MACHINE_GENERATORS:
        module, _, function = spec.partition(":")
        files.extend(getattr(importlib.import_module(module), function)(site))
    out = tmp_path / name
    write_output(files, out)
    return out


def write_output(files: Iterable[OutputFile], out: Path) -> None:
    """Write generated files as they are into `out` (what the builder's writer does, for
    a test that runs some generators only)."""
    from statuspage.builder.write import checked_files

    for file in checked_files(files):
        target = out / file.path
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(file.data)

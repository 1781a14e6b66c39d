"""Stale notices (design §4): an open incident left without an update, or left in monitoring,
is a warning for the operator and is shown to customers with its honest age."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from statuspage.cli import cli
from statuspage.inputs.load import load_site
from statuspage.outputs import pages
from tests.sites import BASE_CONFIG, at, write_site
from tests.test_pages import text_of

OPEN = """\
title: Checkout errors
impact: major
components: {checkout: major_outage}
updates:
  - at: 2026-03-10T09:00:00+01:00
    status: investigating
    message: Some payments fail.
"""

MONITORING = """\
title: Slow search
impact: minor
components: {web: degraded_performance}
updates:
  - at: 2026-03-10T09:00:00+01:00
    status: identified
    message: An index is missing.
  - at: 2026-03-10T10:00:00+01:00
    status: monitoring
    message: The index is back; we are watching response times.
  - at: 2026-03-11T08:00:00+01:00
    status: monitoring
    message: Still watching.
"""

MAINTENANCE = """\
title: Database move
type: maintenance
window: {start: 2026-03-10T09:00:00+01:00, end: 2026-03-14T09:00:00+01:00}
components: {api: under_maintenance}
updates:
  - at: 2026-03-01T10:00:00+01:00
    status: scheduled
    message: Planned.
"""

STALE_WARNING = (
    "incidents/checkout.yaml:5:5: warning: stale notice: no update since "
    "2026-03-10T09:00:00+01:00, longer than stale_after (1d); post an update or resolve it"
)


def warnings(root: Path, now: str) -> list[str]:
    result = load_site(root, now=at(now), check_git=False)
    assert result.site is not None, result.errors
    return [str(w) for w in result.warnings]


@pytest.mark.parametrize(
    ("now", "stale"),
    [
        ("2026-03-10T09:00:00+01:00", False),
        ("2026-03-11T08:59:00+01:00", False),
        ("2026-03-11T09:00:00+01:00", False),  # exactly 24 hours: not longer
        ("2026-03-11T09:01:00+01:00", True),
        ("2026-04-16T09:00:00+01:00", True),
    ],
)
def test_open_incident_without_update_goes_stale_after_a_day(
    tmp_path: Path, now: str, stale: bool
) -> None:
    write_site(tmp_path, {"checkout": OPEN})
    assert warnings(tmp_path, now) == ([STALE_WARNING] if stale else [])


def test_stale_after_is_configurable_and_resolving_ends_it(tmp_path: Path) -> None:
    write_site(tmp_path, {"checkout": OPEN}, config=BASE_CONFIG + "stale_after: 2h\n")
    assert warnings(tmp_path, "2026-03-10T10:59:00+01:00") == []
    assert warnings(tmp_path, "2026-03-10T11:01:00+01:00") == [
        STALE_WARNING.replace("(1d)", "(2h)")
    ]
    resolved = OPEN + (
        "  - at: 2026-03-10T10:00:00+01:00\n    status: resolved\n    message: Fixed.\n"
    )
    write_site(tmp_path, {"checkout": resolved}, config=BASE_CONFIG + "stale_after: 2h\n")
    assert warnings(tmp_path, "2026-03-12T10:00:00+01:00") == []


def test_bad_stale_after_is_an_error(tmp_path: Path) -> None:
    write_site(tmp_path, config=BASE_CONFIG + "stale_after: soon\n")
    result = load_site(tmp_path, now=at("2026-03-10T10:00:00"), check_git=False)
    assert [str(e) for e in result.errors] == [
        "statuspage.yaml:20:14: error: stale_after: 'soon' is not a duration like 30m, 2h or 1h30m"
    ]


def test_a_promise_still_to_come_is_not_stale(tmp_path: Path) -> None:
    promised = OPEN + "    next_update: 2d\n"
    write_site(tmp_path, {"checkout": promised})
    assert warnings(tmp_path, "2026-03-11T12:00:00+01:00") == []
    # Once the promise is broken as well, both are said.
    assert warnings(tmp_path, "2026-03-12T09:01:00+01:00") == [
        STALE_WARNING,
        "incidents/checkout.yaml:5:5: warning: updates[0].next_update: the next update was "
        "promised by 2026-03-12T09:00:00+01:00 and is overdue; post an update",
    ]


def test_monitoring_for_longer_than_stale_after(tmp_path: Path) -> None:
    write_site(tmp_path, {"search": MONITORING})
    # Updated at 08:00 on the 11th, but in monitoring since 10:00 on the 10th.
    assert warnings(tmp_path, "2026-03-11T09:59:00+01:00") == []
    assert warnings(tmp_path, "2026-03-11T10:01:00+01:00") == [
        "incidents/search.yaml:11:5: warning: stale notice: in monitoring since "
        "2026-03-10T10:00:00+01:00, longer than stale_after (1d); resolve it or say what is "
        "still watched"
    ]


@pytest.mark.parametrize(
    "now",
    ["2026-03-09T09:00:00+01:00", "2026-03-10T12:00:00+01:00", "2026-03-14T08:59:00+01:00"],
)
def test_maintenance_is_never_stale_inside_its_window(tmp_path: Path, now: str) -> None:
    write_site(tmp_path, {"db": MAINTENANCE})
    assert warnings(tmp_path, now) == []


def test_maintenance_overrunning_its_window_goes_stale(tmp_path: Path) -> None:
    overrun = MAINTENANCE + (
        "  - at: 2026-03-14T09:30:00+01:00\n    status: in_progress\n"
        "    message: Copying takes longer than planned.\n"
    )
    write_site(tmp_path, {"db": overrun})
    assert warnings(tmp_path, "2026-03-15T09:30:00+01:00") == []
    assert warnings(tmp_path, "2026-03-15T09:31:00+01:00") == [
        "incidents/db.yaml:9:5: warning: stale notice: no update since "
        "2026-03-14T09:30:00+01:00, longer than stale_after (1d); post an update or resolve it"
    ]


def test_page_says_how_old_a_stale_notice_is(tmp_path: Path) -> None:
    write_site(tmp_path, {"checkout": OPEN})
    fresh = load_site(tmp_path, now=at("2026-03-10T12:00:00+01:00"), check_git=False).site
    assert fresh is not None
    rendered = {f.path: f.data.decode() for f in pages.generate(fresh) if f.path.endswith("html")}
    assert "out of date" not in rendered["index.html"]
    old = load_site(tmp_path, now=at("2026-04-16T09:00:00+02:00"), check_git=False).site
    assert old is not None
    rendered = {f.path: f.data.decode() for f in pages.generate(old) if f.path.endswith("html")}
    said = "Last update 1 month ago, on Mar 10, 2026, 9:00 AM CET: this notice may be out of date."
    assert said in text_of(rendered["index.html"])
    assert said in text_of(rendered["incidents/checkout/index.html"])
    weeks = load_site(tmp_path, now=at("2026-03-24T09:00:00+01:00"), check_git=False).site
    assert weeks is not None
    index = next(f for f in pages.generate(weeks) if f.path == "index.html").data.decode()
    assert "Last update 2 weeks ago" in text_of(index)


def test_monitoring_page_and_strict_validate(tmp_path: Path) -> None:
    write_site(tmp_path, {"search": MONITORING})
    now = "2026-03-12T10:00:00+01:00"
    site = load_site(tmp_path, now=at(now), check_git=False).site
    assert site is not None
    index = next(f for f in pages.generate(site) if f.path == "index.html").data.decode()
    assert (
        "Monitoring for 2 days, since Mar 10, 2026, 10:00 AM CET: this notice may be out of date."
        in text_of(index)
    )
    runner = CliRunner()
    loose = runner.invoke(cli, ["validate", "--root", str(tmp_path), "--now", now])
    assert loose.exit_code == 0, loose.output
    assert "warning: stale notice: in monitoring since" in loose.output
    strict = runner.invoke(cli, ["validate", "--strict", "--root", str(tmp_path), "--now", now])
    assert strict.exit_code == 1
    assert "warning: stale notice: in monitoring since" in strict.output

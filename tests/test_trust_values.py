"""Extreme values: any time, duration or number a file can hold is either a clear error in
`validate`, with its place, or builds; nothing ends in OverflowError."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

from click.testing import CliRunner
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from statuspage.builder.pipeline import render
from statuspage.cli import cli
from statuspage.inputs.load import load_site
from tests.sites import at, write_site

NOW = at("2026-11-23T09:00:00")
CONFIG = """\
title: Shop
base_url: https://status.shop.example
timezone: Pacific/Kiritimati
contact: {email: help@shop.example}
components:
  - id: web
    name: Website
"""


OFFSETS = st.one_of(
    st.just(""),
    st.just("Z"),
    st.timedeltas(min_value=timedelta(hours=-23, minutes=-59), max_value=timedelta(hours=23)),
)


def _written(value: datetime, zone: str | timedelta) -> str:
    if isinstance(zone, timedelta):
        minutes = int(zone.total_seconds() // 60)
        sign = "+" if minutes >= 0 else "-"
        zone = f"{sign}{abs(minutes) // 60:02d}:{abs(minutes) % 60:02d}"
    return value.replace(microsecond=0).isoformat() + zone


def timestamps(low: datetime, high: datetime, edges: list[str]) -> st.SearchStrategy[str]:
    """ISO 8601 as people (and attackers) write them: any offset, or none."""
    moments = st.datetimes(min_value=low, max_value=high)
    return st.one_of(st.builds(_written, moments, OFFSETS), st.sampled_from(edges))


# Anything a file can hold.
ANY_TIME = timestamps(
    datetime(1, 1, 1),
    datetime(9999, 12, 31, 23, 59),
    [
        "0001-01-01T00:00:00+01:00",
        "0001-01-01T00:00:00-23:59",
        "9999-12-31T23:59:59-23:59",
        "1969-12-31T23:59:59Z",
        "3000-01-01T00:00:00Z",
    ],
)
ANY_DURATION = st.one_of(
    st.sampled_from(["31d", "99999999999999d", "999999999d", "0m", "1d24h"]),
    st.builds(lambda n, unit: f"{n}{unit}", st.integers(0, 10**15), st.sampled_from("dhm")),
)
ANY_NUMBER = st.one_of(st.integers(-5, 10**20), st.sampled_from([0, 366, 10081, 10**18]))
# The extremes that are allowed: they must build.
PAST = timestamps(
    datetime(1970, 1, 1),
    datetime(2026, 11, 22),
    ["1970-01-01T00:00:00+14:00", "1970-01-01T00:00:00+23:59", "1970-01-01T00:00:00"],
)
LATER = timestamps(
    datetime(1970, 1, 1), datetime(2999, 12, 31, 23, 59), ["2999-12-31T23:59:59-23:59"]
)
DURATION = st.builds(lambda n, unit: f"{n}{unit}", st.integers(1, 30), st.sampled_from("dh"))


def incident(first: str, second: str, started: str, next_update: str) -> str:
    return f"""\
        title: Extreme
        impact: critical
        started: {started}
        components:
          web: major_outage
        updates:
          - at: {first}
            status: investigating
            message: Looking.
            next_update: {next_update}
          - at: {second}
            status: resolved
            message: Done.
        """


def maintenance(start: str, end: str) -> str:
    return f"""\
        title: Window
        type: maintenance
        components:
          web: under_maintenance
        window:
          start: {start}
          end: {end}
        updates:
          - at: 2026-11-20T10:00:00Z
            status: scheduled
            message: Planned.
        """


def _sort_key(written: str) -> tuple[int, str]:
    try:
        moment = datetime.fromisoformat(written.replace("Z", "+00:00"))
        if moment.tzinfo is None:
            moment = moment.replace(tzinfo=UTC)
        return (0, moment.astimezone(UTC).isoformat())
    except (ValueError, OverflowError):
        return (1, written)


def load_and_render(
    root: Path, times: list[str], next_update: str, due_days: int, reminder: int
) -> bool:
    """Write a site with these values; load it and, if it has no errors, render it. Neither
    may raise. Whether it built."""
    times[:3] = sorted(times[:3], key=_sort_key)  # in the order the files need them
    times[3:] = sorted(times[3:], key=_sort_key)
    config = CONFIG + f"postmortem_due_days: {due_days}\nnotify:\n  reminder_minutes: {reminder}\n"
    write_site(
        root,
        {
            "extreme": incident(times[1], times[2], times[0], next_update),
            "window": maintenance(times[3], times[4]),
        },
        config=config,
    )
    result = load_site(root, now=NOW, check_git=False)
    for diagnostic in result.errors:
        assert diagnostic.line >= 1 and diagnostic.column >= 1
    if result.site is None:
        return False
    assert render(result.site)
    return True


SLOW = [HealthCheck.function_scoped_fixture, HealthCheck.too_slow]


@settings(max_examples=150, deadline=None, suppress_health_check=SLOW)
@given(
    times=st.lists(ANY_TIME, min_size=5, max_size=5),
    next_update=ANY_DURATION,
    due_days=ANY_NUMBER,
    reminder=ANY_NUMBER,
)
def test_any_value_is_an_error_with_its_place_or_builds(
    tmp_path: Path, times: list[str], next_update: str, due_days: int, reminder: int
) -> None:
    event("built" if load_and_render(tmp_path, times, next_update, due_days, reminder) else "error")


@settings(max_examples=25, deadline=None, suppress_health_check=SLOW)
@given(
    times=st.tuples(PAST, PAST, PAST, LATER, LATER).map(list),
    next_update=DURATION,
    due_days=st.integers(1, 365),
    reminder=st.integers(1, 10080),
)
def test_the_extremes_allowed_build(
    tmp_path: Path, times: list[str], next_update: str, due_days: int, reminder: int
) -> None:
    event("built" if load_and_render(tmp_path, times, next_update, due_days, reminder) else "error")


def validate(root: Path) -> list[str]:
    result = CliRunner().invoke(
        cli, ["validate", "--root", str(root), "--no-git", "--now", "2026-11-23T10:00:00+01:00"]
    )
    assert result.exit_code == 1
    assert "Traceback" not in result.output
    return result.stdout.splitlines()


def test_extreme_config_values_have_their_message(tmp_path: Path) -> None:
    config = CONFIG + "postmortem_due_days: 100000000000000000000\n"
    config += "notify:\n  reminder_minutes: 10081\nstale_after: 99999999999999d\n"
    root = write_site(tmp_path, config=config)
    assert validate(root) == [
        "statuspage.yaml:8:22: error: postmortem_due_days: expected a whole number from 1 to "
        "365, got '100000000000000000000'",
        "statuspage.yaml:10:21: error: notify.reminder_minutes: expected a whole number from 1 "
        "to 10,080, got '10081'",
        "statuspage.yaml:11:14: error: stale_after: '99999999999999d' is too long; "
        "at most 365 days",
    ]


def test_each_extreme_value_has_its_message(tmp_path: Path) -> None:
    config = CONFIG
    root = write_site(
        tmp_path,
        {
            "extreme": incident(
                "0001-01-01T00:30:00+01:00",
                "9999-12-31T23:30:00-01:00",
                "1969-12-31T23:59:59Z",
                "999999999d",
            ),
        },
        config=config,
    )
    assert validate(root) == [
        "incidents/extreme.yaml:3:10: error: started: '1969-12-31T23:59:59Z' is out of range; "
        "times must fall between the years 1970 and 2999",
        "incidents/extreme.yaml:7:9: error: updates[0].at: '0001-01-01T00:30:00+01:00' is out "
        "of range; times must fall between the years 1970 and 2999",
        "incidents/extreme.yaml:10:18: error: updates[0].next_update: '999999999d' is too long; "
        "at most 30 days",
        "incidents/extreme.yaml:11:9: error: updates[1].at: '9999-12-31T23:30:00-01:00' is out "
        "of range; times must fall between the years 1970 and 2999",
    ]


def test_now_out_of_range_is_a_usage_error(tmp_path: Path) -> None:
    root = write_site(tmp_path, config=CONFIG)
    result = CliRunner().invoke(
        cli, ["build", "--root", str(root), "--now", "9999-12-31T23:59:59-23:59"]
    )
    assert result.exit_code == 2
    assert "'9999-12-31T23:59:59-23:59' is out of range; use a year from 1970 to 2999" in (
        result.stderr
    )

"""Uptime figures against cases computed by hand (design §5)."""

from __future__ import annotations

import re
from datetime import date, timedelta
from pathlib import Path

import pytest

from statuspage.inputs.load import load_site_or_raise
from statuspage.inputs.model import ComponentStatus, Site
from statuspage.outputs import uptime
from tests.sites import BASE_CONFIG, at, write_site

MINUTE = timedelta(minutes=1)
HOUR = timedelta(hours=1)
DAY = timedelta(days=1)


def site(tmp_path: Path, now: str, incidents: dict[str, str], *, since: str = "2025-01-01") -> Site:
    """A small site measured from `since` (before its incidents, so quiet days count)."""
    config = BASE_CONFIG + (f"since: {since}\n" if since else "")
    root = write_site(tmp_path, incidents, config=config)
    return load_site_or_raise(root, now=at(now), check_git=False)


def incident(start: str, state: str, end: str | None, *, component: str = "web") -> str:
    """An incident putting `component` in `state` from `start`, resolved at `end`."""
    lines = [
        "title: Trouble",
        "impact: major",
        f"started: {start}",
        f"components: {{{component}: {state}}}",
        "updates:",
        f"  - {{at: {start}, status: investigating, message: Looking.}}",
    ]
    if end is not None:
        lines.append(f"  - {{at: {end}, status: resolved, message: Fixed.}}")
    return "\n".join(lines) + "\n"


def days_by_date(site: Site, component: str, count: int) -> dict[date, uptime.DayUptime]:
    return {d.day: d for d in uptime.daily_uptime(site, component, count)}


def test_an_incident_across_midnight_counts_on_both_days(tmp_path: Path) -> None:
    s = site(
        tmp_path,
        "2026-01-20T12:00:00+01:00",
        {"a": incident("2026-01-14T23:30:00+01:00", "major_outage", "2026-01-15T00:45:00+01:00")},
    )
    days = days_by_date(s, "web", 10)
    first, second = days[date(2026, 1, 14)], days[date(2026, 1, 15)]
    assert first.downtime == 30 * MINUTE
    assert first.measured == DAY
    assert first.fraction == pytest.approx(1 - 30 / 1440)
    assert second.downtime == 45 * MINUTE
    assert second.fraction == pytest.approx(1 - 45 / 1440)
    assert first.incidents == second.incidents == ("a",)
    assert first.worst is second.worst is ComponentStatus.MAJOR_OUTAGE
    assert days[date(2026, 1, 13)].downtime == timedelta(0)
    assert days[date(2026, 1, 13)].incidents == ()
    assert days[date(2026, 1, 16)].fraction == 1.0


def test_days_follow_the_site_zone_not_utc(tmp_path: Path) -> None:
    # 00:30 in Paris is still the previous day in UTC: it must count on the Paris day.
    s = site(
        tmp_path,
        "2026-01-20T12:00:00+01:00",
        {"a": incident("2026-01-15T00:10:00+01:00", "major_outage", "2026-01-15T00:40:00+01:00")},
    )
    days = days_by_date(s, "web", 10)
    assert days[date(2026, 1, 14)].downtime == timedelta(0)
    assert days[date(2026, 1, 15)].downtime == 30 * MINUTE
    assert days[date(2026, 1, 15)].start == at("2026-01-14T23:00:00")


def test_the_day_the_clocks_go_forward_has_23_hours(tmp_path: Path) -> None:
    # Paris, 29 March 2026: 02:00 CET becomes 03:00 CEST. A partial outage covering the whole
    # day is down 30 % of 23 hours, so uptime is exactly 70 %.
    s = site(
        tmp_path,
        "2026-04-02T12:00:00+02:00",
        {"a": incident("2026-03-28T23:00:00+01:00", "partial_outage", "2026-03-30T01:00:00+02:00")},
    )
    day = days_by_date(s, "web", 10)[date(2026, 3, 29)]
    assert day.end - day.start == 23 * HOUR
    assert day.measured == 23 * HOUR
    assert day.partial_outage == 23 * HOUR
    assert day.downtime == 23 * HOUR * 0.3
    assert day.fraction == pytest.approx(0.7)


def test_the_day_the_clocks_go_back_has_25_hours(tmp_path: Path) -> None:
    # Paris, 25 October 2026: 03:00 CEST becomes 02:00 CET. One hour of major outage is
    # 60 of 1,500 minutes.
    s = site(
        tmp_path,
        "2026-10-28T12:00:00+01:00",
        {"a": incident("2026-10-25T10:00:00+01:00", "major_outage", "2026-10-25T11:00:00+01:00")},
    )
    days = days_by_date(s, "web", 10)
    day = days[date(2026, 10, 25)]
    assert day.measured == 25 * HOUR
    assert day.fraction == pytest.approx(1 - 60 / 1500)
    assert days[date(2026, 10, 24)].measured == days[date(2026, 10, 26)].measured == DAY


def test_overlapping_incidents_count_once_at_the_worst_state(tmp_path: Path) -> None:
    # A: partial 10:00-12:00. B: major 11:00-11:30 on the same component.
    # Down: partial 10:00-11:00 and 11:30-12:00 (90 min at 30 % = 27 min) + major 30 min.
    # Adding both naively would give 36 + 30 = 66 min.
    s = site(
        tmp_path,
        "2026-02-10T18:00:00+01:00",
        {
            "a": incident(
                "2026-02-10T10:00:00+01:00", "partial_outage", "2026-02-10T12:00:00+01:00"
            ),
            "b": incident("2026-02-10T11:00:00+01:00", "major_outage", "2026-02-10T11:30:00+01:00"),
        },
    )
    day = days_by_date(s, "web", 1)[date(2026, 2, 10)]
    assert day.major_outage == 30 * MINUTE
    assert day.partial_outage == 90 * MINUTE
    assert day.downtime == 57 * MINUTE
    assert day.incidents == ("a", "b")
    # The same outage reported twice (two files, same state) is still 30 minutes.
    twice = site(
        tmp_path / "twice",
        "2026-02-10T18:00:00+01:00",
        {
            "a": incident("2026-02-10T11:00:00+01:00", "major_outage", "2026-02-10T11:30:00+01:00"),
            "b": incident("2026-02-10T11:00:00+01:00", "major_outage", "2026-02-10T11:30:00+01:00"),
        },
    )
    assert days_by_date(twice, "web", 1)[date(2026, 2, 10)].downtime == 30 * MINUTE


def test_an_open_incident_is_down_up_to_the_build_clock(tmp_path: Path) -> None:
    # Major outage since 08:00, still open at 10:30: today so far is 10 h 30 min measured,
    # 2 h 30 min of it down.
    s = site(
        tmp_path,
        "2026-02-10T10:30:00+01:00",
        {"a": incident("2026-02-10T08:00:00+01:00", "major_outage", None)},
    )
    today = uptime.daily_uptime(s, "web", 3)[-1]
    assert today.day == date(2026, 2, 10)
    assert today.measured == 10 * HOUR + 30 * MINUTE
    assert today.downtime == 2 * HOUR + 30 * MINUTE
    assert today.fraction == pytest.approx(1 - 150 / 630)
    # A later clock extends the outage: the figure is computed, never frozen.
    later = load_site_or_raise(tmp_path, now=at("2026-02-10T12:30:00+01:00"), check_git=False)
    assert uptime.daily_uptime(later, "web", 1)[-1].downtime == 4 * HOUR + 30 * MINUTE


def test_maintenance_counts_as_up_and_is_shown_apart(tmp_path: Path) -> None:
    s = site(
        tmp_path,
        "2026-02-12T12:00:00+01:00",
        {
            "m": """\
            title: Database upgrade
            type: maintenance
            window: {start: 2026-02-11T01:00:00+01:00, end: 2026-02-11T03:00:00+01:00}
            components: {web: under_maintenance}
            updates:
              - at: 2026-02-04T10:00:00+01:00
                status: scheduled
                message: Planned.
            """
        },
    )
    day = days_by_date(s, "web", 3)[date(2026, 2, 11)]
    assert day.maintenance == 2 * HOUR
    assert day.downtime == timedelta(0)
    assert day.fraction == 1.0
    assert day.worst is ComponentStatus.UNDER_MAINTENANCE
    assert day.incidents == ("m",)
    # Announced days before, but it touched the component only on the day it ran.
    assert days_by_date(s, "web", 10)[date(2026, 2, 4)].incidents == ()


def test_degraded_performance_counts_as_up(tmp_path: Path) -> None:
    s = site(
        tmp_path,
        "2026-02-12T12:00:00+01:00",
        {
            "a": incident(
                "2026-02-11T09:00:00+01:00", "degraded_performance", "2026-02-11T13:00:00+01:00"
            )
        },
    )
    day = days_by_date(s, "web", 3)[date(2026, 2, 11)]
    assert (day.degraded, day.downtime, day.fraction) == (4 * HOUR, timedelta(0), 1.0)
    assert day.worst is ComponentStatus.DEGRADED_PERFORMANCE


def test_states_changed_by_updates_and_retractions(tmp_path: Path) -> None:
    s = site(
        tmp_path,
        "2026-02-12T12:00:00+01:00",
        {
            "a": """\
            title: Checkout errors
            impact: major
            components: {checkout: major_outage}
            updates:
              - at: 2026-02-11T10:00:00+01:00
                status: investigating
                message: Looking.
              - at: 2026-02-11T10:20:00+01:00
                status: identified
                message: Half fixed.
                components: {checkout: partial_outage}
              - at: 2026-02-11T11:00:00+01:00
                status: resolved
                message: Fixed.
            """,
            "b": """\
            title: False alarm
            impact: major
            retracted: A probe lost its network.
            components: {checkout: major_outage}
            updates:
              - at: 2026-02-11T15:00:00+01:00
                status: investigating
                message: Looking.
            """,
        },
    )
    day = days_by_date(s, "checkout", 3)[date(2026, 2, 11)]
    assert day.major_outage == 20 * MINUTE
    assert day.partial_outage == 40 * MINUTE
    assert day.downtime == 32 * MINUTE  # 20 + 40 × 0.3
    assert day.incidents == ("a",)  # a retracted incident affects nothing


def test_ninety_days_end_today_and_totals_add_up(tmp_path: Path) -> None:
    s = site(
        tmp_path,
        "2026-02-10T06:00:00+01:00",
        {"a": incident("2026-01-15T10:00:00+01:00", "major_outage", "2026-01-15T11:00:00+01:00")},
    )
    days = uptime.daily_uptime(s, "web")
    assert len(days) == 90
    assert days[-1].day == date(2026, 2, 10)
    assert days[0].day == date(2026, 2, 10) - timedelta(days=89)
    summed = uptime.total(days)
    assert summed.measured == 89 * DAY + 6 * HOUR  # no clock change between Nov and Feb
    assert summed.downtime == HOUR
    assert summed.incidents == ("a",)
    assert uptime.floor_fraction(summed.fraction or 0) == 0.9995  # 1 - 60/128,520 = 99.953 %


def test_months_are_calendar_months(tmp_path: Path) -> None:
    s = site(
        tmp_path,
        "2026-03-10T12:00:00+01:00",
        {"a": incident("2026-02-28T23:00:00+01:00", "major_outage", "2026-03-01T01:00:00+01:00")},
    )
    months = uptime.monthly_uptime(s, "web", 12)
    assert [(m.year, m.month) for m in months][-3:] == [(2026, 1), (2026, 2), (2026, 3)]
    assert (months[0].year, months[0].month) == (2025, 4)
    january, february, march = months[-3:]
    assert february.measured == 28 * DAY
    assert february.downtime == HOUR
    assert march.downtime == HOUR
    assert march.measured == 9 * DAY + 12 * HOUR  # up to the clock
    assert january.fraction == 1.0


def test_floor_fraction_never_shows_a_perfect_figure_that_is_not() -> None:
    assert uptime.floor_fraction(0.99999) == 0.9999
    assert uptime.floor_fraction(0.9995) == 0.9995
    assert uptime.floor_fraction(1.0) == 1.0
    assert uptime.floor_fraction(0.123456, decimals=0) == 0.12


def test_transparency_report(tmp_path: Path) -> None:
    s = site(
        tmp_path,
        "2026-03-20T12:00:00+01:00",
        {
            # Started 10:00, acknowledged 10:10, resolved 11:00: 10 min and 60 min.
            "a": """\
            title: A
            impact: major
            started: 2026-03-02T10:00:00+01:00
            components: {web: major_outage}
            updates:
              - {at: 2026-03-02T10:10:00+01:00, status: investigating, message: x}
              - {at: 2026-03-02T11:00:00+01:00, status: resolved, message: y}
            """,
            # Acknowledged at once, resolved after 2 h; owes no postmortem (minor).
            "b": """\
            title: B
            impact: minor
            components: {checkout: partial_outage}
            updates:
              - {at: 2026-03-05T09:00:00+01:00, status: investigating, message: x}
              - {at: 2026-03-05T11:00:00+01:00, status: resolved, message: y}
            """,
            # Critical, with a postmortem, in February.
            "c": """\
            title: C
            impact: critical
            components: {api: major_outage}
            updates:
              - {at: 2026-02-10T09:00:00+01:00, status: investigating, message: x}
              - {at: 2026-02-10T09:30:00+01:00, status: resolved, message: y}
            postmortem: What happened.
            """,
            # A notice with impact none is listed but not in the means.
            "d": """\
            title: D
            impact: none
            components: {web: operational}
            updates:
              - {at: 2026-03-06T09:00:00+01:00, status: identified, message: x}
              - {at: 2026-03-09T09:00:00+01:00, status: resolved, message: y}
            """,
        },
    )
    report = uptime.transparency_report(s)
    assert [(r.year, r.month) for r in report] == [(2026, 3), (2026, 2)]
    march, february = report
    assert [i.id for i in march.incidents] == ["a", "b", "d"]
    assert march.mean_time_to_acknowledge == 5 * MINUTE  # (10 + 0) / 2
    assert march.mean_time_to_resolve == 90 * MINUTE  # (60 + 120) / 2
    assert [i.id for i in march.postmortems_owed] == ["a"]
    assert march.postmortems_published == ()
    assert [i.id for i in february.postmortems_published] == ["c"]
    figures = {c.component: c for c in march.components}
    assert figures["web"].uptime.downtime == HOUR
    assert figures["web"].incidents == 2  # a, and the notice d
    assert figures["checkout"].uptime.downtime == 36 * MINUTE
    assert figures["payments"].uptime.downtime == timedelta(0)
    assert march.downtime == HOUR + 36 * MINUTE
    assert march.components[0].uptime.measured == 19 * DAY + 12 * HOUR  # up to the clock
    assert march.still_open == ()


def test_demo_uptime_matches_a_hand_computation(demo_site: Site) -> None:
    """The demo at 23 Nov 2026 09:00 CET: 90 days = 26 Aug - 23 Nov.

    Measured: 89 whole days, one of them 25 hours (25 Oct), plus 9 hours of today
    = 89 × 1,440 + 60 + 540 = 128,760 minutes.
    Checkout (20 Nov): major outage 13:48-14:30 (42 min) + partial outage 14:30-14:49
    (19 min × 0.3 = 5.7 min) = 47.7 min → 1 − 47.7 / 128,760 = 99.9629 % → 99.96 %.
    Delivery notifications (10 Nov): degraded 07:55-08:44, partial 08:44-09:05
    (21 min × 0.3 = 6.3 min) → 1 − 6.3 / 128,760 = 99.9951 % → 99.99 %.
    Everything else in the window is degraded or maintenance: 100 %.
    """
    expected = {"checkout": 47.7, "delivery-notifications": 6.3}
    for component in demo_site.config.components:
        days = uptime.daily_uptime(demo_site, component.id)
        summed = uptime.total(days)
        assert summed.measured == 128_760 * MINUTE
        minutes = expected.get(component.id, 0.0)
        assert summed.downtime_minutes == pytest.approx(minutes), component.id
        assert summed.fraction == pytest.approx(1 - minutes / 128_760), component.id
    checkout = uptime.total(uptime.daily_uptime(demo_site, "checkout"))
    assert uptime.floor_fraction(checkout.fraction or 0) == 0.9996
    day = {d.day: d for d in uptime.daily_uptime(demo_site, "checkout")}[date(2026, 11, 20)]
    assert day.incidents == ("2026-11-20-checkout-errors",)
    assert day.fraction == pytest.approx(1 - 47.7 / 1440)
    # 6 August (the critical outage: 34 min for storefront, 11:31-12:05... until the
    # monitoring update at 12:09, so 38 min) is outside the 90 days but in the months.
    august = {(m.year, m.month): m for m in uptime.monthly_uptime(demo_site, "storefront")}
    assert august[(2026, 8)].downtime == 38 * MINUTE


def test_days_before_since_are_no_data_and_not_counted(tmp_path: Path) -> None:
    """A fresh site does not claim 89 days at 100 % that it never measured: by default it
    is measured from the day of its first incident; `since:` says otherwise, per site or
    per component."""
    incidents = {
        "a": incident("2026-02-09T10:00:00+01:00", "major_outage", "2026-02-09T11:00:00+01:00")
    }
    s = site(tmp_path, "2026-02-10T12:00:00+01:00", incidents, since="")
    days = uptime.daily_uptime(s, "web")
    assert [d.day for d in days if d.measured] == [date(2026, 2, 9), date(2026, 2, 10)]
    assert all(d.fraction is None for d in days[:-2])  # "no data"
    summed = uptime.total(days)
    assert summed.measured == DAY + 12 * HOUR  # only what was measured
    assert uptime.floor_fraction(summed.fraction or 0) == 0.9722  # 1 - 60/2,160
    months = uptime.monthly_uptime(s, "web", 3)
    assert [m.fraction for m in months[:2]] == [None, None]  # December, January
    # A component added later is measured from its own day.
    config = BASE_CONFIG.replace(
        "    name: Public API\n", "    name: Public API\n    since: 2026-02-10\n"
    )
    root = write_site(tmp_path / "later", incidents, config=config + "since: 2026-01-01\n")
    later = load_site_or_raise(root, now=at("2026-02-10T12:00:00+01:00"), check_git=False)
    assert sum(1 for d in uptime.daily_uptime(later, "api") if d.measured) == 1
    assert sum(1 for d in uptime.daily_uptime(later, "web") if d.measured) == 41


def test_no_data_days_are_grey_on_the_pages(tmp_path: Path) -> None:
    from statuspage.outputs import pages

    incidents = {
        "a": incident("2026-02-09T10:00:00+01:00", "major_outage", "2026-02-09T11:00:00+01:00")
    }
    s = site(tmp_path, "2026-02-10T12:00:00+01:00", incidents, since="")
    html = {f.path: f.data.decode() for f in pages.generate(s) if f.path.endswith(".html")}
    index = html["index.html"]
    # The 88 days before the first incident are one grey run, saying "No data".
    assert '<li class="b-no-data o" tabindex="0" style="grid-column:span 60;--n:60">' in index
    assert index.count("<span>No data</span>") == 4 * 2  # 60 + 28 days, each component
    assert "97.22% uptime" in index  # the 90-day figure counts the measured days only
    text = " ".join(re.sub(r"<[^>]+>", " ", html["components/web/index.html"]).split())
    assert "February 2026 97.22%" in text and "December 2025 No data" in text


def test_a_wrong_since_is_an_error_with_its_place(tmp_path: Path) -> None:
    from statuspage.inputs.load import load_site

    root = write_site(tmp_path, {}, config=BASE_CONFIG + "since: 2026-13-01\n")
    result = load_site(root, now=at("2026-02-10T12:00:00+01:00"), check_git=False)
    assert [str(d) for d in result.diagnostics] == [
        "statuspage.yaml:20:8: error: since: '2026-13-01' is not a day like 2026-11-01"
    ]

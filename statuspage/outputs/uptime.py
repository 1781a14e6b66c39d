"""Uptime, computed from the incidents and never typed in (design §5).

The rule, in words (the uptime page prints the same):

- A component's state at any moment is the worst state any incident or maintenance puts it
  in then; two overlapping incidents on one component count once, at the worse state.
- Time in `major_outage` counts fully as downtime, time in `partial_outage` at 30 %;
  `degraded_performance` and maintenance count as up (maintenance time is reported apart).
- Days and months are calendar days and months in the site's time zone, so a day is 23 or
  25 hours long when the clocks change. Only time up to the build clock counts: today is
  measured from midnight to now, and an incident still open is down up to now.
- Uptime of a stretch = 1 − downtime ÷ time measured.

Everything here is a pure function of the `Site`; the pages, the JSON API and badges all
read the same figures.
"""

from __future__ import annotations

import bisect
import functools
import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import TypedDict
from zoneinfo import ZoneInfo

from statuspage.inputs.model import ComponentStatus, Impact, Incident, Site

_ZERO = timedelta(0)


@dataclass(frozen=True, slots=True, kw_only=True)
class Segment:
    """A stretch of time in which a component is in one (worst) non-operational state."""

    start: datetime
    end: datetime
    status: ComponentStatus


@dataclass(frozen=True, slots=True, kw_only=True)
class Uptime:
    """One component over one stretch of time [start, end).

    `measured` is the part of the stretch up to the build clock; the four durations split it
    by the component's worst state (the rest of `measured` was operational). `incidents`
    lists the ids of the incidents and maintenances that touched the component in the
    stretch, in the order they began.
    """

    start: datetime
    end: datetime
    measured: timedelta
    major_outage: timedelta = _ZERO
    partial_outage: timedelta = _ZERO
    degraded: timedelta = _ZERO
    maintenance: timedelta = _ZERO
    incidents: tuple[str, ...] = ()

    @property
    def downtime(self) -> timedelta:
        """Major outage in full, partial outage at 30 %."""
        weight = ComponentStatus.PARTIAL_OUTAGE.downtime_weight
        return self.major_outage + self.partial_outage * weight

    @property
    def fraction(self) -> float | None:
        """Uptime between 0 and 1; None when nothing was measured (a stretch in the future)."""
        if self.measured <= _ZERO:
            return None
        return 1.0 - self.downtime / self.measured

    @property
    def worst(self) -> ComponentStatus:
        """The worst state the component was in at any moment of the stretch."""
        for status, spent in (
            (ComponentStatus.MAJOR_OUTAGE, self.major_outage),
            (ComponentStatus.PARTIAL_OUTAGE, self.partial_outage),
            (ComponentStatus.DEGRADED_PERFORMANCE, self.degraded),
            (ComponentStatus.UNDER_MAINTENANCE, self.maintenance),
        ):
            if spent > _ZERO:
                return status
        return ComponentStatus.OPERATIONAL

    @property
    def downtime_minutes(self) -> float:
        return self.downtime.total_seconds() / 60


@dataclass(frozen=True, slots=True, kw_only=True)
class DayUptime(Uptime):
    """One calendar day in the site's time zone."""

    day: date


@dataclass(frozen=True, slots=True, kw_only=True)
class MonthUptime(Uptime):
    """One calendar month in the site's time zone."""

    year: int
    month: int


def total(stretches: Iterable[Uptime]) -> Uptime:
    """Several back-to-back stretches as one (e.g. 90 days → the 90-day figure)."""
    items = list(stretches)
    if not items:
        raise ValueError("total() needs at least one stretch")
    incidents: dict[str, None] = {}
    for item in items:
        incidents.update(dict.fromkeys(item.incidents))
    return Uptime(
        start=min(item.start for item in items),
        end=max(item.end for item in items),
        measured=sum((item.measured for item in items), _ZERO),
        major_outage=sum((item.major_outage for item in items), _ZERO),
        partial_outage=sum((item.partial_outage for item in items), _ZERO),
        degraded=sum((item.degraded for item in items), _ZERO),
        maintenance=sum((item.maintenance for item in items), _ZERO),
        incidents=tuple(incidents),
    )


def floor_fraction(fraction: float, decimals: int = 2) -> float:
    """Round an uptime *down* to `decimals` places of a percent.

    Rounding to nearest would print 100.00 % for a day with 20 seconds of downtime; a status
    page must not show a perfect figure that is not.
    """
    scale = 10 ** (decimals + 2)
    # The small epsilon keeps 0.9995 (stored as 0.99949999…) from dropping to 99.94 %.
    return float(math.floor(fraction * scale + 1e-9) / scale)


# -- calendar ------------------------------------------------------------------------------


def day_bounds(day: date, zone: ZoneInfo) -> tuple[datetime, datetime]:
    """Start and end of a calendar day in `zone`, as aware datetimes (23–25 hours apart)."""
    return _midnight(day, zone), _midnight(day + timedelta(days=1), zone)


def month_bounds(year: int, month: int, zone: ZoneInfo) -> tuple[datetime, datetime]:
    following = (year + 1, 1) if month == 12 else (year, month + 1)
    return _midnight(date(year, month, 1), zone), _midnight(date(*following, 1), zone)


@functools.lru_cache(maxsize=8192)  # the same few thousand days, again and again
def _midnight(day: date, zone: ZoneInfo) -> datetime:
    # Where midnight does not exist (a few zones change clocks at 00:00), zoneinfo reads it
    # with the earlier offset, which lands in the first hour of that day: the right start.
    return datetime.combine(day, time(0), tzinfo=zone).astimezone(ZoneInfo("UTC"))


def local_today(site: Site) -> date:
    return site.now.astimezone(site.config.zone).date()


def previous_months(year: int, month: int, count: int) -> list[tuple[int, int]]:
    """`count` months ending with (year, month), oldest first."""
    index = year * 12 + month - 1
    return [(i // 12, i % 12 + 1) for i in range(index - count + 1, index + 1)]


# -- one component's record ------------------------------------------------------------------


class ComponentRecord:
    """A component's state over time, indexed for fast questions about any stretch."""

    def __init__(self, site: Site, component_id: str) -> None:
        self.site = site
        self.component_id = component_id
        self.since = measured_since(site, component_id)
        self.segments = _worst_segments(site, component_id, self.since)
        self._ends = [segment.end for segment in self.segments]
        self.spans = _incident_spans(site, component_id)
        # Spans sorted by start: a stretch only needs those starting less than the longest
        # span before it, which keeps a day's lookup short even with years of history.
        self._starts = [span[0] for span in self.spans]
        self._longest = max((end - start for start, end, _ in self.spans), default=_ZERO)
        self._asked: dict[tuple[str, int], tuple[Uptime, ...]] = {}

    def between(self, start: datetime, end: datetime) -> Uptime:
        return Uptime(start=start, end=end, **self._measure(start, end))

    def day(self, day: date) -> DayUptime:
        start, end = day_bounds(day, self.site.config.zone)
        return DayUptime(start=start, end=end, day=day, **self._measure(start, end))

    def month(self, year: int, month: int) -> MonthUptime:
        start, end = month_bounds(year, month, self.site.config.zone)
        return MonthUptime(
            start=start, end=end, year=year, month=month, **self._measure(start, end)
        )

    def days(self, count: int) -> tuple[DayUptime, ...]:
        """The last `count` calendar days, oldest first; the last one is today (so far).
        Remembered: the pages and the API ask for the same days."""
        if ("days", count) not in self._asked:
            today = local_today(self.site)
            self._asked["days", count] = tuple(
                self.day(today - timedelta(days=n)) for n in range(count - 1, -1, -1)
            )
        return self._asked["days", count]  # type: ignore[return-value]

    def months(self, count: int) -> tuple[MonthUptime, ...]:
        """The last `count` calendar months, oldest first; the last one is this month."""
        if ("months", count) not in self._asked:
            today = local_today(self.site)
            months = previous_months(today.year, today.month, count)
            self._asked["months", count] = tuple(self.month(year, month) for year, month in months)
        return self._asked["months", count]  # type: ignore[return-value]

    def _measure(self, start: datetime, end: datetime) -> _Figures:
        start = max(start, self.since)  # before it: no data, neither up nor down
        measured = max(min(end, self.site.now) - start, _ZERO)
        spent = dict.fromkeys(ComponentStatus, _ZERO)
        # Segments are sorted and do not overlap: start at the first one ending after `start`.
        for segment in self.segments[bisect.bisect_right(self._ends, start) :]:
            if segment.start >= end:
                break
            overlap = min(segment.end, end) - max(segment.start, start)
            if overlap > _ZERO:
                spent[segment.status] += overlap
        low = bisect.bisect_left(self._starts, start - self._longest)
        high = bisect.bisect_left(self._starts, end)
        incidents = tuple(
            incident_id for span_start, span_end, incident_id in self.spans[low:high]
            if _touches(span_start, span_end, start, end)
        )  # fmt: skip
        return {
            "measured": measured,
            "major_outage": spent[ComponentStatus.MAJOR_OUTAGE],
            "partial_outage": spent[ComponentStatus.PARTIAL_OUTAGE],
            "degraded": spent[ComponentStatus.DEGRADED_PERFORMANCE],
            "maintenance": spent[ComponentStatus.UNDER_MAINTENANCE],
            "incidents": incidents,
        }


class _Figures(TypedDict):
    measured: timedelta
    major_outage: timedelta
    partial_outage: timedelta
    degraded: timedelta
    maintenance: timedelta
    incidents: tuple[str, ...]


def _touches(span_start: datetime, span_end: datetime, start: datetime, end: datetime) -> bool:
    """Whether [span_start, span_end] meets [start, end); a zero-length span counts too."""
    return span_start < end and (span_end > start or span_start >= start)


def measured_since(site: Site, component_id: str) -> datetime:
    """When the component's uptime starts to be measured: the start (site zone) of its
    `since:` day, else the site's, else of the day its first incident began (or of the
    build day, for a site without incidents). Days before it are "no data"."""
    config = site.config
    day = config.component(component_id).since or config.since
    if day is None:
        day = site.first_started.astimezone(config.zone).date()
    return day_bounds(day, config.zone)[0]


def _worst_segments(
    site: Site, component_id: str, measured_from: datetime | None = None
) -> tuple[Segment, ...]:
    """The component's periods flattened: at each moment only the worst state counts;
    nothing before `measured_from`."""
    events: list[tuple[datetime, int, ComponentStatus]] = []
    for period in site.periods.get(component_id, ()):
        end = site.now if period.end is None else min(period.end, site.now)
        start = period.start if measured_from is None else max(period.start, measured_from)
        if start < end:
            events.append((start, 1, period.status))
            events.append((end, -1, period.status))
    events.sort(key=lambda event: event[0])
    active = dict.fromkeys(ComponentStatus, 0)
    segments: list[Segment] = []
    current: ComponentStatus | None = None
    since: datetime | None = None
    for index, (moment, delta, status) in enumerate(events):
        active[status] += delta
        if index + 1 < len(events) and events[index + 1][0] == moment:
            continue  # apply every change at this moment before looking at the state
        worst = max(
            (s for s, count in active.items() if count > 0),
            key=lambda s: s.severity,
            default=None,
        )
        if worst is current:
            continue
        if current is not None and since is not None and since < moment:
            segments.append(Segment(start=since, end=moment, status=current))
        current, since = worst, moment
    return tuple(segments)


def _incident_spans(site: Site, component_id: str) -> list[tuple[datetime, datetime, str]]:
    """When each incident touched the component: incidents from start to resolution (even
    at `operational`, as a notice does), maintenances while in progress."""
    spans: list[tuple[datetime, datetime, str]] = []
    for incident in site.touching.get(component_id, ()):
        if incident.retracted is not None:
            continue
        timeline = site.timeline(incident)
        if incident.is_maintenance:
            for period in timeline.component_periods:
                if period.component == component_id:
                    spans.append((period.start, period.end or site.now, incident.id))
        else:
            spans.append((incident.started_at, timeline.resolved_at or site.now,
                          incident.id))  # fmt: skip
    spans.sort(key=lambda span: (span[0], span[2]))
    return spans


# -- the public questions ----------------------------------------------------------------


def component_record(site: Site, component_id: str) -> ComponentRecord:
    """The component's record, made once per site (pages, the report and the API all ask)."""
    if component_id not in site.config.component_ids:
        raise KeyError(component_id)
    known = _MADE.get(component_id)
    if known is not None and known[1].site is site:
        return known[1]
    return _remembered(site, component_id, known)


# The last record made for each component, under what it was made from: asked again for the
# same site, or for a later build of it with the same incidents and clock (a preview).
_MADE: dict[str, tuple[tuple[object, ...] | None, ComponentRecord]] = {}


def _remembered(
    site: Site,
    component_id: str,
    known: tuple[tuple[object, ...] | None, ComponentRecord] | None,
) -> ComponentRecord:
    """A record is made from the incidents that touch the component, the clock and the
    zone; when a later build of a site (a preview) has the same, by the digests of their
    files, the record made before serves again. Sites made in code have no digests: their
    record serves only the site it was made for."""
    touching = site.touching.get(component_id, ())
    key: tuple[object, ...] | None
    try:
        key = (
            site.now,
            site.config.timezone,
            measured_since(site, component_id),
            tuple(site.sources[i.id] for i in touching),
        )
    except KeyError:
        key = None
    if key is not None and known is not None and known[0] == key:
        return known[1]
    record = ComponentRecord(site, component_id)
    _MADE[component_id] = (key, record)
    return record


def daily_uptime(site: Site, component_id: str, days: int = 90) -> tuple[DayUptime, ...]:
    """The component's last `days` calendar days, oldest first, ending with today."""
    return component_record(site, component_id).days(days)


def monthly_uptime(site: Site, component_id: str, months: int = 12) -> tuple[MonthUptime, ...]:
    """The component's last `months` calendar months, oldest first, ending with this one."""
    return component_record(site, component_id).months(months)


# -- transparency report --------------------------------------------------------------------


@dataclass(frozen=True, slots=True, kw_only=True)
class ComponentMonth:
    component: str
    uptime: MonthUptime
    incidents: int  # incidents (not maintenances) that touched the component this month


@dataclass(frozen=True, kw_only=True)
class MonthReport:
    """One month of the transparency report.

    Incidents belong to the month their trouble started in (site zone). The means leave out
    notices with impact `none` (nothing was broken, so there is nothing to acknowledge or
    resolve) and still-open incidents from the time to resolve.
    """

    year: int
    month: int
    start: datetime
    end: datetime
    incidents: tuple[Incident, ...]  # not retracted, oldest first
    maintenances: tuple[Incident, ...]  # that took place (were in progress at some point)
    retracted: tuple[Incident, ...]
    components: tuple[ComponentMonth, ...]  # in config order
    mean_time_to_acknowledge: timedelta | None
    mean_time_to_resolve: timedelta | None
    postmortems_published: tuple[Incident, ...]  # major/critical incidents with a postmortem
    postmortems_owed: tuple[Incident, ...]  # major/critical incidents without one yet
    still_open: tuple[Incident, ...]  # not resolved at the build clock

    @property
    def downtime(self) -> timedelta:
        """Downtime summed over all components (component-minutes)."""
        return sum((c.uptime.downtime for c in self.components), _ZERO)


def report_months(site: Site) -> list[tuple[int, int]]:
    """Every month from the first incident's to the current one, newest first."""
    zone = site.config.zone
    today = local_today(site)
    past = [i.filed_at for i in site.incidents if i.filed_at <= site.now]
    first = min(past).astimezone(zone).date() if past else today
    count = (today.year - first.year) * 12 + today.month - first.month + 1
    return list(reversed(previous_months(today.year, today.month, count)))


def transparency_report(
    site: Site, records: Mapping[str, ComponentRecord] | None = None
) -> tuple[MonthReport, ...]:
    """The report for every month with a history, newest first (nothing is dropped).

    `records` may pass the components' records already built for other pages.
    """
    zone = site.config.zone
    known = records or {}
    ordered = [known.get(c.id) or component_record(site, c.id) for c in site.config.components]
    by_month: dict[tuple[int, int], list[Incident]] = {}
    for incident in site.incidents:
        if incident.filed_at <= site.now:
            local = incident.filed_at.astimezone(zone)
            by_month.setdefault((local.year, local.month), []).append(incident)
    incident_ids = {i.id for i in site.incidents if not i.is_maintenance}
    reports = []
    for year, month in report_months(site):
        filed = sorted(by_month.get((year, month), []), key=lambda i: (i.filed_at, i.id))
        reports.append(_month_report(site, year, month, filed, ordered, incident_ids))
    return tuple(reports)


def _month_report(
    site: Site,
    year: int,
    month: int,
    filed: Sequence[Incident],
    records: Sequence[ComponentRecord],
    incident_ids: set[str],
) -> MonthReport:
    at = site.timeline
    incidents = tuple(i for i in filed if not i.is_maintenance and i.retracted is None)
    maintenances = tuple(
        i for i in filed if i.is_maintenance and i.retracted is None and at(i).duration > _ZERO
    )
    counted = [i for i in incidents if i.impact is not Impact.NONE]
    acknowledged = [i.time_to_acknowledge for i in counted]
    resolved = [end - i.started_at for i in counted if (end := at(i).resolved_at) is not None]
    owing = [i for i in incidents if i.impact.owes_postmortem]
    components = []
    for record in records:
        uptime = record.month(year, month)
        components.append(
            ComponentMonth(
                component=record.component_id,
                uptime=uptime,
                incidents=sum(1 for i in uptime.incidents if i in incident_ids),
            )
        )
    start, end = month_bounds(year, month, site.config.zone)
    return MonthReport(
        year=year,
        month=month,
        start=start,
        end=end,
        incidents=incidents,
        maintenances=maintenances,
        retracted=tuple(i for i in filed if i.retracted is not None),
        components=tuple(components),
        mean_time_to_acknowledge=_mean(acknowledged),
        mean_time_to_resolve=_mean(resolved),
        postmortems_published=tuple(i for i in owing if i.postmortem is not None),
        postmortems_owed=tuple(i for i in owing if i.postmortem is None),
        still_open=tuple(i for i in incidents if at(i).is_open),
    )


def _mean(spans: Sequence[timedelta]) -> timedelta | None:
    if not spans:
        return None
    mean = sum(spans, _ZERO) / len(spans)
    return timedelta(seconds=round(mean.total_seconds()))

"""The status site as immutable values, and everything derived from them.

Loading builds these; pages, feeds, the API, calendars and notices only read them. All times
are aware datetimes in UTC; display code converts to the site zone. Values that depend on the
clock take it as an argument (the build clock, taken once per build).
"""

from __future__ import annotations

from collections.abc import Hashable, Iterable, Mapping
from dataclasses import dataclass, field, fields
from datetime import date, datetime, timedelta
from enum import StrEnum
from functools import cached_property
from zoneinfo import ZoneInfo


class Kind(StrEnum):
    INCIDENT = "incident"
    MAINTENANCE = "maintenance"


class Impact(StrEnum):
    """How bad an incident is; maintenances have their own value, as in Statuspage's API."""

    NONE = "none"
    MINOR = "minor"
    MAJOR = "major"
    CRITICAL = "critical"
    MAINTENANCE = "maintenance"

    @property
    def owes_postmortem(self) -> bool:
        return self in (Impact.MAJOR, Impact.CRITICAL)


INCIDENT_IMPACTS = (Impact.NONE, Impact.MINOR, Impact.MAJOR, Impact.CRITICAL)


class ComponentStatus(StrEnum):
    OPERATIONAL = "operational"
    DEGRADED_PERFORMANCE = "degraded_performance"
    PARTIAL_OUTAGE = "partial_outage"
    MAJOR_OUTAGE = "major_outage"
    UNDER_MAINTENANCE = "under_maintenance"

    @property
    def severity(self) -> int:
        """Order for "worst state wins": outages beat maintenance, maintenance beats up."""
        return _SEVERITY[self]

    @property
    def downtime_weight(self) -> float:
        """Share of the time in this state that counts as down (design §5)."""
        return _DOWNTIME_WEIGHT[self]


_SEVERITY = {
    ComponentStatus.OPERATIONAL: 0,
    ComponentStatus.UNDER_MAINTENANCE: 1,
    ComponentStatus.DEGRADED_PERFORMANCE: 2,
    ComponentStatus.PARTIAL_OUTAGE: 3,
    ComponentStatus.MAJOR_OUTAGE: 4,
}
_DOWNTIME_WEIGHT = {
    ComponentStatus.OPERATIONAL: 0.0,
    ComponentStatus.UNDER_MAINTENANCE: 0.0,
    ComponentStatus.DEGRADED_PERFORMANCE: 0.0,
    ComponentStatus.PARTIAL_OUTAGE: 0.3,
    ComponentStatus.MAJOR_OUTAGE: 1.0,
}


class UpdateStatus(StrEnum):
    INVESTIGATING = "investigating"
    IDENTIFIED = "identified"
    MONITORING = "monitoring"
    RESOLVED = "resolved"
    POSTMORTEM = "postmortem"
    SCHEDULED = "scheduled"
    IN_PROGRESS = "in_progress"
    VERIFYING = "verifying"
    COMPLETED = "completed"
    CANCELLED = "cancelled"

    @property
    def is_final(self) -> bool:
        """The incident or maintenance is over once it reaches this status."""
        return self in _FINAL


_FINAL = frozenset(
    {
        UpdateStatus.RESOLVED,
        UpdateStatus.POSTMORTEM,
        UpdateStatus.COMPLETED,
        UpdateStatus.CANCELLED,
    }
)
INCIDENT_STATUSES = (
    UpdateStatus.INVESTIGATING,
    UpdateStatus.IDENTIFIED,
    UpdateStatus.MONITORING,
    UpdateStatus.RESOLVED,
    UpdateStatus.POSTMORTEM,
)
MAINTENANCE_STATUSES = (
    UpdateStatus.SCHEDULED,
    UpdateStatus.IN_PROGRESS,
    UpdateStatus.VERIFYING,
    UpdateStatus.COMPLETED,
    UpdateStatus.CANCELLED,
)


class Indicator(StrEnum):
    """The overall state of the page, with Statuspage's values (design §5)."""

    NONE = "none"
    MINOR = "minor"
    MAJOR = "major"
    CRITICAL = "critical"
    MAINTENANCE = "maintenance"


@dataclass(frozen=True, slots=True)
class Text:
    """Text that may come in several languages.

    `default` is the text in the site's first language (or the only text written).
    `translations` maps language codes to text, in the order written; empty for plain strings.
    """

    default: str
    translations: tuple[tuple[str, str], ...] = ()
    # Where the text starts in its file, for warnings about missing translations.
    line: int = field(default=1, compare=False)
    column: int = field(default=1, compare=False)

    def get(self, language: str | None = None) -> str:
        """The text in `language` if written, else the default."""
        for code, value in self.translations:
            if code == language:
                return value
        return self.default

    def has(self, language: str) -> bool:
        return not self.translations or any(code == language for code, _ in self.translations)

    def languages(self, main: str) -> tuple[str, ...]:
        """The languages it is written in; a plain string is in the site's `main` language."""
        return tuple(code for code, _ in self.translations) or (main,)

    def pick(self, language: str, main: str) -> tuple[str, str]:
        """(the language shown, the text) for a reader of `language`: theirs if written, else
        the default (the `main` language's text, or the first written), as `get` does."""
        for code, value in self.translations:
            if code == language:
                return code, value
        if not self.translations:
            return main, self.default
        codes = dict(self.translations)
        return (main, codes[main]) if main in codes else self.translations[0]

    def __str__(self) -> str:
        return self.default


@dataclass(frozen=True, slots=True, kw_only=True)
class Window:
    """A maintenance window, [start, end)."""

    start: datetime
    end: datetime


ComponentStates = tuple[tuple[str, ComponentStatus], ...]

# An open incident with no update for longer than this, or in `monitoring` for longer, is a
# stale notice (design §4); `stale_after` in the config changes it.
STALE_AFTER = timedelta(hours=24)


@dataclass(frozen=True, slots=True, kw_only=True)
class Update:
    index: int  # position in the file, 0-based; part of stable ids
    at: datetime
    status: UpdateStatus
    message: Text
    next_update: timedelta | None = None
    components: ComponentStates = ()
    deliver_notifications: bool = True
    window: Window | None = None  # maintenance only: a rescheduled window
    line: int = 1  # where the update starts in its file, for diagnostics
    column: int = 1
    # Changes made after it was first published, oldest first (from git history: history.py).
    edits: tuple[Edit, ...] = ()

    @property
    def next_update_due(self) -> datetime | None:
        return self.at + self.next_update if self.next_update else None

    @property
    def edited_at(self) -> datetime | None:
        """When it was last changed after it was published, or None if never."""
        return self.edits[-1].at if self.edits else None


@dataclass(frozen=True, slots=True, kw_only=True)
class Edit:
    """A published update changed in a later commit (design §4): when, and what it said."""

    at: datetime  # when the edit was committed (the build clock while it is not committed)
    commit: str  # the commit that made it; "" while not committed
    before: Update  # the update as it stood before this edit
    typo_fix: bool = False  # `deliver_notifications: false` on the edited update: not mailed


@dataclass(frozen=True, slots=True, kw_only=True)
class Staleness:
    """A notice left up: no update for longer than `stale_after`, or in monitoring as long."""

    since: datetime  # the last update, or the start of monitoring
    monitoring: bool


@dataclass(frozen=True, slots=True, kw_only=True)
class Period:
    """One component in one state for a stretch of time; `end` None means still going on."""

    component: str
    status: ComponentStatus
    start: datetime
    end: datetime | None
    incident: str


@dataclass(frozen=True, slots=True, kw_only=True)
class Phase:
    """A maintenance in one status, as updates and the clock say; `end` None means now."""

    status: UpdateStatus
    start: datetime
    end: datetime | None


@dataclass(frozen=True, kw_only=True)
class Incident:
    """An incident or a maintenance, read from `incidents/<id>.yaml`."""

    id: str
    path: str  # as shown in diagnostics, relative to the site root
    kind: Kind
    title: Text
    impact: Impact
    updates: tuple[Update, ...]  # oldest first, never empty
    started: datetime | None = None  # when the problem began, if before the first update
    components: ComponentStates = ()  # initial states of the affected components
    postmortem: Text | None = None
    retracted: str | None = None
    window: Window | None = None  # maintenance: the window as first announced

    @property
    def is_maintenance(self) -> bool:
        return self.kind is Kind.MAINTENANCE

    @property
    def first_update(self) -> Update:
        return self.updates[0]

    @property
    def last_update(self) -> Update:
        return self.updates[-1]

    @property
    def acknowledged_at(self) -> datetime:
        """When the incident was first made public."""
        return self.updates[0].at

    @property
    def started_at(self) -> datetime:
        """When the trouble began: `started`, else the first update."""
        if self.started is not None:
            return min(self.started, self.acknowledged_at)
        return self.acknowledged_at

    @cached_property  # the key incidents are sorted by, asked for again and again
    def filed_at(self) -> datetime:
        """The moment history files it under: the start of trouble, or of the window."""
        window = self.current_window
        if self.is_maintenance and window is not None:
            return window.start
        return self.started_at

    @property
    def time_to_acknowledge(self) -> timedelta:
        return self.acknowledged_at - self.started_at

    @cached_property
    def current_window(self) -> Window | None:
        """The maintenance window as last (re)scheduled."""
        window = self.window
        for update in self.updates:
            if update.window is not None:
                window = update.window
        return window

    @cached_property
    def reschedules(self) -> int:
        """How many updates moved the window (counts iCalendar's SEQUENCE)."""
        count, window = 0, self.window
        for update in self.updates:
            if update.window is not None and update.window != window:
                count += 1
                window = update.window
        return count

    @cached_property
    def affected_components(self) -> tuple[str, ...]:
        """Every component the incident touched, in order of first mention."""
        seen: dict[str, None] = {component: None for component, _ in self.components}
        for update in self.updates:
            for component, _ in update.components:
                seen.setdefault(component, None)
        return tuple(seen)

    @property
    def postmortem_at(self) -> datetime | None:
        """When the postmortem was announced (an update with status postmortem)."""
        for update in self.updates:
            if update.status is UpdateStatus.POSTMORTEM:
                return update.at
        return None

    # -- state over time -----------------------------------------------------------------
    #
    # What the incident is at a moment (its status, whether it is open, its component
    # periods…) is worked out by a `Timeline` made for that moment. These methods make one
    # per question; a build, which asks many questions at one clock, asks its `Site`'s
    # timelines instead (`Site.timeline`), each made once per build.

    def at(self, now: datetime) -> Timeline:
        """The incident as it stands at `now`."""
        return Timeline(self, now)

    def phases(self, now: datetime) -> tuple[Phase, ...]:
        return self.at(now).phases

    def status_at(self, now: datetime) -> UpdateStatus:
        return self.at(now).status

    def resolved_at(self, now: datetime) -> datetime | None:
        return self.at(now).resolved_at

    def is_open(self, now: datetime) -> bool:
        return self.at(now).is_open

    def is_active(self, now: datetime) -> bool:
        return self.at(now).is_active

    def is_upcoming(self, now: datetime) -> bool:
        return self.at(now).is_upcoming

    def duration(self, now: datetime) -> timedelta:
        return self.at(now).duration

    def next_update_due(self, now: datetime) -> datetime | None:
        return self.at(now).next_update_due

    def next_update_overdue(self, now: datetime) -> bool:
        return self.at(now).next_update_overdue

    def stale(self, now: datetime, after: timedelta) -> Staleness | None:
        return self.at(now).stale(after)

    def postmortem_due(self, now: datetime, due_days: int) -> datetime | None:
        return self.at(now).postmortem_due(due_days)

    def component_periods(self, now: datetime) -> tuple[Period, ...]:
        return self.at(now).component_periods


class Timeline:
    """An incident at one moment: its phases (statuses over time) and what follows from
    them. Made from the incident and the clock alone; it works its answers out once, so
    a build that asks ten questions of an incident at its clock does the work once
    (`Site.timeline`). The incident itself is never changed."""

    __slots__ = ("_periods", "_resolved", "incident", "memo", "now", "phases")

    def __init__(self, incident: Incident, now: datetime) -> None:
        self.incident = incident
        self.now = now
        self.phases = _phases(incident, now)
        self._periods: tuple[Period, ...] | None = None
        self._resolved: tuple[datetime | None] | None = None
        # What other stages work out from this incident at this clock alone (and what their
        # memo key names), kept as long as the timeline: a `Builder` kept across builds
        # keeps the timelines of unchanged incidents (`timelines_at`), and so this.
        self.memo: dict[Hashable, object] = {}

    @property
    def status(self) -> UpdateStatus:
        phases = self.phases
        return phases[-1].status if phases else self.incident.first_update.status

    @property
    def resolved_at(self) -> datetime | None:
        """When it ended (resolved, completed or cancelled), or None while it goes on."""
        if self._resolved is None:
            self._resolved = (_resolved_at(self.phases),)
        return self._resolved[0]

    @property
    def is_open(self) -> bool:
        return self.resolved_at is None

    @property
    def is_active(self) -> bool:
        """Shown as going on now: an open incident, or a maintenance in progress."""
        if self.incident.retracted is not None:
            return False
        if self.incident.is_maintenance:
            return self.status in (UpdateStatus.IN_PROGRESS, UpdateStatus.VERIFYING)
        return self.is_open

    @property
    def is_upcoming(self) -> bool:
        """A maintenance announced and not started yet."""
        incident = self.incident
        return (
            incident.retracted is None
            and incident.is_maintenance
            and self.status is UpdateStatus.SCHEDULED
        )

    @property
    def duration(self) -> timedelta:
        """From the start of trouble (or of the window) to the end, or to now if open."""
        start = self.incident.started_at
        if self.incident.is_maintenance:
            in_progress = [
                p.start
                for p in self.phases
                if p.status in (UpdateStatus.IN_PROGRESS, UpdateStatus.VERIFYING)
            ]
            if not in_progress:
                return timedelta(0)
            start = in_progress[0]
        end = self.resolved_at or self.now
        return max(end - start, timedelta(0))

    @property
    def next_update_due(self) -> datetime | None:
        """When the latest update promised the next one, while the incident is open."""
        if not self.is_open:
            return None
        return self.incident.last_update.next_update_due

    @property
    def next_update_overdue(self) -> bool:
        due = self.next_update_due
        return due is not None and self.now > due

    def stale(self, after: timedelta) -> Staleness | None:
        """Whether the notice was left up: open with no update for longer than `after`, or
        in `monitoring` for longer than `after`. Not while a promised next update is still to
        come (a promise broken long ago makes it stale too), nor for a maintenance inside its
        window."""
        incident, now = self.incident, self.now
        if incident.retracted is not None or not self.is_active:
            return None
        last = incident.last_update
        if incident.is_maintenance:
            window = incident.current_window
            if window is None or now < window.end + after or now - last.at <= after:
                return None
            return Staleness(since=max(last.at, window.end), monitoring=False)
        phases = self.phases
        monitoring = phases and phases[-1].status is UpdateStatus.MONITORING
        if monitoring and now - phases[-1].start > after:
            return Staleness(since=phases[-1].start, monitoring=True)
        promised = last.next_update_due
        if now - last.at > after and (promised is None or now > promised):
            return Staleness(since=last.at, monitoring=False)
        return None

    def postmortem_due(self, due_days: int) -> datetime | None:
        """The date a major or critical incident owes its postmortem by; None if not owed."""
        incident = self.incident
        if incident.retracted is not None or incident.postmortem is not None:
            return None
        if incident.is_maintenance or not incident.impact.owes_postmortem:
            return None
        resolved = self.resolved_at
        return resolved + timedelta(days=due_days) if resolved is not None else None

    @property
    def component_periods(self) -> tuple[Period, ...]:
        """Each affected component's non-operational stretches, up to now.

        Incidents: the initial states hold from `started_at`, updates' `components` change
        them from their time on, and everything is operational again at resolution.
        Maintenances: the states hold while the maintenance is in progress or verifying.
        Retracted incidents affect nothing.
        """
        if self._periods is None:
            self._periods = self._component_periods()
        return self._periods

    def _component_periods(self) -> tuple[Period, ...]:
        incident = self.incident
        if incident.retracted is not None:
            return ()
        if incident.is_maintenance:
            spans = [
                (p.start, p.end)
                for p in self.phases
                if p.status in (UpdateStatus.IN_PROGRESS, UpdateStatus.VERIFYING)
            ]
        else:
            spans = [(incident.started_at, self.resolved_at)]
        periods: list[Period] = []
        for span_start, span_end in spans:
            periods += _periods_within(incident, span_start, span_end, self.now)
        return tuple(_merge(periods))


def timelines_at(
    incidents: Iterable[Incident], now: datetime, made: Mapping[str, Timeline]
) -> dict[str, Timeline]:
    """Each incident at `now`, by id: a timeline of `made` where it was made for this very
    incident object (never changed: models are frozen) at this very clock object (not only
    the same instant: the zone it is written in shows), else a new one. A timeline is a
    function of those two alone, so the one made is the one this would make."""
    found: dict[str, Timeline] = {}
    for incident in incidents:
        timeline = made.get(incident.id)
        if timeline is None or timeline.incident is not incident or timeline.now is not now:
            timeline = Timeline(incident, now)
        found[incident.id] = timeline
    return found


def _phases(incident: Incident, now: datetime) -> tuple[Phase, ...]:
    """Statuses over time up to `now`; for maintenance the clock moves it too.

    A maintenance that was last said to be `scheduled` is `in_progress` from the window's
    start and `completed` from its end, unless an update says otherwise. An update after
    the window's end (an overrun) takes back the completion the clock had assumed.
    """
    events: list[tuple[datetime, int, UpdateStatus | str]] = [
        (u.at, 0, u.status) for u in incident.updates if u.at <= now
    ]
    window = incident.current_window
    if incident.is_maintenance and window is not None:
        events += [(window.start, 1, "start"), (window.end, 1, "end")]
    events.sort(key=lambda e: (e[0], e[1]))
    phases: list[Phase] = []
    assumed_done = False  # the last phase is a completion only the clock said
    for moment, _, event in events:
        if moment > now:
            break
        status = phases[-1].status if phases else None
        new: UpdateStatus | None
        if event == "start":
            new = UpdateStatus.IN_PROGRESS if status is UpdateStatus.SCHEDULED else status
        elif event == "end":
            ongoing = (UpdateStatus.SCHEDULED, UpdateStatus.IN_PROGRESS, UpdateStatus.VERIFYING)
            new = UpdateStatus.COMPLETED if status in ongoing else status
        else:
            assert isinstance(event, UpdateStatus)
            new = event
            if assumed_done:
                phases.pop()
                last = phases[-1]
                phases[-1] = Phase(status=last.status, start=last.start, end=None)
                status = last.status
        if new is None or new is status:
            continue
        if phases:
            last = phases[-1]
            phases[-1] = Phase(status=last.status, start=last.start, end=moment)
        phases.append(Phase(status=new, start=moment, end=None))
        assumed_done = event == "end"
    return tuple(phases)


def _resolved_at(phases: tuple[Phase, ...]) -> datetime | None:
    if not phases or not phases[-1].status.is_final:
        return None
    ended = phases[-1].start
    for phase in reversed(phases):
        if not phase.status.is_final:
            break
        ended = phase.start
    return ended


def _periods_within(
    incident: Incident, start: datetime, end: datetime | None, now: datetime
) -> list[Period]:
    states = dict(incident.components)
    changes = [(start, dict(states))]
    for update in incident.updates:
        if update.components and update.at <= now:
            states.update(update.components)
            changes.append((max(update.at, start), dict(states)))
    periods = []
    for i, (moment, snapshot) in enumerate(changes):
        until = changes[i + 1][0] if i + 1 < len(changes) else end
        if end is not None and moment >= end:
            break
        if until is not None and end is not None:
            until = min(until, end)
        if until is not None and until <= moment:
            continue
        for component, status in snapshot.items():
            if status is not ComponentStatus.OPERATIONAL:
                periods.append(
                    Period(
                        component=component,
                        status=status,
                        start=moment,
                        end=until,
                        incident=incident.id,
                    )
                )
    return periods


def _merge(periods: list[Period]) -> list[Period]:
    """Join back-to-back periods of one component in one state."""
    merged: list[Period] = []
    for period in sorted(periods, key=lambda p: (p.component, p.start)):
        last = merged[-1] if merged else None
        if (
            last is not None
            and last.component == period.component
            and last.status is period.status
            and last.end == period.start
        ):
            merged[-1] = Period(
                component=last.component,
                status=last.status,
                start=last.start,
                end=period.end,
                incident=last.incident,
            )
        else:
            merged.append(period)
    return merged


@dataclass(frozen=True, slots=True, kw_only=True)
class Component:
    id: str
    name: str
    description: str | None = None
    group: str | None = None
    position: int = 0  # order in the config, 0-based
    since: date | None = None  # first day its uptime is measured; default: the site's


@dataclass(frozen=True, slots=True, kw_only=True)
class Contact:
    email: str | None = None
    url: str | None = None
    response_promise: str | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class NotifyConfig:
    """The `notify:` section: e-mail notices (docs/notices.md). Defaults need no section."""

    sender: str | None = None  # `from`; default: the site title with the contact e-mail
    reply_to: str | None = None  # default: the contact e-mail
    since: datetime | None = None  # cut-off; default: everything present at the first run
    subscribers: str = ".statuspage/subscribers.json"  # private, relative to the site root
    ledger: str = "notices.ledger"  # committed, relative to the site root
    unsubscribe_mailto: str | None = None  # default: the contact e-mail
    unsubscribe_url: str | None = None  # https one-click endpoint (RFC 8058)
    reminder_minutes: int | None = None  # remind this long before a maintenance starts
    rate_limit: float | None = None  # messages per second
    connections: int = 10  # SMTP connections at once


@dataclass(frozen=True, slots=True, kw_only=True)
class SubscriptionsConfig:
    """The `subscriptions:` section: the self-service subscription service (design §8)."""

    url: str | None = None  # where the service answers, without a trailing slash
    database: str | None = None  # its store; $STATUSPAGE_DATABASE_URL wins over it


@dataclass(frozen=True, kw_only=True)
class Config:
    """`statuspage.yaml`, checked and typed."""

    title: str
    base_url: str  # absolute, without a trailing slash
    language: str  # the main language: the root of the site, the API, the default of e-mails
    timezone: str  # IANA name
    contact: Contact
    components: tuple[Component, ...]
    theme: str = "default"
    postmortem_due_days: int = 7
    stale_after: timedelta = STALE_AFTER
    # First day uptime is measured (site zone); None: the day of the first incident, or of
    # the build when there is none. Days before it are "no data", not 100 %.
    since: date | None = None
    notify: NotifyConfig = field(default_factory=NotifyConfig)
    subscriptions: SubscriptionsConfig = field(default_factory=SubscriptionsConfig)
    # Every language the site is built in, the main one first; () means just `language`.
    languages: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        if not self.languages:
            object.__setattr__(self, "languages", (self.language,))
        elif self.languages[0] != self.language:
            raise ValueError(f"languages {self.languages} must start with {self.language!r}")

    @cached_property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    @cached_property
    def component_ids(self) -> frozenset[str]:
        return frozenset(c.id for c in self.components)

    def component(self, component_id: str) -> Component:
        for component in self.components:
            if component.id == component_id:
                return component
        raise KeyError(component_id)

    @cached_property
    def groups(self) -> tuple[tuple[str | None, tuple[Component, ...]], ...]:
        """Components by group, in config order; ungrouped ones form groups of their own."""
        result: list[tuple[str | None, list[Component]]] = []
        for component in self.components:
            if component.group is not None:
                for name, members in result:
                    if name == component.group:
                        members.append(component)
                        break
                else:
                    result.append((component.group, [component]))
            else:
                result.append((None, [component]))
        return tuple((name, tuple(members)) for name, members in result)


@dataclass(frozen=True, kw_only=True)
class Site:
    """A whole status site at one moment: config, every incident, and the build clock."""

    config: Config
    incidents: tuple[Incident, ...]  # newest first, by `filed_at` then id
    now: datetime
    root: str = "."
    # A digest of each incident's file by id (load fills it), so that an incremental build
    # can tell what changed; empty for a site made in code, which is then rendered in full.
    sources: Mapping[str, str] = field(default_factory=dict, compare=False, repr=False)
    # Timelines made already (load makes them for its checks), by id: `timelines` takes
    # those made for this very incident at this very clock, and makes the others.
    made: Mapping[str, Timeline] = field(default_factory=dict, compare=False, repr=False)

    @cached_property
    def by_id(self) -> Mapping[str, Incident]:
        return {incident.id: incident for incident in self.incidents}

    @cached_property
    def timelines(self) -> Mapping[str, Timeline]:
        """Each incident at the site's clock, by id: what a build asks of them."""
        return timelines_at(self.incidents, self.now, self.made)

    def timeline(self, incident: Incident) -> Timeline:
        """`incident` at the site's clock: the one made for the site if it is the site's
        own incident, else a new one."""
        found = self.timelines.get(incident.id)
        if found is None or found.incident is not incident:
            return incident.at(self.now)
        return found

    @cached_property
    def touching(self) -> Mapping[str, tuple[Incident, ...]]:
        """The incidents that affect each component (retracted ones too), in site order."""
        found: dict[str, list[Incident]] = {}
        for incident in self.incidents:
            for component in incident.affected_components:
                found.setdefault(component, []).append(incident)
        return {component: tuple(members) for component, members in found.items()}

    @cached_property
    def first_started(self) -> datetime:
        """When the trouble of the oldest incident began; the clock for a site without."""
        return min((i.started_at for i in self.incidents), default=self.now)

    @cached_property
    def periods(self) -> Mapping[str, tuple[Period, ...]]:
        """Every component's non-operational periods from every incident, by start."""
        result: dict[str, list[Period]] = {c.id: [] for c in self.config.components}
        for timeline in self.timelines.values():
            for period in timeline.component_periods:
                result.setdefault(period.component, []).append(period)
        return {key: tuple(sorted(value, key=lambda p: p.start)) for key, value in result.items()}

    def component_status(self, component_id: str) -> ComponentStatus:
        """The worst state any incident puts the component in right now."""
        worst = ComponentStatus.OPERATIONAL
        for period in self.periods.get(component_id, ()):
            going_on = period.start <= self.now and (period.end is None or period.end > self.now)
            if going_on and period.status.severity > worst.severity:
                worst = period.status
        return worst

    @cached_property
    def component_statuses(self) -> Mapping[str, ComponentStatus]:
        return {c.id: self.component_status(c.id) for c in self.config.components}

    @cached_property
    def indicator(self) -> Indicator:
        """The overall state (design §5)."""
        statuses = set(self.component_statuses.values())
        if ComponentStatus.MAJOR_OUTAGE in statuses:
            return Indicator.CRITICAL
        if ComponentStatus.PARTIAL_OUTAGE in statuses:
            return Indicator.MAJOR
        if ComponentStatus.DEGRADED_PERFORMANCE in statuses:
            return Indicator.MINOR
        if ComponentStatus.UNDER_MAINTENANCE in statuses:
            return Indicator.MAINTENANCE
        return Indicator.NONE

    @cached_property
    def active(self) -> tuple[Incident, ...]:
        """Open incidents and maintenances in progress, newest first."""
        return tuple(i for i in self.incidents if self.timeline(i).is_active)

    @cached_property
    def upcoming(self) -> tuple[Incident, ...]:
        """Scheduled maintenances not started yet, soonest first."""
        found = [i for i in self.incidents if self.timeline(i).is_upcoming]
        return tuple(sorted(found, key=lambda i: (i.filed_at, i.id)))


def _quick_unpickling(*classes: type) -> None:
    """Unpickling a frozen dataclass with slots (the parse cache holds about ten of them
    per incident) sets each field from `dataclasses.fields()`, asked again for every
    object; this sets the same fields in the same order from names kept per class. What is
    pickled does not change."""
    for cls in classes:
        names = tuple(item.name for item in fields(cls))

        def setstate(self: object, state: Iterable[object], names: tuple[str, ...] = names) -> None:
            for name, value in zip(names, state, strict=False):  # as dataclasses does
                object.__setattr__(self, name, value)

        cls.__setstate__ = setstate  # type: ignore[attr-defined]


_quick_unpickling(Text, Window, Update, Edit, Staleness, Period, Phase, Component, Contact)
_quick_unpickling(NotifyConfig, SubscriptionsConfig)

"""The JSON API: Atlassian Statuspage's public API v2, as static files under `api/v2/`.

Field names, nesting, enums and wording follow Statuspage's, so clients, dashboards and chat
integrations written for a Statuspage page read ours unchanged. Where our data model says more
than Statuspage's, the API maps it onto Statuspage's vocabulary (docs/api.md lists every choice):

- ids are the file ids (`2026-11-20-checkout-errors`), update ids `<incident id>.<n>` (the
  update's place in its file), component ids the config's; group ids `group-<slug of name>`;
- a cancelled maintenance reports Statuspage's final maintenance status, `completed`, and its
  last update tells it was cancelled;
- a retracted incident stays (nothing published disappears) with `impact: none`, no affected
  components, a final status, and one field Statuspage does not have: `retracted`, the reason.

Times are ISO 8601 in the site's zone with milliseconds, as Statuspage writes them. The shapes
are written down as a JSON Schema in `schemas/statuspage-v2.schema.json`.
"""

from __future__ import annotations

import hashlib
import json
import math
import re
import unicodedata
from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime, timedelta
from typing import Any
from urllib.parse import urlsplit

from statuspage.inputs.model import (
    Component,
    ComponentStatus,
    Config,
    Incident,
    Indicator,
    Site,
    UpdateStatus,
)
from statuspage.outputs import links
from statuspage.outputs.markup import to_text
from statuspage.outputs.output import Keys, OutputFile
from statuspage.outputs.uptime import DayUptime, daily_uptime, floor_fraction, total

JSON = dict[str, Any]
LIST_LIMIT = 50  # the "all" lists hold the 50 most recent, as Statuspage's do
UPTIME_DAYS = 90  # the days behind the bars on the pages

# Statuspage's own wording for each indicator (what its pages and API say).
DESCRIPTIONS = {
    Indicator.NONE: "All Systems Operational",
    Indicator.MINOR: "Partially Degraded Service",
    Indicator.MAJOR: "Partial System Outage",
    Indicator.CRITICAL: "Major System Outage",
    Indicator.MAINTENANCE: "Service Under Maintenance",
}
UNRESOLVED = ("investigating", "identified", "monitoring")
ACTIVE = ("in_progress", "verifying")
UPCOMING = ("scheduled",)
_IN_WINDOW = (UpdateStatus.IN_PROGRESS, UpdateStatus.VERIFYING)


def generate(site: Site) -> Iterable[OutputFile]:
    """The generator registered in build.GENERATORS.

    Each document is made now and given to its file as compact JSON (the C encoder writes
    it several times faster than the indented form): the file is keyed on it, and indented
    only when its key is new.
    """
    keys = Keys(site.sources)
    for path, document in documents(site).items():
        compact = json.dumps(document, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
        yield keys(path, indented, compact)


def indented(compact: str) -> bytes:
    """The document written as `compact` JSON, as `dump` writes it."""
    return dump(json.loads(compact))


def dump(document: Mapping[str, Any]) -> bytes:
    """Deterministic JSON: sorted keys, UTF-8, a final newline.

    The text of `json.dumps(document, sort_keys=True, indent=2, ensure_ascii=False)`,
    written here because the json module indents in pure Python, several times slower
    (the uptime document has thousands of values); anything unusual goes to json itself.
    """
    out: list[str] = []
    try:
        _indented(document, "\n", out)
    except _Unusual:
        return (json.dumps(document, sort_keys=True, indent=2, ensure_ascii=False) + "\n").encode()
    out.append("\n")
    return "".join(out).encode()


class _Unusual(Exception):
    """A value `_indented` leaves to the json module."""


_encode_string = json.encoder.encode_basestring


def _indented(value: Any, newline: str, out: list[str]) -> None:
    kind = type(value)
    if kind is str:
        out.append(_encode_string(value))
    elif value is None:
        out.append("null")
    elif kind is bool:
        out.append("true" if value else "false")
    elif kind is int:
        out.append(int.__repr__(value))
    elif kind is float and math.isfinite(value):
        out.append(float.__repr__(value))
    elif kind is dict:
        if not value:
            out.append("{}")
            return
        if any(type(key) is not str for key in value):
            raise _Unusual
        inner = newline + "  "
        separator = "{" + inner
        for key in sorted(value):
            out.append(separator)
            out.append(_encode_string(key))
            out.append(": ")
            _indented(value[key], inner, out)
            separator = "," + inner
        out.append(newline + "}")
    elif kind is list or kind is tuple:
        if not value:
            out.append("[]")
            return
        inner = newline + "  "
        separator = "[" + inner
        for item in value:
            out.append(separator)
            _indented(item, inner, out)
            separator = "," + inner
        out.append(newline + "]")
    else:
        raise _Unusual


def documents(site: Site) -> dict[str, JSON]:
    """Every endpoint's document by its path in the built site."""
    api = _Api(site)
    page = api.page()
    components = api.components()
    # A document only for what some endpoint lists (the newest, and whatever is going on):
    # writing one for every incident ever would make the API grow with the whole history.
    plain = [i for i in site.incidents if not i.is_maintenance]
    planned = [i for i in site.incidents if i.is_maintenance]
    shown: dict[str, JSON] = {}

    def document(incident: Incident) -> JSON:
        if incident.id not in shown:
            shown[incident.id] = api.incident(incident)
        return shown[incident.id]

    incidents = [document(i) for i in plain[:LIST_LIMIT]]
    maintenances = [document(i) for i in planned[:LIST_LIMIT]]
    unresolved = [document(i) for i in plain if api.status(i) in UNRESOLVED]
    active = [document(m) for m in planned if api.status(m) in ACTIVE]
    # Soonest first: the next window is what a client shows.
    upcoming = sorted(
        (document(m) for m in planned if api.status(m) in UPCOMING),
        key=lambda m: (m["scheduled_for"], m["id"]),
    )
    status = {"indicator": site.indicator.value, "description": DESCRIPTIONS[site.indicator]}
    return {
        "api/v2/summary.json": {
            "page": page,
            "components": components,
            "incidents": unresolved,
            "scheduled_maintenances": active + upcoming,
            "status": status,
        },
        "api/v2/status.json": {"page": page, "status": status},
        "api/v2/components.json": {"page": page, "components": components},
        "api/v2/incidents.json": {"page": page, "incidents": incidents},
        "api/v2/incidents/unresolved.json": {"page": page, "incidents": unresolved},
        "api/v2/scheduled-maintenances.json": {
            "page": page,
            "scheduled_maintenances": maintenances,
        },
        "api/v2/scheduled-maintenances/upcoming.json": {
            "page": page,
            "scheduled_maintenances": upcoming,
        },
        "api/v2/scheduled-maintenances/active.json": {
            "page": page,
            "scheduled_maintenances": active,
        },
        "api/uptime.json": api.uptime(page),
    }


class WebhookParts:
    """The parts of a Statuspage webhook body, written as the API writes them."""

    def __init__(self, site: Site) -> None:
        self._api = _Api(site)
        self._site = site

    def page(self) -> JSON:
        """`page` of a webhook: the id and the overall status, as Statuspage sends it."""
        indicator = self._site.indicator
        return {
            "id": self._api.page_id,
            "status_indicator": indicator.value,
            "status_description": DESCRIPTIONS[indicator],
        }

    def incident(self, incident: Incident, through: int) -> JSON:
        """The incident as in api/v2/incidents.json, with the updates up to `through`."""
        document = self._api.incident(incident)
        shown = {f"{incident.id}.{u.index}" for u in incident.updates[: through + 1]}
        updates = [u for u in document["incident_updates"] if u["id"] in shown]
        document = {**document, "incident_updates": updates}
        if updates and incident.retracted is None:
            document["status"] = updates[0]["status"]
        return document

    def component(self, component_id: str) -> JSON:
        return self._api.component(self._site.config.component(component_id))

    def component_changes(self, incident: Incident, index: int) -> Sequence[Change]:
        """The components update `index` named or changed: (id, old state, new state)."""
        return _component_changes(incident)[index]

    def time(self, moment: datetime) -> str:
        return timestamp(moment, self._site.config)


def timestamp(moment: datetime, config: Config) -> str:
    """`2026-11-20T14:02:00.000+01:00`: the site's zone, milliseconds, like Statuspage."""
    return moment.astimezone(config.zone).isoformat(timespec="milliseconds")


def page_id(config: Config) -> str:
    """The page's id: its host (and path, if the site is not at the root of its host)."""
    path = urlsplit(config.base_url).path.strip("/")
    return f"{links.host(config)}/{path}" if path else links.host(config)


def group_ids(config: Config) -> dict[str, str]:
    """A stable id for each component group, from its name; never a component's id."""
    taken = set(config.component_ids)
    ids: dict[str, str] = {}
    for name, _ in config.groups:
        if name is None:
            continue
        ascii_name = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode()
        slug = re.sub(r"[^a-z0-9]+", "-", ascii_name.lower()).strip("-")
        if not slug:  # a name in another script: a short hash keeps it stable
            slug = hashlib.sha256(name.encode()).hexdigest()[:8]
        candidate, n = f"group-{slug}", 2
        while candidate in taken:
            candidate, n = f"group-{slug}-{n}", n + 1
        taken.add(candidate)
        ids[name] = candidate
    return ids


def api_status(status: UpdateStatus) -> str:
    """Statuspage's status for one of ours: it has no `cancelled` maintenance status."""
    if status is UpdateStatus.CANCELLED:
        return UpdateStatus.COMPLETED.value
    return status.value


class _Api:
    def __init__(self, site: Site) -> None:
        self.site = site
        self.config = site.config
        self.page_id = page_id(site.config)
        self.group_ids = group_ids(site.config)
        firsts = [i.started_at for i in site.incidents]
        # Components exist since the oldest record we have; the config does not say more.
        self.since = min(firsts, default=site.now)
        # Positions count groups too, in page order (1-based, as Statuspage's).
        self.positions: dict[str, int] = {}
        self._changed: dict[str, datetime] = {}
        for name, members in site.config.groups:
            ids = [m.id for m in members]
            for key in [self.group_ids[name], *ids] if name is not None else ids:
                self.positions[key] = len(self.positions) + 1

    def time(self, moment: datetime | None) -> str | None:
        return None if moment is None else timestamp(moment, self.config)

    # -- page ----------------------------------------------------------------------------

    def page(self) -> JSON:
        changes = [self.changed_at(i) for i in self.site.incidents]
        return {
            "id": self.page_id,
            "name": self.config.title,
            "url": self.config.base_url,
            "time_zone": self.config.timezone,
            "updated_at": self.time(max(changes, default=self.site.now)),
        }

    def changed_at(self, incident: Incident) -> datetime:
        """The last change: the latest update, or the clock moving a maintenance along."""
        now = self.site.now
        moments = [u.at for u in incident.updates]
        moments += [u.edited_at for u in incident.updates if u.edited_at is not None]
        moments += [p.start for p in self.site.timeline(incident).phases if p.start <= now]
        return max(moments)

    # -- components ----------------------------------------------------------------------

    def component_changed_at(self, component_id: str) -> datetime:
        # Remembered: every incident document embeds its components, and walking a
        # component's periods for each would make the API quadratic in the history.
        known = self._changed.get(component_id)
        if known is not None:
            return known
        now = self.site.now
        moments = [self.since]
        for period in self.site.periods.get(component_id, ()):
            moments += [m for m in (period.start, period.end) if m is not None and m <= now]
        self._changed[component_id] = changed = max(moments)
        return changed

    def components(self) -> list[JSON]:
        """Flat, in page order: each group is followed by its members, as on Statuspage."""
        result: list[JSON] = []
        for name, members in self.config.groups:
            if name is not None:
                group_id = self.group_ids[name]
                statuses = [self.site.component_statuses[m.id] for m in members]
                worst = max(statuses, key=lambda s: s.severity)
                changed = max(self.component_changed_at(m.id) for m in members)
                result.append(
                    {
                        **self._component_fields(group_id, name, worst, changed, None, None),
                        "group": True,
                        "showcase": False,
                        "components": [m.id for m in members],
                    }
                )
            for member in members:
                result.append(self.component(member))
        return result

    def component(self, component: Component) -> JSON:
        group_id = self.group_ids[component.group] if component.group else None
        return self._component_fields(
            component.id,
            component.name,
            self.site.component_statuses[component.id],
            self.component_changed_at(component.id),
            component.description,
            group_id,
        )

    def _component_fields(
        self,
        component_id: str,
        name: str,
        status: ComponentStatus,
        changed: datetime,
        description: str | None,
        group_id: str | None,
    ) -> JSON:
        return {
            "id": component_id,
            "name": name,
            "status": status.value,
            "created_at": self.time(self.since),
            "updated_at": self.time(changed),
            "position": self.positions[component_id],
            "description": description,
            "showcase": True,
            "start_date": None,
            "group_id": group_id,
            "page_id": self.page_id,
            "group": False,
            "only_show_if_degraded": False,
        }

    # -- uptime (our own endpoint) ------------------------------------------------------

    def uptime(self, page: JSON) -> JSON:
        """The figures behind the uptime bars: each component's last 90 days."""
        components = []
        for component in self.config.components:
            days = daily_uptime(self.site, component.id, UPTIME_DAYS)
            overall = total(days).fraction
            components.append(
                {
                    "id": component.id,
                    "name": component.name,
                    "group_id": self.group_ids[component.group] if component.group else None,
                    "uptime": None if overall is None else floor_fraction(overall, 4),
                    "days": [self.day(day) for day in days],
                }
            )
        return {
            "page": page,
            "days": UPTIME_DAYS,
            "downtime_weights": {
                status.value: status.downtime_weight
                for status in ComponentStatus
                if status is not ComponentStatus.OPERATIONAL
            },
            "components": components,
        }

    def day(self, day: DayUptime) -> JSON:
        fraction = day.fraction

        def minutes(span: timedelta) -> float:
            return round(span.total_seconds() / 60, 2)

        return {
            "date": day.day.isoformat(),
            "start": self.time(day.start),
            "end": self.time(day.end),
            "measured_minutes": minutes(day.measured),
            "downtime_minutes": minutes(day.downtime),
            "major_outage_minutes": minutes(day.major_outage),
            "partial_outage_minutes": minutes(day.partial_outage),
            "degraded_performance_minutes": minutes(day.degraded),
            "under_maintenance_minutes": minutes(day.maintenance),
            "uptime": None if fraction is None else floor_fraction(fraction, 4),
            "worst_status": day.worst.value,
            "incidents": list(day.incidents),
        }

    # -- incidents and maintenances ------------------------------------------------------

    def incident(self, incident: Incident) -> JSON:
        status = self.status(incident)
        monitoring = [u.at for u in incident.updates if u.status is UpdateStatus.MONITORING]
        affected = () if incident.retracted is not None else incident.affected_components
        document: JSON = {
            "id": incident.id,
            "name": incident.title.get(self.config.language),
            "status": status,
            "created_at": self.time(incident.first_update.at),
            "updated_at": self.time(self.changed_at(incident)),
            "monitoring_at": self.time(monitoring[0] if monitoring else None),
            "resolved_at": self.time(self.site.timeline(incident).resolved_at),
            "impact": "none" if incident.retracted is not None else incident.impact.value,
            "shortlink": links.incident_url(self.config, incident.id),
            "started_at": self.time(self.started_at(incident)),
            "page_id": self.page_id,
            "incident_updates": self.updates(incident),
            "components": [self.component(self.config.component(c)) for c in affected],
        }
        if incident.is_maintenance:
            window = incident.current_window
            document["scheduled_for"] = self.time(window.start if window else None)
            document["scheduled_until"] = self.time(window.end if window else None)
        if incident.retracted is not None:
            document["retracted"] = incident.retracted.strip()
        return document

    def status(self, incident: Incident) -> str:
        status = api_status(self.site.timeline(incident).status)
        final = "completed" if incident.is_maintenance else "resolved"
        if incident.retracted is not None and status in (*UNRESOLVED, *ACTIVE, *UPCOMING):
            status = final  # taken back: nothing is going on
        return status

    def started_at(self, incident: Incident) -> datetime:
        window = incident.current_window
        if incident.is_maintenance and window is not None:
            return window.start
        return incident.started_at

    def updates(self, incident: Incident) -> list[JSON]:
        """Newest first, each with the component changes it made (or None, as Statuspage)."""
        result = []
        changes = _component_changes(incident)
        for update, changed in zip(incident.updates, changes, strict=True):
            at = self.time(update.at)
            # An update edited after it was published (design §4): `updated_at` says when,
            # as in Statuspage, and `edited_at` (which its clients ignore) says it was.
            edited = self.time(update.edited_at)
            result.append(
                {
                    "id": f"{incident.id}.{update.index}",
                    "status": api_status(update.status),
                    "body": to_text(update.message.get(self.config.language)),
                    "incident_id": incident.id,
                    "created_at": at,
                    "updated_at": edited or at,
                    "display_at": at,
                    "affected_components": [
                        {
                            "code": code,
                            "name": self.config.component(code).name,
                            "old_status": old.value,
                            "new_status": new.value,
                        }
                        for code, old, new in changed
                    ]
                    or None,
                    "deliver_notifications": update.deliver_notifications,
                    "custom_tweet": None,
                    "tweet_id": None,
                }
            )
            if edited is not None:
                result[-1]["edited_at"] = edited
        result.reverse()
        return result


Change = tuple[str, ComponentStatus, ComponentStatus]


def _component_changes(incident: Incident) -> list[Sequence[Change]]:
    """For each update, the components it named or changed: (id, old state, new state).

    Incidents: the first update sets the initial states, later ones change them, and a final
    status puts everything back to operational. Maintenances: the stated states hold while
    the maintenance is in progress or verifying, and components are operational otherwise.
    """
    operational = ComponentStatus.OPERATIONAL
    declared: dict[str, ComponentStatus] = {}
    shown: dict[str, ComponentStatus] = {}
    result: list[Sequence[Change]] = []
    for position, update in enumerate(incident.updates):
        named = dict(incident.components) if position == 0 else {}
        named.update(update.components)
        declared.update(named)
        if incident.is_maintenance:
            in_window = update.status in _IN_WINDOW
            new = {c: (s if in_window else operational) for c, s in declared.items()}
        elif update.status.is_final:
            new = dict.fromkeys(declared, operational)
        else:
            new = dict(declared)
        changes = [
            (code, shown.get(code, operational), state)
            for code, state in new.items()
            if code in named or shown.get(code, operational) is not state
        ]
        order = {code: n for n, code in enumerate(incident.affected_components)}
        result.append(sorted(changes, key=lambda change: order.get(change[0], 0)))
        shown = new
    return result

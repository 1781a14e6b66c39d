"""The maintenance calendar (`maintenance.ics`, `components/<id>/maintenance.ics`).

One VEVENT per maintenance, so a customer who subscribes sees every window in their calendar
and sees it move or disappear when we reschedule or cancel it:

- UID is the maintenance's file id at the site's host: stable forever;
- DTSTART/DTEND are the window as last (re)scheduled, in UTC;
- SEQUENCE counts the reschedules (updates carrying a new `window:`), plus one when the
  maintenance is cancelled or retracted, since RFC 5545 bumps it on every significant change;
- STATUS is CANCELLED for a cancelled or retracted maintenance, else CONFIRMED;
- DTSTAMP and LAST-MODIFIED are the latest update's time, never the build clock.

Named `ical`, not `calendar`, so it cannot shadow the standard library's module.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import timedelta
from typing import TYPE_CHECKING

from statuspage import __version__
from statuspage.inputs.model import Config, Incident, Site, UpdateStatus
from statuspage.outputs import links
from statuspage.outputs.markup import to_text
from statuspage.outputs.output import Keys, OutputFile
from statuspage.text.i18n import Formatter
from statuspage.text.words import update_status_word

if TYPE_CHECKING:
    from icalendar import Event

PRODID = f"-//statuspage//statuspage {__version__}//EN"
REFRESH = timedelta(hours=1)


def generate(site: Site) -> Iterable[OutputFile]:
    """The generator registered in build.GENERATORS: the calendars of every language (the
    main one's at the top, the others' under `<lang>/`; an event's UID is the same in all)."""
    for language in site.config.languages:
        yield from _language_calendars(site, Formatter(language, site.config.zone))


class Events:
    """The calendars of one language, and each event's lines, written once and shared by
    the calendars that list it (a memo: what it renders depends on the config and the
    language only)."""

    def __init__(self, config: Config, fmt: Formatter) -> None:
        self.config = config
        self.fmt = fmt
        self.written: dict[str, bytes] = {}

    def __fingerprint__(self) -> object:
        return (self.config, self.fmt.language)


def calendar_file(events: Events, name: str, maintenances: Sequence[Incident]) -> bytes:
    """A calendar named `name` of `maintenances`."""
    return _calendar(events.config, events.fmt, name, maintenances, events.written)


def _language_calendars(site: Site, fmt: Formatter) -> Iterable[OutputFile]:
    root = links.language_root(site.config, fmt.language)
    maintenances = tuple(
        sorted(
            (i for i in site.incidents if i.is_maintenance and i.current_window is not None),
            key=lambda i: (i.filed_at, i.id),
        )
    )
    # A calendar is written only when asked for, under a key naming its maintenances
    # (docs/performance.md).
    keys = Keys(site.sources)
    events = Events(site.config, fmt)
    title = fmt.gettext("%(site)s maintenance") % {"site": site.config.title}
    yield keys(f"{root}maintenance.ics", calendar_file, events, title, maintenances)
    for component in site.config.components:
        mine = tuple(m for m in maintenances if component.id in m.affected_components)
        name = fmt.gettext("%(site)s maintenance: %(component)s") % {
            "site": site.config.title,
            "component": component.name,
        }
        path = f"{root}components/{component.id}/maintenance.ics"
        yield keys(path, calendar_file, events, name, mine)


def is_cancelled(incident: Incident) -> bool:
    """Cancelled by an update, or retracted: either way the window will not happen."""
    return incident.retracted is not None or any(
        u.status is UpdateStatus.CANCELLED for u in incident.updates
    )


def sequence(incident: Incident) -> int:
    return incident.reschedules + (1 if is_cancelled(incident) else 0)


_END = b"END:VCALENDAR\r\n"


def _calendar(
    config: Config,
    fmt: Formatter,
    name: str,
    maintenances: Sequence[Incident],
    events: dict[str, bytes] | None = None,
) -> bytes:
    """The calendar of `maintenances`. With `events`, each event's lines are taken from it
    (or written into it): a calendar's text is its own lines with its events' lines just
    before its end, so the events are spliced in as they are."""
    # Imported here: a build that keeps every calendar of the last one never needs it.
    from icalendar import Calendar

    calendar = Calendar()
    calendar.add("prodid", PRODID)
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("method", "PUBLISH")
    calendar.add("x-wr-calname", name)
    description = fmt.gettext("Maintenance windows announced on %(url)s")
    home = links.url(config, links.language_root(config, fmt.language))
    calendar.add("x-wr-caldesc", description % {"url": home})
    # Calendar apps poll subscriptions rarely unless told; windows move, so ask for hourly.
    calendar.add("refresh-interval", REFRESH, parameters={"VALUE": "DURATION"})
    calendar.add("x-published-ttl", "PT1H")
    if events is None:
        for incident in maintenances:
            calendar.add_component(_event(config, fmt, incident))
        return bytes(calendar.to_ical())
    head = bytes(calendar.to_ical())
    assert head.endswith(_END)
    body = []
    for incident in maintenances:
        if incident.id not in events:
            events[incident.id] = bytes(_event(config, fmt, incident).to_ical())
        body.append(events[incident.id])
    return head[: -len(_END)] + b"".join(body) + _END


def maintenance_event(site: Site, fmt: Formatter, incident: Incident) -> Event:
    """One maintenance's VEVENT as `maintenance.ics` has it (e-mail notices attach it)."""
    return _event(site.config, fmt, incident)


def _event(config: Config, fmt: Formatter, incident: Incident) -> Event:
    from icalendar import Event

    window = incident.current_window
    assert window is not None
    latest = incident.last_update
    language = fmt.language
    event = Event()
    event.add("uid", f"{incident.id}@{links.host(config)}")
    event.add("dtstamp", latest.at)
    event.add("created", incident.first_update.at)
    event.add("last-modified", latest.at)
    event.add("dtstart", window.start)
    event.add("dtend", window.end)
    event.add("sequence", sequence(incident))
    event.add("status", "CANCELLED" if is_cancelled(incident) else "CONFIRMED")
    title = incident.title.pick(language, config.language)[1]
    if incident.retracted is not None:
        title = fmt.gettext("Retracted: %(title)s") % {"title": title}
    elif is_cancelled(incident):
        title = fmt.gettext("Cancelled: %(title)s") % {"title": title}
    event.add("summary", title)
    lines = []
    if incident.retracted is not None:
        reason = incident.retracted.strip()
        lines.append(fmt.gettext("Retracted: %(reason)s") % {"reason": reason})
    word = update_status_word(latest.status, language)
    lines.append(f"{word} ({fmt.date_time(latest.at)})")
    lines.append(to_text(latest.message.pick(language, config.language)[1]))
    event.add("description", "\n\n".join(lines))
    url = links.incident_url(config, incident.id, language)
    event.add("url", url, parameters={"VALUE": "URI"})
    # Maintenance is ours, not the subscriber's appointment: it must not mark them busy.
    event.add("transp", "TRANSPARENT")
    components = [config.component(c).name for c in incident.affected_components]
    if components:
        event.add("categories", components)
    return event

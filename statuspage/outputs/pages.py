"""The human-facing site: HTML pages rendered from a theme's Jinja templates (design §5).

Themes: the built-in ones live in the repository's top-level `themes/` and ship inside the
wheel as `statuspage/themes/`. A site's own `themes/<name>/` is searched first, then the
built-in theme of that name, then the built-in `default`; a template can extend the built-in
one explicitly with the `default:` prefix (`{% extends "default:base.html" %}`). Files under a
theme's `static/` are published under `assets/` with a content hash in their name.

Every page is a pure function of its view's arguments (`Renderer.page`): the same site and
clock give the same bytes. The clock is one of those arguments where a page shows it (the
home page, an open incident), not a global: a template that reads `now` on a page whose view
does not give it fails with an error naming the template.
"""

from __future__ import annotations

import contextlib
import hashlib
import math
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from functools import cached_property
from pathlib import Path, PurePosixPath
from typing import Any
from urllib.parse import quote, urlsplit

import jinja2
from markupsafe import Markup, escape

from statuspage.inputs.fingerprint import Part, digest
from statuspage.inputs.model import (
    Component,
    ComponentStatus,
    Config,
    Impact,
    Incident,
    Site,
    Text,
    Timeline,
    UpdateStatus,
    Window,
)
from statuspage.inputs.sealed import Seal, user_cache_dir
from statuspage.outputs import links, uptime
from statuspage.outputs.markup import to_html
from statuspage.outputs.output import Keys, OutputFile
from statuspage.outputs.themes import (
    ThemeError,
    failed_template,
    repeatable,
    theme_assets,
    theme_files,
    theme_folders,
    theme_loader,
)
from statuspage.text.i18n import AUTONYMS, Formatter, language_tag, translations, whole_minutes
from statuspage.text.words import (
    COMPONENT_STATUS_WORDS,
    IMPACT_WORDS,
    INDICATOR_WORDS,
    UPDATE_STATUS_WORDS,
)

HISTORY_PAGE_SIZE = 25  # incidents per history page
COMPONENT_PAGE_SIZE = 25  # incidents per page of a component's history
BAR_DAYS = 90
_ZERO = timedelta(0)
PHONE_BAR_DAYS = 30  # the days of bars a narrow screen shows: wide enough to tap
REPORT_MONTHS = 12  # months in a component page's table
RECENT_DAYS = 7  # days of past incidents on the home page

# The files of the feeds, calendar and API (written by their own generators) that pages link.
SUBSCRIBE_LINKS = {
    "atom": "history.atom",
    "rss": "history.rss",
    "updates": "updates.atom",
    "calendar": "maintenance.ics",
    "json": "api/v2/summary.json",
}

# Google Calendar subscribes to a calendar's address given as `cid`.
GOOGLE_CALENDAR = "https://calendar.google.com/calendar/r?cid="
# The JSON API's files on the "For developers" page (outputs/api.py writes them).
DEVELOPER_API_PATHS = (
    "api/v2/summary.json",
    "api/v2/status.json",
    "api/v2/components.json",
    "api/v2/incidents.json",
    "api/v2/incidents/unresolved.json",
    "api/v2/scheduled-maintenances.json",
    "api/v2/scheduled-maintenances/upcoming.json",
    "api/v2/scheduled-maintenances/active.json",
    "api/uptime.json",
)


class TemplateCode(jinja2.BytecodeCache):
    """Compiled templates, shared by every environment of the process (each build makes new
    ones, and a preview builds again and again) and kept for the next process in this
    user's cache folder (`~/.cache/statuspage/templates`), never in the site: each file is
    sealed with the user's key (sealed.py) and one that does not check out is ignored, so
    no bytecode that someone else wrote is ever loaded. Jinja checks each against its
    template's source."""

    def __init__(self) -> None:
        self.memory: dict[str, bytes] = {}
        self._seal: Seal | bool | None = False  # False: not looked for yet

    def _disk(self) -> tuple[Seal, Path] | None:
        if self._seal is False:
            self._seal = Seal.mine()
        if not isinstance(self._seal, Seal):
            return None
        return self._seal, user_cache_dir() / "templates"

    def load_bytecode(self, bucket: jinja2.bccache.Bucket) -> None:
        code = self.memory.get(bucket.key)
        if code is None:
            disk = self._disk()
            if disk is None:
                return
            seal, folder = disk
            code = seal.read(folder / bucket.key, f"template {bucket.key}")
        if code is not None:
            bucket.bytecode_from_string(code)

    def dump_bytecode(self, bucket: jinja2.bccache.Bucket) -> None:
        code = bucket.bytecode_to_string()
        self.memory[bucket.key] = code
        disk = self._disk()
        if disk is None:
            return
        seal, folder = disk
        # Written whole or not at all; a folder that cannot be written costs nothing.
        with contextlib.suppress(OSError):
            seal.write(folder / bucket.key, f"template {bucket.key}", code)


BYTECODE = TemplateCode()


def _fast_gettext(catalog: Any) -> dict[str, Any]:
    """`_`, `gettext` and `ngettext` for templates: what Jinja's i18n extension installs
    (newstyle: the result is a format string, its variables escaped), with each
    translation looked up once per build. Pages call them thousands of times."""
    plain: dict[tuple[str, bool], str] = {}
    formats: dict[tuple[str, bool], str] = {}

    @jinja2.pass_context
    def gettext(__context: jinja2.runtime.Context, __string: str, **variables: Any) -> str:
        escaping = __context.eval_ctx.autoescape
        if not variables:
            found = plain.get((__string, escaping))
            if found is None:
                text = catalog.gettext(__string)
                found = plain[(__string, escaping)] = (Markup(text) if escaping else text) % {}
            return found
        pattern = formats.get((__string, escaping))
        if pattern is None:
            text = catalog.gettext(__string)
            pattern = formats[(__string, escaping)] = Markup(text) if escaping else text
        return pattern % variables

    @jinja2.pass_context
    def ngettext(
        __context: jinja2.runtime.Context,
        __singular: str,
        __plural: str,
        __num: int,
        **variables: Any,
    ) -> str:
        variables.setdefault("num", __num)
        text = catalog.ngettext(__singular, __plural, __num)
        return (Markup(text) if __context.eval_ctx.autoescape else text) % variables

    return {"_": gettext, "gettext": gettext, "ngettext": ngettext}


def fingerprinted(name: str, data: bytes) -> str:
    """`assets/style.css` → `assets/style.1a2b3c4d5e.css`: safe to cache forever."""
    path = PurePosixPath(name)
    digest = hashlib.sha256(data).hexdigest()[:10]
    return f"assets/{path.with_name(f'{path.stem}.{digest}{path.suffix}')}"


# -- views: what the templates show, computed once ------------------------------------------


@dataclass(frozen=True, slots=True)
class Bar:
    """Consecutive days drawn as bars: days with incidents alone, quiet days as one run.
    It holds what a bar shows (its uptime as shown, rounded down), not the time measured,
    which grows with the clock: a page's key holds its bars."""

    first_day: date
    last_day: date
    column: int  # position of the first day in the strip, 0-based
    days: int
    fraction: float | None  # uptime, rounded down as shown; None: no data
    major_outage: timedelta
    partial_outage: timedelta
    degraded: timedelta
    maintenance: timedelta
    incidents: tuple[Incident, ...]
    state: str  # CSS class: operational, degraded_performance, …, or no-data

    @property
    def phone(self) -> bool:
        """Among the last PHONE_BAR_DAYS days, which narrow screens show alone."""
        return self.column >= BAR_DAYS - PHONE_BAR_DAYS


def bars(days: Sequence[uptime.DayUptime], site: Site) -> list[Bar]:
    """Group days for drawing; every day still names its date, uptime and incidents."""
    result: list[Bar] = []
    run: list[uptime.DayUptime] = []

    def quiet(day: uptime.DayUptime) -> bool:
        return not day.incidents and day.worst is ComponentStatus.OPERATIONAL

    def close() -> None:
        if run:
            column = result[-1].column + result[-1].days if result else 0
            result.append(_bar(run, column, site))
            run.clear()

    phone_from = len(days) - PHONE_BAR_DAYS  # no run crosses it: phones hide what is before
    for n, day in enumerate(days):
        if n == phone_from:
            close()
        # A run is all measured days or all days before `since:` ("no data").
        same = not run or (run[-1].measured > _ZERO) == (day.measured > _ZERO)
        if quiet(day) and (not run or quiet(run[-1])) and same:
            run.append(day)
            continue
        close()
        run.append(day)
        if not quiet(day):
            close()
    close()
    return result


def _bar(days: Sequence[uptime.DayUptime], column: int, site: Site) -> Bar:
    summed = uptime.total(days)
    state = "no-data" if summed.fraction is None else summed.worst.value
    return Bar(
        first_day=days[0].day,
        last_day=days[-1].day,
        column=column,
        days=len(days),
        fraction=shown_fraction(summed),
        major_outage=summed.major_outage,
        partial_outage=summed.partial_outage,
        degraded=summed.degraded,
        maintenance=summed.maintenance,
        incidents=tuple(site.by_id[i] for i in summed.incidents),
        state=state,
    )


@dataclass(frozen=True, slots=True)
class Headline:
    """What `overall` shows of an open incident or a planned maintenance: enough to name and
    link it, not its updates (an edit of an update's text must not reach every page)."""

    id: str
    title: Text
    impact: Impact
    status: UpdateStatus
    maintenance: bool
    window: Window | None  # a maintenance's window, as last scheduled

    @classmethod
    def of(cls, incident: Incident, now: datetime) -> Headline:
        return cls(
            id=incident.id,
            title=incident.title,
            impact=incident.impact,
            status=incident.status_at(now),
            maintenance=incident.is_maintenance,
            window=incident.current_window,
        )


@dataclass(frozen=True, slots=True)
class Overall:
    """What any page may show of the whole site (the template global `overall`): its state
    at the build's clock, as results (never the clock itself). Every page's key holds it, so
    a template that starts showing it needs no other change to stay correct; it holds only
    what a page may show, so that most edits of one incident do not render every page."""

    indicator: str  # none, minor, major, critical, maintenance
    statuses: tuple[tuple[str, ComponentStatus], ...]  # each component's state, by id
    active: tuple[Headline, ...]  # incidents and maintenance in progress, newest first
    upcoming: tuple[Headline, ...]  # maintenance to come, soonest first

    @classmethod
    def of(cls, site: Site) -> Overall:
        return cls(
            indicator=site.indicator,
            statuses=tuple(site.component_statuses.items()),
            active=tuple(Headline.of(i, site.now) for i in site.active),
            upcoming=tuple(Headline.of(i, site.now) for i in site.upcoming),
        )


def shown_fraction(stretch: uptime.Uptime) -> float | None:
    """A stretch's uptime as pages show it, rounded down (None: nothing measured)."""
    fraction = stretch.fraction
    return None if fraction is None else uptime.floor_fraction(fraction)


@dataclass(frozen=True, slots=True)
class MonthRow:
    """A row of a component page's table: a month's uptime as shown and how many incidents
    (not maintenances) it had."""

    year: int
    month: int
    fraction: float | None  # rounded down, as shown
    downtime: timedelta
    degraded: timedelta
    maintenance: timedelta
    incidents: int

    @classmethod
    def of(cls, month: uptime.MonthUptime, incidents: int) -> MonthRow:
        return cls(
            year=month.year,
            month=month.month,
            fraction=shown_fraction(month),
            downtime=month.downtime,
            degraded=month.degraded,
            maintenance=month.maintenance,
            incidents=incidents,
        )


@dataclass(frozen=True, slots=True)
class Broken:
    """Components in one state other than operational, for the banner's sentence."""

    status: ComponentStatus
    names: tuple[str, ...]


def broken(site: Site) -> list[Broken]:
    """What is not working right now, worst state first, components in config order:
    the banner says it in words ("Checkout and Payments are down · Search is slow")."""
    found: dict[ComponentStatus, list[str]] = {}
    for component in site.config.components:
        status = site.component_statuses[component.id]
        if status is not ComponentStatus.OPERATIONAL:
            found.setdefault(status, []).append(component.name)
    order = sorted(found, key=lambda status: -status.severity)
    return [Broken(status=status, names=tuple(found[status])) for status in order]


_IMPACT_RANK = {Impact.CRITICAL: 4, Impact.MAJOR: 3, Impact.MINOR: 2, Impact.NONE: 1}


@dataclass(frozen=True, slots=True)
class OpenIncident:
    """An open incident on the home page, with what its card shows."""

    incident: Incident
    states: tuple[tuple[str, ComponentStatus], ...]  # affected components, current state
    status: UpdateStatus
    due: datetime | None  # when the next update was promised
    overdue: bool


def open_incidents(site: Site) -> list[OpenIncident]:
    """Open incidents by impact, worst first: then by the worst state they put a component
    in now, then newest first. A customer sees the worst trouble at the top."""
    found = []
    for incident in site.active:
        if incident.is_maintenance:
            continue
        states = tuple((c, latest) for c, _, latest in _component_states(incident))
        timeline = site.timeline(incident)
        found.append(
            OpenIncident(
                incident=incident,
                states=states,
                status=timeline.status,
                due=timeline.next_update_due,
                overdue=timeline.next_update_overdue,
            )
        )
    # site.active is newest first; sorted() keeps that order among equals.
    return sorted(
        found,
        key=lambda o: (
            -_IMPACT_RANK.get(o.incident.impact, 0),
            -max((state.severity for _, state in o.states), default=0),
        ),
    )


@dataclass(frozen=True, slots=True)
class Alternate:
    """A page in one of the site's languages."""

    code: str  # our code: en, fr, ru, zh
    tag: str  # BCP 47, for lang and hreflang: zh-Hans
    name: str  # the language's name in itself
    href: str  # relative to the page that links it
    absolute: str
    current: bool


@dataclass(frozen=True, slots=True)
class ComponentView:
    """A component's state now and its 90 days, as shown."""

    component: Component
    status: ComponentStatus
    bars: tuple[Bar, ...]
    fraction: float | None  # the 90 days as one figure, rounded down as shown


@dataclass(frozen=True, slots=True)
class Pagination:
    number: int  # 1-based
    count: int
    items: tuple[Incident, ...]
    base: str  # site path of page 1, e.g. "history/"

    def path(self, number: int) -> str:
        return self.base if number == 1 else f"{self.base}page/{number}/"

    @property
    def previous(self) -> str | None:
        return self.path(self.number - 1) if self.number > 1 else None

    @property
    def next(self) -> str | None:
        return self.path(self.number + 1) if self.number < self.count else None

    @property
    def numbers(self) -> list[int | None]:
        """Page numbers to link: the first, the last and two around this one; None is a gap.

        Linking every page from every page would make the output grow with the square of
        the history.
        """
        shown = sorted({1, self.count, *range(self.number - 2, self.number + 3)})
        result: list[int | None] = []
        for n in shown:
            if 1 <= n <= self.count:
                if result and result[-1] is not None and n - result[-1] > 1:
                    result.append(None)
                result.append(n)
        return result


def paginate(items: Sequence[Incident], size: int, base: str) -> list[Pagination]:
    """Fixed-size pages, newest first; at least one page, even when empty."""
    count = max(1, math.ceil(len(items) / size))
    return [
        Pagination(
            number=n + 1, count=count, items=tuple(items[n * size : (n + 1) * size]), base=base
        )
        for n in range(count)
    ]


@dataclass(frozen=True, slots=True)
class Entry:
    """An incident in a list (history, a component's page, the home page's past days):
    what its line shows at the build's clock, decided here. The clock itself is not in it,
    so a list of settled incidents is the same at every clock."""

    incident: Incident
    status: UpdateStatus
    resolved_at: datetime | None
    duration: timedelta | None  # how long it lasted, once resolved (not for a window)


def entry(timeline: Timeline) -> Entry:
    """`timeline`'s incident as a line of a list, at its clock: a function of the timeline
    alone, so kept on it (a kept `Builder` keeps an unchanged incident's timeline)."""
    known = timeline.memo.get(Entry)
    if isinstance(known, Entry):
        return known
    incident = timeline.incident
    resolved = timeline.resolved_at
    window = incident.is_maintenance and incident.current_window is not None
    made = timeline.memo[Entry] = Entry(
        incident=incident,
        status=timeline.status,
        resolved_at=resolved,
        duration=timeline.duration if resolved is not None and not window else None,
    )
    return made


def by_month(
    incidents: Iterable[Incident], fmt: Formatter, site: Site
) -> list[tuple[str, list[Entry]]]:
    """Incidents grouped under the month they are filed in (site zone), in the given order,
    at the site's clock (its timelines, made once per build)."""
    groups: list[tuple[tuple[int, int], list[Entry]]] = []
    for incident in incidents:
        local = fmt.local(incident.filed_at)
        key = (local.year, local.month)
        if groups and groups[-1][0] == key:
            groups[-1][1].append(entry(site.timeline(incident)))
        else:
            groups.append((key, [entry(site.timeline(incident))]))
    return [(fmt.month(*key), members) for key, members in groups]


# -- rendering -------------------------------------------------------------------------------


class MemoFormatter:
    """A `Formatter` whose results are remembered for the whole build.

    Pages show the same few moments (the build clock, each update's time) over and over,
    and formatting a date with Babel costs far more than looking it up.
    """

    def __init__(self, fmt: Formatter) -> None:
        self._fmt = fmt
        self._memo: dict[tuple[object, ...], object] = {}

    def __getattr__(self, name: str) -> Any:
        method = getattr(self._fmt, name)
        if not callable(method):
            return method

        def remembered(*args: Any) -> Any:
            key = (name, *args)
            try:
                return self._memo[key]
            except KeyError:
                value = self._memo[key] = method(*args)
                return value

        self.__dict__[name] = remembered  # found directly next time, without __getattr__
        return remembered


class Renderer:
    """Renders every page of one site in one language."""

    def __init__(self, site: Site, language: str | None = None, root: str = "") -> None:
        """`root` is the folder of this language's pages: "" for the site's first language,
        e.g. "fr/" for another; assets are shared by all languages at the top."""
        self.site = site
        self.config = site.config
        self.language = language or site.config.language
        self.root = root
        self.fmt = Formatter(self.language, site.config.zone)
        self.memo = MemoFormatter(self.fmt)  # what pages show, remembered for the build
        self.assets = theme_assets(site)
        self.asset_paths = {name: fingerprinted(name, data) for name, data in self.assets.items()}
        self._fragments: dict[str, Markup] = {}  # fragment key -> its HTML, for one build
        self.env = self._environment()
        self.keys = Keys(site.sources, shared=(ComponentView,))

    def _environment(self) -> jinja2.Environment:
        env = jinja2.Environment(
            loader=theme_loader(self.site),
            autoescape=True,
            undefined=jinja2.StrictUndefined,
            extensions=["jinja2.ext.i18n"],
            trim_blocks=True,
            lstrip_blocks=True,
            keep_trailing_newline=True,
            auto_reload=False,
            bytecode_cache=BYTECODE,
        )
        repeatable(env)
        env.install_gettext_translations(  # type: ignore[attr-defined]
            translations(self.language), newstyle=True
        )
        env.globals.update(_fast_gettext(translations(self.language)))
        env.globals.update(
            overall=self.overall,
            config=self.config,
            lang=self.fmt.tag,
            main_lang=language_tag(self.config.language),
            dir=self.fmt.direction,
            fmt=self.memo,
            links=SUBSCRIBE_LINKS,
            BAR_DAYS=BAR_DAYS,
            PHONE_BAR_DAYS=PHONE_BAR_DAYS,
            md=self.markdown,
            t=self.text,
            plain=self.plain,
            absolute=lambda path="": links.url(self.config, path),
            status_word=lambda s: COMPONENT_STATUS_WORDS[ComponentStatus(s)],
            update_word=lambda s: UPDATE_STATUS_WORDS[UpdateStatus(s)],
            impact_word=lambda i: IMPACT_WORDS[i],
            indicator_word=INDICATOR_WORDS.__getitem__,
            component=self.config.component,
            component_names=lambda ids: tuple(self.config.component(i).name for i in ids),
            webcal=self.webcal,
            google_calendar=lambda path: GOOGLE_CALENDAR + quote(self.webcal(path), safe=""),
            uptime_percent=self.uptime_percent,
            minutes=lambda span: self.memo.number(whole_minutes(span)),
            remember=_removed_remember,
            time_tag=self.time_tag,
        )
        return env

    # -- helpers the templates call ----------------------------------------------------------

    def webcal(self, path: str) -> str:
        """`webcal://status.example/maintenance.ics` for a file of this language: calendar
        apps subscribe to it (and follow its changes) rather than import it once."""
        return "webcal://" + links.url(self.config, self.root + path).split("://", 1)[1]

    def text(self, value: Text) -> Markup:
        """Text for the body of a page. Where it is not written in the page's language, the
        main language's text stands in, in an element with its own `lang` and marked."""
        shown, written = value.pick(self.language, self.config.language)
        if shown == self.language:
            return escape(written)
        return Markup('<span lang="{}">{}</span> {}').format(
            language_tag(shown), written, self.untranslated("span")
        )

    def plain(self, value: Text) -> str:
        """Text where no markup can go (`<title>`, attributes): the best there is, unmarked."""
        return value.pick(self.language, self.config.language)[1]

    def markdown(self, value: Text) -> Markup:
        """Untrusted Markdown as safe HTML (markup.py sanitises it), marked like `text`."""
        shown, written = value.pick(self.language, self.config.language)
        html = Markup(to_html(written))
        if shown == self.language:
            return html
        return Markup('{}<div lang="{}">{}</div>').format(
            self.untranslated("p"), language_tag(shown), html
        )

    def untranslated(self, element: str) -> Markup:
        """The visible note beside text shown in another language than the page's."""
        return Markup('<{0} class="untranslated">{1}</{0}>').format(
            Markup(element), self.fmt.gettext("Not yet translated")
        )

    def time_tag(self, moment: datetime, style: str = "date_time") -> Markup:
        """`<time datetime="2026-11-20T14:02:00+01:00">Nov 20, 2026, 2:02 PM</time>`: the
        theme's `m.time` (what a macro would make, for a fraction of its cost)."""
        iso, shown = escape(self.memo.iso(moment)), escape(getattr(self.memo, style)(moment))
        return Markup(f'<time datetime="{iso}">{shown}</time>')  # (Markup.format is slow)

    def fragment(self, name: str, up: str, arguments: dict[str, Any]) -> Markup:
        """`{{ fragment("fragments/footer.html", view=view) }}` in a template: the theme
        template `name` rendered with only `arguments`, the globals and the page-relative
        helpers (`url`, `asset`, `top`, `fragment`, whose one input is the page's prefix
        `up`), made once per build and language for each key and reused: a piece repeated on
        many pages (the footer, a component's bars and monthly table).

        The key comes from the one rule, never from the theme: a fingerprint of the name,
        `up` and the arguments, by the same `Fingerprints` as the pages' keys. The fragment
        sees nothing else (no variable of the page, not the clock unless given), so reading
        anything else fails (StrictUndefined) instead of showing another page's piece.
        Arguments that cannot be fingerprinted make it render every time."""
        for reserved in _FRAGMENT_HELPERS.intersection(arguments):
            raise ThemeError(f"{name}: a fragment cannot be given {reserved!r}: it has its own")
        key = self.keys.fingerprints(name, up, arguments)
        if key is not None:
            found = self._fragments.get(key)
            if found is not None:
                return found
        try:
            html = Markup(
                self.env.get_template(name).render(**self._helpers(name, up), **arguments)
            )
        except jinja2.TemplateSyntaxError as exc:
            raise ThemeError(f"{exc.filename or exc.name}:{exc.lineno}: {exc.message}") from exc
        except jinja2.TemplateNotFound as exc:
            raise ThemeError(f"fragment not found in the theme: {exc.name}") from exc
        except jinja2.UndefinedError as exc:
            given = ", ".join(arguments) or "no arguments"
            raise ThemeError(
                f"{name}: {exc.message} (a fragment sees only what it is given: {given}, "
                "the globals, url, asset, top and fragment)"
            ) from exc
        if key is not None:
            self._fragments[key] = html
        return html

    def uptime_percent(self, fraction: float | None) -> str:
        """`99.96%`, rounded down so a figure never looks better than it was."""
        if fraction is None:
            return self.fmt.gettext("No data")
        return str(self.memo.percent(uptime.floor_fraction(fraction)))

    # -- pages -------------------------------------------------------------------------------

    # -- what a page depends on: one rule -----------------------------------------------------
    #
    # A page renders from its template, the globals (the config, the language, pure functions
    # of them, and `overall`) and its context, made by a view from its arguments. Every page
    # is an output of `Keys` (output.py), like every other file: its key is a fingerprint of
    # `render_page` and its arguments, this renderer (which stands for the theme's files, the
    # language, the folder and `overall`), the template, the view and the view's arguments.
    # Nothing else reaches a template: the whole `Site` and the clock are not globals, so no
    # page can show what its key does not name. A page that shows the clock gets `now` from
    # its view; a template that reads `now` where the view gives none fails (StrictUndefined).
    # A fragment (`fragment`, above) follows the same rule within a build: what it is kept
    # under is a fingerprint of everything it can read (its template's name, its arguments,
    # the page's depth), never a key a theme writes.

    def render(self, path: str, template: str, **context: Any) -> OutputFile:
        """The page `path` (under this language's root), rendered from `template` and
        `context` when its bytes are first asked for; keyed on the context."""
        return self.page(path, template, _given, context)

    def page(
        self, path: str, template: str, view: Callable[..., dict[str, Any]], *args: Any
    ) -> OutputFile:
        """The page `path`, rendered from `template` and the context `view(*args)`, made
        only when the page is rendered. `view` is a module-level function that reads only
        its arguments: the key is a fingerprint of them (with `view`'s name)."""
        return self.keys(self.root + path, render_page, self, path, template, view, *args)

    def __fingerprint__(self) -> object:
        """What a page's render reads of this renderer besides its own arguments."""
        return (self.config, self.key_prefix)

    @cached_property
    def overall(self) -> Overall:
        return Overall.of(self.site)

    @cached_property
    def key_prefix(self) -> str:
        """What every page's key shares: the theme's files, the language and its folder,
        and what every page may show of the whole site (`overall`)."""
        folders = theme_folders(self.site)
        overall = self.keys.fingerprints(self.overall)
        assert overall is not None  # plain values only
        return digest(self.language, self.root, *theme_files(folders), overall)

    def _helpers(self, template: str, up: str) -> dict[str, Callable[..., Any]]:
        """What a template gets besides its context and the globals: functions of the
        page's prefix `up` alone ("../../" two folders down)."""
        root = self.root

        def url(target: str = "") -> str:
            return up + root + target or "./"

        def asset(name: str) -> str:
            try:
                return up + self.asset_paths[name] or "./"
            except KeyError:
                raise ThemeError(f"{template}: no static file {name!r} in the theme") from None

        def top(target: str = "") -> str:
            """A file every language shares (the JSON API), at the top of the site."""
            return up + target or "./"

        def fragment(name: str, /, **arguments: Any) -> Markup:
            return self.fragment(name, up, arguments)

        return {"url": url, "asset": asset, "top": top, "fragment": fragment}

    def render_now(self, path: str, template: str, context: dict[str, Any]) -> bytes:
        """In the template, `url("history/")` links another page of the same language and
        `asset("style.css")` a static file, both relative to this page, so the site works
        wherever it is published."""
        full = self.root + path
        up = "../" * full.count("/")
        if path == "404.html":
            # Served for any missing address, at any depth: links must not be relative.
            up = (urlsplit(self.config.base_url).path or "").rstrip("/") + "/"

        canonical_path = full.removesuffix("index.html")
        here = "" if path == "404.html" else path.removesuffix("index.html")
        try:
            html = self.env.get_template(template).render(
                **self._helpers(template, up),
                languages=self.alternates(here, up),
                page_path=canonical_path,
                canonical=links.url(self.config, canonical_path),
                **context,
            )
        except jinja2.TemplateSyntaxError as exc:
            raise ThemeError(f"{exc.filename or exc.name}:{exc.lineno}: {exc.message}") from exc
        except jinja2.TemplateNotFound as exc:
            raise ThemeError(f"template not found in the theme: {exc.name}") from exc
        except jinja2.UndefinedError as exc:
            raise ThemeError(f"{template}: {exc.message}") from exc
        except ThemeError:
            raise  # already says where (a fragment's, a missing static file)
        except Exception as exc:  # a theme is code and may have bugs: where, not a traceback
            raise failed_template(template, exc) from exc
        return html.encode("utf-8")

    @cached_property
    def broken(self) -> list[Broken]:
        return broken(self.site)

    @cached_property
    def records(self) -> dict[str, uptime.ComponentRecord]:
        return {c.id: uptime.component_record(self.site, c.id) for c in self.config.components}

    @cached_property
    def component_views(self) -> dict[str, ComponentView]:
        views = {}
        for component in self.config.components:
            days = self.records[component.id].days(BAR_DAYS)
            views[component.id] = ComponentView(
                component=component,
                status=self.site.component_statuses[component.id],
                bars=tuple(bars(days, self.site)),
                fraction=shown_fraction(uptime.total(days)),
            )
        return views

    def alternates(self, here: str, up: str) -> list[Alternate]:
        """The page at `here` in each of the site's languages (hreflang links and the
        language switcher); none for a site in one language."""
        if len(self.config.languages) < 2:
            return []
        found = []
        for code in self.config.languages:
            target = links.language_root(self.config, code) + here
            found.append(
                Alternate(
                    code=code,
                    tag=language_tag(code),
                    name=AUTONYMS.get(code, code),
                    href=up + target or "./",
                    absolute=links.url(self.config, target),
                    current=code == self.language,
                )
            )
        return found

    def pages(self) -> Iterator[OutputFile]:
        yield self.index()
        for incident in self.site.incidents:
            yield self.incident(incident)
        yield from self.history_pages()
        for component in self.config.components:
            yield from self.component_pages(component)
        yield self.uptime_page()
        home, badge = links.url(self.config, ""), links.url(self.config, "badge.svg")
        title = self.config.title
        yield self.render(
            "developers/index.html",
            "developers.html",
            api_paths=DEVELOPER_API_PATHS,
            # What to paste into one's own page: the badge, linking to the status page.
            badge_html=f'<a href="{home}"><img src="{badge}" alt="{escape(title)}"></a>',
            badge_markdown=f"[![{title}]({badge})]({home})",
            page_root=self.root,
            indicator=self.site.indicator,
        )
        if not self.root:
            # Servers answer every missing address with the one 404.html at the top.
            # During an outage it says so too, as of now.
            yield self.render(
                "404.html",
                "404.html",
                indicator=self.site.indicator,
                broken=self.broken,
                now=self.site.now,
            )

    def index(self) -> OutputFile:
        site, fmt = self.site, self.fmt
        today = uptime.local_today(site)
        recent_days = [today - timedelta(days=n) for n in range(RECENT_DAYS)]
        recent: dict[date, list[Entry]] = {day: [] for day in recent_days}
        for incident in site.incidents:
            timeline = site.timeline(incident)
            if incident.filed_at > site.now or timeline.is_active:
                continue  # open ones are on top of the page, not under "Past incidents"
            if timeline.is_upcoming:
                continue
            day = fmt.local(incident.filed_at).date()
            if day < recent_days[-1]:
                break  # incidents are sorted newest first
            recent.setdefault(day, []).append(entry(timeline))
        groups = []
        for name, members in self.config.groups:
            views = [self.component_views[c.id] for c in members]
            # A group's header shows its worst state, as the API's group component does.
            worst = max((v.status for v in views), key=lambda status: status.severity)
            groups.append((name, views, worst))
        return self.render(
            "index.html",
            "index.html",
            indicator=site.indicator,
            broken=self.broken,
            incidents=open_incidents(site),
            maintenance_now=[i for i in site.active if i.is_maintenance],
            upcoming=site.upcoming,
            groups=groups,
            recent=[(day, recent[day]) for day in recent_days],
            now=site.now,  # the live page: relative times, "as of"
        )

    def incident(self, incident: Incident) -> OutputFile:
        # The page is keyed on what the view makes of the clock, not on the clock: a
        # settled incident's page stays the same from one minute to the next.
        path = f"incidents/{incident.id}/index.html"
        timeline = self.site.timeline(incident)
        # The context and its digest are a function of the timeline (this incident object
        # at this clock object), the config and the digest that names the incident in keys:
        # kept on the timeline under the last two, they are worked out once for as long as
        # the timeline lives (a kept `Builder` keeps an unchanged incident's across builds).
        # The page's key still writes out everything else, the renderer included.
        memo = ("incident page", self.site.sources.get(incident.id), self.config_print)
        part = timeline.memo.get(memo)
        if part is None:
            part = self.keys.fingerprints.part(incident_view(timeline, self.config))
            if part is None:  # cannot be written out (a site made in code): no key
                return self.render(path, "incident.html", **incident_view(timeline, self.config))
            timeline.memo[memo] = part
        assert isinstance(part, Part)
        return self.page(path, "incident.html", _part_value, part)

    @cached_property
    def config_print(self) -> str | None:
        """The digest of the config written out, as every key writes it."""
        return self.keys.fingerprints(self.config)

    def history_pages(self) -> Iterator[OutputFile]:
        # Everything ever filed, newest first (upcoming maintenance on top).
        for page in paginate(self.site.incidents, HISTORY_PAGE_SIZE, "history/"):
            yield self.render(
                f"{page.path(page.number)}index.html",
                "history.html",
                page=page,
                months=by_month(page.items, self.fmt, self.site),
            )

    def component_pages(self, component: Component) -> Iterator[OutputFile]:
        view = self.component_views[component.id]
        months = self.records[component.id].months(REPORT_MONTHS)
        mine = self.site.touching.get(component.id, ())  # in site order, retracted ones too
        rows = tuple(  # one value for all pages: fingerprinted once
            MonthRow.of(
                month, sum(1 for i in month.incidents if not self.site.by_id[i].is_maintenance)
            )
            for month in reversed(months)
        )
        base = f"components/{component.id}/"
        for page in paginate(mine, COMPONENT_PAGE_SIZE, base):
            yield self.render(
                f"{page.path(page.number)}index.html",
                "component.html",
                view=view,
                months=rows,
                page=page,
                entries=by_month(page.items, self.fmt, self.site),
            )

    def uptime_page(self) -> OutputFile:
        # The report covers every incident ever: keyed on the whole site, it is only
        # computed when the page is rendered (fingerprinting it would cost as much).
        return self.page("uptime/index.html", "uptime.html", uptime_view, self.site)

    def sitemap(self, paths: Iterable[str]) -> OutputFile:
        """Every HTML page but the 404, with absolute addresses."""
        lines = ['<?xml version="1.0" encoding="UTF-8"?>']
        lines.append('<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">')
        for path in sorted(paths):
            if path.endswith(".html") and path != "404.html":
                address = links.url(self.config, path.removesuffix("index.html"))
                lines.append(f"  <url><loc>{links.xml_text(address)}</loc></url>")
        lines.append("</urlset>")
        return OutputFile("sitemap.xml", ("\n".join(lines) + "\n").encode("utf-8"))

    def robots(self) -> OutputFile:
        text = f"User-agent: *\nAllow: /\nSitemap: {links.url(self.config, 'sitemap.xml')}\n"
        return OutputFile("robots.txt", text.encode("utf-8"))

    def static_files(self) -> Iterator[OutputFile]:
        for name, data in sorted(self.assets.items()):
            yield OutputFile(self.asset_paths[name], data)
        if "favicon.ico" in self.assets:
            # Browsers ask for /favicon.ico by themselves, whatever the page says.
            yield OutputFile("favicon.ico", self.assets["favicon.ico"])


_FRAGMENT_HELPERS = frozenset({"url", "asset", "top", "fragment"})


def _removed_remember(*key: object, caller: object = None) -> None:
    """`{% call remember(key) %}` kept a block under a key the theme wrote by hand: a key
    that missed something the block read showed one page's piece on another. It is gone."""
    raise jinja2.UndefinedError(
        "remember() was removed: a hand-written key can miss what the block reads; "
        'use {{ fragment("name.html", arg=value) }} (docs/site.md)'
    )


def render_page(
    renderer: Renderer, path: str, template: str, view: Callable[..., dict[str, Any]], *args: Any
) -> bytes:
    """A page's bytes: what `Renderer.page` keys."""
    return renderer.render_now(path, template, view(*args))


def _given(context: dict[str, Any]) -> dict[str, Any]:
    """The view of a page whose context is made up front."""
    return context


def _part_value(part: Part) -> dict[str, Any]:
    """The view of a page whose context is made up front and kept with its digest."""
    context: dict[str, Any] = part.value
    return context


def incident_view(timeline: Timeline, config: Config) -> dict[str, Any]:
    """What an incident's page shows: its state at the timeline's clock, decided here, not
    in the theme. Only a page still open (or a maintenance not over) shows the clock itself
    ("so far", "16 min ago", a stale notice) and gets `now`; a settled one gets only results.
    Every question is asked of the one timeline (the site's, made once per build)."""
    incident, now = timeline.incident, timeline.now
    resolved_at = timeline.resolved_at
    postmortem_due = timeline.postmortem_due(config.postmortem_due_days)
    context = {
        "incident": incident,
        "status": timeline.status,
        "states": affected(incident, resolved_at),
        "resolved_at": resolved_at,
        "duration": timeline.duration,
        "postmortem_due": postmortem_due,
        "postmortem_overdue": postmortem_due is not None and now > postmortem_due,
        # First on the page while it is open: the promise, or since when it is overdue.
        "due": timeline.next_update_due if incident.retracted is None else None,
        "overdue": incident.retracted is None and timeline.next_update_overdue,
        "stale": timeline.stale(config.stale_after),
    }
    if resolved_at is None:
        context["now"] = now
    return context


def uptime_view(site: Site) -> dict[str, Any]:
    """The transparency report: every incident ever."""
    records = {c.id: uptime.component_record(site, c.id) for c in site.config.components}
    return {
        "report": uptime.transparency_report(site, records),
        "weight": ComponentStatus.PARTIAL_OUTAGE.downtime_weight,
    }


@dataclass(frozen=True, slots=True)
class Affected:
    """A component on an incident's page, with the one state the page shows for it."""

    component: str  # its id
    status: ComponentStatus
    shown: str  # "window": the worst during a maintenance not over; "worst": the worst
    # reached, once over (or retracted); "now": its last stated state, while open


def affected(incident: Incident, resolved_at: datetime | None) -> list[Affected]:
    """Which state the page shows for each affected component: decided here, not in the
    theme, and the page's key holds only that."""
    if incident.is_maintenance and resolved_at is None:
        shown = "window"
    elif incident.retracted is not None or resolved_at is not None:
        shown = "worst"
    else:
        shown = "now"
    return [
        Affected(component=c, status=latest if shown == "now" else worst, shown=shown)
        for c, worst, latest in _component_states(incident)
    ]


def _component_states(incident: Incident) -> list[tuple[str, ComponentStatus, ComponentStatus]]:
    """Each affected component with its worst state in the incident and its last stated one."""
    worst: dict[str, ComponentStatus] = dict.fromkeys(
        incident.affected_components, ComponentStatus.OPERATIONAL
    )
    latest: dict[str, ComponentStatus] = dict(incident.components)
    for component, status in incident.components:
        worst[component] = status
    for update in incident.updates:
        for component, status in update.components:
            latest[component] = status
            if status.severity > worst[component].severity:
                worst[component] = status
    return [(c, worst[c], latest.get(c, ComponentStatus.OPERATIONAL)) for c in worst]


def generate(site: Site) -> Iterator[OutputFile]:
    """The generator registered in build.GENERATORS: every page, the sitemap and assets."""
    renderer = Renderer(site)
    pages = list(renderer.pages())
    # Other languages under /<code>/, with the same pages (docs/languages.md).
    for language in site.config.languages[1:]:
        root = links.language_root(site.config, language)
        pages += Renderer(site, language, root).pages()
    yield from pages
    yield renderer.sitemap(page.path for page in pages)
    yield renderer.robots()
    yield from renderer.static_files()

"""Read a status site from its files into a checked, immutable `Site` (design §2-§4).

`parse_incident` is a pure function of one file's bytes and the config, so its result can be
cached per file; the checks that need the clock, or every file at once, live in `load_site`.
"""

from __future__ import annotations

import difflib
import os
import stat
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

import yaml

from statuspage.inputs.clock import LocalTimeError, to_utc
from statuspage.inputs.config import CONFIG_NAME, LANGUAGES, parse_config
from statuspage.inputs.diagnostics import (
    Diagnostic,
    InputError,
    Problems,
    Severity,
    StatuspageError,
)
from statuspage.inputs.fingerprint import digest
from statuspage.inputs.history import History, run_git
from statuspage.inputs.model import (
    INCIDENT_IMPACTS,
    INCIDENT_STATUSES,
    MAINTENANCE_STATUSES,
    ComponentStates,
    ComponentStatus,
    Config,
    Impact,
    Incident,
    Kind,
    Site,
    Text,
    Timeline,
    Update,
    UpdateStatus,
    Window,
    timelines_at,
)
from statuspage.inputs.regular import NotRegularError, check_tree, read_regular, refusal
from statuspage.inputs.yamlmarks import (
    MAX_FILE_BYTES,
    Where,
    YamlFile,
    format_duration,
    is_slug,
    read_limited,
    unreadable,
)

INCIDENTS_DIR = "incidents"
THEMES_DIR = "themes"
INCIDENT_SUFFIXES = (".yaml", ".yml")
FUTURE_TOLERANCE = timedelta(minutes=5)

INCIDENT_KEYS = (
    "title",
    "type",
    "impact",
    "started",
    "components",
    "window",
    "updates",
    "postmortem",
    "retracted",
)
UPDATE_KEYS = (
    "at",
    "status",
    "message",
    "next_update",
    "components",
    "deliver_notifications",
    "window",
)
WINDOW_KEYS = ("start", "end")
_STATES = tuple(s.value for s in ComponentStatus)


@dataclass(frozen=True, slots=True)
class LoadResult:
    """What loading found: the site if there was no error, and every diagnostic, sorted."""

    site: Site | None
    diagnostics: tuple[Diagnostic, ...]
    config_digest: str = ""  # of statuspage.yaml's bytes

    @property
    def errors(self) -> tuple[Diagnostic, ...]:
        return tuple(d for d in self.diagnostics if d.severity is Severity.ERROR)

    @property
    def warnings(self) -> tuple[Diagnostic, ...]:
        return tuple(d for d in self.diagnostics if d.severity is Severity.WARNING)


@dataclass(frozen=True, slots=True)
class ParseJob:
    """One incident file to read: its path, the path shown in messages, its id."""

    path: Path
    shown: str
    incident_id: str


@dataclass(frozen=True, slots=True)
class Parsed:
    """What one file gave: the incident (None if it has errors), a digest of the file (as
    `Site.sources` keeps it), and the file's own diagnostics."""

    incident: Incident | None
    digest: str
    diagnostics: tuple[Diagnostic, ...]


# Parses a batch of files for one config (given with a digest of its bytes). The default
# parses them one after the other; an incremental build passes one that keeps results per
# file content and uses several processes (statuspage/builder/engine.py).
Parser = Callable[[Sequence[ParseJob], Config, str], Sequence[Parsed]]


def parse_file(job: ParseJob, config: Config) -> Parsed:
    """Read and parse one incident file: a pure function of its bytes and the config."""
    problems = Problems()
    data = read_limited(job.path, YamlFile(job.shown, problems))
    if data is None:
        return Parsed(None, "", tuple(problems.items))
    incident = parse_incident(job.shown, job.incident_id, data, config, problems)
    return Parsed(incident, digest(job.shown, data), tuple(problems.items))


def parse_files(jobs: Sequence[ParseJob], config: Config, config_digest: str) -> list[Parsed]:
    return [parse_file(job, config) for job in jobs]


def load_site(
    root: Path,
    *,
    now: datetime,
    check_git: bool = True,
    parser: Parser | None = None,
    history: History | None = None,
    made: Mapping[str, Timeline] | None = None,
) -> LoadResult:
    """Load and check everything under `root`; `now` is the clock of this run.

    With `check_git`, git history also says which incident files were deleted and which
    published updates were edited since (history.py; `history` keeps what it learned).
    `made`: timelines an earlier build made (`Site.timelines`); those made for the same
    incident objects at the same clock object are used again (`model.timelines_at`)."""
    problems = Problems()
    config_bytes = read_config_bytes(root, problems)
    if config_bytes is None:
        return LoadResult(None, tuple(problems.sorted()))
    config = parse_config(CONFIG_NAME, config_bytes, problems)
    if config is None:
        return LoadResult(None, tuple(problems.sorted()))
    config_digest = digest(CONFIG_NAME, config_bytes)

    incidents: list[Incident] = []
    sources: dict[str, str] = {}
    seen: dict[str, str] = {}
    jobs: list[ParseJob] = []
    for path in incident_files(root, problems):
        shown = f"{INCIDENTS_DIR}/{path.name}"  # path is root/incidents/<name>
        incident_id = path.name.rpartition(".")[0]  # its stem: the name has a suffix
        if not is_slug(incident_id):
            problems.error(
                shown, 1, 1, f"file name: {incident_id!r} is not a valid id (use a-z, 0-9 and -)"
            )
            continue
        if incident_id in seen:
            problems.error(
                shown, 1, 1, f"duplicate id {incident_id!r}: {seen[incident_id]} has it too"
            )
            continue
        seen[incident_id] = shown
        jobs.append(ParseJob(path, shown, incident_id))
    for parsed in (parser or parse_files)(jobs, config, config_digest):
        problems.extend(parsed.diagnostics)
        if parsed.incident is not None:
            incidents.append(parsed.incident)
            sources[parsed.incident.id] = parsed.digest

    check_tree(root, THEMES_DIR, problems)  # listed and checked, never rendered here
    check_ledger(root, config.notify.ledger, problems)
    timelines = timelines_at(incidents, now, made or {})  # the checks' and the site's
    for incident in incidents:
        # What the checks find is a function of the incident at the clock (its timeline)
        # and the config (its bytes' digest): kept on the timeline, which a kept `Builder`
        # keeps for an unchanged incident at the same clock.
        timeline = timelines[incident.id]
        memo = ("load checks", config_digest)
        found = timeline.memo.get(memo)
        if not isinstance(found, tuple):
            own = Problems()
            check_clock(incident, config, now, own, timeline)
            check_translations(incident, config, own)
            found = timeline.memo[memo] = tuple(own.items)
        problems.extend(found)
    if check_git:
        history = history or History(root)
        check_deleted(root, set(seen), problems, history)
    if problems.errors:
        return LoadResult(None, tuple(problems.sorted()))
    if check_git:
        assert history is not None
        incidents, edited = history.apply(incidents, config, now)
        for incident_id, edits in edited.items():  # pages showing an incident show its edits
            sources[incident_id] = digest(sources[incident_id], edits)
    incidents.sort(key=lambda i: (i.filed_at, i.id), reverse=True)
    site = Site(
        config=config,
        incidents=tuple(incidents),
        now=now,
        root=str(root),
        sources=sources,
        made=timelines,
    )
    return LoadResult(site, tuple(problems.sorted()), config_digest)


def load_site_or_raise(root: Path, *, now: datetime, check_git: bool = True) -> Site:
    """Like `load_site`, but errors raise InputError; warnings are dropped."""
    result = load_site(root, now=now, check_git=check_git)
    if result.site is None:
        raise InputError(result.errors)
    return result.site


def read_config(root: Path) -> Config:
    """The site's checked config; raises StatuspageError or InputError."""
    path = root / CONFIG_NAME
    if not os.path.lexists(path):
        raise StatuspageError(f"no {CONFIG_NAME} in {root}; run `statuspage init` first")
    problems = Problems()
    data = read_config_bytes(root, problems)  # a link or a FIFO is an error, never followed
    config = None if data is None else parse_config(CONFIG_NAME, data, problems)
    if config is None:
        raise InputError(problems.errors)
    return config


def read_config_bytes(root: Path, problems: Problems) -> bytes | None:
    """The bytes of statuspage.yaml, or None with the reason in `problems`."""
    try:
        return read_regular(root / CONFIG_NAME, limit=MAX_FILE_BYTES)
    except FileNotFoundError:
        problems.error(CONFIG_NAME, 1, 1, f"no {CONFIG_NAME} here; run `statuspage init` first")
    except NotRegularError as exc:
        problems.error(CONFIG_NAME, 1, 1, exc.reason)
    except OSError as exc:
        problems.error(CONFIG_NAME, 1, 1, unreadable(exc))
    return None


def check_ledger(root: Path, ledger: str, problems: Problems) -> None:
    """The notice ledger and its folder are committed, so a pull request can make them a
    link: `notify` would append to whatever it points at. Each must be a regular file (and
    a folder of them), like every input."""
    path = root / ledger
    try:
        mode = os.lstat(path).st_mode
    except OSError:
        mode = None
    if mode is not None:
        reason = refusal(path, mode)
        if reason is not None:
            problems.error(ledger, 1, 1, reason)
    check_tree(root, f"{ledger}.d", problems)


def incident_files(root: Path, problems: Problems) -> list[Path]:
    """The incident files, sorted; anything else in the folder is named, never skipped quietly.
    Links and special files are errors: they are never followed or opened."""
    folder = root / INCIDENTS_DIR
    try:
        mode = os.lstat(folder).st_mode
    except OSError:
        return []
    if not stat.S_ISDIR(mode):
        problems.error(INCIDENTS_DIR, 1, 1, refusal(folder, mode) or "")
        return []
    found = []
    try:
        entries = list(os.scandir(folder))
    except OSError as exc:
        problems.error(INCIDENTS_DIR, 1, 1, unreadable(exc))
        return []
    # Names as strings (the same order as Paths), to keep a big history quick to list.
    for entry in sorted(entries, key=lambda entry: entry.name):
        if entry.name.startswith("."):
            continue
        shown = f"{INCIDENTS_DIR}/{entry.name}"
        try:  # a regular file is known from the listing itself on most file systems
            regular = entry.is_file(follow_symlinks=False)
            mode = stat.S_IFREG if regular else entry.stat(follow_symlinks=False).st_mode
        except OSError:  # gone since it was listed
            continue
        reason = refusal(entry.path, mode)
        if reason is None and os.path.splitext(entry.name)[1] in INCIDENT_SUFFIXES:
            found.append(folder / entry.name)
        elif reason is None or stat.S_ISDIR(mode):
            problems.warning(shown, 1, 1, "not read: incident files are incidents/<id>.yaml")
        else:
            problems.error(shown, 1, 1, reason)
    return found


# -- one file ------------------------------------------------------------------------------


def parse_incident(
    path: str, incident_id: str, data: bytes, config: Config, problems: Problems
) -> Incident | None:
    """The incident in one file's bytes, or None with its errors in `problems`."""
    source = YamlFile(path, problems)
    root = source.compose(data)
    if root is None:
        return None
    keys = source.mapping(root, "", allowed=INCIDENT_KEYS, required=("title", "updates"))
    if keys is None:
        return None
    reader = _IncidentReader(source, config)
    node = {key: value for key, (_, value) in keys.items()}

    kind = Kind.INCIDENT
    if "type" in node:
        kind = Kind(source.choice(node["type"], "type", tuple(k.value for k in Kind)) or kind)
    # The title is the subject of every notice: one line (design §9).
    title = reader.text(node["title"], "title", one_line=True) if "title" in node else None
    impact = reader.impact(node.get("impact"), kind, root)
    started = reader.moment(node["started"], "started") if "started" in node else None
    components = reader.states(node["components"], "components") if "components" in node else ()
    window = reader.window(node.get("window"), kind, root, keys)
    postmortem = reader.text(node["postmortem"], "postmortem") if "postmortem" in node else None
    retracted = None
    if "retracted" in node:
        retracted = source.nonempty_text(node["retracted"], "retracted")
    updates = reader.updates(node["updates"], kind) if "updates" in node else ()

    if updates and started is not None and started > updates[0].at:
        source.error(
            node["started"],
            f"started: {reader.shown(started)} is after the first update "
            f"({reader.shown(updates[0].at)}); it says when trouble began, before anyone posted",
        )
    if postmortem is None:
        for update in updates:
            if update.status is UpdateStatus.POSTMORTEM:
                source.error(
                    Where(update.line, update.column),
                    f"updates[{update.index}].status: a postmortem update needs the "
                    "postmortem text in the file's `postmortem:` key",
                )
    if source.failed or title is None or not updates or impact is None:
        return None
    return Incident(
        id=incident_id,
        path=path,
        kind=kind,
        title=title,
        impact=impact,
        updates=updates,
        started=started,
        components=components,
        postmortem=postmortem,
        retracted=retracted,
        window=window,
    )


class _IncidentReader:
    """The typed readers of an incident file's values, bound to its file and config."""

    def __init__(self, source: YamlFile, config: Config) -> None:
        self.source = source
        self.config = config

    def text(self, node: yaml.Node, field: str, *, one_line: bool = False) -> Text | None:
        """Markdown text: a plain string, or a mapping from language to string."""
        where = Where.of(node)
        read = self.source.line if one_line else self.source.nonempty_text
        if not isinstance(node, yaml.MappingNode):
            value = read(node, field)
            if value is None:
                return None
            return Text(value, line=where.line, column=where.column)
        keys = self.source.mapping(node, field, allowed=LANGUAGES)
        if keys is None:
            return None
        if not keys:
            self.source.error(node, f"{field}: give the text in at least one language")
            return None
        translations = []
        for language, (_, value_node) in keys.items():
            value = read(value_node, f"{field}.{language}")
            if value is not None:
                translations.append((language, value))
        if len(translations) != len(keys):
            return None
        default = dict(translations).get(self.config.language, translations[0][1])
        return Text(default, tuple(translations), line=where.line, column=where.column)

    def shown(self, moment: datetime) -> str:
        """A time as written in messages: ISO 8601 in the site's zone."""
        return moment.astimezone(self.config.zone).isoformat()

    def moment(self, node: yaml.Node, field: str) -> datetime | None:
        written = self.source.timestamp(node, field)
        if written is None:
            return None
        try:
            return to_utc(written, self.config.zone)
        except LocalTimeError as exc:
            self.source.error(node, f"{field}: {exc}")
            return None

    def impact(self, node: yaml.Node | None, kind: Kind, root: yaml.Node) -> Impact | None:
        if kind is Kind.MAINTENANCE:
            if node is None:
                return Impact.MAINTENANCE
            allowed = tuple(i.value for i in Impact)
        else:
            if node is None:
                self.source.error(
                    root, "impact: required key is missing (none, minor, major or critical)"
                )
                return None
            allowed = tuple(i.value for i in INCIDENT_IMPACTS)
        value = self.source.choice(node, "impact", allowed)
        return Impact(value) if value is not None else None

    def states(self, node: yaml.Node, field: str) -> ComponentStates:
        """`{component: state}`, with ids that exist in the config."""
        if not isinstance(node, yaml.MappingNode):
            self.source.error(node, f"{field}: expected a mapping of component: state")
            return ()
        states: list[tuple[str, ComponentStatus]] = []
        seen: set[str] = set()
        for key_node, value_node in node.value:
            component = str(key_node.value) if isinstance(key_node, yaml.ScalarNode) else ""
            if not is_slug(component):
                self.source.error(
                    key_node,
                    f"{field}: {component!r} is not a valid component id (use a-z, 0-9 and -)",
                )
                continue
            if component not in self.config.component_ids:
                self.source.error(key_node, self._unknown_component(field, component))
                continue
            if component in seen:
                self.source.error(key_node, f"{field}.{component}: duplicate key")
                continue
            seen.add(component)
            state = self.source.choice(value_node, f"{field}.{component}", _STATES)
            if state is not None:
                states.append((component, ComponentStatus(state)))
        return tuple(states)

    def _unknown_component(self, field: str, component: str) -> str:
        known = sorted(self.config.component_ids)
        close = difflib.get_close_matches(component, known, n=1, cutoff=0.6)
        hint = f"; did you mean '{close[0]}'?" if close else f" (known: {', '.join(known)})"
        return f"{field}: {component!r} is not a component in {CONFIG_NAME}{hint}"

    def window(
        self,
        node: yaml.Node | None,
        kind: Kind,
        root: yaml.Node,
        keys: dict[str, tuple[yaml.Node, yaml.Node]],
        field: str = "window",
    ) -> Window | None:
        if kind is Kind.INCIDENT:
            if node is not None:
                self.source.error(keys["window"][0], f"{field}: only maintenances have a window")
            return None
        if node is None:
            self.source.error(root, f"{field}: required key is missing for a maintenance")
            return None
        return self.window_value(node, field)

    def window_value(self, node: yaml.Node, field: str) -> Window | None:
        keys = self.source.mapping(node, field, allowed=WINDOW_KEYS, required=WINDOW_KEYS)
        if keys is None or "start" not in keys or "end" not in keys:
            return None
        start = self.moment(keys["start"][1], f"{field}.start")
        end = self.moment(keys["end"][1], f"{field}.end")
        if start is None or end is None:
            return None
        if end <= start:
            self.source.error(keys["end"][1], f"{field}.end: the window must end after it starts")
            return None
        return Window(start=start, end=end)

    def updates(self, node: yaml.Node, kind: Kind) -> tuple[Update, ...]:
        items = self.source.sequence(node, "updates")
        if items is None:
            return ()
        if not items:
            self.source.error(node, "updates: list at least one update")
            return ()
        updates: list[Update] = []
        for index, item in enumerate(items):
            update = self.update(item, index, kind)
            if update is None:
                continue
            previous = updates[-1] if updates and updates[-1].index == index - 1 else None
            if previous is not None:
                self.check_sequence(previous, update, kind)
            updates.append(update)
        return tuple(updates) if len(updates) == len(items) else ()

    def update(self, item: yaml.Node, index: int, kind: Kind) -> Update | None:
        field = f"updates[{index}]"
        keys = self.source.mapping(
            item, field, allowed=UPDATE_KEYS, required=("at", "status", "message")
        )
        if keys is None or not {"at", "status", "message"} <= keys.keys():
            return None
        node = {key: value for key, (_, value) in keys.items()}
        at = self.moment(node["at"], f"{field}.at")
        status = self.status(node["status"], f"{field}.status", kind)
        message = self.text(node["message"], f"{field}.message")
        next_update = None
        if "next_update" in node:
            next_update = self.source.duration(node["next_update"], f"{field}.next_update")
            if status is not None and status.is_final and next_update is not None:
                self.source.error(
                    node["next_update"],
                    f"{field}.next_update: a {status} update promises no further update",
                )
        components: ComponentStates = ()
        if "components" in node:
            components = self.states(node["components"], f"{field}.components")
        deliver = True
        if "deliver_notifications" in node:
            value = self.source.boolean(
                node["deliver_notifications"], f"{field}.deliver_notifications"
            )
            deliver = value if value is not None else deliver
        window = None
        if "window" in node:
            if kind is Kind.INCIDENT:
                self.source.error(
                    keys["window"][0], f"{field}.window: only maintenances have a window"
                )
            else:
                window = self.window_value(node["window"], f"{field}.window")
        if at is None or status is None or message is None:
            return None
        where = Where.of(item)
        return Update(
            index=index,
            at=at,
            status=status,
            message=message,
            next_update=next_update,
            components=components,
            deliver_notifications=deliver,
            window=window,
            line=where.line,
            column=where.column,
        )

    def status(self, node: yaml.Node, field: str, kind: Kind) -> UpdateStatus | None:
        own, other = (
            (INCIDENT_STATUSES, MAINTENANCE_STATUSES)
            if kind is Kind.INCIDENT
            else (MAINTENANCE_STATUSES, INCIDENT_STATUSES)
        )
        if isinstance(node, yaml.ScalarNode) and node.value in other:
            other_kind, own_kind = (
                ("a maintenance", "an incident")
                if kind is Kind.INCIDENT
                else ("an incident", "a maintenance")
            )
            self.source.error(
                node,
                f"{field}: {node.value!r} is {other_kind} status; {own_kind} uses {', '.join(own)}",
            )
            return None
        value = self.source.choice(node, field, tuple(s.value for s in own))
        return UpdateStatus(value) if value is not None else None

    def check_sequence(self, previous: Update, update: Update, kind: Kind) -> None:
        where = Where(update.line, update.column)
        field = f"updates[{update.index}]"
        if update.at < previous.at:
            self.source.error(
                where,
                f"{field}.at: {self.shown(update.at)} is earlier than "
                f"updates[{previous.index}].at ({self.shown(previous.at)}); "
                "updates are oldest first",
            )
        done = previous.status
        if kind is Kind.INCIDENT:
            if done is UpdateStatus.RESOLVED and update.status is not UpdateStatus.POSTMORTEM:
                self.source.error(
                    where,
                    f"{field}.status: {update.status.value!r} cannot follow 'resolved'; "
                    "after resolved only a postmortem update may come",
                )
            elif done is UpdateStatus.POSTMORTEM:
                self.source.error(
                    where, f"{field}.status: nothing can follow the postmortem update"
                )
            elif update.status is UpdateStatus.POSTMORTEM and done is not UpdateStatus.RESOLVED:
                self.source.error(
                    where, f"{field}.status: a postmortem update can only follow 'resolved'"
                )
        elif done.is_final:
            self.source.error(
                where,
                f"{field}.status: {update.status.value!r} cannot follow {done.value!r}; "
                "the maintenance is over",
            )


# -- checks across files and against the clock --------------------------------------------


LONG_INCIDENT = 100  # updates; a notice carries only the latest few earlier ones


def check_clock(
    incident: Incident,
    config: Config,
    now: datetime,
    problems: Problems,
    timeline: Timeline | None = None,
) -> None:
    """Errors for updates from the future; warnings for promises and postmortems overdue,
    and for an incident unusually long. `timeline`: the incident at `now`, if made."""
    if len(incident.updates) > LONG_INCIDENT:
        first = incident.updates[LONG_INCIDENT]
        problems.warning(
            incident.path,
            first.line,
            first.column,
            f"updates: {len(incident.updates):,} updates in one incident; notices show only "
            "the latest 5 earlier ones and link to the rest. Resolve it and open a new "
            "incident for what is still going on",
        )
    for update in incident.updates:
        if update.at > now + FUTURE_TOLERANCE:
            problems.error(
                incident.path,
                update.line,
                update.column,
                f"updates[{update.index}].at: {update.at.astimezone(config.zone).isoformat()} "
                f"is in the future (the clock says {now.astimezone(config.zone).isoformat()})",
            )
    if incident.retracted is not None:
        return
    if timeline is None:
        timeline = incident.at(now)  # every question below at one clock: worked out once
    due = timeline.next_update_due
    if due is not None and now > due:
        last = incident.last_update
        problems.warning(
            incident.path,
            last.line,
            last.column,
            f"updates[{last.index}].next_update: the next update was promised by "
            f"{due.astimezone(config.zone).isoformat()} and is overdue; post an update",
        )
    stale = timeline.stale(config.stale_after)
    if stale is not None:
        last = incident.last_update
        since = stale.since.astimezone(config.zone).isoformat()
        limit = f"longer than stale_after ({format_duration(config.stale_after)})"
        if stale.monitoring:
            said = f"in monitoring since {since}, {limit}; resolve it or say what is still watched"
        else:
            said = f"no update since {since}, {limit}; post an update or resolve it"
        problems.warning(incident.path, last.line, last.column, f"stale notice: {said}")
    owed = timeline.postmortem_due(config.postmortem_due_days)
    if owed is not None and now > owed:
        problems.warning(
            incident.path,
            1,
            1,
            f"postmortem: a {incident.impact} incident owes a postmortem since "
            f"{owed.astimezone(config.zone).date().isoformat()} "
            f"({config.postmortem_due_days} days after it was resolved)",
        )


def check_translations(incident: Incident, config: Config, problems: Problems) -> None:
    """Warnings for text missing in one of the site's languages (docs/languages.md): those
    pages show it in the main language, marked as not yet translated."""
    texts = [("title", incident.title)]
    texts += [(f"updates[{u.index}].message", u.message) for u in incident.updates]
    if incident.postmortem is not None:
        texts.append(("postmortem", incident.postmortem))
    for field, text in texts:
        written = text.languages(config.language)
        missing = [code for code in config.languages if code not in written]
        if missing:
            shown = text.pick(missing[0], config.language)[0]
            problems.warning(
                incident.path,
                text.line,
                text.column,
                f"{field}: no {', '.join(missing)} translation; "
                f"those pages show the {shown} text, marked as not yet translated",
            )


def check_deleted(
    root: Path, present_ids: set[str], problems: Problems, history: History | None = None
) -> None:
    """A published incident file never vanishes: deleting one is an error (design §4)."""
    for path, commit in deleted_incident_files(root, history).items():
        incident_id = Path(path).stem
        if incident_id in present_ids:
            continue
        if commit is None:
            how = "is deleted in the working tree (not committed yet)"
            restore = f"git checkout HEAD -- {path}"
        else:
            how = f"was deleted in commit {commit[:12]}"
            restore = f"git checkout {_parent_with(root, commit, path)} -- {path}"
        problems.error(
            path,
            1,
            1,
            f"published incident {incident_id!r} {how}; published history never disappears: "
            f"restore it ({restore}) and add `retracted: <reason>` to take it back",
        )


def deleted_incident_files(root: Path, history: History | None = None) -> dict[str, str | None]:
    """Incident files that git knew and that are gone: path → deleting commit (None: uncommitted).

    Empty outside a git checkout. Renames count as deletions, since the id is the file name.
    A merge commit is compared with each of its parents: a merge that drops a file one side
    had deletes it as surely as a plain commit does. Found by the same walk of the history as
    edits, cached per commit (history.py).
    """
    return (history or History(root)).deleted()


def _parent_with(root: Path, commit: str, path: str) -> str:
    """The parent of `commit` that still has `path`, as `abc123^` (`abc123^2` for the second
    parent of a merge): where to restore it from."""
    parents = (run_git(root, "rev-list", "--parents", "-n", "1", commit) or "").split()[1:]
    for number, parent in enumerate(parents, 1):
        if run_git(root, "cat-file", "-e", f"{parent}:{path}") is not None:
            return f"{commit[:12]}^{number if number > 1 else ''}"
    return f"{commit[:12]}^"

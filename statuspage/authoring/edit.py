"""Write incident files for people: `new` creates one, `update` appends an update.

Appending edits the text, not a re-dumped YAML tree, so everything already in the file
(comments, key order, quoting) stays byte for byte. Each result is checked with the loader
before it is written, and written atomically.
"""

from __future__ import annotations

import difflib
import os
import re
import stat
import tempfile
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from pathlib import Path

import yaml

from statuspage.authoring.scaffold import INCIDENT_SCHEMA, modeline
from statuspage.inputs.clock import isoformat_local
from statuspage.inputs.diagnostics import InputError, Problems, StatuspageError
from statuspage.inputs.load import (
    INCIDENT_SUFFIXES,
    INCIDENTS_DIR,
    check_clock,
    parse_incident,
    read_config,
)
from statuspage.inputs.model import Config, Incident, Kind, Window
from statuspage.inputs.regular import refusal
from statuspage.inputs.yamlmarks import YamlFile, is_slug, read_limited


@dataclass(frozen=True, slots=True, kw_only=True)
class NewUpdate:
    """What `statuspage update` (and `new`) writes as one update."""

    status: str
    message: str
    components: Sequence[tuple[str, str]] = ()
    next_update: str | None = None
    window: Window | None = None
    deliver_notifications: bool = True


def slugify(title: str) -> str:
    """`Checkout errors (EU)` → `checkout-errors-eu`; empty for titles with no Latin letters."""
    ascii_title = unicodedata.normalize("NFKD", title).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]+", "-", ascii_title.lower()).strip("-")[:60].strip("-")


def new_incident(
    root: Path,
    title: str,
    *,
    now: datetime,
    kind: Kind = Kind.INCIDENT,
    impact: str | None = None,
    components: Sequence[tuple[str, str]] = (),
    first: NewUpdate,
    window: Window | None = None,
    incident_id: str | None = None,
    started: datetime | None = None,
) -> Path:
    """Write `incidents/<date>-<slug>.yaml` and return its path; never overwrites."""
    config = read_config(root)
    if incident_id is None:
        slug = slugify(title) or kind.value
        incident_id = f"{now.astimezone(config.zone).date().isoformat()}-{slug}"
    if not is_slug(incident_id):
        raise StatuspageError(f"{incident_id!r} is not a valid id (use a-z, 0-9 and -)")
    folder = incidents_folder(root)
    for suffix in INCIDENT_SUFFIXES:
        existing = folder / f"{incident_id}{suffix}"
        if existing.exists():
            raise StatuspageError(
                f"{existing.relative_to(root).as_posix()} already exists; "
                "choose another title or pass --id"
            )
    lines = [f"title: {_quote(title)}"]
    if kind is Kind.MAINTENANCE:
        lines.append("type: maintenance")
    if impact is not None:
        lines.append(f"impact: {impact}")
    if started is not None:
        lines.append(f"started: {isoformat_local(started, config.zone)}")
    if window is not None:
        lines += _window_lines(window, config, indent="")
    if components:
        lines.append("components:")
        lines += [f"  {component}: {state}" for component, state in components]
    lines.append("updates:")
    lines += _update_lines(first, now, config, indent="  ")
    path = folder / f"{incident_id}.yaml"
    text = modeline(path, root, INCIDENT_SCHEMA) + "\n".join(lines) + "\n"
    _check(root, path, incident_id, text, config, now)
    folder.mkdir(parents=True, exist_ok=True)
    _write_atomic(path, text)
    return path


def incidents_folder(root: Path) -> Path:
    """`root/incidents`, refused if it is a link (writing through it would write outside
    the site) or anything but a folder; it may not exist yet."""
    folder = root / INCIDENTS_DIR
    try:
        mode = os.lstat(folder).st_mode
    except FileNotFoundError:
        return folder
    if not stat.S_ISDIR(mode):
        raise StatuspageError(f"{INCIDENTS_DIR}: {refusal(folder, mode)}")
    return folder


_DATED = re.compile(r"\d{4}-\d{2}-\d{2}-(.+)")


def find_incident(root: Path, incident_id: str) -> Path:
    """The file of an incident, given its id (`2026-11-20-checkout-errors`), the path `new`
    printed (`incidents/2026-11-20-checkout-errors.yaml`), or its slug without the date
    (`checkout-errors`) when one incident alone has it."""
    folder = incidents_folder(root)
    given = incident_id
    if incident_id.endswith(INCIDENT_SUFFIXES) or "/" in incident_id or os.sep in incident_id:
        path = Path(incident_id)
        if not path.is_absolute():
            path = Path.cwd() / path
        if path.parent.resolve() != folder.resolve() or path.suffix not in INCIDENT_SUFFIXES:
            raise StatuspageError(f"{given!r} is not a file in {INCIDENTS_DIR}/")
        incident_id = path.stem
    if not is_slug(incident_id):
        raise StatuspageError(f"{given!r} is not a valid id (use a-z, 0-9 and -)")
    for suffix in INCIDENT_SUFFIXES:
        path = folder / f"{incident_id}{suffix}"
        if path.is_file():
            return path
    known = sorted(p.stem for p in folder.glob("*.y*ml")) if folder.is_dir() else []
    dated = [stem for stem in known if (m := _DATED.fullmatch(stem)) and m[1] == incident_id]
    if len(dated) == 1:
        return find_incident(root, dated[0])
    if dated:
        raise StatuspageError(
            f"{incident_id!r} is the slug of several incidents; give the whole id: "
            + ", ".join(dated)
        )
    close = difflib.get_close_matches(incident_id, known, n=1, cutoff=0.5)
    hint = f"; did you mean {close[0]!r}?" if close else ""
    raise StatuspageError(f"no incident {incident_id!r} in {INCIDENTS_DIR}/{hint}")


def append_update(root: Path, incident_id: str, update: NewUpdate, *, now: datetime) -> Path:
    """Append `update` at the end of the incident's `updates:` list, keeping every byte before."""
    config = read_config(root)
    path = find_incident(root, incident_id)
    incident_id = path.stem  # given as a path or a slug without its date
    shown = path.relative_to(root).as_posix()
    _check_text(update.message, "--message")
    problems = Problems()
    source = YamlFile(shown, problems)
    data = read_limited(path, source)
    before = None if data is None else parse_incident(shown, incident_id, data, config, problems)
    if data is None or before is None:
        raise InputError(problems.errors)
    text = data.decode("utf-8")
    offset, dash_indent = _append_point(text, shown)
    block = "\n".join(_update_lines(update, now, config, indent=" " * dash_indent)) + "\n"
    if offset > 0 and text[offset - 1] != "\n":
        block = "\n" + block
    new_text = text[:offset] + block + text[offset:]
    after = _check(root, path, incident_id, new_text, config, now)
    # The new text adds one update, with the message as given, and changes nothing else.
    if (
        after is None
        or after.updates[:-1] != before.updates
        or after.updates[-1].message.default != update.message
        or replace(after, updates=before.updates) != before
    ):
        raise StatuspageError(
            f"{shown}: the update would not read back as written; nothing was changed"
        )
    _write_atomic(path, new_text)
    return path


def _check_text(value: str, option: str) -> None:
    """Text from the command line: valid Unicode (not bytes that were not UTF-8)."""
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        raise StatuspageError(f"{option}: the text is not valid UTF-8") from None


def _append_point(text: str, shown: str) -> tuple[int, int]:
    """Where a new update goes (just after the last one's content) and its dash's column."""
    root = yaml.compose(text, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))
    assert isinstance(root, yaml.MappingNode)  # the file was just loaded without errors
    updates = next(value for key, value in root.value if key.value == "updates")
    if updates.flow_style or not updates.value:
        raise StatuspageError(
            f"{shown}: `updates:` is written in flow style [...]; "
            "write it as a block list to use `statuspage update`"
        )
    last_item = updates.value[-1]
    line_start = text.rfind("\n", 0, last_item.start_mark.index) + 1
    prefix = text[line_start : last_item.start_mark.index]
    match = re.fullmatch(r"( *)- +", prefix)
    if match is None:
        raise StatuspageError(
            f"{shown}: the last update is not written as `- at: ...` on its own line; "
            "edit the file by hand"
        )
    node = last_item
    while isinstance(node, yaml.MappingNode | yaml.SequenceNode) and not node.flow_style:
        node = node.value[-1][1] if isinstance(node, yaml.MappingNode) else node.value[-1]
    end = node.end_mark.index
    if (
        not (node.style == "|" or node.style == ">")
        or "+" not in text[node.start_mark.index : text.find("\n", node.start_mark.index)]
    ):
        while end > 0 and text[end - 1] in " \t\r\n":
            end -= 1
    newline = text.find("\n", end)
    return (len(text) if newline == -1 else newline + 1), len(match.group(1))


def _update_lines(update: NewUpdate, now: datetime, config: Config, *, indent: str) -> list[str]:
    inner = indent + "  "
    lines = [
        f"{indent}- at: {isoformat_local(now, config.zone)}",
        f"{inner}status: {update.status}",
    ]
    lines += _text_lines("message", update.message, inner)
    if update.next_update:
        lines.append(f"{inner}next_update: {update.next_update}")
    if update.components:
        lines.append(f"{inner}components:")
        lines += [f"{inner}  {component}: {state}" for component, state in update.components]
    if update.window is not None:
        lines += _window_lines(update.window, config, indent=inner)
    if not update.deliver_notifications:
        lines.append(f"{inner}deliver_notifications: false")
    return lines


def _window_lines(window: Window, config: Config, *, indent: str) -> list[str]:
    return [
        f"{indent}window:",
        f"{indent}  start: {isoformat_local(window.start, config.zone)}",
        f"{indent}  end: {isoformat_local(window.end, config.zone)}",
    ]


def _text_lines(key: str, value: str, indent: str) -> list[str]:
    """A literal block for multi-line text (readable in review), else a quoted string; either
    reads back as exactly `value`, whatever it holds (a bare CR, NEL, U+2028 and control
    characters are line breaks or errors in YAML: they go in quotes, escaped)."""
    body = value.removesuffix("\n")  # clip (`|`) keeps one final line break, strip (`|-`) none
    lines = body.split("\n")
    if (
        len(lines) > 1
        and _BLOCK_SAFE.fullmatch(value)
        and not value.endswith("\n\n")
        and not body[:1].isspace()
        and all(line == line.rstrip() for line in lines)
    ):
        header = "|" if value.endswith("\n") else "|-"
        return [f"{indent}{key}: {header}"] + [
            f"{indent}  {line}" if line else "" for line in lines
        ]
    return [f"{indent}{key}: {_quote(value)}"]


# What a literal block holds as it is: printable characters (YAML 1.1) and LF, without the
# other characters YAML reads as line breaks (CR, NEL, U+2028, U+2029), tabs or a BOM.
_BLOCK_SAFE = re.compile(
    "[\n\x20-\x7e\xa0-\u2027\u202a-\ud7ff\ue000-\ufefe\uff00-\ufffd\U00010000-\U0010ffff]*"
)
# What a double-quoted scalar must escape: the quote, the backslash and everything else.
_QUOTE_ESCAPE = re.compile(
    '["\\\\]|[^\x20-\x7e\xa0-\u2027\u202a-\ud7ff\ue000-\ufefe\uff00-\ufffd\U00010000-\U0010ffff]'
)
_NAMED_ESCAPES = {"\n": "\\n", "\t": "\\t", "\r": "\\r", "\0": "\\0", '"': '\\"', "\\": "\\\\"}


def _quote(value: str) -> str:
    """A YAML double-quoted scalar that reads back as exactly `value`."""

    def escape(match: re.Match[str]) -> str:
        char = match.group()
        code = ord(char)
        named = _NAMED_ESCAPES.get(char)
        if named is not None:
            return named
        return (
            f"\\x{code:02x}"
            if code <= 0xFF
            else f"\\u{code:04x}"
            if code <= 0xFFFF
            else f"\\U{code:08x}"
        )

    return '"' + _QUOTE_ESCAPE.sub(escape, value) + '"'


def _check(
    root: Path, path: Path, incident_id: str, text: str, config: Config, now: datetime
) -> Incident | None:
    problems = Problems()
    shown = path.relative_to(root).as_posix()
    incident = parse_incident(shown, incident_id, text.encode("utf-8"), config, problems)
    if incident is not None:
        check_clock(incident, config, now, problems)
    if problems.errors:
        raise InputError(problems.errors)
    return incident


def _write_atomic(path: Path, text: str) -> None:
    """Write `path` whole or not at all; a file system that refuses is one clear error."""
    try:
        _replace(path, text)
    except OSError as exc:
        message = f"cannot write {path}: {exc.strerror or exc}; nothing was changed"
        raise StatuspageError(message) from exc


def _replace(path: Path, text: str) -> None:
    fd, temporary = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="") as handle:
            handle.write(text)
            handle.flush()
            os.fsync(handle.fileno())
        if path.exists():
            os.chmod(temporary, path.stat().st_mode & 0o777)
        else:
            os.chmod(temporary, 0o644)
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise

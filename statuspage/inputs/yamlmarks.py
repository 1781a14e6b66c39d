"""Read YAML into nodes that remember where they stand, and turn nodes into typed values.

PyYAML only marks syntax errors. Composing to nodes (with libyaml's C parser where present)
keeps every key's and value's line and column, so semantic errors can name them too. Values are
built from nodes by hand, which also sidesteps YAML 1.1's traps: `no` is never silently False
where text is expected, and aliases are refused before they can expand into a bomb.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

import yaml

from statuspage.inputs.diagnostics import Problems
from statuspage.inputs.regular import NotRegularError, read_regular

# The base loaders compose nodes without resolving plain scalars' types (they stay text):
# resolving every scalar up front costs a third of the load time, and only the few values read
# as text, numbers or booleans need it, which `scalar_tag` does on demand.
try:
    from yaml import CBaseLoader as _BaseLoader
except ImportError:  # pragma: no cover - libyaml missing: same results, slower
    from yaml import BaseLoader as _BaseLoader  # type: ignore[assignment]

_DEFAULT_TAGS: dict[type, str] = {
    yaml.ScalarNode: "tag:yaml.org,2002:str",
    yaml.SequenceNode: "tag:yaml.org,2002:seq",
    yaml.MappingNode: "tag:yaml.org,2002:map",
}


class _Loader(_BaseLoader):
    def resolve(self, kind: type, value: object, implicit: object) -> str:
        """The parser asks this for every untagged node: one dict look-up, nothing more."""
        return _DEFAULT_TAGS[kind]


MAX_FILE_BYTES = 2_000_000
MAX_TEXT_CHARS = 100_000
# Times and durations a status page can mean; beyond them, date arithmetic would overflow.
MIN_YEAR, MAX_YEAR = 1970, 2999
YEARS = f"times must fall between the years {MIN_YEAR} and {MAX_YEAR}"
MAX_DURATION = timedelta(days=30)

_TAG_NAMES = {
    "tag:yaml.org,2002:bool": "a boolean",
    "tag:yaml.org,2002:int": "a number",
    "tag:yaml.org,2002:float": "a number",
    "tag:yaml.org,2002:null": "empty (null)",
    "tag:yaml.org,2002:timestamp": "a date",
}
_STR_TAG = "tag:yaml.org,2002:str"
_IMPLICIT = yaml.resolver.Resolver.yaml_implicit_resolvers


def scalar_tag(node: yaml.Node) -> str:
    """The YAML 1.1 tag a scalar has: a plain `no` is a boolean, `2026-11-20` a date, ..."""
    if not isinstance(node, yaml.ScalarNode):
        return str(node.tag)
    if not node.style and node.tag == _STR_TAG:  # plain (libyaml says "", PyYAML None)
        value = str(node.value)
        for tag, pattern in _IMPLICIT.get(value[:1] or None, ()):
            if pattern.match(value):
                return str(tag)
    return str(node.tag)


@dataclass(frozen=True, slots=True)
class Where:
    """A place in a file, 1-based as editors count."""

    line: int
    column: int

    @classmethod
    def of(cls, node: yaml.Node) -> Where:
        return cls(node.start_mark.line + 1, node.start_mark.column + 1)


class YamlFile:
    """One input file: its display path, and the problems found in it."""

    def __init__(self, path: str, problems: Problems) -> None:
        self.path = path
        self.problems = problems
        self.failed = False

    def error(self, at: yaml.Node | Where | None, message: str) -> None:
        where = Where.of(at) if isinstance(at, yaml.Node) else at or Where(1, 1)
        self.problems.error(self.path, where.line, where.column, message)
        self.failed = True

    def warning(self, at: yaml.Node | Where | None, message: str) -> None:
        where = Where.of(at) if isinstance(at, yaml.Node) else at or Where(1, 1)
        self.problems.warning(self.path, where.line, where.column, message)

    # -- parsing -------------------------------------------------------------------------

    def compose(self, data: bytes) -> yaml.Node | None:
        """Parse bytes into a node tree, reporting size, encoding and syntax errors."""
        if len(data) > MAX_FILE_BYTES:
            self.error(None, too_large(len(data)))
            return None
        try:
            text = data.decode("utf-8")
        except UnicodeDecodeError as exc:
            before = data[: exc.start]
            line = before.count(b"\n") + 1
            column = len(before) - (before.rfind(b"\n") + 1) + 1
            self.error(
                Where(line, column),
                f"the file is not valid UTF-8 (byte 0x{data[exc.start]:02x}); save it as UTF-8",
            )
            return None
        text = text.removeprefix("\ufeff")
        deep = too_deep(text)
        if deep is not None:  # libyaml's composer recurses: it would crash, not fail
            self.error(
                deep, f"lists or mappings nested more than {MAX_DEPTH} deep; write it flatter"
            )
            return None
        try:
            node = yaml.compose(text, Loader=_Loader)
        except yaml.MarkedYAMLError as exc:
            self.error(_mark_of(exc), _syntax_message(exc, text))
            return None
        except yaml.YAMLError as exc:  # pragma: no cover - errors without a mark
            self.error(None, f"YAML error: {exc}")
            return None
        if node is None:
            self.error(None, "the file is empty")
            return None
        if "&" in text and _ANCHOR.search(text) and _has_alias(node):
            self.error(
                _first_alias_mark(text),
                "YAML aliases (*name) are not allowed; write the value out in full",
            )
            return None
        return node

    # -- typed values --------------------------------------------------------------------

    def mapping(
        self,
        node: yaml.Node,
        field: str,
        *,
        allowed: Sequence[str],
        required: Sequence[str] = (),
    ) -> dict[str, tuple[yaml.Node, yaml.Node]] | None:
        """Keys to (key node, value node); reports unknown, duplicate and missing keys."""
        if not isinstance(node, yaml.MappingNode):
            self.error(node, f"{_label(field)}expected a mapping (key: value), got {_kind(node)}")
            return None
        found: dict[str, tuple[yaml.Node, yaml.Node]] = {}
        suggested: set[str] = set()
        for key_node, value_node in node.value:
            if not isinstance(key_node, yaml.ScalarNode):
                self.error(key_node, f"{_label(field)}keys must be plain words")
                continue
            key = str(key_node.value)
            if key in found:
                first = Where.of(found[key][0])
                self.error(
                    key_node,
                    f"{_dotted(field, key)}: duplicate key (first at line {first.line})",
                )
                continue
            if key not in allowed:
                close = difflib.get_close_matches(key, allowed, n=1, cutoff=0.6)
                suggested.update(close)
                hint = (
                    f"; did you mean '{close[0]}'?"
                    if close
                    else f" (allowed: {', '.join(allowed)})"
                )
                self.error(key_node, f"{_label(field)}unknown key '{key}'{hint}")
                continue
            found[key] = (key_node, value_node)
        for key in required:
            if key not in found and key not in suggested:  # a misspelt key says it already
                self.error(node, f"{_dotted(field, key)}: required key is missing")
        return found

    def sequence(self, node: yaml.Node, field: str) -> list[yaml.Node] | None:
        if not isinstance(node, yaml.SequenceNode):
            self.error(node, f"{field}: expected a list, got {_kind(node)}")
            return None
        return list(node.value)

    def text(self, node: yaml.Node, field: str, *, max_chars: int = MAX_TEXT_CHARS) -> str | None:
        """A string; a scalar YAML would read as something else must be quoted."""
        if not isinstance(node, yaml.ScalarNode):
            self.error(node, f"{field}: expected text, got {_kind(node)}")
            return None
        tag = scalar_tag(node)
        if tag != _STR_TAG:
            kind = _TAG_NAMES.get(tag, "not text")
            self.error(
                node,
                f"{field}: {node.value!r} is read by YAML as {kind}, not text; "
                f'put it in quotes: "{node.value}"',
            )
            return None
        value = str(node.value)
        if len(value) > max_chars:
            self.error(
                node,
                f"{field}: text is too long ({len(value):,} characters; at most {max_chars:,})",
            )
            return None
        control = _CONTROL.search(value)
        if control is not None:
            self.error(
                node,
                f"{field}: contains the control character U+{ord(control.group()):04X}, "
                "which feeds, e-mail and XML cannot carry; remove it",
            )
            return None
        return value

    def nonempty_text(self, node: yaml.Node, field: str) -> str | None:
        value = self.text(node, field)
        if value is not None and not value.strip():
            self.error(node, f"{field}: must not be empty")
            return None
        return value

    def line(self, node: yaml.Node, field: str) -> str | None:
        """One line of text, for values that can reach an e-mail header or a CI annotation
        (titles, names, addresses, URLs): a line break there could add a header of its own."""
        value = self.nonempty_text(node, field)
        if value is None:
            return None
        found = _NOT_ONE_LINE.search(value)
        if found is not None:
            code = f"U+{ord(found.group()):04X}"
            if found.group() in _BREAKS:
                problem = (
                    f"a line break ({code}); it must be one line, as it can reach e-mail headers"
                )
            elif found.group() == "\t":
                problem = f"a tab ({code}), which an e-mail header cannot carry; use a space"
            else:
                problem = f"a control character ({code}), which an e-mail header cannot carry"
            self.error(node, f"{field}: contains {problem}")
            return None
        return value

    def choice(self, node: yaml.Node, field: str, allowed: Sequence[str]) -> str | None:
        if not isinstance(node, yaml.ScalarNode):
            shown = node.value if isinstance(node, yaml.ScalarNode) else _kind(node)
            self.error(node, f"{field}: {shown!r} is not one of {', '.join(allowed)}")
            return None
        value = str(node.value)
        if value not in allowed:
            self.error(node, f"{field}: {value!r} is not one of {', '.join(allowed)}")
            return None
        return value

    def boolean(self, node: yaml.Node, field: str) -> bool | None:
        if isinstance(node, yaml.ScalarNode) and scalar_tag(node) == "tag:yaml.org,2002:bool":
            return str(node.value).lower() in ("true", "yes", "on", "y")
        self.error(node, f"{field}: expected true or false, got {_shown(node)}")
        return None

    def integer(
        self, node: yaml.Node, field: str, *, minimum: int = 0, maximum: int | None = None
    ) -> int | None:
        if isinstance(node, yaml.ScalarNode) and scalar_tag(node) == "tag:yaml.org,2002:int":
            try:
                value = int(str(node.value).replace("_", ""), 10)
            except ValueError:
                value = None
            if value is not None and value >= minimum and (maximum is None or value <= maximum):
                return value
        wanted = f"of at least {minimum:,}" if maximum is None else f"from {minimum} to {maximum:,}"
        self.error(node, f"{field}: expected a whole number {wanted}, got {_shown(node)}")
        return None

    def slug(self, node: yaml.Node, field: str) -> str | None:
        value = self.text(node, field)
        if value is not None and not is_slug(value):
            self.error(node, f"{field}: {value!r} is not a valid id (use a-z, 0-9 and -)")
            return None
        return value

    def duration(
        self, node: yaml.Node, field: str, *, maximum: timedelta = MAX_DURATION
    ) -> timedelta | None:
        """A duration like 30m, of at most `maximum`."""
        raw = str(node.value) if isinstance(node, yaml.ScalarNode) else ""
        value = parse_duration(raw)
        if value is None:
            self.error(
                node, f"{field}: {raw or _kind(node)!r} is not a duration like 30m, 2h or 1h30m"
            )
        elif value > maximum:
            self.error(node, f"{field}: {raw.strip()!r} is too long; at most {maximum.days} days")
            return None
        return value

    def timestamp(self, node: yaml.Node, field: str) -> datetime | None:
        """A naive or aware datetime, as written; the caller applies the site time zone."""
        if not isinstance(node, yaml.ScalarNode):  # any scalar: the pattern below decides
            self.error(
                node,
                f"{field}: expected a date and time like 2026-11-20T14:02:00+01:00, "
                f"got {_shown(node)}",
            )
            return None
        raw = str(node.value).strip()
        if not _DATETIME.match(raw):
            self.error(
                node,
                f"{field}: {raw!r} is not a date and time like 2026-11-20T14:02:00+01:00 "
                "(a time of day is required)",
            )
            return None
        try:
            moment = datetime.fromisoformat(raw.replace("z", "Z"))
        except ValueError as exc:
            reason = "the offset must be less than 24 hours" if "offset" in str(exc) else exc
            self.error(node, f"{field}: {raw!r} is not a valid date and time ({reason})")
            return None
        if not MIN_YEAR <= moment.year <= MAX_YEAR:
            self.error(node, f"{field}: {raw!r} is out of range; {YEARS}")
            return None
        return moment


# An alias needs an anchor (`&name`) before it; files without one need no walk for aliases.
_ANCHOR = re.compile(r"(?:^|[\s\[{,:-])&[^\s]", re.MULTILINE)
# Characters XML 1.0 (feeds, calendars) forbids; YAML lets them in through escapes like "\x01".
_CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ufffe\uffff]")
# What a one-line value must not hold: any C0 or C1 control character (tab and line
# breaks included) and the Unicode line and paragraph separators.
_NOT_ONE_LINE = re.compile("[\x00-\x1f\x7f-\x9f\u2028\u2029]")
_BREAKS = "\n\r\x0b\x0c\x1c\x1d\x1e\x85\u2028\u2029"
_SLUG = re.compile(r"[a-z0-9]+(?:-[a-z0-9]+)*")
_DATETIME = re.compile(
    r"\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(?::\d{2}(?:\.\d{1,6})?)?"
    r"(?:Z|z|[+-]\d{2}:?\d{2})?$"
)
_DURATION = re.compile(r"(?:(\d+)\s*d)?\s*(?:(\d+)\s*h)?\s*(?:(\d+)\s*m(?:in)?)?")


MAX_DEPTH = 64  # lists and mappings inside each other; an incident file needs four
# A line opening a block collection in each of many `- ` (or `? `, `: `) in a row; searched
# for in "\n" + text (a pattern that starts with a plain character is found faster than `^`).
_DEEP_BLOCK = re.compile(rf"\n[ \t]*(?:[-?:][ \t]+){{{MAX_DEPTH}}}")


def too_deep(text: str) -> Where | None:
    """Where `text` nests brackets (`[`, `{`) or `- ` items on a line more than MAX_DEPTH
    deep, else None; linear in the text. It never counts fewer brackets than YAML reads
    (it may count more); YAML's depth is at most twice that (`[a: b]` holds a mapping)
    plus the indentation's.

    YAML's composers recurse once per level (libyaml's in C: a deep enough file ends the
    process), and its scanners take time quadratic in the depth of `[[[[…`, so depth is
    measured before YAML sees the text. Indentation alone cannot nest deep enough to
    matter within MAX_FILE_BYTES; `- - - …` on a line and flow `[`/`{` can.
    """
    block = _DEEP_BLOCK.search("\n" + text)
    if block is not None:
        return _where(text, block.end() - 2)
    if text.count("[") + text.count("{") <= MAX_DEPTH:
        return None
    return _deep_flow(text)


def _deep_flow(text: str) -> Where | None:
    """The first place flow collections (`[`, `{`) nest deeper than MAX_DEPTH. A quote
    opens a string only where a value starts, as in YAML; in block context a string ends
    with its line here (so what follows is looked at, never skipped)."""
    depth = 0
    quote = ""
    start = True  # where a value can start: a quote or a bracket opens something there
    comment = False
    index, length = 0, len(text)
    while index < length:
        char = text[index]
        if comment:
            comment = char != "\n"
        elif quote:
            if char == "\\" and quote == '"':
                index += 1
            elif char == quote:
                if quote == "'" and text[index + 1 : index + 2] == "'":
                    index += 1
                else:
                    quote, start = "", False
            elif char == "\n" and depth == 0:
                quote, start = "", True
        elif char in "[{" and (start or depth > 0):
            depth += 1
            if depth > MAX_DEPTH:
                return _where(text, index)
            start = True
        elif char in "]}" and depth > 0:
            depth -= 1
            start = False
        elif char in "'\"" and start:
            quote = char
        elif char == "#" and (index == 0 or text[index - 1] in " \t\n"):
            comment = True
        elif char == "\n":
            start = start or depth == 0
        elif char == "," and depth > 0:
            start = True
        elif char in ":-?":  # an indicator before a space; else the start of a plain scalar
            start = text[index + 1 : index + 2] in (" ", "\t", "\r", "\n", "")
        elif char not in " \t\r":
            start = False
        index += 1
    return None


def _where(text: str, index: int) -> Where:
    line_start = text.rfind("\n", 0, index) + 1
    return Where(text.count("\n", 0, index) + 1, index - line_start + 1)


def too_large(size: int) -> str:
    return f"file is too large ({size:,} bytes; the limit is {MAX_FILE_BYTES:,})"


def read_limited(path: Path, source: YamlFile) -> bytes | None:
    """A regular file's bytes, unless it is too large to be an incident (then it is not
    read), a link or a special file (never followed or opened), or cannot be read."""
    try:
        data = read_regular(path, limit=MAX_FILE_BYTES)
    except NotRegularError as exc:
        source.error(None, exc.reason)
        return None
    except OSError as exc:
        source.error(None, unreadable(exc))
        return None
    if len(data) > MAX_FILE_BYTES:
        source.error(None, too_large(max(len(data), path.stat().st_size)))
        return None
    return data


def unreadable(exc: OSError) -> str:
    """The message for a file that is there but cannot be read."""
    return f"cannot be read: {exc.strerror or exc}"


def is_slug(value: str) -> bool:
    return bool(_SLUG.fullmatch(value))


def parse_duration(raw: str) -> timedelta | None:
    """`30m`, `2h`, `1h30m`, `1d`; None when it is not one."""
    match = _DURATION.fullmatch(raw.strip())
    if not raw.strip() or not match or not any(match.groups()):
        return None
    days, hours, minutes = (int(g) if g else 0 for g in match.groups())
    try:
        value = timedelta(days=days, hours=hours, minutes=minutes)
    except OverflowError:  # longer than any timedelta: too long for anything
        return timedelta.max
    return value if value > timedelta(0) else None


def format_duration(value: timedelta) -> str:
    """A duration as `parse_duration` reads it: `1d`, `2h`, `1h30m`."""
    minutes = int(value.total_seconds() // 60)
    days, rest = divmod(minutes, 24 * 60)
    hours, minutes = divmod(rest, 60)
    parts = [(days, "d"), (hours, "h"), (minutes, "m")]
    return "".join(f"{n}{unit}" for n, unit in parts if n) or "0m"


def _label(field: str) -> str:
    return f"{field}: " if field else ""


def _dotted(field: str, key: str) -> str:
    return f"{field}.{key}" if field else key


def _kind(node: yaml.Node) -> str:
    if isinstance(node, yaml.MappingNode):
        return "a mapping"
    if isinstance(node, yaml.SequenceNode):
        return "a list"
    return _TAG_NAMES.get(scalar_tag(node), "text")


def _shown(node: yaml.Node) -> str:
    if isinstance(node, yaml.ScalarNode):
        return repr(node.value)
    return _kind(node)


def _mark_of(exc: yaml.MarkedYAMLError) -> Where:
    mark = exc.problem_mark or exc.context_mark
    if mark is None:  # pragma: no cover
        return Where(1, 1)
    return Where(mark.line + 1, mark.column + 1)


def _syntax_message(exc: yaml.MarkedYAMLError, text: str) -> str:
    problem = exc.problem or "invalid YAML"
    mark = exc.problem_mark
    if mark is not None and text[mark.index : mark.index + 1] == "\t":
        return "YAML syntax: a tab character is not allowed here; indent with spaces"
    parts = [p for p in (exc.context, problem) if p]
    if exc.context_mark is not None and exc.problem_mark is not None and exc.context:
        parts[0] = f"{exc.context} (line {exc.context_mark.line + 1})"
    return "YAML syntax: " + ", ".join(parts)


def _has_alias(root: yaml.Node) -> bool:
    """True if a node object appears twice, which is what an alias composes to.

    Stops at the first repeat, so an alias bomb is refused before anything expands.
    """
    seen: set[int] = set()
    stack = [root]
    while stack:
        node = stack.pop()
        if id(node) in seen:
            return True
        seen.add(id(node))
        if isinstance(node, yaml.MappingNode):
            for key, value in node.value:
                stack += (key, value)
        elif isinstance(node, yaml.SequenceNode):
            stack.extend(node.value)
    return False


def _first_alias_mark(text: str) -> Where:
    """Where the first `*alias` is written (nodes only know where their anchor is)."""
    for event in yaml.parse(text, Loader=_Loader):
        if isinstance(event, yaml.AliasEvent) and event.start_mark is not None:
            return Where(event.start_mark.line + 1, event.start_mark.column + 1)
    return Where(1, 1)  # pragma: no cover - only called when there is an alias

"""Edits of published updates, found in git history (design §4: edits are visible).

An update is published by the first commit that holds it (its place in its file's `updates`
list). Any later commit that changes its `at`, `status`, `message` or `components` is an
edit: the page shows "edited" with the time of that commit and the earlier wording. A change
in the working tree that is not committed yet counts too, at the build clock.

The walk covers every commit reachable from HEAD, oldest first (parents before children),
follows renames, and looks at merge commits against each parent, so a text changed while
resolving a merge is found as well, and so is a file a merge dropped. Each change is compared
with the version in its own parent commit (never with the version walked last: on branching
histories that invents edits), and the same change seen twice (on a branch, then in its
merge) is one edit, at the earlier commit. What it learns is kept
per commit walked, as JSON (never pickle: design §9), in `.statuspage/cache/`: a later build
walks only the new commits, and a build at the same HEAD reads one small file. A cache that
fails its checks is ignored. Deleted incident files come from the same walk.

Without history (a tarball, a shallow clone) edits cannot be checked; `History.note` says so.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import logging
import os
import re
import subprocess
import tempfile
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import yaml

from statuspage.inputs.clock import LocalTimeError, to_utc
from statuspage.inputs.model import ComponentStatus, Config, Edit, Incident, Text, Update
from statuspage.inputs.model import UpdateStatus as Status
from statuspage.inputs.regular import read_regular
from statuspage.inputs.yamlmarks import MAX_FILE_BYTES, too_deep

log = logging.getLogger(__name__)

CACHE_DIR = ".statuspage/cache"
FORMAT = 4  # bump when what the cache files hold changes shape
STATE_FILE = "history-state.json"  # what the walk learned, to go on from
EDITS_FILE = "history-edits.json"  # the edits as of one HEAD
MAX_CACHE_BYTES = 1 << 30  # a larger cache file is not one of ours: walked again
INCIDENTS = "incidents"
SUFFIXES = (".yaml", ".yml")
FIELDS = ("at", "status", "message", "components")  # an update's published content

# Raw published content of one update: the FIELDS as YAML gives them, made JSON-safe.
Raw = dict[str, Any]
# path -> update index -> [(edit time, commit, typo fix, the content before), ...]
Found = dict[str, dict[int, list[tuple[int, str, bool, Raw]]]]

_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


# What the walk keeps of one version of an update: a digest of its content, whether it says
# `deliver_notifications: false`, a digest of its time, status and components, and a digest
# of its message per language ("" for plain text).
Mark = tuple[str, bool, str, dict[str, str]]


def _digest(value: Any) -> str:
    text = json.dumps(value, sort_keys=True, ensure_ascii=False)
    return hashlib.blake2b(text.encode("utf-8"), digest_size=8).hexdigest()


def _edited(old: Sequence[Any], new: Sequence[Any]) -> bool:
    """Whether `new` (a Mark) changes what `old` (a Mark, or a state entry) said. Adding a
    translation does not: every text said before must still be there."""
    (old_key, old_rest, old_texts), (new_key, new_rest, new_texts) = (
        (old[0], old[-2], old[-1]),
        (new[0], new[-2], new[-1]),
    )
    if old_key == new_key:
        return False
    if old_rest != new_rest:
        return True
    if set(old_texts) == {""} and "" not in new_texts:  # plain text, now in several languages
        return old_texts[""] not in new_texts.values()
    return any(new_texts.get(language) != text for language, text in old_texts.items())


def _updates(
    data: bytes, memo: dict[bytes, tuple[Mark, Raw]] | None = None
) -> list[tuple[Mark, Raw]] | None:
    """Each update of one version of a file: its Mark and its content; None if the file
    cannot be read.

    A long history holds tens of thousands of versions, most of them the one before with an
    update appended: each update's text (its item of the `updates` list, as written) is
    read once and remembered in `memo`. A file laid out otherwise is read whole."""
    if len(data) > MAX_FILE_BYTES:
        return None  # the loader refuses it too
    if too_deep(data.decode("utf-8", "replace")) is not None:
        return None  # libyaml's composer would recurse until the process crashed
    split = _segments(data)
    if split is not None:
        rest, segments = split
        if not _readable_rest(rest, memo):
            return None  # what surrounds the updates is broken: so is the file
        found = []
        for segment in segments:
            key = hashlib.blake2b(segment, digest_size=16).digest()
            known = memo.get(key) if memo is not None else None
            if known is None:
                known = _segment_update(segment)
                if known is None:
                    break  # not readable alone (an alias, an odd layout): read it whole
                if memo is not None:
                    memo[key] = known
            found.append(known)
        else:
            return found
    try:
        root = yaml.compose(data, Loader=_LOADER)
        document = _node_value(root) if root is not None else None
    except (yaml.YAMLError, ValueError, RecursionError):
        return None
    if not isinstance(document, dict) or not isinstance(document.get("updates"), list):
        return None
    return [_item(item) for item in document["updates"]]


_UPDATES_KEY = re.compile(rb"updates:[ \t]*(#.*)?")


def _readable_rest(rest: bytes, memo: dict[bytes, tuple[Mark, Raw]] | None) -> bool:
    """Whether the file without its updates reads as a mapping, without aliases."""
    key = b"rest:" + hashlib.blake2b(rest, digest_size=16).digest()
    if memo is not None and key in memo:
        return True
    try:
        root = yaml.compose(rest, Loader=_LOADER)
        if not isinstance(_node_value(root) if root is not None else None, dict):
            return False
    except (yaml.YAMLError, ValueError, RecursionError):
        return False
    if memo is not None:
        memo[key] = (("", False, "", {}), {})
    return True


def _segments(data: bytes) -> tuple[bytes, list[bytes]] | None:
    """The file without its updates (`updates:` kept, empty), and the text of each item of
    its top-level `updates:` block list; None if the file is not laid out that way (then it
    is read whole)."""
    lines = data.splitlines(keepends=True)
    start = next(
        (i for i, line in enumerate(lines) if _UPDATES_KEY.fullmatch(line.rstrip(b"\r\n"))),
        None,
    )
    if start is None:
        return None
    segments: list[list[bytes]] = []
    indent = -1
    end = len(lines)
    for number, line in enumerate(lines[start + 1 :], start + 1):
        stripped = line.strip()
        if not stripped or stripped.startswith(b"#"):
            if segments:
                segments[-1].append(line)
            continue
        lead = len(line) - len(line.lstrip(b" "))
        if lead == 0 and not line.startswith(b"-"):
            end = number
            break  # the next top-level key
        if line[lead : lead + 1] == b"-" and line[lead + 1 : lead + 2] in (b" ", b"\n", b"\r"):
            if indent not in (-1, lead):
                return None
            indent = lead
            segments.append([line])
        elif not segments or lead <= indent:
            return None
        else:
            segments[-1].append(line)
    if not segments:
        return None
    rest = b"".join([*lines[: start + 1], *lines[end:]])
    return rest, [b"".join(segment) for segment in segments]


def _segment_update(segment: bytes) -> tuple[Mark, Raw] | None:
    """One item of the `updates` list, read alone."""
    try:
        root = yaml.compose(segment, Loader=_LOADER)
        value = _node_value(root) if root is not None else None
    except (yaml.YAMLError, ValueError, RecursionError):
        return None
    if not isinstance(value, list) or len(value) != 1:
        return None
    return _item(value[0])


def _item(item: Any) -> tuple[Mark, Raw]:
    """The Mark and content of one item of the `updates` list."""
    if not isinstance(item, dict):
        item = {}
    content = {key: item.get(key) for key in FIELDS}
    content["at"] = _instant(content["at"])
    message = content["message"]
    if isinstance(message, dict):
        message = {k: v.strip() if isinstance(v, str) else v for k, v in message.items()}
    elif isinstance(message, str):
        message = message.strip()
    content["message"] = message
    texts = message if isinstance(message, dict) else {"": message}
    rest = _digest([content["at"], content["status"], content["components"]])
    deliver = item.get("deliver_notifications")
    mark = (
        _digest(content),
        isinstance(deliver, str) and deliver.lower() in _FALSE,
        rest,
        {language: _digest(text) for language, text in texts.items()},
    )
    return mark, content


_FALSE = ("false", "no", "off")  # YAML 1.1's false, as the loader reads it


def _node_value(node: yaml.Node, seen: set[int] | None = None) -> Any:
    """A node as plain JSON values: scalars stay the text written. A node met twice is an
    alias, which the loader refuses: walking it could take forever (an alias bomb)."""
    seen = set() if seen is None else seen
    if id(node) in seen:
        raise ValueError("a YAML alias")
    seen.add(id(node))
    if isinstance(node, yaml.MappingNode):
        return {str(_node_value(k, seen)): _node_value(v, seen) for k, v in node.value}
    if isinstance(node, yaml.SequenceNode):
        return [_node_value(item, seen) for item in node.value]
    return str(node.value)


def _instant(value: Any) -> Any:
    """A written time as ISO 8601, in UTC when it has an offset (so `14:02+01:00` and
    `13:02Z` are the same time); anything else as written."""
    if not isinstance(value, str):
        return value
    try:
        moment = datetime.fromisoformat(value.strip())
    except ValueError:
        return value
    return moment.astimezone(UTC).isoformat() if moment.tzinfo else moment.isoformat()


@dataclass
class _State:
    """What the walk learned, per incident file: its edits, each an update changed against
    the version in the parent of the commit that changed it: [index of the update, the
    parent's blob, commit, time, typo fix, digest before, digest after].

    In the cache each file's entry is a JSON text of its own, read only when a new commit
    touches the file or it holds an edit: a long history has ten thousand of them."""

    head: str = ""
    files: dict[str, Any] = field(default_factory=dict)  # path → entry, or its JSON text
    edited: set[str] = field(default_factory=set)  # files with an update changed since
    deleted: dict[str, str] = field(default_factory=dict)  # incident file → deleting commit

    def entry(self, path: str) -> dict[str, Any] | None:
        value = self.files.get(path)
        if isinstance(value, str):
            value = json.loads(value)
            if not isinstance(value, dict) or not (
                isinstance(value.get("edits"), list) and isinstance(value.get("unreadable"), dict)
            ):
                raise ValueError("not a history state")
            self.files[path] = value
        return value

    def to_json(self) -> dict[str, Any]:
        files = {
            path: entry if isinstance(entry, str) else json.dumps(entry, separators=(",", ":"))
            for path, entry in self.files.items()
        }
        return {
            "head": self.head,
            "files": files,
            "edited": sorted(self.edited),
            "deleted": self.deleted,
        }

    @classmethod
    def from_json(cls, value: Any) -> _State:
        head, files, edited, deleted = (value[k] for k in ("head", "files", "edited", "deleted"))
        if not isinstance(head, str) or not isinstance(files, dict):
            raise ValueError("not a history state")
        if not isinstance(deleted, dict) or not all(isinstance(c, str) for c in deleted.values()):
            raise ValueError("not a history state")
        if not all(isinstance(entry, str) for entry in files.values()):
            raise ValueError("not a history state")
        if not isinstance(edited, list) or not all(path in files for path in edited):
            raise ValueError("not a history state")
        return cls(head, files, set(edited), deleted)


class History:
    """Finds the edits of published updates in one site's git history (see the module)."""

    def __init__(self, root: Path, *, cache: bool = True) -> None:
        self.root = root
        self.folder = root / CACHE_DIR if cache else None
        self.note: str | None = None  # why edits could not be checked, if they could not
        self._noted = False  # the note is logged once per History
        self._known: tuple[str, Found, dict[str, str]] | None = None  # as of one HEAD
        self._untracked: bool | None = None  # whether git tracks nothing in the cache folder
        # Within `one_build`: git's answers and the deleted files, asked once.
        self._asked: dict[tuple[str, ...], str | None] | None = None
        self._gone: dict[str, str | None] | None = None

    @contextlib.contextmanager
    def one_build(self) -> Iterator[None]:
        """Within the block, each question to git (HEAD, shallow?, the deleted files) is
        asked once: one build takes the checkout to stand still while it runs."""
        self._asked, self._gone = {}, None
        try:
            yield
        finally:
            self._asked, self._gone = None, None

    def _git(self, *args: str) -> str | None:
        if self._asked is None:
            return run_git(self.root, *args)
        if args not in self._asked:
            self._asked[args] = run_git(self.root, *args)
        return self._asked[args]

    def head(self) -> str | None:
        """The commit checked out (`head_commit`)."""
        head = self._git(*_HEAD)
        return head.strip() if head else None

    # ------------------------------------------------------------------ the public part

    def apply(
        self, incidents: Sequence[Incident], config: Config, now: datetime
    ) -> tuple[list[Incident], dict[str, str]]:
        """The incidents with their updates' edits filled in, and a digest of each edited
        incident's edits (by id, to fold into its source digest: its pages' keys)."""
        found = self.find(now)
        if not found:
            return list(incidents), {}
        result, digests = [], {}
        for incident in incidents:
            mine = found.get(incident.path) or found.get(_other_suffix(incident.path))
            if not mine:
                result.append(incident)
                continue
            updates = list(incident.updates)
            for index, edits in sorted(mine.items()):
                if index < len(updates):
                    made = tuple(_edit(updates[index], e, config) for e in edits)
                    updates[index] = replace(updates[index], edits=made)
            digests[incident.id] = hashlib.blake2b(
                json.dumps(sorted(mine.items()), sort_keys=True).encode(), digest_size=16
            ).hexdigest()
            result.append(replace(incident, updates=tuple(updates)))
        return result, digests

    def find(self, now: datetime) -> Found:
        """Every edited update: path → index → its edits, oldest first."""
        where = self._git(*_SHALLOW)
        if where is None:
            self._say("not a git checkout: edits of published updates cannot be checked")
            return {}
        if where.strip() == "true":
            self._say(
                "a shallow clone: edits of published updates cannot be checked; "
                "fetch the whole history (git fetch --unshallow, or fetch-depth: 0 in CI)"
            )
            return {}
        head = self.head()
        if head is None:
            return {}  # nothing committed: nothing published yet
        committed, _ = self._committed(head)
        found = {path: {i: list(e) for i, e in edits.items()} for path, edits in committed.items()}
        self._uncommitted(found, head, now)
        return found

    def deleted(self) -> dict[str, str | None]:
        """Incident files that git knew and that are gone: path → the commit that deleted
        it (None: deleted in the working tree, not committed yet). Empty outside a git
        checkout. Renames count as deletions: the id is the file name."""
        if self._gone is None:
            self._gone = self._deleted()
        return dict(self._gone)

    def _deleted(self) -> dict[str, str | None]:
        head = self.head()
        if head is None:
            return {}
        found: dict[str, str | None] = {}
        # -z: names as they are, never quoted; only the files the loader reads count.
        listed = self._git("ls-tree", "-r", "-z", "--name-only", "HEAD", "--", INCIDENTS)
        for line in (listed or "").split("\0"):
            if _is_incident(line) and not (self.root / line).exists():
                found[line] = None
        _, gone = self._committed(head)
        for path, commit in sorted(gone.items()):
            if not (self.root / path).exists():
                found.setdefault(path, commit)
        return found

    # ------------------------------------------------------------------ committed edits

    def _committed(self, head: str) -> tuple[Found, dict[str, str]]:
        """The edits and deletions as of `head`: remembered, read from the cache, or walked.

        What was walked in a shallow clone is kept apart (its key says so): once the whole
        history is fetched, it is walked again."""
        shallow = (self._git(*_SHALLOW) or "").strip()
        key = f"{head} shallow" if shallow == "true" else head
        if self._known is not None and self._known[0] == key:
            return self._known[1], self._known[2]
        saved = self._read(EDITS_FILE)
        if saved is not None and saved.get("head") == key:
            try:
                found, deleted = _found_from_json(saved["edits"]), dict(saved["deleted"])
                self._known = (key, found, deleted)
                return found, deleted
            except (KeyError, TypeError, ValueError, AttributeError):
                pass
        state = self._state()
        since, _, was_shallow = state.head.partition(" ")
        if since and (
            was_shallow != key.partition(" ")[2] or not _is_ancestor(self.root, since, head)
        ):
            state, since = _State(), ""  # history rewritten or fetched: walk it all again
        try:
            _walk(self.root, state, since, head)
            found = _edits(self.root, state)
        except (KeyError, IndexError, TypeError, ValueError, AttributeError) as exc:
            log.debug("history cache unusable (%s); walking the history again", exc)
            state = _State()
            _walk(self.root, state, "", head)
            found = _edits(self.root, state)
        state.head = key
        self._write(STATE_FILE, state.to_json())
        edits = _found_to_json(found)
        self._write(EDITS_FILE, {"head": key, "edits": edits, "deleted": state.deleted})
        self._known = (key, found, dict(state.deleted))
        return found, dict(state.deleted)

    def _state(self) -> _State:
        saved = self._read(STATE_FILE)
        if saved is not None:
            try:
                return _State.from_json(saved)
            except (KeyError, TypeError, ValueError):
                log.debug("history cache unusable; walking the history again")
        return _State()

    # ------------------------------------------------------------------ uncommitted edits

    def _uncommitted(self, found: Found, head: str, now: datetime) -> None:
        """Published updates changed in the working tree: edits at the build clock."""
        changed = run_git(
            self.root, "diff", "-z", "--name-only", "--relative", "HEAD", "--", INCIDENTS
        )
        paths = [p for p in (changed or "").split("\0") if _is_incident(p)]
        if not paths:
            return
        blobs = _blobs(self.root, [f"{head}:./{path}" for path in paths])
        for path in paths:
            published = blobs.get(f"{head}:./{path}")
            try:  # a link or a FIFO put in its place is never followed (load reports it)
                current = read_regular(self.root / path, limit=MAX_FILE_BYTES)
            except OSError:
                continue
            if published is None:
                continue
            before, after = _updates(published), _updates(current)
            if before is None or after is None:
                continue
            stamp = int(now.timestamp())
            for index, ((old, content), (new, _)) in enumerate(zip(before, after, strict=False)):
                if _edited(old, new):
                    found.setdefault(path, {}).setdefault(index, []).append(
                        (stamp, "", new[1], content)
                    )

    # ------------------------------------------------------------------ the cache files

    def _read(self, name: str) -> dict[str, Any] | None:
        if self.folder is None or not self._trusted():
            return None
        try:  # a link or a FIFO put in its place is never followed nor opened
            data = read_regular(self.folder / name, limit=MAX_CACHE_BYTES)
            if len(data) > MAX_CACHE_BYTES:
                return None
            value = json.loads(data)
        except (OSError, ValueError):
            return None
        if not isinstance(value, dict) or value.get("format") != FORMAT:
            return None
        return value

    def _write(self, name: str, value: dict[str, Any]) -> None:
        if self.folder is None or not self._trusted():
            return
        try:
            self.folder.mkdir(parents=True, exist_ok=True)
            handle, temporary = tempfile.mkstemp(prefix=f".{name}.", dir=self.folder)
            try:
                with os.fdopen(handle, "w", encoding="utf-8") as stream:
                    # dumps, not dump: json.dump encodes in Python, piece by piece.
                    stream.write(json.dumps({"format": FORMAT, **value}, separators=(",", ":")))
                os.replace(temporary, self.folder / name)
            except BaseException:
                os.unlink(temporary)
                raise
        except OSError as exc:  # a read-only checkout: the next build walks again
            log.debug("cannot write the history cache %s: %s", name, exc)

    def _trusted(self) -> bool:
        """The cache folder is ours only if git tracks nothing in it: a cache committed in
        a pull request could claim that nothing was edited (design §9)."""
        if self._untracked is None:
            tracked = run_git(self.root, "ls-files", "--", CACHE_DIR)
            self._untracked = tracked is not None and not tracked.strip()
        return self._untracked

    def _say(self, note: str) -> None:
        self.note = note
        if not self._noted:
            self._noted = True
            log.warning("%s", note)


# ---------------------------------------------------------------------- the walk


def _walk(root: Path, state: _State, since: str, head: str) -> None:
    """Go through the commits after `since` up to `head`, oldest first."""
    span = f"{since}..{head}" if since else head
    out = run_git(
        root,
        "log",
        "--reverse",
        "--date-order",
        "--format=%x00%H %ct",
        "--raw",
        "--no-abbrev",
        "-M",
        "-m",  # a merge against each parent: what it changed or dropped on either side
        "--relative",
        span,
        "--",
        INCIDENTS,
    )
    # commit, time, path, blob, the blob in the parent this line compares with, old name
    changes: list[tuple[str, int, str, str, str, str | None]] = []
    commit, stamp = "", 0
    for line in (out or "").splitlines():
        if line.startswith("\0"):
            commit, _, when = line[1:].partition(" ")
            stamp = int(when or 0)
        elif line.startswith(":"):
            meta, _, paths = line.partition("\t")
            parts = meta.split()
            status, names = parts[4], paths.split("\t")
            if status.startswith("C"):
                continue
            path = names[-1]
            if status.startswith("D"):
                if _is_incident(path):
                    changes.append((commit, stamp, path, "", parts[2], None))
                continue
            old = names[0] if status.startswith("R") else None
            if _is_incident(path) or (old is not None and _is_incident(old)):
                changes.append((commit, stamp, path, parts[3], parts[2], old))
    # A new file's parent blob is all zeros (`git log --raw`): no version to compare with.
    wanted = {b for c in changes for b in (c[3], c[4])}
    for c in changes:  # and the versions standing in for unreadable ones
        known = state.entry(c[2]) if c[3] else None
        wanted.update(known["unreadable"].values() if known else ())
    wanted = {b for b in wanted if b.strip("0")}
    contents = _blobs(root, sorted(wanted))
    memo: dict[bytes, tuple[Mark, Raw]] = {}  # each update's text is read once
    marks: dict[str, list[Mark] | None] = {}  # each version is read once

    def marks_of(blob: str) -> list[Mark] | None:
        if blob not in marks:
            data = contents.get(blob)
            parsed = _updates(data, memo) if data is not None else None
            marks[blob] = None if parsed is None else [mark for mark, _ in parsed]
        return marks[blob]

    for commit, stamp, path, blob, parent, old in changes:
        if not blob:  # deleted
            state.deleted[path] = commit
            continue
        if old is not None:  # renamed: the old name is gone, the history goes on
            if _is_incident(old):
                state.deleted[old] = commit
            if old in state.files and path not in state.files:
                state.files[path] = state.files.pop(old)
                if old in state.edited:
                    state.edited.discard(old)
                    state.edited.add(path)
        if not _is_incident(path):
            continue
        state.deleted.pop(path, None)
        entry = state.entry(path)
        if entry is None:
            entry = state.files[path] = {"edits": [], "unreadable": {}}
        # A version that cannot be read publishes nothing: what was published before it
        # stands in for it.
        stand_ins = entry["unreadable"]
        parent = stand_ins.get(parent, parent)
        after = marks_of(blob)
        if after is None:
            stand_ins.setdefault(blob, parent)
            continue
        if not parent.strip("0") or parent == blob:
            continue  # a new file (or the same bytes renamed) edits nothing
        before = marks_of(parent)
        if before is None:
            continue
        for index, (was, mark) in enumerate(zip(before, after, strict=False)):
            if _edited(was, mark):
                _add_edit(
                    state, path, [index, parent, commit[:12], stamp, mark[1], was[0], mark[0]]
                )


def _add_edit(state: _State, path: str, edit: list[Any]) -> None:
    """One change of one update against the version in its own commit's parent. The same
    change seen twice (on a branch, then in its merge against the other parent) is one
    edit, at the earlier commit: whatever order the commits were walked in."""
    edits = (state.entry(path) or {})["edits"]
    for at, known in enumerate(edits):
        if (known[0], known[5], known[6]) == (edit[0], edit[5], edit[6]):
            if (edit[3], edit[2]) < (known[3], known[2]):
                edits[at] = edit
            return
    edits.append(edit)
    state.edited.add(path)


def _edits(root: Path, state: _State) -> Found:
    """The edits the state holds, with the content each one replaced (read from git)."""
    entries = {path: state.entry(path) or {} for path in sorted(state.edited)}
    wanted = [(path, edit) for path, entry in entries.items() for edit in entry["edits"]]
    blobs = _blobs(root, sorted({edit[1] for _, edit in wanted}))
    memo: dict[bytes, tuple[Mark, Raw]] = {}
    found: Found = {}
    for path, (index, parent, commit, stamp, typo, *_) in sorted(
        wanted, key=lambda pair: (pair[0], pair[1][0], pair[1][3], pair[1][2])
    ):
        data = blobs.get(parent)
        parsed = _updates(data, memo) if data is not None else None
        if parsed is None or index >= len(parsed):
            continue
        found.setdefault(path, {}).setdefault(index, []).append(
            (stamp, commit, bool(typo), parsed[index][1])
        )
    return found


def _found_to_json(found: Found) -> dict[str, Any]:
    return {
        path: {str(index): [list(e) for e in edits] for index, edits in updates.items()}
        for path, updates in found.items()
    }


def _found_from_json(value: Mapping[str, Any]) -> Found:
    found: Found = {}
    for path, updates in value.items():
        for index, edits in updates.items():
            found.setdefault(path, {})[int(index)] = [
                (int(stamp), str(commit), bool(typo), dict(content))
                for stamp, commit, typo, content in edits
            ]
    return found


def _edit(current: Update, found: tuple[int, str, bool, Raw], config: Config) -> Edit:
    """An `Edit` of `current` from what the walk found: the earlier content as an Update
    (values that no longer read well fall back to the current ones)."""
    stamp, commit, typo, content = found
    return Edit(
        at=datetime.fromtimestamp(stamp, UTC),
        commit=commit,
        typo_fix=typo,
        before=replace(
            current,
            at=_moment(content.get("at"), config) or current.at,
            status=_status(content.get("status")) or current.status,
            message=_text(content.get("message"), config) or current.message,
            components=_states(content.get("components"), config, current),
            next_update=None,
            edits=(),
        ),
    )


def _moment(value: Any, config: Config) -> datetime | None:
    if not isinstance(value, str):
        return None
    try:
        return to_utc(datetime.fromisoformat(value), config.zone)
    except (ValueError, LocalTimeError):
        return None


def _status(value: Any) -> Status | None:
    try:
        return Status(value)
    except ValueError:
        return None


def _text(value: Any, config: Config) -> Text | None:
    if isinstance(value, dict):
        pairs = tuple((str(k), str(v).strip()) for k, v in value.items() if v is not None)
        if not pairs:
            return None
        return Text(dict(pairs).get(config.language, pairs[0][1]), pairs)
    if value is None:
        return None
    return Text(str(value).strip())


def _states(value: Any, config: Config, current: Update) -> tuple[tuple[str, Any], ...]:
    if value is None:
        return ()
    if not isinstance(value, dict):
        return current.components
    states = []
    for component, state in value.items():
        if component in config.component_ids and state in ComponentStatus.__members__.values():
            states.append((component, ComponentStatus(state)))
    return tuple(states)


# ---------------------------------------------------------------------- git


_HEAD = ("rev-parse", "--verify", "-q", "HEAD")
_SHALLOW = ("rev-parse", "--is-shallow-repository")


def head_commit(root: Path) -> str | None:
    """The commit checked out, or None outside a git checkout or before the first commit."""
    head = run_git(root, *_HEAD)
    return head.strip() if head else None


def _is_incident(path: str) -> bool:
    folder, _, name = path.rpartition("/")
    return folder == INCIDENTS and name.endswith(SUFFIXES) and not name.startswith(".")


def _other_suffix(path: str) -> str:
    stem, _, suffix = path.rpartition(".")
    return f"{stem}.{'yml' if suffix == 'yaml' else 'yaml'}"


def _is_ancestor(root: Path, old: str, new: str) -> bool:
    done = subprocess.run(
        ["git", "-C", str(root), "merge-base", "--is-ancestor", old, new],
        capture_output=True,
        check=False,
    )
    return done.returncode == 0


def _blobs(root: Path, names: Iterable[str]) -> dict[str, bytes]:
    """The contents of objects (ids or `rev:path`), by name, read in one `git cat-file`."""
    names = list(names)
    if not names:
        return {}
    try:
        done = subprocess.run(
            ["git", "-C", str(root), "cat-file", "--batch"],
            input="".join(f"{name}\n" for name in names).encode(),
            capture_output=True,
            check=False,
        )
    except OSError:
        return {}
    out, at, found = done.stdout, 0, {}
    for name in names:
        end = out.index(b"\n", at)
        header = out[at:end].split()
        at = end + 1
        if len(header) < 3 or header[-1] == b"missing":
            continue
        size = int(header[2])
        found[name] = out[at : at + size]
        at += size + 1
    return found


def run_git(root: Path, *args: str, timeout: float | None = None) -> str | None:
    """What `git -C root ARGS` prints; None if it fails or git is not there."""
    try:
        done = subprocess.run(
            ["git", "-C", str(root), *args],
            capture_output=True,
            text=True,
            timeout=timeout,
            check=False,
        )
    except OSError:
        return None
    return done.stdout if done.returncode == 0 else None

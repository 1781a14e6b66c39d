"""Edits of published updates, found in git history (design §4: edits are visible).

An update is published by the first commit that holds it (its place in its file's `updates`
list). Any later commit that changes its `at`, `status`, `message` or `components` is an
edit: the page shows "edited" with the time of that commit and the earlier wording. A change
in the working tree that is not committed yet counts too, at the build clock.

The walk covers every commit reachable from HEAD, oldest first (parents before children),
follows renames, and looks at merge commits against their first parent, so a text changed
while resolving a merge is found as well. What it learns is kept per commit walked, as JSON
(never pickle: design §9), in `.statuspage/cache/`: a later build walks only the new commits,
and a build at the same HEAD reads one small file. A cache that fails its checks is ignored.

Without history (a tarball, a shallow clone) edits cannot be checked; `History.note` says so.
"""

from __future__ import annotations

import hashlib
import itertools
import json
import logging
import os
import subprocess
import tempfile
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import yaml

from statuspage.inputs.clock import LocalTimeError, to_utc
from statuspage.inputs.model import ComponentStatus, Config, Edit, Incident, Text, Update
from statuspage.inputs.model import UpdateStatus as Status

log = logging.getLogger(__name__)

CACHE_DIR = ".statuspage/cache"
FORMAT = 1  # bump when what the cache files hold changes shape
STATE_FILE = "history-state.json"  # what the walk learned, to go on from
EDITS_FILE = "history-edits.json"  # the edits as of one HEAD
INCIDENTS = "incidents"
SUFFIXES = (".yaml", ".yml")
FIELDS = ("at", "status", "message", "components")  # an update's published content

# Raw published content of one update: the FIELDS as YAML gives them, made JSON-safe.
Raw = dict[str, Any]
# path -> update index -> [(edit time, commit, typo fix, the content before), ...]
Found = dict[str, dict[int, list[tuple[int, str, bool, Raw]]]]

_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def _plain(value: Any) -> Any:
    """A YAML value as JSON can hold it, times as ISO 8601 (aware ones in UTC)."""
    if isinstance(value, datetime):
        return value.astimezone(UTC).isoformat() if value.tzinfo else value.isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_plain(v) for v in value]
    if value is None or isinstance(value, (str, int, float, bool)):
        return value
    return str(value)


def _updates(data: bytes) -> list[tuple[str, bool, Raw]] | None:
    """Each update of one version of a file: (a digest of its content, whether it says
    `deliver_notifications: false`, its content); None if the file cannot be read."""
    try:
        document = yaml.load(data, Loader=_LOADER)
    except (yaml.YAMLError, ValueError, RecursionError):
        return None
    if not isinstance(document, dict) or not isinstance(document.get("updates"), list):
        return None
    found = []
    for item in document["updates"]:
        if not isinstance(item, dict):
            item = {}
        content = {key: _plain(item.get(key)) for key in FIELDS}
        if isinstance(content["message"], str):
            content["message"] = content["message"].strip()
        text = json.dumps(content, sort_keys=True, ensure_ascii=False)
        key = hashlib.blake2b(text.encode("utf-8"), digest_size=8).hexdigest()
        found.append((key, item.get("deliver_notifications") is False, content))
    return found


@dataclass
class _State:
    """What the walk learned, per incident file: its versions (blob, commit, time) and, per
    update, the versions that changed it: [digest, index into the file's versions, typo]."""

    head: str = ""
    files: dict[str, dict[str, Any]] = field(default_factory=dict)

    def to_json(self) -> dict[str, Any]:
        return {"head": self.head, "files": self.files}

    @classmethod
    def from_json(cls, value: Any) -> _State:
        head, files = value["head"], value["files"]
        if not isinstance(head, str) or not isinstance(files, dict):
            raise ValueError("not a history state")
        for entry in files.values():
            if not isinstance(entry["versions"], list) or not isinstance(entry["updates"], list):
                raise ValueError("not a history state")
        return cls(head, files)


class History:
    """Finds the edits of published updates in one site's git history (see the module)."""

    def __init__(self, root: Path, *, cache: bool = True) -> None:
        self.root = root
        self.folder = root / CACHE_DIR if cache else None
        self.note: str | None = None  # why edits could not be checked, if they could not
        self._noted = False  # the note is logged once per History

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
        where = _git(self.root, "rev-parse", "--is-shallow-repository")
        if where is None:
            self._say("not a git checkout: edits of published updates cannot be checked")
            return {}
        if where.strip() == "true":
            self._say(
                "a shallow clone: edits of published updates cannot be checked; "
                "fetch the whole history (git fetch --unshallow, or fetch-depth: 0 in CI)"
            )
            return {}
        head = (_git(self.root, "rev-parse", "--verify", "-q", "HEAD") or "").strip()
        if not head:
            return {}  # nothing committed: nothing published yet
        found = self._committed(head)
        self._uncommitted(found, head, now)
        return found

    # ------------------------------------------------------------------ committed edits

    def _committed(self, head: str) -> Found:
        saved = self._read(EDITS_FILE)
        if saved is not None and saved.get("head") == head:
            try:
                return _found_from_json(saved["edits"])
            except (KeyError, TypeError, ValueError, AttributeError):
                pass
        state = self._state()
        since = state.head
        if since and not _is_ancestor(self.root, since, head):
            state, since = _State(), ""  # history rewritten: walk it all again
        _walk(self.root, state, since, head)
        state.head = head
        found = _edits(self.root, state)
        self._write(STATE_FILE, state.to_json())
        self._write(EDITS_FILE, {"head": head, "edits": _found_to_json(found)})
        return found

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
        changed = _git(self.root, "diff", "--name-only", "--relative", "HEAD", "--", INCIDENTS)
        paths = [p for p in (changed or "").splitlines() if _is_incident(p)]
        if not paths:
            return
        blobs = _blobs(self.root, [f"{head}:./{path}" for path in paths])
        for path in paths:
            published = blobs.get(f"{head}:./{path}")
            try:
                current = (self.root / path).read_bytes()
            except OSError:
                continue
            if published is None:
                continue
            before, after = _updates(published), _updates(current)
            if before is None or after is None:
                continue
            stamp = int(now.timestamp())
            for index, ((old, _, content), (new, typo, _)) in enumerate(
                zip(before, after, strict=False)
            ):
                if old != new:
                    found.setdefault(path, {}).setdefault(index, []).append(
                        (stamp, "", typo, content)
                    )

    # ------------------------------------------------------------------ the cache files

    def _read(self, name: str) -> dict[str, Any] | None:
        if self.folder is None:
            return None
        try:
            with open(self.folder / name, encoding="utf-8") as stream:
                value = json.load(stream)
        except (OSError, ValueError):
            return None
        if not isinstance(value, dict) or value.get("format") != FORMAT:
            return None
        return value

    def _write(self, name: str, value: dict[str, Any]) -> None:
        if self.folder is None:
            return
        try:
            self.folder.mkdir(parents=True, exist_ok=True)
            handle, temporary = tempfile.mkstemp(prefix=f".{name}.", dir=self.folder)
            try:
                with os.fdopen(handle, "w", encoding="utf-8") as stream:
                    json.dump({"format": FORMAT, **value}, stream, separators=(",", ":"))
                os.replace(temporary, self.folder / name)
            except BaseException:
                os.unlink(temporary)
                raise
        except OSError as exc:  # a read-only checkout: the next build walks again
            log.debug("cannot write the history cache %s: %s", name, exc)

    def _say(self, note: str) -> None:
        self.note = note
        if not self._noted:
            self._noted = True
            log.warning("%s", note)


# ---------------------------------------------------------------------- the walk


def _walk(root: Path, state: _State, since: str, head: str) -> None:
    """Go through the commits after `since` up to `head`, oldest first."""
    span = f"{since}..{head}" if since else head
    out = _git(
        root,
        "log",
        "--reverse",
        "--date-order",
        "--format=%x00%H %ct",
        "--raw",
        "--no-abbrev",
        "-M",
        "--diff-merges=first-parent",
        "--relative",
        span,
        "--",
        INCIDENTS,
    )
    changes: list[tuple[str, int, str, str, str | None]] = []  # commit, time, path, blob, from
    commit, stamp = "", 0
    for line in (out or "").splitlines():
        if line.startswith("\0"):
            commit, _, when = line[1:].partition(" ")
            stamp = int(when or 0)
        elif line.startswith(":"):
            meta, _, paths = line.partition("\t")
            parts = meta.split()
            status, names = parts[4], paths.split("\t")
            if status.startswith("D") or status.startswith("C"):
                continue
            path = names[-1]
            if not _is_incident(path):
                continue
            old = names[0] if status.startswith("R") else None
            changes.append((commit, stamp, path, parts[3], old))
    needed = {blob for _, _, path, blob, _ in changes if _known_blob(state, path) != blob}
    contents = _blobs(root, sorted(needed))
    for commit, stamp, path, blob, old in changes:
        if old is not None and old in state.files and path not in state.files:
            state.files[path] = state.files.pop(old)
        entry = state.files.setdefault(path, {"versions": [], "updates": []})
        versions = entry["versions"]
        if versions and versions[-1][0] == blob:
            continue
        data = contents.get(blob)
        parsed = _updates(data) if data is not None else None
        if parsed is None:
            continue  # a version that cannot be read publishes nothing
        versions.append([blob, commit[:12], stamp])
        at = len(versions) - 1
        updates = entry["updates"]
        for index, (key, typo, _) in enumerate(parsed):
            if index >= len(updates):
                updates.append([[key, at, False]])
            elif updates[index][-1][0] != key:
                updates[index].append([key, at, typo])


def _known_blob(state: _State, path: str) -> str | None:
    entry = state.files.get(path)
    return entry["versions"][-1][0] if entry and entry["versions"] else None


def _edits(root: Path, state: _State) -> Found:
    """The edits the state holds, with the content each one replaced (read from git)."""
    wanted: list[tuple[str, int, list[Any], list[Any]]] = []
    for path, entry in state.files.items():
        for index, changes in enumerate(entry["updates"]):
            for before, after in itertools.pairwise(changes):
                wanted.append((path, index, before, after))
    blobs = _blobs(root, sorted({state.files[p]["versions"][b[1]][0] for p, _, b, _ in wanted}))
    found: Found = {}
    for path, index, before, after in wanted:
        versions = state.files[path]["versions"]
        data = blobs.get(versions[before[1]][0])
        parsed = _updates(data) if data is not None else None
        if parsed is None or index >= len(parsed):
            continue
        _, commit, stamp = versions[after[1]]
        found.setdefault(path, {}).setdefault(index, []).append(
            (stamp, commit, bool(after[2]), parsed[index][2])
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


def head_commit(root: Path) -> str | None:
    """The commit checked out, or None outside a git checkout or before the first commit."""
    head = _git(root, "rev-parse", "--verify", "-q", "HEAD")
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


def _git(root: Path, *args: str) -> str | None:
    try:
        done = subprocess.run(
            ["git", "-C", str(root), *args], capture_output=True, text=True, check=False
        )
    except OSError:
        return None
    return done.stdout if done.returncode == 0 else None

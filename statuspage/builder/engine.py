"""Incremental builds: parse, render and write only what changed (docs/performance.md).

What a build keeps for the next one lives in the site's `.statuspage/cache/` (git-ignored,
never inside the published site):

- `parse-NN.pickle`: each incident file's parse result, under a digest of the file's bytes,
  for one config and one version of the code (in 16 shards: one edit rewrites one);
- `build-<digest of the output folder>.pickle`, the manifest of an output folder: for each
  file the key it was rendered under, a digest of its bytes and how it stood on disk (size,
  modification time, inode) once written; and the same for every input, so that a build
  with nothing to do notices at once.

A build loads the site (reading only files whose size, time or inode changed, parsing only
bytes it has not seen), lets every generator list its files (pages and feeds give a key and
render on demand), renders what has a new key or is not on disk as written, and replaces
only files whose bytes changed. Keys name everything a file shows (fingerprint.py), and the
build adds what every file depends on: the code, the config and the clock. So the output is
byte for byte what a clean build gives; a missing, stale or corrupt cache only costs time.

A file written less than two seconds before it was looked at is never trusted by its
stat alone (file times can be that coarse): its bytes are read and compared instead.
"""

from __future__ import annotations

import gc
import importlib
import importlib.util
import logging
import os
import pickle
import shutil
import stat
import sys
import tempfile
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from statuspage.builder import parallel
from statuspage.inputs.config import CONFIG_NAME
from statuspage.inputs.diagnostics import Diagnostic, InputError, Problems
from statuspage.inputs.fingerprint import digest
from statuspage.inputs.history import History, head_commit
from statuspage.inputs.load import INCIDENTS_DIR, LoadResult, Parsed, ParseJob, load_site
from statuspage.inputs.model import Config, Site
from statuspage.inputs.regular import read_regular
from statuspage.inputs.yamlmarks import MAX_FILE_BYTES
from statuspage.outputs.output import OutputFile

log = logging.getLogger(__name__)

CACHE_DIR = ".statuspage/cache"
FORMAT = 1  # bump when what the cache holds changes shape
RACY_NS = 2_000_000_000  # files younger than this are compared by content, not by stat
PARALLEL_PARSE = 1000  # files to parse before a second process pays for itself
PARALLEL_RENDER = 400  # files to render before a second process pays for itself
THEMES_DIR = "themes"
# Libraries whose version changes what a build writes.
_LIBRARIES = (
    "yaml",
    "jinja2",
    "markupsafe",
    "babel",
    "markdown_it",
    "nh3",
    "feedgen",
    "lxml",
    "icalendar",
)

Sig = tuple[int, int, int]  # size, modification time (ns), inode
Generator = Callable[[Site], Iterable[OutputFile]]
# (what, done, total): the CLI draws it on a terminal; total 0 means not known in advance.
Progress = Callable[[str, int, int], None]

# Each generator is a pure function of the site, named "module:function" so a build imports
# only what it runs. Order does not matter: files are sorted before writing.
GENERATORS: tuple[str, ...] = (
    "statuspage.outputs.pages:generate",
    "statuspage.outputs.feeds:generate",
    "statuspage.outputs.ical:generate",
    "statuspage.outputs.api:generate",
    "statuspage.outputs.badges:generate",
)


def stat_sig(path: Path | str, now_ns: int | None = None) -> Sig | None:
    """How a file stands on disk; None if it is missing, or too young to be told apart
    from a later change by its stat alone."""
    try:
        st = os.lstat(path)  # a link put in a file's place is a change, never followed
    except OSError:
        return None
    if now_ns is not None and now_ns - st.st_mtime_ns < RACY_NS:
        return None
    return (st.st_size, st.st_mtime_ns, st.st_ino)


# --------------------------------------------------------------------------- the code itself

_toolchain: str | None = None


def toolchain() -> str:
    """A digest of the code that builds: this package (and its themes and catalogs), the
    libraries it renders with, and Python. Any change to them invalidates every cache."""
    global _toolchain
    if _toolchain is None:
        parts = [f"format {FORMAT}", sys.version]
        package = Path(__file__).resolve().parent.parent
        # The built-in themes: inside the package once installed, beside it in a checkout.
        themes = package / "themes"
        if not themes.is_dir():
            themes = package.parent / "themes"
        for folder in (package, themes):
            for dirpath, dirnames, filenames in os.walk(folder):
                dirnames[:] = sorted(d for d in dirnames if d != "__pycache__")
                for name in sorted(filenames):
                    path = os.path.join(dirpath, name)
                    st = os.stat(path)
                    parts.append(f"{path} {st.st_size} {st.st_mtime_ns}")
        for name in _LIBRARIES:
            module = sys.modules.get(name)
            origin = getattr(module, "__file__", None)
            if origin is None:
                spec = importlib.util.find_spec(name)
                origin = spec.origin if spec is not None else None
            if origin:
                st = os.stat(origin)
                parts.append(f"{name} {origin} {st.st_size} {st.st_mtime_ns}")
        _toolchain = digest(*parts)
    return _toolchain


# --------------------------------------------------------------------------- the cache folder


class Store:
    """One site's cache folder: pickled values, each written whole or not at all. Anything
    that cannot be read back, for whatever reason, reads as nothing."""

    def __init__(self, root: Path) -> None:
        self.folder = root / CACHE_DIR

    def read(self, name: str) -> Any:
        try:
            with open(self.folder / name, "rb") as stream:
                value = pickle.load(stream)
        except FileNotFoundError:
            return None
        except Exception as exc:  # corrupt, truncated, from another version: start afresh
            log.debug("cache %s unreadable (%s); starting afresh", name, exc)
            return None
        if not isinstance(value, dict) or value.get("format") != FORMAT:
            return None
        if value.get("toolchain") != toolchain():
            return None
        return value

    def write(self, name: str, value: dict[str, Any]) -> None:
        value = {"format": FORMAT, "toolchain": toolchain(), **value}
        try:
            self.folder.mkdir(parents=True, exist_ok=True)
            handle, temporary = tempfile.mkstemp(prefix=f".{name}.", dir=self.folder)
            try:
                with os.fdopen(handle, "wb") as stream:
                    pickle.dump(value, stream, protocol=pickle.HIGHEST_PROTOCOL)
                os.replace(temporary, self.folder / name)
            except BaseException:
                os.unlink(temporary)
                raise
        except OSError as exc:  # a read-only checkout: the next build is just slower
            log.debug("cannot write the cache %s: %s", name, exc)


# --------------------------------------------------------------------------- parsing


@dataclass(slots=True)
class _Parse:
    sig: Sig | None  # as the file stood when read; None: compare its bytes next time
    digest: str
    parsed: Parsed | None  # None until `blob` is unpickled
    blob: bytes | None = None

    def get(self) -> Parsed:
        if self.parsed is None:
            assert self.blob is not None
            self.parsed = pickle.loads(self.blob)
        return self.parsed

    def dump(self) -> bytes:
        if self.blob is None:
            self.blob = pickle.dumps(self.parsed, protocol=pickle.HIGHEST_PROTOCOL)
        return self.blob


class ParseCache:
    """Parse results per incident file (a `load.Parser`), for one config and code.

    Kept on disk in `SHARDS` files by a digest of each file's path, so that a build after
    one edit rewrites one shard, not the whole history's results.
    """

    SHARDS = 16

    def __init__(self) -> None:
        self.config_digest = ""
        self.entries: dict[str, _Parse] = {}
        self.dirty: set[int] = set()  # shards changed since they were last saved

    @property
    def changed(self) -> bool:
        return bool(self.dirty)

    def _touch(self, path: str) -> None:
        self.dirty.add(int(digest(path)[:4], 16) % self.SHARDS)

    def load(self, store: Store) -> None:
        configs = set()
        entries: dict[str, _Parse] = {}
        for shard in range(self.SHARDS):
            saved = store.read(f"parse-{shard:02d}.pickle")
            try:
                if saved is None:
                    raise LookupError("no such shard")
                configs.add(saved["config"])
                for path, (sig, source, blob) in saved["entries"].items():
                    entries[path] = _Parse(sig, source, None, blob)
            except Exception as exc:  # missing or damaged: its files are parsed again
                log.debug("parse cache shard %d not used (%s)", shard, exc)
                self.dirty.add(shard)
        if len(configs) == 1:
            self.config_digest, self.entries = configs.pop(), entries
        else:  # shards from several configs: none can be trusted to match
            self.dirty = set(range(self.SHARDS))

    def save(self, store: Store) -> None:
        shards: dict[int, dict[str, tuple[Sig | None, str, bytes]]] = {
            shard: {} for shard in self.dirty
        }
        for path, entry in self.entries.items():
            shard = int(digest(path)[:4], 16) % self.SHARDS
            if shard in shards:
                shards[shard][path] = (entry.sig, entry.digest, entry.dump())
        for shard, entries in sorted(shards.items()):
            store.write(
                f"parse-{shard:02d}.pickle", {"config": self.config_digest, "entries": entries}
            )
        self.dirty = set()

    def __call__(
        self, jobs: Sequence[ParseJob], config: Config, config_digest: str
    ) -> list[Parsed]:
        if config_digest != self.config_digest:
            self.entries = {}  # everything was read for another config
            self.config_digest = config_digest
            self.dirty = set(range(self.SHARDS))
        now_ns = time.time_ns()
        results: list[Parsed | None] = [None] * len(jobs)
        todo: list[tuple[int, bytes, str, Sig | None]] = []
        for index, job in enumerate(jobs):
            entry = self.entries.get(job.shown)
            try:
                st = os.lstat(job.path)  # a link or a special file is never followed or opened
            except OSError:
                st = None
            if st is None or st.st_size > MAX_FILE_BYTES or not stat.S_ISREG(st.st_mode):
                results[index] = _parse(job, None, config)  # the loader's own message
                continue
            sig = (st.st_size, st.st_mtime_ns, st.st_ino)
            if entry is not None and entry.sig == sig:
                results[index] = entry.get()
                continue
            try:
                data = read_regular(job.path, limit=MAX_FILE_BYTES)
            except OSError:  # changed since the lstat: the loader says what is wrong now
                results[index] = _parse(job, None, config)
                continue
            if len(data) > MAX_FILE_BYTES:
                results[index] = _parse(job, None, config)
                continue
            source = digest(job.shown, data)
            trusted = sig if now_ns - st.st_mtime_ns >= RACY_NS else None
            if entry is not None and entry.digest == source:
                if entry.sig != trusted:
                    entry.sig = trusted
                    self._touch(job.shown)
                results[index] = entry.get()
                continue
            todo.append((index, data, source, trusted))
        for (index, _, source, trusted), (parsed, blob) in zip(
            todo, _parse_many(jobs, todo, config), strict=True
        ):
            self.entries[jobs[index].shown] = _Parse(trusted, source, parsed, blob)
            results[index] = parsed
            self._touch(jobs[index].shown)
        present = {job.shown for job in jobs}
        for gone in [path for path in self.entries if path not in present]:
            del self.entries[gone]
            self._touch(gone)
        return [parsed for parsed in results if parsed is not None]


def _parse(job: ParseJob, data: bytes | None, config: Config) -> Parsed:
    """Like `load.parse_file`, from bytes already read (None: read them, with its checks)."""
    from statuspage.inputs.load import parse_file, parse_incident

    if data is None:
        return parse_file(job, config)
    problems = Problems()
    incident = parse_incident(job.shown, job.incident_id, data, config, problems)
    return Parsed(incident, digest(job.shown, data), tuple(problems.items))


def _parse_many(
    jobs: Sequence[ParseJob],
    todo: Sequence[tuple[int, bytes, str, Sig | None]],
    config: Config,
) -> list[tuple[Parsed, bytes | None]]:
    """Parse `todo`, in several processes when there are many; workers send pickles,
    which the cache keeps as they are."""
    parts = min(parallel.cores(), 8) if len(todo) >= PARALLEL_PARSE else 1

    def task(part: int, parts: int) -> list[Any]:
        mine = [_parse(jobs[index], data, config) for index, data, _, _ in todo[part::parts]]
        if part == 0:
            return mine
        return [pickle.dumps(parsed, protocol=pickle.HIGHEST_PROTOCOL) for parsed in mine]

    results: list[tuple[Parsed, bytes | None]] = [None] * len(todo)  # type: ignore[list-item]
    for part, found in enumerate(parallel.split(task, parts)):
        for position, value in zip(range(part, len(todo), parts), found, strict=True):
            if isinstance(value, bytes):
                results[position] = (pickle.loads(value), value)
            else:
                results[position] = (value, None)
    return results


# --------------------------------------------------------------------------- rendering


def render_all(files: Sequence[OutputFile], progress: Progress | None = None) -> None:
    """Give every file its bytes, in several processes when there are many."""
    pending = [f for f in files if not f.rendered]
    total = len(pending)
    parts = min(parallel.cores(), 8) if total >= PARALLEL_RENDER else 1
    if parts > 1 and parallel.can_fork():

        def task(part: int, parts: int) -> list[bytes]:
            mine = pending[part::parts]
            if part == 0 and progress is not None:
                done: list[bytes] = []
                for file in mine:
                    done.append(file.data)
                    progress("render", len(done) * parts, total)
                return done
            return [file.data for file in mine]

        for part, found in enumerate(parallel.split(task, parts)):
            for file, data in zip(pending[part::parts], found, strict=True):
                file.fill(data)
    else:
        for count, file in enumerate(pending, 1):
            file.data  # noqa: B018 - renders it
            if progress is not None:
                progress("render", count, total)
    if progress is not None:
        progress("render", total, total)


def _render_into(
    staging: Path, files: Sequence[OutputFile], progress: Progress | None = None
) -> list[tuple[str, Sig | None]]:
    """Render every file and write it into the staging folder; each process writes what it
    rendered, so only a digest and a stat come back. In the order of `files`."""
    from statuspage.builder.write import write_staged

    total = len(files)
    parts = min(parallel.cores(), 8) if total >= PARALLEL_RENDER else 1

    def task(part: int, parts: int) -> list[tuple[str, Sig | None]]:
        done: list[tuple[str, Sig | None]] = []
        made: set[str] = set()
        for file in files[part::parts]:
            write_staged(staging, [file], made)
            done.append((digest(file.data), stat_sig(os.path.join(staging, file.path))))
            if part == 0 and progress is not None:
                progress("render", len(done) * parts, total)
        return done

    results: list[tuple[str, Sig | None]] = [("", None)] * total
    for part, found in enumerate(parallel.split(task, parts)):
        results[part::parts] = found
    if progress is not None:
        progress("render", total, total)
    return results


# --------------------------------------------------------------------------- the builder


@dataclass
class Outcome:
    """What an incremental build did."""

    files: int
    warnings: tuple[Diagnostic, ...]
    rendered: int = 0  # files whose bytes were computed
    written: int = 0  # files written or removed on disk
    up_to_date: bool = False  # there was nothing at all to do
    contents: Mapping[str, bytes] = field(default_factory=dict)  # in memory only
    laps: dict[str, float] = field(default_factory=dict)  # seconds spent, by step


class _Laps:
    """Seconds spent per step of a build (steps may recur: their times add up)."""

    def __init__(self) -> None:
        self.done: dict[str, float] = {}
        self._last = time.perf_counter()

    def __call__(self, step: str) -> None:
        now = time.perf_counter()
        self.done[step] = self.done.get(step, 0.0) + now - self._last
        self._last = now


Record = tuple[str | None, str, Sig | None]  # an output file's key, digest of bytes, stat


@dataclass
class _Manifest:
    """What the last build left in an output folder, and what it was built from."""

    files: dict[str, Record]
    dirs: dict[str, int]  # folder → modification time (ns); "" is the output folder
    inputs: dict[str, tuple[Sig | None, str]]  # input file → stat, digest of bytes
    build_key: str  # the part of every key that all files share: code, config, clock
    check_git: bool
    deleted: dict[str, str | None]  # what git said about deleted incident files
    warnings: tuple[Diagnostic, ...]


class Builder:
    """Builds one site again and again, each time doing only what changed.

    With `out`, files are written there and the manifest kept in the cache folder; with
    `out=None`, the last build's files are kept in memory (for `serve`). With
    `use_disk=False` nothing is kept on disk between processes. `save_parses=False` keeps
    the parse cache in memory after the first build (a long-running preview saves it once).
    """

    def __init__(
        self,
        root: Path,
        out: Path | None = None,
        *,
        use_disk: bool = True,
        save_parses: bool = True,
    ) -> None:
        self.root = root
        self.out = out.resolve() if out is not None else None
        self.store = Store(root) if use_disk else None
        self.save_parses = save_parses
        self.parse = ParseCache()
        self.history = History(root, cache=use_disk)
        self.memory: dict[str, tuple[str | None, bytes]] = {}
        self.manifest: _Manifest | None = None
        self.site: Site | None = None  # as the last build loaded it (not after a no-op)
        self._loaded = False

    @property
    def manifest_name(self) -> str:
        return f"build-{digest(str(self.out))[:16]}.pickle"

    def build(
        self, *, now: datetime, check_git: bool = True, progress: Progress | None = None
    ) -> Outcome:
        """Build at `now`; raises InputError (and writes nothing) if the input has errors."""
        # A build makes millions of objects that live until it ends; Python's cycle
        # collector would walk all of them again and again (a fifth of the time). Reference
        # counting still frees everything a build lets go of.
        collecting = gc.isenabled()
        gc.disable()
        try:
            return self._build(now=now, check_git=check_git, progress=progress)
        finally:
            if collecting:
                gc.enable()

    def _build(self, *, now: datetime, check_git: bool, progress: Progress | None) -> Outcome:
        laps = _Laps()
        first = not self._loaded
        self._loaded = True
        if first and self.store is not None and self.out is not None:
            saved = self.store.read(self.manifest_name)
            manifest = saved.get("manifest") if saved else None
            self.manifest = manifest if isinstance(manifest, _Manifest) else None
        deleted = _deleted(self.history) if check_git else {}
        # With a last build to compare with, the inputs are looked at before anything reads
        # them (a change made during the build is then seen by the next one), reading only
        # files whose stat changed; nothing to do if none did.
        inputs = self._inputs() if self.manifest is not None else None
        if inputs is not None and self._up_to_date(inputs, now, check_git, deleted):
            assert self.manifest is not None
            log.info("nothing changed since the last build")
            laps("check")
            return Outcome(
                len(self.manifest.files), self.manifest.warnings, up_to_date=True, laps=laps.done
            )
        laps("check")
        if first and self.store is not None:
            self.parse.load(self.store)
        config_sig = stat_sig(self.root / CONFIG_NAME, time.time_ns())
        laps("cache")
        result = load_site(
            self.root, now=now, check_git=check_git, parser=self.parse, history=self.history
        )
        laps("load")
        if self.store is not None and (self.save_parses or first):
            self.parse.save(self.store)
            laps("cache")
        if result.site is None:
            raise InputError(result.errors)
        self.site = result.site
        if self.store is not None:
            from statuspage.outputs.pages import BYTECODE

            BYTECODE.folder = self.store.folder / "templates"
        files = _generate(result)
        laps("list")
        build_key = digest(toolchain(), result.config_digest, now.isoformat())
        if self.out is None:
            outcome = self._in_memory(files, build_key, progress, laps)
        else:
            if inputs is None:  # as load read them: the parse cache knows the incident files
                inputs = self._inputs(fresh={CONFIG_NAME: (config_sig, result.config_digest)})
            outcome, records = self._on_disk(files, build_key, progress, laps)
            self.manifest = _Manifest(
                files=records,
                dirs=_folders(self.out, records),
                inputs=inputs,
                build_key=build_key,
                check_git=check_git,
                deleted=deleted,
                warnings=result.warnings,
            )
            self._save_manifest()
            laps("cache")
        outcome.warnings = result.warnings
        outcome.laps = laps.done
        log.debug("build: %s", ", ".join(f"{k} {v:.3f} s" for k, v in laps.done.items()))
        return outcome

    def _save_manifest(self) -> None:
        if self.store is not None and self.manifest is not None:
            self.store.write(self.manifest_name, {"manifest": self.manifest})

    # ------------------------------------------------------------------ in memory

    def _in_memory(
        self, files: list[OutputFile], build_key: str, progress: Progress | None, laps: _Laps
    ) -> Outcome:
        from statuspage.builder.write import checked_files

        files = checked_files(files)  # the writer's checks, without writing
        keys = [_full_key(build_key, f) for f in files]
        for file, key in zip(files, keys, strict=True):
            known = self.memory.get(file.path)
            if key is not None and known is not None and known[0] == key:
                file.fill(known[1])
        rendered = sum(1 for f in files if not f.rendered)
        laps("check")
        render_all(files, progress)
        laps("render")
        self.memory = {f.path: (key, f.data) for f, key in zip(files, keys, strict=True)}
        contents = {path: data for path, (_, data) in self.memory.items()}
        return Outcome(len(files), (), rendered=rendered, contents=contents)

    # ------------------------------------------------------------------ on disk

    def _on_disk(
        self, files: list[OutputFile], build_key: str, progress: Progress | None, laps: _Laps
    ) -> tuple[Outcome, dict[str, Record]]:
        from statuspage.builder.write import checked_files, new_staging, swap_in, update_site

        assert self.out is not None
        files = checked_files(files)
        known = self.manifest.files if self.manifest is not None and self.out.is_dir() else None
        records: dict[str, Record] = {}
        if known is None:  # nothing to build on: everything, swapped in at once
            staging = new_staging(self.out)
            try:
                written = _render_into(staging, files, progress)
                laps("render")
                swap_in(staging, self.out)
            except BaseException:
                shutil.rmtree(staging, ignore_errors=True)
                raise
            laps("write")
            for file, (data_digest, sig) in zip(files, written, strict=True):
                records[file.path] = (_full_key(build_key, file), data_digest, sig)
            return Outcome(len(files), (), rendered=len(files), written=len(files)), records
        # A file of the last build is kept only while it stands on disk as it was written.
        top = str(self.out)
        on_disk = {path: stat_sig(os.path.join(top, path)) for path in known}
        render: list[OutputFile] = []
        for file in files:
            key, old = _full_key(build_key, file), known.get(file.path)
            if (
                key is not None
                and old is not None
                and old[0] == key
                and old[2] == on_disk[file.path]
            ):
                records[file.path] = old
            else:
                render.append(file)
        laps("check")
        rendered = sum(1 for file in render if not file.rendered)  # not made while listing
        render_all(render, progress)
        laps("render")
        changed: list[OutputFile] = []
        for file in render:
            key, old = _full_key(build_key, file), known.get(file.path)
            data_digest = digest(file.data)
            if old is not None and old[1] == data_digest and old[2] == on_disk[file.path]:
                records[file.path] = (key, data_digest, old[2])  # same bytes: not rewritten
            else:
                changed.append(file)
                records[file.path] = (key, data_digest, None)
        removed = [path for path in known if path not in records]
        removed += self._strays(records)
        update_site(self.out, changed, removed)
        laps("write")
        for file in changed:
            key, data_digest, _ = records[file.path]
            records[file.path] = (key, data_digest, stat_sig(os.path.join(top, file.path)))
        outcome = Outcome(len(files), (), rendered=rendered, written=len(changed) + len(removed))
        return outcome, records

    def _strays(self, records: Mapping[str, Record]) -> list[str]:
        """What someone else put into the output folder since the last build (a clean build
        would not have it), looked for in the folders whose time changed."""
        assert self.out is not None and self.manifest is not None
        wanted = set(records)
        folders = _parents(records)
        strays = []
        for folder, mtime in self.manifest.dirs.items():
            base = self.out / folder if folder else self.out
            if _mtime(base) == mtime:
                continue
            try:
                entries = list(os.scandir(base))
            except OSError:
                continue
            for entry in entries:
                relative = f"{folder}/{entry.name}" if folder else entry.name
                if relative not in wanted and relative not in folders:
                    strays.append(relative)
        return strays

    # ------------------------------------------------------------------ nothing to do?

    def _inputs(
        self, fresh: Mapping[str, tuple[Sig | None, str]] | None = None
    ) -> dict[str, tuple[Sig | None, str]]:
        """Every input file with its stat and a digest of its bytes: the config, the
        incident folder's entries, the site's own themes. A file is read only if neither the
        last build nor the parse cache knows it by that stat; `fresh` gives some directly."""
        known = self.manifest.inputs if self.manifest is not None else {}
        parsed = self.parse.entries
        now_ns = time.time_ns()
        found: dict[str, tuple[Sig | None, str]] = {}
        for relative in _input_files(self.root):
            if fresh is not None and relative in fresh:
                found[relative] = fresh[relative]
                continue
            path = self.root / relative
            sig = stat_sig(path)
            old = known.get(relative)
            if sig is not None and old is not None and old[0] == sig:
                found[relative] = old
                continue
            entry = parsed.get(relative)
            if entry is not None and (fresh is not None or (sig is not None and entry.sig == sig)):
                found[relative] = (entry.sig, entry.digest)  # as load read it
                continue
            try:  # never follows a link nor opens a FIFO or a device (load says what is wrong)
                data = read_regular(path)
            except OSError:  # missing, a folder, unreadable: load says what is wrong
                data = b"\0" + (b"missing" if sig is None else b"unreadable")
            trusted = sig if sig is not None and now_ns - sig[1] >= RACY_NS else None
            found[relative] = (trusted, digest(relative, data))
        return found

    def _up_to_date(
        self,
        inputs: Mapping[str, tuple[Sig | None, str]],
        now: datetime,
        check_git: bool,
        deleted: Mapping[str, str | None],
    ) -> bool:
        """Whether the last build still stands: same code, config, clock, checks and
        inputs, and every output file as it was written."""
        manifest = self.manifest
        if manifest is None or self.out is None or CONFIG_NAME not in inputs:
            return False
        build_key = digest(toolchain(), inputs[CONFIG_NAME][1], now.isoformat())
        if manifest.build_key != build_key or manifest.check_git != check_git:
            return False
        if manifest.deleted != deleted or manifest.inputs.keys() != inputs.keys():
            return False
        if any(manifest.inputs[path][1] != source for path, (_, source) in inputs.items()):
            return False
        if any(_mtime(self.out / d if d else self.out) != t for d, t in manifest.dirs.items()):
            return False
        top = str(self.out)
        if any(
            stat_sig(os.path.join(top, path)) != sig for path, (_, _, sig) in manifest.files.items()
        ):
            return False
        if manifest.inputs != inputs:  # the same bytes, now old enough to trust their stat
            manifest.inputs = dict(inputs)
            self._save_manifest()
        return True


def _deleted(history: History) -> dict[str, str | None]:
    found = history.deleted()  # from the history walk, cached per commit
    found[" HEAD"] = head_commit(history.root)  # edits of published updates come from it too
    return found


def _input_files(root: Path) -> list[str]:
    """The site's inputs, relative to its root: what load and the themes read."""
    found = [CONFIG_NAME]
    folder = root / INCIDENTS_DIR
    if folder.is_dir():
        found += sorted(f"{INCIDENTS_DIR}/{entry.name}" for entry in os.scandir(folder))
    themes = root / THEMES_DIR
    if themes.is_dir():
        for dirpath, dirnames, filenames in os.walk(themes):
            dirnames.sort()
            base = Path(dirpath).relative_to(root).as_posix()
            found += [f"{base}/{name}" for name in sorted(filenames)]
    return found


def _parents(paths: Iterable[str]) -> set[str]:
    """Every folder that holds one of `paths` ("" for the top)."""
    folders = {""}
    for path in paths:
        parts = path.split("/")[:-1]
        for end in range(1, len(parts) + 1):
            folders.add("/".join(parts[:end]))
    return folders


def _mtime(path: Path) -> int:
    try:
        return os.stat(path).st_mtime_ns
    except OSError:
        return -1


def _folders(out: Path, records: Mapping[str, Record]) -> dict[str, int]:
    """The output's folders (those holding a file) with their modification times."""
    return {folder: _mtime(out / folder if folder else out) for folder in _parents(records)}


def _full_key(build_key: str, file: OutputFile) -> str | None:
    # Kept as written, not hashed again: comparing strings is cheaper than hashing them.
    return None if file.key is None else f"{build_key} {file.key}"


def _generate(result: LoadResult) -> list[OutputFile]:
    assert result.site is not None
    files: list[OutputFile] = []
    for generate in generators():
        files.extend(generate(result.site))
    return files


def generators() -> list[Generator]:
    found = []
    for spec in GENERATORS:
        module, _, name = spec.partition(":")
        found.append(getattr(importlib.import_module(module), name))
    return found

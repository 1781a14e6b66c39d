"""Incremental builds: parse, render and write only what changed (docs/performance.md).

A build reads top to bottom (`Builder._build`): look at the inputs → load the site →
list every output file with its key → bring the spare (the site before, beside the output)
up to date: keep its current files, link the live site's current ones, render and write the
others, remove the rest → swap it in at once → record what was done.

What a build keeps for the next one lives in the site's `.statuspage/cache/` (git-ignored,
never inside the published site), every file sealed with this user's key (sealed.py): a
file that anyone else put there, a pull request included, is never unpickled.

- `parse-NN.pickle`: each incident file's parse result, under a digest of the file's bytes,
  for one config and one version of the code (in 16 shards: one edit rewrites one);
- `build-<digest of the output folder>.pickle`, the manifest of an output folder and of its
  spare: for each file the key it was rendered under, a digest of its bytes and how it stood
  on disk (size, modification time, inode) once written, each folder's modification time
  and how the marker file stood; and a digest of every input's bytes.

Inputs are known by their bytes, never by their size or time: every build reads them all
(that is cheap) and compares digests. An output keeps the spare's file (or links the live
site's) when its key is the same and the file still stands on disk as written. Keys name
everything a file's render can read, by one rule (`Keys` in outputs/output.py: a
fingerprint of the render function's arguments), and the build adds what every file
depends on: the code and the config. The clock is not among them: a page that shows it
gets it as an argument of its view. So the output is byte for byte what a clean build
gives; a missing, stale, foreign or corrupt cache only costs time.
"""

from __future__ import annotations

import functools
import gc
import logging
import os
import pickle
import shutil
import stat
import sys
import time
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from statuspage.builder import parallel
from statuspage.builder.write import (
    Sig,
    checked_files,
    clean_leftovers,
    clear,
    link_files,
    locked,
    mtime,
    open_spare,
    prune,
    seal_spare,
    spare_of,
    stat_sig,
    swap,
    tidy,
    write_files,
)
from statuspage.inputs.config import CONFIG_NAME
from statuspage.inputs.diagnostics import (
    Diagnostic,
    InputError,
    Problems,
    Progress,
    StatuspageError,
)
from statuspage.inputs.fingerprint import digest
from statuspage.inputs.history import History
from statuspage.inputs.load import INCIDENTS_DIR, Parsed, ParseJob, load_site
from statuspage.inputs.model import Config, Site
from statuspage.inputs.places import SITE_MARKER, check_output_folder
from statuspage.inputs.regular import read_regular
from statuspage.inputs.sealed import Seal
from statuspage.inputs.yamlmarks import MAX_FILE_BYTES
from statuspage.outputs import Generator, generators
from statuspage.outputs.output import OutputFile

log = logging.getLogger(__name__)

CACHE_DIR = ".statuspage/cache"
FORMAT = 3  # bump when what the cache holds changes shape
PARALLEL_PARSE = 1000  # files to parse before a second process pays for itself
PARALLEL_RENDER = 400  # files to render before a second process pays for itself
# Rendering a page leaves reference cycles (Jinja's contexts, blocks and macros refer to each
# other: about 150 objects a page), which only the cycle collector frees, and `build` pauses
# it. They are swept every this many files, with everything made before the render frozen
# (gc.freeze), so a sweep walks only what rendering made since the last one: 100 MB less
# at 10,000 incidents, for about 0.05 s of CPU per 1,000 files.
SWEEP_EVERY = 200
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


def read_input(path: Path | str, limit: int | None = None) -> bytes | None:
    """The bytes of a regular file, not following a link and never waiting on a pipe;
    None for anything else or anything larger than `limit` (the loader says what is wrong)."""
    try:
        data = read_regular(path, limit=limit)
    except OSError:
        return None
    if limit is not None and len(data) > limit:
        return None
    return data


# --------------------------------------------------------------------------- the code itself


@functools.cache
def toolchain() -> str:
    """A digest of the code that builds: this package (and its themes and catalogs), the
    libraries it renders with, and Python. Any change to them invalidates every cache.
    Worked out once per process."""
    import importlib.util

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
    return digest(*parts)


# --------------------------------------------------------------------------- the cache folder


class Store:
    """One site's cache folder: pickled values, each sealed with this user's key and written
    whole or not at all. Anything that cannot be read back or whose seal does not check out,
    for whatever reason, reads as nothing and is never unpickled."""

    def __init__(self, root: Path, seal: Seal | None) -> None:
        self.folder = root / CACHE_DIR
        self.seal = seal

    def read(self, name: str) -> Any:
        if self.seal is None:
            return None
        payload = self.seal.read(self.folder / name, name)
        if payload is None:
            return None
        try:
            value = pickle.loads(payload)
        except Exception as exc:  # from another version of the code: start afresh
            log.debug("cache %s unreadable (%s); starting afresh", name, exc)
            return None
        if not isinstance(value, dict) or value.get("format") != FORMAT:
            return None
        if value.get("toolchain") != toolchain():
            return None
        return value

    def write(self, name: str, value: dict[str, Any]) -> None:
        if self.seal is None:
            return
        value = {"format": FORMAT, "toolchain": toolchain(), **value}
        try:
            payload = pickle.dumps(value, protocol=pickle.HIGHEST_PROTOCOL)
            self.seal.write(self.folder / name, name, payload)
        except OSError as exc:  # a read-only checkout: the next build is just slower
            log.debug("cannot write the cache %s: %s", name, exc)


# --------------------------------------------------------------------------- parsing


@dataclass(slots=True)
class _Parse:
    digest: str  # of the file's path and bytes
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
    """Parse results per incident file (a `load.Parser`), for one config and code, found
    by a digest of each file's bytes.

    Kept on disk in `SHARDS` files by a digest of each file's path, so that a build after
    one edit rewrites one shard, not the whole history's results. `known` holds digests of
    files the engine has just read (it need not read them again).
    """

    SHARDS = 16

    def __init__(self) -> None:
        self.config_digest = ""
        self.entries: dict[str, _Parse] = {}
        self.dirty: set[int] = set()  # shards changed since they were last saved
        self.known: Mapping[str, str] = {}

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
                for path, (source, blob) in saved["entries"].items():
                    entries[path] = _Parse(source, None, blob)
            except Exception as exc:  # missing or damaged: its files are parsed again
                log.debug("parse cache shard %d not used (%s)", shard, exc)
                self.dirty.add(shard)
        if len(configs) == 1:
            self.config_digest, self.entries = configs.pop(), entries
        else:  # shards from several configs: none can be trusted to match
            self.dirty = set(range(self.SHARDS))

    def save(self, store: Store) -> None:
        shards: dict[int, dict[str, tuple[str, bytes]]] = {shard: {} for shard in self.dirty}
        for path, entry in self.entries.items():
            shard = int(digest(path)[:4], 16) % self.SHARDS
            if shard in shards:
                shards[shard][path] = (entry.digest, entry.dump())
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
        results: list[Parsed | None] = [None] * len(jobs)
        todo: list[tuple[int, bytes, str]] = []
        for index, job in enumerate(jobs):
            entry = self.entries.get(job.shown)
            if entry is not None and self.known.get(job.shown) == entry.digest:
                results[index] = entry.get()
                continue
            data = read_input(job.path, MAX_FILE_BYTES)
            if data is None:
                results[index] = _parse(job, None, config)  # the loader's own message
                continue
            source = digest(job.shown, data)
            if entry is not None and entry.digest == source:
                results[index] = entry.get()
                continue
            todo.append((index, data, source))
        for (index, _, source), (parsed, blob) in zip(
            todo, _parse_many(jobs, todo, config), strict=True
        ):
            self.entries[jobs[index].shown] = _Parse(source, parsed, blob)
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
    jobs: Sequence[ParseJob], todo: Sequence[tuple[int, bytes, str]], config: Config
) -> list[tuple[Parsed, bytes | None]]:
    """Parse `todo`, in several processes when there are many; workers send pickles
    (through a pipe, never from disk), which the cache keeps as they are."""
    parts = min(parallel.cores(), 8) if len(todo) >= PARALLEL_PARSE else 1

    def task(part: int, parts: int) -> list[Any]:
        mine = [_parse(jobs[index], data, config) for index, data, _ in todo[part::parts]]
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
    total = len(files)
    parts = min(parallel.cores(), 8) if total >= PARALLEL_RENDER else 1

    def task(part: int, parts: int) -> list[tuple[str, Sig | None]]:
        done: list[tuple[str, Sig | None]] = []
        made: set[str] = set()
        for file in files[part::parts]:
            write_files(staging, [file], made)
            done.append((digest(file.data), stat_sig(os.path.join(staging, file.path))))
            if part == 0 and progress is not None:
                progress("render", len(done) * parts, total)
            if len(done) % SWEEP_EVERY == 0:
                gc.collect(1)  # what the last files made; survivors go to the oldest generation
        return done

    results: list[tuple[str, Sig | None]] = [("", None)] * total
    with parallel.frozen():
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
    written: int = 0  # files written anew (the others were already there, or linked)
    linked: int = 0  # files of the live site linked into the spare
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
class _Copy:
    """A copy of the site on disk (the output or its spare) as a build left it."""

    files: dict[str, Record]
    dirs: dict[str, int]  # folder → modification time (ns); "" is the copy's own folder
    marker: Sig | None  # its marker file as written: the copy is known while it stands so


@dataclass
class _Manifest:
    """What the last build left in an output folder and beside it, and what it was built
    from."""

    files: dict[str, Record]
    dirs: dict[str, int]  # folder → modification time (ns); "" is the output folder
    marker: Sig | None  # the output's marker file as written
    spare: _Copy | None  # the spare beside the output: the site of the build before
    inputs: dict[str, str]  # input file → digest of its bytes
    build_key: str  # the part of every key that all files share: the code and the config
    now: str  # the clock it was built at (not in the keys: pages that show it have it)
    check_git: bool
    deleted: dict[str, str | None]  # what git said about deleted incident files
    warnings: tuple[Diagnostic, ...]


class OutputError(StatuspageError, OSError):
    """The output folder cannot be written; the site there was left as it was. An OSError
    too, as what the machine refused."""

    def __init__(self, out: Path, exc: OSError) -> None:
        where = exc.filename or out
        super().__init__(
            f"cannot write the site into {out}: {exc.strerror or exc} ({where}); "
            "the site there was left as it was"
        )


class Builder:
    """Builds one site again and again, each time doing only what changed.

    With `out`, the site is made in the spare beside it (`.NAME.spare`, write.py) and
    swapped in, and the manifest kept in the cache folder; with `out=None`, the last
    build's files are kept in memory (for `serve`). With `use_disk=False` nothing is kept in
    the cache folder between processes (the old site still stays beside the output as the
    spare, which the next build then checks folder by folder). `save_parses=False` keeps
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
        self.given_out = out
        self.out = out.resolve() if out is not None else None
        self.store = Store(root, Seal.mine()) if use_disk else None
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
        with self.history.one_build():  # git is asked each question once
            return self._build(now, check_git, progress)

    def _build(self, now: datetime, check_git: bool, progress: Progress | None) -> Outcome:
        laps = _Laps()
        if self.given_out is not None:
            check_output_folder(self.root, self.given_out, option="--out")
        if self.out is not None and not os.path.lexists(self.out):
            tidy(self.out)  # puts back the site a killed swap left aside, whatever comes next
        first = not self._loaded
        self._loaded = True
        if first and self.store is not None:
            if self.out is not None:
                saved = self.store.read(self.manifest_name)
                manifest = saved.get("manifest") if saved else None
                self.manifest = manifest if isinstance(manifest, _Manifest) else None
            self.parse.load(self.store)
        laps("cache")

        # 1. The inputs, by their bytes: nothing to do if they, the clock and the output
        #    stand as the last build left them.
        deleted = _deleted(self.history) if check_git else {}
        # (With no last build to compare with, what load reads tells them: see below.)
        inputs = _input_digests(self.root) if self.manifest is not None else {}
        if self._up_to_date(inputs, now, check_git, deleted):
            assert self.manifest is not None and self.out is not None
            tidy(self.out)  # what killed builds left beside the output goes all the same
            log.info("nothing changed since the last build")
            laps("check")
            return Outcome(
                len(self.manifest.files), self.manifest.warnings, up_to_date=True, laps=laps.done
            )
        laps("check")

        # 2. Load the site, parsing only files whose bytes are new.
        self.parse.known = inputs
        # The last build's timelines: those of the same incident objects (kept by the parse
        # cache) at the same clock object are the ones this build would make.
        made = self.site.timelines if self.site is not None and self.site.now is now else None
        result = load_site(
            self.root,
            now=now,
            check_git=check_git,
            parser=self.parse,
            history=self.history,
            made=made,
        )
        self.parse.known = {}
        if not inputs and self.out is not None:  # the incident files as just parsed
            parsed = {path: entry.digest for path, entry in self.parse.entries.items()}
            inputs = _input_digests(self.root, parsed)
        laps("load")
        if self.store is not None and (self.save_parses or first):
            self.parse.save(self.store)
            laps("cache")
        if result.site is None:
            raise InputError(result.errors)
        self.site = result.site

        # 3. List every output file with its key (pages render later, on demand).
        files = list_outputs(result.site)
        # The clock is not in it: it is an argument of the views of the pages that show it.
        build_key = digest(toolchain(), result.config_digest)
        laps("list")

        # 4-6. Keep what is current, render the rest, write the whole site, record it.
        if self.out is None:
            outcome = self._in_memory(files, build_key, progress, laps)
        else:
            try:
                outcome, live, spare = self._on_disk(files, build_key, progress, laps)
            except OSError as exc:  # a full disk, a read-only or foreign folder: the user's
                raise OutputError(self.out, exc) from exc
            self.manifest = _Manifest(
                files=live.files,
                dirs=live.dirs,
                marker=live.marker,
                spare=spare,
                inputs=inputs,
                build_key=build_key,
                now=now.isoformat(),
                check_git=check_git,
                deleted=deleted,
                warnings=result.warnings,
            )
            if self.store is not None:
                self.store.write(self.manifest_name, {"manifest": self.manifest})
            laps("cache")
        outcome.warnings = result.warnings
        outcome.laps = laps.done
        log.debug("build: %s", ", ".join(f"{k} {v:.3f} s" for k, v in laps.done.items()))
        return outcome

    # ------------------------------------------------------------------ in memory

    def _in_memory(
        self, files: list[OutputFile], build_key: str, progress: Progress | None, laps: _Laps
    ) -> Outcome:
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
    ) -> tuple[Outcome, _Copy, _Copy | None]:
        """Bring the spare beside the output up to date and swap it in. Returns what was
        done, the new live site and the new spare (the site that was live)."""
        assert self.out is not None
        out, given, manifest = self.out, self.given_out, self.manifest
        files = checked_files(files)
        spare = spare_of(out)
        out.parent.mkdir(parents=True, exist_ok=True)
        with locked(out.parent):
            # Decided under the lock: another build may have swapped its site in.
            clean_leftovers(out)
            marker, made = open_spare(spare)  # from here on, it is known as being updated
            known = manifest.spare if manifest is not None else None
            if known is not None and (marker is None or marker != known.marker):
                known = None  # left half updated by a killed build, or not the one recorded
            try:
                outcome, new = self._update(spare, files, build_key, known, progress, laps)
                if given is not None:  # filled or replaced while rendering? (design §9)
                    check_output_folder(self.root, given, option="--out")
                kept = swap(spare, out)
            except BaseException:
                if made:  # a spare made for this build only, half written: not kept
                    shutil.rmtree(spare, ignore_errors=True)
                raise
        laps("write")
        old = None
        if kept and manifest is not None:
            old = _Copy(manifest.files, manifest.dirs, manifest.marker)
        return outcome, new, old

    def _update(
        self,
        spare: Path,
        files: list[OutputFile],
        build_key: str,
        known: _Copy | None,
        progress: Progress | None,
        laps: _Laps,
    ) -> tuple[Outcome, _Copy]:
        """Make the spare hold the site `files` make: its files that are current stay,
        current files of the live site are linked into it, the others are rendered and
        written, and what the new site does not hold is removed. `known` is what the spare
        holds, None if that is not known (then every folder of it is listed)."""
        assert self.out is not None
        live = self.manifest.files if self.manifest is not None else {}
        top, there = str(self.out), str(spare)
        paths = {file.path for file in files}
        folders = _parents(paths)
        spare_files = known.files if known is not None else {}
        touched = prune(spare, paths, folders, spare_files, known.dirs if known else None)
        records: dict[str, Record] = {}
        link: list[str] = []
        render: list[OutputFile] = []
        for file in files:
            key, path = _full_key(build_key, file), file.path
            # A file is kept only while it stands on disk as written, and if it has the
            # same key or (made while listing) the same bytes: the spare's first, else the
            # live site's, linked.
            old = spare_files.get(path)
            if old is not None and _current(old, key, file, os.path.join(there, path)):
                records[path] = old if old[0] == key else (key, old[1], old[2])
                continue
            old = live.get(path)
            if old is not None and _current(old, key, file, os.path.join(top, path)):
                records[path] = old if old[0] == key else (key, old[1], old[2])
                link.append(path)
            else:
                render.append(file)
        laps("check")
        rendered = sum(1 for file in render if not file.rendered)  # not made while listing
        for path in link_files(spare, self.out, link):
            key, data_digest, _ = records[path]  # a copy: as it now stands, once swapped in
            records[path] = (key, data_digest, stat_sig(os.path.join(there, path)))
        laps("link")
        for file in render:
            clear(os.path.join(there, file.path))
        written = _render_into(spare, render, progress)
        for file, (data_digest, sig) in zip(render, written, strict=True):
            records[file.path] = (_full_key(build_key, file), data_digest, sig)
        laps("render")
        marker = seal_spare(spare)
        touched.add("")  # the marker went out and came back
        touched |= _parents(link)
        touched |= _parents(file.path for file in render)
        recorded = known.dirs if known is not None else {}
        dirs = {  # the folders' times, as the next build will compare them
            folder: recorded[folder]
            if folder in recorded and folder not in touched
            else mtime(os.path.join(there, folder) if folder else there)
            for folder in folders
        }
        outcome = Outcome(len(files), (), rendered=rendered, written=len(render), linked=len(link))
        return outcome, _Copy(records, dirs, marker)

    # ------------------------------------------------------------------ nothing to do?

    def _up_to_date(
        self,
        inputs: Mapping[str, str],
        now: datetime,
        check_git: bool,
        deleted: Mapping[str, str | None],
    ) -> bool:
        """Whether the last build still stands: same code, config, clock, checks and
        inputs, and every output file as it was written (nothing added to the folder)."""
        manifest = self.manifest
        if manifest is None or self.out is None or CONFIG_NAME not in inputs:
            return False
        if manifest.inputs != inputs or manifest.check_git != check_git:
            return False
        # The config's digest is the one load makes of its bytes.
        if manifest.build_key != digest(toolchain(), inputs[CONFIG_NAME]):
            return False
        if manifest.now != now.isoformat():
            return False
        if manifest.deleted != deleted:
            return False
        if any(mtime(self.out / d if d else self.out) != t for d, t in manifest.dirs.items()):
            return False
        top = str(self.out)
        return all(
            sig is not None and stat_sig(os.path.join(top, path)) == sig
            for path, (_, _, sig) in manifest.files.items()
        )


def _deleted(history: History) -> dict[str, str | None]:
    found = history.deleted()  # from the history walk, cached per commit
    found[" HEAD"] = history.head()  # edits of published updates come from it too
    return found


def _input_digests(root: Path, known: Mapping[str, str] | None = None) -> dict[str, str]:
    """Every input of the site, relative to its root, with a digest of its bytes: the
    config, the incident folder's entries, the site's own themes. Anything that is not a
    regular file gets a digest of what it is (the loader reports it). `known` gives the
    digests of files just read (the same `digest(path, bytes)`)."""
    found = {}
    top = os.path.join(root, "")  # strings, not Path objects: 10,000 of them add up
    themes = f"{THEMES_DIR}/"
    for relative in _input_files(root):
        if known is not None and relative in known:
            found[relative] = known[relative]
            continue
        limit = None if relative.startswith(themes) else MAX_FILE_BYTES  # as load reads
        path = top + relative
        data = read_input(path, limit)
        if data is None:
            try:
                st = os.lstat(path)
                kind = str(st.st_mode)
                if stat.S_ISREG(st.st_mode):  # over the limit: its size and time stand for it
                    kind += f" {st.st_size} {st.st_mtime_ns}"
            except OSError:
                kind = "missing"
            found[relative] = digest(relative, "not a regular file", kind)
        else:
            found[relative] = digest(relative, data)
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


def _current(record: Record, key: str | None, file: OutputFile, where: str) -> bool:
    """Whether the file recorded as `record` serves as `file`: the same key or (made while
    listing) the same bytes, and it still stands at `where` as written."""
    return (
        record[2] is not None
        and (
            (key is not None and record[0] == key)
            or (file.rendered and record[1] == digest(file.data))
        )
        and record[2] == stat_sig(where)
    )


def _full_key(build_key: str, file: OutputFile) -> str | None:
    # Kept as written, not hashed again: comparing strings is cheaper than hashing them.
    return None if file.key is None else f"{build_key} {file.key}"


def list_outputs(site: Site, generate: Sequence[Generator] | None = None) -> list[OutputFile]:
    """Every file of the site, listed by each generator (all of them by default); most
    render later, when their bytes are first asked for."""
    files: list[OutputFile] = []
    # As while rendering: what the build holds so far (the site, its timelines, the parse
    # cache) is frozen, so that the collections that listing's many small objects set off
    # walk only what listing made, not the whole history again each time.
    with parallel.frozen():
        for generator in generators() if generate is None else generate:
            files.extend(generator(site))
    return files


__all__ = ["SITE_MARKER", "Builder", "Outcome", "Progress", "list_outputs", "render_all"]

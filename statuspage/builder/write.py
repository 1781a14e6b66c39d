"""The one writer: a built site appears in its output folder all at once, or not at all.

Two copies of the site stand side by side: the output, which is live, and the *spare*
beside it (`.NAME.spare`), which holds the site of the build before. A build brings the
spare up to date in place (nobody serves it): the files it already holds that are current
stay, files the live site holds that are current are hard-linked from it, the others are
written new, and whatever the new site does not hold is removed. Then
`renameat2(RENAME_EXCHANGE)` swaps the two folders in one step: the updated spare is live,
and the old site is the next build's spare. The live site is never touched before the swap,
so a build killed at any moment leaves the old site or the new one in place, never a mix
and never a half-written file; the spare it was updating holds no marker file then, and the
next build does not trust it (engine.py checks it folder by folder). Where the swap is not
available, renames do it (the output is then missing for an instant, and a kill between
them leaves the old site under `.NAME.old-*`, which the next build puts back).
"""

from __future__ import annotations

import contextlib
import errno
import os
import shutil
import stat
import tempfile
from collections.abc import Collection, Iterable, Iterator, Mapping
from pathlib import Path

from statuspage.inputs.diagnostics import StatuspageError
from statuspage.inputs.places import SITE_MARKER, SITE_MARKER_TEXT
from statuspage.outputs.output import OutputFile


class OutputPathError(StatuspageError):
    """A generator asked for a path outside the output folder, or for one path twice."""


def checked_files(files: Iterable[OutputFile]) -> list[OutputFile]:
    """The files sorted by path; refuses unsafe and repeated paths."""
    seen: set[str] = set()
    result = []
    for file in files:
        # What PurePosixPath(file.path).parts would hold, without making one per file.
        parts = [part for part in file.path.split("/") if part not in ("", ".")]
        if file.path.startswith("/") or not parts or ".." in parts or "\\" in file.path:
            raise OutputPathError(f"refusing to write {file.path!r}: outside the output folder")
        if file.path in seen:
            raise OutputPathError(f"refusing to write {file.path!r} twice")
        if file.path == SITE_MARKER:
            raise OutputPathError(f"refusing to write {file.path!r}: the build's own marker")
        seen.add(file.path)
        result.append(file)
    result.sort(key=lambda f: f.path)
    return result


def tidy(out: Path) -> list[Path]:
    """`clean_leftovers`, waiting for a build into `out` that is under way (a build with
    nothing to do calls it: what killed builds left goes even then)."""
    if not out.parent.is_dir():
        return []
    with locked(out.parent):
        return clean_leftovers(out)


def clean_leftovers(out: Path) -> list[Path]:
    """Remove what killed builds into `out` left beside it; returns what was removed.
    A build killed between the two renames of a swap without renameat2 left the old site
    as `.NAME.old-*` and no `out`: that site is put back, not removed."""
    removed = []
    prefixes = (f".{out.name}.new-", f".{out.name}.old-")
    with contextlib.suppress(OSError):
        if not os.path.lexists(out):
            for entry in sorted(os.scandir(out.parent), key=lambda e: e.name):
                if (
                    entry.name.startswith(prefixes[1])
                    and entry.is_dir(follow_symlinks=False)
                    and os.path.isfile(os.path.join(entry.path, SITE_MARKER))
                ):
                    os.rename(entry.path, out)
                    break
        for entry in os.scandir(out.parent):
            if entry.name.startswith(prefixes) and entry.is_dir(follow_symlinks=False):
                shutil.rmtree(entry.path, ignore_errors=True)
                removed.append(Path(entry.path))
    return removed


Sig = tuple[int, int, int]  # size, modification time (ns), inode


def stat_sig(path: Path | str) -> Sig | None:
    """How a file stands on disk; None if it is missing."""
    try:
        st = os.lstat(path)
    except OSError:
        return None
    return (st.st_size, st.st_mtime_ns, st.st_ino)


def mtime(path: Path | str) -> int:
    """A folder's modification time (ns), which changes when an entry is added or removed;
    -1 if it is missing or not a folder."""
    try:
        st = os.lstat(path)
    except OSError:
        return -1
    return st.st_mtime_ns if stat.S_ISDIR(st.st_mode) else -1


def spare_of(out: Path) -> Path:
    """The spare copy of the site beside `out`: the site of the build before."""
    return out.parent / f".{out.name}.spare"


def open_spare(spare: Path) -> tuple[Sig | None, bool]:
    """Make `spare` ready to be updated: a real folder (anything else there is removed, a
    missing one made). Its marker file is removed first, so that a spare left half updated
    by a killed build is known as such. Returns how the marker stood (None if missing) and
    whether the folder was made here."""
    try:
        st = os.lstat(spare)
    except FileNotFoundError:
        st = None
    if st is not None and not stat.S_ISDIR(st.st_mode):
        os.unlink(spare)
        st = None
    if st is None:
        os.mkdir(spare)
        os.chmod(spare, 0o755)  # it becomes the output folder, which a web server reads
        return None, True
    marker = os.path.join(spare, SITE_MARKER)
    found = stat_sig(marker)
    if found is not None:
        clear(marker)
    return found, False


def seal_spare(spare: Path) -> Sig | None:
    """Put the marker back into an updated spare; returns how it stands."""
    marker = os.path.join(spare, SITE_MARKER)
    _write_new(marker, SITE_MARKER_TEXT, {str(spare)})
    return stat_sig(marker)


def clear(target: str) -> None:
    """Remove whatever stands at `target` (a file, a link, a folder with what it holds)."""
    try:
        st = os.lstat(target)
    except FileNotFoundError:
        return
    if stat.S_ISDIR(st.st_mode):
        shutil.rmtree(target)
    else:
        os.unlink(target)


def _parent(path: str) -> str:
    return path.rpartition("/")[0]


def prune(
    spare: Path,
    paths: Collection[str],
    folders: Collection[str],
    records: Collection[str],
    dirs: Mapping[str, int] | None,
) -> set[str]:
    """Remove from `spare` everything but the files `paths` and the `folders` holding them
    (and its marker). What the spare holds is known from `records` (its files) and `dirs`
    (its folders with their modification times): a folder whose time is not the one
    recorded was changed by someone else and is listed again; with `dirs` None nothing is
    known and every folder is listed. Returns the folders changed here."""
    top = str(spare)
    known = dirs if dirs is not None else {}
    changed = [
        folder
        for folder, when in known.items()
        if folder in folders and mtime(os.path.join(top, folder) if folder else top) != when
    ]
    if dirs is None:
        changed = [""]
    touched: set[str] = set()
    for folder in sorted(known):  # parents first: what is inside a removed folder goes with it
        if folder not in folders and _parent(folder) in folders:
            clear(os.path.join(top, folder))
            touched.add(_parent(folder))
    for path in records:
        if path not in paths and _parent(path) in folders:
            clear(os.path.join(top, path))
            touched.add(_parent(path))

    def listed(folder: str, everything: bool) -> None:
        base = os.path.join(top, folder) if folder else top
        if folder and os.path.islink(base):  # never listed through a link: it goes
            clear(base)
            touched.add(_parent(folder))
            return
        try:
            with os.scandir(base) as entries:
                found = list(entries)
        except (FileNotFoundError, NotADirectoryError):  # removed with what held it
            return
        for entry in found:
            path = f"{folder}/{entry.name}" if folder else entry.name
            if path in paths and entry.is_file(follow_symlinks=False):
                continue
            if path in folders and entry.is_dir(follow_symlinks=False):
                if everything or path not in known:  # nothing known of what it holds
                    listed(path, True)
                continue
            clear(entry.path)
            touched.add(folder)

    for folder in sorted(changed):  # parents first
        listed(folder, dirs is None)
    return touched.union(changed)


def write_files(folder: Path, files: Iterable[OutputFile], made: set[str] | None = None) -> None:
    """Write files, already checked (`checked_files`), into the spare, where nothing stands
    at their paths. Several processes may write different files into it at once. `made`
    remembers the folders already made, for a caller that writes file by file."""
    # The spare only holds what is made here (`prune` removed anything else), so no link
    # can lead out of it, and checked paths have no `..`: joining them stays inside.
    made = set() if made is None else made
    for file in files:
        _write_new(os.path.join(folder, file.path), file.data, made)


def link_files(spare: Path, out: Path, paths: Iterable[str]) -> list[str]:
    """Put the files `paths` of the live site `out` into the spare as they are (whatever
    stands at their place in the spare goes first): hard links where the file system has
    them, copies elsewhere. Returns the paths copied (new files: they stand on disk
    otherwise than the ones they were copied from)."""
    copied = []
    made: set[str] = set()
    for path in paths:
        target = os.path.join(spare, path)
        folder = os.path.dirname(target)
        if folder not in made:
            os.makedirs(folder, exist_ok=True)
            made.add(folder)
        clear(target)
        source = os.path.join(out, path)
        try:
            os.link(source, target, follow_symlinks=False)
        except OSError as exc:
            if exc.errno not in (errno.EPERM, errno.EXDEV, errno.EMLINK, errno.ENOTSUP):
                raise
            shutil.copy2(source, target, follow_symlinks=False)
            copied.append(path)
    return copied


def _write_new(target: str, data: bytes, made: set[str]) -> None:
    folder = os.path.dirname(target)
    if folder not in made:
        os.makedirs(folder, exist_ok=True)
        made.add(folder)
    handle = os.open(target, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666)  # umask applies
    try:
        view = memoryview(data)
        while view:
            view = view[os.write(handle, view) :]
    finally:
        os.close(handle)


def swap(spare: Path, out: Path) -> bool:
    """Put `spare` in the place of `out` in one step; what was `out` is then at `spare`.
    False if there was no `out` (and so no spare is left)."""
    if not os.path.lexists(out):
        os.rename(spare, out)
        return False
    if _exchange(spare, out):
        return True
    old = Path(tempfile.mkdtemp(prefix=f".{out.name}.old-", dir=out.parent))
    os.rmdir(old)
    os.rename(out, old)
    try:
        os.rename(spare, out)
    except BaseException:
        os.rename(old, out)
        raise
    os.rename(old, spare)
    return True


_RENAME_EXCHANGE = 2
_AT_FDCWD = -100


def _exchange(first: Path, second: Path) -> bool:
    """Swap two folders in one step (Linux's renameat2); False where that is not possible."""
    if not hasattr(os, "sched_getaffinity"):  # not Linux
        return False
    import ctypes

    try:
        libc = ctypes.CDLL(None, use_errno=True)
        renameat2 = libc.renameat2
    except (OSError, AttributeError):
        return False
    result = renameat2(
        _AT_FDCWD, os.fsencode(first), _AT_FDCWD, os.fsencode(second), _RENAME_EXCHANGE
    )
    if result == 0:
        return True
    code = ctypes.get_errno()
    if code in (errno.EINVAL, errno.ENOSYS, errno.ENOTSUP):
        return False
    raise OSError(code, os.strerror(code), str(second))


@contextlib.contextmanager
def locked(folder: Path) -> Iterator[None]:
    """Hold a lock on `folder` (builds into the same place wait for each other: one
    updates the spare and swaps it in at a time)."""
    try:
        import fcntl
    except ImportError:  # pragma: no cover - not on POSIX
        yield
        return
    handle = os.open(folder, os.O_RDONLY)
    try:
        fcntl.flock(handle, fcntl.LOCK_EX)
        yield
    finally:
        os.close(handle)

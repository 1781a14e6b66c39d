"""The one writer: a built site appears in its output folder all at once, or not at all.

Every build, from scratch or incremental, makes a complete new site in a staging folder
beside the output (`.site.new-*`): files the last build wrote and that did not change are
hard links to them (no copy), the others are written new. The staging folder then takes
the output's place in one step: `renameat2(RENAME_EXCHANGE)` swaps the two folders
atomically, and the old site, now under the staging name, is removed. A build killed at
any moment leaves the old site or the new one in place, never a mix and never a
half-written file; its staging folder is removed by the next build (`clean_leftovers`).
Where the swap is not available, two renames do it (the output is then missing for an
instant, and a kill between them leaves the old site under `.site.old-*`, which the next
build removes after building anew).
"""

from __future__ import annotations

import contextlib
import errno
import os
import shutil
import tempfile
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path

from statuspage.builder import parallel
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


def remove_tree(folder: Path) -> None:
    """Remove a folder and everything in it, now."""
    shutil.rmtree(folder, ignore_errors=True)


def remove_tree_detached(folder: Path) -> None:
    """Remove a folder in a process of its own that outlives this one, so that a command
    need not wait for it (`build` after a swap: the old site is no longer anybody's). If
    that process is killed, the next build removes the folder as a leftover. Where this
    process cannot fork safely, the folder is removed now."""
    if not parallel.can_fork():
        remove_tree(folder)
        return
    pid = os.fork()
    if pid == 0:  # pragma: no cover - the child forks the remover and ends at once
        try:
            if os.fork() == 0:
                os.setsid()
                devnull = os.open(os.devnull, os.O_RDWR)
                for fd in (0, 1, 2):
                    os.dup2(devnull, fd)
                os.closerange(3, 65536)  # no pipe or lock of the command held open
                remove_tree(folder)
        finally:
            os._exit(0)
    os.waitpid(pid, 0)


@contextlib.contextmanager
def staged(
    out: Path,
    discard: Callable[[Path], None] = remove_tree,
    check: Callable[[], None] | None = None,
) -> Iterator[Path]:
    """A fresh folder to write a whole new site into; when the block ends without an
    error, it becomes `out` in one step (with the marker file of a build in it), and
    `discard` removes the old site. Leftovers of killed builds into `out` are removed first.
    `check` runs under the lock just before the swap and may raise to refuse it (the
    folder may have changed since it was first looked at)."""
    out.parent.mkdir(parents=True, exist_ok=True)
    with _locked(out.parent):
        clean_leftovers(out)
        staging = Path(tempfile.mkdtemp(prefix=f".{out.name}.new-", dir=out.parent))
        try:
            os.chmod(staging, 0o755)
            yield staging
            if check is not None:
                check()
            _write_new(os.path.join(staging, SITE_MARKER), SITE_MARKER_TEXT, {str(staging)})
            _replace(staging, out)
        except BaseException:
            remove_tree(staging)  # the new site, half made
            raise
    if os.path.lexists(staging):
        discard(staging)  # the old site, now under the staging folder's name


def tidy(out: Path) -> list[Path]:
    """`clean_leftovers`, waiting for a build into `out` that is under way (a build with
    nothing to do calls it: what killed builds left goes even then)."""
    if not out.parent.is_dir():
        return []
    with _locked(out.parent):
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


def write_staged(staging: Path, files: Iterable[OutputFile], made: set[str] | None = None) -> None:
    """Write files, already checked (`checked_files`), into a staging folder. Several
    processes may write different files into the same folder at once. `made` remembers the
    folders already made, for a caller that writes file by file."""
    # The staging folder is new and only holds what is made here, so no link can lead out
    # of it, and checked paths have no `..`: joining them stays inside.
    made = set() if made is None else made
    for file in files:
        _write_new(os.path.join(staging, file.path), file.data, made)


def link_staged(staging: Path, out: Path, paths: Iterable[str], made: set[str]) -> list[str]:
    """Put the files `paths` of the current site `out` into the staging folder as they
    are: hard links where the file system has them, copies elsewhere. Returns the paths
    copied (new files: they stand on disk otherwise than the ones they were copied from)."""
    copied = []
    for path in paths:
        target = os.path.join(staging, path)
        folder = os.path.dirname(target)
        if folder not in made:
            os.makedirs(folder, exist_ok=True)
            made.add(folder)
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


def _replace(staging: Path, out: Path) -> None:
    """Put `staging` in the place of `out`; what was `out` is then at `staging`."""
    if not os.path.lexists(out):
        os.rename(staging, out)
        return
    if _exchange(staging, out):
        return
    old = Path(tempfile.mkdtemp(prefix=f".{out.name}.old-", dir=out.parent))
    os.rmdir(old)
    os.rename(out, old)
    try:
        os.rename(staging, out)
    except BaseException:
        os.rename(old, out)
        raise
    os.rename(old, staging)


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
def _locked(folder: Path) -> Iterator[None]:
    """Hold a lock on `folder` (builds into the same place wait for each other, and none
    removes another's staging folder as a leftover)."""
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

"""Write a built site to disk: all files at once, or nothing.

The site is written into a fresh folder beside the output, then swapped in with two renames,
so a failed build (bad input, template error, full disk) leaves the previous site as it was.
"""

from __future__ import annotations

import contextlib
import os
import secrets
import shutil
import tempfile
from collections.abc import Iterable
from pathlib import Path

from statuspage.inputs.diagnostics import StatuspageError
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
        seen.add(file.path)
        result.append(file)
    result.sort(key=lambda f: f.path)
    return result


def write_site(files: Iterable[OutputFile], out: Path) -> int:
    """Replace the folder `out` with exactly `files`; returns how many were written."""
    out = out.resolve()
    checked = checked_files(files)
    staging = new_staging(out)
    try:
        write_staged(staging, checked)
        swap_in(staging, out)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    return len(checked)


def new_staging(out: Path) -> Path:
    """A fresh folder beside `out` to write a whole new site into (then `swap_in`)."""
    out.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{out.name}.new-", dir=out.parent))
    os.chmod(staging, 0o755)
    return staging


def write_staged(staging: Path, files: Iterable[OutputFile], made: set[str] | None = None) -> None:
    """Write files, already checked (`checked_files`), into a staging folder. Several
    processes may write different files into the same folder at once. `made` remembers the
    folders already made, for a caller that writes file by file."""
    # The staging folder is new and only holds what is made here, so no link can lead out
    # of it, and checked paths have no `..`: joining them stays inside.
    made = set() if made is None else made
    for file in files:
        _write_new(os.path.join(staging, file.path), file.data, made)


def update_site(out: Path, files: Iterable[OutputFile], removed: Iterable[str]) -> None:
    """Change the folder `out` in place: write `files` and remove the paths `removed`.

    For incremental builds (statuspage/builder/engine.py), which call it once everything rendered.
    Every file is first written beside its place under a temporary name; only when all of
    them are (the disk did not fill up) are they renamed over the old ones, which takes no
    space and no time to speak of. A reader never sees half a file.
    """
    out = out.resolve()
    staged: list[tuple[str, str]] = []
    try:
        for file in checked_files(files):
            target = os.path.join(out, file.path)
            folder = os.path.dirname(target)
            if not Path(folder).resolve().is_relative_to(out):
                raise OutputPathError(f"refusing to write {file.path!r}: outside the output folder")
            os.makedirs(folder, exist_ok=True)
            name = f".{os.path.basename(target)}.{secrets.token_hex(4)}.new"
            temporary = os.path.join(folder, name)
            staged.append((temporary, target))
            _write_new(temporary, file.data, {folder})
    except BaseException:
        for temporary, _ in staged:
            with contextlib.suppress(OSError):
                os.unlink(temporary)
        raise
    for temporary, target in staged:
        os.replace(temporary, target)
    emptied: set[Path] = set()
    for path in removed:
        doomed = out / checked_files([OutputFile(path, b"")])[0].path
        if not doomed.parent.resolve().is_relative_to(out):
            continue
        if doomed.is_dir() and not doomed.is_symlink():
            shutil.rmtree(doomed)
        elif doomed.exists() or doomed.is_symlink():
            doomed.unlink()
        emptied.add(doomed.parent)
    for empty in sorted(emptied, key=lambda f: len(f.parts), reverse=True):
        while empty != out and empty.is_dir() and not any(empty.iterdir()):
            empty.rmdir()  # a folder emptied by the removals goes too, as in a clean build
            empty = empty.parent


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


def swap_in(staging: Path, out: Path) -> None:
    """Move `staging` to `out`; the previous `out` is moved aside first, then removed."""
    old = None
    if out.exists():
        old = Path(tempfile.mkdtemp(prefix=f".{out.name}.old-", dir=out.parent))
        os.rmdir(old)
        os.rename(out, old)
    try:
        os.rename(staging, out)
    except BaseException:
        if old is not None:
            os.rename(old, out)
        raise
    if old is not None:
        shutil.rmtree(old, ignore_errors=True)

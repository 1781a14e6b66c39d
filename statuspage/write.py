"""Write a built site to disk: all files at once, or nothing.

The site is written into a fresh folder beside the output, then swapped in with two renames,
so a failed build (bad input, template error, full disk) leaves the previous site as it was.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Iterable
from pathlib import Path, PurePosixPath

from statuspage.diagnostics import StatuspageError
from statuspage.output import OutputFile


class OutputPathError(StatuspageError):
    """A generator asked for a path outside the output folder, or for one path twice."""


def checked_files(files: Iterable[OutputFile]) -> list[OutputFile]:
    """The files sorted by path; refuses unsafe and repeated paths."""
    seen: set[str] = set()
    result = []
    for file in files:
        path = PurePosixPath(file.path)
        if path.is_absolute() or not path.parts or ".." in path.parts or "\\" in file.path:
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
    out.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{out.name}.new-", dir=out.parent))
    try:
        for file in checked:
            target = (staging / file.path).resolve()
            if not target.is_relative_to(staging.resolve()):
                raise OutputPathError(f"refusing to write {file.path!r}: outside the output folder")
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(file.data)
        os.chmod(staging, 0o755)
        swap_in(staging, out)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    return len(checked)


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

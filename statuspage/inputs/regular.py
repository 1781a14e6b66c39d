"""Read only regular files inside the site's folder (design §9).

A pull request can deliver a symbolic link (to `/etc/passwd`, `/proc/self/environ`,
`.git/config`, or out of the checkout), and a machine can have a FIFO or a device node where
a file is expected: a build that followed the link would publish the file it points to, and
one that opened the FIFO or `/dev/zero` would hang or fill the memory. So every input is looked
at without following links (`lstat`) before it is opened, only a regular file is opened, with
`O_NOFOLLOW | O_NONBLOCK` (a file swapped for a link or a FIFO meanwhile is not followed and
does not block), and it is checked again once open.
"""

from __future__ import annotations

import errno
import os
import stat
from collections.abc import Iterator
from pathlib import Path

from statuspage.inputs.diagnostics import Problems, StatuspageError

_OPEN_FLAGS = (
    os.O_RDONLY
    | getattr(os, "O_NOFOLLOW", 0)
    | getattr(os, "O_NONBLOCK", 0)
    | getattr(os, "O_CLOEXEC", 0)
    | getattr(os, "O_BINARY", 0)
)


class NotRegularError(StatuspageError, OSError):
    """A path that is not a regular file: a link, a FIFO, a device, a socket, a folder.
    An OSError too, so that code that copes with a file it cannot read copes with it."""

    def __init__(self, path: str | os.PathLike[str], reason: str) -> None:
        super().__init__(f"{os.fspath(path)}: {reason}")
        self.shown = os.fspath(path)
        self.reason = reason


def refusal(path: str | os.PathLike[str], mode: int) -> str | None:
    """Why a file of this (`lstat`) mode is not read, or None for a regular file."""
    if stat.S_ISREG(mode):
        return None
    if stat.S_ISLNK(mode):
        try:
            target = os.readlink(path)
        except OSError:
            target = "?"
        return (
            f"is a symbolic link (to {target!r}); links are not followed, so that nothing "
            "outside the site's folder is read: put the file itself here"
        )
    if stat.S_ISDIR(mode):
        return "is a folder, not a file"
    if stat.S_ISFIFO(mode):
        kind = "a named pipe (FIFO)"
    elif stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        kind = "a device"
    elif stat.S_ISSOCK(mode):
        kind = "a socket"
    else:  # pragma: no cover - door, whiteout, ...
        kind = "a special file"
    return f"is {kind}, not a regular file; remove it"


def read_regular(path: str | os.PathLike[str], *, limit: int | None = None) -> bytes:
    """The bytes of a regular file, reached without following a link in its last part.

    Raises NotRegularError for anything else (never opening a FIFO or a device), and
    OSError as reading does. With `limit`, reads at most `limit + 1` bytes: enough for the
    caller to see the file is too large, however fast it grows.
    """
    reason = refusal(path, os.lstat(path).st_mode)
    if reason is not None:
        raise NotRegularError(path, reason)
    try:
        handle = os.open(path, _OPEN_FLAGS)
    except OSError as exc:
        if exc.errno in (errno.ELOOP, errno.EMLINK):  # became a link after the lstat
            raise NotRegularError(path, refusal(path, os.lstat(path).st_mode) or "") from None
        raise
    try:
        opened = os.fstat(handle)
        reason = refusal(path, opened.st_mode)
        if reason is not None:
            raise NotRegularError(path, reason)
        wanted = opened.st_size if limit is None else min(opened.st_size, limit) + 1
        chunks = []
        total = 0
        while True:
            chunk = os.read(handle, max(wanted - total, 65536))
            if not chunk:
                break
            chunks.append(chunk)
            total += len(chunk)
            if limit is not None and total > limit:
                break
        return b"".join(chunks)
    finally:
        os.close(handle)


def check_tree(root: Path, folder: str, problems: Problems) -> list[str]:
    """The regular files under `root/folder` (relative `/` paths, sorted), without following
    links; every link and special file is an error in `problems`, the folder itself too.
    Names starting with a dot (editors' lock files and backups) are neither read nor
    checked."""
    top = root / folder
    try:
        mode = os.lstat(top).st_mode
    except FileNotFoundError:
        return []
    if not stat.S_ISDIR(mode):
        problems.error(folder, 1, 1, refusal(top, mode) or "")
        return []
    found = []
    for relative, entry_mode in _walk(top, folder, problems):
        reason = refusal(root / relative, entry_mode)
        if reason is None:
            found.append(relative)
        else:
            problems.error(relative, 1, 1, reason)
    return found


def _walk(top: Path, shown: str, problems: Problems) -> Iterator[tuple[str, int]]:
    """Files and links under `top` as (shown path, lstat mode), sorted; folders are entered,
    links to folders are not. A folder that cannot be listed is an error."""
    try:
        entries = sorted(os.scandir(top), key=lambda entry: entry.name)
    except OSError as exc:
        problems.error(shown, 1, 1, f"cannot be read: {exc.strerror or exc}")
        return
    for entry in entries:
        if entry.name.startswith("."):
            continue
        relative = f"{shown}/{entry.name}"
        try:
            mode = entry.stat(follow_symlinks=False).st_mode
        except OSError:
            continue
        if stat.S_ISDIR(mode):
            yield from _walk(Path(entry.path), relative, problems)
        else:
            yield relative, mode

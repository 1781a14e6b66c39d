"""The private folder (default `.statuspage/`): subscriber addresses and the ledger key.

What is kept there must never be committed, even in a repository that `init` did not make
(whose `.gitignore` has no line for it). So the folder carries its own `.gitignore` that
ignores everything in it, as pytest does for its cache: `git add -A` passes it by.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

from statuspage.inputs.diagnostics import StatuspageError

GITIGNORE = "# Made by statuspage: what is kept here is private (subscriber addresses, keys).\n*\n"


def private_folder(folder: Path) -> Path:
    """Make `folder` (readable by its owner only) with a `.gitignore` of `*` inside.

    A `.gitignore` already there is left as it is. The site's own folder is refused: a `*`
    there would hide the incidents from git, and without it the addresses would be
    committed.
    """
    if (folder / "statuspage.yaml").exists() or (folder / ".git").exists():
        raise StatuspageError(
            f"{folder} is the site's own folder: subscribers and keys need a folder of "
            "their own (like .statuspage/), which statuspage keeps out of git"
        )
    folder.mkdir(mode=0o700, parents=True, exist_ok=True)
    ignore = folder / ".gitignore"
    if not os.path.lexists(ignore):
        try:
            fd = os.open(ignore, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o644)
        except FileExistsError:  # another run made it just now
            return folder
        with os.fdopen(fd, "w", encoding="utf-8") as file:
            file.write(GITIGNORE)
    return folder


def read_private(path: Path) -> bytes | None:
    """What `path` holds; None if it does not exist yet, an error if it cannot be read."""
    try:
        return path.read_bytes()
    except FileNotFoundError:
        return None
    except OSError as exc:
        raise StatuspageError(f"cannot read {path}: {exc.strerror}") from None


def write_private(path: Path, text: str) -> None:
    """Replace `path` with `text` at once, readable by its owner only (personal data:
    nobody else on the machine reads it); a failed write leaves the old file."""
    fd, temporary = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    try:
        os.fchmod(fd, 0o600)
        with os.fdopen(fd, "w", encoding="utf-8") as file:
            file.write(text)
            file.flush()
            os.fsync(file.fileno())
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise

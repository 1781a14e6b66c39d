"""Which folders a command may replace or fill: one rule for `build --out`, `deploy` to a
directory and `notify --outbox` (docs/site.md).

A folder is replaced only if it is missing, empty, or was written by statuspage (it holds
the marker file a build leaves in it). Never the site's own folder or one that holds it,
never its inputs (`incidents/`, `themes/`, `statuspage.yaml`), its history (`.git`) or its
private state (`.statuspage/`), nor anything inside them.
"""

from __future__ import annotations

import os
import stat
from pathlib import Path

from statuspage.inputs.diagnostics import StatuspageError

# The file a build leaves in the folder it writes: the next build may replace that folder.
SITE_MARKER = ".statuspage-site"
SITE_MARKER_TEXT = (
    b"Written by `statuspage build`: the next build replaces this whole folder.\n"
    b"Do not keep anything else here.\n"
)
# What a site's folder holds that no output may ever replace (see load.py and engine.py).
PROTECTED = {
    "incidents": "the site's incident files",
    "themes": "the site's themes",
    ".git": "the site's git history",
    ".statuspage": "the site's private state",
    "statuspage.yaml": "the site's configuration",
}


class OutputFolderError(StatuspageError):
    """A command was asked to replace a folder it must not touch."""


def check_output_folder(
    root: Path, folder: Path, *, option: str, marker: str = SITE_MARKER
) -> None:
    """Raise OutputFolderError unless `folder` may be replaced by what `option` writes:
    none of the site's own places (`check_not_protected`), and missing, empty, or holding
    `marker` (a regular file)."""
    check_not_protected(root, folder, option=option)
    shown = f"{option} {folder}"
    try:
        st = os.lstat(folder)
    except FileNotFoundError:
        return
    except OSError as exc:
        raise OutputFolderError(f"{shown}: cannot look at the folder ({exc})") from exc
    if stat.S_ISLNK(st.st_mode):
        raise OutputFolderError(
            f"{shown}: refusing to replace {folder}, a symbolic link; give the folder itself"
        )
    if not stat.S_ISDIR(st.st_mode):
        raise OutputFolderError(f"{shown}: refusing to replace {folder}, which is not a folder")
    try:
        entries = os.listdir(folder)
    except OSError as exc:
        raise OutputFolderError(f"{shown}: cannot list the folder ({exc})") from exc
    if not entries:
        return
    try:
        ours = stat.S_ISREG(os.lstat(folder / marker).st_mode)
    except OSError:
        ours = False
    if not ours:
        raise OutputFolderError(
            f"{shown}: refusing to replace {folder}: it holds files that statuspage did not "
            f"write (there is no {marker} in it); empty it or choose another folder"
        )


def check_not_protected(root: Path, folder: Path, *, option: str) -> None:
    """Raise OutputFolderError if `folder` is the site's folder, holds it, or lies inside
    one of its inputs, its history or its private state."""
    shown = f"{option} {folder}"
    try:
        site = root.resolve()
        target = folder.resolve()
    except (OSError, RuntimeError) as exc:  # a loop of links
        raise OutputFolderError(f"{shown}: cannot resolve the folder ({exc})") from exc
    if target == site or site.is_relative_to(target):
        what = "the site's own folder" if target == site else "a folder that holds the site"
        raise OutputFolderError(
            f"{shown}: refusing to replace {target}, {what}; choose an output folder of its own "
            "(the default is site/)"
        )
    for name, what in PROTECTED.items():
        place = site / name
        if target == place or target.is_relative_to(place):
            where = what if target == place else f"a folder inside {what} ({name})"
            raise OutputFolderError(
                f"{shown}: refusing to replace {target}, {where}; "
                "choose an output folder of its own (the default is site/)"
            )

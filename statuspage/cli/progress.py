"""Progress of long work on a terminal; nothing at all in CI, in a pipe or with -q.

Library functions take a `progress(what, done, total)` callback and never print; the
command passes `terminal_progress()`, which is None (no callback) where nobody watches.
"""

from __future__ import annotations

import os
import sys
import time
from typing import TextIO

import click

from statuspage.inputs.diagnostics import Progress


def in_ci() -> bool:
    """CI services set CI (GitHub Actions, GitLab, CircleCI, Travis, Buildkite...)."""
    return os.environ.get("CI", "").strip().lower() not in ("", "0", "false", "no")


def progress_wanted(stream: TextIO | None = None) -> bool:
    stream = stream or sys.stderr
    ctx = click.get_current_context(silent=True)
    quiet = bool(ctx and ctx.find_root().obj and ctx.find_root().obj.get("quiet"))
    return not quiet and not in_ci() and stream.isatty()


def terminal_progress(stream: TextIO | None = None) -> Progress | None:
    """A callback drawing `what: done/total` on one line, redrawn at most 10 times a second.

    The line is wiped when the work reaches its total, and in any case when the command ends
    (a count with no known total never "reaches" it).
    """
    out = stream or sys.stderr
    if not progress_wanted(out):
        return None
    last = 0.0
    drawn = False

    def wipe() -> None:
        nonlocal drawn
        if drawn:
            out.write("\r\x1b[K")
            out.flush()
            drawn = False

    def draw(what: str, done: int, total: int) -> None:
        nonlocal last, drawn
        now = time.monotonic()
        if total and done >= total:
            wipe()  # leave the line clean for the summary that follows
            return
        if now - last < 0.1:
            return
        last = now
        if total:
            out.write(f"\r\x1b[K{what}: {done}/{total} ({100 * done // total}%)")
        else:  # a count not known in advance: files rendered so far
            out.write(f"\r\x1b[K{what}: {done}")
        out.flush()
        drawn = True

    ctx = click.get_current_context(silent=True)
    if ctx is not None:
        ctx.call_on_close(wipe)
    return draw

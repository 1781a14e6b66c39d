"""Build the site: load, run every generator over the model, write all files at once."""

from __future__ import annotations

import importlib
import logging
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from statuspage.diagnostics import Diagnostic
from statuspage.model import Site
from statuspage.output import OutputFile

log = logging.getLogger(__name__)

Generator = Callable[[Site], Iterable[OutputFile]]
# (what, done, total): the CLI draws it on a terminal; total 0 means not known in advance.
Progress = Callable[[str, int, int], None]

# Each generator is a pure function of the site, named "module:function" so a build imports
# only what it runs. Order does not matter: files are sorted before writing.
GENERATORS: tuple[str, ...] = (
    "statuspage.pages:generate",
    "statuspage.feeds:generate",
    "statuspage.ical:generate",
    "statuspage.api:generate",
    "statuspage.badges:generate",
)


@dataclass(frozen=True, slots=True)
class BuildResult:
    out: Path
    files: int
    warnings: tuple[Diagnostic, ...]


def generators() -> list[Generator]:
    found = []
    for spec in GENERATORS:
        module, _, name = spec.partition(":")
        found.append(getattr(importlib.import_module(module), name))
    return found


def render(site: Site, progress: Progress | None = None) -> list[OutputFile]:
    """Every file of the site, in memory; a pure function of the model."""
    from statuspage.cache import render_all

    files: list[OutputFile] = []
    for generate in generators():
        files.extend(generate(site))
    render_all(files, progress)  # files may render lazily; in several processes if many
    return files


def build_site(
    root: Path,
    out: Path,
    *,
    now: datetime,
    check_git: bool = True,
    progress: Progress | None = None,
    cache: bool = True,
) -> BuildResult:
    """Load `root`, render the site and put it into `out`. Raises InputError on bad input.

    With `cache` (the default), the build picks up from the last one into `out`: it
    parses, renders and writes only what changed (statuspage/cache.py), and the files are
    the same as a clean build's. Without, everything is rendered and swapped in at once.
    """
    from statuspage.cache import Builder

    outcome = Builder(root, out, use_disk=cache).build(
        now=now, check_git=check_git, progress=progress
    )
    log.info(
        "built %d files into %s (%d rendered, %d written)",
        outcome.files,
        out,
        outcome.rendered,
        outcome.written,
    )
    return BuildResult(out=out, files=outcome.files, warnings=outcome.warnings)

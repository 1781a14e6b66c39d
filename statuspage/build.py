"""Build the site: load, run every generator over the model, write all files at once."""

from __future__ import annotations

import importlib
import logging
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from statuspage.diagnostics import Diagnostic, InputError
from statuspage.load import load_site
from statuspage.model import Site
from statuspage.output import OutputFile
from statuspage.write import write_site

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
    files: list[OutputFile] = []
    for generate in generators():
        if progress is None:
            files.extend(generate(site))
            continue
        for file in generate(site):
            files.append(file)
            progress("render", len(files), 0)
    if progress is not None:
        progress("render", len(files), len(files))  # the total, known at last: done
    return files


def build_site(
    root: Path,
    out: Path,
    *,
    now: datetime,
    check_git: bool = True,
    progress: Progress | None = None,
) -> BuildResult:
    """Load `root`, render everything and swap it into `out`. Raises InputError on bad input."""
    result = load_site(root, now=now, check_git=check_git)
    if result.site is None:
        raise InputError(result.errors)
    files = render(result.site, progress)
    count = write_site(files, out)
    log.info("built %d files into %s", count, out)
    return BuildResult(out=out, files=count, warnings=result.warnings)

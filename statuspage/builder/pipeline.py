"""Build the site: load, run every generator over the model, write all files at once."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from statuspage.builder.engine import Builder, Progress, list_outputs, render_all
from statuspage.inputs.diagnostics import Diagnostic
from statuspage.inputs.model import Site
from statuspage.outputs.output import OutputFile

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class BuildResult:
    out: Path
    files: int
    warnings: tuple[Diagnostic, ...]


def render(site: Site, progress: Progress | None = None) -> list[OutputFile]:
    """Every file of the site, in memory; a pure function of the model."""
    files = list_outputs(site)
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
    parses, renders and writes only what changed (statuspage/builder/engine.py), and the files are
    the same as a clean build's. Without, everything is rendered. Either way the whole
    site is swapped in at once, and the old one is kept beside it as the next build's
    spare (`.NAME.spare`, statuspage/builder/write.py).
    """
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

"""`validate` and `build`."""

from __future__ import annotations

from pathlib import Path

import click

from statuspage.cli.common import note, now_option, quiet, resolve_now, root_option
from statuspage.inputs.diagnostics import Diagnostic, Severity


@click.command()
@click.option("--strict/--no-strict", default=False, help="Treat warnings as errors.")
@click.option("--git/--no-git", default=True, help="Check git history for deleted incidents.")
@click.option(
    "--format",
    "output_format",
    type=click.Choice(["text", "github"]),
    default="text",
    show_default=True,
    help="github: as GitHub Actions annotations on the lines of the files.",
)
@root_option
@now_option
def validate(strict: bool, git: bool, output_format: str, root: Path, now_text: str | None) -> None:
    """Check the config and every incident file; report all problems at once.

    Prints each problem as path:line:col: error|warning: message, sorted, and exits 1 if
    there is any error (or any warning, with --strict). With --format github, each problem
    is a GitHub Actions workflow command, shown on its line in a pull request's files.

    \b
    Example:
      statuspage validate --strict
    """
    from statuspage.inputs.load import load_site

    now = resolve_now(root, now_text)
    result = load_site(root, now=now, check_git=git)
    for diagnostic in result.diagnostics:
        if quiet() and diagnostic.severity is not Severity.ERROR and not strict:
            continue  # -q: errors only (with --strict, warnings fail the run: shown)
        click.echo(github_annotation(diagnostic, root) if output_format == "github" else diagnostic)
    errors, warnings = len(result.errors), len(result.warnings)
    summary = f"{errors} error{'s' * (errors != 1)}, {warnings} warning{'s' * (warnings != 1)}"
    if result.site is not None:
        count = len(result.site.incidents)
        summary = f"statuspage.yaml and {count} incident file{'s' * (count != 1)}: {summary}"
    note(summary)
    if errors or (strict and warnings):
        raise SystemExit(1)


def github_annotation(diagnostic: Diagnostic, root: Path) -> str:
    """`::error file=incidents/a.yaml,line=7,col=5::message`, the path from the checkout's root.

    GitHub reads the path from the repository root; the workflow runs from there, so a site
    in a subfolder (--root) gets its paths prefixed.
    """
    path = (root / diagnostic.path).resolve()
    shown = (
        path.relative_to(Path.cwd().resolve()).as_posix()
        if path.is_relative_to(Path.cwd().resolve())
        else path.as_posix()
    )

    def escape(value: str, *, in_property: bool = False) -> str:
        value = value.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")
        return value.replace(":", "%3A").replace(",", "%2C") if in_property else value

    return (
        f"::{diagnostic.severity} file={escape(shown, in_property=True)},line={diagnostic.line},"
        f"col={diagnostic.column}::{escape(diagnostic.message)}"
    )


@click.command()
@click.option(
    "--out",
    type=click.Path(file_okay=False, path_type=Path),
    default=None,
    help="Output folder  [default: site/ in the site's folder]",
)
@click.option("--git/--no-git", default=True, help="Check git history for deleted incidents.")
@click.option(
    "--cache/--no-cache",
    default=True,
    help="Pick up from the last build (.statuspage/cache): parse, render and write only "
    "what changed. The files are the same either way.",
)
@root_option
@now_option
def build(out: Path | None, git: bool, cache: bool, root: Path, now_text: str | None) -> None:
    """Build the static site: pages, feeds, calendar, JSON API and badges.

    Nothing is written unless everything rendered; if anything fails, the previous site
    stays as it was. The same files and the same --now give byte-identical output, whether
    the build started from scratch or from the last one (see docs/performance.md).

    \b
    Examples:
      statuspage build
      statuspage build --out public --now 2026-11-20T15:00:00+01:00
    """
    import gc

    from statuspage.builder.pipeline import build_site
    from statuspage.cli.progress import terminal_progress

    # A build makes millions of objects that live until this process ends: the cycle
    # collector would walk all of them again and again (a fifth of the time). Reference
    # counting still frees what the build lets go of.
    # Enabled again after: the command may run inside a longer process (tests, a script).
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        now = resolve_now(root, now_text)
        result = build_site(
            root,
            out or root / "site",
            now=now,
            check_git=git,
            progress=terminal_progress(),
            cache=cache,
        )
    finally:
        if was_enabled:
            gc.enable()
    for diagnostic in result.warnings:
        note(str(diagnostic))
    note(f"Built {result.files} files into {result.out}")
    # Opened from disk, site/index.html shows its links as folder listings: say where to look.
    note("Preview it with: statuspage serve  (http://127.0.0.1:8000/)")

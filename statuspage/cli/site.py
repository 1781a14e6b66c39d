"""`validate` and `build`."""

from __future__ import annotations

from pathlib import Path

import click

from statuspage.cli.common import now_option, resolve_now, root_option


@click.command()
@click.option("--strict/--no-strict", default=False, help="Treat warnings as errors.")
@click.option("--git/--no-git", default=True, help="Check git history for deleted incidents.")
@root_option
@now_option
def validate(strict: bool, git: bool, root: Path, now_text: str | None) -> None:
    """Check the config and every incident file; report all problems at once.

    Prints each problem as path:line:col: error|warning: message, sorted, and exits 1 if
    there is any error (or any warning, with --strict).

    \b
    Example:
      statuspage validate --strict
    """
    from statuspage.load import load_site

    now = resolve_now(root, now_text)
    result = load_site(root, now=now, check_git=git)
    for diagnostic in result.diagnostics:
        click.echo(str(diagnostic))
    errors, warnings = len(result.errors), len(result.warnings)
    summary = f"{errors} error{'s' * (errors != 1)}, {warnings} warning{'s' * (warnings != 1)}"
    if result.site is not None:
        count = len(result.site.incidents)
        summary = f"statuspage.yaml and {count} incident file{'s' * (count != 1)}: {summary}"
    click.echo(summary, err=True)
    if errors or (strict and warnings):
        raise SystemExit(1)


@click.command()
@click.option(
    "--out",
    type=click.Path(file_okay=False, path_type=Path),
    default=None,
    help="Output folder  [default: site/ in the site's folder]",
)
@click.option("--git/--no-git", default=True, help="Check git history for deleted incidents.")
@root_option
@now_option
def build(out: Path | None, git: bool, root: Path, now_text: str | None) -> None:
    """Build the static site: pages, feeds, calendar, JSON API and badges.

    The new site replaces the output folder in one step; if anything fails, the previous
    site stays as it was. The same files and the same --now give byte-identical output.

    \b
    Examples:
      statuspage build
      statuspage build --out public --now 2026-11-20T15:00:00+01:00
    """
    from statuspage.build import build_site

    now = resolve_now(root, now_text)
    result = build_site(root, out or root / "site", now=now, check_git=git)
    for diagnostic in result.warnings:
        click.echo(str(diagnostic), err=True)
    click.echo(f"Built {result.files} files into {result.out}", err=True)

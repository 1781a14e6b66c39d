"""`deploy`: ship the built site to a directory, a git branch or S3-compatible storage."""

from __future__ import annotations

from pathlib import Path

import click

from statuspage.cli.common import root_option
from statuspage.cli.progress import terminal_progress


@click.command()
@click.argument("target")
@click.option(
    "--site",
    "site_dir",
    type=click.Path(file_okay=False, path_type=Path),
    default=None,
    help="The built site to ship  [default: site/ in the site's folder]",
)
@click.option(
    "--dry-run/--no-dry-run", default=False, help="List what would change; change nothing."
)
@click.option(
    "--rollback/--no-rollback",
    default=False,
    help="Directory targets: serve the version before the current one again.",
)
@click.option(
    "--endpoint-url",
    metavar="URL",
    envvar="AWS_ENDPOINT_URL_S3",
    help="S3 targets: the storage's address, for S3-compatible services other than AWS.",
)
@click.option(
    "--keep",
    type=click.IntRange(min=1),
    default=2,
    show_default=True,
    help="Directory targets: how many versions to keep, the current one included.",
)
@click.option(
    "--force/--no-force",
    default=False,
    help="git: targets: replace the branch even if deploy did not write it, or it is the "
    "one checked out (its history is lost). s3: targets: upload into a bucket or prefix "
    "that holds objects deploy did not upload (they are never deleted).",
)
@root_option
@click.pass_context
def deploy(
    ctx: click.Context,
    target: str,
    site_dir: Path | None,
    dry_run: bool,
    rollback: bool,
    endpoint_url: str | None,
    keep: int,
    force: bool,
    root: Path,
) -> None:
    """Ship the built site to TARGET; run `statuspage build` first.

    \b
    TARGET is one of:
      dir:/var/www/status  or a plain path   a symlink flipped to a new copy in one step;
                                             the previous copy is kept for --rollback
      git:gh-pages  or git:BRANCH@REMOTE     a commit of the whole site on BRANCH (GitHub
                                             Pages), pushed to REMOTE (default origin);
                                             only a branch deploy wrote is replaced
      s3://BUCKET  or s3://BUCKET/PREFIX     changed objects uploaded, stale ones deleted;
                                             credentials from the usual AWS environment

    \b
    Examples:
      statuspage deploy git:gh-pages
      statuspage deploy /var/www/status --dry-run
      statuspage deploy s3://status-example/ --endpoint-url https://s3.example.net
    """
    from statuspage.publish.deploy import Action, GitTarget, parse_target
    from statuspage.publish.deploy import deploy as ship
    from statuspage.publish.deploy import rollback as roll_back

    where = parse_target(target)
    if rollback:
        result = roll_back(where, dry_run=dry_run)
    else:
        base_url = None
        if isinstance(where, GitTarget):
            from statuspage.inputs.load import read_config

            base_url = read_config(root).base_url
        result = ship(
            site_dir or root / "site",
            where,
            root=root,
            base_url=base_url,
            dry_run=dry_run,
            endpoint_url=endpoint_url,
            keep=keep,
            progress=terminal_progress(),
            force=force,
        )
    if dry_run or ctx.find_root().obj.get("verbose"):
        for change in result.changes:
            click.echo(str(change))
    counts = {action: 0 for action in Action}
    for change in result.changes:
        counts[change.action] += 1
    if dry_run:
        summary = ", ".join(f"{counts[a]} to {a}" for a in Action)
    else:
        summary = ", ".join(f"{counts[a]} {_DONE[a]}" for a in Action)
    if not ctx.find_root().obj.get("quiet"):
        click.echo(f"{result.detail} ({summary})", err=True)


_DONE = {"add": "added", "change": "changed", "delete": "deleted"}

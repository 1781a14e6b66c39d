"""`serve`: a live preview that rebuilds on every change and reloads the browser."""

from __future__ import annotations

import logging
from pathlib import Path

import click

from statuspage.cli.common import note, now_option, resolve_now, root_option


@click.command()
@click.option(
    "--port",
    type=click.IntRange(0, 65535),
    default=8000,
    show_default=True,
    help="TCP port; 0 picks a free one.",
)
@click.option(
    "--host",
    default="127.0.0.1",
    show_default=True,
    help="Address to listen on; 0.0.0.0 shows the preview to your network.",
)
@click.option(
    "--poll/--no-poll",
    default=False,
    help="Look for changes by polling: for Docker volumes and network folders.",
)
@click.option("--git/--no-git", default=True, help="Check git history for deleted incidents.")
@root_option
@now_option
@click.pass_context
def serve(
    ctx: click.Context,
    port: int,
    host: str,
    poll: bool,
    git: bool,
    root: Path,
    now_text: str | None,
) -> None:
    """Preview the site: build, serve it, rebuild on every change, reload the browser.

    Watches statuspage.yaml, incidents/ and themes/. A bad edit prints its errors here and
    shows them over the page in the browser, while the last good site stays served; fix the
    file and the preview recovers by itself. Nothing is written into site/. Stop with Ctrl-C.

    \b
    Examples:
      statuspage serve
      statuspage serve --port 8080 --poll
    """
    from statuspage.publish.serve import preview

    if not ctx.find_root().obj.get("quiet"):
        logging.getLogger("statuspage.publish.serve").setLevel(logging.INFO)
    now = resolve_now(root, now_text) if now_text else None
    preview(root, host=host, port=port, poll=poll, check_git=git, now=now)
    note("Stopped.")

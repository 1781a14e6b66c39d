"""The `statuspage` command: a thin layer that maps arguments to one library call each.

Commands live in their own modules and are imported only when run, so `statuspage build`
does not pay for e-mail or deploy code at start-up.
"""

from __future__ import annotations

import importlib
import logging
import sys
from typing import Any

import click

from statuspage import __version__
from statuspage.inputs.diagnostics import InputError, StatuspageError

# name → "module:attribute"; add a line here for a new command.
COMMANDS = {
    "init": "statuspage.cli.edit:init",
    "new": "statuspage.cli.edit:new",
    "update": "statuspage.cli.edit:update",
    "validate": "statuspage.cli.site:validate",
    "build": "statuspage.cli.site:build",
    "serve": "statuspage.cli.serve:serve",
    "deploy": "statuspage.cli.deploy:deploy",
    "notify": "statuspage.cli.notify:notify",
    "subscribers": "statuspage.cli.notify:subscribers",
    "subscriptions": "statuspage.cli.subscriptions:subscriptions",
}


class LazyGroup(click.Group):
    """Imports a command's module only when that command runs (or help lists it)."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted(COMMANDS)

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        spec = COMMANDS.get(cmd_name)
        if spec is None:
            return None
        module, _, attribute = spec.partition(":")
        command = getattr(importlib.import_module(module), attribute)
        assert isinstance(command, click.Command)
        return command

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except InputError as exc:
            if ctx.obj and ctx.obj.get("debug"):
                raise
            click.echo(exc.report(), err=True)
            click.echo(f"Error: {exc}", err=True)
            ctx.exit(1)
        except StatuspageError as exc:
            if ctx.obj and ctx.obj.get("debug"):
                raise
            click.echo(f"Error: {exc}", err=True)
            ctx.exit(1)
        except OSError as exc:  # what the machine refused: a full disk, a permission, ...
            if ctx.obj and ctx.obj.get("debug"):
                raise
            where = f": {exc.filename}" if exc.filename else ""
            click.echo(f"Error: {exc.strerror or exc}{where}", err=True)
            ctx.exit(1)


@click.group(
    cls=LazyGroup,
    context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100},
)
@click.version_option(__version__, prog_name="statuspage")
@click.option("--debug", is_flag=True, help="Show tracebacks for errors.")
@click.option("-v", "--verbose", count=True, help="Say more (repeat for debug logs).")
@click.option("-q", "--quiet", is_flag=True, help="Only errors.")
@click.pass_context
def cli(ctx: click.Context, debug: bool, verbose: int, quiet: bool) -> None:
    """Turn incident files kept in git into an honest public status page.

    \b
    Typical loop:
      statuspage new incident "Checkout errors" -c checkout=major_outage
      statuspage update 2026-11-20-checkout-errors --status identified -m "..."
      statuspage validate && statuspage build
    """
    ctx.ensure_object(dict)
    ctx.obj["debug"] = debug
    ctx.obj["quiet"] = quiet
    ctx.obj["verbose"] = verbose
    level = (
        logging.ERROR if quiet else (logging.WARNING, logging.INFO, logging.DEBUG)[min(verbose, 2)]
    )
    logging.basicConfig(level=level, format="%(message)s", stream=sys.stderr)


def main() -> None:
    cli(prog_name="statuspage")

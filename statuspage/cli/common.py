"""Options and helpers shared by the command modules."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import TypeVar
from zoneinfo import ZoneInfo

import click

from statuspage.inputs.clock import parse_now, utc_now
from statuspage.inputs.diagnostics import StatuspageError

F = TypeVar("F", bound=Callable[..., object])


def quiet() -> bool:
    """Whether `-q` (errors only) was given."""
    context = click.get_current_context(silent=True)
    return bool(context is not None and (context.find_root().obj or {}).get("quiet"))


def note(message: str) -> None:
    """A line telling what happened, on stderr; `-q` leaves it out (errors only)."""
    if not quiet():
        click.echo(message, err=True)


def root_option(function: F) -> F:
    return click.option(
        "--root",
        type=click.Path(file_okay=False, path_type=Path),
        default=Path("."),
        show_default=True,
        help="The status site's folder (holding statuspage.yaml).",
    )(function)


def now_option(function: F) -> F:
    return click.option(
        "--now",
        "now_text",
        metavar="TIME",
        help="The clock for this run, ISO 8601 (default: the current time); "
        "without an offset it is read in the site's time zone.",
    )(function)


def resolve_now(root: Path, now_text: str | None) -> datetime:
    """The run's clock, taken once."""
    if now_text is None:
        return utc_now()
    try:
        return parse_now(now_text, site_zone(root))
    except ValueError as exc:
        raise click.BadParameter(str(exc), param_hint="--now") from exc


def site_zone(root: Path) -> ZoneInfo | None:
    """The site's time zone if the config can be read, else None (UTC)."""
    from statuspage.inputs.load import read_config

    try:
        return read_config(root).zone
    except StatuspageError:
        return None


def pairs(values: tuple[str, ...], option: str) -> list[tuple[str, str]]:
    """`-c comp=state` values as (comp, state) pairs."""
    result = []
    for value in values:
        key, sep, state = value.partition("=")
        if not sep or not key or not state:
            raise click.BadParameter(f"{value!r} is not COMPONENT=STATE", param_hint=option)
        result.append((key.strip(), state.strip()))
    return result

"""`init`, `new` and `update`: the commands that write files for the operator."""

from __future__ import annotations

import shlex
from datetime import datetime
from pathlib import Path

import click

from statuspage.cli.common import (
    note,
    now_option,
    pairs,
    quiet,
    resolve_now,
    root_option,
    site_zone,
)
from statuspage.inputs.model import INCIDENT_STATUSES, MAINTENANCE_STATUSES, Kind

_IMPACT_BY_STATE = {
    "degraded_performance": "minor",
    "partial_outage": "major",
    "major_outage": "critical",
}
_IMPACTS = ("none", "minor", "major", "critical")


@click.command()
@click.argument("directory", type=click.Path(file_okay=False, path_type=Path), default=".")
@click.option("--timezone", default="UTC", show_default=True, help="IANA time zone of the site.")
@click.option(
    "--schedule",
    default="*/15 * * * *",
    show_default=True,
    metavar="CRON",
    help="When CI also runs without a push, so maintenance windows change state on time "
    "(about 2,900 runner minutes a month at the default); 'off' for never.",
)
@click.option(
    "--deploy",
    type=click.Choice(["branch", "pages"]),
    default="branch",
    show_default=True,
    help="How CI publishes to GitHub Pages: push a gh-pages branch, or GitHub's Pages actions.",
)
@click.option(
    "--install",
    metavar="REQUIREMENT",
    help="What CI installs with pip (requirements.txt)  [default: this statuspage: its "
    "release, the git commit or the wheel it was installed from]",
)
def init(directory: Path, timezone: str, schedule: str, deploy: str, install: str | None) -> None:
    """Create a new status site in DIRECTORY (default: here).

    Writes statuspage.yaml, an example incident, a .gitignore, and a GitHub Actions workflow
    with the requirements.txt it installs from.

    \b
    Example:
      statuspage init my-status && cd my-status && statuspage validate
    """
    from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

    from statuspage import __version__
    from statuspage.authoring.scaffold import check_schedule, init_site
    from statuspage.authoring.source import detect, from_requirement
    from statuspage.inputs.clock import utc_now

    try:
        ZoneInfo(timezone)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise click.BadParameter(
            f"{timezone!r} is not an IANA time zone", param_hint="--timezone"
        ) from exc
    try:
        schedule = check_schedule(schedule)
    except ValueError as exc:
        raise click.BadParameter(str(exc), param_hint="--schedule") from exc
    source = detect(__version__) if install is None else from_requirement(install)
    written = init_site(
        directory,
        now=utc_now(),
        timezone=timezone,
        schedule=schedule,
        deploy=deploy,
        install=source,
    )
    for path in written:
        if not quiet():
            click.echo(path)
    if source.warning is not None:
        note(f"warning: {source.warning}")
    note(_next_steps(directory))


def _next_steps(directory: Path) -> str:
    """What to do after `init`: the commands a newcomer needs first, git included."""
    steps = ["Next steps:"]
    if Path(directory).resolve() != Path.cwd().resolve():
        steps.append(f"  cd {shlex.quote(str(directory))}")
    if not any(
        (parent / ".git").exists()
        for parent in (Path(directory).resolve(), *Path(directory).resolve().parents)
    ):
        steps.append('  git init && git add -A && git commit -m "Status page"')
    steps += [
        "  statuspage validate        # every problem, as path:line:col",
        "  statuspage serve           # preview at http://127.0.0.1:8000/, live reload",
        '  statuspage new incident "Checkout errors" -c COMPONENT=major_outage -m "What we know."',
        "Components are in statuspage.yaml; the example incident is in incidents/.",
    ]
    return "\n".join(steps)


@click.group()
def new() -> None:
    """Write a new incident or maintenance file and print its path."""


def _time(root: Path, value: str | None, option: str) -> datetime | None:
    if value is None:
        return None
    from statuspage.inputs.clock import LocalTimeError, parse_now

    try:
        return parse_now(value, site_zone(root))
    except (ValueError, LocalTimeError) as exc:
        raise click.BadParameter(str(exc), param_hint=option) from exc


@new.command("incident")
@click.argument("title")
@click.option(
    "--impact",
    type=click.Choice(_IMPACTS),
    help="How bad it is  [default: from the worst component state, else minor]",
)
@click.option(
    "-c",
    "--component",
    "components",
    multiple=True,
    metavar="ID=STATE",
    help="An affected component and its state (repeat for several).",
)
@click.option(
    "-m", "--message", default="We are investigating reports of a problem.", show_default=True
)
@click.option(
    "--status",
    type=click.Choice([s.value for s in INCIDENT_STATUSES]),
    default="investigating",
    show_default=True,
)
@click.option("--next-update", metavar="DURATION", help="Promise the next update within, e.g. 30m.")
@click.option("--started", metavar="TIME", help="When trouble began, if before now.")
@click.option("--id", "incident_id", help="The file's id  [default: <date>-<slug of title>]")
@root_option
@now_option
def new_incident(
    title: str,
    impact: str | None,
    components: tuple[str, ...],
    message: str,
    status: str,
    next_update: str | None,
    started: str | None,
    incident_id: str | None,
    root: Path,
    now_text: str | None,
) -> None:
    """Write incidents/<date>-<slug>.yaml for a new incident.

    \b
    Example:
      statuspage new incident "Checkout errors" -c checkout=major_outage \\
          -m "Some payments fail. We are investigating." --next-update 30m
    """
    from statuspage.authoring.edit import NewUpdate, new_incident

    now = resolve_now(root, now_text)
    states = pairs(components, "--component")
    if impact is None:
        worst = max(
            (_IMPACTS.index(_IMPACT_BY_STATE.get(state, "minor")) for _, state in states),
            default=1,
        )
        impact = _IMPACTS[worst]
    started_at = _time(root, started, "--started")
    path = new_incident(
        root,
        title,
        now=now,
        kind=Kind.INCIDENT,
        impact=impact,
        components=states,
        first=NewUpdate(status=status, message=message, next_update=next_update),
        incident_id=incident_id,
        started=started_at,
    )
    click.echo(path)


@new.command("maintenance")
@click.argument("title")
@click.option("--start", required=True, metavar="TIME", help="Window start.")
@click.option("--end", required=True, metavar="TIME", help="Window end.")
@click.option(
    "-c",
    "--component",
    "components",
    multiple=True,
    metavar="ID[=STATE]",
    help="A component affected during the window (state default: under_maintenance).",
)
@click.option(
    "-m", "--message", default="We will carry out scheduled maintenance.", show_default=True
)
@click.option("--id", "incident_id", help="The file's id  [default: <date>-<slug of title>]")
@root_option
@now_option
def new_maintenance(
    title: str,
    start: str,
    end: str,
    components: tuple[str, ...],
    message: str,
    incident_id: str | None,
    root: Path,
    now_text: str | None,
) -> None:
    """Write incidents/<date>-<slug>.yaml for a scheduled maintenance.

    \b
    Example:
      statuspage new maintenance "Database upgrade" -c api \\
          --start 2026-12-03T23:00 --end 2026-12-04T01:30
    """
    from statuspage.authoring.edit import NewUpdate, new_incident
    from statuspage.inputs.model import Window

    now = resolve_now(root, now_text)
    states = pairs(
        tuple(c if "=" in c else f"{c}=under_maintenance" for c in components), "--component"
    )
    window_start = _time(root, start, "--start")
    window_end = _time(root, end, "--end")
    assert window_start is not None and window_end is not None
    if window_end <= window_start:
        raise click.BadParameter("the window must end after it starts", param_hint="--end")
    path = new_incident(
        root,
        title,
        now=now,
        kind=Kind.MAINTENANCE,
        components=states,
        first=NewUpdate(status="scheduled", message=message),
        window=Window(start=window_start, end=window_end),
        incident_id=incident_id,
    )
    click.echo(path)


@click.command()
@click.argument("incident_id", metavar="ID")
@click.option(
    "--status",
    required=True,
    type=click.Choice([s.value for s in (*INCIDENT_STATUSES, *MAINTENANCE_STATUSES)]),
)
@click.option("-m", "--message", required=True, help="The update's text (Markdown).")
@click.option(
    "-c",
    "--component",
    "components",
    multiple=True,
    metavar="ID=STATE",
    help="A component's state from this update on (repeat for several).",
)
@click.option("--next-update", metavar="DURATION", help="Promise the next update within, e.g. 30m.")
@click.option("--start", metavar="TIME", help="Maintenance only: a new window start.")
@click.option("--end", metavar="TIME", help="Maintenance only: a new window end.")
@click.option(
    "--notify/--no-notify",
    default=True,
    show_default=True,
    help="Send this update by e-mail (--no-notify for typo fixes).",
)
@root_option
@now_option
def update(
    incident_id: str,
    status: str,
    message: str,
    components: tuple[str, ...],
    next_update: str | None,
    start: str | None,
    end: str | None,
    notify: bool,
    root: Path,
    now_text: str | None,
) -> None:
    """Append an update to incident ID, keeping everything already in the file.

    \b
    Examples:
      statuspage update 2026-11-20-checkout-errors --status identified \\
          -m "A faulty certificate; rolling back." -c checkout=partial_outage
      statuspage update 2026-11-20-checkout-errors --status resolved -m "All fixed."
    """
    from statuspage.authoring.edit import NewUpdate, append_update
    from statuspage.inputs.model import Window

    now = resolve_now(root, now_text)
    window = None
    if (start is None) != (end is None):
        raise click.UsageError("give both --start and --end to move a maintenance window")
    if start is not None and end is not None:
        window_start, window_end = _time(root, start, "--start"), _time(root, end, "--end")
        assert window_start is not None and window_end is not None
        window = Window(start=window_start, end=window_end)
    path = append_update(
        root,
        incident_id,
        NewUpdate(
            status=status,
            message=message,
            components=pairs(components, "--component"),
            next_update=next_update,
            window=window,
            deliver_notifications=notify,
        ),
        now=now,
    )
    click.echo(path)

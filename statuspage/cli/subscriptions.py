"""`subscriptions`: run the self-service subscription service and keep its database."""

from __future__ import annotations

from pathlib import Path

import click

from statuspage.cli.common import note, root_option


@click.group()
def subscriptions() -> None:
    """The self-service subscription service (docs/subscriptions.md).

    It needs a database ($STATUSPAGE_DATABASE_URL or subscriptions.database), the notice
    secret ($STATUSPAGE_LEDGER_KEY) and SMTP ($STATUSPAGE_SMTP_URL) for confirmations.
    """


@subscriptions.command("serve")
@click.option("--host", default="127.0.0.1", show_default=True, help="The address to listen on.")
@click.option("--port", default=8001, show_default=True, type=click.IntRange(0, 65535))
@click.option("--threads", default=4, show_default=True, type=click.IntRange(1, 64))
@root_option
def serve(host: str, port: int, threads: int, root: Path) -> None:
    """Run the service with waitress, to try it out or behind a reverse proxy.

    In production, any WSGI server runs `statuspage.subscriptions.app:create_app()` in the
    site's folder, for example gunicorn (docs/subscriptions.md).

    \b
    Example:
      STATUSPAGE_DATABASE_URL=sqlite:///.statuspage/subscriptions.db \\
        statuspage subscriptions serve --port 8001
    """
    import waitress

    from statuspage.subscriptions.app import create_app

    shown = f"[{host}]" if ":" in host else host
    app = create_app(root, address=f"http://{shown}:{port}")
    note(
        f"Serving the subscription service on http://{shown}:{port}/ (Ctrl-C stops)",
    )
    waitress.serve(app, host=host, port=port, threads=threads, ident="statuspage")


@subscriptions.command("migrate")
@root_option
def migrate(root: Path) -> None:
    """Bring the database's schema up to date (back it up first).

    \b
    Example:
      STATUSPAGE_DATABASE_URL=postgresql://status@db/status statuspage subscriptions migrate
    """
    from statuspage.notify.store import migrate as run_migrations
    from statuspage.notify.store import shown_url

    url = database_of(root)
    before, after = run_migrations(url)
    if before == after:
        note(f"{shown_url(url)}: the schema is up to date ({after}).")
    else:
        note(f"{shown_url(url)}: schema {before or 'none'} -> {after}.")


def database_of(root: Path) -> str:
    """The configured database's URL, or a clear error."""
    from statuspage.inputs.diagnostics import StatuspageError
    from statuspage.inputs.load import read_config
    from statuspage.notify.send import database_url

    url = database_url(read_config(root).subscriptions.database, root)
    if not url:
        raise StatuspageError(
            "no database: set $STATUSPAGE_DATABASE_URL or subscriptions.database in "
            "statuspage.yaml (docs/subscriptions.md)"
        )
    return url

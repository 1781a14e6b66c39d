"""`notify` and `subscribers`: e-mail notices and the people who receive them."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from datetime import UTC
from pathlib import Path
from typing import TYPE_CHECKING, BinaryIO

import click

from statuspage.cli.common import note, now_option, resolve_now, root_option

if TYPE_CHECKING:
    from statuspage.inputs.model import Config, Site
    from statuspage.notify.ledger import Keys, Ledger
    from statuspage.notify.store import Store
    from statuspage.notify.subscribers import Subscriber, SubscriberStore


@click.command()
@click.option(
    "--dry-run/--no-dry-run",
    default=False,
    help="Send nothing and record nothing; with --outbox, write the messages as .eml files.",
)
@click.option(
    "--outbox",
    type=click.Path(file_okay=False, path_type=Path),
    help="With --dry-run: the folder for one .eml file per message.",
)
@click.option(
    "--baseline/--no-baseline",
    default=False,
    help="Record every notice present as delivered, without sending anything.",
)
@click.option(
    "--preview",
    "preview_id",
    metavar="INCIDENT_ID",
    help="Show the notice for the incident's latest update (text), and send nothing.",
)
@click.option(
    "--html",
    "html_file",
    type=click.Path(dir_okay=False, path_type=Path),
    help="With --preview: write the HTML part to this file instead.",
)
@click.option("--language", help="With --preview: the reader's language (default: the site's).")
@click.option(
    "--resend-in-doubt/--no-resend-in-doubt",
    default=False,
    help="Send again the messages a server never answered (they may arrive twice).",
)
@click.option(
    "--compact/--no-compact",
    default=False,
    help="After the run, drop the ledger files of notices every subscriber has settled.",
)
@click.option("--git/--no-git", default=True, help="Check git history for deleted incidents.")
@root_option
@now_option
def notify(
    dry_run: bool,
    outbox: Path | None,
    baseline: bool,
    preview_id: str | None,
    html_file: Path | None,
    language: str | None,
    resend_in_doubt: bool,
    compact: bool,
    git: bool,
    root: Path,
    now_text: str | None,
) -> None:
    """Send every subscriber the notices they have not received yet, by e-mail or webhook.

    One message per update (and per newly published postmortem, and a reminder before a
    maintenance if notify.reminder_minutes is set) to each subscriber whose components it
    concerns, in their language, over notify.connections SMTP connections at once. The
    ledger (notices.ledger and notices.ledger.d/) records each outcome, so a rerun sends
    nothing twice and a killed run resumes where it stopped. The first run only records
    what already exists (the cut-off) unless notify.since is set.

    A permanent refusal puts the recipient on the suppression list; a temporary one is
    retried on a later run; a message the server never answered is "in doubt" and is sent
    again only with --resend-in-doubt. The run ends with one line per notice.

    SMTP comes from $STATUSPAGE_SMTP_URL (smtp://user:pass@host:587 for STARTTLS,
    smtps://... for TLS, smtp://host:25); the ledger's secret from $STATUSPAGE_LEDGER_KEY or
    .statuspage/ledger.key. Exits 1 only if the run could not go on (the server is down).

    \b
    Examples:
      statuspage notify
      statuspage notify --dry-run --outbox outbox/
      statuspage notify --preview 2026-11-20-checkout-errors --html notice.html
      statuspage notify --compact
    """
    from statuspage.inputs.load import load_site_or_raise

    if outbox is not None and not dry_run:
        raise click.UsageError("--outbox needs --dry-run")
    if preview_id is None and (html_file is not None or language is not None):
        raise click.UsageError("--html and --language go with --preview")
    if preview_id is not None and (dry_run or baseline):
        raise click.UsageError("--preview sends nothing; leave out --dry-run and --baseline")
    now = resolve_now(root, now_text)
    site = load_site_or_raise(root, now=now, check_git=git)
    if preview_id is not None:
        _preview(site, preview_id, html_file, language)
        return
    _run(
        site,
        dry_run=dry_run,
        outbox=outbox,
        baseline=baseline,
        resend_in_doubt=resend_in_doubt,
        compact=compact,
    )


def _preview(site: Site, incident_id: str, html_file: Path | None, language: str | None) -> None:
    from statuspage.inputs.config import LANGUAGES
    from statuspage.inputs.diagnostics import StatuspageError
    from statuspage.notify.notices import Renderer, latest_notice, preview_recipient, preview_sender

    if incident_id not in site.by_id:
        raise StatuspageError(f"no incident {incident_id!r} in incidents/")
    if language is not None and language not in LANGUAGES:
        raise click.BadParameter(
            f"{language!r} is not one of {', '.join(LANGUAGES)}", param_hint="--language"
        )
    notice = latest_notice(site, incident_id)
    renderer = Renderer(site, preview_sender(site.config), date=site.now)
    recipient = preview_recipient(site.config, language)
    if html_file is not None:
        html_file.write_text(renderer.html(notice, recipient), encoding="utf-8")
        note(f"Wrote the HTML notice to {html_file}")
        return
    click.echo(f"Subject: {renderer.subject(notice, recipient.language)}\n")
    click.echo(renderer.text(notice, recipient), nl=False)


def _run(
    site: Site,
    *,
    dry_run: bool,
    outbox: Path | None,
    baseline: bool,
    resend_in_doubt: bool = False,
    compact: bool = False,
) -> None:
    from statuspage.cli.progress import terminal_progress
    from statuspage.notify.send import Options
    from statuspage.notify.send import notify as send_notices

    ledger = site.config.notify.ledger
    options = Options(connections=site.config.notify.connections, resend_in_doubt=resend_in_doubt)
    report = send_notices(
        site,
        dry_run=dry_run,
        outbox=outbox,
        baseline=baseline,
        progress=terminal_progress(),
        options=options,
    )
    if compact and not dry_run:
        _compact(site)
    if report.first_run or baseline:
        count = f"{report.baselined} notice{'s' * (report.baselined != 1)}"
        if dry_run:
            note(
                f"Dry run: the first run will record the {count} already on the site as the "
                "cut-off and send nothing; later updates are sent.",
            )
        else:
            note(
                f"Recorded {count} already on the site in {ledger} without sending them "
                f"(the cut-off); later updates will be sent. Commit {ledger}.",
            )
        return
    messages = report.written if dry_run else report.sent
    summary = (
        f"{messages} message{'s' * (messages != 1)} for {report.notices} "
        f"notice{'s' * (report.notices != 1)}, {report.subscribers} "
        f"subscriber{'s' * (report.subscribers != 1)}"
    )
    if dry_run:
        if outbox is None:
            owed = report.notices
            note(
                f"Dry run: {owed} notice{'s' * (owed != 1)} owed to {report.subscribers} "
                "subscribers; add --outbox DIR to see the messages.",
            )
        else:
            note(f"Dry run: wrote {summary} to {outbox}")
        return
    if not report.subscribers:
        note(f"Nothing to send: no subscribers in {report.store}.")
        return
    if not report.notices and not report.tallies:
        note(f"Nothing to send: every notice has been delivered ({ledger}).")
        return
    if report.notices:
        note(f"Sent {summary}.")
    for failure in report.failures:
        what = {
            "permanent": "refused for good, suppressed",
            "temporary": "not delivered, retried later",
            "doubt": "in doubt (no answer), not sent again",
        }[failure.result.value]
        click.echo(f"{what}: {failure.notice}: {failure.recipient}: {failure.reason}", err=True)
    for key, tally in report.tallies.items():
        parts = [f"{tally.sent} sent", f"{tally.skipped} skipped (components)"]
        parts.append(f"{tally.suppressed} suppressed")
        parts.append(f"{tally.temporary} failed for now")
        if tally.doubt:
            parts.append(f"{tally.doubt} in doubt")
        note(f"{key}: {', '.join(parts)}")
    if report.doubt:
        click.echo(
            f"{report.doubt} message{'s' * (report.doubt != 1)} in doubt: the server may "
            "have them; `statuspage notify --resend-in-doubt` sends them again.",
            err=True,
        )
    if not report.ok:
        click.echo(
            f"Error: stopped with {report.unsent} not sent: {report.stopped}. They stay owed "
            "and are sent on the next run.",
            err=True,
        )
        raise SystemExit(1)


def _compact(site: Site) -> None:
    from statuspage.notify.ledger import Ledger, load_keys

    root = Path(site.root)
    keys = load_keys((root / site.config.notify.subscribers).parent, create=False)
    path = root / site.config.notify.ledger
    if keys is None or not path.exists():
        return
    with Ledger.open(path, keys) as ledger:
        removed = ledger.compact()
    note(
        f"Compacted {path.name}: {removed} settled notice file{'s' * (removed != 1)} "
        "reduced to who got them.",
    )


@click.group()
def subscribers() -> None:
    """Manage who receives e-mail notices (a private file, never published).

    The list lives in notify.subscribers (default .statuspage/subscribers.json), which
    `statuspage init` keeps out of git. Addresses are checked and stored in lower case;
    adding an address twice merges the two entries.
    """


def _store(root: Path) -> tuple[Config, SubscriberStore]:
    from statuspage.inputs.load import read_config
    from statuspage.notify.subscribers import SubscriberStore

    config = read_config(root)
    return config, SubscriberStore(root / config.notify.subscribers)


def _describe(subscriber: Subscriber) -> str:
    components = ",".join(subscriber.components) or "all"
    text = f"{subscriber.email}\t{components}\t{subscriber.language or '-'}"
    if subscriber.webhook:
        text += f"\t{subscriber.webhook}"
    return text


@subscribers.command("add")
@click.argument("email")
@click.option(
    "-c",
    "--component",
    "components",
    multiple=True,
    metavar="ID",
    help="Only notices about this component (repeat for several; default: all).",
)
@click.option("--language", help="The language of their notices (default: the site's).")
@click.option(
    "--webhook",
    metavar="URL",
    help="Send notices to this URL as a signed JSON POST; EMAIL is the contact for it.",
)
@click.option(
    "--format",
    "format_",
    type=click.Choice(["statuspage", "slack", "teams", "discord"]),
    help="With --webhook: the body (default: by the URL's host, else statuspage).",
)
@root_option
def add(
    email: str,
    components: tuple[str, ...],
    language: str | None,
    webhook: str | None,
    format_: str | None,
    root: Path,
) -> None:
    """Subscribe EMAIL (or update the entry if it is already there).

    With --webhook, notices go to the URL instead, in Statuspage's webhook shape (or as a
    Slack, Microsoft Teams or Discord message), signed with a secret printed here.

    \b
    Examples:
      statuspage subscribers add jane@example.com -c checkout -c payments --language fr
      statuspage subscribers add ops@example.com --webhook https://ops.example/hooks/status
    """
    from statuspage.inputs.clock import utc_now
    from statuspage.inputs.config import LANGUAGES
    from statuspage.notify.subscribers import subscriber

    config, store = _store(root)
    new = subscriber(
        email,
        components=components,
        language=language,
        known_components=config.component_ids,
        languages=LANGUAGES,
        added=utc_now(),
        webhook=webhook,
        format=format_,
    )
    if format_ is not None and webhook is None:
        raise click.UsageError("--format goes with --webhook")
    url = _database_url(root)
    if url:
        _add_to_database(url, new)
        return
    same = (new.email, new.webhook)
    existed = any((s.email, s.webhook) == same for s in store.load())
    saved = next(s for s in store.add([new]) if (s.email, s.webhook) == same)
    note(f"{'Updated' if existed else 'Subscribed'}: {_describe(saved)}")
    if webhook is not None:
        _print_secret(store, webhook)


def _add_to_database(url: str, new: Subscriber) -> None:
    """An operator's subscriber goes in confirmed (they asked the operator); an entry
    already there takes the new components and language."""
    from statuspage.inputs.clock import utc_now
    from statuspage.notify.send import open_database

    kind = "webhook" if new.webhook else "email"
    with open_database(url) as db:
        found = [s for s in db.find(new.email, kind) if (s.webhook_url or s.email) == new.target]
        if found:
            db.confirm(found[0].uid, utc_now())
            changed = db.change(found[0].uid, components=new.components, language=new.language)
            assert changed is not None
            note(f"Updated: {_describe(changed.subscriber)}")
        else:
            db.add_confirmed([new], consent="added by the operator", now=utc_now())
            note(f"Subscribed: {_describe(new)}")


def _print_secret(store: SubscriberStore, webhook: str) -> None:
    from statuspage.notify.ledger import load_keys
    from statuspage.notify.webhooks import webhook_format

    if webhook_format(webhook) != "statuspage":
        return  # chat services check the secret in their URL, not a signature
    keys = load_keys(store.path.parent, create=True)
    assert keys is not None
    click.echo(f"Signing secret for {webhook}: {keys.webhook_secret(webhook)}", err=True)


@subscribers.command("remove")
@click.argument("email", required=False)
@click.option(
    "--token",
    help="Remove whoever this unsubscribe token (from a one-click link) names.",
)
@root_option
def remove(email: str | None, token: str | None, root: Path) -> None:
    """Unsubscribe EMAIL, or the subscriber an unsubscribe --token names.

    \b
    Examples:
      statuspage subscribers remove jane@example.com
      statuspage subscribers remove --token u1.amFuZUBleGFtcGxlLmNvbQ.3q...
    """
    from statuspage.inputs.diagnostics import StatuspageError
    from statuspage.notify.ledger import load_keys
    from statuspage.notify.subscribers import verify_unsubscribe_token

    if (email is None) == (token is None):
        raise click.UsageError("give either EMAIL or --token")
    url = _database_url(root)
    if url:
        _remove_from_database(url, email, token, root)
        return
    _, store = _store(root)
    if token is not None:
        keys = load_keys(store.path.parent, create=False)
        email = verify_unsubscribe_token(keys.unsubscribe, token) if keys else None
        if email is None:
            raise StatuspageError("the token is not one of ours (or was made with another key)")
    assert email is not None
    removed = store.remove(email)
    note(f"Unsubscribed {removed.email}")


def _remove_from_database(url: str, email: str | None, token: str | None, root: Path) -> None:
    from statuspage.inputs.diagnostics import StatuspageError
    from statuspage.notify.ledger import load_keys
    from statuspage.notify.send import open_database
    from statuspage.notify.subscribers import AddressError, normalise_address
    from statuspage.notify.tokens import TokenError, Tokens

    with open_database(url) as db:
        if token is not None:
            keys = load_keys(root / ".statuspage", create=False)
            try:
                uid = Tokens(keys.service).read("unsubscribe", token) if keys else None
            except TokenError:
                uid = None
            subscription = db.get(uid) if uid else None
            if subscription is None:
                raise StatuspageError(
                    "the token names no subscription here (or another key made it)"
                )
            db.delete(subscription.uid)
            note(f"Unsubscribed {subscription.email}")
            return
        assert email is not None
        try:
            address = normalise_address(email)
        except AddressError as exc:
            raise StatuspageError(str(exc)) from None
        if not db.forget(address):
            raise StatuspageError(f"{address} is not subscribed")
        note(f"Unsubscribed {address}")


@subscribers.command("list")
@root_option
def list_(root: Path) -> None:
    """Print every subscriber: address, components (or all), language (or -).

    \b
    Example:
      statuspage subscribers list | grep checkout
    """
    url = _database_url(root)
    if url:
        from statuspage.notify.send import open_database

        with open_database(url) as db:
            found = tuple(s.subscriber for kind in ("email", "webhook") for s in db.confirmed(kind))
            pending = db.count()[1]
    else:
        _, store = _store(root)
        found = store.load()
        pending = 0
    for subscriber in found:
        click.echo(_describe(subscriber))
    waiting = f", {pending} waiting for confirmation" if pending else ""
    note(f"{len(found)} subscriber{'s' * (len(found) != 1)}{waiting}")


@subscribers.command("import")
@click.argument(
    "file", required=False, type=click.Path(dir_okay=False, exists=True, path_type=Path)
)
@click.option(
    "--from",
    "file_store",
    type=click.Path(dir_okay=False, exists=True, path_type=Path),
    help="Move this file store (subscribers.json) and its ledger into the database.",
)
@root_option
def import_(file: Path | None, file_store: Path | None, root: Path) -> None:
    """Add the subscribers of a CSV file (columns email, components, language), or move a
    file store into the subscription database with --from.

    A header row is optional. Components in one cell are separated by spaces or
    semicolons. Every bad row is reported and then nothing is imported.

    With --from, the database ($STATUSPAGE_DATABASE_URL or subscriptions.database) takes
    the file's subscribers as confirmed, and the notice ledger (notify.ledger) too, so
    nothing already sent is sent again.

    \b
    Examples:
      statuspage subscribers import customers.csv
      statuspage subscribers import --from .statuspage/subscribers.json
    """
    from statuspage.inputs.clock import utc_now
    from statuspage.inputs.config import LANGUAGES
    from statuspage.notify.subscribers import read_csv

    if (file is None) == (file_store is None):
        raise click.UsageError("give either a CSV FILE or --from FILE_STORE")
    if file_store is not None:
        _import_store(file_store, root)
        return
    assert file is not None
    config, store = _store(root)
    new = read_csv(
        str(file),
        file.read_bytes(),
        known_components=config.component_ids,
        languages=LANGUAGES,
        added=utc_now(),
    )
    before = {s.email for s in store.load()}
    after = store.add(new)
    added = len(after) - len(before)
    note(
        f"Imported {len(new)} row{'s' * (len(new) != 1)}: {added} new "
        f"subscriber{'s' * (added != 1)}, {len(after)} in all",
    )


def _import_store(path: Path, root: Path) -> None:
    from statuspage.cli.subscriptions import database_of
    from statuspage.inputs.clock import utc_now
    from statuspage.notify.ledger import KEY_ENV, LedgerError, load_keys
    from statuspage.notify.ledger import read_everything as read
    from statuspage.notify.send import open_database
    from statuspage.notify.subscribers import SubscriberStore

    config, _ = _store(root)
    people = SubscriberStore(path).load()
    ledger_path = root / config.notify.ledger
    state = read(ledger_path)
    now = utc_now()
    with open_database(database_of(root)) as db:
        if state.check is not None:
            keys = load_keys(path.parent, create=False) or load_keys(
                root / ".statuspage", create=False
            )
            if keys is None or keys.check != state.check:
                raise LedgerError(
                    f"{ledger_path} was written with a secret that is not here: set "
                    f"${KEY_ENV} to it, so the database's ledger goes on with the same key"
                )
            db.check_key(keys)
            db.import_ledger(state, now)
            for recipient, (_, source) in state.suppressed.items():
                db.suppress(recipient, source, now)
        new = db.add_confirmed(people, consent=f"imported from {path.name}", now=now)
        confirmed, _ = db.count()
    ledger_note = f" and the ledger {config.notify.ledger}" if state.check is not None else ""
    note(
        f"Moved {len(people)} subscriber{'s' * (len(people) != 1)}{ledger_note} into the "
        f"database: {new} new, {confirmed} in all. Once notify runs with the database, "
        f"delete {path} (it holds the addresses in clear).",
    )


@subscribers.command("export")
@click.argument("email")
@root_option
def export(email: str, root: Path) -> None:
    """Print everything stored about EMAIL as JSON (an access request).

    Looks in the database if one is configured, and in the file store.

    \b
    Example:
      statuspage subscribers export jane@example.com > jane.json
    """
    import json

    from statuspage.inputs.diagnostics import StatuspageError
    from statuspage.notify.subscribers import AddressError, normalise_address

    try:
        address = normalise_address(email)
    except AddressError as exc:
        raise StatuspageError(str(exc)) from None
    config, store = _store(root)
    found: dict[str, object] = {"email": address, "subscriptions": []}
    entries = [s for s in store.load() if s.email == address]
    for entry in entries:
        found["subscriptions"].append(  # type: ignore[attr-defined]
            {
                "store": config.notify.subscribers,
                "components": list(entry.components),
                "language": entry.language,
                "added": entry.added.isoformat() if entry.added else None,
            }
        )
    url = _database_url(root)
    if url:
        from statuspage.notify.send import open_database

        with open_database(url) as db:
            for subscription in db.find(address):
                found["subscriptions"].append(  # type: ignore[attr-defined]
                    {"store": "database", **subscription.export()}
                )
    click.echo(json.dumps(found, indent=2, ensure_ascii=False, sort_keys=True))
    count = len(found["subscriptions"])  # type: ignore[arg-type]
    note(f"{count} subscription{'s' * (count != 1)} of {address}")


@subscribers.command("forget")
@click.argument("email")
@root_option
def forget(email: str, root: Path) -> None:
    """Delete EMAIL everywhere it is stored (an erasure request).

    The database's subscriptions and the file store's entry go; the ledgers keep only
    keyed hashes, which name nobody without the secret.

    \b
    Example:
      statuspage subscribers forget jane@example.com
    """
    from statuspage.inputs.diagnostics import StatuspageError
    from statuspage.notify.subscribers import AddressError, normalise_address

    try:
        address = normalise_address(email)
    except AddressError as exc:
        raise StatuspageError(str(exc)) from None
    _, store = _store(root)
    deleted = 0
    if any(s.email == address for s in store.load()):
        store.remove(address)
        deleted += 1
    url = _database_url(root)
    if url:
        from statuspage.notify.send import open_database

        with open_database(url) as db:
            deleted += db.forget(address)
    if deleted:
        note(
            f"Forgot {address}: {deleted} subscription{'s' * (deleted != 1)} deleted.",
        )
    else:
        note(f"Nothing stored about {address}.")


def _database_url(root: Path) -> str | None:
    from statuspage.inputs.load import read_config
    from statuspage.notify.send import database_url

    return database_url(read_config(root).subscriptions.database, root)


@subscribers.command("secret")
@click.argument("url")
@root_option
def secret(url: str, root: Path) -> None:
    """Print the secret a webhook receiver checks our signature with.

    The webhook is looked up in the subscriber list, else in the subscription database.

    \b
    Example:
      statuspage subscribers secret https://ops.example/hooks/status
    """
    from statuspage.inputs.diagnostics import StatuspageError
    from statuspage.notify.ledger import load_keys
    from statuspage.notify.send import open_database

    _, store = _store(root)
    known = any(s.webhook == url for s in store.load())
    database = None if known else _database_url(root)
    if database is not None:  # subscribed through the service
        with open_database(database) as db:
            known = any(s.webhook_url == url for s in db.confirmed("webhook"))
    if not known:
        raise StatuspageError(f"no webhook subscriber with the URL {url}")
    keys = load_keys(store.path.parent, create=False)
    if keys is None:
        raise StatuspageError("no notice secret yet: set $STATUSPAGE_LEDGER_KEY")
    click.echo(keys.webhook_secret(url))


@subscribers.command("suppressed")
@root_option
def suppressed(root: Path) -> None:
    """Print everyone who is sent nothing more: address, source, reason, since when.

    A recipient is suppressed after a permanent refusal (an SMTP 5xx, a webhook's 410),
    after too many temporary failures in a row, or by a bounce or complaint.

    \b
    Example:
      statuspage subscribers suppressed
    """
    from statuspage.notify.ledger import load_keys, read
    from statuspage.notify.suppression import SuppressionList

    config, store = _store(root)
    entries = SuppressionList.beside(store.path).load()
    lines = [(e.address, e.source, e.reason, e.at) for e in entries.values()]
    # In CI the private list does not survive the run; the committed ledger names them by
    # keyed hash, which the subscribers here can be matched with.
    keys = load_keys(store.path.parent, create=False)
    state = read(root / config.notify.ledger)
    unknown = 0
    if keys is not None and state.suppressed:
        by_hash = {keys.recipient(s.target): s.target for s in store.load()}
        for hashed, (at, source) in state.suppressed.items():
            target = by_hash.get(hashed)
            if target is None:
                unknown += 1
            elif target not in entries:
                lines.append((target, source, "recorded in the ledger", at))
    for address, source, reason, at in sorted(lines):
        when = at.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
        click.echo(f"{address}\t{source}\t{reason}\t{when}")
    summary = f"{len(lines)} suppressed"
    if unknown:
        summary += f", and {unknown} in the ledger who are no longer subscribers"
    note(summary)


@subscribers.command("unsuppress")
@click.argument("address")
@root_option
def unsuppress(address: str, root: Path) -> None:
    """Send to ADDRESS (or a webhook's URL) again, once the problem is fixed.

    \b
    Example:
      statuspage subscribers unsuppress jane@example.com
    """
    from statuspage.inputs.clock import utc_now
    from statuspage.inputs.diagnostics import StatuspageError
    from statuspage.notify.subscribers import AddressError, normalise_address
    from statuspage.notify.suppression import SuppressionList

    _, store = _store(root)
    try:
        target = normalise_address(address)
    except AddressError:
        target = address.strip()
    removed = SuppressionList.beside(store.path).remove(target) is not None
    with _ledger(root) as ledger:
        if ledger is not None:
            hashed = ledger.keys.recipient(target)
            removed = removed or hashed in ledger.state.suppressed
            ledger.record_unsuppressed(hashed, utc_now())
    with _suppressions(root) as database:
        if database is not None:
            db, keys = database
            removed = db.unsuppress(keys.recipient(target)) or removed
    if not removed:
        raise StatuspageError(f"{target} is not suppressed")
    note(f"No longer suppressed: {target}")


@contextlib.contextmanager
def _suppressions(root: Path) -> Iterator[tuple[Store, Keys] | None]:
    """The configured database and the keys that hash its recipients, if both exist."""
    from statuspage.notify.ledger import load_keys
    from statuspage.notify.send import open_database

    url = _database_url(root)
    _, store = _store(root)
    keys = load_keys(store.path.parent, create=False) if url else None
    if url is None or keys is None:
        yield None
        return
    with open_database(url) as db:
        yield db, keys


@contextlib.contextmanager
def _ledger(root: Path) -> Iterator[Ledger | None]:
    """The site's ledger, locked, if it has a key (else None: nothing was ever sent)."""
    from statuspage.notify.ledger import Ledger, load_keys

    config, store = _store(root)
    keys = load_keys(store.path.parent, create=False)
    if keys is None:
        yield None
        return
    with Ledger.open(root / config.notify.ledger, keys) as ledger:
        yield ledger


@subscribers.command("bounces")
@click.argument("file", type=click.File("rb"))
@root_option
def bounces(file: BinaryIO, root: Path) -> None:
    """Suppress the addresses of bounce and complaint notifications in FILE (- for stdin).

    JSON: one notification, a list, or one per line. Amazon SES notifications (bare or as
    Amazon SNS delivers them) and a generic form are understood: {"type": "bounce" or
    "complaint", "email": "...", "permanent": true, "reason": "..."}. Hard bounces and
    complaints suppress the address; soft bounces are only counted.

    \b
    Examples:
      statuspage subscribers bounces ses-notification.json
      statuspage subscribers bounces - < notifications.jsonl
    """
    from statuspage.inputs.clock import utc_now
    from statuspage.notify.suppression import Suppression, SuppressionList, read_bounces

    _, store = _store(root)
    found = read_bounces(file.name if isinstance(file.name, str) else "-", file.read())
    now = utc_now()
    entries = [
        Suppression(address=b.address, reason=b.reason, source=b.kind, at=now)
        for b in found
        if b.permanent
    ]
    new = SuppressionList.beside(store.path).add(entries)
    with _ledger(root) as ledger:
        if ledger is not None:
            for entry in entries:
                ledger.record_suppressed(ledger.keys.recipient(entry.address), entry.source, now)
    with _suppressions(root) as database:
        if database is not None:
            db, keys = database
            for entry in entries:
                db.suppress(keys.recipient(entry.address), f"{entry.source}: {entry.reason}", now)
    soft = sum(1 for b in found if not b.permanent)
    note(
        f"{len(found)} notification{'s' * (len(found) != 1)}: {len(new)} newly suppressed, "
        f"{len(entries) - len(new)} already suppressed, {soft} soft bounce{'s' * (soft != 1)} "
        "(not suppressed)",
    )

"""Send e-mail notices over SMTP, each exactly once (design §6).

`notify` works out what every subscriber is still owed (notices newer than the cut-off, not
in the ledger, matching their component filter), sends it over one SMTP connection and writes
each accepted message to the ledger before sending the next. What the server refuses, or what
a dropped connection leaves unsent, is reported and stays owed for the next run.

SMTP settings come from $STATUSPAGE_SMTP_URL, never from the config file (it holds a password):
`smtp://user:pass@host:587` (STARTTLS, required when logging in), `smtps://user:pass@host:465`
(TLS from the start), `smtp://host:25` (STARTTLS if offered, else plain, no login).
"""

from __future__ import annotations

import contextlib
import logging
import os
import smtplib
import socket
import ssl
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import SplitResult, unquote, urlsplit

from statuspage.inputs.clock import utc_now
from statuspage.inputs.diagnostics import StatuspageError
from statuspage.inputs.model import Site
from statuspage.inputs.places import check_not_protected
from statuspage.notify.ledger import Keys, Ledger, LedgerError, LedgerState, load_keys, read
from statuspage.notify.notices import (
    HeaderError,
    Notice,
    Recipient,
    Renderer,
    eml_name,
    sender_of,
    site_notices,
    unsubscribe_link,
)
from statuspage.notify.subscribers import Subscriber, SubscriberStore, mask, unsubscribe_token

if TYPE_CHECKING:
    from statuspage.notify.store import Store

log = logging.getLogger(__name__)

SMTP_ENV = "STATUSPAGE_SMTP_URL"
DATABASE_ENV = "STATUSPAGE_DATABASE_URL"
DEFAULT_PORTS = {"smtp": 25, "smtps": 465}
TIMEOUT = 30.0
RECONNECTS = 3

Progress = Callable[[str, int, int], None]  # (what, done, total)


class SmtpError(StatuspageError):
    """The SMTP server cannot be used: down, refusing our login, or gone for good."""


# -- SMTP ----------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class SmtpSettings:
    scheme: str  # smtp (STARTTLS when offered) or smtps (TLS from the start)
    host: str
    port: int
    username: str | None = field(default=None, repr=False)
    password: str | None = field(default=None, repr=False)

    @property
    def shown(self) -> str:
        """For messages: never the password."""
        user = f"{self.username}@" if self.username else ""
        return f"{self.scheme}://{user}{self.host}:{self.port}"

    @classmethod
    def from_url(cls, url: str) -> SmtpSettings:
        try:
            parts: SplitResult = urlsplit(url.strip())
            port = parts.port
        except ValueError:
            raise SmtpError(f"${SMTP_ENV} is not a URL like smtp://user:pass@host:587") from None
        if parts.scheme not in DEFAULT_PORTS or not parts.hostname:
            raise SmtpError(
                f"${SMTP_ENV} must look like smtp://user:pass@host:587, smtps://user:pass@host:465 "
                f"or smtp://host:25 (got scheme {parts.scheme or 'none'!r})"
            )
        username = unquote(parts.username) if parts.username else None
        password = unquote(parts.password) if parts.password else None
        if username and password is None:
            raise SmtpError(f"${SMTP_ENV} names a user but no password (smtp://user:pass@host)")
        return cls(
            scheme=parts.scheme,
            host=parts.hostname,
            port=port or DEFAULT_PORTS[parts.scheme],
            username=username,
            password=password,
        )


@dataclass(frozen=True, slots=True)
class Outcome:
    """What the server said about one message."""

    accepted: bool
    code: int = 250
    reason: str = ""


ACCEPTED = Outcome(True)


class Mailer:
    """One SMTP connection, reused for every message, reopened when the server drops it."""

    def __init__(
        self,
        settings: SmtpSettings,
        *,
        context: ssl.SSLContext | None = None,
        timeout: float = TIMEOUT,
        rate_limit: float | None = None,
        reconnects: int = RECONNECTS,
        backoff: float = 1.0,
    ) -> None:
        self.settings = settings
        self.context = context or ssl.create_default_context()
        self.timeout = timeout
        self.interval = 1.0 / rate_limit if rate_limit else 0.0
        self.reconnects = reconnects
        self.backoff = backoff
        self._smtp: smtplib.SMTP | None = None
        self._next = 0.0

    def __enter__(self) -> Mailer:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def connect(self) -> None:
        """Open, secure and log in; raises SmtpError with the reason."""
        settings = self.settings
        try:
            if settings.scheme == "smtps":
                smtp: smtplib.SMTP = smtplib.SMTP_SSL(
                    settings.host, settings.port, timeout=self.timeout, context=self.context
                )
            else:
                smtp = smtplib.SMTP(settings.host, settings.port, timeout=self.timeout)
        except ssl.SSLError as exc:
            raise SmtpError(f"TLS with {settings.shown} failed: {exc.reason or exc}") from None
        except (OSError, smtplib.SMTPException) as exc:
            raise SmtpError(
                f"cannot connect to the SMTP server {settings.shown}: {_reason(exc)}; "
                "nothing was sent"
            ) from None
        try:
            smtp.ehlo()
            if settings.scheme == "smtp":
                if smtp.has_extn("starttls"):
                    smtp.starttls(context=self.context)
                    smtp.ehlo()
                elif settings.username:
                    raise SmtpError(
                        f"{settings.shown} does not offer STARTTLS; refusing to send the password "
                        "unencrypted (use smtps:// or a server with STARTTLS)"
                    )
            if settings.username and settings.password is not None:
                smtp.login(settings.username, settings.password)
        except smtplib.SMTPAuthenticationError as exc:
            _quit(smtp)
            raise SmtpError(
                f"{settings.shown} refused the login: {exc.smtp_code} {_text(exc.smtp_error)}"
            ) from None
        except ssl.SSLError as exc:
            _quit(smtp)
            raise SmtpError(f"STARTTLS with {settings.shown} failed: {exc.reason or exc}") from None
        except (OSError, smtplib.SMTPException) as exc:
            _quit(smtp)
            raise SmtpError(f"the SMTP server {settings.shown} failed: {_reason(exc)}") from None
        self._smtp = smtp

    def close(self) -> None:
        if self._smtp is not None:
            _quit(self._smtp)
            self._smtp = None

    def _drop(self) -> None:
        if self._smtp is not None:
            with contextlib.suppress(OSError):
                self._smtp.close()
            self._smtp = None

    def _reconnect(self) -> None:
        last: SmtpError | None = None
        for attempt in range(self.reconnects):
            time.sleep(self.backoff * attempt)
            try:
                self.connect()
                return
            except SmtpError as exc:
                last = exc
                log.info("reconnecting to %s failed: %s", self.settings.shown, exc)
        raise SmtpError(
            f"lost the connection to {self.settings.shown} and could not reconnect: {last}"
        )

    def _pace(self) -> None:
        if not self.interval:
            return
        now = time.monotonic()
        if self._next > now:
            time.sleep(self._next - now)
        self._next = max(now, self._next) + self.interval

    def send(self, sender: str, recipient: str, data: bytes) -> Outcome:
        """One message to one recipient; SmtpError if the server is gone for good.

        A message whose transaction broke off is sent again on a new connection; if the
        server had in fact taken it, that is the one duplicate a drop can cause.
        """
        self._pace()
        for _ in range(2):
            if self._smtp is None:
                self._reconnect()
            assert self._smtp is not None
            try:
                self._smtp.sendmail(sender, [recipient], data)
                return ACCEPTED
            except smtplib.SMTPRecipientsRefused as exc:
                code, reason = exc.recipients.get(recipient, (550, b"refused"))
                if code == 421:  # the server is closing the connection
                    self._drop()
                    continue
                return Outcome(False, code, _text(reason))
            except smtplib.SMTPSenderRefused as exc:
                if exc.smtp_code == 421:
                    self._drop()
                    continue
                raise SmtpError(
                    f"{self.settings.shown} refuses the sender {sender}: "
                    f"{exc.smtp_code} {_text(exc.smtp_error)}"
                ) from None
            except smtplib.SMTPDataError as exc:
                if exc.smtp_code == 421:
                    self._drop()
                    continue
                return Outcome(False, exc.smtp_code, _text(exc.smtp_error))
            except (smtplib.SMTPServerDisconnected, smtplib.SMTPResponseException, OSError):
                self._drop()
                continue
        raise SmtpError(f"{self.settings.shown} keeps dropping the connection")


def _quit(smtp: smtplib.SMTP) -> None:
    try:
        smtp.quit()
    except (OSError, smtplib.SMTPException):
        smtp.close()


def _text(reason: bytes | str) -> str:
    return reason.decode("utf-8", "replace") if isinstance(reason, bytes) else str(reason)


def _reason(exc: BaseException) -> str:
    if isinstance(exc, socket.timeout | TimeoutError):
        return "timed out"
    if isinstance(exc, OSError) and exc.strerror:
        return exc.strerror
    return str(exc) or type(exc).__name__


# -- what is owed --------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Delivery:
    """One message to one subscriber."""

    notice: Notice
    subscriber: Subscriber
    recipient: str  # the ledger's hash of the address


@dataclass(slots=True)
class Plan:
    eligible: list[Notice]  # past the cut-off and not baselined
    owed: list[Delivery]


def plan(
    notices: Sequence[Notice],
    subscribers: Sequence[Subscriber],
    state: LedgerState,
    keys: Keys,
    *,
    since: datetime | None,
) -> Plan:
    """Every (notice, subscriber) still owed, oldest notice first.

    A notice is owed to a subscriber whose filter matches it, who subscribed before the
    notice was first seen (so a new subscriber is not sent the past), and whom the ledger
    does not list for it A correction is owed only to those the ledger lists for the
    notice it corrects, sent before the edit (a later one already said it as corrected).
    """
    hashes = [(s, keys.recipient(s.email)) for s in subscribers]
    eligible = [
        n
        for n in notices
        if n.key not in state.baseline and (since is None or n.at is None or n.at > since)
    ]
    owed = []
    for notice in eligible:
        opened = state.opened.get(notice.key)
        for subscriber, recipient in hashes:
            if not subscriber.wants(notice.components):
                continue
            if opened is not None and subscriber.added is not None and subscriber.added > opened:
                continue
            if (notice.key, recipient) in state.sent:
                continue
            if notice.corrects is not None:  # only to whoever got the original before
                got = state.sent_at.get((notice.corrects, recipient))
                if got is None or (notice.at is not None and got >= notice.at):
                    continue
            owed.append(Delivery(notice, subscriber, recipient))
    return Plan(eligible, owed)


# -- the run -------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Failure:
    notice: str
    recipient: str  # masked address
    reason: str


@dataclass(slots=True)
class Report:
    subscribers: int = 0
    notices: int = 0  # notices with messages owed this run
    sent: int = 0
    written: int = 0  # .eml files of a dry run
    baselined: int = 0
    first_run: bool = False
    failures: list[Failure] = field(default_factory=list)
    unsent: int = 0  # owed but not attempted: the run stopped
    stopped: str | None = None  # why the run stopped early
    store: str = ""  # where the subscribers are: the file, or the database (no password)

    @property
    def ok(self) -> bool:
        return not self.failures and not self.unsent and self.stopped is None


def notify(
    site: Site,
    *,
    smtp_url: str | None = None,
    dry_run: bool = False,
    outbox: Path | None = None,
    baseline: bool = False,
    context: ssl.SSLContext | None = None,
    clock: Callable[[], datetime] = utc_now,
    progress: Progress | None = None,
    reconnect_backoff: float = 1.0,
    database: str | None = None,
) -> Report:
    """Send what is owed (or write it to `outbox` as .eml files with `dry_run`).

    The ledger's and the subscribers' clocks are the wall clock (`clock`): they record
    when things happened. The site's clock (`site.now`) decides which notices exist.
    With a database (`database`, else $STATUSPAGE_DATABASE_URL or `subscriptions.database`)
    the subscribers, the ledger and the suppression list are there (design §8).
    """
    config = site.config
    root = Path(site.root)
    store = SubscriberStore(root / config.notify.subscribers)
    private_dir = store.path.parent
    ledger_path = root / config.notify.ledger
    since = config.notify.since
    reminder = config.notify.reminder_minutes
    notices = site_notices(site, reminder=timedelta(minutes=reminder) if reminder else None)
    url = database if database is not None else database_url(config.subscriptions.database, root)
    if url:
        with open_database(url) as db:
            return _notify_database(
                site,
                db,
                notices,
                private_dir=private_dir,
                smtp_url=smtp_url,
                dry_run=dry_run,
                outbox=outbox,
                baseline=baseline,
                context=context,
                clock=clock,
                progress=progress,
                reconnect_backoff=reconnect_backoff,
            )
    subscribers = store.load()
    report = Report(subscribers=len(subscribers), store=config.notify.subscribers)

    if dry_run:
        return _dry_run(site, notices, subscribers, ledger_path, private_dir, outbox, clock, report)

    settings = None
    if not baseline:
        url = smtp_url if smtp_url is not None else os.environ.get(SMTP_ENV, "")
        if not url.strip():
            raise SmtpError(f"set ${SMTP_ENV} (smtp://user:pass@host:587) to send notices")
        settings = SmtpSettings.from_url(url)
    sender = sender_of(config)
    existing = read(ledger_path)
    keys = load_keys(private_dir, create=existing.is_new)
    if keys is None:
        raise LedgerError(
            f"{ledger_path} was written with a secret that is not here: set "
            f"$STATUSPAGE_LEDGER_KEY to it (docs/notices.md)"
        )
    with Ledger.open(ledger_path, keys) as ledger:
        now = clock()
        first = ledger.state.is_new or ledger.state.start is None
        if baseline or (first and since is None):
            # The cut-off: what exists now was announced before notices were set up.
            ledger.record_start(now)
            report.first_run = first
            report.baselined = ledger.record_baseline((n.key for n in notices), now)
            return report
        if first:
            # A configured cut-off: postmortems carry no time of their own, so the ones
            # already published count as before it.
            ledger.record_start(now)
            timeless = (n.key for n in notices if n.at is None)
            report.baselined = ledger.record_baseline(timeless, now)
        work = plan(notices, subscribers, ledger.state, keys, since=since)
        report.notices = len({d.notice.key for d in work.owed})
        if not work.owed:
            ledger.record_open((n.key for n in work.eligible), now)
            return report
        assert settings is not None
        renderer = Renderer(site, sender, date=now)
        with Mailer(
            settings,
            context=context,
            rate_limit=config.notify.rate_limit,
            backoff=reconnect_backoff,
        ) as mailer:
            mailer.connect()  # a server that is down fails here, before anything is recorded
            ledger.record_open((n.key for n in work.eligible), now)
            total = len(work.owed)
            for number, delivery in enumerate(work.owed):
                try:
                    message = _message(renderer, site, keys, delivery)
                except HeaderError as exc:  # not sent, reported; later notices still go
                    address = delivery.subscriber.email
                    reason = str(exc).replace(address, mask(address))
                    report.failures.append(Failure(delivery.notice.key, mask(address), reason))
                    continue
                try:
                    outcome = mailer.send(sender.address, delivery.subscriber.email, message)
                except SmtpError as exc:
                    report.stopped = str(exc)
                    report.unsent = total - number
                    break
                if outcome.accepted:
                    ledger.record_sent(delivery.notice.key, delivery.recipient, clock())
                    report.sent += 1
                else:
                    address = delivery.subscriber.email
                    reason = f"{outcome.code} {outcome.reason}".replace(address, mask(address))
                    report.failures.append(Failure(delivery.notice.key, mask(address), reason))
                if progress is not None:
                    progress("Sending notices", number + 1, total)
    return report


# -- with the database (design §8) ---------------------------------------------------------


def database_url(configured: str | None, root: Path) -> str | None:
    """$STATUSPAGE_DATABASE_URL, else `subscriptions.database`, else None (the file store)."""
    value = os.environ.get(DATABASE_ENV, "").strip() or (configured or "").strip()
    if not value:
        return None
    from statuspage.notify.store import database_url as resolve

    return resolve(value, root)


def open_database(url: str) -> Store:
    """The store, or a clear error (down, old schema, the extra not installed)."""
    try:
        from statuspage.notify.store import Store
    except ImportError:
        raise StatuspageError(
            "a subscription database needs the service extra: pip install 'statuspage-git[service]'"
        ) from None
    return Store.open(url)


def _notify_database(
    site: Site,
    db: Store,
    notices: Sequence[Notice],
    *,
    private_dir: Path,
    smtp_url: str | None,
    dry_run: bool,
    outbox: Path | None,
    baseline: bool,
    context: ssl.SSLContext | None,
    clock: Callable[[], datetime],
    progress: Progress | None,
    reconnect_backoff: float,
) -> Report:
    """As `notify`, with the database's subscribers, ledger and suppression list.

    Each delivery is claimed in the database while it is sent (`Store.delivery`), so two
    runs at once never both send a message, and a killed run's claim is given up.
    """
    from statuspage.notify.tokens import Tokens

    config = site.config
    since = config.notify.since
    settings = None
    if not (baseline or dry_run):
        url = smtp_url if smtp_url is not None else os.environ.get(SMTP_ENV, "")
        if not url.strip():
            raise SmtpError(f"set ${SMTP_ENV} (smtp://user:pass@host:587) to send notices")
        settings = SmtpSettings.from_url(url)
    existing = db.state(())
    keys = load_keys(private_dir, create=existing.check is None and not dry_run)
    if keys is None:
        if existing.check is not None:
            raise LedgerError(
                f"the ledger in {db.shown} was written with a secret that is not here: set "
                "$STATUSPAGE_LEDGER_KEY to it (docs/notices.md)"
            )
        keys = Keys.from_secret(os.urandom(32))
    if not dry_run:
        db.check_key(keys)
    elif existing.check is not None and existing.check != keys.check:
        raise LedgerError(f"the ledger in {db.shown} was written with another key")
    suppressed = db.suppressed()
    subscriptions = [s for s in db.confirmed("email") if keys.recipient(s.email) not in suppressed]
    people = [s.subscriber for s in subscriptions]
    uids = {s.email: s.uid for s in subscriptions}
    report = Report(subscribers=len(people), store=db.shown)
    now = clock()
    first = existing.start is None
    if baseline or (first and since is None):
        report.first_run = first
        if dry_run:
            report.baselined = len(notices)
            return report
        db.record_start(now)
        report.baselined = db.record_baseline((n.key for n in notices), now)
        return report
    if first and not dry_run:
        db.record_start(now)
        report.baselined = db.record_baseline((n.key for n in notices if n.at is None), now)
    state = db.state(n.key for n in notices)
    if first and dry_run:
        state.baseline.update(n.key for n in notices if n.at is None)
    work = plan(notices, people, state, keys, since=since)
    report.notices = len({d.notice.key for d in work.owed})
    tokens = Tokens(keys.service)
    service = config.subscriptions.url

    def message(renderer: Renderer, delivery: Delivery) -> bytes:
        subscriber = delivery.subscriber
        link = None
        if service:
            token = tokens.make("unsubscribe", uids[subscriber.email])
            link = unsubscribe_link(f"{service}/unsubscribe", token)
        elif config.notify.unsubscribe_url:
            link = unsubscribe_link(
                config.notify.unsubscribe_url,
                unsubscribe_token(keys.unsubscribe, subscriber.email),
            )
        recipient = Recipient(
            address=subscriber.email,
            language=subscriber.language or config.language,
            components=subscriber.components,
            unsubscribe_url=link,
        )
        return renderer.message_bytes(delivery.notice, recipient)

    if dry_run:
        if outbox is None:
            return report
        _check_outbox(site, outbox)
        outbox.mkdir(parents=True, exist_ok=True)
        renderer = Renderer(site, sender_of(config), date=now)
        for number, delivery in enumerate(work.owed, 1):
            (outbox / eml_name(delivery.notice, number)).write_bytes(message(renderer, delivery))
            report.written += 1
        return report
    if not work.owed:
        db.record_open((n.key for n in work.eligible), now)
        return report
    assert settings is not None
    sender = sender_of(config)
    renderer = Renderer(site, sender, date=now)
    with Mailer(
        settings, context=context, rate_limit=config.notify.rate_limit, backoff=reconnect_backoff
    ) as mailer:
        mailer.connect()  # a server that is down fails here, before anything is recorded
        db.record_open((n.key for n in work.eligible), now)
        total = len(work.owed)
        for number, delivery in enumerate(work.owed):
            address = delivery.subscriber.email
            try:
                data = message(renderer, delivery)
            except HeaderError as exc:  # not sent, reported; later notices still go
                reason = str(exc).replace(address, mask(address))
                report.failures.append(Failure(delivery.notice.key, mask(address), reason))
                continue
            try:
                with db.delivery(delivery.notice.key, delivery.recipient, clock()) as claim:
                    if not claim.claimed:
                        continue  # another run sent it while this one was planning
                    outcome = mailer.send(sender.address, address, data)
                    if outcome.accepted:
                        report.sent += 1
                    else:
                        claim.abandon()
                        reason = f"{outcome.code} {outcome.reason}".replace(address, mask(address))
                        report.failures.append(Failure(delivery.notice.key, mask(address), reason))
            except SmtpError as exc:
                report.stopped = str(exc)
                report.unsent = total - number
                break
            if progress is not None:
                progress("Sending notices", number + 1, total)
    return report


def _recipient(site: Site, keys: Keys, subscriber: Subscriber) -> Recipient:
    endpoint = site.config.notify.unsubscribe_url
    url = None
    if endpoint:
        url = unsubscribe_link(endpoint, unsubscribe_token(keys.unsubscribe, subscriber.email))
    return Recipient(
        address=subscriber.email,
        language=subscriber.language or site.config.language,
        components=subscriber.components,
        unsubscribe_url=url,
    )


def _message(renderer: Renderer, site: Site, keys: Keys, delivery: Delivery) -> bytes:
    recipient = _recipient(site, keys, delivery.subscriber)
    return renderer.message_bytes(delivery.notice, recipient)


def _dry_run(
    site: Site,
    notices: Sequence[Notice],
    subscribers: Sequence[Subscriber],
    ledger_path: Path,
    private_dir: Path,
    outbox: Path | None,
    clock: Callable[[], datetime],
    report: Report,
) -> Report:
    """What a real run would send now, as .eml files; changes nothing else."""
    config = site.config
    state = read(ledger_path)
    keys = load_keys(private_dir, create=False)
    if keys is None:
        if not state.is_new:
            raise LedgerError(
                f"{ledger_path} was written with a secret that is not here: set "
                "$STATUSPAGE_LEDGER_KEY to it (docs/notices.md)"
            )
        keys = Keys.from_secret(os.urandom(32))
    elif state.check is not None and state.check != keys.check:
        raise LedgerError(f"{ledger_path} was written with another key")
    first = state.is_new or state.start is None
    since = config.notify.since
    if first and since is None:
        report.first_run = True
        report.baselined = len(notices)
        return report
    if first:
        state.baseline.update(n.key for n in notices if n.at is None)
    work = plan(notices, subscribers, state, keys, since=since)
    report.notices = len({d.notice.key for d in work.owed})
    if outbox is None:
        return report
    _check_outbox(site, outbox)
    outbox.mkdir(parents=True, exist_ok=True)
    renderer = Renderer(site, sender_of(config), date=clock())
    for number, delivery in enumerate(work.owed, 1):
        (outbox / eml_name(delivery.notice, number)).write_bytes(
            _message(renderer, site, keys, delivery)
        )
        report.written += 1
    return report


def _check_outbox(site: Site, outbox: Path) -> None:
    """Messages name their recipients: never write them where the site is published, nor
    into the site's own folders (the rule of `build --out`)."""
    check_not_protected(Path(site.root), outbox, option="--outbox")
    published = (Path(site.root) / "site").resolve()
    if outbox.resolve().is_relative_to(published):
        raise StatuspageError(
            f"--outbox {outbox} is inside the published site folder; choose another folder"
        )

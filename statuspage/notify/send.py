"""Send notices by e-mail and webhook, each exactly once (design §6, §8).

`notify` works out what every subscriber is still owed (notices newer than the cut-off, not
settled in the ledger, matching their component filter, not suppressed) and sends it over
several SMTP connections at once (`notify.connections`), each subscriber's messages in order
on one of them, at most `notify.rate_limit` a second in all; webhooks go out the same way.
Each outcome is written to the ledger as it happens. A permanent refusal suppresses the
recipient; a temporary one is retried on a later run after a pause that doubles; a message
whose end went out unanswered is "in doubt" and is not sent again unless asked.

SMTP settings come from $STATUSPAGE_SMTP_URL, never from the config file (it holds a password):
`smtp://user:pass@host:587` (STARTTLS, required when logging in), `smtps://user:pass@host:465`
(TLS from the start), `smtp://host:25` (STARTTLS if offered, else plain, no login).
"""

from __future__ import annotations

import contextlib
import logging
import os
import queue
import re
import smtplib
import socket
import ssl
import threading
import time
from collections.abc import Callable, Collection, Iterator, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import SplitResult, unquote, urlsplit

from statuspage.inputs.clock import utc_now
from statuspage.inputs.diagnostics import Progress, StatuspageError
from statuspage.inputs.model import Site
from statuspage.inputs.places import check_not_protected
from statuspage.notify.ledger import (
    Keys,
    Ledger,
    LedgerError,
    LedgerState,
    Outcome,
    load_keys,
    read,
)
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
from statuspage.notify.suppression import Suppression, SuppressionList, scrub
from statuspage.notify.webhooks import Answer, Bodies, Poster, encode, headers, webhook_format

if TYPE_CHECKING:
    from statuspage.notify.store import Claim, Store

log = logging.getLogger(__name__)

SMTP_ENV = "STATUSPAGE_SMTP_URL"
DATABASE_ENV = "STATUSPAGE_DATABASE_URL"
DEFAULT_PORTS = {"smtp": 25, "smtps": 465}
TIMEOUT = 60.0  # for a command's reply
DATA_TIMEOUT = 600.0  # for the reply to the end of a message: RFC 5321 4.5.3.2.6
WEBHOOK_TIMEOUT = 10.0
RECONNECTS = 3
CONNECTIONS = 10
MAX_FAILURES = 5  # temporary failures in a row before a recipient is suppressed
RETRY_FIRST = timedelta(minutes=5)
RETRY_MOST = timedelta(hours=6)
DOUBT_KEPT = timedelta(days=1)  # an in-doubt message can be resent this long


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


class Result(StrEnum):
    SENT = "sent"
    TEMPORARY = "temporary"  # refused for now, or never handed over: retried later
    PERMANENT = "permanent"  # refused for good: the recipient is suppressed
    DOUBT = "doubt"  # handed over and never answered: maybe delivered


@dataclass(frozen=True, slots=True)
class Attempt:
    """What became of one message."""

    result: Result
    code: int = 250
    reason: str = ""

    @property
    def accepted(self) -> bool:
        return self.result is Result.SENT


class Pacer:
    """At most `rate` messages a second over every connection together."""

    def __init__(self, rate: float | None) -> None:
        self.interval = 1.0 / rate if rate else 0.0
        self._next = 0.0
        self._lock = threading.Lock()

    def wait(self) -> None:
        if not self.interval:
            return
        with self._lock:
            now = time.monotonic()
            at = max(now, self._next)
            self._next = at + self.interval
        if at > now:
            time.sleep(at - now)


def _dotted(data: bytes) -> bytes:
    """The message as DATA sends it: CRLF line ends, leading dots doubled, the final dot."""
    data = _LINE_END.sub(b"\r\n", data)
    data = _LEADING_DOT.sub(b"..", data)
    if not data.endswith(b"\r\n"):
        data += b"\r\n"
    return data + b".\r\n"


_LINE_END = re.compile(rb"\r\n|\n|\r(?!\n)")
_LEADING_DOT = re.compile(rb"(?m)^\.")


class Mailer:
    """One SMTP connection, reused for every message, reopened when the server drops it.

    Commands wait `timeout` for their reply; the end of a message waits `data_timeout`,
    ten minutes by default as RFC 5321 (4.5.3.2.6) asks, since a server may check the whole
    message before it answers. A message whose end went out unanswered is "in doubt": the
    server may have taken it, so it is never sent again on its own.
    """

    def __init__(
        self,
        settings: SmtpSettings,
        *,
        context: ssl.SSLContext | None = None,
        timeout: float = TIMEOUT,
        data_timeout: float = DATA_TIMEOUT,
        pacer: Pacer | None = None,
        reconnects: int = RECONNECTS,
        backoff: float = 1.0,
    ) -> None:
        self.settings = settings
        self.context = context or ssl.create_default_context()
        self.timeout = timeout
        self.data_timeout = data_timeout
        self.pacer = pacer or Pacer(None)
        self.reconnects = reconnects
        self.backoff = backoff
        self._smtp: smtplib.SMTP | None = None

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

    def _reset(self) -> None:
        """Abandon the transaction (after a refusal) so the next one starts clean."""
        if self._smtp is not None:
            try:
                self._smtp.rset()
            except (OSError, smtplib.SMTPException):
                self._drop()

    @staticmethod
    def _envelope(smtp: smtplib.SMTP, sender: str, recipient: str) -> tuple[int, bytes]:
        """MAIL, RCPT and DATA; the first reply that is not a success, else DATA's (354).

        A server that offers PIPELINING (RFC 2920: Postfix, Amazon SES and most relays)
        gets the three commands at once and answers them together: one round trip instead
        of three, which is most of the time a message takes with a distant relay.
        """
        if not smtp.has_extn("pipelining"):
            code, reply = smtp.mail(sender)
            _sender_taken(code, reply)
            if code == 250:
                code, reply = smtp.rcpt(recipient)
                if code in (250, 251):
                    code, reply = smtp.docmd("data")
            return code, reply
        smtp.send(
            f"MAIL FROM:{smtplib.quoteaddr(sender)}\r\n"
            f"RCPT TO:{smtplib.quoteaddr(recipient)}\r\nDATA\r\n"
        )
        replies = [smtp.getreply() for _ in range(3)]
        if replies[0][0] not in (250, 421) and replies[2][0] == 354:
            smtp.send(b".\r\n")  # DATA taken despite the refusal: end it empty
            smtp.getreply()
        _sender_taken(*replies[0])
        for (code, reply), ok in zip(replies, ((250,), (250, 251), (354,)), strict=True):
            if code not in ok:
                if replies[2][0] == 354:  # DATA taken despite a refusal: end it empty
                    smtp.send(b".\r\n")
                    smtp.getreply()
                return code, reply
        return replies[2]

    def send(
        self,
        sender: str,
        recipient: str,
        data: bytes,
        *,
        before_end: Callable[[], None] = lambda: None,
        refused: Callable[[int], None] = lambda code: None,
    ) -> Attempt:
        """One message to one recipient; SmtpError if the server is gone for good.

        `before_end` runs just before the end of the message goes out: from then on, a
        broken connection leaves the message in doubt. Before it, a broken transaction
        delivered nothing and is tried again on a new connection. If it raises `Withdrawn`
        the connection is dropped without the end (nothing is delivered) and the result is
        `WITHDRAWN`.
        """
        self.pacer.wait()
        body = _dotted(data)
        for _ in range(3):
            if self._smtp is None:
                self._reconnect()
            smtp = self._smtp
            assert smtp is not None
            ending = False
            try:
                code, reply = self._envelope(smtp, sender, recipient)
                if code == 421:  # the server is closing the connection
                    self._drop()
                    continue
                if code not in (250, 251, 354):
                    self._reset()
                    return Attempt(_result(code), code, _text(reply))
                if code != 354:  # pragma: no cover - a server answering MAIL/RCPT oddly
                    self._reset()
                    return Attempt(Result.TEMPORARY, code, _text(reply))
                try:
                    before_end()
                except Withdrawn:
                    self._drop()  # the end never goes out: the server delivers nothing
                    return WITHDRAWN
                except BaseException:
                    self._drop()
                    raise
                ending = True
                sock = smtp.sock
                if sock is not None:
                    sock.settimeout(self.data_timeout)
                smtp.send(body)
                code, reply = smtp.getreply()
                if sock is not None:
                    sock.settimeout(self.timeout)
            except (OSError, smtplib.SMTPException) as exc:
                self._drop()
                if ending:
                    return Attempt(Result.DOUBT, 0, _reason(exc))
                continue
            if code == 250:
                return ACCEPTED
            if code == 421:  # refused, and closing: not delivered, so try again now
                refused(code)  # the end went out: say it was not taken after all
                self._drop()
                continue
            return Attempt(_result(code), code, _text(reply))
        raise SmtpError(f"{self.settings.shown} keeps dropping the connection")


ACCEPTED = Attempt(Result.SENT)
WITHDRAWN = Attempt(Result.TEMPORARY, 0, "withdrawn: another run took it over")


class Withdrawn(Exception):
    """Raised by `before_end`: the message must not be ended (its claim was lost)."""


def _sender_taken(code: int, reply: bytes) -> None:
    """A refusal of MAIL FROM is about the sender, not the recipient: stop, blame nobody."""
    if code not in (250, 421):
        raise SmtpError(f"the SMTP server refuses the sender: {code} {_text(reply)}")


def _result(code: int) -> Result:
    return Result.PERMANENT if 500 <= code < 600 else Result.TEMPORARY


def _quit(smtp: smtplib.SMTP) -> None:
    try:
        smtp.quit()
    except (OSError, smtplib.SMTPException):
        smtp.close()


def _text(reason: bytes | str) -> str:
    text = reason.decode("utf-8", "replace") if isinstance(reason, bytes) else str(reason)
    return scrub(text)


def _reason(exc: BaseException) -> str:
    if isinstance(exc, socket.timeout | TimeoutError):
        return "timed out"
    if isinstance(exc, smtplib.SMTPServerDisconnected) and "timed out" in str(exc):
        return "timed out"
    if isinstance(exc, OSError) and exc.strerror:
        return exc.strerror
    return scrub(str(exc)) or type(exc).__name__


# -- what is owed --------------------------------------------------------------------------


def retry_after(failures: int) -> timedelta:
    """The pause after the n-th temporary failure: 5, 10, 20 minutes…, at most 6 hours."""
    pause: timedelta = RETRY_FIRST * 2 ** min(max(failures - 1, 0), 16)
    return min(pause, RETRY_MOST)


@dataclass(frozen=True, slots=True)
class Delivery:
    """One message to one subscriber (for a webhook, maybe one component's change)."""

    notice: Notice
    subscriber: Subscriber
    recipient: str  # the ledger's hash of the target
    component: str | None = None  # a webhook's component_update body, else the notice


@dataclass(slots=True)
class Tally:
    """One notice's line in the report."""

    sent: int = 0
    skipped: int = 0  # their components filter leaves it out
    suppressed: int = 0  # on the suppression list (before this run or by it)
    temporary: int = 0  # failed for now: retried on a later run
    doubt: int = 0  # handed over and never answered: not sent again unless asked
    owed: int = 0


@dataclass(slots=True)
class Plan:
    eligible: list[Notice]  # past the cut-off, not baselined, not done
    owed: list[Delivery]
    tallies: dict[str, Tally]
    settled: list[str]  # eligible notices with nothing owed or waiting: done

    def open_tallies(self) -> dict[str, Tally]:
        """The report's lines: the notices with something owed, in doubt or failed for now."""
        return {k: t for k, t in self.tallies.items() if t.owed or t.doubt or t.temporary}


def plan(
    notices: Sequence[Notice],
    subscribers: Sequence[Subscriber],
    state: LedgerState,
    keys: Keys,
    *,
    since: datetime | None,
    suppressed: Collection[str] = (),
    now: datetime | None = None,
    resend_in_doubt: bool = False,
    parts: Callable[[Notice, Subscriber], Sequence[str]] | None = None,
) -> Plan:
    """Every (notice, subscriber) still owed, oldest notice first.

    A notice is owed to a subscriber whose filter matches it, who subscribed before the
    notice was first seen (so a new subscriber is not sent the past), who is not
    suppressed, and for whom the ledger records no outcome that settles it: sent, refused
    for good, in doubt (unless `resend_in_doubt`), or failed for now and still pausing.
    A correction is owed only to those the ledger lists for the notice it corrects, sent
    before the edit (a later one already said it as corrected).
    """
    moment = now or utc_now()
    targets = [(s, keys.recipient(s.target)) for s in subscribers]
    eligible = [
        n
        for n in notices
        if n.key not in state.baseline
        and n.key not in state.done
        and (since is None or n.at is None or n.at > since)
    ]
    owed: list[Delivery] = []
    tallies: dict[str, Tally] = {}
    settled: list[str] = []
    recorded = {notice for notice, _ in state.sent}  # the database's deliveries
    for notice in eligible:
        tally = tallies[notice.key] = Tally()
        opened = state.opened.get(notice.key)
        waiting = False
        segment = state.segments.get(notice.key)
        standings = segment.standing if segment is not None else {}
        for subscriber, recipient in targets:
            if opened is not None and subscriber.added is not None and subscriber.added > opened:
                continue
            if not subscriber.wants(notice.components):
                tally.skipped += 1
                continue
            if subscriber.target in suppressed or recipient in state.suppressed:
                tally.suppressed += 1
                continue
            if notice.corrects is not None:  # only to whoever got the original before
                got = state.sent_time(notice.corrects, recipient)
                if got is None or (notice.at is not None and got >= notice.at):
                    continue
            extra = parts(notice, subscriber) if parts is not None else ()
            wanted = [
                (recipient, None),
                *((keys.recipient(f"{subscriber.target}\ncomponent {c}"), c) for c in extra),
            ]
            for hashed, component in wanted:
                if (notice.key, hashed) in state.sent:
                    continue
                standing = standings.get(hashed)
                if standing is not None:
                    outcome = standing.outcome
                    if outcome is Outcome.SENT:
                        continue
                    if outcome is Outcome.PERMANENT:
                        tally.suppressed += 1
                        continue
                    if outcome is Outcome.DOUBT and not resend_in_doubt:
                        tally.doubt += 1
                        waiting = waiting or moment - standing.at < DOUBT_KEPT
                        continue
                    if outcome is Outcome.TEMPORARY and moment - standing.at < retry_after(
                        standing.failures
                    ):
                        tally.temporary += 1
                        waiting = True
                        continue
                owed.append(Delivery(notice, subscriber, hashed, component))
                tally.owed += 1
        # Settled once someone's outcome is recorded and nothing is owed or pausing. A notice
        # with no record at all stays open: a run that found no subscribers (a list missing
        # in CI) must not close what the restored list is still owed.
        if not tally.owed and not waiting and (standings or notice.key in recorded):
            settled.append(notice.key)
    return Plan(eligible, owed, tallies, settled)


# -- the run -------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Failure:
    notice: str
    recipient: str  # masked address, or the webhook's host
    reason: str
    result: Result = Result.TEMPORARY


@dataclass(slots=True)
class Report:
    subscribers: int = 0
    notices: int = 0  # notices with messages owed this run
    sent: int = 0
    written: int = 0  # .eml files of a dry run
    baselined: int = 0
    first_run: bool = False
    failures: list[Failure] = field(default_factory=list)  # this run's, each said once
    unsent: int = 0  # owed but not attempted: the run stopped
    stopped: str | None = None  # why the run stopped early
    tallies: dict[str, Tally] = field(default_factory=dict)  # by notice, those with work
    connections: int = 0
    store: str = ""  # where the subscribers are: the file, or the database (no password)

    @property
    def ok(self) -> bool:
        """A run fails only when it could not go on; one recipient's failure is reported."""
        return not self.unsent and self.stopped is None

    @property
    def doubt(self) -> int:
        return sum(t.doubt for t in self.tallies.values())


@dataclass(frozen=True, slots=True)
class Options:
    """How to deliver; the defaults suit a real relay."""

    connections: int = CONNECTIONS
    data_timeout: float = DATA_TIMEOUT
    timeout: float = TIMEOUT
    webhook_timeout: float = WEBHOOK_TIMEOUT
    resend_in_doubt: bool = False
    max_failures: int = MAX_FAILURES
    reconnect_backoff: float = 1.0


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
    reconnect_backoff: float | None = None,
    options: Options | None = None,
    database: str | None = None,
) -> Report:
    """Send what is owed (or write it to `outbox` as .eml files with `dry_run`).

    The ledger's and the subscribers' clocks are the wall clock (`clock`): they record
    when things happened. The site's clock (`site.now`) decides which notices exist.
    With a database (`database`, else $STATUSPAGE_DATABASE_URL or `subscriptions.database`)
    the subscribers, the ledger and the suppression list are there (design §8).
    """
    options = options or Options(connections=site.config.notify.connections)
    if reconnect_backoff is not None:
        options = replace(options, reconnect_backoff=reconnect_backoff)
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
                options=options,
            )
    subscribers = store.load()
    suppression = SuppressionList.beside(store.path)
    report = Report(subscribers=len(subscribers), store=config.notify.subscribers)

    if dry_run:
        return _dry_run(
            site, notices, subscribers, ledger_path, private_dir, outbox, clock, report, suppression
        )

    settings = None
    mailing = any(s.webhook is None for s in subscribers)
    if not baseline and mailing:
        settings = _smtp_settings(smtp_url)
    sender = sender_of(config)
    existing = read(ledger_path)
    # Ledger.open checks the key against the ledger.
    keys = _keys(private_dir, ledger_path, written=not existing.is_new, create=existing.is_new)
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
        ledger.load(n.key for n in notices if n.key not in ledger.state.baseline)
        # A correction goes to whoever got the original: its record, even if settled.
        ledger.load((n.corrects for n in notices if n.corrects is not None), settled=True)
        renderer = Renderer(site, sender, date=now)
        bodies = Bodies(site, renderer)
        suppressed = set(suppression.load())
        parts = _parts(bodies)

        def planned() -> Plan:
            return plan(
                notices,
                subscribers,
                ledger.state,
                keys,
                since=since,
                suppressed=suppressed,
                now=clock(),
                resend_in_doubt=options.resend_in_doubt,
                parts=parts,
            )

        work = planned()
        report.notices = len({d.notice.key for d in work.owed})
        report.tallies = work.open_tallies()
        if not work.owed:
            ledger.record_open((n.key for n in work.eligible), now)
            ledger.record_done(work.settled, now)
            return report
        run = _Run(
            site=site,
            ledger=ledger,
            keys=keys,
            renderer=renderer,
            bodies=bodies,
            sender=sender.address,
            suppression=suppression,
            suppressed=suppressed,
            report=report,
            clock=clock,
            progress=progress,
            options=options,
            total=len(work.owed),
        )
        mailer = run.connect(work.owed, settings, context)
        ledger.record_open((n.key for n in work.eligible), now)
        run.deliver(work.owed, settings, context, mailer)
        after = planned()
        ledger.record_done(after.settled, clock())
        for key, tally in after.tallies.items():
            shown = report.tallies.get(key)
            if shown is not None:
                shown.doubt, shown.skipped = tally.doubt, tally.skipped
                shown.suppressed = tally.suppressed
    return report


class _Held:
    """The file ledger's claim on a message: its lock already keeps other runs out, and
    the ledger records each step."""

    claimed = True

    def attempt(self, now: datetime) -> bool:
        return True

    def unattempt(self) -> None:
        pass

    def sent(self, now: datetime) -> None:
        pass

    def refused(self, now: datetime) -> None:
        pass

    def abandon(self) -> None:
        pass


class _Run:
    """The deliveries of one run, spread over several connections."""

    def __init__(
        self,
        *,
        site: Site,
        ledger: Ledger | None,
        keys: Keys,
        renderer: Renderer,
        bodies: Bodies,
        sender: str,
        suppression: SuppressionList | None,
        suppressed: set[str],
        report: Report,
        clock: Callable[[], datetime],
        progress: Progress | None,
        options: Options,
        total: int,
        db: Store | None = None,
        link: Callable[[Subscriber], str | None] | None = None,
    ) -> None:
        """With `db`, outcomes go to the subscription database: each message is claimed
        there while it is sent (`Store.delivery`), else to the file `ledger`. `link` makes
        a subscriber's unsubscribe link (by default the site's `notify.unsubscribe_url`)."""
        self.site = site
        self.ledger = ledger
        self.db = db
        self.link = link if link is not None else _unsubscribe_links(site, keys)
        self.keys = keys
        self.renderer = renderer
        self.bodies = bodies
        self.sender = sender
        self.suppression = suppression
        self.suppressed = suppressed
        self.report = report
        self.clock = clock
        self.progress = progress
        self.options = options
        self.total = total
        self.done = 0
        self.pacer = Pacer(site.config.notify.rate_limit)
        self.lock = threading.Lock()
        self.stop = threading.Event()
        self.alive = 0  # SMTP workers connected and not yet finished
        self.failure: str | None = None  # the last SMTP connection given up, and why

    def mailer(self, settings: SmtpSettings, context: ssl.SSLContext | None) -> Mailer:
        return Mailer(
            settings,
            context=context,
            timeout=self.options.timeout,
            data_timeout=self.options.data_timeout,
            pacer=self.pacer,
            backoff=self.options.reconnect_backoff,
        )

    def connect(
        self,
        owed: Sequence[Delivery],
        settings: SmtpSettings | None,
        context: ssl.SSLContext | None,
    ) -> Mailer | None:
        """The first SMTP connection, if any message is mail: a server that is down fails
        here, before anything is recorded."""
        if all(d.subscriber.webhook is not None for d in owed):
            return None
        assert settings is not None
        mailer = self.mailer(settings, context)
        mailer.connect()
        return mailer

    def deliver(
        self,
        owed: Sequence[Delivery],
        settings: SmtpSettings | None,
        context: ssl.SSLContext | None,
        first: Mailer | None,
    ) -> None:
        """Each subscriber's messages in order on one connection; subscribers in parallel."""
        mail: dict[str, list[Delivery]] = {}
        hooks: dict[str, list[Delivery]] = {}
        for delivery in owed:
            into = hooks if delivery.subscriber.webhook is not None else mail
            into.setdefault(delivery.subscriber.target, []).append(delivery)
        threads: list[threading.Thread] = []
        width = max(1, self.options.connections)
        if mail:
            assert settings is not None and first is not None
            mail_queue: queue.SimpleQueue[list[Delivery]] = queue.SimpleQueue()
            for group in mail.values():
                mail_queue.put(group)
            count = min(width, len(mail))
            self.report.connections = count
            for number in range(count):
                mailer = first if number == 0 else self.mailer(settings, context)
                threads.append(
                    threading.Thread(
                        target=self._mail_worker,
                        args=(mailer, mail_queue, number == 0),
                        name=f"smtp-{number}",
                    )
                )
        if hooks:
            hook_queue: queue.SimpleQueue[list[Delivery]] = queue.SimpleQueue()
            for group in hooks.values():
                hook_queue.put(group)
            hook_width = width * 2
            for number in range(min(hook_width, len(hooks))):
                threads.append(
                    threading.Thread(
                        target=self._hook_worker,
                        args=(hook_queue, context),
                        name=f"webhook-{number}",
                    )
                )
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        if mail:
            left = 0
            while True:
                try:
                    left += len(mail_queue.get_nowait())
                except queue.Empty:
                    break
            self.report.unsent += left
            if left and self.report.stopped is None:
                # The last connections gave up while others finished their share.
                self.report.stopped = self.failure or "no SMTP connection was left"

    # -- e-mail --------------------------------------------------------------------------

    def _mail_worker(
        self, mailer: Mailer, jobs: queue.SimpleQueue[list[Delivery]], connected: bool
    ) -> None:
        counted = False
        try:
            if not connected:
                try:
                    mailer.connect()
                except SmtpError as exc:
                    # A relay limiting connections: the others carry on.
                    log.info("an extra SMTP connection failed: %s", exc)
                    return
            with self.lock:
                self.alive += 1
            counted = True
            while not self.stop.is_set():
                try:
                    group = jobs.get_nowait()
                except queue.Empty:
                    return
                for index, delivery in enumerate(group):
                    if self.stop.is_set():
                        jobs.put(group[index:])
                        return
                    if self._skip(delivery):
                        continue
                    try:
                        self._mail_one(mailer, delivery)
                    except SmtpError as exc:
                        jobs.put(group[index:])
                        with self.lock:
                            self.alive -= 1
                            counted = False
                            self.failure = str(exc)
                            if self.alive == 0 or "refuses the sender" in str(exc):
                                self.report.stopped = str(exc)
                                self.stop.set()
                        return
            return
        finally:
            if counted:  # finished its share: no longer one of those left to carry on
                with self.lock:
                    self.alive -= 1
            mailer.close()

    @contextlib.contextmanager
    def _claim(self, delivery: Delivery) -> Iterator[Claim | _Held | None]:
        """The database's hold on one message while it is sent; None: another run has it.

        The file ledger needs none (its lock keeps other runs out): a held claim that
        commits nothing."""
        if self.db is None:
            yield _Held()
            return
        with self.db.delivery(
            delivery.notice.key,
            delivery.recipient,
            self.clock(),
            resend_in_doubt=self.options.resend_in_doubt,
        ) as claim:
            yield claim if claim.claimed else None

    def _mail_one(self, mailer: Mailer, delivery: Delivery) -> None:
        subscriber = delivery.subscriber
        try:
            message = self.renderer.message_bytes(delivery.notice, self._recipient(subscriber))
        except HeaderError as exc:  # not sent, reported; later notices still go
            reason = str(exc).replace(subscriber.email, mask(subscriber.email))
            self._settle(
                delivery,
                Attempt(Result.TEMPORARY, 0, scrub(reason)),
                mask(subscriber.email),
                record=False,
            )
            return
        key, hashed = delivery.notice.key, delivery.recipient

        with self._claim(delivery) as claim:
            if claim is None:
                self._taken(delivery)
                return
            held = claim

            def before_end() -> None:
                if self.ledger is not None:
                    self.ledger.record_attempt(key, hashed, self.clock())
                elif not held.attempt(self.clock()):
                    raise Withdrawn

            def refused(code: int) -> None:
                if self.ledger is not None:
                    self.ledger.record_failure(key, hashed, self.clock(), code, permanent=False)
                else:
                    held.unattempt()

            attempt = mailer.send(
                self.sender, subscriber.email, message, before_end=before_end, refused=refused
            )
            if attempt is WITHDRAWN:
                self._taken(delivery)
                return
            later = self._settle(delivery, attempt, mask(subscriber.email), claim=claim)
        self._suppress_in_database(later)

    # -- webhooks ------------------------------------------------------------------------

    def _hook_worker(
        self, jobs: queue.SimpleQueue[list[Delivery]], context: ssl.SSLContext | None
    ) -> None:
        poster = Poster(timeout=self.options.webhook_timeout, context=context)
        try:
            while not self.stop.is_set():
                try:
                    group = jobs.get_nowait()
                except queue.Empty:
                    return
                for delivery in group:
                    if not self._skip(delivery):
                        self._hook_one(poster, delivery)
        finally:
            poster.close()

    def _hook_one(self, poster: Poster, delivery: Delivery) -> None:
        subscriber = delivery.subscriber
        url = subscriber.webhook
        assert url is not None
        kind = webhook_format(url, subscriber.format)
        recipient = self._recipient(subscriber)
        if kind == "statuspage":
            document = self.bodies.statuspage(
                delivery.notice, recipient.unsubscribe_url, delivery.component
            )
        else:
            document = self.bodies.chat(kind, delivery.notice, recipient)
        body = encode(document)
        moment = self.clock()
        extra = headers(self.keys.webhook_secret(url), body, moment, kind)
        extra["X-Statuspage-Notice"] = delivery.notice.key
        with self._claim(delivery) as claim:
            if claim is None:
                self._taken(delivery)
                return
            if self.ledger is not None:
                self.ledger.record_attempt(delivery.notice.key, delivery.recipient, moment)
            elif not claim.attempt(moment):  # another run took it over: nothing goes out
                self._taken(delivery)
                return
            answer = poster.post(url, body, extra)
            shown = urlsplit(url).hostname or "?"
            later = self._settle(delivery, _answered(answer, kind), shown, claim=claim)
        self._suppress_in_database(later)

    def _suppress_in_database(self, entry: tuple[str, str, datetime] | None) -> None:
        """After the claim is committed: SQLite has one writer, and the claim was it."""
        if entry is not None and self.db is not None:
            self.db.suppress(*entry)

    def _taken(self, delivery: Delivery) -> None:
        """Another run at once sent it (the database said so): nothing to do here."""
        with self.lock:
            tally = self.report.tallies.setdefault(delivery.notice.key, Tally())
            tally.owed -= 1
            self.done += 1

    # -- outcomes ------------------------------------------------------------------------

    def _recipient(self, subscriber: Subscriber) -> Recipient:
        return _recipient(self.site, subscriber, self.link)

    def _skip(self, delivery: Delivery) -> bool:
        """Suppressed earlier in this run (refused for good): say so once, send nothing."""
        with self.lock:
            if delivery.subscriber.target not in self.suppressed:
                return False
            tally = self.report.tallies.setdefault(delivery.notice.key, Tally())
            tally.owed -= 1
            tally.suppressed += 1
            self.done += 1
            if self.progress is not None:
                self.progress("Sending notices", self.done, self.total)
            return True

    def _settle(
        self,
        delivery: Delivery,
        attempt: Attempt,
        shown: str,
        *,
        record: bool = True,
        claim: Claim | _Held | None = None,
    ) -> tuple[str, str, datetime] | None:
        """Record and count an outcome; returns a suppression still to be written to the
        database, once the claim is done."""
        key, hashed = delivery.notice.key, delivery.recipient
        later = None
        ledger, now = self.ledger, self.clock()
        reason = f"{attempt.code} {attempt.reason}".strip() if attempt.code else attempt.reason
        suppress: Suppression | None = None
        # Refused for good: on the suppression list (a message that could not be made was
        # not sent, so it says nothing about the address).
        permanent = record and attempt.result is Result.PERMANENT
        if permanent:
            source = "webhook" if delivery.subscriber.webhook else "smtp"
            suppress = Suppression(
                address=delivery.subscriber.target, reason=reason, source=source, at=now
            )
        if not record:  # the message could not be made: nothing went out, nothing to record
            pass
        elif ledger is None:
            # The database: the claim is marked sent or refused for good (neither is sent
            # again); one in doubt stays `attempt`; one refused for now is owed again.
            if claim is not None:
                if attempt.result is Result.SENT:
                    claim.sent(now)
                elif attempt.result is Result.PERMANENT:
                    claim.refused(now)
                elif attempt.result is Result.TEMPORARY:
                    claim.abandon()
        elif attempt.result is Result.SENT:
            ledger.record_sent(key, hashed, now)
        elif attempt.result is Result.DOUBT:
            ledger.record_doubt(key, hashed, now)
        else:
            ledger.record_failure(key, hashed, now, attempt.code, permanent=permanent)
            standing = ledger.state.standing(key, hashed)
            failures = standing.failures if standing is not None else 1
            if not permanent and failures >= self.options.max_failures:
                suppress = Suppression(
                    address=delivery.subscriber.target,
                    reason=f"{failures} failures in a row, the last: {reason}",
                    source="failures",
                    at=now,
                )
        if suppress is not None:
            target = self.keys.recipient(delivery.subscriber.target)
            if self.db is not None:
                later = (target, f"{suppress.source}: {reason}", now)
            if ledger is not None:
                # The ledger keeps it where CI commits it; the private list says who and why.
                ledger.record_suppressed(target, suppress.source, now)
            if self.suppression is not None:
                self.suppression.add([suppress])
        with self.lock:
            report = self.report
            tally = report.tallies.setdefault(key, Tally())
            tally.owed -= 1
            if attempt.result is Result.SENT:
                report.sent += 1
                tally.sent += 1
            else:
                if attempt.result is Result.DOUBT:
                    tally.doubt += 1
                elif suppress is not None:
                    tally.suppressed += 1
                    self.suppressed.add(suppress.address)
                else:
                    tally.temporary += 1
                report.failures.append(Failure(key, shown, reason, attempt.result))
            self.done += 1
            if self.progress is not None:
                self.progress("Sending notices", self.done, self.total)
        return later


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
    options: Options,
) -> Report:
    """As `notify`, with the database's subscribers, ledger and suppression list.

    Each delivery is claimed in the database while it is sent (`Store.delivery`), so two
    runs at once never both send a message; a killed run's claim is taken over when its end
    never went out, and is in doubt (not sent again unless asked) when it did.
    """
    from statuspage.notify.tokens import Tokens

    config = site.config
    since = config.notify.since
    existing = db.state(())
    keys = _keys(
        private_dir,
        f"the ledger in {db.shown}",
        written=existing.check is not None,
        create=existing.check is None and not dry_run,
        check=existing.check if dry_run else None,
    )
    if not dry_run:
        db.check_key(keys)
    suppressed = db.suppressed()
    subscriptions = [
        s
        for kind in ("email", "webhook")
        for s in db.confirmed(kind)
        if keys.recipient(s.webhook_url or s.email) not in suppressed
    ]
    people = [
        replace(s.subscriber, webhook=s.webhook_url) if s.webhook_url else s.subscriber
        for s in subscriptions
    ]
    uids = {s.webhook_url or s.email: s.uid for s in subscriptions}
    report = Report(subscribers=len(people), store=db.shown)
    settings = None
    if not (baseline or dry_run) and any(p.webhook is None for p in people):
        settings = _smtp_settings(smtp_url)
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
    # Only what is still open (and what corrections need): not the whole history.
    done = db.done()
    wanted = [n.key for n in notices if n.key not in done]
    wanted += [n.corrects for n in notices if n.corrects is not None and n.key not in done]
    state = db.state(wanted)
    state.done = done
    if first and dry_run:
        state.baseline.update(n.key for n in notices if n.at is None)
    sender = sender_of(config)
    renderer = Renderer(site, sender, date=now)
    bodies = Bodies(site, renderer)
    parts = _parts(bodies)
    resend = options.resend_in_doubt
    work = plan(
        notices, people, state, keys, since=since, now=clock(), parts=parts, resend_in_doubt=resend
    )
    report.notices = len({d.notice.key for d in work.owed})
    tokens = Tokens(keys.service)
    service = config.subscriptions.url
    by_site = _unsubscribe_links(site, keys)

    def link(subscriber: Subscriber) -> str | None:
        if service:
            token = tokens.make("unsubscribe", uids[subscriber.target])
            return unsubscribe_link(f"{service}/unsubscribe", token)
        return by_site(subscriber)

    if dry_run:
        if outbox is not None:
            report.written += _write_outbox(site, outbox, work.owed, link, now)
        return report
    report.tallies = work.open_tallies()
    if not work.owed:
        db.record_open((n.key for n in work.eligible), now)
        db.record_done(work.settled, now)
        return report
    run = _Run(
        site=site,
        ledger=None,
        keys=keys,
        renderer=renderer,
        bodies=bodies,
        sender=sender.address,
        suppression=None,
        suppressed=set(),
        report=report,
        clock=clock,
        progress=progress,
        options=options,
        total=len(work.owed),
        db=db,
        link=link,
    )
    mailer = run.connect(work.owed, settings, context)
    db.record_open((n.key for n in work.eligible), now)
    run.deliver(work.owed, settings, context, mailer)
    state = db.state(n.key for n in work.eligible)
    state.done = done
    after = plan(notices, people, state, keys, since=since, now=clock(), parts=parts)
    db.record_done(after.settled, clock())
    for key, tally in after.tallies.items():
        shown = report.tallies.get(key)
        if shown is not None:
            shown.doubt = tally.doubt
    return report


def _keys(
    private_dir: Path,
    ledger: Path | str,
    *,
    written: bool,
    create: bool,
    check: str | None = None,
) -> Keys:
    """The ledger's keys (`load_keys`): an error if the `written` ledger was made with a
    secret that is not here, or with another one than its `check` says; a random one for
    a dry run before any ledger exists (nothing is recorded with it)."""
    keys = load_keys(private_dir, create=create)
    if keys is None:
        if written:
            raise LedgerError(
                f"{ledger} was written with a secret that is not here: set "
                "$STATUSPAGE_LEDGER_KEY to it (docs/notices.md)"
            )
        return Keys.from_secret(os.urandom(32))
    if check is not None and check != keys.check:
        raise LedgerError(f"{ledger} was written with another key")
    return keys


def _smtp_settings(smtp_url: str | None) -> SmtpSettings:
    """The SMTP server: `smtp_url`, else $STATUSPAGE_SMTP_URL; an error without either."""
    url = smtp_url if smtp_url is not None else os.environ.get(SMTP_ENV, "")
    if not url.strip():
        raise SmtpError(f"set ${SMTP_ENV} (smtp://user:pass@host:587) to send notices")
    return SmtpSettings.from_url(url)


def _parts(bodies: Bodies) -> Callable[[Notice, Subscriber], Sequence[str]]:
    """The components a notice is split by for one subscriber: only for a webhook in the
    statuspage format (one component_update each); nothing for mail and chat."""

    def parts(notice: Notice, subscriber: Subscriber) -> Sequence[str]:
        if subscriber.webhook is None:
            return ()
        if webhook_format(subscriber.webhook, subscriber.format) != "statuspage":
            return ()
        return bodies.changed_components(notice)

    return parts


def _answered(answer: Answer, kind: str) -> Attempt:
    """What a receiver's answer means for delivery."""
    if answer.status is None:
        return Attempt(Result.DOUBT if answer.sent else Result.TEMPORARY, 0, answer.reason)
    if 200 <= answer.status < 300:
        return ACCEPTED
    if answer.status == 410 or (answer.status == 404 and kind != "statuspage"):
        # Gone: unsubscribed. Chat services answer 404 for a deleted webhook.
        return Attempt(Result.PERMANENT, answer.status, answer.reason or "Gone")
    return Attempt(Result.TEMPORARY, answer.status, answer.reason)


def _unsubscribe_links(site: Site, keys: Keys) -> Callable[[Subscriber], str | None]:
    """A subscriber's link to `notify.unsubscribe_url` with their token (none without it)."""
    endpoint = site.config.notify.unsubscribe_url

    def link(subscriber: Subscriber) -> str | None:
        if not endpoint:
            return None
        return unsubscribe_link(endpoint, unsubscribe_token(keys.unsubscribe, subscriber.target))

    return link


def _recipient(
    site: Site, subscriber: Subscriber, link: Callable[[Subscriber], str | None]
) -> Recipient:
    return Recipient(
        address=subscriber.email,
        language=subscriber.language or site.config.language,
        components=subscriber.components,
        unsubscribe_url=link(subscriber),
    )


def _write_outbox(
    site: Site,
    outbox: Path,
    owed: Sequence[Delivery],
    link: Callable[[Subscriber], str | None],
    date: datetime,
) -> int:
    """The messages of a dry run, each mail of `owed` as a numbered .eml file in `outbox`
    (webhook calls are not written); returns how many."""
    _check_outbox(site, outbox)
    outbox.mkdir(parents=True, exist_ok=True)
    renderer = Renderer(site, sender_of(site.config), date=date)
    mails = [d for d in owed if d.subscriber.webhook is None]
    for number, delivery in enumerate(mails, 1):
        message = renderer.message_bytes(
            delivery.notice, _recipient(site, delivery.subscriber, link)
        )
        (outbox / eml_name(delivery.notice, number)).write_bytes(message)
    return len(mails)


def _dry_run(
    site: Site,
    notices: Sequence[Notice],
    subscribers: Sequence[Subscriber],
    ledger_path: Path,
    private_dir: Path,
    outbox: Path | None,
    clock: Callable[[], datetime],
    report: Report,
    suppression: SuppressionList,
) -> Report:
    """What a real run would send now, as .eml files; changes nothing else."""
    config = site.config
    state = read(ledger_path, (n.key for n in notices))
    originals = read(ledger_path, (n.corrects for n in notices if n.corrects), settled=True)
    state.segments = {**originals.segments, **state.segments}
    keys = _keys(
        private_dir, ledger_path, written=not state.is_new, create=False, check=state.check
    )
    first = state.is_new or state.start is None
    since = config.notify.since
    if first and since is None:
        report.first_run = True
        report.baselined = len(notices)
        return report
    if first:
        state.baseline.update(n.key for n in notices if n.at is None)
    work = plan(
        notices,
        subscribers,
        state,
        keys,
        since=since,
        suppressed=set(suppression.load()),
        now=clock(),
    )
    report.notices = len({d.notice.key for d in work.owed})
    if outbox is not None:
        report.written += _write_outbox(
            site, outbox, work.owed, _unsubscribe_links(site, keys), clock()
        )
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

"""E-mail notices (design §6): which notices a site holds, and each one as a message.

Pure: a function of the site, the notice and the recipient, like the pages. Sending, the
ledger and the subscriber list live in `send`, `ledger` and `subscribers`.

A notice is one of:
- an update (each update, unless it says `deliver_notifications: false`);
- a postmortem published without a `postmortem` update to announce it;
- a reminder `notify.reminder_minutes` before a scheduled maintenance starts;
- a correction: a mailed update edited in a later commit (design §4), unless the edit says
  `deliver_notifications: false` (a typo fix); sent only to those who got the original.

Every notice has a key that names it in the ledger forever (`<incident>/<update index>`,
`<incident>/postmortem`, `<incident>/reminder/<window start>`,
`<incident>/<update index>/correction/<commit>`) and a Message-ID derived from
the same parts and the site's host, so a notice is the same message however often it is
rendered, and each incident is one thread in a mail client.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from email import message_from_bytes, policy
from email.header import Header
from email.message import EmailMessage
from email.utils import format_datetime, formataddr, getaddresses, parseaddr
from enum import StrEnum
from functools import cached_property
from typing import Any
from urllib.parse import quote, urlsplit

import jinja2
from icalendar import Calendar
from markupsafe import Markup

from statuspage.inputs.config import is_address
from statuspage.inputs.diagnostics import StatuspageError
from statuspage.inputs.model import (
    ComponentStatus,
    Config,
    Edit,
    Incident,
    Site,
    Text,
    Update,
    UpdateStatus,
)
from statuspage.outputs import ical, links
from statuspage.outputs.markup import to_html, to_text
from statuspage.outputs.themes import repeatable, theme_loader
from statuspage.text.i18n import Formatter, language_tag, translations
from statuspage.text.words import component_status_word, update_status_word

EMAIL_FOLDER = "email"


EARLIER_LIMIT = 5  # earlier updates shown in a notice, newest first


class NoticeKind(StrEnum):
    UPDATE = "update"
    POSTMORTEM = "postmortem"
    REMINDER = "reminder"
    CORRECTION = "correction"


@dataclass(frozen=True, slots=True, kw_only=True)
class Notice:
    key: str  # the name in the ledger
    kind: NoticeKind
    incident: Incident
    update: Update  # the update announced; the latest one for postmortems and reminders
    at: datetime | None  # compared with the cut-off; None: only the ledger knows (postmortems)
    order: datetime  # sending order: oldest first, so threads arrive in order
    components: tuple[str, ...]  # the components concerned so far, for subscribers' filters
    corrects: str | None = None  # a correction: the key of the notice it corrects
    edit: Edit | None = None  # a correction: the edit it tells of

    @property
    def is_first(self) -> bool:
        """The notice that starts the incident's thread."""
        first = thread_root(self.incident)
        return self.kind is NoticeKind.UPDATE and first is self.update


@dataclass(frozen=True, slots=True, kw_only=True)
class Recipient:
    """Who a message is for, and what is personal in it."""

    address: str
    language: str
    components: tuple[str, ...] = ()  # their filter; empty: everything
    unsubscribe_url: str | None = None  # the one-click URL with their signed token


@dataclass(frozen=True, slots=True, kw_only=True)
class Sender:
    """The envelope of every message of a run."""

    from_: str  # `Name <address>`
    reply_to: str | None
    unsubscribe_mailto: str | None

    @property
    def address(self) -> str:
        """The envelope sender (SMTP `MAIL FROM`), in ASCII."""
        return header_address(parseaddr(one_line(self.from_))[1])


def sender_of(config: Config) -> Sender:
    """From the `notify:` section, falling back to the site's contact address."""
    notify = config.notify
    contact = config.contact.email
    from_ = notify.sender or (formataddr((config.title, contact)) if contact else None)
    if from_ is None:
        raise StatuspageError(
            "no sender for e-mail notices: set notify.from in statuspage.yaml "
            "(or contact.email, which is used by default)"
        )
    sender = Sender(
        from_=from_,
        reply_to=notify.reply_to or contact,
        unsubscribe_mailto=notify.unsubscribe_mailto or contact,
    )
    # `validate` checked these; a config made otherwise fails here, before anything is sent.
    for mailbox in (sender.from_, sender.reply_to):
        if mailbox is not None:
            _mailbox(mailbox)
    if sender.unsubscribe_mailto is not None:
        header_address(sender.unsubscribe_mailto)
    return sender


def preview_sender(config: Config) -> Sender:
    """The configured sender, or a stand-in, so a preview works before notify is set up."""
    try:
        return sender_of(config)
    except StatuspageError:
        return Sender(
            from_=formataddr((config.title, f"notices@{links.host(config)}")),
            reply_to=None,
            unsubscribe_mailto=None,
        )


# -- which notices a site holds ------------------------------------------------------------


def thread_root(incident: Incident) -> Update | None:
    """The first update that was mailed: the incident's first notice."""
    return next((u for u in incident.updates if u.deliver_notifications), None)


def components_through(incident: Incident, index: int) -> tuple[str, ...]:
    """The components the incident touched up to and including update `index`."""
    seen: dict[str, None] = dict.fromkeys(c for c, _ in incident.components)
    for update in incident.updates[: index + 1]:
        seen.update(dict.fromkeys(c for c, _ in update.components))
    return tuple(seen)


def states_after(incident: Incident, index: int) -> tuple[tuple[str, ComponentStatus], ...]:
    """Each affected component's state as update `index` left it."""
    states = dict(incident.components)
    for update in incident.updates[: index + 1]:
        states.update(update.components)
    if incident.updates[index].status.is_final:
        states = dict.fromkeys(states, ComponentStatus.OPERATIONAL)
    return tuple(states.items())


def site_notices(site: Site, *, reminder: timedelta | None = None) -> tuple[Notice, ...]:
    """Every notice the site holds at its clock, oldest first. Retracted incidents hold none."""
    found: list[Notice] = []
    for incident in site.incidents:
        if incident.retracted is not None:
            continue
        announced = False
        for update in incident.updates:
            announced = announced or update.status is UpdateStatus.POSTMORTEM
            if not update.deliver_notifications:
                continue
            found.append(update_notice(incident, update))
            found += corrections(incident, update)
        if incident.postmortem is not None and not announced:
            found.append(
                Notice(
                    key=f"{incident.id}/postmortem",
                    kind=NoticeKind.POSTMORTEM,
                    incident=incident,
                    update=incident.last_update,
                    at=None,
                    order=incident.last_update.at,
                    components=incident.affected_components,
                )
            )
        if reminder is not None:
            notice = _reminder(site, incident, reminder)
            if notice is not None:
                found.append(notice)
    found.sort(key=lambda n: (n.order, n.incident.id, n.key))
    return tuple(found)


def _reminder(site: Site, incident: Incident, ahead: timedelta) -> Notice | None:
    window = incident.current_window
    if not incident.is_maintenance or window is None:
        return None
    if site.timeline(incident).status is not UpdateStatus.SCHEDULED:
        return None
    if not window.start - ahead <= site.now < window.start:
        return None
    # Named after the window's start, so a rescheduled maintenance is reminded of again.
    stamp = window.start.strftime("%Y%m%dT%H%MZ")
    return Notice(
        key=f"{incident.id}/reminder/{stamp}",
        kind=NoticeKind.REMINDER,
        incident=incident,
        update=incident.last_update,
        at=window.start - ahead,
        order=window.start - ahead,
        components=incident.affected_components,
    )


def corrections(incident: Incident, update: Update) -> list[Notice]:
    """The corrections of a mailed update: one per committed edit that is not a typo fix."""
    original = f"{incident.id}/{update.index}"
    return [
        Notice(
            key=f"{original}/correction/{edit.commit}",
            kind=NoticeKind.CORRECTION,
            incident=incident,
            update=update,
            at=edit.at,
            order=edit.at,
            components=components_through(incident, update.index),
            corrects=original,
            edit=edit,
        )
        for edit in update.edits
        if edit.commit and not edit.typo_fix  # an edit not committed yet is not published
    ]


def latest_notice(site: Site, incident_id: str) -> Notice:
    """The notice for an incident's latest update, for previews (mailed or not)."""
    incident = site.by_id[incident_id]
    return update_notice(incident, incident.last_update)


def update_notice(incident: Incident, update: Update) -> Notice:
    """The notice that tells subscribers of one update."""
    return Notice(
        key=f"{incident.id}/{update.index}",
        kind=NoticeKind.UPDATE,
        incident=incident,
        update=update,
        at=update.at,
        order=update.at,
        components=components_through(incident, update.index),
    )


# -- identifiers ---------------------------------------------------------------------------


def message_id(config: Config, notice: Notice) -> str:
    """`<2026-11-20-checkout-errors.update-1@status.acme.example>`: stable for ever."""
    incident_id, _, rest = notice.key.partition("/")
    local = {
        NoticeKind.UPDATE: f"update-{rest}",
        NoticeKind.POSTMORTEM: "postmortem",
        NoticeKind.REMINDER: f"reminder-{rest.rpartition('/')[2]}",
        NoticeKind.CORRECTION: f"update-{rest.replace('/correction/', '.correction-')}",
    }[notice.kind]
    return f"<{incident_id}.{local}@{_host(config)}>"


def thread_id(config: Config, incident: Incident) -> str | None:
    root = thread_root(incident)
    if root is None:
        return None
    return f"<{incident.id}.update-{root.index}@{_host(config)}>"


# -- messages ------------------------------------------------------------------------------


class Renderer:
    """Turns notices into messages for one site; caches what recipients share.

    Templates are looked up in the site's theme, then the built-in one, which a site's
    template can extend as `default:notice.html`.
    """

    def __init__(self, site: Site, sender: Sender, *, date: datetime) -> None:
        self.site = site
        self.sender = sender
        self.date = format_datetime(date)
        # The theme's `email/` templates, as pages find theirs (`default:notice.html` too).
        self._loader = theme_loader(site, EMAIL_FOLDER, required=False)
        self._environments: dict[str, jinja2.Environment] = {}
        self._shared: dict[tuple[str, str], dict[str, Any]] = {}
        self._calendars: dict[tuple[str, str], bytes] = {}
        self._heads: dict[tuple[str, str], bytes] = {}

    def environment(self, language: str) -> jinja2.Environment:
        env = self._environments.get(language)
        if env is None:
            env = jinja2.Environment(
                loader=self._loader,
                autoescape=jinja2.select_autoescape(["html"], default_for_string=False),
                undefined=jinja2.StrictUndefined,
                extensions=["jinja2.ext.i18n"],
                trim_blocks=True,
                lstrip_blocks=True,
                keep_trailing_newline=True,
            )
            repeatable(env)
            env.install_gettext_translations(  # type: ignore[attr-defined]
                translations(language), newstyle=True
            )
            self._environments[language] = env
        return env

    def subject(self, notice: Notice, language: str) -> str:
        return str(self.shared(notice, language)["subject"])

    def text(self, notice: Notice, recipient: Recipient) -> str:
        env = self.environment(recipient.language)
        return env.get_template("notice.txt").render(self.context(notice, recipient))

    def html(self, notice: Notice, recipient: Recipient) -> str:
        env = self.environment(recipient.language)
        return env.get_template("notice.html").render(self.context(notice, recipient))

    def context(self, notice: Notice, recipient: Recipient) -> dict[str, Any]:
        context = dict(self.shared(notice, recipient.language))
        config = self.site.config
        context["recipient"] = {
            "address": recipient.address,
            "components": [
                config.component(c).name for c in recipient.components if c in config.component_ids
            ],
        }
        context["unsubscribe"] = {
            "url": recipient.unsubscribe_url,
            "mailto": self.sender.unsubscribe_mailto,
        }
        return context

    def message(self, notice: Notice, recipient: Recipient) -> EmailMessage:
        """The whole message for one recipient, as an object (for previews and tests)."""
        parsed = message_from_bytes(self.message_bytes(notice, recipient), policy=policy.SMTP)
        assert isinstance(parsed, EmailMessage)
        return parsed

    def message_bytes(self, notice: Notice, recipient: Recipient) -> bytes:
        """The whole message for one recipient, ready for SMTP (CRLF line ends).

        Written directly rather than through `email.message`, which is some twenty times
        slower: the headers that are the same for everyone are encoded once per notice
        and language, and the bodies are quoted-printable (so the `=_` boundaries can never
        occur inside them).
        """
        head = self._head(notice, recipient.language)
        context = self.context(notice, recipient)
        env = self.environment(recipient.language)
        text = env.get_template("notice.txt").render(context)
        html = env.get_template("notice.html").render(context)
        lines = [header("To", header_address(recipient.address))]
        unsubscribe = []
        if self.sender.unsubscribe_mailto:
            mailto = quote(header_address(self.sender.unsubscribe_mailto), safe="@")
            unsubscribe.append(f"<mailto:{mailto}?subject=unsubscribe>")
        if recipient.unsubscribe_url:
            unsubscribe.append(f"<{header_url(recipient.unsubscribe_url)}>")
        if unsubscribe:
            lines.append(header("List-Unsubscribe", ",\r\n ".join(unsubscribe)))
        if recipient.unsubscribe_url:
            lines.append("List-Unsubscribe-Post: List-Unsubscribe=One-Click")
        lines.append(f"Content-Language: {language_tag(recipient.language)}")
        lines.append("MIME-Version: 1.0")
        body_text, body_html = _quoted_printable(text), _quoted_printable(html)
        boundary = "=_alt_" + hashlib.sha256(body_text + body_html).hexdigest()[:24]
        alternative = [
            f'Content-Type: multipart/alternative; boundary="{boundary}"',
            "",
            f"--{boundary}",
            'Content-Type: text/plain; charset="utf-8"',
            "Content-Transfer-Encoding: quoted-printable",
            "",
            body_text.decode("ascii"),
            f"--{boundary}",
            'Content-Type: text/html; charset="utf-8"',
            "Content-Transfer-Encoding: quoted-printable",
            "",
            body_html.decode("ascii"),
            f"--{boundary}--",
            "",
        ]
        calendar = self.calendar(notice, recipient.language)
        if calendar is None:
            lines += alternative
        else:
            name = f"{notice.incident.id}.ics"
            mixed = "=_mix_" + hashlib.sha256(body_text + calendar).hexdigest()[:24]
            lines += [
                f'Content-Type: multipart/mixed; boundary="{mixed}"',
                "",
                f"--{mixed}",
                *alternative,
                f"--{mixed}",
                'Content-Type: text/calendar; charset="utf-8"; method="PUBLISH";',
                f' name="{name}"',
                f'Content-Disposition: attachment; filename="{name}"',
                "Content-Transfer-Encoding: base64",
                "",
                base64.encodebytes(calendar).decode("ascii").rstrip("\n"),
                f"--{mixed}--",
                "",
            ]
        return head + "\r\n".join(lines).replace("\r\n", "\n").replace("\n", "\r\n").encode()

    def _head(self, notice: Notice, language: str) -> bytes:
        """The headers every recipient of a notice in a language shares, encoded once."""
        cache_key = (notice.key, language)
        cached = self._heads.get(cache_key)
        if cached is not None:
            return cached
        config = self.site.config
        # Titles are one line once validated; whatever else reaches here is folded to one
        # line, and every header is checked to be one header (design §9).
        subject = one_line(str(self.shared(notice, language)["subject"]))
        charset = "us-ascii" if subject.isascii() else "utf-8"
        encoded = Header(subject, charset, header_name="Subject").encode(linesep="\r\n")
        lines = [header("Subject", encoded), header("From", _mailbox(self.sender.from_))]
        if self.sender.reply_to:
            lines.append(header("Reply-To", _mailbox(self.sender.reply_to)))
        lines.append(header("Date", self.date))
        lines.append(header("Message-ID", message_id(config, notice)))
        parent = thread_id(config, notice.incident)
        if notice.corrects is not None:  # a reply to the notice it corrects, in the thread
            original = f"<{notice.corrects.replace('/', '.update-')}@{_host(config)}>"
            references = [parent, original] if parent not in (None, original) else [original]
            lines.append(header("In-Reply-To", original))
            lines.append(header("References", " ".join(str(r) for r in references)))
        elif parent is not None and not notice.is_first:
            lines.append(header("In-Reply-To", parent))
            lines.append(header("References", parent))
        list_id = formataddr((one_line(config.title), f"notices.{_host(config)}"), charset="utf-8")
        lines.append(header("List-Id", list_id))
        lines.append(header("List-Archive", f"<{header_url(links.url(config))}>"))
        # Keeps out-of-office replies and auto-responders from answering (RFC 3834).
        lines.append("Auto-Submitted: auto-generated")
        lines.append("X-Auto-Response-Suppress: All")
        lines.append(header("X-Statuspage-Notice", notice.key))
        head = ("\r\n".join(lines) + "\r\n").encode("ascii")
        self._heads[cache_key] = head
        return head

    def calendar(self, notice: Notice, language: str) -> bytes | None:
        """A maintenance's event as the site's calendar has it, so calendars update in place."""
        incident = notice.incident
        if not incident.is_maintenance or incident.current_window is None:
            return None
        cache_key = (notice.key, language)
        if cache_key not in self._calendars:
            self._calendars[cache_key] = maintenance_calendar(self.site, incident, language)
        return self._calendars[cache_key]

    def shared(self, notice: Notice, language: str) -> dict[str, Any]:
        """Everything in the message that is the same for every recipient of a language."""
        cache_key = (notice.key, language)
        cached = self._shared.get(cache_key)
        if cached is None:
            cached = _NoticeContext(self.site, notice, language).values()
            self._shared[cache_key] = cached
        return cached


def _mailbox(text: str) -> str:
    """`Name <address>` for a header: a non-ASCII name as an encoded word."""
    folded = one_line(text)
    if len(getaddresses([folded])) != 1:
        raise HeaderError(f"{text!r} is not one e-mail address")
    name, address = parseaddr(folded)
    return formataddr((name, header_address(address)), charset="utf-8")


# -- headers: one line each, whatever the values hold ---------------------------------------


class HeaderError(StatuspageError):
    """A value that cannot be written into an e-mail header as one header."""


# Runs of white space, control characters and line or paragraph separators.
_SPACE_OR_CONTROL = re.compile("[\\s\x00-\x1f\x7f-\x9f\u2028\u2029]+")
# A fold: a line break followed by white space continues the same header (RFC 5322 2.2.3).
_FOLD = re.compile("\r\n[ \t]")
# Once encoded and unfolded, a header's value is printable ASCII, spaces and tabs.
_NOT_HEADER_TEXT = re.compile("[^\x20-\x7e\t]")


def one_line(text: str) -> str:
    """Free text (a subject, a name) for a header: every run of white space or control
    characters, line breaks included, becomes one space."""
    return _SPACE_OR_CONTROL.sub(" ", text).strip()


def header(name: str, value: str) -> str:
    """`Name: value`, refused unless it is exactly one header line (folds allowed)."""
    if _NOT_HEADER_TEXT.search(_FOLD.sub(" ", value)):
        raise HeaderError(
            f"the {name} header of a notice would be {value!r}: not one line of ASCII, "
            "so it is not sent"
        )
    return f"{name}: {value}"


def header_address(address: str) -> str:
    """One plain address in ASCII (an internationalised domain in its xn-- form)."""
    local, _, domain = address.rpartition("@")
    if not is_address(address):
        raise HeaderError(f"{address!r} is not one e-mail address")
    return f"{local}@{domain.encode('idna').decode('ascii')}"


def header_url(url: str) -> str:
    """A URL as a header carries it between `<` and `>`: ASCII host, everything else that
    is not plain URL text (a comma included, RFC 2369) percent-encoded."""
    parts = urlsplit(url)
    host = _ascii_host(parts.hostname or "")
    netloc = f"{host}:{parts.port}" if parts.port else host
    rest = url[len(f"{parts.scheme}://{parts.netloc}") :]
    return f"{parts.scheme}://{netloc}{quote(rest, safe=_URL_SAFE)}"


_URL_SAFE = "/?#[]@!$&'()*+;=:%~"


def _host(config: Config) -> str:
    return _ascii_host(links.host(config))


def _ascii_host(host: str) -> str:
    try:
        return host.encode("idna").decode("ascii")
    except UnicodeError:
        raise HeaderError(f"{host!r} is not a host name") from None


def _quoted_printable(text: str) -> bytes:
    """Quoted-printable with CRLF line ends, lines of at most 76 characters.

    A final line end is kept: the one before a MIME boundary belongs to the boundary.
    """
    encoded = binascii.b2a_qp(text.replace("\r\n", "\n").encode("utf-8"), istext=True)
    return encoded.replace(b"\n", b"\r\n")


def maintenance_calendar(site: Site, incident: Incident, language: str) -> bytes:
    """One VEVENT, the same UID and SEQUENCE as in `maintenance.ics` (statuspage.outputs.ical)."""
    calendar = Calendar()
    calendar.add("prodid", ical.PRODID)
    calendar.add("version", "2.0")
    calendar.add("method", "PUBLISH")
    calendar.add_component(
        ical.maintenance_event(site, Formatter(language, site.config.zone), incident)
    )
    return bytes(calendar.to_ical())


@dataclass(frozen=True)
class _NoticeContext:
    site: Site
    notice: Notice
    language: str

    @cached_property
    def fmt(self) -> Formatter:
        return Formatter(self.language, self.site.config.zone)

    def _(self, message: str) -> str:
        return self.fmt.gettext(message)

    def values(self) -> dict[str, Any]:
        site, notice, fmt = self.site, self.notice, self.fmt
        config = site.config
        incident, update = notice.incident, notice.update
        title = incident.title.pick(self.language, config.language)[1]
        if notice.kind is NoticeKind.REMINDER:
            status = self._("Starting soon")
        elif notice.kind is NoticeKind.CORRECTION:
            status = self._("Correction")
        else:
            status = update_status_word(
                UpdateStatus.POSTMORTEM if notice.kind is NoticeKind.POSTMORTEM else update.status,
                self.language,
            )
        window = incident.current_window
        earlier_updates: Sequence[Update] = incident.updates[: update.index]
        if notice.kind is NoticeKind.POSTMORTEM:
            earlier_updates = incident.updates
        postmortem = None
        if incident.postmortem is not None and (
            notice.kind is NoticeKind.POSTMORTEM or update.status is UpdateStatus.POSTMORTEM
        ):
            postmortem = self._text(incident.postmortem)
        states = states_after(incident, update.index)
        return {
            # `Resolved: …`; the separator is the language's (`Résolu : …`, `已解决：…`).
            "subject": f"[{config.title}] "
            + self._("%(status)s: %(title)s") % {"status": status, "title": title},
            "language": self.language,
            "lang": self.fmt.tag,
            "kind": notice.kind.value,
            "site": {
                "title": config.title,
                # The site in the reader's language, where it is built in it.
                "url": links.url(config, links.language_root(config, self.language)),
                "host": links.host(config),
            },
            "title": title,
            "status": status,
            "status_key": update.status.value,
            "is_maintenance": incident.is_maintenance,
            "is_final": update.status.is_final,
            "incident_url": links.incident_url(config, incident.id, self.language),
            "update": {
                "status": update_status_word(update.status, self.language),
                **self._moment(update.at),
                **self._text(update.message),
            },
            "show_update": notice.kind is not NoticeKind.POSTMORTEM,
            "correction": (
                {**self._moment(notice.edit.at), "before": self._text(notice.edit.before.message)}
                if notice.edit is not None
                else None
            ),
            "postmortem": postmortem,
            "next_update": (
                self._moment(update.next_update_due)
                if update.next_update_due is not None and not update.status.is_final
                else None
            ),
            "window": (
                {
                    "start": self._moment(window.start),
                    "end": self._moment(window.end),
                    "duration": fmt.duration(window.end - window.start),
                }
                if incident.is_maintenance and window is not None
                else None
            ),
            "starts_in": (
                fmt.duration(window.start - site.now)
                if notice.kind is NoticeKind.REMINDER and window is not None
                else None
            ),
            "components": [
                {
                    "name": config.component(component).name,
                    "state": state.value,
                    "state_word": component_status_word(state, self.language),
                }
                for component, state in states
                if component in config.component_ids
            ],
            "earlier": [
                {
                    "status": update_status_word(u.status, self.language),
                    **self._moment(u.at),
                    **self._text(u.message),
                }
                # The latest few: a long incident's notices stay small; the link has the rest.
                for u in reversed(earlier_updates[-EARLIER_LIMIT:])
            ],
            "contact": {
                "email": config.contact.email,
                "url": config.contact.url,
                "response_promise": config.contact.response_promise,
            },
            "calendar": incident.is_maintenance and window is not None,
        }

    def _moment(self, moment: datetime) -> dict[str, str]:
        return {"when": self.fmt.date_time(moment), "iso": self.fmt.iso(moment)}

    def _text(self, text: Text) -> dict[str, Any]:
        """HTML and plain text in the reader's language; where the text is not written in
        it, the main language's, said so (and with its `lang` in the HTML)."""
        shown, written = text.pick(self.language, self.site.config.language)
        html, plain = Markup(to_html(written)), to_text(written)
        if shown == self.language:
            return {"html": html, "text": plain}
        note = self._("Not yet translated")
        return {
            "html": Markup(
                '<p style="margin:0 0 8px;font-size:14px;color:#59636e;"><em>{}</em></p>'
                '<div lang="{}">{}</div>'
            ).format(note, language_tag(shown), html),
            "text": f"[{note}]\n{plain}",
        }


# -- previews and dry runs -----------------------------------------------------------------


def preview_recipient(config: Config, language: str | None = None) -> Recipient:
    """A made-up reader for previews: nothing personal in it."""
    url = None
    if config.notify.unsubscribe_url:
        url = unsubscribe_link(config.notify.unsubscribe_url, "PREVIEW-TOKEN")
    return Recipient(
        address="subscriber@example.com", language=language or config.language, unsubscribe_url=url
    )


def unsubscribe_link(endpoint: str, token: str) -> str:
    """The endpoint with `token=<token>` added to its query."""
    separator = "&" if "?" in endpoint else "?"
    return f"{endpoint}{separator}token={token}"


def eml_name(notice: Notice, number: int) -> str:
    """A file name for a dry run's outbox: sortable, without the address."""
    return f"{number:06d}-{notice.key.replace('/', '-')}.eml"

"""The private list of people who receive e-mail notices (design §6).

Kept in one JSON file outside `site/` (`notify.subscribers`, default
`.statuspage/subscribers.json`, which `init`'s .gitignore keeps out of git), readable by its
owner only. Addresses are checked and normalised when they come in, so the same person is
one entry however they typed their address; adding someone twice merges the two entries.
Nothing here is ever written into the built site or the ledger.
"""

from __future__ import annotations

import base64
import csv
import hashlib
import hmac
import io
import json
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from statuspage.inputs.diagnostics import InputError, Problems, StatuspageError
from statuspage.notify.private import private_folder, read_private, write_private

STORE_VERSION = 1
MAX_ADDRESS = 254
MAX_LOCAL_PART = 64

# RFC 5321 dot-atom local parts. Quoted local parts and non-ASCII (SMTPUTF8) addresses are
# refused: many servers reject them, and a notice that bounces is a notice not received.
_LOCAL = re.compile(r"[a-z0-9!#$%&'*+/=?^_`{|}~-]+(?:\.[a-z0-9!#$%&'*+/=?^_`{|}~-]+)*")
_LABEL = re.compile(r"[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?")
_SPLIT = re.compile(r"[\s,;|]+")


class AddressError(ValueError):
    """Text that is not an e-mail address we can deliver to."""


def normalise_address(text: str) -> str:
    """`  Jane.Doe@Example.COM ` → `jane.doe@example.com`; raises AddressError.

    The whole address is lower-cased: mail servers compare local parts without case in
    practice, and one person must not become two subscribers. Internationalised domains
    are stored in their ASCII (IDNA) form, which every SMTP server accepts.
    """
    value = text.strip()
    if value.lower().startswith("mailto:"):
        value = value[len("mailto:") :]
    local, at, domain = value.rpartition("@")
    if not at or not local or not domain:
        raise AddressError(f"{text.strip()!r} is not an e-mail address")
    local = local.lower()
    if not local.isascii() or not _LOCAL.fullmatch(local) or len(local) > MAX_LOCAL_PART:
        raise AddressError(f"{text.strip()!r} is not an e-mail address we can send to")
    try:
        domain = domain.rstrip(".").encode("idna").decode("ascii").lower()
    except UnicodeError:
        raise AddressError(f"{text.strip()!r} has an invalid domain name") from None
    labels = domain.split(".")
    if (
        len(labels) < 2
        or not all(_LABEL.fullmatch(label) for label in labels)
        or labels[-1].isdigit()
    ):
        raise AddressError(f"{text.strip()!r} has an invalid domain name")
    address = f"{local}@{domain}"
    if len(address) > MAX_ADDRESS:
        raise AddressError(f"{text.strip()!r} is longer than {MAX_ADDRESS} characters")
    return address


def mask(address: str) -> str:
    """`ja…@example.com`: enough to recognise an address in a log, not to harvest it."""
    local, _, domain = address.partition("@")
    return f"{local[:2]}…@{domain}"


@dataclass(frozen=True, slots=True, kw_only=True)
class Subscriber:
    email: str  # normalised
    components: tuple[str, ...] = ()  # empty: every component
    language: str | None = None  # None: the site's language
    added: datetime | None = None  # UTC; notices first seen after this are owed to them
    webhook: str | None = None  # a URL: notices go there as a JSON POST; email is the contact
    format: str | None = None  # the webhook's body: statuspage, slack, teams, discord

    @property
    def target(self) -> str:
        """Where notices go: what the ledger hashes and the suppression list names."""
        return self.webhook or self.email

    def wants(self, components: Iterable[str]) -> bool:
        """An incident that names no component concerns everyone."""
        if not self.components:
            return True
        touched = set(components)
        return not touched or bool(touched.intersection(self.components))


def merge(old: Subscriber, new: Subscriber) -> Subscriber:
    """One entry for one address: follow both filters (an empty one means everything),
    the newer language, and the first moment they subscribed."""
    if not old.components or not new.components:
        components: tuple[str, ...] = ()
    else:
        components = tuple(sorted(set(old.components) | set(new.components)))
    added = min((t for t in (old.added, new.added) if t is not None), default=None)
    return Subscriber(
        email=old.email,
        components=components,
        language=new.language or old.language,
        added=added,
        webhook=old.webhook,
        format=new.format or old.format,
    )


def merged(subscribers: Iterable[Subscriber]) -> tuple[Subscriber, ...]:
    """Duplicates (the same address, or the same webhook) merged, sorted by address."""
    found: dict[tuple[str, str], Subscriber] = {}
    for subscriber in subscribers:
        key = (subscriber.email, subscriber.webhook or "")
        old = found.get(key)
        found[key] = merge(old, subscriber) if old else subscriber
    return tuple(found[key] for key in sorted(found))


# -- the store -----------------------------------------------------------------------------


class SubscriberStore:
    """The JSON file of subscribers; written atomically and readable by its owner only."""

    def __init__(self, path: Path) -> None:
        self.path = path

    def load(self) -> tuple[Subscriber, ...]:
        """Every subscriber; none if the file does not exist yet."""
        data = read_private(self.path)
        if data is None:
            return ()
        try:
            document = json.loads(data)
            if not isinstance(document, dict) or document.get("version") != STORE_VERSION:
                raise ValueError(f"expected a version {STORE_VERSION} subscriber list")
            entries = document["subscribers"]
            if not isinstance(entries, list):
                raise ValueError("'subscribers' is not a list")
            return merged(_from_json(entry) for entry in entries)
        except (ValueError, KeyError, TypeError) as exc:
            raise StatuspageError(f"{self.path} is not a valid subscriber list: {exc}") from None

    def save(self, subscribers: Iterable[Subscriber]) -> None:
        document = {
            "version": STORE_VERSION,
            "subscribers": [_to_json(s) for s in merged(subscribers)],
        }
        data = json.dumps(document, indent=2, sort_keys=True, ensure_ascii=False) + "\n"
        private_folder(self.path.parent)
        write_private(self.path, data)

    def add(self, new: Iterable[Subscriber]) -> tuple[Subscriber, ...]:
        """Add (or merge) subscribers; returns the whole list as saved."""
        result = merged([*self.load(), *new])
        self.save(result)
        return result

    def remove(self, email: str) -> Subscriber:
        try:
            address = normalise_address(email)
        except AddressError:
            if not email.strip().startswith(("https://", "http://")):
                raise
            address = ""  # a webhook's URL
        current = self.load()
        kept = [s for s in current if s.email != address and s.webhook != email.strip()]
        if len(kept) == len(current):
            raise StatuspageError(f"{address} is not subscribed")
        self.save(kept)
        return next(s for s in current if s.email == address or s.webhook == email.strip())


def _to_json(subscriber: Subscriber) -> dict[str, object]:
    entry: dict[str, object] = {"email": subscriber.email}
    if subscriber.components:
        entry["components"] = list(subscriber.components)
    if subscriber.language:
        entry["language"] = subscriber.language
    if subscriber.webhook:
        entry["webhook"] = subscriber.webhook
    if subscriber.format:
        entry["format"] = subscriber.format
    if subscriber.added:
        entry["added"] = subscriber.added.astimezone(UTC).isoformat().replace("+00:00", "Z")
    return entry


def _from_json(entry: object) -> Subscriber:
    if not isinstance(entry, dict):
        raise ValueError(f"entry {entry!r} is not an object")
    try:
        email = normalise_address(str(entry["email"]))
    except AddressError as exc:
        raise ValueError(str(exc)) from None
    components = entry.get("components") or []
    language = entry.get("language")
    added = entry.get("added")
    if not isinstance(components, list) or not all(isinstance(c, str) for c in components):
        raise ValueError(f"components of {email} must be a list of ids")
    if language is not None and not isinstance(language, str):
        raise ValueError(f"language of {email} must be text")
    webhook, format_ = entry.get("webhook"), entry.get("format")
    if webhook is not None and (not isinstance(webhook, str) or webhook_problem(webhook)):
        raise ValueError(f"webhook of {email}: {webhook_problem(str(webhook))}")
    if format_ is not None and format_ not in WEBHOOK_FORMATS:
        raise ValueError(f"format of {email} must be one of {', '.join(WEBHOOK_FORMATS)}")
    moment = None
    if added is not None:
        moment = datetime.fromisoformat(str(added).replace("Z", "+00:00"))
        if moment.tzinfo is None:
            raise ValueError(f"added of {email} has no time zone")
        moment = moment.astimezone(UTC)
    return Subscriber(
        email=email,
        components=tuple(sorted(set(components))),
        language=language,
        added=moment,
        webhook=webhook,
        format=format_,
    )


WEBHOOK_FORMATS = ("statuspage", "slack", "teams", "discord")
_LOOPBACK = ("127.0.0.1", "localhost", "::1")


def webhook_problem(url: str) -> str | None:
    """Why a webhook URL cannot be used, or None: https, or http to this machine."""
    from urllib.parse import urlsplit

    try:
        parts = urlsplit(url)
        parts.port  # noqa: B018 - raises on a bad port
    except ValueError:
        return f"{url!r} is not a URL"
    if any(ord(c) < 33 or ord(c) == 127 for c in url) or not parts.hostname:
        return f"{url!r} is not a URL"
    if parts.scheme == "https" or (parts.scheme == "http" and parts.hostname in _LOOPBACK):
        return None
    return f"{url!r} must be an https:// URL (http:// only to this machine)"


# -- input from people ---------------------------------------------------------------------


def subscriber(
    email: str,
    *,
    components: Sequence[str] = (),
    language: str | None = None,
    known_components: Iterable[str],
    languages: Sequence[str],
    added: datetime,
    webhook: str | None = None,
    format: str | None = None,
) -> Subscriber:
    """A checked subscriber from command-line values; raises StatuspageError."""
    try:
        address = normalise_address(email)
    except AddressError as exc:
        raise StatuspageError(str(exc)) from None
    problem = _check(components, language, known_components, languages)
    if webhook is not None:
        problem = problem or webhook_problem(webhook)
    if format is not None and format not in WEBHOOK_FORMATS:
        problem = problem or f"format {format!r} is not one of {', '.join(WEBHOOK_FORMATS)}"
    if problem:
        raise StatuspageError(problem)
    return Subscriber(
        email=address,
        components=tuple(sorted(set(components))),
        language=language or None,
        added=added.astimezone(UTC),
        webhook=webhook,
        format=format if webhook is not None else None,
    )


def _check(
    components: Sequence[str],
    language: str | None,
    known_components: Iterable[str],
    languages: Sequence[str],
) -> str | None:
    known = set(known_components)
    unknown = [c for c in components if c not in known]
    if unknown:
        return f"unknown component {unknown[0]!r}; the components are {', '.join(sorted(known))}"
    if language and language not in languages:
        return f"language {language!r} is not one of {', '.join(languages)}"
    return None


def read_csv(
    shown: str,
    data: bytes,
    *,
    known_components: Iterable[str],
    languages: Sequence[str],
    added: datetime,
) -> tuple[Subscriber, ...]:
    """Subscribers from CSV with columns email, components, language (header optional).

    Components in one cell are separated by spaces, semicolons or `|` (or commas in a
    quoted cell). Every bad row is reported (`file.csv:LINE:1: error: …`) and then
    InputError is raised, so a bad file imports nothing.
    """
    problems = Problems()
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise StatuspageError(f"{shown} is not UTF-8 text") from None
    rows = list(csv.reader(io.StringIO(text, newline="")))
    columns = {"email": 0, "components": 1, "language": 2}
    start = 0
    if rows and rows[0] and rows[0][0].strip().lower() in ("email", "e-mail", "address"):
        header = [cell.strip().lower() for cell in rows[0]]
        header = ["email" if cell in ("e-mail", "address") else cell for cell in header]
        unknown = [cell for cell in header if cell and cell not in columns]
        if unknown:
            problems.error(
                shown, 1, 1, f"unknown column {unknown[0]!r} (columns: email, components, language)"
            )
        columns = {name: header.index(name) for name in columns if name in header}
        start = 1
    found: list[Subscriber] = []
    for number, row in enumerate(rows[start:], start=start + 1):
        if not row or not any(cell.strip() for cell in row):
            continue

        def cell(name: str, row: list[str] = row) -> str:
            index = columns.get(name)
            return row[index].strip() if index is not None and index < len(row) else ""

        try:
            address = normalise_address(cell("email"))
        except AddressError as exc:
            problems.error(shown, number, 1, str(exc))
            continue
        components = [c for c in _SPLIT.split(cell("components")) if c]
        language = cell("language") or None
        problem = _check(components, language, known_components, languages)
        if problem:
            problems.error(shown, number, 1, f"{address}: {problem}")
            continue
        found.append(
            Subscriber(
                email=address,
                components=tuple(sorted(set(components))),
                language=language,
                added=added.astimezone(UTC),
            )
        )
    if problems.errors:
        raise InputError(problems.errors)
    return tuple(found)


# -- unsubscribe tokens --------------------------------------------------------------------

TOKEN_VERSION = "u1"


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).decode("ascii").rstrip("=")


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def unsubscribe_token(key: bytes, address: str) -> str:
    """`u1.<address, base64url>.<HMAC-SHA256 of it, base64url>`: a link only we can mint.

    The one-click endpoint verifies it with the same key (docs/notices.md shows how) and
    `statuspage subscribers remove --token` turns it back into the address.
    """
    mac = hmac.new(key, f"unsubscribe\n{address}".encode(), hashlib.sha256).digest()
    return f"{TOKEN_VERSION}.{_b64(address.encode())}.{_b64(mac)}"


def verify_unsubscribe_token(key: bytes, token: str) -> str | None:
    """The address a genuine token names, or None."""
    version, _, rest = token.strip().partition(".")
    encoded, _, signature = rest.partition(".")
    if version != TOKEN_VERSION or not encoded or not signature:
        return None
    try:
        address = _unb64(encoded).decode("utf-8")
    except (ValueError, UnicodeDecodeError):
        return None
    expected = unsubscribe_token(key, address)
    return address if hmac.compare_digest(expected, token.strip()) else None

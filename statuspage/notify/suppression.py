"""Who is never sent anything again, and why: the suppression list (design §8).

A recipient lands here when a message to them failed for good (an SMTP 5xx, a webhook's
410 Gone), after too many temporary failures in a row, or when a bounce or complaint
notification names them (`statuspage subscribers bounces`). `notify` skips them; a
subscription of the same address stays but receives nothing until it is lifted
(`statuspage subscribers unsuppress`).

The file store keeps the list in `suppressed.json` beside the subscribers (private, owner
only). Bounce and complaint notifications come as JSON: a generic form, or Amazon SES's
notifications, bare or wrapped in an SNS message; `read_bounces` turns them into entries.
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from statuspage.inputs.diagnostics import StatuspageError
from statuspage.notify.private import read_private, write_private
from statuspage.notify.subscribers import AddressError, normalise_address

FILE_NAME = "suppressed.json"
VERSION = 1
# What a server says often names the address; never let it reach a log or a report.
_ADDRESS = re.compile(r"<?[^\s<>@\"']+@[^\s<>@\"']+>?")


def scrub(text: str) -> str:
    """A server's reason without any address in it, on one line, and not too long."""
    cleaned = _ADDRESS.sub("<address>", text)
    cleaned = " ".join(cleaned.split())
    return cleaned[:200]


@dataclass(frozen=True, slots=True, kw_only=True)
class Suppression:
    address: str  # a normalised e-mail address, or a webhook's URL
    reason: str  # `550 5.1.1 User unknown`, `410 Gone`, `complaint (abuse)`
    source: str  # smtp, webhook, failures, bounce, complaint
    at: datetime


class SuppressionList:
    """`suppressed.json`: read whole (it stays small), changed under a lock, replaced atomically."""

    def __init__(self, path: Path) -> None:
        self.path = path

    @classmethod
    def beside(cls, subscribers: Path) -> SuppressionList:
        return cls(subscribers.parent / FILE_NAME)

    def load(self) -> dict[str, Suppression]:
        data = read_private(self.path)
        if data is None:
            return {}
        try:
            document = json.loads(data)
            if not isinstance(document, dict) or document.get("version") != VERSION:
                raise ValueError(f"expected a version {VERSION} suppression list")
            found = {}
            for entry in document["suppressed"]:
                item = Suppression(
                    address=str(entry["address"]),
                    reason=str(entry["reason"]),
                    source=str(entry["source"]),
                    at=datetime.fromisoformat(str(entry["at"]).replace("Z", "+00:00")),
                )
                found[item.address] = item
            return found
        except (ValueError, KeyError, TypeError) as exc:
            raise StatuspageError(f"{self.path} is not a valid suppression list: {exc}") from None

    @contextlib.contextmanager
    def _locked(self) -> Iterator[None]:
        self.path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        fd = os.open(self.path.with_name(self.path.name + ".lock"), os.O_RDWR | os.O_CREAT, 0o600)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX)
            yield
        finally:
            os.close(fd)

    def add(self, entries: Iterable[Suppression]) -> list[Suppression]:
        """Add entries (the first reason of an address stays); returns the new ones."""
        with self._locked():
            current = self.load()
            new = []
            for entry in entries:
                if entry.address not in current:
                    current[entry.address] = entry
                    new.append(entry)
            if new:
                self._save(current.values())
            return new

    def remove(self, address: str) -> Suppression | None:
        with self._locked():
            current = self.load()
            removed = current.pop(address, None)
            if removed is not None:
                self._save(current.values())
            return removed

    def _save(self, entries: Iterable[Suppression]) -> None:
        document = {
            "version": VERSION,
            "suppressed": [
                {
                    "address": e.address,
                    "reason": e.reason,
                    "source": e.source,
                    "at": e.at.astimezone(UTC).isoformat().replace("+00:00", "Z"),
                }
                for e in sorted(entries, key=lambda e: e.address)
            ],
        }
        data = json.dumps(document, indent=2, sort_keys=True, ensure_ascii=False) + "\n"
        write_private(self.path, data)  # addresses: nobody else on the machine reads them


# -- bounce and complaint notifications ----------------------------------------------------


@dataclass(frozen=True, slots=True)
class Bounce:
    """One address named by a notification."""

    address: str
    permanent: bool  # a hard bounce or a complaint: suppress; a soft bounce: only counted
    kind: str  # bounce or complaint
    reason: str


class BounceError(StatuspageError):
    """A notification we cannot read."""


def read_bounces(shown: str, data: bytes) -> list[Bounce]:
    """Every address in one JSON document, a JSON list, or JSON lines.

    Understood: the generic form `{"type": "bounce"|"complaint", "email": ..., "permanent":
    true, "reason": ...}`, Amazon SES notifications (`notificationType` or `eventType`
    Bounce/Complaint/Delivery) and the same wrapped in an Amazon SNS message.
    """
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise BounceError(f"{shown} is not UTF-8 text") from None
    documents: list[object]
    try:
        documents = [json.loads(text)]
    except ValueError:
        documents = []
        for number, line in enumerate(text.splitlines(), 1):
            if not line.strip():
                continue
            try:
                documents.append(json.loads(line))
            except json.JSONDecodeError as exc:
                raise BounceError(
                    f"{shown}:{number}:{exc.colno}: error: not JSON: {exc.msg}"
                ) from None
    found: list[Bounce] = []
    for document in documents:
        for item in document if isinstance(document, list) else [document]:
            found.extend(_notification(shown, item))
    return found


def _notification(shown: str, item: object) -> list[Bounce]:
    if not isinstance(item, dict):
        raise BounceError(f"{shown}: error: expected a JSON object, got {type(item).__name__}")
    if "Type" in item and "Message" in item:  # an SNS envelope
        if item["Type"] == "SubscriptionConfirmation":
            raise BounceError(
                f"{shown}: error: this is an SNS subscription confirmation, not a notification; "
                "confirm the subscription by opening its SubscribeURL once"
            )
        try:
            inner = json.loads(str(item["Message"]))
        except ValueError:
            raise BounceError(f"{shown}: error: the SNS Message is not JSON") from None
        return _notification(shown, inner)
    kind = item.get("notificationType") or item.get("eventType")
    if kind is not None:
        return _ses(shown, str(kind), item)
    return [_generic(shown, item)]


def _address(shown: str, text: object) -> str:
    try:
        return normalise_address(str(text))
    except AddressError as exc:
        raise BounceError(f"{shown}: error: {exc}") from None


def _ses(shown: str, kind: str, item: dict[str, object]) -> list[Bounce]:
    if kind == "Bounce":
        bounce = item.get("bounce")
        if not isinstance(bounce, dict):
            raise BounceError(f"{shown}: error: an SES Bounce without a bounce object")
        permanent = bounce.get("bounceType") == "Permanent"
        detail = f"{bounce.get('bounceType', '?')}/{bounce.get('bounceSubType', '?')}"
        return [
            Bounce(
                _address(shown, r.get("emailAddress")),
                permanent,
                "bounce",
                scrub(f"bounce {detail} {r.get('diagnosticCode') or r.get('status') or ''}"),
            )
            for r in bounce.get("bouncedRecipients") or []
            if isinstance(r, dict)
        ]
    if kind == "Complaint":
        complaint = item.get("complaint")
        if not isinstance(complaint, dict):
            raise BounceError(f"{shown}: error: an SES Complaint without a complaint object")
        feedback = complaint.get("complaintFeedbackType") or "complaint"
        return [
            Bounce(
                _address(shown, r.get("emailAddress")), True, "complaint", f"complaint ({feedback})"
            )
            for r in complaint.get("complainedRecipients") or []
            if isinstance(r, dict)
        ]
    return []  # Delivery, Send, Open...: nothing to do


def _generic(shown: str, item: dict[str, object]) -> Bounce:
    kind = str(item.get("type") or "bounce").lower()
    if kind not in ("bounce", "complaint"):
        raise BounceError(f"{shown}: error: type {kind!r} is not bounce or complaint")
    address = item.get("email") or item.get("address") or item.get("recipient")
    if address is None:
        raise BounceError(f"{shown}: error: a notification without email")
    permanent = kind == "complaint" or item.get("permanent", True) is not False
    reason = scrub(str(item.get("reason") or kind))
    return Bounce(_address(shown, address), permanent, kind, reason)

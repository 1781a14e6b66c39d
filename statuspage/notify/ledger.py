"""The notice ledger: what was sent to whom, so every notice goes out exactly once.

An append-only text file (`notify.ledger`, default `notices.ledger`), meant to be committed
back to the repository by CI so the next run knows what the last one did. One record a line,
fields separated by tabs:

    key       <check>                        which secret hashed the recipients
    start     <time>                         the first run (the default cut-off)
    baseline  <time>  <notice>               present at the cut-off: never sent
    open      <time>  <notice>               first seen; people who subscribe later skip it
    sent      <time>  <notice>  <recipient>  the SMTP server accepted it for this recipient

Recipients are keyed hashes (HMAC-SHA256) of the address, never the address: the ledger can be
public without exposing anyone, and without the key nobody can test a guess against it.
A `sent` line is written, flushed and fsynced right after the server accepts the message, so
a run killed at any moment loses at most the record of the one message in flight; a line cut
short by the kill is dropped when the next run opens the file. An exclusive lock on the file
keeps two runs on one machine from both sending.
"""

from __future__ import annotations

import fcntl
import hashlib
import hmac
import os
import secrets
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from types import TracebackType

from statuspage.inputs.diagnostics import StatuspageError
from statuspage.notify.private import private_folder

KEY_ENV = "STATUSPAGE_LEDGER_KEY"
KEY_FILE = "ledger.key"
HEADER = (
    "# statuspage notice ledger: which notice went to which recipient (keyed hashes, no "
    "addresses).\n# Append-only; commit it. Format: docs/notices.md\n"
)
MIN_KEY_CHARS = 16


class LedgerError(StatuspageError):
    """The ledger cannot be used: unreadable, locked, or written with another key."""


# -- the secret ----------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Keys:
    """Keys derived from the one notice secret, one per use."""

    ledger: bytes
    unsubscribe: bytes
    service: bytes  # the subscription service's tokens (statuspage.notify.tokens)

    @classmethod
    def from_secret(cls, secret: bytes) -> Keys:
        return cls(
            ledger=hmac.new(secret, b"statuspage ledger v1", hashlib.sha256).digest(),
            unsubscribe=hmac.new(secret, b"statuspage unsubscribe v1", hashlib.sha256).digest(),
            service=hmac.new(secret, b"statuspage service tokens v1", hashlib.sha256).digest(),
        )

    @property
    def check(self) -> str:
        """Names the key in the ledger without revealing it."""
        return hmac.new(self.ledger, b"key check", hashlib.sha256).hexdigest()[:16]

    def recipient(self, address: str) -> str:
        """The ledger's name for a normalised address."""
        return hmac.new(self.ledger, address.encode(), hashlib.sha256).hexdigest()[:32]


def load_keys(private_dir: Path, *, create: bool) -> Keys | None:
    """The secret from $STATUSPAGE_LEDGER_KEY, else `<private_dir>/ledger.key`.

    With `create`, a missing key file is made (random, readable by its owner only); without
    it, None is returned. CI must set the environment variable: a key made afresh on a
    runner would not match the committed ledger, which `Ledger.open` refuses.
    """
    value = os.environ.get(KEY_ENV, "").strip()
    if value:
        if len(value) < MIN_KEY_CHARS:
            raise LedgerError(
                f"${KEY_ENV} is too short; use at least {MIN_KEY_CHARS} random characters "
                "(python -c 'import secrets; print(secrets.token_hex(32))')"
            )
        return Keys.from_secret(value.encode())
    path = private_dir / KEY_FILE
    try:
        return Keys.from_secret(path.read_text(encoding="utf-8").strip().encode())
    except FileNotFoundError:
        if not create:
            return None
    private_folder(private_dir)
    secret = secrets.token_hex(32)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as file:
        file.write(secret + "\n")
        file.flush()
        os.fsync(file.fileno())
    return Keys.from_secret(secret.encode())


# -- the file ------------------------------------------------------------------------------


def _stamp(moment: datetime) -> str:
    return moment.astimezone(UTC).replace(microsecond=0).isoformat().replace("+00:00", "Z")


def _parse_stamp(text: str) -> datetime:
    return datetime.fromisoformat(text.replace("Z", "+00:00")).astimezone(UTC)


@dataclass(slots=True)
class LedgerState:
    """What a ledger file says, read in one pass."""

    check: str | None = None
    start: datetime | None = None
    baseline: set[str] = field(default_factory=set)
    opened: dict[str, datetime] = field(default_factory=dict)
    sent: set[tuple[str, str]] = field(default_factory=set)
    sent_at: dict[tuple[str, str], datetime] = field(default_factory=dict)  # the first time

    @property
    def is_new(self) -> bool:
        return self.check is None


def parse(shown: str, data: bytes) -> tuple[LedgerState, int]:
    """The state, and how many bytes of `data` are whole lines (a torn last line is not)."""
    state = LedgerState()
    whole = data.rfind(b"\n") + 1
    for number, raw in enumerate(data[:whole].decode("utf-8", "replace").splitlines(), 1):
        if not raw.strip() or raw.startswith("#"):
            continue
        fields = raw.split("\t")
        kind = fields[0]
        try:
            if kind == "key" and len(fields) == 2:
                if state.check is None:
                    state.check = fields[1]
                elif state.check != fields[1]:
                    raise ValueError("a second, different key")
            elif kind == "start" and len(fields) == 2:
                state.start = state.start or _parse_stamp(fields[1])
            elif kind == "baseline" and len(fields) == 3:
                state.baseline.add(fields[2])
            elif kind == "open" and len(fields) == 3:
                state.opened.setdefault(fields[2], _parse_stamp(fields[1]))
            elif kind == "sent" and len(fields) == 4:
                stamp = _parse_stamp(fields[1])
                state.sent.add((fields[2], fields[3]))
                state.sent_at.setdefault((fields[2], fields[3]), stamp)
            else:
                raise ValueError("unknown record")
        except ValueError as exc:
            raise LedgerError(
                f"{shown}:{number}: cannot read this line ({exc}): {raw[:60]!r}; "
                "was a merge conflict left in the file? (docs/notices.md)"
            ) from None
    return state, whole


def read(path: Path) -> LedgerState:
    """The state of the ledger at `path`, without locking it (for dry runs and previews)."""
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        return LedgerState()
    return parse(str(path), data)[0]


class Ledger:
    """An open, locked ledger: `with Ledger.open(path, keys) as ledger: ...`."""

    def __init__(self, path: Path, fd: int, state: LedgerState, keys: Keys) -> None:
        self.path = path
        self._fd = fd
        self.state = state
        self.keys = keys

    @classmethod
    def open(cls, path: Path, keys: Keys) -> Ledger:
        """Lock and read the ledger (created if missing); refuses a ledger of another key."""
        path.parent.mkdir(parents=True, exist_ok=True)
        existed = path.exists()
        fd = os.open(path, os.O_RDWR | os.O_CREAT | os.O_APPEND, 0o644)
        try:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                raise LedgerError(
                    f"another `statuspage notify` is running (it holds the lock on {path}); "
                    "wait for it to finish"
                ) from None
            data = _read_all(fd)
            state, whole = parse(str(path), data)
            if whole < len(data):
                # The tail of a line cut short by a killed run: it was never a record.
                os.ftruncate(fd, whole)
                os.fsync(fd)
            if state.check is not None and state.check != keys.check:
                raise LedgerError(
                    f"{path} was written with another key; set ${KEY_ENV} to the secret the "
                    "earlier runs used (a new key would send every notice again)"
                )
            ledger = cls(path, fd, state, keys)
            if state.check is None:
                ledger._append([HEADER.rstrip("\n")] if whole == 0 else [])
                ledger._append([f"key\t{keys.check}"])
                if not existed:
                    _fsync_dir(path.parent)
            return ledger
        except BaseException:
            os.close(fd)
            raise

    def __enter__(self) -> Ledger:
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        value: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.close()

    def close(self) -> None:
        if self._fd >= 0:
            os.close(self._fd)  # also releases the lock
            self._fd = -1

    def _append(self, lines: Iterable[str]) -> None:
        data = "".join(f"{line}\n" for line in lines).encode()
        if not data:
            return
        view = memoryview(data)
        while view:
            written = os.write(self._fd, view)
            view = view[written:]
        os.fsync(self._fd)

    # -- records -------------------------------------------------------------------------

    def record_start(self, moment: datetime) -> None:
        if self.state.start is None:
            self._append([f"start\t{_stamp(moment)}"])
            self.state.start = moment

    def record_baseline(self, notices: Iterable[str], moment: datetime) -> int:
        new = sorted(set(notices) - self.state.baseline)
        self._append(f"baseline\t{_stamp(moment)}\t{key}" for key in new)
        self.state.baseline.update(new)
        return len(new)

    def record_open(self, notices: Iterable[str], moment: datetime) -> None:
        new = [key for key in dict.fromkeys(notices) if key not in self.state.opened]
        self._append(f"open\t{_stamp(moment)}\t{key}" for key in new)
        for key in new:
            self.state.opened[key] = moment

    def record_sent(self, notice: str, recipient: str, moment: datetime) -> None:
        """After the server accepted the message: durable before the next one is sent."""
        self._append([f"sent\t{_stamp(moment)}\t{notice}\t{recipient}"])
        self.state.sent.add((notice, recipient))
        self.state.sent_at.setdefault((notice, recipient), moment)


def _read_all(fd: int) -> bytes:
    os.lseek(fd, 0, os.SEEK_SET)
    chunks = []
    while chunk := os.read(fd, 1 << 20):
        chunks.append(chunk)
    return b"".join(chunks)


def _fsync_dir(directory: Path) -> None:
    """Make a new file's name durable too."""
    try:
        fd = os.open(directory, os.O_RDONLY)
    except OSError:  # pragma: no cover - platforms without directory fds
        return
    try:
        os.fsync(fd)
    except OSError:  # pragma: no cover
        pass
    finally:
        os.close(fd)

"""The notice ledger: what was sent to whom, so every notice goes out exactly once.

Meant to be committed back to the repository by CI so the next run knows what the last one
did. Two parts, both append-only text, one record a line, fields separated by tabs:

`notify.ledger` (default `notices.ledger`), small, one line per notice and event:

    key       <check>                        which secret hashed the recipients
    start     <time>                         the first run (the default cut-off)
    baseline  <time>  <notice>               present at the cut-off: never sent
    open      <time>  <notice>               first seen; people who subscribe later skip it
    done      <time>  <notice>               settled for everyone: never read or sent again
    suppress  <time>  <recipient>  <source>  sent nothing more (refused for good, bounced)
    unsuppress <time> <recipient>            the operator lifted it

and beside it a folder `<ledger>.d/` with one file per notice still being delivered
(`2026-11-20-checkout-errors.1`), one line per message:

    attempt   <time>  <recipient>            about to end the message: in doubt until answered
    sent      <time>  <recipient>            the server accepted it
    failed    <time>  <recipient>  <code>  temporary|permanent
    doubt     <time>  <recipient>            the server never answered the end of the message

A run reads the small file and only the files of notices not yet `done`, so what it reads does
not grow with the history; `compact` shrinks the files of settled notices to their `sent`
lines (corrections go to whoever got a notice).

Recipients are keyed hashes (HMAC-SHA256) of the address, never the address: the ledger can be
public without exposing anyone, and without the key nobody can test a guess against it.
A `sent` line is written and fsynced right after the server accepts the message, so a run
killed at any moment leaves at most the message in flight per connection unknown: its
`attempt` line without an outcome marks it "in doubt", reported and not sent again unless the
operator asks. A line cut short by a kill is dropped when the next run opens the file. An
exclusive lock on the ledger keeps two runs on one machine from both sending.
"""

from __future__ import annotations

import contextlib
import errno
import fcntl
import hashlib
import hmac
import os
import re
import secrets
import stat
import tempfile
import threading
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from enum import StrEnum
from pathlib import Path
from types import TracebackType

from statuspage.inputs.diagnostics import StatuspageError
from statuspage.inputs.regular import refusal
from statuspage.notify.private import private_folder

KEY_ENV = "STATUSPAGE_LEDGER_KEY"
KEY_FILE = "ledger.key"
HEADER = (
    "# statuspage notice ledger: which notice went to which recipient (keyed hashes, no "
    "addresses).\n# Append-only; commit it with the folder beside it. Format: docs/notices.md\n"
)
MIN_KEY_CHARS = 16
_SEGMENT_NAME = re.compile(r"[A-Za-z0-9._-]+")


class LedgerError(StatuspageError):
    """The ledger cannot be used: unreadable, locked, or written with another key."""


# -- the secret ----------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Keys:
    """Keys derived from the one notice secret, one per use."""

    ledger: bytes
    unsubscribe: bytes
    service: bytes  # the subscription service's tokens (statuspage.notify.tokens)
    webhook: bytes = b""

    @classmethod
    def from_secret(cls, secret: bytes) -> Keys:
        return cls(
            ledger=hmac.new(secret, b"statuspage ledger v1", hashlib.sha256).digest(),
            unsubscribe=hmac.new(secret, b"statuspage unsubscribe v1", hashlib.sha256).digest(),
            service=hmac.new(secret, b"statuspage service tokens v1", hashlib.sha256).digest(),
            webhook=hmac.new(secret, b"statuspage webhook v1", hashlib.sha256).digest(),
        )

    @property
    def check(self) -> str:
        """Names the key in the ledger without revealing it."""
        return hmac.new(self.ledger, b"key check", hashlib.sha256).hexdigest()[:16]

    def recipient(self, address: str) -> str:
        """The ledger's name for a normalised address (or a webhook's URL)."""
        return hmac.new(self.ledger, address.encode(), hashlib.sha256).hexdigest()[:32]

    def webhook_secret(self, url: str) -> str:
        """The secret a webhook receiver checks our signature with; one per URL."""
        digest = hmac.new(self.webhook, url.encode(), hashlib.sha256).hexdigest()
        return f"whsec_{digest[:48]}"


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


# -- what the files say --------------------------------------------------------------------


def _stamp(moment: datetime) -> str:
    return moment.astimezone(UTC).replace(microsecond=0).isoformat().replace("+00:00", "Z")


def _parse_stamp(text: str) -> datetime:
    return datetime.fromisoformat(text.replace("Z", "+00:00")).astimezone(UTC)


class Outcome(StrEnum):
    """Where one message to one recipient stands."""

    SENT = "sent"
    DOUBT = "doubt"  # handed over, never answered: maybe delivered
    TEMPORARY = "temporary"  # refused for now: retried after a pause
    PERMANENT = "permanent"  # refused for good: never retried


@dataclass(slots=True)
class Standing:
    """One recipient's record for one notice."""

    outcome: Outcome
    at: datetime
    failures: int = 0  # temporary failures so far
    code: int = 0


@dataclass(slots=True)
class Segment:
    """One notice's deliveries, by recipient."""

    standing: dict[str, Standing] = field(default_factory=dict)

    def apply(self, kind: str, recipient: str, at: datetime, rest: list[str]) -> None:
        old = self.standing.get(recipient)
        if old is not None and old.outcome in (Outcome.SENT, Outcome.PERMANENT):
            return  # settled for good; a later line cannot undo it
        failures = old.failures if old is not None else 0
        if kind == "sent":
            self.standing[recipient] = Standing(Outcome.SENT, at, failures)
        elif kind in ("attempt", "doubt"):
            self.standing[recipient] = Standing(Outcome.DOUBT, at, failures)
        elif kind == "failed" and len(rest) == 2 and rest[1] in ("temporary", "permanent"):
            outcome = Outcome(rest[1])
            self.standing[recipient] = Standing(outcome, at, failures + 1, int(rest[0]))
        else:
            raise ValueError("unknown record")

    def count(self, outcome: Outcome) -> int:
        return sum(1 for s in self.standing.values() if s.outcome is outcome)


@dataclass(slots=True)
class LedgerState:
    """What the ledger says: the small file, and the segments read so far."""

    check: str | None = None
    start: datetime | None = None
    baseline: set[str] = field(default_factory=set)
    opened: dict[str, datetime] = field(default_factory=dict)
    done: dict[str, datetime] = field(default_factory=dict)
    suppressed: dict[str, tuple[datetime, str]] = field(default_factory=dict)  # (when, source)
    segments: dict[str, Segment] = field(default_factory=dict)
    sent: set[tuple[str, str]] = field(default_factory=set)  # delivered, as the database says
    sent_at: dict[tuple[str, str], datetime] = field(default_factory=dict)  # the first time

    @property
    def is_new(self) -> bool:
        return self.check is None

    def segment(self, notice: str) -> Segment:
        found = self.segments.get(notice)
        if found is None:
            found = self.segments[notice] = Segment()
        return found

    def standing(self, notice: str, recipient: str) -> Standing | None:
        segment = self.segments.get(notice)
        return segment.standing.get(recipient) if segment is not None else None

    def sent_time(self, notice: str, recipient: str) -> datetime | None:
        """When the message was first accepted, if it was (of the segments read)."""
        standing = self.standing(notice, recipient)
        if standing is not None and standing.outcome is Outcome.SENT:
            return standing.at
        return self.sent_at.get((notice, recipient))

    @property
    def delivered(self) -> set[tuple[str, str]]:
        """Every (notice, recipient) delivered, of the segments read (and the database's)."""
        return self.sent | {
            (notice, recipient)
            for notice, segment in self.segments.items()
            for recipient, standing in segment.standing.items()
            if standing.outcome is Outcome.SENT
        }


def _lines(shown: str, data: bytes) -> Iterable[tuple[int, str, list[str]]]:
    whole = data.rfind(b"\n") + 1
    for number, raw in enumerate(data[:whole].decode("utf-8", "replace").splitlines(), 1):
        if raw.strip() and not raw.startswith("#"):
            yield number, raw, raw.split("\t")


def _unreadable(shown: str, number: int, raw: str, exc: Exception) -> LedgerError:
    return LedgerError(
        f"{shown}:{number}: cannot read this line ({exc}): {raw[:60]!r}; "
        "was a merge conflict left in the file? (docs/notices.md)"
    )


def parse(shown: str, data: bytes) -> tuple[LedgerState, int]:
    """The state of the small file, and how many bytes of `data` are whole lines."""
    state = LedgerState()
    for number, raw, fields in _lines(shown, data):
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
            elif kind == "done" and len(fields) == 3:
                state.done.setdefault(fields[2], _parse_stamp(fields[1]))
            elif kind == "suppress" and len(fields) == 4:
                state.suppressed[fields[2]] = (_parse_stamp(fields[1]), fields[3])
            elif kind == "unsuppress" and len(fields) == 3:
                _parse_stamp(fields[1])
                state.suppressed.pop(fields[2], None)
            elif kind == "sent" and len(fields) == 4:
                # Written by earlier versions, before the per-notice files: still honoured.
                state.segment(fields[2]).apply("sent", fields[3], _parse_stamp(fields[1]), [])
            else:
                raise ValueError("unknown record")
        except ValueError as exc:
            raise _unreadable(shown, number, raw, exc) from None
    return state, data.rfind(b"\n") + 1


def parse_segment(shown: str, data: bytes, segment: Segment) -> int:
    """Add one notice file's records to `segment`; returns the length of its whole lines."""
    for number, raw, fields in _lines(shown, data):
        try:
            if len(fields) < 3:
                raise ValueError("too few fields")
            segment.apply(fields[0], fields[2], _parse_stamp(fields[1]), fields[3:])
        except ValueError as exc:
            raise _unreadable(shown, number, raw, exc) from None
    return data.rfind(b"\n") + 1


def segments_dir(path: Path) -> Path:
    """The folder of per-notice files beside the ledger: `notices.ledger.d`."""
    return path.with_name(path.name + ".d")


def segment_path(path: Path, notice: str) -> Path:
    name = notice.replace("/", ".")
    if not _SEGMENT_NAME.fullmatch(name) or name.startswith("."):
        name = "x" + hashlib.sha256(notice.encode()).hexdigest()[:32]
    return segments_dir(path) / name


def read(path: Path, notices: Iterable[str] = (), *, settled: bool = False) -> LedgerState:
    """The ledger at `path` without locking it (for dry runs), with these notices' files
    (of those not done yet, unless `settled`)."""
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        return LedgerState()
    state = parse(str(path), data)[0]
    for notice in notices:
        if notice in state.done and not settled:
            continue
        target = segment_path(path, notice)
        with contextlib.suppress(FileNotFoundError):
            parse_segment(str(target), target.read_bytes(), state.segment(notice))
    return state


def read_everything(path: Path) -> LedgerState:
    """The whole ledger, every notice's file included, with `sent` and `sent_at` filled in:
    for moving it into the database."""
    state = read(path)
    folder = segments_dir(path)
    for target in sorted(folder.iterdir()) if folder.is_dir() else []:
        if target.name.startswith(".") or not target.is_file():
            continue
        notice = target.name.replace(".", "/")
        parse_segment(str(target), target.read_bytes(), state.segment(notice))
    for notice, segment in state.segments.items():
        for recipient, standing in segment.standing.items():
            if standing.outcome is Outcome.SENT:
                state.sent.add((notice, recipient))
                state.sent_at.setdefault((notice, recipient), standing.at)
    return state


# -- the open ledger -----------------------------------------------------------------------


class Ledger:
    """An open, locked ledger: `with Ledger.open(path, keys) as ledger: ...`.

    Safe to record from several threads at once.
    """

    def __init__(self, path: Path, fd: int, state: LedgerState, keys: Keys) -> None:
        self.path = path
        self._fd = fd
        self.state = state
        self.keys = keys
        self._lock = threading.Lock()
        self._segments: dict[str, int] = {}  # open files of notices written this run

    @classmethod
    def open(cls, path: Path, keys: Keys) -> Ledger:
        """Lock and read the ledger (created if missing); refuses a ledger of another key."""
        path.parent.mkdir(parents=True, exist_ok=True)
        existed = path.exists()
        fd = _open_locked(path)
        try:
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
                ledger._append(fd, [HEADER.rstrip("\n")] if whole == 0 else [])
                ledger._append(fd, [f"key\t{keys.check}"])
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
        for fd in self._segments.values():
            os.close(fd)
        self._segments.clear()
        if self._fd >= 0:
            os.close(self._fd)  # also releases the lock
            self._fd = -1

    def load(self, notices: Iterable[str], *, settled: bool = False) -> None:
        """Read the files of these notices (those not done, unless `settled`), dropping a
        torn last line."""
        for notice in notices:
            if (notice in self.state.done and not settled) or notice in self._segments:
                continue
            target = segment_path(self.path, notice)
            try:
                fd = _open_file(target, os.O_RDWR | os.O_APPEND)
            except FileNotFoundError:
                continue
            try:
                data = _read_all(fd)
                whole = parse_segment(str(target), data, self.state.segment(notice))
                if whole < len(data):
                    os.ftruncate(fd, whole)
                    os.fsync(fd)
            except BaseException:
                os.close(fd)
                raise
            self._segments[notice] = fd

    def _append(self, fd: int, lines: Iterable[str], *, sync: bool = True) -> None:
        data = "".join(f"{line}\n" for line in lines).encode()
        if not data:
            return
        view = memoryview(data)
        while view:
            written = os.write(fd, view)
            view = view[written:]
        if sync:
            os.fsync(fd)

    def _segment_fd(self, notice: str) -> int:
        fd = self._segments.get(notice)
        if fd is None:
            target = segment_path(self.path, notice)
            target.parent.mkdir(parents=True, exist_ok=True)
            fd = _open_file(target, os.O_RDWR | os.O_CREAT | os.O_APPEND)
            self._segments[notice] = fd
            _fsync_dir(target.parent)
        return fd

    def _record(self, notice: str, kind: str, recipient: str, moment: datetime, *rest: str) -> None:
        line = "\t".join([kind, _stamp(moment), recipient, *rest])
        with self._lock:
            fd = self._segment_fd(notice)
            self._append(fd, [line], sync=False)
            self.state.segment(notice).apply(kind, recipient, moment, list(rest))
        # Durable before this connection goes on, outside the lock so that the connections'
        # fsyncs overlap (the file system commits them together). Only an outcome must
        # survive a crash of the machine; an attempt only matters when the process dies,
        # and then the kernel still writes it.
        if kind != "attempt":
            os.fsync(fd)

    # -- records -------------------------------------------------------------------------

    def record_start(self, moment: datetime) -> None:
        if self.state.start is None:
            self._append(self._fd, [f"start\t{_stamp(moment)}"])
            self.state.start = moment

    def record_baseline(self, notices: Iterable[str], moment: datetime) -> int:
        new = sorted(set(notices) - self.state.baseline)
        self._append(self._fd, (f"baseline\t{_stamp(moment)}\t{key}" for key in new))
        self.state.baseline.update(new)
        return len(new)

    def record_open(self, notices: Iterable[str], moment: datetime) -> None:
        new = [key for key in dict.fromkeys(notices) if key not in self.state.opened]
        self._append(self._fd, (f"open\t{_stamp(moment)}\t{key}" for key in new))
        for key in new:
            self.state.opened[key] = moment

    def record_done(self, notices: Iterable[str], moment: datetime) -> None:
        """Settled for everyone: the notice's file is never read again."""
        new = [key for key in dict.fromkeys(notices) if key not in self.state.done]
        self._append(self._fd, (f"done\t{_stamp(moment)}\t{key}" for key in new))
        for key in new:
            self.state.done[key] = moment

    def record_suppressed(self, recipient: str, source: str, moment: datetime) -> None:
        """Never send to this recipient again (until `record_unsuppressed`)."""
        with self._lock:
            if recipient in self.state.suppressed:
                return
            self._append(self._fd, [f"suppress\t{_stamp(moment)}\t{recipient}\t{source}"])
            self.state.suppressed[recipient] = (moment, source)

    def record_unsuppressed(self, recipient: str, moment: datetime) -> None:
        with self._lock:
            if self.state.suppressed.pop(recipient, None) is not None:
                self._append(self._fd, [f"unsuppress\t{_stamp(moment)}\t{recipient}"])

    def record_attempt(self, notice: str, recipient: str, moment: datetime) -> None:
        """Just before the end of the message goes out: in doubt until an outcome follows."""
        self._record(notice, "attempt", recipient, moment)

    def record_sent(self, notice: str, recipient: str, moment: datetime) -> None:
        """After the server accepted the message: durable before the next one is sent."""
        self._record(notice, "sent", recipient, moment)

    def record_doubt(self, notice: str, recipient: str, moment: datetime) -> None:
        self._record(notice, "doubt", recipient, moment)

    def record_failure(
        self, notice: str, recipient: str, moment: datetime, code: int, *, permanent: bool
    ) -> None:
        kind = "permanent" if permanent else "temporary"
        self._record(notice, "failed", recipient, moment, str(code), kind)

    # -- compaction ----------------------------------------------------------------------

    def compact(self) -> int:
        """Rewrite the small file without old-style `sent` lines (moved to the notices'
        files) and shrink the files of notices that are done to their `sent` lines (who
        got it, and when: a correction goes to them), deleting those with none; returns
        the files shrunk or deleted.

        Every record that can still matter survives: the new file is complete and fsynced
        before it replaces the old one, and the lock is held throughout.
        """
        state = self.state
        legacy = parse(str(self.path), _read_all(self._fd))[0].segments
        for notice, segment in legacy.items():
            if notice in state.done:
                continue
            have = _segment_recipients(self.path, notice)
            moved = [
                f"sent\t{_stamp(s.at)}\t{recipient}"
                for recipient, s in sorted(segment.standing.items())
                if recipient not in have
            ]
            self._append(self._segment_fd(notice), moved)
        lines = [HEADER.rstrip("\n"), f"key\t{state.check or self.keys.check}"]
        if state.start is not None:
            lines.append(f"start\t{_stamp(state.start)}")
        stamp = _stamp(state.start or datetime.now(UTC))
        lines += [f"baseline\t{stamp}\t{key}" for key in sorted(state.baseline)]
        lines += [f"open\t{_stamp(at)}\t{key}" for key, at in sorted(state.opened.items())]
        lines += [f"done\t{_stamp(at)}\t{key}" for key, at in sorted(state.done.items())]
        lines += [
            f"suppress\t{_stamp(at)}\t{recipient}\t{source}"
            for recipient, (at, source) in sorted(state.suppressed.items())
        ]
        fd, temporary = tempfile.mkstemp(prefix=f".{self.path.name}.", dir=self.path.parent)
        try:
            os.fchmod(fd, 0o644)
            self._append(fd, lines)
        except BaseException:
            os.close(fd)
            Path(temporary).unlink(missing_ok=True)
            raise
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)  # nobody else has it yet
        os.replace(temporary, self.path)
        _fsync_dir(self.path.parent)
        os.close(self._fd)
        self._fd = fd
        removed = 0
        folder = segments_dir(self.path)
        for notice in sorted(state.done):
            opened = self._segments.pop(notice, None)
            if opened is not None:
                os.close(opened)
            target = segment_path(self.path, notice)
            try:
                data = target.read_bytes()
            except FileNotFoundError:
                continue
            segment = Segment()
            parse_segment(str(target), data, segment)
            kept = "".join(
                f"sent\t{_stamp(standing.at)}\t{recipient}\n"
                for recipient, standing in sorted(segment.standing.items())
                if standing.outcome is Outcome.SENT
            ).encode()
            if kept == data:
                continue
            removed += 1
            if not kept:
                target.unlink()
                continue
            fd, temporary = tempfile.mkstemp(prefix=f".{target.name}.", dir=folder)
            try:
                os.fchmod(fd, 0o644)
                self._append(fd, kept.decode().splitlines())
            except BaseException:
                Path(temporary).unlink(missing_ok=True)
                raise
            finally:
                os.close(fd)
            os.replace(temporary, target)
        if removed:
            _fsync_dir(folder)
        return removed


def _segment_recipients(path: Path, notice: str) -> set[str]:
    target = segment_path(path, notice)
    try:
        data = target.read_bytes()
    except FileNotFoundError:
        return set()
    return {fields[2] for _, _, fields in _lines(str(target), data) if fields[0] == "sent"}


def _open_file(path: Path, flags: int) -> int:
    """A ledger file opened without following a link (it is committed: a pull request could
    make it point anywhere, and the ledger appends to and truncates what it opens) and
    without blocking on a FIFO; anything but a regular file is refused."""
    try:
        fd = os.open(path, flags | os.O_NOFOLLOW | os.O_NONBLOCK, 0o644)
    except OSError as exc:
        if exc.errno != errno.ELOOP:
            raise
        raise LedgerError(f"{path}: {refusal(path, os.lstat(path).st_mode)}") from None
    mode = os.fstat(fd).st_mode
    if not stat.S_ISREG(mode):
        os.close(fd)
        raise LedgerError(f"{path}: {refusal(path, mode)}")
    os.set_blocking(fd, True)
    return fd


def _open_locked(path: Path) -> int:
    """The ledger file, locked; the file now at `path` even if a compaction replaced it."""
    while True:
        fd = _open_file(path, os.O_RDWR | os.O_CREAT | os.O_APPEND)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            os.close(fd)
            raise LedgerError(
                f"another `statuspage notify` is running (it holds the lock on {path}); "
                "wait for it to finish"
            ) from None
        try:
            same = os.fstat(fd).st_ino == os.stat(path).st_ino
        except FileNotFoundError:
            same = False
        if same:
            return fd
        os.close(fd)  # replaced between our open and our lock: take the new one


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

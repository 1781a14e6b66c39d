"""The subscription database (design §8): subscribers, the delivery ledger, the suppression list.

SQLite for one host (`sqlite:///path`), PostgreSQL when the service and `notify` run on
different machines or several service instances share one store (`postgresql://…`). The URL
comes from $STATUSPAGE_DATABASE_URL or `subscriptions.database` (see `database_url`); without
one, `notify` keeps the file store and ledger of §6. SQLAlchemy Core, no ORM; the schema is
versioned with Alembic (`statuspage/notify/migrations/versions/`, shipped in the wheel).

The API, for the service (`statuspage.subscriptions`), `notify` and the commands:

    store = Store.open(url)                 # StoreError: down, too old (says the command), too new
    store = Store.open(url, migrate=True)   # brings an older schema up to date first
    store.ping()                            # StoreError if the database does not answer

    # subscribers (`Subscription`: uid, kind, email, webhook_url, components, language,
    # created, confirmed, consent); every address is normalised by the caller
    request = store.request(kind="email", email=..., components=(), language="fr",
                            consent="en:1", now=now, webhook_url=None)
    request.subscription, request.mail      # mail: whether a message may go out now (one per
                                            # address per RESEND, whatever the form says)
    store.get(uid) / store.find(email)      # Subscription | None
    store.confirm(uid, now)                 # Subscription | None (already confirmed: unchanged)
    store.change(uid, components=..., language=...)
    store.delete(uid) / store.forget(email) # True if something was deleted
    store.confirmed(kind="email")           # tuple[Subscription, ...], by address
    store.add_confirmed(subscribers, consent=..., now=...)   # import: count of new ones

    # the ledger, as the file ledger of §6 (recipients are `Keys.recipient` hashes)
    store.check_key(keys)                   # LedgerError if the ledger has another key
    store.state(notices=None)               # LedgerState; `sent` only for `notices` if given
    store.record_start(now); store.record_baseline(keys, now); store.record_open(keys, now)
    store.done(); store.record_done(keys, now)  # settled notices: not read or planned again
    with store.delivery(notice, recipient, now, resend_in_doubt=False) as claim:
        if claim.claimed:                   # `claimed`: nobody else sends it now
            ... envelope ...
            if claim.attempt(now):          # `attempt`, just before the end goes out;
                ... end ...                 # False: another run took it over, do not end
            claim.sent(now) / claim.refused(now) / claim.abandon()  # refused for now: owed
            claim.unattempt()               # the end refused at once (421): claimed again
    # leaving the block gives up a claim still `claimed`; one left `attempt` is in doubt

    # suppression (keyed hashes only)
    store.suppress(recipient, reason, now); store.suppressed() -> dict[recipient, reason]
    store.unsuppress(recipient)

Exactly once, also with two `notify` runs at once and with runs killed at any moment: each
step of a delivery is its own short transaction (none is open while a message is on the
wire). The (notice, recipient) row is inserted `claimed` with the run's id if absent (the
primary key lets one run win), marked `attempt` just before the end of the message goes
out, then `sent` or `refused`; a temporary refusal deletes it (owed again). A row left
`claimed` by a run that died is taken over by the next run that finds the run gone: each
run holds a lock while it lives (`Store.run`: a PostgreSQL session advisory lock, or a lock
file beside a SQLite database), and the takeover is a conditional update, so one run gets
it. A run marks `attempt` only while the claim is still its own, so no two runs both end a
message. A row left `attempt` is in doubt, as the file ledger's: reported, not sent again
unless `resend_in_doubt` (and then only once its run is gone).

New schema revisions go in `migrations/versions/` with `down_revision` set to the newest one.
"""

from __future__ import annotations

import contextlib
import fcntl
import logging
import os
import secrets
import threading
import time
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from alembic import command
from alembic.config import Config as AlembicConfig
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.exc import IntegrityError, OperationalError, SQLAlchemyError

from statuspage.inputs.diagnostics import StatuspageError
from statuspage.notify.ledger import Keys, LedgerError, LedgerState, Outcome, Standing
from statuspage.notify.private import private_folder
from statuspage.notify.subscribers import Subscriber

log = logging.getLogger(__name__)

DATABASE_ENV = "STATUSPAGE_DATABASE_URL"
MIGRATIONS = Path(__file__).parent / "migrations"
RESEND = timedelta(minutes=10)  # at most one message per address in this time
PENDING_DAYS = 7  # an unconfirmed request is forgotten after this
KINDS = ("email", "webhook")


class StoreError(StatuspageError):
    """The database cannot be used: unreachable, or its schema does not match."""


# -- the schema as this code reads it (the migrations create it) --------------------------

metadata = sa.MetaData()
TIME = sa.DateTime(timezone=True)

subscribers = sa.Table(
    "subscribers",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("uid", sa.String(32), nullable=False, unique=True),
    sa.Column("kind", sa.String(16), nullable=False),
    sa.Column("target", sa.String(2048), nullable=False),
    sa.Column("email", sa.String(254), nullable=False),
    sa.Column("webhook_url", sa.Text, nullable=True),
    sa.Column("components", sa.Text, nullable=False, server_default=""),
    sa.Column("language", sa.String(16), nullable=True),
    sa.Column("created", TIME, nullable=False),
    sa.Column("confirmed", TIME, nullable=True),
    sa.Column("consent", sa.Text, nullable=False),
    sa.Column("mailed", TIME, nullable=True),
)
ledger_meta = sa.Table(
    "ledger_meta",
    metadata,
    sa.Column("name", sa.String(32), primary_key=True),
    sa.Column("value", sa.Text, nullable=False),
)


def _notices_at(name: str) -> sa.Table:
    """A table of notice keys, each with when it got there."""
    return sa.Table(
        name,
        metadata,
        sa.Column("notice", sa.String(255), primary_key=True),
        sa.Column("at", TIME, nullable=False),
    )


ledger_baseline = _notices_at("ledger_baseline")
ledger_opened = _notices_at("ledger_opened")
ledger_done = _notices_at("ledger_done")
deliveries = sa.Table(
    "deliveries",
    metadata,
    sa.Column("notice", sa.String(255), primary_key=True),
    sa.Column("recipient", sa.String(64), primary_key=True),
    sa.Column("at", TIME, nullable=False),
    # claimed, attempt (in doubt), sent or refused: see `Store.delivery`
    sa.Column("state", sa.String(16), nullable=False, server_default="sent"),
    sa.Column("run", sa.String(64), nullable=True),  # the run that claimed it (`Store.run`)
)
CLAIMED, ATTEMPT, SENT, REFUSED = "claimed", "attempt", "sent", "refused"
RUN_LOCKS = 0x5350  # PostgreSQL: the advisory-lock class of `notify` runs (two-key form)
suppressions = sa.Table(
    "suppressions",
    metadata,
    sa.Column("recipient", sa.String(64), primary_key=True),
    sa.Column("reason", sa.Text, nullable=False),
    sa.Column("at", TIME, nullable=False),
)


# -- values --------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True, kw_only=True)
class Subscription:
    uid: str  # random; what tokens name (never the row id)
    kind: str  # email or webhook
    email: str  # the address (for a webhook: the contact told about failures)
    webhook_url: str | None
    components: tuple[str, ...]  # empty: all
    language: str | None
    created: datetime
    confirmed: datetime | None
    consent: str  # the version of the text they agreed to

    @property
    def subscriber(self) -> Subscriber:
        """As `notify` plans with it: notices first seen after confirmation are theirs."""
        return Subscriber(
            email=self.email,
            components=self.components,
            language=self.language,
            added=self.confirmed,
            webhook=self.webhook_url,
        )

    def export(self) -> dict[str, object]:
        """Everything stored about them, for an access request."""
        return {
            "kind": self.kind,
            "email": self.email,
            "webhook_url": self.webhook_url,
            "components": list(self.components),
            "language": self.language,
            "created": _iso(self.created),
            "confirmed": _iso(self.confirmed) if self.confirmed else None,
            "consent": self.consent,
        }


@dataclass(frozen=True, slots=True)
class Request:
    subscription: Subscription
    mail: bool  # a confirmation (or, if confirmed, a manage link) may be sent now


class Claim:
    """One (notice, recipient) this run holds while it sends it; see `Store.delivery`.

    Each step is one short transaction; none is open while the message is on the wire."""

    def __init__(self, store: Store, notice: str, recipient: str, run: str, claimed: bool) -> None:
        self.store = store
        self.notice = notice
        self.recipient = recipient
        self.run = run
        self.claimed = claimed
        self.state: str | None = CLAIMED if claimed else None  # as this run last wrote it

    def _mine(self) -> Any:
        return (
            (deliveries.c.notice == self.notice)
            & (deliveries.c.recipient == self.recipient)
            & (deliveries.c.run == self.run)
        )

    def _update(self, where: Any, **values: object) -> bool:
        with self.store._begin() as connection:
            result = connection.execute(deliveries.update().where(where).values(**values))
        return bool(result.rowcount)

    def attempt(self, now: datetime) -> bool:
        """Just before the end of the message goes out: in doubt from now on. False if the
        claim is no longer ours (another run took it over): the end must not go out."""
        if not self._update(
            self._mine() & (deliveries.c.state == CLAIMED), state=ATTEMPT, at=now.astimezone(UTC)
        ):
            self.state = None
            return False
        self.state = ATTEMPT
        return True

    def unattempt(self) -> None:
        """The end was refused at once (421): nothing was delivered, the claim holds."""
        self._update(self._mine() & (deliveries.c.state == ATTEMPT), state=CLAIMED)
        self.state = CLAIMED

    def sent(self, now: datetime) -> None:
        self._update(self._mine(), state=SENT, at=now.astimezone(UTC))
        self.state = SENT

    def refused(self, now: datetime) -> None:
        """Refused for good: settled (the recipient is suppressed), never sent again."""
        self._update(self._mine(), state=REFUSED, at=now.astimezone(UTC))
        self.state = REFUSED

    def abandon(self) -> None:
        """Not delivered after all (refused for now): owed again."""
        with self.store._begin() as connection:
            connection.execute(
                deliveries.delete().where(self._mine() & deliveries.c.state.in_((CLAIMED, ATTEMPT)))
            )
        self.state = None

    def release(self) -> None:
        """Leaving the block: a claim whose end never went out is owed again."""
        if self.state != CLAIMED:
            return  # settled, in doubt, given up, or not ours any more
        with self.store._begin() as connection:
            connection.execute(
                deliveries.delete().where(self._mine() & (deliveries.c.state == CLAIMED))
            )
        self.state = None


def _iso(moment: datetime) -> str:
    return moment.astimezone(UTC).replace(microsecond=0).isoformat().replace("+00:00", "Z")


def _utc(moment: datetime | None) -> datetime | None:
    if moment is None:
        return None
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


def _subscription(row: Any) -> Subscription:
    created = _utc(row.created)
    assert created is not None
    return Subscription(
        uid=row.uid,
        kind=row.kind,
        email=row.email,
        webhook_url=row.webhook_url,
        components=tuple(row.components.split()),
        language=row.language,
        created=created,
        confirmed=_utc(row.confirmed),
        consent=row.consent,
    )


def shown_url(url: str) -> str:
    """The URL for messages: never its password."""
    try:
        return sa.engine.make_url(url).render_as_string(hide_password=True)
    except (SQLAlchemyError, ValueError):
        return "(an unreadable database URL)"


def database_url(configured: str | None, root: Path | None = None) -> str | None:
    """$STATUSPAGE_DATABASE_URL, else the config's `subscriptions.database`, else None.

    A relative SQLite path in the config is relative to the site's folder.
    """
    url = os.environ.get(DATABASE_ENV, "").strip() or (configured or "").strip()
    if not url:
        return None
    if root is not None and url.startswith("sqlite:///") and not url.startswith("sqlite:////"):
        path = url[len("sqlite:///") :]
        if path and not path.startswith(":memory:") and not Path(path).is_absolute():
            url = f"sqlite:///{(root / path).as_posix()}"
    return url


def _engine(url: str) -> Engine:
    try:
        parsed = sa.engine.make_url(url)
    except (SQLAlchemyError, ValueError):
        raise StoreError(
            "the database URL is not one like sqlite:///path/to/file.db or "
            "postgresql://user@host/dbname"
        ) from None
    backend = parsed.get_backend_name()
    if backend == "sqlite":
        database = parsed.database or ""
        if database and database != ":memory:":
            # Addresses: the folder keeps itself out of git (and the site's own is refused).
            private_folder(Path(database).parent)
        engine = sa.create_engine(parsed, connect_args={"timeout": 60})

        @sa.event.listens_for(engine, "connect")
        def _pragmas(connection: Any, record: Any) -> None:
            cursor = connection.cursor()
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute("PRAGMA busy_timeout=60000")
            cursor.close()

        return engine
    if backend == "postgresql":
        if parsed.drivername == "postgresql":
            parsed = parsed.set(drivername="postgresql+psycopg")
        return sa.create_engine(parsed, pool_pre_ping=True, connect_args={"connect_timeout": 10})
    raise StoreError(
        f"unsupported database {backend!r}: use sqlite:///path or postgresql://user@host/db"
    )


def _alembic_config(connection: Connection) -> Any:
    config = AlembicConfig()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.attributes["connection"] = connection
    return config


def head_revision() -> str:
    script = ScriptDirectory(str(MIGRATIONS))
    head = script.get_current_head()
    assert head is not None
    return head


def current_revision(connection: Connection) -> str | None:
    return MigrationContext.configure(connection).get_current_revision()


def _down(url: str, exc: BaseException) -> StoreError:
    reason = str(getattr(exc, "orig", None) or exc).strip().splitlines()
    return StoreError(
        f"the database {shown_url(url)} does not answer: {reason[0] if reason else exc}"
    )


class Store:
    """An open subscription database; every method is one short transaction."""

    def __init__(self, engine: Engine, url: str) -> None:
        self.engine = engine
        self.url = url
        self.shown = shown_url(url)
        self._run: str | None = None  # see `run`
        self._holder: Connection | None = None
        self._lock: tuple[int, str] | None = None
        self._run_lock = threading.Lock()

    @classmethod
    def open(cls, url: str, *, migrate: bool = False) -> Store:
        """Connect and check the schema.

        An empty database gets the current schema. An older one is brought up to date with
        `migrate`, otherwise refused with the command that does it; a newer one (written by
        a newer statuspage) is refused.
        """
        engine = _engine(url)
        store = cls(engine, url)
        head = head_revision()
        for attempt in range(10):
            try:
                current = store._prepare(head, migrate=migrate)
                break
            except SQLAlchemyError as exc:
                # Several workers starting on an empty database race to create the schema:
                # the losers find it made and look again.
                text = str(getattr(exc, "orig", None) or exc).lower()
                if attempt < 9 and ("already exists" in text or "duplicate" in text):
                    time.sleep(0.1 * (attempt + 1))
                    continue
                engine.dispose()
                if isinstance(exc, OperationalError):
                    raise _down(url, exc) from None
                raise StoreError(f"the database {store.shown} failed: {exc}") from None
        if current != head:
            engine.dispose()
            known = {rev.revision for rev in ScriptDirectory(str(MIGRATIONS)).walk_revisions()}
            if current is None or current in known:
                raise StoreError(
                    f"the database {store.shown} has an older schema "
                    f"({current or 'not made by statuspage'}, this version needs {head}); "
                    "run `statuspage subscriptions migrate` (back it up first)"
                )
            raise StoreError(
                f"the database {store.shown} has schema {current}, newer than this statuspage "
                f"knows ({head}); upgrade statuspage"
            )
        return store

    @contextlib.contextmanager
    def _schema_lock(self) -> Iterator[None]:
        """SQLite runs DDL outside transactions: a lock file beside the database keeps two
        processes from creating its schema at once (PostgreSQL takes an advisory lock)."""
        database = self.engine.url.database if self.engine.dialect.name == "sqlite" else None
        if not database or database == ":memory:":
            yield
            return
        fd = os.open(f"{database}.lock", os.O_RDWR | os.O_CREAT, 0o600)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX)
            yield
        finally:
            os.close(fd)

    def _prepare(self, head: str, *, migrate: bool) -> str | None:
        """The schema's revision, after creating it in an empty database (or migrating)."""
        with self._schema_lock(), self.engine.begin() as connection:
            if self.engine.dialect.name == "postgresql":
                # One instance at a time creates or migrates the schema.
                connection.execute(sa.text("SELECT pg_advisory_xact_lock(7355608)"))
            current = current_revision(connection)
            empty = current is None and not sa.inspect(connection).get_table_names()
            if current != head and (migrate or empty):
                command.upgrade(_alembic_config(connection), "head")
                log.info("database %s: schema %s -> %s", self.shown, current, head)
                current = head
        return current

    def close(self) -> None:
        if self._holder is not None:
            with contextlib.suppress(SQLAlchemyError):
                self._holder.close()
            self._holder = None
        if self._lock is not None:
            fd, path = self._lock
            with contextlib.suppress(OSError):
                os.unlink(path)
            os.close(fd)
            self._lock = None
        self._run = None
        self.engine.dispose()

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @contextlib.contextmanager
    def _begin(self) -> Iterator[Connection]:
        try:
            with self.engine.begin() as connection:
                yield connection
        except OperationalError as exc:
            raise _down(self.url, exc) from None

    def ping(self) -> None:
        with self._begin() as connection:
            connection.execute(sa.select(sa.func.count()).select_from(ledger_meta))

    # -- subscribers -----------------------------------------------------------------------

    def request(
        self,
        *,
        kind: str,
        email: str,
        components: Sequence[str],
        language: str | None,
        consent: str,
        now: datetime,
        webhook_url: str | None = None,
    ) -> Request:
        """Someone asked to subscribe: a pending subscription, or the existing one.

        A pending one takes the newest request's components and language (it was never
        confirmed, so nothing of it was agreed to yet). `mail` is False when a message went
        to this address less than RESEND ago.
        """
        if kind not in KINDS:
            raise ValueError(kind)
        target = webhook_url if kind == "webhook" else email
        assert target
        now = now.astimezone(UTC)
        for _ in range(3):
            try:
                with self._begin() as connection:
                    connection.execute(
                        subscribers.delete().where(
                            subscribers.c.confirmed.is_(None),
                            subscribers.c.created < now - timedelta(days=PENDING_DAYS),
                        )
                    )
                    row = connection.execute(
                        subscribers.select()
                        .where(subscribers.c.kind == kind, subscribers.c.target == target)
                        .with_for_update()
                    ).first()
                    if row is None:
                        uid = secrets.token_urlsafe(16)
                        connection.execute(
                            subscribers.insert().values(
                                uid=uid,
                                kind=kind,
                                target=target,
                                email=email,
                                webhook_url=webhook_url,
                                components=" ".join(sorted(set(components))),
                                language=language,
                                created=now,
                                confirmed=None,
                                consent=consent,
                                mailed=now,
                            )
                        )
                        created = self._row(connection, uid)
                        return Request(created, True)
                    mailed = _utc(row.mailed)
                    mail = mailed is None or now - mailed >= RESEND or now < mailed
                    values: dict[str, object] = {}
                    if mail:
                        values["mailed"] = now
                    if row.confirmed is None:
                        values.update(
                            components=" ".join(sorted(set(components))),
                            language=language,
                            email=email,
                            consent=consent,
                        )
                    if values:
                        connection.execute(
                            subscribers.update().where(subscribers.c.id == row.id).values(**values)
                        )
                    return Request(self._row(connection, row.uid), mail)
            except IntegrityError:
                continue  # another request for the same address won the insert: read it
        raise StoreError("the database keeps refusing the subscription")

    def _row(self, connection: Connection, uid: str) -> Subscription:
        row = connection.execute(subscribers.select().where(subscribers.c.uid == uid)).one()
        return _subscription(row)

    def get(self, uid: str) -> Subscription | None:
        with self._begin() as connection:
            row = connection.execute(subscribers.select().where(subscribers.c.uid == uid)).first()
        return _subscription(row) if row is not None else None

    def find(self, email: str, kind: str | None = None) -> tuple[Subscription, ...]:
        """Every subscription of an address (its e-mail one, its webhooks' contact)."""
        query = subscribers.select().where(subscribers.c.email == email)
        if kind is not None:
            query = query.where(subscribers.c.kind == kind)
        with self._begin() as connection:
            rows = connection.execute(query.order_by(subscribers.c.id)).all()
        return tuple(_subscription(row) for row in rows)

    def confirm(self, uid: str, now: datetime) -> Subscription | None:
        with self._begin() as connection:
            connection.execute(
                subscribers.update()
                .where(subscribers.c.uid == uid, subscribers.c.confirmed.is_(None))
                .values(confirmed=now.astimezone(UTC))
            )
            row = connection.execute(subscribers.select().where(subscribers.c.uid == uid)).first()
        return _subscription(row) if row is not None else None

    def change(
        self, uid: str, *, components: Sequence[str], language: str | None
    ) -> Subscription | None:
        with self._begin() as connection:
            connection.execute(
                subscribers.update()
                .where(subscribers.c.uid == uid)
                .values(components=" ".join(sorted(set(components))), language=language)
            )
            row = connection.execute(subscribers.select().where(subscribers.c.uid == uid)).first()
        return _subscription(row) if row is not None else None

    def delete(self, uid: str) -> bool:
        with self._begin() as connection:
            result = connection.execute(subscribers.delete().where(subscribers.c.uid == uid))
        return bool(result.rowcount)

    def forget(self, email: str) -> int:
        """Delete every subscription of an address; how many there were."""
        with self._begin() as connection:
            result = connection.execute(subscribers.delete().where(subscribers.c.email == email))
        return int(result.rowcount or 0)

    def confirmed(self, kind: str = "email") -> tuple[Subscription, ...]:
        with self._begin() as connection:
            rows = connection.execute(
                subscribers.select()
                .where(subscribers.c.kind == kind, subscribers.c.confirmed.is_not(None))
                .order_by(subscribers.c.target)
            ).all()
        return tuple(_subscription(row) for row in rows)

    def count(self) -> tuple[int, int]:
        """(confirmed, pending) subscriptions."""
        with self._begin() as connection:
            confirmed = connection.execute(
                sa.select(sa.func.count())
                .select_from(subscribers)
                .where(subscribers.c.confirmed.is_not(None))
            ).scalar_one()
            total = connection.execute(
                sa.select(sa.func.count()).select_from(subscribers)
            ).scalar_one()
        return int(confirmed), int(total) - int(confirmed)

    def add_confirmed(self, people: Iterable[Subscriber], *, consent: str, now: datetime) -> int:
        """Import subscribers already confirmed elsewhere (the file store), e-mail and
        webhook ones; one already here keeps its entry. Returns how many were new."""
        with self._begin() as connection:
            known = {
                (kind, target)
                for kind, target in connection.execute(
                    sa.select(subscribers.c.kind, subscribers.c.target)
                ).all()
            }
            rows = []
            for person in people:
                kind = "webhook" if person.webhook else "email"
                if (kind, person.target) in known:
                    continue
                known.add((kind, person.target))
                moment = (person.added or now).astimezone(UTC)
                rows.append(
                    {
                        "uid": secrets.token_urlsafe(16),
                        "kind": kind,
                        "target": person.target,
                        "email": person.email,
                        "webhook_url": person.webhook,
                        "components": " ".join(person.components),
                        "language": person.language,
                        "created": moment,
                        "confirmed": moment,
                        "consent": consent,
                        "mailed": None,
                    }
                )
            if rows:
                connection.execute(subscribers.insert(), rows)
        return len(rows)

    # -- the ledger ------------------------------------------------------------------------

    def _insert_ignore(self, table: sa.Table) -> Any:
        if self.engine.dialect.name == "postgresql":
            return pg_insert(table).on_conflict_do_nothing()
        return sqlite_insert(table).on_conflict_do_nothing()

    def check_key(self, keys: Keys) -> None:
        """Name the key in a new ledger; refuse a ledger written with another key."""
        with self._begin() as connection:
            connection.execute(
                self._insert_ignore(ledger_meta).values(name="key", value=keys.check)
            )
            check = connection.execute(
                sa.select(ledger_meta.c.value).where(ledger_meta.c.name == "key")
            ).scalar_one()
        if check != keys.check:
            raise LedgerError(
                f"the ledger in {self.shown} was written with another key; set "
                "$STATUSPAGE_LEDGER_KEY to the secret the earlier runs used "
                "(a new key would send every notice again)"
            )

    def state(self, notices: Iterable[str] | None = None) -> LedgerState:
        """The ledger as `notify` plans with it; `sent` only for `notices` if given."""
        state = LedgerState()
        with self._begin() as connection:
            for name, value in connection.execute(sa.select(ledger_meta)).all():
                if name == "key":
                    state.check = value
                elif name == "start":
                    state.start = datetime.fromisoformat(value.replace("Z", "+00:00"))
            state.baseline = set(connection.execute(sa.select(ledger_baseline.c.notice)).scalars())
            for notice, at in connection.execute(sa.select(ledger_opened)).all():
                moment = _utc(at)
                assert moment is not None
                state.opened[notice] = moment
            query = sa.select(
                deliveries.c.notice, deliveries.c.recipient, deliveries.c.at, deliveries.c.state
            ).where(deliveries.c.state != CLAIMED)
            rows: list[Any] = []
            if notices is not None:
                wanted = list(dict.fromkeys(notices))
                for start in range(0, len(wanted), 500):
                    chunk = query.where(deliveries.c.notice.in_(wanted[start : start + 500]))
                    rows += connection.execute(chunk).all()
            else:
                rows = list(connection.execute(query).all())
            for notice, recipient, at, kind in rows:
                moment = _utc(at)
                if kind == ATTEMPT:  # its end went out unanswered: in doubt
                    assert moment is not None
                    state.segment(notice).standing[recipient] = Standing(Outcome.DOUBT, moment)
                    continue
                state.sent.add((notice, recipient))
                if moment is not None and kind == SENT:
                    # corrections go to those who got the original before
                    state.sent_at[(notice, recipient)] = moment
        return state

    def record_start(self, moment: datetime) -> None:
        with self._begin() as connection:
            connection.execute(
                self._insert_ignore(ledger_meta).values(name="start", value=_iso(moment))
            )

    def record_baseline(self, notices: Iterable[str], moment: datetime) -> int:
        """Notices present at the cut-off, never sent; how many were new."""
        wanted = list(dict.fromkeys(notices))
        if not wanted:
            return 0
        with self._begin() as connection:
            known = set(connection.execute(sa.select(ledger_baseline.c.notice)).scalars())
            rows = [{"notice": key, "at": moment.astimezone(UTC)} for key in wanted]
            connection.execute(self._insert_ignore(ledger_baseline), rows)
        return len([key for key in wanted if key not in known])

    def done(self) -> dict[str, datetime]:
        """Notices settled for everyone: `notify` reads and plans them no more."""
        with self._begin() as connection:
            rows = connection.execute(sa.select(ledger_done)).all()
        return {notice: _utc(at) or datetime.min.replace(tzinfo=UTC) for notice, at in rows}

    def record_done(self, notices: Iterable[str], moment: datetime) -> None:
        rows = [{"notice": key, "at": moment.astimezone(UTC)} for key in dict.fromkeys(notices)]
        if rows:
            with self._begin() as connection:
                connection.execute(self._insert_ignore(ledger_done), rows)

    def record_open(self, notices: Iterable[str], moment: datetime) -> None:
        rows = [{"notice": key, "at": moment.astimezone(UTC)} for key in dict.fromkeys(notices)]
        if rows:
            with self._begin() as connection:
                connection.execute(self._insert_ignore(ledger_opened), rows)

    @contextlib.contextmanager
    def delivery(
        self, notice: str, recipient: str, now: datetime, *, resend_in_doubt: bool = False
    ) -> Iterator[Claim]:
        """Claim (notice, recipient) for this run while it is sent; see the module's docstring.

        `claim.claimed` is False when it is settled, in doubt (unless `resend_in_doubt`) or
        held by a run still alive. Leaving the block (even by an exception) gives up a claim
        whose end never went out (`Claim.attempt`)."""
        run = self.run()
        claim = Claim(
            self, notice, recipient, run, self._claim(notice, recipient, now, run, resend_in_doubt)
        )
        try:
            yield claim
        finally:
            if claim.claimed:
                claim.release()

    def _claim(
        self, notice: str, recipient: str, now: datetime, run: str, resend_in_doubt: bool
    ) -> bool:
        key = (deliveries.c.notice == notice) & (deliveries.c.recipient == recipient)
        moment = now.astimezone(UTC)
        for _ in range(5):
            with self._begin() as connection:
                inserted = connection.execute(
                    self._insert_ignore(deliveries)
                    .values(notice=notice, recipient=recipient, at=moment, state=CLAIMED, run=run)
                    .returning(deliveries.c.notice)
                ).first()
                if inserted is not None:
                    return True
                row = connection.execute(
                    sa.select(deliveries.c.state, deliveries.c.run).where(key)
                ).first()
            if row is None:
                continue  # given up meanwhile: claim it again
            state, holder = row
            takeover = state == CLAIMED or (state == ATTEMPT and resend_in_doubt)
            if not takeover or holder == run or self._alive(holder):
                return False
            # Its run is gone: take it over, unless another run just did.
            with self._begin() as connection:
                result = connection.execute(
                    deliveries.update()
                    .where(key & (deliveries.c.state == state) & (deliveries.c.run == holder))
                    .values(state=CLAIMED, run=run, at=moment)
                )
            return bool(result.rowcount)
        return False

    # -- the runs that send: each holds a lock while it lives --------------------------------

    def run(self) -> str:
        """This store's run id, its claims' mark; made (and its lock taken) on first use and
        held until `close`: PostgreSQL, a session advisory lock on a connection of its own;
        SQLite, a lock file beside the database."""
        with self._run_lock:  # a run's sending threads share one id
            if self._run is None:
                self._run = self._start_run()
            return self._run

    def _start_run(self) -> str:
        number = secrets.randbits(31)
        if self.engine.dialect.name == "postgresql":
            try:
                holder = self.engine.connect()
                holder.execute(
                    sa.text("SELECT pg_advisory_lock(:kind, :number)"),
                    {"kind": RUN_LOCKS, "number": number},
                )
                holder.commit()
            except OperationalError as exc:
                raise _down(self.url, exc) from None
            self._holder = holder
        else:
            path = self._run_file(str(number))
            if path is not None:
                fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
                fcntl.flock(fd, fcntl.LOCK_EX)
                self._lock = (fd, path)
        return str(number)

    def _run_file(self, run: str) -> str | None:
        database = self.engine.url.database
        if not database or database == ":memory:":
            return None
        return f"{database}.run-{run}.lock"

    def _alive(self, run: str | None) -> bool:
        """Whether the run that made a claim still holds its lock."""
        if run is None or not run.isdigit():
            return False
        if self.engine.dialect.name == "postgresql":
            with self._begin() as connection:
                free = connection.execute(
                    sa.text("SELECT pg_try_advisory_xact_lock(:kind, :number)"),
                    {"kind": RUN_LOCKS, "number": int(run)},
                ).scalar_one()
            return not free
        path = self._run_file(run)
        if path is None:
            return False
        try:
            fd = os.open(path, os.O_RDWR)
        except FileNotFoundError:
            return False  # it ended (and removed its file)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            return True
        finally:
            os.close(fd)
        with contextlib.suppress(OSError):
            os.unlink(path)  # left by a killed run
        return False

    def record_sent(self, notice: str, recipient: str, moment: datetime) -> bool:
        """Record one delivery outright (imports); False if it was already there."""
        with self._begin() as connection:
            inserted = connection.execute(
                self._insert_ignore(deliveries)
                .values(notice=notice, recipient=recipient, at=moment.astimezone(UTC))
                .returning(deliveries.c.notice)
            ).first()
        return inserted is not None

    def import_ledger(self, state: LedgerState, moment: datetime) -> None:
        """Take over a file ledger's records (same key): nothing it sent is sent again."""
        if state.check is not None:
            with self._begin() as connection:
                connection.execute(
                    self._insert_ignore(ledger_meta).values(name="key", value=state.check)
                )
        if state.start is not None:
            self.record_start(state.start)
        self.record_baseline(state.baseline, moment)
        with self._begin() as connection:
            opened = [{"notice": k, "at": at} for k, at in state.opened.items()]
            if opened:
                connection.execute(self._insert_ignore(ledger_opened), opened)
            sent = [{"notice": n, "recipient": r, "at": moment} for n, r in sorted(state.sent)]
            for start in range(0, len(sent), 1000):
                connection.execute(self._insert_ignore(deliveries), sent[start : start + 1000])

    # -- suppression -----------------------------------------------------------------------

    def suppress(self, recipient: str, reason: str, now: datetime) -> None:
        with self._begin() as connection:
            connection.execute(
                self._insert_ignore(suppressions).values(
                    recipient=recipient, reason=reason, at=now.astimezone(UTC)
                )
            )

    def unsuppress(self, recipient: str) -> bool:
        with self._begin() as connection:
            result = connection.execute(
                suppressions.delete().where(suppressions.c.recipient == recipient)
            )
        return bool(result.rowcount)

    def suppressed(self) -> dict[str, str]:
        with self._begin() as connection:
            rows = connection.execute(sa.select(suppressions.c.recipient, suppressions.c.reason))
            return {recipient: reason for recipient, reason in rows.all()}


def migrate(url: str) -> tuple[str | None, str]:
    """Bring the schema up to date; (revision before, revision now)."""
    engine = _engine(url)
    try:
        with engine.connect() as connection:
            before = current_revision(connection)
        after = Store(engine, url)._prepare(head_revision(), migrate=True)
        assert after is not None
        return before, after
    except OperationalError as exc:
        raise _down(url, exc) from None
    finally:
        engine.dispose()


def upgrade_to(url: str, revision: str) -> None:
    """For tests and downgrades by hand: the schema at `revision`."""
    engine = _engine(url)
    try:
        with engine.begin() as connection:
            command.upgrade(_alembic_config(connection), revision)
    finally:
        engine.dispose()

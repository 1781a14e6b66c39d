"""The subscription database (statuspage.notify.store), the same tests on SQLite and on a
real PostgreSQL server (tests/databases.py)."""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import threading
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import sqlalchemy as sa

from statuspage.inputs.diagnostics import StatuspageError
from statuspage.notify.ledger import Keys, LedgerError, Outcome
from statuspage.notify.store import (
    RESEND,
    Store,
    StoreError,
    current_revision,
    deliveries,
    head_revision,
    migrate,
    upgrade_to,
)
from statuspage.notify.subscribers import Subscriber
from tests.mailserver import free_port
from tests.sites import REPO_ROOT

NOW = datetime(2026, 11, 30, 10, 0, tzinfo=UTC)
KEYS = Keys.from_secret(b"0123456789abcdef0123456789abcdef")


def subscribe(store: Store, email: str, now: datetime = NOW, **options: object) -> object:
    return store.request(
        kind="email",
        email=email,
        components=options.get("components", ()),  # type: ignore[arg-type]
        language=options.get("language"),  # type: ignore[arg-type]
        consent="en:1",
        now=now,
    )


def test_an_empty_database_gets_the_schema(database: str) -> None:
    with Store.open(database) as store:
        store.ping()
        assert store.count() == (0, 0)
    with Store.open(database) as store, store.engine.connect() as connection:
        assert current_revision(connection) == head_revision()


def test_an_older_schema_is_refused_with_the_command_then_migrated(database: str) -> None:
    upgrade_to(database, "0001")
    with pytest.raises(StoreError, match=r"older schema \(0001, this version needs") as caught:
        Store.open(database)
    assert "run `statuspage subscriptions migrate`" in str(caught.value)
    assert migrate(database) == ("0001", head_revision())
    with Store.open(database) as store:
        store.suppress("abc", "550 user unknown", NOW)
        assert store.suppressed() == {"abc": "550 user unknown"}


def test_an_older_schema_is_migrated_when_asked(database: str) -> None:
    upgrade_to(database, "0001")
    with Store.open(database, migrate=True) as store:
        assert store.suppressed() == {}


def test_a_newer_schema_is_refused(database: str) -> None:
    Store.open(database).close()
    engine = sa.create_engine(database.replace("postgresql://", "postgresql+psycopg://"))
    with engine.begin() as connection:
        connection.execute(sa.text("UPDATE alembic_version SET version_num = '9999'"))
    engine.dispose()
    with pytest.raises(StoreError, match="schema 9999, newer than this statuspage knows"):
        Store.open(database)


def test_a_database_that_is_down() -> None:
    url = f"postgresql://nobody@127.0.0.1:{free_port()}/statuspage"
    with pytest.raises(StoreError, match=r"^the database postgresql://nobody@127.0.0.1:\d+/"):
        Store.open(url)
    with pytest.raises(StoreError, match="unsupported database 'mysql'"):
        Store.open("mysql://x@localhost/db")


def test_a_password_never_shows_in_messages() -> None:
    url = f"postgresql://user:hunter2@127.0.0.1:{free_port()}/statuspage"
    with pytest.raises(StoreError) as caught:
        Store.open(url)
    assert "hunter2" not in str(caught.value)
    assert "***" in str(caught.value)


def test_requests_confirmations_and_the_resend_limit(database: str) -> None:
    with Store.open(database) as store:
        first = subscribe(store, "jane@example.com", components=("api",), language="fr")
        assert first.mail  # type: ignore[attr-defined]
        uid = first.subscription.uid  # type: ignore[attr-defined]
        again = subscribe(store, "jane@example.com", NOW + timedelta(minutes=9))
        assert not again.mail  # type: ignore[attr-defined]
        assert again.subscription.uid == uid  # type: ignore[attr-defined]
        # Pending: the newest request's choices replace the older ones.
        assert again.subscription.components == ()  # type: ignore[attr-defined]
        later = subscribe(store, "jane@example.com", NOW + RESEND, components=("web",))
        assert later.mail  # type: ignore[attr-defined]
        assert store.confirmed() == ()
        assert store.count() == (0, 1)
        confirmed = store.confirm(uid, NOW + timedelta(hours=1))
        assert confirmed is not None
        assert confirmed.confirmed == NOW + timedelta(hours=1)
        assert confirmed.components == ("web",)
        # Confirming again changes nothing; a confirmed entry keeps its choices.
        assert store.confirm(uid, NOW + timedelta(hours=2)) == confirmed
        subscribe(store, "jane@example.com", NOW + timedelta(hours=3), components=("api",))
        assert store.get(uid) == confirmed
        (only,) = store.confirmed()
        assert only.subscriber == Subscriber(
            email="jane@example.com", components=("web",), language=None, added=confirmed.confirmed
        )
        changed = store.change(uid, components=("b", "a"), language="zh")
        assert changed is not None
        assert (changed.components, changed.language) == (("a", "b"), "zh")
        assert store.delete(uid)
        assert not store.delete(uid)
        assert store.get(uid) is None
        assert store.confirm(uid, NOW) is None


def test_unconfirmed_requests_are_forgotten_after_a_week(database: str) -> None:
    with Store.open(database) as store:
        old = subscribe(store, "old@example.com").subscription  # type: ignore[attr-defined]
        subscribe(store, "new@example.com", NOW + timedelta(days=8))
        assert store.get(old.uid) is None
        assert [s.email for s in store.find("new@example.com")] == ["new@example.com"]


def test_forget_and_import(database: str) -> None:
    with Store.open(database) as store:
        people = [
            Subscriber(email="a@example.com", components=("api",), language="fr", added=NOW),
            Subscriber(email="b@example.com"),
        ]
        assert store.add_confirmed(people, consent="imported", now=NOW) == 2
        assert store.add_confirmed(people, consent="imported", now=NOW) == 0
        assert [s.subscriber for s in store.confirmed()] == [
            people[0],
            Subscriber(email="b@example.com", added=NOW),
        ]
        assert store.forget("a@example.com") == 1
        assert store.forget("a@example.com") == 0
        assert [s.email for s in store.confirmed()] == ["b@example.com"]


def test_the_ledger(database: str) -> None:
    with Store.open(database) as store:
        store.check_key(KEYS)
        store.check_key(KEYS)
        with pytest.raises(LedgerError, match="was written with another key"):
            store.check_key(Keys.from_secret(b"another secret, just as long"))
        store.record_start(NOW)
        store.record_start(NOW + timedelta(days=1))
        assert store.record_baseline(["a/0", "a/1"], NOW) == 2
        assert store.record_baseline(["a/1", "b/0"], NOW) == 1
        store.record_open(["c/0", "c/0"], NOW)
        with store.delivery("c/0", "r1", NOW) as claim:
            assert claim.claimed and claim.attempt(NOW)
            claim.sent(NOW)
        with store.delivery("c/0", "r1", NOW) as claim:
            assert not claim.claimed
        with store.delivery("c/0", "r2", NOW) as claim:
            assert claim.claimed and claim.attempt(NOW)
            claim.abandon()  # refused for now: owed again
        with pytest.raises(RuntimeError), store.delivery("c/0", "r3", NOW) as claim:
            assert claim.claimed
            raise RuntimeError("the server is gone")  # before the end: owed again
        with store.delivery("c/0", "r4", NOW) as claim:
            assert claim.claimed and claim.attempt(NOW)  # no answer: in doubt
        with store.delivery("c/0", "r5", NOW) as claim:
            assert claim.attempt(NOW)
            claim.unattempt()  # 421 at the end: delivered nothing, still ours
            assert claim.attempt(NOW)
            claim.refused(NOW)
        with store.delivery("c/0", "r4", NOW) as claim:
            assert not claim.claimed
        state = store.state()
        assert state.check == KEYS.check
        assert state.start == NOW
        assert state.baseline == {"a/0", "a/1", "b/0"}
        assert state.opened == {"c/0": NOW}
        assert state.sent == {("c/0", "r1"), ("c/0", "r5")}
        assert state.sent_time("c/0", "r1") == NOW and state.sent_time("c/0", "r5") is None
        doubt = state.standing("c/0", "r4")
        assert doubt is not None and doubt.outcome is Outcome.DOUBT
        assert store.state(["x/0"]).sent == set()
        with store.engine.connect() as connection:
            rows = connection.execute(sa.select(deliveries.c.recipient)).scalars().all()
        assert sorted(rows) == ["r1", "r4", "r5"]


def test_no_transaction_is_open_while_a_claim_is_held(database: str) -> None:
    """Between its steps a claim holds no lock: another writer gets through at once."""
    with Store.open(database) as store, store.delivery("n/0", "r", NOW) as claim:
        assert claim.claimed
        if database.startswith("sqlite:///"):
            other = sqlite3.connect(database[len("sqlite:///") :], timeout=0.5)
            with other:
                other.execute("INSERT INTO ledger_meta (name, value) VALUES ('x', 'y')")
            other.close()
        else:
            subscribe(store, "a@example.com")
        assert claim.attempt(NOW)
        subscribe(store, "b@example.com")


def _die_holding(database: str, recipient: str, *, attempt: bool) -> None:
    """A run killed (SIGKILL) while it holds a claim: before the end, or after it."""
    code = (
        "import os, signal, sys\n"
        "from datetime import UTC, datetime\n"
        "from statuspage.notify.store import Store\n"
        "store = Store.open(sys.argv[1])\n"
        "now = datetime.now(UTC)\n"
        "with store.delivery('n/0', sys.argv[2], now) as claim:\n"
        "    assert claim.claimed\n"
        "    if sys.argv[3] == 'attempt':\n"
        "        assert claim.attempt(now)\n"
        "    os.kill(os.getpid(), signal.SIGKILL)\n"
    )
    env = {**os.environ, "PYTHONPATH": str(REPO_ROOT)}
    what = "attempt" if attempt else "claim"
    died = subprocess.run([sys.executable, "-c", code, database, recipient, what], env=env)
    assert died.returncode == -signal.SIGKILL


def test_a_dead_runs_claims_are_taken_over_unless_in_doubt(database: str) -> None:
    """A killed run's claim whose end never went out is owed again; one whose end went out
    is in doubt: taken over only to resend in doubt. A live run's claim is never taken."""
    _die_holding(database, "claimed", attempt=False)
    _die_holding(database, "doubt", attempt=True)
    with Store.open(database) as store:
        doubt = store.state().standing("n/0", "doubt")
        assert doubt is not None and doubt.outcome is Outcome.DOUBT
        assert store.state().sent == set()
        with store.delivery("n/0", "doubt", NOW) as claim:
            assert not claim.claimed
        with store.delivery("n/0", "claimed", NOW) as claim:
            assert claim.claimed
            with Store.open(database) as other:
                # This run is alive: its claim, and its message in doubt, stay its own.
                with other.delivery("n/0", "claimed", NOW) as taken:
                    assert not taken.claimed
                with other.delivery("n/0", "doubt", NOW, resend_in_doubt=True) as resend:
                    assert resend.claimed and resend.attempt(NOW)
                    with store.delivery("n/0", "doubt", NOW, resend_in_doubt=True) as again:
                        assert not again.claimed
                    resend.sent(NOW)
            assert claim.attempt(NOW)
            claim.sent(NOW)
        assert store.state().sent == {("n/0", "claimed"), ("n/0", "doubt")}


def test_a_runs_threads_share_one_id_and_its_lock_goes_with_it(database: str) -> None:
    """The sending threads of one run claim under one id; closing the store ends the run
    (SQLite: its lock file is removed)."""
    ids: set[str] = set()
    with Store.open(database) as store:
        barrier = threading.Barrier(8)

        def take() -> None:
            barrier.wait(30)
            ids.add(store.run())

        threads = [threading.Thread(target=take) for _ in range(8)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(30)
        assert len(ids) == 1
        with Store.open(database) as other:
            assert other._alive(next(iter(ids)))
    with Store.open(database) as other:
        assert not other._alive(next(iter(ids)))
    if database.startswith("sqlite:///"):
        folder = Path(database[len("sqlite:///") :]).parent
        assert list(folder.glob("*.run-*.lock")) == []


def test_a_claim_taken_over_cannot_be_ended(database: str) -> None:
    """The step to "in doubt" is taken only while the claim is still this run's: a run
    that lost it (taken over meanwhile) never ends the message."""
    with Store.open(database) as store, store.delivery("n/0", "r", NOW) as claim:
        assert claim.claimed
        with store.engine.begin() as connection:
            connection.execute(deliveries.update().values(run="1"))
        assert not claim.attempt(NOW)


def test_two_senders_claim_each_message_once(database: str) -> None:
    """Two runs at once claiming the same messages: each is claimed by exactly one."""
    keys = [(f"n/{i}", f"r{j}") for i in range(10) for j in range(5)]
    with Store.open(database) as first, Store.open(database) as second:
        won: dict[str, list[tuple[str, str]]] = {"first": [], "second": []}
        start = threading.Barrier(2)

        def sender(name: str, store: Store) -> None:
            start.wait(30)
            for notice, recipient in keys:
                with store.delivery(notice, recipient, NOW) as claim:
                    if claim.claimed:
                        assert claim.attempt(NOW)
                        claim.sent(NOW)
                        won[name].append((notice, recipient))

        threads = [
            threading.Thread(target=sender, args=("first", first)),
            threading.Thread(target=sender, args=("second", second)),
        ]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(120)
        assert sorted(won["first"] + won["second"]) == sorted(keys)
        assert first.state().sent == set(keys)


def test_a_0003_database_is_upgraded_its_deliveries_sent(database: str) -> None:
    """0004 adds the delivery states: every row made before it was committed once the
    server accepted the message, so it is `sent`."""
    upgrade_to(database, "0003")
    engine = sa.create_engine(database.replace("postgresql://", "postgresql+psycopg://"))
    with engine.begin() as connection:
        connection.execute(
            sa.text("INSERT INTO deliveries (notice, recipient, at) VALUES ('n/0', 'r', :at)"),
            {"at": NOW},
        )
    engine.dispose()
    assert migrate(database) == ("0003", head_revision())
    with Store.open(database) as store:
        state = store.state()
        assert state.sent == {("n/0", "r")}
        assert state.sent_time("n/0", "r") == NOW
        with store.delivery("n/0", "r", NOW) as claim:
            assert not claim.claimed


def test_sqlite_paths_are_relative_to_the_site(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from statuspage.notify.store import DATABASE_ENV, database_url

    monkeypatch.delenv(DATABASE_ENV, raising=False)
    assert database_url(None, tmp_path) is None
    assert database_url("sqlite:///.statuspage/s.db", tmp_path) == (
        f"sqlite:///{tmp_path}/.statuspage/s.db"
    )
    monkeypatch.setenv(DATABASE_ENV, "postgresql://db/x")
    assert database_url("sqlite:///s.db", tmp_path) == "postgresql://db/x"


def test_instances_starting_together_on_an_empty_database(database: str) -> None:
    """Several service workers open a new database at once: one creates the schema."""
    code = "import sys; from statuspage.notify.store import Store; Store.open(sys.argv[1]).close()"
    env = {**os.environ, "PYTHONPATH": str(REPO_ROOT)}
    runs = [
        subprocess.Popen([sys.executable, "-c", code, database], env=env, stderr=subprocess.PIPE)
        for _ in range(4)
    ]
    errors = [run.communicate(timeout=120)[1] for run in runs]
    assert [run.returncode for run in runs] == [0, 0, 0, 0], errors
    with Store.open(database) as store, store.engine.connect() as connection:
        assert current_revision(connection) == head_revision()


def test_a_sqlite_database_stays_out_of_git(tmp_path: Path) -> None:
    site = tmp_path / "site"
    site.mkdir()
    (site / "statuspage.yaml").write_text("title: x\n")
    Store.open(f"sqlite:///{site}/.statuspage/subscriptions.db").close()
    assert (site / ".statuspage" / ".gitignore").read_text().endswith("\n*\n")
    with pytest.raises(StatuspageError, match="is the site's own folder"):
        Store.open(f"sqlite:///{site}/subscriptions.db")

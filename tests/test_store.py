"""The subscription database (statuspage.notify.store), the same tests on SQLite and on a
real PostgreSQL server (tests/databases.py)."""

from __future__ import annotations

import os
import subprocess
import sys
import threading
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import sqlalchemy as sa

from statuspage.inputs.diagnostics import StatuspageError
from statuspage.notify.ledger import Keys, LedgerError
from statuspage.notify.store import (
    RESEND,
    Store,
    StoreError,
    current_revision,
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
            assert claim.claimed
        with store.delivery("c/0", "r1", NOW) as claim:
            assert not claim.claimed
        with store.delivery("c/0", "r2", NOW) as claim:
            assert claim.claimed
            claim.abandon()
        with pytest.raises(RuntimeError), store.delivery("c/0", "r3", NOW) as claim:
            assert claim.claimed
            raise RuntimeError("killed")
        state = store.state()
        assert state.check == KEYS.check
        assert state.start == NOW
        assert state.baseline == {"a/0", "a/1", "b/0"}
        assert state.opened == {"c/0": NOW}
        assert state.sent == {("c/0", "r1")}
        assert store.state(["x/0"]).sent == set()


@pytest.mark.parametrize("outcome", ["commit", "rollback"])
def test_a_second_sender_waits_for_the_first(database: str, outcome: str) -> None:
    """Two runs at once: the second's claim waits for the first's transaction, then skips
    what it recorded, or takes over what it gave up (a killed run's transaction)."""
    with Store.open(database) as first, Store.open(database) as second:
        holding = threading.Event()
        release = threading.Event()
        result: list[bool] = []

        def run_first() -> None:
            with first.delivery("n/0", "r", NOW) as claim:
                assert claim.claimed
                holding.set()
                release.wait(30)
                if outcome == "rollback":
                    claim.abandon()

        def run_second() -> None:
            holding.wait(30)
            with second.delivery("n/0", "r", NOW) as claim:
                result.append(claim.claimed)

        threads = [threading.Thread(target=run_first), threading.Thread(target=run_second)]
        for thread in threads:
            thread.start()
        holding.wait(30)
        threads[1].join(1.0)
        assert threads[1].is_alive(), "the second claim did not wait"
        release.set()
        for thread in threads:
            thread.join(60)
        assert result == [outcome == "rollback"]


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

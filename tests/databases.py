"""Databases for the store tests: a SQLite file, and a fresh database on the PostgreSQL
server named by $STATUSPAGE_TEST_POSTGRES_URL (which `.ci/run` starts with `.ci/postgres`;
start one yourself the same way: `export STATUSPAGE_TEST_POSTGRES_URL=$(bash .ci/postgres
start /tmp/pg)`). Without that variable the PostgreSQL cases skip, or fail in CI."""

from __future__ import annotations

import os
import secrets
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from tests.tools import missing_tool

POSTGRES_ENV = "STATUSPAGE_TEST_POSTGRES_URL"
BACKENDS = ("sqlite", "postgresql")


def postgres_server() -> str:
    url = os.environ.get(POSTGRES_ENV, "").strip()
    if not url:
        missing_tool(f"no PostgreSQL server: set ${POSTGRES_ENV} (bash .ci/postgres start DIR)")
    return url


@contextmanager
def fresh_postgres() -> Iterator[str]:
    """A new, empty database on the test server; dropped afterwards."""
    import sqlalchemy as sa

    server = sa.engine.make_url(postgres_server()).set(drivername="postgresql+psycopg")
    name = f"t_{secrets.token_hex(6)}"
    admin = sa.create_engine(server, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as connection:
            connection.exec_driver_sql(f'CREATE DATABASE "{name}"')
        yield server.set(database=name).render_as_string(hide_password=False)
        with admin.connect() as connection:
            connection.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    finally:
        admin.dispose()


@contextmanager
def fresh_database(backend: str, tmp_path: Path) -> Iterator[str]:
    if backend == "sqlite":
        yield f"sqlite:///{tmp_path / 'subscriptions.db'}"
    else:
        with fresh_postgres() as url:
            yield url

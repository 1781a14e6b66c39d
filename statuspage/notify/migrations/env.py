"""Alembic's entry point: migrations run on the connection `statuspage.notify.store` hands
over (`config.attributes["connection"]`), never on a URL read from a file."""

from __future__ import annotations

from alembic import context
from sqlalchemy.engine import Connection

connection: Connection = context.config.attributes["connection"]
context.configure(connection=connection, target_metadata=None, render_as_batch=True)
with context.begin_transaction():
    context.run_migrations()

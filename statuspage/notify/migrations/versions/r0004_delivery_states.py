"""Delivery states: a message is claimed, then marked `attempt` just before its end goes out,
then `sent` (or `refused`), each in its own short transaction, so no transaction stays open
while a message is sent and a kill after the end went out leaves it "in doubt", not owed.

Rows made before this revision were committed once the server accepted them: `sent`.

Revision ID: 0004
Revises: 0003
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision: str | None = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("deliveries") as batch:
        batch.add_column(sa.Column("state", sa.String(16), nullable=False, server_default="sent"))
        batch.add_column(sa.Column("run", sa.String(64), nullable=True))


def downgrade() -> None:
    # Only settled rows meant anything to the earlier schema.
    op.execute("DELETE FROM deliveries WHERE state IN ('claimed', 'attempt')")
    with op.batch_alter_table("deliveries") as batch:
        batch.drop_column("run")
        batch.drop_column("state")

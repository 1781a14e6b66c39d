"""Subscribers and the delivery ledger.

Revision ID: 0001
Revises: none
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision: str | None = None
branch_labels = None
depends_on = None

TIME = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "subscribers",
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
        sa.UniqueConstraint("kind", "target", name="uq_subscribers_kind_target"),
    )
    op.create_index("ix_subscribers_email", "subscribers", ["email"])
    op.create_table(
        "ledger_meta",
        sa.Column("name", sa.String(32), primary_key=True),
        sa.Column("value", sa.Text, nullable=False),
    )
    op.create_table(
        "ledger_baseline",
        sa.Column("notice", sa.String(255), primary_key=True),
        sa.Column("at", TIME, nullable=False),
    )
    op.create_table(
        "ledger_opened",
        sa.Column("notice", sa.String(255), primary_key=True),
        sa.Column("at", TIME, nullable=False),
    )
    op.create_table(
        "deliveries",
        sa.Column("notice", sa.String(255), primary_key=True),
        sa.Column("recipient", sa.String(64), primary_key=True),
        sa.Column("at", TIME, nullable=False),
    )


def downgrade() -> None:
    for table in ("deliveries", "ledger_opened", "ledger_baseline", "ledger_meta"):
        op.drop_table(table)
    op.drop_index("ix_subscribers_email", "subscribers")
    op.drop_table("subscribers")

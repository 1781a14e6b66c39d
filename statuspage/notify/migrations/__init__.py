"""Alembic migrations of the subscription database (statuspage.notify.store)."""

"""The schema revision this build ships, checked without loading Alembic on every start."""

from __future__ import annotations

import sqlalchemy as sa

# The newest file in migrations/versions; a test keeps the two in step.
SHIPPED_HEAD = "0010_desktop_sync"


def database_is_at_shipped_head(engine: sa.Engine) -> bool:
    """True when the database already has this build's schema, so Alembic need not run."""
    try:
        with engine.connect() as connection:
            return connection.scalar(sa.text("SELECT version_num FROM alembic_version")) == SHIPPED_HEAD
    except sa.exc.ProgrammingError:
        return False

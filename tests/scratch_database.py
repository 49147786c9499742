"""A brand-new database on the session's server, upgraded to head and dropped afterwards."""

from __future__ import annotations

import contextlib
import uuid
from collections.abc import Iterator

import sqlalchemy as sa

from studyteddy_desktop.db.migrate import upgrade_to_head


@contextlib.contextmanager
def migrated_database(engine: sa.Engine, prefix: str, **engine_options) -> Iterator[sa.Engine]:
    name = f"{prefix}_{uuid.uuid4().hex[:12]}"
    admin = sa.create_engine(engine.url.set(database="postgres"), isolation_level="AUTOCOMMIT",
                             poolclass=sa.NullPool)
    with admin.connect() as connection:
        connection.execute(sa.text(f'CREATE DATABASE "{name}"'))
    fresh = sa.create_engine(engine.url.set(database=name), **engine_options)
    try:
        upgrade_to_head(fresh)
        yield fresh
    finally:
        fresh.dispose()
        with admin.connect() as connection:
            connection.execute(sa.text(f'DROP DATABASE "{name}" WITH (FORCE)'))
        admin.dispose()

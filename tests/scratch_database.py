"""A brand-new database on the session's server, upgraded to head (or a given revision) and dropped afterwards."""

from __future__ import annotations

import contextlib
import uuid
from collections.abc import Iterator

import sqlalchemy as sa

from alembic import command

from studyteddy_desktop.db.migrate import alembic_config, upgrade_to_head


@contextlib.contextmanager
def empty_database(engine: sa.Engine, prefix: str, *, template: str | None = None) -> Iterator[sa.URL]:
    """The URL of a new database with no tables (or a copy of `template`), dropped afterwards."""
    name = f"{prefix}_{uuid.uuid4().hex[:12]}"
    admin = sa.create_engine(engine.url.set(database="postgres"), isolation_level="AUTOCOMMIT",
                             poolclass=sa.NullPool)
    with admin.connect() as connection:
        copied = f' TEMPLATE "{template}"' if template else ""
        connection.execute(sa.text(f'CREATE DATABASE "{name}"{copied}'))
    try:
        yield engine.url.set(database=name)
    finally:
        with admin.connect() as connection:
            connection.execute(sa.text(f'DROP DATABASE "{name}" WITH (FORCE)'))
        admin.dispose()


@contextlib.contextmanager
def migrated_database(engine: sa.Engine, prefix: str, *, revision: str | None = None, template: str | None = None,
                      **engine_options) -> Iterator[sa.Engine]:
    """A fresh database at head, or at `revision` (to test an upgrade from there), or a copy of `template`."""
    with empty_database(engine, prefix, template=template) as url:
        fresh = sa.create_engine(url, **engine_options)
        try:
            if template is None and revision is None:
                upgrade_to_head(fresh)
            elif template is None:
                with fresh.begin() as connection:
                    command.upgrade(alembic_config(connection), revision)
            yield fresh
        finally:
            fresh.dispose()

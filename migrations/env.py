"""Alembic environment: migrates the connection the app hands over, else sqlalchemy.url."""

import sqlalchemy as sa
from alembic import context

from studyteddy_desktop.db.migrate import COMPARE_OPTIONS, register_pgvector_types
from studyteddy_desktop.db.models import Base

config = context.config
target_metadata = Base.metadata

# No logging.config.fileConfig here: the app owns logging and there is no alembic.ini.


def run_migrations_offline() -> None:
    """Emit the SQL script instead of running it (`alembic upgrade --sql`)."""
    context.configure(
        url=config.get_main_option("sqlalchemy.url"),
        target_metadata=target_metadata,
        literal_binds=True,
        dialect_opts={"paramstyle": "named"},
        **COMPARE_OPTIONS,
    )
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_on(connection: sa.Connection) -> None:
    register_pgvector_types(connection.dialect)
    context.configure(connection=connection, target_metadata=target_metadata, **COMPARE_OPTIONS)
    # On a connection already inside a transaction (the app's, holding the migration lock)
    # this joins it and leaves the commit to the caller.
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_online() -> None:
    given_connection = config.attributes.get("connection")
    if given_connection is not None:
        run_migrations_on(given_connection)
        return
    engine = sa.create_engine(config.get_main_option("sqlalchemy.url"), poolclass=sa.pool.NullPool)
    try:
        with engine.connect() as connection:
            run_migrations_on(connection)
    finally:
        engine.dispose()


if context.is_offline_mode():
    run_migrations_offline()
else:
    run_migrations_online()

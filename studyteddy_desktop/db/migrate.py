"""Apply and check schema migrations from inside the app, without an alembic.ini."""

import importlib.resources
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from pgvector.sqlalchemy import HALFVEC, SPARSEVEC, Vector

from studyteddy_desktop.db.models import Base

# Fixed so every process of the app contends for the same lock; the value spells "STEDDY".
MIGRATION_LOCK_KEY = 0x53_54_45_44_44_59


def migrations_directory() -> Path:
    """Where env.py and versions/ live: the installed package, else the source checkout."""
    try:
        installed = Path(str(importlib.resources.files("studyteddy_desktop.migrations")))
    except ModuleNotFoundError:
        installed = None
    if installed is not None and (installed / "env.py").is_file():
        return installed
    return Path(__file__).resolve().parents[2] / "migrations"


def alembic_config(connection: sa.Connection | None = None) -> Config:
    """An in-memory Alembic config; env.py runs on `connection` when one is given."""
    config = Config()
    # ConfigParser treats % as interpolation, and the install path may contain one.
    config.set_main_option("script_location", str(migrations_directory()).replace("%", "%%"))
    if connection is not None:
        config.attributes["connection"] = connection
    return config


def upgrade_to_head(engine: sa.Engine) -> None:
    """Bring the database to the newest revision; safe to call on every start.

    The transaction-scoped advisory lock makes a second process that starts at the same
    moment wait, then find the schema already at head, instead of racing the same DDL.
    PostgreSQL DDL is transactional, so a failed upgrade leaves the schema untouched.
    """
    with engine.begin() as connection:
        connection.execute(sa.select(sa.func.pg_advisory_xact_lock(MIGRATION_LOCK_KEY)))
        command.upgrade(alembic_config(connection), "head")


def head_revision() -> str | None:
    """The newest revision shipped with this build of the app."""
    return ScriptDirectory.from_config(alembic_config()).get_current_head()


def current_revision(engine: sa.Engine) -> str | None:
    """The revision the database is at, or None before the first migration."""
    with engine.connect() as connection:
        return MigrationContext.configure(connection).get_current_revision()


def register_pgvector_types(dialect: sa.Dialect) -> None:
    """Teach reflection the pgvector column types so comparisons see Vector, not NullType."""
    # pgvector registers these itself on import in current releases; doing it here keeps
    # reflection right whatever that release does. The dict is shared by every PostgreSQL
    # dialect instance, so this is idempotent.
    dialect.ischema_names["vector"] = Vector
    dialect.ischema_names["halfvec"] = HALFVEC
    dialect.ischema_names["sparsevec"] = SPARSEVEC


def include_object(
    schema_object: Any, name: str | None, type_: str, reflected: bool, compare_to: Any
) -> bool:
    """Autogenerate filter: every object counts, so any drift is reported.

    Kept as an explicit hook so env.py and `pending_differences` can never filter differently.
    """
    return True


COMPARE_OPTIONS: dict[str, Any] = {
    "compare_type": True,
    "compare_server_default": True,
    "include_object": include_object,
}


def pending_differences(engine: sa.Engine) -> list[Any]:
    """What autogenerate would change to make the live schema match the models; [] when in step."""
    with engine.connect() as connection:
        register_pgvector_types(connection.dialect)
        context = MigrationContext.configure(connection, opts=COMPARE_OPTIONS)
        return compare_metadata(context, Base.metadata)

"""Declarative base, constraint naming convention and shared column mixins for every table."""

import enum
import uuid
from datetime import datetime

from sqlalchemy import DateTime, Enum, MetaData, func
from sqlalchemy.dialects.postgresql import UUID
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column
from sqlalchemy.sql import functions

# Deterministic constraint names let later migrations drop or alter a constraint by name
# without reflecting the database first.
NAMING_CONVENTION = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

# Wide enough that adding an enum value later only needs a new CHECK, not a column rewrite.
ENUM_COLUMN_LENGTH = 32


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)
    # Guard rails: a bare Mapped[datetime] can never become a naive timestamp column.
    type_annotation_map = {
        datetime: DateTime(timezone=True),
        uuid.UUID: UUID(as_uuid=True),
    }


def str_enum(enum_class: type[enum.StrEnum], *, constraint_name: str) -> Enum:
    """Column type storing a StrEnum as VARCHAR guarded by a named CHECK, not a native PG enum.

    Native enums need ALTER TYPE outside a transaction to grow; a CHECK is replaced in one
    ordinary migration. Loaded values come back as members of `enum_class`.
    """
    return Enum(
        enum_class,
        name=constraint_name,
        native_enum=False,
        create_constraint=True,
        length=ENUM_COLUMN_LENGTH,
        validate_strings=True,
        values_callable=enum_values,
    )


def enum_values(enum_class: type[enum.Enum]) -> list[str]:
    """The stored spellings of an enum, which are its values rather than its member names."""
    return [str(member.value) for member in enum_class]


def transaction_time() -> functions.now:
    """The one clock for modification stamps and tombstones: the database transaction's start time.

    PostgreSQL's now() is fixed for a transaction, so every row one unit of work touches carries
    the same stamp (a deck and its cards, a thread and its answers): an undo finds the rows a
    deletion took by that equality, and no device's wall clock decides what happened when.
    Assigned to an attribute it is computed at flush, so read the attribute back only after a
    flush (which expires it: the next read loads the stamp the database wrote).
    """
    return func.now()


class SyncedRow:
    """Columns every row that is synchronised between devices carries.

    The id is generated client-side so rows can be created offline and keep their identity
    when they reach another device; deletion is a tombstone so the deletion itself syncs.
    """

    id: Mapped[uuid.UUID] = mapped_column(
        primary_key=True,
        default=uuid.uuid4,
        server_default=func.gen_random_uuid(),
        sort_order=-100,
    )
    created_at: Mapped[datetime] = mapped_column(server_default=transaction_time(), sort_order=100)
    updated_at: Mapped[datetime] = mapped_column(
        server_default=transaction_time(), onupdate=transaction_time(), sort_order=100
    )
    deleted_at: Mapped[datetime | None] = mapped_column(sort_order=100)

    @property
    def is_deleted(self) -> bool:
        return self.deleted_at is not None

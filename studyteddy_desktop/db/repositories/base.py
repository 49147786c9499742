"""The repository base: one model's rows over one session, user scoping and soft deletion in SQL."""

from __future__ import annotations

import enum
import uuid
from datetime import datetime
from typing import Any, Generic, Protocol, TypeVar

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, Session

from studyteddy_desktop.db.base import transaction_time


class IdentifiedRow(Protocol):
    id: Mapped[uuid.UUID]


class SoftDeletableRow(IdentifiedRow, Protocol):
    deleted_at: Mapped[datetime | None]


class UserOwnedRow(IdentifiedRow, Protocol):
    user_id: Mapped[uuid.UUID]


M = TypeVar("M", bound=IdentifiedRow)
SD = TypeVar("SD", bound=SoftDeletableRow)
UO = TypeVar("UO", bound=UserOwnedRow)


class UserScope(enum.Enum):
    """Scopes wider than one user's rows: reaching past the user is written down, never a default."""

    # For callers holding an id the database gave them (a job's payload), or asking about
    # every user on purpose (is a stored file still shared?).
    ANY_USER = "any user"


ANY_USER = UserScope.ANY_USER


class SessionRepository:
    """Queries over one session. Repositories never commit: the service method is the unit of work."""

    def __init__(self, session: Session) -> None:
        self.session = session


class RepositoryBase(SessionRepository, Generic[M]):
    """Reads and writes the rows of `model`; subclasses set it and narrow `get_base_statement`.

    Scoping options (`user_id=`, `include_deleted=`) travel as keywords from `get` through each
    mixin's `get_base_statement`; an option no mixin takes is a TypeError rather than ignored.
    """

    model: type[M]

    def get_base_statement(self, *columns: Any) -> sa.Select[Any]:
        """`SELECT` the model (or `columns`) `FROM` its table; mixins add their `WHERE` to it."""
        return sa.select(*(columns or (self.model,))).select_from(self.model)

    def get_one_or_none(self, statement: sa.Select[Any], *, for_update: bool = False) -> M | None:
        if for_update:
            statement = statement.with_for_update()
        return self.session.scalars(statement).one_or_none()

    def get_all(self, statement: sa.Select[Any]) -> list[M]:
        return list(self.session.scalars(statement))

    def get(self, id: uuid.UUID, *, for_update: bool = False, **options: Any) -> M | None:
        """The row with this id inside the options' scope, or None; `for_update` locks it."""
        statement = self.get_base_statement(**options).where(self.model.id == id)
        return self.get_one_or_none(statement, for_update=for_update)

    def add(self, row: M, *, flush: bool = True) -> M:
        """Put a new row in the session; flushing sends it now, so server defaults can be read."""
        self.session.add(row)
        if flush:
            self.session.flush()
        return row


class SoftDeletionMixin(RepositoryBase[SD]):
    """Rows deleted by a tombstone: statements leave them out unless `include_deleted=True`."""

    def get_base_statement(self, *columns: Any, include_deleted: bool = False,
                           **options: Any) -> sa.Select[Any]:
        statement = super().get_base_statement(*columns, **options)
        return statement if include_deleted else statement.where(self.model.deleted_at.is_(None))

    def soft_delete(self, row: SD, *, flush: bool = True) -> SD:
        """Tombstone the row on the one clock, so the deletion syncs and every row of it shares a stamp.

        Without a flush, `row.deleted_at` still holds the SQL expression, not a time.
        """
        row.deleted_at = transaction_time()
        if flush:
            self.session.flush()
        return row

    def restore(self, row: SD, *, flush: bool = True) -> SD:
        row.deleted_at = None
        if flush:
            self.session.flush()
        return row


class UserScopedMixin(RepositoryBase[UO]):
    """Rows one user owns: every statement needs `user_id=`, a user's id or `ANY_USER`."""

    def get_base_statement(self, *columns: Any, user_id: uuid.UUID | UserScope,
                           **options: Any) -> sa.Select[Any]:
        statement = super().get_base_statement(*columns, **options)
        return statement if user_id is ANY_USER else statement.where(self.model.user_id == user_id)

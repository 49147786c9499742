"""The local user profile: who is studying, which subjects, and their preferences."""

from datetime import datetime
from typing import Any

from sqlalchemy import Boolean, Index, String, Text, text
from sqlalchemy.dialects.postgresql import ARRAY, JSONB
from sqlalchemy.orm import Mapped, mapped_column

from studyteddy_desktop.db.base import Base, SyncedRow


class UserProfile(SyncedRow, Base):
    """One person using the app; every other synced row hangs off a profile."""

    __tablename__ = "users"
    # The schema, not a convention, keeps one owner of this installation's data: every process that
    # starts on a new data directory may try to create it, and all but one insert nothing.
    __table_args__ = (Index("uq_users_local_owner", "is_local_owner", unique=True,
                            postgresql_where=text("is_local_owner")),
                      # Logins compare without case: "Ada@School.org" and "ada@school.org" are one account.
                      Index("uq_users_login", text("lower(login)"), unique=True,
                            postgresql_where=text("login IS NOT NULL")))

    display_name: Mapped[str] = mapped_column(String(120))
    # Order matters to the UI (the first subject is the default filter), so an array, not a set.
    subjects: Mapped[list[str]] = mapped_column(
        ARRAY(Text), default=list, server_default=text("'{}'::text[]")
    )
    # True for the student who owns this installation's data; at most one row (uq_users_local_owner).
    is_local_owner: Mapped[bool] = mapped_column(Boolean, default=False, server_default=text("false"))
    # On a sync server: the account's login, its argon2id hash, its role, and when an admin disabled it.
    # The desktop's local profile has none of them.
    login: Mapped[str | None] = mapped_column(String(254))
    password_hash: Mapped[str | None] = mapped_column(String(255))
    role: Mapped[str] = mapped_column(String(16), default="student", server_default=text("'student'"))
    disabled_at: Mapped[datetime | None]
    # Free-form so the UI can add preferences without a migration each time.
    settings: Mapped[dict[str, Any]] = mapped_column(
        JSONB, default=dict, server_default=text("'{}'::jsonb")
    )

    def __repr__(self) -> str:
        return f"UserProfile(id={self.id!s}, display_name={self.display_name!r})"

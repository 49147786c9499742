"""The local user profile: who is studying, which subjects, and their preferences."""

from typing import Any

from sqlalchemy import String, Text, text
from sqlalchemy.dialects.postgresql import ARRAY, JSONB
from sqlalchemy.orm import Mapped, mapped_column

from studyteddy_desktop.db.base import Base, SyncedRow


class UserProfile(SyncedRow, Base):
    """One person using the app; every other synced row hangs off a profile."""

    __tablename__ = "users"

    display_name: Mapped[str] = mapped_column(String(120))
    # Order matters to the UI (the first subject is the default filter), so an array, not a set.
    subjects: Mapped[list[str]] = mapped_column(
        ARRAY(Text), default=list, server_default=text("'{}'::text[]")
    )
    # Free-form so the UI can add preferences without a migration each time.
    settings: Mapped[dict[str, Any]] = mapped_column(
        JSONB, default=dict, server_default=text("'{}'::jsonb")
    )

    def __repr__(self) -> str:
        return f"UserProfile(id={self.id!s}, display_name={self.display_name!r})"

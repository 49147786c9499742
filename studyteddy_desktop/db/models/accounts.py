"""Server accounts: the devices signed in to them, their refresh tokens, and classes of students.

These tables live in the one schema the desktop and the sync server share; on a student's laptop
they stay empty. An account is a `users` row with a login (see profile.py).
"""

import uuid
from datetime import datetime

from sqlalchemy import ForeignKey, Index, String, func, text
from sqlalchemy.orm import Mapped, mapped_column

from studyteddy_desktop.db.base import Base, transaction_time


class DeviceSession(Base):
    """One signed-in device: what a user lists and revokes. Its refresh tokens form one family."""

    __tablename__ = "device_sessions"
    __table_args__ = (Index("ix_device_sessions_user_id", "user_id"),)

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4,
                                          server_default=func.gen_random_uuid())
    user_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    device_name: Mapped[str] = mapped_column(String(120))
    created_at: Mapped[datetime] = mapped_column(server_default=transaction_time())
    last_used_at: Mapped[datetime] = mapped_column(server_default=transaction_time())
    # However often it is refreshed, a session ends here (a stolen laptop is not signed in for ever).
    expires_at: Mapped[datetime]
    revoked_at: Mapped[datetime | None]
    # Why it ended: "signed out", "refresh token reused", "password changed", "account disabled".
    revoked_reason: Mapped[str | None] = mapped_column(String(64))


class RefreshToken(Base):
    """A refresh token, stored only as its hash; each is used once, and reuse revokes its session."""

    __tablename__ = "refresh_tokens"
    __table_args__ = (Index("ix_refresh_tokens_session_id", "session_id"),)

    token_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    session_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("device_sessions.id", ondelete="CASCADE"))
    created_at: Mapped[datetime] = mapped_column(server_default=transaction_time())
    used_at: Mapped[datetime | None]


class SchoolClass(Base):
    """A group of accounts (a class, a course) that teachers will share decks and documents with."""

    __tablename__ = "school_classes"

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4,
                                          server_default=func.gen_random_uuid())
    name: Mapped[str] = mapped_column(String(120), unique=True)
    created_at: Mapped[datetime] = mapped_column(server_default=transaction_time())


class ClassMembership(Base):
    __tablename__ = "class_memberships"

    class_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("school_classes.id", ondelete="CASCADE"),
                                                primary_key=True)
    user_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), primary_key=True)
    # "student" or "teacher" in this class; a teacher of one class may be a student of another.
    role_in_class: Mapped[str] = mapped_column(String(16), server_default=text("'student'"))

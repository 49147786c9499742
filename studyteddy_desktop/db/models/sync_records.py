"""The sync server's store: each user's merged records, their order, and the pushes already applied."""

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import BigInteger, ForeignKey, Index, String, text
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, mapped_column

from studyteddy_desktop.db.base import Base, transaction_time


class SyncRecord(Base):
    """One record of one user as merged from every device's writes (domain/sync_merge.py's state)."""

    __tablename__ = "sync_records"
    __table_args__ = (Index("ix_sync_records_user_id_server_seq", "user_id", "server_seq", unique=True),)

    user_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), primary_key=True)
    collection: Mapped[str] = mapped_column(String(32), primary_key=True)
    record_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    state: Mapped[dict[str, Any]] = mapped_column(JSONB)
    # The user's own sequence at the record's last change: "what have I not seen" is seq > cursor.
    server_seq: Mapped[int] = mapped_column(BigInteger)
    updated_at: Mapped[datetime] = mapped_column(server_default=transaction_time(),
                                                 onupdate=transaction_time())


class SyncCounter(Base):
    """Per user, the last sequence number handed out; its row lock orders that user's pushes.

    One lock per user, not one for the server: students sync in parallel, and a pull never sees
    sequence 10 committed while 9 is still in flight, so no cursor skips a change.
    """

    __tablename__ = "sync_counters"

    user_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), primary_key=True)
    last_seq: Mapped[int] = mapped_column(BigInteger, server_default=text("0"))


class SyncPush(Base):
    """A push already applied, by the id its device gave it: a retry gets the same answer, applies nothing."""

    __tablename__ = "sync_pushes"

    user_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), primary_key=True)
    push_id: Mapped[uuid.UUID] = mapped_column(primary_key=True)
    response: Mapped[dict[str, Any]] = mapped_column(JSONB)
    created_at: Mapped[datetime] = mapped_column(server_default=transaction_time())


class StoredBlob(Base):
    """A document file a user pushed, by its SHA-256; the bytes live in the blob store, not the table."""

    __tablename__ = "stored_blobs"

    user_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), primary_key=True)
    sha256: Mapped[str] = mapped_column(String(64), primary_key=True)
    size_bytes: Mapped[int] = mapped_column(BigInteger)
    created_at: Mapped[datetime] = mapped_column(server_default=transaction_time())

"""A desktop's side of sync: its device and account, each record's field stamps, pulls not yet applied."""

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import BigInteger, CheckConstraint, Index, Integer, SmallInteger, String, Text, text
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, mapped_column

from studyteddy_desktop.db.base import Base

# A record with something the server has not accepted yet.
WAITING_CONDITION = ("pending <> '{}'::jsonb OR pending_delete IS NOT NULL OR pending_resolved <> '{}'::jsonb")


class SyncDevice(Base):
    """The one row describing this installation to a sync server: its clock, its account, how far it pulled."""

    __tablename__ = "sync_device"
    __table_args__ = (CheckConstraint("id = 1", name="one_row"),)

    id: Mapped[int] = mapped_column(SmallInteger, primary_key=True)
    # The hybrid clock's device id (16 hex digits) and the wall time no stamp may fall below.
    node_id: Mapped[str] = mapped_column(String(16))
    clock_floor_ms: Mapped[int] = mapped_column(BigInteger, server_default=text("0"))
    # Set while signed in; the token itself lives in the system keyring, never here.
    server_url: Mapped[str | None] = mapped_column(Text)
    account_id: Mapped[str | None] = mapped_column(String(64))
    account_login: Mapped[str | None] = mapped_column(String(254))
    device_name: Mapped[str | None] = mapped_column(String(120))
    session_id: Mapped[str | None] = mapped_column(String(64))
    pull_cursor: Mapped[int] = mapped_column(BigInteger, server_default=text("0"))
    last_synced_at: Mapped[datetime | None]
    last_error: Mapped[str | None] = mapped_column(Text)
    # The account whose records this data folder holds: kept after sign-out, so another account is asked first.
    data_account_id: Mapped[str | None] = mapped_column(String(64))
    data_account_login: Mapped[str | None] = mapped_column(String(254))
    # False until rows written before change tracking existed have been stamped for the first push.
    all_tracked: Mapped[bool] = mapped_column(server_default=text("false"))
    # Conflict copies not yet dealt with, counted after each sync so the status bar need not compute them.
    open_conflicts: Mapped[int] = mapped_column(Integer, server_default=text("0"))


class SyncLocalRecord(Base):
    """One synced record as this device knows it: each field's stamp, the writes not yet sent, the server's state."""

    __tablename__ = "sync_local_records"
    __table_args__ = (Index("ix_sync_local_records_waiting", "collection", "record_id",
                            postgresql_where=text(WAITING_CONDITION)),)

    collection: Mapped[str] = mapped_column(String(32), primary_key=True)
    record_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    stamps: Mapped[dict[str, Any]] = mapped_column(JSONB, server_default=text("'{}'::jsonb"))
    # field -> {"stamp", "base"} of local writes the server has not accepted yet.
    pending: Mapped[dict[str, Any]] = mapped_column(JSONB, server_default=text("'{}'::jsonb"))
    pending_delete: Mapped[str | None] = mapped_column(String(40))
    # field -> stamps of conflict copies the student dealt with, to tell the server.
    pending_resolved: Mapped[dict[str, Any]] = mapped_column(JSONB, server_default=text("'{}'::jsonb"))
    server_seq: Mapped[int | None] = mapped_column(BigInteger)
    server_state: Mapped[dict[str, Any] | None] = mapped_column(JSONB)


class SyncInboxRecord(Base):
    """A pulled record not applied yet: stored with the cursor, so a pull cut off anywhere resumes."""

    __tablename__ = "sync_inbox"
    __table_args__ = (Index("ix_sync_inbox_collection_server_seq", "collection", "server_seq"),)

    collection: Mapped[str] = mapped_column(String(32), primary_key=True)
    record_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    server_seq: Mapped[int] = mapped_column(BigInteger)
    state: Mapped[dict[str, Any]] = mapped_column(JSONB)


class SyncOutgoingPush(Base):
    """A push written down before it is sent: after a crash the same push id goes again, applied once."""

    __tablename__ = "sync_outgoing_pushes"

    push_id: Mapped[uuid.UUID] = mapped_column(primary_key=True)
    body: Mapped[dict[str, Any]] = mapped_column(JSONB)
    created_at: Mapped[datetime] = mapped_column(server_default=text("now()"))


class SyncUploadedFile(Base):
    """A document file the server already has, by SHA-256."""

    __tablename__ = "sync_uploaded_files"

    sha256: Mapped[str] = mapped_column(String(64), primary_key=True)
    uploaded_at: Mapped[datetime] = mapped_column(server_default=text("now()"))

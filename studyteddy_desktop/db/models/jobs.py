"""Background work the worker owes: the durable record behind every queued task."""

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import CheckConstraint, Double, Index, Integer, String, Text, func, text
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, mapped_column

from studyteddy_desktop.db.base import Base, str_enum, transaction_time
from studyteddy_desktop.domain.enums import JobState


class BackgroundJob(Base):
    """A unit of background work and its progress, written before the task is enqueued.

    The queue itself may lose messages (the worker or the machine can die mid-task); this
    row is the source of truth, and the worker's startup reaper re-queues or fails rows it
    finds in a non-final state. Local to this device, so not a SyncedRow.
    """

    __tablename__ = "background_jobs"
    __table_args__ = (
        CheckConstraint("progress >= 0 AND progress <= 1", name="progress_range"),
        CheckConstraint("attempts >= 0", name="attempts_not_negative"),
        Index("ix_background_jobs_state", "state"),
    )

    id: Mapped[uuid.UUID] = mapped_column(
        primary_key=True, default=uuid.uuid4, server_default=func.gen_random_uuid()
    )
    # Which handler runs it, e.g. "documents.import"; payload is that handler's arguments.
    kind: Mapped[str] = mapped_column(String(64))
    payload: Mapped[dict[str, Any]] = mapped_column(
        JSONB, default=dict, server_default=text("'{}'::jsonb")
    )
    state: Mapped[JobState] = mapped_column(
        str_enum(JobState, constraint_name="state"),
        default=JobState.QUEUED,
        server_default=JobState.QUEUED.value,
    )
    progress: Mapped[float] = mapped_column(Double, default=0.0, server_default=text("0"))
    # Latest human-readable step ("Embedding page 12 of 40"), shown in the jobs panel.
    message: Mapped[str | None] = mapped_column(Text)
    # What the handler produced (e.g. the id of the document it created), for the UI.
    result: Mapped[dict[str, Any]] = mapped_column(
        JSONB, default=dict, server_default=text("'{}'::jsonb")
    )
    error: Mapped[str | None] = mapped_column(Text)
    attempts: Mapped[int] = mapped_column(Integer, default=0, server_default=text("0"))
    # The boot token of the worker running it: a duplicate delivery to that same worker is skipped,
    # while a new worker (new token) may take over a job its dead predecessor left running.
    worker_token: Mapped[str | None] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(server_default=func.now())
    updated_at: Mapped[datetime] = mapped_column(server_default=transaction_time(), onupdate=transaction_time())
    finished_at: Mapped[datetime | None]

    @property
    def is_finished(self) -> bool:
        return self.state.is_final

    def __repr__(self) -> str:
        return f"BackgroundJob(id={self.id!s}, kind={self.kind!r}, state={self.state!s})"

"""Study planner rows: tasks to do, exams to prepare for, and the sessions spent studying."""

import uuid
from datetime import datetime

from sqlalchemy import CheckConstraint, ForeignKey, Index, Integer, SmallInteger, String, Text, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from studyteddy_desktop.db.base import Base, SyncedRow, str_enum, transaction_time
from studyteddy_desktop.domain.enums import FocusPhase, TaskPriority, TaskStatus


class Task(SyncedRow, Base):
    __tablename__ = "tasks"
    __table_args__ = (
        CheckConstraint("estimated_minutes >= 0", name="estimated_minutes_not_negative"),
        CheckConstraint("actual_minutes >= 0", name="actual_minutes_not_negative"),
        Index("ix_tasks_user_id_due_at", "user_id", "due_at"),
        # The planner's list shows open tasks by due date; most of a long history is done tasks.
        Index("ix_tasks_open_user_id_due_at", "user_id", "due_at",
              postgresql_where=text("status = 'open' AND deleted_at IS NULL")),
        Index("ix_tasks_user_id_completed_at", "user_id", "completed_at"),
        Index("ix_tasks_user_id_updated_at", "user_id", "updated_at"),
    )

    user_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    title: Mapped[str] = mapped_column(String(500))
    description: Mapped[str | None] = mapped_column(Text)
    subject: Mapped[str | None] = mapped_column(String(120))
    due_at: Mapped[datetime | None]
    priority: Mapped[TaskPriority] = mapped_column(
        str_enum(TaskPriority, constraint_name="priority"),
        default=TaskPriority.MEDIUM,
        server_default=TaskPriority.MEDIUM.value,
    )
    status: Mapped[TaskStatus] = mapped_column(
        str_enum(TaskStatus, constraint_name="status"),
        default=TaskStatus.OPEN,
        server_default=TaskStatus.OPEN.value,
    )
    # Unknown until the student estimates, so NULL rather than a misleading 0.
    estimated_minutes: Mapped[int | None] = mapped_column(Integer)
    actual_minutes: Mapped[int] = mapped_column(Integer, default=0, server_default=text("0"))
    completed_at: Mapped[datetime | None]

    study_sessions: Mapped[list["StudySession"]] = relationship(
        back_populates="task", passive_deletes=True
    )

    def __repr__(self) -> str:
        return f"Task(id={self.id!s}, title={self.title!r}, status={self.status!s})"


class Exam(SyncedRow, Base):
    __tablename__ = "exams"
    __table_args__ = (Index("ix_exams_user_id_exam_at", "user_id", "exam_at"),)

    user_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    subject: Mapped[str] = mapped_column(String(120))
    title: Mapped[str] = mapped_column(String(500))
    exam_at: Mapped[datetime]

    def __repr__(self) -> str:
        return f"Exam(id={self.id!s}, title={self.title!r}, exam_at={self.exam_at!s})"


class StudySession(SyncedRow, Base):
    """A stretch of focused study, optionally for one task; open while ended_at is NULL."""

    __tablename__ = "study_sessions"
    __table_args__ = (
        CheckConstraint(
            "ended_at IS NULL OR ended_at >= started_at", name="ended_not_before_started"
        ),
        CheckConstraint("duration_minutes >= 0", name="duration_minutes_not_negative"),
        CheckConstraint("focus_score BETWEEN 1 AND 5", name="focus_score_range"),
        Index("ix_study_sessions_user_id_started_at", "user_id", "started_at"),
        # Deleting a task nulls task_id here; without an index that is a scan per task.
        Index("ix_study_sessions_task_id", "task_id"),
    )

    user_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    # The history of time studied outlives the task it was logged against.
    task_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("tasks.id", ondelete="SET NULL")
    )
    subject: Mapped[str | None] = mapped_column(String(120))
    started_at: Mapped[datetime]
    ended_at: Mapped[datetime | None]
    # Stored rather than derived because pauses make it shorter than ended_at - started_at.
    duration_minutes: Mapped[int | None] = mapped_column(Integer)
    focus_score: Mapped[int | None] = mapped_column(SmallInteger)
    notes: Mapped[str | None] = mapped_column(Text)

    task: Mapped[Task | None] = relationship(back_populates="study_sessions")

    def __repr__(self) -> str:
        return (
            f"StudySession(id={self.id!s}, subject={self.subject!r}, "
            f"started_at={self.started_at!s})"
        )


class FocusTimer(Base):
    """The student's running Pomodoro timer, so it survives switching panes, quitting and crashes.

    Times are wall-clock stamps, not a countdown: whatever happens to the app, the remaining
    time is recomputed from them. At most one per student.
    """

    __tablename__ = "focus_timers"
    __table_args__ = (
        CheckConstraint("work_minutes BETWEEN 1 AND 240", name="work_minutes_range"),
        CheckConstraint("break_minutes BETWEEN 1 AND 120", name="break_minutes_range"),
        CheckConstraint("worked_seconds >= 0", name="worked_seconds_not_negative"),
        Index("ix_focus_timers_study_session_id", "study_session_id"),
        Index("ix_focus_timers_task_id", "task_id"),
    )

    user_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), primary_key=True
    )
    # The open study session (ended_at NULL) this timer will close.
    study_session_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("study_sessions.id", ondelete="CASCADE")
    )
    task_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("tasks.id", ondelete="SET NULL"))
    subject: Mapped[str | None] = mapped_column(String(120))
    work_minutes: Mapped[int] = mapped_column(Integer)
    break_minutes: Mapped[int] = mapped_column(Integer)
    phase: Mapped[FocusPhase] = mapped_column(str_enum(FocusPhase, constraint_name="phase"))
    phase_started_at: Mapped[datetime]
    paused_at: Mapped[datetime | None]
    # Work already banked from finished work phases and from before a pause.
    worked_seconds: Mapped[int] = mapped_column(Integer, default=0, server_default=text("0"))
    completed_rounds: Mapped[int] = mapped_column(Integer, default=0, server_default=text("0"))
    updated_at: Mapped[datetime] = mapped_column(server_default=transaction_time(), onupdate=transaction_time())

    def __repr__(self) -> str:
        return f"FocusTimer(user_id={self.user_id!s}, phase={self.phase!s})"

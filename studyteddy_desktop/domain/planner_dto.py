"""Frozen values of the planner, focus timer, reminders and dashboard that cross the service boundary."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from studyteddy_desktop.domain.enums import FocusPhase, TaskPriority, TaskStatus

PRIORITY_RANK = {TaskPriority.URGENT: 0, TaskPriority.HIGH: 1, TaskPriority.MEDIUM: 2, TaskPriority.LOW: 3}


@dataclass(frozen=True)
class TaskDTO:
    id: uuid.UUID
    title: str
    description: str | None
    subject: str | None
    due_at: datetime | None
    priority: TaskPriority
    status: TaskStatus
    estimated_minutes: int | None
    actual_minutes: int
    completed_at: datetime | None
    created_at: datetime
    updated_at: datetime

    @property
    def is_done(self) -> bool:
        return self.status == TaskStatus.DONE

    def is_overdue(self, now: datetime) -> bool:
        return not self.is_done and self.due_at is not None and self.due_at < now


@dataclass(frozen=True)
class TaskDraft:
    """What the student typed for a new or edited task; the service validates it."""

    title: str
    description: str | None = None
    subject: str | None = None
    due_at: datetime | None = None
    priority: TaskPriority = TaskPriority.MEDIUM
    estimated_minutes: int | None = None


class TaskSort:
    DUE = "due"
    PRIORITY = "priority"
    CREATED = "created"
    TITLE = "title"
    ALL = (DUE, PRIORITY, CREATED, TITLE)


@dataclass(frozen=True)
class TaskFilter:
    """Which tasks a list shows; None means "any"."""

    subject: str | None = None
    status: TaskStatus | None = TaskStatus.OPEN
    due_from: datetime | None = None
    due_before: datetime | None = None
    sort: str = TaskSort.DUE
    limit: int = 1000


@dataclass(frozen=True)
class TaskPage:
    tasks: tuple[TaskDTO, ...]
    total: int

    @property
    def truncated(self) -> bool:
        return self.total > len(self.tasks)


@dataclass(frozen=True)
class ExamDTO:
    id: uuid.UUID
    subject: str
    title: str
    exam_at: datetime
    days_left: int


@dataclass(frozen=True)
class ExamOutlook:
    """How ready a subject's flashcards are for an exam, and the work still ahead of it."""

    exam: ExamDTO
    target_recall: float
    cards_total: int
    cards_below_target: int
    reviews_per_day: int
    open_tasks: int
    open_task_minutes: int


@dataclass(frozen=True)
class StudySessionDTO:
    id: uuid.UUID
    task_id: uuid.UUID | None
    subject: str | None
    started_at: datetime
    ended_at: datetime | None
    duration_minutes: int | None
    focus_score: int | None
    notes: str | None


@dataclass(frozen=True)
class FocusSettings:
    work_minutes: int = 25
    break_minutes: int = 5


@dataclass(frozen=True)
class FocusTimerDTO:
    """A running timer as stamps; the remaining time is always computed from the clock."""

    study_session_id: uuid.UUID
    task_id: uuid.UUID | None
    task_title: str | None
    subject: str | None
    work_minutes: int
    break_minutes: int
    phase: FocusPhase
    phase_started_at: datetime
    paused_at: datetime | None
    worked_seconds: int
    completed_rounds: int

    @property
    def is_paused(self) -> bool:
        return self.paused_at is not None

    @property
    def phase_length(self) -> timedelta:
        minutes = self.work_minutes if self.phase == FocusPhase.WORK else self.break_minutes
        return timedelta(minutes=minutes)

    def phase_elapsed(self, now: datetime) -> timedelta:
        until = self.paused_at or now
        return max(until - self.phase_started_at, timedelta(0))

    def phase_remaining(self, now: datetime) -> timedelta:
        return max(self.phase_length - self.phase_elapsed(now), timedelta(0))

    def phase_over(self, now: datetime) -> bool:
        return self.phase_remaining(now) == timedelta(0)

    def worked_seconds_at(self, now: datetime) -> int:
        """Work so far; a work phase counts at most its length, however long the app was away."""
        if self.phase != FocusPhase.WORK:
            return self.worked_seconds
        current = min(self.phase_elapsed(now), self.phase_length)
        return self.worked_seconds + int(current.total_seconds())


@dataclass(frozen=True)
class ReminderSettings:
    tasks_due: bool = True
    exams_near: bool = True
    cards_due: bool = True


@dataclass(frozen=True)
class Reminder:
    """One desktop notification; `key` makes sure it is shown once."""

    kind: str
    key: str
    title: str
    message: str


@dataclass(frozen=True)
class StatCards:
    due_today: int
    overdue: int
    completed_this_week: int
    study_minutes_this_week: int
    streak_days: int
    cards_due: int


@dataclass(frozen=True)
class SubjectWeeks:
    """Study minutes per subject per week, oldest week first."""

    week_starts: tuple[date, ...]
    minutes_by_subject: tuple[tuple[str, tuple[int, ...]], ...]


@dataclass(frozen=True)
class DayActivity:
    day: date
    study_minutes: int
    tasks_completed: int
    reviews: int

    @property
    def active(self) -> bool:
        return self.study_minutes > 0 or self.tasks_completed > 0 or self.reviews > 0


@dataclass(frozen=True)
class DashboardDTO:
    display_name: str
    today: date
    stats: StatCards
    subject_weeks: SubjectWeeks
    heatmap: tuple[DayActivity, ...]
    upcoming_tasks: tuple[TaskDTO, ...]
    upcoming_exams: tuple[ExamDTO, ...]
    recent_tasks: tuple[TaskDTO, ...]


@dataclass(frozen=True)
class WeekStats:
    week_start: date
    study_minutes: int
    tasks_completed: int
    reviews: int
    mature_reviews: int
    mature_passes: int

    @property
    def true_retention(self) -> float | None:
        """Share of reviews of mature cards answered correctly; None without such reviews."""
        return self.mature_passes / self.mature_reviews if self.mature_reviews else None


@dataclass(frozen=True)
class AnalyticsDTO:
    weeks: tuple[WeekStats, ...]
    total_study_minutes: int
    total_tasks_completed: int
    total_reviews: int


@dataclass(frozen=True)
class CalendarImportResult:
    tasks_added: int = 0
    tasks_updated: int = 0
    exams_added: int = 0
    exams_updated: int = 0
    skipped_without_date: int = 0
    skipped_other: int = 0
    notes: tuple[str, ...] = field(default_factory=tuple)

    def summary(self) -> str:
        parts = [f"{self.tasks_added} task(s) added", f"{self.exams_added} exam(s) added"]
        if self.tasks_updated or self.exams_updated:
            parts.append(f"{self.tasks_updated + self.exams_updated} updated")
        if self.skipped_without_date:
            parts.append(f"{self.skipped_without_date} event(s) without a date skipped")
        if self.skipped_other:
            parts.append(f"{self.skipped_other} other entr(ies) skipped")
        return ", ".join(parts) + "."


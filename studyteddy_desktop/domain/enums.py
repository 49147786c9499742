"""Closed sets of values shared by the domain, database and UI layers."""

import enum


class TaskStatus(enum.StrEnum):
    OPEN = "open"
    DONE = "done"


class FocusPhase(enum.StrEnum):
    """Which half of a Pomodoro round the focus timer is in."""

    WORK = "work"
    BREAK = "break"


class TaskPriority(enum.StrEnum):
    LOW = "low"
    MEDIUM = "medium"
    HIGH = "high"
    URGENT = "urgent"


class DocumentStatus(enum.StrEnum):
    QUEUED = "queued"
    EXTRACTING = "extracting"
    EMBEDDING = "embedding"
    READY = "ready"
    FAILED = "failed"
    NEEDS_PASSWORD = "needs_password"
    CANCELLED = "cancelled"
    # Read fine, but holds no text layer (a scan): nothing to index until it is OCRed elsewhere.
    NO_TEXT = "no_text"

    @property
    def is_final(self) -> bool:
        """True when the import pipeline will not touch the document again without user action."""
        return self in _FINAL_DOCUMENT_STATUSES


_FINAL_DOCUMENT_STATUSES = frozenset(
    {
        DocumentStatus.READY,
        DocumentStatus.FAILED,
        DocumentStatus.NEEDS_PASSWORD,
        DocumentStatus.CANCELLED,
        DocumentStatus.NO_TEXT,
    }
)


class CardState(enum.StrEnum):
    """FSRS card states, spelled as the FSRS scheduler spells them (lower-cased)."""

    NEW = "new"
    LEARNING = "learning"
    REVIEW = "review"
    RELEARNING = "relearning"


class ReviewRating(enum.IntEnum):
    """FSRS answer grades; the integers are what the scheduler and review_logs.rating store."""

    AGAIN = 1
    HARD = 2
    GOOD = 3
    EASY = 4


class JobState(enum.StrEnum):
    QUEUED = "queued"
    RUNNING = "running"
    DONE = "done"
    FAILED = "failed"
    CANCELLED = "cancelled"

    @property
    def is_final(self) -> bool:
        """True for states the startup reaper leaves alone."""
        return self in _FINAL_JOB_STATES


_FINAL_JOB_STATES = frozenset({JobState.DONE, JobState.FAILED, JobState.CANCELLED})


class InteractionMode(enum.StrEnum):
    EXPLAIN = "explain"
    QUIZ = "quiz"
    SUMMARISE = "summarise"


class InteractionStatus(enum.StrEnum):
    """Lifecycle of one tutor answer, which is streamed into the row while it is generated."""

    GENERATING = "generating"
    DONE = "done"
    FAILED = "failed"
    CANCELLED = "cancelled"

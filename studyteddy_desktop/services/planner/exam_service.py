"""Exams per subject: days left, and the flashcard reviews a day that reach the target recall."""

from __future__ import annotations

import math
import uuid
from datetime import datetime

import sqlalchemy as sa

from studyteddy_desktop.db.models import Exam
from studyteddy_desktop.db.repositories.task_repository import ExamRepository, TaskRepository
from studyteddy_desktop.domain.errors import InvalidInputError, NotFoundError
from studyteddy_desktop.domain.local_time import day_bounds, local_date
from studyteddy_desktop.domain.planner_dto import ExamDTO, ExamOutlook
from studyteddy_desktop.services.planner import planner_input as check
from studyteddy_desktop.services.core.text_input import clean_subject, clean_text
from studyteddy_desktop.services.core.activity_cache import ActivityCache
from studyteddy_desktop.services.core.database import Database
from studyteddy_desktop.services.core.local_student import LocalStudent

# FSRS-6's default decay (w20); a deck with optimised parameters uses its own.
DEFAULT_FSRS_DECAY = 0.1542

# FSRS forgetting curve R(t, S) = (1 + F * t / S) ^ -decay with F = 0.9 ^ (-1 / decay) - 1, so
# that R = 0.9 when t = S. A card is "below target" when, left alone, its predicted recall on
# exam day is under its deck's desired retention; new cards have no memory yet and count too.
_CARDS_FOR_SUBJECT = sa.text("""
WITH cards AS (
    SELECT c.stability, c.last_review_at, d.desired_retention,
           COALESCE((d.fsrs_parameters ->> 20)::float8, :default_decay) AS decay
    FROM flashcards c JOIN flashcard_decks d ON d.id = c.deck_id
    WHERE d.user_id = :user_id AND d.deleted_at IS NULL AND c.deleted_at IS NULL
      AND NOT c.suspended AND lower(d.subject) = lower(:subject)
)
SELECT COUNT(*),
       COUNT(*) FILTER (WHERE stability IS NULL OR stability <= 0 OR last_review_at IS NULL
           OR power(1 + (power(0.9, -1 / decay) - 1)
                        * GREATEST(EXTRACT(EPOCH FROM (:exam_at - last_review_at)) / 86400.0, 0)
                        / stability, -decay) < desired_retention),
       COALESCE(AVG(desired_retention), 0.9)
FROM cards
""")


class ExamService:
    def __init__(self, database: Database, student: LocalStudent, cache: ActivityCache) -> None:
        self.database = database
        self.student = student
        self.cache = cache

    def _dto(self, exam: Exam) -> ExamDTO:
        days_left = (local_date(exam.exam_at, self.student.zone) - self.student.today()).days
        return ExamDTO(id=exam.id, subject=exam.subject, title=exam.title, exam_at=exam.exam_at,
                       days_left=days_left)

    def _clean(self, subject: str, title: str | None, exam_at: datetime) -> tuple[str, str, datetime]:
        cleaned_subject = clean_subject(subject)
        if cleaned_subject is None:
            raise InvalidInputError("An exam needs a subject.")
        cleaned_title = clean_text(title, limit=check.MAX_TITLE, what="title") or f"{cleaned_subject} exam"
        when = check.clean_moment(exam_at, what="exam date")
        assert when is not None
        return cleaned_subject, cleaned_title, when

    def add_exam(self, subject: str, title: str | None, exam_at: datetime, *,
                 exam_id: uuid.UUID | None = None) -> ExamDTO:
        user_id = self.student.user_id()
        subject, title, when = self._clean(subject, title, exam_at)
        with self.database.unit_of_work() as session:
            exam = ExamRepository(session).add(
                Exam(id=exam_id or uuid.uuid4(), user_id=user_id, subject=subject, title=title, exam_at=when))
            dto = self._dto(exam)
        self.cache.bump(user_id)
        return dto

    def update_exam(self, exam_id: uuid.UUID, subject: str, title: str | None, exam_at: datetime) -> ExamDTO:
        user_id = self.student.user_id()
        subject, title, when = self._clean(subject, title, exam_at)
        with self.database.unit_of_work() as session:
            exam = ExamRepository(session).get(exam_id, user_id=user_id)
            if exam is None:
                raise NotFoundError("That exam does not exist any more.")
            exam.subject, exam.title, exam.exam_at = subject, title, when
            session.flush()
            dto = self._dto(exam)
        self.cache.bump(user_id)
        return dto

    def delete_exam(self, exam_id: uuid.UUID, *, deleted: bool = True) -> ExamDTO:
        """Tombstone an exam; `deleted=False` undoes it."""
        user_id = self.student.user_id()
        with self.database.unit_of_work() as session:
            exams = ExamRepository(session)
            exam = exams.get(exam_id, user_id=user_id, include_deleted=True)
            if exam is None:
                raise NotFoundError("That exam does not exist any more.")
            if deleted:
                exams.soft_delete(exam)
            else:
                exams.restore(exam)
            dto = self._dto(exam)
        self.cache.bump(user_id)
        return dto

    def upcoming(self, limit: int = 50) -> tuple[ExamDTO, ...]:
        """Exams from the start of today on, soonest first."""
        start = day_bounds(self.student.today(), self.student.zone)[0]
        with self.database.unit_of_work() as session:
            return tuple(self._dto(exam) for exam in ExamRepository(session).exams_from(
                self.student.user_id(), start, limit))

    def outlook(self, exam_id: uuid.UUID) -> ExamOutlook:
        user_id = self.student.user_id()
        with self.database.unit_of_work() as session:
            exam = ExamRepository(session).get(exam_id, user_id=user_id)
            if exam is None:
                raise NotFoundError("That exam does not exist any more.")
            total, below, target = session.execute(_CARDS_FOR_SUBJECT, {
                "user_id": user_id, "subject": exam.subject, "exam_at": exam.exam_at,
                "default_decay": DEFAULT_FSRS_DECAY}).one()
            open_tasks, open_minutes = TaskRepository(session).open_workload(
                user_id, exam.subject, exam.exam_at)
            dto = self._dto(exam)
        # Each card below target needs one review before the exam; spread over the days left
        # (the exam day itself counts when it is today).
        days = max(dto.days_left, 1)
        per_day = math.ceil(int(below) / days) if dto.days_left >= 0 else 0
        return ExamOutlook(exam=dto, target_recall=float(target), cards_total=int(total),
                           cards_below_target=int(below), reviews_per_day=per_day,
                           open_tasks=open_tasks, open_task_minutes=open_minutes)

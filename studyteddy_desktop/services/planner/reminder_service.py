"""Which desktop reminders are due now: tasks due soon, exams near, cards waiting; each shown once."""

from __future__ import annotations

import logging
import uuid
from datetime import timedelta

from studyteddy_desktop.db.repositories.flashcard_repository import FlashcardRepository
from studyteddy_desktop.db.repositories.task_repository import ExamRepository, TaskRepository
from studyteddy_desktop.domain.local_time import day_bounds
from studyteddy_desktop.domain.planner_dto import Reminder
from studyteddy_desktop.services.core.database import Database
from studyteddy_desktop.services.core.local_student import LocalStudent
from studyteddy_desktop.services.core.shared_store import SHARED_STORE_ERRORS, SharedStore
from studyteddy_desktop.services.core.study_preferences import StudyPreferences

log = logging.getLogger(__name__)

TASK_DUE_WITHIN = timedelta(hours=2)
EXAM_WITHIN_DAYS = 3
_SHOWN_TTL_S = 8 * 24 * 3600
_MAX_PER_CHECK = 5


class ReminderService:
    def __init__(self, database: Database, student: LocalStudent, preferences: StudyPreferences,
                 shared_store: SharedStore | None) -> None:
        self.database = database
        self.student = student
        self.preferences = preferences
        self.shared_store = shared_store

    def pending(self) -> list[Reminder]:
        """What could be announced now, under the student's settings (nothing is marked shown)."""
        settings = self.preferences.reminders()
        user_id = self.student.user_id()
        now = self.student.now()
        zone = self.student.zone
        today = self.student.today()
        found: list[Reminder] = []
        with self.database.unit_of_work() as session:
            tasks = TaskRepository(session)
            if settings.tasks_due:
                for task in tasks.open_due_between(user_id, now, now + TASK_DUE_WITHIN, limit=_MAX_PER_CHECK):
                    when = task.due_at.astimezone(zone).strftime("%H:%M")
                    found.append(Reminder("task", f"task:{task.id}:{task.due_at.isoformat()}",
                                          "Task due soon", f"{task.title} is due at {when}."))
            if settings.exams_near:
                end = day_bounds(today + timedelta(days=EXAM_WITHIN_DAYS), zone)[1]
                exams = ExamRepository(session)
                for exam in exams.exams_from(user_id, day_bounds(today, zone)[0], limit=_MAX_PER_CHECK):
                    if exam.exam_at >= end:
                        break
                    days = (exam.exam_at.astimezone(zone).date() - today).days
                    when = {0: "today", 1: "tomorrow"}.get(days, f"in {days} days")
                    # Once per exam per day, so "in 3 days", "tomorrow" and "today" each appear.
                    found.append(Reminder("exam", f"exam:{exam.id}:{today.isoformat()}",
                                          "Exam coming up", f"{exam.title} ({exam.subject}) is {when}."))
            if settings.cards_due:
                due = FlashcardRepository(session).cards_due_today(user_id, now, day_bounds(today, zone)[0])
                if due:
                    found.append(Reminder("cards", f"cards:{today.isoformat()}", "Flashcards waiting",
                                          f"{due} card{'s' if due != 1 else ''} are due for review."))
        return found

    def _shown_key(self, user_id: uuid.UUID, reminder: Reminder) -> str:
        return f"studyteddy:reminded:{user_id}:{reminder.key}"

    def take_new(self) -> list[Reminder]:
        """Reminders not shown before, marked as shown; a restart does not repeat them."""
        user_id = self.student.user_id()
        fresh: list[Reminder] = []
        for reminder in self.pending():
            if self.shared_store is None:
                fresh.append(reminder)
                continue
            try:
                first_time = self.shared_store.set(self._shown_key(user_id, reminder), "1", nx=True,
                                                    ex=_SHOWN_TTL_S)
            except SHARED_STORE_ERRORS as error:
                log.warning("Reminder bookkeeping unavailable: %s", error)
                return []
            if first_time:
                fresh.append(reminder)
        return fresh

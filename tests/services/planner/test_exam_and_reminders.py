"""Exams with their flashcard outlook, and reminders that respect settings and show once."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from studyteddy_desktop.db.models import Flashcard, FlashcardDeck
from studyteddy_desktop.domain.enums import CardState
from studyteddy_desktop.domain.errors import InvalidInputError, NotFoundError
from studyteddy_desktop.domain.planner_dto import ReminderSettings, TaskDraft
from tests.planner_support import clock, planner, planner_database, planner_engine, shared_store  # noqa: F401


def add_cards(planner, subject: str, stabilities: list[float | None], reviewed: datetime) -> None:
    with planner.database.unit_of_work() as session:
        deck = FlashcardDeck(user_id=planner.student.user_id(), name=subject, subject=subject,
                             desired_retention=0.9)
        session.add(deck)
        session.flush()
        for stability in stabilities:
            session.add(Flashcard(deck_id=deck.id, front="Q", back="A", stability=stability,
                                  difficulty=5.0 if stability else None,
                                  state=CardState.REVIEW if stability else CardState.NEW,
                                  last_review_at=reviewed if stability else None, due_at=reviewed))


def test_exam_outlook_counts_cards_that_fsrs_predicts_below_target(planner, clock):
    exam = planner.exams.add_exam("Biology", None, clock() + timedelta(days=10))
    assert (exam.title, exam.days_left) == ("Biology exam", 10)
    # Reviewed today: R(t=10 days) with S=100 stays above 0.9; S=2 falls well below; new cards count.
    add_cards(planner, "biology", [100.0, 2.0, 5.0, None], clock())
    add_cards(planner, "History", [1.0], clock())
    planner.planner.add_task(TaskDraft(title="Past papers", subject="Biology", estimated_minutes=90,
                                       due_at=clock() + timedelta(days=3)))
    planner.planner.add_task(TaskDraft(title="After the exam", subject="Biology", estimated_minutes=30,
                                       due_at=clock() + timedelta(days=30)))
    outlook = planner.exams.outlook(exam.id)
    assert (outlook.cards_total, outlook.cards_below_target) == (4, 3)
    assert outlook.reviews_per_day == 1  # 3 cards over 10 days
    assert (outlook.open_tasks, outlook.open_task_minutes) == (1, 90)
    assert outlook.target_recall == pytest.approx(0.9)


def test_exam_input_and_lifecycle(planner, clock):
    with pytest.raises(InvalidInputError, match="needs a subject"):
        planner.exams.add_exam("  ", "Final", clock())
    with pytest.raises(InvalidInputError):
        planner.exams.add_exam("Maths", "Final", datetime(2500, 1, 1, tzinfo=UTC))
    exam = planner.exams.add_exam("Maths", "Final", clock() + timedelta(hours=2))
    assert exam.days_left == 0 and planner.exams.upcoming() == (exam,)
    planner.exams.delete_exam(exam.id)
    assert planner.exams.upcoming() == ()
    planner.exams.delete_exam(exam.id, deleted=False)
    moved = planner.exams.update_exam(exam.id, "Maths", "Final (moved)", clock() + timedelta(days=1))
    assert (moved.title, moved.days_left) == ("Final (moved)", 1)
    outlook = planner.exams.outlook(exam.id)
    assert outlook.cards_total == 0 and outlook.reviews_per_day == 0
    with pytest.raises(NotFoundError):
        planner.exams.outlook(planner.student.user_id())


def test_reminders_follow_the_settings_and_show_once(planner, clock):
    planner.planner.add_task(TaskDraft(title="Lab report", due_at=clock() + timedelta(minutes=90)))
    planner.planner.add_task(TaskDraft(title="Far away", due_at=clock() + timedelta(days=2)))
    planner.exams.add_exam("Chemistry", "Chem final", clock() + timedelta(days=2))
    add_cards(planner, "Chemistry", [3.0], clock() - timedelta(days=1))
    kinds = sorted(reminder.kind for reminder in planner.reminders.take_new())
    assert kinds == ["cards", "exam", "task"]
    assert planner.reminders.take_new() == []  # shown once, even for a new process
    planner.preferences.set_reminders(ReminderSettings(tasks_due=False, exams_near=True, cards_due=False))
    assert planner.preferences.reminders() == ReminderSettings(False, True, False)
    assert [reminder.kind for reminder in planner.reminders.pending()] == ["exam"]
    messages = [reminder.message for reminder in planner.reminders.pending()]
    assert messages == ["Chem final (Chemistry) is in 2 days."]


def test_a_due_task_reminder_names_the_local_time(planner, clock):
    planner.planner.add_task(TaskDraft(title="Quiz", due_at=datetime(2026, 3, 27, 11, 0, tzinfo=UTC)))
    (reminder,) = planner.reminders.pending()
    assert reminder.message == "Quiz is due at 12:00."  # Berlin is UTC+1 in March before the change

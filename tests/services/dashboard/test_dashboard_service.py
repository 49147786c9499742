"""Dashboard figures and analytics: correct from the view and the live tables, cached and invalidated."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
import redis

from studyteddy_desktop.db.models import Flashcard, FlashcardDeck, ReviewLog, StudySession
from studyteddy_desktop.db.repositories.analytics_repository import AnalyticsRepository
from studyteddy_desktop.domain.enums import CardState, ReviewRating
from studyteddy_desktop.domain.flashcard_dto import CardDraft
from studyteddy_desktop.domain.planner_dto import TaskDraft
from studyteddy_desktop.services.core.postgres_shared_store import PostgresSharedStore
from studyteddy_desktop.services.core.shared_store import SharedStore
from studyteddy_desktop.services.dashboard.dashboard_service import streak_ending
from studyteddy_desktop.services.flashcards.flashcard_service import FlashcardService
from studyteddy_desktop.services.flashcards.review_service import ReviewService
from tests.planner_support import (BERLIN, build_planner, clock, planner, planner_database,  # noqa: F401
                                   planner_engine, shared_store)


def add_session(planner, started: datetime, minutes: int, subject: str | None = "Biology") -> None:
    with planner.database.unit_of_work() as session:
        session.add(StudySession(user_id=planner.student.user_id(), subject=subject, started_at=started,
                                 ended_at=started + timedelta(minutes=minutes), duration_minutes=minutes))
        AnalyticsRepository(session).changed_since(started)  # as every writer of sessions does


def add_reviews(planner, reviewed: datetime, ratings: list[int], state=CardState.REVIEW) -> None:
    with planner.database.unit_of_work() as session:
        deck = FlashcardDeck(user_id=planner.student.user_id(), name="Cells", subject="Biology")
        session.add(deck)
        session.flush()
        card = Flashcard(deck_id=deck.id, front="Q", back="A", due_at=reviewed)
        session.add(card)
        session.flush()
        for rating in ratings:
            session.add(ReviewLog(card_id=card.id, rating=rating, reviewed_at=reviewed, state_before=state))
        AnalyticsRepository(session).changed_since(reviewed)


def test_an_empty_dashboard_is_all_zeros(planner):
    board = planner.dashboard.dashboard()
    assert board.stats.due_today == board.stats.streak_days == board.stats.cards_due == 0
    assert board.upcoming_tasks == board.recent_tasks == board.upcoming_exams == ()
    assert len(board.heatmap) >= 78 and not any(day.active for day in board.heatmap)
    assert board.subject_weeks.minutes_by_subject == ()
    assert board.display_name


def test_stat_cards_count_today_and_this_week(planner, clock):
    # 2026-03-27 is a Friday; the week began on Monday the 23rd (Berlin time).
    now = clock()
    planner.planner.add_task(TaskDraft(title="Due tonight", due_at=now + timedelta(hours=8)))
    planner.planner.add_task(TaskDraft(title="Overdue", due_at=now - timedelta(days=2)))
    planner.planner.add_task(TaskDraft(title="Next week", due_at=now + timedelta(days=5)))
    done = planner.planner.add_task(TaskDraft(title="Done", due_at=now + timedelta(hours=1)))
    planner.planner.set_done(done.id)
    add_session(planner, now - timedelta(hours=3), 40)
    add_session(planner, datetime(2026, 3, 22, 22, 30, tzinfo=UTC), 30)  # Sunday 23:30 Berlin: last week
    board = planner.dashboard.dashboard()
    assert (board.stats.due_today, board.stats.overdue, board.stats.completed_this_week,
            board.stats.study_minutes_this_week) == (1, 1, 1, 40)
    assert [task.title for task in board.upcoming_tasks] == ["Overdue", "Due tonight", "Next week"]
    assert board.recent_tasks[0].title == "Done"
    assert board.stats.streak_days == 1


def test_the_cache_is_invalidated_by_every_change(planner, clock, shared_store):
    first = planner.dashboard.dashboard()
    key = planner.cache.key(planner.student.user_id(), "dashboard", planner.student.today().isoformat(),
                            "Europe/Berlin")
    assert shared_store.get(key) is not None  # really cached
    task = planner.planner.add_task(TaskDraft(title="New", due_at=clock() + timedelta(hours=1)))
    second = planner.dashboard.dashboard()
    assert (first.stats.due_today, second.stats.due_today) == (0, 1)
    planner.planner.set_done(task.id)
    assert planner.dashboard.dashboard().stats.completed_this_week == 1
    planner.focus.start()
    clock.advance(minutes=20)
    planner.focus.finish()
    assert planner.dashboard.dashboard().stats.study_minutes_this_week == 20


def _unreachable_store(kind: str) -> SharedStore:
    if kind == "redis":
        return redis.Redis(unix_socket_path="/nonexistent/redis.sock", socket_timeout=0.2)
    return PostgresSharedStore("postgresql+psycopg://nobody@/studyteddy?host=%2Fnonexistent%2Fst", timeout_s=1)


@pytest.mark.parametrize("kind", ["redis", "postgres"])
def test_a_shared_store_outage_only_costs_speed(planner_database, clock, kind):
    unreachable = _unreachable_store(kind)
    offline = build_planner(planner_database, unreachable, clock)
    offline.planner.add_task(TaskDraft(title="Still works", due_at=clock() + timedelta(hours=1)))
    assert offline.dashboard.dashboard().stats.due_today == 1


def test_the_view_and_live_days_agree_and_edits_of_closed_days_show_at_once(planner, clock):
    for days_ago in range(1, 6):
        add_session(planner, clock() - timedelta(days=days_ago), 10 * days_ago)
    add_reviews(planner, clock() - timedelta(days=2), [3, 3, 1, 4])
    live_only = planner.dashboard.analytics(weeks=4)
    assert planner.dashboard.refresh_analytics_if_stale()  # the view predates these days
    assert not planner.dashboard.refresh_analytics_if_stale()
    from_view = planner.dashboard.analytics(weeks=4)
    assert live_only == from_view
    assert from_view.total_study_minutes == 150 and from_view.total_reviews == 4
    week = next(w for w in from_view.weeks if w.reviews)
    assert (week.mature_reviews, week.mature_passes, week.true_retention) == (4, 3, 0.75)
    assert planner.dashboard.dashboard().stats.streak_days == 5
    # Completing and then reopening after the view closed that day is seen without a refresh.
    old = planner.planner.add_task(TaskDraft(title="Old"))
    planner.planner.set_done(old.id)
    clock.advance(days=1)
    planner.dashboard.refresh_analytics()
    assert planner.dashboard.analytics(weeks=4).total_tasks_completed == 1
    planner.planner.set_done(old.id, False)
    assert planner.dashboard.analytics(weeks=4).total_tasks_completed == 0


def test_days_follow_the_students_time_zone(planner_database, shared_store):
    # 23:30 UTC on a Sunday is already Monday in Berlin but still Sunday in New York.
    moment = datetime(2026, 3, 22, 23, 30, tzinfo=UTC)
    berlin = build_planner(planner_database, shared_store, lambda: moment + timedelta(hours=1))
    add_session(berlin, moment, 25)
    assert berlin.dashboard.dashboard().stats.study_minutes_this_week == 25
    berlin.dashboard.refresh_analytics()
    assert berlin.dashboard.analytics(weeks=1).weeks[0].week_start == date(2026, 3, 23)
    from zoneinfo import ZoneInfo

    new_york = build_planner(planner_database, shared_store, lambda: moment + timedelta(hours=1),
                             zone=ZoneInfo("America/New_York"))
    analytics = new_york.dashboard.analytics(weeks=2)
    assert [(w.week_start, w.study_minutes) for w in analytics.weeks] == [
        (date(2026, 3, 9), 0), (date(2026, 3, 16), 25)]
    assert new_york.dashboard.refresh_analytics_if_stale()
    assert new_york.dashboard.analytics(weeks=2) == analytics


def test_subject_chart_ranks_subjects_and_folds_the_rest(planner, clock):
    for index in range(9):
        add_session(planner, clock() - timedelta(hours=index + 1), 10 + index, subject=f"Subject {index}")
    add_session(planner, clock() - timedelta(days=8), 30, subject=None)
    chart = planner.dashboard.dashboard().subject_weeks
    names = [name for name, _minutes in chart.minutes_by_subject]
    assert names[:2] == ["No subject", "Subject 8"] and names[-1] == "Other" and len(names) == 7
    assert len(chart.week_starts) == 8 and all(day.weekday() == 0 for day in chart.week_starts)
    other = dict(chart.minutes_by_subject)["Other"]
    assert other[-1] == 10 + 11 + 12 + 13


def test_streaks():
    today = date(2026, 3, 27)
    assert streak_ending(today, set()) == 0
    assert streak_ending(today, {today}) == 1
    assert streak_ending(today, {today - timedelta(days=n) for n in range(1, 4)}) == 3
    assert streak_ending(today, {today, today - timedelta(days=2)}) == 1


def test_analytics_weeks_are_bounded(planner):
    assert len(planner.dashboard.analytics(weeks=0).weeks) == 1
    assert len(planner.dashboard.analytics(weeks=10**6).weeks) == 520
    assert planner.dashboard.analytics(weeks=3).weeks[-1].true_retention is None


def test_cards_due_and_unique_ids(planner, clock):
    now = clock()
    add_reviews(planner, now - timedelta(days=1), [3])
    add_reviews(planner, now - timedelta(days=2), [1, 3])
    with planner.database.unit_of_work() as session:
        cards = session.query(Flashcard).all()
        decks = session.query(FlashcardDeck).all()
        session.add(Flashcard(deck_id=decks[0].id, front="Later", back="A", due_at=now + timedelta(days=3)))
        session.add(Flashcard(deck_id=decks[0].id, front="Paused", back="A", due_at=now, suspended=True))
    # Two due cards count; one not due yet and one suspended do not.
    assert planner.dashboard.dashboard().stats.cards_due == 2
    assert len({card.id for card in cards}) == len(cards) == 2
    assert len({deck.id for deck in decks}) == 2
    assert {deck.user_id for deck in decks} == {planner.student.user_id()}
    assert planner.student.user_id() == planner.student.user_id()


def test_cards_due_today_agree_with_the_deck_list_and_the_review_queue(planner, tmp_path):
    flashcards = FlashcardService(planner.database, planner.student, planner.cache, tmp_path / "media")
    reviews = ReviewService(planner.database, planner.student, planner.cache)
    deck = flashcards.create_deck("Cells")
    flashcards.update_deck(deck.id, new_per_day=20)
    for number in range(30):
        flashcards.add_card(deck.id, CardDraft(f"Q{number}", "A"))
    first = reviews.queue(deck.id).cards[0]
    reviews.rate(first.card.id, ReviewRating.GOOD, shown_last_review_at=first.shown_last_review_at)
    # 29 new cards are due, but the limit of 20 a day leaves 19 after the one introduced now.
    queue = reviews.queue(deck.id)
    listed = flashcards.get_deck(deck.id)
    assert (queue.new_left, queue.reviews_left) == (listed.new_due, listed.reviews_due) == (19, 0)
    assert planner.dashboard.dashboard().stats.cards_due == flashcards.cards_due_today() == 19

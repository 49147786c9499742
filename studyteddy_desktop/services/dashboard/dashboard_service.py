"""The Dashboard's figures and the Analytics charts: SQL aggregates, cached in Redis per student."""

from __future__ import annotations

import logging
from datetime import date, datetime, timedelta
from typing import Any

from studyteddy_desktop.db.repositories.analytics_repository import AnalyticsRepository
from studyteddy_desktop.db.repositories.flashcard_repository import FlashcardRepository
from studyteddy_desktop.domain.local_time import day_bounds, local_date, week_start
from studyteddy_desktop.domain.planner_dto import AnalyticsDTO, DashboardDTO, WeekStats
from studyteddy_desktop.services.core.activity_cache import ActivityCache
from studyteddy_desktop.services.dashboard.dashboard_figures import dashboard_from_json, task_json
from studyteddy_desktop.services.core.database import Database
from studyteddy_desktop.services.planner.exam_service import ExamService
from studyteddy_desktop.services.core.local_student import LocalStudent

log = logging.getLogger(__name__)

HEATMAP_WEEKS = 12
SUBJECT_CHART_WEEKS = 8
STREAK_LOOKBACK_DAYS = 400
# Short, because "overdue" and "due today" move with the clock even when no data changes.
CACHE_TTL_S = 60


def streak_ending(today: date, active_days: set[date]) -> int:
    """Consecutive active days up to today; an idle today does not break yesterday's streak."""
    day = today if today in active_days else today - timedelta(days=1)
    count = 0
    while day in active_days:
        count += 1
        day -= timedelta(days=1)
    return count


class DashboardService:
    def __init__(self, database: Database, student: LocalStudent, cache: ActivityCache,
                 exams: ExamService) -> None:
        self.database = database
        self.student = student
        self.cache = cache
        self.exams = exams

    # -- the materialised view ----------------------------------------------------------

    def refresh_analytics(self) -> datetime:
        """Recompute the daily-activity view (seconds on years of data; run it in the background)."""
        user_id = self.student.user_id()
        with self.database.unit_of_work() as session:
            refreshed = AnalyticsRepository(session).refresh()
        self.student.zone_changed = False
        self.cache.bump(user_id)
        return refreshed

    def refresh_analytics_if_stale(self) -> bool:
        """Refresh when the view misses closed days (a new day began, an old day was edited)."""
        self.student.user_id()  # resolves the profile, which notices a changed time zone
        with self.database.unit_of_work() as session:
            snapshot = AnalyticsRepository(session).snapshot_time()
        if local_date(snapshot, self.student.zone) >= self.student.today():
            return False
        log.info("Refreshing study analytics (view from %s)", snapshot.isoformat())
        self.refresh_analytics()
        return True

    # -- reads ---------------------------------------------------------------------------

    def _daily(self, repository: AnalyticsRepository, first_day: date) -> list[tuple]:
        snapshot = repository.snapshot_time()
        live_day = local_date(snapshot, self.student.zone)
        live_from = day_bounds(live_day, self.student.zone)[0]
        return repository.daily_activity(self.student.user_id(), self.student.zone.key, first_day,
                                         live_from, live_day)

    def dashboard(self) -> DashboardDTO:
        user_id = self.student.user_id()
        today = self.student.today()
        key = self.cache.key(user_id, "dashboard", today.isoformat(), self.student.zone.key)
        raw = self.cache.remember(key, CACHE_TTL_S, self._dashboard_json)
        return dashboard_from_json(raw)

    def _dashboard_json(self) -> dict[str, Any]:
        user_id = self.student.user_id()
        zone = self.student.zone
        now = self.student.now()
        today = self.student.today()
        today_start, today_end = day_bounds(today, zone)
        monday = week_start(today)
        week_begin = day_bounds(monday, zone)[0]
        heatmap_first = monday - timedelta(weeks=HEATMAP_WEEKS - 1)
        chart_first = monday - timedelta(weeks=SUBJECT_CHART_WEEKS - 1)
        with self.database.unit_of_work() as session:
            repository = AnalyticsRepository(session)
            daily = self._daily(repository, today - timedelta(days=STREAK_LOOKBACK_DAYS))
            stats = {
                "due_today": repository.open_due_count(user_id, today_start, today_end),
                "overdue": repository.open_due_count(user_id, None, now),
                "completed_this_week": repository.completed_since(user_id, week_begin),
                "study_minutes_this_week": repository.study_minutes_since(user_id, week_begin),
                # The flashcards' own definition, so the dashboard says what the deck list and queue say.
                "cards_due": FlashcardRepository(session).cards_due_today(user_id, now, today_start),
            }
            by_week = repository.subject_minutes_by_week(
                user_id, zone.key, day_bounds(chart_first, zone)[0])
            upcoming = [task_json(task) for task in repository.upcoming_tasks(user_id, 8)]
            recent = [task_json(task) for task in repository.recent_tasks(user_id, 6)]
        active = {row[0] for row in daily if row[1] or row[3] or row[4]}
        stats["streak_days"] = streak_ending(today, active)
        heatmap = [[row[0].isoformat(), row[1], row[3], row[4]] for row in daily if row[0] >= heatmap_first]
        exams = [[str(exam.id), exam.subject, exam.title, exam.exam_at.isoformat(), exam.days_left]
                 for exam in self.exams.upcoming(limit=5)]
        return {"display_name": self.student.display_name(), "today": today.isoformat(), "stats": stats,
                "chart_first": chart_first.isoformat(), "chart_weeks": SUBJECT_CHART_WEEKS,
                "heatmap_first": heatmap_first.isoformat(),
                "by_week": [[week.isoformat(), subject, minutes] for week, subject, minutes in by_week],
                "heatmap": heatmap, "upcoming_tasks": upcoming, "upcoming_exams": exams,
                "recent_tasks": recent}

    def analytics(self, weeks: int = 26) -> AnalyticsDTO:
        """Weekly study minutes, completed tasks, reviews and true retention, oldest week first."""
        weeks = max(1, min(int(weeks), 520))
        user_id = self.student.user_id()
        today = self.student.today()
        key = self.cache.key(user_id, "analytics", weeks, today.isoformat(), self.student.zone.key)
        first = week_start(today) - timedelta(weeks=weeks - 1)

        def compute() -> list[list[Any]]:
            with self.database.unit_of_work() as session:
                return [[row[0].isoformat(), *row[1:]] for row in self._daily(AnalyticsRepository(session), first)]

        totals: dict[date, list[int]] = {first + timedelta(weeks=n): [0, 0, 0, 0, 0] for n in range(weeks)}
        for day_text, minutes, _sessions, done, reviews, mature, passes in self.cache.remember(key, CACHE_TTL_S,
                                                                                               compute):
            bucket = totals.get(week_start(date.fromisoformat(day_text)))
            if bucket is not None:
                for index, value in enumerate((minutes, done, reviews, mature, passes)):
                    bucket[index] += int(value)
        series = tuple(WeekStats(week, *values) for week, values in sorted(totals.items()))
        return AnalyticsDTO(weeks=series, total_study_minutes=sum(w.study_minutes for w in series),
                            total_tasks_completed=sum(w.tasks_completed for w in series),
                            total_reviews=sum(w.reviews for w in series))

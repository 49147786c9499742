"""Study aggregates: the daily-activity view for closed days, the tables for the days after it."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime

import sqlalchemy as sa

from studyteddy_desktop.db.base import transaction_time
from studyteddy_desktop.db.models import AnalyticsSnapshot, StudySession, Task
from studyteddy_desktop.db.models.analytics import DAILY_ACTIVITY_VIEW
from studyteddy_desktop.db.repositories.base import SessionRepository
from studyteddy_desktop.domain.enums import TaskStatus

# Days the view does not cover yet, computed like the view but for one student since a moment.
_LIVE_DAILY_ACTIVITY = sa.text("""
WITH study AS (
    SELECT (started_at AT TIME ZONE :zone)::date AS day,
           SUM(duration_minutes)::bigint AS study_minutes, COUNT(*) AS study_sessions
    FROM study_sessions
    WHERE user_id = :user_id AND deleted_at IS NULL AND duration_minutes IS NOT NULL
      AND started_at >= :since
    GROUP BY 1
),
done AS (
    SELECT (completed_at AT TIME ZONE :zone)::date AS day, COUNT(*) AS tasks_completed
    FROM tasks
    WHERE user_id = :user_id AND deleted_at IS NULL AND status = 'done' AND completed_at >= :since
    GROUP BY 1
),
reviews AS (
    SELECT (r.reviewed_at AT TIME ZONE :zone)::date AS day, COUNT(*) AS reviews,
           COUNT(*) FILTER (WHERE r.state_before = 'review') AS mature_reviews,
           COUNT(*) FILTER (WHERE r.state_before = 'review' AND r.rating > 1) AS mature_passes
    FROM review_logs r
    JOIN flashcards c ON c.id = r.card_id
    JOIN flashcard_decks d ON d.id = c.deck_id
    WHERE d.user_id = :user_id AND r.reviewed_at >= :since AND r.undone_at IS NULL
    GROUP BY 1
)
SELECT day, COALESCE(study_minutes, 0), COALESCE(study_sessions, 0), COALESCE(tasks_completed, 0),
       COALESCE(reviews, 0), COALESCE(mature_reviews, 0), COALESCE(mature_passes, 0)
FROM study FULL JOIN done USING (day) FULL JOIN reviews USING (day)
""")

_VIEW_DAILY_ACTIVITY = sa.text(f"""
SELECT day, study_minutes, study_sessions, tasks_completed, reviews, mature_reviews, mature_passes
FROM {DAILY_ACTIVITY_VIEW}
WHERE user_id = :user_id AND day >= :first_day AND day < :until_day
""")

# Before any real date, so "every day is live" when the view's days cannot be trusted.
_EVERYTHING = datetime(1970, 1, 1, tzinfo=UTC)

DailyRow = tuple[date, int, int, int, int, int, int]


class AnalyticsRepository(SessionRepository):
    """Aggregates across tables, so no one model: only the shared session."""

    # -- the snapshot marker ------------------------------------------------------------

    def snapshot_time(self) -> datetime:
        refreshed = self.session.scalar(
            sa.select(AnalyticsSnapshot.refreshed_at).where(AnalyticsSnapshot.name == DAILY_ACTIVITY_VIEW))
        return refreshed or _EVERYTHING

    def changed_since(self, moment: datetime | None) -> None:
        """Activity stamped `moment` was added, changed or removed: from its day on, read the tables.

        Every writer of study sessions, task completions or review logs calls this in the
        same unit of work as its change, so the view is never trusted for a day it does not
        know about. The row is only locked when the marker moves back, so ordinary writes
        (stamped now) do not queue behind a running refresh.
        """
        moment = moment or _EVERYTHING
        self.session.execute(
            sa.update(AnalyticsSnapshot)
            .where(AnalyticsSnapshot.name == DAILY_ACTIVITY_VIEW, AnalyticsSnapshot.refreshed_at > moment)
            .values(refreshed_at=moment))

    def refresh(self) -> datetime:
        """Recompute the view without blocking readers; returns the new snapshot time."""
        self.session.execute(
            sa.select(AnalyticsSnapshot.name).where(AnalyticsSnapshot.name == DAILY_ACTIVITY_VIEW)
            .with_for_update())
        self.session.execute(sa.text(f"REFRESH MATERIALIZED VIEW CONCURRENTLY {DAILY_ACTIVITY_VIEW}"))
        now = self.session.scalar(sa.select(transaction_time()))
        self.session.merge(AnalyticsSnapshot(name=DAILY_ACTIVITY_VIEW, refreshed_at=now))
        self.session.flush()
        return now

    # -- daily activity -----------------------------------------------------------------

    def daily_activity(self, user_id: uuid.UUID, zone: str, first_day: date,
                       live_from: datetime, live_from_day: date) -> list[DailyRow]:
        """Per-day rows from `first_day` on: the view before `live_from_day`, the tables after."""
        rows: list[DailyRow] = []
        if first_day < live_from_day:
            rows += [tuple(row) for row in self.session.execute(
                _VIEW_DAILY_ACTIVITY, {"user_id": user_id, "first_day": first_day,
                                       "until_day": live_from_day})]
        live = self.session.execute(_LIVE_DAILY_ACTIVITY, {"user_id": user_id, "zone": zone,
                                                           "since": live_from})
        rows += [tuple(row) for row in live if row[0] >= first_day]
        return sorted(rows)

    # -- live figures for the stat cards ------------------------------------------------

    def open_due_count(self, user_id: uuid.UUID, start: datetime | None, end: datetime) -> int:
        statement = (sa.select(sa.func.count()).select_from(Task)
                     .where(Task.user_id == user_id, Task.deleted_at.is_(None),
                            Task.status == TaskStatus.OPEN, Task.due_at < end))
        if start is not None:
            statement = statement.where(Task.due_at >= start)
        return int(self.session.scalar(statement) or 0)

    def completed_since(self, user_id: uuid.UUID, since: datetime) -> int:
        statement = (sa.select(sa.func.count()).select_from(Task)
                     .where(Task.user_id == user_id, Task.deleted_at.is_(None),
                            Task.status == TaskStatus.DONE, Task.completed_at >= since))
        return int(self.session.scalar(statement) or 0)

    def study_minutes_since(self, user_id: uuid.UUID, since: datetime) -> int:
        statement = (sa.select(sa.func.coalesce(sa.func.sum(StudySession.duration_minutes), 0))
                     .where(StudySession.user_id == user_id, StudySession.deleted_at.is_(None),
                            StudySession.started_at >= since))
        return int(self.session.scalar(statement) or 0)

    def subject_minutes_by_week(self, user_id: uuid.UUID, zone: str, since: datetime) -> list[tuple[date, str, int]]:
        local_start = sa.func.timezone(zone, StudySession.started_at)
        week = sa.cast(sa.func.date_trunc("week", local_start), sa.Date).label("week")
        subject = sa.func.coalesce(StudySession.subject, "").label("subject")
        statement = (sa.select(week, subject, sa.func.sum(StudySession.duration_minutes))
                     .where(StudySession.user_id == user_id, StudySession.deleted_at.is_(None),
                            StudySession.duration_minutes.is_not(None), StudySession.started_at >= since)
                     .group_by(week, subject))
        return [(row[0], row[1], int(row[2] or 0)) for row in self.session.execute(statement)]

    def upcoming_tasks(self, user_id: uuid.UUID, limit: int) -> list[Task]:
        statement = (sa.select(Task).where(Task.user_id == user_id, Task.deleted_at.is_(None),
                                           Task.status == TaskStatus.OPEN, Task.due_at.is_not(None))
                     .order_by(Task.due_at).limit(limit))
        return list(self.session.scalars(statement))

    def recent_tasks(self, user_id: uuid.UUID, limit: int) -> list[Task]:
        statement = (sa.select(Task).where(Task.user_id == user_id, Task.deleted_at.is_(None))
                     .order_by(Task.updated_at.desc()).limit(limit))
        return list(self.session.scalars(statement))

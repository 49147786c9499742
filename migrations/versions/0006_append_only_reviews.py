"""Append-only review history: undo stamps an answer instead of deleting it, and cards keep their log.

Revision ID: 0006_append_only_reviews
Revises: 0005_tutor
Create Date: 2026-12-01 23:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0006_append_only_reviews"
down_revision: str | None = "0005_tutor"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TIMESTAMPTZ = sa.DateTime(timezone=True)
CARD_FOREIGN_KEY = "fk_review_logs_card_id_flashcards"

# Frozen copies of the view, as in 0002_planner_dashboard: {undone} is where the two differ.
DAILY_ACTIVITY_VIEW = """
CREATE MATERIALIZED VIEW user_daily_activity AS
WITH zones AS (
    SELECT id AS user_id, COALESCE(NULLIF(settings->>'timezone', ''), 'UTC') AS zone FROM users
),
study AS (
    SELECT s.user_id, (s.started_at AT TIME ZONE z.zone)::date AS day,
           SUM(s.duration_minutes)::bigint AS study_minutes, COUNT(*) AS study_sessions
    FROM study_sessions s JOIN zones z ON z.user_id = s.user_id
    WHERE s.deleted_at IS NULL AND s.duration_minutes IS NOT NULL
    GROUP BY 1, 2
),
done AS (
    SELECT t.user_id, (t.completed_at AT TIME ZONE z.zone)::date AS day, COUNT(*) AS tasks_completed
    FROM tasks t JOIN zones z ON z.user_id = t.user_id
    WHERE t.deleted_at IS NULL AND t.status = 'done' AND t.completed_at IS NOT NULL
    GROUP BY 1, 2
),
reviews AS (
    SELECT d.user_id, (r.reviewed_at AT TIME ZONE z.zone)::date AS day,
           COUNT(*) AS reviews,
           COUNT(*) FILTER (WHERE r.state_before = 'review') AS mature_reviews,
           COUNT(*) FILTER (WHERE r.state_before = 'review' AND r.rating > 1) AS mature_passes
    FROM review_logs r
    JOIN flashcards c ON c.id = r.card_id
    JOIN flashcard_decks d ON d.id = c.deck_id
    JOIN zones z ON z.user_id = d.user_id
    {undone}
    GROUP BY 1, 2
)
SELECT user_id, day,
       COALESCE(study_minutes, 0) AS study_minutes,
       COALESCE(study_sessions, 0) AS study_sessions,
       COALESCE(tasks_completed, 0) AS tasks_completed,
       COALESCE(reviews, 0) AS reviews,
       COALESCE(mature_reviews, 0) AS mature_reviews,
       COALESCE(mature_passes, 0) AS mature_passes
FROM study
FULL JOIN done USING (user_id, day)
FULL JOIN reviews USING (user_id, day)
"""


def _recreate_daily_activity(undone: str) -> None:
    op.execute("DROP MATERIALIZED VIEW IF EXISTS user_daily_activity")
    op.execute(DAILY_ACTIVITY_VIEW.format(undone=undone))
    # REFRESH ... CONCURRENTLY needs a unique index over every row of the view.
    op.execute("CREATE UNIQUE INDEX ux_user_daily_activity_user_id_day ON user_daily_activity (user_id, day)")
    # The view was filled in this transaction, so this is exactly the moment it describes.
    op.execute("INSERT INTO analytics_snapshots (name, refreshed_at) VALUES ('user_daily_activity', now()) "
               "ON CONFLICT (name) DO UPDATE SET refreshed_at = EXCLUDED.refreshed_at")


def _card_foreign_key(ondelete: str) -> None:
    op.drop_constraint(CARD_FOREIGN_KEY, "review_logs", type_="foreignkey")
    op.create_foreign_key(CARD_FOREIGN_KEY, "review_logs", "flashcards", ["card_id"], ["id"], ondelete=ondelete)


def upgrade() -> None:
    op.add_column("review_logs", sa.Column("review_session_id", sa.UUID(), nullable=True))
    op.add_column("review_logs", sa.Column("undone_at", TIMESTAMPTZ, nullable=True))
    op.create_index(op.f("ix_review_logs_review_session_id_reviewed_at"), "review_logs",
                    ["review_session_id", "reviewed_at"], unique=False)
    # Purging a card must not take its history with it: the database refuses instead.
    _card_foreign_key("RESTRICT")
    _recreate_daily_activity("WHERE r.undone_at IS NULL")


def downgrade() -> None:
    op.execute("DROP MATERIALIZED VIEW IF EXISTS user_daily_activity")
    # The older schema has no way to say "taken back": keeping these rows would turn every undone
    # answer back into a real one and reschedule its card, so they go as undo used to remove them.
    op.execute("DELETE FROM review_logs WHERE undone_at IS NOT NULL")
    _card_foreign_key("CASCADE")
    op.drop_index(op.f("ix_review_logs_review_session_id_reviewed_at"), table_name="review_logs")
    op.drop_column("review_logs", "undone_at")
    op.drop_column("review_logs", "review_session_id")
    _recreate_daily_activity("")

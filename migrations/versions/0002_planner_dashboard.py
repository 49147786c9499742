"""Planner and Dashboard: the running focus timer, analytics snapshots and the daily-activity view.

Revision ID: 0002_planner_dashboard
Revises: 0001_initial_schema
Create Date: 2026-05-10 00:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0002_planner_dashboard"
down_revision: str | None = "0001_initial_schema"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

FOCUS_PHASES = "'work', 'break'"
TIMESTAMPTZ = sa.DateTime(timezone=True)

# Frozen copy of the view: a later change to the analytics gets its own migration.
# Days are the student's local days (users.settings->>'timezone'), so a study session at
# 23:30 counts for the day the student lived it, across daylight-saving changes too.
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


def upgrade() -> None:
    op.create_table(
        "focus_timers",
        sa.Column("user_id", sa.UUID(), nullable=False),
        sa.Column("study_session_id", sa.UUID(), nullable=False),
        sa.Column("task_id", sa.UUID(), nullable=True),
        sa.Column("subject", sa.String(length=120), nullable=True),
        sa.Column("work_minutes", sa.Integer(), nullable=False),
        sa.Column("break_minutes", sa.Integer(), nullable=False),
        sa.Column("phase", sa.String(length=32), nullable=False),
        sa.Column("phase_started_at", TIMESTAMPTZ, nullable=False),
        sa.Column("paused_at", TIMESTAMPTZ, nullable=True),
        sa.Column("worked_seconds", sa.Integer(), server_default=sa.text("0"), nullable=False),
        sa.Column("completed_rounds", sa.Integer(), server_default=sa.text("0"), nullable=False),
        sa.Column("updated_at", TIMESTAMPTZ, server_default=sa.text("now()"), nullable=False),
        sa.CheckConstraint(f"phase IN ({FOCUS_PHASES})", name=op.f("ck_focus_timers_phase")),
        sa.CheckConstraint(
            "work_minutes BETWEEN 1 AND 240", name=op.f("ck_focus_timers_work_minutes_range")
        ),
        sa.CheckConstraint(
            "break_minutes BETWEEN 1 AND 120", name=op.f("ck_focus_timers_break_minutes_range")
        ),
        sa.CheckConstraint(
            "worked_seconds >= 0", name=op.f("ck_focus_timers_worked_seconds_not_negative")
        ),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_focus_timers_user_id_users"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["study_session_id"],
            ["study_sessions.id"],
            name=op.f("fk_focus_timers_study_session_id_study_sessions"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["task_id"], ["tasks.id"], name=op.f("fk_focus_timers_task_id_tasks"), ondelete="SET NULL"
        ),
        sa.PrimaryKeyConstraint("user_id", name=op.f("pk_focus_timers")),
    )
    op.create_index("ix_focus_timers_study_session_id", "focus_timers", ["study_session_id"])
    op.create_index("ix_focus_timers_task_id", "focus_timers", ["task_id"])

    op.create_table(
        "analytics_snapshots",
        sa.Column("name", sa.String(length=64), nullable=False),
        sa.Column("refreshed_at", TIMESTAMPTZ, nullable=False),
        sa.PrimaryKeyConstraint("name", name=op.f("pk_analytics_snapshots")),
    )

    # The planner's list shows open tasks by due date; most of a long history is done tasks.
    op.create_index(
        "ix_tasks_open_user_id_due_at",
        "tasks",
        ["user_id", "due_at"],
        postgresql_where=sa.text("status = 'open' AND deleted_at IS NULL"),
    )
    op.create_index("ix_tasks_user_id_completed_at", "tasks", ["user_id", "completed_at"])
    op.create_index("ix_tasks_user_id_updated_at", "tasks", ["user_id", "updated_at"])
    # Today's reviews are read live next to the view; without this that is a scan of the log.
    op.create_index("ix_review_logs_reviewed_at", "review_logs", ["reviewed_at"])

    op.execute(DAILY_ACTIVITY_VIEW)
    # REFRESH ... CONCURRENTLY needs a unique index over every row of the view.
    op.execute("CREATE UNIQUE INDEX ux_user_daily_activity_user_id_day ON user_daily_activity (user_id, day)")
    # The view was filled in this transaction, so this is exactly the moment it describes.
    op.execute("INSERT INTO analytics_snapshots (name, refreshed_at) VALUES ('user_daily_activity', now())")


def downgrade() -> None:
    op.execute("DROP MATERIALIZED VIEW IF EXISTS user_daily_activity")
    op.drop_index("ix_review_logs_reviewed_at", table_name="review_logs")
    op.drop_index("ix_tasks_user_id_updated_at", table_name="tasks")
    op.drop_index("ix_tasks_user_id_completed_at", table_name="tasks")
    op.drop_index("ix_tasks_open_user_id_due_at", table_name="tasks")
    op.drop_table("analytics_snapshots")
    op.drop_table("focus_timers")

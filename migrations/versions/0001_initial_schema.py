"""Initial schema: every table, index and constraint of the first release.

Revision ID: 0001_initial_schema
Revises:
Create Date: 2025-11-29 00:00:00
"""

from collections.abc import Sequence

import pgvector.sqlalchemy
import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0001_initial_schema"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# Enum values are spelled out here rather than read from the Python enums: a migration is a
# frozen snapshot, and a later change to an enum gets its own migration.
TASK_PRIORITIES = "'low', 'medium', 'high', 'urgent'"
TASK_STATUSES = "'open', 'done'"
DOCUMENT_STATUSES = (
    "'queued', 'extracting', 'embedding', 'ready', 'failed', 'needs_password', 'cancelled'"
)
CARD_STATES = "'new', 'learning', 'review', 'relearning'"
JOB_STATES = "'queued', 'running', 'done', 'failed', 'cancelled'"
INTERACTION_MODES = "'explain', 'quiz', 'summarise'"
INTERACTION_STATUSES = "'generating', 'done', 'failed', 'cancelled'"

ENUM_TYPE = sa.String(length=32)
UUID_TYPE = sa.UUID()
TIMESTAMPTZ = sa.DateTime(timezone=True)


def synced_row_columns() -> list[sa.Column]:
    """The SyncedRow mixin's columns; fresh objects each call because a Column has one table."""
    return [
        sa.Column("id", UUID_TYPE, server_default=sa.text("gen_random_uuid()"), nullable=False),
        sa.Column("created_at", TIMESTAMPTZ, server_default=sa.text("now()"), nullable=False),
        sa.Column("updated_at", TIMESTAMPTZ, server_default=sa.text("now()"), nullable=False),
        sa.Column("deleted_at", TIMESTAMPTZ, nullable=True),
    ]


def user_fk(table_name: str) -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint(
        ["user_id"], ["users.id"], name=op.f(f"fk_{table_name}_user_id_users"), ondelete="CASCADE"
    )


def upgrade() -> None:
    op.execute("CREATE EXTENSION IF NOT EXISTS vector")

    op.create_table(
        "users",
        *synced_row_columns(),
        sa.Column("display_name", sa.String(length=120), nullable=False),
        sa.Column(
            "subjects",
            postgresql.ARRAY(sa.Text()),
            server_default=sa.text("'{}'::text[]"),
            nullable=False,
        ),
        sa.Column(
            "settings",
            postgresql.JSONB(astext_type=sa.Text()),
            server_default=sa.text("'{}'::jsonb"),
            nullable=False,
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_users")),
    )

    op.create_table(
        "background_jobs",
        sa.Column("id", UUID_TYPE, server_default=sa.text("gen_random_uuid()"), nullable=False),
        sa.Column("kind", sa.String(length=64), nullable=False),
        sa.Column(
            "payload",
            postgresql.JSONB(astext_type=sa.Text()),
            server_default=sa.text("'{}'::jsonb"),
            nullable=False,
        ),
        sa.Column("state", ENUM_TYPE, server_default="queued", nullable=False),
        sa.Column("progress", sa.Double(), server_default=sa.text("0"), nullable=False),
        sa.Column("message", sa.Text(), nullable=True),
        sa.Column(
            "result",
            postgresql.JSONB(astext_type=sa.Text()),
            server_default=sa.text("'{}'::jsonb"),
            nullable=False,
        ),
        sa.Column("error", sa.Text(), nullable=True),
        sa.Column("attempts", sa.Integer(), server_default=sa.text("0"), nullable=False),
        sa.Column("worker_token", sa.String(length=64), nullable=True),
        sa.Column("created_at", TIMESTAMPTZ, server_default=sa.text("now()"), nullable=False),
        sa.Column("updated_at", TIMESTAMPTZ, server_default=sa.text("now()"), nullable=False),
        sa.Column("finished_at", TIMESTAMPTZ, nullable=True),
        sa.CheckConstraint(f"state IN ({JOB_STATES})", name=op.f("ck_background_jobs_state")),
        sa.CheckConstraint(
            "progress >= 0 AND progress <= 1", name=op.f("ck_background_jobs_progress_range")
        ),
        sa.CheckConstraint(
            "attempts >= 0", name=op.f("ck_background_jobs_attempts_not_negative")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_background_jobs")),
    )
    op.create_index("ix_background_jobs_state", "background_jobs", ["state"])

    op.create_table(
        "tasks",
        *synced_row_columns(),
        sa.Column("user_id", UUID_TYPE, nullable=False),
        sa.Column("title", sa.String(length=500), nullable=False),
        sa.Column("description", sa.Text(), nullable=True),
        sa.Column("subject", sa.String(length=120), nullable=True),
        sa.Column("due_at", TIMESTAMPTZ, nullable=True),
        sa.Column("priority", ENUM_TYPE, server_default="medium", nullable=False),
        sa.Column("status", ENUM_TYPE, server_default="open", nullable=False),
        sa.Column("estimated_minutes", sa.Integer(), nullable=True),
        sa.Column("actual_minutes", sa.Integer(), server_default=sa.text("0"), nullable=False),
        sa.Column("completed_at", TIMESTAMPTZ, nullable=True),
        sa.CheckConstraint(f"priority IN ({TASK_PRIORITIES})", name=op.f("ck_tasks_priority")),
        sa.CheckConstraint(f"status IN ({TASK_STATUSES})", name=op.f("ck_tasks_status")),
        sa.CheckConstraint(
            "estimated_minutes >= 0", name=op.f("ck_tasks_estimated_minutes_not_negative")
        ),
        sa.CheckConstraint(
            "actual_minutes >= 0", name=op.f("ck_tasks_actual_minutes_not_negative")
        ),
        user_fk("tasks"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_tasks")),
    )
    op.create_index("ix_tasks_user_id_due_at", "tasks", ["user_id", "due_at"])

    op.create_table(
        "exams",
        *synced_row_columns(),
        sa.Column("user_id", UUID_TYPE, nullable=False),
        sa.Column("subject", sa.String(length=120), nullable=False),
        sa.Column("title", sa.String(length=500), nullable=False),
        sa.Column("exam_at", TIMESTAMPTZ, nullable=False),
        user_fk("exams"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_exams")),
    )
    op.create_index("ix_exams_user_id_exam_at", "exams", ["user_id", "exam_at"])

    op.create_table(
        "study_sessions",
        *synced_row_columns(),
        sa.Column("user_id", UUID_TYPE, nullable=False),
        sa.Column("task_id", UUID_TYPE, nullable=True),
        sa.Column("subject", sa.String(length=120), nullable=True),
        sa.Column("started_at", TIMESTAMPTZ, nullable=False),
        sa.Column("ended_at", TIMESTAMPTZ, nullable=True),
        sa.Column("duration_minutes", sa.Integer(), nullable=True),
        sa.Column("focus_score", sa.SmallInteger(), nullable=True),
        sa.Column("notes", sa.Text(), nullable=True),
        sa.CheckConstraint(
            "ended_at IS NULL OR ended_at >= started_at",
            name=op.f("ck_study_sessions_ended_not_before_started"),
        ),
        sa.CheckConstraint(
            "duration_minutes >= 0", name=op.f("ck_study_sessions_duration_minutes_not_negative")
        ),
        sa.CheckConstraint(
            "focus_score BETWEEN 1 AND 5", name=op.f("ck_study_sessions_focus_score_range")
        ),
        user_fk("study_sessions"),
        sa.ForeignKeyConstraint(
            ["task_id"],
            ["tasks.id"],
            name=op.f("fk_study_sessions_task_id_tasks"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_study_sessions")),
    )
    op.create_index(
        "ix_study_sessions_user_id_started_at", "study_sessions", ["user_id", "started_at"]
    )
    op.create_index("ix_study_sessions_task_id", "study_sessions", ["task_id"])

    op.create_table(
        "documents",
        *synced_row_columns(),
        sa.Column("user_id", UUID_TYPE, nullable=False),
        sa.Column("title", sa.String(length=500), nullable=False),
        sa.Column("original_filename", sa.Text(), nullable=False),
        sa.Column("content_sha256", sa.String(length=64), nullable=False),
        sa.Column("mime_type", sa.String(length=255), nullable=False),
        sa.Column("size_bytes", sa.BigInteger(), nullable=False),
        sa.Column("page_count", sa.Integer(), nullable=True),
        sa.Column("subject", sa.String(length=120), nullable=True),
        sa.Column("status", ENUM_TYPE, server_default="queued", nullable=False),
        sa.Column("status_reason", sa.Text(), nullable=True),
        sa.Column("progress", sa.Double(), server_default=sa.text("0"), nullable=False),
        sa.Column("chunk_count", sa.Integer(), server_default=sa.text("0"), nullable=False),
        sa.Column("summary", sa.Text(), nullable=True),
        sa.Column(
            "key_concepts",
            postgresql.JSONB(astext_type=sa.Text()),
            server_default=sa.text("'[]'::jsonb"),
            nullable=False,
        ),
        sa.Column("indexed_at", TIMESTAMPTZ, nullable=True),
        sa.CheckConstraint(
            f"status IN ({DOCUMENT_STATUSES})", name=op.f("ck_documents_status")
        ),
        sa.CheckConstraint(
            "size_bytes >= 0", name=op.f("ck_documents_size_bytes_not_negative")
        ),
        sa.CheckConstraint(
            "page_count >= 0", name=op.f("ck_documents_page_count_not_negative")
        ),
        sa.CheckConstraint(
            "progress >= 0 AND progress <= 1", name=op.f("ck_documents_progress_range")
        ),
        sa.CheckConstraint(
            "chunk_count >= 0", name=op.f("ck_documents_chunk_count_not_negative")
        ),
        user_fk("documents"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_documents")),
    )
    op.create_index(
        "uq_documents_user_id_content_sha256_live",
        "documents",
        ["user_id", "content_sha256"],
        unique=True,
        postgresql_where=sa.text("deleted_at IS NULL"),
    )
    op.create_index("ix_documents_user_id_created_at", "documents", ["user_id", "created_at"])

    op.create_table(
        "document_chunks",
        sa.Column("id", UUID_TYPE, server_default=sa.text("gen_random_uuid()"), nullable=False),
        sa.Column("document_id", UUID_TYPE, nullable=False),
        sa.Column("ordinal", sa.Integer(), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("page_start", sa.Integer(), nullable=True),
        sa.Column("page_end", sa.Integer(), nullable=True),
        sa.Column("char_start", sa.Integer(), nullable=False),
        sa.Column("char_end", sa.Integer(), nullable=False),
        sa.Column("token_count", sa.Integer(), nullable=False),
        sa.Column("embedding", pgvector.sqlalchemy.Vector(dim=384), nullable=True),
        sa.Column(
            "tsv",
            postgresql.TSVECTOR(),
            sa.Computed("to_tsvector('english'::regconfig, text)", persisted=True),
            nullable=False,
        ),
        sa.Column("created_at", TIMESTAMPTZ, server_default=sa.text("now()"), nullable=False),
        sa.CheckConstraint("ordinal >= 0", name=op.f("ck_document_chunks_ordinal_not_negative")),
        sa.CheckConstraint(
            "page_end >= page_start", name=op.f("ck_document_chunks_page_range_ordered")
        ),
        sa.CheckConstraint(
            "char_end >= char_start", name=op.f("ck_document_chunks_char_range_ordered")
        ),
        sa.CheckConstraint(
            "token_count >= 0", name=op.f("ck_document_chunks_token_count_not_negative")
        ),
        sa.ForeignKeyConstraint(
            ["document_id"],
            ["documents.id"],
            name=op.f("fk_document_chunks_document_id_documents"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_document_chunks")),
        sa.UniqueConstraint(
            "document_id", "ordinal", name=op.f("uq_document_chunks_document_id_ordinal")
        ),
    )
    op.create_index(
        "ix_document_chunks_embedding",
        "document_chunks",
        ["embedding"],
        postgresql_using="hnsw",
        postgresql_with={"m": 16, "ef_construction": 64},
        postgresql_ops={"embedding": "vector_cosine_ops"},
    )
    op.create_index("ix_document_chunks_tsv", "document_chunks", ["tsv"], postgresql_using="gin")

    op.create_table(
        "conversation_threads",
        *synced_row_columns(),
        sa.Column("user_id", UUID_TYPE, nullable=False),
        sa.Column("title", sa.String(length=300), nullable=False),
        sa.Column("subject", sa.String(length=120), nullable=True),
        sa.Column(
            "document_scope",
            postgresql.JSONB(astext_type=sa.Text()),
            server_default=sa.text("'[]'::jsonb"),
            nullable=False,
        ),
        user_fk("conversation_threads"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_conversation_threads")),
    )
    op.create_index(
        "ix_conversation_threads_user_id_updated_at",
        "conversation_threads",
        ["user_id", "updated_at"],
    )

    op.create_table(
        "ai_interactions",
        *synced_row_columns(),
        sa.Column("thread_id", UUID_TYPE, nullable=False),
        sa.Column("user_id", UUID_TYPE, nullable=False),
        sa.Column("mode", ENUM_TYPE, nullable=False),
        sa.Column("question", sa.Text(), nullable=False),
        sa.Column("answer", sa.Text(), server_default="", nullable=False),
        sa.Column(
            "citations",
            postgresql.JSONB(astext_type=sa.Text()),
            server_default=sa.text("'[]'::jsonb"),
            nullable=False,
        ),
        sa.Column("model_name", sa.String(length=200), nullable=True),
        sa.Column("prompt_tokens", sa.Integer(), nullable=True),
        sa.Column("completion_tokens", sa.Integer(), nullable=True),
        sa.Column("latency_ms", sa.Integer(), nullable=True),
        sa.Column("first_token_ms", sa.Integer(), nullable=True),
        sa.Column("feedback_rating", sa.SmallInteger(), nullable=True),
        sa.Column("status", ENUM_TYPE, server_default="generating", nullable=False),
        sa.Column("error", sa.Text(), nullable=True),
        sa.CheckConstraint(f"mode IN ({INTERACTION_MODES})", name=op.f("ck_ai_interactions_mode")),
        sa.CheckConstraint(
            f"status IN ({INTERACTION_STATUSES})", name=op.f("ck_ai_interactions_status")
        ),
        sa.CheckConstraint(
            "feedback_rating BETWEEN 1 AND 5", name=op.f("ck_ai_interactions_feedback_rating_range")
        ),
        sa.CheckConstraint(
            "prompt_tokens >= 0", name=op.f("ck_ai_interactions_prompt_tokens_not_negative")
        ),
        sa.CheckConstraint(
            "completion_tokens >= 0",
            name=op.f("ck_ai_interactions_completion_tokens_not_negative"),
        ),
        sa.CheckConstraint(
            "latency_ms >= 0", name=op.f("ck_ai_interactions_latency_ms_not_negative")
        ),
        sa.CheckConstraint(
            "first_token_ms >= 0", name=op.f("ck_ai_interactions_first_token_ms_not_negative")
        ),
        sa.ForeignKeyConstraint(
            ["thread_id"],
            ["conversation_threads.id"],
            name=op.f("fk_ai_interactions_thread_id_conversation_threads"),
            ondelete="CASCADE",
        ),
        user_fk("ai_interactions"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_ai_interactions")),
    )
    op.create_index(
        "ix_ai_interactions_thread_id_created_at", "ai_interactions", ["thread_id", "created_at"]
    )
    op.create_index(
        "ix_ai_interactions_user_id_created_at", "ai_interactions", ["user_id", "created_at"]
    )

    op.create_table(
        "flashcard_decks",
        *synced_row_columns(),
        sa.Column("user_id", UUID_TYPE, nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("parent_id", UUID_TYPE, nullable=True),
        sa.Column("subject", sa.String(length=120), nullable=True),
        sa.Column(
            "desired_retention", sa.Double(), server_default=sa.text("0.9"), nullable=False
        ),
        sa.Column("new_per_day", sa.Integer(), server_default=sa.text("20"), nullable=False),
        sa.Column("reviews_per_day", sa.Integer(), server_default=sa.text("200"), nullable=False),
        sa.Column("fsrs_parameters", postgresql.JSONB(astext_type=sa.Text()), nullable=True),
        sa.CheckConstraint(
            "desired_retention >= 0.7 AND desired_retention <= 0.99",
            name=op.f("ck_flashcard_decks_desired_retention_range"),
        ),
        sa.CheckConstraint(
            "new_per_day >= 0", name=op.f("ck_flashcard_decks_new_per_day_not_negative")
        ),
        sa.CheckConstraint(
            "reviews_per_day >= 0", name=op.f("ck_flashcard_decks_reviews_per_day_not_negative")
        ),
        sa.CheckConstraint("parent_id <> id", name=op.f("ck_flashcard_decks_not_own_parent")),
        user_fk("flashcard_decks"),
        sa.ForeignKeyConstraint(
            ["parent_id"],
            ["flashcard_decks.id"],
            name=op.f("fk_flashcard_decks_parent_id_flashcard_decks"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_flashcard_decks")),
    )
    op.create_index("ix_flashcard_decks_user_id", "flashcard_decks", ["user_id"])
    op.create_index("ix_flashcard_decks_parent_id", "flashcard_decks", ["parent_id"])

    op.create_table(
        "flashcards",
        *synced_row_columns(),
        sa.Column("deck_id", UUID_TYPE, nullable=False),
        sa.Column("front", sa.Text(), nullable=False),
        sa.Column("back", sa.Text(), nullable=False),
        sa.Column(
            "tags",
            postgresql.ARRAY(sa.Text()),
            server_default=sa.text("'{}'::text[]"),
            nullable=False,
        ),
        sa.Column("source_chunk_id", UUID_TYPE, nullable=True),
        sa.Column("source_document_id", UUID_TYPE, nullable=True),
        sa.Column("source_page", sa.Integer(), nullable=True),
        sa.Column(
            "needs_review_flag", sa.Boolean(), server_default=sa.text("false"), nullable=False
        ),
        sa.Column("suspended", sa.Boolean(), server_default=sa.text("false"), nullable=False),
        sa.Column("state", ENUM_TYPE, server_default="new", nullable=False),
        sa.Column("due_at", TIMESTAMPTZ, server_default=sa.text("now()"), nullable=False),
        sa.Column("stability", sa.Double(), nullable=True),
        sa.Column("difficulty", sa.Double(), nullable=True),
        sa.Column("step", sa.Integer(), nullable=True),
        sa.Column("last_review_at", TIMESTAMPTZ, nullable=True),
        sa.Column("fsrs_card", postgresql.JSONB(astext_type=sa.Text()), nullable=True),
        sa.CheckConstraint(f"state IN ({CARD_STATES})", name=op.f("ck_flashcards_state")),
        sa.CheckConstraint("source_page >= 1", name=op.f("ck_flashcards_source_page_positive")),
        sa.CheckConstraint("step >= 0", name=op.f("ck_flashcards_step_not_negative")),
        sa.ForeignKeyConstraint(
            ["deck_id"],
            ["flashcard_decks.id"],
            name=op.f("fk_flashcards_deck_id_flashcard_decks"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["source_chunk_id"],
            ["document_chunks.id"],
            name=op.f("fk_flashcards_source_chunk_id_document_chunks"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["source_document_id"],
            ["documents.id"],
            name=op.f("fk_flashcards_source_document_id_documents"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_flashcards")),
    )
    op.create_index("ix_flashcards_deck_id_due_at", "flashcards", ["deck_id", "due_at"])
    op.create_index("ix_flashcards_source_chunk_id", "flashcards", ["source_chunk_id"])
    op.create_index("ix_flashcards_source_document_id", "flashcards", ["source_document_id"])

    op.create_table(
        "review_logs",
        sa.Column("id", UUID_TYPE, server_default=sa.text("gen_random_uuid()"), nullable=False),
        sa.Column("card_id", UUID_TYPE, nullable=False),
        sa.Column("rating", sa.SmallInteger(), nullable=False),
        sa.Column("reviewed_at", TIMESTAMPTZ, nullable=False),
        sa.Column("review_duration_ms", sa.Integer(), nullable=True),
        sa.Column("state_before", ENUM_TYPE, nullable=False),
        sa.Column("created_at", TIMESTAMPTZ, server_default=sa.text("now()"), nullable=False),
        sa.CheckConstraint("rating BETWEEN 1 AND 4", name=op.f("ck_review_logs_rating_range")),
        sa.CheckConstraint(
            "review_duration_ms >= 0", name=op.f("ck_review_logs_review_duration_ms_not_negative")
        ),
        sa.CheckConstraint(
            f"state_before IN ({CARD_STATES})", name=op.f("ck_review_logs_state_before")
        ),
        sa.ForeignKeyConstraint(
            ["card_id"],
            ["flashcards.id"],
            name=op.f("fk_review_logs_card_id_flashcards"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_review_logs")),
    )
    op.create_index(
        "ix_review_logs_card_id_reviewed_at", "review_logs", ["card_id", "reviewed_at"]
    )


def downgrade() -> None:
    # Children before parents; indexes go with their tables. The vector extension stays:
    # it may predate this migration or be used outside the app's tables.
    for table_name in (
        "review_logs",
        "flashcards",
        "flashcard_decks",
        "ai_interactions",
        "conversation_threads",
        "document_chunks",
        "documents",
        "study_sessions",
        "exams",
        "tasks",
        "background_jobs",
        "users",
    ):
        op.drop_table(table_name)

"""Desktop sync: every change to a synced row is recorded, with its hybrid stamp, by the database itself.

Triggers on the synced tables write the stamp of each changed field into `sync_local_records` in
the transaction that made the change, whatever made it (a pane, the terminal, the worker, an
import). A pull applies arrived records with `studyteddy.sync_applying` set, which the triggers
skip: a remote write is not a local change.

Revision ID: 0010_desktop_sync
Revises: 0009_answer_faithfulness
Create Date: 2026-12-02 06:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects.postgresql import JSONB

revision: str = "0010_desktop_sync"
down_revision: str | None = "0009_answer_faithfulness"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TIMESTAMPTZ = sa.DateTime(timezone=True)
WAITING = "pending <> '{}'::jsonb OR pending_delete IS NOT NULL OR pending_resolved <> '{}'::jsonb"

# Frozen copy of db/sync_tracking.py at this revision: table -> (collection, synced columns).
TRACKED = {
    "users": ("profile", ("display_name", "subjects")),
    "documents": ("documents", ("title", "original_filename", "content_sha256", "mime_type", "size_bytes",
                                "subject", "format_name", "paged", "created_at")),
    "flashcard_decks": ("decks", ("name", "parent_id", "subject", "desired_retention", "new_per_day",
                                  "reviews_per_day", "fsrs_parameters", "external_key", "created_at")),
    "tasks": ("tasks", ("title", "description", "subject", "due_at", "priority", "status", "estimated_minutes",
                        "actual_minutes", "completed_at", "created_at")),
    "exams": ("exams", ("subject", "title", "exam_at", "created_at")),
    "conversation_threads": ("threads", ("title", "subject", "document_scope", "created_at")),
    "flashcards": ("cards", ("deck_id", "front", "back", "tags", "source_document_id", "source_page",
                             "source_fingerprint", "needs_review_flag", "suspended", "state", "due_at", "stability",
                             "difficulty", "step", "last_review_at", "fsrs_card", "external_key", "created_at")),
    "study_sessions": ("study_sessions", ("task_id", "subject", "started_at", "ended_at", "duration_minutes",
                                          "focus_score", "notes", "created_at")),
    "review_logs": ("review_logs", ("card_id", "rating", "reviewed_at", "review_duration_ms", "state_before",
                                    "review_session_id", "undone_at", "created_at")),
    "ai_interactions": ("interactions", (
        "thread_id", "mode", "question", "answer", "citations", "grounded", "model_name", "prompt_tokens",
        "completion_tokens", "latency_ms", "first_token_ms", "feedback_rating", "status", "error", "quotes",
        "checked_sentences", "supported_sentences", "cut_for_repetition", "general_knowledge", "first_shown_ms",
        "quiz_items", "created_at")),
}

# The device's hybrid clock (domain/hybrid_clock.py's format): never behind the floor a pull raised it
# to, and a sequence orders writes within one millisecond without a lock every writer would wait on.
NEXT_STAMP = """
CREATE FUNCTION sync_next_stamp() RETURNS text LANGUAGE plpgsql AS $$
DECLARE
    device record;
    wall bigint;
BEGIN
    SELECT node_id, clock_floor_ms INTO device FROM sync_device WHERE id = 1;
    wall := greatest(floor(extract(epoch FROM clock_timestamp()) * 1000)::bigint, device.clock_floor_ms);
    RETURN lpad(wall::text, 13, '0') || '-' || lpad(to_hex(nextval('sync_stamp_counter') % 16777216), 6, '0')
        || '-' || device.node_id;
END $$
"""

TRACK_CHANGE = """
CREATE FUNCTION sync_track_change() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    kind text := TG_ARGV[0];
    old_row jsonb;
    new_row jsonb;
    rid text;
    stamp text;
    col text;
    changed text[] := '{}';
    deleting boolean := false;
    history boolean := TG_ARGV[0] IN ('review_logs', 'interactions');
BEGIN
    IF current_setting('studyteddy.sync_applying', true) = 'on' THEN
        RETURN NULL;
    END IF;
    IF TG_OP <> 'INSERT' THEN old_row := to_jsonb(OLD); END IF;
    IF TG_OP <> 'DELETE' THEN new_row := to_jsonb(NEW); END IF;
    IF kind = 'profile' THEN
        -- On a sync server the users table holds accounts: only a desktop's own profile syncs.
        IF NOT coalesce((coalesce(new_row, old_row) ->> 'is_local_owner')::boolean, false) THEN
            RETURN NULL;
        END IF;
        -- A profile made with default values at first start is no edit: it must not outvote the
        -- name another device already synced.
        IF TG_OP = 'INSERT' THEN
            RETURN NULL;
        END IF;
        rid := 'profile';
    ELSE
        rid := coalesce(new_row, old_row) ->> 'id';
    END IF;
    IF TG_OP = 'DELETE' THEN
        deleting := NOT history;
    ELSE
        FOR i IN 1 .. TG_NARGS - 1 LOOP
            col := TG_ARGV[i];
            IF old_row IS NULL OR (old_row -> col) IS DISTINCT FROM (new_row -> col) THEN
                changed := changed || col;
            END IF;
        END LOOP;
        IF new_row ? 'deleted_at' AND (old_row -> 'deleted_at') IS DISTINCT FROM (new_row -> 'deleted_at') THEN
            IF history OR new_row ->> 'deleted_at' IS NULL THEN
                -- Brought back (or history hidden): an ordinary field write, newer than the tombstone.
                changed := changed || 'deleted_at'::text;
            ELSIF old_row ->> 'deleted_at' IS NULL THEN
                deleting := true;
            END IF;
        END IF;
    END IF;
    IF NOT deleting AND cardinality(changed) = 0 THEN
        RETURN NULL;
    END IF;
    stamp := sync_next_stamp();
    INSERT INTO sync_local_records (collection, record_id) VALUES (kind, rid) ON CONFLICT DO NOTHING;
    UPDATE sync_local_records AS r SET
        -- A field written twice before it was sent keeps the base of its first unsent write.
        pending = r.pending || coalesce((SELECT jsonb_object_agg(c, jsonb_build_object(
            'stamp', stamp,
            'base', CASE WHEN r.pending ? c THEN r.pending -> c -> 'base' ELSE r.stamps -> c END))
            FROM unnest(changed) AS c), '{}'::jsonb),
        stamps = r.stamps || coalesce((SELECT jsonb_object_agg(c, stamp) FROM unnest(changed) AS c), '{}'::jsonb),
        pending_delete = CASE WHEN deleting THEN stamp ELSE r.pending_delete END
    WHERE r.collection = kind AND r.record_id = rid;
    RETURN NULL;
END $$
"""


def _trigger_name(table: str) -> str:
    return f"sync_track_{table}"


def upgrade() -> None:
    op.create_table(
        "sync_device",
        sa.Column("id", sa.SmallInteger(), nullable=False),
        sa.Column("node_id", sa.String(16), nullable=False),
        sa.Column("clock_floor_ms", sa.BigInteger(), server_default=sa.text("0"), nullable=False),
        sa.Column("server_url", sa.Text(), nullable=True),
        sa.Column("account_id", sa.String(64), nullable=True),
        sa.Column("account_login", sa.String(254), nullable=True),
        sa.Column("device_name", sa.String(120), nullable=True),
        sa.Column("session_id", sa.String(64), nullable=True),
        sa.Column("pull_cursor", sa.BigInteger(), server_default=sa.text("0"), nullable=False),
        sa.Column("last_synced_at", TIMESTAMPTZ, nullable=True),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.Column("data_account_id", sa.String(64), nullable=True),
        sa.Column("data_account_login", sa.String(254), nullable=True),
        sa.Column("all_tracked", sa.Boolean(), server_default=sa.text("false"), nullable=False),
        sa.Column("open_conflicts", sa.Integer(), server_default=sa.text("0"), nullable=False),
        sa.CheckConstraint("id = 1", name=op.f("ck_sync_device_one_row")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_sync_device")),
    )
    op.execute("INSERT INTO sync_device (id, node_id) VALUES (1, substr(md5(gen_random_uuid()::text), 1, 16))")
    op.create_table(
        "sync_local_records",
        sa.Column("collection", sa.String(32), nullable=False),
        sa.Column("record_id", sa.String(64), nullable=False),
        sa.Column("stamps", JSONB(), server_default=sa.text("'{}'::jsonb"), nullable=False),
        sa.Column("pending", JSONB(), server_default=sa.text("'{}'::jsonb"), nullable=False),
        sa.Column("pending_delete", sa.String(40), nullable=True),
        sa.Column("pending_resolved", JSONB(), server_default=sa.text("'{}'::jsonb"), nullable=False),
        sa.Column("server_seq", sa.BigInteger(), nullable=True),
        sa.Column("server_state", JSONB(), nullable=True),
        sa.PrimaryKeyConstraint("collection", "record_id", name=op.f("pk_sync_local_records")),
    )
    op.create_index("ix_sync_local_records_waiting", "sync_local_records", ["collection", "record_id"],
                    postgresql_where=sa.text(WAITING))
    op.create_table(
        "sync_inbox",
        sa.Column("collection", sa.String(32), nullable=False),
        sa.Column("record_id", sa.String(64), nullable=False),
        sa.Column("server_seq", sa.BigInteger(), nullable=False),
        sa.Column("state", JSONB(), nullable=False),
        sa.PrimaryKeyConstraint("collection", "record_id", name=op.f("pk_sync_inbox")),
    )
    # Arrivals are applied a collection at a time in server order.
    op.create_index("ix_sync_inbox_collection_server_seq", "sync_inbox", ["collection", "server_seq"])
    op.create_table(
        "sync_outgoing_pushes",
        sa.Column("push_id", sa.Uuid(), nullable=False),
        sa.Column("body", JSONB(), nullable=False),
        sa.Column("created_at", TIMESTAMPTZ, server_default=sa.text("now()"), nullable=False),
        sa.PrimaryKeyConstraint("push_id", name=op.f("pk_sync_outgoing_pushes")),
    )
    op.create_table(
        "sync_uploaded_files",
        sa.Column("sha256", sa.String(64), nullable=False),
        sa.Column("uploaded_at", TIMESTAMPTZ, server_default=sa.text("now()"), nullable=False),
        sa.PrimaryKeyConstraint("sha256", name=op.f("pk_sync_uploaded_files")),
    )
    op.execute("CREATE SEQUENCE sync_stamp_counter")
    op.execute(NEXT_STAMP)
    op.execute(TRACK_CHANGE)
    for table, (collection, columns) in TRACKED.items():
        arguments = ", ".join(f"'{name}'" for name in (collection, *columns))
        op.execute(f"CREATE TRIGGER {_trigger_name(table)} AFTER INSERT OR UPDATE OR DELETE ON {table} "
                   f"FOR EACH ROW EXECUTE FUNCTION sync_track_change({arguments})")


def downgrade() -> None:
    for table in TRACKED:
        op.execute(f"DROP TRIGGER IF EXISTS {_trigger_name(table)} ON {table}")
    op.execute("DROP FUNCTION IF EXISTS sync_track_change()")
    op.execute("DROP FUNCTION IF EXISTS sync_next_stamp()")
    op.execute("DROP SEQUENCE IF EXISTS sync_stamp_counter")
    for table in ("sync_uploaded_files", "sync_outgoing_pushes", "sync_inbox", "sync_local_records", "sync_device"):
        op.drop_table(table)

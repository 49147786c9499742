"""Which local tables sync, under which protocol collection, and which of their columns are synced fields.

Every other column stays on the machine that wrote it: a document's indexing status and stored path,
a card's link to this device's passage row, the profile's preferences (time zone, model files,
window state). The change-tracking triggers (migration 0010) are installed with exactly these
column lists; a test compares the two, so a column added later is added here and to a trigger.
"""

from __future__ import annotations

from dataclasses import dataclass

# The one record id of the profile collection: each device's local owner row has its own UUID.
PROFILE_RECORD_ID = "profile"


@dataclass(frozen=True)
class SyncedTable:
    collection: str
    table: str
    columns: tuple[str, ...]
    # The local owner's id is written into this column of an arrived row (None: no such column).
    owner_column: str | None = "user_id"
    # Columns that point at another synced record: (column, collection), so arrivals wait for their parent.
    parents: tuple[tuple[str, str], ...] = ()
    # Tables without deleted_at (the review log is history and is never deleted).
    soft_deletes: bool = True


_STAMPS = ("created_at",)

# In the order arrivals are applied: a parent before the records that point at it.
SYNCED_TABLES: tuple[SyncedTable, ...] = (
    SyncedTable("profile", "users", ("display_name", "subjects"), owner_column=None),
    SyncedTable("documents", "documents", ("title", "original_filename", "content_sha256", "mime_type",
                                           "size_bytes", "subject", "format_name", "paged", *_STAMPS)),
    SyncedTable("decks", "flashcard_decks", ("name", "parent_id", "subject", "desired_retention", "new_per_day",
                                             "reviews_per_day", "fsrs_parameters", "external_key", *_STAMPS),
                parents=(("parent_id", "decks"),)),
    SyncedTable("tasks", "tasks", ("title", "description", "subject", "due_at", "priority", "status",
                                   "estimated_minutes", "actual_minutes", "completed_at", *_STAMPS)),
    SyncedTable("exams", "exams", ("subject", "title", "exam_at", *_STAMPS)),
    SyncedTable("threads", "conversation_threads", ("title", "subject", "document_scope", *_STAMPS)),
    SyncedTable("cards", "flashcards", ("deck_id", "front", "back", "tags", "source_document_id", "source_page",
                                        "source_fingerprint", "needs_review_flag", "suspended", "state", "due_at",
                                        "stability", "difficulty", "step", "last_review_at", "fsrs_card",
                                        "external_key", *_STAMPS),
                owner_column=None, parents=(("deck_id", "decks"), ("source_document_id", "documents"))),
    SyncedTable("study_sessions", "study_sessions", ("task_id", "subject", "started_at", "ended_at",
                                                     "duration_minutes", "focus_score", "notes", *_STAMPS),
                parents=(("task_id", "tasks"),)),
    SyncedTable("review_logs", "review_logs", ("card_id", "rating", "reviewed_at", "review_duration_ms",
                                               "state_before", "review_session_id", "undone_at", *_STAMPS),
                owner_column=None, parents=(("card_id", "cards"),), soft_deletes=False),
    SyncedTable("interactions", "ai_interactions", (
        "thread_id", "mode", "question", "answer", "citations", "grounded", "model_name", "prompt_tokens",
        "completion_tokens", "latency_ms", "first_token_ms", "feedback_rating", "status", "error", "quotes",
        "checked_sentences", "supported_sentences", "cut_for_repetition", "general_knowledge", "first_shown_ms",
        "quiz_items", *_STAMPS), parents=(("thread_id", "threads"),)),
)
BY_COLLECTION = {table.collection: table for table in SYNCED_TABLES}
# History is never deleted: on these a set deleted_at is an ordinary field (a thread's answers hidden with it).
HISTORY_COLLECTIONS = frozenset({"review_logs", "interactions"})
APPLY_ORDER = {table.collection: position for position, table in enumerate(SYNCED_TABLES)}

"""Flashcards: import keys for idempotent re-import, and the review-queue indexes.

Revision ID: 0004_flashcards
Revises: 0003_document_pipeline
Create Date: 2026-11-29 02:40:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0004_flashcards"
down_revision: str | None = "0003_document_pipeline"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column("flashcard_decks", sa.Column("external_key", sa.String(length=200), nullable=True))
    op.add_column("flashcards", sa.Column("external_key", sa.String(length=200), nullable=True))
    op.create_index(op.f("ix_flashcard_decks_user_id_external_key"), "flashcard_decks",
                    ["user_id", "external_key"], unique=False)
    op.create_index(op.f("ix_flashcards_deck_id_due_at_scheduled"), "flashcards", ["deck_id", "due_at"],
                    unique=False,
                    postgresql_where=sa.text("state <> 'new' AND deleted_at IS NULL AND NOT suspended"))
    op.create_index(op.f("ix_flashcards_deck_id_due_at_new"), "flashcards", ["deck_id", "due_at"], unique=False,
                    postgresql_where=sa.text("state = 'new' AND deleted_at IS NULL AND NOT suspended"))
    op.create_index(op.f("uq_flashcards_deck_id_external_key"), "flashcards",
                    ["deck_id", "external_key"], unique=True)


def downgrade() -> None:
    op.drop_index(op.f("uq_flashcards_deck_id_external_key"), table_name="flashcards")
    op.drop_index(op.f("ix_flashcards_deck_id_due_at_new"), table_name="flashcards")
    op.drop_index(op.f("ix_flashcards_deck_id_due_at_scheduled"), table_name="flashcards")
    op.drop_index(op.f("ix_flashcard_decks_user_id_external_key"), table_name="flashcard_decks")
    op.drop_column("flashcards", "external_key")
    op.drop_column("flashcard_decks", "external_key")

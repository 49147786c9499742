"""Tutor and AI-made cards: whether an answer was grounded, and the source text a card was made from.

Revision ID: 0005_tutor
Revises: 0004_flashcards
Create Date: 2026-11-29 04:20:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0005_tutor"
down_revision: str | None = "0004_flashcards"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column("ai_interactions", sa.Column("grounded", sa.Boolean(), nullable=True))
    op.add_column("flashcards", sa.Column("source_fingerprint", sa.String(length=64), nullable=True))


def downgrade() -> None:
    op.drop_column("flashcards", "source_fingerprint")
    op.drop_column("ai_interactions", "grounded")

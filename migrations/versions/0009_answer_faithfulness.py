"""What the tutor's answer check found: the verbatim quotes shown first, sentences checked and supported.

Also a quiz's questions with the passage sentence each is answered by, so the student's answers are
graded against the passage rather than against what the model believes.

Stored on each answer so the Tutor can show them again after a restart and the Dashboard can count
how much of what the model wrote the student's documents bear out.

Revision ID: 0009_answer_faithfulness
Revises: 0008_sync_server
Create Date: 2026-12-02 02:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects.postgresql import JSONB

revision: str = "0009_answer_faithfulness"
down_revision: str | None = "0008_sync_server"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column("ai_interactions", sa.Column("quotes", JSONB(), server_default=sa.text("'[]'::jsonb"),
                                               nullable=False))
    op.add_column("ai_interactions", sa.Column("checked_sentences", sa.Integer(), nullable=True))
    op.add_column("ai_interactions", sa.Column("supported_sentences", sa.Integer(), nullable=True))
    op.add_column("ai_interactions", sa.Column("cut_for_repetition", sa.Boolean(), server_default=sa.text("false"),
                                               nullable=False))
    op.add_column("ai_interactions", sa.Column("general_knowledge", sa.Boolean(), server_default=sa.text("false"),
                                               nullable=False))
    op.add_column("ai_interactions", sa.Column("first_shown_ms", sa.Integer(), nullable=True))
    op.add_column("ai_interactions", sa.Column("quiz_items", JSONB(), server_default=sa.text("'[]'::jsonb"),
                                               nullable=False))
    op.create_check_constraint(op.f("ck_ai_interactions_checked_sentences_not_negative"), "ai_interactions",
                               "checked_sentences >= 0")
    op.create_check_constraint(op.f("ck_ai_interactions_supported_within_checked"), "ai_interactions",
                               "supported_sentences >= 0 AND supported_sentences <= checked_sentences")
    op.create_check_constraint(op.f("ck_ai_interactions_first_shown_ms_not_negative"), "ai_interactions",
                               "first_shown_ms >= 0")


def downgrade() -> None:
    for name in ("first_shown_ms_not_negative", "supported_within_checked", "checked_sentences_not_negative"):
        op.drop_constraint(op.f(f"ck_ai_interactions_{name}"), "ai_interactions", type_="check")
    for column in ("quiz_items", "first_shown_ms", "general_knowledge", "cut_for_repetition", "supported_sentences",
                   "checked_sentences", "quotes"):
        op.drop_column("ai_interactions", column)

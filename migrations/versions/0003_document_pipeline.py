"""Document pipeline: stored file, detected format, per-page text, and the no-text state.

Revision ID: 0003_document_pipeline
Revises: 0002_planner_dashboard
Create Date: 2026-11-29 02:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0003_document_pipeline"
down_revision: str | None = "0002_planner_dashboard"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

OLD_STATUSES = "'queued', 'extracting', 'embedding', 'ready', 'failed', 'needs_password', 'cancelled'"
NEW_STATUSES = OLD_STATUSES + ", 'no_text'"


def upgrade() -> None:
    op.add_column("documents", sa.Column("stored_path", sa.Text(), nullable=True))
    op.add_column("documents", sa.Column("source_path", sa.Text(), nullable=True))
    op.add_column("documents", sa.Column("format_name", sa.String(length=40), nullable=True))
    op.add_column("documents", sa.Column("paged", sa.Boolean(), server_default=sa.text("true"),
                                         nullable=False))
    op.drop_constraint(op.f("ck_documents_status"), "documents", type_="check")
    op.create_check_constraint(op.f("ck_documents_status"), "documents", f"status IN ({NEW_STATUSES})")
    op.create_table(
        "document_pages",
        sa.Column("document_id", sa.UUID(), nullable=False),
        sa.Column("ordinal", sa.Integer(), nullable=False),
        sa.Column("page_number", sa.Integer(), nullable=True),
        sa.Column("char_start", sa.Integer(), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.CheckConstraint("ordinal >= 0", name=op.f("ck_document_pages_ordinal_not_negative")),
        sa.CheckConstraint("char_start >= 0", name=op.f("ck_document_pages_char_start_not_negative")),
        sa.ForeignKeyConstraint(["document_id"], ["documents.id"],
                                name=op.f("fk_document_pages_document_id_documents"), ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("document_id", "ordinal", name=op.f("pk_document_pages")),
    )


def downgrade() -> None:
    op.drop_table("document_pages")
    op.execute("UPDATE documents SET status = 'failed' WHERE status = 'no_text'")
    op.drop_constraint(op.f("ck_documents_status"), "documents", type_="check")
    op.create_check_constraint(op.f("ck_documents_status"), "documents", f"status IN ({OLD_STATUSES})")
    for column in ("paged", "format_name", "source_path", "stored_path"):
        op.drop_column("documents", column)

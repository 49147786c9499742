"""One owner of the installation's data, enforced by a unique index instead of "the oldest profile".

Earlier versions could create two profiles when the app and the worker started together on a new
data directory, and then filed documents under one and decks under the other. The oldest live
profile becomes the owner; what the others hold moves to it, and they are tombstoned.

Revision ID: 0007_one_local_owner
Revises: 0006_append_only_reviews
Create Date: 2026-12-01 23:40:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0007_one_local_owner"
down_revision: str | None = "0006_append_only_reviews"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# Every table whose rows belong to a profile, as of revision 0006.
OWNED_TABLES = ("documents", "flashcard_decks", "tasks", "exams", "study_sessions",
                "conversation_threads", "ai_interactions")


def upgrade() -> None:
    op.add_column("users", sa.Column("is_local_owner", sa.Boolean(), server_default=sa.text("false"),
                                     nullable=False))
    op.execute("""
        UPDATE users SET is_local_owner = true
        WHERE id = (SELECT id FROM users WHERE deleted_at IS NULL ORDER BY created_at, id LIMIT 1)
    """)
    owner = "(SELECT id FROM users WHERE is_local_owner)"
    # The same file imported under both profiles: keep the owner's copy, tombstone the other.
    op.execute(f"""
        UPDATE documents AS other SET deleted_at = now()
        WHERE other.deleted_at IS NULL AND other.user_id <> {owner}
          AND EXISTS (SELECT 1 FROM documents mine WHERE mine.user_id = {owner}
                      AND mine.deleted_at IS NULL AND mine.content_sha256 = other.content_sha256)
    """)
    for table in OWNED_TABLES:
        op.execute(f"UPDATE {table} SET user_id = {owner} WHERE user_id <> {owner}")
    # A running focus timer is one per profile: the owner's wins.
    op.execute(f"DELETE FROM focus_timers WHERE user_id <> {owner}")
    op.execute(f"UPDATE users SET deleted_at = now() WHERE id <> {owner} AND deleted_at IS NULL")
    op.create_index("uq_users_local_owner", "users", ["is_local_owner"], unique=True,
                    postgresql_where=sa.text("is_local_owner"))


def downgrade() -> None:
    op.drop_index("uq_users_local_owner", table_name="users")
    op.drop_column("users", "is_local_owner")

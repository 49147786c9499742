"""Sync server accounts and store: logins and roles on users, device sessions, refresh tokens, classes,
and each user's merged records with their own sequence and the pushes already applied.

Revision ID: 0008_sync_server
Revises: 0007_one_local_owner
Create Date: 2026-12-01 23:05:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0008_sync_server"
down_revision: str | None = "0007_one_local_owner"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('school_classes',
    sa.Column('id', sa.UUID(), server_default=sa.text('gen_random_uuid()'), nullable=False),
    sa.Column('name', sa.String(length=120), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_school_classes')),
    sa.UniqueConstraint('name', name=op.f('uq_school_classes_name'))
    )
    op.create_table('class_memberships',
    sa.Column('class_id', sa.UUID(), nullable=False),
    sa.Column('user_id', sa.UUID(), nullable=False),
    sa.Column('role_in_class', sa.String(length=16), server_default=sa.text("'student'"), nullable=False),
    sa.ForeignKeyConstraint(['class_id'], ['school_classes.id'], name=op.f('fk_class_memberships_class_id_school_classes'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_class_memberships_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('class_id', 'user_id', name=op.f('pk_class_memberships'))
    )
    op.create_table('device_sessions',
    sa.Column('id', sa.UUID(), server_default=sa.text('gen_random_uuid()'), nullable=False),
    sa.Column('user_id', sa.UUID(), nullable=False),
    sa.Column('device_name', sa.String(length=120), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('last_used_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('expires_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('revoked_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('revoked_reason', sa.String(length=64), nullable=True),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_device_sessions_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_device_sessions'))
    )
    op.create_index('ix_device_sessions_user_id', 'device_sessions', ['user_id'], unique=False)
    op.create_table('stored_blobs',
    sa.Column('user_id', sa.UUID(), nullable=False),
    sa.Column('sha256', sa.String(length=64), nullable=False),
    sa.Column('size_bytes', sa.BigInteger(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_stored_blobs_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('user_id', 'sha256', name=op.f('pk_stored_blobs'))
    )
    op.create_table('sync_counters',
    sa.Column('user_id', sa.UUID(), nullable=False),
    sa.Column('last_seq', sa.BigInteger(), server_default=sa.text('0'), nullable=False),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_sync_counters_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('user_id', name=op.f('pk_sync_counters'))
    )
    op.create_table('sync_pushes',
    sa.Column('user_id', sa.UUID(), nullable=False),
    sa.Column('push_id', sa.UUID(), nullable=False),
    sa.Column('response', postgresql.JSONB(astext_type=sa.Text()), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_sync_pushes_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('user_id', 'push_id', name=op.f('pk_sync_pushes'))
    )
    op.create_table('sync_records',
    sa.Column('user_id', sa.UUID(), nullable=False),
    sa.Column('collection', sa.String(length=32), nullable=False),
    sa.Column('record_id', sa.String(length=64), nullable=False),
    sa.Column('state', postgresql.JSONB(astext_type=sa.Text()), nullable=False),
    sa.Column('server_seq', sa.BigInteger(), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_sync_records_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('user_id', 'collection', 'record_id', name=op.f('pk_sync_records'))
    )
    op.create_index('ix_sync_records_user_id_server_seq', 'sync_records', ['user_id', 'server_seq'], unique=True)
    op.create_table('refresh_tokens',
    sa.Column('token_hash', sa.String(length=64), nullable=False),
    sa.Column('session_id', sa.UUID(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('used_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['session_id'], ['device_sessions.id'], name=op.f('fk_refresh_tokens_session_id_device_sessions'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('token_hash', name=op.f('pk_refresh_tokens'))
    )
    op.create_index('ix_refresh_tokens_session_id', 'refresh_tokens', ['session_id'], unique=False)
    op.add_column('users', sa.Column('login', sa.String(length=254), nullable=True))
    op.add_column('users', sa.Column('password_hash', sa.String(length=255), nullable=True))
    op.add_column('users', sa.Column('role', sa.String(length=16), server_default=sa.text("'student'"), nullable=False))
    op.add_column('users', sa.Column('disabled_at', sa.DateTime(timezone=True), nullable=True))
    op.create_index('uq_users_login', 'users', [sa.literal_column('lower(login)')], unique=True, postgresql_where=sa.text('login IS NOT NULL'))


def downgrade() -> None:
    op.drop_index('uq_users_login', table_name='users', postgresql_where=sa.text('login IS NOT NULL'))
    op.drop_column('users', 'disabled_at')
    op.drop_column('users', 'role')
    op.drop_column('users', 'password_hash')
    op.drop_column('users', 'login')
    op.drop_index('ix_refresh_tokens_session_id', table_name='refresh_tokens')
    op.drop_table('refresh_tokens')
    op.drop_index('ix_sync_records_user_id_server_seq', table_name='sync_records')
    op.drop_table('sync_records')
    op.drop_table('sync_pushes')
    op.drop_table('sync_counters')
    op.drop_table('stored_blobs')
    op.drop_index('ix_device_sessions_user_id', table_name='device_sessions')
    op.drop_table('device_sessions')
    op.drop_table('class_memberships')
    op.drop_table('school_classes')

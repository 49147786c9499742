"""Tutor threads and the answers in them, scoped to their student and blind to tombstones in SQL."""

from __future__ import annotations

import uuid

import sqlalchemy as sa

from studyteddy_desktop.db.models import AIInteraction, ConversationThread
from studyteddy_desktop.db.repositories.base import RepositoryBase, SoftDeletionMixin, UserScopedMixin


class ThreadRepository(UserScopedMixin[ConversationThread], SoftDeletionMixin[ConversationThread],
                       RepositoryBase[ConversationThread]):
    model = ConversationThread


class InteractionRepository(UserScopedMixin[AIInteraction], SoftDeletionMixin[AIInteraction],
                            RepositoryBase[AIInteraction]):
    model = AIInteraction

    def in_thread(self, thread_id: uuid.UUID, *, user_id: uuid.UUID) -> list[AIInteraction]:
        return self.get_all(self.get_base_statement(user_id=user_id).where(AIInteraction.thread_id == thread_id)
                            .order_by(AIInteraction.created_at, AIInteraction.id))

    def count_in_thread(self, thread_id: uuid.UUID, *, user_id: uuid.UUID) -> int:
        statement = self.get_base_statement(sa.func.count(), user_id=user_id).where(
            AIInteraction.thread_id == thread_id)
        return int(self.session.scalar(statement) or 0)

"""AI tutor conversations and every question-and-answer exchange within them."""

import uuid
from typing import Any

from sqlalchemy import Boolean, CheckConstraint, ForeignKey, Index, Integer, SmallInteger, String, Text, text
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, mapped_column, relationship

from studyteddy_desktop.db.base import Base, SyncedRow, str_enum
from studyteddy_desktop.domain.enums import InteractionMode, InteractionStatus


class ConversationThread(SyncedRow, Base):
    """A tutor conversation, optionally limited to a set of the student's documents."""

    __tablename__ = "conversation_threads"
    __table_args__ = (Index("ix_conversation_threads_user_id_updated_at", "user_id", "updated_at"),)

    user_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    title: Mapped[str] = mapped_column(String(300))
    subject: Mapped[str | None] = mapped_column(String(120))
    # Document ids (as strings) retrieval is restricted to; empty means all documents.
    # JSONB rather than a link table because it is a per-thread preference that syncs as a
    # whole and must not block deleting a document.
    document_scope: Mapped[list[str]] = mapped_column(
        JSONB, default=list, server_default=text("'[]'::jsonb")
    )

    interactions: Mapped[list["AIInteraction"]] = relationship(
        back_populates="thread",
        order_by="AIInteraction.created_at",
        cascade="all, delete-orphan",
        passive_deletes=True,
    )

    def __repr__(self) -> str:
        return f"ConversationThread(id={self.id!s}, title={self.title!r})"


class AIInteraction(SyncedRow, Base):
    """One question and the model's answer, with what it cost and how the student rated it.

    The row is inserted as `generating` before the first token so an interrupted answer
    survives a crash as a visible, partial row rather than vanishing.
    """

    __tablename__ = "ai_interactions"
    __table_args__ = (
        CheckConstraint("feedback_rating BETWEEN 1 AND 5", name="feedback_rating_range"),
        CheckConstraint("prompt_tokens >= 0", name="prompt_tokens_not_negative"),
        CheckConstraint("completion_tokens >= 0", name="completion_tokens_not_negative"),
        CheckConstraint("latency_ms >= 0", name="latency_ms_not_negative"),
        CheckConstraint("first_token_ms >= 0", name="first_token_ms_not_negative"),
        CheckConstraint("checked_sentences >= 0", name="checked_sentences_not_negative"),
        CheckConstraint("supported_sentences >= 0 AND supported_sentences <= checked_sentences",
                        name="supported_within_checked"),
        CheckConstraint("first_shown_ms >= 0", name="first_shown_ms_not_negative"),
        Index("ix_ai_interactions_thread_id_created_at", "thread_id", "created_at"),
        Index("ix_ai_interactions_user_id_created_at", "user_id", "created_at"),
    )

    thread_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("conversation_threads.id", ondelete="CASCADE")
    )
    user_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    mode: Mapped[InteractionMode] = mapped_column(
        str_enum(InteractionMode, constraint_name="mode")
    )
    question: Mapped[str] = mapped_column(Text)
    # Grows while the answer streams in; empty until the first token.
    answer: Mapped[str] = mapped_column(Text, default="", server_default="")
    # [{"document_id", "chunk_id", "page", "quote"}, ...] as shown under the answer.
    citations: Mapped[list[dict[str, Any]]] = mapped_column(
        JSONB, default=list, server_default=text("'[]'::jsonb")
    )
    # Whether retrieval found passages close enough to answer from; None until it has run.
    grounded: Mapped[bool | None] = mapped_column(Boolean)
    model_name: Mapped[str | None] = mapped_column(String(200))
    prompt_tokens: Mapped[int | None] = mapped_column(Integer)
    completion_tokens: Mapped[int | None] = mapped_column(Integer)
    latency_ms: Mapped[int | None] = mapped_column(Integer)
    first_token_ms: Mapped[int | None] = mapped_column(Integer)
    feedback_rating: Mapped[int | None] = mapped_column(SmallInteger)
    status: Mapped[InteractionStatus] = mapped_column(
        str_enum(InteractionStatus, constraint_name="status"),
        default=InteractionStatus.GENERATING,
        server_default=InteractionStatus.GENERATING.value,
    )
    error: Mapped[str | None] = mapped_column(Text)
    # [{"source_number", "text"}, ...]: sentences of the sources, verbatim, shown before the explanation.
    quotes: Mapped[list[dict[str, Any]]] = mapped_column(
        JSONB, default=list, server_default=text("'[]'::jsonb")
    )
    # Sentences of the model's explanation held against the sources, and how many they bore out;
    # None until the answer ends. Unsupported ones were left out of `answer`.
    checked_sentences: Mapped[int | None] = mapped_column(Integer)
    supported_sentences: Mapped[int | None] = mapped_column(Integer)
    # The model began repeating itself and was stopped; the repeated tail is not in `answer`.
    cut_for_repetition: Mapped[bool] = mapped_column(Boolean, default=False, server_default=text("false"))
    # The student asked for general knowledge. Only a model able to carry it gives it (an ungrounded answer
    # with text), labelled so; the bundled model's answer stays empty.
    general_knowledge: Mapped[bool] = mapped_column(Boolean, default=False, server_default=text("false"))
    # From asking to the first word shown: a quote when the sources have one, else the model's first word.
    first_shown_ms: Mapped[int | None] = mapped_column(Integer)
    # A quiz's questions: [{"number", "question", "answer", "source_number"}]; the answer is the passage's text.
    quiz_items: Mapped[list[dict[str, Any]]] = mapped_column(
        JSONB, default=list, server_default=text("'[]'::jsonb")
    )

    thread: Mapped[ConversationThread] = relationship(back_populates="interactions")

    def __repr__(self) -> str:
        return f"AIInteraction(id={self.id!s}, mode={self.mode!s}, status={self.status!s})"

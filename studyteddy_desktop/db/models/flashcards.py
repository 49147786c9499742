"""Flashcard decks, cards with their FSRS scheduling state, and the append-only review log."""

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import (
    Boolean,
    CheckConstraint,
    Double,
    ForeignKey,
    Index,
    Integer,
    SmallInteger,
    String,
    Text,
    func,
    text,
)
from sqlalchemy.dialects.postgresql import ARRAY, JSONB
from sqlalchemy.orm import Mapped, mapped_column, relationship

from studyteddy_desktop.db.base import Base, SyncedRow, str_enum
from studyteddy_desktop.domain.enums import CardState


class FlashcardDeck(SyncedRow, Base):
    """A deck of cards with its own FSRS targets; decks nest through parent_id."""

    __tablename__ = "flashcard_decks"
    __table_args__ = (
        CheckConstraint(
            "desired_retention >= 0.7 AND desired_retention <= 0.99",
            name="desired_retention_range",
        ),
        CheckConstraint("new_per_day >= 0", name="new_per_day_not_negative"),
        CheckConstraint("reviews_per_day >= 0", name="reviews_per_day_not_negative"),
        CheckConstraint("parent_id <> id", name="not_own_parent"),
        Index("ix_flashcard_decks_user_id", "user_id"),
        Index("ix_flashcard_decks_parent_id", "parent_id"),
        Index("ix_flashcard_decks_user_id_external_key", "user_id", "external_key"),
    )

    user_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    name: Mapped[str] = mapped_column(String(200))
    # Purging a deck purges its sub-decks; ordinary deletion is a tombstone and never cascades.
    parent_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("flashcard_decks.id", ondelete="CASCADE")
    )
    subject: Mapped[str | None] = mapped_column(String(120))
    desired_retention: Mapped[float] = mapped_column(
        Double, default=0.9, server_default=text("0.9")
    )
    new_per_day: Mapped[int] = mapped_column(Integer, default=20, server_default=text("20"))
    reviews_per_day: Mapped[int] = mapped_column(Integer, default=200, server_default=text("200"))
    # Optimised FSRS weights for this deck; NULL means the scheduler's defaults.
    fsrs_parameters: Mapped[list[float] | None] = mapped_column(JSONB)
    # Where an imported deck came from (e.g. "anki:<deck id>"), so importing it again merges.
    external_key: Mapped[str | None] = mapped_column(String(200))

    parent: Mapped["FlashcardDeck | None"] = relationship(
        back_populates="children", remote_side="FlashcardDeck.id"
    )
    children: Mapped[list["FlashcardDeck"]] = relationship(
        back_populates="parent", passive_deletes=True
    )
    cards: Mapped[list["Flashcard"]] = relationship(
        back_populates="deck", cascade="all, delete-orphan", passive_deletes=True
    )

    def __repr__(self) -> str:
        return f"FlashcardDeck(id={self.id!s}, name={self.name!r})"


class Flashcard(SyncedRow, Base):
    """A Markdown front/back card, where it came from, and where FSRS has scheduled it."""

    __tablename__ = "flashcards"
    __table_args__ = (
        CheckConstraint("source_page >= 1", name="source_page_positive"),
        CheckConstraint("step >= 0", name="step_not_negative"),
        Index("ix_flashcards_deck_id_due_at", "deck_id", "due_at"),
        # Re-indexing a document deletes its chunks, which nulls these references;
        # without indexes that is a scan of every card per deleted chunk.
        Index("ix_flashcards_source_chunk_id", "source_chunk_id"),
        Index("ix_flashcards_source_document_id", "source_document_id"),
        # The review queue reads a deck's due cards soonest first, reviews and new cards apart; these
        # hold only reviewable rows, in due order, so the next card is the first index entry.
        Index("ix_flashcards_deck_id_due_at_scheduled", "deck_id", "due_at",
              postgresql_where=text("state <> 'new' AND deleted_at IS NULL AND NOT suspended")),
        Index("ix_flashcards_deck_id_due_at_new", "deck_id", "due_at",
              postgresql_where=text("state = 'new' AND deleted_at IS NULL AND NOT suspended")),
        # Re-importing a file matches its cards by key instead of adding them again.
        Index("uq_flashcards_deck_id_external_key", "deck_id", "external_key", unique=True),
    )

    deck_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("flashcard_decks.id", ondelete="CASCADE")
    )
    front: Mapped[str] = mapped_column(Text)
    back: Mapped[str] = mapped_column(Text)
    tags: Mapped[list[str]] = mapped_column(
        ARRAY(Text), default=list, server_default=text("'{}'::text[]")
    )
    # Provenance of generated cards; the card outlives a re-indexed or deleted source.
    source_chunk_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("document_chunks.id", ondelete="SET NULL")
    )
    source_document_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("documents.id", ondelete="SET NULL")
    )
    source_page: Mapped[int | None] = mapped_column(Integer)
    # Hash of the source passage's text when the card was made; a re-import that changes it flags the card.
    source_fingerprint: Mapped[str | None] = mapped_column(String(64))
    # Set when a generated card may be wrong (e.g. its source changed) and wants a human look.
    needs_review_flag: Mapped[bool] = mapped_column(
        Boolean, default=False, server_default=text("false")
    )
    suspended: Mapped[bool] = mapped_column(Boolean, default=False, server_default=text("false"))
    state: Mapped[CardState] = mapped_column(
        str_enum(CardState, constraint_name="state"),
        default=CardState.NEW,
        server_default=CardState.NEW.value,
    )
    # New cards are due at once.
    due_at: Mapped[datetime] = mapped_column(server_default=func.now())
    # FSRS memory state; NULL until the first review.
    stability: Mapped[float | None] = mapped_column(Double)
    difficulty: Mapped[float | None] = mapped_column(Double)
    step: Mapped[int | None] = mapped_column(Integer)
    last_review_at: Mapped[datetime | None]
    # The scheduler's own serialised card, kept verbatim so a library upgrade can re-read it.
    fsrs_card: Mapped[dict[str, Any] | None] = mapped_column(JSONB)
    # Identity of an imported card in its source file (Anki note guid and card ordinal, CSV front).
    external_key: Mapped[str | None] = mapped_column(String(200))

    deck: Mapped[FlashcardDeck] = relationship(back_populates="cards")
    # History outlives the card: deleting a card is a tombstone, and the database refuses to
    # purge a card that has answers (the log is what sync merges), so the ORM never deletes them.
    review_logs: Mapped[list["ReviewLog"]] = relationship(
        back_populates="card",
        order_by="ReviewLog.reviewed_at",
        cascade="save-update, merge",
        passive_deletes="all",
    )

    def __repr__(self) -> str:
        return f"Flashcard(id={self.id!s}, state={self.state!s}, due_at={self.due_at!s})"


class ReviewLog(Base):
    """One answer to one card; the history FSRS parameters are optimised from.

    Append-only: rows are never deleted and their answer never changes. Undo only stamps
    `undone_at`, once, so two devices merge a row by inserting it or keeping the earlier stamp,
    and every reader of the log skips undone rows. Hence neither updated_at nor deleted_at.
    """

    __tablename__ = "review_logs"
    __table_args__ = (
        CheckConstraint("rating BETWEEN 1 AND 4", name="rating_range"),
        CheckConstraint("review_duration_ms >= 0", name="review_duration_ms_not_negative"),
        Index("ix_review_logs_card_id_reviewed_at", "card_id", "reviewed_at"),
        # The dashboard reads today's reviews live; without this that is a scan of the log.
        Index("ix_review_logs_reviewed_at", "reviewed_at"),
        # Undo looks up the latest answer of the running review session.
        Index("ix_review_logs_review_session_id_reviewed_at", "review_session_id", "reviewed_at"),
    )

    id: Mapped[uuid.UUID] = mapped_column(
        primary_key=True, default=uuid.uuid4, server_default=func.gen_random_uuid()
    )
    card_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("flashcards.id", ondelete="RESTRICT"))
    # A ReviewRating value; kept as a plain integer because that is what FSRS exports.
    rating: Mapped[int] = mapped_column(SmallInteger)
    reviewed_at: Mapped[datetime]
    review_duration_ms: Mapped[int | None] = mapped_column(Integer)
    state_before: Mapped[CardState] = mapped_column(
        str_enum(CardState, constraint_name="state_before")
    )
    created_at: Mapped[datetime] = mapped_column(server_default=func.now())
    # The review session (one sitting at one screen) that gave the answer; NULL for answers
    # given outside one (the terminal, imports). Only a session's latest answer can be undone.
    review_session_id: Mapped[uuid.UUID | None]
    # When the student took the answer back; the row stays as history but no longer counts.
    undone_at: Mapped[datetime | None]

    card: Mapped[Flashcard] = relationship(back_populates="review_logs")

    def __repr__(self) -> str:
        return (
            f"ReviewLog(id={self.id!s}, card_id={self.card_id!s}, rating={self.rating}, "
            f"reviewed_at={self.reviewed_at!s})"
        )

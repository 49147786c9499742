"""Frozen values about decks, cards, review sessions and card files that cross the service boundary."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import datetime


@dataclass(frozen=True)
class DeckDTO:
    id: uuid.UUID
    name: str
    parent_id: uuid.UUID | None
    subject: str | None
    desired_retention: float
    new_per_day: int
    reviews_per_day: int
    card_count: int = 0
    # What a review session would show today, after the daily limits.
    new_due: int = 0
    reviews_due: int = 0
    optimised: bool = False

    @property
    def due_total(self) -> int:
        return self.new_due + self.reviews_due


@dataclass(frozen=True)
class CardDraft:
    """What the student types into the card editor."""

    front: str
    back: str
    tags: tuple[str, ...] = ()


@dataclass(frozen=True)
class CardDTO:
    id: uuid.UUID
    deck_id: uuid.UUID
    front: str
    back: str
    tags: tuple[str, ...]
    state: str
    due_at: datetime
    suspended: bool
    needs_review_flag: bool
    stability: float | None
    difficulty: float | None
    last_review_at: datetime | None
    created_at: datetime
    source_document_id: uuid.UUID | None = None
    source_page: int | None = None


@dataclass(frozen=True)
class ReviewCardDTO:
    """A card ready to show, with the interval each rating button would give (in rating order)."""

    card: CardDTO
    interval_labels: tuple[str, str, str, str]
    # The showing: a rating is accepted only while the card still has this last review.
    shown_last_review_at: datetime | None


@dataclass(frozen=True)
class ReviewQueue:
    """The next cards of a session and how many are left today."""

    deck_id: uuid.UUID
    cards: tuple[ReviewCardDTO, ...]
    # None when not counted (after a rating, where the screen counts down itself).
    new_left: int | None
    reviews_left: int | None

    @property
    def left(self) -> int | None:
        if self.new_left is None or self.reviews_left is None:
            return None
        return self.new_left + self.reviews_left


@dataclass(frozen=True)
class RatingOutcome:
    """The answer to a rating: whether it counted, and the queue after it."""

    card_id: uuid.UUID
    accepted: bool
    queue: ReviewQueue
    review_log_id: uuid.UUID | None = None
    next_due_at: datetime | None = None


@dataclass(frozen=True)
class OptimisationResult:
    deck_id: uuid.UUID
    optimised: bool
    review_count: int
    message: str


@dataclass(frozen=True)
class CardExchangeReport:
    """What an import or export did, and what it could not carry over (never silently dropped)."""

    deck_names: tuple[str, ...]
    added: int = 0
    updated: int = 0
    unchanged: int = 0
    reviews_added: int = 0
    media_copied: int = 0
    skipped: tuple[str, ...] = field(default_factory=tuple)
    # Cards the student had deleted that the file brought back, with the file's content.
    restored: int = 0

"""Decks, cards and review-log rows: the queries the flashcard services need."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import NamedTuple, TypeVar

import sqlalchemy as sa

from studyteddy_desktop.db.base import transaction_time
from studyteddy_desktop.db.models import Flashcard, FlashcardDeck, ReviewLog
from studyteddy_desktop.db.repositories.base import RepositoryBase, SoftDeletionMixin, UserScopedMixin

FlashcardRow = TypeVar("FlashcardRow", FlashcardDeck, Flashcard, ReviewLog)


# Per deck: its live cards (the deck alone, not its sub-decks).
_DECK_COUNTS = sa.text("""
SELECT d.id, (SELECT COUNT(*) FROM flashcards c WHERE c.deck_id = d.id AND c.deleted_at IS NULL)
FROM flashcard_decks d
WHERE d.user_id = :user_id AND d.deleted_at IS NULL
""")


# What a deck's review session offers today, counted as the queue picks cards: over the deck and
# its sub-decks, due by `now`, under the chosen deck's daily limits less what today already took.
def _due_today_sql(one_deck: bool) -> sa.TextClause:
    only = "AND d.id = :deck_id" if one_deck else ""
    return sa.text(f"""
WITH RECURSIVE tree AS (
    SELECT d.id AS root, d.id FROM flashcard_decks d
    WHERE d.user_id = :user_id AND d.deleted_at IS NULL {only}
    UNION ALL
    SELECT t.root, d.id FROM flashcard_decks d JOIN tree t ON d.parent_id = t.id WHERE d.deleted_at IS NULL
),
taken AS (
    SELECT t.root, COUNT(*) FILTER (WHERE r.state_before = 'new') AS new_today,
           COUNT(*) FILTER (WHERE r.state_before <> 'new') AS reviews_today
    FROM tree t JOIN flashcards c ON c.deck_id = t.id JOIN review_logs r ON r.card_id = c.id
    WHERE r.reviewed_at >= :day_start AND r.undone_at IS NULL
    GROUP BY t.root
),
due AS (
    SELECT t.root, COUNT(*) FILTER (WHERE c.state = 'new') AS new_due,
           COUNT(*) FILTER (WHERE c.state <> 'new') AS reviews_due
    FROM tree t JOIN flashcards c ON c.deck_id = t.id
    WHERE c.due_at <= :now AND c.deleted_at IS NULL AND NOT c.suspended
    GROUP BY t.root
)
SELECT d.id, d.parent_id,
       LEAST(COALESCE(due.new_due, 0), GREATEST(0, d.new_per_day - COALESCE(taken.new_today, 0))),
       LEAST(COALESCE(due.reviews_due, 0), GREATEST(0, d.reviews_per_day - COALESCE(taken.reviews_today, 0)))
FROM flashcard_decks d LEFT JOIN taken ON taken.root = d.id LEFT JOIN due ON due.root = d.id
WHERE d.user_id = :user_id AND d.deleted_at IS NULL {only}
""")


_DUE_TODAY = {one: _due_today_sql(one) for one in (True, False)}


class DueToday(NamedTuple):
    """A deck's cards to study today: new cards and reviews (learning cards included)."""

    new: int
    reviews: int
    parent_id: uuid.UUID | None = None

    @property
    def total(self) -> int:
        return self.new + self.reviews


# Written as SQL text because the next card waits on these: building ORM statements and
# entities cost more than the queries themselves.
_QUEUE_CONTEXT = sa.text("""
WITH RECURSIVE tree AS (
    SELECT id FROM flashcard_decks WHERE id = :deck_id
    UNION ALL
    SELECT d.id FROM flashcard_decks d JOIN tree t ON d.parent_id = t.id WHERE d.deleted_at IS NULL
)
SELECT (SELECT array_agg(id) FROM tree),
       COUNT(*) FILTER (WHERE r.state_before = 'new'),
       COUNT(*) FILTER (WHERE r.state_before <> 'new')
FROM review_logs r
WHERE r.reviewed_at >= :day_start AND r.undone_at IS NULL
  AND (SELECT c.deck_id FROM flashcards c WHERE c.id = r.card_id) IN (SELECT id FROM tree)
""")

# The state tests are spelled as in the partial indexes so the planner can use them; one deck is
# compared with `=`, which lets the index hand rows over already in due order (ANY sorts them all).
def _due_filter(new: bool, one_deck: bool) -> str:
    decks = "deck_id = :deck_id" if one_deck else "deck_id = ANY(:deck_ids)"
    return (f"{decks} AND due_at <= :now AND deleted_at IS NULL AND NOT suspended "
            f"AND state {'=' if new else '<>'} 'new'")


_DUE_CARDS = {(new, one): sa.text(f"SELECT * FROM flashcards WHERE {_due_filter(new, one)} "
                                  f"AND NOT (id = ANY(:exclude)) ORDER BY due_at, id LIMIT :limit")
              for new in (True, False) for one in (True, False)}


def _deck_params(deck_ids: tuple[uuid.UUID, ...]) -> dict:
    return {"deck_id": deck_ids[0]} if len(deck_ids) == 1 else {"deck_ids": list(deck_ids)}


class FlashcardRepository(UserScopedMixin[FlashcardDeck], SoftDeletionMixin[FlashcardDeck],
                          RepositoryBase[FlashcardDeck]):
    """The base's model is the deck (what a user owns); cards and review logs have named queries."""

    model = FlashcardDeck

    def add(self, row: FlashcardRow, *, flush: bool = True) -> FlashcardRow:
        """Decks, cards and review-log rows alike."""
        self.session.add(row)
        if flush:
            self.session.flush()
        return row

    # -- decks --------------------------------------------------------------------------

    def live_decks(self, user_id: uuid.UUID) -> list[FlashcardDeck]:
        return self.get_all(self.get_base_statement(user_id=user_id)
                            .order_by(sa.func.lower(FlashcardDeck.name)))

    def deck(self, user_id: uuid.UUID, deck_id: uuid.UUID, *, for_update: bool = False) -> FlashcardDeck | None:
        return self.get(deck_id, user_id=user_id, for_update=for_update)

    def deck_by_name(self, user_id: uuid.UUID, name: str) -> FlashcardDeck | None:
        return self.session.scalar(self.get_base_statement(user_id=user_id)
                                   .where(sa.func.lower(FlashcardDeck.name) == name.casefold()).limit(1))

    def deck_by_external_key(self, user_id: uuid.UUID, key: str) -> FlashcardDeck | None:
        return self.session.scalar(self.get_base_statement(user_id=user_id)
                                   .where(FlashcardDeck.external_key == key).limit(1))

    def deck_counts(self, user_id: uuid.UUID) -> dict[uuid.UUID, int]:
        """Each live deck's live cards."""
        return {row[0]: int(row[1]) for row in self.session.execute(_DECK_COUNTS, {"user_id": user_id})}

    def due_today(self, user_id: uuid.UUID, now: datetime, day_start: datetime, *,
                  deck_id: uuid.UUID | None = None) -> dict[uuid.UUID, DueToday]:
        """The one definition of "due today": per deck, what its review session offers today.

        The deck list, the review queue's counts and the dashboard all read it, so they agree.
        """
        params = {"user_id": user_id, "now": now, "day_start": day_start}
        if deck_id is not None:
            params["deck_id"] = deck_id
        rows = self.session.execute(_DUE_TODAY[deck_id is not None], params)
        return {row[0]: DueToday(int(row[2]), int(row[3]), row[1]) for row in rows}

    def cards_due_today(self, user_id: uuid.UUID, now: datetime, day_start: datetime) -> int:
        """All cards the student can study today: each top-level deck's session (it covers the sub-decks)."""
        decks = self.due_today(user_id, now, day_start)
        return sum(due.total for due in decks.values() if due.parent_id not in decks)

    def queue_context(self, deck_id: uuid.UUID, day_start: datetime) -> tuple[tuple[uuid.UUID, ...], int, int]:
        """The deck with its sub-decks, and the new cards and reviews they had since `day_start`."""
        deck_ids, new_today, reviews_today = self.session.execute(
            _QUEUE_CONTEXT, {"deck_id": deck_id, "day_start": day_start}).one()
        return tuple(deck_ids or (deck_id,)), int(new_today), int(reviews_today)

    # -- cards --------------------------------------------------------------------------

    def soft_delete_cards_in(self, deck_id: uuid.UUID) -> None:
        """Tombstone the deck's live cards in one statement, on the clock the deck's own tombstone uses."""
        self.session.execute(sa.update(Flashcard)
                             .where(Flashcard.deck_id == deck_id, Flashcard.deleted_at.is_(None))
                             .values(deleted_at=transaction_time()))

    def card(self, card_id: uuid.UUID, *, for_update: bool = False) -> Flashcard | None:
        statement = sa.select(Flashcard).where(Flashcard.id == card_id, Flashcard.deleted_at.is_(None))
        if for_update:
            statement = statement.with_for_update()
        return self.session.scalar(statement)

    def card_with_deck(self, user_id: uuid.UUID, card_id: uuid.UUID) -> tuple[Flashcard, FlashcardDeck] | None:
        """A live card (locked for update) and its live deck, in one round trip."""
        row = self.session.execute(
            sa.select(Flashcard, FlashcardDeck).join(FlashcardDeck, FlashcardDeck.id == Flashcard.deck_id)
            .where(Flashcard.id == card_id, Flashcard.deleted_at.is_(None), FlashcardDeck.user_id == user_id,
                   FlashcardDeck.deleted_at.is_(None))
            .with_for_update(of=Flashcard)).one_or_none()
        return None if row is None else (row[0], row[1])

    def cards_in_deck(self, deck_id: uuid.UUID, *, text: str | None = None, tag: str | None = None,
                      limit: int | None = None) -> list[Flashcard]:
        statement = (sa.select(Flashcard).where(Flashcard.deck_id == deck_id, Flashcard.deleted_at.is_(None))
                     .order_by(Flashcard.created_at, Flashcard.id))
        if text:
            pattern = "%" + text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
            statement = statement.where(sa.or_(Flashcard.front.ilike(pattern), Flashcard.back.ilike(pattern)))
        if tag:
            statement = statement.where(sa.literal(tag) == sa.any_(Flashcard.tags))
        if limit:
            statement = statement.limit(limit)
        return list(self.session.scalars(statement))

    def cards_by_external_key(self, deck_id: uuid.UUID) -> dict[str, Flashcard]:
        """Live and deleted cards by the key of where they came from; a live card wins a shared key."""
        cards: dict[str, Flashcard] = {}
        for card in self.session.scalars(
                sa.select(Flashcard).where(Flashcard.deck_id == deck_id, Flashcard.external_key.is_not(None))
                .order_by(Flashcard.deleted_at.is_(None), Flashcard.deleted_at)):
            if card.external_key:
                cards[card.external_key] = card
        return cards

    def due_cards(self, deck_ids: tuple[uuid.UUID, ...], now: datetime, *, new: bool, limit: int,
                  exclude: tuple[uuid.UUID, ...] = ()) -> list[sa.Row]:
        """Plain rows named like the card's attributes, soonest due first; the queue only reads them."""
        if limit <= 0:
            return []
        return list(self.session.execute(_DUE_CARDS[new, len(deck_ids) == 1], {
            **_deck_params(deck_ids), "now": now, "exclude": list(exclude), "limit": limit}))

    # -- the review log -----------------------------------------------------------------
    # Undone answers stay in the log as history; every query here that feeds a schedule or a
    # count leaves them out.

    def reviews_of(self, card_id: uuid.UUID) -> list[ReviewLog]:
        """The card's answers that count, oldest first."""
        return list(self.session.scalars(
            sa.select(ReviewLog).where(ReviewLog.card_id == card_id, ReviewLog.undone_at.is_(None))
            .order_by(ReviewLog.reviewed_at)))

    def review_count(self, card_id: uuid.UUID) -> int:
        """Every answer the card ever had, undone ones included: the history that must never shrink."""
        return int(self.session.scalar(sa.select(sa.func.count()).select_from(ReviewLog)
                                       .where(ReviewLog.card_id == card_id)) or 0)

    def last_review(self, card_id: uuid.UUID) -> ReviewLog | None:
        return self.session.scalar(sa.select(ReviewLog).where(ReviewLog.card_id == card_id,
                                                              ReviewLog.undone_at.is_(None))
                                   .order_by(ReviewLog.reviewed_at.desc()).limit(1))

    def review(self, review_log_id: uuid.UUID, *, for_update: bool = False) -> ReviewLog | None:
        return self.session.get(ReviewLog, review_log_id, with_for_update=for_update or None,
                                populate_existing=for_update)

    def last_session_review(self, review_session_id: uuid.UUID) -> ReviewLog | None:
        """The latest answer of a review session that still counts."""
        return self.session.scalar(
            sa.select(ReviewLog).where(ReviewLog.review_session_id == review_session_id,
                                       ReviewLog.undone_at.is_(None))
            .order_by(ReviewLog.reviewed_at.desc(), ReviewLog.created_at.desc()).limit(1))

    def deck_review_history(self, deck_id: uuid.UUID) -> list[tuple[uuid.UUID, int, datetime, int | None]]:
        return [tuple(row) for row in self.session.execute(
            sa.select(ReviewLog.card_id, ReviewLog.rating, ReviewLog.reviewed_at, ReviewLog.review_duration_ms)
            .join(Flashcard, Flashcard.id == ReviewLog.card_id)
            .where(Flashcard.deck_id == deck_id, ReviewLog.undone_at.is_(None))
            .order_by(ReviewLog.reviewed_at))]

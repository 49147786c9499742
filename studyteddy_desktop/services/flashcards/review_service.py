"""Review sessions: the next due cards, a rating (appended to the log), undo, and FSRS optimisation."""

from __future__ import annotations

import dataclasses
import logging
import uuid
from datetime import datetime, timedelta

import sqlalchemy as sa

from studyteddy_desktop.db.base import transaction_time
from studyteddy_desktop.db.models import Flashcard, FlashcardDeck, ReviewLog
from studyteddy_desktop.db.repositories.analytics_repository import AnalyticsRepository
from studyteddy_desktop.db.repositories.flashcard_repository import FlashcardRepository
from studyteddy_desktop.db.repositories.sync_state_repository import has_left_device
from studyteddy_desktop.domain.enums import CardState, ReviewRating
from studyteddy_desktop.domain.errors import InvalidInputError, NotFoundError
from studyteddy_desktop.domain.flashcard_dto import OptimisationResult, RatingOutcome, ReviewCardDTO, ReviewQueue
from studyteddy_desktop.domain.local_time import day_bounds
from studyteddy_desktop.services.core.activity_cache import ActivityCache
from studyteddy_desktop.services.core.database import Database
from studyteddy_desktop.services.flashcards.flashcard_service import card_dto
from studyteddy_desktop.services.flashcards.fsrs_optimizer import fit_parameters
from studyteddy_desktop.services.core.local_student import LocalStudent
from studyteddy_desktop.services.flashcards.review_scheduler import (ReviewScheduler, ScheduledCard,
                                                                      describe_interval)

log = logging.getLogger(__name__)

# The screen shows one card and keeps the next two ready, so even quick ratings never wait.
PREFETCH = 3
# When nothing is due, learning cards due within this window are shown early, as Anki does.
LEARN_AHEAD = timedelta(minutes=20)
# Review-state answers on distinct days the optimiser needs before its parameters beat the defaults.
MIN_REVIEWS_FOR_OPTIMISATION = 400


def scheduler_for(deck: FlashcardDeck) -> ReviewScheduler:
    return ReviewScheduler(deck.desired_retention, deck.fsrs_parameters)


def apply_schedule(card: Flashcard, scheduled: ScheduledCard) -> None:
    card.state = scheduled.state
    card.due_at = scheduled.due_at
    card.stability, card.difficulty, card.step = scheduled.stability, scheduled.difficulty, scheduled.step
    card.last_review_at = scheduled.last_review_at
    card.fsrs_card = scheduled.fsrs_card


class ReviewService:
    def __init__(self, database: Database, student: LocalStudent, cache: ActivityCache) -> None:
        self.database = database
        self.student = student
        self.cache = cache

    def _deck(self, repository: FlashcardRepository, deck_id: uuid.UUID) -> FlashcardDeck:
        deck = repository.deck(self.student.user_id(), deck_id)
        if deck is None:
            raise NotFoundError("That deck does not exist any more.")
        return deck

    def queue(self, deck_id: uuid.UUID, *, exclude: tuple[uuid.UUID, ...] = ()) -> ReviewQueue:
        """The next cards to show in the deck, each with the interval every rating would give."""
        with self.database.unit_of_work() as session:
            repository = FlashcardRepository(session)
            return self._queue(repository, self._deck(repository, deck_id), self.student.now(), exclude)

    def _queue(self, repository: FlashcardRepository, deck: FlashcardDeck, now: datetime,
               exclude: tuple[uuid.UUID, ...], *, count: bool = True) -> ReviewQueue:
        # A deck's session covers its sub-decks, under the limits of the deck the student chose.
        day_start = day_bounds(self.student.today(), self.student.zone)[0]
        decks, new_today, reviews_today = repository.queue_context(deck.id, day_start)
        review_budget = max(0, deck.reviews_per_day - reviews_today)
        new_budget = max(0, deck.new_per_day - new_today)
        due = repository.due_cards(decks, now, new=False, limit=min(PREFETCH, review_budget), exclude=exclude)
        new = repository.due_cards(decks, now, new=True, limit=min(PREFETCH - len(due), new_budget),
                                   exclude=exclude)
        if not due and not new:
            due = repository.due_cards(decks, now + LEARN_AHEAD, new=False, limit=min(PREFETCH, review_budget),
                                       exclude=exclude)
        scheduler = scheduler_for(deck)
        cards = tuple(self._review_card(scheduler, card, now) for card in [*due, *new])
        if not count:
            return ReviewQueue(deck_id=deck.id, cards=cards, new_left=None, reviews_left=None)
        left = repository.due_today(deck.user_id, now, day_start, deck_id=deck.id)[deck.id]
        # Learning cards shown early (LEARN_AHEAD) are not due yet, but the screen still counts them.
        reviews_left, new_left = max(left.reviews, len(due)), left.new
        return ReviewQueue(deck_id=deck.id, cards=cards, new_left=new_left, reviews_left=reviews_left)

    @staticmethod
    def _review_card(scheduler: ReviewScheduler, card: Flashcard | sa.Row, now: datetime) -> ReviewCardDTO:
        fsrs_card = scheduler.fsrs_card(card.id, card.fsrs_card, card.created_at)
        previews = scheduler.preview(card.id, fsrs_card, now)
        labels = tuple(describe_interval(previews[rating]) for rating in ReviewRating)
        return ReviewCardDTO(card=card_dto(card), interval_labels=labels,  # type: ignore[arg-type]
                             shown_last_review_at=card.last_review_at)

    def rate(self, card_id: uuid.UUID, rating: ReviewRating | int, *, shown_last_review_at: datetime | None,
             duration_ms: int | None = None, exclude: tuple[uuid.UUID, ...] = (),
             session_deck_id: uuid.UUID | None = None,
             review_session_id: uuid.UUID | None = None) -> RatingOutcome:
        """Answer a card and get the queue after it (of `session_deck_id`, default the card's deck).

        A rating counts once per showing: if the card was answered since it was shown (a double
        key press, a second window), nothing is written and `accepted` is False. The answer is
        recorded as given in `review_session_id` (a value the screen makes when a session starts),
        which is what lets that session, and only that one, undo it.
        """
        try:
            rating = ReviewRating(int(rating))
        except ValueError as error:
            raise InvalidInputError("A rating is 1 (Again), 2 (Hard), 3 (Good) or 4 (Easy).") from error
        user_id = self.student.user_id()
        # Committed to disk before the screen shows the next card: an answer the student saw saved is
        # never lost, even when PostgreSQL dies a moment later (the fault-injection suite kills it).
        with self.database.unit_of_work() as session:
            repository = FlashcardRepository(session)
            found = repository.card_with_deck(user_id, card_id)
            if found is None:
                raise NotFoundError("That card does not exist any more.")
            card, deck = found
            session_deck = deck if session_deck_id in (None, deck.id) else self._deck(repository, session_deck_id)
            now = self.student.now()
            if card.last_review_at != shown_last_review_at:
                return RatingOutcome(card.id, False,
                                     self._queue(repository, session_deck, now, (card.id, *exclude), count=False))
            # Answers stay in order, per card and per session, even when the clock stands still or
            # steps back: undo takes back the session's latest, so "latest" must be unambiguous.
            previous = repository.last_session_review(review_session_id) if review_session_id else None
            for earlier in (card.last_review_at, previous.reviewed_at if previous else None):
                if earlier is not None and now <= earlier:
                    now = earlier + timedelta(milliseconds=1)
            scheduler = scheduler_for(deck)
            state_before = CardState(card.state)
            scheduled = scheduler.review(card.id, scheduler.fsrs_card(card.id, card.fsrs_card, card.created_at),
                                         rating, now)
            apply_schedule(card, scheduled)
            entry = repository.add(ReviewLog(id=uuid.uuid4(), card_id=card.id, rating=int(rating), reviewed_at=now,
                                             review_duration_ms=max(0, duration_ms) if duration_ms is not None else None,
                                             state_before=state_before, review_session_id=review_session_id))
            AnalyticsRepository(session).changed_since(now)
            # Counting what is left would double the time to the next card; the screen counts down.
            queue = self._queue(repository, session_deck, now, (card.id, *exclude), count=False)
            outcome = RatingOutcome(card.id, True, queue, review_log_id=entry.id, next_due_at=scheduled.due_at)
        self.cache.bump(user_id)
        return outcome

    def undo(self, review_log_id: uuid.UUID, *, review_session_id: uuid.UUID,
             exclude: tuple[uuid.UUID, ...] = (), session_deck_id: uuid.UUID | None = None) -> ReviewQueue:
        """Take back the latest answer of the running review session; the card returns to what its log says.

        The returned queue starts with that card. Nothing is deleted: the answer is stamped
        undone and stays in the log as history, and the card is replayed from the answers that
        still count. Undoing again takes back the session's answer before it.
        """
        user_id = self.student.user_id()
        with self.database.unit_of_work() as session:
            repository = FlashcardRepository(session)
            # Locked so two undo presses (or windows) cannot both take back one answer.
            entry = repository.review(review_log_id, for_update=True)
            card = repository.card(entry.card_id, for_update=True) if entry is not None else None
            if entry is None or card is None or entry.undone_at is not None:
                raise NotFoundError("There is nothing to undo.")
            deck = self._deck(repository, card.deck_id)
            if entry.review_session_id is None or entry.review_session_id != review_session_id:
                raise InvalidInputError("Only answers given in this review session can be undone; "
                                        "earlier answers stay in the card's history.")
            latest_in_session = repository.last_session_review(review_session_id)
            latest_of_card = repository.last_review(card.id)
            if latest_in_session is None or latest_in_session.id != entry.id:
                raise InvalidInputError("Only the latest answer of this review session can be undone.")
            if latest_of_card is None or latest_of_card.id != entry.id:
                raise InvalidInputError("This card was answered again since, so that answer can no longer "
                                        "be undone.")
            if has_left_device(session, "review_logs", str(entry.id)):
                raise InvalidInputError("This answer has already reached your other devices, so it can no "
                                        "longer be taken back.")
            entry.undone_at = transaction_time()
            session.flush()
            self._rebuild(repository, deck, card)
            AnalyticsRepository(session).changed_since(entry.reviewed_at)
            now = self.student.now()
            session_deck = deck if session_deck_id in (None, deck.id) else self._deck(repository, session_deck_id)
            queue = self._queue(repository, session_deck, now, (card.id, *exclude))
            # The card answered by mistake is shown again straight away, as it was.
            queue = dataclasses.replace(queue, cards=(self._review_card(scheduler_for(deck), card, now), *queue.cards))
        self.cache.bump(user_id)
        return queue

    @staticmethod
    def _rebuild(repository: FlashcardRepository, deck: FlashcardDeck, card: Flashcard) -> None:
        reviews = [(entry.rating, entry.reviewed_at) for entry in repository.reviews_of(card.id)]
        scheduled = scheduler_for(deck).replay(card.id, card.created_at, reviews)
        apply_schedule(card, scheduled)
        if not reviews:
            # A card that was never answered is due again from when it was made.
            card.due_at = min(card.created_at, card.due_at)

    def replayed_state(self, card_id: uuid.UUID) -> ScheduledCard:
        """What the review log says the card's state is (the stored row must agree)."""
        with self.database.unit_of_work() as session:
            repository = FlashcardRepository(session)
            card = repository.card(card_id)
            if card is None:
                raise NotFoundError("That card does not exist any more.")
            reviews = [(entry.rating, entry.reviewed_at) for entry in repository.reviews_of(card.id)]
            return scheduler_for(self._deck(repository, card.deck_id)).replay(card.id, card.created_at, reviews)

    def optimise(self, deck_id: uuid.UUID) -> OptimisationResult:
        """Fit FSRS parameters to the deck's own history, then reschedule its cards from their logs."""
        with self.database.unit_of_work() as session:
            repository = FlashcardRepository(session)
            deck = self._deck(repository, deck_id)
            history = repository.deck_review_history(deck.id)
        usable = _later_day_reviews(history)
        if usable < MIN_REVIEWS_FOR_OPTIMISATION:
            return OptimisationResult(deck_id, False, usable, (
                f"Not enough history yet: FSRS learns your memory from answers to cards seen on an earlier "
                f"day. This deck has {usable} such answers; optimising needs at least "
                f"{MIN_REVIEWS_FOR_OPTIMISATION}, or it would fit noise. The default parameters (fitted to "
                f"millions of reviews) serve you well until then."))
        parameters = fit_parameters(history)
        with self.database.unit_of_work() as session:
            repository = FlashcardRepository(session)
            deck = self._deck(repository, deck_id)
            deck.fsrs_parameters = parameters
            for card in repository.cards_in_deck(deck.id):
                if card.last_review_at is not None:
                    self._rebuild(repository, deck, card)
        self.cache.bump(self.student.user_id())
        return OptimisationResult(deck_id, True, usable,
                                  f"Optimised from {usable} answers; your cards were rescheduled with them.")


def _later_day_reviews(history: list[tuple[uuid.UUID, int, datetime, int | None]]) -> int:
    last_seen: dict[uuid.UUID, datetime] = {}
    count = 0
    for card_id, _rating, at, _duration in history:
        previous = last_seen.get(card_id)
        if previous is not None and (at - previous).days > 0:
            count += 1
        last_seen[card_id] = at
    return count

"""Fitting FSRS-6 parameters without torch: a simulated student's fit, senseless logs, and the deck action."""

from __future__ import annotations

import math
import random
import uuid
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from fsrs import Card, Rating, Scheduler
from fsrs.scheduler import DEFAULT_PARAMETERS

from studyteddy_desktop.db.models import Flashcard, FlashcardDeck, ReviewLog
from studyteddy_desktop.domain.enums import CardState, ReviewRating
from studyteddy_desktop.domain.errors import InvalidInputError
from studyteddy_desktop.domain.flashcard_dto import CardDraft
from studyteddy_desktop.services.core.activity_cache import ActivityCache
from studyteddy_desktop.services.core.local_student import LocalStudent
from studyteddy_desktop.services.flashcards.flashcard_service import FlashcardService
from studyteddy_desktop.services.flashcards.fsrs_optimizer import fit_parameters
from studyteddy_desktop.services.flashcards.review_scheduler import (LEARNING_STEPS, RELEARNING_STEPS,
                                                                      ReviewScheduler)
from studyteddy_desktop.services.flashcards.review_service import MIN_REVIEWS_FOR_OPTIMISATION, ReviewService
from tests.planner_support import SteppedClock

# A student who forgets faster than the population the defaults were fitted to.
TRUE_PARAMETERS = [0.3, 0.8, 2.5, 15.0, 7.2, 0.5, 2.0, 0.01, 1.3, 0.3, 1.2, 2.2, 0.1, 0.4, 1.2, 0.3,
                   2.4, 0.7, 0.2, 0.15, 0.45]
WRONG_PARAMETERS = [5.0, 10.0, 20.0, 60.0, 3.0, 0.1, 0.5, 0.5, 3.0, 0.05, 0.3, 0.5, 0.01, 0.1, 0.5, 0.9,
                    3.0, 0.1, 0.01, 0.5, 0.1]
START = datetime(2026, 3, 2, 9, tzinfo=UTC)


def _scheduler(parameters: list[float]) -> Scheduler:
    return Scheduler(parameters=parameters, learning_steps=LEARNING_STEPS, relearning_steps=RELEARNING_STEPS,
                     enable_fuzzing=False)


def simulated_history(card_ids: list[uuid.UUID], days: int, seed: int) -> list[tuple]:
    """Answers as the true parameters predict them: recalled with probability R on a later day."""
    rng = random.Random(seed)
    scheduler = _scheduler(TRUE_PARAMETERS)
    end = START + timedelta(days=days)
    history = []
    for card_id in card_ids:
        at = START + timedelta(days=rng.randrange(days // 2), minutes=rng.randrange(600))
        card = Card(card_id=card_id.int & ((1 << 63) - 1), due=at)
        while at < end:
            if card.last_review is None:
                rating = rng.choices([1, 2, 3, 4], [0.25, 0.15, 0.45, 0.15])[0]
            else:
                later_day = (at - card.last_review).days > 0
                recall = scheduler.get_card_retrievability(card, at) if later_day else 0.9
                rating = rng.choices([2, 3, 4], [0.15, 0.7, 0.15])[0] if rng.random() < recall else 1
            history.append((card_id, rating, at, 5000))
            card, _ = scheduler.review_card(card, Rating(rating), review_datetime=at)
            at = card.due
            if card.due - card.last_review >= timedelta(days=1):
                at += timedelta(days=rng.choice([0, 0, 0, 1, 2, 5]), minutes=rng.randrange(-180, 180))
    return sorted(history, key=lambda row: row[2])


def held_out_log_loss(parameters: list[float], history: list[tuple]) -> float:
    scheduler = _scheduler(parameters)
    cards: dict[uuid.UUID, Card] = {}
    losses = []
    for card_id, rating, at, _duration in history:
        card = cards.get(card_id) or Card(due=at)
        if card.last_review is not None and (at - card.last_review).days > 0:
            predicted = min(max(scheduler.get_card_retrievability(card, at), 1e-6), 1 - 1e-6)
            losses.append(-math.log(predicted if rating > 1 else 1 - predicted))
        cards[card_id], _ = scheduler.review_card(card, Rating(rating), review_datetime=at)
    return sum(losses) / len(losses)


@pytest.fixture(scope="module")
def simulated_split() -> tuple[list[tuple], list[tuple]]:
    card_ids = [uuid.UUID(int=random.Random(number).getrandbits(128)) for number in range(300)]
    history = simulated_history(card_ids, days=150, seed=5)
    held_out = set(card_ids[:60])
    return ([row for row in history if row[0] not in held_out],
            [row for row in history if row[0] in held_out])


def test_a_simulated_students_fit_predicts_held_out_answers_better_than_wrong_parameters(simulated_split):
    train, test = simulated_split
    fitted = fit_parameters(train)
    assert len(fitted) == 21 and all(math.isfinite(value) for value in fitted)
    assert fitted != pytest.approx(list(DEFAULT_PARAMETERS), abs=1e-4), "the history was too short to fit"
    fitted_loss = held_out_log_loss(fitted, test)
    assert fitted_loss < held_out_log_loss(WRONG_PARAMETERS, test)
    # Near the floor the true parameters set, on cards the fit never saw.
    assert fitted_loss < held_out_log_loss(TRUE_PARAMETERS, test) * 1.03
    # py-fsrs's scheduler takes them as they are (each within its bounds) and schedules with them.
    card = ReviewScheduler.fsrs_card(uuid.uuid4(), None, START)
    scheduled = ReviewScheduler(parameters=fitted).review(uuid.uuid4(), card, ReviewRating.GOOD, START)
    assert scheduled.stability is not None and scheduled.stability > 0


def test_the_order_of_the_log_does_not_change_the_fit(simulated_split):
    train, _test = simulated_split
    shuffled = list(train)
    random.Random(1).shuffle(shuffled)
    assert fit_parameters(shuffled) == fit_parameters(train)


def test_a_log_with_nothing_to_learn_from_is_refused_clearly():
    card_id = uuid.uuid4()
    same_day = [(card_id, 1, START, None), (card_id, 3, START + timedelta(minutes=10), None)]
    for history in ([], same_day):
        with pytest.raises(InvalidInputError, match="no card has been answered again on a later day"):
            fit_parameters(history)


def test_a_single_card_keeps_the_default_parameters():
    card_id = uuid.uuid4()
    history = [(card_id, rating, START + timedelta(days=day), None)
               for rating, day in ((3, 0), (3, 2), (1, 9), (3, 10), (4, 14))]
    assert fit_parameters(history) == pytest.approx(list(DEFAULT_PARAMETERS), abs=1e-6)


@pytest.mark.parametrize("rating", [0, 5, -1])
def test_a_rating_outside_again_to_easy_is_refused(rating):
    card_id = uuid.uuid4()
    history = [(card_id, 3, START, None), (card_id, rating, START + timedelta(days=3), None)]
    with pytest.raises(InvalidInputError, match=f"rated {rating}; answers are rated 1"):
        fit_parameters(history)


def test_optimising_a_deck_stores_its_fitted_parameters_and_reschedules_its_cards(database, tmp_path):
    student = LocalStudent(database, zone=ZoneInfo("Europe/Berlin"), clock=SteppedClock(START))
    cache = ActivityCache(None)
    flashcards, reviews = FlashcardService(database, student, cache, tmp_path / "media"), ReviewService(
        database, student, cache)
    deck = flashcards.create_deck("Anatomy")
    card_ids = [flashcards.add_card(deck.id, CardDraft(f"Bone {number}?", f"Answer {number}")).id
                for number in range(90)]
    history = simulated_history(card_ids, days=200, seed=9)
    with database.unit_of_work() as session:
        for card_id, rating, at, duration in history:
            session.add(ReviewLog(card_id=card_id, rating=rating, reviewed_at=at, review_duration_ms=duration,
                                  state_before=CardState.REVIEW))
        for card_id in card_ids:
            last_answer = max(row[2] for row in history if row[0] == card_id)
            session.get(Flashcard, card_id).last_review_at = last_answer
    result = reviews.optimise(deck.id)
    assert result.review_count >= MIN_REVIEWS_FOR_OPTIMISATION, "the simulated history is too short"
    assert result.optimised and result.message.startswith(f"Optimised from {result.review_count} answers")
    with database.unit_of_work() as session:
        stored = list(session.get(FlashcardDeck, deck.id).fsrs_parameters)
        card_row = session.get(Flashcard, card_ids[0])
        stored_stability = card_row.stability
    assert stored == fit_parameters(history) and stored != pytest.approx(list(DEFAULT_PARAMETERS), abs=1e-4)
    # Every card was rebuilt from its log with the new parameters.
    assert stored_stability == pytest.approx(reviews.replayed_state(card_ids[0]).stability)

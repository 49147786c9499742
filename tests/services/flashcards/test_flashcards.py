"""Decks, cards and FSRS reviews on the real database: limits, the log, undo and double presses."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from studyteddy_desktop.domain.enums import ReviewRating
from studyteddy_desktop.domain.errors import InvalidInputError, NotFoundError
from studyteddy_desktop.domain.flashcard_dto import CardDraft
from studyteddy_desktop.services.core.activity_cache import ActivityCache
from studyteddy_desktop.services.flashcards.flashcard_service import FlashcardService
from studyteddy_desktop.services.core.local_student import LocalStudent
from studyteddy_desktop.services.flashcards.review_service import ReviewService
from tests.planner_support import SteppedClock


@pytest.fixture()
def clock() -> SteppedClock:
    return SteppedClock(datetime(2026, 3, 2, 9, 0, tzinfo=UTC))


@pytest.fixture()
def cards(database, clock, tmp_path):
    student = LocalStudent(database, zone=ZoneInfo("Europe/Berlin"), clock=clock)
    cache = ActivityCache(None)
    return FlashcardService(database, student, cache, tmp_path / "media"), ReviewService(database, student, cache)


def test_decks_nest_rename_and_refuse_cycles(cards):
    flashcards, _reviews = cards
    biology = flashcards.create_deck("  Biology ", subject="Biology")
    cells = flashcards.create_deck("Cells", parent_id=biology.id)
    assert biology.name == "Biology" and cells.parent_id == biology.id
    assert flashcards.update_deck(cells.id, name="Cell biology").name == "Cell biology"
    with pytest.raises(InvalidInputError, match="inside itself"):
        flashcards.update_deck(biology.id, parent_id=cells.id)
    with pytest.raises(InvalidInputError, match="needs a name"):
        flashcards.create_deck("   ")
    with pytest.raises(InvalidInputError, match="retention"):
        flashcards.update_deck(biology.id, desired_retention=0.5)
    flashcards.add_card(cells.id, CardDraft("Q", "A"))
    flashcards.delete_deck(biology.id)
    names = {deck.name for deck in flashcards.list_decks()}
    assert "Biology" not in names and "Cell biology" not in names
    with pytest.raises(NotFoundError):
        flashcards.cards(cells.id)


def test_cards_are_edited_tagged_suspended_searched_and_deleted(cards):
    flashcards, reviews = cards
    deck = flashcards.create_deck("Chemistry")
    water = flashcards.add_card(deck.id, CardDraft("What is **H2O**?", "Water", ("molecules", "basics", "basics")))
    salt = flashcards.add_card(deck.id, CardDraft("NaCl?", "Table salt", ("ions",)))
    assert water.tags == ("molecules", "basics") and water.state == "new"
    edited = flashcards.update_card(salt.id, CardDraft("What is NaCl?", "Table *salt*", ("ions", "everyday")))
    assert edited.front == "What is NaCl?" and edited.tags == ("ions", "everyday")
    assert [card.id for card in flashcards.cards(deck.id, search="h2o")] == [water.id]
    assert [card.id for card in flashcards.cards(deck.id, tag="everyday")] == [salt.id]
    with pytest.raises(InvalidInputError, match="front"):
        flashcards.add_card(deck.id, CardDraft("  ", "x"))
    flashcards.set_suspended([salt.id])
    assert [card.card.id for card in reviews.queue(deck.id).cards] == [water.id]
    flashcards.delete_cards([water.id])
    assert [card.id for card in flashcards.cards(deck.id)] == [salt.id]
    deck_row = next(item for item in flashcards.list_decks() if item.id == deck.id)
    assert deck_row.card_count == 1 and deck_row.due_total == 0


def test_reviews_follow_fsrs_and_the_card_matches_its_replayed_log(cards, clock):
    flashcards, reviews = cards
    deck = flashcards.create_deck("Physics")
    card = flashcards.add_card(deck.id, CardDraft("F = ?", "m·a"))
    shown = reviews.queue(deck.id).cards[0]
    assert shown.card.id == card.id and shown.interval_labels[:3] == ("1m", "6m", "10m")
    assert shown.interval_labels[3].endswith("d")  # Easy graduates at once, by a fuzzed number of days
    outcome = reviews.rate(card.id, ReviewRating.GOOD, shown_last_review_at=shown.shown_last_review_at,
                           duration_ms=4200)
    assert outcome.accepted and outcome.next_due_at == clock.moment + timedelta(minutes=10)
    for rating, minutes in ((ReviewRating.GOOD, 11), (ReviewRating.AGAIN, 60 * 24 * 3), (ReviewRating.GOOD, 15)):
        clock.advance(minutes=minutes)
        queue = reviews.queue(deck.id)
        assert queue.cards[0].card.id == card.id
        assert reviews.rate(card.id, rating, shown_last_review_at=queue.cards[0].shown_last_review_at).accepted
    stored = flashcards.get_card(card.id)
    replayed = reviews.replayed_state(card.id)
    assert stored.state == replayed.state == "review"
    assert stored.due_at == replayed.due_at and stored.stability == pytest.approx(replayed.stability)
    assert stored.difficulty == pytest.approx(replayed.difficulty)


def test_a_double_key_press_rates_a_showing_once(cards):
    flashcards, reviews = cards
    deck = flashcards.create_deck("History")
    card = flashcards.add_card(deck.id, CardDraft("1066?", "Hastings"))
    shown = reviews.queue(deck.id).cards[0]
    first = reviews.rate(card.id, 3, shown_last_review_at=shown.shown_last_review_at)
    second = reviews.rate(card.id, 3, shown_last_review_at=shown.shown_last_review_at)
    assert first.accepted and not second.accepted and second.review_log_id is None
    with pytest.raises(InvalidInputError, match="rating"):
        reviews.rate(card.id, 7, shown_last_review_at=None)


def test_undo_takes_back_the_latest_answer(cards, clock):
    flashcards, reviews = cards
    deck = flashcards.create_deck("Maths")
    card = flashcards.add_card(deck.id, CardDraft("2+2", "4"))
    first = reviews.rate(card.id, ReviewRating.GOOD, shown_last_review_at=None)
    clock.advance(minutes=11)
    before_second = flashcards.get_card(card.id)
    second = reviews.rate(card.id, ReviewRating.EASY, shown_last_review_at=before_second.last_review_at)
    queue = reviews.undo(second.review_log_id)
    after = flashcards.get_card(card.id)
    assert (after.state, after.due_at, after.last_review_at) == (before_second.state, before_second.due_at,
                                                                  before_second.last_review_at)
    assert queue.cards[0].card.id == card.id
    with pytest.raises(NotFoundError):
        reviews.undo(second.review_log_id)
    reviews.undo(first.review_log_id)
    assert flashcards.get_card(card.id).state == "new"


def test_daily_limits_cap_new_cards_and_reviews(cards):
    flashcards, reviews = cards
    deck = flashcards.create_deck("Spanish")
    flashcards.update_deck(deck.id, new_per_day=2)
    for number in range(4):
        flashcards.add_card(deck.id, CardDraft(f"word {number}", f"palabra {number}"))
    queue = reviews.queue(deck.id)
    assert len(queue.cards) == 2 and queue.new_left == 2
    reviews.rate(queue.cards[0].card.id, ReviewRating.EASY, shown_last_review_at=None)
    after = reviews.queue(deck.id)
    assert after.new_left == 1 and queue.cards[0].card.id not in {c.card.id for c in after.cards}
    listed = next(item for item in flashcards.list_decks() if item.id == deck.id)
    assert (listed.new_due, listed.reviews_due, listed.card_count) == (1, 0, 4)


def test_optimisation_explains_when_history_is_too_short(cards):
    flashcards, reviews = cards
    deck = flashcards.create_deck("Law")
    card = flashcards.add_card(deck.id, CardDraft("Tort?", "A civil wrong"))
    reviews.rate(card.id, 3, shown_last_review_at=None)
    result = reviews.optimise(deck.id)
    assert not result.optimised and "Not enough history" in result.message and "400" in result.message
    assert reviews.optimise(deck.id).review_count == 0
    with pytest.raises(NotFoundError):
        reviews.optimise(uuid.uuid4())


def test_a_parent_deck_session_includes_its_sub_decks(cards):
    flashcards, reviews = cards
    parent = flashcards.create_deck("Geography")
    child = flashcards.create_deck("Rivers", parent_id=parent.id)
    card = flashcards.add_card(child.id, CardDraft("Longest river?", "The Nile"))
    queue = reviews.queue(parent.id)
    assert [shown.card.id for shown in queue.cards] == [card.id] and queue.new_left == 1
    outcome = reviews.rate(card.id, ReviewRating.GOOD, shown_last_review_at=None, session_deck_id=parent.id)
    assert outcome.queue.deck_id == parent.id and outcome.queue.left is None
    assert reviews.undo(outcome.review_log_id, session_deck_id=parent.id).cards[0].card.id == card.id

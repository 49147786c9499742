"""Decks, cards and FSRS reviews on the real database: limits, the kept log, undo and double presses."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError

from studyteddy_desktop.db.models import Flashcard, FlashcardDeck
from studyteddy_desktop.db.repositories.analytics_repository import AnalyticsRepository
from studyteddy_desktop.db.repositories.flashcard_repository import FlashcardRepository

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


def review_count(database, card_id) -> int:
    with database.unit_of_work() as session:
        return FlashcardRepository(session).review_count(card_id)


def test_undo_takes_back_the_latest_answer_and_keeps_it_as_history(cards, clock, database):
    flashcards, reviews = cards
    deck = flashcards.create_deck("Maths")
    card = flashcards.add_card(deck.id, CardDraft("2+2", "4"))
    sitting = uuid.uuid4()
    first = reviews.rate(card.id, ReviewRating.GOOD, shown_last_review_at=None, review_session_id=sitting)
    clock.advance(minutes=11)
    before_second = flashcards.get_card(card.id)
    second = reviews.rate(card.id, ReviewRating.EASY, shown_last_review_at=before_second.last_review_at,
                          review_session_id=sitting)
    queue = reviews.undo(second.review_log_id, review_session_id=sitting)
    after = flashcards.get_card(card.id)
    replayed = reviews.replayed_state(card.id)
    assert (after.state, after.due_at, after.last_review_at) == (before_second.state, before_second.due_at,
                                                                  before_second.last_review_at)
    assert (after.state, after.due_at, after.last_review_at) == (replayed.state, replayed.due_at,
                                                                  replayed.last_review_at)
    assert after.stability == pytest.approx(replayed.stability) == pytest.approx(before_second.stability)
    assert queue.cards[0].card.id == card.id
    assert review_count(database, card.id) == 2
    with pytest.raises(NotFoundError):
        reviews.undo(second.review_log_id, review_session_id=sitting)
    # With its latest answer taken back, the session's answer before it is the latest.
    reviews.undo(first.review_log_id, review_session_id=sitting)
    assert flashcards.get_card(card.id).state == "new"
    assert review_count(database, card.id) == 2


def test_undo_refuses_an_answer_from_an_earlier_session(cards):
    flashcards, reviews = cards
    deck = flashcards.create_deck("Art")
    card = flashcards.add_card(deck.id, CardDraft("Guernica?", "Picasso"))
    yesterday = reviews.rate(card.id, ReviewRating.GOOD, shown_last_review_at=None,
                             review_session_id=uuid.uuid4())
    with pytest.raises(InvalidInputError, match="this review session"):
        reviews.undo(yesterday.review_log_id, review_session_id=uuid.uuid4())
    shown = flashcards.get_card(card.id).last_review_at
    from_the_terminal = reviews.rate(card.id, ReviewRating.HARD, shown_last_review_at=shown)
    with pytest.raises(InvalidInputError, match="this review session"):
        reviews.undo(from_the_terminal.review_log_id, review_session_id=uuid.uuid4())
    assert flashcards.get_card(card.id).last_review_at > shown


def test_undo_refuses_an_older_answer_of_the_session(cards, clock):
    flashcards, reviews = cards
    deck = flashcards.create_deck("Music")
    card = flashcards.add_card(deck.id, CardDraft("Bolero?", "Ravel"))
    other = flashcards.add_card(deck.id, CardDraft("Clair de lune?", "Debussy"))
    sitting = uuid.uuid4()
    older = reviews.rate(card.id, ReviewRating.AGAIN, shown_last_review_at=None, review_session_id=sitting)
    clock.advance(minutes=2)
    shown = flashcards.get_card(card.id).last_review_at
    latest = reviews.rate(card.id, ReviewRating.GOOD, shown_last_review_at=shown, review_session_id=sitting)
    with pytest.raises(InvalidInputError, match="latest answer of this review session"):
        reviews.undo(older.review_log_id, review_session_id=sitting)
    # The clock stands still here: the session's answers keep their order all the same.
    after_it = reviews.rate(other.id, ReviewRating.GOOD, shown_last_review_at=None, review_session_id=sitting)
    with pytest.raises(InvalidInputError, match="latest answer of this review session"):
        reviews.undo(latest.review_log_id, review_session_id=sitting)
    reviews.undo(after_it.review_log_id, review_session_id=sitting)
    reviews.undo(latest.review_log_id, review_session_id=sitting)
    assert flashcards.get_card(card.id).state == reviews.replayed_state(card.id).state == "learning"
    # A second window answers the card: this session's answer is no longer the card's latest.
    reviews.rate(card.id, ReviewRating.GOOD, shown_last_review_at=flashcards.get_card(card.id).last_review_at,
                 review_session_id=uuid.uuid4())
    with pytest.raises(InvalidInputError, match="answered again since"):
        reviews.undo(older.review_log_id, review_session_id=sitting)


def test_purging_a_card_or_its_deck_never_takes_its_review_history(cards, database):
    flashcards, reviews = cards
    deck = flashcards.create_deck("Latin")
    card = flashcards.add_card(deck.id, CardDraft("Amo?", "I love"))
    reviews.rate(card.id, ReviewRating.GOOD, shown_last_review_at=None)
    for purge in (sa.delete(Flashcard).where(Flashcard.id == card.id),
                  sa.delete(FlashcardDeck).where(FlashcardDeck.id == deck.id)):
        with pytest.raises(IntegrityError, match="fk_review_logs_card_id_flashcards"):
            with database.unit_of_work() as session:
                session.execute(purge)
    flashcards.delete_deck(deck.id)
    assert review_count(database, card.id) == 1


def test_stats_and_optimisation_leave_undone_answers_out(cards, clock, database):
    flashcards, reviews = cards
    deck = flashcards.create_deck("Greek")
    card = flashcards.add_card(deck.id, CardDraft("Alpha?", "A"))
    sitting = uuid.uuid4()
    reviews.rate(card.id, ReviewRating.GOOD, shown_last_review_at=None, review_session_id=sitting)
    clock.advance(days=3)
    shown = flashcards.get_card(card.id).last_review_at
    later_day = reviews.rate(card.id, ReviewRating.GOOD, shown_last_review_at=shown,
                             review_session_id=sitting)
    assert reviews.optimise(deck.id).review_count == 1
    reviews.undo(later_day.review_log_id, review_session_id=sitting)
    assert reviews.optimise(deck.id).review_count == 0
    assert review_count(database, card.id) == 2
    user_id, first_day = reviews.student.user_id(), date(2026, 3, 1)
    with database.unit_of_work() as session:
        analytics = AnalyticsRepository(session)
        live = analytics.daily_activity(user_id, "Europe/Berlin", first_day, datetime(1970, 1, 1, tzinfo=UTC),
                                        first_day)
        analytics.refresh()
        from_the_view = analytics.daily_activity(user_id, "Europe/Berlin", first_day,
                                                 datetime(2100, 1, 1, tzinfo=UTC), date(2100, 1, 1))
    for rows in (live, from_the_view):
        # The day-one answer, not the undone one; only the test's own days (others commit later ones).
        assert sum(row[4] for row in rows if row[0] < date(2026, 4, 1)) == 1
    # The undone answer no longer uses up today's reviews either.
    assert next(item for item in flashcards.list_decks() if item.id == deck.id).reviews_due == 1


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
    sitting = uuid.uuid4()
    outcome = reviews.rate(card.id, ReviewRating.GOOD, shown_last_review_at=None, session_deck_id=parent.id,
                           review_session_id=sitting)
    assert outcome.queue.deck_id == parent.id and outcome.queue.left is None
    undone = reviews.undo(outcome.review_log_id, review_session_id=sitting, session_deck_id=parent.id)
    assert undone.cards[0].card.id == card.id

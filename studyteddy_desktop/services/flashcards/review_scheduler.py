"""FSRS scheduling for one deck: review a card, preview each rating, and replay a card's log."""

from __future__ import annotations

import hashlib
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from random import Random
from typing import Any

from fsrs import Card, Rating, Scheduler, State
from fsrs.scheduler import DEFAULT_PARAMETERS, FUZZ_RANGES

from studyteddy_desktop.domain.enums import CardState, ReviewRating

STATE_NAMES = {State.Learning: CardState.LEARNING, State.Review: CardState.REVIEW,
                State.Relearning: CardState.RELEARNING}
LEARNING_STEPS = (timedelta(minutes=1), timedelta(minutes=10))
RELEARNING_STEPS = (timedelta(minutes=10),)


def fuzz_seed(card_id: uuid.UUID, last_review_at: datetime | None) -> int:
    """The same card in the same memory state always draws the same fuzz.

    Seeding by the previous review (not the clock) makes the interval a button previews the one
    the rating then gives, and makes replaying the log reproduce the stored due date exactly.
    """
    stamp = last_review_at.astimezone(UTC).isoformat() if last_review_at else "new"
    digest = hashlib.sha256(f"{card_id}|{stamp}".encode()).digest()
    return int.from_bytes(digest[:8], "big")


class _SeededFuzzScheduler(Scheduler):
    """FSRS with the library's fuzz ranges but a seeded draw instead of the global random()."""

    def __init__(self, **options: Any) -> None:
        super().__init__(**options)
        self._fuzz_random = Random(0)

    def reseed(self, seed: int) -> Scheduler:
        self._fuzz_random.seed(seed)
        return self

    def _get_fuzzed_interval(self, *, interval: timedelta) -> timedelta:
        interval_days = interval.days
        if interval_days < 2.5:
            return interval
        delta = 1.0
        for fuzz_range in FUZZ_RANGES:
            delta += fuzz_range["factor"] * max(
                min(float(interval_days), fuzz_range["end"]) - fuzz_range["start"], 0.0)
        max_ivl = min(round(interval_days + delta), self.maximum_interval)
        min_ivl = min(max(2, round(interval_days - delta)), max_ivl)
        fuzzed = self._fuzz_random.random() * (max_ivl - min_ivl + 1) + min_ivl
        return timedelta(days=min(round(fuzzed), self.maximum_interval))


@dataclass(frozen=True)
class ScheduledCard:
    """What a review leaves on the card row."""

    state: CardState
    due_at: datetime
    stability: float | None
    difficulty: float | None
    step: int | None
    last_review_at: datetime | None
    fsrs_card: dict[str, Any] | None


def fsrs_card_id(card_id: uuid.UUID) -> int:
    return card_id.int & ((1 << 63) - 1)


class ReviewScheduler:
    """FSRS with a deck's desired retention and (optimised) parameters."""

    def __init__(self, desired_retention: float = 0.9, parameters: list[float] | None = None) -> None:
        self.desired_retention = float(desired_retention)
        self.parameters = tuple(parameters) if parameters else tuple(DEFAULT_PARAMETERS)
        self._fsrs: _SeededFuzzScheduler | None = None

    def _scheduler(self, seed: int) -> Scheduler:
        # One FSRS scheduler per ReviewScheduler (which lives for one service call, on one thread).
        if self._fsrs is None:
            self._fsrs = _SeededFuzzScheduler(parameters=self.parameters, desired_retention=self.desired_retention,
                                              learning_steps=LEARNING_STEPS, relearning_steps=RELEARNING_STEPS,
                                              enable_fuzzing=True)
        return self._fsrs.reseed(seed)

    @staticmethod
    def fsrs_card(card_id: uuid.UUID, stored: dict[str, Any] | None, created_at: datetime) -> Card:
        if stored:
            return Card.from_dict(stored)  # type: ignore[arg-type]
        return Card(card_id=fsrs_card_id(card_id), due=created_at.astimezone(UTC))

    def review(self, card_id: uuid.UUID, card: Card, rating: ReviewRating, at: datetime) -> ScheduledCard:
        scheduler = self._scheduler(fuzz_seed(card_id, card.last_review))
        reviewed, _log = scheduler.review_card(card, Rating(int(rating)), review_datetime=at.astimezone(UTC))
        return _scheduled(reviewed)

    def preview(self, card_id: uuid.UUID, card: Card, at: datetime) -> dict[ReviewRating, timedelta]:
        """The interval each rating would give if pressed at `at`."""
        return {rating: self.review(card_id, card, rating, at).due_at - at for rating in ReviewRating}

    def replay(self, card_id: uuid.UUID, created_at: datetime,
               reviews: list[tuple[int, datetime]]) -> ScheduledCard:
        """The card's state as its review log `(rating, reviewed_at)` says it must be."""
        card = self.fsrs_card(card_id, None, created_at)
        if not reviews:
            return ScheduledCard(CardState.NEW, created_at, None, None, None, None, None)
        scheduled = None
        for rating, reviewed_at in sorted(reviews, key=lambda review: review[1]):
            scheduled = self.review(card_id, card, ReviewRating(rating), reviewed_at)
            card = Card.from_dict(scheduled.fsrs_card)  # type: ignore[arg-type]
        assert scheduled is not None
        return scheduled

    def retrievability(self, card: Card, at: datetime) -> float:
        return float(self._scheduler(0).get_card_retrievability(card, at.astimezone(UTC)))


def _scheduled(card: Card) -> ScheduledCard:
    return ScheduledCard(state=STATE_NAMES[card.state], due_at=card.due, stability=card.stability,
                         difficulty=card.difficulty, step=card.step, last_review_at=card.last_review,
                         fsrs_card=dict(card.to_dict()))


def describe_interval(interval: timedelta) -> str:
    """'<1m', '10m', '3h', '4d', '2.5mo', '1.2y', as review buttons show them."""
    seconds = interval.total_seconds()
    if seconds < 60:
        return "<1m"
    if seconds < 3600:
        return f"{round(seconds / 60)}m"
    if seconds < 86400:
        return f"{round(seconds / 3600)}h"
    days = seconds / 86400
    if days < 30:
        return f"{round(days)}d"
    if days < 365:
        return f"{days / 30:.1f}mo".replace(".0mo", "mo")
    return f"{days / 365:.1f}y".replace(".0y", "y")

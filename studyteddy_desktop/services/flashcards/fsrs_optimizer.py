"""Fitting a deck's FSRS-6 parameters to its review log with the Rust optimiser (fsrs-rs-python, no torch)."""

from __future__ import annotations

import math
import uuid
from datetime import datetime

from studyteddy_desktop.domain.errors import InvalidInputError

# FSRS-6: the parameter list py-fsrs's Scheduler takes, in the same order.
PARAMETER_COUNT = 21
RATINGS = range(1, 5)

ReviewHistory = list[tuple[uuid.UUID, int, datetime, int | None]]


def fit_parameters(history: ReviewHistory) -> list[float]:
    """The 21 FSRS-6 parameters that best predict recall in `history`.

    `history` holds review-log rows `(card_id, rating, reviewed_at, duration_ms)`.

    Rows may come in any order. With only a handful of later-day answers the optimiser keeps the
    default parameters. Raises InvalidInputError when a rating is not 1-4 or when no card was
    answered again on a later day (there is nothing to learn forgetting from).
    """
    from fsrs.scheduler import LOWER_BOUNDS_PARAMETERS, UPPER_BOUNDS_PARAMETERS
    from fsrs_rs_python import DEFAULT_PARAMETERS, FSRS

    items = review_items(history)
    if not items:
        raise InvalidInputError("There is nothing to optimise from yet: no card has been answered again on a "
                                "later day.")
    parameters = [float(value) for value in FSRS(DEFAULT_PARAMETERS).compute_parameters(items)]
    if len(parameters) != PARAMETER_COUNT or not all(math.isfinite(value) for value in parameters):
        # The scheduler would reject these or schedule nonsense: the optimiser's bug, not the student's doing.
        raise RuntimeError(f"the FSRS optimiser returned {len(parameters)} parameters: {parameters}")
    # The Rust optimiser clips to the same bounds in 32-bit floats, so a parameter at a bound (0.8 becomes
    # 0.800000012) can fall just outside py-fsrs's, which would then refuse the whole set.
    return [min(max(value, low), high)
            for value, low, high in zip(parameters, LOWER_BOUNDS_PARAMETERS, UPPER_BOUNDS_PARAMETERS)]


def review_items(history: ReviewHistory) -> list:
    """One training item per later-day answer: the card's answers up to it, with whole days between them."""
    from fsrs_rs_python import FSRSItem, FSRSReview

    by_card: dict[uuid.UUID, list[tuple[datetime, int]]] = {}
    for card_id, rating, reviewed_at, _duration in history:
        if rating not in RATINGS:
            raise InvalidInputError(f"The review log holds an answer rated {rating!r}; answers are rated 1 "
                                    f"(Again) to 4 (Easy), so the log needs repairing before optimising.")
        by_card.setdefault(card_id, []).append((reviewed_at, int(rating)))
    dated_items = []
    for card_id, answers in by_card.items():
        answers.sort()
        reviews = []
        previous = answers[0][0]
        for reviewed_at, rating in answers:
            # Elapsed 24-hour days, as py-fsrs's Scheduler counts them when it schedules with the result.
            delta_t = (reviewed_at - previous).days
            reviews.append(FSRSReview(rating, delta_t))
            if delta_t > 0:
                dated_items.append((reviewed_at, card_id, FSRSItem(list(reviews))))
            previous = reviewed_at
    # The fit depends on the order it sees items in; the order they were answered in makes it the same
    # however the log was read.
    dated_items.sort(key=lambda dated: dated[:2])
    return [item for _at, _card_id, item in dated_items]

"""Flashcard latency and import speed against the issue's targets.

Run: .venv/bin/python benchmarks/flashcards.py [--ratings 300]
Builds one deck of 50,000 cards with 500,000 review-log rows in a temporary data directory
(bundled PostgreSQL and Redis, no worker), then rates due cards through the same service call
the review screen uses and reports p50/p95 of "next card after a rating"; then imports a
generated 10,000-card Anki package and imports it again (which must add nothing).
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from sample_statistics import percentile  # noqa: E402

import sqlalchemy as sa  # noqa: E402

from studyteddy_desktop.config import Settings  # noqa: E402
from studyteddy_desktop.domain.enums import ReviewRating  # noqa: E402
from studyteddy_desktop.runtime.service_runtime import ServiceRuntime  # noqa: E402
from studyteddy_desktop.assembly import open_services  # noqa: E402
from studyteddy_desktop.services.app_services import AppServices  # noqa: E402
from tests.anki_samples import BASIC_ID, REVERSED_ID, build_apkg  # noqa: E402

CARDS, NEW_CARDS, REVIEWS, APKG_CARDS = 50_000, 10_000, 500_000, 10_000
TARGET_NEXT_CARD_MS, TARGET_IMPORT_S = 20.0, 10.0

# Reviewed cards are due from ten days ago to thirty days ahead, each at its own second (as real
# due times are); their FSRS card is stored as
# the scheduler wrote it, so a rating reads exactly what the app reads.
GENERATE = [
    f"""INSERT INTO flashcards (deck_id, front, back, tags, state, due_at, stability, difficulty, step,
                                last_review_at, fsrs_card, created_at)
        SELECT :deck_id, 'Front ' || n, 'Back ' || n, ARRAY['bench'], 'review', g.due, 1 + n % 60,
               1 + (n % 90) / 10.0, NULL, g.due - (1 + n % 60) * interval '1 day',
               jsonb_build_object('card_id', n, 'state', 2, 'step', NULL, 'stability', 1 + n % 60,
                                  'difficulty', 1 + (n % 90) / 10.0, 'due', to_jsonb(g.due) #>> '{{}}',
                                  'last_review', to_jsonb(g.due - (1 + n % 60) * interval '1 day') #>> '{{}}'),
               now() - interval '2 years'
        FROM generate_series(1, {CARDS - NEW_CARDS}) AS n,
             LATERAL (SELECT now() + ((n * 7919) % 40 - 10) * interval '1 day'
                             + (n % 86400) * interval '1 second' AS due) AS g""",
    f"""INSERT INTO flashcards (deck_id, front, back, state, due_at, created_at)
        SELECT :deck_id, 'New front ' || n, 'New back ' || n, 'new', now() - interval '1 day' + n * interval '1 ms',
               now() - interval '1 day'
        FROM generate_series(1, {NEW_CARDS}) AS n""",
    f"""INSERT INTO review_logs (card_id, rating, reviewed_at, review_duration_ms, state_before)
        SELECT c.ids[1 + n % array_length(c.ids, 1)], (ARRAY[1,3,3,3,3,2,4,3,3,1])[1 + n % 10],
               now() - (n * interval '1 day' * 730 / {REVIEWS}), 3000 + n % 9000,
               CASE WHEN n % 7 = 0 THEN 'new' ELSE 'review' END
        FROM generate_series(1, {REVIEWS}) AS n,
             (SELECT array_agg(id) AS ids FROM flashcards WHERE deck_id = :deck_id AND state = 'review') AS c""",
]



def build_collection(services: AppServices) -> object:
    deck = services.flashcards.create_deck("Benchmark")
    # Limits a keen student might set: a long session never runs into them.
    services.flashcards.update_deck(deck.id, new_per_day=100, reviews_per_day=2000)
    started = time.perf_counter()
    with services.database.engine.begin() as connection:
        for statement in GENERATE:
            connection.execute(sa.text(statement), {"deck_id": deck.id})
    with services.database.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
        # What autovacuum does to a collection that has sat for a while after the bulk load.
        connection.execute(sa.text("VACUUM ANALYZE flashcards"))
        connection.execute(sa.text("VACUUM ANALYZE review_logs"))
    print(f"generated {CARDS:,} cards and {REVIEWS:,} review-log rows in {time.perf_counter() - started:.1f} s")
    return deck


def measure_next_card(services: AppServices, deck_id, ratings: int) -> list[float]:
    queue = services.reviews.queue(deck_id)
    ratings_cycle = (ReviewRating.GOOD, ReviewRating.GOOD, ReviewRating.AGAIN, ReviewRating.EASY, ReviewRating.HARD)
    timings: list[float] = []
    for number in range(ratings):
        card = queue.cards[0]
        started = time.perf_counter()
        outcome = services.reviews.rate(card.card.id, ratings_cycle[number % 5],
                                        shown_last_review_at=card.shown_last_review_at, duration_ms=4000)
        timings.append((time.perf_counter() - started) * 1000)
        assert outcome.accepted and outcome.queue.cards, "ran out of due cards"
        queue = outcome.queue
    return timings


def measure_import(services: AppServices, folder: Path) -> tuple[float, float, object]:
    notes = []
    for number in range(APKG_CARDS // 3):
        notes.append((10_000 + number, f"basic{number}", BASIC_ID, "bench imported",
                      [f"What is <b>term {number}</b>?", f"Definition {number}<br>second line"]))
        notes.append((90_000 + number, f"rev{number}", REVERSED_ID, "", [f"Word {number}", f"Mot {number}"]))
    notes.append((1, "last", BASIC_ID, "", ["One more", "card"]))
    package = build_apkg(folder / "ten thousand.apkg", notes=notes, deck_name="Imported::Benchmark")
    started = time.perf_counter()
    report = services.card_exchange.import_file(package)
    first = time.perf_counter() - started
    started = time.perf_counter()
    again = services.card_exchange.import_file(package)
    second = time.perf_counter() - started
    assert report.added == APKG_CARDS and again.added == 0, (report, again)
    return first, second, report


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--ratings", type=int, default=300)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="studyteddy-bench-cards-") as scratch:
        runtime = ServiceRuntime(Settings(data_dir=Path(scratch) / "data"), with_worker=False)
        services = open_services(runtime.start())
        try:
            deck = build_collection(services)
            measure_next_card(services, deck.id, 20)  # warm the connection pool and plans
            timings = measure_next_card(services, deck.id, args.ratings)
            first, second, report = measure_import(services, Path(scratch))
        finally:
            services.close()
            runtime.stop()
    p50, p95 = statistics.median(timings), percentile(timings, 0.95)
    print(f"next card after a rating ({args.ratings} ratings): p50 {p50:.1f} ms, p95 {p95:.1f} ms, "
          f"target p95 < {TARGET_NEXT_CARD_MS:.0f} ms, ratio {p95 / TARGET_NEXT_CARD_MS:.2f}")
    print(f"import of a {APKG_CARDS:,}-card .apkg: {first:.2f} s ({report.added:,} cards, "
          f"{len(report.skipped)} skipped), target < {TARGET_IMPORT_S:.0f} s, ratio {first / TARGET_IMPORT_S:.2f}")
    print(f"importing the same package again: {second:.2f} s, 0 cards added")
    ok = p95 < TARGET_NEXT_CARD_MS and first < TARGET_IMPORT_S
    print("all targets met" if ok else "a target was missed")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())

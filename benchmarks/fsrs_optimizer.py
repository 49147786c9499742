"""Whether the Rust FSRS optimiser (fsrs-rs-python) fits a deck as well as py-fsrs's torch one, and at what cost.

Run: .venv/bin/python benchmarks/fsrs_optimizer.py [--cards 800] [--days 180] [--seed 7] [--repeats 1]
Simulates a student with known "true" FSRS-6 parameters: each card is introduced on some day,
answered with the app's learning steps, and on every later-day review recalled with the
probability the true parameters give (ratings Hard/Good/Easy when recalled, Again when not);
students are sometimes late. 80% of the cards train, the other 20% are held out. Each optimiser
fits the training cards in its own child process (so its peak RSS includes its imports: torch
for py-fsrs, a small Rust extension for fsrs-rs-python). Held-out log loss and binned RMSE are
computed here from the retrievability py-fsrs's Scheduler predicts when replaying each held-out
card with a parameter set, the way the app schedules; the true parameters give the floor.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import random
import subprocess
import sys
import tempfile
import time
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from machine_cpu import cpu_line  # noqa: E402

# A student who forgets faster than the default population, with a steeper forgetting curve (w20).
TRUE_PARAMETERS = [0.3, 0.8, 2.5, 15.0, 7.2, 0.5, 2.0, 0.01, 1.3, 0.3, 1.2, 2.2, 0.1, 0.4, 1.2, 0.3,
                   2.4, 0.7, 0.2, 0.15, 0.45]
# Clearly off: stabilities far too long, difficulty barely moving.
WRONG_PARAMETERS = [5.0, 10.0, 20.0, 60.0, 3.0, 0.1, 0.5, 0.5, 3.0, 0.05, 0.3, 0.5, 0.01, 0.1, 0.5, 0.9,
                    3.0, 0.1, 0.01, 0.5, 0.1]
FIRST_RATINGS = ((1, 0.25), (2, 0.15), (3, 0.45), (4, 0.15))
RECALLED_RATINGS = ((2, 0.15), (3, 0.70), (4, 0.15))
SAME_DAY_RECALL = 0.9


def _draw(rng: random.Random, weighted: tuple[tuple[int, float], ...]) -> int:
    return rng.choices([value for value, _ in weighted], [weight for _, weight in weighted])[0]


def simulate_history(cards: int, days: int, seed: int) -> list[tuple[uuid.UUID, int, datetime, int | None]]:
    """Review-log rows `(card_id, rating, reviewed_at, duration_ms)`, ordered by time, as the app stores them."""
    from fsrs import Card, Rating, Scheduler

    from studyteddy_desktop.services.flashcards.review_scheduler import LEARNING_STEPS, RELEARNING_STEPS

    rng = random.Random(seed)
    random.seed(seed)  # py-fsrs's interval fuzz draws from the global generator
    scheduler = Scheduler(parameters=TRUE_PARAMETERS, learning_steps=LEARNING_STEPS,
                          relearning_steps=RELEARNING_STEPS, enable_fuzzing=True)
    start = datetime(2026, 1, 5, 8, tzinfo=UTC)
    end = start + timedelta(days=days)
    history = []
    for _ in range(cards):
        card_id = uuid.UUID(int=rng.getrandbits(128))
        at = start + timedelta(days=rng.randrange(int(days * 0.6)), minutes=rng.randrange(12 * 60))
        card = Card(card_id=card_id.int & ((1 << 63) - 1), due=at)
        while at < end:
            if card.last_review is None:
                rating = _draw(rng, FIRST_RATINGS)
            else:
                later_day = (at - card.last_review).days > 0
                recall = scheduler.get_card_retrievability(card, at) if later_day else SAME_DAY_RECALL
                rating = _draw(rng, RECALLED_RATINGS) if rng.random() < recall else 1
            history.append((card_id, rating, at, rng.randrange(2000, 15000)))
            card, _ = scheduler.review_card(card, Rating(rating), review_datetime=at)
            at = card.due
            if card.due - card.last_review >= timedelta(days=1):
                # Students open the app at another hour, and a third of the time some days late.
                late = int(rng.expovariate(1 / 3)) if rng.random() < 0.33 else 0
                at += timedelta(days=late, minutes=rng.randrange(-240, 240))
    return sorted(history, key=lambda row: row[2])


def split_by_card(history, seed: int, held_out: float = 0.2):
    card_ids = sorted({row[0] for row in history})
    random.Random(seed + 1).shuffle(card_ids)
    test_ids = set(card_ids[:int(len(card_ids) * held_out)])
    return ([row for row in history if row[0] not in test_ids], [row for row in history if row[0] in test_ids])


def score(parameters: list[float], history) -> dict[str, float]:
    """Log loss and binned RMSE of later-day recall, replaying each card with py-fsrs as the app does."""
    from fsrs import Card, Rating, Scheduler

    from studyteddy_desktop.services.flashcards.review_scheduler import LEARNING_STEPS, RELEARNING_STEPS

    scheduler = Scheduler(parameters=parameters, learning_steps=LEARNING_STEPS,
                          relearning_steps=RELEARNING_STEPS, enable_fuzzing=False)
    cards: dict[uuid.UUID, Card] = {}
    predictions: list[tuple[float, int]] = []
    for card_id, rating, at, _duration in sorted(history, key=lambda row: row[2]):
        card = cards.get(card_id) or Card(card_id=card_id.int & ((1 << 63) - 1), due=at)
        if card.last_review is not None and (at - card.last_review).days > 0:
            predicted = min(max(float(scheduler.get_card_retrievability(card, at)), 1e-6), 1 - 1e-6)
            predictions.append((predicted, int(rating > 1)))
        cards[card_id], _ = scheduler.review_card(card, Rating(rating), review_datetime=at)
    log_loss = -sum(math.log(p) if y else math.log(1 - p) for p, y in predictions) / len(predictions)
    bins: dict[int, list[tuple[float, int]]] = {}
    for p, y in predictions:
        bins.setdefault(min(int(p * 20), 19), []).append((p, y))
    squared = sum(len(b) * (sum(y for _, y in b) / len(b) - sum(p for p, _ in b) / len(b)) ** 2 for b in bins.values())
    return {"log_loss": log_loss, "rmse_bins": math.sqrt(squared / len(predictions)), "reviews": len(predictions)}


def _fit_in_child(kind: str, history_file: Path) -> dict:
    """Fit in a fresh interpreter so each optimiser's peak RSS is its own, imports included."""
    process = subprocess.Popen([sys.executable, __file__, "--fit", kind, "--history", str(history_file)],
                               stdout=subprocess.PIPE, text=True)
    output = process.stdout.read()
    _pid, status, usage = os.wait4(process.pid, 0)
    if status != 0:
        raise SystemExit(f"the {kind} fit failed (status {status})")
    result = json.loads(output.strip().splitlines()[-1])
    result["peak_rss_mb"] = usage.ru_maxrss / 1024
    return result


def _child_fit(kind: str, history_file: Path) -> None:
    rows = json.loads(history_file.read_text())
    history = [(uuid.UUID(card), rating, datetime.fromisoformat(at), duration) for card, rating, at, duration in rows]
    started = time.perf_counter()
    if kind == "torch":
        from fsrs import Optimizer, Rating, ReviewLog
        imported = time.perf_counter()
        logs = [ReviewLog(card_id=card.int & ((1 << 63) - 1), rating=Rating(rating), review_datetime=at,
                          review_duration=duration) for card, rating, at, duration in history]
        parameters = [float(value) for value in Optimizer(logs).compute_optimal_parameters()]
    else:
        from studyteddy_desktop.services.flashcards.fsrs_optimizer import fit_parameters
        imported = time.perf_counter()
        parameters = fit_parameters(history)
    finished = time.perf_counter()
    print(json.dumps({"parameters": parameters, "import_s": imported - started, "fit_s": finished - imported}))


def run_once(cards: int, days: int, seed: int, skip_torch: bool) -> dict[str, float]:
    """One simulated history, both fits, the held-out table; returns the rust/torch ratios."""
    history = simulate_history(cards, days, seed)
    train, test = split_by_card(history, seed)
    print(f"\nseed {seed}: {cards} cards over {days} days, {len(history)} reviews "
          f"({len(train)} train / {len(test)} held out)")
    fits: dict[str, dict] = {}
    with tempfile.TemporaryDirectory() as folder:
        history_file = Path(folder) / "train.json"
        history_file.write_text(json.dumps([(str(c), r, at.isoformat(), d) for c, r, at, d in train]))
        for kind in ("rust",) if skip_torch else ("rust", "torch"):
            fits[kind] = _fit_in_child(kind, history_file)
    from fsrs.scheduler import DEFAULT_PARAMETERS
    rows = [("true", TRUE_PARAMETERS), ("default", list(DEFAULT_PARAMETERS)), ("wrong", WRONG_PARAMETERS)]
    rows += [(kind, fit["parameters"]) for kind, fit in fits.items()]
    scores = {name: score(parameters, test) for name, parameters in rows}
    print(f"held-out later-day reviews scored: {scores['true']['reviews']}")
    print(f"{'parameters':<10} {'log loss':>9} {'RMSE(bins)':>11} {'import s':>9} {'fit s':>8} {'peak RSS MB':>12}")
    for name, _parameters in rows:
        fit = fits.get(name)
        timing = f"{fit['import_s']:>9.2f} {fit['fit_s']:>8.2f} {fit['peak_rss_mb']:>12.0f}" if fit else ""
        print(f"{name:<10} {scores[name]['log_loss']:>9.4f} {scores[name]['rmse_bins']:>11.4f} {timing}")
    for kind, fit in fits.items():
        print(f"{kind} parameters: {[round(value, 4) for value in fit['parameters']]}")
    if "torch" not in fits:
        return {}
    rust, torch = fits["rust"], fits["torch"]
    ratios = {"fit time": rust["fit_s"] / torch["fit_s"], "peak RSS": rust["peak_rss_mb"] / torch["peak_rss_mb"],
              "log loss": scores["rust"]["log_loss"] / scores["torch"]["log_loss"],
              "RMSE(bins)": scores["rust"]["rmse_bins"] / scores["torch"]["rmse_bins"]}
    print("rust/torch: " + ", ".join(f"{name} {value:.4f}" for name, value in ratios.items()))
    return ratios


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cards", type=int, default=800)
    parser.add_argument("--days", type=int, default=180)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--repeats", type=int, default=1, help="histories to simulate, seeds seed, seed+1, ...")
    parser.add_argument("--skip-torch", action="store_true", help="time only the Rust optimiser")
    parser.add_argument("--fit", choices=("torch", "rust"), help=argparse.SUPPRESS)
    parser.add_argument("--history", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.fit:
        _child_fit(args.fit, args.history)
        return
    print(cpu_line())
    runs = [run_once(args.cards, args.days, args.seed + offset, args.skip_torch) for offset in range(args.repeats)]
    if len(runs) > 1 and runs[0]:
        print(f"\nmean rust/torch over {len(runs)} histories: " + ", ".join(
            f"{name} {sum(run[name] for run in runs) / len(runs):.4f}" for name in runs[0]))


if __name__ == "__main__":
    main()

"""Generated sync histories of 2–4 devices, replayed in many orders with retries: do they all converge?

Prints the histories tried, the writes they held, the orders replayed, and any divergence, lost
review or lost text (target: 0 of each). The suite runs the same property with fewer histories
(tests/domain/test_sync_merge.py and, through real servers, tests/sync_server/).

    .venv/bin/python benchmarks/sync_merge_histories.py [--histories 5000] [--orders 4] [--seed 1]
"""

from __future__ import annotations

import argparse
import random
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from benchmarks.machine_cpu import cpu_line  # noqa: E402
from studyteddy_desktop.domain.sync_merge import conflict_copies  # noqa: E402
from tests.domain.test_sync_merge import _history, _replay  # noqa: E402

ACTIONS = ["edit", "rename", "delete", "review", "undo", "sync"]


def _random_steps(rng: random.Random) -> list[tuple[int, str, int, str]]:
    return [(rng.randrange(4), rng.choice(ACTIONS), rng.randrange(3), rng.choice(["", "a", "Q?", "mitochondria", "ß∂"]))
            for _ in range(rng.randint(1, 60))]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--histories", type=int, default=5000)
    parser.add_argument("--orders", type=int, default=4, help="shuffled replays per history, each with retries")
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    rng = random.Random(args.seed)
    started = time.perf_counter()
    writes = diverged = lost_reviews = lost_texts = copies = 0
    for _ in range(args.histories):
        devices = rng.randint(2, 4)
        skews = [rng.randint(-10**9, 10**9) for _ in range(4)]
        changes, texts, reviews = _history(devices, _random_steps(rng), skews)
        writes += len(changes)
        reference = _replay(changes)
        for _order in range(args.orders):
            shuffled = rng.sample(changes, len(changes))
            retried = shuffled + rng.sample(changes, len(changes) // 2)
            if _replay(retried) != reference:
                diverged += 1
        if {record for collection, record in reference if collection == "review_logs"} != reviews:
            lost_reviews += 1
        for record, _text, stamp in texts:
            state = reference[("cards", record)]
            kept = {version["stamp"] for version in state["versions"].get("back", [])}
            if stamp != state["fields"]["back"]["stamp"] and stamp not in kept and len(kept) < 20:
                lost_texts += 1
        copies += sum(len(conflict_copies(state)) for state in reference.values())
    elapsed = time.perf_counter() - started
    print(cpu_line())
    print(f"histories: {args.histories}  writes: {writes}  orders replayed: {args.histories * args.orders} "
          "(each with half its writes sent twice)")
    print(f"conflict copies shown: {copies}")
    print(f"diverged orders: {diverged}  histories with a lost review: {lost_reviews}  lost text versions: {lost_texts}")
    print(f"time: {elapsed:.1f} s ({elapsed / max(args.histories, 1) * 1000:.2f} ms per history)")
    return 1 if diverged or lost_reviews or lost_texts else 0


if __name__ == "__main__":
    sys.exit(main())

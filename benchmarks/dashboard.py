"""Dashboard and planner latency on five years of one student's data, against the issue's targets.

Run: .venv/bin/python benchmarks/dashboard.py [--runs 40]
Builds 20,000 tasks, 50,000 study sessions and 500,000 review-log rows in a temporary data
directory (bundled PostgreSQL and Redis, no worker), then prints p50/p95 of: Dashboard data
ready with a warm cache, with a cold cache, and adding a task until it shows in the list.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from sample_statistics import percentile  # noqa: E402

import sqlalchemy as sa  # noqa: E402

from studyteddy_desktop.config import Settings  # noqa: E402
from studyteddy_desktop.domain.planner_dto import TaskDraft, TaskFilter  # noqa: E402
from studyteddy_desktop.runtime.service_runtime import ServiceRuntime  # noqa: E402
from studyteddy_desktop.assembly import open_services  # noqa: E402

TASKS, SESSIONS, CARDS, REVIEWS = 20_000, 50_000, 10_000, 500_000
SUBJECTS = "ARRAY['Biology','Chemistry','History','Maths','Physics','English','Geography','Art']"
TARGETS_MS = {"dashboard cached": 50.0, "dashboard uncached": 300.0, "task add shows in list": 50.0}

# Everything spread over the five years before now; ~3% of tasks still open.
GENERATE = [
    f"""INSERT INTO tasks (user_id, title, subject, due_at, priority, status, estimated_minutes,
                           actual_minutes, completed_at, created_at, updated_at)
        SELECT :user_id, 'Task ' || n, ({SUBJECTS})[1 + n % 8],
               now() - (n * interval '1 day' * 1825 / {TASKS}) + interval '3 days',
               (ARRAY['low','medium','high','urgent'])[1 + n % 4],
               CASE WHEN n % 33 = 0 THEN 'open' ELSE 'done' END, 15 + n % 120, n % 90,
               CASE WHEN n % 33 = 0 THEN NULL ELSE now() - (n * interval '1 day' * 1825 / {TASKS}) END,
               now() - (n * interval '1 day' * 1825 / {TASKS}) - interval '5 days',
               now() - (n * interval '1 day' * 1825 / {TASKS})
        FROM generate_series(1, {TASKS}) AS n""",
    f"""INSERT INTO study_sessions (user_id, subject, started_at, ended_at, duration_minutes, focus_score)
        SELECT :user_id, ({SUBJECTS})[1 + (n * 7) % 8],
               now() - (n * interval '1 day' * 1825 / {SESSIONS}),
               now() - (n * interval '1 day' * 1825 / {SESSIONS}) + interval '1 minute' * (10 + n % 80),
               10 + n % 80, 1 + n % 5
        FROM generate_series(1, {SESSIONS}) AS n""",
    f"""INSERT INTO flashcard_decks (user_id, name, subject)
        SELECT :user_id, s || ' deck', s FROM unnest({SUBJECTS}) AS s""",
    f"""INSERT INTO flashcards (deck_id, front, back, state, due_at, stability, difficulty, last_review_at)
        SELECT d.ids[1 + n % array_length(d.ids, 1)], 'Front ' || n, 'Back ' || n, 'review',
               now() + (n % 40 - 10) * interval '1 day', 1 + n % 60, 5, now() - (n % 30) * interval '1 day'
        FROM generate_series(1, {CARDS}) AS n,
             (SELECT array_agg(id) AS ids FROM flashcard_decks WHERE user_id = :user_id) AS d""",
    f"""INSERT INTO review_logs (card_id, rating, reviewed_at, state_before)
        SELECT c.ids[1 + n % array_length(c.ids, 1)], (ARRAY[1,3,3,3,3,2,4,3,3,1])[1 + n % 10],
               now() - (n * interval '1 day' * 1825 / {REVIEWS}),
               CASE WHEN n % 5 = 0 THEN 'learning' ELSE 'review' END
        FROM generate_series(1, {REVIEWS}) AS n,
             (SELECT array_agg(c.id) AS ids FROM flashcards c JOIN flashcard_decks d ON d.id = c.deck_id
              WHERE d.user_id = :user_id) AS c""",
]


def timed(work: Callable[[], object]) -> float:
    started = time.perf_counter()
    work()
    return (time.perf_counter() - started) * 1000



def report(name: str, samples: list[float]) -> None:
    p50, p95 = statistics.median(samples), percentile(samples, 0.95)
    target = TARGETS_MS[name]
    print(f"{name:<24} p50 {p50:7.1f} ms   p95 {p95:7.1f} ms   target p95 < {target:.0f} ms   "
          f"ratio {p95 / target:.2f}  ({'ok' if p95 < target else 'MISSED'})")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=40)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="studyteddy-bench-") as directory:
        runtime = ServiceRuntime(Settings(data_dir=Path(directory) / "data"), with_worker=False)
        endpoints = runtime.start()
        services = open_services(endpoints)
        try:
            user_id = services.student.user_id()
            started = time.perf_counter()
            with services.database.engine.begin() as connection:
                for statement in GENERATE:
                    connection.execute(sa.text(statement), {"user_id": user_id})
                connection.execute(sa.text("ANALYZE"))
            print(f"Generated {TASKS:,} tasks, {SESSIONS:,} sessions, {REVIEWS:,} reviews "
                  f"in {time.perf_counter() - started:.1f} s")
            refresh_ms = timed(services.dashboard.refresh_analytics)
            print(f"Analytics view refresh (background work): {refresh_ms:.0f} ms")
            services.dashboard.dashboard()  # warm connections and plans

            uncached = []
            for _ in range(args.runs):
                services.activity_cache.bump(user_id)
                uncached.append(timed(services.dashboard.dashboard))
            cached = [timed(services.dashboard.dashboard) for _ in range(args.runs * 5)]

            adding = []
            soon = datetime.now(UTC) + timedelta(hours=1)
            for index in range(args.runs):
                def add_and_list(index: int = index) -> None:
                    task = services.planner.add_task(TaskDraft(title=f"Bench {index}", subject="Maths", due_at=soon))
                    page = services.planner.list_tasks(TaskFilter())
                    assert any(row.id == task.id for row in page.tasks), "the new task is not in the list"
                adding.append(timed(add_and_list))
            board = services.dashboard.dashboard()
            print(f"Dashboard: {board.stats.due_today} due today, streak {board.stats.streak_days} days, "
                  f"{board.stats.cards_due} cards due, {len(board.heatmap)} heatmap days")
            report("dashboard cached", cached)
            report("dashboard uncached", uncached)
            report("task add shows in list", adding)
            analytics_ms = []
            for _ in range(10):
                services.activity_cache.bump(user_id)
                analytics_ms.append(timed(lambda: services.dashboard.analytics(weeks=260)))
            print(f"(analytics, 5 years weekly, uncached: p50 {statistics.median(analytics_ms):.1f} ms)")
        finally:
            services.close()
            runtime.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())

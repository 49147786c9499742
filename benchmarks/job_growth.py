"""What N background jobs leave behind in Redis and PostgreSQL, before and after results expire and rows are pruned.

Run: .venv/bin/python benchmarks/job_growth.py [--jobs 10000] [--timeout 1800]
Each behaviour gets a fresh scratch data directory and a real worker running N worker self-check jobs
(the cheapest job kind; every one claims its row, reports progress, publishes events and stores its
outcome, as the real jobs do):

- "before": the worker started with STUDYTEDDY_UNBOUNDED_JOB_HISTORY=1, as it was before this change:
  every task result kept in one huey hash without expiry, finished job rows never deleted;
- "after": results only for tasks someone waits on, each expiring, and finished rows past their
  retention pruned when the worker starts and hourly as jobs end.

After the run it prints Redis used_memory, the AOF's size (as written, and after a rewrite, which is what
Redis compacts it to), huey's stored results and the background_jobs rows. Then it ages every row past
the retention and restarts the worker, as a student's next launch a month later would, and counts again.
Target: "after" holds no result per job, and its rows fall to the newest few per kind.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import redis
import sqlalchemy as sa

from studyteddy_desktop.config import QUEUE_ON_REDIS, Settings
from studyteddy_desktop.domain.job_queue import SELF_CHECK_JOB_KIND
from studyteddy_desktop.runtime.service_runtime import ServiceRuntime
from studyteddy_desktop.services.app_services import AppServices
from studyteddy_desktop.services.core.job_service import JOB_RETENTION
from studyteddy_desktop.worker.queue import LEGACY_RESULTS_KEY, QUEUE_NAME, UNBOUNDED_HISTORY_ENV, HueyJobQueue


@dataclass(frozen=True)
class Footprint:
    used_memory: int
    aof_bytes: int
    results: int
    notify_keys: int
    rows: int
    table_bytes: int


def footprint(client: redis.Redis, services: AppServices) -> Footprint:
    memory = client.info("memory")
    persistence = client.info("persistence")
    results = client.hlen(LEGACY_RESULTS_KEY) + sum(
        1 for _ in client.scan_iter(match=f"huey.r.{QUEUE_NAME}.*", count=1000))
    notify = sum(1 for _ in client.scan_iter(match=f"huey.notify.{QUEUE_NAME}.*", count=1000))
    with services.database.unit_of_work() as session:
        rows = session.scalar(sa.text("SELECT count(*) FROM background_jobs")) or 0
        table = session.scalar(sa.text("SELECT pg_total_relation_size('background_jobs')")) or 0
    return Footprint(int(memory["used_memory"]), int(persistence.get("aof_current_size", 0)), results, notify,
                     int(rows), int(table))


def rewrite_aof(client: redis.Redis, deadline: float) -> int:
    """Compact the AOF as Redis does by itself once it doubles; its size afterwards."""
    while client.info("persistence").get("aof_rewrite_in_progress"):
        time.sleep(0.1)
    client.bgrewriteaof()
    time.sleep(0.2)
    while True:
        info = client.info("persistence")
        if not info.get("aof_rewrite_in_progress") and not info.get("aof_rewrite_scheduled"):
            return int(info.get("aof_current_size", 0))
        if time.monotonic() > deadline:
            raise SystemExit("the AOF rewrite did not finish in time")
        time.sleep(0.1)


def wait_until_final(services: AppServices, deadline: float) -> None:
    while True:
        with services.database.unit_of_work() as session:
            open_jobs = session.scalar(sa.text(
                "SELECT count(*) FROM background_jobs WHERE state IN ('queued', 'running')"))
        if not open_jobs:
            return
        if time.monotonic() > deadline:
            raise SystemExit(f"{open_jobs} jobs still unfinished when time ran out")
        time.sleep(0.25)


def measure(label: str, jobs: int, scratch: Path, unbounded: bool, timeout: float) -> dict[str, float]:
    deadline = time.monotonic() + timeout
    if unbounded:
        os.environ[UNBOUNDED_HISTORY_ENV] = "1"  # the worker the runtime starts inherits it
    else:
        os.environ.pop(UNBOUNDED_HISTORY_ENV, None)
    # Redis on purpose: the growth measured here is of what huey keeps in Redis.
    runtime = ServiceRuntime(Settings(data_dir=scratch / label, queue=QUEUE_ON_REDIS))
    endpoints = runtime.start()
    # The app's side of the queue must read results where that worker stores them.
    services = AppServices(endpoints, HueyJobQueue.for_endpoints(endpoints, bounded_results=not unbounded))
    client = redis.Redis.from_url(services.endpoints.redis_url)
    try:
        services.queue.ping(timeout=120)
        idle = footprint(client, services)
        started = time.perf_counter()
        for _ in range(jobs):
            services.jobs.submit(SELF_CHECK_JOB_KIND)
            if time.monotonic() > deadline:
                raise SystemExit("time ran out while submitting jobs")
        wait_until_final(services, deadline)
        elapsed = time.perf_counter() - started
        time.sleep(0.5)  # results are stored just after the rows are final
        ran = footprint(client, services)
        compacted = rewrite_aof(client, deadline)

        # A month later: every row past the retention, and the student opens the app again.
        with services.database.unit_of_work() as session:
            session.execute(sa.text("UPDATE background_jobs SET finished_at = finished_at - :age, "
                                    "created_at = created_at - :age"), {"age": JOB_RETENTION * 1.1})
        assert runtime.worker is not None
        runtime.worker.stop()
        runtime.worker.ensure_running()
        services.queue.ping(timeout=120)  # the worker prunes before it serves
        later = footprint(client, services)
    finally:
        client.close()
        services.close()
        runtime.stop()
        os.environ.pop(UNBOUNDED_HISTORY_ENV, None)
    print(f"{label}: {jobs} jobs in {elapsed:.1f} s ({jobs / elapsed:.0f} jobs/s)")
    return {
        "Redis used_memory over idle (bytes)": ran.used_memory - idle.used_memory,
        "Redis used_memory (bytes)": ran.used_memory,
        "AOF as written (bytes)": ran.aof_bytes,
        "AOF after rewrite (bytes)": compacted,
        "huey results stored": ran.results,
        "huey result notifications alive": ran.notify_keys,
        "background_jobs rows": ran.rows,
        "background_jobs table+indexes (bytes)": ran.table_bytes,
        "rows a month later, after restart": later.rows,
        "huey results a month later": later.results,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--jobs", type=int, default=10_000)
    parser.add_argument("--timeout", type=float, default=1800.0, help="seconds allowed per behaviour")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="studyteddy-growth-") as scratch:
        before = measure("before", args.jobs, Path(scratch), unbounded=True, timeout=args.timeout)
        after = measure("after", args.jobs, Path(scratch), unbounded=False, timeout=args.timeout)
    width = max(len(name) for name in before)
    print(f"\n{'':{width}}  {'before':>12}  {'after':>12}  {'after/before':>12}")
    for name, old in before.items():
        new = after[name]
        ratio = f"{new / old:.3f}" if old else "-"
        print(f"{name:{width}}  {old:>12,.0f}  {new:>12,.0f}  {ratio:>12}")


if __name__ == "__main__":
    sys.exit(main())

"""Bounded growth: task results do not pile up in the queue's store, and old finished job rows are pruned."""

from __future__ import annotations

import time
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest
import redis
import sqlalchemy as sa

from studyteddy_desktop.db.models import BackgroundJob
from studyteddy_desktop.domain.dto import RuntimeEndpoints
from studyteddy_desktop.domain.enums import JobState
from studyteddy_desktop.domain.job_queue import SELF_CHECK_JOB_KIND, TaskName
from studyteddy_desktop.services.core.database import Database
from studyteddy_desktop.services.core.job_service import JobService
from studyteddy_desktop.worker import queue as worker_queue
from tests.worker_support import session_worker

JOBS = 200
# No caller waits on a result for more than five minutes; an unread one need not outlive that by much.
LONGEST_RESULT_LIFE_S = 600
PROBE_KIND = "test_prune_probe"


class RedisResults:
    """The task results huey holds in Redis, in either layout: one hash, or one key per result."""

    def __init__(self, redis_url: str) -> None:
        self.client = redis.Redis.from_url(redis_url)

    def count(self) -> int:
        legacy = self.client.hlen(f"huey.results.{worker_queue.QUEUE_NAME}")
        return legacy + sum(1 for _ in self.client.scan_iter(match=f"huey.r.{worker_queue.QUEUE_NAME}.*",
                                                             count=1000))

    def holds(self, task_id: str) -> bool:
        return bool(self.client.exists(f"huey.r.{worker_queue.QUEUE_NAME}.{task_id}")
                    or self.client.hexists(f"huey.results.{worker_queue.QUEUE_NAME}", task_id))

    def seconds_left(self, task_id: str) -> float | None:
        """None for a result kept for ever (or not there)."""
        ttl = self.client.ttl(f"huey.r.{worker_queue.QUEUE_NAME}.{task_id}")
        return ttl if ttl >= 0 else None

    def close(self) -> None:
        self.client.close()


class PostgresResults:
    """The task results huey holds in the queue's PostgreSQL tables, where the runtime has no Redis."""

    def __init__(self, endpoints: RuntimeEndpoints) -> None:
        self.queue = worker_queue.HueyJobQueue.for_endpoints(endpoints)
        self.storage = self.queue.huey.storage

    def count(self) -> int:
        return self.storage.result_store_size()

    def holds(self, task_id: str) -> bool:
        return self.storage.has_data_for_key(task_id)

    def seconds_left(self, task_id: str) -> float | None:
        """None for a result kept for ever (or not there)."""
        # huey's storage API reads no expiry: asked of the storage's own results table.
        rows = self.storage._rows(f"SELECT extract(epoch FROM expires_at - now()) FROM {self.storage._kv} "
                                  "WHERE key = %s", (task_id,))
        return float(rows[0][0]) if rows and rows[0][0] is not None else None

    def close(self) -> None:
        self.queue.close()


@pytest.fixture()
def results(endpoints: RuntimeEndpoints) -> Iterator[RedisResults | PostgresResults]:
    """Looked at in the queue's own store, not through huey's results: reading one is what removes it."""
    held = PostgresResults(endpoints) if endpoints.redis_url is None else RedisResults(endpoints.redis_url)
    yield held
    held.close()


def wait_until_final(database: Database, job_ids: list[uuid.UUID], timeout: float = 120) -> None:
    deadline = time.monotonic() + timeout
    while True:
        with database.unit_of_work() as session:
            open_jobs = session.scalar(sa.select(sa.func.count()).select_from(BackgroundJob).where(
                BackgroundJob.id.in_(job_ids), BackgroundJob.state.in_(["queued", "running"])))
        if not open_jobs:
            return
        assert time.monotonic() < deadline, f"{open_jobs} of {len(job_ids)} jobs unfinished"
        time.sleep(0.1)


def test_task_results_do_not_grow_with_the_number_of_jobs(worker, services, results):
    services.queue.ping(timeout=60)  # the worker is up and serving
    before = results.count()
    job_ids = [services.jobs.submit(SELF_CHECK_JOB_KIND).id for _ in range(JOBS)]
    wait_until_final(services.database, job_ids)
    time.sleep(0.5)  # a result is stored just after the row is final

    assert results.count() - before <= 2, f"{results.count() - before} results left for {JOBS} jobs"
    assert services.jobs.get(job_ids[-1]).state == "done"


def test_a_waiting_caller_gets_its_result_and_an_unread_result_expires(worker, services, results):
    assert services.queue.ping(timeout=60) == worker.running_pid()

    unread = services.queue.enqueue(TaskName.PING)
    deadline = time.monotonic() + 30
    while not results.holds(unread.id):
        assert time.monotonic() < deadline, "the ping was never answered"
        time.sleep(0.05)
    ttl = results.seconds_left(unread.id)
    assert ttl is not None and 0 < ttl <= LONGEST_RESULT_LIFE_S, f"an unread result must expire (ttl {ttl})"
    assert unread.get(blocking=True, timeout=5)["pid"] == worker.running_pid()
    assert not results.holds(unread.id), "a result read once is gone"


def _add_finished(database: Database, kind: str, count: int, age: timedelta,
                  state: JobState = JobState.DONE) -> list[uuid.UUID]:
    ended = datetime.now(UTC) - age
    rows = [BackgroundJob(id=uuid.uuid4(), kind=kind, payload={}, state=state, finished_at=ended,
                          created_at=ended) for _ in range(count)]
    with database.unit_of_work() as session:
        session.add_all(rows)
    return [row.id for row in rows]


def _surviving(database: Database, ids: list[uuid.UUID]) -> int:
    with database.unit_of_work() as session:
        return session.scalar(sa.select(sa.func.count()).select_from(BackgroundJob)
                              .where(BackgroundJob.id.in_(ids))) or 0


def test_old_finished_jobs_are_pruned_and_recent_or_unfinished_ones_kept(database):
    old = timedelta(days=45)
    recent = _add_finished(database, PROBE_KIND, 4, timedelta(days=1))
    done = _add_finished(database, PROBE_KIND, 5, old)
    failed = _add_finished(database, PROBE_KIND, 2, old, JobState.FAILED)
    cancelled = _add_finished(database, PROBE_KIND, 2, old, JobState.CANCELLED)
    unfinished = _add_finished(database, PROBE_KIND, 2, old, JobState.QUEUED)
    few_of_a_kind = _add_finished(database, f"{PROBE_KIND}_other", 2, old)

    pruned = JobService(database).prune_finished(keep_newest=3)

    assert pruned == len(done) + len(failed) + len(cancelled)
    assert _surviving(database, done + failed + cancelled) == 0
    assert _surviving(database, recent) == len(recent)
    assert _surviving(database, unfinished) == len(unfinished)
    # The newest few of each kind stay however old.
    assert _surviving(database, few_of_a_kind) == len(few_of_a_kind)


def test_the_newest_finished_jobs_of_a_kind_stay_however_old(database):
    old = _add_finished(database, PROBE_KIND, 6, timedelta(days=90))
    JobService(database).prune_finished(keep_newest=4)
    assert _surviving(database, old) == 4


def test_pruning_runs_again_only_when_due(database):
    jobs = JobService(database)
    assert jobs.prune_if_due() >= 0
    _add_finished(database, PROBE_KIND, 60, timedelta(days=60))
    assert jobs.prune_if_due() == 0, "pruned again within the hour"


def test_the_worker_prunes_old_finished_jobs_when_it_starts(endpoints, committing_database):
    keep = JobService.KEEP_NEWEST_PER_KIND
    old = _add_finished(committing_database, PROBE_KIND, keep + 5, timedelta(days=40))
    recent = _add_finished(committing_database, PROBE_KIND, 3, timedelta(hours=1))
    process = session_worker(endpoints)
    process.ensure_running()
    try:
        # The recent rows are the newest; of the old ones only enough to make up the newest few stay.
        deadline = time.monotonic() + 60
        while _surviving(committing_database, old) > keep - len(recent) and time.monotonic() < deadline:
            time.sleep(0.1)
        assert _surviving(committing_database, old) == keep - len(recent)
        assert _surviving(committing_database, recent) == len(recent)
    finally:
        process.stop()
        with committing_database.unit_of_work() as session:
            session.execute(sa.delete(BackgroundJob).where(BackgroundJob.kind == PROBE_KIND))

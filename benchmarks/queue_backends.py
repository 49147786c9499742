"""The job queue and the event channel on Redis against the same on PostgreSQL, in one run on one machine.

Run: .venv/bin/python benchmarks/queue_backends.py [--jobs 2000] [--samples 400]
Starts the bundled PostgreSQL and Redis in a scratch data directory (no worker), and measures:

- wake-up: enqueue -> a blocked consumer's dequeue returning it, one job at a time (p50/p95);
- round trip: a task enqueued -> its result read by a caller blocked on it, through a real huey consumer;
- throughput: no-op tasks through one consumer thread, from the first enqueue to the last one run;
- events: publish -> a subscribed reader's next_event returning it (p50/p95);
- shared store: a stop flag's set then read (the Tutor's Stop), p50/p95;
- the whole app in each mode (STUDYTEDDY_QUEUE=redis / =postgres), each in a fresh data folder with its
  worker: cold start, first worker ping, a PDF imported to ready, and the idle worker's CPU over 10 s
  once its models are loaded (nothing polls in either mode, so both stay near zero).

Redis uses the app's own huey setup (HueyJobQueue's options and ExpiringResultStorage) and
EventPublisher; PostgreSQL uses worker/postgres_storage.py and services/core/postgres_event_channel.py
in a scratch database dropped afterwards. Ratios are PostgreSQL / Redis (above 1: PostgreSQL slower).
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import threading
import time
import uuid
from collections.abc import Callable
from pathlib import Path

import redis
import sqlalchemy as sa
from huey import Huey, RedisExpireHuey

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks.machine_cpu import cpu_line  # noqa: E402
from studyteddy_desktop.config import QUEUE_ON_POSTGRES, QUEUE_ON_REDIS, Settings  # noqa: E402
from studyteddy_desktop.domain.events import WorkerEvent  # noqa: E402
from studyteddy_desktop.runtime.service_runtime import ServiceRuntime  # noqa: E402
from studyteddy_desktop.services.core.event_channel import (  # noqa: E402
    EventPublisher,
    open_event_subscription,
)
from studyteddy_desktop.services.core.postgres_event_channel import PostgresEventPublisher  # noqa: E402
from studyteddy_desktop.services.core.shared_store import open_shared_store  # noqa: E402
from studyteddy_desktop.worker.queue import postgres_huey, redis_huey  # noqa: E402

SAMPLE_PDF = Path(__file__).resolve().parents[1] / "tests" / "fixtures" / "packaging" / "photosynthesis.pdf"
_IDLE_WATCH_S = 10.0

# A gap between samples, so each one measures a consumer that is asleep when the job arrives.
_GAP_S = 0.002


def percentiles(samples: list[float]) -> tuple[float, float]:
    cuts = statistics.quantiles(samples, n=20)
    return statistics.median(samples) * 1000, cuts[18] * 1000


def wake_up(make_storage: Callable[[], object], samples: int) -> list[float]:
    producer, consumer = make_storage(), make_storage()
    producer.flush_queue()
    latencies: list[float] = []

    def consume() -> None:
        while len(latencies) < samples:
            data = consumer.dequeue()
            if data is not None:
                latencies.append(time.perf_counter() - float(data))

    thread = threading.Thread(target=consume, daemon=True)
    thread.start()
    time.sleep(0.2)
    for _ in range(samples):
        producer.enqueue(repr(time.perf_counter()).encode())
        time.sleep(_GAP_S)
    thread.join(timeout=60)
    producer.close()
    consumer.close()
    return latencies


def through_huey(huey: Huey, jobs: int, samples: int) -> tuple[list[float], float]:
    @huey.task()
    def answer(n: int) -> int:
        return n

    @huey.task()
    def nothing() -> None:
        return None

    huey.storage.flush_all()
    consumer = huey.create_consumer(workers=1, worker_type="thread", periodic=False,
                                    check_worker_health=False)
    consumer.start()
    try:
        round_trips = []
        for n in range(samples):
            started = time.perf_counter()
            assert answer(n).get(blocking=True, timeout=30) == n
            round_trips.append(time.perf_counter() - started)
        started = time.perf_counter()
        for _ in range(jobs - 1):
            nothing()
        # One worker runs jobs in order: when the last one has answered, all have run.
        assert answer(-1).get(blocking=True, timeout=120) == -1
        elapsed = time.perf_counter() - started
    finally:
        consumer.stop(graceful=True)
        huey.storage.flush_all()
    return round_trips, jobs / elapsed


def event_latency(publisher, open_subscription: Callable[[], object], samples: int) -> list[float]:
    subscription = open_subscription()
    latencies: list[float] = []

    def read() -> None:
        while len(latencies) < samples:
            event = subscription.next_event(timeout=5)
            if event is None:
                return
            latencies.append(time.perf_counter() - event.data["sent"])

    thread = threading.Thread(target=read, daemon=True)
    thread.start()
    time.sleep(0.2)
    for n in range(samples):
        publisher.publish(WorkerEvent(kind="progress", job_id="bench", progress=n / samples,
                                      data={"sent": time.perf_counter()}))
        time.sleep(_GAP_S)
    thread.join(timeout=60)
    subscription.close()
    return latencies


def row(label: str, unit: str, on_redis: float, on_postgres: float) -> str:
    return f"  {label:<34} {on_redis:>10.3f} {on_postgres:>12.3f} {unit:<8} x{on_postgres / on_redis:.2f}"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--jobs", type=int, default=2000)
    parser.add_argument("--samples", type=int, default=400)
    options = parser.parse_args()
    began = time.monotonic()

    with tempfile.TemporaryDirectory(prefix="studyteddy-queue-bench-") as scratch:
        runtime = ServiceRuntime(Settings(data_dir=Path(scratch) / "data", queue=QUEUE_ON_REDIS), with_worker=False)
        runtime.start()
        try:
            endpoints = runtime.endpoints
            name = f"queue_bench_{uuid.uuid4().hex[:8]}"
            base = sa.make_url(endpoints.database_url)
            admin = sa.create_engine(base.set(database="postgres"), isolation_level="AUTOCOMMIT",
                                     poolclass=sa.NullPool)
            with admin.connect() as connection:
                connection.execute(sa.text(f'CREATE DATABASE "{name}"'))
            database_url = base.set(database=name).render_as_string(hide_password=False)
            try:
                figures = measure(endpoints.redis_url, database_url, options.jobs, options.samples)
            finally:
                with admin.connect() as connection:
                    connection.execute(sa.text(f'DROP DATABASE "{name}" WITH (FORCE)'))
                admin.dispose()
        finally:
            runtime.stop()
        on_redis = whole_app(Path(scratch) / "app-redis", QUEUE_ON_REDIS)
        on_postgres = whole_app(Path(scratch) / "app-postgres", QUEUE_ON_POSTGRES)
    for label, unit, key in (("app cold start (servers, schema)", "s", "start"),
                             ("first worker ping", "s", "ping"),
                             ("PDF import to ready", "s", "import"),
                             ("idle worker CPU per 10 s", "s", "idle_cpu")):
        figures.append(row(label, unit, on_redis[key], on_postgres[key]))

    print(cpu_line())
    print(f"  {'':<34} {'Redis':>10} {'PostgreSQL':>12} {'':<8} PG/Redis")
    for line in figures:
        print(line)
    print(f"(whole run {time.monotonic() - began:.0f} s; {options.samples} samples, "
          f"{options.jobs} no-op jobs)")
    return 0


def measure(redis_url: str, database_url: str, jobs: int, samples: int) -> list[str]:
    lines = []
    redis_wake = wake_up(lambda: redis_huey(redis_url, name="bench_wake").storage, samples)
    postgres_wake = wake_up(lambda: postgres_huey(database_url, name="bench_wake").storage, samples)
    for label, index in (("enqueue -> dequeue p50", 0), ("enqueue -> dequeue p95", 1)):
        lines.append(row(label, "ms", percentiles(redis_wake)[index], percentiles(postgres_wake)[index]))

    redis_trips, redis_rate = through_huey(redis_huey(redis_url, name="bench_tasks"), jobs, samples // 2)
    postgres_trips, postgres_rate = through_huey(postgres_huey(database_url, name="bench_tasks"), jobs,
                                                 samples // 2)
    for label, index in (("task -> result round trip p50", 0), ("task -> result round trip p95", 1)):
        lines.append(row(label, "ms", percentiles(redis_trips)[index], percentiles(postgres_trips)[index]))
    lines.append(row("no-op task throughput (1 thread)", "jobs/s", redis_rate, postgres_rate))

    redis_client = redis.Redis.from_url(redis_url, socket_timeout=5)
    redis_events = event_latency(EventPublisher(redis_client), lambda: open_event_subscription(redis_url, database_url),
                                 samples)
    redis_client.close()
    postgres_publisher = PostgresEventPublisher(database_url)
    postgres_events = event_latency(postgres_publisher,
                                    lambda: open_event_subscription(None, database_url), samples)
    postgres_publisher.close()
    for label, index in (("event publish -> receive p50", 0), ("event publish -> receive p95", 1)):
        lines.append(row(label, "ms", percentiles(redis_events)[index], percentiles(postgres_events)[index]))

    redis_flags = flag_latency(open_shared_store(redis_url, database_url), samples)
    postgres_flags = flag_latency(open_shared_store(None, database_url), samples)
    for label, index in (("stop flag set -> read p50", 0), ("stop flag set -> read p95", 1)):
        lines.append(row(label, "ms", percentiles(redis_flags)[index], percentiles(postgres_flags)[index]))
    return lines


def flag_latency(store, samples: int) -> list[float]:
    """A flag raised by the app and seen by the worker: one set, one exists, as Stop does."""
    latencies = []
    try:
        for n in range(samples):
            started = time.perf_counter()
            store.set(f"bench:stop:{n}", b"1", ex=60)
            assert store.exists(f"bench:stop:{n}")
            latencies.append(time.perf_counter() - started)
        store.delete(*(f"bench:stop:{n}" for n in range(samples)))
    finally:
        store.close()
    return latencies


def cpu_over(process, seconds: float) -> float:
    """CPU seconds (user + system) the process used over the next `seconds`."""
    before = sum(process.cpu_times()[:2])
    time.sleep(seconds)
    return sum(process.cpu_times()[:2]) - before


def whole_app(data_dir: Path, queue: str) -> dict[str, float]:
    """The app as a student runs it, in one mode: start, ping, import a PDF, then sit idle."""
    import psutil

    from benchmarks.ingest import import_and_wait, wait_until_idle
    from studyteddy_desktop.assembly import open_services

    runtime = ServiceRuntime(Settings(data_dir=data_dir, queue=queue))
    started = time.perf_counter()
    endpoints = runtime.start()
    figures = {"start": time.perf_counter() - started}
    services = open_services(endpoints)
    try:
        started = time.perf_counter()
        services.queue.ping(timeout=120)
        figures["ping"] = time.perf_counter() - started
        figures["import"], _chunks = import_and_wait(services, SAMPLE_PDF)
        # Let the summary the import queued finish, so the idle figure is of an idle worker.
        wait_until_idle(services)
        worker = psutil.Process(runtime.worker.running_pid())
        # The worker loads its models a few seconds after start: wait until that is over too.
        settled_by = time.monotonic() + 120
        while time.monotonic() < settled_by and cpu_over(worker, 2.0) > 0.05:
            pass
        figures["idle_cpu"] = cpu_over(worker, _IDLE_WATCH_S)
    finally:
        services.close()
        runtime.stop()
    return figures


if __name__ == "__main__":
    raise SystemExit(main())

"""The huey storage on PostgreSQL, against the session's real server, in a database of its own."""

from __future__ import annotations

import datetime
import threading
import time
import uuid
from collections.abc import Iterator

import psycopg
import pytest
import sqlalchemy as sa
from huey import Huey
from huey.constants import EmptyData

from studyteddy_desktop.services.core.postgres_event_channel import libpq_conninfo
from studyteddy_desktop.worker.postgres_storage import PostgresStorage
from tests.scratch_database import empty_database


@pytest.fixture(scope="module")
def queue_url(engine: sa.Engine) -> Iterator[str]:
    """A scratch database, dropped with every table the storage made in it."""
    with empty_database(engine, "pgqueue") as url:
        yield url.render_as_string(hide_password=False)


@pytest.fixture()
def storage(queue_url: str) -> Iterator[PostgresStorage]:
    made = PostgresStorage(f"t{uuid.uuid4().hex[:8]}", url=queue_url, read_timeout=0.2)
    yield made
    made.drop_tables()
    made.close()


def _twin(storage: PostgresStorage, url: str, **options) -> PostgresStorage:
    """A second client of the same queue, as another process would be."""
    return PostgresStorage(storage.name, url=url, **options)


def test_jobs_come_out_by_priority_then_in_the_order_they_went_in(storage):
    for data, priority in ((b"a", None), (b"b", 0), (b"urgent", 5), (b"c", None), (b"soon", 1)):
        storage.enqueue(data, priority)

    assert storage.queue_size() == 5
    assert storage.enqueued_items(limit=2) == [b"urgent", b"soon"]
    assert [storage.dequeue() for _ in range(5)] == [b"urgent", b"soon", b"a", b"b", b"c"]
    assert storage.dequeue() is None
    storage.enqueue(b"x")
    storage.flush_queue()
    assert storage.queue_size() == 0


def test_two_consumers_never_take_the_same_job(storage, queue_url):
    sent = [f"job-{n}".encode() for n in range(300)]
    for data in sent:
        storage.enqueue(data)
    taken: list[list[bytes]] = [[], []]

    def consume(into: list[bytes]) -> None:
        consumer = _twin(storage, queue_url, read_timeout=0.3)
        try:
            while (data := consumer.dequeue()) is not None:
                into.append(data)
        finally:
            consumer.close()

    threads = [threading.Thread(target=consume, args=(into,)) for into in taken]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    assert sorted(taken[0] + taken[1]) == sorted(sent)
    assert not set(taken[0]) & set(taken[1])
    assert taken[0] and taken[1], "both consumers should have had a share"


def test_a_waiting_consumer_wakes_on_the_enqueue_not_on_its_timeout(storage, queue_url):
    consumer = _twin(storage, queue_url, read_timeout=10)
    woke: list[tuple[bytes | None, float]] = []
    thread = threading.Thread(target=lambda: woke.append((consumer.dequeue(), time.monotonic())))
    thread.start()
    time.sleep(0.5)
    enqueued_at = time.monotonic()
    storage.enqueue(b"wake up")
    thread.join(timeout=15)
    consumer.close()

    data, at = woke[0]
    assert data == b"wake up"
    assert at - enqueued_at < 1.0


def test_an_idle_consumer_sends_no_queries_while_it_waits(storage, queue_url):
    consumer = _twin(storage, queue_url, read_timeout=0.3)
    assert consumer.dequeue() is None  # Seen empty once: from now on it only listens.
    pids = [consumer._conn.info.backend_pid, consumer._listener(consumer.queue_channel).info.backend_pid]
    with psycopg.connect(libpq_conninfo(queue_url), autocommit=True) as watcher:
        def last_queries() -> list:
            watcher.execute("SELECT pg_stat_clear_snapshot()")
            return watcher.execute("SELECT pid, query_start FROM pg_stat_activity WHERE pid = ANY(%s) "
                                   "ORDER BY pid", (pids,)).fetchall()

        before = last_queries()
        for _ in range(3):
            assert consumer.dequeue() is None
        assert last_queries() == before
        storage.enqueue(b"job")
        assert consumer.dequeue() == b"job"
        assert last_queries() != before, "the watch must see a query when there is one"
    consumer.close()


def test_a_result_is_read_once_and_expires_unread(queue_url):
    storage = PostgresStorage(f"t{uuid.uuid4().hex[:8]}", url=queue_url, expire_time=1)
    try:
        storage.put_data("kept", b"revoked")  # Not a result: never expires.
        storage.put_data("answer", b"42", is_result=True)
        assert storage.peek_data("answer") == b"42"
        assert storage.peek_many(["answer", "missing"]) == {"answer": b"42"}
        assert storage.pop_data("answer") == b"42"
        assert storage.pop_data("answer") is EmptyData

        storage.put_data("forgotten", b"late", is_result=True)
        assert storage.has_data_for_key("forgotten")
        time.sleep(1.3)
        assert storage.peek_data("forgotten") is EmptyData
        assert not storage.has_data_for_key("forgotten")
        assert storage.pop_data("forgotten") is EmptyData
        assert storage.result_items() == {"kept": b"revoked"}

        storage.put_data("expiring", b"x", is_result=True)
        time.sleep(1.3)
        storage.put_data("next", b"y", is_result=True)  # The write prunes the expired row.
        with psycopg.connect(storage.conninfo) as conn:
            keys = {key for key, in conn.execute(f"SELECT key FROM {storage._kv}")}
        assert keys == {"kept", "next"}
        assert storage.result_store_size() == 2
    finally:
        storage.drop_tables()
        storage.close()


def test_put_if_empty_and_counters(storage):
    assert storage.put_if_empty("lock", b"1")
    assert not storage.put_if_empty("lock", b"2")
    assert storage.put_if_empty("short", b"1", ttl=0.3)
    time.sleep(0.5)
    assert storage.put_if_empty("short", b"2", ttl=0.3), "an expired key is empty"
    assert storage.delete_data("lock")
    assert not storage.delete_data("lock")

    assert storage.incr("chord") == 1
    assert storage.incr("chord", 4) == 5
    storage.delete_counter("chord")
    assert storage.incr("chord", 0) == 0
    storage.flush_all()
    assert storage.result_store_size() == 0


def test_the_schedule_releases_what_is_due_soonest_first(storage):
    now = datetime.datetime.now()
    storage.add_to_schedule(b"later", now + datetime.timedelta(hours=1))
    storage.add_to_schedule(b"second", now - datetime.timedelta(seconds=5))
    storage.add_to_schedule(b"first", now - datetime.timedelta(seconds=10))

    assert storage.schedule_size() == 3
    assert storage.scheduled_items(limit=2) == [b"first", b"second"]
    assert storage.read_schedule(now) == [b"first", b"second"]
    assert storage.read_schedule(now) == []
    assert storage.scheduled_items() == [b"later"]
    storage.flush_schedule()
    assert storage.schedule_size() == 0


def test_a_queued_job_survives_a_dropped_connection_and_a_new_client(storage, queue_url):
    storage.enqueue(b"first")
    storage.enqueue(b"second")
    with psycopg.connect(libpq_conninfo(queue_url), autocommit=True) as admin:
        admin.execute("SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                      "WHERE datname = current_database() AND pid <> pg_backend_pid()")
    # The storage's connection is gone; a fresh client reads the jobs from the table.
    with pytest.raises(psycopg.OperationalError):
        storage.queue_size()
    assert storage.dequeue() == b"first", "the storage opens a new connection after a failed one"
    storage.close()
    restarted = _twin(storage, queue_url)
    try:
        assert restarted.dequeue() == b"second"
    finally:
        restarted.close()


def test_huey_runs_a_task_end_to_end_with_a_real_consumer(queue_url):
    huey = Huey(f"e2e{uuid.uuid4().hex[:8]}", storage_class=PostgresStorage, url=queue_url, read_timeout=5,
                expire_time=60)

    @huey.task()
    def add(a: int, b: int) -> int:
        return a + b

    consumer = huey.create_consumer(workers=2, worker_type="thread", periodic=False,
                                    check_worker_health=False)
    consumer.start()
    try:
        started = time.monotonic()
        results = [add(n, n) for n in range(10)]
        assert [result.get(blocking=True, timeout=10) for result in results] == [2 * n for n in range(10)]
        # Woken by NOTIFY at both ends, not by a 5 s read timeout or a polling result wait.
        assert time.monotonic() - started < 3
        assert huey.storage.result_store_size() == 0, "each result was deleted when read"
    finally:
        consumer.stop(graceful=True)
        huey.storage.drop_tables()
        huey.storage.close()

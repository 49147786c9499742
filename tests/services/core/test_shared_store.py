"""The shared store keeps redis-py's promises on both backends: Redis, and PostgreSQL where there is no Redis."""

from __future__ import annotations

import time
from collections.abc import Iterator

import psycopg
import pytest
import redis
import sqlalchemy as sa

from studyteddy_desktop.services.core.postgres_shared_store import TABLE, PostgresSharedStore
from studyteddy_desktop.services.core.shared_store import SHARED_STORE_ERRORS, SharedStore, open_shared_store
from tests.scratch_database import empty_database

UNREACHABLE_DATABASE = "postgresql+psycopg://nobody@/studyteddy?host=%2Fnonexistent%2Fstudyteddy-tests"


@pytest.fixture(scope="module")
def store_database_url(engine: sa.Engine) -> Iterator[str]:
    """A scratch database, so the store's table never lands in the shared one."""
    with empty_database(engine, "sharedstore") as url:
        yield url.render_as_string(hide_password=False)


@pytest.fixture(params=["redis", "postgres"])
def store(request, store_database_url: str, session_redis_url: str) -> Iterator[SharedStore]:
    made = open_shared_store(session_redis_url if request.param == "redis" else None, store_database_url)
    prefix = f"test:{request.node.name}:"
    yield made
    # Keys carry the test's name; what a test left behind is gone before the next one.
    made.delete(*(prefix + suffix for suffix in ("a", "b", "n", "flag", "hostile'); DROP TABLE x; --")))
    made.close()


def key(request, suffix: str) -> str:
    return f"test:{request.node.name}:{suffix}"


def test_a_value_reads_back_as_bytes_and_is_gone_once_deleted(store, request):
    assert store.get(key(request, "a")) is None
    assert store.set(key(request, "a"), "grün ✎") is True
    assert store.get(key(request, "a")) == "grün ✎".encode()
    assert store.exists(key(request, "a"), key(request, "b")) == 1
    assert store.delete(key(request, "a"), key(request, "b")) == 1
    assert store.get(key(request, "a")) is None and store.exists(key(request, "a")) == 0


def test_nx_stores_only_the_first_value(store, request):
    assert store.set(key(request, "flag"), b"1", nx=True, ex=60)
    assert store.set(key(request, "flag"), b"2", nx=True, ex=60) is None
    assert store.get(key(request, "flag")) == b"1"


def test_an_expired_entry_reads_as_absent_and_nx_may_take_its_place(store, request):
    store.set(key(request, "a"), b"old", ex=1)
    time.sleep(1.3)
    assert store.get(key(request, "a")) is None and store.exists(key(request, "a")) == 0
    assert store.set(key(request, "a"), b"new", nx=True, ex=60)
    assert store.get(key(request, "a")) == b"new"


def test_incr_counts_from_zero_and_reads_back_as_an_integer(store, request):
    assert [store.incr(key(request, "n")) for _ in range(3)] == [1, 2, 3]
    assert store.incr(key(request, "n"), 10) == 13
    assert int(store.get(key(request, "n"))) == 13


def test_hostile_keys_and_a_large_value_are_plain_data(store, request):
    hostile = key(request, "hostile'); DROP TABLE x; --")
    large = bytes(range(256)) * 4096  # 1 MiB of every byte value, NUL included
    assert store.set(hostile, large)
    assert store.get(hostile) == large
    assert store.ping()


def test_an_empty_value_is_a_value(store, request):
    store.set(key(request, "a"), b"")
    assert store.get(key(request, "a")) == b"" and store.exists(key(request, "a")) == 1


def test_an_unreachable_database_raises_an_error_callers_expect():
    store = PostgresSharedStore(UNREACHABLE_DATABASE, timeout_s=1)
    with pytest.raises(SHARED_STORE_ERRORS):
        store.get("anything")
    store.close()


def test_a_dropped_connection_is_replaced_on_the_next_call(store_database_url):
    store = PostgresSharedStore(store_database_url)
    store.set("test:reconnect", b"kept", ex=60)
    with psycopg.connect(PostgresSharedStore(store_database_url)._conninfo, autocommit=True) as admin:
        admin.execute("SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                      "WHERE datname = current_database() AND pid <> pg_backend_pid()")
    # The first call after the server dropped us may fail, as a Redis call would; the next one works.
    try:
        store.get("test:reconnect")
    except SHARED_STORE_ERRORS:
        pass
    assert store.get("test:reconnect") == b"kept"
    store.delete("test:reconnect")
    store.close()


def test_expired_rows_are_pruned_as_new_ones_arrive(store_database_url):
    store = PostgresSharedStore(store_database_url)
    for n in range(5):
        store.set(f"test:prune:{n}", b"x", ex=1)
    time.sleep(1.3)
    for n in range(101):
        store.set(f"test:prune:fresh:{n}", b"y", ex=60)
    with psycopg.connect(store._conninfo, autocommit=True) as admin:
        left = admin.execute(f"SELECT count(*) FROM {TABLE} WHERE key LIKE 'test:prune:%%' "
                             "AND expires_at <= now()").fetchone()[0]
    assert left == 0
    store.delete(*(f"test:prune:fresh:{n}" for n in range(101)))
    store.close()


def test_the_redis_door_gives_a_redis_client(session_redis_url, store_database_url):
    client = open_shared_store(session_redis_url, store_database_url)
    assert isinstance(client, redis.Redis)
    client.close()


def test_a_backup_leaves_out_the_work_in_flight_and_a_restore_leaves_it_running(engine, tmp_path):
    """The queue's tables are not the student's data: not in a dump, and not dropped by a restore."""
    from studyteddy_desktop.services.backups.postgres_dump import PostgresTools
    from tests.scratch_database import migrated_database

    with migrated_database(engine, "transient", poolclass=sa.NullPool) as fresh:
        url = fresh.url.render_as_string(hide_password=False)
        store = PostgresSharedStore(url)
        store.set("test:in-flight", b"1", ex=600)
        tools = PostgresTools.for_url(url)
        tools.dump(tmp_path / "database.dump")
        script = tools.decode(tmp_path / "database.dump", tmp_path)
        assert "shared_store" not in script.read_text() and "studyteddy_transient" not in script.read_text()
        tools.apply(script)
        # Same connection as before the restore: the table it uses was never dropped.
        assert store.get("test:in-flight") == b"1"
        store.close()

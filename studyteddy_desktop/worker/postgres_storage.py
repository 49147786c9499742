"""A huey storage on PostgreSQL that never polls: SKIP LOCKED to take a job, LISTEN/NOTIFY to wait for one.

For a machine with no bundled Redis (Windows): the queue, schedule, results and counters live in
PostgreSQL tables that the storage creates itself (`CREATE TABLE IF NOT EXISTS`) in the transient
schema (services/core/transient_schema.py, which backups leave out) under a prefix
named after the huey name. They are not part of the app's schema and need no migration: they hold
only work in flight, never the student's data, so nothing has to carry them across versions, and a
queue that created its own tables works against any database the worker can reach.

The queue and schedule tables are ordinary (logged) tables: a queued job survives a crash of the
computer. Results and keys are UNLOGGED: each has one reader waiting a few minutes at most, and a
result lost with a crash only means a caller that was already gone.

An idle consumer makes no queries: it LISTENs on the queue's channel and sleeps in
`conn.notifies(timeout=...)` until an enqueue NOTIFYs it or huey's read timeout passes. A caller
waiting on a result LISTENs the same way, where huey's default would poll the storage.
"""

from __future__ import annotations

import hashlib
import re
import threading
import time
from contextlib import contextmanager

import psycopg
from huey.constants import EmptyData
from huey.storage import BaseStorage

from studyteddy_desktop.services.core.postgres_event_channel import libpq_conninfo
from studyteddy_desktop.services.core.transient_schema import TRANSIENT_SCHEMA, create_transient_schema

# pg_notify refuses a channel name longer than this many bytes.
_CHANNEL_LIMIT = 63
def _channel(name: str) -> str:
    if len(name.encode("utf-8")) <= _CHANNEL_LIMIT:
        return name
    return "huey_" + hashlib.md5(name.encode("utf-8")).hexdigest()


def _text(key: str | bytes) -> str:
    return key.decode("utf-8") if isinstance(key, bytes) else key


class PostgresStorage(BaseStorage):
    """huey's storage API on PostgreSQL, with priorities, expiring read-once results and no polling.

    `url` is the database; `expire_time` (seconds, or None for never) bounds how long an unread
    result is kept; `notify_result` makes a result wait LISTEN instead of poll.
    """

    blocking = True
    priority = True

    def __init__(self, name: str = "huey", url: str = "", blocking: bool = True, read_timeout: float = 1,
                 expire_time: float | None = None, notify_result: bool = True, **_ignored) -> None:
        super().__init__(name)
        self.conninfo = libpq_conninfo(url)
        self.blocking = blocking
        self.read_timeout = read_timeout
        self.expire_time = expire_time
        self.notify_result = notify_result
        prefix = "huey_" + re.sub("[^A-Za-z0-9_]", "", name).lower()
        self._prefix = prefix
        self._task, self._schedule = f"{TRANSIENT_SCHEMA}.{prefix}_task", f"{TRANSIENT_SCHEMA}.{prefix}_schedule"
        self._kv, self._counter = f"{TRANSIENT_SCHEMA}.{prefix}_kv", f"{TRANSIENT_SCHEMA}.{prefix}_counter"
        self.queue_channel = _channel(f"{prefix}_queue")
        self.result_channel = _channel(f"{prefix}_result")
        self._lock = threading.Lock()
        self._conn: psycopg.Connection | None = None
        # One listening connection per thread: a consumer and a caller waiting on a result never share.
        self._listeners = threading.local()
        # Created on the first connection, not here: a worker builds its queue before PostgreSQL is up.
        self._tables_ready = False

    def _connect(self) -> psycopg.Connection:
        conn = psycopg.connect(self.conninfo, autocommit=True)
        if not self._tables_ready:
            self._create_tables(conn)
            self._tables_ready = True
        return conn

    def _create_tables(self, conn: psycopg.Connection) -> None:
        # Two workers starting together would race on CREATE TABLE IF NOT EXISTS; the lock orders them.
        with conn.transaction():
            conn.execute("SELECT pg_advisory_xact_lock(hashtext(%s))", (self._task,))
            create_transient_schema(conn)
            conn.execute(f"CREATE TABLE IF NOT EXISTS {self._task} (id bigserial PRIMARY KEY, "
                         "data bytea NOT NULL, priority double precision NOT NULL DEFAULT 0)")
            conn.execute(f"CREATE INDEX IF NOT EXISTS {self._prefix}_task_order ON {self._task} (priority DESC, id)")
            conn.execute(f"CREATE TABLE IF NOT EXISTS {self._schedule} (id bigserial PRIMARY KEY, "
                         "data bytea NOT NULL, run_at double precision NOT NULL)")
            conn.execute(f"CREATE INDEX IF NOT EXISTS {self._prefix}_schedule_run_at "
                         f"ON {self._schedule} (run_at, id)")
            conn.execute(f"CREATE UNLOGGED TABLE IF NOT EXISTS {self._kv} (key text PRIMARY KEY, "
                         "value bytea NOT NULL, expires_at timestamptz)")
            conn.execute(f"CREATE UNLOGGED TABLE IF NOT EXISTS {self._counter} (key text PRIMARY KEY, "
                         "value bigint NOT NULL)")

    @contextmanager
    def _cursor(self):
        """The shared connection, opened again if the server dropped it; errors reach huey, which backs off."""
        with self._lock:
            if self._conn is None or self._conn.closed or self._conn.broken:
                self._conn = self._connect()
            with self._conn.cursor() as cursor:
                yield cursor

    def _rows(self, sql: str, params=()) -> list[tuple]:
        with self._cursor() as cursor:
            cursor.execute(sql, params)
            return cursor.fetchall() if cursor.description else []

    def _listener(self, channel: str) -> psycopg.Connection:
        conn = getattr(self._listeners, channel, None)
        if conn is None or conn.closed or conn.broken:
            conn = self._connect()
            conn.execute(f'LISTEN "{channel}"')
            setattr(self._listeners, channel, conn)
            # A new connection may have missed notifications: look before trusting them again.
            self._listeners.queue_empty = False
        return conn

    def close(self) -> bool:
        for channel in (self.queue_channel, self.result_channel):
            conn = getattr(self._listeners, channel, None)
            if conn is not None:
                conn.close()
                setattr(self._listeners, channel, None)
        with self._lock:
            if self._conn is None:
                return False
            self._conn.close()
            self._conn = None
        return True

    # The queue.

    def enqueue(self, data: bytes, priority: float | None = None) -> None:
        with self._cursor() as cursor, cursor.connection.transaction():
            cursor.execute(f"INSERT INTO {self._task} (data, priority) VALUES (%s, %s)",
                           (data, priority or 0))
            # Delivered at commit, so a woken consumer always finds the row.
            cursor.execute("SELECT pg_notify(%s, '')", (self.queue_channel,))

    def _take(self) -> bytes | None:
        rows = self._rows(f"DELETE FROM {self._task} WHERE id = (SELECT id FROM {self._task} "
                          "ORDER BY priority DESC, id FOR UPDATE SKIP LOCKED LIMIT 1) RETURNING data")
        return bytes(rows[0][0]) if rows else None

    def dequeue(self) -> bytes | None:
        if not self.blocking:
            return self._take()
        # LISTEN before looking, so an enqueue between the look and the wait still wakes us; once the
        # queue is seen empty, this thread queries again only when a notification arrives.
        listener = self._listener(self.queue_channel)
        deadline = time.monotonic() + self.read_timeout
        while True:
            if not getattr(self._listeners, "queue_empty", False):
                data = self._take()
                if data is not None:
                    return data
                self._listeners.queue_empty = True
            remaining = deadline - time.monotonic()
            if remaining <= 0 or not list(listener.notifies(timeout=remaining, stop_after=1)):
                return None
            # The job may go to another consumer first: then the queue is seen empty and we wait on.
            self._listeners.queue_empty = False

    def queue_size(self) -> int:
        return self._rows(f"SELECT count(*) FROM {self._task}")[0][0]

    def enqueued_items(self, limit: int | None = None) -> list[bytes]:
        rows = self._rows(f"SELECT data FROM {self._task} ORDER BY priority DESC, id LIMIT %s", (limit,))
        return [bytes(data) for data, in rows]

    def flush_queue(self) -> None:
        self._rows(f"DELETE FROM {self._task}")

    # The schedule.

    def add_to_schedule(self, data: bytes, ts) -> None:
        self._rows(f"INSERT INTO {self._schedule} (data, run_at) VALUES (%s, %s)", (data, _epoch(ts)))

    def read_schedule(self, ts) -> list[bytes]:
        rows = self._rows(f"DELETE FROM {self._schedule} WHERE id IN (SELECT id FROM {self._schedule} "
                          "WHERE run_at <= %s FOR UPDATE SKIP LOCKED) RETURNING run_at, id, data",
                          (_epoch(ts),))
        return [bytes(data) for _run_at, _id, data in sorted(rows, key=lambda row: row[:2])]

    def schedule_size(self) -> int:
        return self._rows(f"SELECT count(*) FROM {self._schedule}")[0][0]

    def scheduled_items(self, limit: int | None = None) -> list[bytes]:
        rows = self._rows(f"SELECT data FROM {self._schedule} ORDER BY run_at, id LIMIT %s", (limit,))
        return [bytes(data) for data, in rows]

    def flush_schedule(self) -> None:
        self._rows(f"DELETE FROM {self._schedule}")

    # Results and keys: a result expires after `expire_time` and is deleted when read; other keys
    # (revocations, locks) stay until deleted.

    _LIVE = "(expires_at IS NULL OR expires_at > now())"

    def put_data(self, key, value: bytes, is_result: bool = False) -> None:
        ttl = self.expire_time if is_result else None
        with self._cursor() as cursor, cursor.connection.transaction():
            # Pruned on write: expired rows cost a reader nothing, as every read skips them.
            cursor.execute(f"DELETE FROM {self._kv} WHERE expires_at <= now()")
            cursor.execute(f"INSERT INTO {self._kv} (key, value, expires_at) VALUES "
                           "(%s, %s, now() + make_interval(secs => %s)) ON CONFLICT (key) DO UPDATE "
                           "SET value = excluded.value, expires_at = excluded.expires_at",
                           (_text(key), value, ttl))
            if is_result and self.notify_result:
                cursor.execute("SELECT pg_notify(%s, %s)", (self.result_channel, _text(key)))

    def peek_data(self, key):
        rows = self._rows(f"SELECT value FROM {self._kv} WHERE key = %s AND {self._LIVE}", (_text(key),))
        return bytes(rows[0][0]) if rows else EmptyData

    def peek_many(self, keys) -> dict:
        texts = {_text(key): key for key in keys}
        rows = self._rows(f"SELECT key, value FROM {self._kv} WHERE key = ANY(%s) AND {self._LIVE}",
                          (list(texts),))
        return {texts[key]: bytes(value) for key, value in rows}

    def pop_data(self, key):
        rows = self._rows(f"DELETE FROM {self._kv} WHERE key = %s RETURNING value, {self._LIVE}",
                          (_text(key),))
        return bytes(rows[0][0]) if rows and rows[0][1] else EmptyData

    def delete_data(self, key) -> bool:
        return bool(self._rows(f"DELETE FROM {self._kv} WHERE key = %s AND {self._LIVE} RETURNING 1",
                               (_text(key),)))

    def has_data_for_key(self, key) -> bool:
        return bool(self._rows(f"SELECT 1 FROM {self._kv} WHERE key = %s AND {self._LIVE}", (_text(key),)))

    def put_if_empty(self, key, value: bytes, ttl: float | None = None) -> bool:
        # An expired row counts as empty: it is replaced in the same statement.
        rows = self._rows(f"INSERT INTO {self._kv} AS kv (key, value, expires_at) VALUES "
                          "(%s, %s, now() + make_interval(secs => %s)) ON CONFLICT (key) DO UPDATE "
                          "SET value = excluded.value, expires_at = excluded.expires_at "
                          "WHERE kv.expires_at <= now() RETURNING 1", (_text(key), value, ttl))
        return bool(rows)

    def wait_result(self, key, timeout=None, backoff=1.15, max_delay=1.0) -> bool:
        if not self.notify_result:
            return super().wait_result(key, timeout, backoff, max_delay)
        key = _text(key)
        listener = self._listener(self.result_channel)
        deadline = None if timeout is None else time.monotonic() + timeout
        while not self.has_data_for_key(key):
            remaining = None if deadline is None else deadline - time.monotonic()
            if remaining is not None and remaining <= 0:
                return False
            # Other callers' results wake us too; only ours ends the wait.
            for notify in listener.notifies(timeout=remaining, stop_after=1):
                if notify.payload == key:
                    return True
        return True

    def result_store_size(self) -> int:
        return self._rows(f"SELECT count(*) FROM {self._kv} WHERE {self._LIVE}")[0][0]

    def result_items(self) -> dict[str, bytes]:
        rows = self._rows(f"SELECT key, value FROM {self._kv} WHERE {self._LIVE}")
        return {key: bytes(value) for key, value in rows}

    def flush_results(self) -> None:
        self._rows(f"DELETE FROM {self._kv}")

    # Counters (huey's chords and rate limits).

    def incr(self, key, amount: int = 1) -> int:
        rows = self._rows(f"INSERT INTO {self._counter} AS c (key, value) VALUES (%s, %s) ON CONFLICT (key) "
                          "DO UPDATE SET value = c.value + excluded.value RETURNING value", (_text(key), amount))
        return rows[0][0]

    def delete_counter(self, key) -> None:
        self._rows(f"DELETE FROM {self._counter} WHERE key = %s", (_text(key),))

    def flush_counters(self) -> None:
        self._rows(f"DELETE FROM {self._counter}")

    def drop_tables(self) -> None:
        """Remove every table this queue created (for tests and for leaving PostgreSQL mode)."""
        self._rows(f"DROP TABLE IF EXISTS {self._task}, {self._schedule}, {self._kv}, {self._counter}")
        # The next connection creates them again.
        self._tables_ready = False
        self.close()


def _epoch(ts) -> float:
    """huey hands naive datetimes (UTC or local, by its `utc` flag); only their order matters here."""
    return time.mktime(ts.timetuple()) + ts.microsecond * 1e-6

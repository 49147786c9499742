"""The shared key-value store on PostgreSQL, for a machine without Redis: one UNLOGGED table with expiry.

UNLOGGED because every entry is a flag or a cache line that lives minutes to hours: a crash of the
computer may empty the table, which costs a recomputed chart at most. Like the worker's event table,
it is created on first use rather than by a migration, as no version needs to carry its rows forward.
Expired rows are never returned and are pruned as new ones are written.
"""

from __future__ import annotations

import threading

import psycopg

from studyteddy_desktop.services.core.postgres_event_channel import close_quietly, libpq_conninfo
from studyteddy_desktop.services.core.transient_schema import TRANSIENT_SCHEMA, create_transient_schema

TABLE = f"{TRANSIENT_SCHEMA}.shared_store"
_LIVE = "(expires_at IS NULL OR expires_at > now())"
# Expired rows are pruned on one write in this many: often enough to stay small, rarely enough to cost nothing.
_PRUNE_EVERY = 100


def _bytes(value: bytes | str | int | float) -> bytes:
    if isinstance(value, bytes):
        return value
    return str(value).encode("utf-8")


class PostgresSharedStore:
    """get / set (with ex and nx) / exists / incr / delete, with redis-py's return values."""

    def __init__(self, database_url: str, *, timeout_s: float = 5) -> None:
        self._conninfo = psycopg.conninfo.make_conninfo(libpq_conninfo(database_url),
                                                        connect_timeout=str(max(1, int(timeout_s))))
        self._timeout_ms = int(timeout_s * 1000)
        self._lock = threading.Lock()
        self._conn: psycopg.Connection | None = None
        self._writes = 0

    def _connection(self) -> psycopg.Connection:
        if self._conn is None or self._conn.closed or self._conn.broken:
            conn = psycopg.connect(self._conninfo, autocommit=True)
            # A statement stuck behind a lock fails like a Redis call that timed out.
            conn.execute(f"SET statement_timeout = {self._timeout_ms}")
            with conn.transaction():
                conn.execute("SELECT pg_advisory_xact_lock(hashtext(%s))", (TABLE,))
                create_transient_schema(conn)
                conn.execute(f"CREATE UNLOGGED TABLE IF NOT EXISTS {TABLE} (key text PRIMARY KEY, "
                             "value bytea NOT NULL, expires_at timestamptz)")
            self._conn = conn
        return self._conn

    def _rows(self, sql: str, params: tuple = ()) -> list[tuple]:
        with self._lock:
            try:
                cursor = self._connection().execute(sql, params)
                return cursor.fetchall() if cursor.description else []
            except (psycopg.OperationalError, OSError):
                # The next call connects again: PostgreSQL may have restarted under us.
                self._drop()
                raise

    def get(self, name: str) -> bytes | None:
        rows = self._rows(f"SELECT value FROM {TABLE} WHERE key = %s AND {_LIVE}", (name,))
        return bytes(rows[0][0]) if rows else None

    def set(self, name: str, value: bytes | str | int, ex: int | None = None, nx: bool = False) -> bool | None:
        """True once stored; None when `nx` and a live entry was already there (as redis-py answers)."""
        self._prune_now_and_then()
        # An expired entry counts as absent, so nx replaces it in the same statement.
        keep_live = f"WHERE {TABLE}.expires_at <= now()" if nx else ""
        rows = self._rows(f"INSERT INTO {TABLE} (key, value, expires_at) VALUES "
                          "(%s, %s, now() + make_interval(secs => %s)) ON CONFLICT (key) DO UPDATE "
                          f"SET value = excluded.value, expires_at = excluded.expires_at {keep_live} "
                          "RETURNING 1", (name, _bytes(value), ex))
        return True if rows else None

    def exists(self, *names: str) -> int:
        rows = self._rows(f"SELECT count(*) FROM {TABLE} WHERE key = ANY(%s) AND {_LIVE}", (list(names),))
        return int(rows[0][0])

    def incr(self, name: str, amount: int = 1) -> int:
        """Add to the integer under `name` (0 when absent or expired), keeping any expiry it has."""
        rows = self._rows(
            f"INSERT INTO {TABLE} AS kv (key, value, expires_at) VALUES (%s, convert_to(%s::text, 'UTF8'), NULL) "
            "ON CONFLICT (key) DO UPDATE SET "
            "value = convert_to((CASE WHEN kv.expires_at <= now() THEN 0 "
            "ELSE convert_from(kv.value, 'UTF8')::bigint END + %s)::text, 'UTF8'), "
            "expires_at = CASE WHEN kv.expires_at <= now() THEN NULL ELSE kv.expires_at END "
            "RETURNING convert_from(value, 'UTF8')::bigint", (name, amount, amount))
        return int(rows[0][0])

    def delete(self, *names: str) -> int:
        rows = self._rows(f"DELETE FROM {TABLE} WHERE key = ANY(%s) RETURNING {_LIVE}", (list(names),))
        return sum(1 for live, in rows if live)

    def ping(self) -> bool:
        self._rows("SELECT 1")
        return True

    def _prune_now_and_then(self) -> None:
        self._writes += 1
        if self._writes % _PRUNE_EVERY == 1:
            self._rows(f"DELETE FROM {TABLE} WHERE expires_at <= now()")

    def _drop(self) -> None:
        close_quietly(self._conn)
        self._conn = None

    def close(self) -> None:
        with self._lock:
            self._drop()

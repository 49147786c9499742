"""Worker events over PostgreSQL, for a machine without Redis: a capped table of events, NOTIFY to wake readers.

The same promises as the Redis stream in event_channel.py: a reader that opens the channel sees
every event added after that moment, even across its own reconnects (it remembers the last id it
read and asks for newer rows), and a slow reader never blocks the worker (rows wait in the table,
not in the reader). NOTIFY carries only the new id; readers SELECT the rows themselves, so a
notification is a wake-up, never the event, and one lost wake-up costs nothing.

The table is created on first use (`CREATE TABLE IF NOT EXISTS`) rather than by a migration: it
holds nothing but the last few minutes of progress ticks, so no version needs to carry it forward.
"""

from __future__ import annotations

import json
import logging
import threading
import time
from dataclasses import asdict
from urllib.parse import parse_qsl, unquote, urlsplit

import psycopg

from studyteddy_desktop.domain.errors import ServiceUnavailableError
from studyteddy_desktop.domain.events import WorkerEvent
from studyteddy_desktop.services.core.transient_schema import TRANSIENT_SCHEMA, create_transient_schema

log = logging.getLogger(__name__)

TABLE = f"{TRANSIENT_SCHEMA}.worker_events"
CHANNEL = "studyteddy_worker_events"
# Enough for a long document's progress and a long answer's tokens; older rows are trimmed.
MAX_EVENTS = 10_000
# Trimming is one DELETE per this many events, so the table holds at most MAX_EVENTS + this.
_TRIM_EVERY = 200
# A reader asks for at most this many rows at a time, so a burst never arrives as one huge result.
_BATCH = 500
# A publisher waits no longer than this for a server that does not answer: a tick is not worth more.
_PUBLISH_CONNECT_TIMEOUT_S = 2
# Any other connect that hangs would stall a worker's loop; libpq gives up after this.
_CONNECT_TIMEOUT_S = 10

_CREATE_SQL = (f"CREATE UNLOGGED TABLE IF NOT EXISTS {TABLE} (id bigserial PRIMARY KEY, "
               "payload text NOT NULL, created_at timestamptz NOT NULL DEFAULT now())")


def libpq_conninfo(url: str) -> str:
    """A libpq connection string for an app database URL (SQLAlchemy's `postgresql+psycopg://` included).

    Parsed rather than passed through: the app writes the socket directory with `quote_plus`, so a
    space is a `+`, which libpq's own URL reader would keep as a plus.
    """
    parts = urlsplit(url)
    params: dict[str, str] = dict(parse_qsl(parts.query))
    if parts.hostname:
        params.setdefault("host", unquote(parts.hostname))
    if parts.port:
        params.setdefault("port", str(parts.port))
    if parts.username:
        params.setdefault("user", unquote(parts.username))
    if parts.password:
        params.setdefault("password", unquote(parts.password))
    if parts.path.strip("/"):
        params.setdefault("dbname", unquote(parts.path.lstrip("/")))
    params.setdefault("connect_timeout", str(_CONNECT_TIMEOUT_S))
    return psycopg.conninfo.make_conninfo(**params)


def close_quietly(conn: psycopg.Connection | None) -> None:
    """Close a connection that may already be broken: its server being gone is why we close it."""
    if conn is None:
        return
    try:
        conn.close()
    except (psycopg.Error, OSError):
        pass


def _connect(url: str, *, connect_timeout: float | None = None) -> psycopg.Connection:
    conninfo = libpq_conninfo(url)
    if connect_timeout is not None:
        conninfo = psycopg.conninfo.make_conninfo(conninfo, connect_timeout=str(int(connect_timeout)))
    conn = psycopg.connect(conninfo, autocommit=True)
    # Two processes creating the table at once would race; the advisory lock orders them.
    with conn.transaction():
        conn.execute("SELECT pg_advisory_xact_lock(hashtext(%s))", (TABLE,))
        create_transient_schema(conn)
        conn.execute(_CREATE_SQL)
    return conn


class PostgresEventPublisher:
    """Appends worker events; a lost event only costs a progress tick, the database stays the truth."""

    def __init__(self, url: str, *, max_events: int = MAX_EVENTS) -> None:
        self._url = url
        self._max_events = max_events
        self._conn: psycopg.Connection | None = None
        self._lock = threading.Lock()
        self._losing = False

    def publish(self, event: WorkerEvent) -> None:
        """Append the event, or log that events are being lost; never raises for PostgreSQL, so no job
        or answer stops because its listeners cannot hear it."""
        try:
            with self._lock:
                self._append(json.dumps(asdict(event)))
        except (psycopg.Error, OSError) as error:
            self._drop_connection()
            # Once per outage: an answer streams dozens of events a second.
            if not self._losing:
                log.warning("Worker events are being lost: PostgreSQL did not take a %s event (%s)",
                            event.kind, error)
            self._losing = True
            return
        if self._losing:
            log.info("Worker events reach PostgreSQL again")
            self._losing = False

    def _append(self, payload: str) -> None:
        if self._conn is None or self._conn.closed or self._conn.broken:
            self._conn = _connect(self._url, connect_timeout=_PUBLISH_CONNECT_TIMEOUT_S)
        with self._conn.transaction():
            # Ids are handed out and committed in one order, or a reader past id 6 would never see a
            # slower publisher's 5.
            self._conn.execute("SELECT pg_advisory_xact_lock(hashtext(%s))", (CHANNEL,))
            (new_id,) = self._conn.execute(f"INSERT INTO {TABLE} (payload) VALUES (%s) RETURNING id",
                                           (payload,)).fetchone()
            # Sent at commit, when a woken reader can already see the row.
            self._conn.execute("SELECT pg_notify(%s, %s)", (CHANNEL, str(new_id)))
            if new_id % _TRIM_EVERY == 0:
                self._conn.execute(f"DELETE FROM {TABLE} WHERE id <= %s", (new_id - self._max_events,))

    def _drop_connection(self) -> None:
        with self._lock:
            close_quietly(self._conn)
            self._conn = None

    def close(self) -> None:
        self._drop_connection()


class PostgresEventSubscription:
    """Reads the events added after it was opened; used by the UI listener thread and by the CLI."""

    def __init__(self, url: str) -> None:
        self._url = url
        self._pending: list[WorkerEvent] = []
        # Whether rows may wait that we have not read: after a wake-up, a reconnect, or a full batch.
        # A quiet channel is then never queried, however often the UI asks for the next event.
        self._unread = False
        self._conn = self._listen()
        try:
            self._last_id: int = self._conn.execute(f"SELECT coalesce(max(id), 0) FROM {TABLE}").fetchone()[0]
        except (psycopg.Error, OSError) as error:
            raise ServiceUnavailableError(f"Cannot listen to the worker: {error}") from error

    def _listen(self) -> psycopg.Connection:
        try:
            return self._listening_connection()
        except (psycopg.Error, OSError) as error:
            raise ServiceUnavailableError(f"Cannot listen to the worker: {error}") from error

    def _listening_connection(self) -> psycopg.Connection:
        # A wake-up that arrives while we run a SELECT waits in psycopg's backlog (3.2 and later) and
        # is the first thing the next notifies() yields, so none is lost between two waits.
        conn = _connect(self._url)
        conn.execute(f'LISTEN "{CHANNEL}"')
        return conn

    def next_event(self, timeout: float) -> WorkerEvent | None:
        """The next event, or None after `timeout`; ServiceUnavailableError when PostgreSQL goes away."""
        deadline = time.monotonic() + timeout
        try:
            while not self._pending:
                if self._unread:
                    self._read_newer()
                    continue
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    break
                if not list(self._conn.notifies(timeout=remaining, stop_after=1)):
                    break
                self._unread = True
        except (psycopg.Error, OSError) as error:
            # A dropped connection, or a table someone removed: one fresh start recreates both.
            self._reconnect(error)
        return self._pending.pop(0) if self._pending else None

    def _read_newer(self) -> None:
        if self._pending:
            return
        self._unread = False
        rows = self._conn.execute(f"SELECT id, payload FROM {TABLE} WHERE id > %s ORDER BY id LIMIT %s",
                                  (self._last_id, _BATCH)).fetchall()
        if len(rows) == _BATCH:
            self._unread = True
        for row_id, payload in rows:
            self._last_id = row_id
            self._pending.append(WorkerEvent.from_json(payload))

    def _reconnect(self, error: Exception) -> None:
        """One fresh connection from where we were; the rows we have not read are still in the table."""
        close_quietly(self._conn)
        try:
            self._conn = self._listening_connection()
            self._read_newer()
        except (psycopg.Error, OSError) as second:
            raise ServiceUnavailableError(f"The worker event channel was interrupted: {error}") from second

    def close(self) -> None:
        close_quietly(self._conn)


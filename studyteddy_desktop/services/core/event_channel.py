"""Progress and streamed output travel from the worker to the UI over a capped Redis stream.

A stream rather than pub/sub: a reader that opens the channel sees every event added after
that moment, even across its own reconnects, and a slow reader never blocks the worker. Where
no Redis is bundled, postgres_event_channel.py keeps the same promises; the two `open_` doors
below pick one, so the worker, the UI and the CLI never ask which.
"""

from __future__ import annotations

import json
import logging
import time
from dataclasses import asdict
from typing import Protocol

import redis

from studyteddy_desktop.domain.errors import ServiceUnavailableError
from studyteddy_desktop.domain.events import WorkerEvent

log = logging.getLogger(__name__)

STREAM = "studyteddy:events"
# Enough for a long document's progress and a long answer's tokens; older entries are trimmed.
_MAX_EVENTS = 10_000
# A read that waits longer than the socket allows would look like Redis gone; long waits loop instead.
_SOCKET_TIMEOUT_S = 5
_LONGEST_BLOCK_S = 3.0


class WorkerEventPublisher(Protocol):
    def publish(self, event: WorkerEvent) -> None: ...

    def close(self) -> None: ...


class WorkerEventSubscription(Protocol):
    def next_event(self, timeout: float) -> WorkerEvent | None: ...

    def close(self) -> None: ...


class EventPublisher:
    """Appends worker events; a lost event only costs a progress tick, the database stays the truth."""

    def __init__(self, client: redis.Redis) -> None:
        self._client = client
        self._losing = False

    def close(self) -> None:
        self._client.close()

    def publish(self, event: WorkerEvent) -> None:
        """Append the event, or log that events are being lost; never raises for Redis, so no job or
        answer stops because its listeners cannot hear it."""
        try:
            self._client.xadd(STREAM, {"event": json.dumps(asdict(event))}, maxlen=_MAX_EVENTS,
                              approximate=True)
        except (redis.RedisError, OSError) as error:
            # Once per outage: an answer streams dozens of events a second.
            if not self._losing:
                log.warning("Worker events are being lost: Redis did not take a %s event (%s)", event.kind, error)
            self._losing = True
            return
        if self._losing:
            log.info("Worker events reach Redis again")
            self._losing = False


class EventSubscription:
    """Reads the events added after it was opened; used by the UI listener thread and by the CLI."""

    def __init__(self, client: redis.Redis) -> None:
        self._client = client
        try:
            newest = client.xrevrange(STREAM, count=1)
        except (redis.RedisError, OSError) as error:
            raise ServiceUnavailableError(f"Cannot listen to the worker: {error}") from error
        self._last_id: bytes | str = newest[0][0] if newest else "0-0"
        self._pending: list[WorkerEvent] = []

    def next_event(self, timeout: float) -> WorkerEvent | None:
        """The next event, or None after `timeout`; ServiceUnavailableError when Redis goes away."""
        deadline = time.monotonic() + timeout
        while not self._pending:
            remaining = deadline - time.monotonic()
            # Each wait stays inside the socket's timeout, which tells a quiet channel from a dead Redis.
            block_s = min(max(remaining, 0.001), _LONGEST_BLOCK_S)
            try:
                batches = self._client.xread({STREAM: self._last_id}, count=100, block=int(block_s * 1000) or 1)
            except (redis.RedisError, OSError) as error:
                raise ServiceUnavailableError(f"The worker event channel was interrupted: {error}") from error
            self._take(batches)
            if remaining <= _LONGEST_BLOCK_S:
                break
        return self._pending.pop(0) if self._pending else None

    def _take(self, batches) -> None:
        for _stream, entries in batches or ():
            for entry_id, fields in entries:
                self._last_id = entry_id
                raw = fields.get(b"event") or fields.get("event")
                if raw is not None:
                    self._pending.append(WorkerEvent.from_json(raw))

    def close(self) -> None:
        try:
            self._client.close()
        except (redis.RedisError, OSError):
            pass


def open_event_subscription(redis_url: str | None, database_url: str) -> WorkerEventSubscription:
    """The door the UI and the CLI use: the Redis stream, or with no Redis URL the database's channel."""
    if redis_url is None:
        from studyteddy_desktop.services.core.postgres_event_channel import PostgresEventSubscription

        return PostgresEventSubscription(database_url)
    return EventSubscription(redis.Redis.from_url(redis_url, socket_timeout=_SOCKET_TIMEOUT_S))


def open_event_publisher(redis_url: str | None, database_url: str) -> WorkerEventPublisher:
    """The worker's door, picked the same way as the readers'."""
    if redis_url is None:
        from studyteddy_desktop.services.core.postgres_event_channel import PostgresEventPublisher

        return PostgresEventPublisher(database_url)
    return EventPublisher(redis.Redis.from_url(redis_url, socket_timeout=_SOCKET_TIMEOUT_S))

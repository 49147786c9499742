"""The `remember(key, ttl, callback)` cache in the shared store, invalidated by a per-student generation."""

from __future__ import annotations

import json
import logging
import uuid
from collections.abc import Callable
from typing import Any

from studyteddy_desktop.services.core.shared_store import SHARED_STORE_ERRORS, SharedStore

log = logging.getLogger(__name__)

_PREFIX = "studyteddy:cache"


class ActivityCache:
    """Caches JSON-able aggregates per student.

    Every mutation of tasks, exams, study sessions or reviews bumps the student's generation;
    keys include it, so stale entries are never read again and simply expire. The store is only
    an accelerator here: when it is unreachable, `remember` computes the value directly.
    """

    def __init__(self, shared_store: SharedStore | None) -> None:
        self.shared_store = shared_store

    def _generation_key(self, user_id: uuid.UUID) -> str:
        return f"{_PREFIX}:generation:{user_id}"

    def generation(self, user_id: uuid.UUID) -> int:
        if self.shared_store is None:
            return 0
        try:
            value = self.shared_store.get(self._generation_key(user_id))
        except SHARED_STORE_ERRORS as error:
            log.warning("Cache generation unreadable, computing without the cache: %s", error)
            return -1
        return int(value or 0)

    def bump(self, user_id: uuid.UUID) -> None:
        """Invalidate everything cached for this student; call after every committed change."""
        if self.shared_store is None:
            return
        try:
            self.shared_store.incr(self._generation_key(user_id))
        except SHARED_STORE_ERRORS as error:
            # Entries expire by TTL anyway; a stale minute is better than a failed save.
            log.warning("Could not invalidate the cache: %s", error)

    def key(self, user_id: uuid.UUID, name: str, *parts: object) -> str | None:
        """A cache key tied to the student's current generation; None when the store is down."""
        generation = self.generation(user_id)
        if generation < 0:
            return None
        return ":".join([_PREFIX, name, str(user_id), str(generation), *map(str, parts)])

    def remember(self, key: str | None, ttl_seconds: int, callback: Callable[[], Any]) -> Any:
        """The cached value under `key`, else `callback()` stored for `ttl_seconds`."""
        if key is None or self.shared_store is None:
            return callback()
        try:
            raw = self.shared_store.get(key)
        except SHARED_STORE_ERRORS as error:
            log.warning("Cache unreadable, computing directly: %s", error)
            return callback()
        if raw is not None:
            return json.loads(raw)
        value = callback()
        try:
            self.shared_store.set(key, json.dumps(value, separators=(",", ":")), ex=ttl_seconds)
        except SHARED_STORE_ERRORS as error:
            log.warning("Could not store a cache entry: %s", error)
        return value

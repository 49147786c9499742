"""The service-side door to the worker event channel, so the UI never touches Redis itself."""

from __future__ import annotations

import redis

from studyteddy_desktop.worker.event_channel import EventSubscription


def open_event_subscription(redis_url: str) -> EventSubscription:
    return EventSubscription(redis.Redis.from_url(redis_url, socket_timeout=5))

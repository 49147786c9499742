"""The worker event channel: a long quiet wait is a quiet channel, not a lost Redis."""

from __future__ import annotations

import time

import pytest

from studyteddy_desktop.domain.errors import ServiceUnavailableError
from studyteddy_desktop.services.core.event_channel import open_event_subscription


def test_a_wait_longer_than_the_socket_timeout_ends_quietly(endpoints):
    subscription = open_event_subscription(endpoints.redis_url)
    try:
        started = time.monotonic()
        assert subscription.next_event(timeout=6.5) is None
        assert 6.0 <= time.monotonic() - started < 12
    finally:
        subscription.close()


def test_redis_gone_is_still_an_error_not_a_quiet_channel():
    with pytest.raises(ServiceUnavailableError):
        subscription = open_event_subscription("unix:///nonexistent/studyteddy-tests/redis.sock")
        subscription.next_event(timeout=1)

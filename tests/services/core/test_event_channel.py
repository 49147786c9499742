"""The worker event channel: a long quiet wait is a quiet channel, not a lost Redis or database."""

from __future__ import annotations

import time

import pytest

from studyteddy_desktop.domain.errors import ServiceUnavailableError
from studyteddy_desktop.services.core.event_channel import open_event_subscription

DEAD_REDIS_URL = "unix:///nonexistent/studyteddy-tests/redis.sock"
DEAD_DATABASE_URL = "postgresql+psycopg://nobody@/studyteddy?host=%2Fnonexistent%2Fst"


def test_a_wait_longer_than_the_socket_timeout_ends_quietly(endpoints):
    subscription = open_event_subscription(endpoints.redis_url, endpoints.database_url)
    try:
        started = time.monotonic()
        assert subscription.next_event(timeout=6.5) is None
        assert 6.0 <= time.monotonic() - started < 12
    finally:
        subscription.close()


# No Redis URL is how a runtime without Redis opens the channel on its database.
@pytest.mark.parametrize("redis_url, database_url", [(DEAD_REDIS_URL, DEAD_DATABASE_URL),
                                                    (None, DEAD_DATABASE_URL)], ids=["redis", "postgres"])
def test_a_channel_whose_server_is_gone_is_an_error_not_a_quiet_channel(redis_url, database_url):
    with pytest.raises(ServiceUnavailableError):
        subscription = open_event_subscription(redis_url, database_url)
        subscription.next_event(timeout=1)

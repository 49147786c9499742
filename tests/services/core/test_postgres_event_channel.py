"""Worker events over PostgreSQL: in order, none missed, capped, and quiet when the server is gone."""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Iterator

import psycopg
import pytest
import sqlalchemy as sa

from studyteddy_desktop.domain.errors import ServiceUnavailableError
from studyteddy_desktop.domain.events import WorkerEvent
from studyteddy_desktop.services.core.event_channel import open_event_subscription
from studyteddy_desktop.services.core.postgres_event_channel import (
    TABLE,
    PostgresEventPublisher,
    libpq_conninfo,
)
from tests.scratch_database import empty_database

UNREACHABLE = "postgresql+psycopg://nobody@/studyteddy?host=%2Fnonexistent%2Fstudyteddy-tests"


@pytest.fixture(scope="module")
def events_url(engine: sa.Engine) -> Iterator[str]:
    """A scratch database, so the events table never lands in the shared one."""
    with empty_database(engine, "pgevents") as url:
        yield url.render_as_string(hide_password=False)


@pytest.fixture()
def publisher(events_url: str) -> Iterator[PostgresEventPublisher]:
    made = PostgresEventPublisher(events_url)
    yield made
    made.close()


def _progress(n: int) -> WorkerEvent:
    return WorkerEvent(kind="progress", job_id="job", progress=n / 1000, message=f"step {n}", data={"n": n})


def _drain(subscription, count: int, timeout: float = 20) -> list[WorkerEvent]:
    deadline = time.monotonic() + timeout
    got: list[WorkerEvent] = []
    while len(got) < count and time.monotonic() < deadline:
        event = subscription.next_event(timeout=1)
        if event is not None:
            got.append(event)
    return got


def test_a_reader_sees_what_came_after_it_opened_in_order(publisher, events_url):
    publisher.publish(_progress(-1))
    subscription = open_event_subscription(None, events_url)
    try:
        for n in range(5):
            publisher.publish(_progress(n))
        assert _drain(subscription, 5) == [_progress(n) for n in range(5)]
        assert subscription.next_event(timeout=0.2) is None
    finally:
        subscription.close()


def test_nothing_is_missed_across_a_burst_read_while_it_is_written(publisher, events_url):
    subscription = open_event_subscription(None, events_url)
    second = PostgresEventPublisher(events_url)
    try:
        # Two publishers at once: ids must still reach the reader in an order it can follow.
        writers = [threading.Thread(target=lambda start=start, who=who: [who.publish(_progress(n))
                                                                         for n in range(start, 1000, 2)])
                   for start, who in ((0, publisher), (1, second))]
        for writer in writers:
            writer.start()
        got = _drain(subscription, 1000, timeout=60)
        for writer in writers:
            writer.join(timeout=60)
        assert sorted(event.data["n"] for event in got) == list(range(1000))
        assert [e.data["n"] for e in got if e.data["n"] % 2 == 0] == list(range(0, 1000, 2))
    finally:
        second.close()
        subscription.close()


def test_a_quiet_channel_returns_none_after_the_timeout(events_url):
    subscription = open_event_subscription(None, events_url)
    try:
        started = time.monotonic()
        assert subscription.next_event(timeout=1.5) is None
        assert 1.4 <= time.monotonic() - started < 3
    finally:
        subscription.close()


def test_a_reader_whose_connection_drops_still_gets_every_event(publisher, events_url):
    subscription = open_event_subscription(None, events_url)
    try:
        publisher.publish(_progress(1))
        assert subscription.next_event(timeout=5) == _progress(1)
        with psycopg.connect(libpq_conninfo(events_url), autocommit=True) as admin:
            admin.execute("SELECT pg_terminate_backend(%s)", (subscription._conn.info.backend_pid,))
        for n in (2, 3, 4):
            publisher.publish(_progress(n))
        assert _drain(subscription, 3) == [_progress(2), _progress(3), _progress(4)]
    finally:
        subscription.close()


def test_the_table_keeps_only_the_newest_events(events_url):
    capped = PostgresEventPublisher(events_url, max_events=300)
    try:
        for n in range(1000):
            capped.publish(_progress(n))
        with psycopg.connect(libpq_conninfo(events_url)) as conn:
            kept, newest = conn.execute(f"SELECT count(*), max(id) FROM {TABLE}").fetchone()
            oldest_payload = conn.execute(f"SELECT payload FROM {TABLE} ORDER BY id LIMIT 1").fetchone()[0]
        assert 300 <= kept <= 300 + 200
        assert WorkerEvent.from_json(oldest_payload).data["n"] >= 1000 - kept
        assert newest is not None
    finally:
        capped.close()


def test_publishing_with_the_server_gone_logs_once_and_never_raises(caplog):
    publisher = PostgresEventPublisher(UNREACHABLE)
    with caplog.at_level(logging.WARNING, logger="studyteddy_desktop.services.core.postgres_event_channel"):
        for n in range(20):
            publisher.publish(_progress(n))
    warnings = [record for record in caplog.records if record.levelno == logging.WARNING]
    assert len(warnings) == 1
    assert "being lost" in warnings[0].getMessage()
    caplog.clear()


def test_listening_with_the_server_gone_is_an_error_not_a_quiet_channel():
    with pytest.raises(ServiceUnavailableError):
        open_event_subscription(None, UNREACHABLE)


def test_a_server_that_goes_away_mid_wait_is_an_error(events_url):
    subscription = open_event_subscription(None, events_url)
    subscription._url = UNREACHABLE  # The reconnect finds no server, as after PostgreSQL stopped.
    with psycopg.connect(libpq_conninfo(events_url), autocommit=True) as admin:
        admin.execute("SELECT pg_terminate_backend(%s)", (subscription._conn.info.backend_pid,))
    with pytest.raises(ServiceUnavailableError):
        subscription.next_event(timeout=2)
    subscription.close()

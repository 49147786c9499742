"""The sync scheduler on real servers: back-off, local changes, live notices, one sync at a time."""

from __future__ import annotations

import pytest
from PySide6.QtCore import QTimer

import tests.sync_server.conftest as server_fixtures
from studyteddy_desktop.domain.events import Changes
from studyteddy_desktop.domain.flashcard_dto import CardDraft
from studyteddy_desktop.domain.sync_dto import SyncState
from studyteddy_desktop.ui.background_op import ChangeOp
from studyteddy_desktop.ui.sync.sync_scheduler import SyncScheduler
from studyteddy_desktop.ui.sync.sync_status_item import SyncStatusItem

QUIET = dict(fallback_ms=3_600_000)


def scheduler_for(qtbot, services, **timings) -> tuple[SyncScheduler, list]:
    statuses: list = []
    scheduler = SyncScheduler(services, **{**QUIET, **timings})
    scheduler.status_changed.connect(statuses.append)
    return scheduler, statuses


@pytest.fixture()
def stop_afterwards():
    schedulers = []
    yield schedulers.append
    for scheduler in schedulers:
        scheduler.stop()


def signed_in(services, student, url, name="laptop"):
    services.sync.sign_in(url, student.login, student.password, name)
    return services


def test_an_unreachable_server_is_tried_again_later_and_later_until_it_answers(
        qtbot, make_device, make_student, endpoints, session_redis_url, tmp_path, monkeypatch, stop_afterwards):
    server = server_fixtures.start_server(tmp_path / "own-server", endpoints, redis_url=session_redis_url)
    port = int(server.url.rsplit(":", 1)[1])
    try:
        services = signed_in(make_device(), make_student(), server.url)
    finally:
        server_fixtures.stop_server(server)
    scheduler, statuses = scheduler_for(qtbot, services, first_backoff_ms=150, max_backoff_ms=600)
    stop_afterwards(scheduler)
    item = SyncStatusItem()
    qtbot.addWidget(item)
    scheduler.status_changed.connect(item.show_status)
    scheduler.start()
    qtbot.waitUntil(lambda: len(scheduler.backoff_history) >= 5, timeout=60_000)
    assert scheduler.backoff_history[:5] == [150, 300, 600, 600, 600]
    qtbot.waitUntil(lambda: bool(statuses) and statuses[-1].state is SyncState.OFFLINE, timeout=10_000)
    assert item.text == "Offline — will retry"

    # The same server comes back on its address: the next retry gets through and the back-off starts over.
    monkeypatch.setattr(server_fixtures, "free_port", lambda: port)
    server = server_fixtures.start_server(tmp_path / "own-server", endpoints, redis_url=session_redis_url)
    try:
        qtbot.waitUntil(lambda: scheduler.backoff_ms is None and statuses[-1].state is SyncState.SYNCED,
                        timeout=60_000)
        assert item.text.startswith("Synced")
    finally:
        scheduler.stop()
        server_fixtures.stop_server(server)


def test_a_local_change_is_sent_a_moment_later_and_another_device_hears_of_it(
        qtbot, make_device, make_student, replicas, stop_afterwards):
    student = make_student()
    laptop = signed_in(make_device("laptop"), student, replicas[0].url, "laptop")
    desktop = signed_in(make_device("desktop"), student, replicas[1].url, "desktop")
    sender, sent = scheduler_for(qtbot, laptop, debounce_ms=300)
    listener, heard = scheduler_for(qtbot, desktop)
    for scheduler in (sender, listener):
        stop_afterwards(scheduler)
        scheduler.start()
    qtbot.waitUntil(lambda: bool(sent and sent[-1].state is SyncState.SYNCED and heard
                                 and heard[-1].state is SyncState.SYNCED), timeout=60_000)
    syncs_before = listener.syncs_started
    qtbot.waitUntil(lambda: not sender.running, timeout=60_000)
    sent_before = sender.syncs_started

    # A write through the UI's own path announces its changes; the scheduler is listening for them.
    ChangeOp.plain(laptop, lambda: laptop.flashcards.create_deck("Chemistry"),
                   changes=Changes(decks=True)).run()
    qtbot.waitUntil(lambda: sender.syncs_started > sent_before and not sender.running
                    and sent[-1].state is SyncState.SYNCED and sent[-1].pending_changes == 0, timeout=60_000)
    # The desktop's only prompt is the server's live notice: its fallback timer is an hour away.
    qtbot.waitUntil(lambda: "Chemistry" in [d.name for d in desktop.flashcards.list_decks()], timeout=60_000)
    assert listener.syncs_started > syncs_before


def test_requests_during_a_sync_queue_exactly_one_more(qtbot, make_device, make_student, replicas,
                                                        stop_afterwards):
    services = make_device()
    deck = services.flashcards.create_deck("Physics")
    for number in range(300):
        services.flashcards.add_card(deck.id, CardDraft(f"Question {number}", f"Answer {number}"))
    signed_in(services, make_student(), replicas[0].url)
    scheduler, statuses = scheduler_for(qtbot, services)
    stop_afterwards(scheduler)
    progress: list = []
    scheduler.progressed.connect(lambda value, with_bar: progress.append((value, with_bar)))
    scheduler.start()
    started_when_first_ended: list[int] = []
    # Read once the first sync's handling is over; a live notice of its push comes later, on its own.
    scheduler.synced.connect(lambda _result: started_when_first_ended or QTimer.singleShot(
        0, lambda: started_when_first_ended.append(scheduler.syncs_started)))
    qtbot.waitUntil(lambda: scheduler.running, timeout=30_000)
    for _ in range(3):
        scheduler.sync_now()
    assert scheduler.syncs_started == 1
    qtbot.waitUntil(lambda: bool(started_when_first_ended), timeout=120_000)
    assert started_when_first_ended == [2]
    qtbot.waitUntil(lambda: not scheduler.running and statuses[-1].state is SyncState.SYNCED, timeout=120_000)
    # The first sync of the session shows its progress bar, the queued one only its text.
    assert progress[0] == (None, True)
    assert any(value is not None and with_bar for value, with_bar in progress)
    assert progress[-1][1] is False


def test_no_account_means_no_sync_and_no_status_item(qtbot, make_device, stop_afterwards):
    scheduler, statuses = scheduler_for(qtbot, make_device())
    stop_afterwards(scheduler)
    scheduler.start()
    qtbot.waitUntil(lambda: bool(statuses), timeout=15_000)
    assert statuses[-1].state is SyncState.LOCAL_ONLY
    scheduler.sync_now()
    qtbot.wait(300)
    assert scheduler.syncs_started == 0

"""Writes announce what they changed, hidden panes wait to be shown, and worker events become changes."""

from __future__ import annotations

import time
import uuid
from collections.abc import Iterator

import pytest
from PySide6.QtWidgets import QWidget

from studyteddy_desktop.assembly import open_services
from studyteddy_desktop.config import Settings
from studyteddy_desktop.domain.errors import InvalidInputError
from studyteddy_desktop.domain.events import Changes, WorkerEvent
from studyteddy_desktop.domain.job_queue import CARD_DRAFTS_JOB_KIND, INDEX_JOB_KIND
from studyteddy_desktop.domain.planner_dto import TaskDraft
from studyteddy_desktop.domain.tutor_dto import EVENT_FINISHED, EVENT_TOKENS
from studyteddy_desktop.services.app_services import AppServices
from studyteddy_desktop.services.core.event_channel import open_event_publisher
from studyteddy_desktop.ui import background_op
from studyteddy_desktop.ui.background_op import ChangeOp
from studyteddy_desktop.ui.change_broadcast import broadcaster_for, changes_of_worker_event
from studyteddy_desktop.ui.panes.planner_pane import PlannerPane
from studyteddy_desktop.ui.panes.tutor_pane import TutorPane
from studyteddy_desktop.ui.planner import operations


@pytest.fixture()
def services(endpoints) -> Iterator[AppServices]:
    services = open_services(endpoints)
    yield services
    services.close()


def _settled(qtbot) -> None:
    qtbot.waitUntil(lambda: not background_op._live_ops, timeout=10_000)
    qtbot.wait(50)  # a broadcast sent twice would arrive by now


def test_a_write_broadcasts_its_changes_once_after_its_success_callback(qtbot, services):
    heard: list[Changes] = []
    broadcaster_for(services).changed.connect(lambda changes: heard.append(changes))
    owner = QWidget()
    qtbot.addWidget(owner)
    heard_by_success: list[list[Changes]] = []
    added = []

    def succeeded(task) -> None:
        added.append(task)
        heard_by_success.append(list(heard))

    title = f"Broadcast {uuid.uuid4().hex[:6]}"
    operations.add_task(parent=owner, services=services, draft=TaskDraft(title=title)).success(succeeded).run()
    qtbot.waitUntil(lambda: bool(heard), timeout=10_000)
    _settled(qtbot)
    services.planner.delete_task(added[0].id)
    assert heard == [Changes(tasks=True)]
    assert heard[0].initiator is owner
    assert heard_by_success == [[]], "the success callback runs before the panes hear of the change"


def test_a_failed_write_broadcasts_nothing(qtbot, services):
    heard: list[Changes] = []
    broadcaster_for(services).changed.connect(lambda changes: heard.append(changes))
    failures: list[BaseException] = []

    def refuse() -> None:
        raise InvalidInputError("No such task.")

    ChangeOp.plain(services, refuse, changes=Changes(tasks=True)).failure(failures.append).run()
    qtbot.waitUntil(lambda: bool(failures), timeout=10_000)
    _settled(qtbot)
    assert isinstance(failures[0], InvalidInputError)
    assert heard == []


def test_a_hidden_pane_stays_dirty_and_refreshes_once_when_shown(qtbot, services, session_data_dir):
    pane = PlannerPane(services, Settings(data_dir=session_data_dir))
    qtbot.addWidget(pane)
    _settled(qtbot)  # the first load, made when the pane is built
    reloads: list[str] = []
    pane.reload = lambda: reloads.append("tasks")
    pane.exam_panel.reload = lambda: reloads.append("exams")
    broadcaster = broadcaster_for(services)

    broadcaster.broadcast(Changes(tasks=True))
    broadcaster.broadcast(Changes(sessions=True))
    broadcaster.broadcast(Changes(documents=True))  # not shown in the planner
    assert reloads == [] and pane.subscription.dirty
    assert pane.subscription.pending == Changes(tasks=True, sessions=True)

    pane.show()
    assert reloads == ["tasks", "exams"] and not pane.subscription.dirty
    pane.hide()
    pane.show()
    assert reloads == ["tasks", "exams"], "a second showing has nothing left to refresh"
    broadcaster.broadcast(Changes(exams=True))  # while shown: at once, and only what changed
    assert reloads == ["tasks", "exams", "exams"]


def test_worker_events_become_changes_values():
    document_id = str(uuid.uuid4())
    indexed = WorkerEvent("job.done", job_id="1", data={"kind": INDEX_JOB_KIND, "document_id": document_id})
    assert changes_of_worker_event(indexed) == Changes(documents=True, jobs=True)
    assert changes_of_worker_event(indexed).from_worker
    refused = WorkerEvent("job.failed", job_id="1", data={"kind": INDEX_JOB_KIND, "document_id": document_id})
    assert changes_of_worker_event(refused).documents
    drafted = WorkerEvent("job.done", job_id="2", data={"kind": CARD_DRAFTS_JOB_KIND})
    assert changes_of_worker_event(drafted) == Changes(jobs=True)
    answered = WorkerEvent(EVENT_FINISHED, data={"interaction_id": str(uuid.uuid4()), "status": "done"})
    assert changes_of_worker_event(answered) == Changes(threads=True)
    # Progress and streamed text are for those who follow the worker; they change nothing yet.
    assert not changes_of_worker_event(WorkerEvent("job.progress", progress=0.5, data={"kind": INDEX_JOB_KIND}))
    assert not changes_of_worker_event(WorkerEvent(EVENT_TOKENS, data={"text": "Quen"}))


def test_the_broadcaster_hands_on_the_raw_event_first_then_what_it_changed(qtbot, services):
    broadcaster = broadcaster_for(services)
    heard: list[object] = []
    broadcaster.worker_event.connect(lambda event: heard.append(event))
    broadcaster.changed.connect(lambda changes: heard.append(changes))
    event = WorkerEvent("job.done", job_id="3", data={"kind": INDEX_JOB_KIND, "document_id": str(uuid.uuid4())})
    broadcaster.deliver_worker_event(event)
    broadcaster.deliver_worker_event(WorkerEvent(EVENT_TOKENS, data={"text": "Quen"}))
    assert heard[0] is event
    assert heard[1] == Changes(documents=True, jobs=True) and heard[1].initiator is event
    assert len(heard) == 3 and isinstance(heard[2], WorkerEvent), "tokens reach followers, and no change"


def test_a_finished_index_job_reaches_the_hidden_tutor_as_a_documents_change(qtbot, started_window, endpoints):
    window, controller = started_window
    tutor = next(widget for widget in window._pane_widgets if isinstance(widget, TutorPane))
    assert not tutor.isVisible()
    _settled(qtbot)
    refreshed: list[str] = []
    tutor.refresh_documents = lambda: refreshed.append("documents")
    heard: list[Changes] = []
    broadcaster_for(controller.services).changed.connect(
        lambda changes: heard.append(changes) if changes.documents else None)
    publisher = open_event_publisher(endpoints.redis_url, endpoints.database_url)
    event = WorkerEvent("job.done", job_id=str(uuid.uuid4()),
                        data={"kind": INDEX_JOB_KIND, "document_id": str(uuid.uuid4())})
    # The listener opens its stream on its own thread; an event sent before that would go unseen.
    deadline = time.monotonic() + 30
    try:
        while not heard and time.monotonic() < deadline:
            publisher.publish(event)
            qtbot.wait(300)
    finally:
        publisher.close()
    assert heard and heard[0].from_worker
    assert refreshed == [] and tutor.subscription.pending.documents
    window.go_to_pane(window._pane_widgets.index(tutor))
    assert refreshed == ["documents"]
    window.go_to_pane(0)
    window.go_to_pane(window._pane_widgets.index(tutor))
    assert refreshed == ["documents"]

"""One broadcaster per app for what changed, after Anki's `operation_did_execute`, and the panes' ear on it."""

from __future__ import annotations

import weakref
from collections.abc import Callable

from PySide6.QtCore import QEvent, QObject, Signal
from PySide6.QtWidgets import QWidget

from studyteddy_desktop.domain.events import Changes, WorkerEvent
from studyteddy_desktop.domain.job_queue import DIGEST_JOB_KIND, INDEX_JOB_KIND
from studyteddy_desktop.domain.tutor_dto import EVENT_FINISHED

JOB_STARTED, JOB_PROGRESS, JOB_DONE, JOB_FAILED = "job.started", "job.progress", "job.done", "job.failed"

_broadcasters: weakref.WeakKeyDictionary[object, ChangeBroadcaster] = weakref.WeakKeyDictionary()


class ChangeBroadcaster(QObject):
    """`changed(Changes)` after every successful write and every finished job; `worker_event(WorkerEvent)`
    for those who follow the worker as it goes (streamed tokens, progress bars, a drafting job)."""

    changed = Signal(object)
    worker_event = Signal(object)

    def broadcast(self, changes: Changes) -> None:
        if changes:
            self.changed.emit(changes)

    def deliver_worker_event(self, event: WorkerEvent) -> None:
        """The one way in for worker events: raw to the followers first, then what it changed."""
        self.worker_event.emit(event)
        self.broadcast(changes_of_worker_event(event))


def broadcaster_for(services: object) -> ChangeBroadcaster:
    """The broadcaster shared by everything built on these services; made on first use, on the GUI thread."""
    broadcaster = _broadcasters.get(services)
    if broadcaster is None:
        broadcaster = ChangeBroadcaster()
        _broadcasters[services] = broadcaster
    return broadcaster


def changes_of_worker_event(event: WorkerEvent) -> Changes:
    """What a worker event means for the screens; progress and streamed tokens change nothing yet."""
    if event.kind in (JOB_DONE, JOB_FAILED):
        if event.data.get("kind") in (INDEX_JOB_KIND, DIGEST_JOB_KIND):
            return Changes(documents=True, jobs=True, initiator=event)
        return Changes(jobs=True, initiator=event)
    if event.kind == JOB_STARTED:
        return Changes(jobs=True, initiator=event)
    if event.kind == EVENT_FINISHED:
        return Changes(threads=True, initiator=event)
    return Changes()


class ChangeSubscription(QObject):
    """Hands `refresh` the changes `accepts` lets through: at once while the widget shows; while it is
    hidden they are gathered into one, refreshed once when it is next shown (Anki's overview does so)."""

    def __init__(self, widget: QWidget, services: object, refresh: Callable[[Changes], None], *,
                 accepts: Callable[[Changes], bool]) -> None:
        super().__init__(widget)
        self._widget = widget
        self._refresh = refresh
        self._accepts = accepts
        self.pending: Changes | None = None
        broadcaster_for(services).changed.connect(self.deliver)
        widget.installEventFilter(self)

    @property
    def dirty(self) -> bool:
        return self.pending is not None

    def deliver(self, changes: Changes) -> None:
        if not self._accepts(changes):
            return
        if self._widget.isVisible():
            self._refresh(changes)
        else:
            self.pending = changes if self.pending is None else self.pending | changes

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if watched is self._widget and event.type() == QEvent.Type.Show and self.pending is not None:
            pending, self.pending = self.pending, None
            self._refresh(pending)
        return False

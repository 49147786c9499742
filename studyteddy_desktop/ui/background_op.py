"""Run blocking work off the Qt main thread (reads and writes); callbacks come back on the main thread."""

from __future__ import annotations

import logging
import traceback
import weakref
from collections.abc import Callable
from typing import Any, Generic, TypeVar

from PySide6.QtCore import QObject, QRunnable, QThreadPool, Signal, Slot

from studyteddy_desktop.domain.errors import StudyTeddyError
from studyteddy_desktop.domain.events import Changes
from studyteddy_desktop.ui.change_broadcast import broadcaster_for

log = logging.getLogger(__name__)

T = TypeVar("T")
ProgressFn = Callable[[str, float], None]

# Ops still running must not be garbage collected with their signal bridge.
_live_ops: set[BackgroundOp[Any]] = set()


class _Bridge(QObject):
    succeeded = Signal(object)
    failed = Signal(object, str)
    progressed = Signal(str, float)


class _Runnable(QRunnable):
    def __init__(self, work: Callable[[ProgressFn], Any], bridge: _Bridge) -> None:
        super().__init__()
        self.setAutoDelete(True)
        self._work = work
        self._bridge = bridge

    def run(self) -> None:
        try:
            result = self._work(self._bridge.progressed.emit)
        except BaseException as error:  # report everything; the main thread decides
            self._deliver(self._bridge.failed, error, traceback.format_exc())
        else:
            self._deliver(self._bridge.succeeded, result)

    @staticmethod
    def _deliver(signal, *args) -> None:
        try:
            signal.emit(*args)
        except RuntimeError:
            # The widget that asked was closed meanwhile and took the bridge with it: nobody waits.
            log.debug("Background work finished after its widget was closed")


class BackgroundOp(Generic[T]):
    """A unit of background work, shaped after Anki's QueryOp (for reads): `.success()`, `.failure()`, `.run()`.

    `work` takes a progress function `(label, fraction)`; pass `with_progress()` a receiver for it.
    """

    def __init__(self, work: Callable[[ProgressFn], T], *, parent: QObject | None = None) -> None:
        self._work = work
        self._bridge = _Bridge(parent)
        self._on_success: Callable[[T], None] = lambda _result: None
        self._on_failure: Callable[[BaseException], None] | None = None
        self._bridge.succeeded.connect(self._succeeded)
        self._bridge.failed.connect(self._failed)
        # A closed widget takes the bridge with it and no result can arrive: let the op go then.
        # Only a weak reference, so the connection itself does not keep the op alive.
        op = weakref.ref(self)
        self._bridge.destroyed.connect(lambda *_: _discard(op))

    @classmethod
    def plain(cls, work: Callable[[], T], *, parent: QObject | None = None) -> BackgroundOp[T]:
        """For work that reports no progress."""
        return cls(lambda _progress: work(), parent=parent)

    def success(self, callback: Callable[[T], None]) -> BackgroundOp[T]:
        self._on_success = callback
        return self

    def failure(self, callback: Callable[[BaseException], None]) -> BackgroundOp[T]:
        self._on_failure = callback
        return self

    def with_progress(self, receiver: ProgressFn) -> BackgroundOp[T]:
        self._bridge.progressed.connect(receiver)
        return self

    def run(self, pool: QThreadPool | None = None) -> None:
        _live_ops.add(self)
        (pool or QThreadPool.globalInstance()).start(_Runnable(self._work, self._bridge))

    @Slot(object)
    def _succeeded(self, result: T) -> None:
        _live_ops.discard(self)
        self._on_success(result)

    @Slot(object, str)
    def _failed(self, error: BaseException, formatted: str) -> None:
        _live_ops.discard(self)
        if self._on_failure is None:
            log.error("Background work failed:\n%s", formatted)
            return
        if not _is_known_error(error):
            log.error("Background work failed:\n%s", formatted)
        self._on_failure(error)


class ChangeOp(BackgroundOp[T]):
    """A write, after Anki's CollectionOp: once `.success()` has run, it broadcasts `changes` to every
    pane on these services; a failure broadcasts nothing. The changes carry `initiator` (the parent
    unless given), so a screen can tell its own changes from others'."""

    def __init__(self, services: object, work: Callable[[ProgressFn], T], *, changes: Changes,
                 parent: QObject | None = None, initiator: object = None) -> None:
        super().__init__(work, parent=parent)
        self._services = services
        self._changes = changes.by(initiator if initiator is not None else parent)

    @classmethod
    def plain(cls, services: object, work: Callable[[], T], *, changes: Changes,  # type: ignore[override]
              parent: QObject | None = None, initiator: object = None) -> ChangeOp[T]:
        """For a write that reports no progress."""
        return cls(services, lambda _progress: work(), changes=changes, parent=parent, initiator=initiator)

    @Slot(object)
    def _succeeded(self, result: T) -> None:
        try:
            super()._succeeded(result)
        finally:
            broadcaster_for(self._services).broadcast(self._changes)


def _discard(op: weakref.ref[BackgroundOp[Any]]) -> None:
    live = op()
    if live is not None:
        _live_ops.discard(live)


def user_message(error: BaseException) -> str:
    """What to tell the student about a failed operation."""
    if isinstance(error, StudyTeddyError):
        return error.message
    return "Something went wrong; the log has the details."


def _is_known_error(error: BaseException) -> bool:
    return isinstance(error, StudyTeddyError)

"""Run blocking work off the Qt main thread; callbacks come back on the main thread."""

from __future__ import annotations

import logging
import traceback
from collections.abc import Callable
from typing import Any, Generic, TypeVar

from PySide6.QtCore import QObject, QRunnable, QThreadPool, Signal, Slot

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
    """A unit of background work, shaped after Anki's QueryOp: `.success()`, `.failure()`, `.run()`.

    `work` takes a progress function `(label, fraction)`; pass `with_progress()` a receiver for it.
    """

    def __init__(self, work: Callable[[ProgressFn], T], *, parent: QObject | None = None) -> None:
        self._work = work
        self._bridge = _Bridge(parent)
        self._on_success: Callable[[T], None] = lambda _result: None
        self._on_failure: Callable[[BaseException], None] | None = None
        self._bridge.succeeded.connect(self._succeeded)
        self._bridge.failed.connect(self._failed)

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


def _is_known_error(error: BaseException) -> bool:
    from studyteddy_desktop.domain.errors import StudyTeddyError

    return isinstance(error, StudyTeddyError)

"""Background work off the main thread: results come back while the widget lives, and no op is kept for good."""

from __future__ import annotations

import threading

import shiboken6
from PySide6.QtCore import QCoreApplication, QEvent, QThreadPool
from PySide6.QtWidgets import QWidget

from studyteddy_desktop.ui import background_op
from studyteddy_desktop.ui.background_op import BackgroundOp


def _blocked_op(widget: QWidget, release: threading.Event, results: list) -> BackgroundOp[str]:
    def work() -> str:
        assert release.wait(timeout=10)
        return "done"

    return BackgroundOp.plain(work, parent=widget).success(results.append)


def test_an_op_whose_widget_is_closed_first_is_let_go(qtbot):
    widget, release, results, pool = QWidget(), threading.Event(), [], QThreadPool()
    op = _blocked_op(widget, release, results)
    op.run(pool)
    assert op in background_op._live_ops
    widget.deleteLater()
    QCoreApplication.sendPostedEvents(None, QEvent.Type.DeferredDelete)
    assert not shiboken6.isValid(widget)
    release.set()
    assert pool.waitForDone(10_000)
    QCoreApplication.processEvents()
    assert op not in background_op._live_ops
    assert results == []


def test_an_op_whose_widget_lives_delivers_and_is_let_go(qtbot):
    widget, release, results, pool = QWidget(), threading.Event(), [], QThreadPool()
    qtbot.addWidget(widget)
    op = _blocked_op(widget, release, results)
    op.run(pool)
    release.set()
    qtbot.waitUntil(lambda: results == ["done"], timeout=10_000)
    assert op not in background_op._live_ops
    assert pool.waitForDone(10_000)

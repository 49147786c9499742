"""The window's worker watchdog: a worker killed under the app is replaced, and one that will not run is named."""

from __future__ import annotations

import os
import signal

from studyteddy_desktop.runtime.worker_watch import WorkerWatch
from studyteddy_desktop.ui.worker_watchdog import WorkerWatchdog
from tests.worker_support import session_worker


def test_a_worker_killed_under_the_window_is_started_again_and_the_window_says_so(qtbot, started_window,
                                                                                   endpoints):
    window, controller = started_window
    worker = session_worker(endpoints)
    worker.ensure_running()
    killed = worker.running_pid()
    controller._watchdog._timer.setInterval(200)
    try:
        with qtbot.waitSignal(controller.worker_restarted, timeout=60_000) as restarted:
            os.kill(killed, signal.SIGKILL)
        assert worker.running_pid() not in (None, killed)
        assert "started again" in restarted.args[0]
        assert "started again" in window.statusBar().currentMessage()
    finally:
        worker.stop()


def test_a_worker_that_keeps_dying_is_given_up_on_with_a_reason(qtbot, endpoints):
    # Not started, and no restarts left: exactly where a worker that dies at every start ends up.
    watchdog = WorkerWatchdog(WorkerWatch(session_worker(endpoints), max_restarts=0), interval_ms=50)
    with qtbot.waitSignal(watchdog.gave_up, timeout=10_000) as gave_up:
        watchdog.start()
    assert "could not be started again" in gave_up.args[0] and "worker.log" in gave_up.args[0]
    assert not watchdog._timer.isActive()
    watchdog.stop()

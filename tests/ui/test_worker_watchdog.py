"""The window's watchdog: a worker or bundled server killed under it is replaced; one that will not run is named."""

from __future__ import annotations

import os
import signal

import pytest

from studyteddy_desktop.assembly import open_services
from studyteddy_desktop.config import Settings
from studyteddy_desktop.runtime.bundled_redis import BundledRedis
from studyteddy_desktop.runtime.paths import DataPaths
from studyteddy_desktop.runtime.process_identity import wait_for_exit
from studyteddy_desktop.runtime.service_runtime import ServiceRuntime
from studyteddy_desktop.runtime.service_watch import ServiceWatch
from studyteddy_desktop.runtime.worker_watch import WorkerWatch
from studyteddy_desktop.ui.app_controller import AppController
from studyteddy_desktop.ui.application import connect_window
from studyteddy_desktop.ui.main_window import MainWindow
from studyteddy_desktop.ui.worker_watchdog import WorkerWatchdog
from tests.runtime.processes import wait_until_gone
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


def test_a_redis_killed_under_the_window_is_started_again_and_the_window_names_it(qtbot, tmp_path):
    # A window on servers of its own: the session's must not be killed.
    data_dir = tmp_path / "data"
    settings = Settings(data_dir=data_dir)
    if not settings.uses_bundled_redis:
        pytest.skip("the queue runs on PostgreSQL: the window starts no Redis to kill")
    window = MainWindow(settings)
    qtbot.addWidget(window)
    controller = AppController(settings, open_services)
    connect_window(window, controller)
    window.show()
    try:
        with qtbot.waitSignal(controller.ready, timeout=120_000):
            controller.start()
        redis = BundledRedis(DataPaths(data_dir))
        killed = redis.running_pid()
        assert killed is not None
        controller._watchdog._timer.setInterval(200)
        with qtbot.waitSignal(controller.worker_restarted, timeout=60_000) as restarted:
            os.kill(killed, signal.SIGKILL)
        assert restarted.args[0].startswith("Redis") and "had stopped" in restarted.args[0]
        assert "started again" in window.statusBar().currentMessage()
        assert redis.running_pid() not in (None, killed)
        assert redis.client().ping()
    finally:
        controller.shutdown()
    assert wait_until_gone(data_dir) == []


def test_a_server_that_keeps_dying_is_given_up_on_with_its_name_and_log(qtbot, tmp_path):
    runtime = ServiceRuntime(Settings(data_dir=tmp_path / "data"), with_worker=False)
    runtime.start()
    try:
        assert runtime.postgres is not None and runtime.endpoints is not None
        # Redis where the queue runs on it; without Redis, the one server there is.
        server = runtime.redis or runtime.postgres
        name, log_name = ("Redis", "redis.log") if runtime.redis else ("PostgreSQL", "server.log")
        killed = server.running_pid()
        os.kill(killed, signal.SIGKILL)
        assert wait_for_exit(killed, 10)
        # The servers are checked first, so this worker is never started: no tries left for the server.
        worker = session_worker(runtime.endpoints)
        watch = WorkerWatch(worker, services=ServiceWatch.of(runtime, max_restarts=0))
        watchdog = WorkerWatchdog(watch, interval_ms=50)
        with qtbot.waitSignal(watchdog.gave_up, timeout=10_000) as gave_up:
            watchdog.start()
        assert gave_up.args[0].startswith(f"{name} stopped and could not be started again")
        assert log_name in gave_up.args[0]
        assert not watchdog._timer.isActive()
        assert server.running_pid() is None and worker.running_pid() is None
        watchdog.stop()
    finally:
        runtime.stop()

"""Starting and stopping the worker process that runs the huey consumer."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time

from studyteddy_desktop.domain.errors import ServiceStartError
from studyteddy_desktop.runtime.app_instances import is_locked
from studyteddy_desktop.runtime.log_tail import log_tail
from studyteddy_desktop.runtime.paths import DataPaths
from studyteddy_desktop.runtime.private_files import PRIVATE_UMASK, open_private
from studyteddy_desktop.runtime.process_identity import process_matches, read_pid, wait_for_exit
from studyteddy_desktop.runtime.worker_endpoints import ENDPOINTS_FD_OPTION, send_endpoints

_WORKER_MODULE = "studyteddy_desktop.worker"
_START_TIMEOUT_S = 30


class WorkerProcess:
    """One worker per data directory; it holds run/worker.lock for as long as it lives."""

    def __init__(self, paths: DataPaths, *, database_url: str, redis_url: str | None,
                 stop_servers_when_orphaned: bool) -> None:
        self.paths = paths
        self.database_url = database_url
        self.redis_url = redis_url
        self.stop_servers_when_orphaned = stop_servers_when_orphaned
        self._child: subprocess.Popen[bytes] | None = None

    def running_pid(self) -> int | None:
        if not is_locked(self.paths.worker_lock):
            return None
        pid = read_pid(self.paths.worker_pid)
        if process_matches(pid, cmdline_marker=_WORKER_MODULE):
            return pid
        return None

    def ensure_running(self) -> bool:
        """Start the worker unless one runs; True when this call started it."""
        deadline = time.monotonic() + _START_TIMEOUT_S
        while self.running_pid() is None:
            self._spawn()
            assert self._child is not None
            while self.running_pid() is None:
                exit_code = self._child.poll()
                if exit_code == 0:
                    # It found the lock taken: by a worker that was just exiting (spawn again),
                    # or by one another app launched at the same moment (then it runs now).
                    self._child = None
                    break
                if exit_code is not None or time.monotonic() > deadline:
                    raise ServiceStartError(
                        "The Study Teddy worker would not start"
                        + (f" (exit code {exit_code})." if exit_code is not None else " in time."),
                        details=log_tail(self.paths.worker_log))
                time.sleep(0.02)
            else:
                return True
            if time.monotonic() > deadline:
                raise ServiceStartError("The Study Teddy worker would not start in time.",
                                        details=log_tail(self.paths.worker_log))
            time.sleep(0.05)
        return False

    def _spawn(self) -> None:
        read_end, write_end = os.pipe()
        command = [sys.executable, "-m", _WORKER_MODULE, "--data-dir", str(self.paths.root),
                   ENDPOINTS_FD_OPTION, str(read_end)]
        if self.stop_servers_when_orphaned:
            command.append("--stop-servers-when-orphaned")
        try:
            with open_private(self.paths.worker_log) as log_file:
                # Its own session: a Ctrl+C in the launching terminal must not kill it mid-task.
                self._child = subprocess.Popen(command, stdin=subprocess.DEVNULL, stdout=log_file,
                                               stderr=subprocess.STDOUT, start_new_session=True,
                                               pass_fds=(read_end,), umask=PRIVATE_UMASK)
        except BaseException:
            os.close(write_end)
            raise
        finally:
            os.close(read_end)
        try:
            send_endpoints(write_end, database_url=self.database_url, redis_url=self.redis_url)
        except BrokenPipeError:
            pass  # it died at once; ensure_running reports its exit code and log.

    def stop(self, timeout: float = 5.0) -> None:
        pid = self.running_pid()
        if pid is not None:
            os.kill(pid, signal.SIGTERM)
            if not wait_for_exit(pid, timeout) and process_matches(pid, cmdline_marker=_WORKER_MODULE):
                os.kill(pid, signal.SIGKILL)
                wait_for_exit(pid, 2.0)
        if self._child is not None:
            try:
                self._child.wait(timeout=1.0)
            except subprocess.TimeoutExpired:
                pass
            self._child = None

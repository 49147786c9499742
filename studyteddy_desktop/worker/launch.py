"""The worker's first steps: claim the data directory's worker lock before any heavy import.

The app waits only for the lock, so the worker's imports overlap with the database starting.
"""

from __future__ import annotations

import argparse
import fcntl
import logging
import os
from pathlib import Path

from studyteddy_desktop.runtime.paths import DataPaths
from studyteddy_desktop.runtime.worker_endpoints import ENDPOINTS_FD_OPTION, receive_endpoints

log = logging.getLogger("studyteddy.worker")


def _parse(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="studyteddy-worker")
    parser.add_argument("--data-dir", required=True)
    # The URLs come through a pipe: an external database's password must not show in `ps`.
    parser.add_argument(ENDPOINTS_FD_OPTION, dest="endpoints_fd", type=int, required=True)
    # Two indexing jobs may run while the student asks the tutor something and the app pings.
    parser.add_argument("--threads", type=int, default=4)
    parser.add_argument("--stop-servers-when-orphaned", action="store_true")
    args = parser.parse_args(argv)
    args.database_url, args.redis_url = receive_endpoints(args.endpoints_fd)
    return args


def main(argv: list[str] | None = None) -> int:
    args = _parse(argv)
    paths = DataPaths(Path(args.data_dir))
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    logging.getLogger("huey").setLevel(logging.WARNING)

    lock_handle = paths.worker_lock.open("a+b")
    try:
        fcntl.flock(lock_handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        log.info("A worker already serves %s; this one exits", paths.root)
        return 0
    paths.worker_pid.write_text(f"{os.getpid()}\n", encoding="utf-8")
    try:
        from studyteddy_desktop.worker.consumer_process import run_consumer

        run_consumer(args, paths)
    finally:
        paths.worker_pid.unlink(missing_ok=True)
        lock_handle.close()
    return 0

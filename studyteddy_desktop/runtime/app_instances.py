"""Which app processes use a data directory, so the last one out stops the servers."""

from __future__ import annotations

import contextlib
import fcntl
import os
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

from studyteddy_desktop.domain.errors import InstanceConflictError
from studyteddy_desktop.runtime.paths import DataPaths
from studyteddy_desktop.runtime.private_files import open_private


@contextlib.contextmanager
def exclusive_lock(path: Path, *, timeout: float, purpose: str) -> Iterator[None]:
    """Hold an advisory lock on a file; the kernel drops it if the holder dies."""
    handle = open_private(path)
    try:
        deadline = time.monotonic() + timeout
        while True:
            try:
                fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() > deadline:
                    raise InstanceConflictError(
                        f"Another Study Teddy process has been {purpose} for over {timeout:.0f} s "
                        f"on this data directory ({path.parent.parent}). Wait for it, or close it.") from None
                time.sleep(0.05)
        yield
    finally:
        handle.close()


def is_locked(path: Path) -> bool:
    """Whether some live process holds the lock on this file."""
    try:
        handle = open_private(path)
    except OSError:
        return False
    try:
        fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        return True
    finally:
        handle.close()
    return False


class AppInstanceRegistry:
    """Each app process holds a lock on its own file in run/clients/ for as long as it lives."""

    def __init__(self, paths: DataPaths) -> None:
        self.paths = paths
        self._own_handle = None
        self._own_path: Path | None = None

    def register(self) -> None:
        self.paths.clients_dir.mkdir(parents=True, exist_ok=True)
        path = self.paths.clients_dir / f"{os.getpid()}-{uuid.uuid4().hex[:8]}.lock"
        handle = open_private(path)
        fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        self._own_handle, self._own_path = handle, path

    def unregister(self) -> None:
        if self._own_handle is None:
            return
        assert self._own_path is not None
        self._own_path.unlink(missing_ok=True)
        self._own_handle.close()
        self._own_handle = self._own_path = None

    def others_alive(self) -> int:
        """How many other app processes are alive; files left by crashed ones are removed."""
        alive = 0
        for path in self.paths.clients_dir.glob("*.lock"):
            if path == self._own_path:
                continue
            if is_locked(path):
                alive += 1
            else:
                path.unlink(missing_ok=True)
        return alive

"""Telling our own server processes apart from unrelated ones that reuse a pid."""

from __future__ import annotations

import time
from pathlib import Path

import psutil


def read_pid(pid_file: Path) -> int | None:
    """The pid on the first line of a pid file, or None when the file is missing or garbled."""
    try:
        first_line = pid_file.read_text(encoding="utf-8", errors="replace").splitlines()[0]
        return int(first_line.strip())
    except (OSError, IndexError, ValueError):
        return None


def process_matches(pid: int | None, *, executable_dir: Path | None = None,
                    name: str | None = None, cmdline_marker: str | None = None) -> bool:
    """Whether a live process is the one we expect: same program, and our data path in its command line."""
    if pid is None or pid <= 0:
        return False
    try:
        process = psutil.Process(pid)
        if process.status() == psutil.STATUS_ZOMBIE:
            return False
        if name is not None and process.name() != name:
            return False
        if executable_dir is not None:
            try:
                exe = Path(process.exe()).resolve()
            except (psutil.AccessDenied, OSError):
                return False
            if executable_dir.resolve() not in exe.parents:
                return False
        if cmdline_marker is not None:
            if cmdline_marker not in " ".join(process.cmdline()):
                return False
        return True
    except (psutil.NoSuchProcess, psutil.ZombieProcess, psutil.AccessDenied):
        return False


def wait_for_exit(pid: int, timeout: float) -> bool:
    """Wait for a process to end; True when it is gone. A zombie counts as gone: it has exited
    and only waits for its parent (often init, which may reap slowly) to collect it."""
    deadline = time.monotonic() + timeout
    while True:
        try:
            if psutil.Process(pid).status() == psutil.STATUS_ZOMBIE:
                return True
        except psutil.NoSuchProcess:
            return True
        if time.monotonic() > deadline:
            return False
        time.sleep(0.01)

"""Telling our own server processes apart from unrelated ones that reuse a pid."""

from __future__ import annotations

import enum
import os
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


class Identity(enum.Enum):
    """What a pid file's process is to us."""

    OURS = "ours"
    # Gone, a zombie, or plainly another program: its lock files are stale.
    NOT_OURS = "not ours"
    # Alive, but the system will not show us enough to decide: its lock files must stay.
    UNKNOWN = "cannot tell"


def identify_process(pid: int | None, *, executable_dir: Path | None = None,
                     name: str | None = None, cmdline_marker: str | None = None) -> Identity:
    """Whether a live process is the one we expect: same program, and our data path in its command line.

    A mismatch seen before a refusal settles it as not ours; a refusal before any mismatch leaves
    us unable to tell, and a live server of another user is exactly what that may hide.
    """
    if pid is None or pid <= 0:
        return Identity.NOT_OURS
    try:
        process = psutil.Process(pid)
        if process.status() == psutil.STATUS_ZOMBIE:
            return Identity.NOT_OURS
        if name is not None and process.name() != name:
            return Identity.NOT_OURS
        if executable_dir is not None:
            runs = _executable(process)
            if not runs:
                return Identity.NOT_OURS
            try:
                exe = Path(runs).resolve()
            except OSError:
                return Identity.NOT_OURS
            if executable_dir.resolve() not in exe.parents:
                return Identity.NOT_OURS
        if cmdline_marker is not None:
            if cmdline_marker not in " ".join(process.cmdline()):
                return Identity.NOT_OURS
        return Identity.OURS
    except psutil.ZombieProcess:
        return Identity.NOT_OURS
    except psutil.NoSuchProcess:
        return _alive_but_hidden(pid)
    except psutil.AccessDenied:
        return Identity.UNKNOWN


def _executable(process: psutil.Process) -> str:
    """The file a process runs. Not psutil's exe(): refused the real link, it falls back to the
    command line's first word, which any process can set to our server's path."""
    link = f"/proc/{process.pid}/exe"
    if not os.path.isdir("/proc/self"):
        return process.exe()
    try:
        return os.readlink(link)
    except PermissionError as error:
        raise psutil.AccessDenied(process.pid) from error
    except (FileNotFoundError, ProcessLookupError):
        # Gone (status() says so) or a kernel thread, which runs no file.
        process.status()
        return ""


def _alive_but_hidden(pid: int) -> Identity:
    # /proc may hide other users' processes (hidepid) that still run: a null signal still finds
    # them (refused, or delivered after a race with /proc), and only "no such process" means gone.
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return Identity.NOT_OURS
    except PermissionError:
        pass
    return Identity.UNKNOWN


def process_matches(pid: int | None, *, executable_dir: Path | None = None,
                    name: str | None = None, cmdline_marker: str | None = None) -> bool:
    """Whether a live process is certainly the one we expect (a process we cannot inspect is not)."""
    return identify_process(pid, executable_dir=executable_dir, name=name,
                            cmdline_marker=cmdline_marker) is Identity.OURS


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

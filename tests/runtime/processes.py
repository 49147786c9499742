"""Helpers for runtime tests: launch stand-in app processes and find leftover servers."""

from __future__ import annotations

import json
import subprocess
import sys
import time
from pathlib import Path

import psutil

LAUNCHER = Path(__file__).with_name("launcher_script.py")


def launch(data_dir: Path, *extra: str) -> subprocess.Popen[str]:
    return subprocess.Popen([sys.executable, str(LAUNCHER), str(data_dir), *extra],
                            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            text=True)


def wait_ready(process: subprocess.Popen[str], timeout: float = 90) -> dict:
    deadline = time.monotonic() + timeout
    assert process.stdout is not None
    while time.monotonic() < deadline:
        line = process.stdout.readline()
        if line.startswith("READY "):
            return json.loads(line[len("READY "):])
        if not line and process.poll() is not None:
            raise AssertionError(f"launcher exited {process.returncode}: {process.stderr.read()}")
    raise AssertionError("launcher did not become ready")


def finish(process: subprocess.Popen[str], timeout: float = 60) -> str:
    out, err = process.communicate("", timeout=timeout)
    assert process.returncode == 0, err
    return out


def processes_using(data_dir: Path) -> list[psutil.Process]:
    """Live server or worker processes whose command line or files name this data directory."""
    marker = str(data_dir)
    found = []
    for process in psutil.process_iter(["pid", "name", "cmdline", "exe"]):
        try:
            cmdline = " ".join(process.info["cmdline"] or ())
            if marker in cmdline or _redis_of(process, data_dir):
                if process.status() != psutil.STATUS_ZOMBIE:
                    found.append(process)
        except (psutil.NoSuchProcess, psutil.AccessDenied):
            continue
    return found


def _redis_of(process: psutil.Process, data_dir: Path) -> bool:
    if process.info["name"] != "redis-server":
        return False
    try:
        return Path(process.cwd()).resolve() == (data_dir / "redis").resolve()
    except (psutil.AccessDenied, psutil.NoSuchProcess, OSError):
        return False


def wait_until_gone(data_dir: Path, timeout: float = 15) -> list[psutil.Process]:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        left = processes_using(data_dir)
        if not left:
            return []
        time.sleep(0.2)
    return processes_using(data_dir)

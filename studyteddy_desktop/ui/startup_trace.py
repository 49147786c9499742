"""Optional startup timing on stderr (STUDYTEDDY_TRACE_STARTUP=1), read by benchmarks/startup.py."""

from __future__ import annotations

import os
import sys
import time

TRACE_ENV = "STUDYTEDDY_TRACE_STARTUP"
EXIT_WHEN_READY_ENV = "STUDYTEDDY_EXIT_WHEN_READY"


def tracing() -> bool:
    return os.environ.get(TRACE_ENV) == "1"


def exit_when_ready() -> bool:
    return os.environ.get(EXIT_WHEN_READY_ENV) == "1"


def trace(milestone: str) -> None:
    """Print a milestone with the wall-clock time, so a parent process can subtract its own."""
    if tracing():
        # One write per line: print() writes the newline separately, so two threads' lines could mix.
        sys.stderr.write(f"STARTUP {milestone} {time.time():.6f}\n")
        sys.stderr.flush()

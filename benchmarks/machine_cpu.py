"""The CPU a benchmark ran on, as lscpu names it, and how busy it was: figures mean little without them."""

from __future__ import annotations

import os
import subprocess


def cpu_name() -> str:
    try:
        listing = subprocess.run(["lscpu"], capture_output=True, text=True, check=True).stdout
    except (OSError, subprocess.CalledProcessError):
        return "unknown"
    return next((line.split(":", 1)[1].strip() for line in listing.splitlines()
                 if line.startswith("Model name")), "unknown")


def cpu_line() -> str:
    return f"CPU: {cpu_name()} ({os.cpu_count()} logical cores); {load_line()}"


def load_line() -> str:
    """The 1-minute load average: above the core count, other work shared the CPU with the benchmark."""
    return f"load average {os.getloadavg()[0]:.1f}"

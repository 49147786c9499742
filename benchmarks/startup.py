"""Startup and quit times of the real app, against a bare PySide6 window measured in the same run.

Run: .venv/bin/python benchmarks/startup.py [--runs 5]
Uses the offscreen Qt platform unless DISPLAY is set.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import psutil

BARE_WINDOW = """
import sys, time
from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication, QMainWindow
app = QApplication([])
window = QMainWindow()
window.setWindowTitle("bare")
window.show()
QTimer.singleShot(0, lambda: (print(f"STARTUP window-shown {time.time():.6f}", file=sys.stderr, flush=True),
                              app.quit()))
app.exec()
"""


def _environment() -> dict[str, str]:
    env = dict(os.environ)
    if not env.get("DISPLAY"):
        env["QT_QPA_PLATFORM"] = "offscreen"
    env["STUDYTEDDY_TRACE_STARTUP"] = "1"
    env["STUDYTEDDY_EXIT_WHEN_READY"] = "1"
    for variable in ("STUDYTEDDY_DATABASE_URL", "STUDYTEDDY_REDIS_URL", "STUDYTEDDY_DATA_DIR"):
        env.pop(variable, None)
    return env


def _run(command: list[str]) -> dict[str, float]:
    """Milestones in seconds since the process was spawned, plus its exit."""
    spawned = time.time()
    result = subprocess.run(command, capture_output=True, text=True, env=_environment(), timeout=180)
    exited = time.time()
    if result.returncode != 0:
        raise SystemExit(f"{command} failed ({result.returncode}):\n{result.stderr[-3000:]}")
    milestones = {"exit": exited - spawned}
    for line in result.stderr.splitlines():
        if line.startswith("STARTUP "):
            _, name, stamp = line.split()
            milestones[name] = float(stamp) - spawned
    return milestones


def _leftovers(data_dir: Path) -> list[str]:
    found = []
    for process in psutil.process_iter(["pid", "name", "cmdline"]):
        try:
            if str(data_dir) in " ".join(process.info["cmdline"] or ()):
                found.append(f"{process.info['pid']} {process.info['name']}")
        except (psutil.NoSuchProcess, psutil.AccessDenied):
            continue
    return found


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    app = [sys.executable, "-m", "studyteddy_desktop"]

    bare = [_run([sys.executable, "-c", BARE_WINDOW])["window-shown"] for _ in range(args.runs)]
    bare_s = statistics.median(bare)

    first_launch, warm_window, warm_ready, quits = [], [], [], []
    leftovers: list[str] = []
    with tempfile.TemporaryDirectory(prefix="studyteddy-bench-") as scratch:
        for run in range(max(1, args.runs // 2)):
            data_dir = Path(scratch) / f"first-{run}"
            first_launch.append(_run([*app, "--data-dir", str(data_dir)])["services-healthy"])
            leftovers += _leftovers(data_dir)
        data_dir = Path(scratch) / "first-0"
        for _ in range(args.runs):
            milestones = _run([*app, "--data-dir", str(data_dir)])
            warm_window.append(milestones["window-shown"])
            warm_ready.append(milestones["services-healthy"])
            quits.append(milestones["exit"] - milestones["quit-requested"])
            time.sleep(0.2)
            leftovers += _leftovers(data_dir)

    def row(label: str, values: list[float], target: float | None) -> None:
        median, worst = statistics.median(values), max(values)
        verdict = "" if target is None else ("  ok" if median < target else "  OVER TARGET")
        target_text = "" if target is None else f"  target < {target:.1f} s"
        print(f"{label:<34} median {median:6.3f} s  max {worst:6.3f} s  "
              f"x{median / bare_s:6.1f} of bare window{target_text}{verdict}")

    print(f"cores: {os.cpu_count()}, runs: {args.runs}, platform: {_environment()['QT_QPA_PLATFORM'] if 'QT_QPA_PLATFORM' in _environment() else 'display'}")
    row("bare PySide6 window on screen", bare, None)
    row("warm start: main window on screen", warm_window, 1.0)
    row("warm start: all services healthy", warm_ready, 3.0)
    row("first launch: initdb + migrations", first_launch, 10.0)
    row("quit to process exit", quits, 3.0)
    print(f"processes left behind after quit: {len(leftovers)}" + (f" {leftovers}" if leftovers else ""))


if __name__ == "__main__":
    main()

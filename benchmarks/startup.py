"""Startup and quit times of the real app, against a bare PySide6 window measured in the same run.

Run: .venv/bin/python benchmarks/startup.py [--runs 5] [--frozen dist/studyteddy/studyteddy]
Uses the offscreen Qt platform unless DISPLAY is set. With --frozen, the installed (PyInstaller) build
is measured in the same run, side by side with the venv, each against the same bare window.
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


def _measure(app: list[str], runs: int) -> dict[str, list[float]]:
    """First launches into new data folders, then warm starts of one of them."""
    first_launch, warm_window, warm_ready, quits = [], [], [], []
    leftovers: list[str] = []
    with tempfile.TemporaryDirectory(prefix="studyteddy-bench-") as scratch:
        for run in range(max(1, runs // 2)):
            data_dir = Path(scratch) / f"first-{run}"
            first_launch.append(_run([*app, "--data-dir", str(data_dir)])["services-healthy"])
            leftovers += _leftovers(data_dir)
        data_dir = Path(scratch) / "first-0"
        for _ in range(runs):
            milestones = _run([*app, "--data-dir", str(data_dir)])
            warm_window.append(milestones["window-shown"])
            warm_ready.append(milestones["services-healthy"])
            quits.append(milestones["exit"] - milestones["quit-requested"])
            time.sleep(0.2)
            leftovers += _leftovers(data_dir)
    return {"warm start: main window on screen": warm_window, "warm start: all services healthy": warm_ready,
            "first launch: initdb + migrations": first_launch, "quit to process exit": quits,
            "leftovers": leftovers}


_TARGETS = {"warm start: main window on screen": 1.0, "warm start: all services healthy": 3.0,
            "first launch: initdb + migrations": 10.0, "quit to process exit": 3.0}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--frozen", type=Path, help="the frozen build's executable, measured beside the venv")
    args = parser.parse_args()
    builds = {"venv": [sys.executable, "-m", "studyteddy_desktop"]}
    if args.frozen is not None:
        builds["frozen"] = [str(args.frozen.resolve())]

    bare = [_run([sys.executable, "-c", BARE_WINDOW])["window-shown"] for _ in range(args.runs)]
    bare_s = statistics.median(bare)
    results = {name: _measure(app, args.runs) for name, app in builds.items()}

    def row(label: str, values: list[float], target: float | None) -> None:
        median, worst = statistics.median(values), max(values)
        verdict = "" if target is None else ("  ok" if median < target else "  OVER TARGET")
        target_text = "" if target is None else f"  target < {target:.1f} s"
        print(f"{label:<44} median {median:6.3f} s  max {worst:6.3f} s  "
              f"x{median / bare_s:6.1f} of bare window{target_text}{verdict}")

    platform_name = _environment().get("QT_QPA_PLATFORM", "display")
    print(f"cores: {os.cpu_count()}, runs: {args.runs}, platform: {platform_name}")
    row("bare PySide6 window on screen", bare, None)
    for label, target in _TARGETS.items():
        for name, measured in results.items():
            row(f"{name}: {label}", measured[label], target)
        if len(results) == 2:
            venv, frozen = (statistics.median(results[name][label]) for name in ("venv", "frozen"))
            print(f"{'':<44} frozen / venv = {frozen / venv:.2f}")
    for name, measured in results.items():
        leftovers = measured["leftovers"]
        print(f"{name}: processes left behind after quit: {len(leftovers)}" + (f" {leftovers}" if leftovers else ""))


if __name__ == "__main__":
    main()

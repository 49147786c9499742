"""The real app, run through an answer, reviews and an import, quits cleanly twenty times in a row."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import DATA_DIR_NAME

REPO_ROOT = Path(__file__).resolve().parents[2]
RUNS = 20
# The first run is a long session: a big import's progress events, each emitted through Qt
# signals, as many as an afternoon of answers and imports brings. The others keep to a few.
LONG_SESSION_EVENTS = 5000
SHORT_SESSION_EVENTS = 200
RUN_TIMEOUT_S = 300
# Signals emitted and widget calls made from Python, as the app makes them in a long session.
BUSY_APP = """
from PySide6.QtCore import QObject, Signal
from PySide6.QtWidgets import QWidget
from studyteddy_desktop.ui.application import create_application

class Ticker(QObject):
    ticked = Signal(object)

app = create_application()
ticker, widget = Ticker(), QWidget()
ticker.ticked.connect(lambda _value: None)
for number in range(20_000):
    ticker.ticked.emit(number)
    widget.setVisible(False)
"""


def _clean_environment() -> dict[str, str]:
    environment = dict(os.environ, QT_QPA_PLATFORM="offscreen", HF_HUB_OFFLINE="1", PYTHONFAULTHANDLER="1")
    for variable in ("STUDYTEDDY_DATABASE_URL", "STUDYTEDDY_REDIS_URL", "STUDYTEDDY_DATA_DIR"):
        environment.pop(variable, None)
    return environment


def test_a_busy_app_leaves_the_interpreter_able_to_finalise():
    finished = subprocess.run([sys.executable, "-c", BUSY_APP], cwd=REPO_ROOT, env=_clean_environment(),
                              capture_output=True, text=True, timeout=120)
    assert "Fatal Python error" not in finished.stderr, finished.stderr
    assert finished.returncode == 0, finished.stderr


def _run_app(data_dir: Path, worker_events: int) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "tests.ui.quit_driver", "--data-dir", str(data_dir),
         "--worker-events", str(worker_events)],
        cwd=REPO_ROOT, env=_clean_environment(), capture_output=True, text=True, timeout=RUN_TIMEOUT_S)


@pytest.mark.timeout(RUNS * RUN_TIMEOUT_S)
def test_the_app_quits_cleanly_twenty_times_in_a_row(tmp_path):
    # One data folder for all runs, as a student's: only the first run creates the database.
    data_dir = tmp_path / DATA_DIR_NAME
    for run in range(1, RUNS + 1):
        finished = _run_app(data_dir, LONG_SESSION_EVENTS if run == 1 else SHORT_SESSION_EVENTS)
        report = f"run {run}, exit code {finished.returncode}:\n{finished.stderr[-4000:]}"
        assert "Fatal Python error" not in finished.stderr, report
        assert "Traceback" not in finished.stderr, report
        assert finished.returncode == 0, report
        assert "quit-driver: imported" in finished.stderr, report

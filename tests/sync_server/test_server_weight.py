"""The server never loads the desktop's weight: no Qt, no torch, no llama.cpp, no model files."""

from __future__ import annotations

import subprocess
import sys

DESKTOP_ONLY = ("PySide6", "torch", "llama_cpp", "sentence_transformers", "openvino", "pypdf", "fsrs")


def test_the_server_and_its_worker_import_nothing_of_the_desktop_only_packages():
    probe = ("import sys; import sync_server.cli, sync_server.api.app, sync_server.jobs, sync_server.backends; "
             "sync_server.api.app.create_app; "
             f"print(sorted(name for name in {DESKTOP_ONLY!r} if name in sys.modules))")
    result = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "[]"

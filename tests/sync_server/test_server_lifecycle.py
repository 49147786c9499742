"""The server as an admin runs it: one line per request with several workers, and a clean stop on SIGTERM."""

from __future__ import annotations

import signal
import subprocess
import sys
import time

import httpx
import psutil

from tests.sync_server.conftest import free_port, start_server, stop_server


def _processes_using(path) -> list[psutil.Process]:
    found = []
    for process in psutil.process_iter(["cmdline"]):
        try:
            if any(str(path) in part for part in process.info["cmdline"] or ()):
                found.append(process)
        except (psutil.NoSuchProcess, psutil.AccessDenied):
            continue
    return found


def test_each_worker_process_logs_one_line_per_request_with_its_id(endpoints, session_redis_url, tmp_path):
    server = start_server(tmp_path / "server", endpoints, redis_url=session_redis_url,
                          extra_args=("--workers", "2"))
    try:
        for _ in range(6):
            httpx.get(server.url + "/healthz", headers={"X-Request-ID": "admin-check-42"}, timeout=10)
    finally:
        stop_server(server)
    output = server.output()
    assert output.count("admin-check-42 GET /healthz 200") == 6, output


def test_sigterm_stops_the_bundled_database_and_redis_too(tmp_path):
    data_dir = tmp_path / "bundled server"
    port = free_port()
    process = subprocess.Popen([sys.executable, "-m", "sync_server", "--data-dir", str(data_dir), "--port", str(port)],
                               stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    try:
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            try:
                if httpx.get(f"http://127.0.0.1:{port}/readyz", timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                time.sleep(0.2)
        else:
            raise AssertionError(process.stdout.read().decode(errors="replace") if process.poll() is not None
                                 else "the bundled server never became ready")
        assert len(_processes_using(data_dir)) >= 2  # the API and at least the bundled PostgreSQL
        process.send_signal(signal.SIGTERM)
        assert process.wait(timeout=60) == 0
    finally:
        if process.poll() is None:
            process.kill()
    deadline = time.monotonic() + 20
    while _processes_using(data_dir) and time.monotonic() < deadline:
        time.sleep(0.2)
    assert _processes_using(data_dir) == []

"""Real sync server processes (uvicorn on 127.0.0.1) on the session's PostgreSQL and Redis, and clients for them."""

from __future__ import annotations

import os
import secrets
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
import threading
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import pytest

from sync_server.core.config import ENV_PREFIX

PROTOCOL = {"Study-Teddy-Protocol": "1"}


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@dataclass
class ServerProcess:
    url: str
    process: subprocess.Popen
    # Drained by a thread as the server writes: an unread pipe fills after a few hundred log lines and
    # the server then blocks on its next one.
    lines: list[str] = field(default_factory=list)

    def output(self) -> str:
        return "".join(self.lines)

    def client(self, token: str | None = None) -> httpx.Client:
        headers = dict(PROTOCOL)
        if token:
            headers["Authorization"] = f"Bearer {token}"
        return httpx.Client(base_url=self.url, headers=headers, timeout=30)


def server_redis_url(endpoints, redis_url: str | None = None) -> str:
    """The Redis a sync server gets: `redis_url` when given, else the endpoints' own (None without Redis)."""
    # The server needs a real Redis even when the desktop's queue runs on PostgreSQL.
    chosen = redis_url or endpoints.redis_url
    assert chosen, ("the desktop's queue runs on PostgreSQL, so the endpoints have no Redis: "
                    "pass redis_url=session_redis_url to the sync server")
    return chosen


def start_server(data_dir: Path, endpoints, *, redis_url: str | None = None, extra_args: tuple[str, ...] = (),
                 env: dict | None = None) -> ServerProcess:
    port = free_port()
    environment = {**os.environ, **(env or {})}
    process = subprocess.Popen(
        [sys.executable, "-m", "sync_server", "--data-dir", str(data_dir), "--database-url", endpoints.database_url,
         "--redis-url", server_redis_url(endpoints, redis_url), "--port", str(port), *extra_args],
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, env=environment)
    server = ServerProcess(f"http://127.0.0.1:{port}", process)

    def drain() -> None:
        for line in process.stdout:
            server.lines.append(line.decode(errors="replace"))

    threading.Thread(target=drain, name=f"server-{port}-output", daemon=True).start()
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if process.poll() is not None:
            time.sleep(0.2)
            raise AssertionError(f"the server exited: {server.output()}")
        try:
            if httpx.get(server.url + "/readyz", timeout=1).status_code == 200:
                return server
        except httpx.HTTPError:
            pass
        time.sleep(0.1)
    process.kill()
    raise AssertionError("the server never became ready")


def stop_server(server: ServerProcess) -> None:
    server.process.terminate()
    try:
        server.process.wait(timeout=15)
    except subprocess.TimeoutExpired:
        server.process.kill()
        server.process.wait(timeout=5)


@pytest.fixture(scope="session")
def server_data_dir(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("sync-server")


@pytest.fixture(scope="session")
def replicas(endpoints, session_redis_url, server_data_dir) -> Iterator[list[ServerProcess]]:
    """Three replicas sharing one database, one Redis and one signing key, on three ports."""
    env = {ENV_PREFIX + "SECRET_KEY": secrets.token_urlsafe(32)}
    servers = [start_server(server_data_dir, endpoints, redis_url=session_redis_url, env=env) for _ in range(3)]
    yield servers
    for server in servers:
        stop_server(server)


@pytest.fixture(scope="session")
def admin_token(replicas, server_data_dir, endpoints, session_redis_url) -> str:
    """The first admin, made as a school's admin would: `studyteddy-server admin create-account`."""
    login = f"admin-{uuid.uuid4().hex[:8]}"
    made = subprocess.run([sys.executable, "-m", "sync_server", "--data-dir", str(server_data_dir),
                           "--database-url", endpoints.database_url, "--redis-url", session_redis_url,
                           "admin", "create-account", login, "--name", "Admin", "--role", "admin"],
                          capture_output=True, text=True, timeout=120)
    assert made.returncode == 0, made.stdout + made.stderr
    password = made.stdout.split("password: ")[1].split()[0]
    with replicas[0].client() as client:
        answer = client.post("/v1/auth/login", json={"login": login, "password": password})
    assert answer.status_code == 200, answer.text
    return answer.json()["access_token"]


@dataclass
class Student:
    login: str
    password: str
    account_id: str


@pytest.fixture()
def make_student(replicas, admin_token):
    def make(password: str = "correct horse battery") -> Student:
        login = f"student-{uuid.uuid4().hex[:10]}"
        with replicas[0].client(admin_token) as client:
            answer = client.post("/v1/admin/accounts", json={"login": login, "display_name": "Ada",
                                                             "password": password})
        assert answer.status_code == 201, answer.text
        return Student(login, password, answer.json()["account"]["id"])

    return make


def sign_in(server: ServerProcess, student: Student, device: str = "laptop") -> dict:
    with server.client() as client:
        answer = client.post("/v1/auth/login", json={"login": student.login, "password": student.password,
                                                     "device_name": device})
    assert answer.status_code == 200, answer.text
    return answer.json()

"""Hundreds of generated sync scenarios: three desktop profiles, two server replicas, cut syncs; all must converge.

Run: .venv/bin/python benchmarks/sync_convergence.py [--scenarios 200] [--seed N]
The full-size run of tests/services/sync/test_convergence.py (the same plans and checks, from
tests/sync_scenarios.py): each scenario signs a new account in on three fresh profiles, runs random
offline work and syncs, some cut off after the server acted, then checks that every profile and the
server hold the same records, every review exists once and every unsent text edit survives.
Bundled PostgreSQL and Redis in a temporary directory; servers on 127.0.0.1 only; stops by itself.
With STUDYTEDDY_QUEUE=postgres the profiles' job queues live in their own databases (tests/sync_devices.py).
"""

from __future__ import annotations

import argparse
import contextlib
import os
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

os.environ["PYTHON_KEYRING_BACKEND"] = "keyring.backends.null.Keyring"
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parent))

import httpx  # noqa: E402
import sqlalchemy as sa  # noqa: E402
from hypothesis import HealthCheck, given, settings  # noqa: E402
from machine_cpu import cpu_line, cpu_name, load_line  # noqa: E402
from sync_client import server_redis, start_server, stop_server  # noqa: E402

from studyteddy_desktop.config import Settings  # noqa: E402
from studyteddy_desktop.runtime.service_runtime import ServiceRuntime  # noqa: E402
from tests.sync_devices import device_template  # noqa: E402
from tests.sync_scenarios import run_scenario, steps  # noqa: E402
from tests.sync_server.conftest import PROTOCOL, Student  # noqa: E402


class AdminSession:
    """The admin's access token, signed in again before its 15 minutes run out."""

    def __init__(self, data_dir: Path, endpoints, redis_url: str, server_url: str) -> None:
        self.login = f"admin-{uuid.uuid4().hex[:6]}"
        made = subprocess.run([sys.executable, "-m", "sync_server", "--data-dir", str(data_dir), "--database-url",
                               endpoints.database_url, "--redis-url", redis_url, "admin", "create-account",
                               self.login, "--name", "Admin", "--role", "admin"],
                              capture_output=True, text=True, timeout=120)
        self.password = made.stdout.split("password: ")[1].split()[0]
        self.server_url = server_url
        self._token, self._since = "", None

    def token(self) -> str:
        if self._since is None or time.monotonic() - self._since > 600:
            answer = httpx.post(self.server_url + "/v1/auth/login", json={"login": self.login,
                                                                          "password": self.password}, timeout=30)
            self._token, self._since = answer.json()["access_token"], time.monotonic()
        return self._token


def new_student(server_url: str, token: str) -> Student:
    login, password = f"student-{uuid.uuid4().hex[:10]}", "correct horse battery"
    answer = httpx.post(server_url + "/v1/admin/accounts", headers={**PROTOCOL, "Authorization": f"Bearer {token}"},
                        json={"login": login, "display_name": "Ada", "password": password}, timeout=30)
    answer.raise_for_status()
    return Student(login, password, answer.json()["account"]["id"])


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scenarios", type=int, default=200)
    parser.add_argument("--seed", type=int, default=None, help="the same seed runs the same plans")
    args = parser.parse_args()
    print(f"Model name: {cpu_name()}")
    print(cpu_line(), flush=True)
    started = time.perf_counter()
    totals = {"scenarios": 0, "steps": 0, "cut syncs": 0, "ratings": 0, "documents": 0}
    with tempfile.TemporaryDirectory(prefix="sync-convergence-") as folder, contextlib.ExitStack() as stack:
        scratch = Path(folder)
        runtime = ServiceRuntime(Settings(data_dir=scratch / "data"), with_worker=False)
        endpoints = runtime.start()
        stack.callback(runtime.stop)
        redis_url, _redis_server = stack.enter_context(server_redis(runtime, scratch / "server-redis"))
        servers = [start_server(scratch / "server", endpoints, redis_url) for _ in range(2)]
        for server in servers:
            stack.callback(stop_server, server)
        admin = AdminSession(scratch / "server", endpoints, redis_url, servers[0].url)
        engine = sa.create_engine(endpoints.database_url, poolclass=sa.pool.NullPool)
        stack.callback(engine.dispose)
        template = stack.enter_context(device_template(engine))

        @settings(max_examples=args.scenarios, deadline=None, database=None, derandomize=args.seed is not None,
                  suppress_health_check=list(HealthCheck))
        @given(plan=steps)
        def scenario(plan) -> None:
            run_dir = Path(tempfile.mkdtemp(dir=scratch))
            try:
                done = run_scenario(engine, endpoints, run_dir, servers, new_student(servers[0].url, admin.token()),
                                    template, plan)
            except Exception as error:
                # The last failing plan is the smallest hypothesis found: shown with the failure.
                failing[:] = [plan, error]
                raise
            totals["scenarios"] += 1
            totals["steps"] += len(plan)
            totals["cut syncs"] += done.cuts
            totals["ratings"] += done.ratings
            totals["documents"] += done.documents
            if totals["scenarios"] % 20 == 0:
                print(f"  {totals['scenarios']} scenarios converged, {time.perf_counter() - started:.0f} s",
                      flush=True)

        failure = None
        failing: list = []
        try:
            scenario()
        except Exception as error:  # noqa: BLE001 — reported below, with the plan hypothesis shrank it to
            failure = error
    seconds = time.perf_counter() - started
    print(", ".join(f"{value:,} {name}" for name, value in totals.items()) + f" in {seconds:.0f} s "
          f"({seconds / max(totals['scenarios'], 1):.1f} s a scenario); {load_line()}")
    if failure is not None:
        print(f"A scenario did not converge: {failure!r}")
        if failing:
            print(f"Smallest failing plan: {failing[0]}\nIts failure: {failing[1]!r}")
        return 1
    print(f"All {totals['scenarios']} scenarios converged: same records on three profiles and the server, "
          "every review once, every unsent text edit kept.")
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""A long schemathesis run (all phases, default checks) against a sync server on a fresh bundled runtime.

    .venv/bin/python benchmarks/openapi_fuzz.py [--max-examples 100] [--max-time 600]

Runs the `schemathesis run` command twice, as a student (every operation but the admin's) and as an
admin (the admin's), each with the Study-Teddy-Protocol header, and prints the operations, the cases
run, the failures by check and the CPU. Loopback only; it stops the server and the runtime itself.
When schemathesis imports this file as its hooks module (SCHEMATHESIS_HOOKS), it keeps the run signed in.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import secrets
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections import Counter
from pathlib import Path

import httpx
import schemathesis

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from benchmarks.machine_cpu import cpu_name  # noqa: E402

PROTOCOL_HEADER = "Study-Teddy-Protocol"
ACCOUNT_ENV = "OPENAPI_FUZZ_ACCOUNT"
# Streams until the client goes away, so a generated request to it would never return.
STREAMING_PATH = "/v1/sync/events"
SESSION_ENDING_METHODS = {"POST", "PUT", "DELETE"}
# The same as tests/sync_server/test_openapi_conformance.py's CHECKS_CONFIG, with the same reasons: a
# missing or unsupported protocol header is refused with 426 "update needed"; no schema can say that a
# roster needs its CSV columns or that a blob's bytes must hash to its name.
CHECKS_CONFIG = """
[checks.negative_data_rejection]
expected-statuses = ["400", "401", "403", "404", "405", "406", "409", "413", "415", "422", "426", "428", "429", "5xx"]
[checks.missing_required_header]
expected-statuses = ["400", "401", "403", "406", "415", "422", "426"]
[[operations]]
include-path = "/v1/admin/accounts/import"
checks.positive_data_acceptance.enabled = false
[[operations]]
include-path = "/v1/blobs/{sha256}"
checks.positive_data_acceptance.enabled = false
[[operations]]
include-path = "/v1/sync/push"
checks.positive_data_acceptance.expected-statuses = ["2xx", "401", "403", "404", "409", "413", "422", "429"]
"""


class KeptSignIn:
    """The fuzzed account's token; a fuzzed call may sign it out or disable it, then a new account signs in."""

    def __init__(self, settings: dict) -> None:
        self.settings = settings
        self.token: str | None = None
        self.renewals = 0

    def current(self) -> str:
        if self.token is None:
            self.token = self._sign_in_new_account()
        return self.token

    def check_still_signed_in(self) -> None:
        answer = httpx.get(self.settings["url"] + "/v1/account", timeout=30,
                           headers={"Authorization": f"Bearer {self.current()}", "Study-Teddy-Protocol": "1"})
        if answer.status_code == 401:
            self.token = None
            self.renewals += 1

    def _sign_in_new_account(self) -> str:
        import redis

        # The run's own login attempts use up the login rate limits of this private Redis; empty them.
        client = redis.Redis.from_url(self.settings["redis_url"])
        for key in client.scan_iter("studyteddy-server:rl:*"):
            client.delete(key)
        login = f"{self.settings['role']}-{uuid.uuid4().hex[:10]}"
        password = create_account(self.settings, login, self.settings["role"])
        answer = httpx.post(self.settings["url"] + "/v1/auth/login", json={"login": login, "password": password},
                            timeout=30)
        answer.raise_for_status()
        return answer.json()["access_token"]


def create_account(settings: dict, login: str, role: str) -> str:
    """By the CLI, as a school's admin makes the first admin; it prints the made-up password once."""
    made = subprocess.run([sys.executable, "-m", "sync_server", "--data-dir", settings["data_dir"],
                           "--database-url", settings["database_url"], "--redis-url", settings["redis_url"],
                           "admin", "create-account", login, "--name", "Fuzzed", "--role", role],
                          capture_output=True, text=True, timeout=120, cwd=ROOT)
    if made.returncode != 0:
        raise RuntimeError(made.stdout + made.stderr)
    return made.stdout.split("password: ")[1].split()[0]


if os.environ.get(ACCOUNT_ENV):
    SIGN_IN = KeptSignIn(json.loads(os.environ[ACCOUNT_ENV]))

    # No caching and no automatic retry on 401: the refresh and login operations answer 401 by design,
    # and re-signing in for each would exhaust the login limits; after_call below decides instead.
    @schemathesis.auth(refresh_interval=None, retry_on=[])
    class FuzzedAccountAuth:
        def get(self, case, context):
            return SIGN_IN.current()

        def set(self, case, data, context):
            case.headers = {**(case.headers or {}), "Authorization": f"Bearer {SIGN_IN.current()}"}

    @schemathesis.hook
    def before_call(context, case, kwargs):
        # Where an operation declares the protocol header, schemathesis sends its own values (and leaves it
        # out on purpose); elsewhere a real client sends it anyway.
        declared = any(parameter.name.lower() == PROTOCOL_HEADER.lower()
                       for parameter in case.operation.iter_parameters())
        if not declared:
            case.headers = {**(case.headers or {}), PROTOCOL_HEADER: "1"}

    @schemathesis.hook
    def after_call(context, case, response):
        if case.method.upper() in SESSION_ENDING_METHODS:
            SIGN_IN.check_still_signed_in()


def drain(stream) -> None:
    # The server logs a line per request into a pipe; unread, it fills and stalls the server mid-request.
    for _line in iter(stream.readline, b""):
        pass


def run_schemathesis(settings: dict, selection: list[str], max_examples: int, max_time: int,
                     report: Path) -> dict:
    environment = {**os.environ, ACCOUNT_ENV: json.dumps(settings), "SCHEMATHESIS_HOOKS": "openapi_fuzz",
                   "PYTHONPATH": os.pathsep.join([str(ROOT / "benchmarks"), str(ROOT)])}
    config = report.with_suffix(".toml")
    config.write_text(CHECKS_CONFIG)
    command = [str(Path(sys.executable).with_name("schemathesis")), "--config-file", str(config), "run",
               settings["url"] + "/openapi.json",
               "--max-examples", str(max_examples), "--max-time", str(max_time),
               "--workers", "1", "--request-timeout", "30", "--seed", "1", "--exclude-path", STREAMING_PATH,
               "--report", "json", "--report-json-path", str(report), "--no-color", *selection]
    finished = subprocess.run(command, env=environment, capture_output=True, text=True, timeout=max_time + 300,
                              cwd=ROOT)
    if not report.exists():
        raise RuntimeError(f"schemathesis wrote no report:\n{finished.stdout[-4000:]}\n{finished.stderr[-4000:]}")
    result = json.loads(report.read_text())
    result["console_tail"] = finished.stdout[-6000:]
    return result


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--max-examples", type=int, default=100, help="per operation and phase")
    parser.add_argument("--max-time", type=int, default=600, help="seconds per run (student, admin)")
    args = parser.parse_args()
    from benchmarks.sync_client import server_redis
    from studyteddy_desktop.config import Settings
    from studyteddy_desktop.runtime.service_runtime import ServiceRuntime
    from sync_server.core.config import ENV_PREFIX
    from tests.sync_server.conftest import start_server, stop_server

    with tempfile.TemporaryDirectory(prefix="studyteddy-openapi-fuzz-") as scratch, \
            contextlib.ExitStack() as stack:
        scratch_path = Path(scratch)
        runtime = ServiceRuntime(Settings(data_dir=scratch_path / "runtime"), with_worker=False)
        endpoints = runtime.start()
        stack.callback(runtime.stop)
        redis_url, _redis_server = stack.enter_context(server_redis(runtime, scratch_path / "server-redis"))
        server = start_server(scratch_path / "server", endpoints, redis_url=redis_url,
                              env={ENV_PREFIX + "SECRET_KEY": secrets.token_urlsafe(32)})
        threading.Thread(target=drain, args=(server.process.stdout,), daemon=True).start()
        failures: Counter[str] = Counter()
        runs = []
        started = time.perf_counter()
        try:
            base = {"url": server.url, "data_dir": str(scratch_path / "server"),
                    "database_url": endpoints.database_url, "redis_url": redis_url}
            for role, selection in (("student", ["--exclude-tag", "admin"]), ("admin", ["--include-tag", "admin"])):
                result = run_schemathesis({**base, "role": role}, selection, args.max_examples, args.max_time,
                                          scratch_path / f"{role}.json")
                runs.append((role, result))
                for failure in result["failures"]:
                    failures[f"{failure['type']} ({failure['title']})"] += failure["count"]
        finally:
            stop_server(server)
    elapsed = time.perf_counter() - started
    print(f"schemathesis {schemathesis.SCHEMATHESIS_VERSION}, up to {args.max_examples} examples per operation "
          f"and phase, {elapsed:.0f} s")
    for role, result in runs:
        operations, cases = result["operations"], result["test_cases"]
        phases = ", ".join(f"{name} {phase['status']}" for name, phase in result["phases"].items())
        print(f"{role:>8}: operations {operations['tested']} tested of {operations['selected']} selected; "
              f"cases {cases['generated']} generated, {cases['with_failures']} with failures, "
              f"{cases['errored']} errored; stop: {result['stop_reason']}; "
              f"phases: {phases}")
        for error in result["errors"]:
            print(f"          error: {error['title']} x{error['count']}")
        if result["failures"] or result["errors"]:
            print(result["console_tail"])
    print("failures by check: " + (", ".join(f"{name} {count}" for name, count in failures.most_common())
                                   if failures else "none"))
    print(f"CPU: {cpu_name()} ({os.cpu_count()} logical cores)")
    return 1 if failures or any(result["errors"] for _, result in runs) else 0


if __name__ == "__main__":
    sys.exit(main())

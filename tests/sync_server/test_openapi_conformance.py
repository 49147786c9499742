"""Schemathesis over a live server's /openapi.json with its default checks, as a student and as an admin."""

from __future__ import annotations

import dataclasses
import secrets
import subprocess
import sys
import uuid
from collections import Counter
from pathlib import Path

import httpx
import pytest
import redis
import schemathesis
import sqlalchemy as sa
from hypothesis import HealthCheck, settings
from schemathesis.config import SchemathesisConfig

from sync_server.core.config import ENV_PREFIX
from sync_server.core.errors import PROTOCOL_HEADER
from tests.sync_server.conftest import PROTOCOL, ServerProcess, start_server, stop_server

# Per operation and phase; with the coverage phase's own cases this stays at a few hundred in all.
EXAMPLES_PER_OPERATION = 8
# The server-sent events stream never ends by itself, so a generated request to it would never return.
STREAMING_PATH = "/v1/sync/events"
# The fuzzer may sign this account out, revoke its session, change its password or disable it; each
# later case must still reach the server signed in, or every answer would be a 401 and prove nothing.
SESSION_ENDING_METHODS = {"POST", "DELETE", "PUT"}
# A few renewals are expected (logout is one of the operations); many mean sign-in itself is broken.
MAX_RENEWALS = 200
HYPOTHESIS_SETTINGS = settings(max_examples=EXAMPLES_PER_OPERATION, deadline=None, derandomize=True,
                               suppress_health_check=list(HealthCheck), database=None)
CASES_RUN: Counter[str] = Counter()


@dataclasses.dataclass
class FuzzedServer:
    """A server of its own: a fresh database and Redis database, so what the fuzzer does stays here."""

    url: str
    data_dir: Path
    database_url: str
    redis_url: str
    output: ServerProcess

    def run_cli(self, *arguments: str) -> str:
        made = subprocess.run([sys.executable, "-m", "sync_server", "--data-dir", str(self.data_dir),
                               "--database-url", self.database_url, "--redis-url", self.redis_url, *arguments],
                              capture_output=True, text=True, timeout=120)
        assert made.returncode == 0, made.stdout + made.stderr
        return made.stdout


class SignedInAccount:
    """One account's access token, signed in again whenever a fuzzed call ended its session."""

    def __init__(self, server: FuzzedServer, role: str, make_account) -> None:
        self.server = server
        self.role = role
        self.make_account = make_account
        self.rate_limits = redis.Redis.from_url(server.redis_url)
        self.renewals = 0
        self.token = self._sign_in()

    def headers(self) -> dict[str, str]:
        return {**PROTOCOL, "Authorization": f"Bearer {self.token}"}

    def keep_signed_in(self) -> None:
        answer = httpx.get(self.server.url + "/v1/account", headers=self.headers(), timeout=30)
        if answer.status_code == 401:
            self.renewals += 1
            assert self.renewals <= MAX_RENEWALS, "the fuzzed account had to sign in again too often"
            self.token = self._sign_in()

    def _sign_in(self) -> str:
        # The fuzzer's own login attempts fill the login rate limits of this server's private Redis database;
        # emptying them lets the harness sign in again without waiting out the window.
        for key in self.rate_limits.scan_iter("studyteddy-server:rl:*"):
            self.rate_limits.delete(key)
        # A new account each time: the fuzzer may have disabled the last one or reset its password.
        login, password = self.make_account(self.role)
        answer = httpx.post(self.server.url + "/v1/auth/login", json={"login": login, "password": password},
                            headers=PROTOCOL, timeout=30)
        assert answer.status_code == 200, answer.text
        return answer.json()["access_token"]


@pytest.fixture(scope="module")
def fuzzed_server(endpoints, session_redis_url, tmp_path_factory) -> FuzzedServer:
    database_name = f"openapi_fuzz_{uuid.uuid4().hex[:8]}"
    administration = sa.create_engine(endpoints.database_url, isolation_level="AUTOCOMMIT", poolclass=sa.NullPool)
    with administration.connect() as connection:
        connection.execute(sa.text(f'CREATE DATABASE "{database_name}"'))
    database_url = sa.make_url(endpoints.database_url).set(database=database_name).render_as_string(
        hide_password=False)
    # Database 0 is the session's (the bundled Redis has 0..3); the fuzzer's rate-limit counters must not slow the other tests' sign-ins.
    redis_url = session_redis_url + ("&" if "?" in session_redis_url else "?") + "db=3"
    isolated = dataclasses.replace(endpoints, database_url=database_url)
    data_dir = tmp_path_factory.mktemp("openapi-fuzz")
    process = start_server(data_dir, isolated, redis_url=redis_url,
                           env={ENV_PREFIX + "SECRET_KEY": secrets.token_urlsafe(32)})
    output = process
    redis.Redis.from_url(redis_url).flushdb()
    yield FuzzedServer(process.url, data_dir, database_url, redis_url, output)
    stop_server(process)
    with administration.connect() as connection:
        connection.execute(sa.text(f'DROP DATABASE IF EXISTS "{database_name}" WITH (FORCE)'))
    administration.dispose()


@pytest.fixture(scope="module")
def accounts(fuzzed_server):
    """A maker of fresh accounts: admins by the CLI (as a school's first admin), others by an admin's API call."""
    created = {"admin": None}

    def make_account(role: str) -> tuple[str, str]:
        login = f"{role}-{uuid.uuid4().hex[:10]}"
        if role == "admin":
            output = fuzzed_server.run_cli("admin", "create-account", login, "--name", "Fuzz admin", "--role", "admin")
            return login, output.split("password: ")[1].split()[0]
        password = "correct horse battery staple"
        maker = created["admin"] or SignedInAccount(fuzzed_server, "admin", make_account)
        created["admin"] = maker
        answer = httpx.post(fuzzed_server.url + "/v1/admin/accounts", headers=maker.headers(), timeout=30,
                            json={"login": login, "display_name": "Ada", "password": password, "role": role})
        assert answer.status_code == 201, answer.text
        return login, password

    return make_account


@pytest.fixture(scope="module")
def student(fuzzed_server, accounts) -> SignedInAccount:
    return SignedInAccount(fuzzed_server, "student", accounts)


@pytest.fixture(scope="module")
def admin(fuzzed_server, accounts) -> SignedInAccount:
    return SignedInAccount(fuzzed_server, "admin", accounts)


# The server's documented refusals that the defaults do not list: a sync request without a supported
# Study-Teddy-Protocol is answered 426 "update needed" (the protocol's rule for old clients).
CHECKS_CONFIG = {
    "checks": {"negative_data_rejection": {"expected-statuses": ["400", "401", "403", "404", "405", "406", "409",
                                                                 "413", "415", "422", "426", "428", "429", "5xx"]},
               "missing_required_header": {"expected-statuses": ["400", "401", "403", "406", "415", "422", "426"]}},
    # What no schema can state: a roster is CSV that needs the columns login and display_name (the 422 names
    # the missing ones), and a blob's bytes must hash to its name (422 hash_mismatch). Only the check that
    # valid-looking data is accepted is off there; every other check still runs on both operations.
    "operations": [*({"include-path": path, "checks": {"positive_data_acceptance": {"enabled": False}}}
                     for path in ("/v1/admin/accounts/import", "/v1/blobs/{sha256}")),
                   # A pushed value PostgreSQL cannot hold (NUL, a lone surrogate anywhere inside it) is refused
                   # by name with 422 unstorable_value: also beyond what a schema of "any JSON" can say.
                   {"include-path": "/v1/sync/push",
                    "checks": {"positive_data_acceptance": {"expected-statuses": ["2xx", "401", "403", "404", "409",
                                                                                  "413", "422", "429"]}}}],
}


def live_schema_signed_in_as(server: FuzzedServer, account: SignedInAccount):
    """Loaded from the running server, as a client sees it; schemathesis itself puts the account's token on
    each case, so the cases that leave the token out (to test that auth is enforced) really leave it out."""
    loaded = schemathesis.openapi.from_url(server.url + "/openapi.json",
                                           config=SchemathesisConfig.from_dict(CHECKS_CONFIG))

    @loaded.auth(refresh_interval=None, retry_on=[])
    class AccountToken:
        def get(self, case, context):
            return account.token

        def set(self, case, data, context):
            case.headers = {**(case.headers or {}), "Authorization": f"Bearer {account.token}"}

    return loaded


@pytest.fixture(scope="module")
def student_schema(fuzzed_server, student):
    return live_schema_signed_in_as(fuzzed_server, student)


@pytest.fixture(scope="module")
def admin_schema(fuzzed_server, admin):
    return live_schema_signed_in_as(fuzzed_server, admin)


@pytest.fixture(autouse=True)
def _node_id_for_schemathesis(request) -> None:
    # schemathesis 4.32's lazy loader renames the test node through `_nodeid`, which pytest 9 no longer has.
    if not hasattr(request.node, "_nodeid"):
        request.node._nodeid = request.node.nodeid


def protocol_headers(operation) -> dict[str, str]:
    """The protocol header for operations that do not declare it; where declared, schemathesis sends its own
    values (valid ones, and invalid ones that must be refused)."""
    declared = any(parameter.name.lower() == PROTOCOL_HEADER.lower() for parameter in operation.iter_parameters())
    return {} if declared else dict(PROTOCOL)


def call_and_check(case, account: SignedInAccount, run: str) -> None:
    CASES_RUN[run] += 1
    try:
        case.call_and_validate(headers=protocol_headers(case.operation), timeout=30)
    except Exception as failure:
        failure.add_note("The server's last log lines:\n" + "".join(account.server.output.lines[-30:]))
        raise
    finally:
        if case.method.upper() in SESSION_ENDING_METHODS:
            account.keep_signed_in()


@HYPOTHESIS_SETTINGS
@schemathesis.pytest.from_fixture("student_schema").exclude(tag="admin").exclude(path=STREAMING_PATH).parametrize()
def test_every_student_operation_conforms(case, student) -> None:
    call_and_check(case, student, "student")


@HYPOTHESIS_SETTINGS
@schemathesis.pytest.from_fixture("admin_schema").include(tag="admin").parametrize()
def test_every_admin_operation_conforms(case, admin) -> None:
    call_and_check(case, admin, "admin")


def test_stateful_sequences_conform(student_schema, student, capsys) -> None:
    """Chains of calls along the links schemathesis infers (a session listed, then revoked): use_after_free's ground."""

    class StudentSequences(student_schema.exclude(tag="admin").exclude(path=STREAMING_PATH).as_state_machine()):
        def get_call_kwargs(self, case):
            return {"headers": protocol_headers(case.operation), "timeout": 30}

        def after_call(self, response, case):
            CASES_RUN["stateful"] += 1
            if case.method.upper() in SESSION_ENDING_METHODS:
                student.keep_signed_in()

    StudentSequences.run(settings=settings(max_examples=10, stateful_step_count=6, deadline=None,
                                           suppress_health_check=list(HealthCheck), database=None))
    with capsys.disabled():
        print(f"\nschemathesis {schemathesis.SCHEMATHESIS_VERSION} cases run: {dict(CASES_RUN)}, "
              f"total {sum(CASES_RUN.values())}; sign-ins renewed: student {student.renewals}")
    assert CASES_RUN["stateful"] > 0
